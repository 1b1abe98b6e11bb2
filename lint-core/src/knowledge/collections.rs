//! Collections and the methods that reach their elements, for following a value out of a
//! collection, an `Option` or a `Result` (`for (id, tx) in senders.iter()`,
//! `if let Some(handle) = state.worker.take()`): which types hold elements, which hold
//! key-value pairs, and what each method returns in terms of its receiver.

/// How a collection holds its elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One element type, the first type argument (`Vec<T>`, `Option<T>`).
    Sequence,
    /// Keys and values, the first two type arguments (`HashMap<K, V>`).
    Map,
}

/// Collections by the last segment of their type's path.
const SEQUENCES: &[&str] = &[
    "Vec",
    "VecDeque",
    "HashSet",
    "BTreeSet",
    "BinaryHeap",
    "LinkedList",
    "Option",
    "IndexSet",
    "SmallVec",
    "ArrayVec",
    "Slab",
];
const MAPS: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "IndexMap",
    "DashMap",
    "FxHashMap",
    "AHashMap",
];

pub fn shape(last_segment: &str) -> Option<Shape> {
    if SEQUENCES.contains(&last_segment) {
        Some(Shape::Sequence)
    } else if MAPS.contains(&last_segment) {
        Some(Shape::Map)
    } else {
        None
    }
}

/// Collections whose elements the lock analysis tells apart as places (`accounts[i]`,
/// `shards.get(k)`): sequences and maps indexed by position or key; not sets, options or
/// sharded maps (a DashMap is a lock of its own).
const INDEXED_SEQUENCES: &[&str] = &["Vec", "VecDeque", "SmallVec", "ArrayVec", "LinkedList"];
const INDEXED_MAPS: &[&str] = &["HashMap", "BTreeMap", "IndexMap", "FxHashMap", "AHashMap"];

pub fn indexed_shape(last_segment: &str) -> Option<Shape> {
    if INDEXED_SEQUENCES.contains(&last_segment) {
        Some(Shape::Sequence)
    } else if INDEXED_MAPS.contains(&last_segment) {
        Some(Shape::Map)
    } else {
        None
    }
}

/// What a `for` loop over `collection.method()` gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iterated {
    /// The collection's items: elements, or a map's `(key, value)` pairs.
    Items,
    /// A map's values.
    Values,
    /// A map's keys.
    Keys,
}

const ITERATION_METHODS: &[(&str, Iterated)] = &[
    ("iter", Iterated::Items),
    ("iter_mut", Iterated::Items),
    ("into_iter", Iterated::Items),
    ("drain", Iterated::Items),
    ("values", Iterated::Values),
    ("values_mut", Iterated::Values),
    ("into_values", Iterated::Values),
    ("keys", Iterated::Keys),
    ("into_keys", Iterated::Keys),
];

pub fn iterated_by(method: &str) -> Option<Iterated> {
    ITERATION_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, iterated)| *iterated)
}

/// Methods of collections that return (a reference to) one element, in an `Option`.
const ELEMENT_ACCESS_METHODS: &[&str] = &[
    "get",
    "get_mut",
    "first",
    "last",
    "first_mut",
    "last_mut",
    "get_unchecked",
];

pub fn is_element_access(method: &str) -> bool {
    ELEMENT_ACCESS_METHODS.contains(&method)
}

/// Methods that take one element out of a collection (`sessions.remove(&id)`,
/// `queue.pop_front()`): the value, in an `Option` for maps and the `pop`s.
const TAKING_METHODS: &[&str] = &["remove", "swap_remove", "pop", "pop_front", "pop_back"];

pub fn takes_element_out(method: &str) -> bool {
    TAKING_METHODS.contains(&method)
}

/// Methods that take every element out of a collection, one by one (`map.drain()`).
const DRAINING_METHODS: &[&str] = &["drain"];

pub fn drains(method: &str) -> bool {
    DRAINING_METHODS.contains(&method)
}

/// Methods that take the value out of an `Option` or `Result` (or panic).
const UNWRAPPING_METHODS: &[&str] = &["unwrap", "expect", "unwrap_or_default"];

pub fn unwraps(method: &str) -> bool {
    UNWRAPPING_METHODS.contains(&method)
}

/// Calls that put values in an order: comparisons, sorts and swaps (evidence that code
/// taking two locks of one class orders them).
const ORDERING_METHODS: &[&str] = &[
    "min",
    "max",
    "cmp",
    "partial_cmp",
    "sort",
    "sort_unstable",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "swap",
    "minmax",
];

pub fn orders_values(method: &str) -> bool {
    ORDERING_METHODS.contains(&method)
}

/// The synthetic sequence type a method like `values()` returns, by path.
pub const SEQUENCE_PATH: &str = "Vec";
/// The synthetic optional type `get()` returns, by path.
pub const OPTION_PATH: &str = "Option";
/// The synthetic fallible type a std lock's `lock()` returns, by path.
pub const RESULT_PATH: &str = "Result";

/// Types that hold one value that `unwrap`, `expect` and `?` take out.
const FALLIBLE: &[&str] = &["Option", "Result", "LockResult", "TryLockResult"];

pub fn is_fallible(last_segment: &str) -> bool {
    FALLIBLE.contains(&last_segment)
}

/// Pattern variants that bind the value inside an `Option` or `Result`.
pub fn is_success_variant(variant: &str) -> bool {
    matches!(variant, "Some" | "Ok")
}

/// What a method returns, in terms of its receiver's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// The receiver's type (`clone`, `as_ref`, `take`, iterator adaptors: a collection
    /// stands for its iterator).
    Same,
    /// The value inside an `Option`/`Result` (`unwrap`, `expect`); the receiver's type
    /// when it is neither.
    Unwrapped,
    /// `Result<T, E>` → `Option<T>` (`ok`).
    Ok,
    /// A map's values as a sequence (`values`).
    MapValues,
    /// A map's keys as a sequence (`keys`).
    MapKeys,
    /// `Option` of a map's value or a sequence's element (`get`, `remove`).
    LookedUp,
    /// `Option` of an element as iteration yields it (`first`, `pop`, `next`).
    Element,
    /// A map's value itself, found or inserted (`entry(k).or_default()`).
    EntryValue,
}

const METHODS: &[(&str, Returns)] = &[
    ("clone", Returns::Same),
    ("cloned", Returns::Same),
    ("copied", Returns::Same),
    ("as_ref", Returns::Same),
    ("as_mut", Returns::Same),
    ("as_deref", Returns::Same),
    ("as_deref_mut", Returns::Same),
    ("take", Returns::Same),
    ("by_ref", Returns::Same),
    ("borrow", Returns::Same),
    ("borrow_mut", Returns::Same),
    ("to_owned", Returns::Same),
    ("deref", Returns::Same),
    ("deref_mut", Returns::Same),
    ("map_err", Returns::Same),
    ("context", Returns::Same),
    ("with_context", Returns::Same),
    ("inspect_err", Returns::Same),
    ("iter", Returns::Same),
    ("iter_mut", Returns::Same),
    ("into_iter", Returns::Same),
    ("drain", Returns::Same),
    ("rev", Returns::Same),
    ("skip", Returns::Same),
    ("filter", Returns::Same),
    ("peekable", Returns::Same),
    ("skip_while", Returns::Same),
    ("take_while", Returns::Same),
    ("step_by", Returns::Same),
    ("inspect", Returns::Same),
    ("fuse", Returns::Same),
    ("unwrap", Returns::Unwrapped),
    ("expect", Returns::Unwrapped),
    ("unwrap_or", Returns::Unwrapped),
    ("unwrap_or_else", Returns::Unwrapped),
    ("unwrap_or_default", Returns::Unwrapped),
    ("unwrap_unchecked", Returns::Unwrapped),
    ("ok", Returns::Ok),
    ("values", Returns::MapValues),
    ("values_mut", Returns::MapValues),
    ("into_values", Returns::MapValues),
    ("keys", Returns::MapKeys),
    ("into_keys", Returns::MapKeys),
    ("get", Returns::LookedUp),
    ("get_mut", Returns::LookedUp),
    ("remove", Returns::LookedUp),
    ("swap_remove", Returns::LookedUp),
    ("first", Returns::Element),
    ("last", Returns::Element),
    ("first_mut", Returns::Element),
    ("last_mut", Returns::Element),
    ("front", Returns::Element),
    ("back", Returns::Element),
    ("front_mut", Returns::Element),
    ("back_mut", Returns::Element),
    ("pop", Returns::Element),
    ("pop_front", Returns::Element),
    ("pop_back", Returns::Element),
    ("next", Returns::Element),
    ("next_back", Returns::Element),
    ("peek", Returns::Element),
    ("find", Returns::Element),
    // `entry(k)` stands for its map; the entry's `or_*` give the value.
    ("entry", Returns::Same),
    ("or_default", Returns::EntryValue),
    ("or_insert", Returns::EntryValue),
    ("or_insert_with", Returns::EntryValue),
];

/// Methods that store their last argument in the collection they are called on:
/// `senders.push(tx)`, `subscribers.insert(id, tx)`, `map.entry(k).or_insert(tx)`.
const STORING_METHODS: &[&str] = &["push", "push_back", "push_front", "insert", "or_insert"];

pub fn stores_element(method: &str) -> bool {
    STORING_METHODS.contains(&method)
}

pub fn returns(method: &str) -> Option<Returns> {
    METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, returns)| *returns)
}

/// Methods that call their closure with the receiver's elements (`for_each(|tx| ..)`,
/// `retain(|k, v| ..)`, `Option::map(|x| ..)`).
const ELEMENT_CLOSURE_METHODS: &[&str] = &[
    "for_each",
    "try_for_each",
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "any",
    "all",
    "find",
    "find_map",
    "position",
    "retain",
    "retain_mut",
    "inspect",
    "take_while",
    "skip_while",
    "partition",
    "is_some_and",
    "is_ok_and",
    "is_none_or",
    "and_then",
    "map_or",
];

pub fn passes_elements(method: &str) -> bool {
    ELEMENT_CLOSURE_METHODS.contains(&method)
}
