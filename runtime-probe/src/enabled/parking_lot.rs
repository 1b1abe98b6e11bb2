//! Probing wrappers with the API of `parking_lot`'s `Mutex`, `RwLock` and `Condvar`
//! (no poisoning; guards returned directly). `read_recursive` is a recursive read in lockdep's
//! sense: it never waits for a queued writer, so it never closes a read-read cycle.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

pub use ::parking_lot::WaitTimeoutResult;

use crate::Named;
use crate::core::{self, LockCore, READER_SLOTS, Token};
use crate::trace::Mode;

const EMPTY: &str = "a guard is only empty while it is being dropped or waited with";

/// A `try_*` acquisition: `attempt` is the parking_lot lock's own; never adds an order edge.
#[track_caller]
fn try_probed<G, H>(
    core: &LockCore,
    readers: &[AtomicU64],
    mode: Mode,
    attempt: Option<G>,
    wrap: impl FnOnce(G, Token) -> H,
) -> Option<H> {
    let inner = attempt?;
    Some(wrap(inner, core::acquired_by_try(core, readers, mode)))
}

/// `parking_lot::Mutex` with the probe.
pub struct Mutex<T: ?Sized> {
    core: LockCore,
    inner: ::parking_lot::Mutex<T>,
}

/// The guard of [`Mutex`].
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    core: &'a LockCore,
    token: Token,
    inner: Option<::parking_lot::MutexGuard<'a, T>>,
}

impl<T> Mutex<T> {
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), None, "parking_lot::Mutex", true),
            inner: ::parking_lot::Mutex::new(value),
        }
    }

    #[track_caller]
    pub const fn with_name(name: &'static str, value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), Some(name), "parking_lot::Mutex", true),
            inner: ::parking_lot::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T> Named<T> for Mutex<T> {
    #[track_caller]
    fn named(name: &'static str, value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), Some(name), "parking_lot::Mutex", true),
            inner: ::parking_lot::Mutex::new(value),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let (inner, token) = core::acquire(
            &self.core,
            &[],
            Mode::Exclusive,
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        self.guard(inner, token)
    }

    /// Never adds an order edge.
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let attempt = self.inner.try_lock();
        try_probed(&self.core, &[], Mode::Exclusive, attempt, |inner, token| {
            self.guard(inner, token)
        })
    }

    /// A timed lock cannot deadlock forever: treated like `try_lock` (no order edge).
    #[track_caller]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        let attempt = self.inner.try_lock_for(timeout);
        try_probed(&self.core, &[], Mode::Exclusive, attempt, |inner, token| {
            self.guard(inner, token)
        })
    }

    #[inline(always)]
    fn guard<'a>(
        &'a self,
        inner: ::parking_lot::MutexGuard<'a, T>,
        token: Token,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            core: &self.core,
            token,
            inner: Some(inner),
        }
    }

    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.inner.as_ref().expect(EMPTY)
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect(EMPTY)
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            core::release(self.core, &[], self.token, inner);
        }
    }
}

/// `parking_lot::Condvar` for [`Mutex`]: a wait releases the mutex in the probe too.
#[derive(Default)]
pub struct Condvar {
    inner: ::parking_lot::Condvar,
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

impl Condvar {
    pub const fn new() -> Condvar {
        Condvar {
            inner: ::parking_lot::Condvar::new(),
        }
    }

    fn around_wait<T: ?Sized, R>(
        guard: &mut MutexGuard<'_, T>,
        wait: impl FnOnce(&mut ::parking_lot::MutexGuard<'_, T>) -> R,
    ) -> R {
        let entry = core::suspend(guard.core, &[], guard.token);
        let result = wait(guard.inner.as_mut().expect(EMPTY));
        guard.token = core::resume(guard.core, &[], entry, guard.token);
        result
    }

    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T>) {
        Self::around_wait(guard, |inner| self.inner.wait(inner));
    }

    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        Self::around_wait(guard, |inner| self.inner.wait_for(inner, timeout))
    }

    pub fn wait_while<T: ?Sized, F: FnMut(&mut T) -> bool>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        condition: F,
    ) {
        Self::around_wait(guard, |inner| self.inner.wait_while(inner, condition));
    }

    pub fn notify_one(&self) -> bool {
        self.inner.notify_one()
    }

    pub fn notify_all(&self) -> usize {
        self.inner.notify_all()
    }
}

/// `parking_lot::RwLock` with the probe.
pub struct RwLock<T: ?Sized> {
    core: LockCore,
    readers: [AtomicU64; READER_SLOTS],
    inner: ::parking_lot::RwLock<T>,
}

/// The read guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    core: &'a LockCore,
    readers: &'a [AtomicU64],
    token: Token,
    inner: Option<::parking_lot::RwLockReadGuard<'a, T>>,
}

/// The write guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    core: &'a LockCore,
    token: Token,
    inner: Option<::parking_lot::RwLockWriteGuard<'a, T>>,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), None, "parking_lot::RwLock", false),
            value,
        )
    }

    #[track_caller]
    pub const fn with_name(name: &'static str, value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), Some(name), "parking_lot::RwLock", false),
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
            inner: ::parking_lot::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T> Named<T> for RwLock<T> {
    #[track_caller]
    fn named(name: &'static str, value: T) -> RwLock<T> {
        RwLock::with_core(
            LockCore::new(Location::caller(), Some(name), "parking_lot::RwLock", false),
            value,
        )
    }
}

impl<T: ?Sized> RwLock<T> {
    #[track_caller]
    #[inline(always)]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        let (inner, token) = core::acquire(
            &self.core,
            &self.readers,
            Mode::Shared,
            || self.inner.try_read(),
            || self.inner.read(),
        );
        self.read_guard(inner, token)
    }

    /// A read that does not wait for queued writers: never closes a read-read cycle.
    #[track_caller]
    #[inline]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, T> {
        let (inner, token) = core::acquire(
            &self.core,
            &self.readers,
            Mode::SharedRecursive,
            || self.inner.try_read_recursive(),
            || self.inner.read_recursive(),
        );
        self.read_guard(inner, token)
    }

    #[track_caller]
    #[inline(always)]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        let (inner, token) = core::acquire(
            &self.core,
            &self.readers,
            Mode::Exclusive,
            || self.inner.try_write(),
            || self.inner.write(),
        );
        self.write_guard(inner, token)
    }

    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        let attempt = self.inner.try_read();
        try_probed(
            &self.core,
            &self.readers,
            Mode::Shared,
            attempt,
            |inner, token| self.read_guard(inner, token),
        )
    }

    #[track_caller]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        let attempt = self.inner.try_write();
        try_probed(
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
        inner: ::parking_lot::RwLockReadGuard<'a, T>,
        token: Token,
    ) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            core: &self.core,
            readers: &self.readers,
            token,
            inner: Some(inner),
        }
    }

    #[inline(always)]
    fn write_guard<'a>(
        &'a self,
        inner: ::parking_lot::RwLockWriteGuard<'a, T>,
        token: Token,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            core: &self.core,
            token,
            inner: Some(inner),
        }
    }

    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.inner.as_ref().expect(EMPTY)
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            core::release(self.core, self.readers, self.token, inner);
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.inner.as_ref().expect(EMPTY)
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect(EMPTY)
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            core::release(self.core, &[], self.token, inner);
        }
    }
}

super::impl_lock_traits!(Mutex, RwLock);
super::impl_guard_format!(MutexGuard, RwLockReadGuard, RwLockWriteGuard);
