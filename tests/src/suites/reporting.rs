//! How a run reports, for CI and terminals: `--message-format github` (valid workflow
//! commands), `--output-file` beside human output, `-q`, `--statistics`, and findings sorted
//! by file and line.

use cargo_coordlint::Status;

use super::cli::{demo_manifest, run_coordlint, temp_tree};

const PACKAGE: &str = "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
const CHANNEL_PER_ITEM: &str = "pub fn feed(input: Vec<u8>) {\n    let (tx, _rx) = std::sync::mpsc::channel::<u8>();\n    for item in input {\n        let _ = tx.send(item);\n    }\n}\n";

/// Whether `line` is a GitHub workflow command as the runner parses it: `::error` or
/// `::warning`, `key=value` properties separated by commas (no raw `,` or `:` inside a
/// value), `::`, then the message with no raw line break or `%` that is not an escape.
fn is_valid_annotation(line: &str) -> bool {
    let Some(rest) = line
        .strip_prefix("::error ")
        .or_else(|| line.strip_prefix("::warning "))
    else {
        return false;
    };
    let Some((properties, message)) = rest.split_once("::") else {
        return false;
    };
    let keys: Vec<&str> = properties
        .split(',')
        .map(|property| property.split_once('=').map_or("", |(key, _)| key))
        .collect();
    let escapes_ok = |text: &str| {
        text.match_indices('%').all(|(at, _)| {
            ["%25", "%0D", "%0A", "%3A", "%2C"]
                .iter()
                .any(|e| text[at..].starts_with(e))
        })
    };
    keys == ["file", "line", "col", "endLine", "endColumn", "title"]
        && properties
            .split(',')
            .all(|property| !property.contains(':'))
        && !message.contains('\n')
        && !message.contains('\r')
        && escapes_ok(properties)
        && escapes_ok(message)
}

#[test]
fn github_format_prints_valid_workflow_commands_then_a_summary() {
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format",
        "github",
    ]);
    assert_eq!(output.status, Status::Findings);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", output.stdout);
    for line in &lines[..4] {
        assert!(is_valid_annotation(line), "{line}");
    }
    // Paths relative to the repository root (this checkout), as annotations need.
    let prefix = coordlint_tests::demo_prefix_in_repository();
    assert!(
        lines[0].starts_with(&format!(
            "::warning file={prefix}gateway/src/main.rs,line=12,col=30,"
        )),
        "{}",
        lines[0]
    );
    assert!(lines[3].starts_with(&format!(
        "::error file={prefix}inventory/src/store.rs,line=29,"
    )));
    assert!(lines[3].contains("title=coordlint%3A%3Alock_order_cycle::lock order cycle"));
    assert!(
        lines[3].contains("%0Anote: possible deadlock"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("1 error, 3 warnings in 2 files"),
        "{}",
        lines[4]
    );
}

#[test]
fn github_properties_are_escaped() {
    let lib = "#[path = \"a,b:c.rs\"]\nmod odd;\n";
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", lib),
        ("src/a,b:c.rs", CHANNEL_PER_ITEM),
    ]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&["--manifest-path", &manifest, "--message-format", "github"]);
    let first = output.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("::warning file=src/a%2Cb%3Ac.rs,line=2,"),
        "{first}"
    );
    assert!(is_valid_annotation(first), "{first}");
}

#[test]
fn output_file_gets_the_machine_format_and_the_terminal_human_output() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("coordlint.sarif");
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format",
        "sarif",
        "--output-file",
        &sarif.display().to_string(),
        "--color",
        "never",
    ]);
    assert_eq!(output.status, Status::Findings);
    assert!(output.stdout.contains("coordlint::lock_order_cycle"));
    assert!(
        output.stdout.contains("╭─["),
        "human excerpts: {}",
        output.stdout
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).expect("SARIF in the file");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
}

#[test]
fn quiet_prints_only_findings_and_statistics_counts_per_rule() {
    let manifest = demo_manifest();
    let quiet = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--message-format",
        "short",
        "-q",
    ]);
    assert_eq!(quiet.stdout.lines().count(), 4, "{}", quiet.stdout);
    assert!(
        quiet
            .stdout
            .lines()
            .all(|line| line.contains("[coordlint::"))
    );
    let statistics = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--message-format",
        "short",
        "-q",
        "--statistics",
    ]);
    let counts: Vec<&str> = statistics.stdout.lines().skip(4).collect();
    assert_eq!(
        counts,
        [
            "     2  coordlint::unbounded_channel (2 warnings)",
            "     1  coordlint::lock_order_cycle (1 error)",
            "     1  coordlint::unbounded_spawn (1 warning)",
        ]
    );
    // Machine formats keep stdout one document: the counts go to stderr.
    let json = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--message-format",
        "json",
        "--statistics",
    ]);
    assert!(
        json.stderr
            .contains("coordlint::unbounded_channel (2 warnings)"),
        "{}",
        json.stderr
    );
}

#[test]
fn findings_are_sorted_by_file_and_line() {
    // lib.rs is read first (file id 0); alpha.rs is found through its `mod`.
    let lib = format!("mod alpha;\n\n{CHANNEL_PER_ITEM}");
    let dir = temp_tree(&[
        ("Cargo.toml", PACKAGE),
        ("src/lib.rs", &lib),
        ("src/alpha.rs", CHANNEL_PER_ITEM),
    ]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "--message-format",
        "short",
        "-q",
    ]);
    let files: Vec<&str> = output
        .stdout
        .lines()
        .map(|line| line.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(files, ["src/alpha.rs", "src/lib.rs"], "{}", output.stdout);
}
