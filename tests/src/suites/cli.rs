//! End-to-end runs of `cargo coordlint` (in process, through the same `run` the binary
//! calls): workspace discovery, package selection, levels and exit statuses.

use std::path::Path;

use cargo_coordlint::Status;
use coordlint_tests::fixtures_dir;

/// What one run printed and how it ended.
pub struct RunOutput {
    pub status: Status,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_coordlint(args: &[&str]) -> RunOutput {
    let mut argv: Vec<std::ffi::OsString> = vec!["cargo-coordlint".into(), "coordlint".into()];
    argv.extend(args.iter().map(Into::into));
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = cargo_coordlint::run(argv, &mut stdout, &mut stderr);
    RunOutput {
        status,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

pub fn demo_manifest() -> String {
    fixtures_dir().join("demo/Cargo.toml").display().to_string()
}

/// Writes `files` (path, contents) under a new temporary directory.
pub fn temp_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(path, contents).expect("write file");
    }
    dir
}

fn manifest_of(dir: &Path) -> String {
    dir.join("Cargo.toml").display().to_string()
}

const PACKAGE: &str = "[package]\nname = \"sample\"\nversion = \"0.3.1\"\nedition = \"2021\"\n";

#[test]
fn demo_workspace_reports_real_findings_in_every_member() {
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format",
        "short",
    ]);
    assert!(
        output.stdout.contains("gateway/src/main.rs:12:"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("gateway/src/main.rs:20:"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("inventory/src/store.rs:15:"),
        "{}",
        output.stdout
    );
    assert!(output.stderr.is_empty(), "{}", output.stderr);
}

#[test]
fn warnings_exit_zero_and_deny_warnings_exits_one() {
    let manifest = demo_manifest();
    // The gateway package has only warnings; the inventory package has a lock order cycle.
    let warned = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-p",
        "gateway",
        "--message-format",
        "short",
    ]);
    assert_eq!(warned.status, Status::Clean, "{}", warned.stdout);
    assert!(
        warned
            .stdout
            .contains("warning[coordlint::unbounded_channel]"),
        "{}",
        warned.stdout
    );
    let with_error = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    assert_eq!(with_error.status, Status::Findings);
    assert!(
        with_error
            .stdout
            .contains("error[coordlint::lock_order_cycle]"),
        "{}",
        with_error.stdout
    );
    let allowed = run_coordlint(&["--manifest-path", &manifest, "-A", "lock_order_cycle"]);
    assert_eq!(allowed.status, Status::Clean);
    let denied = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-p",
        "gateway",
        "-D",
        "warnings",
    ]);
    assert_eq!(denied.status, Status::Findings);
    assert_eq!(denied.status.code(), 1);
    let rule_denied = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-D",
        "coordlint::unbounded_channel",
    ]);
    assert_eq!(rule_denied.status, Status::Findings);
}

#[test]
fn later_level_flags_win() {
    let manifest = demo_manifest();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-D",
        "unbounded_channel",
        "-A",
        "unbounded_channel",
        "-A",
        "lock_order_cycle",
        "--message-format",
        "short",
    ]);
    assert_eq!(output.status, Status::Clean);
    assert!(
        !output.stdout.contains("unbounded_channel"),
        "{}",
        output.stdout
    );
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-A",
        "unbounded_channel",
        "-D",
        "unbounded_channel",
    ]);
    assert_eq!(output.status, Status::Findings);
}

#[test]
fn usage_errors_exit_two_with_one_clear_line() {
    let unknown_flag = run_coordlint(&["--no-such-flag"]);
    assert_eq!(unknown_flag.status, Status::Failure);
    let unknown_rule = run_coordlint(&["--manifest-path", &demo_manifest(), "-D", "no_such_rule"]);
    assert_eq!(unknown_rule.status, Status::Failure);
    assert!(
        unknown_rule.stderr.contains("unknown rule `no_such_rule`"),
        "{}",
        unknown_rule.stderr
    );
    let missing = run_coordlint(&["--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_eq!(missing.status, Status::Failure);
    assert!(
        missing
            .stderr
            .starts_with("error: could not read the cargo workspace"),
        "{}",
        missing.stderr
    );
    let missing_path = run_coordlint(&["/nonexistent/file.rs"]);
    assert_eq!(missing_path.status, Status::Failure);
    let unknown_package = run_coordlint(&["--manifest-path", &demo_manifest(), "-p", "nope"]);
    assert_eq!(unknown_package.status, Status::Failure);
    assert!(
        unknown_package.stderr.contains("not a member"),
        "{}",
        unknown_package.stderr
    );
}

#[test]
fn broken_manifest_exits_two() {
    let dir = temp_tree(&[("Cargo.toml", "[package\nname = "), ("src/lib.rs", "")]);
    let output = run_coordlint(&["--manifest-path", &manifest_of(dir.path())]);
    assert_eq!(output.status, Status::Failure);
    assert!(!output.stderr.contains("panicked"), "{}", output.stderr);
}

#[test]
fn package_selection_accepts_names_versions_and_package_ids() {
    let manifest = demo_manifest();
    let id = format!(
        "path+file://{}#0.1.0",
        fixtures_dir().join("demo/inventory").display()
    );
    for spec in ["inventory", "inventory@0.1.0", id.as_str()] {
        let output = run_coordlint(&[
            "--manifest-path",
            &manifest,
            "-p",
            spec,
            "--message-format",
            "short",
        ]);
        assert_ne!(output.status, Status::Failure, "{spec}: {}", output.stderr);
        assert!(
            output.stdout.contains("inventory/src/store.rs"),
            "{spec}: {}",
            output.stdout
        );
        assert!(
            !output.stdout.contains("gateway/"),
            "{spec}: {}",
            output.stdout
        );
    }
    let excluded = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--workspace",
        "--exclude",
        "gateway",
        "--message-format",
        "short",
    ]);
    assert!(!excluded.stdout.contains("gateway/"), "{}", excluded.stdout);
    assert!(
        excluded.stdout.contains("inventory/"),
        "{}",
        excluded.stdout
    );
}

#[test]
fn editor_flags_are_accepted() {
    let output = run_coordlint(&[
        "--workspace",
        "--message-format=json",
        "--manifest-path",
        &demo_manifest(),
        "--keep-going",
        "--all-targets",
        "--target-dir",
        "/tmp/ignored",
        "--all-features",
    ]);
    assert_ne!(output.status, Status::Failure, "{}", output.stderr);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
}

#[test]
fn modules_are_followed_like_rustc_does() {
    let unbounded = "pub fn f(items: Vec<u8>) { let (_q, _r) = std::sync::mpsc::channel::<u8>(); for item in items { let _ = _q.send(item); } }\n";
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        (
            "src/lib.rs",
            "mod plain;\nmod folder;\n#[path = \"elsewhere/renamed.rs\"]\nmod custom;\nmod inline {\n    mod nested;\n}\n",
        ),
        ("src/plain.rs", "mod child;\n"),
        ("src/plain/child.rs", unbounded),
        ("src/folder/mod.rs", unbounded),
        ("src/elsewhere/renamed.rs", unbounded),
        ("src/inline/nested.rs", unbounded),
        ("src/unreachable.rs", unbounded),
    ]);
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ]);
    for file in [
        "src/plain/child.rs",
        "src/folder/mod.rs",
        "src/elsewhere/renamed.rs",
        "src/inline/nested.rs",
    ] {
        assert!(
            output.stdout.contains(&format!("{file}:1:")),
            "{file} missing:\n{}",
            output.stdout
        );
    }
    assert!(
        !output.stdout.contains("unreachable.rs"),
        "{}",
        output.stdout
    );
}

#[test]
fn missing_module_file_is_a_warning_not_a_failure() {
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", "mod gone;\npub fn f() {}\n"),
    ]);
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--color",
        "never",
    ]);
    assert_eq!(output.status, Status::Clean);
    assert!(
        output.stdout.contains("module `gone` was not analyzed"),
        "{}",
        output.stdout
    );
    assert!(output.stderr.is_empty(), "{}", output.stderr);
}

#[test]
fn a_syntax_error_does_not_hide_other_files() {
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", "mod broken;\nmod fine;\n"),
        ("src/broken.rs", "pub fn f( {\n"),
        (
            "src/fine.rs",
            "pub fn g(items: Vec<u8>) { let (_q, _r) = flume::unbounded::<u8>(); for item in items { let _ = _q.send(item); } }\n",
        ),
    ]);
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ]);
    assert_eq!(output.status, Status::Findings);
    assert!(
        output.stdout.contains("src/broken.rs:1:"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("parse_error"), "{}", output.stdout);
    assert!(
        output.stdout.contains("src/fine.rs:1:"),
        "{}",
        output.stdout
    );
}

#[test]
fn paths_mode_reads_files_and_directories_and_skips_target() {
    let unbounded = "pub fn f(items: Vec<u8>) { let (_q, _r) = std::sync::mpsc::channel::<u8>(); for item in items { let _ = _q.send(item); } }\n";
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", unbounded),
        ("src/deep/x.rs", unbounded),
        ("target/debug/build/gen.rs", unbounded),
        (".hidden/y.rs", unbounded),
    ]);
    let root = dir.path().display().to_string();
    let output = run_coordlint(&[&root, "--message-format", "short"]);
    assert!(output.stdout.contains("src/lib.rs:1:"), "{}", output.stdout);
    assert!(
        output.stdout.contains("src/deep/x.rs:1:"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("target/"), "{}", output.stdout);
    assert!(!output.stdout.contains(".hidden"), "{}", output.stdout);
}

#[test]
fn paths_mode_takes_the_edition_from_the_manifest_or_the_flag() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"m\"]\n[workspace.package]\nedition = \"2024\"\n",
        ),
        (
            "m/Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"1.0.0\"\nedition.workspace = true\n",
        ),
        (
            "m/src/lib.rs",
            "pub fn f(items: Vec<u8>) { let (_q, _r) = flume::unbounded::<u8>(); for item in items { let _ = _q.send(item); } }\n",
        ),
    ]);
    let file = dir.path().join("m/src/lib.rs").display().to_string();
    let edition_of = |extra: &[&str]| {
        let mut args = vec![file.as_str(), "--message-format", "json"];
        args.extend_from_slice(extra);
        let output = run_coordlint(&args);
        let first: serde_json::Value =
            serde_json::from_str(output.stdout.lines().next().expect("a finding")).expect("json");
        first["target"]["edition"]
            .as_str()
            .expect("an edition")
            .to_string()
    };
    assert_eq!(edition_of(&[]), "2024");
    assert_eq!(edition_of(&["--edition", "2018"]), "2018");
}

#[test]
fn output_is_deterministic() {
    let manifest = demo_manifest();
    let first = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    let second = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn explain_prints_the_rule_documentation() {
    let output = run_coordlint(&["explain", "unbounded_channel"]);
    assert_eq!(output.status, Status::Clean);
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
    ] {
        assert!(
            output.stdout.contains(section),
            "{section} missing:\n{}",
            output.stdout
        );
    }
    let unknown = run_coordlint(&["explain", "nope"]);
    assert_eq!(unknown.status, Status::Failure);
}

#[test]
fn help_text_snapshot() {
    let output = run_coordlint(&["--help"]);
    assert_eq!(output.status, Status::Clean);
    insta::assert_snapshot!("help", output.stdout);
}

#[test]
fn human_and_short_output_snapshots() {
    let manifest = demo_manifest();
    let human = run_coordlint(&["--manifest-path", &manifest, "--color", "never"]);
    insta::assert_snapshot!("demo_human", strip_timing(&human.stdout));
    let short = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    insta::assert_snapshot!("demo_short", strip_timing(&short.stdout));
}

/// The summary line ends with a duration that changes from run to run.
pub fn strip_timing(text: &str) -> String {
    text.lines()
        .map(|line| match line.find(" analyzed in ") {
            Some(position) => format!("{} analyzed in [time])", &line[..position]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_thread_that_sends_then_receives_is_not_told_to_bound_its_channel() {
    let path = coordlint_tests::fixtures_dir().join("unbounded_channel/same_thread_work_list.rs");
    let output = run_coordlint(&[&path.display().to_string(), "--message-format", "json"]);
    assert!(
        output.stdout.contains("coordlint::unbounded_channel"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("keep the items in a `Vec`"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("sync_channel"), "{}", output.stdout);
}
