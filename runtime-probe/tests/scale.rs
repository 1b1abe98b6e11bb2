//! Scale: 1,000 lock classes and many threads, where nearly every nested acquisition is a new
//! order edge. The cost of a new edge must not grow with the graph (it used to: a search over
//! every known edge, under one global mutex, and a rewrite of the whole trace file per edge).

#[path = "support/many_classes.rs"]
mod many_classes;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use many_classes::{CLASSES, expected_edges, locks, run};
use runtime_probe::Action;
use runtime_probe::trace;

type ProbeMutex = runtime_probe::enabled::Mutex<u64>;

/// The two timed tests run one after the other: on a 2-core machine they would slow each
/// other down.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const CHILD: &str = "RUNTIME_PROBE_SCALE_CHILD";

#[test]
fn sixteen_threads_over_a_thousand_classes_stay_within_10x_of_std_when_optimized() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    runtime_probe::set_action(Action::Record);
    let std_locks = locks::<std::sync::Mutex<u64>>("std");
    // Best of three: the baseline is a few milliseconds, mostly thread start-up.
    let std_time = (0..3).map(|_| run(&std_locks, 16)).min().unwrap();
    let probe_locks = locks::<ProbeMutex>("scale16");
    let probe_time = run(&probe_locks, 16);
    let edges = runtime_probe::edge_count();
    println!(
        "16 threads, {CLASSES} classes, {edges} edges: std {std_time:?}, probe {probe_time:?} ({:.1}x)",
        probe_time.as_secs_f64() / std_time.as_secs_f64()
    );
    assert_eq!(edges, expected_edges(16));
    assert!(runtime_probe::reports().is_empty());
    // 10x in an optimized build (`cargo bench -p runtime-probe --bench locks -- many_classes`
    // measures it). A debug build runs the probe's own code unoptimized, about ten times slower
    // than std's precompiled locks, so it gets ten times the room. A floor under the baseline
    // keeps scheduling noise on a busy machine from deciding. A cost per new edge that grows
    // with the graph again (the old probe: 95 s here) fails either way.
    let allowed = if cfg!(debug_assertions) { 100 } else { 10 };
    let bound = allowed * std_time.max(Duration::from_millis(20));
    assert!(
        probe_time < bound,
        "the probe took {probe_time:?} for {edges} new edges, more than {allowed}x std ({std_time:?})"
    );
}

#[test]
fn four_threads_a_thousand_classes_and_a_trace_directory_finish_in_under_10_s() {
    if std::env::var_os(CHILD).is_some() {
        // The child: COORDLINT_TRACE is set, as in a traced test run.
        runtime_probe::set_action(Action::Record);
        let probe_locks = locks::<ProbeMutex>("traced");
        run(&probe_locks, 4);
        assert!(runtime_probe::reports().is_empty());
        return;
    }
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch_dir("scale-trace");
    let started = Instant::now();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "four_threads_a_thousand_classes_and_a_trace_directory_finish_in_under_10_s",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("COORDLINT_TRACE", &dir)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read = trace::read_trace_dir(&dir).unwrap();
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    let merged = read.merged;
    let cycles = trace::find_cycles(&merged);
    println!(
        "4 threads, {CLASSES} classes, trace directory: {elapsed:?} (process start to exit), {} edges traced",
        merged.edges.len()
    );
    assert_eq!(merged.processes.len(), 1);
    assert_eq!(merged.classes.len(), CLASSES);
    assert_eq!(merged.edges.len(), expected_edges(4));
    assert!(cycles.is_empty());
    assert!(
        elapsed < Duration::from_secs(10),
        "the traced run took {elapsed:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-probe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
