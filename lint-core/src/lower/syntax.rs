//! Lowering of the small syntax pieces: paths, types and patterns.

use syn::spanned::Spanned;

use super::SpanContext;
use crate::model::body::Binding;
use crate::model::{PathRef, Pattern, TypeRef};
use compact_str::ToCompactString;

pub fn path_ref(path: &syn::Path) -> PathRef {
    PathRef::new(
        path.segments
            .iter()
            .map(|segment| segment.ident.to_compact_string())
            .collect(),
        path.leading_colon.is_some(),
    )
}

/// The type arguments of a path's last segment (`Arc<Mutex<T>>` gives `[Mutex<T>]`).
fn last_segment_type_args(
    context: &SpanContext<'_>,
    path: &syn::Path,
) -> thin_vec::ThinVec<TypeRef> {
    let Some(last) = path.segments.last() else {
        return thin_vec::ThinVec::new();
    };
    match &last.arguments {
        syn::PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .filter_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(type_ref(context, ty)),
                _ => None,
            })
            .collect(),
        _ => thin_vec::ThinVec::new(),
    }
}

pub fn type_ref(context: &SpanContext<'_>, ty: &syn::Type) -> TypeRef {
    match ty {
        syn::Type::Path(type_path) => TypeRef::Path {
            path: path_ref(&type_path.path),
            args: last_segment_type_args(context, &type_path.path),
        },
        syn::Type::Reference(reference) => TypeRef::Ref {
            mutable: reference.mutability.is_some(),
            inner: Box::new(type_ref(context, &reference.elem)),
        },
        syn::Type::Paren(paren) => type_ref(context, &paren.elem),
        syn::Type::Group(group) => type_ref(context, &group.elem),
        syn::Type::Tuple(tuple) => {
            TypeRef::Tuple(tuple.elems.iter().map(|t| type_ref(context, t)).collect())
        }
        syn::Type::Array(array) => TypeRef::Slice(Box::new(type_ref(context, &array.elem))),
        syn::Type::Slice(slice) => TypeRef::Slice(Box::new(type_ref(context, &slice.elem))),
        syn::Type::ImplTrait(bounds) => TypeRef::Bounds(bound_paths(&bounds.bounds)),
        syn::Type::TraitObject(bounds) => TypeRef::Bounds(bound_paths(&bounds.bounds)),
        _ => TypeRef::Other,
    }
}

fn bound_paths(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> Vec<PathRef> {
    bounds
        .iter()
        .filter_map(|bound| match bound {
            syn::TypeParamBound::Trait(trait_bound) => Some(path_ref(&trait_bound.path)),
            _ => None,
        })
        .collect()
}

pub fn pattern(context: &SpanContext<'_>, pat: &syn::Pat) -> Pattern {
    let mut bindings = thin_vec::ThinVec::new();
    collect_bindings(context, pat, &mut bindings);
    let span = match (pat, bindings.first()) {
        // A name alone (most patterns): the span is its binding's.
        (syn::Pat::Ident(ident), Some(binding))
            if ident.by_ref.is_none()
                && ident.mutability.is_none()
                && ident.subpat.is_none()
                && ident.attrs.is_empty() =>
        {
            binding.span
        }
        _ => context.convert(pat.span()),
    };
    let inner = strip_type_ascription(pat);
    let variant = match inner {
        syn::Pat::TupleStruct(tuple) => tuple
            .path
            .segments
            .last()
            .map(|s| s.ident.to_compact_string()),
        syn::Pat::Struct(structure) => structure
            .path
            .segments
            .last()
            .map(|s| s.ident.to_compact_string()),
        syn::Pat::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_compact_string()),
        syn::Pat::Ident(ident) if ident.ident.to_string().starts_with(char::is_uppercase) => {
            Some(ident.ident.to_compact_string())
        }
        _ => None,
    };
    let is_unit_variant = matches!(inner, syn::Pat::Ident(_)) && variant.is_some();
    let is_simple =
        matches!(inner, syn::Pat::Ident(ident) if ident.subpat.is_none()) && !is_unit_variant;
    Pattern {
        // `None` or `Empty` in a pattern names a variant; it binds nothing.
        bindings: if is_unit_variant {
            thin_vec::ThinVec::new()
        } else {
            // Kept for the whole run: most patterns bind one name, and a vector grown by
            // pushing has room for four.
            bindings.shrink_to_fit();
            bindings
        },
        is_wildcard: matches!(inner, syn::Pat::Wild(_)),
        is_simple,
        variant,
        tuple_names: match inner {
            syn::Pat::Tuple(tuple) => tuple
                .elems
                .iter()
                .map(|element| match strip_type_ascription(element) {
                    syn::Pat::Ident(ident) if ident.subpat.is_none() => {
                        Some(ident.ident.to_string())
                    }
                    _ => None,
                })
                .collect(),
            _ => thin_vec::ThinVec::new(),
        },
        span,
    }
}

/// `x: T` in a `let` or closure parameter is a pattern wrapped in a type ascription.
pub fn strip_type_ascription(pat: &syn::Pat) -> &syn::Pat {
    match pat {
        syn::Pat::Type(typed) => strip_type_ascription(&typed.pat),
        syn::Pat::Paren(paren) => strip_type_ascription(&paren.pat),
        other => other,
    }
}

fn collect_bindings(
    context: &SpanContext<'_>,
    pat: &syn::Pat,
    out: &mut thin_vec::ThinVec<Binding>,
) {
    // Patterns are shallow in practice, but walk them with a stack anyway.
    let mut stack = vec![pat];
    while let Some(pat) = stack.pop() {
        match pat {
            syn::Pat::Ident(ident) => {
                let name = ident.ident.to_compact_string();
                let span = context.convert_token(ident.ident.span(), &name);
                out.push(Binding {
                    name,
                    by_ref: ident.by_ref.is_some(),
                    span,
                });
                if let Some((_, sub)) = &ident.subpat {
                    stack.push(sub);
                }
            }
            syn::Pat::Type(typed) => stack.push(&typed.pat),
            syn::Pat::Paren(paren) => stack.push(&paren.pat),
            syn::Pat::Reference(reference) => stack.push(&reference.pat),
            syn::Pat::Tuple(tuple) => stack.extend(tuple.elems.iter().rev()),
            syn::Pat::TupleStruct(tuple) => stack.extend(tuple.elems.iter().rev()),
            syn::Pat::Slice(slice) => stack.extend(slice.elems.iter().rev()),
            syn::Pat::Struct(structure) => {
                stack.extend(structure.fields.iter().rev().map(|field| &*field.pat))
            }
            // Every alternative binds the same names; the first one is enough.
            syn::Pat::Or(or) => stack.extend(or.cases.first()),
            _ => {}
        }
    }
}
