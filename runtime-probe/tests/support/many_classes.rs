//! The many-classes workload shared by `tests/scale.rs` and `benches/locks.rs`: `threads`
//! threads over [`CLASSES`] lock classes, in a consistent order (no inversion), where almost
//! every nested acquisition is an order edge nobody has seen before.
//!
//! Each thread walks every class once, starting at its own offset (so threads rarely contend
//! for one lock), and while holding class `i` takes class `i + 1` (an edge every thread takes)
//! and [`FANOUT`] later classes of its own (offsets `1..=threads * FANOUT`, each taken by one
//! thread). With 16 threads that is about 32,000 distinct edges, each new when first taken:
//! the case where a probe whose cost per new edge grows with the graph becomes quadratic.

use std::time::{Duration, Instant};

/// Lock classes (one lock per class).
pub const CLASSES: usize = 1_000;
/// Later classes each thread takes while holding one, besides the next one.
pub const FANOUT: usize = 2;

/// What the workload needs from a lock.
pub trait WorkloadLock: Send + Sync {
    /// A lock in a class of its own named `name` (the probe's classes are per (site, name)).
    fn create(name: &'static str) -> Self;
    fn hold(&self, body: impl FnOnce());
}

impl WorkloadLock for std::sync::Mutex<u64> {
    fn create(_name: &'static str) -> Self {
        std::sync::Mutex::new(0)
    }

    fn hold(&self, body: impl FnOnce()) {
        let mut guard = self.lock().unwrap();
        *guard += 1;
        body();
    }
}

impl WorkloadLock for runtime_probe::enabled::Mutex<u64> {
    fn create(name: &'static str) -> Self {
        <Self as runtime_probe::Named<u64>>::named(name, 0)
    }

    fn hold(&self, body: impl FnOnce()) {
        let mut guard = self.lock().unwrap();
        *guard += 1;
        body();
    }
}

/// [`CLASSES`] locks, named `{prefix}-{index}`: a fresh prefix gives fresh classes.
pub fn locks<L: WorkloadLock>(prefix: &str) -> Vec<L> {
    (0..CLASSES)
        .map(|index| L::create(Box::leak(format!("{prefix}-{index}").into_boxed_str())))
        .collect()
}

/// Runs the workload on `threads` threads; returns the wall time (spawn to last join).
pub fn run<L: WorkloadLock>(locks: &[L], threads: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            scope.spawn(move || walk(locks, threads, thread));
        }
    });
    started.elapsed()
}

fn walk<L: WorkloadLock>(locks: &[L], threads: usize, thread: usize) {
    let count = locks.len();
    let span = threads * FANOUT;
    let start = thread * count / threads;
    for step in 0..count {
        let outer = (start + step) % count;
        locks[outer].hold(|| {
            if let Some(next) = locks.get(outer + 1) {
                next.hold(|| {});
            }
            for round in 0..FANOUT {
                let offset = 1 + (thread + round * threads) % span;
                if let Some(later) = locks.get(outer + offset) {
                    later.hold(|| {});
                }
            }
        });
    }
}

/// Distinct order edges the workload produces with `threads` threads.
pub fn expected_edges(threads: usize) -> usize {
    let span = threads * FANOUT;
    (0..CLASSES)
        .map(|outer| span.min(CLASSES - 1 - outer))
        .sum()
}
