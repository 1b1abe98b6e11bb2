//! Macro invocations: the standard macros whose arguments are ordinary expressions are
//! looked into; every other macro stays opaque (a documented limit).

use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;

use super::body::BodyLowerer;
use super::syntax::path_ref;
use crate::knowledge::macros::{takes_expression_list, takes_first_expression};
use crate::model::body::{Expr, MacroCall};

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
    } else {
        None
    };
    match parsed {
        Some(syn_args) => MacroCall {
            path,
            args: syn_args
                .iter()
                .map(|arg| lowerer.expr(arg))
                .collect::<Vec<Expr>>(),
            opaque: false,
        },
        None => MacroCall {
            path,
            args: Vec::new(),
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
