//! `--message-format sarif`: valid against the official SARIF 2.1.0 schema (vendored as
//! test data in `tests/data/`), with what GitHub code scanning needs.

use serde_json::Value;

use super::cli::{demo_manifest, run_coordlint, temp_tree};
use coordlint_tests::repo_root;

fn sarif_schema() -> Value {
    let path = repo_root().join("tests/data/sarif-2.1.0-rtm.5.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // The published schema's `language` patterns are not valid regexes (a stray `]`), so a
    // validator refuses to compile the schema; coordlint never writes `language`.
    remove_broken_patterns(&mut schema);
    schema
}

fn remove_broken_patterns(value: &mut Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        Value::Object(map) => {
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                map.remove("pattern");
            }
            map.values_mut().for_each(remove_broken_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_broken_patterns),
        _ => {}
    }
}

fn demo_sarif() -> Value {
    let output = run_coordlint(&[
        "--manifest-path",
        &demo_manifest(),
        "--message-format",
        "sarif",
    ]);
    serde_json::from_str(&output.stdout).expect("one SARIF document")
}

#[test]
fn output_is_valid_against_the_sarif_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::draft4::new(&schema).expect("a valid schema");
    let log = demo_sarif();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject a broken log.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn results_carry_what_code_scanning_needs() {
    let log = demo_sarif();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), lint_core::rules::ALL.len());
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    // Paths are relative to the repository root (this checkout), through SRCROOT.
    let base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .expect("a SRCROOT base");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("a rule index") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        let prefix = coordlint_tests::demo_prefix_in_repository();
        assert!(
            uri.starts_with(&format!("{prefix}gateway/"))
                || uri.starts_with(&format!("{prefix}inventory/")),
            "{uri}"
        );
        assert_eq!(location["artifactLocation"]["uriBaseId"], "SRCROOT");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"]["coordlint/v2"].is_string());
        // Every witness site is a related location the message links to.
        let text = result["message"]["text"].as_str().unwrap();
        for related in result["relatedLocations"].as_array().unwrap() {
            let id = related["id"].as_u64().unwrap();
            assert!(text.contains(&format!("]({id})")), "{text}");
        }
        assert!(text.contains("help: "), "{text}");
    }
    let cycle = results
        .iter()
        .find(|r| r["ruleId"] == "coordlint::lock_order_cycle")
        .expect("the demo's cycle");
    assert!(
        cycle["relatedLocations"].as_array().unwrap().len() >= 3,
        "every edge's witness"
    );
    let steps = cycle["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("a code flow through the cycle");
    assert_eq!(
        steps.len(),
        cycle["relatedLocations"].as_array().unwrap().len() + 1
    );
    let text = cycle["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("note: possible deadlock"),
        "the scenario: {text}"
    );
    let channel = results
        .iter()
        .find(|r| r["ruleId"] == "coordlint::unbounded_channel")
        .expect("the demo's unbounded channel");
    let fix = &channel["fixes"][0];
    assert_eq!(fix["properties"]["applicability"], "HasPlaceholders");
    let change = &fix["artifactChanges"][0];
    assert!(
        !change["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with('/')
    );
    let replacements = change["replacements"].as_array().expect("replacements");
    assert!(replacements.iter().any(|replacement| {
        replacement["insertedContent"]["text"]
            .as_str()
            .is_some_and(|text| text.contains("/* capacity */"))
            && replacement["deletedRegion"]["startLine"].as_u64() >= Some(1)
    }));
}

#[test]
fn rules_link_their_documentation_and_say_how_precise_they_are() {
    let log = demo_sarif();
    let driver = &log["runs"][0]["tool"]["driver"];
    let rules_md = std::fs::read_to_string(repo_root().join("docs/rules.md")).unwrap();
    for rule in driver["rules"].as_array().unwrap() {
        let name = rule["name"].as_str().unwrap();
        let help_uri = rule["helpUri"].as_str().unwrap();
        let anchor = help_uri
            .strip_suffix(&format!("docs/rules.md#{name}"))
            .expect("a link into docs/rules.md");
        assert!(anchor.starts_with(driver["informationUri"].as_str().unwrap()));
        assert!(rules_md.contains(&format!("\n## {name}\n")), "{name}");
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert_ne!(full, rule["shortDescription"]["text"].as_str().unwrap());
        assert!(
            ["very-high", "high", "medium", "low"]
                .contains(&rule["properties"]["precision"].as_str().unwrap())
        );
    }
}

/// Two findings of one rule in one file (the classic complaint: they merged into one alert)
/// get different fingerprints, and none depends on line numbers.
#[test]
fn fingerprints_are_unique_and_survive_line_shifts() {
    let source = "use std::sync::mpsc;\n\nfn a(input: Vec<u8>) {\n    let (tx, _rx) = mpsc::channel::<u8>();\n    for item in input { let _ = tx.send(item); }\n}\n\nfn b(input: Vec<u8>) {\n    let (tx, _rx) = mpsc::channel::<u8>();\n    for item in input { let _ = tx.send(item); }\n    let (tx2, _rx2) = mpsc::channel::<u8>();\n    for item in vec![1u8] { let _ = tx2.send(item); }\n}\n";
    let fingerprints_of = |text: &str| -> Vec<String> {
        let dir = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", text)]);
        let manifest = dir.path().join("Cargo.toml").display().to_string();
        let output = run_coordlint(&["--manifest-path", &manifest, "--message-format", "sarif"]);
        let log: Value = serde_json::from_str(&output.stdout).expect("SARIF");
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| {
                result["partialFingerprints"]["coordlint/v2"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = fingerprints_of(source);
    assert!(before.len() >= 2, "{before:?}");
    let unique: std::collections::BTreeSet<&String> = before.iter().collect();
    assert_eq!(unique.len(), before.len(), "{before:?}");
    let shifted = format!("// a comment\n\n// and another\n{source}");
    assert_eq!(fingerprints_of(&shifted), before);
}

const PACKAGE: &str = "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
