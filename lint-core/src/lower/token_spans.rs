//! Where a syntax node starts and ends, read from its first and last tokens.
//!
//! syn's `Spanned::span` finds a node's extent by printing the whole node back into a
//! token stream and joining the first and last tokens' spans. On an item that prints every
//! function body inside it (and again for each enclosing `mod` and `impl`), on a path it
//! allocates a stream per path expression: about a tenth of a run went there. These
//! functions look at the node's own first and last tokens instead, and give the same span
//! (a test compares them with `Spanned` on every fixture and source file of the project).
//! Node kinds syn may add later, and verbatim tokens, fall back to `Spanned`.

use proc_macro2::Span;
use syn::spanned::Spanned;

/// The span from `first` to `last` (`first` alone where they cannot be joined).
fn join(first: Span, last: Span) -> Span {
    first.join(last).unwrap_or(first)
}

/// The first token of a node: its first outer attribute, else its visibility, else `rest`.
fn leading(attrs: &[syn::Attribute], vis: Option<&syn::Visibility>, rest: Span) -> Span {
    let outer = attrs
        .iter()
        .find(|attribute| matches!(attribute.style, syn::AttrStyle::Outer));
    if let Some(attribute) = outer {
        return attribute.pound_token.span;
    }
    match vis {
        Some(syn::Visibility::Public(public)) => public.span,
        Some(syn::Visibility::Restricted(restricted)) => restricted.pub_token.span,
        _ => rest,
    }
}

/// The first of the spans that are present, else `fallback`.
fn first_present(spans: &[Option<Span>], fallback: Span) -> Span {
    spans.iter().flatten().next().copied().unwrap_or(fallback)
}

/// The first token of a function signature (`const`, `async`, `unsafe`, `extern` or `fn`).
fn signature_start(sig: &syn::Signature) -> Span {
    first_present(
        &[
            sig.constness.map(|token| token.span),
            sig.asyncness.map(|token| token.span),
            sig.unsafety.map(|token| token.span),
            sig.abi.as_ref().map(|abi| abi.extern_token.span),
        ],
        sig.fn_token.span,
    )
}

/// The span of a whole item, attributes included.
pub fn item_span(item: &syn::Item) -> Span {
    use syn::Item as I;
    let (first, last) = match item {
        I::Const(item) => (
            leading(&item.attrs, Some(&item.vis), item.const_token.span),
            item.semi_token.span,
        ),
        I::Enum(item) => (
            leading(&item.attrs, Some(&item.vis), item.enum_token.span),
            item.brace_token.span.close(),
        ),
        I::ExternCrate(item) => (
            leading(&item.attrs, Some(&item.vis), item.extern_token.span),
            item.semi_token.span,
        ),
        I::Fn(item) => (
            leading(&item.attrs, Some(&item.vis), signature_start(&item.sig)),
            item.block.brace_token.span.close(),
        ),
        I::ForeignMod(item) => (
            leading(
                &item.attrs,
                None,
                first_present(
                    &[item.unsafety.map(|token| token.span)],
                    item.abi.extern_token.span,
                ),
            ),
            item.brace_token.span.close(),
        ),
        I::Impl(item) => (
            leading(
                &item.attrs,
                None,
                first_present(
                    &[
                        item.defaultness.map(|token| token.span),
                        item.unsafety.map(|token| token.span),
                    ],
                    item.impl_token.span,
                ),
            ),
            item.brace_token.span.close(),
        ),
        I::Macro(item) => (
            leading(&item.attrs, None, path_span(&item.mac.path)),
            match &item.semi_token {
                Some(semi) => semi.span,
                None => super::macros::delimiter_close(&item.mac),
            },
        ),
        I::Mod(item) => (
            leading(
                &item.attrs,
                Some(&item.vis),
                first_present(
                    &[item.unsafety.map(|token| token.span)],
                    item.mod_token.span,
                ),
            ),
            match (&item.content, &item.semi) {
                (Some((brace, _)), _) => brace.span.close(),
                (None, Some(semi)) => semi.span,
                (None, None) => item.ident.span(),
            },
        ),
        I::Static(item) => (
            leading(&item.attrs, Some(&item.vis), item.static_token.span),
            item.semi_token.span,
        ),
        I::Struct(item) => (
            leading(&item.attrs, Some(&item.vis), item.struct_token.span),
            match (&item.semi_token, &item.fields) {
                (Some(semi), _) => semi.span,
                (None, syn::Fields::Named(fields)) => fields.brace_token.span.close(),
                (None, syn::Fields::Unnamed(fields)) => fields.paren_token.span.close(),
                (None, syn::Fields::Unit) => item.ident.span(),
            },
        ),
        I::Trait(item) => (
            leading(
                &item.attrs,
                Some(&item.vis),
                first_present(
                    &[
                        item.unsafety.map(|token| token.span),
                        item.auto_token.map(|token| token.span),
                    ],
                    item.trait_token.span,
                ),
            ),
            item.brace_token.span.close(),
        ),
        I::TraitAlias(item) => (
            leading(&item.attrs, Some(&item.vis), item.trait_token.span),
            item.semi_token.span,
        ),
        I::Type(item) => (
            leading(&item.attrs, Some(&item.vis), item.type_token.span),
            item.semi_token.span,
        ),
        I::Union(item) => (
            leading(&item.attrs, Some(&item.vis), item.union_token.span),
            item.fields.brace_token.span.close(),
        ),
        I::Use(item) => (
            leading(&item.attrs, Some(&item.vis), item.use_token.span),
            item.semi_token.span,
        ),
        other => return other.span(),
    };
    join(first, last)
}

/// The span of a method in an `impl` block, attributes included.
pub fn impl_fn_span(method: &syn::ImplItemFn) -> Span {
    let start = first_present(
        &[method.defaultness.map(|token| token.span)],
        signature_start(&method.sig),
    );
    join(
        leading(&method.attrs, Some(&method.vis), start),
        method.block.brace_token.span.close(),
    )
}

/// The span of a method in a trait, attributes included.
pub fn trait_fn_span(method: &syn::TraitItemFn) -> Span {
    let last = match (&method.default, &method.semi_token) {
        (Some(body), _) => body.brace_token.span.close(),
        (None, Some(semi)) => semi.span,
        (None, None) => return method.span(),
    };
    join(
        leading(&method.attrs, None, signature_start(&method.sig)),
        last,
    )
}

/// The span of a path, from its leading `::` or first segment to the end of its last
/// segment (generic arguments included).
pub fn path_span(path: &syn::Path) -> Span {
    let (Some(first), Some(last)) = (path.segments.first(), path.segments.last()) else {
        return path.span();
    };
    let start = match &path.leading_colon {
        Some(colons) => colons.spans[0],
        None => first.ident.span(),
    };
    let end = match &last.arguments {
        syn::PathArguments::None => last.ident.span(),
        syn::PathArguments::AngleBracketed(arguments) => arguments.gt_token.span,
        syn::PathArguments::Parenthesized(arguments) => match &arguments.output {
            syn::ReturnType::Default => arguments.paren_token.span.close(),
            syn::ReturnType::Type(..) => return path.span(),
        },
    };
    join(start, end)
}
