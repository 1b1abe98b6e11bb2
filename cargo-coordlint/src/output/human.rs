//! Human output: miette's graphical reports with source excerpts, one per finding, rendered
//! in parallel and written in order. Labels in other files become related reports.

use std::fmt;
use std::io::Write;

use lint_core::{Applicability, Diagnostic, Label, Severity, Suggestion};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode, SourceSpan};
use rayon::prelude::*;

use super::{IndexedSource, escape};
use crate::discover::Inputs;

pub fn write_reports(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let sources = shared_sources(inputs);
    let rendered: Vec<String> = diagnostics
        .par_iter()
        .map(|diagnostic| render(&sources, diagnostic, color))
        .collect();
    for report in rendered {
        write!(out, "{report}")?;
    }
    Ok(())
}

/// One shared source per file (cheap clones), indexed by file id.
pub fn shared_sources(inputs: &Inputs) -> Vec<IndexedSource> {
    inputs
        .sources
        .iter()
        .map(|source| {
            IndexedSource::escaped(
                escape::one_line(&source.path).into_owned(),
                source.text.clone(),
            )
        })
        .collect()
}

/// The graphical report of one finding, as text.
pub fn render(sources: &[IndexedSource], diagnostic: &Diagnostic, color: bool) -> String {
    let escaped = escape::diagnostic(diagnostic);
    let diagnostic = &escaped;
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut handler = GraphicalReportHandler::new_themed(theme)
        .with_width(110)
        .with_links(false);
    if !diagnostic.notes.is_empty() {
        let notes: Vec<String> = diagnostic
            .notes
            .iter()
            .map(|note| format!("note: {note}"))
            .collect();
        handler = handler.with_footer(notes.join("\n"));
    }
    let report = Report::new(sources, diagnostic);
    let mut text = String::new();
    if handler.render_report(&mut text, &report).is_err() {
        text = format!("{}\n", diagnostic.message);
    }
    for suggestion in &diagnostic.suggestions {
        text.push_str(&suggestion_text(sources, suggestion));
    }
    text
}

/// A suggestion under its report: the help line with how sure it is, then the change as a
/// diff (or the sites to change).
fn suggestion_text(sources: &[IndexedSource], suggestion: &Suggestion) -> String {
    let sureness = match suggestion.applicability {
        Applicability::MachineApplicable => " (`cargo coordlint --fix` applies this)",
        Applicability::MaybeIncorrect => " (review it: it may not compile as is)",
        Applicability::HasPlaceholders => " (fill in the placeholder)",
        Applicability::Unspecified => "",
    };
    let mut text = format!(
        "  help: {}{sureness}\n",
        escape::one_line(&suggestion.message)
    );
    if let Some(edit) = suggestion.edits.first() {
        let source = &sources[edit.span.file.0 as usize];
        let diff = super::diff::unified(source.name(), source.text(), &suggestion.edits);
        for line in escape::multi_line(&diff).lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    for site in &suggestion.sites {
        let source = &sources[site.span.file.0 as usize];
        let start = source.line_col(site.span.byte_start);
        text.push_str(&format!(
            "  - {}:{}:{}: {}\n",
            source.name(),
            start.line,
            start.column,
            escape::one_line(&site.message)
        ));
    }
    text.push('\n');
    text
}

/// A finding seen through miette's `Diagnostic` trait.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a IndexedSource,
    /// Labels in the primary file.
    labels: Vec<LabeledSpan>,
    /// Labels in other files, as related reports with their own source.
    elsewhere: Vec<RelatedLabel<'a>>,
    help: Option<String>,
}

impl<'a> Report<'a> {
    fn new(sources: &'a [IndexedSource], diagnostic: &'a Diagnostic) -> Report<'a> {
        let primary_file = diagnostic.primary.span.file;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(diagnostic.primary.message.clone()),
            source_span(&diagnostic.primary),
        )];
        let mut elsewhere = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file == primary_file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    source_span(label),
                ));
            } else {
                elsewhere.push(RelatedLabel {
                    label,
                    source: &sources[label.span.file.0 as usize],
                });
            }
        }
        Report {
            diagnostic,
            source: &sources[primary_file.0 as usize],
            labels,
            elsewhere,
            help: diagnostic.help.clone(),
        }
    }
}

fn source_span(label: &Label) -> SourceSpan {
    let start = label.span.byte_start as usize;
    let end = (label.span.byte_end as usize).max(start);
    SourceSpan::from((start, end - start))
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("coordlint::{}", self.diagnostic.rule)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere
                .iter()
                .map(|related| related as &dyn miette::Diagnostic),
        ))
    }
}

/// A secondary label that lives in another file than the primary one.
struct RelatedLabel<'a> {
    label: &'a Label,
    source: &'a IndexedSource,
}

impl fmt::Debug for RelatedLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label.message)
    }
}

impl fmt::Display for RelatedLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label.message)
    }
}

impl std::error::Error for RelatedLabel<'_> {}

impl miette::Diagnostic for RelatedLabel<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.message.clone()),
            source_span(self.label),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use miette::NamedSource;

    use super::*;

    /// Our indexed source must render exactly like miette's own (rescanning) source.
    #[test]
    fn indexed_source_renders_like_miettes_own() {
        let text = "fn a() {}\n\nfn main() {\n    let (tx, rx) = channel();\n    drop(tx);\n}\n";
        let start = text.find("channel()").unwrap();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
        let ours = miette::MietteDiagnostic::new("m")
            .with_label(LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (start, 9),
            ))
            .with_label(LabeledSpan::new_with_span(
                Some("then".into()),
                (text.find("drop").unwrap(), 8),
            ));
        let mut expected = String::new();
        let theirs = miette::Report::new(ours.clone())
            .with_source_code(NamedSource::new("f.rs", text.to_string()));
        handler
            .render_report(&mut expected, theirs.as_ref())
            .unwrap();
        let mut actual = String::new();
        let mine = miette::Report::new(ours)
            .with_source_code(IndexedSource::new("f.rs".into(), Arc::from(text)));
        handler.render_report(&mut actual, mine.as_ref()).unwrap();
        assert_eq!(actual, expected);
    }
}
