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

/// Only lint-core's lowering module and the fix builder (`fixes/`, which re-reads one
/// file's syntax after the rules ran) may touch syn; passes and rules read the model. The
/// fix builder is a later pass: nothing before it (`analysis/`, `rules/`, `lower/`, ...)
/// names it, so the dependencies stay one-way.
#[test]
fn only_lowering_and_fix_building_use_syn() {
    let src = repo_root().join("lint-core/src");
    let syn_modules = [src.join("lower"), src.join("fixes")];
    let mut offenders = Vec::new();
    let mut earlier_passes_naming_fixes = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !syn_modules.contains(&path) {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable");
                if text.contains("syn::") || text.contains("proc_macro2::") {
                    offenders.push(path.display().to_string());
                }
                let is_entry_point =
                    path == src.join("lib.rs") || path == src.join("diagnostic.rs");
                if !is_entry_point && text.contains("fixes::") {
                    earlier_passes_naming_fixes.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "syn used outside lint-core/src/lower and lint-core/src/fixes: {offenders:?}"
    );
    assert!(
        earlier_passes_naming_fixes.is_empty(),
        "an earlier pass depends on the fix builder: {earlier_passes_naming_fixes:?}"
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
                    // API tables name `std::fs` functions as data, in string literals.
                    let line = without_string_literals(line);
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

/// What the tool knows about APIs (method and type names) is data in
/// `lint-core/src/knowledge/`: passes and rules ask it, they hold no name tables or name
/// alternations (`"lock" | "read"`) of their own.
#[test]
fn api_names_live_in_the_knowledge_tables() {
    let src = repo_root().join("lint-core/src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.join("analysis"), src.join("rules")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            for (number, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                let code = without_string_literals(line);
                let declaration = code.trim_start().trim_start_matches("pub ");
                let table = (declaration.starts_with("const ")
                    || declaration.starts_with("static "))
                    && (code.contains("&[&str]") || code.contains("&[(&str"));
                let alternation = code.contains("\"\" | \"\"");
                if table || alternation {
                    offenders.push(format!(
                        "{}:{}: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "API names outside lint-core/src/knowledge:\n{}",
        offenders.join("\n")
    );
}

/// A line of code with the contents of its string literals removed.
fn without_string_literals(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if !in_string {
            in_string = c == '"';
            out.push(c);
        } else if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = false;
            out.push(c);
        }
    }
    out
}

#[test]
fn without_string_literals_keeps_code() {
    assert_eq!(
        without_string_literals(r#"("std::fs::read", Io), std::fs::read(p)"#),
        r#"("", Io), std::fs::read(p)"#
    );
    assert_eq!(without_string_literals(r#""a\"b" x"#), r#""" x"#);
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).expect(".ci/run");
    let command = "cargo test --workspace";
    assert!(readme.contains(command), "README does not give `{command}`");
    assert!(ci.contains(command), ".ci/run does not run `{command}`");
}

/// Every file of `lint-core/src/rules/` that declares a rule is registered in `rules::ALL`,
/// under the file's own name.
#[test]
fn every_rule_file_is_registered() {
    let dir = repo_root().join("lint-core/src/rules");
    for entry in std::fs::read_dir(&dir).expect("rules/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        if !text.contains("declare_rule! {") || path.ends_with("mod.rs") {
            continue;
        }
        let stem = path.file_stem().expect("a file name").to_string_lossy();
        assert!(
            rules::find(&stem).is_some(),
            "{} declares a rule that is not in rules::ALL under `{stem}`",
            path.display()
        );
        assert!(
            text.contains(&format!("name: \"{stem}\"")),
            "{} must declare the rule named after the file",
            path.display()
        );
    }
}

/// Every option a rule declares is documented in its `## Configuration` section.
#[test]
fn every_rule_option_is_documented() {
    for rule in rules::ALL {
        let documentation = rule.documentation();
        let configuration = documentation.split("## Configuration").nth(1);
        if rule.options.is_empty() {
            continue;
        }
        let configuration =
            configuration.unwrap_or_else(|| panic!("`{}` lacks `## Configuration`", rule.name));
        for option in rule.options {
            assert!(
                configuration.contains(option.name),
                "`{}`'s option `{}` is not documented under `## Configuration`",
                rule.name,
                option.name
            );
        }
    }
}

/// Findings read like rustc's: a message starting lowercase (or with code), no trailing
/// period in messages and labels; checked on every fixture's findings.
#[test]
fn messages_follow_rustc_style() {
    let mut config = lint_core::Config::default();
    for rule in rules::ALL {
        config
            .set_level(rule.name, lint_core::Level::Warn)
            .expect("a known rule");
    }
    let mut problems = Vec::new();
    let fixtures = coordlint_tests::fixtures_dir();
    for group in std::fs::read_dir(&fixtures).expect("fixtures/") {
        let group = group.expect("entry").path();
        if !group.is_dir() || group.ends_with("demo") {
            continue;
        }
        for fixture in coordlint_tests::load_group(&group.file_name().unwrap().to_string_lossy()) {
            for diagnostic in lint_core::check_sources(&fixture.sources, &config) {
                let first = diagnostic.message.chars().next().unwrap_or('x');
                if first.is_uppercase() {
                    problems.push(format!(
                        "{}: message starts uppercase: {}",
                        fixture.name, diagnostic.message
                    ));
                }
                let texts = std::iter::once(&diagnostic.message)
                    .chain(std::iter::once(&diagnostic.primary.message))
                    .chain(diagnostic.secondary.iter().map(|label| &label.message));
                for text in texts {
                    if text.ends_with('.') {
                        problems.push(format!("{}: ends with a period: {text}", fixture.name));
                    }
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The adoption kit (GitHub Action, pre-commit hook, rust-analyzer script) uses flags the
/// command accepts, and the script can be run.
#[test]
fn the_adoption_kit_uses_flags_the_command_accepts() {
    let action = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    for used in [
        "--message-format sarif --output-file",
        "--message-format github",
        "github/codeql-action/upload-sarif",
        "--path \"$GITHUB_ACTION_PATH/cargo-coordlint\"",
    ] {
        assert!(action.contains(used), "action.yml no longer has `{used}`");
    }
    let hooks = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml");
    assert!(hooks.contains("args: [--workspace, --message-format, short, -q]"));
    let demo = super::cli::demo_manifest();
    let out_dir = tempfile::tempdir().unwrap();
    let sarif = out_dir.path().join("c.sarif");
    for args in [
        vec!["--workspace", "--message-format", "short", "-q"],
        vec!["--workspace", "--message-format", "github"],
        vec![
            "--workspace",
            "--message-format",
            "sarif",
            "--output-file",
            sarif.to_str().unwrap(),
        ],
        vec!["--workspace", "--message-format=json", "--all-targets"],
    ] {
        let mut full = args.clone();
        full.extend(["--manifest-path", demo.as_str()]);
        let output = super::cli::run_coordlint(&full);
        assert_ne!(
            output.status,
            cargo_coordlint::Status::Failure,
            "{args:?}: {}",
            output.stderr
        );
    }
    let script = repo_root().join("scripts/ra-check.sh");
    let text = std::fs::read_to_string(&script).expect("scripts/ra-check.sh");
    assert!(text.contains("cargo check --workspace --message-format=json"));
    assert!(text.contains("cargo coordlint --workspace --message-format=json"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "scripts/ra-check.sh is not executable");
    }
}
