//! Wrapper and standard types: types that only wrap their first type argument, shared
//! pointers, and the standard types that are known not to be locks.

/// Types that only wrap their first type argument (`Arc<Mutex<T>>` is a lock too).
const TRANSPARENT_WRAPPERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "LazyLock",
    "OnceLock",
    "Lazy",
    "OnceCell",
    "ManuallyDrop",
    "Pin",
    "CachePadded",
    // actix-web's shared application state: an `Arc` around the value.
    "Data",
];

pub fn is_transparent(name: &str) -> bool {
    TRANSPARENT_WRAPPERS.contains(&name)
}

/// Pointers whose `new(x)` has `x`'s type inside and whose `clone(&x)` is `x` again.
const POINTER_CONSTRUCTORS: &[&str] = &["Arc", "Rc", "Box"];

pub fn is_pointer(name: &str) -> bool {
    POINTER_CONSTRUCTORS.contains(&name)
}

/// `Arc::new(x)`: a pointer to `x`.
pub fn is_pointer_new(function: &str) -> bool {
    function == "new"
}

/// `Arc::clone(&x)`: `x` again.
pub fn is_pointer_clone(function: &str) -> bool {
    function == "clone"
}

/// Wrappers a receiver's type is looked through when matching it against API tables by
/// name (`Arc<PgPool>` is a pool, `Option<Client>` a client).
const NAME_MATCH_WRAPPERS: &[&str] = &["Arc", "Rc", "Box", "Option"];

pub fn is_name_match_wrapper(name: &str) -> bool {
    NAME_MATCH_WRAPPERS.contains(&name)
}

/// Crates of the standard library: their types are never locks of the program.
const STANDARD_CRATES: &[&str] = &["std", "core", "alloc"];

/// Prelude types and primitives, as written without a path.
const PRELUDE_TYPES: &[&str] = &[
    "String", "Vec", "Option", "Result", "Box", "HashMap", "HashSet", "BTreeMap", "BTreeSet",
    "VecDeque", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16",
    "i32", "i64", "i128", "isize", "f32", "f64",
];

pub fn is_standard_crate(name: &str) -> bool {
    STANDARD_CRATES.contains(&name)
}

/// Types of the standard library (and primitives and prelude names) that are not locks.
pub fn is_standard_type(canonical: &str) -> bool {
    let root = crate::paths::first_segment(canonical);
    is_standard_crate(root) || PRELUDE_TYPES.contains(&canonical)
}
