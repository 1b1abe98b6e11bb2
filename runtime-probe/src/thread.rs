//! Per-thread state: the held-lock stack and the cache of (held chain, new lock) combinations
//! this thread has already validated, so the steady state never touches global state.
//!
//! The hot state ([`Fast`]: thread id, the first [`INLINE_DEPTH`] held entries, the recent-chain
//! cache) is a `const`-initialised thread-local of `Cell`s with no destructor: reaching it is
//! one `fs`-relative address, with no lazy-init or destroyed-state check and no borrow flag.
//! Entries deeper than [`INLINE_DEPTH`] and the full validated-chain set live in [`Slow`], a
//! `RefCell` thread-local that only cold paths touch.

use std::cell::{Cell, RefCell};
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

/// Held entries kept inline in the thread-local; deeper ones go to [`Slow::overflow`].
const INLINE_DEPTH: usize = 8;
/// Entries of the direct-mapped front of the validated-chain cache.
const RECENT_CHAINS: usize = 64;

/// One inline entry, a `Cell` per field: an entry is written and read field by field from
/// registers (a `Cell<Held>` is copied through the stack as one block, and the CPU stalls when
/// that block is read back wider than it was written).
struct Slot {
    instance: Cell<usize>,
    chain: Cell<u64>,
    site: Cell<&'static Location<'static>>,
    class: Cell<u32>,
    mode: Cell<Mode>,
}

impl Slot {
    const fn unused() -> Slot {
        Slot {
            instance: Cell::new(0),
            chain: Cell::new(0),
            site: Cell::new(Location::caller()),
            class: Cell::new(0),
            mode: Cell::new(Mode::Exclusive),
        }
    }

    #[inline(always)]
    fn load(&self) -> Held {
        Held {
            class: self.class.get(),
            mode: self.mode.get(),
            instance: self.instance.get(),
            site: self.site.get(),
            chain: self.chain.get(),
        }
    }

    #[inline(always)]
    fn store(&self, entry: Held) {
        self.instance.set(entry.instance);
        self.chain.set(entry.chain);
        self.site.set(entry.site);
        self.class.set(entry.class);
        self.mode.set(entry.mode);
    }
}

/// The steady-state path's state. No `Drop`, so the thread-local needs no destructor
/// registration and its accesses compile to plain `fs`-relative loads and stores.
struct Fast {
    /// Probe thread id, 0 until the first acquisition.
    tid: Cell<u64>,
    /// Number of held entries (inline and overflow).
    depth: Cell<usize>,
    inline: [Slot; INLINE_DEPTH],
    /// A direct-mapped cache of recently validated chains, checked before [`Slow::validated`].
    recent: [Cell<u64>; RECENT_CHAINS],
}

/// Cold per-thread state.
struct Slow {
    /// Held entries from depth [`INLINE_DEPTH`] on.
    overflow: Vec<Held>,
    validated: HashSet<u64, BuildHasherDefault<ChainKeyHasher>>,
}

thread_local! {
    static FAST: Fast = const {
        Fast {
            tid: Cell::new(0),
            depth: Cell::new(0),
            inline: [const { Slot::unused() }; INLINE_DEPTH],
            recent: [const { Cell::new(0) }; RECENT_CHAINS],
        }
    };
    static SLOW: RefCell<Slow> = const {
        RefCell::new(Slow {
            overflow: Vec::new(),
            validated: HashSet::with_hasher(BuildHasherDefault::new()),
        })
    };
}

static NEXT_TID: AtomicU64 = AtomicU64::new(1);

#[inline(always)]
pub(crate) fn chain_key(below: u64, class: u32, mode: Mode) -> u64 {
    let mixed = below.rotate_left(7) ^ (u64::from(class) << 2 | mode as u64);
    let product = mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    product ^ (product >> 29)
}

impl Fast {
    #[inline(always)]
    fn tid(&self) -> u64 {
        match self.tid.get() {
            0 => self.assign_tid(),
            tid => tid,
        }
    }

    #[cold]
    fn assign_tid(&self) -> u64 {
        let tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
        self.tid.set(tid);
        tid
    }

    /// The entry at `index` (< depth).
    #[inline(always)]
    fn get(&self, index: usize) -> Option<Held> {
        match self.inline.get(index) {
            Some(slot) => Some(slot.load()),
            None => overflow_get(index - INLINE_DEPTH),
        }
    }

    /// Overwrites the entry at `index` (< depth).
    fn set(&self, index: usize, entry: Held) {
        match self.inline.get(index) {
            Some(slot) => slot.store(entry),
            None => overflow_set(index - INLINE_DEPTH, entry),
        }
    }

    /// The chain of the top entry, 0 when nothing is held.
    #[inline(always)]
    fn top_chain(&self) -> u64 {
        match self.depth.get() {
            0 => 0,
            depth => match self.inline.get(depth - 1) {
                Some(slot) => slot.chain.get(),
                None => overflow_get(depth - 1 - INLINE_DEPTH).map_or(0, |top| top.chain),
            },
        }
    }

    #[inline(always)]
    fn push(&self, entry: Held) {
        let depth = self.depth.get();
        match self.inline.get(depth) {
            Some(slot) => {
                slot.store(entry);
                self.depth.set(depth + 1);
            }
            // Fields passed one by one: a `Held` argument is passed through memory, and the
            // stores were made on the fast path too.
            None => self.push_overflow(
                entry.class,
                entry.mode,
                entry.instance,
                entry.site,
                entry.chain,
            ),
        }
    }

    #[cold]
    #[inline(never)]
    fn push_overflow(
        &self,
        class: u32,
        mode: Mode,
        instance: usize,
        site: &'static Location<'static>,
        chain: u64,
    ) {
        let entry = Held {
            class,
            mode,
            instance,
            site,
            chain,
        };
        // A thread whose cold state is already destroyed does not track locks beyond the
        // inline depth (it pops nothing for them either).
        let pushed = SLOW.try_with(|slow| slow.borrow_mut().overflow.push(entry));
        if pushed.is_ok() {
            self.depth.set(self.depth.get() + 1);
        }
    }

    #[inline(always)]
    fn is_validated(&self, chain: u64) -> bool {
        let slot = &self.recent[(chain as usize) % RECENT_CHAINS];
        slot.get() == chain || self.is_validated_slow(slot, chain)
    }

    #[cold]
    #[inline(never)]
    fn is_validated_slow(&self, slot: &Cell<u64>, chain: u64) -> bool {
        let known = SLOW
            .try_with(|slow| slow.borrow().validated.contains(&chain))
            .unwrap_or(false);
        if known {
            slot.set(chain);
        }
        known
    }

    /// Every held entry, bottom first.
    fn entries(&self) -> Vec<Held> {
        (0..self.depth.get())
            .filter_map(|index| self.get(index))
            .collect()
    }
}

#[cold]
fn overflow_get(index: usize) -> Option<Held> {
    SLOW.try_with(|slow| slow.borrow().overflow.get(index).copied())
        .ok()
        .flatten()
}

#[cold]
fn overflow_set(index: usize, entry: Held) {
    let _ = SLOW.try_with(|slow| {
        if let Some(slot) = slow.borrow_mut().overflow.get_mut(index) {
            *slot = entry;
        }
    });
}

/// Whether the acquisition can block (and so may add order edges) or is a `try_*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Attempt {
    Blocking,
    Try,
}

/// Called before a blocking acquisition (or after a successful try): validates the order on
/// the first sight of this chain, pushes the lock on the held stack, and returns the probe's
/// thread id. Reports are delivered before the lock is taken.
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
    FAST.with(|fast| {
        let tid = fast.tid();
        let below = fast.top_chain();
        let chain = chain_key(below, class, mode);
        let needs_validation =
            attempt == Attempt::Blocking && fast.depth.get() != 0 && !fast.is_validated(chain);
        let snapshot = needs_validation.then(|| {
            (0..fast.depth.get())
                .filter_map(|index| fast.get(index))
                .map(|held| HeldSnapshot {
                    class: held.class,
                    mode: held.mode,
                    site: held.site,
                })
                .collect::<Vec<_>>()
        });
        fast.push(Held {
            class,
            mode,
            instance: core.instance(),
            site,
            chain,
        });
        if let Some(held) = snapshot {
            enter_slow(fast, held, class, mode, site, chain, core.instance());
        }
        tid
    })
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
    // Several `with` calls on tiny closures rather than one on the whole body: LLVM inlines
    // `LocalKey::with` only when it is small, and a call to it goes through a function pointer.
    let depth = FAST.with(|fast| fast.depth.get());
    let below = match depth {
        0 => 0,
        _ => FAST.with(|fast| fast.top_chain()),
    };
    let chain = chain_key(below, class, mode);
    if below != 0 && !FAST.with(|fast| fast.is_validated(chain)) {
        return None;
    }
    FAST.with(|fast| {
        fast.push(Held {
            class,
            mode,
            instance,
            site,
            chain,
        });
    });
    Some(FAST.with(Fast::tid))
}

#[cold]
#[inline(never)]
fn enter_slow(
    fast: &Fast,
    held: Vec<HeldSnapshot>,
    class: u32,
    mode: Mode,
    site: &'static Location<'static>,
    chain: u64,
    instance: usize,
) {
    let reports = registry::observe_chain(&held, class, mode, site);
    let _ = SLOW.try_with(|slow| slow.borrow_mut().validated.insert(chain));
    fast.recent[(chain as usize) % RECENT_CHAINS].set(chain);
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
    FAST.with(|fast| {
        let depth = fast.depth.get();
        if let Some(slot) = depth.checked_sub(1).and_then(|top| fast.inline.get(top))
            && slot.instance.get() == instance
        {
            fast.depth.set(depth - 1);
            return Some(slot.load());
        }
        exit_deep_or_out_of_order(fast, instance)
    })
}

#[cold]
#[inline(never)]
fn exit_deep_or_out_of_order(fast: &Fast, instance: usize) -> Option<Held> {
    let depth = fast.depth.get();
    let position = (0..depth).rev().find(|&index| {
        fast.get(index)
            .is_some_and(|entry| entry.instance == instance)
    })?;
    let removed = fast.get(position)?;
    let mut below = match position {
        0 => 0,
        _ => fast.get(position - 1).map_or(0, |entry| entry.chain),
    };
    for index in position + 1..depth {
        let Some(mut entry) = fast.get(index) else {
            break;
        };
        entry.chain = chain_key(below, entry.class, entry.mode);
        below = entry.chain;
        fast.set(index - 1, entry);
    }
    if depth > INLINE_DEPTH {
        let _ = SLOW.try_with(|slow| slow.borrow_mut().overflow.pop());
    }
    fast.depth.set(depth - 1);
    Some(removed)
}

/// Puts back an entry taken off by [`exit`] (a condition-variable wait re-acquired the lock).
pub(crate) fn reenter(mut entry: Held) {
    FAST.with(|fast| {
        entry.chain = chain_key(fast.top_chain(), entry.class, entry.mode);
        fast.push(entry);
    });
}

/// The locks this thread holds, bottom first, except the entry for `waiting_for`.
pub(crate) fn held_except(waiting_for: usize) -> Vec<Held> {
    FAST.with(|fast| {
        let mut held = fast.entries();
        held.retain(|held| held.instance != waiting_for);
        held
    })
}

/// Number of locks the current thread holds (probed locks only).
pub fn held_count() -> usize {
    FAST.with(|fast| fast.depth.get())
}

/// A name for the current thread in reports.
pub(crate) fn current_thread_label() -> std::sync::Arc<str> {
    thread_local! {
        static LABEL: std::cell::OnceCell<std::sync::Arc<str>> = const { std::cell::OnceCell::new() };
    }
    LABEL
        .try_with(|label| label.get_or_init(thread_label).clone())
        .unwrap_or_else(|_| thread_label())
}

fn thread_label() -> std::sync::Arc<str> {
    let current = std::thread::current();
    match current.name() {
        Some(name) => name.into(),
        None => format!("{:?}", current.id()).into(),
    }
}
