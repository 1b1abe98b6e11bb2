//! `--message-format github`: one GitHub Actions workflow command per finding
//! (`::error file=..,line=..,col=..,endLine=..,endColumn=..,title=..::message`), which the
//! runner turns into an annotation on the pull request, then the summary line. Paths are
//! relative to the repository root, as annotations need. Escaping follows the workflow
//! command rules: `%`, `\r` and `\n` in the message; also `:` and `,` in properties.

use std::io::Write;

use lint_core::{Diagnostic, Severity};

use super::escape;
use super::repository::RepositoryPaths;
use crate::discover::Inputs;

pub fn write_commands(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let paths = RepositoryPaths::new(inputs);
    for diagnostic in diagnostics {
        writeln!(out, "{}", command(inputs, &paths, diagnostic))?;
    }
    Ok(())
}

/// One workflow command for one finding.
pub fn command(inputs: &Inputs, paths: &RepositoryPaths, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.span;
    let kind = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let file = file_of(inputs, paths, span.file.0 as usize);
    let (start, end) = inputs.positions(span);
    let end_column = if end.line == start.line {
        end.column.max(start.column + 1)
    } else {
        end.column
    };
    let properties = [
        ("file", file),
        ("line", start.line.to_string()),
        ("col", start.column.to_string()),
        ("endLine", end.line.to_string()),
        ("endColumn", end_column.to_string()),
        ("title", format!("coordlint::{}", diagnostic.rule)),
    ];
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&message(inputs, paths, diagnostic))
    )
}

/// The annotation's text: the message, every witness site with its place, the help and the
/// notes, on separate lines.
fn message(inputs: &Inputs, paths: &RepositoryPaths, diagnostic: &Diagnostic) -> String {
    let mut lines = vec![diagnostic.message.clone()];
    for label in &diagnostic.secondary {
        let start = inputs.start(label.span);
        let place = format!(
            "{}:{}:{}",
            file_of(inputs, paths, label.span.file.0 as usize),
            start.line,
            start.column
        );
        lines.push(format!("  {place}: {}", label.message));
    }
    if let Some(help) = &diagnostic.help {
        lines.push(format!("help: {help}"));
    }
    lines.extend(diagnostic.notes.iter().map(|note| format!("note: {note}")));
    lines.join("\n")
}

/// The path annotations use: relative to the repository root, else as shown elsewhere.
fn file_of(inputs: &Inputs, paths: &RepositoryPaths, file: usize) -> String {
    paths
        .relative(file)
        .map(str::to_string)
        .unwrap_or_else(|| inputs.sources[file].path.clone())
}

/// A command's message: `%`, `\r`, `\n` escaped; other control and format characters are
/// shown as escapes first (a `\r` as `\r`), so nothing reaches the log raw.
fn escape_data(text: &str) -> String {
    escape::multi_line(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as the message, plus `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(&escape::one_line(text))
        .replace(':', "%3A")
        .replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_by_the_workflow_command_rules() {
        assert_eq!(escape_data("50% of a\nb"), "50%25 of a%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_property("two\nlines"), "two\\nlines");
    }
}
