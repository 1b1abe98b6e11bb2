//! Concurrent containers for the probe's process-wide state: [`Table`], an append-only array
//! read without a lock, and [`Sharded`], a hash map split over independently locked shards.
//! Together they let threads record new classes and edges without meeting on one mutex.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

/// Entries of the first chunk; chunk `k` holds `FIRST_CHUNK << k` entries.
const FIRST_CHUNK: usize = 64;
/// Enough chunks for every `u32` index.
const CHUNKS: usize = 27;

/// An array that only grows, indexed by a dense id: each slot is written once, and reading a
/// slot is two acquire loads, with no lock. Chunks double in size and are allocated once, so
/// a slot never moves and a reference to it lives as long as the table.
pub(crate) struct Table<T> {
    chunks: [OnceLock<Box<[OnceLock<T>]>>; CHUNKS],
}

impl<T> Table<T> {
    pub(crate) const fn new() -> Table<T> {
        Table {
            chunks: [const { OnceLock::new() }; CHUNKS],
        }
    }

    fn locate(index: usize) -> (usize, usize) {
        let biased = index / FIRST_CHUNK + 1;
        let chunk = (usize::BITS - 1 - biased.leading_zeros()) as usize;
        (chunk, index - FIRST_CHUNK * ((1 << chunk) - 1))
    }

    /// Fills slot `index`, which nobody else fills (ids are handed out once). Returns `false`
    /// if it was filled already.
    pub(crate) fn set(&self, index: usize, value: T) -> bool {
        let (chunk, offset) = Self::locate(index);
        let slots = self.chunks[chunk]
            .get_or_init(|| (0..FIRST_CHUNK << chunk).map(|_| OnceLock::new()).collect());
        slots[offset].set(value).is_ok()
    }

    /// The value in slot `index`, if it was filled (and the filling is visible to this thread).
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let (chunk, offset) = Self::locate(index);
        self.chunks.get(chunk)?.get()?[offset].get()
    }
}

/// Shards of a [`Sharded`] map: a power of two, several per core on a big machine.
const SHARDS: usize = 64;

/// A multiply-and-fold hash, 8 bytes at a step: the probe's keys are class ids and source
/// locations, not attacker-chosen, and SipHash showed in profiles of runs with many new
/// classes and edges.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
    }

    fn write_u64(&mut self, value: u64) {
        let product = (self.0 ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = product ^ (product >> 32);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A hash map in [`SHARDS`] parts, each behind its own mutex, picked by the key's hash.
pub(crate) struct Sharded<K, V> {
    shards: Box<[Mutex<FastMap<K, V>>]>,
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    pub(crate) fn new() -> Sharded<K, V> {
        Sharded {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// The locked shard that holds `key` (if it is anywhere).
    pub(crate) fn shard(&self, key: &K) -> MutexGuard<'_, FastMap<K, V>> {
        // Middle bits: the map inside a shard indexes by the low ones and tags by the top ones.
        let hash = BuildHasherDefault::<KeyHasher>::default().hash_one(key);
        let index = (hash >> 32) as usize % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_slots_cross_chunk_boundaries() {
        let table: Table<usize> = Table::new();
        for index in [0, 1, 63, 64, 191, 192, 447, 448, 100_000] {
            assert!(table.set(index, index * 2));
            assert!(!table.set(index, 0), "a slot is written once");
        }
        for index in [0, 1, 63, 64, 191, 192, 447, 448, 100_000] {
            assert_eq!(table.get(index), Some(&(index * 2)));
        }
        assert_eq!(table.get(2), None);
        assert_eq!(table.get(u32::MAX as usize), None);
        assert_eq!(Table::<u8>::locate(u32::MAX as usize).0, CHUNKS - 1);
    }
}
