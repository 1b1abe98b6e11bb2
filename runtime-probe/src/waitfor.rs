//! Actual deadlocks: a wait-for graph (thread waits for lock, lock held by thread) that a
//! watchdog thread checks once a thread has been blocked longer than the configured timeout.
//!
//! Holders are known cheaply: each lock keeps its exclusive owner (and a few reader ids) in its
//! own atomics, and only while some thread waits on a lock do its holders publish themselves
//! in the global table. A blocked thread registers itself before blocking. A cycle must be
//! seen by two consecutive scans, by the same waits, before it is reported.

use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

use crate::core::{LockCore, NO_SLOT, Token};
use crate::registry;
use crate::thread::{self, Held};
use crate::trace::{BlockedThread, HeldLock, Mode, Report, ReportKind, Site};

struct Waiter {
    generation: u64,
    thread: String,
    instance: usize,
    class: u32,
    mode: Mode,
    site: &'static Location<'static>,
    since: Instant,
    holds: Vec<Held>,
}

#[derive(Default)]
struct WaitState {
    next_generation: u64,
    /// By probe thread id.
    waiters: HashMap<u64, Waiter>,
    /// Holders of locks that have waiters: instance -> (thread id, mode).
    holders: HashMap<usize, Vec<(u64, Mode)>>,
    /// Cycles (as sorted waiter generations) seen by the previous scan.
    candidates: HashSet<Vec<u64>>,
    reported: HashSet<Vec<u64>>,
}

static WAITS: LazyLock<Mutex<WaitState>> = LazyLock::new(Mutex::default);
static WATCHDOG: Once = Once::new();

fn waits() -> std::sync::MutexGuard<'static, WaitState> {
    WAITS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn add_holder(state: &mut WaitState, instance: usize, tid: u64, mode: Mode) {
    let holders = state.holders.entry(instance).or_default();
    if !holders.contains(&(tid, mode)) {
        holders.push((tid, mode));
    }
}

/// After the lock is taken: record ownership, and publish it if somebody waits.
#[inline(always)]
pub(crate) fn acquired(core: &LockCore, readers: &[AtomicU64], tid: u64, mode: Mode) -> u8 {
    let mut slot = NO_SLOT;
    if mode == Mode::Exclusive {
        core.owner.store(tid, Ordering::Release);
    } else {
        for (index, reader) in readers.iter().enumerate() {
            if reader
                .compare_exchange(0, tid, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                slot = index as u8;
                break;
            }
        }
    }
    if core.waiters.load(Ordering::SeqCst) != 0 {
        add_holder(&mut waits(), core.instance(), tid, mode);
    }
    slot
}

/// Before the lock is released: clear ownership, and unpublish it if somebody waits.
#[inline(always)]
pub(crate) fn released(core: &LockCore, readers: &[AtomicU64], token: Token) {
    if token.mode() == Mode::Exclusive {
        core.owner.store(0, Ordering::Release);
    } else if let Some(reader) = readers.get(usize::from(token.slot())) {
        reader.store(0, Ordering::Release);
    }
    if core.waiters.load(Ordering::SeqCst) != 0 {
        released_with_waiters(core, token);
    }
}

#[cold]
fn released_with_waiters(core: &LockCore, token: Token) {
    let mut state = waits();
    if let Some(holders) = state.holders.get_mut(&core.instance())
        && let Some(position) = holders
            .iter()
            .position(|&holder| holder == (token.tid(), token.mode()))
    {
        holders.swap_remove(position);
    }
}

/// Blocks in `acquire` as a registered waiter.
#[cold]
#[inline(never)]
pub(crate) fn wait_as_registered_waiter<G>(
    core: &LockCore,
    readers: &[AtomicU64],
    tid: u64,
    mode: Mode,
    site: &'static Location<'static>,
    acquire: impl FnOnce() -> G,
) -> G {
    if registry::with_config(|config| config.deadlock_timeout).is_none() {
        return acquire();
    }
    WATCHDOG.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("coordlint-deadlock-watchdog".into())
            .spawn(watchdog_loop);
        if let Err(error) = spawned {
            eprintln!("coordlint runtime-probe: cannot start the deadlock watchdog: {error}");
        }
    });
    let instance = core.instance();
    let holds = thread::held_except(instance);
    let label = thread::current_thread_label().to_string();
    core.waiters.fetch_add(1, Ordering::SeqCst);
    {
        let mut state = waits();
        let owner = core.owner.load(Ordering::SeqCst);
        if owner != 0 {
            add_holder(&mut state, instance, owner, Mode::Exclusive);
        }
        for reader in readers {
            let reader = reader.load(Ordering::SeqCst);
            if reader != 0 {
                add_holder(&mut state, instance, reader, Mode::Shared);
            }
        }
        state.next_generation += 1;
        let generation = state.next_generation;
        let waiter = Waiter {
            generation,
            thread: label,
            instance,
            class: core.class(),
            mode,
            site,
            since: Instant::now(),
            holds,
        };
        state.waiters.insert(tid, waiter);
    }
    let guard = acquire();
    let remaining = core.waiters.fetch_sub(1, Ordering::SeqCst) - 1;
    let mut state = waits();
    state.waiters.remove(&tid);
    if remaining == 0 && core.waiters.load(Ordering::SeqCst) == 0 {
        state.holders.remove(&instance);
    }
    guard
}

fn conflicts(waiting: Mode, held: Mode) -> bool {
    waiting == Mode::Exclusive || held == Mode::Exclusive
}

fn watchdog_loop() {
    loop {
        let timeout = registry::with_config(|config| config.deadlock_timeout);
        let period = timeout.map_or(Duration::from_millis(200), |t| {
            (t / 4).clamp(Duration::from_millis(5), Duration::from_millis(500))
        });
        std::thread::sleep(period);
        if let Some(timeout) = timeout {
            let found = scan(timeout);
            if !found.is_empty() {
                registry::deliver(found);
            }
        }
    }
}

/// One scan of the wait-for graph: returns reports for cycles confirmed by two scans.
fn scan(timeout: Duration) -> Vec<Report> {
    let mut state = waits();
    let now = Instant::now();
    let old: HashMap<u64, &Waiter> = state
        .waiters
        .iter()
        .filter(|(_, waiter)| now.duration_since(waiter.since) >= timeout)
        .map(|(&tid, w)| (tid, w))
        .collect();
    let blockers = |tid: u64| -> Vec<u64> {
        let waiter = old[&tid];
        let holders = state
            .holders
            .get(&waiter.instance)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut out: Vec<u64> = holders
            .iter()
            .filter(|&&(_, mode)| conflicts(waiter.mode, mode))
            .map(|&(holder, _)| holder)
            .collect();
        if out.is_empty() && waiter.mode.is_shared() {
            // Only readers hold it: a reader waits because a writer is queued (writer preference).
            out = old
                .iter()
                .filter(|(_, w)| w.instance == waiter.instance && w.mode == Mode::Exclusive)
                .map(|(&t, _)| t)
                .collect();
        }
        out.retain(|blocker| old.contains_key(blocker));
        out.sort_unstable();
        out
    };
    let mut starts: Vec<u64> = old.keys().copied().collect();
    starts.sort_unstable();
    let mut cycles: Vec<Vec<u64>> = Vec::new();
    for &start in &starts {
        if cycles.iter().any(|cycle| cycle.contains(&start)) {
            continue;
        }
        if let Some(cycle) = cycle_from(start, &blockers) {
            cycles.push(cycle);
        }
    }
    let mut current: HashSet<Vec<u64>> = HashSet::new();
    let mut confirmed: Vec<Vec<u64>> = Vec::new();
    for cycle in &cycles {
        let mut key: Vec<u64> = cycle.iter().map(|tid| old[tid].generation).collect();
        key.sort_unstable();
        if state.candidates.contains(&key) && !state.reported.contains(&key) {
            confirmed.push(cycle.clone());
        }
        current.insert(key);
    }
    let snapshots: Vec<Vec<ThreadSnapshot>> = confirmed
        .iter()
        .map(|cycle| {
            cycle
                .iter()
                .map(|tid| {
                    let w = old[tid];
                    let waited = now.duration_since(w.since).as_millis() as u64;
                    (
                        w.thread.clone(),
                        w.instance,
                        w.class,
                        w.mode,
                        w.site,
                        waited,
                        w.holds.clone(),
                    )
                })
                .collect()
        })
        .collect();
    let reported_keys: Vec<Vec<u64>> = confirmed
        .iter()
        .map(|cycle| {
            let mut key: Vec<u64> = cycle.iter().map(|tid| old[tid].generation).collect();
            key.sort_unstable();
            key
        })
        .collect();
    state.candidates = current;
    state.reported.extend(reported_keys);
    drop(state);
    snapshots
        .into_iter()
        .map(|threads| deadlock_report(&threads))
        .collect()
}

/// A cycle of waiting threads through `start`, in wait order, if there is one.
fn cycle_from(start: u64, blockers: &dyn Fn(u64) -> Vec<u64>) -> Option<Vec<u64>> {
    let mut path = vec![start];
    let mut next_choice = vec![0usize];
    let mut on_path: HashSet<u64> = HashSet::from([start]);
    let mut dead: HashSet<u64> = HashSet::new();
    while let Some(&top) = path.last() {
        let choices = blockers(top);
        let choice = next_choice.last().copied().unwrap_or(0);
        if choices.contains(&start) {
            return Some(path);
        }
        match choices.get(choice) {
            Some(&next) => {
                *next_choice.last_mut()? += 1;
                if !on_path.contains(&next) && !dead.contains(&next) {
                    path.push(next);
                    next_choice.push(0);
                    on_path.insert(next);
                }
            }
            None => {
                path.pop();
                next_choice.pop();
                on_path.remove(&top);
                dead.insert(top);
            }
        }
    }
    None
}

type ThreadSnapshot = (
    String,
    usize,
    u32,
    Mode,
    &'static Location<'static>,
    u64,
    Vec<Held>,
);

fn deadlock_report(threads: &[ThreadSnapshot]) -> Report {
    let blocked: Vec<BlockedThread> = threads
        .iter()
        .map(
            |(thread, _, class, mode, site, waited_ms, holds)| BlockedThread {
                thread: thread.clone(),
                waits_for: registry::class_ref(*class),
                wait_mode: *mode,
                wait_site: Site::from_location(site),
                waited_ms: *waited_ms,
                holds: holds
                    .iter()
                    .map(|held| HeldLock {
                        class: registry::class_ref(held.class),
                        mode: held.mode,
                        site: Site::from_location(held.site),
                    })
                    .collect(),
            },
        )
        .collect();
    let mut message = format!(
        "deadlock: {} thread(s) are blocked on each other",
        blocked.len()
    );
    for thread in &blocked {
        message.push_str(&format!(
            "\n  thread `{}` has waited {} ms for {} ({}) at {}",
            thread.thread,
            thread.waited_ms,
            thread.waits_for,
            thread.wait_mode.as_str(),
            thread.wait_site
        ));
        for held in &thread.holds {
            message.push_str(&format!(
                "\n    while holding {} ({}) acquired at {}",
                held.class,
                held.mode.as_str(),
                held.site
            ));
        }
    }
    Report {
        kind: ReportKind::Deadlock,
        message,
        cycle: Vec::new(),
        threads: blocked,
        pid: std::process::id(),
    }
}
