//! Per-thread state: the held-lock stack and the cache of (held chain, new lock) combinations
//! this thread has already validated, so the steady state never touches global state.

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::LockCore;
use crate::registry::{self, HeldSnapshot};
use crate::trace::Mode;

/// One lock this thread holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held {
    pub class: u32,
    pub mode: Mode,
    pub instance: usize,
    pub site: &'static Location<'static>,
    /// Hash of the classes and modes of this entry and every entry below it.
    pub chain: u64,
}

/// The chain keys are already well mixed: hash them as themselves.
#[derive(Default)]
struct ChainKeyHasher(u64);

impl Hasher for ChainKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8 | u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Entries of the direct-mapped front of the validated-chain cache.
const RECENT_CHAINS: usize = 64;

struct ThreadState {
    tid: u64,
    held: Vec<Held>,
    /// A direct-mapped cache of recently validated chains, checked before `validated` (a
    /// compare instead of a hash-set probe on the steady-state path).
    recent: [u64; RECENT_CHAINS],
    validated: HashSet<u64, BuildHasherDefault<ChainKeyHasher>>,
}

impl ThreadState {
    #[inline(always)]
    fn is_validated(&mut self, chain: u64) -> bool {
        let slot = (chain as usize) % RECENT_CHAINS;
        if self.recent[slot] == chain {
            return true;
        }
        if self.validated.contains(&chain) {
            self.recent[slot] = chain;
            return true;
        }
        false
    }
}

thread_local! {
    static STATE: RefCell<ThreadState> = const {
        RefCell::new(ThreadState {
            tid: 0,
            held: Vec::new(),
            recent: [0; RECENT_CHAINS],
            validated: HashSet::with_hasher(BuildHasherDefault::new()),
        })
    };
}

static NEXT_TID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn chain_key(below: u64, class: u32, mode: Mode) -> u64 {
    let mixed = below.rotate_left(7) ^ (u64::from(class) << 2 | mode as u64);
    let product = mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    product ^ (product >> 29)
}

#[cold]
fn ensure_tid(state: &mut ThreadState) -> u64 {
    if state.tid == 0 {
        state.tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
    }
    state.tid
}

/// Whether the acquisition can block (and so may add order edges) or is a `try_*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Attempt {
    Blocking,
    Try,
}

/// Called before a blocking acquisition (or after a successful try): validates the order on
/// the first sight of this chain, pushes the lock on the held stack, and returns the probe's
/// thread id. Reports are delivered after the state is released, before the lock is taken.
#[inline(always)]
pub(crate) fn enter<const READS: bool>(
    core: &LockCore,
    mode: Mode,
    site: &'static Location<'static>,
    attempt: Attempt,
) -> u64 {
    let class = core.class();
    if READS && mode == Mode::Exclusive && !core.exclusive_seen() {
        core.set_exclusive_seen();
        registry::deliver(registry::mark_exclusive(class));
    }
    let entered = STATE.try_with(|state| {
        let mut state = state.borrow_mut();
        let tid = ensure_tid(&mut state);
        let below = state.held.last().map_or(0, |top| top.chain);
        let chain = chain_key(below, class, mode);
        let needs_validation =
            attempt == Attempt::Blocking && !state.held.is_empty() && !state.is_validated(chain);
        let snapshot = needs_validation.then(|| {
            state
                .held
                .iter()
                .map(|held| HeldSnapshot {
                    class: held.class,
                    mode: held.mode,
                    site: held.site,
                })
                .collect::<Vec<_>>()
        });
        state.held.push(Held {
            class,
            mode,
            instance: core.instance(),
            site,
            chain,
        });
        (tid, chain, snapshot)
    });
    let Ok((tid, chain, snapshot)) = entered else {
        return 0;
    };
    if let Some(held) = snapshot {
        enter_slow(held, class, mode, site, chain, core.instance());
    }
    tid
}

/// The steady-state path, called once the lock is already held: pushes it and returns the
/// thread id if nothing needs validating (nothing held, or a chain validated before);
/// otherwise changes nothing and returns `None`, and the caller releases the lock and takes
/// the [`enter`] path, which may report before blocking.
#[inline(always)]
pub(crate) fn enter_validated(
    core: &LockCore,
    mode: Mode,
    site: &'static Location<'static>,
) -> Option<u64> {
    let class = core.class();
    let instance = core.instance();
    // 0 for "not validated" keeps the result in a register (tids start at 1).
    let tid = STATE.try_with(|state| {
        let mut state = state.borrow_mut();
        let below = match state.held.last() {
            None => 0,
            Some(top) => top.chain,
        };
        let chain = chain_key(below, class, mode);
        if below != 0 && !state.is_validated(chain) {
            return 0;
        }
        let tid = if state.tid != 0 {
            state.tid
        } else {
            ensure_tid(&mut state)
        };
        state.held.push(Held {
            class,
            mode,
            instance,
            site,
            chain,
        });
        tid
    });
    tid.ok().filter(|&tid| tid != 0)
}

#[cold]
#[inline(never)]
fn enter_slow(
    held: Vec<HeldSnapshot>,
    class: u32,
    mode: Mode,
    site: &'static Location<'static>,
    chain: u64,
    instance: usize,
) {
    let reports = registry::observe_chain(&held, class, mode, site);
    let _ = STATE.try_with(|state| state.borrow_mut().validated.insert(chain));
    registry::export_if_pending();
    if reports.is_empty() {
        return;
    }
    // The lock is not taken yet: take it off the stack so that a panicking action leaves the
    // stack true, and put it back if the action returns.
    let entry = exit(instance);
    registry::deliver(reports);
    if let Some(entry) = entry {
        reenter(entry);
    }
}

/// Takes the most recent entry for `instance` off the held stack (guards may drop out of order).
#[inline(always)]
pub(crate) fn exit(instance: usize) -> Option<Held> {
    STATE
        .try_with(|state| {
            let mut state = state.borrow_mut();
            let held = &mut state.held;
            if held.last().is_some_and(|top| top.instance == instance) {
                return held.pop();
            }
            exit_out_of_order(held, instance)
        })
        .ok()
        .flatten()
}

#[cold]
fn exit_out_of_order(held: &mut Vec<Held>, instance: usize) -> Option<Held> {
    let position = held.iter().rposition(|entry| entry.instance == instance)?;
    let removed = held.remove(position);
    let mut below = if position == 0 {
        0
    } else {
        held[position - 1].chain
    };
    for entry in &mut held[position..] {
        entry.chain = chain_key(below, entry.class, entry.mode);
        below = entry.chain;
    }
    Some(removed)
}

/// Puts back an entry taken off by [`exit`] (a condition-variable wait re-acquired the lock).
pub(crate) fn reenter(mut entry: Held) {
    let _ = STATE.try_with(|state| {
        let mut state = state.borrow_mut();
        let below = state.held.last().map_or(0, |top| top.chain);
        entry.chain = chain_key(below, entry.class, entry.mode);
        state.held.push(entry);
    });
}

/// The locks this thread holds, bottom first, except the entry for `waiting_for`.
pub(crate) fn held_except(waiting_for: usize) -> Vec<Held> {
    STATE
        .try_with(|state| {
            state
                .borrow()
                .held
                .iter()
                .filter(|held| held.instance != waiting_for)
                .copied()
                .collect()
        })
        .unwrap_or_default()
}

/// Number of locks the current thread holds (probed locks only).
pub fn held_count() -> usize {
    STATE
        .try_with(|state| state.borrow().held.len())
        .unwrap_or(0)
}

/// A name for the current thread in reports.
pub(crate) fn current_thread_label() -> String {
    let current = std::thread::current();
    match current.name() {
        Some(name) => name.to_owned(),
        None => format!("{:?}", current.id()),
    }
}
