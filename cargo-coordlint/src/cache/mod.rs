//! The facts cache: each file's lowered facts kept between runs, so that an unchanged file
//! is not parsed again.
//!
//! An entry is keyed by what lowering reads: the file's text (hashed), the tool version and
//! [`lint_core::model::persist::MODEL_VERSION`], the edition, the crate and module the file
//! is, and whether it is test code; never by discovery order or file id, so an entry is
//! valid in any run that reads the same file the same way. Entries are postcard bytes
//! (`lint_core::model::persist`), kept in packs (`packs.rs`: the entries a run lowered, in
//! one file written under a temporary name and renamed into place once the run's files are
//! all read, so concurrent runs never see half of one). A missing, unreadable or damaged
//! entry means the file is lowered again; a cache that cannot be written leaves the
//! results unchanged.
//!
//! An entry starts with the file's summary (`lint_core::model::persist::FileSummary`: `mod`
//! declarations, function counts), which is all discovery reads. The findings of a whole
//! run are kept too, keyed by the keys of all its files in order (with their display
//! paths) and the configuration: an unchanged workspace is not analyzed again, and its
//! facts are not even decoded (only the summaries are). Runs with `--runtime-trace` always
//! analyze.
//!
//! Where: `--cache-dir DIR`; otherwise, in workspace mode, `coordlint/` in the workspace's
//! target directory (cargo's `target_directory`, or `target/` beside the root manifest
//! when the manifests are read directly). With PATHS and no `--cache-dir` there is no
//! cache: paths may be anywhere (a registry checkout, a read-only tree), and coordlint
//! never writes into the analyzed tree unless asked. `--no-cache` turns it off in every
//! mode. Entries of files that changed stay until packs are compacted (a run that finds
//! `packs::MAX_PACKS` of them keeps only the entries it used) or the directory is removed
//! (`cargo clean` removes the default one); findings are kept for the last
//! [`KEPT_FINDINGS`] runs (most recently used). What an older coordlint stored (another
//! model version) is removed.

mod packs;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use lint_core::model::persist::MODEL_VERSION;
use lint_core::{
    Applicability, Diagnostic, Edit, FileId, Label, Severity, SourceFile, Span, Suggestion,
};

use crate::args::Cli;

/// A directory of cached facts.
#[derive(Debug)]
pub struct FactsCache {
    /// The cache directory.
    root: PathBuf,
    /// In `<cache dir>/facts-v<MODEL_VERSION>`.
    entries: packs::Packs,
    /// What the analysis worked out of each file (`lint_core::ResultsStore`), in
    /// `<cache dir>/results-v<MODEL_VERSION>`.
    results: packs::Packs,
    /// `<cache dir>/findings-v<MODEL_VERSION>`.
    findings: PathBuf,
    /// Distinguishes the temporary files of concurrent writes in this process.
    next_temporary: AtomicUsize,
}

impl FactsCache {
    /// The cache of a workspace run: `--cache-dir`, else `<target dir>/coordlint`.
    pub fn for_workspace(cli: &Cli, target_dir: &Path) -> Option<FactsCache> {
        if cli.no_cache {
            return None;
        }
        let dir = cli
            .cache_dir
            .clone()
            .unwrap_or_else(|| target_dir.join("coordlint"));
        Some(FactsCache::at(&dir))
    }

    /// The cache of a path-mode run: only where `--cache-dir` says.
    pub fn for_paths(cli: &Cli) -> Option<FactsCache> {
        if cli.no_cache {
            return None;
        }
        cli.cache_dir.as_deref().map(FactsCache::at)
    }

    fn at(dir: &Path) -> FactsCache {
        FactsCache {
            root: dir.to_path_buf(),
            entries: packs::Packs::new(dir.join(format!("facts-v{MODEL_VERSION}"))),
            results: packs::Packs::new(dir.join(format!("results-v{MODEL_VERSION}"))),
            findings: dir.join(format!("findings-v{MODEL_VERSION}")),
            next_temporary: AtomicUsize::new(0),
        }
    }

    /// The findings stored for the run over `sources` with `settings` (everything else that
    /// decides them: levels, options, scope, skipped files, as text), if this exact run was
    /// made before.
    pub fn stored_findings(
        &self,
        sources: &[SourceFile],
        text_hashes: &[u128],
        settings: &str,
    ) -> Option<Vec<Diagnostic>> {
        let path = self.findings_path(sources, text_hashes, settings);
        let bytes = std::fs::read(&path).ok()?;
        let stored = postcard::from_bytes::<Vec<StoredFinding>>(&bytes).ok()?;
        // Used now: the newest entries are the ones kept (`prune_findings`).
        let _ = std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|file| file.set_modified(std::time::SystemTime::now()));
        stored.into_iter().map(StoredFinding::restore).collect()
    }

    /// Keeps the findings of the run over `sources` with `settings`.
    pub fn store_findings(
        &self,
        sources: &[SourceFile],
        text_hashes: &[u128],
        settings: &str,
        diagnostics: &[Diagnostic],
    ) {
        let stored: Vec<StoredFinding> = diagnostics.iter().map(StoredFinding::from).collect();
        if let Ok(bytes) = postcard::to_stdvec(&stored) {
            let path = self.findings_path(sources, text_hashes, settings);
            if self.write_findings(&path, &bytes).is_ok() {
                prune_findings(&self.findings);
                remove_older_versions(&self.root);
            }
        }
    }

    fn findings_path(
        &self,
        sources: &[SourceFile],
        text_hashes: &[u128],
        settings: &str,
    ) -> PathBuf {
        self.findings
            .join(format!("{:032x}", run_key(sources, text_hashes, settings)))
    }

    /// Puts the entries of the files this run lowered in place (and compacts the packs
    /// when there are many). Call it once every file is read; dropping the cache does it
    /// too.
    pub fn finish_writing(&self) {
        self.entries.finish();
    }

    /// Puts the analysis results this run worked out in place. Call it once the analysis
    /// is done; dropping the cache does it too.
    pub fn finish_writing_results(&self) {
        self.results.finish();
    }
}

impl Drop for FactsCache {
    fn drop(&mut self) {
        self.finish_writing();
        self.finish_writing_results();
    }
}

/// The hash of everything lowering reads from `source`, and of the versions of the tool and
/// of the stored model.
/// Which build of coordlint this is: its executable's size and modification time. How a
/// file is lowered changes between builds of one version (a development build, a patched
/// install); a new build never reads facts or findings an older one stored.
fn build_identity() -> u64 {
    static IDENTITY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *IDENTITY.get_or_init(|| {
        let metadata = std::env::current_exe().and_then(std::fs::metadata);
        let Ok(metadata) = metadata else {
            return 0;
        };
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos() as u64);
        xxhash_rust::xxh3::xxh3_64(&[metadata.len().to_le_bytes(), modified.to_le_bytes()].concat())
    })
}

fn key(source: &SourceFile) -> u128 {
    key_with_text_hash(source, crate::discover::text_hash(&source.text))
}

/// [`key`], given the hash of the source's text (its text may have been released).
fn key_with_text_hash(source: &SourceFile, text_hash: u128) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(&MODEL_VERSION.to_le_bytes());
    field(&build_identity().to_le_bytes());
    field(source.edition.as_str().as_bytes());
    field(source.crate_name.as_bytes());
    for module in &source.module_path {
        field(module.as_bytes());
    }
    field(&[
        u8::from(source.test_code),
        u8::from(source.always_analyzed),
        source.module_path.len() as u8,
    ]);
    field(&text_hash.to_le_bytes());
    hasher.digest128()
}

impl lint_core::FactsStore for FactsCache {
    fn load(&self, source: &SourceFile) -> Option<Vec<u8>> {
        self.entries.get(key(source))
    }

    fn store(&self, source: &SourceFile, bytes: &[u8]) {
        // Best effort: a cache that cannot be written only makes the next run slower.
        self.entries.put(key(source), bytes);
    }
}

/// Results are keyed by lint-core (its model version and the files' digests); the build
/// and version of coordlint are added here, as for facts: another build may work them out
/// differently.
fn results_key(key: u128) -> u128 {
    let mut bytes = Vec::with_capacity(48);
    bytes.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    bytes.extend_from_slice(&build_identity().to_le_bytes());
    bytes.extend_from_slice(&key.to_le_bytes());
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

impl lint_core::ResultsStore for FactsCache {
    fn load_results(&self, key: u128) -> Option<Vec<u8>> {
        self.results.get(results_key(key))
    }

    fn store_results(&self, key: u128, bytes: &[u8]) {
        self.results.put(results_key(key), bytes);
    }
}

impl FactsCache {
    /// Writes a run's findings to `path` in the findings directory: to a temporary name
    /// first, renamed into place.
    fn write_findings(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.findings)?;
        let temporary = self.findings.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            self.next_temporary.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::File::create(&temporary)
            .and_then(|mut file| file.write_all(bytes))
            .and_then(|()| std::fs::rename(&temporary, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }
}

/// How many runs' findings a cache keeps: the last states of a workspace an editor or a
/// branch switch goes back to. Every edit makes a new entry, so older ones are removed.
const KEPT_FINDINGS: usize = 16;

/// Removes all but the [`KEPT_FINDINGS`] most recently used findings entries, and
/// temporary files of runs that stopped before placing theirs.
fn prune_findings(dir: &Path) {
    packs::remove_abandoned(dir);
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with(".tmp-"))
        .filter_map(|entry| {
            let modified = entry.metadata().and_then(|metadata| metadata.modified());
            Some((modified.ok()?, entry.path()))
        })
        .collect();
    if entries.len() <= KEPT_FINDINGS {
        return;
    }
    entries.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in &entries[KEPT_FINDINGS..] {
        let _ = std::fs::remove_file(path);
    }
}

/// Removes the facts and findings an older coordlint stored (`facts-v<N>`, `findings-v<N>`
/// with N below [`MODEL_VERSION`]): no build of this version reads them.
fn remove_older_versions(root: &Path) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let version = name.to_str().and_then(|name| {
            let number = name
                .strip_prefix("facts-v")
                .or_else(|| name.strip_prefix("results-v"))
                .or_else(|| name.strip_prefix("findings-v"))?;
            number.parse::<u32>().ok()
        });
        if version.is_some_and(|version| version < MODEL_VERSION)
            && entry.file_type().is_ok_and(|kind| kind.is_dir())
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The key of a whole run: every file's key and display path in order (file ids are
/// positions in this order), and the settings.
fn run_key(sources: &[SourceFile], text_hashes: &[u128], settings: &str) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&build_identity().to_le_bytes());
    hasher.update(settings.as_bytes());
    for (source, text_hash) in sources.iter().zip(text_hashes) {
        hasher.update(&key_with_text_hash(source, *text_hash).to_le_bytes());
        hasher.update(&(source.path.len() as u64).to_le_bytes());
        hasher.update(source.path.as_bytes());
        // Not part of a file's facts, but which files share a package decides callees.
        hasher.update(&(source.package.len() as u64).to_le_bytes());
        hasher.update(source.package.as_bytes());
    }
    hasher.digest128()
}

/// A finding as stored: spans with their file's id (spans alone are stored without it),
/// the rule by name, its suggestions already built (a finding's fix request is consumed
/// by building them, so none is stored).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFinding {
    rule: String,
    severity: Severity,
    message: String,
    primary: StoredLabel,
    secondary: Vec<StoredLabel>,
    help: Option<String>,
    notes: Vec<String>,
    suggestions: Vec<StoredSuggestion>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSuggestion {
    message: String,
    edits: Vec<(StoredLabel, String)>,
    applicability: String,
    sites: Vec<StoredLabel>,
}

impl From<&Suggestion> for StoredSuggestion {
    fn from(suggestion: &Suggestion) -> StoredSuggestion {
        StoredSuggestion {
            message: suggestion.message.clone(),
            edits: suggestion
                .edits
                .iter()
                .map(|edit| {
                    (
                        StoredLabel::from(&Label::new(edit.span, "")),
                        edit.replacement.clone(),
                    )
                })
                .collect(),
            applicability: suggestion.applicability.as_str().to_string(),
            sites: suggestion.sites.iter().map(StoredLabel::from).collect(),
        }
    }
}

impl StoredSuggestion {
    fn restore(self) -> Option<Suggestion> {
        let applicability = [
            Applicability::MachineApplicable,
            Applicability::MaybeIncorrect,
            Applicability::HasPlaceholders,
            Applicability::Unspecified,
        ]
        .into_iter()
        .find(|known| known.as_str() == self.applicability)?;
        Some(Suggestion {
            message: self.message,
            edits: self
                .edits
                .into_iter()
                .map(|(place, replacement)| Edit {
                    span: place.restore().span,
                    replacement,
                })
                .collect(),
            applicability,
            sites: self.sites.into_iter().map(StoredLabel::restore).collect(),
        })
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredLabel {
    file: u32,
    span: Span,
    message: String,
}

impl From<&Diagnostic> for StoredFinding {
    fn from(diagnostic: &Diagnostic) -> StoredFinding {
        StoredFinding {
            rule: diagnostic.rule.to_string(),
            severity: diagnostic.severity,
            message: diagnostic.message.clone(),
            primary: StoredLabel::from(&diagnostic.primary),
            secondary: diagnostic.secondary.iter().map(StoredLabel::from).collect(),
            help: diagnostic.help.clone(),
            notes: diagnostic.notes.clone(),
            suggestions: diagnostic
                .suggestions
                .iter()
                .map(StoredSuggestion::from)
                .collect(),
        }
    }
}

impl From<&Label> for StoredLabel {
    fn from(label: &Label) -> StoredLabel {
        StoredLabel {
            file: label.span.file.0,
            span: label.span,
            message: label.message.clone(),
        }
    }
}

impl StoredFinding {
    /// The finding again; `None` for a rule this version does not have.
    fn restore(self) -> Option<Diagnostic> {
        let rule = lint_core::rules::find(&self.rule)?.name;
        Some(Diagnostic {
            rule,
            severity: self.severity,
            message: self.message,
            primary: self.primary.restore(),
            secondary: self
                .secondary
                .into_iter()
                .map(StoredLabel::restore)
                .collect(),
            help: self.help,
            notes: self.notes,
            suggestions: self
                .suggestions
                .into_iter()
                .map(StoredSuggestion::restore)
                .collect::<Option<Vec<_>>>()?,
            fix_request: None,
        })
    }
}

impl StoredLabel {
    fn restore(self) -> Label {
        Label {
            span: Span {
                file: FileId(self.file),
                ..self.span
            },
            message: self.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_core::Edition;

    fn source() -> SourceFile {
        SourceFile::new("src/net.rs", "pub fn f() {}\n", Edition::E2021)
            .with_crate("app", vec!["net".to_string()])
    }

    #[test]
    fn the_key_follows_what_lowering_reads() {
        let base = key(&source());
        let text = SourceFile::new("src/net.rs", "pub fn g() {}\n", Edition::E2021)
            .with_crate("app", vec!["net".to_string()]);
        let edition = SourceFile {
            edition: Edition::E2024,
            ..source()
        };
        let krate = source().with_crate("other", vec!["net".to_string()]);
        let module = source().with_crate("app", vec!["io".to_string()]);
        let test_code = source().with_test_code(true);
        let named = source().always_analyzed();
        for changed in [text, edition, krate, module, test_code, named] {
            assert_ne!(key(&changed), base, "{changed:?}");
        }
    }

    #[test]
    fn the_key_does_not_depend_on_where_the_file_is_shown() {
        let moved = SourceFile {
            path: "elsewhere/net.rs".to_string(),
            ..source()
        };
        assert_eq!(key(&moved), key(&source()));
    }

    #[test]
    fn stored_findings_keep_their_files_and_rules() {
        let dir = std::env::temp_dir().join(format!("coordlint-cache-test-{}", std::process::id()));
        let cache = FactsCache::at(&dir);
        let span = |file: u32, byte_start: u32| Span::new(FileId(file), byte_start, byte_start + 4);
        let finding = Diagnostic::new(
            "double_lock",
            Severity::Error,
            "`m` is locked twice",
            Label::new(span(3, 10), "second lock"),
        )
        .with_secondary(Label::new(span(1, 20), "first lock"))
        .with_note("a note");
        let sources = [source()];
        let hashes = [crate::discover::text_hash(&sources[0].text)];
        let settings = format!("{:?}", lint_core::Config::default());
        let before = cache.stored_findings(&sources, &hashes, &settings);
        cache.store_findings(&sources, &hashes, &settings, std::slice::from_ref(&finding));
        let again = cache.stored_findings(&sources, &hashes, &settings);
        let other_settings = cache.stored_findings(&sources, &hashes, "other");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(before, None);
        assert_eq!(again, Some(vec![finding]));
        assert_eq!(other_settings, None);
    }

    #[test]
    fn only_the_most_recently_used_findings_are_kept() {
        let dir = std::env::temp_dir().join(format!("coordlint-prune-test-{}", std::process::id()));
        let cache = FactsCache::at(&dir);
        let sources = [source()];
        let hashes = [crate::discover::text_hash(&sources[0].text)];
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        // A run's entry that was last used an hour ago is used again: it becomes the newest.
        cache.store_findings(&sources, &hashes, "used", &[]);
        let used = cache.findings_path(&sources, &hashes, "used");
        let age = |path: &Path| std::fs::metadata(path).and_then(|metadata| metadata.modified());
        let set_age = |path: &Path, when| {
            std::fs::File::options()
                .append(true)
                .open(path)
                .and_then(|file| file.set_modified(when))
        };
        set_age(&used, hour_ago).unwrap();
        assert_eq!(
            cache.stored_findings(&sources, &hashes, "used"),
            Some(vec![])
        );
        let refreshed = age(&used).unwrap() > hour_ago + std::time::Duration::from_secs(60);
        // Older entries beyond the kept number go, newest first by their times.
        let mut older = Vec::new();
        for run in 0..KEPT_FINDINGS + 4 {
            let path = cache.findings.join(format!("{run:032x}"));
            std::fs::write(&path, b"").unwrap();
            let when = hour_ago - std::time::Duration::from_secs(60 * run as u64);
            set_age(&path, when).unwrap();
            older.push(path);
        }
        prune_findings(&cache.findings);
        let kept: Vec<bool> = older.iter().map(|path| path.exists()).collect();
        let used_kept = used.exists();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(refreshed);
        assert!(used_kept);
        let mut expected = vec![true; KEPT_FINDINGS - 1];
        expected.extend([false; 5]);
        assert_eq!(kept, expected);
    }

    #[test]
    fn an_older_model_version_is_removed() {
        let dir = std::env::temp_dir().join(format!("coordlint-versions-{}", std::process::id()));
        let older = dir.join(format!("facts-v{}", MODEL_VERSION - 1));
        let older_findings = dir.join(format!("findings-v{}", MODEL_VERSION - 1));
        let unrelated = dir.join("notes-v1");
        for kept_or_not in [&older, &older_findings, &unrelated] {
            std::fs::create_dir_all(kept_or_not).unwrap();
        }
        let cache = FactsCache::at(&dir);
        let sources = [source()];
        let hashes = [crate::discover::text_hash(&sources[0].text)];
        cache.store_findings(&sources, &hashes, "settings", &[]);
        let left = [older.exists(), older_findings.exists(), unrelated.exists()];
        let stored = cache.stored_findings(&sources, &hashes, "settings");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(left, [false, false, true]);
        assert_eq!(stored, Some(vec![]));
    }

    #[test]
    fn module_paths_are_delimited() {
        let split = source().with_crate("app", vec!["a".to_string(), "b".to_string()]);
        let joined = source().with_crate("app", vec!["ab".to_string()]);
        assert_ne!(key(&split), key(&joined));
    }
}
