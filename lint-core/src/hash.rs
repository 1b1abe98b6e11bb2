//! The hash maps and sets of the analysis: std's, with rustc's Fx hash instead of SipHash.
//! Their keys are short (function references, spans, paths and names) and come from the
//! analyzed code, which is not an adversary of the process that reads it; SipHash's
//! protection against crafted collisions costs more than the hashing itself here. The
//! output never depends on iteration order (findings are sorted).

pub type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
pub type HashSet<T> = std::collections::HashSet<T, rustc_hash::FxBuildHasher>;

/// Values grouped by key in one array, each key's values in input order, with each key's
/// range in it (compressed rows). For indexes with millions of entries (who calls each
/// function: a call through a trait method reaches every impl), where a map of vectors
/// spent more on its rows and their spare room than on the values.
pub struct Rows<K, V> {
    /// Each key's start and end in `values` (32 bits each: 16 bytes a key instead of 24
    /// with a 64-bit key; no index of a run comes near 4 billion values).
    ranges: HashMap<K, (u32, u32)>,
    values: Vec<V>,
}

impl<K, V> Default for Rows<K, V> {
    fn default() -> Self {
        Rows {
            ranges: HashMap::default(),
            values: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone + Default> Rows<K, V> {
    /// Groups every (key, value) `each` gives. `each` is called twice (to count each key's
    /// values, then to place them) and must give the same pairs in the same order.
    pub fn group(each: &EmitAll<'_, K, V>) -> Rows<K, V> {
        let mut ranges: HashMap<K, (u32, u32)> = HashMap::default();
        each(&mut |key, _| ranges.entry(key).or_default().1 += 1);
        // Each row's start; its end serves as the cursor while placing.
        let mut start = 0;
        for (row_start, count) in ranges.values_mut() {
            *row_start = start;
            start += *count;
            *count = *row_start;
        }
        let mut values = vec![V::default(); start as usize];
        each(&mut |key, value| {
            if let Some((_, end)) = ranges.get_mut(&key)
                && let Some(slot) = values.get_mut(*end as usize)
            {
                *slot = value;
                *end += 1;
            }
        });
        Rows { ranges, values }
    }
}

impl<K: std::hash::Hash + Eq, V> Rows<K, V> {
    /// The values of `key`, in input order (none for a key never given).
    pub fn get(&self, key: &K) -> &[V] {
        self.ranges
            .get(key)
            .and_then(|(start, end)| self.values.get(*start as usize..*end as usize))
            .unwrap_or(&[])
    }
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

/// Answers a thread worked out, kept for the next time it is asked the same (a path
/// resolved in a scope): a bounded table per thread, valid for one owner (a
/// `Resolver::id`, which no other resolver of the process has) and emptied when another
/// owner asks or when it holds `capacity` answers. Declared in a `thread_local!` and read
/// through [`remembered`].
pub struct ThreadMemo<K, V> {
    owner: Option<u64>,
    capacity: usize,
    answers: HashMap<K, V>,
}

impl<K, V> ThreadMemo<K, V> {
    pub fn with_capacity(capacity: usize) -> ThreadMemo<K, V> {
        ThreadMemo {
            owner: None,
            capacity,
            answers: HashMap::default(),
        }
    }
}

/// `compute`'s answer for `key`, from this thread's `memo` when it holds one for `owner`.
/// `compute` runs with the memo not borrowed, so it may ask the memo itself (resolving an
/// import resolves the imports it goes through).
pub fn remembered<K: std::hash::Hash + Eq, V: Clone>(
    memo: &'static std::thread::LocalKey<std::cell::RefCell<ThreadMemo<K, V>>>,
    owner: u64,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    let known = memo.with_borrow_mut(|memo| {
        if memo.owner != Some(owner) || memo.answers.len() >= memo.capacity {
            memo.owner = Some(owner);
            memo.answers.clear();
        }
        memo.answers.get(&key).cloned()
    });
    if let Some(answer) = known {
        return answer;
    }
    let answer = compute();
    memo.with_borrow_mut(|memo| {
        if memo.owner == Some(owner) {
            memo.answers.insert(key, answer.clone());
        }
    });
    answer
}

/// Gives every (key, value) of an input to the closure it is passed, in order.
pub type EmitAll<'f, K, V> = dyn Fn(&mut dyn FnMut(K, V)) + Sync + 'f;

#[cfg(test)]
mod tests {
    thread_local! {
        static SQUARES: std::cell::RefCell<super::ThreadMemo<u32, u32>> =
            std::cell::RefCell::new(super::ThreadMemo::with_capacity(2));
    }

    /// An answer is worked out once per owner; another owner, or a full table, starts over.
    #[test]
    fn thread_memo_answers_for_one_owner_within_its_capacity() {
        let computed = std::cell::Cell::new(0);
        let square = |owner: u64, key: u32| {
            super::remembered(&SQUARES, owner, key, || {
                computed.set(computed.get() + 1);
                key * key
            })
        };
        assert_eq!(square(1, 3), 9);
        assert_eq!(square(1, 3), 9);
        assert_eq!(computed.get(), 1);
        assert_eq!(square(2, 3), 9);
        assert_eq!(computed.get(), 2, "another owner's answers are not reused");
        assert_eq!(square(2, 4), 16);
        assert_eq!(square(2, 5), 25);
        assert_eq!(square(2, 3), 9);
        assert_eq!(computed.get(), 5, "a full table is emptied");
    }

    /// Values stay in input order per key.
    #[test]
    fn rows_keep_each_keys_values_in_order() {
        let input: Vec<(u32, u32)> = (0..10_000).map(|i| (i % 37, i)).collect();
        let grouped = super::Rows::group(&|emit| {
            for (key, value) in &input {
                emit(*key, *value);
            }
        });
        for key in 0..37 {
            let expected: Vec<u32> = (0..10_000).filter(|i| i % 37 == key).collect();
            assert_eq!(grouped.get(&key), expected.as_slice());
        }
        assert!(grouped.get(&37).is_empty());
    }
}
