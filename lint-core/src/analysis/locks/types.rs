//! Which types are locks (and which guards), by canonical path: std, parking_lot,
//! lock_api, spin, tokio, async-lock, async-std and futures.

use crate::model::TypeRef;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockKind {
    Mutex,
    RwLock,
    /// Re-locking on the thread that holds it is fine.
    Reentrant,
}

/// Whether waiting for the lock blocks the thread or suspends the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockFlavor {
    /// `std`, `parking_lot`, `spin`: waiting blocks the thread; holding across `.await` is bad.
    Blocking,
    /// `tokio::sync`, `async_lock`, `futures::lock`: made to be held across `.await`.
    Async,
    /// Written as a bare `Mutex`/`RwLock` that did not resolve to a known library.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockType {
    pub kind: LockKind,
    pub flavor: LockFlavor,
    /// The library type, for messages (`std::sync::Mutex`).
    pub name: &'static str,
}

/// How an acquisition holds the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Exclusive,
    Shared,
    /// `upgradable_read`: shared with readers, exclusive with writers and other upgraders.
    Upgradable,
}

impl Mode {
    /// Whether holding `self` makes a new acquisition in `other` mode wait (on one lock).
    pub fn blocks(self, other: Mode) -> bool {
        !matches!(
            (self, other),
            (Mode::Shared, Mode::Shared)
                | (Mode::Shared, Mode::Upgradable)
                | (Mode::Upgradable, Mode::Shared)
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Mode::Exclusive => "locked",
            Mode::Shared => "read-locked",
            Mode::Upgradable => "upgradable-read-locked",
        }
    }
}

const fn lock(kind: LockKind, flavor: LockFlavor, name: &'static str) -> LockType {
    LockType { kind, flavor, name }
}

use LockFlavor::{Async, Blocking};
use LockKind::{Mutex, Reentrant, RwLock};

/// Canonical paths of lock types.
const KNOWN_LOCKS: &[(&str, LockType)] = &[
    (
        "std::sync::Mutex",
        lock(Mutex, Blocking, "std::sync::Mutex"),
    ),
    (
        "std::sync::RwLock",
        lock(RwLock, Blocking, "std::sync::RwLock"),
    ),
    (
        "std::sync::ReentrantLock",
        lock(Reentrant, Blocking, "std::sync::ReentrantLock"),
    ),
    (
        "parking_lot::Mutex",
        lock(Mutex, Blocking, "parking_lot::Mutex"),
    ),
    (
        "parking_lot::FairMutex",
        lock(Mutex, Blocking, "parking_lot::FairMutex"),
    ),
    (
        "parking_lot::RwLock",
        lock(RwLock, Blocking, "parking_lot::RwLock"),
    ),
    (
        "parking_lot::ReentrantMutex",
        lock(Reentrant, Blocking, "parking_lot::ReentrantMutex"),
    ),
    ("lock_api::Mutex", lock(Mutex, Blocking, "lock_api::Mutex")),
    (
        "lock_api::RwLock",
        lock(RwLock, Blocking, "lock_api::RwLock"),
    ),
    (
        "lock_api::ReentrantMutex",
        lock(Reentrant, Blocking, "lock_api::ReentrantMutex"),
    ),
    ("spin::Mutex", lock(Mutex, Blocking, "spin::Mutex")),
    ("spin::mutex::Mutex", lock(Mutex, Blocking, "spin::Mutex")),
    ("spin::RwLock", lock(RwLock, Blocking, "spin::RwLock")),
    (
        "spin::rwlock::RwLock",
        lock(RwLock, Blocking, "spin::RwLock"),
    ),
    (
        "tokio::sync::Mutex",
        lock(Mutex, Async, "tokio::sync::Mutex"),
    ),
    (
        "tokio::sync::RwLock",
        lock(RwLock, Async, "tokio::sync::RwLock"),
    ),
    ("async_lock::Mutex", lock(Mutex, Async, "async_lock::Mutex")),
    (
        "async_lock::RwLock",
        lock(RwLock, Async, "async_lock::RwLock"),
    ),
    (
        "async_std::sync::Mutex",
        lock(Mutex, Async, "async_std::sync::Mutex"),
    ),
    (
        "async_std::sync::RwLock",
        lock(RwLock, Async, "async_std::sync::RwLock"),
    ),
    (
        "futures::lock::Mutex",
        lock(Mutex, Async, "futures::lock::Mutex"),
    ),
    (
        "futures_util::lock::Mutex",
        lock(Mutex, Async, "futures::lock::Mutex"),
    ),
];

/// Types that only wrap their first type argument (`Arc<Mutex<T>>` is a lock too).
const WRAPPERS: &[&str] = &[
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
];

/// Guard types: a function returning one of these returns a held lock.
const GUARD_TYPES: &[(&str, Mode)] = &[
    ("MutexGuard", Mode::Exclusive),
    ("MappedMutexGuard", Mode::Exclusive),
    ("OwnedMutexGuard", Mode::Exclusive),
    ("ReentrantMutexGuard", Mode::Exclusive),
    ("ReentrantLockGuard", Mode::Exclusive),
    ("FairMutexGuard", Mode::Exclusive),
    ("SpinMutexGuard", Mode::Exclusive),
    ("RwLockReadGuard", Mode::Shared),
    ("MappedRwLockReadGuard", Mode::Shared),
    ("OwnedRwLockReadGuard", Mode::Shared),
    ("RwLockWriteGuard", Mode::Exclusive),
    ("MappedRwLockWriteGuard", Mode::Exclusive),
    ("OwnedRwLockWriteGuard", Mode::Exclusive),
    ("RwLockUpgradableReadGuard", Mode::Upgradable),
];

/// A canonical type path (`std::sync::Mutex`) as a lock type. A bare `Mutex` or `RwLock`
/// that resolved to nothing known is a lock of unknown flavor.
pub fn lock_type_at(canonical: &str) -> Option<LockType> {
    if let Some((_, lock_type)) = KNOWN_LOCKS.iter().find(|(path, _)| *path == canonical) {
        return Some(*lock_type);
    }
    // Another crate's (or this crate's own) type named like a lock, for example a type
    // alias of `lock_api::Mutex`: a lock whose flavor is unknown.
    match canonical.rsplit("::").next().unwrap_or(canonical) {
        "Mutex" | "FairMutex" | "SpinMutex" => Some(lock(Mutex, LockFlavor::Unknown, "Mutex")),
        "RwLock" => Some(lock(RwLock, LockFlavor::Unknown, "RwLock")),
        "ReentrantMutex" | "ReentrantLock" => {
            Some(lock(Reentrant, LockFlavor::Unknown, "ReentrantMutex"))
        }
        _ => None,
    }
}

/// `Arc<Mutex<T>>` → `Mutex<T>`; references are peeled too.
pub fn peel_wrappers(ty: &TypeRef) -> &TypeRef {
    let mut current = ty.peel_refs();
    loop {
        let is_wrapper = current
            .last_segment()
            .is_some_and(|name| WRAPPERS.contains(&name));
        match current.type_args().first() {
            Some(inner) if is_wrapper => current = inner.peel_refs(),
            _ => return current,
        }
    }
}

/// The mode of a guard type (`RwLockReadGuard<..>` is shared), looking through `Option`
/// and `Result` (`LockResult<MutexGuard<..>>`).
pub fn guard_type_mode(ty: &TypeRef) -> Option<Mode> {
    let name = ty.last_segment()?;
    if let Some((_, mode)) = GUARD_TYPES.iter().find(|(guard, _)| *guard == name) {
        return Some(*mode);
    }
    if matches!(name, "Option" | "Result" | "LockResult" | "TryLockResult") {
        return ty.type_args().first().and_then(guard_type_mode);
    }
    None
}

/// What a method name does to a lock, if it is an acquisition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireMethod {
    pub mode: Mode,
    /// `try_*`: never waits, so never closes a cycle or deadlocks by itself.
    pub is_try: bool,
}

pub fn acquire_method(name: &str) -> Option<AcquireMethod> {
    let (mode, is_try) = match name {
        "lock" | "write" | "blocking_lock" | "blocking_write" | "lock_arc" | "write_arc"
        | "lock_owned" | "write_owned" => (Mode::Exclusive, false),
        "read" | "blocking_read" | "read_arc" | "read_owned" | "read_recursive" => {
            (Mode::Shared, false)
        }
        "upgradable_read" | "upgradable_read_arc" => (Mode::Upgradable, false),
        "try_lock" | "try_write" | "try_lock_for" | "try_lock_until" | "try_write_for"
        | "try_write_until" | "try_lock_arc" | "try_lock_owned" | "try_write_owned" => {
            (Mode::Exclusive, true)
        }
        "try_read" | "try_read_for" | "try_read_until" | "try_read_owned" => (Mode::Shared, true),
        "try_upgradable_read" => (Mode::Upgradable, true),
        _ => return None,
    };
    Some(AcquireMethod { mode, is_try })
}

/// `Condvar` methods that release the guard they are given and take it again.
pub fn is_condvar_wait(name: &str) -> bool {
    matches!(
        name,
        "wait"
            | "wait_while"
            | "wait_timeout"
            | "wait_timeout_while"
            | "wait_for"
            | "wait_until"
            | "wait_while_for"
            | "wait_while_until"
            | "wait_timeout_ms"
    )
}
