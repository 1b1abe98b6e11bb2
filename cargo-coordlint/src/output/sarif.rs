//! SARIF 2.1.0 for code scanning (GitHub's `upload-sarif`): one run, every rule described,
//! one result per finding with its witness sites as related locations and a fingerprint
//! that survives line shifts.

use std::io::Write;

use lint_core::{Diagnostic, Label, Level, Severity, Suggestion, rules};
use serde_json::{Value, json};

use crate::discover::Inputs;

pub fn write_log(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "columnKind": "unicodeCodePoints",
            "results": diagnostics.iter().map(|diagnostic| result(inputs, diagnostic)).collect::<Vec<_>>(),
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn driver() -> Value {
    json!({
        "name": "coordlint",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://example.invalid/coordlint",
        "rules": rules::ALL.iter().map(|rule| json!({
            "id": format!("coordlint::{}", rule.name),
            "name": rule.name,
            "shortDescription": { "text": rule.summary },
            "fullDescription": { "text": rule.summary },
            "help": { "text": rule.documentation(), "markdown": rule.documentation() },
            "defaultConfiguration": { "level": sarif_level_of(rule.default_level) },
            "properties": { "tags": ["concurrency"], "precision": "high" },
        })).collect::<Vec<_>>(),
    })
}

fn sarif_level_of(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny => "error",
    }
}

fn result(inputs: &Inputs, diagnostic: &Diagnostic) -> Value {
    let rule_index = rules::ALL
        .iter()
        .position(|rule| rule.name == diagnostic.rule);
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!(". help: {help}"));
    }
    let fixes: Vec<Value> = diagnostic
        .suggestions
        .iter()
        .filter(|suggestion| !suggestion.edits.is_empty())
        .map(|suggestion| fix(inputs, suggestion))
        .collect();
    let mut result = json!({
        "ruleId": format!("coordlint::{}", diagnostic.rule),
        "ruleIndex": rule_index,
        "level": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": text },
        "locations": [ location(inputs, &diagnostic.primary) ],
        "relatedLocations": diagnostic.secondary.iter().enumerate().map(|(index, label)| {
            let mut related = location(inputs, label);
            related["id"] = json!(index);
            related["message"] = json!({ "text": label.message });
            related
        }).collect::<Vec<_>>(),
        "partialFingerprints": { "coordlint/v1": fingerprint(inputs, diagnostic) },
    });
    if !fixes.is_empty() {
        result["fixes"] = json!(fixes);
    }
    result
}

/// A suggestion as a SARIF `fix`: its edits as replacements of exact regions (an insertion
/// deletes an empty region), with the applicability in the properties.
fn fix(inputs: &Inputs, suggestion: &Suggestion) -> Value {
    let file = suggestion.edits[0].span.file;
    json!({
        "description": { "text": suggestion.message },
        "artifactChanges": [{
            "artifactLocation": { "uri": artifact_uri(&inputs.sources[file.0 as usize].path) },
            "replacements": suggestion.edits.iter().map(|edit| json!({
                "deletedRegion": {
                    "startLine": edit.span.start.line,
                    "startColumn": edit.span.start.column,
                    "endLine": edit.span.end.line,
                    "endColumn": edit.span.end.column,
                },
                "insertedContent": { "text": edit.replacement },
            })).collect::<Vec<_>>(),
        }],
        "properties": { "applicability": suggestion.applicability.as_str() },
    })
}

fn location(inputs: &Inputs, label: &Label) -> Value {
    let span = label.span;
    let path = artifact_uri(&inputs.sources[span.file.0 as usize].path);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path },
            "region": {
                "startLine": span.start.line,
                "startColumn": span.start.column,
                "endLine": span.end.line,
                "endColumn": span.end.column.max(span.start.column + u32::from(span.end.line == span.start.line)),
            },
        },
    })
}

/// A path relative to the workspace root as is (display paths never contain `..`); an
/// absolute one (path mode, a file outside the current directory) as a `file://` URI.
fn artifact_uri(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let encoded = percent_encode_path(&path);
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// RFC 3986 percent-encoding of a path: unreserved characters and `/` stay, every other
/// byte becomes `%XX` (a space, `#`, `%`, `?`, a backslash, non-ASCII bytes).
fn percent_encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Rule, file and message, not the line: a finding keeps its fingerprint when code above it
/// moves.
fn fingerprint(inputs: &Inputs, diagnostic: &Diagnostic) -> String {
    let path = &inputs.sources[diagnostic.primary.span.file.0 as usize].path;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in diagnostic
        .rule
        .bytes()
        .chain(path.bytes())
        .chain(diagnostic.message.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(artifact_uri("src/lib.rs"), "src/lib.rs");
        assert_eq!(artifact_uri("back\\slash.rs"), "back%5Cslash.rs");
        assert_eq!(artifact_uri("a b/#x%.rs"), "a%20b/%23x%25.rs");
        assert_eq!(artifact_uri("/w/é.rs"), "file:///w/%C3%A9.rs");
    }
}
