//! `cfg_if::cfg_if! { if #[cfg(unix)] { .. } else if #[cfg(windows)] { .. } else { .. } }`:
//! the items of every branch, each given the `#[cfg(..)]` that selects its branch
//! (`all(not(unix), windows)` for the second one), as if written with attributes. Without
//! this, the modules, functions and impls of such blocks (common in systems crates) were
//! not analyzed, and their `mod` declarations not followed.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{ParseStream, Parser};

/// The items of a `cfg_if!` invocation's tokens with their branch's `cfg`, or `None` when
/// the tokens are not a `cfg_if!` chain.
pub fn branch_items(tokens: TokenStream) -> Option<Vec<syn::Item>> {
    parse_chain.parse2(tokens).ok()
}

fn parse_chain(input: ParseStream<'_>) -> syn::Result<Vec<syn::Item>> {
    let mut items = Vec::new();
    let mut earlier: Vec<TokenStream> = Vec::new();
    loop {
        let condition = if input.peek(syn::Token![if]) {
            input.parse::<syn::Token![if]>()?;
            Some(parse_cfg_attribute(input)?)
        } else {
            None
        };
        let selected = branch_condition(&earlier, condition.as_ref());
        let content;
        syn::braced!(content in input);
        while !content.is_empty() {
            let mut item: syn::Item = content.parse()?;
            if let Some(attrs) = attrs_mut(&mut item) {
                attrs.insert(0, syn::parse_quote!(#[cfg(#selected)]));
            }
            items.push(item);
        }
        match condition {
            Some(condition) => earlier.push(condition),
            None => break,
        }
        if input.is_empty() {
            break;
        }
        input.parse::<syn::Token![else]>()?;
    }
    if input.is_empty() {
        Ok(items)
    } else {
        Err(input.error("unexpected tokens after a cfg_if! chain"))
    }
}

/// `#[cfg(predicate)]` → `predicate`.
fn parse_cfg_attribute(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let attributes = syn::Attribute::parse_outer(input)?;
    let [attribute] = attributes.as_slice() else {
        return Err(input.error("one #[cfg(..)] per cfg_if! branch"));
    };
    match &attribute.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => Ok(list.tokens.clone()),
        _ => Err(input.error("a cfg_if! branch is selected by #[cfg(..)]")),
    }
}

/// The predicate of a branch: its own, and none of the earlier ones.
fn branch_condition(earlier: &[TokenStream], own: Option<&TokenStream>) -> TokenStream {
    let mut parts: Vec<TokenStream> = earlier.iter().map(|p| quote!(not(#p))).collect();
    parts.extend(own.cloned());
    match parts.as_slice() {
        [single] => single.clone(),
        _ => quote!(all(#(#parts),*)),
    }
}

fn attrs_mut(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(item) => &mut item.attrs,
        syn::Item::Enum(item) => &mut item.attrs,
        syn::Item::ExternCrate(item) => &mut item.attrs,
        syn::Item::Fn(item) => &mut item.attrs,
        syn::Item::ForeignMod(item) => &mut item.attrs,
        syn::Item::Impl(item) => &mut item.attrs,
        syn::Item::Macro(item) => &mut item.attrs,
        syn::Item::Mod(item) => &mut item.attrs,
        syn::Item::Static(item) => &mut item.attrs,
        syn::Item::Struct(item) => &mut item.attrs,
        syn::Item::Trait(item) => &mut item.attrs,
        syn::Item::TraitAlias(item) => &mut item.attrs,
        syn::Item::Type(item) => &mut item.attrs,
        syn::Item::Union(item) => &mut item.attrs,
        syn::Item::Use(item) => &mut item.attrs,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfgs(tokens: TokenStream) -> Vec<String> {
        branch_items(tokens)
            .expect("a cfg_if! chain")
            .iter()
            .map(|item| match item {
                syn::Item::Fn(function) => function.attrs[0]
                    .meta
                    .require_list()
                    .expect("cfg(..)")
                    .tokens
                    .to_string()
                    .replace(' ', ""),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn each_branch_gets_its_condition() {
        let tokens = quote! {
            if #[cfg(unix)] {
                fn a() {}
            } else if #[cfg(windows)] {
                fn b() {}
                fn c() {}
            } else {
                fn d() {}
            }
        };
        assert_eq!(
            cfgs(tokens),
            [
                "unix",
                "all(not(unix),windows)",
                "all(not(unix),windows)",
                "all(not(unix),not(windows))"
            ]
        );
    }

    #[test]
    fn other_macros_are_not_chains() {
        assert!(branch_items(quote! { static X: u32 = 1; }).is_none());
        assert!(branch_items(quote! { if #[cfg(unix)] { fn a() {} } extra }).is_none());
    }
}
