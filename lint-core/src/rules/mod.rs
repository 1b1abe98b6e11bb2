//! The rules, one per file. [`ALL`] is the table of contents, sorted by name.

mod blocking_under_lock;
mod double_lock;
mod guard_across_await;
mod lock_order_cycle;
mod lock_wording;
mod parse_error;
mod same_class_order;
mod skipped_file;
mod unbatched_io;
mod unbounded_channel;
mod unbounded_spawn;
pub(crate) mod unused_suppression;
mod work_sites;

use crate::analysis::Program;
use crate::config::{Config, Level, RuleOption};
use crate::diagnostic::{Diagnostic, Label, Severity};

/// A rule: its name, default level, one-line summary and user documentation, and the check.
pub struct Rule {
    /// snake_case; shown as `coordlint::<name>`.
    pub name: &'static str,
    pub default_level: Level,
    pub summary: &'static str,
    /// The doc comment of the declaration, raw (one leading space per line).
    raw_doc: &'static str,
    /// `None` for diagnostics produced by the pipeline itself (`parse_error`, and
    /// `skipped_file`, which the command makes).
    pub check: Option<fn(&RuleContext<'_, '_>, &mut Vec<Diagnostic>)>,
    /// The options the rule reads from configuration, besides its level.
    pub options: &'static [RuleOption],
}

impl Rule {
    /// The documentation as Markdown (sections `## What it does`, `## Why is this bad?`, ...).
    pub fn documentation(&self) -> String {
        let mut text: String = self
            .raw_doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("name", &self.name).finish()
    }
}

/// Declares a rule; the doc comment becomes its documentation (as clippy's lints do).
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $static_name:ident = {
            name: $name:literal,
            level: $level:ident,
            summary: $summary:literal,
            check: $check:expr,
            options: $options:expr $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $static_name: $crate::rules::Rule = $crate::rules::Rule {
            name: $name,
            default_level: $crate::config::Level::$level,
            summary: $summary,
            raw_doc: concat!($($doc, "\n"),*),
            check: $check,
            options: $options,
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by name.
pub static ALL: &[&Rule] = &[
    &blocking_under_lock::BLOCKING_UNDER_LOCK,
    &double_lock::DOUBLE_LOCK,
    &guard_across_await::GUARD_ACROSS_AWAIT,
    &lock_order_cycle::LOCK_ORDER_CYCLE,
    &parse_error::PARSE_ERROR,
    &skipped_file::SKIPPED_FILE,
    &unbatched_io::UNBATCHED_IO,
    &unbounded_channel::UNBOUNDED_CHANNEL,
    &unbounded_spawn::UNBOUNDED_SPAWN,
    &unused_suppression::UNUSED_SUPPRESSION,
];

pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|rule| rule.name == name)
}

pub(crate) use parse_error::PARSE_ERROR;
/// Made by the command, which alone reads files (a `mod` whose file was not analyzed).
pub use skipped_file::SKIPPED_FILE;

/// What a rule's check sees: the program, and the severity its findings get.
pub struct RuleContext<'p, 'a> {
    pub program: &'p Program<'a>,
    pub config: &'p Config,
    pub rule: &'static Rule,
    pub severity: Severity,
}

impl RuleContext<'_, '_> {
    /// Starts a finding of this rule at this rule's severity.
    pub fn diagnostic(&self, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic::new(self.rule.name, self.severity, message, primary)
    }
}
