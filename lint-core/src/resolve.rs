//! Name resolution across files: turns a path as written in some scope into the canonical
//! path of what it names (`mpsc::channel` → `std::sync::mpsc::channel`).
//!
//! Canonical paths start with a crate name: the workspace crate's own name for its items
//! (`my_app::net::serve`), the external crate's for everything else (`tokio::spawn`).
//! Resolution follows Rust's order: names declared in the scope (items and named imports),
//! then enclosing block scopes, then glob imports as a fallback.

use crate::hash::{HashMap, ThreadMemo, remembered};

use rayon::prelude::*;

use crate::model::{FileFacts, Import, ModuleScope, PathRef, ScopeId, Segment};

/// How far import chains are followed (`use a as b; use b as c; ...`) before giving up.
const MAX_IMPORT_HOPS: usize = 16;

/// A resolved path and how sure resolution is of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    pub segments: Vec<String>,
    /// Found only through a glob import (`use some::module::*`).
    pub via_glob: bool,
}

impl Resolved {
    pub fn is(&self, path: &[&str]) -> bool {
        self.segments.len() == path.len() && self.segments.iter().zip(path).all(|(a, b)| a == b)
    }

    pub fn display(&self) -> String {
        self.segments.join("::")
    }

    /// Whether the path is `canonical` (`a::b::c`), without building its display string
    /// (for checks run on every call site).
    /// Reads `canonical` segment by segment in place (a `split("::")` builds a substring
    /// searcher each time, 1.6 % of a re-analysis from cached facts).
    pub fn displays_as(&self, canonical: &str) -> bool {
        let mut rest = canonical;
        for (index, segment) in self.segments.iter().enumerate() {
            if index > 0 {
                let Some(after) = rest.strip_prefix("::") else {
                    return false;
                };
                rest = after;
            }
            let Some(after) = rest.strip_prefix(segment.as_str()) else {
                return false;
            };
            rest = after;
        }
        !self.segments.is_empty() && rest.is_empty()
    }
}

/// The named imports of a scope with more than [`SCANNED_IMPORTS`] of them, by the name
/// they bind (the first one written wins, as in the scan).
fn named_import_map(scope: &ModuleScope) -> HashMap<&str, &PathRef> {
    let mut map = HashMap::default();
    if scope.imports.len() > SCANNED_IMPORTS {
        for import in &scope.imports {
            if let Import::Named { alias, path } = import {
                map.entry(alias.as_str()).or_insert(path);
            }
        }
    }
    map
}

/// A module of the workspace: its crate name and module path inside the crate.
type ModuleKey<'a> = (&'a str, &'a [String]);

/// The module scopes (file index, scope) that together make up one module.
type ModuleScopes = Vec<(usize, ScopeId)>;

/// Where module scopes live, to look up what a module declares (for globs of our own
/// modules and for `crate::` paths).
pub struct Resolver<'a> {
    files: &'a [FileFacts],
    /// Tells this resolver's answers apart from another's in caches that outlive neither
    /// (see [`Resolver::id`]).
    id: u64,
    /// (crate, module path) → the scopes that make up that module.
    modules: HashMap<ModuleKey<'a>, ModuleScopes>,
    /// By file and scope: the named imports by the name they bind (the first one written
    /// wins), for scopes with more than a few imports; the others are scanned in order.
    named_imports: Vec<Vec<HashMap<&'a str, &'a PathRef>>>,
    /// By file and scope: what each glob import (in written order) resolves to. Every
    /// path not found in its scope tries the globs, so they are resolved once, up front.
    glob_bases: Vec<Vec<Vec<Resolved>>>,
    /// For each of our modules that a glob imports and that itself glob-imports more than
    /// [`SCANNED_GLOBS`] modules of ours (a big prelude: `pub use crate::db::*; pub use
    /// crate::net::*; ..`): the names those modules define or import, each with the module
    /// it comes from. Smaller lists are scanned.
    /// Keyed by the module's canonical path (crate name first).
    behind_globs: HashMap<Vec<String>, NamesBehindGlobs<'a>>,
}

/// The names a module makes visible through its own glob imports: name → index into
/// `modules` (the canonical paths of the globbed modules).
#[derive(Default)]
struct NamesBehindGlobs<'a> {
    names: HashMap<&'a str, usize>,
    modules: Vec<Vec<String>>,
}

/// Scopes with more named imports than this get a map from name to import.
const SCANNED_IMPORTS: usize = 8;

thread_local! {
    /// The imports this thread resolved ([`Resolver::resolve_import`]), by the import's
    /// address and the hops taken (32,768 at most, a few MiB).
    static RESOLVED_IMPORTS: std::cell::RefCell<ThreadMemo<(usize, usize), Resolved>> =
        std::cell::RefCell::new(ThreadMemo::with_capacity(1 << 15));
}

/// Globbed modules with more glob imports of their own than this get a table of the names
/// behind them. Not every such module: in generated crates each of a thousand modules
/// globs `super::*` and is globbed back, and tables for all would hold a million names.
const SCANNED_GLOBS: usize = 16;

impl<'a> Resolver<'a> {
    pub fn new(files: &'a [FileFacts]) -> Resolver<'a> {
        let mut modules: HashMap<ModuleKey<'_>, ModuleScopes> = HashMap::default();
        for (file_index, facts) in files.iter().enumerate() {
            for (scope_index, scope) in facts.scopes.iter().enumerate() {
                if scope.parent.is_none() {
                    modules
                        .entry((facts.crate_name.as_str(), scope.module_path.as_slice()))
                        .or_default()
                        .push((file_index, ScopeId(scope_index as u32)));
                }
            }
        }
        let named_imports = files
            .par_iter()
            .map(|facts| facts.scopes.iter().map(named_import_map).collect())
            .collect();
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut resolver = Resolver {
            files,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            modules,
            named_imports,
            glob_bases: Vec::new(),
            behind_globs: HashMap::default(),
        };
        // A glob's own path is resolved as an import's path is (one hop in, so never
        // through globs itself): the table is complete before anything reads it.
        resolver.glob_bases = files
            .par_iter()
            .enumerate()
            .map(|(file_index, facts)| {
                (0..facts.scopes.len())
                    .map(|scope_index| {
                        let scope = ScopeId(scope_index as u32);
                        facts
                            .scope(scope)
                            .imports
                            .iter()
                            .filter_map(|import| match import {
                                Import::Glob { path } => Some(resolver.resolve_with_hops(
                                    file_index,
                                    scope,
                                    &path.segments,
                                    path.global(),
                                    1,
                                )),
                                Import::Named { .. } => None,
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        resolver.behind_globs = resolver.names_behind_globs();
        resolver
    }

    /// [`Resolver::behind_globs`], for the modules that some glob imports and that have more
    /// than [`SCANNED_GLOBS`] globs. One level deep: the globbed modules' own globs are not
    /// followed again, so building it costs the names of the modules a prelude gathers, once.
    fn names_behind_globs(&self) -> HashMap<Vec<String>, NamesBehindGlobs<'a>> {
        let mut tables: HashMap<Vec<String>, NamesBehindGlobs<'a>> = HashMap::default();
        for bases in self.glob_bases.iter().flatten() {
            for base in bases {
                let Some((crate_name, module_path)) = base.segments.split_first() else {
                    continue;
                };
                let Some(scopes) = self.modules.get(&(crate_name.as_str(), module_path)) else {
                    continue;
                };
                let inner_globs = scopes.iter().map(|(file_index, scope)| {
                    self.glob_bases[*file_index][scope.0 as usize].len()
                });
                if inner_globs.sum::<usize>() <= SCANNED_GLOBS
                    || tables.contains_key(base.segments.as_slice())
                {
                    continue;
                }
                let mut table = NamesBehindGlobs::default();
                for (file_index, scope) in scopes {
                    for inner in &self.glob_bases[*file_index][scope.0 as usize] {
                        self.add_names_of(&inner.segments, &mut table);
                    }
                }
                tables.insert(base.segments.clone(), table);
            }
        }
        tables.retain(|_, table| !table.names.is_empty());
        tables
    }

    /// Adds to `table` the names our module `module` defines or imports by name (the first
    /// module to bring a name wins, as the first glob written does in the lookup).
    fn add_names_of(&self, module: &[String], table: &mut NamesBehindGlobs<'a>) {
        let Some((crate_name, module_path)) = module.split_first() else {
            return;
        };
        let Some(scopes) = self.modules.get(&(crate_name.as_str(), module_path)) else {
            return;
        };
        let index = table.modules.len();
        table.modules.push(module.to_vec());
        for (file_index, scope) in scopes {
            let scope: &'a ModuleScope = self.files[*file_index].scope(*scope);
            let imported = scope.imports.iter().filter_map(|import| match import {
                Import::Named { alias, .. } => Some(alias.as_str()),
                Import::Glob { .. } => None,
            });
            let defined = scope.item_names.iter().map(|name| name.as_str());
            for name in defined.chain(imported) {
                table.names.entry(name).or_insert(index);
            }
        }
    }

    /// The path of the named import of `scope` that binds `name`, if any.
    fn named_import(&self, file_index: usize, scope: ScopeId, name: &str) -> Option<&'a PathRef> {
        let facts: &'a FileFacts = &self.files[file_index];
        let module = facts.scope(scope);
        if module.imports.len() > SCANNED_IMPORTS {
            return self.named_imports[file_index][scope.0 as usize]
                .get(name)
                .copied();
        }
        module.imports.iter().find_map(|import| match import {
            Import::Named { alias, path } if alias == name => Some(path),
            _ => None,
        })
    }

    /// A number no other resolver of this process has: a cache of answers keyed by it
    /// never gives one program's answer to another (file indices and scopes repeat).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Resolves `path` as written in `scope` of file `file_index`.
    pub fn resolve(&self, file_index: usize, scope: ScopeId, path: &PathRef) -> Resolved {
        self.resolve_with_hops(file_index, scope, &path.segments, path.global(), 0)
    }

    fn resolve_with_hops(
        &self,
        file_index: usize,
        scope: ScopeId,
        segments: &[Segment],
        global: bool,
        hops: usize,
    ) -> Resolved {
        let facts = &self.files[file_index];
        let as_written = || Resolved {
            segments: owned(segments).collect(),
            via_glob: false,
        };
        let Some(first) = segments.first() else {
            return as_written();
        };
        if global || hops > MAX_IMPORT_HOPS {
            return as_written();
        }
        let module_path = &facts.scope(scope).module_path;
        match first.as_str() {
            "crate" => return self.in_crate(facts, &[], &segments[1..], hops),
            "self" => return self.in_crate(facts, module_path, &segments[1..], hops),
            "super" => {
                let supers = segments.iter().take_while(|s| *s == "super").count();
                let keep = module_path.len().saturating_sub(supers);
                return self.in_crate(facts, &module_path[..keep], &segments[supers..], hops);
            }
            "Self" => return as_written(),
            _ => {}
        }
        let mut current = Some(scope);
        while let Some(scope_id) = current {
            let module = facts.scope(scope_id);
            if let Some(path) = self.named_import(file_index, scope_id, first) {
                let mut target = self.resolve_import(file_index, scope_id, path, hops + 1);
                target.segments.extend(owned(&segments[1..]));
                return target;
            }
            if module.declares(first) {
                return self.in_crate(facts, &module.module_path, segments, hops);
            }
            current = module.parent;
        }
        // Paths inside `use` items (hops > 0) and the standard crates never come from globs.
        if hops > 0 || matches!(first.as_str(), "std" | "core" | "alloc") {
            return as_written();
        }
        self.through_globs(file_index, scope, segments)
            .unwrap_or_else(as_written)
    }

    /// The path of `import`, a named import of `scope`, resolved with `hops` hops taken:
    /// once per thread (`RESOLVED_IMPORTS`). Every file that names an item through an
    /// import resolves the import again, and a facade crate's re-exports chain imports.
    fn resolve_import(
        &self,
        file_index: usize,
        scope: ScopeId,
        import: &'a PathRef,
        hops: usize,
    ) -> Resolved {
        // The import's place in the facts identifies it (with its file and scope) for as
        // long as this resolver, which borrows the facts, lives.
        let key = (std::ptr::from_ref(import) as usize, hops);
        remembered(&RESOLVED_IMPORTS, self.id, key, || {
            self.resolve_with_hops(file_index, scope, &import.segments, import.global(), hops)
        })
    }

    /// `crate_name::module_path::segments`, following re-exports (`pub use`) of our modules.
    fn in_crate(
        &self,
        facts: &FileFacts,
        module_path: &[String],
        segments: &[Segment],
        hops: usize,
    ) -> Resolved {
        let mut resolved = Vec::with_capacity(1 + module_path.len() + segments.len());
        resolved.push(facts.crate_name.clone());
        resolved.extend(module_path.iter().cloned());
        resolved.extend(owned(segments));
        self.follow_reexports(resolved, hops)
    }

    /// If a prefix of `segments` is one of our modules and the next segment is a name that
    /// module imports (rather than declares), continues resolution from that import.
    fn follow_reexports(&self, segments: Vec<String>, hops: usize) -> Resolved {
        let plain = |segments| Resolved {
            segments,
            via_glob: false,
        };
        if hops > MAX_IMPORT_HOPS {
            return plain(segments);
        }
        for split in (1..segments.len()).rev() {
            let (crate_name, module_path) = (&segments[0], &segments[1..split]);
            let Some(scopes) = self.modules.get(&(crate_name.as_str(), module_path)) else {
                continue;
            };
            let name = &segments[split];
            for (file_index, scope) in scopes {
                let module = self.files[*file_index].scope(*scope);
                if module.declares(name) {
                    return plain(segments);
                }
                if let Some(path) = self.named_import(*file_index, *scope, name) {
                    let mut target = self.resolve_import(*file_index, *scope, path, hops + 1);
                    target
                        .segments
                        .extend(segments[split + 1..].iter().cloned());
                    return target;
                }
            }
            return plain(segments);
        }
        plain(segments)
    }

    /// Glob imports, tried last: a glob of one of our own modules that declares the name wins;
    /// otherwise a single external glob is taken as the likely source.
    fn through_globs(
        &self,
        file_index: usize,
        scope: ScopeId,
        segments: &[Segment],
    ) -> Option<Resolved> {
        let facts = &self.files[file_index];
        let mut external_candidates = Vec::new();
        let mut current = Some(scope);
        while let Some(scope_id) = current {
            let module = facts.scope(scope_id);
            for base in &self.glob_bases[file_index][scope_id.0 as usize] {
                if let Some(declares) = self.module_declares(&base.segments, &segments[0]) {
                    let source = if declares {
                        Some(base.segments.as_slice())
                    } else {
                        self.behind_glob(&base.segments, &segments[0])
                    };
                    if let Some(source) = source {
                        let mut resolved = source.to_vec();
                        resolved.extend(owned(segments));
                        return Some(Resolved {
                            segments: resolved,
                            via_glob: true,
                        });
                    }
                } else {
                    external_candidates.push(base.segments.clone());
                }
            }
            current = module.parent;
        }
        if external_candidates.len() != 1 {
            return None;
        }
        let mut resolved = external_candidates.remove(0);
        resolved.extend(owned(segments));
        Some(Resolved {
            segments: resolved,
            via_glob: true,
        })
    }

    /// The module of ours that our module `module` (a prelude) makes `name` visible from
    /// through its own glob imports.
    fn behind_glob(&self, module: &[String], name: &str) -> Option<&[String]> {
        if let Some(table) = self.behind_globs.get(module) {
            let index = *table.names.get(name)?;
            return Some(&table.modules[index]);
        }
        let (crate_name, module_path) = module.split_first()?;
        let scopes = self.modules.get(&(crate_name.as_str(), module_path))?;
        scopes
            .iter()
            .flat_map(|(file_index, scope)| &self.glob_bases[*file_index][scope.0 as usize])
            .find(|inner| self.module_declares(&inner.segments, name) == Some(true))
            .map(|inner| inner.segments.as_slice())
    }

    /// Whether the workspace module at canonical `module` declares `name`; `None` when the
    /// module is not one of ours.
    fn module_declares(&self, module: &[String], name: &str) -> Option<bool> {
        let (crate_name, module_path) = module.split_first()?;
        let scopes = self.modules.get(&(crate_name.as_str(), module_path))?;
        Some(scopes.iter().any(|(file_index, scope)| {
            self.files[*file_index].scope(*scope).declares(name)
                || self.named_import(*file_index, *scope, name).is_some()
        }))
    }
}

/// Written path segments as the owned strings of a [`Resolved`] path.
fn owned(segments: &[Segment]) -> impl Iterator<Item = String> + '_ {
    segments.iter().map(|segment| segment.to_string())
}

#[cfg(test)]
mod tests {
    use crate::model::PathRef;
    use crate::source::{Edition, SourceFile};

    use super::Resolver;

    fn path(text: &str) -> PathRef {
        PathRef::new(
            text.split("::").map(crate::model::Segment::from).collect(),
            false,
        )
    }

    /// (the crate's files as (module path, source), path written in the last file's root
    /// scope, expected canonical path).
    type Case = (
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );

    #[test]
    fn paths_resolve_like_rustc_resolves_them() {
        let cases: &[Case] = &[
            (
                &[("", "use std::sync::mpsc;")],
                "mpsc::channel",
                "std::sync::mpsc::channel",
            ),
            (
                &[("", "use std::sync::mpsc as q;")],
                "q::channel",
                "std::sync::mpsc::channel",
            ),
            (
                &[(
                    "",
                    "use tokio::sync::{mpsc::{self, unbounded_channel as uc}};",
                )],
                "uc",
                "tokio::sync::mpsc::unbounded_channel",
            ),
            (&[("", "fn helper() {}")], "helper", "app::helper"),
            (
                &[("", "mod net { pub fn serve() {} }")],
                "net::serve",
                "app::net::serve",
            ),
            (
                &[("", "use crate::net::serve;"), ("net", "pub fn serve() {}")],
                "serve",
                "app::net::serve",
            ),
            (
                &[
                    ("net", "pub fn serve() {}"),
                    ("net::tcp", "use super::serve;"),
                ],
                "serve",
                "app::net::serve",
            ),
            // A re-export of our own module is followed to the item.
            (
                &[
                    ("inner", "pub fn work() {}"),
                    ("", "mod inner; pub use inner::work;"),
                ],
                "crate::work",
                "app::inner::work",
            ),
            // A glob of our own module that declares the name wins over an external glob.
            (
                &[
                    ("util", "pub fn go() {}"),
                    ("", "mod util; use util::*; use rayon::prelude::*;"),
                ],
                "go",
                "app::util::go",
            ),
            // A prelude: a glob of our module that itself globs the module declaring the name.
            (
                &[
                    ("db", "pub fn query() {}"),
                    ("prelude", "pub use crate::db::*;"),
                    (
                        "",
                        "mod db; mod prelude; use crate::prelude::*; use rayon::prelude::*;",
                    ),
                ],
                "query",
                "app::db::query",
            ),
            // A single external glob is the fallback for unknown names.
            (
                &[("", "use crossbeam_channel::*;")],
                "unbounded",
                "crossbeam_channel::unbounded",
            ),
            // Two external globs: nothing is guessed.
            (&[("", "use a::*; use b::*;")], "unbounded", "unbounded"),
            // `::std` and standard crates never come from globs.
            (
                &[("", "use other::*;")],
                "std::thread::spawn",
                "std::thread::spawn",
            ),
        ];
        for (files, written, expected) in cases {
            assert_eq!(
                resolve_in_last(files, written),
                *expected,
                "{written} in {files:?}"
            );
        }
    }

    /// Resolves `written` in the last of `files` (module path, text) of crate `app`.
    fn resolve_in_last(files: &[(&str, &str)], written: &str) -> String {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(module, text)| {
                let module_path: Vec<String> = module
                    .split("::")
                    .filter(|segment| !segment.is_empty())
                    .map(str::to_string)
                    .collect();
                SourceFile::new(format!("{module}.rs"), *text, Edition::E2021)
                    .with_crate("app", module_path)
            })
            .collect();
        let facts = crate::lower_files(&sources);
        let resolver = Resolver::new(&facts);
        let last = facts.len() - 1;
        resolver
            .resolve(last, crate::model::ScopeId(0), &path(written))
            .display()
    }

    /// A prelude of more than `SCANNED_GLOBS` globs is looked up in a table, not scanned:
    /// the same answers, the first glob written wins.
    #[test]
    fn big_preludes_resolve_as_small_ones_do() {
        let count = super::SCANNED_GLOBS + 4;
        let modules: Vec<(String, String)> = (0..count)
            .map(|i| {
                (
                    format!("m{i}"),
                    format!("pub fn f{i}() {{}} pub fn shared() {{}}"),
                )
            })
            .collect();
        let prelude: String = (0..count)
            .map(|i| format!("pub use crate::m{i}::*;"))
            .collect();
        let mut files: Vec<(&str, &str)> = modules
            .iter()
            .map(|(module, text)| (module.as_str(), text.as_str()))
            .collect();
        files.push(("prelude", &prelude));
        files.push(("", "use crate::prelude::*; use rayon::prelude::*;"));
        let last = count - 1;
        assert_eq!(
            resolve_in_last(&files, &format!("f{last}")),
            format!("app::m{last}::f{last}")
        );
        assert_eq!(resolve_in_last(&files, "shared"), "app::m0::shared");
        assert_eq!(
            resolve_in_last(&files, "par_iter"),
            "rayon::prelude::par_iter"
        );
    }

    #[test]
    fn displays_as_compares_whole_segments() {
        let resolved = super::Resolved {
            segments: vec!["tokio".into(), "sync".into(), "mpsc".into()],
            via_glob: false,
        };
        assert!(resolved.displays_as("tokio::sync::mpsc"));
        assert!(!resolved.displays_as("tokio::sync"));
        assert!(!resolved.displays_as("tokio::sync::mpsc::channel"));
        assert!(!resolved.displays_as("tokio::sync::mps"));
        for other in [
            "tokio::sync::mpscx",
            "tokiox::sync::mpsc",
            "tokio:sync::mpsc",
            "",
        ] {
            assert!(!resolved.displays_as(other), "{other}");
        }
        let empty = super::Resolved {
            segments: Vec::new(),
            via_glob: false,
        };
        assert!(!empty.displays_as(""));
    }
}
