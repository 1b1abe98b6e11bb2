//! Types resolved to canonical paths: a [`TypeRef`] as written, resolved in the scope where
//! it was written (imports, `Self`, generic parameters, our own type aliases), so that types
//! written in different modules compare equal and every analysis reads the same answer.

use crate::hash::{ThreadMemo, remembered};
use crate::knowledge::wrappers;
use crate::model::{FileFacts, GenericParam, PathRef, ScopeId, TypeRef};
use crate::paths::last_segment;
use crate::resolve::Resolver;

use super::items::{ItemIndex, type_alias_def};

/// How deep type aliases are followed (`type A = B; type B = ...`).
const MAX_ALIAS_DEPTH: usize = 8;

/// A resolved type. Paths are canonical (`std::sync::Mutex`, `my_app::net::Server`); a name
/// that resolves to nothing known stays as written (`T`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ty {
    /// A path type with the type arguments of its last segment.
    Path {
        path: String,
        args: Vec<Ty>,
    },
    Ref {
        mutable: bool,
        inner: Box<Ty>,
    },
    Tuple(Vec<Ty>),
    Slice(Box<Ty>),
    /// `impl A + B`, `dyn A + B`, or a generic parameter bounded by `A + B`: the canonical
    /// paths of the traits.
    Bounds(Vec<String>),
    /// `_`, function pointers, macros in type position, ...
    Unknown,
}

impl Ty {
    pub fn peel_refs(&self) -> &Ty {
        let mut current = self;
        while let Ty::Ref { inner, .. } = current {
            current = inner;
        }
        current
    }

    /// `Arc<Mutex<T>>` → `Mutex<T>`: references and transparent wrappers peeled.
    pub fn peel_wrappers(&self) -> &Ty {
        let mut current = self.peel_refs();
        loop {
            match current {
                Ty::Path { path, args }
                    if wrappers::is_transparent(last_segment(path)) && !args.is_empty() =>
                {
                    current = args[0].peel_refs();
                }
                _ => return current,
            }
        }
    }

    /// The canonical path of a path type, references peeled.
    pub fn path(&self) -> Option<&str> {
        match self.peel_refs() {
            Ty::Path { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The last segment of a path type's path (`Mutex` for `std::sync::Mutex<T>`).
    pub fn last_segment(&self) -> Option<&str> {
        self.path().map(last_segment)
    }

    /// The type arguments of a path type.
    pub fn args(&self) -> &[Ty] {
        match self.peel_refs() {
            Ty::Path { args, .. } => args,
            _ => &[],
        }
    }

    /// The last segment, looking through the wrappers API tables match through
    /// (`Arc<PgPool>` is `PgPool`, `Option<Client>` is `Client`).
    pub fn name_for_matching(&self) -> Option<&str> {
        let name = self.last_segment()?;
        if wrappers::is_name_match_wrapper(name) {
            return self.args().first().and_then(Ty::name_for_matching);
        }
        Some(name)
    }

    /// The trait paths of an `impl Trait`, `dyn Trait` or bounded generic (references peeled).
    pub fn bounds(&self) -> &[String] {
        match self.peel_wrappers() {
            Ty::Bounds(bounds) => bounds,
            _ => &[],
        }
    }
}

/// Where a type was written: the file and scope its paths resolve in, what `Self` means
/// there, and the generic parameters in scope.
#[derive(Clone, Copy, Debug)]
pub struct TypeScope<'s> {
    pub file: usize,
    pub scope: ScopeId,
    pub self_type: Option<&'s str>,
    pub generics: &'s [GenericParam],
}

impl TypeScope<'_> {
    /// A module-level scope: no `Self`, no generics.
    pub fn module(file: usize, scope: ScopeId) -> TypeScope<'static> {
        TypeScope {
            file,
            scope,
            self_type: None,
            generics: &[],
        }
    }
}

thread_local! {
    /// The canonical paths of the type paths this thread resolved, by file, scope and path
    /// as written (65,536 at most, a few MiB): a function's types name the same few paths
    /// again and again, and the functions of a file, which a thread works through
    /// together, name those of the same fields and callees. Resolving walks scopes,
    /// imports and globs and allocates each segment; looking up here does not.
    static RESOLVED_PATHS: std::cell::RefCell<ThreadMemo<(u32, ScopeId, PathRef), String>> =
        std::cell::RefCell::new(ThreadMemo::with_capacity(1 << 16));
}

/// Resolves written types into [`Ty`]s.
#[derive(Clone, Copy)]
pub struct TypeResolver<'p> {
    pub files: &'p [FileFacts],
    pub resolver: &'p Resolver<'p>,
    pub items: &'p ItemIndex,
}

impl TypeResolver<'_> {
    pub fn resolve(&self, at: &TypeScope<'_>, ty: &TypeRef) -> Ty {
        self.resolve_with_depth(at, ty, 0)
    }

    /// The canonical path of a path as written in `at` (for `Self::x`, the impl's type).
    pub fn resolve_path(&self, at: &TypeScope<'_>, path: &PathRef) -> String {
        if let (Some(first), Some(self_type)) = (path.segments.first(), at.self_type)
            && first == "Self"
        {
            let mut joined = self_type.to_string();
            for segment in &path.segments[1..] {
                joined.push_str("::");
                joined.push_str(segment);
            }
            return joined;
        }
        let key = (at.file as u32, at.scope, path.clone());
        remembered(&RESOLVED_PATHS, self.resolver.id(), key, || {
            self.resolver.resolve(at.file, at.scope, path).display()
        })
    }

    fn resolve_with_depth(&self, at: &TypeScope<'_>, ty: &TypeRef, depth: usize) -> Ty {
        match ty {
            TypeRef::Path { path, args } => self.resolve_path_type(at, path, args, depth),
            TypeRef::Ref { mutable, inner } => Ty::Ref {
                mutable: *mutable,
                inner: Box::new(self.resolve_with_depth(at, inner, depth)),
            },
            TypeRef::Tuple(elements) => Ty::Tuple(
                elements
                    .iter()
                    .map(|element| self.resolve_with_depth(at, element, depth))
                    .collect(),
            ),
            TypeRef::Slice(element) => {
                Ty::Slice(Box::new(self.resolve_with_depth(at, element, depth)))
            }
            TypeRef::Bounds(bounds) => Ty::Bounds(self.resolve_bounds(at, bounds)),
            TypeRef::Other => Ty::Unknown,
        }
    }

    fn resolve_path_type(
        &self,
        at: &TypeScope<'_>,
        path: &PathRef,
        args: &[TypeRef],
        depth: usize,
    ) -> Ty {
        if path.segments.len() == 1 && !path.global() {
            let name = path.last();
            if name == "Self" {
                return match at.self_type {
                    Some(self_type) => Ty::Path {
                        path: self_type.to_string(),
                        args: Vec::new(),
                    },
                    None => Ty::Unknown,
                };
            }
            if let Some(param) = at.generics.iter().find(|param| param.name == name) {
                return if param.bounds.is_empty() {
                    Ty::Path {
                        path: name.to_string(),
                        args: Vec::new(),
                    }
                } else {
                    Ty::Bounds(self.resolve_bounds(at, &param.bounds))
                };
            }
        }
        let canonical = self.resolve_path(at, path);
        if let Some(alias) = self.items.type_alias_at(&canonical)
            && depth < MAX_ALIAS_DEPTH
        {
            let definition = type_alias_def(self.files, alias);
            let alias_scope = TypeScope::module(alias.file(), definition.scope);
            return self.resolve_with_depth(&alias_scope, &definition.ty, depth + 1);
        }
        Ty::Path {
            path: canonical,
            args: args
                .iter()
                .map(|arg| self.resolve_with_depth(at, arg, depth))
                .collect(),
        }
    }

    fn resolve_bounds(&self, at: &TypeScope<'_>, bounds: &[PathRef]) -> Vec<String> {
        bounds
            .iter()
            .map(|bound| self.resolve_path(at, bound))
            .collect()
    }
}
