//! The hash maps and sets of the analysis: std's, with rustc's Fx hash instead of SipHash.
//! Their keys are short (function references, spans, paths and names) and come from the
//! analyzed code, which is not an adversary of the process that reads it; SipHash's
//! protection against crafted collisions costs more than the hashing itself here. The
//! output never depends on iteration order (findings are sorted).

pub type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
pub type HashSet<T> = std::collections::HashSet<T, rustc_hash::FxBuildHasher>;

/// Groups values by key, in parallel: `each` is called once per shard (on the thread pool)
/// and must give `emit` every (key, value) of the input, always in the same order; each
/// shard keeps the keys that hash into it. Each key's values keep the input's order.
///
/// For indexes with millions of entries (who calls each function, through trait dispatch
/// to every impl), which one thread took seconds to fill.
pub fn group_by_key<K, V>(each: &EmitAll<'_, K, V>) -> HashMap<K, Vec<V>>
where
    K: std::hash::Hash + Eq + Send,
    V: Send,
{
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    let shards = rayon::current_num_threads().clamp(1, 16);
    let hasher = rustc_hash::FxBuildHasher;
    let filled: Vec<HashMap<K, Vec<V>>> = (0..shards)
        .into_par_iter()
        .map(|shard| {
            let mut grouped: HashMap<K, Vec<V>> = HashMap::default();
            each(&mut |key, value| {
                if hasher.hash_one(&key) as usize % shards == shard {
                    grouped.entry(key).or_default().push(value);
                }
            });
            // Indexes are kept for the whole run: without the room left from growing.
            grouped.values_mut().for_each(Vec::shrink_to_fit);
            grouped
        })
        .collect();
    // The shards hold disjoint keys.
    filled.into_iter().flatten().collect()
}

/// One copy of each value for a whole run, shared by the parallel tasks that make them (the
/// files of a run name the same standard and library paths and types). Tasks keep their
/// own copies too, and come here only the first time they meet a value, so the lock is
/// taken rarely.
pub struct RunCopies<T: ?Sized>(std::sync::Mutex<HashSet<std::sync::Arc<T>>>);

impl<T: ?Sized> Default for RunCopies<T> {
    fn default() -> Self {
        RunCopies(std::sync::Mutex::new(HashSet::default()))
    }
}

impl<T: std::hash::Hash + Eq + ?Sized> RunCopies<T> {
    /// The run's copy of `value`, which becomes it if there is none yet.
    pub fn share(&self, value: std::sync::Arc<T>) -> std::sync::Arc<T> {
        let mut copies = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(shared) = copies.get(&*value) {
            return shared.clone();
        }
        copies.insert(value.clone());
        value
    }
}

/// Gives every (key, value) of an input to the closure it is passed, in order.
pub type EmitAll<'f, K, V> = dyn Fn(&mut dyn FnMut(K, V)) + Sync + 'f;

#[cfg(test)]
mod tests {
    /// Values stay in input order per key, whatever the number of shards.
    #[test]
    fn grouping_keeps_each_keys_values_in_order() {
        let input: Vec<(u32, u32)> = (0..10_000).map(|i| (i % 37, i)).collect();
        let grouped = super::group_by_key(&|emit| {
            for (key, value) in &input {
                emit(*key, *value);
            }
        });
        assert_eq!(grouped.len(), 37);
        for (key, values) in &grouped {
            let expected: Vec<u32> = (0..10_000).filter(|i| i % 37 == *key).collect();
            assert_eq!(values, &expected);
        }
    }
}
