//! Path mode: the files given, or every `.rs` file under the directories given (skipping
//! `target/` and hidden folders), and the modules they declare. Each file's crate, module
//! path and edition come from the nearest `Cargo.toml` above it (outside any package, a
//! folder holding a `lib.rs` or `main.rs` is read as a crate's source folder, the files
//! under it its modules); `--edition` overrides the edition. Reads stay inside the nearest
//! `Cargo.toml`'s directory at or above each path given (else the directory given);
//! symlinks are followed only when they stay inside it.

use lint_core::hash::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use rayon::prelude::*;

use super::confine::{self, Confinement, normalize_lexically};
use super::layout::wants_target;
use super::{
    FileOrigin, Inputs, ModuleDirectory, PackageInfo, PendingFile, SettingsFile, SettingsFileKind,
    TargetInfo,
};
use super::{display_path, manifests, modules};
use lint_core::Edition;

use crate::args::Cli;

/// The settings file of path mode: the nearest `coordlint.toml` at or above the first path
/// given, read confined to its own directory.
fn coordlint_toml_above(path: &Path) -> anyhow::Result<Vec<SettingsFile>> {
    let start = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    let Some(found) = start
        .ancestors()
        .map(|dir| dir.join("coordlint.toml"))
        .find(|candidate| candidate.is_file())
    else {
        return Ok(Vec::new());
    };
    let directory = found.parent().unwrap_or(Path::new("/"));
    let confinement = Confinement::new(directory, "the directory of coordlint.toml");
    let text = confine::read_confined(&confinement, &found)
        .map_err(|reason| anyhow::anyhow!("could not read {}: {reason}", found.display()))?;
    Ok(vec![SettingsFile {
        path: found,
        text,
        kind: SettingsFileKind::CoordlintToml,
    }])
}

/// What the nearest manifest says about the files below it.
#[derive(Clone, Debug)]
struct Manifest {
    dir: PathBuf,
    crate_name: String,
    edition: Edition,
    package: Option<Arc<PackageInfo>>,
    /// The package's targets (declared with their `path`, and discovered).
    targets: Vec<Arc<TargetInfo>>,
    /// Each target's root file, lexically normalized (same order as `targets`).
    target_roots: Vec<PathBuf>,
}

impl Manifest {
    /// The target whose root file is `file` (`[[bin]] path = "src/tool.rs"`, `src/main.rs`).
    fn target_rooted_at(&self, file: &Path) -> Option<&Arc<TargetInfo>> {
        // Most files are no target's root: one whose name no root has is not one, found
        // without normalizing it (normalizing keeps a file's name; asked twice per file).
        if let Some(name) = file.file_name()
            && !self
                .target_roots
                .iter()
                .any(|root| ends_with_name(root, name))
        {
            return None;
        }
        let file = normalize_lexically(file);
        self.target_roots
            .iter()
            .position(|root| *root == file)
            .map(|index| &self.targets[index])
    }
}

/// Whether the last component of `path` (a normalized path) is `name`, compared as bytes
/// (`Path::file_name` parses components from the end).
fn ends_with_name(path: &Path, name: &std::ffi::OsStr) -> bool {
    let (path, name) = (path.as_os_str().as_encoded_bytes(), name.as_encoded_bytes());
    path.strip_suffix(name).is_some_and(|rest| {
        rest.last()
            .is_some_and(|&separator| std::path::is_separator(char::from(separator)))
    })
}

pub fn discover_paths(cli: &Cli) -> anyhow::Result<Inputs> {
    let root = std::env::current_dir().context("could not read the current directory")?;
    let mut inputs = Inputs::new(root);
    // (file, its confinement, named on the command line)
    let mut files: Vec<(PathBuf, Arc<Confinement>, bool)> = Vec::new();
    let mut manifests: HashMap<PathBuf, Option<Arc<Manifest>>> = HashMap::default();
    // The folders are walked side by side (a run over many crates names many folders).
    let walked: Vec<_> = cli
        .paths
        .par_iter()
        .map(|path| {
            let absolute = normalize_lexically(path);
            let confinement = Arc::new(confinement_for(&absolute));
            let listing = absolute
                .is_dir()
                .then(|| collect_rust_files(&inputs.root, &confinement, &absolute));
            (path, absolute, confinement, listing)
        })
        .collect();
    prefetch_manifests(
        &mut manifests,
        walked
            .iter()
            .filter_map(|(_, _, _, listing)| listing.as_ref()?.as_ref().ok())
            .flat_map(|(found, _)| found),
    );
    for (path, absolute, confinement, listing) in walked {
        if let Some(listing) = listing {
            let (found, warnings) =
                listing.with_context(|| format!("could not list {}", path.display()))?;
            inputs.warnings.extend(warnings);
            for file in found {
                let manifest = nearest_manifest(&mut manifests, &file);
                let package_dir = manifest.as_ref().map(|manifest| manifest.dir.clone());
                let base = package_dir.as_deref().unwrap_or(&absolute);
                let unwanted_tree =
                    test_tree(base, &file).is_some_and(|kind| !wants_test_tree(cli, kind));
                // A bench or example target declared with its own `path` outside those trees.
                let unwanted_target = manifest
                    .as_ref()
                    .and_then(|manifest| manifest.target_rooted_at(&file))
                    .is_some_and(|target| {
                        is_bench_or_example(target) && !wants_target(cli, target)
                    });
                if unwanted_tree || unwanted_target {
                    inputs.test_files_left_out += 1;
                } else {
                    files.push((file, confinement.clone(), false));
                }
            }
        } else if std::fs::symlink_metadata(&absolute).is_ok() {
            // Whatever it is (a special file, a symlink out of the root), reading it decides.
            files.push((absolute, confinement, true));
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    if let Some(first) = cli.paths.first() {
        inputs.settings_files = coordlint_toml_above(&normalize_lexically(first))?;
    }
    let mut roots = Vec::new();
    for (path, confinement, named) in files {
        let manifest = nearest_manifest(&mut manifests, &path);
        let edition = cli
            .edition
            .or(manifest.as_ref().map(|manifest| manifest.edition))
            .unwrap_or_default();
        let package_dir = manifest.as_ref().map(|manifest| manifest.dir.as_path());
        // An integration test, bench or example is a crate of its own, named after its
        // file: `mypkg::f()` in it names the library, not the test's own `f`.
        let crate_name = package_dir
            .and_then(|dir| test_target_name(dir, &path))
            .or_else(|| {
                manifest
                    .as_ref()
                    .map(|manifest| manifest.crate_name.clone())
            })
            .unwrap_or_else(|| "crate".to_string());
        let package = manifest
            .as_ref()
            .and_then(|manifest| manifest.package.clone());
        // A target's root file (`[[bin]] path = "src/tool.rs"` too) is a crate root: its
        // modules are next to it, and a test, bench or example target is test code.
        if let Some(target) = manifest
            .as_ref()
            .and_then(|manifest| manifest.target_rooted_at(&path))
        {
            let edition = cli
                .edition
                .or_else(|| Edition::parse(&target.edition))
                .unwrap_or(edition);
            // `--edition` is the edition the file is read with, and shown as the target's.
            let target = if target.edition == edition.as_str() {
                target.clone()
            } else {
                Arc::new(TargetInfo {
                    edition: edition.as_str().to_string(),
                    ..TargetInfo::clone(target)
                })
            };
            // A test target's files are test code (its modules too, through their `mod`).
            let test_code = !named && is_test_target(&target) && !wants_target(cli, &target);
            // A test, bench or example target is a crate named after the target.
            let crate_name = if is_test_target(&target) || is_bench_or_example(&target) {
                target.name.replace('-', "_")
            } else {
                crate_name.clone()
            };
            roots.push(PendingFile {
                path: path.clone(),
                crate_name,
                module_path: Vec::new(),
                edition,
                directory: ModuleDirectory::Own,
                confinement,
                origin: FileOrigin {
                    absolute_path: path,
                    package,
                    target,
                },
                test_code,
                named,
            });
            continue;
        }
        // Outside any package (no manifest, or a workspace's virtual one), a folder with a
        // `lib.rs` or `main.rs` is read as a crate's source folder (as `src/` is in a
        // package): the files under it are its modules.
        let in_package = manifest
            .as_ref()
            .is_some_and(|manifest| manifest.package.is_some());
        let source_folder = match package_dir {
            Some(dir) if in_package => Some(dir.join("src")),
            _ => source_folder_without_manifest(&path, confinement.root()),
        };
        let module_path = source_folder
            .as_deref()
            .map(|folder| module_path_under(folder, &path, edition))
            .unwrap_or_default();
        let directory = match &source_folder {
            Some(_) if !in_package => match file_name(&path) {
                "lib.rs" | "main.rs" | "mod.rs" => ModuleDirectory::Own,
                _ => ModuleDirectory::Named,
            },
            _ => module_directory(package_dir, &path),
        };
        roots.push(PendingFile {
            path: path.clone(),
            crate_name: crate_name.clone(),
            module_path,
            edition,
            directory,
            confinement,
            origin: FileOrigin {
                absolute_path: path.clone(),
                package,
                target: Arc::new(TargetInfo {
                    name: crate_name,
                    kind: vec!["lib".to_string()],
                    crate_types: vec!["lib".to_string()],
                    src_path: path,
                    edition: edition.as_str().to_string(),
                    doc: true,
                    doctest: false,
                    test: true,
                }),
            },
            test_code: false,
            named,
        });
    }
    inputs.cache = crate::cache::FactsCache::for_paths(cli);
    modules::load_crates(&mut inputs, roots);
    Ok(inputs)
}

/// A test target (`[[test]]`, also with its own `path`): test code, like the `tests/` tree.
fn is_test_target(target: &TargetInfo) -> bool {
    target.kind.iter().any(|kind| kind == "test")
}

/// A bench or example target: left out unless asked for, like `benches/` and `examples/`.
fn is_bench_or_example(target: &TargetInfo) -> bool {
    target
        .kind
        .iter()
        .any(|kind| matches!(kind.as_str(), "bench" | "example"))
}

/// The test trees of a package: test targets, benchmarks and examples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TestTree {
    Tests,
    Benches,
    Examples,
}

/// Which test tree of its package `file` is in (`tests/`, with compile-fail folders such as
/// `tests/ui`; `benches/`; `examples/`), relative to the package directory `base`.
fn test_tree(base: &Path, file: &Path) -> Option<TestTree> {
    let relative = file.strip_prefix(base).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "tests" => Some(TestTree::Tests),
        "benches" => Some(TestTree::Benches),
        "examples" => Some(TestTree::Examples),
        _ => None,
    }
}

/// The crate name of a test, bench or example target root (`tests/api.rs` → `api`,
/// `tests/cli/main.rs` → `cli`); `None` for other files.
fn test_target_name(package_dir: &Path, file: &Path) -> Option<String> {
    test_tree(package_dir, file)?;
    let relative = file.strip_prefix(package_dir).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .filter_map(|component| component.as_os_str().to_str())
        .collect();
    let stem = match parts.as_slice() {
        [_, file] => file.strip_suffix(".rs")?,
        [_, folder, "main.rs"] => folder,
        _ => return None,
    };
    Some(stem.replace('-', "_"))
}

/// Whether the command line asks for a test tree (`--tests`, `--benches`, `--examples`,
/// `--all-targets`), as cargo's target selection does.
fn wants_test_tree(cli: &Cli, tree: TestTree) -> bool {
    cli.all_targets
        || match tree {
            TestTree::Tests => cli.tests || !cli.test.is_empty(),
            TestTree::Benches => cli.benches || !cli.bench.is_empty(),
            TestTree::Examples => cli.examples || !cli.example.is_empty(),
        }
}

/// The directory reads stay in for the files found from `argument`: the nearest directory
/// with a `Cargo.toml` at or above it, else the directory given (a file's own directory).
fn confinement_for(argument: &Path) -> Confinement {
    let start = if argument.is_dir() {
        argument
    } else {
        argument.parent().unwrap_or(Path::new("/"))
    };
    match start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())
    {
        Some(package_dir) => Confinement::new(package_dir, "the package directory"),
        None => Confinement::new(start, "the directory given"),
    }
}

/// Every `.rs` file under `dir`, skipping `target/` and hidden folders. Symlinks are
/// followed when they resolve inside the confinement root; a symlinked directory that
/// leads out is not entered (a warning says so), a symlinked file that does is reported
/// skipped when it is read. Each directory is entered once, so symlink loops end.
fn collect_rust_files(
    root: &Path,
    confinement: &Confinement,
    dir: &Path,
) -> std::io::Result<(Vec<PathBuf>, Vec<String>)> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let mut entered: HashSet<PathBuf> = HashSet::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        match confine::resolve(confinement, &dir) {
            Ok(canonical) => {
                if !entered.insert(canonical) {
                    continue;
                }
            }
            Err(reason) => {
                warnings.push(format!(
                    "{}: directory not entered: {reason}",
                    display_path(root, &dir)
                ));
                continue;
            }
        }
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let mut file_type = entry.file_type()?;
            if file_type.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(target) => file_type = target.file_type(),
                    // A dangling symlink: reading it reports it.
                    Err(_) if name.ends_with(".rs") => {
                        out.push(path);
                        continue;
                    }
                    Err(_) => continue,
                }
            }
            if file_type.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    Ok((out, warnings))
}

/// Where the `mod` declarations of a file found by path look for their files, from where
/// the file is in its package (`src/lib.rs` is a crate root, `src/a/b.rs` is a module).
fn module_directory(package_dir: Option<&Path>, file: &Path) -> ModuleDirectory {
    let file_name = file
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let relative: Option<Vec<&str>> =
        package_dir
            .and_then(|dir| file.strip_prefix(dir).ok())
            .map(|relative| {
                relative
                    .components()
                    .filter_map(|component| component.as_os_str().to_str())
                    .collect()
            });
    match relative.as_deref() {
        Some(["src", "lib.rs" | "main.rs"]) => ModuleDirectory::Own,
        Some(["src", "bin", _] | ["src", "bin", _, "main.rs"]) => ModuleDirectory::Own,
        Some(["src", ..]) if file_name == "mod.rs" => ModuleDirectory::Own,
        Some(["src", ..]) => ModuleDirectory::Named,
        Some(["tests" | "examples" | "benches", _] | ["build.rs"]) => ModuleDirectory::Own,
        _ if matches!(file_name, "lib.rs" | "main.rs" | "mod.rs") => ModuleDirectory::Own,
        _ => ModuleDirectory::Either,
    }
}

/// Outside any package: the nearest folder above `file`, up to the folder given (`root`,
/// canonical), that holds a `lib.rs` or `main.rs`.
fn source_folder_without_manifest(file: &Path, root: &Path) -> Option<PathBuf> {
    for dir in file.ancestors().skip(1) {
        if dir.join("lib.rs").is_file() || dir.join("main.rs").is_file() {
            return Some(dir.to_path_buf());
        }
        if std::fs::canonicalize(dir).is_ok_and(|canonical| canonical == root) {
            break;
        }
    }
    None
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("")
}

/// The module a file is in its crate, from the crate's source folder (a package's `src/`):
/// `lib.rs` and `main.rs` are the root, `a/b.rs` and `a/b/mod.rs` are `a::b`; files outside
/// the folder are roots of their own. A segment that is a keyword is written as the raw
/// identifier that names it (`src/match.rs` is `r#match`), as the lowering writes
/// `mod r#match;`.
fn module_path_under(source_folder: &Path, file: &Path, edition: Edition) -> Vec<String> {
    let Ok(relative) = file.strip_prefix(source_folder) else {
        return Vec::new();
    };
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|first| first == "bin") {
        return Vec::new();
    }
    if matches!(parts.last().map(String::as_str), Some("mod")) {
        parts.pop();
    }
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main") {
        parts.clear();
    }
    parts
        .into_iter()
        .map(|part| {
            if is_keyword(&part, edition) {
                format!("r#{part}")
            } else {
                part
            }
        })
        .collect()
}

/// Keywords that can be raw identifiers (not `crate`, `self`, `super`, `Self`), in `edition`.
fn is_keyword(word: &str, edition: Edition) -> bool {
    const ALWAYS: &[&str] = &[
        "abstract", "as", "become", "box", "break", "const", "continue", "do", "else", "enum",
        "extern", "false", "final", "fn", "for", "if", "impl", "in", "let", "loop", "macro",
        "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static",
        "struct", "trait", "true", "type", "typeof", "unsafe", "unsized", "use", "virtual",
        "where", "while", "yield",
    ];
    const SINCE_2018: &[&str] = &["async", "await", "dyn", "try"];
    ALWAYS.contains(&word)
        || (edition >= Edition::E2018 && SINCE_2018.contains(&word))
        || (edition >= Edition::E2024 && word == "gen")
}

/// Fills `cache` as [`nearest_manifest`] would for every one of `files`, in parallel:
/// looking for and reading the manifests of a run over many crates is file-system work
/// that one thread would otherwise do while the others wait.
fn prefetch_manifests<'f>(
    cache: &mut HashMap<PathBuf, Option<Arc<Manifest>>>,
    files: impl Iterator<Item = &'f PathBuf>,
) {
    let dirs: HashSet<&Path> = files
        .filter_map(|file| file.parent())
        .filter(|dir| !cache.contains_key(*dir))
        .collect();
    let package_dirs: Vec<(&Path, Option<&Path>)> = dirs
        .into_par_iter()
        .map(|dir| (dir, package_dir_of(dir)))
        .collect();
    let unread: HashSet<&Path> = package_dirs
        .iter()
        .filter_map(|(_, package_dir)| *package_dir)
        .filter(|package_dir| !cache.contains_key(*package_dir))
        .collect();
    let read: Vec<(&Path, Option<Arc<Manifest>>)> = unread
        .into_par_iter()
        .map(|package_dir| (package_dir, read_manifest(package_dir).map(Arc::new)))
        .collect();
    for (package_dir, manifest) in read {
        cache.insert(package_dir.to_path_buf(), manifest);
    }
    for (dir, package_dir) in package_dirs {
        let found = package_dir.and_then(|package_dir| cache[package_dir].clone());
        cache.insert(dir.to_path_buf(), found);
    }
}

/// The nearest folder at or above `dir` with a `Cargo.toml`.
fn package_dir_of(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .find(|ancestor| ancestor.join("Cargo.toml").is_file())
}

fn nearest_manifest(
    cache: &mut HashMap<PathBuf, Option<Arc<Manifest>>>,
    file: &Path,
) -> Option<Arc<Manifest>> {
    let dir = file.parent()?.to_path_buf();
    if let Some(known) = cache.get(&dir) {
        return known.clone();
    }
    let Some(package_dir) = package_dir_of(&dir).map(Path::to_path_buf) else {
        cache.insert(dir, None);
        return None;
    };
    // The manifest's own directory has the same nearest manifest: read each one once.
    let found = match cache.get(&package_dir) {
        Some(known) => known.clone(),
        None => {
            let read = read_manifest(&package_dir).map(Arc::new);
            cache.insert(package_dir, read.clone());
            read
        }
    };
    cache.insert(dir, found.clone());
    found
}

/// A manifest above a file, for its name and edition only (never printed): read through the
/// same gate as sources for its type and size (a pipe named `Cargo.toml` must not block).
fn read_manifest_text(dir: &Path) -> Option<String> {
    let anywhere = Confinement::new(Path::new("/"), "the file system");
    confine::read_confined(&anywhere, &dir.join("Cargo.toml")).ok()
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = read_manifest_text(dir)?;
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package").and_then(|package| package.as_table());
    let name = package
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str());
    let version = package
        .and_then(|package| package.get("version"))
        .and_then(|version| version.as_str())
        .unwrap_or("0.0.0");
    let edition = package
        .and_then(|package| package.get("edition"))
        .and_then(|edition| match edition {
            toml::Value::String(text) => Edition::parse(text),
            _ => workspace_edition(dir),
        })
        .unwrap_or(Edition::E2015);
    let edition = if package.is_none() {
        Edition::E2021
    } else {
        edition
    };
    let package_info = name.map(|name| {
        Arc::new(PackageInfo {
            id: manifests::package_id(dir, name, version),
            manifest_path: dir.join("Cargo.toml"),
        })
    });
    let targets = match name {
        Some(name) => manifests::package_targets(dir, &value, name, edition.as_str())
            .into_iter()
            .map(Arc::new)
            .collect(),
        None => Vec::new(),
    };
    let target_roots = targets
        .iter()
        .map(|target| normalize_lexically(&target.src_path))
        .collect();
    Some(Manifest {
        dir: dir.to_path_buf(),
        crate_name: name.unwrap_or("crate").replace('-', "_"),
        edition,
        package: package_info,
        targets,
        target_roots,
    })
}

/// `edition.workspace = true`: the edition in `[workspace.package]` of a manifest above.
fn workspace_edition(package_dir: &Path) -> Option<Edition> {
    package_dir.ancestors().skip(1).find_map(|dir| {
        let text = read_manifest_text(dir)?;
        let value: toml::Table = text.parse().ok()?;
        let edition = value
            .get("workspace")?
            .get("package")?
            .get("edition")?
            .as_str()?;
        Edition::parse(edition)
    })
}
