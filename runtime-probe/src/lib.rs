//! Drop-in `Mutex`, `RwLock` and `Condvar` that record the lock order a program really follows
//! and report potential deadlocks (order cycles) and actual deadlocks (wait-for cycles).
//!
//! * Locks are grouped in **classes** by creation site (`#[track_caller]`), optionally named
//!   (`Mutex::named("accounts", v)` with [`Named`] in scope): memory grows with the number of
//!   classes, not of lock instances.
//! * Each thread keeps its held-lock stack and a cache of the (held chain, new lock)
//!   combinations it has validated; only a new combination touches the process-wide order
//!   graph, and a new edge there is recorded and checked without a global lock unless it goes
//!   against the order seen so far.
//! * A new edge that closes a cycle produces a [`Report`] naming every class and both
//!   acquisition sites of every edge. What happens then is an [`Action`].
//! * A watchdog checks the wait-for graph of threads blocked longer than a timeout.
//! * With `COORDLINT_TRACE=DIR` each process appends to one JSON Lines trace; [`trace`] reads
//!   and merges them.
//!
//! Which types the crate root exports: the probing ones (module [`enabled`]) when the feature
//! `enabled` (default) is on and the build has `debug_assertions` or the feature `always`;
//! otherwise std's own types (module [`disabled`]), so release builds pay nothing.

mod core;
pub mod disabled;
pub mod enabled;
mod export;
mod graph;
mod order;
mod registry;
mod table;
mod thread;
pub mod trace;
mod waitfor;

pub use registry::{
    Action, class_count, edge_count, reports, set_action, set_capture_backtraces,
    set_deadlock_timeout, set_trace_dir, snapshot, with_thread_action, write_trace_file,
};
pub use thread::held_count;
pub use trace::{Report, ReportKind};

/// Whether the crate root exports the probing types in this build.
pub const PROBE_ACTIVE: bool = cfg!(all(
    feature = "enabled",
    any(debug_assertions, feature = "always")
));

#[cfg(all(feature = "enabled", any(debug_assertions, feature = "always")))]
pub use enabled::{
    Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryLockError, TryLockResult, WaitTimeoutResult,
};

#[cfg(not(all(feature = "enabled", any(debug_assertions, feature = "always"))))]
pub use disabled::{
    Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryLockError, TryLockResult, WaitTimeoutResult,
};

#[cfg(all(
    feature = "parking_lot",
    not(all(feature = "enabled", any(debug_assertions, feature = "always")))
))]
pub use disabled::parking_lot;
/// parking_lot's locks, probing or plain like the crate root.
#[cfg(all(
    feature = "parking_lot",
    feature = "enabled",
    any(debug_assertions, feature = "always")
))]
pub use enabled::parking_lot;

#[cfg(all(
    feature = "tokio",
    not(all(feature = "enabled", any(debug_assertions, feature = "always")))
))]
pub use disabled::tokio;
/// tokio's `sync` locks, probing or plain like the crate root.
#[cfg(all(
    feature = "tokio",
    feature = "enabled",
    any(debug_assertions, feature = "always")
))]
pub use enabled::tokio;

/// Creating a lock in a named class: `Mutex::named("accounts", value)`.
///
/// Implemented for the probing and the plain locks (where the name is ignored), so code that
/// names its locks compiles either way. The class is still keyed by the creation site too.
pub trait Named<T>: Sized {
    #[track_caller]
    fn named(name: &'static str, value: T) -> Self;
}
