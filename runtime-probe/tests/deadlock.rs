//! Actual deadlocks: the wait-for watchdog reports them instead of letting the test hang.

use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use runtime_probe::enabled::Mutex;
use runtime_probe::{Action, Named, Report, ReportKind};

/// Two threads take `a` then `b` and `b` then `a`, meeting at a barrier in between, so they
/// truly deadlock. The threads are never joined: they stay blocked until the process exits.
fn start_abba_deadlock(prefix: &'static str) {
    let a: &'static Mutex<u32> = Box::leak(Box::new(Mutex::named(
        Box::leak(format!("{prefix}_a").into_boxed_str()),
        0,
    )));
    let b: &'static Mutex<u32> = Box::leak(Box::new(Mutex::named(
        Box::leak(format!("{prefix}_b").into_boxed_str()),
        0,
    )));
    let barrier = Arc::new(Barrier::new(2));
    let left_barrier = Arc::clone(&barrier);
    thread::Builder::new()
        .name(format!("{prefix}-left"))
        .spawn(move || {
            let _a = a.lock().unwrap();
            left_barrier.wait();
            let _b = b.lock().unwrap();
        })
        .unwrap();
    thread::Builder::new()
        .name(format!("{prefix}-right"))
        .spawn(move || {
            let _b = b.lock().unwrap();
            barrier.wait();
            let _a = a.lock().unwrap();
        })
        .unwrap();
}

#[test]
fn real_deadlock_is_reported_within_the_threshold() {
    let (sender, receiver) = mpsc::channel::<Report>();
    runtime_probe::set_deadlock_timeout(Some(Duration::from_millis(200)));
    runtime_probe::set_action(Action::Callback(Arc::new(move |report: &Report| {
        let _ = sender.send(report.clone());
    })));
    let started = Instant::now();
    start_abba_deadlock("dl");
    let deadline = started + Duration::from_secs(10);
    let report = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let report = receiver
            .recv_timeout(left)
            .expect("no deadlock report within 10 s");
        if report.kind == ReportKind::Deadlock && report.names_class("dl_a") {
            break report;
        }
    };
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(200),
        "reported before the threshold: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "too slow: {elapsed:?}");
    let threads: Vec<&str> = report
        .threads
        .iter()
        .map(|thread| thread.thread.as_str())
        .collect();
    assert_eq!(report.threads.len(), 2, "{}", report.message);
    assert!(
        threads.contains(&"dl-left") && threads.contains(&"dl-right"),
        "{threads:?}"
    );
    for thread in &report.threads {
        let waits_for = thread.waits_for.name.as_deref().unwrap();
        let holds: Vec<&str> = thread
            .holds
            .iter()
            .map(|held| held.class.name.as_deref().unwrap())
            .collect();
        let expected_hold = if waits_for == "dl_a" { "dl_b" } else { "dl_a" };
        assert_eq!(holds, vec![expected_hold], "{}", report.message);
        assert_eq!(thread.wait_site.file, file!());
        assert!(thread.waited_ms >= 200);
    }
    assert!(
        report.message.contains("dl-left") && report.message.contains(file!()),
        "{}",
        report.message
    );
    // The order cycle was also reported, before anything blocked.
    assert!(
        runtime_probe::reports()
            .iter()
            .any(|r| r.kind == ReportKind::LockOrderCycle && r.names_class("dl_a"))
    );
}

/// With the default action (`Panic`), a deadlocked test process prints the report and exits
/// with code 101 instead of hanging. Runs itself as a child process to see that.
#[test]
fn default_action_ends_a_deadlocked_process_with_an_explanation() {
    if std::env::var_os("RUNTIME_PROBE_DEADLOCK_CHILD").is_some() {
        runtime_probe::set_deadlock_timeout(Some(Duration::from_millis(150)));
        // The order report must not end the child before the deadlock: log it only.
        runtime_probe::set_action(Action::Log);
        start_abba_deadlock("child");
        thread::sleep(Duration::from_millis(20));
        runtime_probe::set_action(Action::Panic);
        // Far longer than the detection takes, even on a loaded machine.
        thread::sleep(Duration::from_secs(120));
        panic!("the deadlocked child process was not ended by the probe");
    }
    let started = Instant::now();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "default_action_ends_a_deadlocked_process_with_an_explanation",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUNTIME_PROBE_DEADLOCK_CHILD", "1")
        .env_remove("COORDLINT_TRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "stderr: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(90));
    assert!(
        stderr.contains("deadlock: 2 thread(s) are blocked on each other"),
        "{stderr}"
    );
    assert!(
        stderr.contains("child-left") && stderr.contains("child_b"),
        "{stderr}"
    );
}
