//! The per-instance probe state every wrapper embeds, and the acquire/release hooks they call.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::registry;
use crate::thread::{self, Attempt};
use crate::trace::Mode;
use crate::waitfor;

/// Number of readers per RwLock whose identity is kept for the wait-for graph.
pub(crate) const READER_SLOTS: usize = 4;
/// Reader slot value meaning "this reader is not tracked".
pub(crate) const NO_SLOT: u8 = u8::MAX;

pub(crate) struct LockCore {
    site: &'static Location<'static>,
    name: Option<&'static str>,
    kind: &'static str,
    /// Class id, 0 until the first acquisition resolves it.
    class: AtomicU32,
    exclusive_seen: AtomicBool,
    /// Probe thread id of the exclusive holder, 0 when none.
    pub(crate) owner: AtomicU64,
    /// Threads blocked on this lock (only they make holders publish themselves).
    pub(crate) waiters: AtomicU32,
}

impl LockCore {
    /// `exclusive_only`: a lock that is never read-locked (its class is exclusive from the start).
    pub(crate) const fn new(
        site: &'static Location<'static>,
        name: Option<&'static str>,
        kind: &'static str,
        exclusive_only: bool,
    ) -> LockCore {
        LockCore {
            site,
            name,
            kind,
            class: AtomicU32::new(0),
            exclusive_seen: AtomicBool::new(exclusive_only),
            owner: AtomicU64::new(0),
            waiters: AtomicU32::new(0),
        }
    }

    #[inline]
    pub(crate) fn class(&self) -> u32 {
        match self.class.load(Ordering::Relaxed) {
            0 => self.resolve_class(),
            class => class,
        }
    }

    #[cold]
    fn resolve_class(&self) -> u32 {
        let exclusive_only = self.exclusive_seen.load(Ordering::Relaxed);
        let class = registry::resolve_class(self.site, self.name, self.kind, exclusive_only);
        self.class.store(class, Ordering::Relaxed);
        class
    }

    #[inline]
    pub(crate) fn exclusive_seen(&self) -> bool {
        self.exclusive_seen.load(Ordering::Relaxed)
    }

    pub(crate) fn set_exclusive_seen(&self) {
        self.exclusive_seen.store(true, Ordering::Relaxed);
    }

    /// The address of this lock: identifies the instance while it is locked or waited for
    /// (a lock cannot move while borrowed).
    #[inline]
    pub(crate) fn instance(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }
}

impl std::fmt::Debug for LockCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockCore")
            .field("site", &self.site)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What a guard keeps to release its lock in the probe.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub tid: u64,
    pub mode: Mode,
    pub slot: u8,
}

/// Blocking acquisition: order check, then `try_acquire` and, if it fails, `acquire` as a
/// registered waiter (so the watchdog can see us), then ownership bookkeeping.
#[inline]
#[track_caller]
pub(crate) fn acquire<G>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    try_acquire: impl FnOnce() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> (G, Token) {
    let site = Location::caller();
    let tid = thread::enter(core, mode, site, Attempt::Blocking);
    let guard = match try_acquire() {
        Some(guard) => guard,
        None => waitfor::wait_as_registered_waiter(core, readers, tid, mode, site, acquire),
    };
    let slot = waitfor::acquired(core, readers, tid, mode);
    (guard, Token { tid, mode, slot })
}

/// Bookkeeping after a successful `try_*` acquisition (which never adds order edges).
#[inline]
#[track_caller]
pub(crate) fn acquired_by_try(core: &LockCore, readers: &[AtomicU64], mode: Mode) -> Token {
    let tid = thread::enter(core, mode, Location::caller(), Attempt::Try);
    let slot = waitfor::acquired(core, readers, tid, mode);
    Token { tid, mode, slot }
}

/// Called by a guard's `Drop` before the underlying guard releases the lock.
#[inline]
pub(crate) fn release(core: &LockCore, readers: &[AtomicU64], token: Token) {
    thread::exit(core.instance());
    waitfor::released(core, readers, token);
}

/// Around a condition-variable wait: the lock is released for the wait and re-acquired after.
pub(crate) fn suspend(
    core: &LockCore,
    readers: &[AtomicU64],
    token: Token,
) -> Option<thread::Held> {
    let entry = thread::exit(core.instance());
    waitfor::released(core, readers, token);
    entry
}

pub(crate) fn resume(
    core: &LockCore,
    readers: &[AtomicU64],
    entry: Option<thread::Held>,
    token: Token,
) -> Token {
    if let Some(entry) = entry {
        thread::reenter(entry);
    }
    let slot = waitfor::acquired(core, readers, token.tid, token.mode);
    Token { slot, ..token }
}
