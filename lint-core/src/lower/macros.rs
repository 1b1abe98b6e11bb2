//! Macro invocations: the standard macros whose arguments are ordinary expressions are
//! looked into; every other macro stays opaque (a documented limit).

use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;

use super::body::BodyLowerer;
use super::syntax::path_ref;
use crate::knowledge::macros::{
    awaits_its_arguments, is_select, takes_expression_list, takes_first_expression,
    wraps_one_future,
};
use crate::model::Pattern;
use crate::model::body::{Arm, Expr, ExprKind, MacroCall};

pub fn delimiter_close(mac: &syn::Macro) -> proc_macro2::Span {
    match &mac.delimiter {
        syn::MacroDelimiter::Paren(paren) => paren.span.close(),
        syn::MacroDelimiter::Brace(brace) => brace.span.close(),
        syn::MacroDelimiter::Bracket(bracket) => bracket.span.close(),
    }
}

pub fn lower_macro(lowerer: &mut BodyLowerer<'_, '_>, mac: &syn::Macro) -> MacroCall {
    let path = path_ref(&mac.path);
    let name = path.last().to_string();
    let parsed = if takes_expression_list(&name) {
        parse_expression_list(mac)
    } else if takes_first_expression(&name) {
        parse_first_argument(mac)
    } else if wraps_one_future(&name) {
        parse_instrumented_future(mac)
    } else {
        None
    };
    match parsed {
        // `vec![0x00, 0x01, ...]`: a table of constant data, kept without its elements.
        Some(syn_args)
            if crate::knowledge::macros::is_vec_literal(&name)
                && super::body::is_constant_table(&syn_args) =>
        {
            MacroCall {
                path,
                args: thin_vec::ThinVec::new(),
                opaque: false,
            }
        }
        Some(syn_args) => MacroCall {
            args: syn_args
                .iter()
                .map(|arg| {
                    let lowered = lowerer.expr(arg);
                    if awaits_its_arguments(&name) {
                        awaited(lowered)
                    } else {
                        lowered
                    }
                })
                .collect::<thin_vec::ThinVec<Expr>>(),
            path,
            opaque: false,
        },
        None => MacroCall {
            path,
            args: thin_vec::ThinVec::new(),
            opaque: true,
        },
    }
}

fn parse_expression_list(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    let list = |input: ParseStream<'_>| {
        // `vec![value; count]` and log macros' `target: "x", ...` prefix.
        if input.peek(syn::Ident) && input.peek2(syn::Token![:]) && !input.peek2(syn::Token![::]) {
            input.parse::<syn::Ident>()?;
            input.parse::<syn::Token![:]>()?;
        }
        let first: Option<syn::Expr> = if input.is_empty() {
            None
        } else {
            Some(input.parse()?)
        };
        let mut exprs: Vec<syn::Expr> = first.into_iter().collect();
        if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
            exprs.push(input.parse()?);
            return Ok(exprs);
        }
        if !input.is_empty() {
            input.parse::<syn::Token![,]>()?;
            let rest = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated(input)?;
            exprs.extend(rest);
        }
        Ok(exprs)
    };
    list.parse2(mac.tokens.clone()).ok()
}

fn parse_first_argument(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    let first = |input: ParseStream<'_>| {
        let expr: syn::Expr = input.parse()?;
        // The rest is a pattern; consume it without interpreting it.
        input.step(|cursor| {
            let mut rest = *cursor;
            while let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
            Ok(((), rest))
        })?;
        Ok(vec![expr])
    };
    first.parse2(mac.tokens.clone()).ok()
}

/// `root!(fut)`, `root!("name"; fut)`, `root!(default; fut; fields..)`: the future only.
fn parse_instrumented_future(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    let future = |input: ParseStream<'_>| {
        if input.peek2(syn::Token![;]) && (input.peek(syn::Lit) || input.peek(syn::Ident)) {
            input.parse::<proc_macro2::TokenTree>()?;
            input.parse::<syn::Token![;]>()?;
        }
        let expr: syn::Expr = input.parse()?;
        // The span's fields, if any: not code that runs here.
        input.step(|cursor| {
            let mut rest = *cursor;
            while let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
            Ok(((), rest))
        })?;
        Ok(vec![expr])
    };
    future.parse2(mac.tokens.clone()).ok()
}

/// `fut` as `fut.await`, at the future's own span.
fn awaited(future: Expr) -> Expr {
    let span = future.span;
    Expr {
        kind: ExprKind::Await(Box::new(future)),
        span,
    }
}

/// One branch of a `select!`: `pattern = future (, if precondition)? => handler`, or the
/// fallback (`else`, `default`, `complete`) with only a handler.
struct SelectBranch {
    pattern: Option<syn::Pat>,
    future: Option<syn::Expr>,
    precondition: Option<syn::Expr>,
    handler: syn::Expr,
}

/// `select! { .. }` as a `match` on the awaited futures: every future is an `.await` (the
/// task suspends there with whatever it holds), every handler an arm. `None` when the body
/// does not parse as branches (the macro stays opaque).
pub fn lower_select(lowerer: &mut BodyLowerer<'_, '_>, mac: &syn::Macro) -> Option<ExprKind> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !is_select(&name) {
        return None;
    }
    let branches = parse_select_branches.parse2(mac.tokens.clone()).ok()?;
    // Thin vectors, as the model keeps them (no copy at the end).
    let mut futures = thin_vec::ThinVec::new();
    let mut arms = thin_vec::ThinVec::new();
    for branch in &branches {
        if let Some(future) = &branch.future {
            futures.push(awaited(lowerer.expr(future)));
        }
        if let Some(precondition) = &branch.precondition {
            futures.push(lowerer.expr(precondition));
        }
        let pattern = match &branch.pattern {
            Some(pattern) => lowerer.pattern(pattern),
            None => wildcard(lowerer, &branch.handler),
        };
        arms.push(Arm {
            pattern,
            guard: None,
            body: lowerer.expr(&branch.handler),
        });
    }
    let scrutinee_span = futures
        .first()
        .map(|first| first.span)
        .or_else(|| arms.first().map(|arm| arm.body.span))?;
    Some(ExprKind::Match {
        scrutinee: Box::new(Expr {
            kind: ExprKind::Compound(futures),
            span: scrutinee_span,
        }),
        arms,
    })
}

/// The pattern of a fallback branch: binds nothing, matches anything.
fn wildcard(lowerer: &BodyLowerer<'_, '_>, handler: &syn::Expr) -> Pattern {
    let underscore: syn::Pat = syn::parse_quote!(_);
    let mut pattern = lowerer.pattern(&underscore);
    pattern.span = lowerer.span_of(handler);
    pattern
}

fn parse_select_branches(input: ParseStream<'_>) -> syn::Result<Vec<SelectBranch>> {
    let mut branches = Vec::new();
    if input.peek(syn::Ident) && input.peek2(syn::Token![;]) {
        // `biased;`
        input.parse::<syn::Ident>()?;
        input.parse::<syn::Token![;]>()?;
    }
    while !input.is_empty() {
        let fallback =
            input.peek(syn::Token![else]) || input.peek(syn::Ident) && input.peek2(syn::Token![=>]);
        let (pattern, future, precondition) = if fallback {
            if input.peek(syn::Token![else]) {
                input.parse::<syn::Token![else]>()?;
            } else {
                input.parse::<syn::Ident>()?;
            }
            (None, None, None)
        } else {
            let pattern = syn::Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<syn::Token![=]>()?;
            let future: syn::Expr = input.parse()?;
            let precondition = if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                input.parse::<syn::Token![,]>()?;
                input.parse::<syn::Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            (Some(pattern), Some(future), precondition)
        };
        input.parse::<syn::Token![=>]>()?;
        let handler: syn::Expr = if input.peek(syn::token::Brace) {
            syn::Expr::Block(input.parse()?)
        } else {
            input.parse()?
        };
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        branches.push(SelectBranch {
            pattern,
            future,
            precondition,
            handler,
        });
    }
    Ok(branches)
}
