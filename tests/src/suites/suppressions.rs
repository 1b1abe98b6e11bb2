//! Suppression comments end to end: any labelled site of a finding (the lock line of a
//! guard held across `.await`), an item, and `unused_suppression` for misspelled and stale
//! comments, in a workspace run.

use cargo_coordlint::Status;

use super::cli::{run_coordlint, temp_tree};

const PACKAGE: &str = "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

fn short_output(source: &str) -> String {
    let dir = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", source)]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    assert_ne!(output.status, Status::Failure, "{}", output.stderr);
    output.stdout
}

const GUARD_ACROSS_AWAIT: &str = "use std::sync::Mutex;\n\npub struct Cache {\n    entries: Mutex<Vec<u8>>,\n}\n\nasync fn fetch() -> u8 {\n    1\n}\n\nimpl Cache {\n    pub async fn refresh(&self) {\n        LOCK_LINE\n        let value = fetch().await;\n        entries.push(value);\n    }\n}\n";

#[test]
fn a_suppression_on_the_lock_line_silences_a_guard_held_across_await() {
    let lock = "let mut entries = self.entries.lock().unwrap();";
    let unsuppressed = short_output(&GUARD_ACROSS_AWAIT.replace("LOCK_LINE", lock));
    assert!(
        unsuppressed.contains("src/lib.rs:14:29: warning[coordlint::guard_across_await]"),
        "{unsuppressed}"
    );
    let trailing = format!("{lock} // coordlint: allow(guard_across_await) -- one task only");
    let silenced = short_output(&GUARD_ACROSS_AWAIT.replace("LOCK_LINE", &trailing));
    assert!(silenced.contains("0 errors, 0 warnings"), "{silenced}");
    let above = format!("// coordlint: allow(guard_across_await) -- one task only\n        {lock}");
    let silenced = short_output(&GUARD_ACROSS_AWAIT.replace("LOCK_LINE", &above));
    assert!(silenced.contains("0 errors, 0 warnings"), "{silenced}");
}

#[test]
fn a_suppression_before_an_item_covers_the_whole_item() {
    let lock = "let mut entries = self.entries.lock().unwrap();";
    let source = GUARD_ACROSS_AWAIT.replace("LOCK_LINE", lock).replace(
        "impl Cache {",
        "// coordlint: allow(guard_across_await) -- a single-threaded runtime\nimpl Cache {",
    );
    let output = short_output(&source);
    assert!(output.contains("0 errors, 0 warnings"), "{output}");
}

#[test]
fn misspelled_and_stale_suppressions_are_reported() {
    let lock =
        "let mut entries = self.entries.lock().unwrap(); // coordlint: allow(guard_accross_await)";
    let output = short_output(&GUARD_ACROSS_AWAIT.replace("LOCK_LINE", lock));
    assert!(
        output.contains("src/lib.rs:13:60: warning[coordlint::unused_suppression]: `guard_accross_await` in this suppression is not a coordlint rule"),
        "{output}"
    );
    assert!(
        output.contains("warning[coordlint::guard_across_await]"),
        "{output}"
    );
    let stale = "pub fn f() {} // coordlint: allow(double_lock)\n";
    let output = short_output(stale);
    assert!(
        output.contains("src/lib.rs:1:18: warning[coordlint::unused_suppression]: this suppression of `double_lock` silences nothing"),
        "{output}"
    );
    // A rule that is allowed did not run: its suppressions may be needed when it does.
    let dir = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", stale)]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let allowed = run_coordlint(&["--manifest-path", &manifest, "-A", "double_lock"]);
    assert!(
        !allowed.stdout.contains("unused_suppression"),
        "{}",
        allowed.stdout
    );
}
