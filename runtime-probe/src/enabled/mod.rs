//! The probing wrappers, always available (the crate root re-exports them when the probe is on).

mod std_sync;

pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};
pub use std_sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(feature = "parking_lot")]
pub mod parking_lot;
#[cfg(feature = "tokio")]
pub mod tokio;
