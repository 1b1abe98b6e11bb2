//! `--write-baseline` and `--baseline`: after unrelated lines move, exactly the new finding
//! gets through.

use cargo_coordlint::Status;

use super::cli::{run_coordlint, temp_tree};

const PACKAGE: &str = "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

fn channel_fn(name: &str) -> String {
    format!(
        "pub fn {name}(input: Vec<u8>) {{\n    let (tx, _rx) = std::sync::mpsc::channel::<u8>();\n    for item in input {{\n        let _ = tx.send(item);\n    }}\n}}\n\n"
    )
}

#[test]
fn a_baseline_lets_exactly_the_new_finding_through_after_lines_move() {
    let legacy = format!("{}{}", channel_fn("legacy_a"), channel_fn("legacy_b"));
    let dir = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", &legacy)]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let baseline = dir
        .path()
        .join("coordlint-baseline.json")
        .display()
        .to_string();
    let written = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-D",
        "warnings",
        "--write-baseline",
        &baseline,
    ]);
    assert_eq!(
        written.status,
        Status::Clean,
        "recording succeeds: {}",
        written.stderr
    );
    assert!(
        written.stderr.contains("wrote 2 finding(s)"),
        "{}",
        written.stderr
    );
    // Unrelated edits move every line, and one new finding appears between the old ones.
    let edited = format!(
        "//! A header that moves everything down.\n\nuse std::fmt;\n\n{}{}{}",
        channel_fn("legacy_a"),
        channel_fn("fresh"),
        channel_fn("legacy_b")
    );
    std::fs::write(dir.path().join("src/lib.rs"), edited).unwrap();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--message-format",
        "short",
        "-D",
        "warnings",
        "--baseline",
        &baseline,
    ]);
    assert_eq!(output.status, Status::Findings);
    let findings: Vec<&str> = output
        .stdout
        .lines()
        .filter(|line| line.contains("[coordlint::"))
        .collect();
    assert_eq!(findings.len(), 1, "{}", output.stdout);
    assert!(
        findings[0].starts_with("src/lib.rs:13:"),
        "the new one: {}",
        findings[0]
    );
    assert!(
        output
            .stdout
            .contains("; 2 known findings left out by the baseline"),
        "{}",
        output.stdout
    );
    let quiet = run_coordlint(&["--manifest-path", &manifest, "-q", "--baseline", &baseline]);
    assert!(
        quiet
            .stderr
            .contains("2 known findings left out by the baseline"),
        "{}",
        quiet.stderr
    );
    // Without the baseline all three are back.
    let all = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    assert!(
        all.stdout.contains("0 errors, 3 warnings"),
        "{}",
        all.stdout
    );
}

#[test]
fn a_file_that_is_not_a_baseline_is_an_error() {
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", ""),
        ("b.json", "{}"),
    ]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let baseline = dir.path().join("b.json").display().to_string();
    let output = run_coordlint(&["--manifest-path", &manifest, "--baseline", &baseline]);
    assert_eq!(output.status, Status::Failure);
    assert!(
        output.stderr.contains("is not a coordlint baseline"),
        "{}",
        output.stderr
    );
}
