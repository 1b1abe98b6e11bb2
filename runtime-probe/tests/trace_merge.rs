//! Trace export and merge: an inversion split between two processes is found after the merge.

use std::path::{Path, PathBuf};
use std::process::Command;

use runtime_probe::enabled::Mutex;
use runtime_probe::trace::{self, Mode, ReportKind};
use runtime_probe::{Action, Named};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-probe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Both "processes" create their locks here, so their classes have the same identity.
fn shared_locks() -> (&'static Mutex<()>, &'static Mutex<()>) {
    let a = Box::leak(Box::new(Mutex::named("split_a", ())));
    let b = Box::leak(Box::new(Mutex::named("split_b", ())));
    (a, b)
}

fn run_child(dir: &Path, order: &str) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "inversion_split_between_two_processes_is_found_after_merge",
            "--test-threads=1",
        ])
        .env("RUNTIME_PROBE_SPLIT_CHILD", order)
        .env("COORDLINT_TRACE", dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "child {order} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn inversion_split_between_two_processes_is_found_after_merge() {
    if let Some(order) = std::env::var_os("RUNTIME_PROBE_SPLIT_CHILD") {
        // Child: one half of the inversion; the trace file is written as edges appear.
        runtime_probe::set_action(Action::Record);
        let (a, b) = shared_locks();
        if order == "ab" {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
        } else {
            let _b = b.lock().unwrap();
            let _a = a.lock().unwrap();
        }
        assert!(
            runtime_probe::reports().is_empty(),
            "each child alone is consistent"
        );
        return;
    }
    let dir = scratch_dir("split");
    run_child(&dir, "ab");
    run_child(&dir, "ba");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, 2, "one file per process");
    let read = trace::read_trace_dir(&dir).unwrap();
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    let merged = read.merged;
    assert_eq!(merged.processes.len(), 2);
    let split: Vec<_> = merged
        .classes
        .iter()
        .filter(|class| {
            class
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("split_"))
        })
        .collect();
    assert_eq!(
        split.len(),
        2,
        "classes united across processes: {:#?}",
        merged.classes
    );
    assert!(merged.reports.is_empty());
    let cycles = trace::find_cycles(&merged);
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    let steps = cycles[0].steps(&merged);
    assert_eq!(steps.len(), 2);
    for step in &steps {
        assert_eq!(step.witness.acquire_site.file, file!());
        assert_eq!(
            (step.from_mode, step.to_mode),
            (Mode::Exclusive, Mode::Exclusive)
        );
    }
    let message = trace::describe_order_cycle(&steps);
    assert!(
        message.contains("split_a") && message.contains("split_b"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_writes_classes_edges_counts_and_reports_that_merge_by_identity() {
    runtime_probe::set_action(Action::Record);
    let dir = scratch_dir("export");
    let outer = Mutex::named("export_outer", 0);
    let inner = Mutex::named("export_inner", 0);
    for _ in 0..3 {
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _outer = outer.lock().unwrap();
                let _inner = inner.lock().unwrap();
            });
        });
    }
    {
        let _inner = inner.lock().unwrap();
        let _outer = outer.lock().unwrap();
    }
    runtime_probe::set_trace_dir(Some(dir.clone()));
    let path = runtime_probe::write_trace_file().or_else(|| {
        std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .map(|entry| entry.unwrap().path())
    });
    let path = path.expect("a trace file");
    runtime_probe::set_trace_dir(None);
    let text = std::fs::read_to_string(&path).unwrap();
    let one = trace::Trace::from_json_str(&text).unwrap();
    let outer_id = one
        .classes
        .iter()
        .find(|c| c.name.as_deref() == Some("export_outer"))
        .unwrap()
        .id;
    let inner_id = one
        .classes
        .iter()
        .find(|c| c.name.as_deref() == Some("export_inner"))
        .unwrap()
        .id;
    let edge = one
        .edges
        .iter()
        .find(|e| e.from == outer_id && e.to == inner_id)
        .unwrap();
    assert_eq!(
        edge.count, 3,
        "one observation per thread that took the chain"
    );
    assert!(
        one.reports
            .iter()
            .any(|r| r.kind == ReportKind::LockOrderCycle && r.names_class("export_outer"))
    );
    // The serde impls round-trip, and merging a file with itself unites classes and sums counts.
    let reparsed: trace::Trace =
        serde_json::from_str(&serde_json::to_string(&one).unwrap()).unwrap();
    assert_eq!(reparsed, one);
    std::fs::copy(&path, dir.join("second.jsonl")).unwrap();
    let merged = trace::read_trace_dir(&dir).unwrap().merged;
    assert_eq!(merged.classes.len(), one.classes.len());
    assert_eq!(merged.edges.len(), one.edges.len());
    assert_eq!(merged.reports.len(), 2 * one.reports.len());
    let merged_outer = merged
        .classes
        .iter()
        .find(|c| c.name.as_deref() == Some("export_outer"))
        .unwrap()
        .id;
    let merged_inner = merged
        .classes
        .iter()
        .find(|c| c.name.as_deref() == Some("export_inner"))
        .unwrap()
        .id;
    let merged_edge = merged
        .edges
        .iter()
        .find(|e| e.from == merged_outer && e.to == merged_inner)
        .unwrap();
    assert_eq!(merged_edge.count, 6);
    assert_eq!(merged_edge.first, edge.first);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A copy of this process's trace file, for tests that damage it.
fn sample_trace_text() -> String {
    let outer = Mutex::named("sample_outer", 0);
    let inner = Mutex::named("sample_inner", 0);
    let _outer = outer.lock().unwrap();
    let _inner = inner.lock().unwrap();
    runtime_probe::snapshot().to_json_lines()
}

#[test]
fn corrupt_foreign_and_unknown_version_files_are_skipped_and_named() {
    let dir = scratch_dir("broken");
    let good = sample_trace_text();
    std::fs::write(dir.join("a-good.jsonl"), &good).unwrap();
    std::fs::write(
        dir.join("b-foreign.json"),
        "{\"format\": \"something-else\"}",
    )
    .unwrap();
    std::fs::write(
        dir.join("c-future.jsonl"),
        "{\"format\": \"coordlint-runtime-trace\", \"version\": 99}",
    )
    .unwrap();
    // Garbage in the middle of a file is corruption (a cut-short last line is not).
    let (first_line, rest) = good.split_once('\n').unwrap();
    std::fs::write(
        dir.join("d-corrupt.jsonl"),
        format!("{first_line}\n{{\"edge\": 7\n{rest}"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a trace").unwrap();
    let read = trace::read_trace_dir(&dir).unwrap();
    let skipped: Vec<String> = read.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(read.skipped.len(), 3, "{skipped:#?}");
    assert!(read.skipped[0].path.ends_with("b-foreign.json"));
    assert!(read.skipped[0].message.contains("format"), "{}", skipped[0]);
    assert!(read.skipped[1].path.ends_with("c-future.jsonl"));
    assert!(
        read.skipped[1].message.contains("version 99"),
        "{}",
        skipped[1]
    );
    assert!(read.skipped[2].path.ends_with("d-corrupt.jsonl"));
    // The good file is merged all the same.
    assert_eq!(read.merged, merged_alone(&good));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What reading a directory holding only this trace text gives.
fn merged_alone(text: &str) -> trace::Trace {
    let mut merged = trace::Trace::default();
    merged.merge(&trace::Trace::from_json_str(text).unwrap());
    merged.normalize();
    merged
}

#[test]
fn a_cut_short_last_record_and_single_document_files_are_read() {
    let dir = scratch_dir("older");
    let good = sample_trace_text();
    // A process killed while appending leaves its last line unfinished.
    std::fs::write(
        dir.join("cut.jsonl"),
        format!("{good}{{\"edge\": {{\"id\": 99, \"fr"),
    )
    .unwrap();
    let read = trace::read_trace_dir(&dir).unwrap();
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    assert_eq!(read.merged, merged_alone(&good));
    // Earlier probes wrote one JSON document (version 1) per process, as `.json`.
    std::fs::remove_file(dir.join("cut.jsonl")).unwrap();
    let document = trace::Trace::from_json_str(&good).unwrap();
    std::fs::write(
        dir.join("old.json"),
        serde_json::to_string_pretty(&document.to_value()).unwrap(),
    )
    .unwrap();
    let read = trace::read_trace_dir(&dir).unwrap();
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    assert_eq!(read.merged, merged_alone(&good));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A trace directory that cannot be created (a file is in the way; root can write anywhere
/// else) is reported once, not once per class or edge, and the run goes on.
#[test]
fn an_unwritable_trace_directory_is_reported_once() {
    if std::env::var_os("RUNTIME_PROBE_UNWRITABLE_CHILD").is_some() {
        runtime_probe::set_action(Action::Record);
        let locks: Vec<Mutex<()>> = (0..20)
            .map(|index| {
                Mutex::named(
                    Box::leak(format!("unwritable_{index}").into_boxed_str()),
                    (),
                )
            })
            .collect();
        for pair in locks.windows(2) {
            let _outer = pair[0].lock().unwrap();
            let _inner = pair[1].lock().unwrap();
        }
        assert!(runtime_probe::write_trace_file().is_none());
        return;
    }
    let dir = scratch_dir("unwritable");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "in the way").unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "an_unwritable_trace_directory_is_reported_once",
            "--test-threads=1",
            // The warning is printed on the test's thread; let it through.
            "--nocapture",
        ])
        .env("RUNTIME_PROBE_UNWRITABLE_CHILD", "1")
        .env("COORDLINT_TRACE", blocker.join("traces"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("cannot write trace file").count(),
        1,
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
