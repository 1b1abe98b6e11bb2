//! Fixes as data, as in clippy's UI tests: beside a fixture `case.rs`, `case.fixed` is the
//! file after `cargo coordlint --fix` (every machine-applicable suggestion applied). The
//! fixture runner checks it for every single-file case; `COORDLINT_BLESS=1` rewrites it.
//! Where the fixture compiles on its own (std-only code), the `.fixed` file must compile
//! too (`rustc --emit=metadata`), and the findings the fixes addressed must be gone.

use std::path::{Path, PathBuf};
use std::process::Command;

use coordlint_tests::{Fixture, fixtures_dir};
use lint_core::{Config, Diagnostic, Edition, FileId, SourceFile};

/// Problems with a fixture's `.fixed` file, as lines.
pub fn check_fixed_file(
    fixture: &Fixture,
    diagnostics: &[Diagnostic],
    config: &Config,
) -> Vec<String> {
    let path = fixtures_dir().join(&fixture.name);
    if fixture.sources.len() != 1 || path.extension().is_none_or(|ext| ext != "rs") {
        return Vec::new();
    }
    let fixed_path = path.with_extension("fixed");
    let expected = std::fs::read_to_string(&fixed_path).ok();
    let chosen = lint_core::fixes::machine_applicable_edits(diagnostics);
    let Some((edits, applied)) = chosen.get(&FileId(0)) else {
        return match expected {
            Some(_) => vec![format!(
                "{}: no machine-applicable fix applies, but {} exists",
                fixture.name,
                fixed_path.display()
            )],
            None => Vec::new(),
        };
    };
    let source = &fixture.sources[0];
    let fixed = match lint_core::fixes::apply_edits(&source.text, edits) {
        Ok(fixed) => fixed,
        Err(error) => return vec![format!("{}: the fixes do not apply: {error}", fixture.name)],
    };
    let mut problems = Vec::new();
    if std::env::var_os("COORDLINT_BLESS").is_some() {
        std::fs::write(&fixed_path, &fixed).expect("fixtures/ is writable");
    } else if expected.as_deref() != Some(fixed.as_str()) {
        problems.push(format!(
            "{}: the fixed file differs from {} (COORDLINT_BLESS=1 rewrites it); the fixes give:\n{fixed}",
            fixture.name,
            fixed_path.display()
        ));
    }
    problems.extend(findings_left(
        fixture,
        &fixed,
        diagnostics.len() - applied,
        config,
    ));
    if let (Some(Ok(())), Some(Err(error))) = (
        compiles(&source.text, source.edition),
        compiles(&fixed, source.edition),
    ) {
        problems.push(format!(
            "{}: the fixture compiles but its fixed file does not:\n{error}",
            fixture.name
        ));
    }
    problems
}

/// Each applied fix removes its finding and adds none.
fn findings_left(fixture: &Fixture, fixed: &str, expected: usize, config: &Config) -> Vec<String> {
    let source = &fixture.sources[0];
    let rewritten = SourceFile::new(source.path.clone(), fixed, source.edition)
        .with_crate(source.crate_name.clone(), source.module_path.clone());
    let left = lint_core::check_sources(&[rewritten], config);
    if left.len() == expected {
        return Vec::new();
    }
    let listed: Vec<String> = left
        .iter()
        .map(|diagnostic| {
            let span = diagnostic.primary.span;
            let text = &fixed;
            let start = lint_core::LineIndex::new(text).line_col(text, span.byte_start);
            format!(
                "  {}:{} {}: {}",
                start.line, start.column, diagnostic.rule, diagnostic.message
            )
        })
        .collect();
    vec![format!(
        "{}: after the fixes {} findings are left, expected {expected}:\n{}",
        fixture.name,
        left.len(),
        listed.join("\n")
    )]
}

/// Whether `text` compiles as a library crate of `edition` (type checking included, no
/// code generation); `None` when there is no rustc to ask.
pub fn compiles(text: &str, edition: Edition) -> Option<Result<(), String>> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("lib.rs");
    std::fs::write(&file, text).expect("writable temporary file");
    let output = Command::new(rustc)
        .args(["--edition", edition.as_str(), "--crate-type", "lib"])
        .args([
            "--emit=metadata",
            "--cap-lints",
            "allow",
            "--crate-name",
            "fixture",
        ])
        .arg("-o")
        .arg(dir.path().join("out.rmeta"))
        .arg(&file)
        .output()
        .ok()?;
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

/// Every `.fixed` file has its fixture beside it.
#[test]
fn every_fixed_file_has_its_fixture() {
    for fixed in files_with_extension(&fixtures_dir(), "fixed") {
        assert!(
            fixed.with_extension("rs").is_file(),
            "{} has no fixture beside it",
            fixed.display()
        );
    }
}

/// The fix shapes the issue asks for each have a `.fixed` case.
#[test]
fn fixed_cases_cover_each_machine_applicable_fix_shape() {
    let fixed: Vec<String> = files_with_extension(&fixtures_dir(), "fixed")
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("readable"))
        .collect();
    for (shape, needle) in [
        ("a scrutinee bound first", "let value = "),
        ("presence tested with is_some", ".is_some()"),
        (
            "one guard for a statement",
            "let stats = self.stats.lock().unwrap();",
        ),
        ("a guard dropped before an await", "drop("),
    ] {
        assert!(
            fixed.iter().any(|text| text.contains(needle)),
            "no .fixed fixture shows {shape} (`{needle}`)"
        );
    }
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
