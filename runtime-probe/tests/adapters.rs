//! The parking_lot and tokio wrappers: same order semantics, per-task held stacks for tokio.

use std::sync::Arc;
use std::time::Duration;

use runtime_probe::enabled::{parking_lot as pl, tokio as tk};
use runtime_probe::{Action, Named, Report, ReportKind};

fn order_reports_naming(name: &str) -> Vec<Report> {
    runtime_probe::reports()
        .into_iter()
        .filter(|report| report.kind == ReportKind::LockOrderCycle && report.names_class(name))
        .collect()
}

fn in_thread(body: impl FnOnce() + Send + 'static) {
    std::thread::spawn(body).join().unwrap();
}

#[test]
fn parking_lot_inversion_is_reported_and_try_lock_is_not() {
    runtime_probe::set_action(Action::Record);
    let a: &'static pl::Mutex<u8> = Box::leak(Box::new(pl::Mutex::named("pl_a", 0)));
    let b: &'static pl::Mutex<u8> = Box::leak(Box::new(pl::Mutex::named("pl_b", 0)));
    let c: &'static pl::Mutex<u8> = Box::leak(Box::new(pl::Mutex::named("pl_c", 0)));
    in_thread(move || {
        let _a = a.lock();
        let _b = b.lock();
        let _c = c.try_lock().unwrap();
    });
    in_thread(move || {
        let _c = c.lock();
        let _a = a.try_lock().unwrap();
    });
    assert!(order_reports_naming("pl_a").is_empty());
    in_thread(move || {
        let mut b = b.lock();
        *b += 1;
        let _a = a.lock();
    });
    assert_eq!(order_reports_naming("pl_a").len(), 1);
}

#[test]
fn parking_lot_recursive_reads_never_close_a_cycle() {
    runtime_probe::set_action(Action::Record);
    let a: &'static pl::RwLock<u8> = Box::leak(Box::new(pl::RwLock::named("plr_a", 0)));
    let b: &'static pl::RwLock<u8> = Box::leak(Box::new(pl::RwLock::named("plr_b", 0)));
    // Writers of both exist, so plain reads in opposite orders would be a cycle ...
    in_thread(move || {
        *a.write() += 1;
        *b.write() += 1;
    });
    in_thread(move || {
        let _a = a.read_recursive();
        let _b = b.read_recursive();
    });
    in_thread(move || {
        let _b = b.read_recursive();
        let _a = a.read_recursive();
    });
    // ... but recursive readers never wait for a queued writer.
    assert!(order_reports_naming("plr_a").is_empty());
    in_thread(move || {
        let _b = b.read();
        let _a = a.read();
    });
    in_thread(move || {
        let _a = a.read();
        let _b = b.read();
    });
    assert_eq!(order_reports_naming("plr_a").len(), 1);
}

#[test]
fn parking_lot_condvar_releases_the_mutex_in_the_probe() {
    runtime_probe::set_action(Action::Record);
    let pair: &'static (pl::Mutex<bool>, pl::Condvar) = Box::leak(Box::new((
        pl::Mutex::named("plcv", false),
        pl::Condvar::new(),
    )));
    let waiter = std::thread::spawn(move || {
        let mut guard = pair.0.lock();
        pair.1.wait_while(&mut guard, |ready| !*ready);
        assert_eq!(runtime_probe::held_count(), 1);
    });
    *pair.0.lock() = true;
    pair.1.notify_all();
    waiter.join().unwrap();
    let mut guard = pair.0.lock();
    assert!(
        pair.1
            .wait_for(&mut guard, Duration::from_millis(1))
            .timed_out()
    );
    assert_eq!(runtime_probe::held_count(), 1);
    drop(guard);
    assert_eq!(runtime_probe::held_count(), 0);
}

#[test]
fn tokio_inversion_across_tasks_is_reported_with_guards_held_across_await() {
    runtime_probe::set_action(Action::Record);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let a = Arc::new(tk::Mutex::named("tk_a", 0u32));
    let b = Arc::new(tk::Mutex::named("tk_b", 0u32));
    runtime.block_on(async {
        let (a1, b1) = (Arc::clone(&a), Arc::clone(&b));
        tokio::spawn(async move {
            let mut a_guard = a1.lock().await;
            // The task may move to another worker thread here; its held stack goes with it.
            tokio::time::sleep(Duration::from_millis(5)).await;
            *b1.lock().await += 1;
            *a_guard += 1;
        })
        .await
        .unwrap();
        assert!(order_reports_naming("tk_a").is_empty());
        // A different task holding nothing interleaves: no edge from its locks.
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        let other = tokio::spawn(async move {
            let _b = b2.lock().await;
        });
        other.await.unwrap();
        tokio::spawn(async move {
            let _b = b.lock().await;
            tokio::task::yield_now().await;
            let _a = a2.lock().await;
        })
        .await
        .unwrap();
    });
    let reports = order_reports_naming("tk_a");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert!(reports[0].names_class("tk_b"));
}

#[test]
fn tokio_locks_held_by_separate_tasks_do_not_order_each_other() {
    runtime_probe::set_action(Action::Record);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let a = Arc::new(tk::RwLock::named("tks_a", 0u32));
    let b = Arc::new(tk::RwLock::named("tks_b", 0u32));
    runtime.block_on(async {
        // On one thread, task 1 holds `a` across an await while task 2 takes `b` then `a`-free
        // work: a per-thread stack would wrongly see `a` held when task 2 locks `b`.
        let a1 = Arc::clone(&a);
        let holder = tokio::spawn(async move {
            let _a = a1.write().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        });
        tokio::task::yield_now().await;
        let b1 = Arc::clone(&b);
        tokio::spawn(async move {
            let _b = b1.write().await;
        })
        .await
        .unwrap();
        holder.await.unwrap();
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        tokio::spawn(async move {
            let _b = b2.read().await;
            let _a = a2.try_read().unwrap();
        })
        .await
        .unwrap();
    });
    let trace = runtime_probe::snapshot();
    let id = |name: &str| {
        trace
            .classes
            .iter()
            .find(|class| class.name.as_deref() == Some(name))
            .map(|class| class.id)
    };
    let (a_id, b_id) = (id("tks_a").unwrap(), id("tks_b").unwrap());
    assert!(
        !trace
            .edges
            .iter()
            .any(|edge| edge.from == a_id && edge.to == b_id),
        "{:#?}",
        trace.edges
    );
    assert!(order_reports_naming("tks_a").is_empty());
}
