//! `cargo coordlint graph`: the demo's lock-order graph as DOT (the cycle in red) and JSON.

use cargo_coordlint::Status;

use super::cli::{demo_manifest, run_coordlint, temp_tree};

#[test]
fn graph_prints_a_dot_digraph_of_the_demo_cycle() {
    let output = run_coordlint(&["graph", "--manifest-path", &demo_manifest()]);
    assert_eq!(output.status, Status::Clean, "{}", output.stderr);
    let dot = &output.stdout;
    assert!(dot.starts_with("digraph lock_order {"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    assert!(
        dot.contains("n0 [label=\"Store::items\\nstd::sync::Mutex, field `items` of Store\"];"),
        "{dot}"
    );
    assert!(
        dot.contains(
            "n0 -> n1 [label=\"store::Store::take\\ninventory/src/store.rs:29:9\", color=red"
        ),
        "{dot}"
    );
    assert!(
        dot.contains(
            "n1 -> n0 [label=\"audit::Store::snapshot\\ninventory/src/audit.rs:10:21\", color=red"
        ),
        "{dot}"
    );
    // The same as what the README shows.
    let readme = std::fs::read_to_string(coordlint_tests::repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains(dot.as_str()),
        "README's graph example is out of date:\n{dot}"
    );
}

#[test]
fn graph_json_marks_async_and_gate_locks() {
    let source = "use std::sync::Mutex;\n\npub struct S {\n    gate: Mutex<()>,\n    a: Mutex<u8>,\n    b: Mutex<u8>,\n    q: tokio::sync::Mutex<u8>,\n}\n\nimpl S {\n    pub fn one(&self) {\n        let _g = self.gate.lock().unwrap();\n        let _a = self.a.lock().unwrap();\n        let _b = self.b.lock().unwrap();\n    }\n\n    pub fn two(&self) {\n        let _g = self.gate.lock().unwrap();\n        let _b = self.b.lock().unwrap();\n        let _a = self.a.lock().unwrap();\n    }\n\n    pub async fn three(&self) {\n        let _q = self.q.lock().await;\n        let _a = self.a.lock().unwrap();\n    }\n}\n";
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", source),
    ]);
    let manifest = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&["graph", "--format", "json", "--manifest-path", &manifest]);
    let graph: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON");
    let class = |name: &str| {
        graph["classes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|class| class["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {graph:#}"))
            .clone()
    };
    assert_eq!(class("S::gate")["gate"], true);
    assert_eq!(class("S::a")["gate"], false);
    assert_eq!(class("S::q")["async"], true);
    assert_eq!(class("S::q")["field"], "q");
    // The gate serializes a → b and b → a: no reported cycle, so no red edge.
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|edge| edge["on_cycle"] == false)
    );
    let dot = run_coordlint(&["graph", "--manifest-path", &manifest]).stdout;
    assert!(dot.contains("gate lock\", peripheries=2]"), "{dot}");
    assert!(dot.contains("async\", style=dashed]"), "{dot}");
    let misplaced = run_coordlint(&["--format", "dot", "--manifest-path", &manifest]);
    assert_eq!(misplaced.status, Status::Failure);
}

#[test]
fn an_edge_through_a_call_shows_the_call_and_the_callee() {
    let fixture = coordlint_tests::fixtures_dir().join("lock_order_cycle/through_helper_call.rs");
    let output = run_coordlint(&["graph", &fixture.display().to_string()]);
    assert!(
        output
            .stdout
            .contains("through_helper_call.rs:16:9\\nvia Scheduler::record\", color=red"),
        "{}",
        output.stdout
    );
}
