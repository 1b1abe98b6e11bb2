//! Probing `Mutex`, `RwLock` and `Condvar` with the API of `std::sync`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::AtomicU64;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};
use std::time::Duration;

use crate::Named;
use crate::core::{self, LockCore, READER_SLOTS, Release, ReleaseShared, Token};
use crate::trace::Mode;

#[inline(always)]
fn map_poison<G, H>(result: LockResult<G>, wrap: impl FnOnce(G) -> H) -> LockResult<H> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(poisoned) => Err(PoisonError::new(wrap(poisoned.into_inner()))),
    }
}

/// Splits a std `try_lock` result into "acquired (maybe poisoned)" and "would block".
#[inline(always)]
fn acquired_or_blocked<G>(result: TryLockResult<G>) -> Option<LockResult<G>> {
    match result {
        Ok(guard) => Some(Ok(guard)),
        Err(TryLockError::Poisoned(poisoned)) => Some(Err(poisoned)),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// A blocking acquisition (`lock`, `read`, `write`) of the std lock behind `core`, through
/// the probe: `try_lock` and `lock` are the std lock's own, `wrap` makes our guard.
#[track_caller]
#[inline(always)]
fn lock_probed<G, H>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    try_lock: impl Fn() -> TryLockResult<G>,
    lock: impl FnOnce() -> LockResult<G>,
    wrap: impl FnOnce(G, Token) -> H,
) -> LockResult<H> {
    // `move`: the closure holds `try_lock` itself (one reference to the lock), not a
    // reference to it, which would make the hot path store it on the stack.
    let (result, token) = core::acquire(
        core,
        readers,
        mode,
        move || acquired_or_blocked(try_lock()),
        lock,
    );
    map_poison(result, |guard| wrap(guard, token))
}

/// A `try_*` acquisition: `attempt` is the std lock's `try_*` result; a `try_*` never adds an
/// order edge.
#[track_caller]
fn try_lock_probed<G, H>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    attempt: TryLockResult<G>,
    wrap: impl FnOnce(G, Token) -> H,
) -> TryLockResult<H> {
    let Some(result) = acquired_or_blocked(attempt) else {
        return Err(TryLockError::WouldBlock);
    };
    let token = core::acquired_by_try(core, readers, mode);
    map_poison(result, |guard| wrap(guard, token)).map_err(TryLockError::Poisoned)
}

// ---- Mutex ----------------------------------------------------------------------------------

/// A `std::sync::Mutex` that records lock order and waits (see the crate documentation).
pub struct Mutex<T: ?Sized> {
    core: LockCore,
    inner: std::sync::Mutex<T>,
}

/// The guard of [`Mutex`]; dereferences to the data like std's.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    /// Dropped first (field order): the probe lets go before the lock is released.
    probe: Release<'a>,
    inner: std::sync::MutexGuard<'a, T>,
}

impl<T> Mutex<T> {
    /// Creates a mutex whose class is the caller's source location.
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), None, "mutex", true),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// Creates a mutex in the class (caller's location, `name`); usable in `static`s.
    #[track_caller]
    pub const fn with_name(name: &'static str, value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), Some(name), "mutex", true),
            inner: std::sync::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T> Named<T> for Mutex<T> {
    #[track_caller]
    fn named(name: &'static str, value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), Some(name), "mutex", true),
            inner: std::sync::Mutex::new(value),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Like `std::sync::Mutex::lock`; checks the lock order first (on a new held chain only).
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        lock_probed(
            &self.core,
            &[],
            Mode::Exclusive,
            || self.inner.try_lock(),
            || self.inner.lock(),
            |inner, token| self.guard(inner, token),
        )
    }

    /// Like `std::sync::Mutex::try_lock`; a `try_lock` never adds an order edge.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let attempt = self.inner.try_lock();
        try_lock_probed(&self.core, &[], Mode::Exclusive, attempt, |inner, token| {
            self.guard(inner, token)
        })
    }

    #[inline(always)]
    fn guard<'a>(&'a self, inner: std::sync::MutexGuard<'a, T>, token: Token) -> MutexGuard<'a, T> {
        MutexGuard {
            probe: Release::new(&self.core, token),
            inner,
        }
    }

    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

// ---- Condvar --------------------------------------------------------------------------------

/// A `std::sync::Condvar` for [`Mutex`]: a wait releases the mutex in the probe too.
#[derive(Default)]
pub struct Condvar {
    inner: std::sync::Condvar,
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

impl Condvar {
    pub const fn new() -> Condvar {
        Condvar {
            inner: std::sync::Condvar::new(),
        }
    }

    fn around_wait<'a, T: ?Sized, R>(
        guard: MutexGuard<'a, T>,
        wait: impl FnOnce(std::sync::MutexGuard<'a, T>) -> LockResult<(std::sync::MutexGuard<'a, T>, R)>,
    ) -> LockResult<(MutexGuard<'a, T>, R)> {
        let MutexGuard { probe, inner } = guard;
        let (lock_core, token) = probe.into_parts();
        let entry = core::suspend(lock_core, &[], token);
        let result = wait(inner);
        let token = core::resume(lock_core, &[], entry, token);
        map_poison(result, |(inner, extra)| {
            (
                MutexGuard {
                    probe: Release::new(lock_core, token),
                    inner,
                },
                extra,
            )
        })
    }

    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let result = Self::around_wait(guard, |inner| {
            map_poison(self.inner.wait(inner), |inner| (inner, ()))
        });
        map_poison(result, |(guard, ())| guard)
    }

    pub fn wait_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let result = Self::around_wait(guard, |inner| {
            map_poison(self.inner.wait_while(inner, condition), |inner| (inner, ()))
        });
        map_poison(result, |(guard, ())| guard)
    }

    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        Self::around_wait(guard, |inner| self.inner.wait_timeout(inner, timeout))
    }

    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
        condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        Self::around_wait(guard, |inner| {
            self.inner.wait_timeout_while(inner, timeout, condition)
        })
    }

    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

// ---- RwLock ---------------------------------------------------------------------------------

/// A `std::sync::RwLock` that records lock order by mode (read-read is not an inversion unless
/// a writer of the class was seen) and waits.
pub struct RwLock<T: ?Sized> {
    core: LockCore,
    readers: [AtomicU64; READER_SLOTS],
    inner: std::sync::RwLock<T>,
}

/// The read guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    /// Dropped first (field order): the probe lets go before the lock is released.
    _probe: ReleaseShared<'a>,
    inner: std::sync::RwLockReadGuard<'a, T>,
}

/// The write guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    /// Dropped first (field order): the probe lets go before the lock is released.
    _probe: Release<'a>,
    inner: std::sync::RwLockWriteGuard<'a, T>,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), None, "rwlock", false),
            value,
        )
    }

    #[track_caller]
    pub const fn with_name(name: &'static str, value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), Some(name), "rwlock", false),
            value,
        )
    }

    const fn with_core(core: LockCore, value: T) -> RwLock<T> {
        RwLock {
            core,
            readers: [
                AtomicU64::new(0),
                AtomicU64::new(0),
                AtomicU64::new(0),
                AtomicU64::new(0),
            ],
            inner: std::sync::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T> Named<T> for RwLock<T> {
    #[track_caller]
    fn named(name: &'static str, value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), Some(name), "rwlock", false),
            value,
        )
    }
}

impl<T: ?Sized> RwLock<T> {
    #[track_caller]
    #[inline(always)]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        lock_probed(
            &self.core,
            &self.readers,
            Mode::Shared,
            || self.inner.try_read(),
            || self.inner.read(),
            |inner, token| self.read_guard(inner, token),
        )
    }

    #[track_caller]
    #[inline(always)]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        lock_probed(
            &self.core,
            &self.readers,
            Mode::Exclusive,
            || self.inner.try_write(),
            || self.inner.write(),
            |inner, token| self.write_guard(inner, token),
        )
    }

    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let attempt = self.inner.try_read();
        try_lock_probed(
            &self.core,
            &self.readers,
            Mode::Shared,
            attempt,
            |inner, token| self.read_guard(inner, token),
        )
    }

    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let attempt = self.inner.try_write();
        try_lock_probed(
            &self.core,
            &self.readers,
            Mode::Exclusive,
            attempt,
            |inner, token| self.write_guard(inner, token),
        )
    }

    #[inline(always)]
    fn read_guard<'a>(
        &'a self,
        inner: std::sync::RwLockReadGuard<'a, T>,
        token: Token,
    ) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            _probe: ReleaseShared::new(&self.core, &self.readers, token),
            inner,
        }
    }

    #[inline(always)]
    fn write_guard<'a>(
        &'a self,
        inner: std::sync::RwLockWriteGuard<'a, T>,
        token: Token,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            _probe: Release::new(&self.core, token),
            inner,
        }
    }

    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

super::impl_lock_traits!(Mutex, RwLock);
super::impl_guard_format!(MutexGuard, RwLockReadGuard, RwLockWriteGuard);
