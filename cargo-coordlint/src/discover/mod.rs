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
use std::sync::{Arc, Mutex, OnceLock};

use lint_core::model::persist::FileSummary;
use lint_core::{FileFacts, LineCol, LineIndex, LoadedFacts, SourceFile, Span};

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
    /// Each file's `mod` declarations and function counts: what finding the files needs.
    pub summaries: Vec<FileSummary>,
    /// The files found to be test code after they were read (see `modules`): their
    /// functions are test code.
    marked_test: Vec<bool>,
    /// The facts as lowered or loaded, until [`Inputs::facts`] first needs them.
    loaded: Mutex<Vec<LoadedFacts>>,
    facts: OnceLock<Vec<FileFacts>>,
    pub origins: Vec<FileOrigin>,
    /// Where each file was read from (its confinement and path), to read its text again
    /// after [`Inputs::release_texts`].
    read_from: Vec<(Arc<confine::Confinement>, PathBuf)>,
    /// The hash of each file's text as it was read ([`text_hash`]): the cache keys use it,
    /// and a text read again must have the same.
    pub text_hashes: Vec<u128>,
    /// The texts were released (see [`Inputs::release_texts`]).
    texts_released: bool,
    /// Each file's line starts, made from its text when a position in it is first asked
    /// for ([`Inputs::positions`]).
    line_indexes: Vec<OnceLock<LineIndex>>,
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
            summaries: Vec::new(),
            marked_test: Vec::new(),
            loaded: Mutex::new(Vec::new()),
            facts: OnceLock::new(),
            origins: Vec::new(),
            read_from: Vec::new(),
            text_hashes: Vec::new(),
            texts_released: false,
            line_indexes: Vec::new(),
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
    /// Every file's facts, by file id. Stored facts are decoded on the first call: a run
    /// whose findings are stored in the cache never decodes them.
    pub fn facts(&self) -> &[FileFacts] {
        self.facts.get_or_init(|| {
            let loaded =
                std::mem::take(&mut *self.loaded.lock().unwrap_or_else(|e| e.into_inner()));
            let mut facts = lint_core::decode_loaded(0, &self.sources, loaded);
            for (file, marked) in facts.iter_mut().zip(&self.marked_test) {
                if *marked {
                    for function in &mut file.functions {
                        function.is_test = true;
                    }
                }
            }
            facts
        })
    }

    /// Adds files read in one wave, in file id order, with where each was read from.
    fn push_files(
        &mut self,
        sources: Vec<SourceFile>,
        loaded: Vec<LoadedFacts>,
        read_from: Vec<(Arc<confine::Confinement>, PathBuf)>,
    ) {
        use rayon::prelude::*;
        self.text_hashes
            .par_extend(sources.par_iter().map(|source| text_hash(&source.text)));
        self.read_from.extend(read_from);
        self.line_indexes
            .extend(sources.iter().map(|_| OnceLock::new()));
        self.summaries
            .extend(loaded.iter().map(LoadedFacts::summary));
        self.marked_test.extend(loaded.iter().map(|_| false));
        self.loaded
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .extend(loaded);
        self.sources.extend(sources);
    }

    /// Frees every file's text (its facts are all the analysis reads): on a large run the
    /// texts are several percent of the peak. [`Inputs::read_texts_again`] brings back the
    /// ones the findings show. Decodes the facts first (a damaged cache entry is lowered
    /// again from its text).
    pub fn release_texts(&mut self) {
        self.facts();
        for source in &mut self.sources {
            source.text = Arc::from("");
        }
        self.texts_released = true;
    }

    /// Reads the texts of `files` again after [`Inputs::release_texts`] (nothing to do
    /// otherwise), through the same confinement; each must be what was analyzed.
    pub fn read_texts_again(
        &mut self,
        files: impl IntoIterator<Item = lint_core::FileId>,
    ) -> anyhow::Result<()> {
        use rayon::prelude::*;
        if !self.texts_released {
            return Ok(());
        }
        let mut files: Vec<usize> = files.into_iter().map(|file| file.0 as usize).collect();
        files.sort_unstable();
        files.dedup();
        files.retain(|file| *file < self.sources.len() && self.sources[*file].text.is_empty());
        let texts: Vec<(usize, Result<String, SkipReason>)> = files
            .into_par_iter()
            .map(|file| {
                let (confinement, path) = &self.read_from[file];
                (file, confine::read_confined(confinement, path))
            })
            .collect();
        for (file, text) in texts {
            let source = &mut self.sources[file];
            let text = text.map_err(|reason| {
                anyhow::anyhow!("could not read {} again: {reason}", source.path)
            })?;
            if text_hash(&text) != self.text_hashes[file] {
                anyhow::bail!(
                    "{} changed while it was analyzed; run coordlint again",
                    source.path
                );
            }
            source.text = Arc::from(text);
            self.line_indexes[file] = OnceLock::new();
        }
        Ok(())
    }

    /// Where `span` starts and ends: 1-based lines and columns in chars, as rustc counts
    /// them, from its file's text (read again if it was released: see
    /// [`Inputs::read_texts_again`]).
    pub fn positions(&self, span: Span) -> (LineCol, LineCol) {
        let file = span.file.0 as usize;
        let text = &self.sources[file].text;
        self.line_indexes[file]
            .get_or_init(|| LineIndex::new(text))
            .positions(text, span)
    }

    /// Where `span` starts (see [`Inputs::positions`]).
    pub fn start(&self, span: Span) -> LineCol {
        self.positions(span).0
    }

    /// Makes file `file` test code, found so after it was read.
    fn mark_test(&mut self, file: usize) {
        self.sources[file].test_code = true;
        self.marked_test[file] = true;
        self.summaries[file].test_functions = self.summaries[file].functions;
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

/// The hash of a file's text, as [`Inputs::text_hashes`] keeps it.
pub fn text_hash(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn discover_dir(dir: &Path) -> Inputs {
        let args = ["cargo-coordlint", "--no-cache", dir.to_str().unwrap()];
        let Ok(crate::args::Parsed::Run(cli)) =
            crate::args::parse(args.iter().map(Into::into).collect())
        else {
            panic!("the arguments parse");
        };
        discover(&cli, &crate::Environment::from_process()).unwrap()
    }

    #[test]
    fn released_texts_are_read_again_and_must_be_unchanged() {
        let dir = std::env::temp_dir().join(format!("coordlint-texts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (first, second) = ("pub fn a() {}\n", "pub fn b() {}\n");
        std::fs::write(dir.join("a.rs"), first).unwrap();
        std::fs::write(dir.join("b.rs"), second).unwrap();
        let mut inputs = discover_dir(&dir);
        let index = |inputs: &Inputs, name: &str| {
            inputs
                .sources
                .iter()
                .position(|source| source.path.ends_with(name))
                .unwrap()
        };
        let (a, b) = (index(&inputs, "a.rs"), index(&inputs, "b.rs"));
        inputs.release_texts();
        assert_eq!(inputs.facts().len(), 2, "the facts stay");
        assert!(inputs.sources.iter().all(|source| source.text.is_empty()));

        // Only the files asked for come back, as they were.
        inputs
            .read_texts_again([lint_core::FileId(a as u32)])
            .unwrap();
        assert_eq!(&*inputs.sources[a].text, first);
        assert!(inputs.sources[b].text.is_empty());

        // A file edited since it was analyzed is not shown with the old findings.
        std::fs::write(dir.join("b.rs"), "pub fn c() {}\n").unwrap();
        let error = inputs
            .read_texts_again([lint_core::FileId(b as u32)])
            .unwrap_err()
            .to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(error.contains("changed while it was analyzed"), "{error}");
    }
}
