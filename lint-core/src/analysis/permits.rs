//! Whether work waits for a concurrency permit before it runs: a permit call (`acquire`,
//! `acquire_owned`, ..., the user's bound markers) or an awaited permit
//! (`permit_future.await`, `let _permit = limiter.wait().await`), in the expression itself,
//! in the `let` that built a future it uses, or in the workspace functions it calls, a few
//! calls deep. `unbounded_spawn` asks it about the future a loop spawns: a task that takes
//! a permit first is bounded, wherever the permit is taken (`tokio::spawn(work(sem.clone(),
//! db))` where `work` does `let _p = sem.acquire().await`).

use std::collections::BTreeSet;

use super::exprs::name_of;
use super::{FunctionRef, Program};
use crate::knowledge::adaptors::is_result_adapter;
use crate::knowledge::bounds::names_permit;
use crate::model::{Block, Expr, ExprKind, Function, LetStmt, Stmt};

/// How far calls are followed from the spawned expression.
const MAX_CALL_DEPTH: usize = 3;

/// Workspace callees followed per call (a trait method may have many implementations).
const MAX_CALLEES_PER_CALL: usize = 8;

/// Whether evaluating and running `expr` (in `function`'s body) takes a permit.
pub fn takes_permit(program: &Program<'_>, function: FunctionRef, expr: &Expr) -> bool {
    let markers = program.knowledge.permit_calls();
    let mut search = PermitSearch {
        program,
        markers: &markers,
        visited: BTreeSet::new(),
    };
    search.in_expr(function, expr)
}

/// Whether `exprs` (one iteration of a loop) wait for a permit themselves: a permit call or
/// an awaited permit, not looking into the functions they call.
pub fn waits_for_permit(program: &Program<'_>, exprs: &[&Expr]) -> bool {
    let markers = program.knowledge.permit_calls();
    exprs.iter().any(|expr| direct_permit(expr, &markers))
}

struct PermitSearch<'p, 'a, 'm> {
    program: &'p Program<'a>,
    markers: &'m [&'m str],
    visited: BTreeSet<FunctionRef>,
}

impl PermitSearch<'_, '_, '_> {
    fn in_expr(&mut self, function: FunctionRef, expr: &Expr) -> bool {
        let body = self.program.function(function);
        let mut parts = vec![expr];
        for init in local_inits(body, expr) {
            if direct_permit(init, self.markers) {
                return true;
            }
            // A future or closure runs in the task; an awaited value was computed before.
            if !is_awaited_value(init) {
                parts.push(init);
            }
        }
        if direct_permit(expr, self.markers) {
            return true;
        }
        let callees = self.callees_in(function, &parts);
        callees
            .into_iter()
            .any(|callee| self.in_function(callee, 1))
    }

    fn in_function(&mut self, function: FunctionRef, depth: usize) -> bool {
        if !self.visited.insert(function) {
            return false;
        }
        let definition = self.program.function(function);
        let mut found = false;
        definition
            .body
            .for_each_expr(&mut |expr| found = found || direct_permit(expr, self.markers));
        found = found || binds_permit(&definition.body);
        if found {
            return true;
        }
        if depth >= MAX_CALL_DEPTH {
            return false;
        }
        let callees: Vec<FunctionRef> = self
            .program
            .call_sites
            .in_function(function)
            .iter()
            .flat_map(|site| site.callees.iter().take(MAX_CALLEES_PER_CALL).copied())
            .collect();
        callees
            .into_iter()
            .any(|callee| self.in_function(callee, depth + 1))
    }

    /// The workspace functions the calls in `parts` may reach.
    fn callees_in(&self, function: FunctionRef, parts: &[&Expr]) -> Vec<FunctionRef> {
        let mut callees = Vec::new();
        for part in parts {
            part.walk(&mut |inner| {
                if !matches!(
                    inner.kind,
                    ExprKind::Call { .. } | ExprKind::MethodCall { .. }
                ) {
                    return;
                }
                if let Some(site) = self.program.call_sites.at(function, inner.span) {
                    callees.extend(site.callees.iter().take(MAX_CALLEES_PER_CALL).copied());
                }
            });
        }
        callees.sort();
        callees.dedup();
        callees
    }
}

/// The initializers of the locals `expr` uses (`let fut = work(sem.clone(), db);` for
/// `spawn(fut)`, `let permit = permit_future.await;` for `spawn(run(x, permit))`): for each
/// name, the last `let` before `expr` (a later one shadows nothing here).
fn local_inits<'f>(function: &'f Function, expr: &Expr) -> Vec<&'f Expr> {
    let mut names = Vec::new();
    expr.walk(&mut |inner| {
        if let ExprKind::Path(path) = &inner.kind
            && path.segments.len() == 1
        {
            names.push(path.last().to_string());
        }
    });
    let mut latest: Vec<(&str, &'f LetStmt)> = Vec::new();
    if names.is_empty() {
        return Vec::new();
    }
    function.body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            let Stmt::Let(let_stmt) = stmt else {
                continue;
            };
            let Some(name) = let_stmt.pattern.simple_name() else {
                continue;
            };
            if let_stmt.span.byte_end > expr.span.byte_start
                || !names.iter().any(|used| used == name)
            {
                continue;
            }
            match latest.iter_mut().find(|(known, _)| *known == name) {
                Some(entry) if entry.1.span.byte_start < let_stmt.span.byte_start => {
                    entry.1 = let_stmt;
                }
                Some(_) => {}
                None => latest.push((name, let_stmt)),
            }
        }
    });
    latest
        .into_iter()
        .filter_map(|(_, let_stmt)| let_stmt.init.as_ref())
        .collect()
}

/// `work(x).await?`, `fetch().await.unwrap()`: a value, computed where it is bound.
fn is_awaited_value(init: &Expr) -> bool {
    let mut current = init;
    loop {
        match &current.kind {
            ExprKind::Await(_) => return true,
            ExprKind::Try(inner) => current = inner,
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_result_adapter(method) => current = receiver,
            _ => return false,
        }
    }
}

/// A permit call or an awaited permit anywhere in `expr` (closures and async blocks
/// included: a spawned task runs them).
fn direct_permit(expr: &Expr, markers: &[&str]) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        found |= match &inner.kind {
            ExprKind::MethodCall { method, .. } => markers.contains(&method.as_str()),
            ExprKind::Call { callee, .. } => {
                matches!(&callee.kind, ExprKind::Path(path) if markers.contains(&path.last()))
            }
            ExprKind::Await(awaited) => awaits_a_permit(awaited),
            ExprKind::Block(block) | ExprKind::Async { body: block, .. } => binds_permit(block),
            ExprKind::Loop(loop_expr) => binds_permit(&loop_expr.body),
            ExprKind::If(if_expr) => binds_permit(&if_expr.then_branch),
            _ => false,
        };
    });
    found
}

/// `permit_future.await`, `self.search_permit(..).await`: a future named for a permit.
fn awaits_a_permit(awaited: &Expr) -> bool {
    let mut current = awaited;
    loop {
        if name_of(current).is_some_and(|name| names_permit(&name.to_lowercase())) {
            return true;
        }
        match &current.kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                if names_permit(&method.to_lowercase()) {
                    return true;
                }
                current = receiver;
            }
            _ => return false,
        }
    }
}

/// `let _permit = limiter.wait().await;`: a binding named for a permit, from an awaited
/// value, in the block's own statements.
fn binds_permit(block: &Block) -> bool {
    block.stmts.iter().any(|stmt| {
        let Stmt::Let(let_stmt) = stmt else {
            return false;
        };
        let awaited = let_stmt.init.as_ref().is_some_and(|init| {
            let mut found = false;
            init.walk(&mut |inner| found |= matches!(inner.kind, ExprKind::Await(_)));
            found
        });
        awaited
            && let_stmt
                .pattern
                .bindings
                .iter()
                .any(|binding| names_permit(&binding.name.to_lowercase()))
    })
}
