//! An index of the workspace's items by canonical path: structs (for field types), statics,
//! and functions (for the call graph), plus methods by name.

use crate::hash::HashMap;
use rayon::prelude::*;
use std::sync::Arc;

use super::FunctionRef;
use crate::model::{FileFacts, Function, ModulePath, ScopeId, StaticDef, StructDef, TypeRef};
use crate::resolve::Resolver;

/// A struct or static of the program: file index and index in that file's list (32 bits
/// each: the index of statics holds a million of them at the corpus's scale).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemRef {
    file: u32,
    index: u32,
}

impl ItemRef {
    pub fn new(file: usize, index: usize) -> ItemRef {
        ItemRef {
            file: file as u32,
            index: index as u32,
        }
    }

    pub fn file(self) -> usize {
        self.file as usize
    }

    pub fn index(self) -> usize {
        self.index as usize
    }
}

/// A canonical path's 128-bit hash (XXH3): the key of the largest path maps. Binding
/// crates define hundreds of thousands of constants and functions, and their paths as
/// strings were most of the index's memory. Two of a run's few million paths share a key
/// with a probability near 10^-26. Kept as two 64-bit halves: a `u128` is aligned to 16
/// bytes, which made a map entry of a key and an [`ItemRef`] 32 bytes instead of 24.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PathKey([u64; 2]);

impl PathKey {
    fn of(path: &str) -> PathKey {
        PathKey::from_hash(xxhash_rust::xxh3::xxh3_128(path.as_bytes()))
    }

    fn from_hash(hash: u128) -> PathKey {
        PathKey([hash as u64, (hash >> 64) as u64])
    }
}

/// One copy of a text repeated in a row (the type or trait of an impl's methods, which
/// come one after another).
#[derive(Default)]
struct SharedText {
    last: Option<Arc<str>>,
}

impl SharedText {
    fn get(&mut self, text: String) -> Arc<str> {
        match &self.last {
            Some(last) if **last == *text => last.clone(),
            _ => self.last.insert(Arc::from(text)).clone(),
        }
    }
}

#[derive(Default)]
pub struct ItemIndex {
    /// By path as a string: [`ItemIndex::structs`] lists them.
    structs: HashMap<String, ItemRef>,
    statics: HashMap<PathKey, ItemRef>,
    type_aliases: HashMap<PathKey, ItemRef>,
    functions: HashMap<PathKey, FunctionsAt>,
    methods_by_name: HashMap<String, Vec<FunctionRef>>,
    /// Canonical path of each function's `Self` type, by function (one copy per run of
    /// methods of the same type: an impl's methods share it).
    self_types: HashMap<FunctionRef, Arc<str>>,
    /// Canonical path of the trait each trait-impl method (or default method) belongs to
    /// (shared like `self_types`).
    method_traits: HashMap<FunctionRef, Arc<str>>,
    /// Workspace traits by canonical path: their method names and default bodies.
    traits: HashMap<String, TraitMethods>,
    /// (trait, method) → the implementations of that method in the workspace's impls.
    trait_method_impls: HashMap<(String, String), Vec<FunctionRef>>,
    /// Type → the workspace traits it implements.
    implemented_traits: HashMap<String, Vec<String>>,
    /// Each file's package and crate, numbered (for `prefer_own_package`).
    file_packages: Vec<PackageAndCrate>,
    /// By package number: the crates it defines (numbered), or `None` for files of no
    /// known package.
    package_crates: Vec<Option<Vec<u32>>>,
}

/// The functions at one canonical path: nearly always one, kept in place (16 bytes, no
/// allocation: binding crates define hundreds of thousands of functions); several when
/// `cfg`s define a function twice.
#[derive(Clone, Debug)]
enum FunctionsAt {
    One(FunctionRef),
    Many(Box<[FunctionRef]>),
}

impl FunctionsAt {
    fn as_slice(&self) -> &[FunctionRef] {
        match self {
            FunctionsAt::One(function) => std::slice::from_ref(function),
            FunctionsAt::Many(functions) => functions,
        }
    }
}

/// Enters each (path, function) in order: the first function at a path in place, the
/// others of the same path gathered and then stored with it in one list.
fn functions_by_path(
    paths: Vec<(FunctionRef, PathKey)>,
    functions: &mut HashMap<PathKey, FunctionsAt>,
) {
    let mut more: HashMap<PathKey, Vec<FunctionRef>> = HashMap::default();
    for (function_ref, path) in paths {
        match functions.entry(path) {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(FunctionsAt::One(function_ref));
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                more.entry(path).or_default().push(function_ref)
            }
        }
    }
    for (path, others) in more {
        if let Some(entry) = functions.get_mut(&path) {
            let all = entry.as_slice().iter().copied().chain(others).collect();
            *entry = FunctionsAt::Many(all);
        }
    }
}

/// A file's package and crate, numbered in the order first seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PackageAndCrate {
    package: u32,
    krate: u32,
}

/// A workspace trait's methods.
#[derive(Clone, Debug, Default)]
pub struct TraitMethods {
    pub methods: Vec<String>,
    /// Default bodies by method name.
    pub defaults: HashMap<String, FunctionRef>,
}

impl ItemIndex {
    pub fn build(files: &[FileFacts], resolver: &Resolver<'_>) -> ItemIndex {
        let (file_packages, package_crates) = number_packages(files);
        let mut index = ItemIndex {
            file_packages,
            package_crates,
            ..ItemIndex::default()
        };
        for facts in files {
            for item in &facts.traits {
                let path = item_path(facts, &item.module_path, &item.name);
                index.traits.entry(path).or_default().methods = item.methods.clone();
            }
        }
        // Each trait impl's type and trait, resolved in parallel, entered in file order.
        let trait_impls: Vec<(String, String)> = files
            .par_iter()
            .with_max_len(crate::analysis::FILES_PER_TASK)
            .enumerate()
            .flat_map_iter(|(file, facts)| {
                facts
                    .trait_impls
                    .iter()
                    .filter_map(move |item| {
                        let trait_path = &item.trait_path;
                        let self_type =
                            canonical_type(resolver, file, item.scope, &item.self_type)?;
                        Some((
                            self_type,
                            resolver.resolve(file, item.scope, trait_path).display(),
                        ))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for (self_type, trait_path) in trait_impls {
            let implemented = index.implemented_traits.entry(self_type).or_default();
            if !implemented.contains(&trait_path) {
                implemented.push(trait_path);
            }
        }
        // Each file's struct, static and alias paths (the last two as keys), built in
        // parallel, entered in file order (a later definition of a path replaces an
        // earlier one).
        type Named = Vec<(String, ItemRef)>;
        type Keyed = Vec<(PathKey, ItemRef)>;
        let item_paths: Vec<(Named, Keyed, Keyed)> = files
            .par_iter()
            .with_max_len(crate::analysis::FILES_PER_TASK)
            .enumerate()
            .map(|(file, facts)| {
                let paths = |items: &mut dyn Iterator<Item = (&ModulePath, &str)>| {
                    items
                        .enumerate()
                        .map(|(index, (module_path, name))| {
                            (
                                item_path(facts, module_path, name),
                                ItemRef::new(file, index),
                            )
                        })
                        .collect::<Vec<_>>()
                };
                let keyed = |paths: Vec<(String, ItemRef)>| {
                    paths
                        .into_iter()
                        .map(|(path, item)| (PathKey::of(&path), item))
                        .collect()
                };
                (
                    paths(
                        &mut facts
                            .structs
                            .iter()
                            .map(|item| (&item.module_path, item.name.as_str())),
                    ),
                    keyed(paths(
                        &mut facts
                            .statics
                            .iter()
                            .map(|item| (&item.module_path, item.name.as_str())),
                    )),
                    keyed(paths(
                        &mut facts
                            .type_aliases
                            .iter()
                            .map(|item| (&item.module_path, item.name.as_str())),
                    )),
                )
            })
            .collect();
        for (structs, statics, type_aliases) in item_paths {
            index.structs.extend(structs);
            index.statics.extend(statics);
            index.type_aliases.extend(type_aliases);
        }
        // Resolving each function's owner and trait is independent per function: done in
        // parallel, then entered in file order.
        let resolved: Vec<(FunctionRef, ResolvedFunction)> = files
            .par_iter()
            .with_max_len(crate::analysis::FILES_PER_TASK)
            .enumerate()
            .flat_map_iter(|(file, facts)| {
                facts
                    .functions
                    .iter()
                    .enumerate()
                    .map(move |(position, function)| {
                        let function_ref = FunctionRef::new(file, position);
                        (
                            function_ref,
                            resolve_function(resolver, file, facts, function),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // Three groups of maps, filled at once, each in file order.
        let mut paths = Vec::with_capacity(resolved.len());
        let mut owners = Vec::new();
        let mut trait_methods = Vec::new();
        for (function_ref, resolved) in resolved {
            paths.push((function_ref, resolved.path));
            if let Some(owner) = resolved.owner {
                owners.push((function_ref, owner));
            }
            if let Some(trait_path) = resolved.trait_of_method {
                trait_methods.push((function_ref, trait_path));
            }
        }
        let function_at =
            |function: FunctionRef| &files[function.file()].functions[function.index()];
        let ItemIndex {
            functions,
            methods_by_name,
            self_types,
            method_traits,
            traits,
            trait_method_impls,
            ..
        } = &mut index;
        rayon::join(
            || {
                functions_by_path(paths, functions);
            },
            || {
                rayon::join(
                    || {
                        let mut shared = SharedText::default();
                        for (function_ref, owner) in owners {
                            self_types.insert(function_ref, shared.get(owner));
                            methods_by_name
                                .entry(function_at(function_ref).name.to_string())
                                .or_default()
                                .push(function_ref);
                        }
                    },
                    || {
                        let mut shared = SharedText::default();
                        for (function_ref, trait_path) in trait_methods {
                            let function = function_at(function_ref);
                            if function.self_type.is_some() {
                                trait_method_impls
                                    .entry((trait_path.clone(), function.name.to_string()))
                                    .or_default()
                                    .push(function_ref);
                            } else if let Some(declared) = traits.get_mut(&trait_path) {
                                declared
                                    .defaults
                                    .insert(function.name.to_string(), function_ref);
                            }
                            method_traits.insert(function_ref, shared.get(trait_path));
                        }
                    },
                )
            },
        );
        // Kept for the whole run: without the room the lists kept from growing.
        index
            .methods_by_name
            .values_mut()
            .for_each(Vec::shrink_to_fit);
        index
            .trait_method_impls
            .values_mut()
            .for_each(Vec::shrink_to_fit);
        index
            .implemented_traits
            .values_mut()
            .for_each(Vec::shrink_to_fit);
        index
    }

    /// Every workspace struct: (canonical path, where it is defined).
    pub fn structs(&self) -> impl Iterator<Item = (&str, ItemRef)> {
        self.structs
            .iter()
            .map(|(path, item)| (path.as_str(), *item))
    }

    pub fn struct_at(&self, path: &str) -> Option<ItemRef> {
        self.structs.get(path).copied()
    }

    pub fn static_at(&self, path: &str) -> Option<ItemRef> {
        self.statics.get(&PathKey::of(path)).copied()
    }

    pub fn type_alias_at(&self, path: &str) -> Option<ItemRef> {
        self.type_aliases.get(&PathKey::of(path)).copied()
    }

    /// Functions whose canonical path is `path` (several when `cfg`s define one twice).
    pub fn functions_at(&self, path: &str) -> &[FunctionRef] {
        self.functions
            .get(&PathKey::of(path))
            .map_or(&[], FunctionsAt::as_slice)
    }

    /// Leaves out of `callees` (reached from a call in `from_file`) the functions of other
    /// packages that define a crate of the same name as the caller's own package does: two
    /// versions of one crate named in one path-mode run never call each other, and a
    /// package's tests call their own library. Callees in crates the caller's package does
    /// not define are all kept (which version a dependency is cannot be told).
    pub fn prefer_own_package(&self, from_file: usize, callees: &mut Vec<FunctionRef>) {
        let of = |function: &FunctionRef| self.file_packages.get(function.file()).copied();
        let Some(own) = self.file_packages.get(from_file).map(|file| file.package) else {
            return;
        };
        if callees
            .iter()
            .all(|callee| of(callee).is_none_or(|callee| callee.package == own))
        {
            return;
        }
        let own_crates: Vec<u32> = callees
            .iter()
            .filter_map(of)
            .filter(|callee| callee.package == own)
            .map(|callee| callee.krate)
            .collect();
        if own_crates.is_empty() {
            return;
        }
        callees.retain(|callee| {
            of(callee)
                .is_none_or(|callee| callee.package == own || !own_crates.contains(&callee.krate))
        });
    }

    /// Whether the two files belong to one package (or both to none known).
    pub fn in_same_package(&self, file: usize, other: usize) -> bool {
        let package = |file: usize| self.file_packages.get(file).map(|file| file.package);
        package(file) == package(other)
    }

    /// Whether the two files belong to two packages that define a crate of the same name
    /// (two versions of one crate named in one path-mode run): their items are different
    /// items even where their paths are the same, so their locks are different locks.
    pub fn in_rival_packages(&self, file: usize, other: usize) -> bool {
        let (Some(one), Some(two)) = (self.file_packages.get(file), self.file_packages.get(other))
        else {
            return false;
        };
        if one.package == two.package {
            return false;
        }
        let crates_of = |package: u32| self.package_crates[package as usize].as_deref();
        match (crates_of(one.package), crates_of(two.package)) {
            (Some(one), Some(two)) => one.iter().any(|krate| two.contains(krate)),
            _ => false,
        }
    }

    /// Methods (in impls or traits) named `name`, anywhere in the workspace.
    pub fn methods_named(&self, name: &str) -> &[FunctionRef] {
        self.methods_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The workspace trait a trait-impl method or default method belongs to.
    pub fn trait_of(&self, function: FunctionRef) -> Option<&str> {
        self.method_traits.get(&function).map(|path| &**path)
    }

    /// A workspace trait by canonical path.
    pub fn trait_at(&self, path: &str) -> Option<&TraitMethods> {
        self.traits.get(path)
    }

    /// Every workspace implementation of `trait_path::method`.
    pub fn trait_method_impls(&self, trait_path: &str, method: &str) -> &[FunctionRef] {
        self.trait_method_impls
            .get(&(trait_path.to_string(), method.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The workspace traits `type_path` implements.
    pub fn traits_of_type(&self, type_path: &str) -> &[String] {
        self.implemented_traits
            .get(type_path)
            .map_or(&[], Vec::as_slice)
    }

    /// The canonical `Self` type of a method.
    pub fn self_type_of(&self, function: FunctionRef) -> Option<&str> {
        self.self_types.get(&function).map(|path| &**path)
    }
}

/// `crate::module::name` of an item declared in `facts`.
pub fn item_path(facts: &FileFacts, module_path: &[String], name: &str) -> String {
    let mut parts = Vec::with_capacity(module_path.len() + 2);
    parts.push(facts.crate_name.as_str());
    parts.extend(module_path.iter().map(String::as_str));
    parts.push(name);
    parts.join("::")
}

/// The canonical path of a path type (references peeled), resolved in `scope`.
pub fn canonical_type(
    resolver: &Resolver<'_>,
    file: usize,
    scope: ScopeId,
    ty: &TypeRef,
) -> Option<String> {
    match ty.peel_refs() {
        TypeRef::Path { path, .. } => Some(resolver.resolve(file, scope, path).display()),
        _ => None,
    }
}

/// Looks up the struct and static definitions behind an [`ItemRef`].
pub fn struct_def(files: &[FileFacts], item: ItemRef) -> &StructDef {
    &files[item.file()].structs[item.index()]
}

pub fn static_def(files: &[FileFacts], item: ItemRef) -> &StaticDef {
    &files[item.file()].statics[item.index()]
}

pub fn type_alias_def(files: &[FileFacts], item: ItemRef) -> &crate::model::TypeAlias {
    &files[item.file()].type_aliases[item.index()]
}

pub fn function_def(files: &[FileFacts], function: FunctionRef) -> &Function {
    &files[function.file()].functions[function.index()]
}

/// A function's canonical path, the canonical type that owns it (if a method) and the
/// trait it belongs to (if a trait method).
struct ResolvedFunction {
    path: PathKey,
    owner: Option<String>,
    trait_of_method: Option<String>,
}

/// Each file's package and crate as numbers, in the order first seen, and by package the
/// crates it defines (`None` for the files of no known package).
fn number_packages(files: &[FileFacts]) -> (Vec<PackageAndCrate>, Vec<Option<Vec<u32>>>) {
    let mut packages: HashMap<&str, u32> = HashMap::default();
    let mut crates: HashMap<&str, u32> = HashMap::default();
    let mut package_crates: Vec<Option<Vec<u32>>> = Vec::new();
    let file_packages = files
        .iter()
        .map(|facts| {
            let next = packages.len() as u32;
            let package = *packages.entry(facts.package.as_str()).or_insert_with(|| {
                package_crates.push((!facts.package.is_empty()).then(Vec::new));
                next
            });
            let next = crates.len() as u32;
            let krate = *crates.entry(facts.crate_name.as_str()).or_insert(next);
            if let Some(defined) = &mut package_crates[package as usize]
                && !defined.contains(&krate)
            {
                defined.push(krate);
            }
            PackageAndCrate { package, krate }
        })
        .collect();
    (file_packages, package_crates)
}

fn resolve_function(
    resolver: &Resolver<'_>,
    file: usize,
    facts: &FileFacts,
    function: &crate::model::Function,
) -> ResolvedFunction {
    let owner = match (&function.self_type, &function.trait_path) {
        (Some(self_type), _) => canonical_type(resolver, file, function.scope, self_type),
        (None, Some(trait_path)) => {
            Some(item_path(facts, &function.module_path, trait_path.last()))
        }
        (None, None) => None,
    };
    let path = match &owner {
        Some(owner) => format!("{owner}::{}", function.name),
        None => item_path(facts, &function.module_path, &function.name),
    };
    let trait_of_method = match (&function.self_type, &function.trait_path) {
        (Some(_), Some(trait_path)) => {
            Some(resolver.resolve(file, function.scope, trait_path).display())
        }
        (None, Some(trait_path)) => {
            Some(item_path(facts, &function.module_path, trait_path.last()))
        }
        _ => None,
    };
    ResolvedFunction {
        path: PathKey::of(&path),
        owner,
        trait_of_method,
    }
}

#[cfg(test)]
mod tests {
    use super::{FunctionRef, FunctionsAt};

    /// Binding crates define hundreds of thousands of functions: one at a path is kept in
    /// place, in 16 bytes.
    #[test]
    fn functions_at_a_path_stay_small_and_in_order() {
        assert_eq!(std::mem::size_of::<FunctionsAt>(), 16);
        let paths = [(1, 7), (2, 9), (3, 7), (4, 7)]
            .map(|(index, key)| (FunctionRef::new(0, index), super::PathKey::from_hash(key)));
        let mut functions = crate::hash::HashMap::default();
        super::functions_by_path(paths.to_vec(), &mut functions);
        let at = |key: u128| {
            functions[&super::PathKey::from_hash(key)]
                .as_slice()
                .to_vec()
        };
        assert_eq!(
            at(7),
            [1, 3, 4].map(|index| FunctionRef::new(0, index)).to_vec()
        );
        assert_eq!(at(9), [FunctionRef::new(0, 2)].to_vec());
    }
}
