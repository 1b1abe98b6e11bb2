//! `--runtime-trace` end to end: the code below runs under runtime-probe, which records the
//! real lock orders into a trace directory; then `cargo coordlint` analyzes this very file
//! with that directory and must confirm the static cycle and report the run-time-only one.

use runtime_probe::enabled::Mutex;
use runtime_probe::{Action, set_trace_dir, with_thread_action, write_trace_file};

use super::cli::run_coordlint;
use cargo_coordlint::Status;

struct Bank {
    accounts: Mutex<u32>,
    log: Mutex<u32>,
}

fn deposit(bank: &Bank) {
    let accounts = bank.accounts.lock().unwrap();
    let log = bank.log.lock().unwrap();
    drop((accounts, log));
}

fn audit(bank: &Bank) {
    let log = bank.log.lock().unwrap();
    let accounts = bank.accounts.lock().unwrap();
    drop((log, accounts));
}

/// Locks reached through indexing: the static analysis does not follow them.
fn forward(pair: &[&Mutex<u32>; 2]) {
    let first = pair[0].lock().unwrap();
    let second = pair[1].lock().unwrap();
    drop((first, second));
}

fn backward(pair: &[&Mutex<u32>; 2]) {
    let second = pair[1].lock().unwrap();
    let first = pair[0].lock().unwrap();
    drop((second, first));
}

fn this_file() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/src/suites/runtime_trace.rs").to_string()
}

#[test]
fn traces_confirm_static_cycles_and_add_runtime_only_ones() {
    let traces = tempfile::tempdir().expect("a temporary directory");
    set_trace_dir(Some(traces.path().to_path_buf()));
    with_thread_action(Action::Record, || {
        let bank = Bank {
            accounts: Mutex::new(0),
            log: Mutex::new(0),
        };
        deposit(&bank);
        audit(&bank);
        let left = Mutex::new(1);
        let right = Mutex::new(2);
        forward(&[&left, &right]);
        backward(&[&left, &right]);
    });
    write_trace_file();
    set_trace_dir(None);

    let file = this_file();
    let trace_dir = traces.path().display().to_string();
    let without = run_coordlint(&[&file, "--message-format", "short"]);
    assert!(
        without.stdout.contains("`Bank::accounts` → `Bank::log`"),
        "{}",
        without.stdout
    );
    assert!(
        !without.stdout.contains("observed at run time"),
        "{}",
        without.stdout
    );

    let merged = run_coordlint(&[
        &file,
        "--runtime-trace",
        &trace_dir,
        "--message-format",
        "short",
    ]);
    assert_eq!(merged.status, Status::Findings, "{}", merged.stderr);
    let confirmed = merged
        .stdout
        .lines()
        .find(|line| line.contains("`Bank::accounts` → `Bank::log` → `Bank::accounts`"))
        .unwrap_or_else(|| panic!("static cycle missing:\n{}", merged.stdout));
    assert!(confirmed.ends_with("(observed at run time)"), "{confirmed}");
    let runtime_only: Vec<&str> = merged
        .stdout
        .lines()
        .filter(|line| line.contains("observed at run time can deadlock"))
        .collect();
    assert_eq!(runtime_only.len(), 1, "{}", merged.stdout);
    // Reported at one of the acquisitions of `forward`/`backward` in this file.
    assert!(
        runtime_only[0].contains("runtime_trace.rs:3"),
        "{}",
        runtime_only[0]
    );
    assert!(
        runtime_only[0].contains("lock created at"),
        "{}",
        runtime_only[0]
    );

    // The static cycle keeps its SARIF fingerprint whether or not a trace is merged.
    let cycle_fingerprint = |extra: &[&str]| -> String {
        let mut args = vec![file.as_str(), "--message-format", "sarif"];
        args.extend_from_slice(extra);
        let log: serde_json::Value =
            serde_json::from_str(&run_coordlint(&args).stdout).expect("SARIF");
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|result| {
                result["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("lock order cycle `Bank::accounts`")
            })
            .map(|result| result["partialFingerprints"]["coordlint/v2"].to_string())
            .expect("the static cycle")
    };
    assert_eq!(
        cycle_fingerprint(&[]),
        cycle_fingerprint(&["--runtime-trace", &trace_dir])
    );
}

#[test]
fn a_missing_trace_directory_is_a_usage_error() {
    let output = run_coordlint(&[&this_file(), "--runtime-trace", "/nonexistent/traces"]);
    assert_eq!(output.status, Status::Failure);
    assert!(
        output.stderr.contains("no such directory"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_corrupt_trace_file_is_skipped_with_a_warning_naming_it() {
    let traces = tempfile::tempdir().expect("a temporary directory");
    let good = runtime_probe::snapshot().to_json_lines();
    std::fs::write(traces.path().join("a.jsonl"), good).unwrap();
    std::fs::write(
        traces.path().join("b.jsonl"),
        "{\"format\": \"coordlint-runtime-trace\", \"ver",
    )
    .unwrap();
    std::fs::write(traces.path().join("c.json"), "not json at all").unwrap();
    let trace_dir = traces.path().display().to_string();
    let output = run_coordlint(&[
        &this_file(),
        "--runtime-trace",
        &trace_dir,
        "--message-format",
        "short",
    ]);
    assert_ne!(output.status, Status::Failure, "{}", output.stderr);
    let warnings: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning: skipped run-time trace file"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", output.stderr);
    assert!(warnings[0].contains("b.jsonl"), "{}", warnings[0]);
    assert!(warnings[1].contains("c.json"), "{}", warnings[1]);
    assert!(
        !output.stderr.contains("no run-time trace files"),
        "the good file is still read: {}",
        output.stderr
    );
}
