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
use crate::analysis::loops::FunctionLoops;
use crate::config::{Config, Level, RuleOption};
use crate::diagnostic::{Diagnostic, Label, Severity};
use rayon::prelude::*;

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
    pub check: Option<Check>,
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

/// How a rule looks at the program.
#[derive(Clone, Copy)]
pub enum Check {
    /// The whole program at once.
    Program(fn(&RuleContext<'_, '_>, &mut Vec<Diagnostic>)),
    /// The loops of one function at a time. The rules of this kind share one sweep over
    /// the functions with loops ([`crate::analysis::Program::flat_map_function_loops`]),
    /// in which each body is decoded once for all of them.
    FunctionLoops(fn(&RuleContext<'_, '_>, &FunctionLoops<'_>, &mut Vec<Diagnostic>)),
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

/// Runs every rule `config` turns on over `program`: the program rules side by side, and
/// beside them one sweep over the functions' loops for the loop rules. The findings of each
/// rule are in the order it made them, and the rules' lists in the order of [`ALL`].
pub fn run(program: &Program<'_>, config: &Config) -> Vec<Vec<Diagnostic>> {
    let contexts: Vec<Option<(RuleContext<'_, '_>, Check)>> = ALL
        .iter()
        .map(|rule| {
            let severity = config.severity_of(rule.name)?;
            let context = RuleContext {
                program,
                config,
                rule,
                severity,
            };
            Some((context, rule.check?))
        })
        .collect();
    let (mut found, by_loops) = rayon::join(
        || {
            contexts
                .par_iter()
                .map(|active| {
                    let mut found = Vec::new();
                    if let Some((context, Check::Program(check))) = active {
                        check(context, &mut found);
                    }
                    found
                })
                .collect::<Vec<Vec<Diagnostic>>>()
        },
        || {
            program.flat_map_function_loops(&|loops| {
                let mut found = Vec::new();
                for (index, active) in contexts.iter().enumerate() {
                    if let Some((context, Check::FunctionLoops(check))) = active {
                        let mut here = Vec::new();
                        check(context, loops, &mut here);
                        found.extend(here.into_iter().map(|finding| (index, finding)));
                    }
                }
                found
            })
        },
    );
    for (index, finding) in by_loops {
        found[index].push(finding);
    }
    found
}

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
