//! Rendering findings: `human` (miette reports), `short` (one line each, rustc's shape),
//! `json` (cargo's `--message-format=json` lines, for editors and CI), `sarif` (code
//! scanning) and `github` (workflow commands that annotate pull requests).

pub mod diff;
pub mod escape;
pub mod fingerprint;
mod github;
mod human;
mod json;
pub mod repository;
mod sarif;
mod source_code;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use lint_core::{Diagnostic, Severity};

use crate::args::MessageFormat;
use crate::discover::Inputs;

pub use source_code::IndexedSource;

/// What a run found and how to show it.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub inputs: &'a Inputs,
    pub diagnostics: &'a [Diagnostic],
    pub elapsed: Duration,
    pub color: bool,
    /// `-q`: only the findings, no summary line.
    pub quiet: bool,
    /// `--statistics`: counts per rule after the findings.
    pub statistics: bool,
    /// `--baseline`: how many findings the baseline left out.
    pub left_out_by_baseline: Option<usize>,
}

/// Writes the report in `format`. Statistics go after the findings of the text formats, and
/// to `err` for the machine formats (whose output must stay one document).
pub fn emit(
    format: MessageFormat,
    report: &Report<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    let Report {
        inputs,
        diagnostics,
        ..
    } = *report;
    match format {
        MessageFormat::Human => human::write_reports(inputs, diagnostics, report.color, out)?,
        MessageFormat::Short => {
            for diagnostic in diagnostics {
                writeln!(out, "{}", short_line(inputs, diagnostic))?;
            }
        }
        MessageFormat::Github => github::write_commands(inputs, diagnostics, out)?,
        MessageFormat::Json { ansi } => {
            json::write_lines(inputs, diagnostics, ansi, out)?;
            return write_machine_format_notes(report, err);
        }
        MessageFormat::Sarif => {
            sarif::write_log(inputs, diagnostics, out)?;
            return write_machine_format_notes(report, err);
        }
    }
    write_statistics(report, out)?;
    if !report.quiet {
        writeln!(out, "{}", summary_line(report))?;
    } else {
        // Without the summary line, still say what the baseline hid.
        write_baseline_note(report, err)?;
    }
    Ok(())
}

/// What the summary line would say beyond the findings, on `err` for the machine formats.
fn write_machine_format_notes(report: &Report<'_>, err: &mut dyn Write) -> std::io::Result<()> {
    write_statistics(report, err)?;
    write_baseline_note(report, err)
}

/// "3 known findings left out by the baseline", when the baseline hid any.
fn write_baseline_note(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    match report.left_out_by_baseline {
        Some(count) => writeln!(
            out,
            "{} left out by the baseline",
            plural(count, "known finding")
        ),
        None => Ok(()),
    }
}

/// `--statistics`: one line per rule that reported something, most findings first.
fn write_statistics(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    if !report.statistics {
        return Ok(());
    }
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for diagnostic in report.diagnostics {
        let (errors, warnings) = counts.entry(diagnostic.rule).or_default();
        match diagnostic.severity {
            Severity::Error => *errors += 1,
            Severity::Warning => *warnings += 1,
        }
    }
    let mut rows: Vec<(&str, usize, usize)> = counts
        .into_iter()
        .map(|(rule, (errors, warnings))| (rule, errors, warnings))
        .collect();
    rows.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then(a.0.cmp(b.0)));
    for (rule, errors, warnings) in rows {
        let mut kinds = Vec::new();
        if errors > 0 {
            kinds.push(plural(errors, "error"));
        }
        if warnings > 0 {
            kinds.push(plural(warnings, "warning"));
        }
        writeln!(
            out,
            "{:>6}  coordlint::{rule} ({})",
            errors + warnings,
            kinds.join(", ")
        )?;
    }
    Ok(())
}

/// `src/lib.rs:4:20: warning[coordlint::unbounded_channel]: message`.
pub fn short_line(inputs: &Inputs, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.span;
    let start = inputs.start(span);
    format!(
        "{}:{}:{}: {}[coordlint::{}]: {}",
        escape::one_line(&inputs.sources[span.file.0 as usize].path),
        start.line,
        start.column,
        diagnostic.severity.as_str(),
        diagnostic.rule,
        escape::one_line(&diagnostic.message)
    )
}

/// `2 errors, 3 warnings in 2 files (41 files analyzed in 0.08s)`, with `1 file skipped; `
/// before the count analyzed when a file was not analyzed, and what a baseline left out.
fn summary_line(report: &Report<'_>) -> String {
    let Report {
        inputs,
        diagnostics,
        elapsed,
        ..
    } = *report;
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
    if let Some(count) = report.left_out_by_baseline {
        line.push_str(&format!(
            "; {} left out by the baseline",
            plural(count, "known finding")
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
