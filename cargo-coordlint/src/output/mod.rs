//! Rendering findings: `human` (miette reports), `short` (one line each, rustc's shape) and
//! `json` (cargo's `--message-format=json` lines, for editors and CI) and `sarif` (code
//! scanning).

pub mod diff;
pub mod escape;
mod human;
mod json;
mod sarif;
mod source_code;

use std::io::Write;
use std::time::Duration;

use lint_core::{Diagnostic, Severity};

use crate::args::MessageFormat;
use crate::discover::Inputs;

pub use source_code::IndexedSource;

pub fn emit(
    format: MessageFormat,
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    elapsed: Duration,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        MessageFormat::Human => {
            human::write_reports(inputs, diagnostics, color, out)?;
            writeln!(out, "{}", summary_line(inputs, diagnostics, elapsed))
        }
        MessageFormat::Short => {
            for diagnostic in diagnostics {
                writeln!(out, "{}", short_line(inputs, diagnostic))?;
            }
            writeln!(out, "{}", summary_line(inputs, diagnostics, elapsed))
        }
        MessageFormat::Json { ansi } => json::write_lines(inputs, diagnostics, ansi, out),
        MessageFormat::Sarif => sarif::write_log(inputs, diagnostics, out),
    }
}

/// `src/lib.rs:4:20: warning[coordlint::unbounded_channel]: message`.
pub fn short_line(inputs: &Inputs, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.span;
    format!(
        "{}:{}:{}: {}[coordlint::{}]: {}",
        escape::one_line(&inputs.sources[span.file.0 as usize].path),
        span.start.line,
        span.start.column,
        diagnostic.severity.as_str(),
        diagnostic.rule,
        escape::one_line(&diagnostic.message)
    )
}

/// `2 errors, 3 warnings in 2 files (41 files analyzed in 0.08s)`, with `1 file skipped; `
/// before the count analyzed when a file was not analyzed.
fn summary_line(inputs: &Inputs, diagnostics: &[Diagnostic], elapsed: Duration) -> String {
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let mut files: Vec<u32> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.primary.span.file.0)
        .collect();
    files.dedup();
    files.sort_unstable();
    files.dedup();
    let skipped = match inputs.skipped.len() {
        0 => String::new(),
        count => format!("{} skipped; ", plural(count, "file")),
    };
    let mut line = format!(
        "{}, {} in {} ({skipped}{} analyzed in {:.2}s)",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(files.len(), "file"),
        plural(inputs.sources.len(), "file"),
        elapsed.as_secs_f64()
    );
    let test_code: Vec<String> = [
        (inputs.test_files_left_out, "test file"),
        (inputs.test_functions_left_out, "test function"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, noun)| plural(count, noun))
    .collect();
    if !test_code.is_empty() {
        line.push_str(&format!(
            "; test code left out: {} (`--tests` or `--all-targets` includes it)",
            test_code.join(" and ")
        ));
    }
    line
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
