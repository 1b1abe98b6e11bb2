//! `double_lock` through a scrutinee temporary: bind the scrutinee's value before the
//! `match`/`if let`/`while let`, so the guard ends before the arms run.
//!
//! A `let` statement drops its initializer's temporaries at its `;` in every edition, so the
//! rewrite is the same in 2015–2024; what differs by edition (an `if let` guard alive in the
//! `else` before 2024) only decides whether there is a finding to fix.
//!
//! How the value is taken depends on what can be proven from the syntax:
//! - every pattern is `Some(_)`, `None` or `_`: only presence is matched, so
//!   `.is_some()` (an `if`/`while` condition drops its temporaries before the body) —
//!   machine-applicable;
//! - the chain ends in a method whose result is owned (`cloned`, `len`, `remove`, ...):
//!   the value as is — machine-applicable;
//! - every pattern destructures a reference to a `Copy` value (`Some(&n)`), or binds it
//!   in an arm whose value is `*n` (a move out of the reference, which needs `Copy`):
//!   `.copied()`, the patterns without `&` and the `*n` without `*` — machine-applicable;
//! - the chain ends in a getter of a reference (`get`, `first`, ...): `.cloned()` — maybe
//!   incorrect (the value must be `Clone`, the arms then see an owned value);
//! - `_mut` getters: no suggestion (a copy would lose the writes).

use std::ops::Range;

use super::syntax::{FileSyntax, Scrutinee, ScrutineeKind, last_method};
use crate::diagnostic::{Applicability, Edit, Suggestion};
use crate::span::Span;

/// Methods whose result owns its data for the standard collections and wrappers.
const OWNED_RESULTS: &[&str] = &[
    "cloned",
    "copied",
    "clone",
    "to_owned",
    "to_string",
    "to_vec",
    "len",
    "is_empty",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "contains",
    "contains_key",
    "remove",
    "swap_remove",
    "pop",
    "pop_front",
    "pop_back",
    "take",
    "insert",
    "replace",
    "count",
];

/// Whether `method`'s result owns its data (for the standard collections and wrappers).
pub(super) fn owned_result(method: &str) -> bool {
    OWNED_RESULTS.contains(&method)
}

/// Getters that return an `Option` of a reference into the collection.
const REFERENCE_GETTERS: &[&str] = &["get", "first", "last", "front", "back", "peek"];

pub(super) fn hoist(
    syntax: &FileSyntax<'_>,
    acquisition: Span,
    second: Span,
) -> Option<Suggestion> {
    let target = acquisition.byte_start as usize..acquisition.byte_end as usize;
    let scrutinee = syntax.scrutinee_around(target)?;
    let scrutinee_range = syntax.range(scrutinee.expr);
    if scrutinee_range.start <= second.byte_start as usize
        && second.byte_end as usize <= scrutinee_range.end
    {
        // Both acquisitions are in the scrutinee: a `let` of it would still take both.
        return None;
    }
    match plan(&scrutinee) {
        Plan::Presence => presence(syntax, &scrutinee),
        Plan::Value {
            suffix,
            applicability,
            unreference_patterns,
        } => bind_value(
            syntax,
            &scrutinee,
            suffix,
            applicability,
            unreference_patterns,
        ),
        Plan::None => None,
    }
}

/// How to take the scrutinee's value without its guard.
enum Plan {
    /// Only `Some(_)`/`None`/`_` are matched.
    Presence,
    /// Bind `scrutinee + suffix`.
    Value {
        suffix: &'static str,
        applicability: Applicability,
        /// `Some(&n)` patterns become `Some(n)` (with `.copied()`).
        unreference_patterns: bool,
    },
    None,
}

fn plan(scrutinee: &Scrutinee<'_>) -> Plan {
    let method = last_method(scrutinee.expr);
    let method = method.as_deref().unwrap_or("");
    let mut shapes: Vec<PatternShape> = scrutinee
        .patterns
        .iter()
        .map(|pattern| shape(pattern))
        .collect();
    for (index, arm) in scrutinee.arms.iter().enumerate() {
        if copied_through_deref(arm).is_some() {
            shapes[index] = PatternShape::CopiedSome;
        }
    }
    if method.ends_with("_mut") || method == "entry" || method == "lock" || method == "unwrap" {
        return Plan::None;
    }
    if let syn::Expr::Reference(reference) = scrutinee.expr
        && reference.mutability.is_some()
    {
        return Plan::None;
    }
    let mutably_bound = shapes.contains(&PatternShape::Other { ref_mut: true });
    let option_patterns = shapes.iter().all(|shape| {
        matches!(
            shape,
            PatternShape::Presence | PatternShape::Wild | PatternShape::CopiedSome
        )
    });
    let matches_some = shapes
        .iter()
        .any(|shape| matches!(shape, PatternShape::Presence | PatternShape::CopiedSome));
    if option_patterns && matches_some && !shapes.contains(&PatternShape::CopiedSome) {
        return Plan::Presence;
    }
    if owned_result(method) {
        return Plan::Value {
            suffix: "",
            applicability: if mutably_bound {
                Applicability::MaybeIncorrect
            } else {
                Applicability::MachineApplicable
            },
            unreference_patterns: false,
        };
    }
    if option_patterns && matches_some {
        return Plan::Value {
            suffix: ".copied()",
            applicability: Applicability::MachineApplicable,
            unreference_patterns: true,
        };
    }
    if REFERENCE_GETTERS.contains(&method) {
        return Plan::Value {
            suffix: ".cloned()",
            applicability: Applicability::MaybeIncorrect,
            unreference_patterns: false,
        };
    }
    let suffix = match scrutinee.expr {
        syn::Expr::Field(_) | syn::Expr::Index(_) => ".clone()",
        _ => "",
    };
    if let syn::Expr::Unary(unary) = scrutinee.expr
        && matches!(unary.op, syn::UnOp::Deref(_))
    {
        return Plan::None;
    }
    Plan::Value {
        suffix,
        applicability: Applicability::MaybeIncorrect,
        unreference_patterns: false,
    }
}

/// What a pattern proves about the matched value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PatternShape {
    /// `_`.
    Wild,
    /// `Some(_)`, `Some(..)`, `None`, or an or-pattern of them: an `Option`, nothing bound.
    Presence,
    /// `Some(&name)` or `Some(&_)` (or with `None`): an `Option` of a reference to a `Copy`
    /// value.
    CopiedSome,
    Other {
        ref_mut: bool,
    },
}

fn shape(pattern: &syn::Pat) -> PatternShape {
    match pattern {
        syn::Pat::Wild(_) => PatternShape::Wild,
        syn::Pat::Ident(ident) if ident.ident == "None" && ident.subpat.is_none() => {
            PatternShape::Presence
        }
        syn::Pat::Path(path) if path.path.is_ident("None") => PatternShape::Presence,
        syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Some") && tuple.elems.len() == 1 => {
            match &tuple.elems[0] {
                syn::Pat::Wild(_) | syn::Pat::Rest(_) => PatternShape::Presence,
                syn::Pat::Reference(reference)
                    if reference.mutability.is_none()
                        && matches!(
                            &*reference.pat,
                            syn::Pat::Wild(_)
                                | syn::Pat::Ident(syn::PatIdent {
                                    by_ref: None,
                                    subpat: None,
                                    ..
                                })
                        ) =>
                {
                    PatternShape::CopiedSome
                }
                other => other_shape(other),
            }
        }
        syn::Pat::Or(or) => {
            let shapes: Vec<PatternShape> = or.cases.iter().map(shape).collect();
            if shapes.iter().all(|shape| *shape == PatternShape::Presence) {
                PatternShape::Presence
            } else {
                other_shape(pattern)
            }
        }
        other => other_shape(other),
    }
}

/// For an arm `Some(name) => *name` — its value moved out of the reference, which compiles
/// only for a `Copy` value — the binding's name, when every other mention of it (in the
/// guard) is a plain `*name` too.
fn copied_through_deref(arm: &syn::Arm) -> Option<String> {
    use quote::ToTokens;
    let syn::Pat::TupleStruct(tuple) = &arm.pat else {
        return None;
    };
    if !tuple.path.is_ident("Some") || tuple.elems.len() != 1 {
        return None;
    }
    let syn::Pat::Ident(binding) = &tuple.elems[0] else {
        return None;
    };
    if binding.by_ref.is_some() || binding.mutability.is_some() || binding.subpat.is_some() {
        return None;
    }
    let name = binding.ident.to_string();
    let moved_out = matches!(
        &*arm.body,
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Deref(_), expr, .. })
            if matches!(&**expr, syn::Expr::Path(path) if path.path.is_ident(&name))
    );
    let guard_dereferences = arm
        .guard
        .as_ref()
        .is_none_or(|(_, guard)| only_plain_dereferences(guard.to_token_stream(), &name));
    (moved_out && guard_dereferences).then_some(name)
}

/// Whether every mention of `name` in `tokens` is a unary `*name` with nothing after it
/// (`*name.field` dereferences the field, not `name`).
fn only_plain_dereferences(tokens: proc_macro2::TokenStream, name: &str) -> bool {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.iter().enumerate().all(|(index, tree)| match tree {
        TokenTree::Ident(ident) if ident == name => plain_dereference_at(&trees, index),
        TokenTree::Group(group) => only_plain_dereferences(group.stream(), name),
        _ => true,
    })
}

fn plain_dereference_at(trees: &[proc_macro2::TokenTree], index: usize) -> bool {
    use proc_macro2::TokenTree;
    let star = index
        .checked_sub(1)
        .and_then(|at| trees.get(at))
        .is_some_and(|tree| matches!(tree, TokenTree::Punct(punct) if punct.as_char() == '*'));
    let unary = index
        .checked_sub(2)
        .and_then(|at| trees.get(at))
        .is_none_or(|tree| matches!(tree, TokenTree::Punct(_)));
    let nothing_after = !matches!(
        trees.get(index + 1),
        Some(TokenTree::Punct(punct)) if matches!(punct.as_char(), '.' | '?')
    ) && !matches!(trees.get(index + 1), Some(TokenTree::Group(_)));
    star && unary && nothing_after
}

/// The ranges of every `*name` in an arm's guard and body.
fn dereferences(syntax: &FileSyntax<'_>, arm: &syn::Arm, name: &str) -> Vec<Range<usize>> {
    use quote::ToTokens;
    let mut ranges = Vec::new();
    collect_dereferences(syntax, arm.body.to_token_stream(), name, &mut ranges);
    if let Some((_, guard)) = &arm.guard {
        collect_dereferences(syntax, guard.to_token_stream(), name, &mut ranges);
    }
    ranges
}

fn collect_dereferences(
    syntax: &FileSyntax<'_>,
    tokens: proc_macro2::TokenStream,
    name: &str,
    out: &mut Vec<Range<usize>>,
) {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == name && plain_dereference_at(&trees, index) => {
                let star = syntax.range(&trees[index - 1].span());
                out.push(star.start..syntax.range(&ident.span()).end);
            }
            TokenTree::Group(group) => collect_dereferences(syntax, group.stream(), name, out),
            _ => {}
        }
    }
}

fn other_shape(pattern: &syn::Pat) -> PatternShape {
    use quote::ToTokens;
    let tokens: Vec<String> = pattern
        .to_token_stream()
        .into_iter()
        .map(|token| token.to_string())
        .collect();
    PatternShape::Other {
        ref_mut: tokens
            .windows(2)
            .any(|pair| pair[0] == "ref" && pair[1] == "mut"),
    }
}

/// `if let Some(_) = E` → `if E.is_some()`; `match E { Some(_) => .., None => .. }` →
/// `let found = E.is_some(); match found { true => .., false => .. }`.
fn presence(syntax: &FileSyntax<'_>, scrutinee: &Scrutinee<'_>) -> Option<Suggestion> {
    let value = scrutinee.expr;
    if let Some(condition) = &scrutinee.condition {
        let test = match shape(scrutinee.patterns[0]) {
            PatternShape::Presence if is_none(scrutinee.patterns[0]) => "is_none",
            PatternShape::Presence => "is_some",
            _ => return None,
        };
        return Some(suggestion(
            format!(
                "test for the value with `.{test}()`: the condition's guard is dropped before the body runs"
            ),
            vec![syntax.edit(condition.clone(), {
                let test = quote::format_ident!("{}", test);
                syntax.render(quote::quote!(#value.#test()))
            })],
            Applicability::MachineApplicable,
        ));
    }
    let name = syntax.fresh_name(&["found", "present"], name_scope(syntax, scrutinee));
    let mut edits = hoisted_let(syntax, scrutinee, &name, quote::quote!(#value.is_some()))?;
    for pattern in &scrutinee.patterns {
        let replacement = match shape(pattern) {
            PatternShape::Wild => continue,
            PatternShape::Presence if is_none(pattern) => "false",
            PatternShape::Presence if is_some(pattern) => "true",
            _ => "_",
        };
        edits.push(syntax.edit(syntax.range(*pattern), replacement));
    }
    Some(suggestion(
        "test for the value before the `match` with `.is_some()`, so the guard is dropped before the arms run".to_string(),
        edits,
        Applicability::MachineApplicable,
    ))
}

fn is_none(pattern: &syn::Pat) -> bool {
    match pattern {
        syn::Pat::Ident(ident) => ident.ident == "None",
        syn::Pat::Path(path) => path.path.is_ident("None"),
        _ => false,
    }
}

fn is_some(pattern: &syn::Pat) -> bool {
    matches!(pattern, syn::Pat::TupleStruct(tuple) if tuple.path.is_ident("Some"))
}

/// Before edition 2024 an `if let` scrutinee's guard also lives through the `else`; the
/// rewrite ends it in both, and says so where it matters.
fn edition_note(syntax: &FileSyntax<'_>, kind: ScrutineeKind) -> &'static str {
    if kind == ScrutineeKind::IfLet && syntax.edition < crate::source::Edition::E2024 {
        " and the `else` (in this edition it lives through both)"
    } else {
        ""
    }
}

/// `let value = E<suffix>;` before the statement (or `{ let value = ..; value }` in place
/// of the scrutinee where no statement can go first), and the patterns rewritten.
fn bind_value(
    syntax: &FileSyntax<'_>,
    scrutinee: &Scrutinee<'_>,
    suffix: &str,
    applicability: Applicability,
    unreference_patterns: bool,
) -> Option<Suggestion> {
    let expr = scrutinee.expr;
    let value = match suffix {
        ".cloned()" => quote::quote!(#expr.cloned()),
        ".copied()" => quote::quote!(#expr.copied()),
        ".clone()" => quote::quote!(#expr.clone()),
        _ => quote::quote!(#expr),
    };
    let name = syntax.fresh_name(
        &["value", "current", "entry"],
        name_scope(syntax, scrutinee),
    );
    let mut edits = hoisted_let(syntax, scrutinee, &name, value)?;
    if unreference_patterns {
        for arm in &scrutinee.arms {
            if let Some(name) = copied_through_deref(arm) {
                edits.extend(
                    dereferences(syntax, arm, &name)
                        .into_iter()
                        .map(|range| syntax.edit(range, name.clone())),
                );
            }
        }
        for pattern in &scrutinee.patterns {
            if let syn::Pat::TupleStruct(tuple) = pattern
                && let Some(syn::Pat::Reference(reference)) = tuple.elems.first()
            {
                let inner = syntax.slice(syntax.range(&*reference.pat));
                edits.push(syntax.edit(syntax.range(reference), inner));
            }
        }
    }
    let what = match scrutinee.kind {
        ScrutineeKind::Match => "`match`",
        ScrutineeKind::IfLet => "`if let`",
        ScrutineeKind::WhileLet => "`while let`",
    };
    let taken = match suffix {
        "" => String::new(),
        suffix => format!(" (with `{suffix}`)"),
    };
    Some(suggestion(
        format!(
            "bind the value to a local{taken} before the {what}, so the guard is dropped before the {}{}",
            if scrutinee.kind == ScrutineeKind::Match {
                "arms run"
            } else {
                "body runs"
            },
            edition_note(syntax, scrutinee.kind),
        ),
        edits,
        applicability,
    ))
}

/// Where the new local is visible: the rest of the block when it goes before the statement
/// (a `while let` always takes the block form, where only the scrutinee is in scope).
fn name_scope(syntax: &FileSyntax<'_>, scrutinee: &Scrutinee<'_>) -> proc_macro2::TokenStream {
    use quote::ToTokens;
    match scrutinee.kind {
        ScrutineeKind::WhileLet => scrutinee.expr.to_token_stream(),
        _ => syntax.rest_of_block(scrutinee.whole.clone()),
    }
}

/// The edits that bind `value` to `name` and put `name` in the scrutinee's place.
fn hoisted_let(
    syntax: &FileSyntax<'_>,
    scrutinee: &Scrutinee<'_>,
    name: &str,
    value: proc_macro2::TokenStream,
) -> Option<Vec<Edit>> {
    let name = quote::format_ident!("{}", name);
    let expr_range: Range<usize> = syntax.range(scrutinee.expr);
    let statement_start = match scrutinee.kind {
        // The condition of a `while let` runs again on every iteration.
        ScrutineeKind::WhileLet => None,
        _ => syntax.statement_start_for(scrutinee.whole.clone()),
    };
    Some(match statement_start {
        Some(start) => {
            let indentation = syntax.indentation_at(start);
            let binding = syntax.render(quote::quote!(let #name = #value;));
            vec![
                syntax.edit(start..start, format!("{binding}\n{indentation}")),
                syntax.edit(expr_range, name.to_string()),
            ]
        }
        None => vec![syntax.edit(
            expr_range,
            syntax.render(quote::quote!({ let #name = #value; #name })),
        )],
    })
}

fn suggestion(message: String, edits: Vec<Edit>, applicability: Applicability) -> Suggestion {
    Suggestion {
        message,
        edits,
        applicability,
        sites: Vec::new(),
    }
}
