//! The types of a function's local bindings and expressions, as far as the syntax tells
//! them: parameters, `let` annotations, constructor calls (`Bank::new()`,
//! `TcpStream::connect(..)?`), `Arc::new(x)`, copies of other bindings (`y.clone()`,
//! `Arc::clone(&y)`, `&y`), struct fields (`self.pool`, `state.db.conn`) and extractor
//! patterns (`State(state): State<Arc<AppState>>`).
//!
//! Scoped by position, not by flow: a name bound twice has, at each place it is used, the
//! type of the binding in force there (`let state = state.lock()?` types the `state` it
//! locks as the lock, and the uses after it as the guard). No inference beyond what is
//! written. Computed once per function and cached on [`super::Program`].

use std::sync::Arc;

use crate::hash::{HashMap, HashSet};

use super::items::{function_def, static_def, struct_def};
use super::types::{Ty, TypeResolver, TypeScope};
use crate::knowledge::adaptors::keeps_type;
use crate::knowledge::collections::{
    Iterated, Returns, Shape, indexed_shape, is_element_access, is_fallible, is_success_variant,
    iterated_by, returns, takes_element_out, unwraps,
};
use crate::knowledge::locks::{acquire_method, is_identity_method, lock_type_at};
use crate::knowledge::wrappers::{is_pointer, is_pointer_clone, is_pointer_new, is_standard_type};
use crate::model::{Block, Expr, ExprKind, Function, LoopKind, Pattern, Stmt, TypeRef};

/// Local binding name → its typed bindings, for one function.
///
/// Worked out in a hash map by name; kept for the whole run (every function of the
/// program has one) in two sorted slices, which take a third of the room: most names are
/// bound once, and each map entry held its own name and its own list.
#[derive(Clone, Debug, Default)]
pub struct FunctionTypes {
    /// While the function's types are worked out (boxed: 8 bytes, not 32, once done).
    building: Option<Box<HashMap<String, Vec<LocalBinding>>>>,
    /// Once done ([`FunctionTypes::freeze`]): each name's 64-bit XXH3 hash with the index
    /// of its first binding in `bindings`, sorted by hash (16 bytes a name instead of 32
    /// with the name itself; two names of one function share a hash with a probability
    /// near 2^-64 per pair).
    names: thin_vec::ThinVec<(u64, u32)>,
    /// The bindings, grouped by name in the order of `names`, each name's in the order made.
    bindings: thin_vec::ThinVec<LocalBinding>,
}

/// One typed binding of a name and the source range it is in force for (byte offsets).
/// The type is shared with every binding of the same type in the file
/// ([`FunctionTypes::share_types`]): a file's functions bind the same few types.
#[derive(Clone, Debug)]
struct LocalBinding {
    from: u32,
    until: u32,
    ty: Arc<Ty>,
}

impl FunctionTypes {
    /// The bindings of `name`, in the order they were made.
    fn bindings_of(&self, name: &str) -> Option<&[LocalBinding]> {
        if let Some(building) = &self.building {
            return building.get(name).map(Vec::as_slice);
        }
        let key = name_key(name);
        let index = self
            .names
            .binary_search_by(|(known, _)| known.cmp(&key))
            .ok()?;
        let start = self.names[index].1 as usize;
        let end = self
            .names
            .get(index + 1)
            .map_or(self.bindings.len(), |(_, next)| *next as usize);
        Some(&self.bindings[start..end])
    }

    /// The type of the name's last typed binding, wherever it is used.
    pub fn local(&self, name: &str) -> Option<&Ty> {
        self.bindings_of(name)?.last().map(|binding| &*binding.ty)
    }

    /// The type `name` has where `expr` is: the innermost binding in force at that place
    /// (made before it, in a scope that has not ended), else the name's last binding.
    pub fn local_at(&self, name: &str, expr: &Expr) -> Option<&Ty> {
        let bindings = self.bindings_of(name)?;
        let offset = expr.span.byte_start;
        bindings
            .iter()
            .filter(|binding| binding.from <= offset && offset < binding.until)
            .max_by_key(|binding| binding.from)
            .or(bindings.last())
            .map(|binding| &*binding.ty)
    }

    /// The type of parameter `name` (its first binding, in force for the whole function).
    pub fn parameter(&self, name: &str) -> Option<&Ty> {
        let first = self.bindings_of(name)?.first()?;
        (first.from == WHOLE_FUNCTION.0 && first.until == WHOLE_FUNCTION.1).then_some(&*first.ty)
    }

    fn bind(&mut self, name: &str, (from, until): (u32, u32), ty: Ty) {
        self.building
            .get_or_insert_default()
            .entry(name.to_string())
            .or_default()
            .push(LocalBinding {
                from,
                until,
                ty: Arc::new(ty),
            });
    }

    /// Moves the bindings from the map they were worked out in to the sorted slices kept
    /// for the run.
    fn freeze(&mut self) {
        let mut by_name: Vec<(u64, Vec<LocalBinding>)> = self
            .building
            .take()
            .into_iter()
            .flat_map(|map| *map)
            .map(|(name, list)| (name_key(&name), list))
            .collect();
        by_name.sort_unstable_by_key(|(key, _)| *key);
        let mut names = thin_vec::ThinVec::with_capacity(by_name.len());
        let mut bindings =
            thin_vec::ThinVec::with_capacity(by_name.iter().map(|(_, list)| list.len()).sum());
        for (key, list) in by_name {
            names.push((key, bindings.len() as u32));
            bindings.extend(list);
        }
        self.names = names;
        self.bindings = bindings;
    }

    /// The frozen types' names as stored between runs: each name's hash with the index of
    /// its first binding.
    pub(crate) fn stored_names(&self) -> &[(u64, u32)] {
        &self.names
    }

    /// The frozen types' bindings as stored between runs: each one's range and type.
    pub(crate) fn stored_bindings(&self) -> impl Iterator<Item = (u32, u32, &Arc<Ty>)> {
        self.bindings
            .iter()
            .map(|binding| (binding.from, binding.until, &binding.ty))
    }

    /// Frozen types from [`FunctionTypes::stored_names`] and
    /// [`FunctionTypes::stored_bindings`]; `None` when the names do not point into the
    /// bindings in order (a damaged entry).
    pub(crate) fn from_stored_parts(
        names: &[(u64, u32)],
        bindings: impl ExactSizeIterator<Item = (u32, u32, Arc<Ty>)>,
    ) -> Option<FunctionTypes> {
        let count = bindings.len();
        let in_order = names
            .windows(2)
            .all(|pair| pair[0].0 <= pair[1].0 && pair[0].1 < pair[1].1)
            && names.iter().all(|(_, first)| (*first as usize) < count)
            && names.first().is_none_or(|(_, first)| *first == 0);
        if !in_order {
            return None;
        }
        Some(FunctionTypes {
            building: None,
            names: names.iter().copied().collect(),
            bindings: bindings
                .map(|(from, until, ty)| LocalBinding { from, until, ty })
                .collect(),
        })
    }

    /// Makes each binding's type the copy in `shared` (added there when new), so that the
    /// functions of one file keep one copy of each type.
    pub fn share_types(&mut self, shared: &mut HashSet<Arc<Ty>>) {
        for binding in self
            .building
            .iter_mut()
            .flat_map(|map| map.values_mut())
            .flatten()
            .chain(self.bindings.iter_mut())
        {
            match shared.get(&binding.ty) {
                Some(copy) => binding.ty = copy.clone(),
                None => {
                    shared.insert(binding.ty.clone());
                }
            }
        }
    }
}

/// What [`FunctionTypes`] keeps of a name once done: its 64-bit XXH3 hash.
fn name_key(name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes())
}

/// The whole function: where parameters and `self` are in force.
const WHOLE_FUNCTION: (u32, u32) = (0, u32::MAX);

/// Answers "what type does this expression have?" for the functions of the program.
#[derive(Clone, Copy)]
pub struct Typing<'p> {
    pub types: TypeResolver<'p>,
}

impl<'p> Typing<'p> {
    /// The local types of `function` (declared in file `file`, its body decoded as `body`),
    /// whose `Self` is `self_type`.
    pub fn function_types(
        &self,
        file: usize,
        function: &Function,
        body: &Block,
        self_type: Option<&str>,
    ) -> FunctionTypes {
        let at = TypeScope {
            file,
            scope: function.scope,
            self_type,
            generics: &function.generics,
        };
        let mut types = FunctionTypes::default();
        for param in &function.params {
            if let Some(name) = param.pattern.simple_name() {
                types.bind(name, WHOLE_FUNCTION, self.types.resolve(&at, &param.ty));
            } else if let Some((name, inner)) = extractor_binding(&param.pattern, &param.ty) {
                types.bind(name, WHOLE_FUNCTION, self.types.resolve(&at, inner));
            }
        }
        if let (Some(self_type), Some(_)) = (self_type, function.receiver) {
            // In a trait's default method, `self` is any implementor of the trait.
            let self_ty = if self.types.items.trait_at(self_type).is_some() {
                Ty::Bounds(vec![self_type.to_string()])
            } else {
                Ty::Path {
                    path: self_type.to_string(),
                    args: Vec::new(),
                }
            };
            types.bind("self", WHOLE_FUNCTION, self_ty);
        }
        let mut lets = Vec::new();
        collect_lets(body, &mut lets);
        for binding in lets {
            match binding {
                Binding::Let {
                    name,
                    ty,
                    init,
                    scope,
                } => {
                    let inferred = match ty {
                        Some(ty) => Some(self.types.resolve(&at, ty)),
                        None => init.and_then(|init| self.type_of(&at, &types, init)),
                    };
                    if let Some(inferred) = inferred {
                        types.bind(name, scope, inferred);
                    }
                }
                Binding::Unwrapped {
                    pattern,
                    scrutinee,
                    scope,
                } => {
                    if let [binding] = pattern.bindings.as_slice()
                        && let Some(ty) = self.type_of(&at, &types, scrutinee)
                    {
                        types.bind(&binding.name, scope, success_type(ty));
                    }
                }
                Binding::TupleLet { names, ty, scope } => {
                    if let Ty::Tuple(parts) = self.types.resolve(&at, ty)
                        && parts.len() == names.len()
                    {
                        for (name, part) in names.iter().zip(parts) {
                            if let Some(name) = name {
                                types.bind(name, scope, part);
                            }
                        }
                    }
                }
                Binding::ForItem {
                    pattern,
                    iterable,
                    scope,
                } => {
                    let Some(item) = self.iteration_item(&at, &types, iterable) else {
                        continue;
                    };
                    if let Some(name) = pattern.simple_name() {
                        types.bind(name, scope, item);
                    } else if let Ty::Tuple(parts) = item.peel_refs()
                        && parts.len() == pattern.tuple_names.len()
                    {
                        for (name, part) in pattern.tuple_names.iter().zip(parts) {
                            if let Some(name) = name {
                                types.bind(name, scope, part.clone());
                            }
                        }
                    }
                }
            }
        }
        types.freeze();
        types
    }

    /// The type of the items a `for` loop gets from `iterable`: a `Vec`'s elements, a
    /// map's `(key, value)` pairs, its `values()` or `keys()`.
    fn iteration_item(
        &self,
        at: &TypeScope<'_>,
        types: &FunctionTypes,
        iterable: &Expr,
    ) -> Option<Ty> {
        match &iterable.kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && iterated_by(method).is_some() => {
                let collection = self.type_of(at, types, receiver)?;
                match iterated_by(method)? {
                    Iterated::Items => collection_item(&collection),
                    Iterated::Values => element_type(&collection),
                    Iterated::Keys => map_key_type(&collection),
                }
            }
            // `clients.values().filter(..)`, `.rev()`, `.skip(n)`: the same items.
            ExprKind::MethodCall {
                receiver, method, ..
            } if returns(method) == Some(Returns::Same) => self.iteration_item(at, types, receiver),
            ExprKind::Reference { expr, .. } => collection_item(&self.type_of(at, types, expr)?),
            _ => collection_item(&self.type_of(at, types, iterable)?),
        }
    }

    /// The type of an expression when the syntax says it.
    pub fn type_of(&self, at: &TypeScope<'_>, types: &FunctionTypes, expr: &Expr) -> Option<Ty> {
        match &expr.kind {
            ExprKind::Path(path) => {
                let local = (path.segments.len() == 1)
                    .then(|| types.local_at(path.last(), expr))
                    .flatten();
                match local {
                    Some(ty) => Some(ty.clone()),
                    None => {
                        let canonical = self.types.resolve_path(at, path);
                        self.static_type(&canonical)
                            .or_else(|| self.unit_struct_type(&canonical))
                    }
                }
            }
            ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => {
                self.type_of(at, types, expr)
            }
            ExprKind::Field(field) => {
                let base = self.type_of(at, types, &field.base)?;
                self.field_type(base.peel_wrappers().path()?, &field.member)
            }
            ExprKind::Try(inner) => Some(success_type(self.type_of(at, types, inner)?)),
            ExprKind::Await(inner) => self.type_of(at, types, inner),
            ExprKind::MethodCall {
                receiver, method, ..
            } if keeps_type(method) || (method.args().is_empty() && is_identity_method(method)) => {
                let receiver_type = self.type_of(at, types, receiver)?;
                Some(if unwraps(method) {
                    success_type(receiver_type)
                } else {
                    receiver_type
                })
            }
            ExprKind::Call { callee, args } => {
                let ExprKind::Path(path) = &callee.kind else {
                    return None;
                };
                self.constructor_call_type(at, types, path, args)
                    .or_else(|| {
                        let canonical = self.types.resolve_path(at, path);
                        self.declared_return_type(at.file, &canonical, None)
                    })
            }
            ExprKind::Index { base, .. } => element_type(&self.type_of(at, types, base)?),
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_element_access(method) || takes_element_out(method) => {
                element_type(&self.type_of(at, types, receiver)?)
            }
            // `m.lock()`: the guard, which derefs to the protected value (enough to find
            // the methods called on it).
            ExprKind::MethodCall {
                receiver, method, ..
            } if acquire_method(method).is_some() => {
                let lock = self.type_of(at, types, receiver)?;
                let lock = lock.peel_wrappers();
                lock.path().and_then(lock_type_at)?;
                lock.args().first().cloned()
            }
            // `weak.upgrade()`: an `Option<Arc<T>>`.
            ExprKind::MethodCall {
                receiver, method, ..
            } if method == "upgrade" && method.args().is_empty() => {
                let weak = self.type_of(at, types, receiver)?;
                let Ty::Path { path, args } = weak.peel_refs() else {
                    return None;
                };
                if !path.ends_with("Weak") {
                    return None;
                }
                let inner = args.first()?.clone();
                Some(Ty::Path {
                    path: "std::option::Option".to_string(),
                    args: vec![Ty::Path {
                        path: "std::sync::Arc".to_string(),
                        args: vec![inner],
                    }],
                })
            }
            // `self.wallet(id)`: what the workspace method declares it returns.
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                let receiver_type = self.type_of(at, types, receiver)?;
                let owner = receiver_type.peel_wrappers().path()?.to_string();
                self.declared_return_type(at.file, &format!("{owner}::{method}"), Some(&owner))
            }
            _ => None,
        }
    }

    /// The return type a workspace function declares, resolved where it is written; only
    /// when exactly one function has that path (in the caller's package, when several
    /// define its crate) and its return type names no generic parameter of its own.
    fn declared_return_type(
        &self,
        from_file: usize,
        canonical: &str,
        owner: Option<&str>,
    ) -> Option<Ty> {
        let items = self.types.items;
        let function_ref = match items.functions_at(canonical) {
            [one] => *one,
            [] => return None,
            several => {
                let mut own = several.to_vec();
                items.prefer_own_package(from_file, &mut own);
                let [one] = own[..] else {
                    return None;
                };
                one
            }
        };
        let function = function_def(self.types.files, function_ref);
        let return_type = function.return_type.as_ref()?;
        let at = TypeScope {
            file: function_ref.file(),
            scope: function.scope,
            self_type: owner,
            generics: &function.generics,
        };
        let resolved = self.types.resolve(&at, return_type);
        self.is_informative(&resolved).then_some(resolved)
    }

    /// The declared type of the static (or `const`) at a canonical path.
    pub fn static_type(&self, canonical: &str) -> Option<Ty> {
        let item = self.types.items.static_at(canonical)?;
        let definition = static_def(self.types.files, item);
        let at = TypeScope::module(item.file(), definition.scope);
        Some(self.types.resolve(&at, &definition.ty))
    }

    /// `PlainBackend` as a value: the unit struct's type (a struct without fields).
    fn unit_struct_type(&self, canonical: &str) -> Option<Ty> {
        let item = self.types.items.struct_at(canonical)?;
        struct_def(self.types.files, item)
            .fields
            .is_empty()
            .then(|| Ty::Path {
                path: canonical.to_string(),
                args: Vec::new(),
            })
    }

    /// Whether a type says anything about a value: a lock, one of our structs, a standard
    /// or another crate's type, a tuple or slice (not `_`, `impl Trait`, or a bare generic).
    pub fn is_informative(&self, ty: &Ty) -> bool {
        match ty.peel_wrappers() {
            Ty::Path { path, .. } => {
                lock_type_at(path).is_some()
                    || self.types.items.struct_at(path).is_some()
                    || is_standard_type(path)
                    || crate::paths::is_qualified(path)
            }
            Ty::Unknown | Ty::Bounds(_) => false,
            _ => true,
        }
    }

    /// The declared type of `owner`'s field `member`, resolved where the struct is written.
    pub fn field_type(&self, owner: &str, member: &str) -> Option<Ty> {
        let item = self.types.items.struct_at(owner)?;
        let definition = struct_def(self.types.files, item);
        let field = definition
            .fields
            .iter()
            .find(|field| field.name == member)?;
        let at = TypeScope {
            file: item.file(),
            scope: definition.scope,
            self_type: Some(owner),
            generics: &definition.generics,
        };
        Some(self.types.resolve(&at, &field.ty))
    }

    /// `Type::new(..)` is a `Type`; `Arc::new(x)` wraps `x`'s type; `Arc::clone(&y)` is `y`'s.
    fn constructor_call_type(
        &self,
        at: &TypeScope<'_>,
        types: &FunctionTypes,
        path: &crate::model::PathRef,
        args: &[Expr],
    ) -> Option<Ty> {
        let (function_name, type_segments) = path.segments.split_last()?;
        let type_name = type_segments.last()?;
        if !type_name.starts_with(char::is_uppercase) {
            return None;
        }
        let pointer = is_pointer(type_name);
        if pointer && is_pointer_clone(function_name) {
            return args.first().and_then(|arg| self.type_of(at, types, arg));
        }
        let type_path = crate::model::PathRef::new(type_segments.into(), path.global());
        let Ty::Path { path, .. } = self.types.resolve(
            at,
            &TypeRef::Path {
                path: type_path,
                args: thin_vec::ThinVec::new(),
            },
        ) else {
            return None;
        };
        let args = if pointer && is_pointer_new(function_name) {
            args.first()
                .and_then(|arg| self.type_of(at, types, arg))
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        Some(Ty::Path { path, args })
    }
}

/// `State(state): State<Arc<AppState>>` (axum, actix `Data`, `Extension`, ...): a
/// one-field tuple-struct pattern over a one-argument wrapper binds the argument's type.
fn extractor_binding<'a>(pattern: &'a Pattern, ty: &'a TypeRef) -> Option<(&'a str, &'a TypeRef)> {
    let wrapper = pattern.variant.as_deref()?;
    if pattern.bindings.len() != 1 || ty.last_segment() != Some(wrapper) {
        return None;
    }
    let [inner] = ty.type_args() else {
        return None;
    };
    Some((pattern.bindings[0].name.as_str(), inner))
}

/// A binding whose type the function's syntax may tell, with the byte range it is in
/// force for (`scope`).
enum Binding<'a> {
    /// `let name = init;`: from the end of the statement to the end of its block.
    Let {
        name: &'a str,
        ty: Option<&'a TypeRef>,
        init: Option<&'a Expr>,
        scope: (u32, u32),
    },
    /// `let (a, b): (A, B) = ..;`: each name of a tuple pattern with a declared tuple type.
    TupleLet {
        names: &'a [Option<String>],
        ty: &'a TypeRef,
        scope: (u32, u32),
    },
    /// The pattern of a `for` loop, bound to each item of `iterable` in the loop body.
    ForItem {
        pattern: &'a Pattern,
        iterable: &'a Expr,
        scope: (u32, u32),
    },
    /// `if let Some(x) = scrutinee` / `while let Ok(x) = ..`: `x` is the success value
    /// after the scrutinee.
    Unwrapped {
        pattern: &'a Pattern,
        scrutinee: &'a Expr,
        scope: (u32, u32),
    },
}

/// Every binding with a simple pattern in the block, nested ones included: the block's own
/// `let`s first, then those of nested blocks, loops and conditions.
fn collect_lets<'a>(block: &'a Block, out: &mut Vec<Binding<'a>>) {
    let push_block_lets = |block: &'a Block, out: &mut Vec<_>| {
        for stmt in &block.stmts {
            let Stmt::Let(let_stmt) = stmt else {
                continue;
            };
            let scope = (let_stmt.span.byte_end, block.span.byte_end);
            if let Some(name) = let_stmt.pattern.simple_name() {
                out.push(Binding::Let {
                    name,
                    ty: let_stmt.ty.as_deref(),
                    init: let_stmt.init.as_ref(),
                    scope,
                });
            } else if let Some(ty) = &let_stmt.ty
                && !let_stmt.pattern.tuple_names.is_empty()
            {
                out.push(Binding::TupleLet {
                    names: &let_stmt.pattern.tuple_names,
                    ty,
                    scope,
                });
            }
        }
    };
    push_block_lets(block, out);
    block.walk(&mut |expr| {
        if let ExprKind::Loop(loop_expr) = &expr.kind
            && let LoopKind::For(head) = &loop_expr.kind
        {
            let body = &loop_expr.body;
            let iterable = &head.iterable;
            out.push(Binding::ForItem {
                pattern: &head.pattern,
                iterable,
                scope: (iterable.span.byte_end, body.span.byte_end),
            });
        }
        if let ExprKind::Let { pattern, scrutinee } = &expr.kind
            && pattern.variant.as_deref().is_some_and(is_success_variant)
        {
            out.push(Binding::Unwrapped {
                pattern,
                scrutinee,
                scope: (scrutinee.span.byte_end, u32::MAX),
            });
        }
        // `match sessions.remove(id) { Some(session) => .. }`: the arm's binding.
        if let ExprKind::Match { scrutinee, arms } = &expr.kind {
            for arm in arms {
                if arm
                    .pattern
                    .variant
                    .as_deref()
                    .is_some_and(is_success_variant)
                {
                    out.push(Binding::Unwrapped {
                        pattern: &arm.pattern,
                        scrutinee,
                        scope: (arm.pattern.span.byte_start, arm.body.span.byte_end),
                    });
                }
            }
        }
        let nested = match &expr.kind {
            ExprKind::Block(inner) | ExprKind::Async { body: inner, .. } => Some(&**inner),
            ExprKind::Loop(loop_expr) => Some(&loop_expr.body),
            ExprKind::If(if_expr) => Some(&if_expr.then_branch),
            _ => None,
        };
        if let Some(inner) = nested {
            push_block_lets(inner, out);
        }
    });
}

/// What iterating a collection yields: `T` for a `Vec<T>`, `(K, V)` for a map.
fn collection_item(collection: &Ty) -> Option<Ty> {
    let element = element_type(collection)?;
    match map_key_type(collection) {
        Some(key) => Some(Ty::Tuple(vec![key, element])),
        None => Some(element),
    }
}

/// The key type of a map.
fn map_key_type(collection: &Ty) -> Option<Ty> {
    match collection.peel_wrappers() {
        Ty::Path { path, args } if is_map(path) => args.first().cloned(),
        _ => None,
    }
}

fn is_map(path: &str) -> bool {
    indexed_shape(crate::paths::last_segment(path)) == Some(Shape::Map)
}

/// The element type of a collection: `T` of `Vec<T>`, `[T; N]`, `VecDeque<T>`; `V` of
/// `HashMap<K, V>`, `BTreeMap<K, V>`; through references and smart pointers.
pub fn element_type(collection: &Ty) -> Option<Ty> {
    match collection.peel_wrappers() {
        Ty::Slice(element) => Some((**element).clone()),
        Ty::Path { path, args } => match indexed_shape(crate::paths::last_segment(path))? {
            Shape::Sequence => args.first().cloned(),
            Shape::Map => args.get(1).cloned(),
        },
        _ => None,
    }
}

/// `T` of `Option<T>` or `Result<T, E>` (what `?` and `unwrap()` give); other types as
/// they are.
fn success_type(ty: Ty) -> Ty {
    match &ty {
        Ty::Path { path, args }
            if is_fallible(crate::paths::last_segment(path)) && !args.is_empty() =>
        {
            args[0].clone()
        }
        _ => ty,
    }
}
