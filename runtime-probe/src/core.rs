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

    #[inline(always)]
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

    #[inline(always)]
    pub(crate) fn exclusive_seen(&self) -> bool {
        self.exclusive_seen.load(Ordering::Relaxed)
    }

    pub(crate) fn set_exclusive_seen(&self) {
        self.exclusive_seen.store(true, Ordering::Relaxed);
    }

    /// The address of this lock: identifies the instance while it is locked or waited for
    /// (a lock cannot move while borrowed).
    #[inline(always)]
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

/// What a guard keeps to release its lock in the probe: thread id, mode and reader slot packed
/// in one word (a guard is written and read back at once; a multi-field token made the CPU
/// stall on store forwarding in the hot path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token(u64);

impl Token {
    #[inline(always)]
    pub(crate) fn new(tid: u64, mode: Mode, slot: u8) -> Token {
        Token(tid << 16 | (mode as u64) << 8 | u64::from(slot))
    }

    #[inline(always)]
    pub(crate) fn tid(self) -> u64 {
        self.0 >> 16
    }

    #[inline(always)]
    pub(crate) fn mode(self) -> Mode {
        match (self.0 >> 8) as u8 {
            0 => Mode::Exclusive,
            1 => Mode::Shared,
            _ => Mode::SharedRecursive,
        }
    }

    #[inline(always)]
    pub(crate) fn slot(self) -> u8 {
        self.0 as u8
    }
}

/// Blocking acquisition. Fast path: the held chain was validated before (or nothing is held),
/// so the lock is pushed on the thread's held stack, then `try_acquire` succeeds. Otherwise
/// (a chain this thread has not seen): order check first, so that a potential deadlock is
/// reported before the thread can block on it; contended: spin, then wait as a registered
/// waiter.
#[inline(always)]
#[track_caller]
pub(crate) fn acquire<G>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    try_acquire: impl Fn() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> (G, Token) {
    let site = Location::caller();
    let may_read = !readers.is_empty();
    if (!may_read || mode != Mode::Exclusive || core.exclusive_seen())
        && let Some(tid) = thread::enter_validated(core, mode, site)
    {
        if let Some(guard) = try_acquire() {
            let slot = waitfor::acquired(core, readers, tid, mode);
            return (guard, Token::new(tid, mode, slot));
        }
        return acquire_contended(core, readers, tid, mode, site, try_acquire, acquire);
    }
    acquire_checked(core, readers, mode, site, try_acquire, acquire)
}

#[inline(never)]
fn acquire_checked<G>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    site: &'static Location<'static>,
    try_acquire: impl Fn() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> (G, Token) {
    let tid = thread::enter::<true>(core, mode, site, Attempt::Blocking);
    acquire_contended(core, readers, tid, mode, site, try_acquire, acquire)
}

/// The lock is on the held stack already (order checked): take it, spinning briefly first.
#[inline(never)]
fn acquire_contended<G>(
    core: &LockCore,
    readers: &[AtomicU64],
    tid: u64,
    mode: Mode,
    site: &'static Location<'static>,
    try_acquire: impl Fn() -> Option<G>,
    acquire: impl FnOnce() -> G,
) -> (G, Token) {
    let guard = match spin_then_try(&try_acquire) {
        Some(guard) => guard,
        None => waitfor::wait_as_registered_waiter(core, readers, tid, mode, site, acquire),
    };
    let slot = waitfor::acquired(core, readers, tid, mode);
    (guard, Token::new(tid, mode, slot))
}

/// Short waits never reach the wait-for bookkeeping (a global table): spin and yield a little
/// first, as the underlying locks themselves spin before parking.
fn spin_then_try<G>(try_acquire: &impl Fn() -> Option<G>) -> Option<G> {
    for round in 0..8u32 {
        if let Some(guard) = try_acquire() {
            return Some(guard);
        }
        for _ in 0..(1u32 << round) {
            std::hint::spin_loop();
        }
    }
    for _ in 0..4 {
        std::thread::yield_now();
        if let Some(guard) = try_acquire() {
            return Some(guard);
        }
    }
    None
}

/// Bookkeeping after a successful `try_*` acquisition (which never adds order edges).
#[inline(always)]
#[track_caller]
pub(crate) fn acquired_by_try(core: &LockCore, readers: &[AtomicU64], mode: Mode) -> Token {
    let tid = thread::enter::<true>(core, mode, Location::caller(), Attempt::Try);
    let slot = waitfor::acquired(core, readers, tid, mode);
    Token::new(tid, mode, slot)
}

/// Releases a guard: ownership is cleared before the lock is released, the held stack is
/// popped after, so the stores of the probe are not in flight at the unlocking instruction.
#[cfg(feature = "parking_lot")]
#[inline(always)]
pub(crate) fn release<G>(core: &LockCore, readers: &[AtomicU64], token: Token, guard: G) {
    waitfor::released(core, readers, token);
    drop(guard);
    thread::exit(core.instance());
}

/// The probe's half of a guard of an exclusive acquisition. A guard declares it before the
/// underlying lock's guard, so (fields drop in order) ownership is cleared and the held stack
/// popped before the lock is released; the guard needs no `Drop` of its own and no `Option`
/// around the underlying guard (a condition-variable wait destructures it instead).
#[must_use]
pub(crate) struct Release<'a> {
    core: &'a LockCore,
    token: Token,
}

impl<'a> Release<'a> {
    #[inline(always)]
    pub(crate) fn new(core: &'a LockCore, token: Token) -> Release<'a> {
        Release { core, token }
    }

    /// Takes the parts out without releasing anything (a condition-variable wait does that).
    pub(crate) fn into_parts(self) -> (&'a LockCore, Token) {
        let this = std::mem::ManuallyDrop::new(self);
        (this.core, this.token)
    }
}

impl Drop for Release<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        waitfor::released(self.core, &[], self.token);
        thread::exit(self.core.instance());
    }
}

/// [`Release`] for a shared (read) acquisition, which may own a reader slot.
#[must_use]
pub(crate) struct ReleaseShared<'a> {
    core: &'a LockCore,
    readers: &'a [AtomicU64],
    token: Token,
}

impl<'a> ReleaseShared<'a> {
    #[inline(always)]
    pub(crate) fn new(core: &'a LockCore, readers: &'a [AtomicU64], token: Token) -> Self {
        ReleaseShared {
            core,
            readers,
            token,
        }
    }
}

impl Drop for ReleaseShared<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        waitfor::released(self.core, self.readers, self.token);
        thread::exit(self.core.instance());
    }
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
    let slot = waitfor::acquired(core, readers, token.tid(), token.mode());
    Token::new(token.tid(), token.mode(), slot)
}
