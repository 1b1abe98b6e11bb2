//! Where the cache's facts entries live: packs, files of many entries with an index at
//! their end.
//!
//! A run writes the entries of the files it lowers into one new pack (a temporary file,
//! renamed into place when the run's files are all read), not one file per entry: creating
//! thousands of small files cost a cold run more system time than lowering them did (see
//! BENCHMARKS.md). A run opens every pack's index once and reads an entry from its pack
//! when asked for it. Of two entries with one key, the newer pack's wins (pack names start
//! with the time they were written).
//!
//! When a run finds [`MAX_PACKS`] packs or more, it also copies the entries it used into
//! its new pack and then deletes the packs it read (compaction): the entries of files that
//! changed go then. Runs side by side never see half a pack: each writes its own
//! temporary file; a pack deleted under a run only makes it lower those files again.
//!
//! A pack is [`MAGIC`], the entries back to back, the index (per entry: key `u128`, offset
//! and length `u64`, little-endian), and the footer (the index's offset and the number of
//! entries, `u64` each, then [`END_MAGIC`]). A pack whose footer or index does not add up
//! is damaged: it is ignored and deleted, and its files are lowered again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

const MAGIC: &[u8; 8] = b"CLPACK01";
const END_MAGIC: &[u8; 8] = b"CLPKEND1";
const INDEX_ROW_BYTES: u64 = 32;
const FOOTER_BYTES: u64 = 24;

/// Packs a run may find before it compacts them into one.
pub const MAX_PACKS: usize = 8;

/// A temporary pack this old was left by a run that did not finish: removed.
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// The packs of one cache directory: read on first use, written once per run.
pub struct Packs {
    dir: PathBuf,
    read: OnceLock<PackIndex>,
    writing: Mutex<Writing>,
}

impl std::fmt::Debug for Packs {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Packs")
            .field("dir", &self.dir)
            .finish()
    }
}

/// Every entry of the packs found when the run first read one.
#[derive(Default)]
struct PackIndex {
    packs: Vec<OpenPack>,
    entries: HashMap<u128, Located>,
}

struct OpenPack {
    path: PathBuf,
    /// Closed before the pack is deleted (an open file cannot be deleted on Windows).
    file: Mutex<Option<File>>,
}

impl OpenPack {
    /// `len` bytes at `offset`.
    fn read(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        let mut file = self.file.lock().ok()?;
        let file = file.as_mut()?;
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    fn delete(&self) {
        if let Ok(mut file) = self.file.lock() {
            *file = None;
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where an entry is, and whether this run read it (it is kept when packs are compacted).
struct Located {
    pack: usize,
    offset: u64,
    len: u64,
    used: AtomicBool,
}

enum Writing {
    NotStarted,
    Started(PackWriter),
    /// A write failed (a full disk, a read-only directory): nothing more is written.
    Failed,
    Finished,
}

struct PackWriter {
    temporary: PathBuf,
    file: BufWriter<File>,
    /// Bytes written so far: the next entry's offset.
    written: u64,
    index: Vec<(u128, u64, u64)>,
}

impl Packs {
    pub fn new(dir: PathBuf) -> Packs {
        Packs {
            dir,
            read: OnceLock::new(),
            writing: Mutex::new(Writing::NotStarted),
        }
    }

    /// The entry stored under `key`, if a pack has it.
    pub fn get(&self, key: u128) -> Option<Vec<u8>> {
        let index = self.index();
        let located = index.entries.get(&key)?;
        let bytes = index.packs[located.pack].read(located.offset, located.len)?;
        located.used.store(true, Ordering::Relaxed);
        Some(bytes)
    }

    /// Adds an entry to this run's pack (written when [`Packs::finish`] runs).
    pub fn put(&self, key: u128, bytes: &[u8]) {
        let Ok(mut writing) = self.writing.lock() else {
            return;
        };
        if matches!(*writing, Writing::NotStarted) {
            *writing = match PackWriter::start(&self.dir) {
                Ok(writer) => Writing::Started(writer),
                Err(_) => Writing::Failed,
            };
        }
        if let Writing::Started(writer) = &mut *writing
            && writer.add(key, bytes).is_err()
        {
            writer.abandon();
            *writing = Writing::Failed;
        }
    }

    /// Puts this run's pack in place, compacting the packs read when there are too many.
    /// Best effort, and only once: a cache that cannot be written only makes later runs
    /// slower.
    pub fn finish(&self) {
        let Ok(mut writing) = self.writing.lock() else {
            return;
        };
        let state = std::mem::replace(&mut *writing, Writing::Finished);
        let index = self.read.get();
        let compact = index.is_some_and(|index| index.packs.len() >= MAX_PACKS);
        let writer = match state {
            Writing::Started(writer) => Some(writer),
            Writing::NotStarted if compact => PackWriter::start(&self.dir).ok(),
            Writing::NotStarted | Writing::Failed | Writing::Finished => None,
        };
        let Some(mut writer) = writer else {
            return;
        };
        if compact
            && let Some(index) = index
            && writer.copy_used(index).is_err()
        {
            writer.abandon();
            return;
        }
        if writer.place(&self.dir).is_err() {
            return;
        }
        if compact && let Some(index) = index {
            for pack in &index.packs {
                pack.delete();
            }
        }
        remove_abandoned(&self.dir);
    }

    fn index(&self) -> &PackIndex {
        self.read.get_or_init(|| PackIndex::read(&self.dir))
    }
}

impl PackIndex {
    /// The index of every pack in `dir`, older packs first (a newer entry replaces an older
    /// one with the same key). A damaged pack is deleted.
    fn read(dir: &Path) -> PackIndex {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "pack")
            })
            .collect();
        names.sort();
        let mut index = PackIndex::default();
        for path in names {
            let Ok(mut file) = File::open(&path) else {
                // Deleted by another run's compaction since the listing.
                continue;
            };
            let Some(rows) = read_index(&mut file) else {
                let _ = std::fs::remove_file(&path);
                continue;
            };
            let pack = index.packs.len();
            for (key, offset, len) in rows {
                let used = AtomicBool::new(false);
                let located = Located {
                    pack,
                    offset,
                    len,
                    used,
                };
                index.entries.insert(key, located);
            }
            index.packs.push(OpenPack {
                path,
                file: Mutex::new(Some(file)),
            });
        }
        index
    }
}

/// The index rows of a pack, or `None` when its magic, footer or index do not add up.
fn read_index(file: &mut File) -> Option<Vec<(u128, u64, u64)>> {
    let len = file.metadata().ok()?.len();
    let footer_start = len.checked_sub(FOOTER_BYTES)?;
    let mut magic = [0; 8];
    file.read_exact(&mut magic).ok()?;
    if &magic != MAGIC {
        return None;
    }
    let mut footer = [0; FOOTER_BYTES as usize];
    file.seek(SeekFrom::Start(footer_start)).ok()?;
    file.read_exact(&mut footer).ok()?;
    if &footer[16..] != END_MAGIC {
        return None;
    }
    let index_start = u64_at(&footer, 0);
    let count = u64_at(&footer, 8);
    let index_bytes = count.checked_mul(INDEX_ROW_BYTES)?;
    if index_start < MAGIC.len() as u64 || index_start.checked_add(index_bytes)? != footer_start {
        return None;
    }
    let mut rows = vec![0; usize::try_from(index_bytes).ok()?];
    file.seek(SeekFrom::Start(index_start)).ok()?;
    file.read_exact(&mut rows).ok()?;
    rows.chunks_exact(INDEX_ROW_BYTES as usize)
        .map(|row| {
            let key = u128::from_le_bytes(row[..16].try_into().ok()?);
            let (offset, entry_len) = (u64_at(row, 16), u64_at(row, 24));
            let inside =
                offset >= MAGIC.len() as u64 && offset.checked_add(entry_len)? <= index_start;
            inside.then_some((key, offset, entry_len))
        })
        .collect()
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

impl PackWriter {
    fn start(dir: &Path) -> std::io::Result<PackWriter> {
        std::fs::create_dir_all(dir)?;
        let temporary = dir.join(format!(".tmp-{}-{}", std::process::id(), now_nanos()));
        let mut file = BufWriter::new(File::create(&temporary)?);
        file.write_all(MAGIC)?;
        Ok(PackWriter {
            temporary,
            file,
            written: MAGIC.len() as u64,
            index: Vec::new(),
        })
    }

    fn add(&mut self, key: u128, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.index.push((key, self.written, bytes.len() as u64));
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Copies the entries this run read from the packs in `index` (those it did not write
    /// again itself).
    fn copy_used(&mut self, index: &PackIndex) -> std::io::Result<()> {
        let written: std::collections::HashSet<u128> =
            self.index.iter().map(|(key, _, _)| *key).collect();
        let mut used: Vec<(&u128, &Located)> = index
            .entries
            .iter()
            .filter(|(key, located)| located.used.load(Ordering::Relaxed) && !written.contains(key))
            .collect();
        // In pack order, for reads that go forward through each file.
        used.sort_by_key(|(_, located)| (located.pack, located.offset));
        for (key, located) in used {
            let bytes = index.packs[located.pack]
                .read(located.offset, located.len)
                .ok_or(std::io::ErrorKind::UnexpectedEof)?;
            self.add(*key, &bytes)?;
        }
        Ok(())
    }

    /// Writes the index and footer and renames the pack into place.
    fn place(mut self, dir: &Path) -> std::io::Result<()> {
        let written = self.write_index().and_then(|()| {
            let name = format!("{:020}-{:010}.pack", now_nanos(), std::process::id());
            std::fs::rename(&self.temporary, dir.join(name))
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        written
    }

    fn write_index(&mut self) -> std::io::Result<()> {
        let index_start = self.written;
        for (key, offset, len) in &self.index {
            self.file.write_all(&key.to_le_bytes())?;
            self.file.write_all(&offset.to_le_bytes())?;
            self.file.write_all(&len.to_le_bytes())?;
        }
        self.file.write_all(&index_start.to_le_bytes())?;
        self.file
            .write_all(&(self.index.len() as u64).to_le_bytes())?;
        self.file.write_all(END_MAGIC)?;
        self.file.flush()
    }

    fn abandon(&mut self) {
        let _ = std::fs::remove_file(&self.temporary);
    }
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
}

/// Removes temporary files (`.tmp-*`: packs, findings) of runs that stopped before placing
/// them.
pub(super) fn remove_abandoned(dir: &Path) {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let abandoned = entry.file_name().to_string_lossy().starts_with(".tmp-")
            && entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .is_ok_and(|modified| {
                    now.duration_since(modified)
                        .is_ok_and(|age| age > ABANDONED_AFTER)
                });
        if abandoned {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporary_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "coordlint-packs-{name}-{}-{}",
            std::process::id(),
            now_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn packs_in(dir: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        found.sort();
        found
    }

    /// One run: reads `keys` (as discovery does), then writes `new` entries and finishes.
    fn run(dir: &Path, keys: &[u128], new: &[(u128, &[u8])]) -> Vec<Option<Vec<u8>>> {
        let packs = Packs::new(dir.to_path_buf());
        let found = keys.iter().map(|key| packs.get(*key)).collect();
        for (key, bytes) in new {
            packs.put(*key, bytes);
        }
        packs.finish();
        found
    }

    #[test]
    fn entries_written_by_one_run_are_read_by_the_next() {
        let dir = temporary_dir("round-trip");
        assert_eq!(
            run(&dir, &[1, 2], &[(1, b"one"), (2, b""), (3, b"three")]),
            [None, None]
        );
        assert_eq!(packs_in(&dir).len(), 1, "one pack, no temporary left");
        let found = run(&dir, &[1, 2, 3, 4], &[]);
        assert_eq!(
            found,
            [
                Some(b"one".to_vec()),
                Some(Vec::new()),
                Some(b"three".to_vec()),
                None
            ]
        );
        assert_eq!(
            packs_in(&dir).len(),
            1,
            "a run that lowers nothing writes nothing"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_newer_pack_wins_and_many_packs_are_compacted_to_what_was_used() {
        let dir = temporary_dir("compaction");
        for version in 0..MAX_PACKS as u8 {
            run(
                &dir,
                &[7],
                &[(7, &[version]), (100 + u128::from(version), b"stale")],
            );
        }
        assert_eq!(packs_in(&dir).len(), MAX_PACKS);
        // This run finds MAX_PACKS packs: its pack keeps what it read, the rest goes.
        let found = run(&dir, &[7, 100], &[(200, b"new")]);
        assert_eq!(
            found,
            [Some(vec![MAX_PACKS as u8 - 1]), Some(b"stale".to_vec())]
        );
        assert_eq!(packs_in(&dir).len(), 1);
        let after = run(&dir, &[7, 100, 101, 200], &[]);
        assert_eq!(
            after,
            [
                Some(vec![MAX_PACKS as u8 - 1]),
                Some(b"stale".to_vec()),
                None,
                Some(b"new".to_vec())
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_pack_is_ignored_and_removed() {
        let dir = temporary_dir("damaged");
        run(&dir, &[], &[(1, b"first entry"), (2, b"second entry")]);
        let pack = packs_in(&dir).pop().expect("a pack");
        let bytes = std::fs::read(&pack).expect("readable");
        for cut in [0, 7, 20, bytes.len() - 1] {
            std::fs::write(&pack, &bytes[..cut]).expect("writable");
            assert_eq!(run(&dir, &[1, 2], &[]), [None, None], "cut at {cut}");
            assert!(!pack.exists(), "removed after the cut at {cut}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_that_cannot_be_written_changes_nothing() {
        let dir = temporary_dir("unwritable");
        std::fs::write(&dir, b"a file where the directory should be").expect("writable");
        assert_eq!(run(&dir, &[1], &[(1, b"entry")]), [None]);
        let _ = std::fs::remove_file(&dir);
    }
}
