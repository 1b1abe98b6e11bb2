//! What the analysis keeps of each file between runs, through the caller's
//! [`crate::ResultsStore`]: a pass's per-file results (local types and resolved calls,
//! `call_sites/stored.rs`; lock walks, `locks/stored_walks.rs`; blocking sites,
//! `locks/blocking/mod.rs`), so that a run after an edit works out again only the edited
//! files'.
//!
//! A file's results depend on its own facts (their checksum,
//! [`crate::model::persist::FileDigests::content`]) and on what the other files' items are
//! (their interfaces, [`crate::model::persist::interface_digest`]), in the run's file order
//! (a callee is a file's position and a function's position in it), on which functions are
//! test code, and on whether test code is analyzed. [`StoredResults::new`] hashes all but
//! the file's own facts once per run; a pass whose results depend on more (the lock walks
//! on what the pre-passes found in every body) adds a digest of that
//! ([`StoredResults::depending_on`]); [`StoredResults::key`] adds the file. A body edit
//! changes only its file's key; an edit of a signature, a struct or an import changes
//! every key (the run then works everything out again).
//!
//! Every entry ends with a checksum: a damaged entry is worked out again, never read.

use std::cell::RefCell;
use std::sync::Arc;

use super::FunctionRef;
use crate::model::FileFacts;

thread_local! {
    /// While stored results are read on this thread: how many functions each file has.
    static FUNCTIONS_READ: RefCell<Option<Arc<[u32]>>> = const { RefCell::new(None) };
}

/// How many functions each of `files` has, for [`reading_functions_of`].
pub(crate) fn function_counts(files: &[FileFacts]) -> Arc<[u32]> {
    files
        .iter()
        .map(|facts| facts.functions.len() as u32)
        .collect()
}

/// Runs `decode` with every `FunctionRef` it reads checked against `counts` (a function
/// that is not there fails the decoding).
pub(crate) fn reading_functions_of<T>(counts: &Arc<[u32]>, decode: impl FnOnce() -> T) -> T {
    let outer = FUNCTIONS_READ.with(|read| read.replace(Some(counts.clone())));
    let decoded = decode();
    FUNCTIONS_READ.with(|read| read.replace(outer));
    decoded
}

/// Whether `function` is one of the files' given to [`reading_functions_of`] (any
/// function, outside it).
pub(crate) fn is_a_function_read(function: FunctionRef) -> bool {
    FUNCTIONS_READ.with(|read| {
        read.borrow().as_ref().is_none_or(|counts| {
            counts
                .get(function.file())
                .is_some_and(|count| function.index < *count)
        })
    })
}

/// The keys of one pass's results in a run, and the store they are kept in.
pub(crate) struct StoredResults<'s> {
    store: &'s dyn crate::ResultsStore,
    /// The hash of everything the pass's results of any file depend on but that file.
    run: u128,
}

impl<'s> StoredResults<'s> {
    /// The keys of the local types and calls of the run over `files`; `None` when a file's
    /// facts have no digests (facts the caller does not store: no results are kept).
    pub(crate) fn new(
        store: &'s dyn crate::ResultsStore,
        files: &[FileFacts],
        include_test_code: bool,
    ) -> Option<StoredResults<'s>> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&crate::model::persist::MODEL_VERSION.to_le_bytes());
        hasher.update(&[u8::from(include_test_code)]);
        hasher.update(&(files.len() as u64).to_le_bytes());
        for facts in files {
            hasher.update(&facts.digests?.interface.to_le_bytes());
            // The caller may mark a file's functions test code after loading its facts.
            let tests = facts.functions.iter().filter(|function| function.is_test);
            hasher.update(&(tests.count() as u64).to_le_bytes());
            // Which files share a package decides callees (display paths decide nothing).
            hasher.update(&(facts.package.len() as u64).to_le_bytes());
            hasher.update(facts.package.as_bytes());
        }
        Some(StoredResults {
            store,
            run: hasher.digest128(),
        })
    }

    /// The keys of another pass (`pass` names it) whose results also depend on what
    /// `digest` hashes.
    pub(crate) fn depending_on(&self, pass: &str, digest: u128) -> StoredResults<'s> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&self.run.to_le_bytes());
        hasher.update(pass.as_bytes());
        hasher.update(&digest.to_le_bytes());
        StoredResults {
            store: self.store,
            run: hasher.digest128(),
        }
    }

    /// The key of the results of `facts`, file `file` of the run.
    pub(crate) fn key(&self, file: usize, facts: &FileFacts) -> Option<u128> {
        let content = facts.digests?.content;
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(&self.run.to_le_bytes());
        bytes[16..24].copy_from_slice(&(file as u64).to_le_bytes());
        bytes[24..].copy_from_slice(&content.to_le_bytes());
        Some(xxhash_rust::xxh3::xxh3_128(&bytes))
    }

    /// File `file`'s results: read back from `results` with `decode` when stored for its
    /// key, else made by `work_out` and stored as `encode` writes them (`None`: not kept).
    pub(crate) fn reuse_or_work_out<T>(
        results: Option<&StoredResults<'_>>,
        file: usize,
        facts: &FileFacts,
        decode: impl FnOnce(&[u8]) -> Option<T>,
        work_out: impl FnOnce() -> T,
        encode: impl FnOnce(&T) -> Option<Vec<u8>>,
    ) -> T {
        let key = results.and_then(|results| Some((results, results.key(file, facts)?)));
        if let Some((results, key)) = key
            && let Some(found) = results.load(key).and_then(|bytes| decode(&bytes))
        {
            return found;
        }
        let made = work_out();
        if let Some((results, key)) = key
            && let Some(bytes) = encode(&made)
        {
            results.store(key, bytes);
        }
        made
    }

    /// The bytes stored under `key`, when their checksum holds.
    pub(crate) fn load(&self, key: u128) -> Option<Vec<u8>> {
        let mut bytes = self.store.load_results(key)?;
        let (encoded, checksum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        if xxhash_rust::xxh3::xxh3_64(encoded).to_le_bytes() != checksum {
            return None;
        }
        bytes.truncate(encoded.len());
        Some(bytes)
    }

    /// Keeps `bytes` under `key`, with a checksum.
    pub(crate) fn store(&self, key: u128, mut bytes: Vec<u8>) {
        let checksum = xxhash_rust::xxh3::xxh3_64(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        self.store.store_results(key, &bytes);
    }
}
