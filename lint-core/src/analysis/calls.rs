//! Call sites of paths (`mpsc::channel()`, `Self::new()`, `helper(x)`), resolved to canonical
//! paths, from every function body and static initializer.

use rayon::prelude::*;

use super::FunctionRef;
use crate::model::{Expr, ExprKind, FileFacts, PathRef, ScopeId};
use crate::resolve::{Resolved, Resolver};
use crate::span::Span;

/// A call whose callee is a path.
#[derive(Clone, Debug)]
pub struct CallSite {
    pub file: usize,
    /// The function whose body holds the call; `None` in a static's initializer.
    pub function: Option<FunctionRef>,
    pub written: PathRef,
    pub resolved: Resolved,
    /// The whole call expression, callee to closing parenthesis.
    pub span: Span,
    pub callee_span: Span,
    pub arg_count: usize,
}

pub fn collect_call_sites(files: &[FileFacts], resolver: &Resolver<'_>) -> Vec<CallSite> {
    files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(file_index, facts)| call_sites_of_file(resolver, file_index, facts))
        .collect()
}

fn call_sites_of_file(
    resolver: &Resolver<'_>,
    file_index: usize,
    facts: &FileFacts,
) -> Vec<CallSite> {
    let mut sites = Vec::new();
    {
        for (index, function) in facts.functions.iter().enumerate() {
            let owner = Some(FunctionRef {
                file: file_index,
                index,
            });
            function.body.walk(&mut |expr| {
                push_call_site(
                    resolver,
                    file_index,
                    function.scope,
                    owner,
                    expr,
                    &mut sites,
                )
            });
        }
        for static_def in &facts.statics {
            if let Some(init) = &static_def.init {
                init.walk(&mut |expr| {
                    push_call_site(
                        resolver,
                        file_index,
                        static_def.scope,
                        None,
                        expr,
                        &mut sites,
                    )
                });
            }
        }
    }
    sites
}

fn push_call_site(
    resolver: &Resolver<'_>,
    file: usize,
    scope: ScopeId,
    function: Option<FunctionRef>,
    expr: &Expr,
    sites: &mut Vec<CallSite>,
) {
    let ExprKind::Call { callee, args } = &expr.kind else {
        return;
    };
    let ExprKind::Path(path) = &callee.kind else {
        return;
    };
    sites.push(CallSite {
        file,
        function,
        written: path.clone(),
        resolved: resolver.resolve(file, scope, path),
        span: expr.span,
        callee_span: callee.span,
        arg_count: args.len(),
    });
}
