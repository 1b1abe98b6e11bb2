//! SARIF 2.1.0 for code scanning (GitHub's `upload-sarif`): one run, every rule described
//! (a `helpUri` into docs/rules.md, the full description from its documentation, an honest
//! precision), one result per finding. Paths are relative to the repository root through
//! the `SRCROOT` base; witness sites are related locations linked from the message text
//! (`[first acquired here](1)`); a cycle has a code flow through its sites; help and notes
//! stay in the message; fingerprints (see `fingerprint`) are unique and survive line shifts.

use std::io::Write;
use std::path::Path;

use lint_core::{Diagnostic, Label, Level, Severity, Suggestion, rules};
use serde_json::{Value, json};

use super::fingerprint;
use super::repository::RepositoryPaths;
use crate::discover::Inputs;

/// The `uriBaseId` of every path inside the repository.
const SRCROOT: &str = "SRCROOT";

/// Where the project lives (`repository` in the workspace's Cargo.toml); rule help links
/// point at its docs/rules.md.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

pub fn write_log(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let paths = RepositoryPaths::new(inputs);
    let fingerprints = fingerprint::fingerprints(inputs, &paths, diagnostics);
    let results: Vec<Value> = diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(diagnostic, fingerprint)| result(inputs, &paths, diagnostic, fingerprint))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "originalUriBaseIds": {
                SRCROOT: { "uri": directory_uri(&paths.root) },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn driver() -> Value {
    json!({
        "name": "coordlint",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": REPOSITORY,
        "rules": rules::ALL.iter().map(|rule| json!({
            "id": format!("coordlint::{}", rule.name),
            "name": rule.name,
            "shortDescription": { "text": rule.summary },
            "fullDescription": { "text": full_description(rule) },
            "helpUri": help_uri(rule.name),
            "help": { "text": rule.documentation(), "markdown": rule.documentation() },
            "defaultConfiguration": { "level": sarif_level_of(rule.default_level) },
            "properties": { "tags": ["concurrency"], "precision": precision_of(rule.name) },
        })).collect::<Vec<_>>(),
    })
}

/// The rule's section of docs/rules.md (generated with an `## rule_name` heading each).
pub fn help_uri(rule: &str) -> String {
    format!("{REPOSITORY}/blob/main/docs/rules.md#{rule}")
}

/// The "What it does" section of the rule's documentation, as one paragraph.
fn full_description(rule: &rules::Rule) -> String {
    let documentation = rule.documentation();
    let section = documentation
        .split("## ")
        .find_map(|section| section.strip_prefix("What it does"))
        .unwrap_or(rule.summary);
    let paragraph = section.trim().split("\n\n").next().unwrap_or(rule.summary);
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How often a finding of the rule is right, as SARIF's `precision` (what code scanning
/// sorts and filters by), from the triage in docs/real-world.md: the lock rules and
/// `blocking_under_lock` were read finding by finding on real code (1 false of 28 lock
/// findings on 13 services, 0 of 87 `blocking_under_lock` findings); the work-distribution
/// rules are right about the code but whether it matters depends on the load, which the
/// source does not say; the pipeline's own findings are facts about the run.
pub fn precision_of(rule: &str) -> &'static str {
    match rule {
        "parse_error" | "skipped_file" | "unused_suppression" => "very-high",
        "lock_order_cycle" | "double_lock" | "guard_across_await" | "blocking_under_lock" => "high",
        _ => "medium",
    }
}

fn sarif_level_of(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny => "error",
    }
}

fn result(
    inputs: &Inputs,
    paths: &RepositoryPaths,
    diagnostic: &Diagnostic,
    fingerprint: &str,
) -> Value {
    let rule_index = rules::ALL
        .iter()
        .position(|rule| rule.name == diagnostic.rule);
    let related: Vec<Value> = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(index, label)| {
            let mut related = location(inputs, paths, label);
            related["id"] = json!(index + 1);
            related
        })
        .collect();
    let mut result = json!({
        "ruleId": format!("coordlint::{}", diagnostic.rule),
        "ruleIndex": rule_index,
        "level": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": message_text(diagnostic) },
        "locations": [ location(inputs, paths, &diagnostic.primary) ],
        "relatedLocations": related,
        "partialFingerprints": { fingerprint::KEY: fingerprint },
    });
    if diagnostic.rule == "lock_order_cycle"
        && let Some(flows) = code_flows(inputs, paths, diagnostic)
    {
        result["codeFlows"] = flows;
    }
    let fixes: Vec<Value> = diagnostic
        .suggestions
        .iter()
        .filter(|suggestion| !suggestion.edits.is_empty())
        .map(|suggestion| fix(inputs, paths, suggestion))
        .collect();
    if !fixes.is_empty() {
        result["fixes"] = json!(fixes);
    }
    result
}

/// A suggestion as a SARIF `fix`: its edits as replacements of exact regions (an insertion
/// deletes an empty region), with the applicability in the properties.
fn fix(inputs: &Inputs, paths: &RepositoryPaths, suggestion: &Suggestion) -> Value {
    let file = suggestion.edits[0].span.file.0 as usize;
    json!({
        "description": { "text": suggestion.message },
        "artifactChanges": [{
            "artifactLocation": artifact_location(inputs, paths, file),
            "replacements": suggestion.edits.iter().map(|edit| {
                let (start, end) = inputs.positions(edit.span);
                json!({
                    "deletedRegion": {
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column,
                    },
                    "insertedContent": { "text": edit.replacement },
                })
            }).collect::<Vec<_>>(),
        }],
        "properties": { "applicability": suggestion.applicability.as_str() },
    })
}

/// The message, then the witness sites as links to the related locations, the help and the
/// notes (the deadlock scenario), each on its own line. Brackets in the words are escaped,
/// as SARIF requires in a message with links.
fn message_text(diagnostic: &Diagnostic) -> String {
    let mut text = escape_brackets(&diagnostic.message);
    if !diagnostic.secondary.is_empty() {
        let links: Vec<String> = diagnostic
            .secondary
            .iter()
            .enumerate()
            .map(|(index, label)| format!("[{}]({})", escape_brackets(&label.message), index + 1))
            .collect();
        text.push_str(&format!("\nsites: {}", links.join(", ")));
    }
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\nhelp: {}", escape_brackets(help)));
    }
    for note in &diagnostic.notes {
        text.push_str(&format!("\nnote: {}", escape_brackets(note)));
    }
    text
}

fn escape_brackets(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

/// One thread flow through the cycle's sites in the order they happen: `lock_order_cycle`
/// lists the first lock's acquisition as its first secondary label and the site that
/// closes the first edge as the primary one, then the other edges' sites in order.
fn code_flows(inputs: &Inputs, paths: &RepositoryPaths, diagnostic: &Diagnostic) -> Option<Value> {
    let (first, rest) = diagnostic.secondary.split_first()?;
    let steps: Vec<Value> = [first, &diagnostic.primary]
        .into_iter()
        .chain(rest)
        .map(|label| json!({ "location": location(inputs, paths, label) }))
        .collect();
    Some(json!([{
        "message": { "text": escape_brackets(&diagnostic.message) },
        "threadFlows": [{ "locations": steps }],
    }]))
}

fn location(inputs: &Inputs, paths: &RepositoryPaths, label: &Label) -> Value {
    let span = label.span;
    let file = span.file.0 as usize;
    let (start, end) = inputs.positions(span);
    json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(inputs, paths, file),
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column.max(start.column + u32::from(end.line == start.line)),
            },
        },
        "message": { "text": escape_brackets(&label.message) },
    })
}

/// A file relative to the repository root, or by absolute URI when outside it.
fn artifact_location(inputs: &Inputs, paths: &RepositoryPaths, file: usize) -> Value {
    match paths.relative(file) {
        Some(relative) => json!({ "uri": percent_encode_path(relative), "uriBaseId": SRCROOT }),
        None => json!({ "uri": file_uri(&inputs.origins[file].absolute_path) }),
    }
}

/// `file:///abs/path` for a file outside the repository.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    format!("file://{}", percent_encode_path(&text))
}

/// The repository root as a directory URI (ending in `/`, as `originalUriBaseIds` needs).
fn directory_uri(path: &Path) -> String {
    let uri = file_uri(path);
    if uri.ends_with('/') {
        uri
    } else {
        format!("{uri}/")
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(percent_encode_path("src/lib.rs"), "src/lib.rs");
        assert_eq!(percent_encode_path("back\\slash.rs"), "back%5Cslash.rs");
        assert_eq!(percent_encode_path("a b/#x%.rs"), "a%20b/%23x%25.rs");
        assert_eq!(file_uri(Path::new("/w/é.rs")), "file:///w/%C3%A9.rs");
        assert_eq!(directory_uri(Path::new("/w/repo")), "file:///w/repo/");
    }

    #[test]
    fn full_descriptions_come_from_the_documentation() {
        let rule = rules::find("double_lock").unwrap();
        let text = full_description(rule);
        assert!(!text.is_empty() && !text.contains("##"), "{text}");
        assert_ne!(text, rule.summary);
    }
}
