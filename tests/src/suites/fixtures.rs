//! Runs every rule on every fixture; fails on any unexpected finding and any unmatched marker.

use coordlint_tests::{ExpectedFinding, Fixture, fixtures_dir, load_group};
use lint_core::{Config, Diagnostic, Level, rules};

/// Fixture folders that are not named after a rule.
const NON_RULE_GROUPS: &[&str] = &["clean", "demo"];

/// Fixture folders of rules the command makes (it alone reads files, so only it can tell a
/// module file was not read): `suites::discovery` runs them through the command instead.
pub const COMMAND_RULE_GROUPS: &[&str] = &["skipped_file"];

fn all_rules_enabled() -> Config {
    let mut config = Config::default();
    for rule in rules::ALL {
        if config.severity_of(rule.name).is_none() {
            config
                .set_level(rule.name, Level::Warn)
                .expect("a known rule");
        }
    }
    config
}

fn rule_groups() -> Vec<String> {
    let mut groups: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ exists")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !NON_RULE_GROUPS.contains(&name.as_str()) && !name.starts_with('.'))
        .collect();
    groups.sort();
    groups
}

/// Problems of one fixture, as `path:line rule: message` lines.
fn check_fixture(fixture: &Fixture, config: &Config) -> Vec<String> {
    let mut diagnostics = lint_core::analyze(&lint_core::lower_files(&fixture.sources), config);
    let unparseable = lint_core::attach_suggestions(&fixture.sources, &mut diagnostics);
    let mut problems = Vec::new();
    if unparseable > 0 {
        problems.push(format!(
            "{}: {unparseable} suggestions were dropped because their result does not parse",
            fixture.name
        ));
    }
    problems.extend(super::fixes::check_fixed_file(
        fixture,
        &diagnostics,
        config,
    ));
    if fixture.headers.check_pass && !fixture.expected.is_empty() {
        problems.push(format!(
            "{}: `//@ check-pass` but it has markers",
            fixture.name
        ));
    }
    let mut unmatched: Vec<&ExpectedFinding> = fixture.expected.iter().collect();
    for diagnostic in &diagnostics {
        let file = &fixture.sources[diagnostic.primary.span.file.0 as usize].path;
        let line = line_of(&fixture.sources, diagnostic.primary.span);
        let position = unmatched
            .iter()
            .position(|expected| matches(expected, file, line, diagnostic));
        match position {
            Some(index) => {
                unmatched.remove(index);
            }
            None => problems.push(format!(
                "{file}:{line} unexpected {}: {}",
                diagnostic.rule, diagnostic.message
            )),
        }
    }
    for expected in unmatched {
        problems.push(format!(
            "{}:{} expected {} was not reported{}",
            expected.file,
            expected.line,
            expected.rule,
            expected
                .message_contains
                .as_ref()
                .map(|text| format!(" (with \"{text}\")"))
                .unwrap_or_default()
        ));
    }
    problems
}

fn matches(expected: &ExpectedFinding, file: &str, line: u32, diagnostic: &Diagnostic) -> bool {
    expected.file == file
        && expected.line == line
        && expected.rule == diagnostic.rule
        && expected
            .message_contains
            .as_ref()
            .is_none_or(|text| diagnostic.message.contains(text.as_str()))
}

/// The generated tests: one per fixture case, named `<group>::<case>`.
mod cases {
    use super::check_case;
    include!(concat!(env!("OUT_DIR"), "/fixture_cases.rs"));
}

/// Runs every rule on one fixture case (`group/case.rs` or `group/dir`) and fails with every
/// unexpected finding and every unmatched marker.
fn check_case(relative: &str) {
    let path = fixtures_dir().join(relative);
    let fixture = coordlint_tests::load_fixture(&path);
    let problems = check_fixture(&fixture, &all_rules_enabled());
    assert!(
        problems.is_empty(),
        "{} problems in {relative}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn a_test_is_generated_for_every_fixture_case() {
    let count: usize = rule_groups()
        .iter()
        .map(String::as_str)
        .filter(|group| !COMMAND_RULE_GROUPS.contains(group))
        .chain(["clean"])
        .map(|group| load_group(group).len())
        .sum();
    assert!(count > 0, "no fixtures found");
    assert_eq!(
        count,
        cases::CASES,
        "tests/build.rs generated a stale list of fixture cases"
    );
}

#[test]
fn clean_code_is_marked_check_pass() {
    for fixture in load_group("clean") {
        assert!(
            fixture.headers.check_pass,
            "{} lacks `//@ check-pass`",
            fixture.name
        );
    }
}

#[test]
fn every_fixture_folder_names_a_rule() {
    for group in rule_groups() {
        assert!(
            rules::find(&group).is_some(),
            "fixtures/{group} is not a rule name"
        );
    }
}

#[test]
fn every_rule_has_fixtures_that_fire_and_that_must_not() {
    for rule in rules::ALL {
        let fixtures = load_group(rule.name);
        let fires = fixtures
            .iter()
            .any(|fixture| fixture.expected.iter().any(|e| e.rule == rule.name));
        let near_miss = fixtures.iter().any(|fixture| fixture.headers.check_pass);
        assert!(fires, "rule `{}` has no fixture that expects it", rule.name);
        assert!(
            near_miss || rule.check.is_none(),
            "rule `{}` has no `//@ check-pass` near-miss fixture",
            rule.name
        );
    }
}

#[test]
fn markers_are_parsed_with_carets_and_messages() {
    let text = "let a = 1; //~ unbounded_channel\nx\n//~^ double_lock \"held\"\n";
    let markers = coordlint_tests::parse_markers("f.rs", text);
    assert_eq!(markers[0].line, 1);
    assert_eq!(markers[1].line, 2);
    assert_eq!(markers[1].message_contains.as_deref(), Some("held"));
}

/// The 1-based line where `span` starts in its file.
fn line_of(sources: &[lint_core::SourceFile], span: lint_core::Span) -> u32 {
    let text = &sources[span.file.0 as usize].text;
    lint_core::LineIndex::new(text).line_number(span.byte_start)
}
