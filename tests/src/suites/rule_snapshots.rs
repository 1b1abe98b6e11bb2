//! How findings read: one rendered human report per rule (on one representative fixture)
//! and the `explain` text of every rule, as snapshots.

use lint_core::rules;

use super::cli::{run_coordlint, strip_timing};

/// One representative fixture per rule that reports findings.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "blocking_under_lock",
        "blocking_under_lock/sync_sender_send.rs",
    ),
    (
        "double_lock",
        "double_lock/eval_l01_session_store_match_scrutinee.rs",
    ),
    (
        "guard_across_await",
        "guard_across_await/eval_l13_token_refresher_match_and_read_guard_await.rs",
    ),
    (
        "lock_order_cycle",
        "lock_order_cycle/through_helper_call.rs",
    ),
    ("parse_error", "parse_error/missing_expression.rs"),
    ("skipped_file", "skipped_file/missing_module"),
    (
        "unbatched_io",
        "unbatched_io/eval_w04_order_summary_sqlx_n_plus_one.rs",
    ),
    (
        "unbounded_channel",
        "unbounded_channel/eval_w10_cache_actor_tokio_unbounded.rs",
    ),
    (
        "unbounded_spawn",
        "unbounded_spawn/eval_w01_tcp_gateway_spawn_per_connection.rs",
    ),
    (
        "unused_suppression",
        "unused_suppression/silences_nothing.rs",
    ),
];

#[test]
fn every_rule_has_a_rendered_example() {
    for rule in rules::ALL {
        assert!(
            EXAMPLES.iter().any(|(name, _)| *name == rule.name),
            "add a representative fixture for `{}` to EXAMPLES",
            rule.name
        );
    }
}

#[test]
fn rendered_findings_per_rule() {
    // A path relative to the test's working directory (`tests/`), so that the rendering
    // (line wrapping included) does not depend on where the repository is checked out.
    assert!(
        std::env::current_dir()
            .expect("a working directory")
            .join("../fixtures")
            .is_dir(),
        "the integration tests run from `tests/`"
    );
    for (rule, fixture) in EXAMPLES {
        let path = format!("../fixtures/{fixture}");
        let output = run_coordlint(&[&path, "--color", "never", "--message-format", "human"]);
        // Output paths never climb out of the root with `..`: a fixture outside the working
        // directory is shown absolute, so the checkout's path is cut off here.
        let checkout = format!("{}/", coordlint_tests::fixtures_dir().display());
        let text = strip_timing(&output.stdout)
            .replace(&checkout, "fixtures/")
            .replace("../fixtures/", "fixtures/");
        assert!(
            text.contains(&format!("coordlint::{rule}")),
            "{fixture} does not show `{rule}`:\n{text}"
        );
        insta::assert_snapshot!(format!("rendered_{rule}"), text);
    }
}

#[test]
fn explain_text_per_rule() {
    for rule in rules::ALL {
        let output = run_coordlint(&["explain", rule.name]);
        insta::assert_snapshot!(format!("explain_{}", rule.name), output.stdout);
    }
}

/// A channel constructor imported under another name is named as written and as resolved.
#[test]
fn a_renamed_channel_constructor_is_named_as_written() {
    let path = coordlint_tests::fixtures_dir().join("unbounded_channel/renamed_import.rs");
    let text = std::fs::read_to_string(&path).expect("the fixture");
    let source = lint_core::SourceFile::new("renamed_import.rs", text, lint_core::Edition::E2021);
    let findings = lint_core::check_sources(&[source], &lint_core::Config::default());
    let notes: Vec<&String> = findings
        .iter()
        .filter(|finding| finding.rule == "unbounded_channel")
        .flat_map(|finding| &finding.notes)
        .filter(|note| note.contains("resolves to"))
        .collect();
    assert_eq!(
        notes,
        [
            "`make_queue` resolves to `std::sync::mpsc::channel` through this file's imports",
            "`events` resolves to `tokio::sync::mpsc::unbounded_channel` through this file's imports",
        ],
        "{findings:#?}"
    );
}
