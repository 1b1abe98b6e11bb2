//! Configuration files end to end: levels in `[workspace.metadata.coordlint.lints]`,
//! `[package.metadata.coordlint.lints]` winning for its package, the command line winning
//! over both, `coordlint.toml` in path mode, and errors that name the key, the file and
//! its line.

use cargo_coordlint::Status;

use super::cli::{RunOutput, run_coordlint, temp_tree};

/// An unbounded channel fed once per input item: one `unbounded_channel` warning.
const CHANNEL_PER_ITEM: &str = "use std::sync::mpsc;\n\npub fn feed(input: Vec<u8>) {\n    let (tx, _rx) = mpsc::channel::<u8>();\n    for item in input {\n        let _ = tx.send(item);\n    }\n}\n";

fn package(name: &str, extra: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{extra}")
}

/// A workspace of two members, `alpha` and `beta`, each with the channel.
fn two_members(workspace_extra: &str, beta_extra: &str) -> tempfile::TempDir {
    let root = format!(
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n{workspace_extra}"
    );
    temp_tree(&[
        ("Cargo.toml", &root),
        ("alpha/Cargo.toml", &package("alpha", "")),
        ("alpha/src/lib.rs", CHANNEL_PER_ITEM),
        ("beta/Cargo.toml", &package("beta", beta_extra)),
        ("beta/src/lib.rs", CHANNEL_PER_ITEM),
    ])
}

fn run_in(dir: &tempfile::TempDir, extra: &[&str]) -> RunOutput {
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let mut args = vec![
        "--manifest-path",
        manifest.as_str(),
        "--message-format",
        "short",
    ];
    args.extend_from_slice(extra);
    run_coordlint(&args)
}

#[test]
fn levels_in_the_workspace_manifest_take_effect() {
    let dir = two_members(
        "[workspace.metadata.coordlint.lints]\nunbounded_channel = \"deny\"\n",
        "",
    );
    let output = run_in(&dir, &[]);
    assert_eq!(output.status, Status::Findings, "{}", output.stderr);
    assert!(
        output
            .stdout
            .contains("alpha/src/lib.rs:4:21: error[coordlint::unbounded_channel]"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("beta/src/lib.rs:4:21: error["));
}

#[test]
fn a_package_level_wins_for_its_package_and_the_command_line_wins_over_both() {
    let dir = two_members(
        "[workspace.metadata.coordlint.lints]\nunbounded_channel = \"allow\"\n",
        "\n[package.metadata.coordlint.lints]\nunbounded_channel = \"deny\"\n",
    );
    let output = run_in(&dir, &[]);
    assert_eq!(output.status, Status::Findings, "{}", output.stderr);
    assert!(
        output
            .stdout
            .contains("beta/src/lib.rs:4:21: error[coordlint::unbounded_channel]"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("alpha/"), "{}", output.stdout);
    let warned = run_in(&dir, &["-W", "unbounded_channel"]);
    assert_eq!(warned.status, Status::Clean);
    assert!(warned.stdout.contains("alpha/src/lib.rs:4:21: warning["));
    assert!(warned.stdout.contains("beta/src/lib.rs:4:21: warning["));
    let allowed = run_in(&dir, &["-A", "unbounded_channel"]);
    assert!(
        !allowed.stdout.contains("unbounded_channel"),
        "{}",
        allowed.stdout
    );
}

#[test]
fn a_misspelled_key_is_an_error_naming_its_file_and_line() {
    let dir = two_members(
        "\n[workspace.metadata.coordlint.unbatched_io]\nextra-method = [\"fetch_user\"]\n",
        "",
    );
    let output = run_in(&dir, &[]);
    assert_eq!(output.status, Status::Failure);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let expected = format!(
        "error: {manifest}:6: in `workspace.metadata.coordlint.unbatched_io`: unknown option `extra-method`"
    );
    assert!(output.stderr.starts_with(&expected), "{}", output.stderr);
    assert!(
        output.stderr.contains("did you mean `extra-methods`?")
            && output
                .stderr
                .contains("valid options: extra-methods, extra-paths"),
        "{}",
        output.stderr
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_values_and_unknown_names_name_their_line() {
    let cases = [
        (
            "[workspace.metadata.coordlint.lints]\nunbounded_channel = \"warning\"\n",
            ":5: ",
            "did you mean `warn`?",
        ),
        (
            "[workspace.metadata.coordlint.lints]\nunbounded_chanel = \"deny\"\n",
            ":5: ",
            "did you mean `unbounded_channel`?",
        ),
        (
            "[workspace.metadata.coordlint.unbounded_spawn]\nextra-spawners = \"rt::go\"\n",
            ":5: ",
            "must be an array of strings, not the string \"rt::go\"",
        ),
        (
            "[workspace.metadata.coordlint]\nlint = {}\n",
            ":5: ",
            "did you mean `lints`?",
        ),
        (
            "[workspace.metadata.coordlint.lints]\nunbounded_channel = 3\n",
            ":5: ",
            "must be a level",
        ),
    ];
    for (metadata, line, words) in cases {
        let dir = two_members(metadata, "");
        let output = run_in(&dir, &[]);
        assert_eq!(output.status, Status::Failure, "{metadata}");
        assert!(
            output.stderr.contains(&format!("Cargo.toml{line}")) && output.stderr.contains(words),
            "{metadata}\n{}",
            output.stderr
        );
    }
    // In a member's manifest too.
    let dir = two_members(
        "",
        "\n[package.metadata.coordlint.lints]\ndouble_lok = \"allow\"\n",
    );
    let output = run_in(&dir, &[]);
    assert_eq!(output.status, Status::Failure);
    assert!(
        output.stderr.contains("beta/Cargo.toml:7: ")
            && output.stderr.contains("did you mean `double_lock`?"),
        "{}",
        output.stderr
    );
}

#[test]
fn an_unknown_rule_on_the_command_line_gets_a_suggestion() {
    let dir = two_members("", "");
    let output = run_in(&dir, &["-A", "unbounded_chanel"]);
    assert_eq!(output.status, Status::Failure);
    assert!(
        output.stderr.contains("did you mean `unbounded_channel`?"),
        "{}",
        output.stderr
    );
}

#[test]
fn coordlint_toml_configures_path_mode() {
    let dir = temp_tree(&[
        ("coordlint.toml", "[lints]\nunbounded_channel = \"deny\"\n"),
        ("src/lib.rs", CHANNEL_PER_ITEM),
    ]);
    let path = dir.path().join("src").display().to_string();
    let output = run_coordlint(&[&path, "--message-format", "short"]);
    assert_eq!(output.status, Status::Findings, "{}", output.stderr);
    assert!(
        output
            .stdout
            .contains("error[coordlint::unbounded_channel]")
    );
    std::fs::write(
        dir.path().join("coordlint.toml"),
        "[lints]\nunbounded_channel = \"allow\"\n\n[unbatched_io]\nextra-pathz = []\n",
    )
    .unwrap();
    let output = run_coordlint(&[&path]);
    assert_eq!(output.status, Status::Failure);
    assert!(
        output.stderr.contains("coordlint.toml:5: ")
            && output.stderr.contains("did you mean `extra-paths`?"),
        "{}",
        output.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_member_manifest_outside_the_root_loses_its_settings_with_a_warning() {
    let outside = temp_tree(&[(
        "beta.toml",
        &package(
            "beta",
            "\n[package.metadata.coordlint.lints]\nunbounded_channel = \"deny\"\n",
        ),
    )]);
    let dir = two_members("", "");
    let beta_manifest = dir.path().join("beta/Cargo.toml");
    std::fs::remove_file(&beta_manifest).unwrap();
    std::os::unix::fs::symlink(outside.path().join("beta.toml"), &beta_manifest).unwrap();
    let output = run_in(&dir, &[]);
    assert_eq!(output.status, Status::Clean, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("its coordlint settings were not read"),
        "{}",
        output.stderr
    );
    assert!(
        output.stdout.contains("beta/src/lib.rs:4:21: warning["),
        "{}",
        output.stdout
    );
}
