//! cargo's `--message-format=json` lines: one `compiler-message` per finding, in the envelope
//! of the package the file belongs to, then `build-finished`. rust-analyzer reads these.

use std::io::Write;

use lint_core::{Diagnostic, Label, LineCol, Severity, Suggestion};
use serde::Serialize;

use super::IndexedSource;
use super::human::{render, shared_sources};
use crate::discover::{FileOrigin, Inputs, PackageInfo};

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: String,
    target: Target<'a>,
    message: RustcDiagnostic,
}

#[derive(Serialize)]
struct Target<'a> {
    kind: &'a [String],
    crate_types: &'a [String],
    name: &'a str,
    src_path: String,
    edition: &'a str,
    doc: bool,
    doctest: bool,
    test: bool,
}

/// rustc's JSON diagnostic (`$message_type: diagnostic`).
#[derive(Serialize)]
struct RustcDiagnostic {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<RustcSpan>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct RustcSpan {
    file_name: String,
    byte_start: u32,
    byte_end: u32,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<String>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: u32,
    highlight_end: u32,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

pub fn write_lines(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    ansi: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let sources = shared_sources(inputs);
    for diagnostic in diagnostics {
        let file = diagnostic.primary.span.file.0 as usize;
        let message = rustc_diagnostic(inputs, &sources, diagnostic, ansi);
        let origin = &inputs.origins[file];
        // A file with no package (path mode, no Cargo.toml) gets a bare rustc diagnostic.
        let line = match &origin.package {
            Some(package) => serde_json::to_string(&envelope(origin, package, message)),
            None => serde_json::to_string(&message),
        }
        .map_err(std::io::Error::other)?;
        writeln!(out, "{line}")?;
    }
    let success = !diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    let finished = serde_json::to_string(&BuildFinished {
        reason: "build-finished",
        success,
    })
    .map_err(std::io::Error::other)?;
    writeln!(out, "{finished}")
}

fn envelope<'a>(
    origin: &'a FileOrigin,
    package: &'a PackageInfo,
    message: RustcDiagnostic,
) -> CompilerMessage<'a> {
    let target = &origin.target;
    CompilerMessage {
        reason: "compiler-message",
        package_id: &package.id,
        manifest_path: package.manifest_path.to_string_lossy().into_owned(),
        target: Target {
            kind: &target.kind,
            crate_types: &target.crate_types,
            name: &target.name,
            src_path: target.src_path.to_string_lossy().into_owned(),
            edition: &target.edition,
            doc: target.doc,
            doctest: target.doctest,
            test: target.test,
        },
        message,
    }
}

fn rustc_diagnostic(
    inputs: &Inputs,
    sources: &[IndexedSource],
    diagnostic: &Diagnostic,
    ansi: bool,
) -> RustcDiagnostic {
    let mut spans = vec![rustc_span(inputs, sources, &diagnostic.primary, true)];
    spans.extend(
        diagnostic
            .secondary
            .iter()
            .map(|label| rustc_span(inputs, sources, label, false)),
    );
    let mut children: Vec<RustcDiagnostic> = diagnostic
        .notes
        .iter()
        .map(|note| child("note", note))
        .collect();
    if let Some(help) = &diagnostic.help {
        children.push(child("help", help));
    }
    children.extend(
        diagnostic
            .suggestions
            .iter()
            .map(|suggestion| suggestion_child(inputs, sources, suggestion)),
    );
    RustcDiagnostic {
        message_type: "diagnostic",
        message: diagnostic.message.clone(),
        code: Some(Code {
            code: format!("coordlint::{}", diagnostic.rule),
            explanation: None,
        }),
        level: diagnostic.severity.as_str(),
        spans,
        children,
        rendered: Some(render(sources, diagnostic, ansi)),
    }
}

fn child(level: &'static str, message: &str) -> RustcDiagnostic {
    RustcDiagnostic {
        message_type: "diagnostic",
        message: message.to_string(),
        code: None,
        level,
        spans: Vec::new(),
        children: Vec::new(),
        rendered: None,
    }
}

/// A suggestion as rustc writes one: a `help` child whose spans carry the replacement text
/// and its applicability (rust-analyzer turns these into quick fixes), or, for a suggestion
/// without edits, the sites to change, labelled.
fn suggestion_child(
    inputs: &Inputs,
    sources: &[IndexedSource],
    suggestion: &Suggestion,
) -> RustcDiagnostic {
    let mut help = child("help", &suggestion.message);
    let applicability = suggestion.applicability.as_str().to_string();
    help.spans = suggestion
        .edits
        .iter()
        .map(|edit| {
            let mut span = rustc_span(inputs, sources, &Label::new(edit.span, ""), true);
            span.label = None;
            span.suggested_replacement = Some(edit.replacement.clone());
            span.suggestion_applicability = Some(applicability.clone());
            span
        })
        .collect();
    help.spans.extend(
        suggestion
            .sites
            .iter()
            .map(|site| rustc_span(inputs, sources, site, true)),
    );
    help
}

fn rustc_span(
    inputs: &Inputs,
    sources: &[IndexedSource],
    label: &Label,
    is_primary: bool,
) -> RustcSpan {
    let span = label.span;
    let file = span.file.0 as usize;
    let (start, end) = inputs.positions(span);
    RustcSpan {
        file_name: inputs.sources[file].path.clone(),
        byte_start: span.byte_start,
        byte_end: span.byte_end,
        line_start: start.line,
        line_end: end.line,
        column_start: start.column,
        column_end: end.column,
        is_primary,
        text: span_lines(sources[file].text(), (start, end)),
        label: Some(label.message.clone()),
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

/// The whole source lines a span covers, with the highlighted columns (1-based, exclusive
/// end), as rustc writes them.
fn span_lines(text: &str, (start, end): (LineCol, LineCol)) -> Vec<SpanLine> {
    let lines: Vec<&str> = text
        .lines()
        .skip(start.line.saturating_sub(1) as usize)
        .take((end.line - start.line + 1) as usize)
        .collect();
    let count = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let width = line.chars().count() as u32 + 1;
            SpanLine {
                text: line.to_string(),
                highlight_start: if index == 0 { start.column } else { 1 },
                highlight_end: if index + 1 == count {
                    end.column
                } else {
                    width
                },
            }
        })
        .collect()
}
