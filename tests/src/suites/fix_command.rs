//! `cargo coordlint --fix` end to end, as a new user meets it: a small git-tracked
//! workspace with a `match`-scrutinee double lock and a guard held across `.await` gets
//! JSON suggestions rust-analyzer offers as quick fixes; `--fix --dry-run` shows the diff
//! and writes nothing; `--fix` refuses uncommitted changes, then rewrites both; afterwards
//! coordlint reports neither, only the fixed lines changed, and `cargo check` still passes.

use std::path::Path;
use std::process::Command;

use cargo_coordlint::Status;
use cargo_metadata::Message;
use cargo_metadata::diagnostic::Applicability;

use super::cli::{run_coordlint, temp_tree};

const MANIFEST: &str =
    "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";

const LIB: &str = r#"use std::collections::HashMap;
use std::sync::Mutex;

pub struct Inventory {
    stock: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<String>>,
}

async fn persist(_count: usize) {}

impl Inventory {
    pub fn reserve(&self, item: &str) -> bool {
        // Registers the item once.
        match self.stock.lock().unwrap().get(item) {
            Some(_) => false,
            None => {
                self.stock.lock().unwrap().insert(item.to_string(), 1);
                true
            }
        }
    }

    pub async fn flush(&self) {
        let log = self.log.lock().unwrap();
        let count = log.len();
        persist(count).await;
    }
}
"#;

/// `LIB` after `--fix`: the two fixes, and nothing else.
const FIXED: &str = r#"use std::collections::HashMap;
use std::sync::Mutex;

pub struct Inventory {
    stock: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<String>>,
}

async fn persist(_count: usize) {}

impl Inventory {
    pub fn reserve(&self, item: &str) -> bool {
        // Registers the item once.
        let found = self.stock.lock().unwrap().get(item).is_some();
        match found {
            true => false,
            false => {
                self.stock.lock().unwrap().insert(item.to_string(), 1);
                true
            }
        }
    }

    pub async fn flush(&self) {
        let log = self.log.lock().unwrap();
        let count = log.len();
        drop(log);
        persist(count).await;
    }
}
"#;

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=coordlint",
            "-c",
            "user.email=coordlint@example.invalid",
        ])
        .args(args)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The machine-applicable suggestions of the JSON findings, by rule, read the way
/// rust-analyzer reads them (cargo_metadata's types).
fn quick_fixes(json: &str) -> Vec<(String, String)> {
    let mut fixes = Vec::new();
    for line in json.lines() {
        let message: Message = serde_json::from_str(line).expect("a cargo message");
        let Message::CompilerMessage(message) = message else {
            continue;
        };
        let code = message.message.code.expect("a code").code;
        for child in &message.message.children {
            for span in &child.spans {
                if let (Some(replacement), Some(Applicability::MachineApplicable)) =
                    (&span.suggested_replacement, &span.suggestion_applicability)
                {
                    fixes.push((code.clone(), replacement.clone()));
                }
            }
        }
    }
    fixes
}

fn codes(json: &str) -> Vec<String> {
    json.lines()
        .filter_map(|line| match serde_json::from_str::<Message>(line) {
            Ok(Message::CompilerMessage(message)) => Some(message.message.code?.code),
            _ => None,
        })
        .collect()
}

#[test]
fn fix_rewrites_a_scrutinee_double_lock_and_a_guard_across_await() {
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", LIB)]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let lib = dir.path().join("src/lib.rs");
    let has_git = git(dir.path(), &["init", "-q"])
        && git(dir.path(), &["add", "."])
        && git(dir.path(), &["commit", "-q", "-m", "start"]);

    let before = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    let fixes = quick_fixes(&before.stdout);
    let rules: Vec<&str> = fixes.iter().map(|(code, _)| code.as_str()).collect();
    assert!(
        rules.contains(&"coordlint::double_lock")
            && rules.contains(&"coordlint::guard_across_await"),
        "expected quick fixes for both findings: {fixes:?}\n{}",
        before.stdout
    );

    let dry_run = run_coordlint(&["--manifest-path", &manifest, "--fix", "--dry-run"]);
    assert!(
        dry_run.stdout.contains("+        drop(log);"),
        "{}",
        dry_run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        LIB,
        "--dry-run wrote"
    );

    if has_git {
        std::fs::write(dir.path().join("notes.txt"), "uncommitted").unwrap();
        let refused = run_coordlint(&["--manifest-path", &manifest, "--fix"]);
        assert_eq!(refused.status, Status::Failure, "{}", refused.stderr);
        assert!(refused.stderr.contains("notes.txt"), "{}", refused.stderr);
        assert!(
            refused.stderr.contains("--allow-dirty"),
            "{}",
            refused.stderr
        );
        assert_eq!(std::fs::read_to_string(&lib).unwrap(), LIB);
        std::fs::remove_file(dir.path().join("notes.txt")).unwrap();
    }

    let fixed = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--fix",
        "--message-format",
        "json",
    ]);
    assert!(
        fixed.stderr.contains("Fixed src/lib.rs (2 fixes)"),
        "{}",
        fixed.stderr
    );
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), FIXED);
    assert!(codes(&fixed.stdout).is_empty(), "left: {}", fixed.stdout);
    assert_eq!(fixed.status, Status::Clean);

    let after = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    assert!(codes(&after.stdout).is_empty(), "{}", after.stdout);

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let check = Command::new(cargo)
        .args([
            "check",
            "--offline",
            "--quiet",
            "--manifest-path",
            &manifest,
        ])
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        check.status.success(),
        "the fixed crate does not build:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn fix_does_not_touch_files_whose_fixes_are_not_machine_applicable() {
    let source = "use std::collections::HashMap;\nuse std::sync::Mutex;\n\npub struct C {\n    m: Mutex<HashMap<u32, String>>,\n}\n\nimpl C {\n    pub fn get(&self, k: u32) -> String {\n        match self.m.lock().unwrap().get(&k) {\n            Some(v) => v.clone(),\n            None => {\n                self.m.lock().unwrap().insert(k, String::new());\n                String::new()\n            }\n        }\n    }\n}\n";
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", source)]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let json = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    assert!(
        json.stdout
            .contains("\"suggestion_applicability\":\"MaybeIncorrect\"")
            && json.stdout.contains(".cloned()"),
        "{}",
        json.stdout
    );
    let fixed = run_coordlint(&["--manifest-path", &manifest, "--fix", "--allow-dirty"]);
    assert_eq!(fixed.status, Status::Findings, "{}", fixed.stderr);
    assert!(
        fixed.stderr.contains("no machine-applicable fix"),
        "{}",
        fixed.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
        source
    );
}
