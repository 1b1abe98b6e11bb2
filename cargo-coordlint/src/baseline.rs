//! Baselines, for adopting coordlint on code that already has findings:
//! `--write-baseline FILE` records the current findings by fingerprint (the SARIF
//! `partialFingerprints`, stable when lines move), and `--baseline FILE` reports only the
//! findings not in it, saying how many it left out.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use lint_core::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::discover::Inputs;
use crate::output::fingerprint;
use crate::output::repository::RepositoryPaths;

/// The baseline file format's version.
const VERSION: u32 = 1;

/// A baseline file: the fingerprints, with the rule, file and message of each for people
/// reading the file (only the fingerprint is compared).
#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    fingerprint_format: String,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    file: String,
    message: String,
}

/// Each finding's fingerprint, in order.
pub fn fingerprints(inputs: &Inputs, diagnostics: &[Diagnostic]) -> Vec<String> {
    fingerprint::fingerprints(inputs, &RepositoryPaths::new(inputs), diagnostics)
}

/// Writes every finding to `path` (created or replaced).
pub fn write(
    path: &Path,
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    fingerprints: &[String],
) -> anyhow::Result<()> {
    let findings = diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| Entry {
            fingerprint: fingerprint.clone(),
            rule: diagnostic.rule.to_string(),
            file: inputs.sources[diagnostic.primary.span.file.0 as usize]
                .path
                .clone(),
            message: diagnostic.message.clone(),
        })
        .collect();
    let file = BaselineFile {
        version: VERSION,
        fingerprint_format: fingerprint::KEY.to_string(),
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("could not write {}", path.display()))
}

/// The fingerprints recorded in the baseline at `path`.
pub fn read(path: &Path) -> anyhow::Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read the baseline {}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a coordlint baseline", path.display()))?;
    if file.version != VERSION || file.fingerprint_format != fingerprint::KEY {
        anyhow::bail!(
            "{} was written by another version of coordlint (format {} v{}, this one reads {} v{VERSION}); write it again with --write-baseline",
            path.display(),
            file.fingerprint_format,
            file.version,
            fingerprint::KEY
        );
    }
    Ok(file
        .findings
        .into_iter()
        .map(|entry| entry.fingerprint)
        .collect())
}

/// Keeps the findings whose fingerprint is not in `known`; returns how many were left out.
pub fn filter(
    diagnostics: &mut Vec<Diagnostic>,
    fingerprints: &[String],
    known: &BTreeSet<String>,
) -> usize {
    let before = diagnostics.len();
    let mut keep = fingerprints
        .iter()
        .map(|fingerprint| !known.contains(fingerprint));
    diagnostics.retain(|_| keep.next().unwrap_or(true));
    before - diagnostics.len()
}
