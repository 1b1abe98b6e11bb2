//! Locks: which types are locks (and which guards), by canonical path (std, parking_lot,
//! lock_api, spin, tokio, async-lock, async-std and futures), the methods that acquire them
//! and in which mode, and the methods that pass a lock or a guard through unchanged.

use super::wrappers;
use crate::model::TypeRef;
use crate::paths::last_segment;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockKind {
    Mutex,
    RwLock,
    /// Re-locking on the thread that holds it is fine.
    Reentrant,
    /// A concurrent map split into shards, each behind its own read-write lock
    /// (`dashmap::DashMap`): a `Ref`/`RefMut` holds its shard's lock.
    ShardedMap,
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
    /// For read-write locks: whether a new reader waits behind a writer that is queued (so
    /// a second `read` on a thread that already reads can deadlock). std (futex-based),
    /// parking_lot, tokio and async-lock queue readers behind writers; spin does not.
    pub readers_wait_for_writers: bool,
}

/// How an acquisition holds the lock.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
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
}

const fn lock(kind: LockKind, flavor: LockFlavor, name: &'static str) -> LockType {
    LockType {
        kind,
        flavor,
        name,
        readers_wait_for_writers: true,
    }
}

/// A read-write lock whose readers never wait for a queued writer (spin's reader-preferring
/// `RwLock`): a recursive read cannot deadlock.
const fn reader_preferring(name: &'static str) -> LockType {
    LockType {
        kind: RwLock,
        flavor: Blocking,
        name,
        readers_wait_for_writers: false,
    }
}

use LockFlavor::{Async, Blocking};
use LockKind::{Mutex, Reentrant, RwLock};

/// Canonical paths of lock types.
const KNOWN_LOCKS: &[(&str, LockType)] = &[
    (
        "dashmap::DashMap",
        lock(LockKind::ShardedMap, Blocking, "dashmap::DashMap"),
    ),
    (
        "dashmap::DashSet",
        lock(LockKind::ShardedMap, Blocking, "dashmap::DashSet"),
    ),
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
    ("spin::RwLock", reader_preferring("spin::RwLock")),
    ("spin::rwlock::RwLock", reader_preferring("spin::RwLock")),
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
    ("RwLockUpgradableGuard", Mode::Upgradable),
    ("ArcMutexGuard", Mode::Exclusive),
    ("ArcReentrantMutexGuard", Mode::Exclusive),
    ("ArcRwLockReadGuard", Mode::Shared),
    ("ArcRwLockWriteGuard", Mode::Exclusive),
    ("ArcRwLockUpgradableReadGuard", Mode::Upgradable),
    ("OwnedRwLockMappedWriteGuard", Mode::Exclusive),
    ("RwLockMappedWriteGuard", Mode::Exclusive),
    ("MutexGuardArc", Mode::Exclusive),
    ("RwLockReadGuardArc", Mode::Shared),
    ("RwLockWriteGuardArc", Mode::Exclusive),
    ("RwLockUpgradableReadGuardArc", Mode::Upgradable),
];

/// The lock behind a receiver whose type is unknown but that is `.lock()`ed.
pub const UNKNOWN_MUTEX: LockType = lock(Mutex, LockFlavor::Unknown, "Mutex");

/// Another crate's (or this crate's own) type named like a lock, for example a type alias
/// of `lock_api::Mutex`: a lock whose flavor is unknown, by the last segment of its path.
const LOCKS_BY_NAME: &[(&str, LockType)] = &[
    ("Mutex", UNKNOWN_MUTEX),
    ("FairMutex", UNKNOWN_MUTEX),
    ("SpinMutex", UNKNOWN_MUTEX),
    ("RwLock", lock(RwLock, LockFlavor::Unknown, "RwLock")),
    (
        "ReentrantMutex",
        lock(Reentrant, LockFlavor::Unknown, "ReentrantMutex"),
    ),
    (
        "ReentrantLock",
        lock(Reentrant, LockFlavor::Unknown, "ReentrantMutex"),
    ),
];

/// Every lock type there is (a `LockType` is made only from these tables), for reading
/// one back by its position (results kept between runs).
fn every_lock_type() -> impl Iterator<Item = &'static LockType> {
    KNOWN_LOCKS
        .iter()
        .chain(LOCKS_BY_NAME)
        .map(|(_, lock_type)| lock_type)
}

/// Written as its position in [`every_lock_type`] (its name is a `&'static str`).
impl serde::Serialize for LockType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let position = every_lock_type().position(|known| known == self);
        let position = position.ok_or_else(|| serde::ser::Error::custom("an unknown lock type"))?;
        serializer.serialize_u32(position as u32)
    }
}

impl<'de> serde::Deserialize<'de> for LockType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<LockType, D::Error> {
        let position = u32::deserialize(deserializer)? as usize;
        every_lock_type()
            .nth(position)
            .copied()
            .ok_or_else(|| serde::de::Error::custom("no lock type at that position"))
    }
}

/// A canonical type path (`std::sync::Mutex`) as a lock type. A bare `Mutex` or `RwLock`
/// that resolved to nothing known is a lock of unknown flavor.
pub fn lock_type_at(canonical: &str) -> Option<LockType> {
    if let Some((_, lock_type)) = KNOWN_LOCKS.iter().find(|(path, _)| *path == canonical) {
        return Some(*lock_type);
    }
    let name = last_segment(canonical);
    LOCKS_BY_NAME
        .iter()
        .find(|(lock_name, _)| *lock_name == name)
        .map(|(_, lock_type)| *lock_type)
}

/// The last segment of every path [`lock_type_at`] takes for a lock (`Mutex`, `DashMap`,
/// ...): a path whose last segment is none of these is no lock type.
pub fn lock_type_names() -> impl Iterator<Item = &'static str> {
    KNOWN_LOCKS
        .iter()
        .chain(LOCKS_BY_NAME)
        .map(|(path, _)| last_segment(path))
}

/// `Arc<Mutex<T>>` → `Mutex<T>`; references are peeled too.
pub fn peel_wrappers(ty: &TypeRef) -> &TypeRef {
    let mut current = ty.peel_refs();
    loop {
        let is_wrapper = current.last_segment().is_some_and(wrappers::is_transparent);
        match current.type_args().first() {
            Some(inner) if is_wrapper => current = inner.peel_refs(),
            _ => return current,
        }
    }
}

/// The lock a guard type (canonical path) belongs to and how it holds it:
/// `std::sync::MutexGuard` is an exclusive guard of a `std::sync::Mutex`.
pub fn guard_lock_type(canonical: &str) -> Option<(LockType, Mode)> {
    let (prefix, name) = crate::paths::split_last(canonical).unwrap_or(("", canonical));
    let (_, mode) = GUARD_TYPES.iter().find(|(guard, _)| *guard == name)?;
    let kind_name = if name.contains("RwLock") {
        "RwLock"
    } else {
        "Mutex"
    };
    let lock_type =
        lock_type_at(&format!("{prefix}::{kind_name}")).or_else(|| lock_type_at(kind_name))?;
    Some((lock_type, *mode))
}

/// The mode of a guard type (`RwLockReadGuard<..>` is shared), looking through `Option`
/// and `Result` (`LockResult<MutexGuard<..>>`).
pub fn guard_type_mode(ty: &TypeRef) -> Option<Mode> {
    let name = ty.last_segment()?;
    if let Some(mode) = guard_name_mode(name) {
        return Some(mode);
    }
    if matches!(name, "Option" | "Result" | "LockResult" | "TryLockResult") {
        return ty.type_args().first().and_then(guard_type_mode);
    }
    None
}

/// The mode of a guard type by its name (`RwLockReadGuard` is shared).
pub fn guard_name_mode(name: &str) -> Option<Mode> {
    GUARD_TYPES
        .iter()
        .find(|(guard, _)| *guard == name)
        .map(|(_, mode)| *mode)
}

/// What a method name does to a lock, if it is an acquisition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireMethod {
    pub mode: Mode,
    /// `try_*`: never waits, so never closes a cycle or deadlocks by itself.
    pub is_try: bool,
}

/// How an acquisition method is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// `lock.read()`: on a reference to the lock.
    Ref,
    /// `Arc::clone(&lock).read_owned()`, `lock.read_arc()`: on an `Arc` of the lock; the
    /// guard owns the `Arc` and can outlive the borrow or move to another task.
    Arc,
}

/// One acquisition API of one lock type: the method, how it holds the lock, whether it only
/// tries (`try_*` never waits), how it is called and the guard it returns.
#[derive(Clone, Copy, Debug)]
pub struct LockApi {
    /// The lock type, canonical path.
    pub lock: &'static str,
    pub method: &'static str,
    pub mode: Mode,
    pub is_try: bool,
    pub receiver: Receiver,
    /// The method returns a future: the lock is taken when it is awaited.
    pub awaited: bool,
    /// The guard type's name (its module is the lock's).
    pub guard: &'static str,
}

const fn api(
    lock: &'static str,
    method: &'static str,
    mode: Mode,
    is_try: bool,
    receiver: Receiver,
    awaited: bool,
    guard: &'static str,
) -> LockApi {
    LockApi {
        lock,
        method,
        mode,
        is_try,
        receiver,
        awaited,
        guard,
    }
}

use Mode::{Exclusive as X, Shared as S, Upgradable as U};
use Receiver::{Arc as A, Ref as R};

/// Every acquisition API the analysis knows, per lock type. Each entry is checked against
/// generated code by the `knowledge` test suite.
pub const LOCK_APIS: &[LockApi] = &[
    api("std::sync::Mutex", "lock", X, false, R, false, "MutexGuard"),
    api(
        "std::sync::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "std::sync::RwLock",
        "read",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "std::sync::RwLock",
        "write",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "std::sync::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "std::sync::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "parking_lot::Mutex",
        "lock",
        X,
        false,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock_for",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock_until",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "lock_arc",
        X,
        false,
        A,
        false,
        "ArcMutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock_arc",
        X,
        true,
        A,
        false,
        "ArcMutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock_arc_for",
        X,
        true,
        A,
        false,
        "ArcMutexGuard",
    ),
    api(
        "parking_lot::Mutex",
        "try_lock_arc_until",
        X,
        true,
        A,
        false,
        "ArcMutexGuard",
    ),
    api(
        "parking_lot::RwLock",
        "read",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "write",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "read_recursive",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "upgradable_read",
        U,
        false,
        R,
        false,
        "RwLockUpgradableReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_for",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_until",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_write_for",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_write_until",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_recursive",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_upgradable_read",
        U,
        true,
        R,
        false,
        "RwLockUpgradableReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "read_arc",
        S,
        false,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "read_arc_recursive",
        S,
        false,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "write_arc",
        X,
        false,
        A,
        false,
        "ArcRwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "upgradable_read_arc",
        U,
        false,
        A,
        false,
        "ArcRwLockUpgradableReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_arc",
        S,
        true,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_arc_recursive",
        S,
        true,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_write_arc",
        X,
        true,
        A,
        false,
        "ArcRwLockWriteGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_upgradable_read_arc",
        U,
        true,
        A,
        false,
        "ArcRwLockUpgradableReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_read_arc_for",
        S,
        true,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "parking_lot::RwLock",
        "try_write_arc_for",
        X,
        true,
        A,
        false,
        "ArcRwLockWriteGuard",
    ),
    api(
        "parking_lot::FairMutex",
        "lock",
        X,
        false,
        R,
        false,
        "FairMutexGuard",
    ),
    api(
        "parking_lot::FairMutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "FairMutexGuard",
    ),
    api(
        "parking_lot::ReentrantMutex",
        "lock",
        X,
        false,
        R,
        false,
        "ReentrantMutexGuard",
    ),
    api(
        "parking_lot::ReentrantMutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "ReentrantMutexGuard",
    ),
    api("lock_api::Mutex", "lock", X, false, R, false, "MutexGuard"),
    api(
        "lock_api::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "lock_api::Mutex",
        "lock_arc",
        X,
        false,
        A,
        false,
        "ArcMutexGuard",
    ),
    api(
        "lock_api::RwLock",
        "read",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "lock_api::RwLock",
        "write",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "lock_api::RwLock",
        "upgradable_read",
        U,
        false,
        R,
        false,
        "RwLockUpgradableReadGuard",
    ),
    api(
        "lock_api::RwLock",
        "read_arc",
        S,
        false,
        A,
        false,
        "ArcRwLockReadGuard",
    ),
    api(
        "lock_api::RwLock",
        "write_arc",
        X,
        false,
        A,
        false,
        "ArcRwLockWriteGuard",
    ),
    api(
        "lock_api::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "lock_api::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api("spin::Mutex", "lock", X, false, R, false, "MutexGuard"),
    api("spin::Mutex", "try_lock", X, true, R, false, "MutexGuard"),
    api(
        "spin::RwLock",
        "read",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "spin::RwLock",
        "write",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "spin::RwLock",
        "upgradeable_read",
        U,
        false,
        R,
        false,
        "RwLockUpgradableGuard",
    ),
    api(
        "spin::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "spin::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "spin::RwLock",
        "try_upgradeable_read",
        U,
        true,
        R,
        false,
        "RwLockUpgradableGuard",
    ),
    api(
        "tokio::sync::Mutex",
        "lock",
        X,
        false,
        R,
        true,
        "MutexGuard",
    ),
    api(
        "tokio::sync::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "tokio::sync::Mutex",
        "blocking_lock",
        X,
        false,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "tokio::sync::Mutex",
        "lock_owned",
        X,
        false,
        A,
        true,
        "OwnedMutexGuard",
    ),
    api(
        "tokio::sync::Mutex",
        "try_lock_owned",
        X,
        true,
        A,
        false,
        "OwnedMutexGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "read",
        S,
        false,
        R,
        true,
        "RwLockReadGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "write",
        X,
        false,
        R,
        true,
        "RwLockWriteGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "blocking_read",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "blocking_write",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "read_owned",
        S,
        false,
        A,
        true,
        "OwnedRwLockReadGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "write_owned",
        X,
        false,
        A,
        true,
        "OwnedRwLockWriteGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "try_read_owned",
        S,
        true,
        A,
        false,
        "OwnedRwLockReadGuard",
    ),
    api(
        "tokio::sync::RwLock",
        "try_write_owned",
        X,
        true,
        A,
        false,
        "OwnedRwLockWriteGuard",
    ),
    api("async_lock::Mutex", "lock", X, false, R, true, "MutexGuard"),
    api(
        "async_lock::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "async_lock::Mutex",
        "lock_blocking",
        X,
        false,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "async_lock::Mutex",
        "lock_arc",
        X,
        false,
        A,
        true,
        "MutexGuardArc",
    ),
    api(
        "async_lock::Mutex",
        "try_lock_arc",
        X,
        true,
        A,
        false,
        "MutexGuardArc",
    ),
    api(
        "async_lock::RwLock",
        "read",
        S,
        false,
        R,
        true,
        "RwLockReadGuard",
    ),
    api(
        "async_lock::RwLock",
        "write",
        X,
        false,
        R,
        true,
        "RwLockWriteGuard",
    ),
    api(
        "async_lock::RwLock",
        "upgradable_read",
        U,
        false,
        R,
        true,
        "RwLockUpgradableReadGuard",
    ),
    api(
        "async_lock::RwLock",
        "try_read",
        S,
        true,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "async_lock::RwLock",
        "try_write",
        X,
        true,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "async_lock::RwLock",
        "try_upgradable_read",
        U,
        true,
        R,
        false,
        "RwLockUpgradableReadGuard",
    ),
    api(
        "async_lock::RwLock",
        "read_blocking",
        S,
        false,
        R,
        false,
        "RwLockReadGuard",
    ),
    api(
        "async_lock::RwLock",
        "write_blocking",
        X,
        false,
        R,
        false,
        "RwLockWriteGuard",
    ),
    api(
        "async_lock::RwLock",
        "read_arc",
        S,
        false,
        A,
        true,
        "RwLockReadGuardArc",
    ),
    api(
        "async_lock::RwLock",
        "write_arc",
        X,
        false,
        A,
        true,
        "RwLockWriteGuardArc",
    ),
    api(
        "async_lock::RwLock",
        "upgradable_read_arc",
        U,
        false,
        A,
        true,
        "RwLockUpgradableReadGuardArc",
    ),
    api(
        "futures::lock::Mutex",
        "lock",
        X,
        false,
        R,
        true,
        "MutexGuard",
    ),
    api(
        "futures::lock::Mutex",
        "try_lock",
        X,
        true,
        R,
        false,
        "MutexGuard",
    ),
    api(
        "futures::lock::Mutex",
        "lock_owned",
        X,
        false,
        A,
        true,
        "OwnedMutexGuard",
    ),
];

/// Whether `method` on the lock type named `lock` returns a future (taken when awaited);
/// `None` when the table does not list that pair.
pub fn returns_future(lock: &str, method: &str) -> Option<bool> {
    LOCK_APIS
        .iter()
        .find(|api| api.lock == lock && api.method == method)
        .map(|api| api.awaited)
}

/// What calling `name` on a lock does, by method name (each name means the same mode and
/// the same trying or waiting on every lock type that has it).
pub fn acquire_method(name: &str) -> Option<AcquireMethod> {
    /// By name, the first entry of each (asked for every method call of every body: a map,
    /// not a scan of the whole table).
    static BY_NAME: std::sync::LazyLock<crate::hash::HashMap<&'static str, AcquireMethod>> =
        std::sync::LazyLock::new(|| {
            let mut by_name = crate::hash::HashMap::default();
            for api in LOCK_APIS {
                by_name.entry(api.method).or_insert(AcquireMethod {
                    mode: api.mode,
                    is_try: api.is_try,
                });
            }
            by_name
        });
    BY_NAME.get(name).copied()
}

/// `read_recursive`: made to be taken while this thread already reads; readers do not
/// queue behind a waiting writer.
pub fn is_recursive_read(method: &str) -> bool {
    method.starts_with("read_recursive")
}

/// `Condvar` methods that release the guard they are given and take it again.
const CONDVAR_WAITS: &[&str] = &[
    "wait",
    "wait_while",
    "wait_timeout",
    "wait_timeout_while",
    "wait_for",
    "wait_until",
    "wait_while_for",
    "wait_while_until",
    "wait_timeout_ms",
];

pub fn is_condvar_wait(name: &str) -> bool {
    CONDVAR_WAITS.contains(&name)
}

/// Methods whose result carries the receiver's guard (`m.lock().unwrap()`).
const GUARD_PASSTHROUGH_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_unchecked",
    "ok",
    "map_err",
    // A sharded map's entry API hands the entry's shard guard on as a `RefMut`.
    "or_insert",
    "or_insert_with",
    "or_insert_with_key",
    "or_default",
    "or_try_insert_with",
];

pub fn is_guard_passthrough(method: &str) -> bool {
    GUARD_PASSTHROUGH_METHODS.contains(&method)
}

/// Methods that return (a handle to) the same lock: `clone` of an `Arc`, `as_ref`, `deref`.
const LOCK_IDENTITY_METHODS: &[&str] = &["clone", "as_ref", "deref", "borrow", "get_ref", "by_ref"];

pub fn is_identity_method(method: &str) -> bool {
    LOCK_IDENTITY_METHODS.contains(&method)
}

/// Accessors of `OnceLock`/`OnceCell`/`Lazy` that return the value inside.
const ONCE_ACCESSORS: &[&str] = &["get", "get_or_init", "get_or_try_init", "force", "wait"];

pub fn is_once_accessor(method: &str) -> bool {
    ONCE_ACCESSORS.contains(&method)
}

/// Methods that, when the receiver's type is unknown, are taken as a lock acquisition on a
/// lock identified by the receiver's text.
pub fn acquires_when_type_unknown(method: &str) -> bool {
    matches!(method, "lock" | "try_lock")
}

/// Receivers named like the standard streams or files have `lock`/`try_lock` methods that
/// are not mutexes of the program.
const NOT_A_LOCK_NAMES: &[&str] = &["stdout", "stderr", "stdin", "out", "err", "handle", "file"];

pub fn is_probably_not_a_lock(text: &str) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text);
    NOT_A_LOCK_NAMES.contains(&last)
}

/// Shared pointers whose `T::clone(&x)` returns the same lock (`Arc::clone(&m)`).
const SHARED_POINTERS: &[&str] = &["Arc", "Rc"];

/// `Arc::new` / `Rc::new` as the segments of a called path: a new shared allocation.
pub fn is_shared_pointer_new_path(segments: &[impl AsRef<str>]) -> bool {
    match segments {
        [.., pointer, function] => {
            function.as_ref() == "new" && SHARED_POINTERS.contains(&pointer.as_ref())
        }
        _ => false,
    }
}

/// `Arc::clone` / `Rc::clone` as the segments of a called path: the same value again.
pub fn is_shared_pointer_clone_path(segments: &[impl AsRef<str>]) -> bool {
    match segments {
        [.., pointer, function] => {
            function.as_ref() == "clone" && SHARED_POINTERS.contains(&pointer.as_ref())
        }
        _ => false,
    }
}

/// `LOCK.get().unwrap()`: the unwrapping of a once-cell accessor, same lock.
pub fn unwraps_once_value(method: &str, arg_count: usize) -> bool {
    (method == "unwrap" && arg_count == 0) || method == "expect"
}

/// Pattern variants of a failed `try_lock` (`Err(_)`, `None`): the arm holds nothing.
pub fn is_failed_try_variant(variant: &str) -> bool {
    matches!(variant, "Err" | "None")
}

/// Which shards a sharded-map method locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shards {
    /// The shard of the key passed as the first argument.
    OfKey,
    /// Every shard, one after the other (`len`, `iter`, `retain`).
    All,
}

/// A method of a sharded concurrent map (`DashMap`, `DashSet`) and the shard locks it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardedMapMethod {
    pub mode: Mode,
    pub shards: Shards,
    /// Returns a guard (`Ref`, `RefMut`, an entry or an iterator) that keeps the lock.
    pub returns_guard: bool,
    pub is_try: bool,
}

const fn sharded(
    mode: Mode,
    shards: Shards,
    returns_guard: bool,
    is_try: bool,
) -> ShardedMapMethod {
    ShardedMapMethod {
        mode,
        shards,
        returns_guard,
        is_try,
    }
}

/// The methods of `dashmap::DashMap`/`DashSet` that lock shards.
const SHARDED_MAP_METHODS: &[(&str, ShardedMapMethod)] = &[
    ("get", sharded(Mode::Shared, Shards::OfKey, true, false)),
    (
        "get_mut",
        sharded(Mode::Exclusive, Shards::OfKey, true, false),
    ),
    (
        "entry",
        sharded(Mode::Exclusive, Shards::OfKey, true, false),
    ),
    ("try_get", sharded(Mode::Shared, Shards::OfKey, true, true)),
    (
        "try_get_mut",
        sharded(Mode::Exclusive, Shards::OfKey, true, true),
    ),
    (
        "try_entry",
        sharded(Mode::Exclusive, Shards::OfKey, true, true),
    ),
    ("iter", sharded(Mode::Shared, Shards::All, true, false)),
    (
        "iter_mut",
        sharded(Mode::Exclusive, Shards::All, true, false),
    ),
    (
        "insert",
        sharded(Mode::Exclusive, Shards::OfKey, false, false),
    ),
    (
        "remove",
        sharded(Mode::Exclusive, Shards::OfKey, false, false),
    ),
    (
        "remove_if",
        sharded(Mode::Exclusive, Shards::OfKey, false, false),
    ),
    (
        "remove_if_mut",
        sharded(Mode::Exclusive, Shards::OfKey, false, false),
    ),
    (
        "alter",
        sharded(Mode::Exclusive, Shards::OfKey, false, false),
    ),
    ("view", sharded(Mode::Shared, Shards::OfKey, false, false)),
    (
        "contains_key",
        sharded(Mode::Shared, Shards::OfKey, false, false),
    ),
    (
        "contains",
        sharded(Mode::Shared, Shards::OfKey, false, false),
    ),
    ("len", sharded(Mode::Shared, Shards::All, false, false)),
    ("is_empty", sharded(Mode::Shared, Shards::All, false, false)),
    (
        "retain",
        sharded(Mode::Exclusive, Shards::All, false, false),
    ),
    (
        "alter_all",
        sharded(Mode::Exclusive, Shards::All, false, false),
    ),
    ("clear", sharded(Mode::Exclusive, Shards::All, false, false)),
    (
        "shrink_to_fit",
        sharded(Mode::Exclusive, Shards::All, false, false),
    ),
];

pub fn sharded_map_method(method: &str) -> Option<ShardedMapMethod> {
    SHARDED_MAP_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, access)| *access)
}

/// Guard methods that convert the guard in place, and the mode they leave the lock held
/// in: an upgradable read upgrades to a write, a write downgrades.
const GUARD_CONVERSIONS: &[(&str, Mode)] = &[
    ("upgrade", Mode::Exclusive),
    ("try_upgrade", Mode::Exclusive),
    ("upgrade_untimed", Mode::Exclusive),
    ("try_upgrade_for", Mode::Exclusive),
    ("try_upgrade_until", Mode::Exclusive),
    ("downgrade", Mode::Shared),
    ("downgrade_to_upgradable", Mode::Upgradable),
];

/// The mode a guard method that converts the guard leaves the lock held in.
pub fn guard_conversion_mode(method: &str) -> Option<Mode> {
    GUARD_CONVERSIONS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, mode)| *mode)
}
