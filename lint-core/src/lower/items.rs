//! Lowering of items: modules, `use` trees, functions and methods, structs, statics and
//! traits, into [`FileFacts`].

use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;

use super::SpanContext;
use super::body::{BodyLowerer, NestedFn, nested_fns_in};
use super::syntax::{path_ref, type_ref};
use super::token_spans;
use crate::knowledge::test_code::is_test_support_module;
use crate::model::{
    Body, BodyContents, Field, FileFacts, Function, GenericParam, Import, ItemExtent, ModDecl,
    ModulePath, ModuleScope, Param, ParseFailure, PathRef, Receiver, ScopeId, Segment, StaticDef,
    StructDef, TraitDef, TraitImpl, TypeAlias, TypeRef,
};
use crate::source::SourceFile;

/// Where an item list sits: its scope, module path and the test context around it.
#[derive(Clone)]
struct ItemContext {
    scope: ScopeId,
    module_path: ModulePath,
    inline_parents: Vec<String>,
    /// See [`ModDecl::inline_paths`].
    inline_paths: Vec<Option<String>>,
    in_test: bool,
    /// `#[cfg(..)]` predicates of the enclosing modules and `impl`.
    cfg: Vec<String>,
}

/// The `impl` (or trait) a function belongs to.
#[derive(Clone, Default)]
struct Owner {
    self_type: Option<std::sync::Arc<TypeRef>>,
    trait_path: Option<std::sync::Arc<PathRef>>,
    /// Generic parameters of the `impl` or trait.
    generics: Vec<GenericParam>,
}

pub fn lower_items(
    context: &SpanContext<'_>,
    source: &SourceFile,
    file: syn::File,
    facts: &mut FileFacts,
    keep_extents: bool,
) -> Result<(), ParseFailure> {
    facts.scopes.push(ModuleScope {
        module_path: source.module_path.clone(),
        ..ModuleScope::default()
    });
    let mut walker = ItemWalker {
        context,
        facts,
        keep_extents,
    };
    walker.facts.test_file =
        has_cfg_test(&file.attrs) || (source.test_code && !source.always_analyzed);
    let root = ItemContext {
        scope: ScopeId(0),
        module_path: ModulePath::from(source.module_path.as_slice()),
        inline_parents: Vec::new(),
        inline_paths: Vec::new(),
        in_test: has_cfg_test(&file.attrs) || (source.test_code && !source.always_analyzed),
        cfg: cfg_predicates(&file.attrs),
    };
    let lowered = walker.top_level_items(file.items, &root);
    for scope in &mut walker.facts.scopes {
        scope.item_names.sort_unstable();
        scope.item_names.dedup();
    }
    lowered
}

struct ItemWalker<'c, 'a, 'f> {
    context: &'c SpanContext<'a>,
    facts: &'f mut FileFacts,
    /// Whether to record [`FileFacts::items`] (see there).
    keep_extents: bool,
}

impl ItemWalker<'_, '_, '_> {
    /// The file's own items, each dropped as soon as it is lowered: its syntax tree is
    /// still in the CPU's caches then, which makes freeing it cheaper than a walk over the
    /// whole file's tree afterwards.
    fn top_level_items(
        &mut self,
        items: Vec<syn::Item>,
        at: &ItemContext,
    ) -> Result<(), ParseFailure> {
        self.declare_names(&items, at);
        for mut item in items {
            self.item(&mut item, at)?;
        }
        Ok(())
    }

    /// Records the names the items of a scope declare.
    fn declare_names(&mut self, items: &[syn::Item], at: &ItemContext) {
        let names = items.iter().filter_map(item_name).map(Segment::from);
        self.facts.scopes[at.scope.0 as usize]
            .item_names
            .extend(names);
    }

    fn items(&mut self, items: &mut [syn::Item], at: &ItemContext) -> Result<(), ParseFailure> {
        self.declare_names(items, at);
        for item in items {
            self.item(item, at)?;
        }
        Ok(())
    }

    /// Records the lines of an item (attributes included) under `name`.
    fn extent(&mut self, name: String, span: proc_macro2::Span, in_test: bool) {
        let span = self.context.convert(span);
        let lines = &self.context.lines;
        self.facts.items.push(ItemExtent {
            name,
            first_line: lines.line_number(span.byte_start),
            last_line: lines.line_number(span.byte_end),
            in_test,
        });
    }

    /// Lowers one item. An `impl` block's methods are taken out of it and dropped one by one
    /// as they are lowered (see [`ItemWalker::top_level_items`]).
    fn item(&mut self, item: &mut syn::Item, at: &ItemContext) -> Result<(), ParseFailure> {
        if let Some(name) = self.keep_extents.then(|| extent_name(item)).flatten() {
            let in_test = at.in_test
                || item_attrs(item)
                    .is_some_and(|attrs| has_cfg_test(attrs) || has_test_attribute(attrs));
            self.extent(name, token_spans::item_span(item), in_test);
        }
        match item {
            syn::Item::Use(item_use) => self.use_item(item_use, at.scope),
            syn::Item::ExternCrate(extern_crate) => {
                if let Some((_, alias)) = &extern_crate.rename {
                    self.facts.scopes[at.scope.0 as usize]
                        .imports
                        .push(Import::Named {
                            alias: alias.to_string(),
                            path: PathRef::single(extern_crate.ident.to_string()),
                        });
                }
            }
            syn::Item::Fn(item_fn) => {
                let in_test = at.in_test || has_cfg_test(&item_fn.attrs);
                let at = ItemContext {
                    in_test,
                    ..at.clone()
                };
                self.function(
                    &item_fn.attrs,
                    &item_fn.sig,
                    &item_fn.block,
                    &at,
                    Owner::default(),
                )?;
            }
            syn::Item::Impl(item_impl) => self.impl_block(item_impl, at)?,
            syn::Item::Trait(item_trait) => self.trait_item(item_trait, at)?,
            syn::Item::Struct(item_struct) => self.struct_item(item_struct, at),
            syn::Item::Static(item_static) => {
                self.static_item(&item_static.ident, &item_static.ty, at)
            }
            syn::Item::Const(item_const) => self.static_item(&item_const.ident, &item_const.ty, at),
            syn::Item::Mod(item_mod) => self.module(item_mod, at)?,
            syn::Item::Macro(item_macro) => self.item_macro(item_macro, at)?,
            syn::Item::Type(item_type) => self.facts.type_aliases.push(TypeAlias {
                name: item_type.ident.to_string(),
                module_path: at.module_path.clone(),
                scope: at.scope,
                ty: type_ref(self.context, &item_type.ty),
            }),
            _ => {}
        }
        Ok(())
    }

    fn use_item(&mut self, item_use: &syn::ItemUse, scope: ScopeId) {
        let mut imports = Vec::new();
        flatten_use_tree(
            &item_use.tree,
            Vec::new(),
            item_use.leading_colon.is_some(),
            &mut imports,
        );
        self.facts.scopes[scope.0 as usize].imports.extend(imports);
    }

    fn module(
        &mut self,
        item_mod: &mut syn::ItemMod,
        at: &ItemContext,
    ) -> Result<(), ParseFailure> {
        let name = item_mod.ident.to_string();
        let mut module_path = at.module_path.to_vec();
        module_path.push(name.clone());
        let in_test = at.in_test || has_cfg_test(&item_mod.attrs) || is_test_support_module(&name);
        if item_mod.content.is_none() {
            let span = self.context.convert(item_mod.ident.span());
            // One declaration per file the module may be read from.
            for (path_attr, optional) in module_files(&item_mod.attrs) {
                self.facts.mod_decls.push(ModDecl {
                    name: name.clone(),
                    path_attr,
                    inline_parents: at.inline_parents.clone(),
                    inline_paths: at.inline_paths.clone(),
                    module_path: module_path.clone(),
                    in_test,
                    optional,
                    span,
                });
            }
            return Ok(());
        }
        let scope = ScopeId(self.facts.scopes.len() as u32);
        self.facts.scopes.push(ModuleScope {
            module_path: module_path.clone(),
            ..ModuleScope::default()
        });
        let mut inline_paths = at.inline_paths.clone();
        inline_paths.push(module_file_paths(&item_mod.attrs).swap_remove(0));
        let mut inline_parents = at.inline_parents.clone();
        inline_parents.push(name);
        let mut cfg = at.cfg.clone();
        cfg.extend(cfg_predicates(&item_mod.attrs));
        let inner = ItemContext {
            scope,
            module_path: ModulePath::from(module_path),
            inline_parents,
            inline_paths,
            in_test,
            cfg,
        };
        match &mut item_mod.content {
            Some((_, items)) => self.items(items, &inner),
            None => Ok(()),
        }
    }

    fn impl_block(
        &mut self,
        item_impl: &mut syn::ItemImpl,
        at: &ItemContext,
    ) -> Result<(), ParseFailure> {
        let owner = Owner {
            self_type: Some(std::sync::Arc::new(type_ref(
                self.context,
                &item_impl.self_ty,
            ))),
            trait_path: item_impl
                .trait_
                .as_ref()
                .map(|(_, path, _)| std::sync::Arc::new(path_ref(path))),
            generics: generic_params(&item_impl.generics),
        };
        if let (Some(self_type), Some(trait_path)) = (&owner.self_type, &owner.trait_path) {
            self.facts.trait_impls.push(TraitImpl {
                self_type: TypeRef::clone(self_type),
                trait_path: PathRef::clone(trait_path),
                scope: at.scope,
            });
        }
        let in_test = at.in_test || has_cfg_test(&item_impl.attrs);
        let mut cfg = at.cfg.clone();
        cfg.extend(cfg_predicates(&item_impl.attrs));
        // Each method is dropped as soon as it is lowered, while its syntax is still cached.
        for impl_item in std::mem::take(&mut item_impl.items) {
            if let syn::ImplItem::Fn(method) = impl_item {
                if self.keep_extents {
                    let name = match &owner.self_type {
                        Some(self_type) => {
                            format!("{}::{}", self_type.display_name(), method.sig.ident)
                        }
                        None => method.sig.ident.to_string(),
                    };
                    let method_in_test =
                        in_test || has_cfg_test(&method.attrs) || has_test_attribute(&method.attrs);
                    self.extent(name, token_spans::impl_fn_span(&method), method_in_test);
                }
                let at = ItemContext {
                    in_test: in_test || has_cfg_test(&method.attrs),
                    cfg: cfg.clone(),
                    ..at.clone()
                };
                self.function(
                    &method.attrs,
                    &method.sig,
                    &method.block,
                    &at,
                    owner.clone(),
                )?;
            }
        }
        Ok(())
    }

    fn trait_item(
        &mut self,
        item_trait: &syn::ItemTrait,
        at: &ItemContext,
    ) -> Result<(), ParseFailure> {
        let mut methods = Vec::new();
        let mut default_methods = Vec::new();
        let owner = Owner {
            self_type: None,
            trait_path: Some(std::sync::Arc::new(PathRef::single(
                item_trait.ident.to_string(),
            ))),
            generics: generic_params(&item_trait.generics),
        };
        for trait_item in &item_trait.items {
            if let syn::TraitItem::Fn(method) = trait_item {
                if self.keep_extents {
                    let name = format!("{}::{}", item_trait.ident, method.sig.ident);
                    self.extent(name, token_spans::trait_fn_span(method), at.in_test);
                }
                methods.push(method.sig.ident.to_string());
                if let Some(default_body) = &method.default {
                    default_methods.push(method.sig.ident.to_string());
                    self.function(&method.attrs, &method.sig, default_body, at, owner.clone())?;
                }
            }
        }
        self.facts.traits.push(TraitDef {
            name: item_trait.ident.to_string(),
            module_path: at.module_path.clone(),
            methods,
            default_methods,
        });
        Ok(())
    }

    fn struct_item(&mut self, item_struct: &syn::ItemStruct, at: &ItemContext) {
        let fields = item_struct
            .fields
            .iter()
            .enumerate()
            .map(|(index, field)| Field {
                name: field.ident.as_ref().map_or_else(
                    || compact_str::ToCompactString::to_compact_string(&index),
                    compact_str::ToCompactString::to_compact_string,
                ),
                ty: self.context.share_type(type_ref(self.context, &field.ty)),
                span: self.context.convert(
                    field
                        .ident
                        .as_ref()
                        .map_or_else(|| field.ty.span(), |ident| ident.span()),
                ),
            })
            .collect();
        self.facts.structs.push(StructDef {
            name: item_struct.ident.to_string(),
            module_path: at.module_path.clone(),
            scope: at.scope,
            fields,
            generics: generic_params(&item_struct.generics),
            span: self.context.convert(item_struct.ident.span()),
        });
    }

    /// A `static`, `const` or `lazy_static!`/`thread_local!` entry: its name and type. The
    /// initializer is not kept: nothing reads it (binding crates declare hundreds of
    /// thousands of constants).
    fn static_item(&mut self, ident: &syn::Ident, ty: &syn::Type, at: &ItemContext) {
        self.facts.statics.push(StaticDef {
            name: compact_str::ToCompactString::to_compact_string(ident),
            module_path: at.module_path.clone(),
            scope: at.scope,
            ty: self.context.share_type(type_ref(self.context, ty)),
            span: self.context.convert(ident.span()),
        });
    }

    /// `lazy_static! { static ref X: T = e; }` and `thread_local! { static X: T = e; }`
    /// declare statics; other item macros are opaque.
    fn item_macro(
        &mut self,
        item_macro: &syn::ItemMacro,
        at: &ItemContext,
    ) -> Result<(), ParseFailure> {
        let name = item_macro
            .mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        if name == "cfg_if" {
            return match super::cfg_if::branch_items(item_macro.mac.tokens.clone()) {
                Some(mut items) => self.items(&mut items, at),
                None => Ok(()),
            };
        }
        if name != "lazy_static" && name != "thread_local" {
            return Ok(());
        }
        let Ok(entries) = parse_static_entries.parse2(item_macro.mac.tokens.clone()) else {
            return Ok(());
        };
        for (ident, ty) in &entries {
            self.facts.scopes[at.scope.0 as usize]
                .item_names
                .push(compact_str::ToCompactString::to_compact_string(ident));
            self.static_item(ident, ty, at);
        }
        Ok(())
    }

    fn function(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        at: &ItemContext,
        owner: Owner,
    ) -> Result<(), ParseFailure> {
        let mut lowerer = BodyLowerer::new(self.context);
        lowerer.in_test = at.in_test || has_test_attribute(attrs);
        let body = lowerer.block(block);
        if let Some(failure) = lowerer.too_deep {
            return Err(failure);
        }
        self.facts
            .collection_literals
            .append(&mut lowerer.collection_literals);
        self.facts
            .integer_literals
            .append(&mut lowerer.integer_literals);
        let in_body = if lowerer
            .nested_fns
            .iter()
            .any(|nested| matches!(nested, NestedFn::InBody(_)))
        {
            nested_fns_in(block)
        } else {
            Default::default()
        };
        let nested_fns: Vec<&syn::ItemFn> = lowerer
            .nested_fns
            .iter()
            .filter_map(|nested| match nested {
                NestedFn::InBody(address) => in_body.get(address).copied(),
                NestedFn::InMacro(item_fn) => Some(&**item_fn),
            })
            .collect();
        debug_assert_eq!(nested_fns.len(), lowerer.nested_fns.len());
        let scope = if lowerer.nested_uses.is_empty() && nested_fns.is_empty() {
            at.scope
        } else {
            self.block_scope(at, &lowerer.nested_uses, &nested_fns)
        };
        let receiver = sig.receiver().map(receiver_kind);
        let params = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                syn::FnArg::Typed(typed) => Some(Param {
                    pattern: lowerer.pattern(&typed.pat),
                    ty: self.context.share_type(type_ref(self.context, &typed.ty)),
                }),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let return_type = match &sig.output {
            syn::ReturnType::Type(_, ty) => {
                Some(self.context.share_type(type_ref(self.context, ty)))
            }
            syn::ReturnType::Default => None,
        };
        let generics = owner
            .generics
            .iter()
            .cloned()
            .chain(generic_params(&sig.generics))
            .collect();
        self.facts.functions.push(Function {
            name: compact_str::ToCompactString::to_compact_string(&sig.ident),
            module_path: at.module_path.clone(),
            scope,
            self_type: owner.self_type,
            trait_path: owner.trait_path,
            receiver,
            params,
            return_type,
            generics,
            is_async: sig.asyncness.is_some(),
            is_test: at.in_test || has_test_attribute(attrs),
            cfg: at
                .cfg
                .iter()
                .cloned()
                .chain(cfg_predicates(attrs))
                .collect(),
            contents: BodyContents::of(&body),
            body: Body::new(body),
        });
        let nested_context = ItemContext {
            scope,
            ..at.clone()
        };
        for nested in nested_fns {
            self.function(
                &nested.attrs,
                &nested.sig,
                &nested.block,
                &nested_context,
                Owner::default(),
            )?;
        }
        Ok(())
    }

    /// A scope for a function body that has its own `use` or `fn` items.
    fn block_scope(
        &mut self,
        at: &ItemContext,
        uses: &[syn::ItemUse],
        fns: &[&syn::ItemFn],
    ) -> ScopeId {
        let scope = ScopeId(self.facts.scopes.len() as u32);
        let mut imports = Vec::new();
        for item_use in uses {
            flatten_use_tree(
                &item_use.tree,
                Vec::new(),
                item_use.leading_colon.is_some(),
                &mut imports,
            );
        }
        self.facts.scopes.push(ModuleScope {
            module_path: at.module_path.to_vec(),
            parent: Some(at.scope),
            imports,
            item_names: fns
                .iter()
                .map(|item_fn| compact_str::ToCompactString::to_compact_string(&item_fn.sig.ident))
                .collect(),
        });
        scope
    }
}

/// `<T: A + B, U>` and `where T: C`: each type parameter with the paths of its trait bounds.
fn generic_params(generics: &syn::Generics) -> Vec<GenericParam> {
    let mut params: Vec<GenericParam> = generics
        .type_params()
        .map(|param| GenericParam {
            name: param.ident.to_string(),
            bounds: bound_paths(&param.bounds),
        })
        .collect();
    let predicates = generics
        .where_clause
        .iter()
        .flat_map(|clause| clause.predicates.iter());
    for predicate in predicates {
        let syn::WherePredicate::Type(bounded) = predicate else {
            continue;
        };
        let syn::Type::Path(type_path) = &bounded.bounded_ty else {
            continue;
        };
        let Some(ident) = type_path.path.get_ident() else {
            continue;
        };
        if let Some(param) = params.iter_mut().find(|param| ident == &param.name) {
            param.bounds.extend(bound_paths(&bounded.bounds));
        }
    }
    params
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

fn parse_static_entries(input: ParseStream<'_>) -> syn::Result<Vec<(syn::Ident, syn::Type)>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        syn::Attribute::parse_outer(input)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<syn::Token![static]>()?;
        if input.peek(syn::Token![ref]) {
            input.parse::<syn::Token![ref]>()?;
        }
        let ident: syn::Ident = input.parse()?;
        input.parse::<syn::Token![:]>()?;
        let ty: syn::Type = input.parse()?;
        input.parse::<syn::Token![=]>()?;
        // The initializer is read only to find where the entry ends.
        input.parse::<syn::Expr>()?;
        if !input.is_empty() {
            input.parse::<syn::Token![;]>()?;
        }
        entries.push((ident, ty));
    }
    Ok(entries)
}

fn flatten_use_tree(tree: &syn::UseTree, prefix: Vec<String>, global: bool, out: &mut Vec<Import>) {
    let make_path = |segments: Vec<String>| {
        PathRef::new(segments.into_iter().map(Segment::from).collect(), global)
    };
    match tree {
        syn::UseTree::Path(path) => {
            let mut prefix = prefix;
            prefix.push(path.ident.to_string());
            flatten_use_tree(&path.tree, prefix, global, out);
        }
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            if ident == "self" {
                if let Some(last) = prefix.last().cloned() {
                    out.push(Import::Named {
                        alias: last,
                        path: make_path(prefix),
                    });
                }
            } else {
                let mut segments = prefix;
                segments.push(ident.clone());
                out.push(Import::Named {
                    alias: ident,
                    path: make_path(segments),
                });
            }
        }
        syn::UseTree::Rename(rename) => {
            let alias = rename.rename.to_string();
            if alias == "_" {
                return;
            }
            let ident = rename.ident.to_string();
            let mut segments = prefix;
            if ident != "self" {
                segments.push(ident);
            }
            out.push(Import::Named {
                alias,
                path: make_path(segments),
            });
        }
        syn::UseTree::Glob(_) => out.push(Import::Glob {
            path: make_path(prefix),
        }),
        syn::UseTree::Group(group) => {
            for item in &group.items {
                flatten_use_tree(item, prefix.clone(), global, out);
            }
        }
    }
}

/// The name an item's extent is recorded under; `None` for `use` and `extern crate`.
fn extent_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Use(_) | syn::Item::ExternCrate(_) => None,
        syn::Item::Impl(item_impl) => {
            let self_type = match &*item_impl.self_ty {
                syn::Type::Path(path) => path
                    .path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string())
                    .unwrap_or_default(),
                _ => "_".to_string(),
            };
            Some(match &item_impl.trait_ {
                Some((_, path, _)) => format!("impl {} for {self_type}", path_ref(path).last()),
                None => format!("impl {self_type}"),
            })
        }
        syn::Item::Macro(item_macro) => Some(
            item_macro
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| format!("{}!", path_ref(&item_macro.mac.path).last())),
        ),
        other => item_name(other),
    }
}

/// The outer attributes of the items that can be test code.
fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        _ => return None,
    })
}

fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Fn(item) => &item.sig.ident,
        syn::Item::Struct(item) => &item.ident,
        syn::Item::Enum(item) => &item.ident,
        syn::Item::Union(item) => &item.ident,
        syn::Item::Trait(item) => &item.ident,
        syn::Item::Type(item) => &item.ident,
        syn::Item::Mod(item) => &item.ident,
        syn::Item::Static(item) => &item.ident,
        syn::Item::Const(item) => &item.ident,
        syn::Item::Macro(item) => item.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The predicates of `#[cfg(..)]` attributes, as token text without spaces.
pub(super) fn cfg_predicates(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::List(list) => Some(
                list.tokens
                    .to_string()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// `#[cfg(test)]`, `#[cfg(all(test, ..))]`, `#[cfg(feature = "test-utils")]`: compiled
/// only into test builds (see [`super::cfg`]).
fn has_cfg_test(attrs: &[syn::Attribute]) -> bool {
    cfg_predicates(attrs)
        .iter()
        .any(|predicate| super::cfg::is_test_only(predicate))
}

/// `#[test]`, `#[tokio::test]`, `#[rstest]`-style attributes ending in `test`.
fn has_test_attribute(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "test")
    })
}

/// The files an out-of-line `mod name;` may be read from, as `#[path]` values (`None`: the
/// usual `name.rs` or `name/mod.rs`). A `#[path = ".."]` names the one file; otherwise
/// every `#[cfg_attr(cfg, path = "..")]` names one, as with `#[cfg_attr(unix, path =
/// "sys/unix.rs")]` and `#[cfg_attr(windows, path = "sys/windows.rs")]`: like the
/// `#[cfg]` variants of an item, every platform's file is analyzed, as the same module.
fn module_file_paths(attrs: &[syn::Attribute]) -> Vec<Option<String>> {
    if let Some(path) = attrs
        .iter()
        .find(|attr| attr.path().is_ident("path"))
        .and_then(|attr| path_value(&attr.meta))
    {
        return vec![Some(path)];
    }
    let mut conditional: Vec<Option<String>> = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("cfg_attr")) {
        let Ok(parts) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        // The first part is the condition, the others are the attributes it applies.
        for meta in parts.iter().skip(1) {
            if meta.path().is_ident("path")
                && let Some(path) = path_value(meta)
                && !conditional.contains(&Some(path.clone()))
            {
                conditional.push(Some(path));
            }
        }
    }
    if conditional.is_empty() {
        conditional.push(None);
    }
    conditional
}

/// [`module_file_paths`], each with whether it is optional: when every path is
/// conditional, the usual location is added too, as an optional file.
fn module_files(attrs: &[syn::Attribute]) -> Vec<(Option<String>, bool)> {
    let paths = module_file_paths(attrs);
    let conditional =
        paths.iter().all(Option::is_some) && !attrs.iter().any(|attr| attr.path().is_ident("path"));
    let mut files: Vec<(Option<String>, bool)> =
        paths.into_iter().map(|path| (path, false)).collect();
    if conditional {
        files.push((None, true));
    }
    files
}

/// The string of `path = ".."`.
fn path_value(meta: &syn::Meta) -> Option<String> {
    match meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// `&self`, `&mut self`, `self`, and the typed forms (`self: &Arc<Self>` reads like `&self`,
/// `self: Arc<Self>` takes a handle).
fn receiver_kind(receiver: &syn::Receiver) -> Receiver {
    match (&receiver.reference, &receiver.mutability) {
        (Some(_), Some(_)) => return Receiver::RefMut,
        (Some(_), None) => return Receiver::Ref,
        (None, _) => {}
    }
    if receiver.colon_token.is_none() {
        return Receiver::Value;
    }
    match &*receiver.ty {
        syn::Type::Reference(reference) if reference.mutability.is_some() => Receiver::RefMut,
        syn::Type::Reference(_) => Receiver::Ref,
        syn::Type::Path(path) => match path.path.segments.last() {
            Some(last) if last.ident == "Self" || last.ident == "Box" => Receiver::Value,
            _ => Receiver::Handle,
        },
        _ => Receiver::Handle,
    }
}
