//! `unbounded_channel`: the bounded constructor with a capacity placeholder, and the sender
//! and receiver types renamed where they are declared in the same file (the constructor's
//! own `let`, the struct fields the sender is stored in). Always `HasPlaceholders`: a person
//! picks the capacity, and the sends may change (tokio's bounded `send` is awaited).

use std::ops::Range;

use syn::visit::{self, Visit};

use super::syntax::FileSyntax;
use crate::diagnostic::{Applicability, Edit, Suggestion};
use crate::span::Span;

/// What the rule knows about the channel to bound.
pub(super) struct BoundChannel<'r> {
    pub call: Span,
    pub bounded_function: &'r str,
    pub placeholder: &'r str,
    pub type_renames: &'r [(&'static str, &'static str)],
    pub sender_fields: &'r [(String, String)],
}

pub(super) fn bound(syntax: &FileSyntax<'_>, channel: &BoundChannel<'_>) -> Option<Suggestion> {
    let call_range = channel.call.byte_start as usize..channel.call.byte_end as usize;
    let mut finder = CallFinder {
        syntax,
        target: call_range.clone(),
        call: None,
    };
    finder.visit_file(&syntax.tree);
    let call = finder.call?;
    let syn::Expr::Path(function) = &*call.func else {
        return None;
    };
    let last = function.path.segments.last()?;
    let mut edits = vec![syntax.edit(syntax.range(&last.ident), channel.bounded_function)];
    if !call.args.is_empty() {
        return None;
    }
    let parens = syntax.range(&call.paren_token.span.join());
    edits.push(syntax.edit(parens, format!("({})", channel.placeholder)));
    if !channel.type_renames.is_empty() {
        if let Some((block, index)) = syntax.statement_around(call_range)
            && let syn::Stmt::Local(local) = &block.stmts[index]
            && let syn::Pat::Type(typed) = &local.pat
        {
            rename_types(syntax, &typed.ty, channel.type_renames, &mut edits);
        }
        for (owner, field) in channel.sender_fields {
            if let Some(ty) = field_type(&syntax.tree, owner, field) {
                rename_types(syntax, ty, channel.type_renames, &mut edits);
            }
        }
    }
    let retyped = edits.len() > 2;
    let awaited_sends = channel
        .type_renames
        .iter()
        .any(|(from, _)| *from == "UnboundedSender");
    Some(Suggestion {
        message: format!(
            "bound the queue: `{}({})`, choosing a capacity{}{}",
            channel.bounded_function,
            channel.placeholder,
            if retyped {
                ", with the sender and receiver types it returns (import them where needed)"
            } else {
                ""
            },
            if awaited_sends {
                "; its `send` then waits for room: `.await` it (or use `try_send`)"
            } else {
                ""
            }
        ),
        edits,
        applicability: Applicability::HasPlaceholders,
        sites: Vec::new(),
    })
}

/// Renames the last segment of every path in `ty` that `renames` lists.
fn rename_types(
    syntax: &FileSyntax<'_>,
    ty: &syn::Type,
    renames: &[(&'static str, &'static str)],
    edits: &mut Vec<Edit>,
) {
    struct Renamer<'s, 'a, 'e> {
        syntax: &'s FileSyntax<'a>,
        renames: &'s [(&'static str, &'static str)],
        edits: &'e mut Vec<Edit>,
    }
    impl<'ast> Visit<'ast> for Renamer<'_, '_, '_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if let Some(last) = path.segments.last()
                && let Some((_, to)) = self.renames.iter().find(|(from, _)| last.ident == from)
            {
                let range: Range<usize> = self.syntax.range(&last.ident);
                self.edits.push(self.syntax.edit(range, *to));
            }
            visit::visit_path(self, path);
        }
    }
    Renamer {
        syntax,
        renames,
        edits,
    }
    .visit_type(ty);
}

/// The type of `owner`'s field `field`, when the struct is declared in this file.
fn field_type<'t>(tree: &'t syn::File, owner: &str, field: &str) -> Option<&'t syn::Type> {
    struct FieldFinder<'t, 'q> {
        owner: &'q str,
        field: &'q str,
        found: Option<&'t syn::Type>,
    }
    impl<'t> Visit<'t> for FieldFinder<'t, '_> {
        fn visit_item_struct(&mut self, item: &'t syn::ItemStruct) {
            if item.ident == self.owner {
                for candidate in &item.fields {
                    if candidate
                        .ident
                        .as_ref()
                        .is_some_and(|name| name == self.field)
                    {
                        self.found = Some(&candidate.ty);
                    }
                }
            }
            visit::visit_item_struct(self, item);
        }
    }
    let mut finder = FieldFinder {
        owner,
        field,
        found: None,
    };
    finder.visit_file(tree);
    finder.found
}

struct CallFinder<'s, 'a> {
    syntax: &'s FileSyntax<'a>,
    target: Range<usize>,
    call: Option<&'s syn::ExprCall>,
}

impl<'s> Visit<'s> for CallFinder<'s, '_> {
    fn visit_expr_call(&mut self, node: &'s syn::ExprCall) {
        let range = self.syntax.range(node);
        if range.start <= self.target.start && self.target.end <= range.end {
            self.call = Some(node);
        }
        visit::visit_expr_call(self, node);
    }
}
