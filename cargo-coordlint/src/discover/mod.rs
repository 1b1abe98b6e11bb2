//! Finding, reading and lowering the files to analyze, with the package each belongs to.
//!
//! Files are found either from a cargo workspace (`cargo metadata --no-deps`, or the
//! manifests read directly when cargo fails; then every target's root file and the `mod`
//! declarations reachable from it) or from paths given on the command line (and the `mod`
//! declarations of those files). Each wave of files is read and lowered in parallel; the
//! `mod` declarations found in one wave make the next. Every read goes through `confine`;
//! a file that is not read is recorded in [`Inputs::skipped`], never dropped silently.

mod confine;
mod layout;
mod manifests;
mod modules;
mod paths;
mod workspace;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lint_core::model::FileOutline;
use lint_core::{FileFacts, SourceFile, Span};

use crate::Environment;
use crate::args::Cli;
use crate::cache::FactsCache;

pub use confine::{SkipReason, normalize_lexically};

/// A cargo package, as the JSON output names it.
#[derive(Clone, Debug)]
pub struct PackageInfo {
    /// cargo's package id (`path+file:///dir#0.1.0`), which rust-analyzer keys diagnostics by.
    pub id: String,
    pub manifest_path: PathBuf,
}

/// A cargo target, as the JSON output describes it.
#[derive(Clone, Debug)]
pub struct TargetInfo {
    pub name: String,
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub src_path: PathBuf,
    pub edition: String,
    pub doc: bool,
    pub doctest: bool,
    pub test: bool,
}

/// Where an analyzed file came from.
#[derive(Clone, Debug)]
pub struct FileOrigin {
    pub absolute_path: PathBuf,
    pub package: Option<Arc<PackageInfo>>,
    pub target: Arc<TargetInfo>,
}

/// Everything that was found and lowered; index `i` of each vector is file `FileId(i)`.
pub struct Inputs {
    /// The workspace root (JSON `file_name`s are relative to it), or the current directory.
    pub root: PathBuf,
    pub sources: Vec<SourceFile>,
    /// What discovery read of each file ([`FileOutline`]).
    pub outlines: Vec<FileOutline>,
    /// The lowered facts, once [`Inputs::complete_facts`] made them (empty before): a run
    /// whose findings the cache has never needs them.
    pub facts: Vec<FileFacts>,
    /// Facts discovery already had at hand (it lowered or loaded the file), by file.
    known_facts: Vec<Option<FileFacts>>,
    /// Whether each file was read as test code (`SourceFile::test_code` when it was
    /// lowered; a file found to be test code later is marked afterwards).
    read_as_test: Vec<bool>,
    pub origins: Vec<FileOrigin>,
    /// Problems that did not stop the run, printed on stderr (cargo metadata failed and the
    /// manifests were read instead, a symlinked directory not followed).
    pub warnings: Vec<String>,
    /// Files that were not analyzed, with the reason; sorted in discovery order.
    pub skipped: Vec<SkippedFile>,
    /// The files that may hold coordlint settings (the workspace root manifest and the
    /// selected members' manifests, or a `coordlint.toml` in path mode), read through the
    /// confinement; `crate::settings` parses them.
    pub settings_files: Vec<SettingsFile>,
    /// Test files (under `tests/`, `benches/`, `examples/`) left out of the default scope.
    pub test_files_left_out: usize,
    /// Test functions (`#[test]`, `#[cfg(test)]`) read but left out of the analysis.
    pub test_functions_left_out: usize,
    /// The facts cache the files were read through, if any; it keeps the findings too.
    pub cache: Option<FactsCache>,
}

impl Inputs {
    fn new(root: PathBuf) -> Inputs {
        Inputs {
            root,
            sources: Vec::new(),
            outlines: Vec::new(),
            facts: Vec::new(),
            known_facts: Vec::new(),
            read_as_test: Vec::new(),
            origins: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            settings_files: Vec::new(),
            test_files_left_out: 0,
            test_functions_left_out: 0,
            cache: None,
        }
    }
}

impl Inputs {
    /// Makes [`Inputs::facts`]: the facts discovery kept, the others from the cache or
    /// lowered; files found to be test code after they were read get their functions
    /// marked as test code.
    pub fn complete_facts(&mut self) {
        if self.facts.len() == self.sources.len() {
            return;
        }
        let known = std::mem::take(&mut self.known_facts);
        // Read each file as it was read in discovery (the cache key includes it).
        let marked: Vec<usize> = (0..self.sources.len())
            .filter(|&file| self.sources[file].test_code && !self.read_as_test[file])
            .collect();
        for &file in &marked {
            self.sources[file].test_code = false;
        }
        let store = self
            .cache
            .as_ref()
            .map(|cache| cache as &dyn lint_core::FactsStore);
        self.facts = lint_core::complete_facts(known, &self.sources, store);
        for &file in &marked {
            self.sources[file].test_code = true;
            for function in &mut self.facts[file].functions {
                function.is_test = true;
            }
        }
    }

    /// Test functions read but left out of the default scope (whole files found to be
    /// test code count with all their functions).
    pub fn test_functions(&self) -> usize {
        self.outlines
            .iter()
            .enumerate()
            .map(|(file, outline)| {
                if self.sources[file].test_code && !self.read_as_test[file] {
                    outline.functions
                } else {
                    outline.test_functions
                }
            })
            .sum()
    }
}

/// A file that may hold coordlint settings, as read.
#[derive(Clone, Debug)]
pub struct SettingsFile {
    pub path: PathBuf,
    pub text: String,
    pub kind: SettingsFileKind,
}

/// Which tables of a [`SettingsFile`] hold coordlint settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsFileKind {
    /// A `Cargo.toml`: `[workspace.metadata.coordlint]` when it is the workspace root, and
    /// `[package.metadata.coordlint]` for the selected package `package_id`.
    Manifest {
        workspace_root: bool,
        package_id: Option<String>,
    },
    /// A `coordlint.toml` (path mode): the whole file is the settings table.
    CoordlintToml,
}

/// A file that was not analyzed.
#[derive(Clone, Debug)]
pub struct SkippedFile {
    /// The `mod` item that declares it, when a module declaration led to it (the span is in
    /// an analyzed file); `None` for a target's root file or a file found by walking.
    pub declared_at: Option<Span>,
    /// The module's name as written (`r#match`), when a declaration led to it.
    pub module: Option<String>,
    /// The file as the user would write it (relative to the root when inside it).
    pub path: String,
    pub reason: SkipReason,
}

pub fn discover(cli: &Cli, environment: &Environment) -> anyhow::Result<Inputs> {
    if cli.paths.is_empty() {
        workspace::discover_workspace(cli, environment)
    } else {
        paths::discover_paths(cli)
    }
}

/// A file waiting to be read: its path and what it is inside its crate.
#[derive(Clone, Debug)]
pub struct PendingFile {
    pub path: PathBuf,
    pub crate_name: String,
    pub module_path: Vec<String>,
    pub edition: lint_core::Edition,
    /// Where `mod x;` inside it looks for `x.rs`.
    pub directory: ModuleDirectory,
    /// Where this file, and the modules it declares, may be read from.
    pub confinement: Arc<confine::Confinement>,
    pub origin: FileOrigin,
    /// The file is test code (a test, bench or example target, or under `#[cfg(test)]`).
    pub test_code: bool,
    /// The user named the file on the command line: analyzed in full.
    pub named: bool,
}

/// Where the `mod x;` declarations of a file look for their files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleDirectory {
    /// Next to the file: crate roots, `mod.rs`, files named by `#[path]`.
    Own,
    /// In a folder named after the file (`a/b.rs` declares `a/b/x.rs`).
    Named,
    /// Not known (path mode, a file whose role its location does not tell): the named
    /// folder first, then next to the file.
    Either,
}

/// `path` shown relative to `root` when it is inside it, with `.` and `..` resolved (so
/// that no output path climbs out of the root with `..`); absolute otherwise.
pub fn display_path(root: &Path, path: &Path) -> String {
    let path = confine::normalize_lexically(path);
    path.strip_prefix(root)
        .unwrap_or(&path)
        .to_string_lossy()
        .into_owned()
}
