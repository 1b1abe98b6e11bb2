//! The facts cache: each file's lowered facts kept between runs, so that an unchanged file
//! is not parsed again.
//!
//! An entry is keyed by what lowering reads: the file's text (hashed), the tool version and
//! [`lint_core::model::persist::MODEL_VERSION`], the edition, the crate and module the file
//! is, and whether it is test code; never by discovery order or file id, so an entry is
//! valid in any run that reads the same file the same way. Entries are postcard bytes
//! (`lint_core::model::persist`), one file each, named by the key's hash, written to a
//! temporary name and renamed into place (concurrent runs never see half an entry). A
//! missing, unreadable or damaged entry means the file is lowered again; a cache that
//! cannot be written leaves the results unchanged.
//!
//! Where: `--cache-dir DIR`; otherwise, in workspace mode, `coordlint/` in the workspace's
//! target directory (cargo's `target_directory`, or `target/` beside the root manifest
//! when the manifests are read directly). With PATHS and no `--cache-dir` there is no
//! cache: paths may be anywhere (a registry checkout, a read-only tree), and coordlint
//! never writes into the analyzed tree unless asked. `--no-cache` turns it off in every
//! mode. Entries of files that changed stay until the directory is removed
//! (`cargo clean` removes the default one).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use lint_core::SourceFile;
use lint_core::model::persist::MODEL_VERSION;

use crate::args::Cli;

/// A directory of cached facts.
#[derive(Debug)]
pub struct FactsCache {
    /// `<cache dir>/facts-v<MODEL_VERSION>`.
    entries: PathBuf,
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
            entries: dir.join(format!("facts-v{MODEL_VERSION}")),
            next_temporary: AtomicUsize::new(0),
        }
    }

    fn entry_path(&self, source: &SourceFile) -> PathBuf {
        self.entries.join(format!("{:032x}", key(source)))
    }
}

/// The hash of everything lowering reads from `source`, and of the versions of the tool and
/// of the stored model.
fn key(source: &SourceFile) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(&MODEL_VERSION.to_le_bytes());
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
    field(source.text.as_bytes());
    hasher.digest128()
}

impl lint_core::FactsStore for FactsCache {
    fn load(&self, source: &SourceFile) -> Option<Vec<u8>> {
        std::fs::read(self.entry_path(source)).ok()
    }

    fn store(&self, source: &SourceFile, bytes: &[u8]) {
        // Best effort: a cache that cannot be written only makes the next run slower.
        let _ = self.write_entry(&self.entry_path(source), bytes);
    }
}

impl FactsCache {
    fn write_entry(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.entries)?;
        let temporary = self.entries.join(format!(
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
