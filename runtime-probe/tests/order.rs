//! Potential deadlocks: lock-order cycles found without any thread hanging, and the orders that
//! must not be reported.

use std::thread;

use runtime_probe::enabled::{Condvar, Mutex, RwLock};
use runtime_probe::{Action, Named, Report, ReportKind};

/// Reports stay in the process registry; each test uses its own class names and looks only
/// at the reports naming them, so tests running in parallel do not see each other's.
fn record_only() {
    runtime_probe::set_action(Action::Record);
}

fn order_reports_naming(name: &str) -> Vec<Report> {
    runtime_probe::reports()
        .into_iter()
        .filter(|report| report.kind == ReportKind::LockOrderCycle && report.names_class(name))
        .collect()
}

fn run_in_thread(body: impl FnOnce() + Send + 'static) {
    thread::spawn(body).join().expect("test thread panicked");
}

/// Mutexes of these class names, for the lifetime of the test process.
fn mutexes<const N: usize>(names: [&'static str; N]) -> [&'static Mutex<()>; N] {
    names.map(|name| &*Box::leak(Box::new(Mutex::named(name, ()))))
}

/// RwLocks of these class names, for the lifetime of the test process.
fn rwlocks<const N: usize>(names: [&'static str; N]) -> [&'static RwLock<()>; N] {
    names.map(|name| &*Box::leak(Box::new(RwLock::named(name, ()))))
}

/// On a new thread, takes `outer`, then `inner` while holding it.
fn nest(outer: &'static Mutex<()>, inner: &'static Mutex<()>) {
    run_in_thread(move || {
        let _outer = outer.lock().unwrap();
        let _inner = inner.lock().unwrap();
    });
}

/// Whether this process recorded an edge between the classes with these names.
fn has_edge(from: &str, to: &str) -> bool {
    let trace = runtime_probe::snapshot();
    let id = |name: &str| {
        trace
            .classes
            .iter()
            .find(|class| class.name.as_deref() == Some(name))
            .map(|class| class.id)
    };
    trace
        .edges
        .iter()
        .any(|edge| Some(edge.from) == id(from) && Some(edge.to) == id(to))
}

#[test]
fn two_lock_inversion_across_threads_is_reported_without_a_hang() {
    record_only();
    let a: &'static Mutex<u32> = Box::leak(Box::new(Mutex::named("inv2_a", 0)));
    let b: &'static Mutex<u32> = Box::leak(Box::new(Mutex::named("inv2_b", 0)));
    let a_then_b_line = line!() + 3;
    run_in_thread(move || {
        let _a = a.lock().unwrap();
        let _b = b.lock().unwrap();
    });
    assert!(order_reports_naming("inv2_a").is_empty());
    let b_then_a_line = line!() + 3;
    run_in_thread(move || {
        let _b = b.lock().unwrap();
        let _a = a.lock().unwrap();
    });
    let reports = order_reports_naming("inv2_a");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let report = &reports[0];
    assert!(report.names_class("inv2_b"));
    assert_eq!(report.cycle.len(), 2);
    let acquire_lines: Vec<u32> = report
        .cycle
        .iter()
        .map(|step| step.witness.acquire_site.line)
        .collect();
    assert!(
        acquire_lines.contains(&a_then_b_line),
        "{acquire_lines:?} {}",
        report.message
    );
    assert!(
        acquire_lines.contains(&b_then_a_line),
        "{acquire_lines:?} {}",
        report.message
    );
    let held_lines: Vec<u32> = report
        .cycle
        .iter()
        .map(|step| step.witness.held_site.line)
        .collect();
    assert!(
        held_lines.contains(&(a_then_b_line - 1)) && held_lines.contains(&(b_then_a_line - 1)),
        "{held_lines:?}"
    );
    assert!(
        report.message.contains("potential deadlock"),
        "{}",
        report.message
    );
    assert!(report.message.contains(file!()), "{}", report.message);
}

#[test]
fn three_lock_cycle_is_reported() {
    record_only();
    let [a, b, c] = mutexes(["inv3_a", "inv3_b", "inv3_c"]);
    nest(a, b);
    nest(b, c);
    assert!(order_reports_naming("inv3_a").is_empty());
    nest(c, a);
    let reports = order_reports_naming("inv3_a");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert_eq!(reports[0].cycle.len(), 3);
    for name in ["inv3_a", "inv3_b", "inv3_c"] {
        assert!(reports[0].names_class(name), "{}", reports[0].message);
    }
}

#[test]
fn panic_action_panics_on_the_thread_closing_the_cycle() {
    // The action is per thread here, so the tests running next to this one keep theirs.
    record_only();
    let [a, b] = mutexes(["panic_a", "panic_b"]);
    nest(a, b);
    let outcome = thread::spawn(move || {
        runtime_probe::with_thread_action(Action::Panic, || {
            let _b = b.lock().unwrap();
            let _a = a.lock().unwrap();
        })
    })
    .join();
    let message = *outcome
        .expect_err("closing the cycle must panic")
        .downcast::<String>()
        .expect("a String panic");
    assert!(
        message.contains("panic_a") && message.contains("panic_b"),
        "{message}"
    );
    // The lock that was about to be taken was not taken: `a` is free, `b` was released by unwinding.
    assert!(a.try_lock().is_ok());
    assert!(
        b.lock().is_err(),
        "b was held while the thread panicked, so it is poisoned like std"
    );
}

#[test]
fn consistent_order_is_not_reported() {
    record_only();
    let [a, b, c] = mutexes(["ok_a", "ok_b", "ok_c"]);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                for _ in 0..100 {
                    let _a = a.lock().unwrap();
                    let _b = b.lock().unwrap();
                    let _c = c.lock().unwrap();
                }
                let _a = a.lock().unwrap();
                let _c = c.lock().unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(order_reports_naming("ok_a").is_empty());
    assert!(order_reports_naming("ok_b").is_empty());
}

#[test]
fn try_lock_inversion_is_not_reported() {
    record_only();
    let [a, b, c] = mutexes(["try_a", "try_b", "try_c"]);
    run_in_thread(move || {
        let _a = a.lock().unwrap();
        let _b = b.try_lock().unwrap();
    });
    run_in_thread(move || {
        let _b = b.lock().unwrap();
        let _a = a.try_lock().unwrap();
    });
    assert!(order_reports_naming("try_a").is_empty());
    // But a blocking lock after a try-acquired one still orders them.
    run_in_thread(move || {
        let _c = c.try_lock().unwrap();
        let _a = a.lock().unwrap();
    });
    nest(a, c);
    assert_eq!(order_reports_naming("try_c").len(), 1);
}

#[test]
fn locks_released_before_the_next_is_taken_are_not_ordered() {
    record_only();
    let [a, b] = mutexes(["seq_a", "seq_b"]);
    run_in_thread(move || {
        drop(a.lock().unwrap());
        drop(b.lock().unwrap());
    });
    run_in_thread(move || {
        drop(b.lock().unwrap());
        drop(a.lock().unwrap());
    });
    assert!(order_reports_naming("seq_a").is_empty());
    assert_eq!(runtime_probe::held_count(), 0);
}

#[test]
fn guards_dropped_out_of_order_keep_the_held_stack_true() {
    record_only();
    let [a, b, c] = mutexes(["ooo_a", "ooo_b", "ooo_c"]);
    run_in_thread(move || {
        let guard_a = a.lock().unwrap();
        let guard_b = b.lock().unwrap();
        drop(guard_a);
        assert_eq!(runtime_probe::held_count(), 1);
        // Only b is held now: c after b is an edge, c after a is not.
        let _c = c.lock().unwrap();
        drop(guard_b);
    });
    assert!(has_edge("ooo_a", "ooo_b"));
    assert!(has_edge("ooo_b", "ooo_c"));
    assert!(
        !has_edge("ooo_a", "ooo_c"),
        "a was released before c was taken"
    );
    assert!(order_reports_naming("ooo_a").is_empty());
}

/// Deeper than the probe's inline held stack (8 entries): the overflow part keeps the same
/// semantics (edges from every held lock, out-of-order drops, condition-variable waits).
#[test]
fn a_deep_held_stack_keeps_edges_and_out_of_order_drops_true() {
    record_only();
    const NAMES: [&str; 12] = [
        "deep_00", "deep_01", "deep_02", "deep_03", "deep_04", "deep_05", "deep_06", "deep_07",
        "deep_08", "deep_09", "deep_10", "deep_11",
    ];
    let locks: &'static Vec<Mutex<()>> = Box::leak(Box::new(
        NAMES.iter().map(|&name| Mutex::named(name, ())).collect(),
    ));
    let late: &'static Mutex<bool> = Box::leak(Box::new(Mutex::named("deep_late", false)));
    let condvar: &'static Condvar = Box::leak(Box::new(Condvar::new()));
    run_in_thread(move || {
        let mut guards: Vec<Option<_>> = locks
            .iter()
            .map(|lock| Some(lock.lock().unwrap()))
            .collect();
        assert_eq!(runtime_probe::held_count(), 12);
        // One inline entry and one overflow entry released out of order.
        drop(guards[3].take());
        drop(guards[9].take());
        assert_eq!(runtime_probe::held_count(), 10);
        let mut flag = late.lock().unwrap();
        assert_eq!(runtime_probe::held_count(), 11);
        *flag = true;
        let (flag, _) = condvar
            .wait_timeout_while(flag, std::time::Duration::from_millis(1), |flag| !*flag)
            .unwrap();
        assert_eq!(runtime_probe::held_count(), 11);
        drop(flag);
        drop(guards);
        assert_eq!(runtime_probe::held_count(), 0);
    });
    assert!(has_edge("deep_00", "deep_11"));
    assert!(has_edge("deep_10", "deep_11"));
    assert!(has_edge("deep_02", "deep_late"));
    assert!(has_edge("deep_11", "deep_late"));
    assert!(
        !has_edge("deep_03", "deep_late"),
        "deep_03 was released before"
    );
    assert!(
        !has_edge("deep_09", "deep_late"),
        "deep_09 was released before"
    );
    assert!(order_reports_naming("deep_00").is_empty());
    // An inversion closed beyond the inline depth is reported.
    run_in_thread(move || {
        let _late = late.lock().unwrap();
        let _first = locks[10].lock().unwrap();
    });
    assert_eq!(order_reports_naming("deep_late").len(), 1);
}

#[test]
fn read_read_inversion_without_writers_is_not_reported() {
    record_only();
    let [a, b] = rwlocks(["rr_a", "rr_b"]);
    run_in_thread(move || {
        let _a = a.read().unwrap();
        let _b = b.read().unwrap();
    });
    run_in_thread(move || {
        let _b = b.read().unwrap();
        let _a = a.read().unwrap();
    });
    assert!(order_reports_naming("rr_a").is_empty());
}

#[test]
fn read_read_inversion_is_reported_once_a_writer_can_interleave() {
    record_only();
    let [a, b] = rwlocks(["rrw_a", "rrw_b"]);
    run_in_thread(move || {
        let _a = a.read().unwrap();
        let _b = b.read().unwrap();
    });
    run_in_thread(move || {
        let _b = b.read().unwrap();
        let _a = a.read().unwrap();
    });
    assert!(order_reports_naming("rrw_a").is_empty());
    // A writer of `a` alone cannot deadlock them: T2 may wait to read `a` behind a queued
    // writer, but T1's read of `b` is not blocked by T2's read of `b`.
    run_in_thread(move || drop(a.write().unwrap()));
    assert!(order_reports_naming("rrw_a").is_empty());
    // With writers of both (std's RwLock lets a queued writer block new readers), each thread
    // can wait behind a writer queued on the lock the other reads: a real deadlock.
    run_in_thread(move || drop(b.write().unwrap()));
    assert_eq!(order_reports_naming("rrw_a").len(), 1);
}

#[test]
fn read_write_inversion_is_reported() {
    record_only();
    let [a, b] = rwlocks(["rw_a", "rw_b"]);
    run_in_thread(move || {
        let _a = a.read().unwrap();
        let _b = b.write().unwrap();
    });
    run_in_thread(move || {
        let _b = b.read().unwrap();
        let _a = a.write().unwrap();
    });
    assert_eq!(order_reports_naming("rw_a").len(), 1);
}

#[test]
fn locks_created_at_one_site_form_one_class() {
    record_only();
    fn per_request_lock() -> Mutex<u32> {
        Mutex::named("request", 0)
    }
    let [outer] = mutexes(["outer_for_requests"]);
    let first = per_request_lock();
    let second = per_request_lock();
    {
        let _outer = outer.lock().unwrap();
        let _inner = first.lock().unwrap();
    }
    {
        let _inner = second.lock().unwrap();
        let _outer = outer.lock().unwrap();
    }
    let reports = order_reports_naming("outer_for_requests");
    assert_eq!(
        reports.len(),
        1,
        "instances of one site are one class: {reports:#?}"
    );
    assert!(reports[0].names_class("request"));
}

#[test]
fn condvar_wait_releases_the_mutex_in_the_probe() {
    record_only();
    let pair: &'static (Mutex<bool>, Condvar) =
        Box::leak(Box::new((Mutex::named("cv_mutex", false), Condvar::new())));
    let [other] = mutexes(["cv_other"]);
    let waiter = thread::spawn(move || {
        let (lock, condvar) = pair;
        let guard = condvar
            .wait_while(lock.lock().unwrap(), |ready| !*ready)
            .unwrap();
        assert!(*guard);
        assert_eq!(runtime_probe::held_count(), 1);
        drop(guard);
        assert_eq!(runtime_probe::held_count(), 0);
    });
    {
        // The notifier takes `other` then the mutex; the waiter never holds the mutex while
        // taking `other`, so no cycle.
        let _other = other.lock().unwrap();
        *pair.0.lock().unwrap() = true;
        pair.1.notify_all();
    }
    waiter.join().unwrap();
    let (guard, timeout) = pair
        .1
        .wait_timeout(pair.0.lock().unwrap(), std::time::Duration::from_millis(1))
        .unwrap();
    assert!(timeout.timed_out() && *guard);
    drop(guard);
    assert!(order_reports_naming("cv_mutex").is_empty());
}

/// A small deterministic pseudo-random sequence (no dependency, same cases every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }
}

/// Whether `to` can be reached from `from` through `edges`.
fn reaches(edges: &[(usize, usize)], from: usize, to: usize) -> bool {
    let mut seen = vec![from];
    let mut stack = vec![from];
    while let Some(at) = stack.pop() {
        for &(_, next) in edges.iter().filter(|(source, _)| *source == at) {
            if next == to {
                return true;
            }
            if !seen.contains(&next) {
                seen.push(next);
                stack.push(next);
            }
        }
    }
    false
}

/// The live cycle check (topological order kept as edges arrive, components merged when a
/// cycle forms, the search confined to a component) agrees with a brute-force search: with
/// mutexes only, a new edge `u -> v` is reported exactly when `v` already reached `u`.
/// Classes are first taken in a shuffled order, so many edges go against the order the probe
/// has seen, and later edges land inside merged components.
#[test]
fn every_new_edge_is_reported_exactly_when_it_closes_a_cycle() {
    record_only();
    const CLASSES: usize = 24;
    let mut random = Lcg(7);
    let names: Vec<&'static str> = (0..CLASSES)
        .map(|index| &*Box::leak(format!("random_{index:02}").into_boxed_str()))
        .collect();
    let locks: &'static [Mutex<()>] = Box::leak(
        names
            .iter()
            .map(|&name| Mutex::named(name, ()))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut reported = 0;
    for _ in 0..300 {
        let (from, to) = (random.below(CLASSES), random.below(CLASSES));
        if from == to || edges.contains(&(from, to)) {
            continue;
        }
        let closes_cycle = reaches(&edges, to, from);
        edges.push((from, to));
        run_in_thread(move || {
            let _from = locks[from].lock().unwrap();
            let _to = locks[to].lock().unwrap();
        });
        let now = runtime_probe::reports()
            .iter()
            .filter(|report| report.kind == ReportKind::LockOrderCycle)
            .filter(|report| {
                report.classes().iter().all(|class| {
                    class
                        .name
                        .as_deref()
                        .is_some_and(|name| name.starts_with("random_"))
                })
            })
            .count();
        assert_eq!(
            now - reported,
            usize::from(closes_cycle),
            "edge {from} -> {to} after {edges:?}"
        );
        reported = now;
    }
    assert!(
        reported > 10,
        "the sequence must close many cycles: {reported}"
    );
}

/// Two threads record the two halves of an inversion at the same moment, many times over,
/// on fresh classes: whichever edge is checked last sees the other, with or without the
/// global lock, so each inversion is reported exactly once.
#[test]
fn an_inversion_recorded_by_two_threads_at_once_is_reported_once() {
    record_only();
    const ROUNDS: usize = 200;
    let barrier = std::sync::Barrier::new(2);
    let pairs: Vec<[&'static Mutex<()>; 4]> = (0..ROUNDS)
        .map(|round| {
            let a: &'static str = Box::leak(format!("race_{round}_a").into_boxed_str());
            let b: &'static str = Box::leak(format!("race_{round}_b").into_boxed_str());
            // Two locks of each class: the threads never wait for each other.
            [a, b, a, b].map(|name| &*Box::leak(Box::new(Mutex::named(name, ()))))
        })
        .collect();
    thread::scope(|scope| {
        for (outer, inner) in [(0, 1), (3, 2)] {
            let (pairs, barrier) = (&pairs, &barrier);
            scope.spawn(move || {
                for locks in pairs {
                    barrier.wait();
                    let _outer = locks[outer].lock().unwrap();
                    let _inner = locks[inner].lock().unwrap();
                }
            });
        }
    });
    for round in 0..ROUNDS {
        let name = format!("race_{round}_a");
        assert_eq!(order_reports_naming(&name).len(), 1, "round {round}");
    }
}
