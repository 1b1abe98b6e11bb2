//! Finding, reading and lowering the files to analyze, with the package each belongs to.
//!
//! Files are found either from a cargo workspace (`cargo metadata --no-deps`, then every
//! target's root file and the `mod` declarations reachable from it) or from paths given on
//! the command line. Each wave of files is read and lowered in parallel; the `mod`
//! declarations found in one wave make the next.

mod modules;
mod paths;
mod workspace;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lint_core::{FileFacts, SourceFile};

use crate::args::Cli;

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
    pub facts: Vec<FileFacts>,
    pub origins: Vec<FileOrigin>,
    /// Problems that did not stop the run (a module file not found, an unreadable file).
    pub warnings: Vec<String>,
    /// `[workspace.metadata.coordlint]` of the workspace root manifest (workspace mode only).
    pub coordlint_metadata: Option<serde_json::Value>,
}

pub fn discover(cli: &Cli) -> anyhow::Result<Inputs> {
    if cli.paths.is_empty() {
        workspace::discover_workspace(cli)
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
    /// Whether `mod x;` inside it looks for `x.rs` next to it (crate roots, `mod.rs`,
    /// `#[path]` files) rather than in a folder named after it.
    pub owns_directory: bool,
    pub origin: FileOrigin,
}

/// `path` shown relative to `root` when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
