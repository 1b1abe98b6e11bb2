//! The plain locks: `std::sync`'s own types (and parking_lot's, tokio's), re-exported as is.
//! The crate root re-exports these when the probe is off, so probing costs nothing there.

pub use std::sync::{
    Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryLockError, TryLockResult, WaitTimeoutResult,
};

use crate::Named;

impl<T> Named<T> for std::sync::Mutex<T> {
    #[inline]
    fn named(_name: &'static str, value: T) -> std::sync::Mutex<T> {
        std::sync::Mutex::new(value)
    }
}

impl<T> Named<T> for std::sync::RwLock<T> {
    #[inline]
    fn named(_name: &'static str, value: T) -> std::sync::RwLock<T> {
        std::sync::RwLock::new(value)
    }
}

/// parking_lot's own locks.
#[cfg(feature = "parking_lot")]
pub mod parking_lot {
    pub use ::parking_lot::*;

    use crate::Named;

    impl<T> Named<T> for ::parking_lot::Mutex<T> {
        #[inline]
        fn named(_name: &'static str, value: T) -> ::parking_lot::Mutex<T> {
            ::parking_lot::Mutex::new(value)
        }
    }

    impl<T> Named<T> for ::parking_lot::RwLock<T> {
        #[inline]
        fn named(_name: &'static str, value: T) -> ::parking_lot::RwLock<T> {
            ::parking_lot::RwLock::new(value)
        }
    }
}

/// tokio's own `sync` locks.
#[cfg(feature = "tokio")]
pub mod tokio {
    pub use ::tokio::sync::{
        Mutex, MutexGuard, OwnedMutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
    };

    use crate::Named;

    impl<T> Named<T> for ::tokio::sync::Mutex<T> {
        #[inline]
        fn named(_name: &'static str, value: T) -> ::tokio::sync::Mutex<T> {
            ::tokio::sync::Mutex::new(value)
        }
    }

    impl<T> Named<T> for ::tokio::sync::RwLock<T> {
        #[inline]
        fn named(_name: &'static str, value: T) -> ::tokio::sync::RwLock<T> {
            ::tokio::sync::RwLock::new(value)
        }
    }
}
