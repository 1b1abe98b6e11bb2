//! Probing wrappers with the API of `tokio::sync::{Mutex, RwLock}`.
//!
//! Tokio guards are `Send` and live across `.await`, so the held-lock stack is kept per task
//! (keyed by `tokio::task::Id`; outside a task, per thread) in a process-wide table, and a
//! guard releases its entry in the stack of the task that acquired it, wherever it is dropped.
//! The order check happens before the acquisition is awaited. Actual deadlocks between tasks
//! are not detected (a task waiting for a lock does not block a thread).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LazyLock, PoisonError};

pub use ::tokio::sync::TryLockError;

use crate::Named;
use crate::core::LockCore;
use crate::registry::{self, HeldSnapshot};
use crate::thread::{Held, chain_key};
use crate::trace::Mode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Holder {
    Task(::tokio::task::Id),
    Thread(std::thread::ThreadId),
}

fn current_holder() -> Holder {
    match ::tokio::task::try_id() {
        Some(id) => Holder::Task(id),
        None => Holder::Thread(std::thread::current().id()),
    }
}

#[derive(Default)]
struct Stacks {
    held: HashMap<Holder, Vec<Held>>,
    /// Chains already validated (by any task: edges are process-wide anyway).
    validated: HashSet<u64>,
}

static STACKS: LazyLock<std::sync::Mutex<Stacks>> = LazyLock::new(Default::default);

fn stacks() -> std::sync::MutexGuard<'static, Stacks> {
    STACKS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Before awaiting a blocking acquisition: validate the order on a new chain.
fn check_order(core: &LockCore, mode: Mode, site: &'static Location<'static>) {
    let class = core.class();
    if mode == Mode::Exclusive && !core.exclusive_seen() {
        core.set_exclusive_seen();
        registry::deliver(registry::mark_exclusive(class));
    }
    let holder = current_holder();
    let snapshot = {
        let stacks = stacks();
        let Some(held) = stacks.held.get(&holder).filter(|held| !held.is_empty()) else {
            return;
        };
        let chain = chain_key(held.last().map_or(0, |top| top.chain), class, mode);
        if stacks.validated.contains(&chain) {
            return;
        }
        let snapshot: Vec<HeldSnapshot> = held
            .iter()
            .map(|entry| HeldSnapshot {
                class: entry.class,
                mode: entry.mode,
                site: entry.site,
            })
            .collect();
        (snapshot, chain)
    };
    let reports = registry::observe_chain(&snapshot.0, class, mode, site);
    stacks().validated.insert(snapshot.1);
    registry::deliver(reports);
}

/// After the lock is held: push it on the current task's stack.
fn push(core: &LockCore, mode: Mode, site: &'static Location<'static>) -> Holder {
    let holder = current_holder();
    let class = core.class();
    let mut stacks = stacks();
    let held = stacks.held.entry(holder).or_default();
    let chain = chain_key(held.last().map_or(0, |top| top.chain), class, mode);
    held.push(Held {
        class,
        mode,
        instance: core.instance(),
        site,
        chain,
    });
    holder
}

fn pop(holder: Holder, instance: usize) {
    let mut stacks = stacks();
    let Some(held) = stacks.held.get_mut(&holder) else {
        return;
    };
    if let Some(position) = held.iter().rposition(|entry| entry.instance == instance) {
        held.remove(position);
        let mut below = if position == 0 {
            0
        } else {
            held[position - 1].chain
        };
        for entry in &mut held[position..] {
            entry.chain = chain_key(below, entry.class, entry.mode);
            below = entry.chain;
        }
    }
    if held.is_empty() {
        stacks.held.remove(&holder);
    }
}

/// `tokio::sync::Mutex` with the probe.
pub struct Mutex<T: ?Sized> {
    core: LockCore,
    inner: ::tokio::sync::Mutex<T>,
}

/// The guard of [`Mutex`] (`Send`, may be held across `.await`).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    core: &'a LockCore,
    holder: Holder,
    inner: ::tokio::sync::MutexGuard<'a, T>,
}

impl<T> Mutex<T> {
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), None, "tokio::sync::Mutex", true),
            inner: ::tokio::sync::Mutex::new(value),
        }
    }

    #[track_caller]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            core: LockCore::new(Location::caller(), None, "tokio::sync::Mutex", true),
            inner: ::tokio::sync::Mutex::const_new(value),
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
            core: LockCore::new(Location::caller(), Some(name), "tokio::sync::Mutex", true),
            inner: ::tokio::sync::Mutex::new(value),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Like tokio's `lock().await`; the order is checked before waiting.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        let site = Location::caller();
        async move {
            check_order(&self.core, Mode::Exclusive, site);
            let inner = self.inner.lock().await;
            let holder = push(&self.core, Mode::Exclusive, site);
            MutexGuard {
                core: &self.core,
                holder,
                inner,
            }
        }
    }

    /// Never adds an order edge.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_lock()?;
        let holder = push(&self.core, Mode::Exclusive, Location::caller());
        Ok(MutexGuard {
            core: &self.core,
            holder,
            inner,
        })
    }

    /// Like tokio's `blocking_lock` (outside async code).
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let site = Location::caller();
        check_order(&self.core, Mode::Exclusive, site);
        let inner = self.inner.blocking_lock();
        let holder = push(&self.core, Mode::Exclusive, site);
        MutexGuard {
            core: &self.core,
            holder,
            inner,
        }
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        pop(self.holder, self.core.instance());
    }
}

/// `tokio::sync::RwLock` with the probe (tokio's RwLock is fair: a queued writer blocks new
/// readers, so reads are `shared`, not recursive).
pub struct RwLock<T: ?Sized> {
    core: LockCore,
    inner: ::tokio::sync::RwLock<T>,
}

/// The read guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    core: &'a LockCore,
    holder: Holder,
    inner: ::tokio::sync::RwLockReadGuard<'a, T>,
}

/// The write guard of [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    core: &'a LockCore,
    holder: Holder,
    inner: ::tokio::sync::RwLockWriteGuard<'a, T>,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            core: LockCore::new(Location::caller(), None, "tokio::sync::RwLock", false),
            inner: ::tokio::sync::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T> Named<T> for RwLock<T> {
    #[track_caller]
    fn named(name: &'static str, value: T) -> RwLock<T> {
        RwLock {
            core: LockCore::new(Location::caller(), Some(name), "tokio::sync::RwLock", false),
            inner: ::tokio::sync::RwLock::new(value),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        let site = Location::caller();
        async move {
            check_order(&self.core, Mode::Shared, site);
            let inner = self.inner.read().await;
            let holder = push(&self.core, Mode::Shared, site);
            RwLockReadGuard {
                core: &self.core,
                holder,
                inner,
            }
        }
    }

    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        let site = Location::caller();
        async move {
            check_order(&self.core, Mode::Exclusive, site);
            let inner = self.inner.write().await;
            let holder = push(&self.core, Mode::Exclusive, site);
            RwLockWriteGuard {
                core: &self.core,
                holder,
                inner,
            }
        }
    }

    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_read()?;
        let holder = push(&self.core, Mode::Shared, Location::caller());
        Ok(RwLockReadGuard {
            core: &self.core,
            holder,
            inner,
        })
    }

    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let inner = self.inner.try_write()?;
        let holder = push(&self.core, Mode::Exclusive, Location::caller());
        Ok(RwLockWriteGuard {
            core: &self.core,
            holder,
            inner,
        })
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        pop(self.holder, self.core.instance());
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        pop(self.holder, self.core.instance());
    }
}

super::impl_lock_traits!(Mutex, RwLock);
super::impl_guard_format!(MutexGuard, RwLockReadGuard, RwLockWriteGuard);
