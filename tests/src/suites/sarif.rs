//! `--message-format sarif`: valid against the official SARIF 2.1.0 schema (vendored as
//! test data in `tests/data/`), with what GitHub code scanning needs.

use serde_json::Value;

use super::cli::{demo_manifest, run_coordlint};
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
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("a rule index") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            !location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"]["coordlint/v1"].is_string());
    }
    let cycle = results
        .iter()
        .find(|r| r["ruleId"] == "coordlint::lock_order_cycle")
        .expect("the demo's cycle");
    assert!(
        cycle["relatedLocations"].as_array().unwrap().len() >= 3,
        "every edge's witness"
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
