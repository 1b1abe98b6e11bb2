//! Iterator, stream, `Option` and `Result` adaptors: which run their closure inline, which
//! run it once per item, and which show that a method chain is an iterator or a stream.

/// Methods that run their closure arguments inline, before returning.
const INLINE_ADAPTORS: &[&str] = &[
    "map",
    "for_each",
    "filter",
    "filter_map",
    "flat_map",
    "any",
    "all",
    "find",
    "find_map",
    "position",
    "fold",
    "try_fold",
    "try_for_each",
    "retain",
    "retain_mut",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "dedup_by",
    "dedup_by_key",
    "max_by_key",
    "min_by_key",
    "max_by",
    "min_by",
    "take_while",
    "skip_while",
    "inspect",
    "partition",
    "scan",
    "or_insert_with",
    "or_insert_with_key",
    "and_modify",
    "or_else",
    "and_then",
    "map_or",
    "map_or_else",
    "unwrap_or_else",
    "get_or_insert_with",
    "then",
    "with",
    "with_borrow",
    "with_borrow_mut",
    "map_err",
    "is_some_and",
    "is_ok_and",
    "is_none_or",
    "scope",
];

pub fn runs_closure_inline(method: &str) -> bool {
    /// Asked for every method call with a closure argument: a set, not a scan.
    static NAMES: std::sync::LazyLock<crate::hash::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| INLINE_ADAPTORS.iter().copied().collect());
    NAMES.contains(method)
}

/// Adapters that run their closure once per item of an iterator or stream.
const PER_ITEM_ADAPTERS: &[&str] = &[
    "map",
    "for_each",
    "try_for_each",
    "filter_map",
    "flat_map",
    "then",
    "for_each_concurrent",
    "try_for_each_concurrent",
    "map_ok",
    "and_then",
];

pub fn is_per_item_adapter(method: &str) -> bool {
    PER_ITEM_ADAPTERS.contains(&method)
}

/// Adapters that only exist on iterators and streams (others, like `map` and `then`, also
/// exist on `Option`, `Result` and `bool`, where they run at most once).
const ITERATOR_ONLY_ADAPTERS: &[&str] = &[
    "for_each",
    "try_for_each",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

pub fn is_iterator_only_adapter(method: &str) -> bool {
    ITERATOR_ONLY_ADAPTERS.contains(&method)
}

/// Adapters that only build a value per item (`map`, `filter_map`): a future the closure
/// returns runs later, possibly concurrently (`join_all`, `buffer_unordered`).
const LAZY_ADAPTERS: &[&str] = &["map", "filter_map", "flat_map", "and_then", "map_ok"];

pub fn is_lazy_adapter(method: &str) -> bool {
    LAZY_ADAPTERS.contains(&method)
}

/// Iterator adapters that take the iterator by value and wrap it: whatever the iterator
/// holds (a `DashMap` iterator's shard guards), the adapter holds.
const WRAPPING_ADAPTERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "enumerate",
    "skip",
    "take",
    "cloned",
    "copied",
    "rev",
    "peekable",
    "inspect",
    "take_while",
    "skip_while",
    "map_while",
    "zip",
    "chain",
];

pub fn wraps_iterator(method: &str) -> bool {
    WRAPPING_ADAPTERS.contains(&method)
}

/// Methods that take an iterator by value and run it to its end: the iterator (and what it
/// holds) is dropped when they return.
const CONSUMING_METHODS: &[&str] = &[
    "collect",
    "count",
    "sum",
    "product",
    "fold",
    "for_each",
    "last",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "reduce",
    "partition",
    "unzip",
];

pub fn consumes_iterator(method: &str) -> bool {
    CONSUMING_METHODS.contains(&method)
}

/// Methods whose presence in a receiver chain shows an iterator or stream.
const ITERATOR_EVIDENCE: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "drain",
    "enumerate",
    "zip",
    "chain",
    "filter",
    "skip",
    "take",
    "keys",
    "values",
    "values_mut",
    "lines",
    "incoming",
    "chunks",
    "windows",
    "split",
    "collect",
    "buffer_unordered",
    "buffered",
    "into_stream",
    "copied",
    "cloned",
    "rev",
    "sum",
    "count",
];

/// Whether a method in a chain (or consuming the chain: `join_all`) shows an iterator.
pub fn is_iterator_evidence(method: &str) -> bool {
    ITERATOR_EVIDENCE.contains(&method)
}

/// Consumers that take an iterator of futures (`join_all(items.iter().map(..))`).
pub fn is_future_collection_consumer(name: &str) -> bool {
    name == "join_all"
}

/// Functions that turn a collection into a stream (`stream::iter(items)`).
const STREAM_FROM_COLLECTION: &[&str] = &["iter", "iter_ok"];

pub fn is_stream_from_collection(name: &str) -> bool {
    STREAM_FROM_COLLECTION.contains(&name)
}

/// Methods that only step through a collection (`items.iter().rev()`): what drives the
/// loop is the collection underneath.
const ITERATION_PASSTHROUGH: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "copied",
    "cloned",
    "enumerate",
    "rev",
    "skip",
    "take",
    "step_by",
    "drain",
    "filter",
    "peekable",
];

/// `.take(n)`: at most `n` items (a literal `n` makes the loop fixed).
pub fn is_take(method: &str) -> bool {
    method == "take"
}

pub fn is_iteration_passthrough(method: &str) -> bool {
    ITERATION_PASSTHROUGH.contains(&method)
}

/// Methods that make plain iteration of a collection (`iter()`), shown as the collection.
pub fn is_plain_iteration(method: &str) -> bool {
    matches!(method, "iter" | "into_iter" | "iter_mut")
}

/// Slicing methods: iterating their result is already the batched form.
const CHUNKING_METHODS: &[&str] = &[
    "chunks",
    "chunks_exact",
    "rchunks",
    "chunks_mut",
    "batching",
    "ready_chunks",
];

pub fn is_chunking(method: &str) -> bool {
    CHUNKING_METHODS.contains(&method)
}

/// Methods that turn slices back into their items (`chunks(n).flatten()`).
pub fn is_flattening(method: &str) -> bool {
    matches!(method, "flatten" | "flat_map" | "flatten_ok")
}

/// Error and option adapters around a value (`x.map_err(..)?`, `x.ok()`, `x.unwrap()`).
const RESULT_ADAPTERS: &[&str] = &[
    "map_err",
    "ok",
    "unwrap",
    "expect",
    "transpose",
    "unwrap_or_default",
];

pub fn is_result_adapter(method: &str) -> bool {
    RESULT_ADAPTERS.contains(&method)
}

/// Methods that return their receiver's value or a handle to the same thing (for naming a
/// receiver: `client.clone()` is `client`).
const SAME_VALUE_METHODS: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "unwrap",
    "deref",
];

pub fn is_same_value_method(method: &str) -> bool {
    SAME_VALUE_METHODS.contains(&method)
}

/// `x.clone()`: a copy of the same value (a sender, an `Arc`).
pub fn is_clone_method(method: &str) -> bool {
    method == "clone"
}

/// Methods of a value that return the same value's type (`x.clone()` has `x`'s type).
const SAME_TYPE_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "clone",
    "to_owned",
    "unwrap_or_default",
    // Error adapters keep the success type (`File::create(p).with_context(..)?` is a file).
    "context",
    "with_context",
    "map_err",
    "inspect_err",
    // `Option<T>` to `Result<T, E>`: the same success type for `?`.
    "ok_or",
    "ok_or_else",
];

pub fn keeps_type(method: &str) -> bool {
    SAME_TYPE_METHODS.contains(&method)
}

/// Map types (by last segment): a map whose values are collections holds groups.
const MAP_TYPES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "IndexMap",
    "DashMap",
    "FxHashMap",
    "AHashMap",
];

pub fn is_map_type(name: &str) -> bool {
    MAP_TYPES.contains(&name)
}

/// Collection types (by last segment): the value type of a map of groups.
const COLLECTION_TYPES: &[&str] = &[
    "Vec", "VecDeque", "HashSet", "BTreeSet", "IndexSet", "SmallVec", "BTreeMap", "HashMap",
];

pub fn is_collection_type(name: &str) -> bool {
    COLLECTION_TYPES.contains(&name)
}

/// `map.entry(key)`: the slot of one key, in a chain that fills a group.
pub fn is_entry_method(method: &str) -> bool {
    method == "entry"
}

/// Methods that add an item to a group (`entry(k).or_default().push(item)`).
pub fn is_group_fill_method(method: &str) -> bool {
    matches!(method, "push" | "push_back" | "insert" | "extend")
}

/// Methods that group items by a key (itertools' `into_group_map`, `chunk_by`).
const GROUPING_METHODS: &[&str] = &[
    "into_group_map",
    "into_group_map_by",
    "into_grouping_map",
    "into_grouping_map_by",
    "group_by",
    "chunk_by",
];

pub fn is_grouping_method(method: &str) -> bool {
    GROUPING_METHODS.contains(&method)
}

/// Methods that give another view of the same value (`tx.clone()`, `client.as_ref()`): a
/// call on the view is a call on the binding.
const SAME_VALUE_VIEWS: &[&str] = &["clone", "as_ref", "as_mut"];

pub fn is_same_value_view(method: &str) -> bool {
    SAME_VALUE_VIEWS.contains(&method)
}
