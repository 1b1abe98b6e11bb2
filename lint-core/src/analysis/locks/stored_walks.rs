//! The lock walks of one file as bytes, kept between runs (see
//! `analysis/stored_results.rs` for how results are keyed).
//!
//! A walk reads, besides its own function and the other files' interfaces, what the
//! pre-passes found in every body: the locks shared through one `Arc`, the locks and guards
//! functions return, the fields that hold channel ends or locks. [`prepass_digest`] hashes
//! those, and with them the user's API knowledge, so that an edit that changes any of them
//! works every walk out again. The walks of a callback's callers are made again in every
//! run (they depend on other functions' walks), from the first walks.
//!
//! A file's walks are kept only when every span they hold is in that file (spans are
//! stored without their file): a walk that points into another file (a guard acquired
//! inside a callee) is worked out in every run.

use std::fmt::Debug;

use super::guards::FunctionLocks;
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::CallSites;
use crate::analysis::stored_results::reading_functions_of;
use crate::model::FileFacts;
use crate::span::{FileId, written_in_file};

/// One file's walks: a slot per function, `None` for those out of scope.
pub(super) type FileWalks = Vec<Option<(FunctionRef, FunctionLocks)>>;

/// A 128-bit hash of `parts`, each a list of values in any order (maps and sets), by their
/// `Debug` text: every field, with its spans.
pub(super) fn prepass_digest(parts: &[&dyn Fn() -> Vec<String>]) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        let mut lines = part();
        lines.sort_unstable();
        hasher.update(&(lines.len() as u64).to_le_bytes());
        for line in lines {
            hasher.update(&(line.len() as u64).to_le_bytes());
            hasher.update(line.as_bytes());
        }
    }
    hasher.digest128()
}

/// The `Debug` text of each of `values`, for [`prepass_digest`].
pub(super) fn texts<T: Debug>(values: impl IntoIterator<Item = T>) -> Vec<String> {
    values
        .into_iter()
        .map(|value| format!("{value:?}"))
        .collect()
}

/// The bytes of file `file`'s walks; `None` when a span they hold is in another file.
pub(super) fn encode(file: FileId, walks: &FileWalks) -> Option<Vec<u8>> {
    let slots: Vec<Option<&FunctionLocks>> = walks
        .iter()
        .map(|slot| slot.as_ref().map(|(_, locks)| locks))
        .collect();
    let (bytes, all_in_file) = written_in_file(file, || postcard::to_stdvec(&slots));
    bytes.ok().filter(|_| all_in_file)
}

/// The walks stored by [`encode`] for file `file` of the run; `None` when they do not
/// decode or do not fit the run (a slot for a function out of scope, or none for one in
/// it; a function that is not there).
pub(super) fn decode(
    bytes: &[u8],
    file: usize,
    files: &[FileFacts],
    counts: &std::sync::Arc<[u32]>,
    call_sites: &CallSites,
    in_scope: impl Fn(&crate::model::Function) -> bool,
) -> Option<FileWalks> {
    let facts = &files[file];
    let slots: Vec<Option<FunctionLocks>> = reading_functions_of(counts, || {
        crate::model::persist::loading_as(facts.file, || postcard::from_bytes(bytes).ok())
    })?;
    if slots.len() != facts.functions.len() {
        return None;
    }
    slots
        .into_iter()
        .zip(&facts.functions)
        .enumerate()
        .map(
            |(index, (slot, function))| match (slot, in_scope(function)) {
                (Some(mut locks), true) => {
                    let function_ref = FunctionRef::new(file, index);
                    // Read back with copies of their own: shared again with the call sites.
                    locks.share_callees(call_sites.in_function(function_ref));
                    Some(Some((function_ref, locks)))
                }
                (None, false) => Some(None),
                _ => None,
            },
        )
        .collect()
}
