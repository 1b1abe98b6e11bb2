//! The probing wrappers, always available (the crate root re-exports them when the probe is on).

/// `Debug` of a lock wrapper (it shows the inner lock), and `Default` and `From<T>`, both
/// `#[track_caller]` so that the lock's class is the caller's site.
macro_rules! impl_lock_traits {
    ($($lock:ident),+) => {$(
        impl<T: Default> Default for $lock<T> {
            #[track_caller]
            fn default() -> $lock<T> {
                $lock::new(T::default())
            }
        }

        impl<T> From<T> for $lock<T> {
            #[track_caller]
            fn from(value: T) -> $lock<T> {
                $lock::new(value)
            }
        }

        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.inner, f)
            }
        }
    )+};
}

/// `Debug` and `Display` of guard wrappers, through their `Deref`.
macro_rules! impl_guard_format {
    ($($guard:ident),+) => {$(
        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + std::fmt::Display> std::fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    )+};
}
use impl_guard_format;
use impl_lock_traits;

mod std_sync;

pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};
pub use std_sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(feature = "parking_lot")]
pub mod parking_lot;
#[cfg(feature = "tokio")]
pub mod tokio;
