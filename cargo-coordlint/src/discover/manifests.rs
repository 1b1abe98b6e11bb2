//! The workspace read from the manifests themselves, for when `cargo metadata` fails (a
//! nightly-only `cargo-features` entry on a stable toolchain, a manifest format newer than
//! the toolchain, no cargo at all). It follows cargo's rules for what coordlint needs:
//!
//! - the workspace root: the manifest itself if it has `[workspace]`, the one named by
//!   `package.workspace`, else the nearest manifest above with a `[workspace]` that has this
//!   package as a member;
//! - members: the root package, `members` (glob patterns, expanded with the `glob` crate as
//!   cargo does; only directories), path dependencies inside the root, minus `exclude`
//!   (path prefixes, unless also listed in `members`); `default-members`;
//! - each member's name, version and edition (with `workspace = true` inheritance from
//!   `[workspace.package]`), and its targets: `[lib]`, `[[bin]]`, `[[example]]`, `[[test]]`,
//!   `[[bench]]`, and the ones cargo discovers (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`,
//!   `src/bin/*/main.rs`, `examples/`, `tests/`, `benches/`) unless `autobins = false` and
//!   the like (in edition 2015, a declared target of a kind turns its discovery off).
//!
//! Member manifests are read through `confine`, inside the workspace root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use toml::{Table, Value};

use super::TargetInfo;
use super::confine::{self, Confinement, normalize_lexically};
use super::layout::{Layout, Member};

/// A manifest that was read: where, and its table.
struct Manifest {
    path: PathBuf,
    table: Table,
}

impl Manifest {
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    fn workspace(&self) -> Option<&Table> {
        self.table.get("workspace").and_then(Value::as_table)
    }

    fn package(&self) -> Option<&Table> {
        self.table.get("package").and_then(Value::as_table)
    }
}

/// Reads the workspace of `manifest_path` from the manifests; also returns warnings about
/// members that could not be read (they are left out, not fatal).
pub fn read_layout(manifest_path: &Path) -> anyhow::Result<(Layout, Vec<String>)> {
    let manifest_path = normalize_lexically(manifest_path);
    let own_dir = manifest_path.parent().unwrap_or(Path::new("/"));
    let own = read_manifest(&Confinement::new(own_dir, "its directory"), &manifest_path)?;
    let root = find_root(&own)?.unwrap_or(own);
    let confinement = Confinement::new(root.dir(), "the workspace root");
    let workspace = WorkspaceRules::of(&root);
    let mut members = Vec::new();
    let mut skipped_members = Vec::new();
    for member_manifest in workspace.member_manifests(&root, &confinement) {
        let manifest = if member_manifest == root.path {
            Ok(Manifest {
                path: root.path.clone(),
                table: root.table.clone(),
            })
        } else {
            read_manifest(&confinement, &member_manifest)
        };
        match manifest.and_then(|manifest| member(&manifest, &root)) {
            Ok(member) => members.push(member),
            Err(error) => skipped_members.push(format!(
                "workspace member {} was not analyzed: {error:#}",
                member_manifest.display()
            )),
        }
    }
    let default_members = workspace.default_members(&root, &members);
    let layout = Layout {
        root: root.dir().to_path_buf(),
        members,
        default_members,
    };
    Ok((layout, skipped_members))
}

fn read_manifest(confinement: &Confinement, path: &Path) -> anyhow::Result<Manifest> {
    let text = confine::read_confined(confinement, path)
        .map_err(|reason| anyhow::anyhow!("{}: {reason}", path.display()))?;
    let table: Table = text
        .parse()
        .with_context(|| format!("could not parse {}", path.display()))?;
    Ok(Manifest {
        path: path.to_path_buf(),
        table,
    })
}

/// The workspace root manifest of `own`, when it is not its own root; `None` for a root or
/// a package alone.
fn find_root(own: &Manifest) -> anyhow::Result<Option<Manifest>> {
    if own.workspace().is_some() {
        return Ok(None);
    }
    if let Some(pointer) = own
        .package()
        .and_then(|package| package.get("workspace"))
        .and_then(Value::as_str)
    {
        let path = normalize_lexically(&own.dir().join(pointer).join("Cargo.toml"));
        let confinement = Confinement::new(path.parent().unwrap_or(Path::new("/")), "its root");
        return read_manifest(&confinement, &path).map(Some);
    }
    for dir in own.dir().ancestors().skip(1) {
        let candidate = dir.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        let Ok(manifest) = read_manifest(&Confinement::new(dir, "its directory"), &candidate)
        else {
            continue;
        };
        if manifest.workspace().is_none() {
            continue;
        }
        let confinement = Confinement::new(dir, "the workspace root");
        let rules = WorkspaceRules::of(&manifest);
        let is_member = rules
            .member_manifests(&manifest, &confinement)
            .contains(&own.path);
        // cargo would refuse a package that believes it is in a workspace that does not list
        // it; read it alone instead.
        return Ok(is_member.then_some(manifest));
    }
    Ok(None)
}

/// `[workspace]`'s `members`, `exclude` and `default-members`.
struct WorkspaceRules {
    members: Option<Vec<String>>,
    exclude: Vec<String>,
    default_members: Option<Vec<String>>,
}

impl WorkspaceRules {
    fn of(root: &Manifest) -> WorkspaceRules {
        let strings = |key: &str| -> Option<Vec<String>> {
            let array = root.workspace()?.get(key)?.as_array()?;
            Some(
                array
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            )
        };
        WorkspaceRules {
            members: strings("members"),
            exclude: strings("exclude").unwrap_or_default(),
            default_members: strings("default-members"),
        }
    }

    /// Manifest paths of every member, sorted.
    fn member_manifests(&self, root: &Manifest, confinement: &Confinement) -> Vec<PathBuf> {
        let root_dir = root.dir();
        let mut found: BTreeSet<PathBuf> = BTreeSet::new();
        let mut queue: Vec<PathBuf> = Vec::new();
        if root.package().is_some() {
            queue.push(root.path.clone());
        }
        if root.workspace().is_some() {
            for dir in expand_patterns(root_dir, self.members.as_deref().unwrap_or_default()) {
                queue.push(dir.join("Cargo.toml"));
            }
        }
        while let Some(manifest) = queue.pop() {
            let manifest = normalize_lexically(&manifest);
            if found.contains(&manifest) || self.is_excluded(root_dir, &manifest) {
                continue;
            }
            if manifest != root.path {
                // Path dependencies of members become members too, when inside the root.
                let Ok(member) = read_manifest(confinement, &manifest) else {
                    found.insert(manifest);
                    continue;
                };
                queue.extend(
                    path_dependencies(&member, root)
                        .into_iter()
                        .filter(|dependency| dependency.starts_with(root_dir)),
                );
            } else {
                queue.extend(
                    path_dependencies(root, root)
                        .into_iter()
                        .filter(|dependency| dependency.starts_with(root_dir)),
                );
            }
            found.insert(manifest);
        }
        found.into_iter().collect()
    }

    /// cargo's rule: under an `exclude` path and not under a path listed in `members`.
    fn is_excluded(&self, root_dir: &Path, manifest: &Path) -> bool {
        let under = |paths: &[String]| {
            paths
                .iter()
                .any(|path| manifest.starts_with(normalize_lexically(&root_dir.join(path))))
        };
        under(&self.exclude) && !under(self.members.as_deref().unwrap_or_default())
    }

    fn default_members(&self, root: &Manifest, members: &[Member]) -> Vec<String> {
        let member_in = |dir: &Path| {
            members
                .iter()
                .find(|member| member.manifest_path == normalize_lexically(&dir.join("Cargo.toml")))
                .map(|member| member.id.clone())
        };
        match &self.default_members {
            Some(patterns) => expand_patterns(root.dir(), patterns)
                .iter()
                .filter_map(|dir| member_in(dir))
                .collect(),
            None if root.package().is_some() => member_in(root.dir()).into_iter().collect(),
            None => members.iter().map(|member| member.id.clone()).collect(),
        }
    }
}

/// Expands `members`-style patterns relative to `root_dir` as cargo does: glob patterns
/// match directories only; a pattern that matches nothing stands for itself.
fn expand_patterns(root_dir: &Path, patterns: &[String]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for pattern in patterns {
        let joined = root_dir.join(pattern);
        let matches: Vec<PathBuf> = joined
            .to_str()
            .and_then(|text| glob::glob(text).ok())
            .map(|paths| paths.filter_map(Result::ok).collect())
            .unwrap_or_default();
        if matches.is_empty() {
            dirs.push(normalize_lexically(&joined));
        } else {
            dirs.extend(
                matches
                    .into_iter()
                    .filter(|path| path.is_dir())
                    .map(|path| normalize_lexically(&path)),
            );
        }
    }
    dirs
}

/// Manifest paths of `manifest`'s path dependencies (all dependency kinds, platform-specific
/// ones too; `workspace = true` ones through `[workspace.dependencies]`).
fn path_dependencies(manifest: &Manifest, root: &Manifest) -> Vec<PathBuf> {
    const KINDS: &[&str] = &[
        "dependencies",
        "dev-dependencies",
        "dev_dependencies",
        "build-dependencies",
        "build_dependencies",
    ];
    let mut tables: Vec<&Table> = KINDS
        .iter()
        .filter_map(|kind| manifest.table.get(*kind).and_then(Value::as_table))
        .collect();
    if let Some(targets) = manifest.table.get("target").and_then(Value::as_table) {
        for platform in targets.values().filter_map(Value::as_table) {
            tables.extend(
                KINDS
                    .iter()
                    .filter_map(|kind| platform.get(*kind).and_then(Value::as_table)),
            );
        }
    }
    let workspace_dependencies = root
        .workspace()
        .and_then(|workspace| workspace.get("dependencies"))
        .and_then(Value::as_table);
    let mut paths = Vec::new();
    for (name, dependency) in tables.into_iter().flat_map(|table| table.iter()) {
        if let Some(path) = dependency.get("path").and_then(Value::as_str) {
            paths.push(manifest.dir().join(path).join("Cargo.toml"));
        } else if dependency.get("workspace").and_then(Value::as_bool) == Some(true)
            && let Some(path) = workspace_dependencies
                .and_then(|dependencies| dependencies.get(name))
                .and_then(|dependency| dependency.get("path"))
                .and_then(Value::as_str)
        {
            paths.push(root.dir().join(path).join("Cargo.toml"));
        }
    }
    paths.iter().map(|path| normalize_lexically(path)).collect()
}

/// A member package: name, version, edition and targets.
fn member(manifest: &Manifest, root: &Manifest) -> anyhow::Result<Member> {
    let Some(package) = manifest.package() else {
        bail!("{} has no `[package]`", manifest.path.display());
    };
    let name = package
        .get("name")
        .and_then(Value::as_str)
        .with_context(|| format!("{} has no `package.name`", manifest.path.display()))?;
    let version = inherited_string(package, "version", root).unwrap_or_else(|| "0.0.0".into());
    let edition = inherited_string(package, "edition", root).unwrap_or_else(|| "2015".into());
    let dir = manifest.dir();
    Ok(Member {
        id: package_id(dir, name, &version),
        name: name.to_string(),
        version,
        manifest_path: manifest.path.clone(),
        targets: targets(manifest, name, &edition)
            .into_iter()
            .map(Arc::new)
            .collect(),
    })
}

/// cargo's package id for a path package: `path+file:///dir#version` when the directory is
/// named like the package, `path+file:///dir#name@version` otherwise.
pub fn package_id(dir: &Path, name: &str, version: &str) -> String {
    let dir_name = dir.file_name().map(|name| name.to_string_lossy());
    let fragment = if dir_name.as_deref() == Some(name) {
        version.to_string()
    } else {
        format!("{name}@{version}")
    };
    format!("path+file://{}#{fragment}", dir.display())
}

/// `package.<key>` as a string, or `[workspace.package].<key>` for `key.workspace = true`.
fn inherited_string(package: &Table, key: &str, root: &Manifest) -> Option<String> {
    match package.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Table(table) if table.get("workspace").and_then(Value::as_bool) == Some(true) => {
            root.workspace()?
                .get("package")?
                .get(key)?
                .as_str()
                .map(str::to_string)
        }
        _ => None,
    }
}

/// The kinds of target besides the library, with their defaults.
struct TargetKind {
    /// `bin`, `example`, `test`, `bench`: the array-of-tables key and the metadata kind.
    key: &'static str,
    /// `autobins`, ...
    auto_key: &'static str,
    /// Where cargo discovers them: `src/bin`, `examples`, `tests`, `benches`.
    directory: &'static str,
    doc: bool,
    test: bool,
}

const TARGET_KINDS: &[TargetKind] = &[
    TargetKind {
        key: "bin",
        auto_key: "autobins",
        directory: "src/bin",
        doc: true,
        test: true,
    },
    TargetKind {
        key: "example",
        auto_key: "autoexamples",
        directory: "examples",
        doc: false,
        test: false,
    },
    TargetKind {
        key: "test",
        auto_key: "autotests",
        directory: "tests",
        doc: false,
        test: true,
    },
    TargetKind {
        key: "bench",
        auto_key: "autobenches",
        directory: "benches",
        doc: false,
        test: false,
    },
];

/// The targets (declared and discovered) of the package whose manifest at `dir` was read as
/// `table`: what path mode needs to know which files are target roots.
pub fn package_targets(
    dir: &Path,
    table: &Table,
    package_name: &str,
    edition: &str,
) -> Vec<TargetInfo> {
    let manifest = Manifest {
        path: dir.join("Cargo.toml"),
        table: table.clone(),
    };
    targets(&manifest, package_name, edition)
}

fn targets(manifest: &Manifest, package_name: &str, edition: &str) -> Vec<TargetInfo> {
    let dir = manifest.dir();
    let package = manifest.package().cloned().unwrap_or_default();
    let auto = |key: &str| package.get(key).and_then(Value::as_bool);
    let mut targets = Vec::new();
    targets.extend(library(manifest, package_name, edition, auto("autolib")));
    for kind in TARGET_KINDS {
        let mut inferred = inferred_targets(dir, kind.directory);
        if kind.key == "bin" && dir.join("src/main.rs").is_file() {
            inferred.insert(0, (package_name.to_string(), PathBuf::from("src/main.rs")));
        }
        let declared: Vec<&Table> = manifest
            .table
            .get(kind.key)
            .and_then(Value::as_array)
            .map(|array| array.iter().filter_map(Value::as_table).collect())
            .unwrap_or_default();
        for (name, path, table) in
            combine_targets(&declared, &inferred, auto(kind.auto_key), edition, kind)
        {
            let crate_types = table
                .and_then(crate_types_of)
                .unwrap_or_else(|| vec!["bin".to_string()]);
            let flag = |key: &str, default: bool| {
                table
                    .and_then(|table| table.get(key))
                    .and_then(Value::as_bool)
                    .unwrap_or(default)
            };
            targets.push(TargetInfo {
                name,
                kind: vec![kind.key.to_string()],
                crate_types,
                src_path: normalize_lexically(&dir.join(path)),
                edition: target_edition(table, edition),
                doc: flag("doc", kind.doc),
                doctest: false,
                test: flag("test", kind.test),
            });
        }
    }
    targets
}

/// `[lib]`, or `src/lib.rs` when it exists (unless `autolib = false`).
fn library(
    manifest: &Manifest,
    package_name: &str,
    edition: &str,
    autolib: Option<bool>,
) -> Option<TargetInfo> {
    let dir = manifest.dir();
    let table = manifest.table.get("lib").and_then(Value::as_table);
    if table.is_none() && (autolib == Some(false) || !dir.join("src/lib.rs").is_file()) {
        return None;
    }
    let name = table
        .and_then(|table| table.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| package_name.replace('-', "_"), str::to_string);
    let path = table
        .and_then(|table| table.get("path"))
        .and_then(Value::as_str)
        .unwrap_or("src/lib.rs");
    let proc_macro = table.is_some_and(|table| {
        ["proc-macro", "proc_macro"]
            .iter()
            .any(|key| table.get(*key).and_then(Value::as_bool) == Some(true))
    });
    let crate_types = if proc_macro {
        vec!["proc-macro".to_string()]
    } else {
        table
            .and_then(crate_types_of)
            .unwrap_or_else(|| vec!["lib".to_string()])
    };
    let flag = |key: &str| {
        table
            .and_then(|table| table.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    Some(TargetInfo {
        name,
        kind: crate_types.clone(),
        crate_types,
        src_path: normalize_lexically(&dir.join(path)),
        edition: target_edition(table, edition),
        doc: flag("doc"),
        doctest: flag("doctest"),
        test: flag("test"),
    })
}

fn crate_types_of(table: &Table) -> Option<Vec<String>> {
    let array = table
        .get("crate-type")
        .or_else(|| table.get("crate_type"))?
        .as_array()?;
    Some(
        array
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

fn target_edition(table: Option<&Table>, package_edition: &str) -> String {
    table
        .and_then(|table| table.get("edition"))
        .and_then(Value::as_str)
        .unwrap_or(package_edition)
        .to_string()
}

/// `directory/*.rs` and `directory/*/main.rs` (dot files skipped), as (name, relative path).
fn inferred_targets(package_dir: &Path, directory: &str) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(package_dir.join(directory)) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().to_str()?.to_string();
            if file_name.starts_with('.') {
                return None;
            }
            let path = entry.path();
            if path.is_dir() {
                path.join("main.rs").is_file().then(|| {
                    (
                        file_name.clone(),
                        Path::new(directory).join(&file_name).join("main.rs"),
                    )
                })
            } else {
                let stem = file_name.strip_suffix(".rs")?;
                Some((stem.to_string(), Path::new(directory).join(&file_name)))
            }
        })
        .collect();
    found.sort();
    found
}

/// Declared targets, then the discovered ones no declared target already names or points
/// at (when discovery is on: `auto*` unset means on, except in edition 2015 when some
/// target of the kind is declared), sorted by name.
fn combine_targets<'t>(
    declared: &[&'t Table],
    inferred: &[(String, PathBuf)],
    auto: Option<bool>,
    edition: &str,
    kind: &TargetKind,
) -> Vec<(String, PathBuf, Option<&'t Table>)> {
    let mut targets: Vec<(String, PathBuf, Option<&'t Table>)> = Vec::new();
    for table in declared {
        let Some(name) = table.get("name").and_then(Value::as_str) else {
            continue;
        };
        let path = match table.get("path").and_then(Value::as_str) {
            Some(path) => PathBuf::from(path),
            None => inferred
                .iter()
                .find(|(inferred_name, _)| inferred_name == name)
                .map(|(_, path)| path.clone())
                // Where cargo would look first; reading it reports it missing.
                .unwrap_or_else(|| Path::new(kind.directory).join(format!("{name}.rs"))),
        };
        targets.push((name.to_string(), path, Some(*table)));
    }
    let discover = match auto {
        Some(auto) => auto,
        None => declared.is_empty() || edition != "2015",
    };
    if discover {
        let remaining: Vec<(String, PathBuf, Option<&Table>)> = inferred
            .iter()
            .filter(|(name, path)| {
                !targets.iter().any(|(declared_name, declared_path, _)| {
                    declared_name == name
                        || normalize_lexically(declared_path) == normalize_lexically(path)
                })
            })
            .map(|(name, path)| (name.clone(), path.clone(), None))
            .collect();
        targets.extend(remaining);
    }
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    targets
}
