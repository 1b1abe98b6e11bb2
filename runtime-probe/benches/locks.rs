//! Lock cost: std, parking_lot, the probe (enabled and disabled) and tracing-mutex, in one run.
//!
//! `cargo bench -p runtime-probe --bench locks -- --warm-up-time 1 --measurement-time 2`
//!
//! "probe-enabled" is `runtime_probe::enabled::Mutex` (always probing); "probe-disabled" is
//! `runtime_probe::disabled::Mutex`, which is what the crate root exports when the probe is off
//! (it *is* `std::sync::Mutex`, so it should equal std; it is measured to show that).
//!
//! `many_classes_16_threads` is the workload of `tests/scale.rs` (16 threads, 1,000 classes,
//! about 32,000 order edges, each new when first taken), with fresh classes every iteration,
//! against std: `cargo bench -p runtime-probe --bench locks -- many_classes`.

#[allow(dead_code)] // `expected_edges` is for the test
#[path = "../tests/support/many_classes.rs"]
mod many_classes;

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

/// The operations every contender offers, so each benchmark is written once.
trait BenchLock: Send + Sync + 'static {
    fn create(value: u64) -> Self;
    fn with<R>(&self, body: impl FnOnce(&mut u64) -> R) -> R;
}

macro_rules! std_like {
    ($name:ident, $path:ty) => {
        struct $name($path);
        impl BenchLock for $name {
            fn create(value: u64) -> Self {
                $name(<$path>::new(value))
            }
            #[inline]
            fn with<R>(&self, body: impl FnOnce(&mut u64) -> R) -> R {
                body(&mut self.0.lock().unwrap())
            }
        }
    };
}

std_like!(StdLock, std::sync::Mutex<u64>);
std_like!(ProbeEnabled, runtime_probe::enabled::Mutex<u64>);
std_like!(ProbeDisabled, runtime_probe::disabled::Mutex<u64>);
std_like!(TracingMutex, tracing_mutex::stdsync::tracing::Mutex<u64>);

struct ParkingLot(parking_lot::Mutex<u64>);
impl BenchLock for ParkingLot {
    fn create(value: u64) -> Self {
        ParkingLot(parking_lot::Mutex::new(value))
    }
    #[inline]
    fn with<R>(&self, body: impl FnOnce(&mut u64) -> R) -> R {
        body(&mut self.0.lock())
    }
}

struct ProbeParkingLot(runtime_probe::enabled::parking_lot::Mutex<u64>);
impl BenchLock for ProbeParkingLot {
    fn create(value: u64) -> Self {
        ProbeParkingLot(runtime_probe::enabled::parking_lot::Mutex::new(value))
    }
    #[inline]
    fn with<R>(&self, body: impl FnOnce(&mut u64) -> R) -> R {
        body(&mut self.0.lock())
    }
}

fn uncontended<L: BenchLock>(c: &mut Criterion, name: &str) {
    let lock = L::create(0);
    c.bench_function(&format!("uncontended/{name}"), |b| {
        b.iter(|| lock.with(|value| *value += 1))
    });
}

fn nested<L: BenchLock>(c: &mut Criterion, name: &str) {
    let outer = L::create(0);
    let inner = L::create(0);
    c.bench_function(&format!("nested_two/{name}"), |b| {
        b.iter(|| outer.with(|a| inner.with(|b| *a += black_box(*b) + 1)));
    });
}

/// `threads` threads each do `iters` lock+increment+unlock on one shared lock; the time per
/// iteration is the wall time for every thread to do one operation.
fn contended<L: BenchLock>(c: &mut Criterion, name: &str, threads: usize) {
    let lock: &'static L = Box::leak(Box::new(L::create(0)));
    c.bench_function(&format!("contended_{threads}_threads/{name}"), |b| {
        b.iter_custom(|iters| run_threads(threads, iters, |_| lock.with(|value| *value += 1)))
    });
}

/// Each thread has its own nested pair (no lock shared between threads): a probe with a
/// global lock on its hot path collapses here.
/// Keeps each thread's pair on its own cache lines (no false sharing between threads).
#[repr(align(128))]
struct Padded<T>(T);

fn private_nested<L: BenchLock>(c: &mut Criterion, name: &str, threads: usize) {
    let pairs: &'static Vec<Padded<(L, L)>> = Box::leak(Box::new(
        (0..threads)
            .map(|_| Padded((L::create(0), L::create(0))))
            .collect(),
    ));
    c.bench_function(&format!("private_nested_{threads}_threads/{name}"), |b| {
        b.iter_custom(|iters| {
            run_threads(threads, iters, |thread| {
                let (outer, inner) = &pairs[thread].0;
                outer.with(|a| inner.with(|b| *a += black_box(*b) + 1));
            })
        })
    });
}

fn run_threads(threads: usize, iters: u64, op: impl Fn(usize) + Sync) -> Duration {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (barrier, op) = (&barrier, &op);
            scope.spawn(move || {
                barrier.wait();
                for _ in 0..iters {
                    op(thread);
                }
            });
        }
        barrier.wait();
        let started = Instant::now();
        // The scope joins every thread before returning.
        started
    })
    .elapsed()
}

/// The scale workload: every iteration creates 1,000 fresh locks (for the probe, 1,000 new
/// classes, so every edge is new again) and runs 16 threads over them; only the run is timed.
/// Few, flat samples: each probe iteration adds 1,000 classes and ~32,000 edges to the
/// process, so the iteration count is kept small.
fn many_classes(c: &mut Criterion) {
    static ITERATION: AtomicUsize = AtomicUsize::new(0);
    let mut group = c.benchmark_group("many_classes_16_threads");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(500));
    fn timed<L: many_classes::WorkloadLock>(iters: u64) -> Duration {
        (0..iters)
            .map(|_| {
                let prefix = format!("bench-{}", ITERATION.fetch_add(1, Ordering::Relaxed));
                let locks = many_classes::locks::<L>(&prefix);
                many_classes::run(&locks, 16)
            })
            .sum()
    }
    group.bench_function("std", |b| b.iter_custom(timed::<std::sync::Mutex<u64>>));
    group.bench_function("probe-enabled", |b| {
        b.iter_custom(timed::<runtime_probe::enabled::Mutex<u64>>)
    });
    group.finish();
}

macro_rules! all_contenders {
    ($c:expr, $bench:ident $(, $arg:expr)*) => {
        $bench::<StdLock>($c, "std" $(, $arg)*);
        $bench::<ParkingLot>($c, "parking_lot" $(, $arg)*);
        $bench::<ProbeEnabled>($c, "probe-enabled" $(, $arg)*);
        $bench::<ProbeDisabled>($c, "probe-disabled" $(, $arg)*);
        $bench::<ProbeParkingLot>($c, "probe-enabled-parking_lot" $(, $arg)*);
        $bench::<TracingMutex>($c, "tracing-mutex" $(, $arg)*);
    };
}

fn benches(c: &mut Criterion) {
    // Reports would panic in a benchmark; there are none (consistent orders only).
    runtime_probe::set_action(runtime_probe::Action::Log);
    all_contenders!(c, uncontended);
    all_contenders!(c, nested);
    all_contenders!(c, contended, 2);
    all_contenders!(c, contended, 4);
    all_contenders!(c, private_nested, 2);
    many_classes(c);
}

criterion_group!(locks, benches);
criterion_main!(locks);
