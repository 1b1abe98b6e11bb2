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
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("inv3_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("inv3_b", ())));
    let c: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("inv3_c", ())));
    run_in_thread(move || {
        let _a = a.lock().unwrap();
        let _b = b.lock().unwrap();
    });
    run_in_thread(move || {
        let _b = b.lock().unwrap();
        let _c = c.lock().unwrap();
    });
    assert!(order_reports_naming("inv3_a").is_empty());
    run_in_thread(move || {
        let _c = c.lock().unwrap();
        let _a = a.lock().unwrap();
    });
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
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("panic_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("panic_b", ())));
    run_in_thread(move || {
        let _a = a.lock().unwrap();
        let _b = b.lock().unwrap();
    });
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
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ok_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ok_b", ())));
    let c: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ok_c", ())));
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
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("try_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("try_b", ())));
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
    let c: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("try_c", ())));
    run_in_thread(move || {
        let _c = c.try_lock().unwrap();
        let _a = a.lock().unwrap();
    });
    run_in_thread(move || {
        let _a = a.lock().unwrap();
        let _c = c.lock().unwrap();
    });
    assert_eq!(order_reports_naming("try_c").len(), 1);
}

#[test]
fn locks_released_before_the_next_is_taken_are_not_ordered() {
    record_only();
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("seq_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("seq_b", ())));
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
    let a: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ooo_a", ())));
    let b: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ooo_b", ())));
    let c: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("ooo_c", ())));
    run_in_thread(move || {
        let guard_a = a.lock().unwrap();
        let guard_b = b.lock().unwrap();
        drop(guard_a);
        assert_eq!(runtime_probe::held_count(), 1);
        // Only b is held now: c after b is an edge, c after a is not.
        let _c = c.lock().unwrap();
        drop(guard_b);
    });
    let trace = runtime_probe::snapshot();
    let id = |name: &str| {
        trace
            .classes
            .iter()
            .find(|class| class.name.as_deref() == Some(name))
            .unwrap()
            .id
    };
    let has_edge = |from: &str, to: &str| {
        trace
            .edges
            .iter()
            .any(|edge| edge.from == id(from) && edge.to == id(to))
    };
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
    let trace = runtime_probe::snapshot();
    let id = |name: &str| {
        trace
            .classes
            .iter()
            .find(|class| class.name.as_deref() == Some(name))
            .unwrap()
            .id
    };
    let has_edge = |from: &str, to: &str| {
        trace
            .edges
            .iter()
            .any(|edge| edge.from == id(from) && edge.to == id(to))
    };
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
    let a: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rr_a", ())));
    let b: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rr_b", ())));
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
    let a: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rrw_a", ())));
    let b: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rrw_b", ())));
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
    let a: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rw_a", ())));
    let b: &'static RwLock<()> = Box::leak(Box::new(RwLock::named("rw_b", ())));
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
    let outer: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("outer_for_requests", ())));
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
    let other: &'static Mutex<()> = Box::leak(Box::new(Mutex::named("cv_other", ())));
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
