//! Meta-tests: the conventions of ARCHITECTURE.md and STYLE.md, kept true by tests.

use coordlint_tests::repo_root;
use lint_core::rules;

#[test]
fn every_rule_is_documented_with_the_required_sections() {
    for rule in rules::ALL {
        let documentation = rule.documentation();
        for section in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(
                documentation.contains(section),
                "`{}` lacks `{section}`",
                rule.name
            );
        }
        assert!(
            documentation.contains("Use instead"),
            "`{}` does not say what to use instead",
            rule.name
        );
    }
}

#[test]
fn rules_are_listed_in_sorted_order() {
    let names: Vec<&str> = rules::ALL.iter().map(|rule| rule.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let committed =
        std::fs::read_to_string(repo_root().join("docs/rules.md")).expect("docs/rules.md");
    assert!(
        committed == cargo_coordlint::rules_markdown(),
        "docs/rules.md is stale: run `cargo run -p cargo-coordlint -- coordlint rules --markdown > docs/rules.md`"
    );
}

/// Only lint-core's lowering module may touch syn; passes and rules read the model.
#[test]
fn only_lowering_uses_syn() {
    let src = repo_root().join("lint-core/src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path != src.join("lower") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable");
                if text.contains("syn::") || text.contains("proc_macro2::") {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "syn used outside lint-core/src/lower: {offenders:?}"
    );
}

/// The CLI is the only crate that prints; lint-core returns data.
#[test]
fn lint_core_does_not_print_or_read_files() {
    let src = repo_root().join("lint-core/src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("readable");
                let code = text
                    .lines()
                    .filter(|line| !line.trim_start().starts_with("//"));
                for line in code {
                    for forbidden in ["println!", "eprintln!", "std::fs::", "print!("] {
                        assert!(
                            !line.contains(forbidden),
                            "{} uses {forbidden}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).expect(".ci/run");
    let command = "cargo test --workspace";
    assert!(readme.contains(command), "README does not give `{command}`");
    assert!(ci.contains(command), ".ci/run does not run `{command}`");
}
