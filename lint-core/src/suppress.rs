//! Applies `// coordlint: allow(..)` comments to the findings, and reports the comments
//! that name an unknown rule or silence nothing as `unused_suppression`.
//!
//! A comment silences a finding when it covers any of the finding's labelled sites, primary
//! or secondary (see [`Suppression::covers`]): the lock line of a guard held across
//! `.await`, any acquisition of a cycle. Runs after every rule (and after the findings the
//! command makes, `skipped_file`), since only then is it known what each comment silenced.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{FileFacts, Suppression, names_rule};
use crate::rules;
use crate::rules::unused_suppression::{self, UNUSED_SUPPRESSION};

/// For each file, for each suppression, for each rule name it lists: whether it silenced a
/// finding.
struct Usage {
    used: Vec<Vec<Vec<bool>>>,
}

impl Usage {
    fn new(files: &[FileFacts]) -> Usage {
        Usage {
            used: files
                .iter()
                .map(|facts| {
                    facts
                        .suppressions
                        .iter()
                        .map(|suppression| vec![false; suppression.rules.len()])
                        .collect()
                })
                .collect(),
        }
    }

    /// Whether a comment covers one of the finding's sites; marks every name that does.
    fn silence(&mut self, files: &[FileFacts], diagnostic: &Diagnostic) -> bool {
        let mut silenced = false;
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
            let file = label.span.file.0 as usize;
            let Some(facts) = files.get(file) else {
                continue;
            };
            for (index, suppression) in facts.suppressions.iter().enumerate() {
                let line = facts.lines.line_number(label.span.byte_start);
                if !suppression.covers(&facts.items, line) {
                    continue;
                }
                for (name_index, name) in suppression.rules.iter().enumerate() {
                    if names_rule(name, diagnostic.rule) {
                        self.used[file][index][name_index] = true;
                        silenced = true;
                    }
                }
            }
        }
        silenced
    }
}

/// Drops the findings a comment silences and adds `unused_suppression` findings.
pub fn apply(
    files: &[FileFacts],
    config: &Config,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut usage = Usage::new(files);
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|diagnostic| !usage.silence(files, diagnostic))
        .collect();
    if config.is_enabled(UNUSED_SUPPRESSION.name) {
        // First the names of other rules, whose findings a comment naming
        // `unused_suppression` may silence (which uses that comment), then those comments.
        let unused = unused_suppressions(files, config, &usage, NamePass::OtherRules);
        kept.extend(
            unused
                .into_iter()
                .filter(|diagnostic| !usage.silence(files, diagnostic)),
        );
        kept.extend(unused_suppressions(
            files,
            config,
            &usage,
            NamePass::UnusedSuppression,
        ));
    }
    kept
}

/// Which names of the comments a pass of [`unused_suppressions`] looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NamePass {
    /// Every name but those that silence `unused_suppression` findings.
    OtherRules,
    /// `unused_suppression` and `all`.
    UnusedSuppression,
}

impl NamePass {
    fn includes(self, written: &str) -> bool {
        let silences_unused = names_rule(written, UNUSED_SUPPRESSION.name);
        silences_unused == (self == NamePass::UnusedSuppression)
    }
}

fn unused_suppressions(
    files: &[FileFacts],
    config: &Config,
    usage: &Usage,
    pass: NamePass,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (file, facts) in files.iter().enumerate() {
        if facts.parse_failure.is_some() {
            continue;
        }
        for (index, suppression) in facts.suppressions.iter().enumerate() {
            if !config.include_test_code() && in_test_code(facts, suppression) {
                continue;
            }
            for (name_index, written) in suppression.rules.iter().enumerate() {
                if !pass.includes(written) {
                    continue;
                }
                let used = usage.used[file][index][name_index];
                if let Some(diagnostic) = unused_name(config, suppression, written, used) {
                    found.push(diagnostic);
                }
            }
        }
    }
    found
}

/// The finding for one name of a comment, if it is not a rule or silenced nothing.
fn unused_name(
    config: &Config,
    suppression: &Suppression,
    written: &str,
    used: bool,
) -> Option<Diagnostic> {
    let severity = config.severity_of(UNUSED_SUPPRESSION.name)?;
    let name = written.strip_prefix("coordlint::").unwrap_or(written);
    let label = Label::new(suppression.span, "this comment");
    if name != unused_suppression::ALL_RULES && rules::find(name).is_none() {
        let diagnostic = Diagnostic::new(
            UNUSED_SUPPRESSION.name,
            severity,
            unused_suppression::unknown_rule_message(written),
            label,
        )
        .with_help(unused_suppression::unknown_rule_help(written));
        return Some(diagnostic);
    }
    // A rule that did not run may have had something to silence.
    let could_have_silenced = if name == unused_suppression::ALL_RULES {
        rules::ALL.iter().all(|rule| config.is_enabled(rule.name))
    } else {
        config.is_enabled(name)
    };
    if used || !could_have_silenced {
        return None;
    }
    Some(
        Diagnostic::new(
            UNUSED_SUPPRESSION.name,
            severity,
            unused_suppression::unused_message(written),
            label,
        )
        .with_help(unused_suppression::UNUSED_HELP)
        .with_note(unused_suppression::UNUSED_NOTE),
    )
}

/// Whether the comment sits in test code (which is left out of the analysis by default).
fn in_test_code(facts: &FileFacts, suppression: &Suppression) -> bool {
    facts.test_file
        || facts.items.iter().any(|item| {
            item.in_test
                && (item.contains_line(suppression.comment_line)
                    || item.contains_line(suppression.line))
        })
}
