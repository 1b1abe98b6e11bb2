//! Standard-library items with meaning for the analyses: `drop`, functions and macros that
//! never return, and the method names of std's types and traits (an unknown receiver calling
//! one of these is far more likely a std type than a workspace type).

const DROP_PATHS: &[&str] = &["drop", "std::mem::drop", "core::mem::drop", "mem::drop"];

pub fn is_drop(canonical: &str) -> bool {
    DROP_PATHS.contains(&canonical)
}

const EXIT_PATHS: &[&str] = &["std::process::exit", "std::process::abort"];

/// Functions that end the process.
pub fn ends_process(canonical: &str) -> bool {
    EXIT_PATHS.contains(&canonical)
}

const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented"];

/// Macros that never return.
pub fn is_diverging_macro(name: &str) -> bool {
    DIVERGING_MACROS.contains(&name)
}

/// Method names of the standard library's types and traits.
const COMMON_METHOD_NAMES: &[&str] = &[
    "new",
    "default",
    "clone",
    "get",
    "get_mut",
    "set",
    "insert",
    "remove",
    "push",
    "pop",
    "len",
    "is_empty",
    "iter",
    "iter_mut",
    "into_iter",
    "next",
    "send",
    "recv",
    "try_recv",
    "try_send",
    "lock",
    "read",
    "write",
    "contains",
    "contains_key",
    "extend",
    "clear",
    "as_ref",
    "as_mut",
    "into",
    "from",
    "to_string",
    "fmt",
    "eq",
    "cmp",
    "partial_cmp",
    "hash",
    "drop",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "flush",
    "close",
    "poll",
    "call",
    "map",
    "take",
    "replace",
    "entry",
    "keys",
    "values",
    "load",
    "store",
    "swap",
    "wait",
    "notify_one",
    "notify_all",
    "join",
    "run",
    "start",
    "stop",
    "finish",
    "build",
    "update",
    "apply",
    "with",
    "unwrap",
    "expect",
    "is_some",
    "is_none",
    "ok",
    "err",
    "first",
    "last",
    "append",
    "split",
    "sort",
    "reset",
    "handle",
    "process",
    "execute",
    "spawn",
    "shutdown",
    "size",
    "capacity",
    "reserve",
    "truncate",
    "retain",
    "drain",
    "to_owned",
    "to_vec",
    "parse",
    "as_str",
    "as_slice",
    "len_bytes",
    "tick",
    "upgrade",
    "downgrade",
    "poll_next",
    "poll_ready",
    "poll_read",
    "poll_write",
    "poll_flush",
    "poll_close",
    "poll_shutdown",
    "poll_recv",
    "call_mut",
    "call_once",
    "next_back",
    "size_hint",
    "try_from",
    "try_into",
    "write_all",
    "read_exact",
    "read_to_end",
    "read_to_string",
    "encode",
    "decode",
    "serialize",
    "deserialize",
];

pub fn is_common_method_name(method: &str) -> bool {
    COMMON_METHOD_NAMES.contains(&method)
}

/// Traits whose implementations exist to take every item (`JoinSet: Extend<F>`).
pub fn is_collecting_trait(name: &str) -> bool {
    matches!(name, "Extend" | "FromIterator")
}

/// Module names that hold tests by convention.
pub fn is_test_module_name(name: &str) -> bool {
    matches!(name, "test" | "tests")
}

/// Constructors that wrap their argument in a new value that owns it: a guard passed to
/// them stays alive inside (`Some(guard)`, `Box::new(guard)`).
const VALUE_WRAPPERS: &[&str] = &[
    "Some",
    "Ok",
    "Err",
    "std::option::Option::Some",
    "std::result::Result::Ok",
    "std::result::Result::Err",
    "Box::new",
    "std::boxed::Box::new",
    "std::cell::RefCell::new",
    "std::cell::Cell::new",
    "std::mem::ManuallyDrop::new",
];

pub fn is_value_wrapper(path: &str) -> bool {
    VALUE_WRAPPERS.contains(&path)
}

/// The variants a fallible call's success comes in (`Ok(..)`, `Some(..)`).
pub fn is_success_variant(name: &str) -> bool {
    matches!(name, "Ok" | "Some")
}

/// Methods that test a result for success (`res.is_ok()`).
pub fn is_success_check(method: &str) -> bool {
    matches!(method, "is_ok" | "is_some" | "is_ok_and" | "is_some_and")
}

/// Traits whose methods the code runs without naming them: `Drop::drop` when a value
/// goes away, `Display::fmt`/`Debug::fmt` where a format string formats it.
const IMPLICITLY_CALLED_TRAITS: &[&str] = &["Drop", "Display", "Debug"];

pub fn is_implicitly_called_trait(trait_name: &str) -> bool {
    IMPLICITLY_CALLED_TRAITS.contains(&trait_name)
}

/// `impl Drop for T { fn drop(&mut self) }`: runs once per value.
pub fn is_drop_impl(trait_name: &str, method: &str) -> bool {
    trait_name == "Drop" && method == "drop"
}
