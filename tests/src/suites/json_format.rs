//! The JSON output is cargo's `--message-format=json`: checked against what rust-analyzer
//! parses (cargo_metadata's `Message`) and field by field against a real `cargo check`.

use std::collections::BTreeSet;
use std::process::Command;

use cargo_metadata::Message;
use serde_json::Value;

use super::cli::{demo_manifest, run_coordlint, temp_tree};

fn demo_json_lines() -> Vec<String> {
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format=json",
        "--workspace",
    ]);
    output.stdout.lines().map(str::to_string).collect()
}

#[test]
fn every_line_parses_as_rust_analyzer_reads_it() {
    let lines = demo_json_lines();
    assert!(lines.len() >= 4, "{lines:?}");
    let last = lines.last().expect("a last line");
    // The demo has a lock order cycle, an error.
    assert_eq!(last, r#"{"reason":"build-finished","success":false}"#);
    for line in &lines[..lines.len() - 1] {
        let message =
            serde_json::from_str::<Message>(line).unwrap_or_else(|error| panic!("{error}: {line}"));
        let Message::CompilerMessage(message) = message else {
            panic!("not a compiler message: {line}");
        };
        let primaries = message
            .message
            .spans
            .iter()
            .filter(|span| span.is_primary)
            .count();
        assert_eq!(primaries, 1, "{line}");
        assert!(
            message
                .message
                .code
                .as_ref()
                .is_some_and(|code| code.code.starts_with("coordlint::"))
        );
        assert!(
            message.package_id.repr.starts_with("path+file://"),
            "{line}"
        );
        assert!(!message.target.src_path.as_str().is_empty());
        for span in &message.message.spans {
            assert!(
                !span.file_name.starts_with('/'),
                "file names are relative: {line}"
            );
            assert!(!span.text.is_empty(), "{line}");
        }
    }
}

#[test]
fn spans_point_at_the_source_text() {
    let lines = demo_json_lines();
    let first: Value = serde_json::from_str(&lines[0]).expect("json");
    let span = &first["message"]["spans"][0];
    let text = span["text"][0]["text"].as_str().expect("span text");
    let start = span["column_start"].as_u64().expect("column") as usize - 1;
    let end = span["column_end"].as_u64().expect("column") as usize - 1;
    let highlighted: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(highlighted, "mpsc::unbounded_channel::<String>()");
    let file = std::path::Path::new(&demo_manifest())
        .parent()
        .expect("demo dir")
        .join(span["file_name"].as_str().expect("file name"));
    let source = std::fs::read_to_string(file).expect("source");
    let bytes = &source[span["byte_start"].as_u64().unwrap() as usize
        ..span["byte_end"].as_u64().unwrap() as usize];
    assert_eq!(bytes, highlighted);
}

#[test]
fn error_level_findings_make_success_false() {
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format=json",
        "-D",
        "warnings",
    ]);
    let last = output.stdout.lines().last().expect("a last line");
    assert_eq!(last, r#"{"reason":"build-finished","success":false}"#);
    assert!(output.stdout.contains(r#""level":"error""#));
}

/// Every key path of a JSON value (`message.spans[].text[].highlight_start`).
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                key_paths(inner, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Runs a real `cargo check --message-format=json` on a crate with one warning and returns
/// its compiler-message line.
fn real_cargo_check_message() -> Value {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
        ),
        ("src/lib.rs", "pub fn f() {\n    let unused = 1;\n}\n"),
    ]);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["check", "--quiet", "--offline", "--message-format=json"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let line = stdout
        .lines()
        .find(|line| line.contains(r#""reason":"compiler-message""#))
        .unwrap_or_else(|| panic!("no compiler message from cargo check:\n{stdout}"));
    serde_json::from_str(line).expect("cargo's json")
}

#[test]
fn same_fields_as_a_real_cargo_check_message() {
    let real = real_cargo_check_message();
    let ours: Value = serde_json::from_str(&demo_json_lines()[0]).expect("json");
    let mut real_keys = BTreeSet::new();
    key_paths(&real, "", &mut real_keys);
    let mut our_keys = BTreeSet::new();
    key_paths(&ours, "", &mut our_keys);
    // rustc's `children` of an unused-variable warning carry spans and suggestions; ours
    // carry help and notes without spans. Compare everything else exactly.
    let outside_children = |keys: &BTreeSet<String>| -> BTreeSet<String> {
        keys.iter()
            .filter(|key| !key.starts_with(".message.children[]."))
            .cloned()
            .collect()
    };
    let missing: Vec<_> = outside_children(&real_keys)
        .difference(&outside_children(&our_keys))
        .cloned()
        .collect();
    let extra: Vec<_> = outside_children(&our_keys)
        .difference(&outside_children(&real_keys))
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "fields cargo writes that we do not: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "fields we write that cargo does not: {extra:?}"
    );
    for key in ["message", "code", "level", "spans", "children", "rendered"] {
        assert!(
            ours["message"]["children"][0].get(key).is_some() || key == "code",
            "child lacks {key}"
        );
    }
    assert_eq!(real["target"]["kind"], serde_json::json!(["lib"]));
    assert_eq!(real["message"]["level"], "warning");
    assert_eq!(ours["message"]["level"], "warning");
}
