//! `guard_across_await`: end a guard bound by `let` before the `.await`, with
//! `drop(guard);` after the last statement that uses it, when that statement comes before
//! the one that awaits.
//!
//! Machine-applicable when every use before the drop reads through the guard (`guard.x`,
//! `guard[i]`, `*guard`, `&guard`) — so it has not been moved — and no local that may borrow
//! from it (a `let` whose value is not owned) is used after the drop.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

use super::syntax::{FileSyntax, last_method, mentions};
use crate::diagnostic::{Applicability, Suggestion};
use crate::span::Span;

pub(super) fn end_before_await(
    syntax: &FileSyntax<'_>,
    acquisition: Span,
    binding: &str,
    await_span: Span,
) -> Option<Suggestion> {
    let site = acquisition.byte_start as usize..acquisition.byte_end as usize;
    let awaited = await_span.byte_start as usize..await_span.byte_end as usize;
    let (block, declared) = syntax.statement_around(site)?;
    let syn::Stmt::Local(local) = &block.stmts[declared] else {
        return None;
    };
    if !binds_exactly(&local.pat, binding) {
        return None;
    }
    let statements = &block.stmts;
    let awaiting = (declared + 1..statements.len()).find(|&index| {
        let range = syntax.range(&statements[index]);
        range.start <= awaited.start && awaited.end <= range.end
    })?;
    let tokens = |index: usize| statements[index].to_token_stream();
    if (awaiting..statements.len()).any(|index| mentions(tokens(index), binding)) {
        let untouched_until_after =
            !(declared + 1..=awaiting).any(|index| mentions(tokens(index), binding));
        return untouched_until_after
            .then(|| lock_after_await(syntax, &statements[declared], &statements[awaiting]))
            .flatten();
    }
    let rebinds = (declared + 1..awaiting).any(|index| match &statements[index] {
        syn::Stmt::Local(other) => mentions(other.pat.to_token_stream(), binding),
        _ => false,
    });
    if rebinds {
        return None;
    }
    let last_use = (declared + 1..awaiting)
        .rev()
        .find(|&index| mentions(tokens(index), binding))
        .unwrap_or(declared);
    let only_reads =
        (declared + 1..=last_use).all(|index| only_reads_through(tokens(index), binding));
    let borrow_escapes = (declared + 1..=last_use).any(|index| {
        let syn::Stmt::Local(other) = &statements[index] else {
            return false;
        };
        let may_borrow = other.init.as_ref().is_some_and(|init| {
            mentions(init.expr.to_token_stream(), binding)
                && !last_method(&init.expr)
                    .is_some_and(|method| super::scrutinee::owned_result(&method))
        });
        may_borrow
            && pattern_names(&other.pat).iter().any(|name| {
                (last_use + 1..statements.len()).any(|later| mentions(tokens(later), name))
            })
    });
    let end = syntax.line_end_after(syntax.range(&statements[last_use]).end);
    let next_start = syntax.range(&statements[last_use + 1]).start;
    let indentation = syntax.indentation_at(next_start);
    let guard = quote::format_ident!("{}", binding);
    let statement = syntax.render(quote::quote!(drop(#guard);));
    Some(Suggestion {
        message: format!(
            "drop the guard after its last use, before the `.await`: `drop({guard});`"
        ),
        edits: vec![syntax.edit(end..end, format!("\n{indentation}{statement}"))],
        applicability: if only_reads && !borrow_escapes {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
        sites: Vec::new(),
    })
}

/// The guard is first used after the `.await`: take the lock after it, moving the `let` below
/// the statement that awaits. Maybe incorrect: the locked data is then read later.
fn lock_after_await(
    syntax: &FileSyntax<'_>,
    declaration: &syn::Stmt,
    awaiting: &syn::Stmt,
) -> Option<Suggestion> {
    let declared = syntax.range(declaration);
    let line_start = syntax.text[..declared.start]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let alone_on_its_lines = syntax.text[line_start..declared.start].trim().is_empty()
        && syntax.text[declared.end..]
            .split('\n')
            .next()
            .is_some_and(|rest| rest.trim().is_empty());
    if !alone_on_its_lines {
        return None;
    }
    let line_end = syntax.text[declared.end..]
        .find('\n')
        .map_or(syntax.text.len(), |at| declared.end + at + 1);
    let after = syntax.line_end_after(syntax.range(awaiting).end);
    let indentation = syntax.indentation_at(declared.start);
    let text = syntax.slice(declared);
    Some(Suggestion {
        message: "take the lock after the `.await`, where the guard is first used".to_string(),
        edits: vec![
            syntax.edit(line_start..line_end, ""),
            syntax.edit(after..after, format!("\n{indentation}{text}")),
        ],
        applicability: Applicability::MaybeIncorrect,
        sites: Vec::new(),
    })
}

/// `let name = ..`, `let mut name = ..`, `let name: T = ..`.
fn binds_exactly(pattern: &syn::Pat, binding: &str) -> bool {
    match pattern {
        syn::Pat::Ident(ident) => {
            ident.by_ref.is_none() && ident.subpat.is_none() && ident.ident == binding
        }
        syn::Pat::Type(typed) => binds_exactly(&typed.pat, binding),
        _ => false,
    }
}

/// The names a pattern binds (its lowercase identifiers).
fn pattern_names(pattern: &syn::Pat) -> Vec<String> {
    let mut names = Vec::new();
    collect_lowercase(pattern.to_token_stream(), &mut names);
    names
}

fn collect_lowercase(tokens: TokenStream, out: &mut Vec<String>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if name.starts_with(|c: char| c.is_lowercase() || c == '_')
                    && !["mut", "ref"].contains(&name.as_str())
                {
                    out.push(name);
                }
            }
            TokenTree::Group(group) => collect_lowercase(group.stream(), out),
            _ => {}
        }
    }
}

/// Whether every mention of `binding` in `tokens` reads through it (`binding.x`,
/// `binding[i]`, `*binding`, `&binding`) rather than moving it.
fn only_reads_through(tokens: TokenStream, binding: &str) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.iter().enumerate().all(|(index, tree)| match tree {
        TokenTree::Ident(ident) if ident == binding => {
            let before = index.checked_sub(1).and_then(|at| trees.get(at));
            let after = trees.get(index + 1);
            let borrowed_or_derefed = matches!(before, Some(TokenTree::Punct(punct)) if matches!(punct.as_char(), '&' | '*'));
            let read_through = match after {
                Some(TokenTree::Punct(punct)) => punct.as_char() == '.',
                Some(TokenTree::Group(group)) => group.delimiter() == Delimiter::Bracket,
                _ => false,
            };
            borrowed_or_derefed || read_through
        }
        TokenTree::Group(group) => only_reads_through(group.stream(), binding),
        _ => true,
    })
}
