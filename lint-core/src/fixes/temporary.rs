//! `guard_across_await` through a temporary: `send(self.queue.lock().unwrap().len()).await`
//! keeps the guard to the end of the statement, across the `.await`. Bind the value taken
//! from the guard to a `let` before the statement, whose `;` drops the guard.
//!
//! The value is the longest method chain (or field access) that starts at the lock; it must
//! reach past the guard itself. Machine-applicable when the chain ends in a method with an
//! owned result and nothing with effects runs before it in the statement (it now runs
//! first); otherwise maybe-incorrect.

use std::ops::Range;

use syn::visit::{self, Visit};

use super::reuse_guard::guard_expression;
use super::syntax::{FileSyntax, last_method};
use crate::diagnostic::{Applicability, Suggestion};
use crate::span::Span;

/// Methods that still hand out the guard (or a lock), not a value taken from it.
const GUARD_METHODS: &[&str] = &["lock", "read", "write", "try_lock", "unwrap", "expect"];

pub(super) fn hoist(
    syntax: &FileSyntax<'_>,
    acquisition: Span,
    await_span: Span,
) -> Option<Suggestion> {
    let site = acquisition.byte_start as usize..acquisition.byte_end as usize;
    let awaited = await_span.byte_start as usize..await_span.byte_end as usize;
    let guard = guard_expression(syntax, acquisition)?;
    let (block, index) = syntax.statement_around(site.clone())?;
    let statement = &block.stmts[index];
    let statement_range = syntax.range(statement);
    if !(statement_range.start <= awaited.start && awaited.end <= statement_range.end) {
        return None;
    }
    let mut finder = ChainFinder {
        syntax,
        site,
        awaited,
        longest: None,
    };
    finder.visit_stmt(statement);
    let (chain_range, chain) = finder.longest?;
    let method = last_method(chain).unwrap_or_default();
    if chain_range.end <= guard.end || GUARD_METHODS.contains(&method.as_str()) {
        return None;
    }
    let name = quote::format_ident!(
        "{}",
        syntax.fresh_name(
            &["value", "taken"],
            syntax.rest_of_block(statement_range.clone())
        )
    );
    let prefix = &syntax.text[statement_range.start..chain_range.start];
    let runs_nothing_first = !prefix.contains(')') && !prefix.contains(".await");
    let owned = super::scrutinee::owned_result(&method);
    let indentation = syntax.indentation_at(statement_range.start);
    let binding = syntax.render(quote::quote!(let #name = #chain;));
    Some(Suggestion {
        message: format!(
            "take the value before the statement (`let {name} = ..;`), so the guard is dropped before the `.await`"
        ),
        edits: vec![
            syntax.edit(
                statement_range.start..statement_range.start,
                format!("{binding}\n{indentation}"),
            ),
            syntax.edit(chain_range, name.to_string()),
        ],
        applicability: if owned && runs_nothing_first {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        sites: Vec::new(),
    })
}

/// The longest method chain or field access whose spine (receivers, bases) holds the
/// acquisition, and which does not hold the `.await`.
struct ChainFinder<'s, 'a> {
    syntax: &'s FileSyntax<'a>,
    site: Range<usize>,
    awaited: Range<usize>,
    longest: Option<(Range<usize>, &'s syn::Expr)>,
}

impl ChainFinder<'_, '_> {
    fn holds_site(&self, node: &impl syn::spanned::Spanned) -> bool {
        let range = self.syntax.range(node);
        range.start <= self.site.start && self.site.end <= range.end
    }
}

impl<'s> Visit<'s> for ChainFinder<'s, '_> {
    fn visit_expr(&mut self, expr: &'s syn::Expr) {
        let spine_holds_site = match expr {
            syn::Expr::MethodCall(call) => self.holds_site(&call.receiver),
            syn::Expr::Field(field) => self.holds_site(&field.base),
            _ => false,
        };
        let range = self.syntax.range(expr);
        let holds_await = range.start <= self.awaited.start && self.awaited.end <= range.end;
        if spine_holds_site && !holds_await {
            let longer = self
                .longest
                .as_ref()
                .is_none_or(|(longest, _)| range.len() > longest.len());
            if longer {
                self.longest = Some((range, expr));
            }
        }
        visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, _: &'s syn::Macro) {}

    fn visit_item(&mut self, _: &'s syn::Item) {}
}
