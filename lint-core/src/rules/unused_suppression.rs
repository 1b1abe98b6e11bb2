//! `unused_suppression`: a `// coordlint: allow(..)` comment that names an unknown rule or
//! silences nothing. Made by [`crate::suppress`] after every other finding is known, since
//! only then is it known what each comment silenced; there is no check here. The wording
//! lives here.

use super::declare_rule;
use crate::config::did_you_mean;
use crate::rules;

declare_rule! {
    /// ## What it does
    /// Reports a `// coordlint: allow(rule)` (or `allow-file(rule)`) comment that names a
    /// rule coordlint does not have, or that silences no finding: the finding it was
    /// written for is gone (the code was fixed or moved), or the comment sits where it
    /// covers none of the finding's sites.
    ///
    /// A comment covers a finding when it is on a line with one of the finding's labelled
    /// sites (the primary one or any witness: the other acquisition of a cycle, the lock
    /// line of a guard held across `.await`), or alone on the line before it, or alone
    /// before an item (a function, an `impl`, a module, a struct, ...) containing that
    /// site.
    ///
    /// ## Why is this bad?
    /// A misspelled rule name silences nothing, so the finding the comment was meant for is
    /// still reported, or worse, a later finding the author wanted to hear about is not. A
    /// stale suppression reads as a reason why code is safe when nothing checks it any more.
    ///
    /// ## Example
    /// ```rust,ignore
    /// // coordlint: allow(unbounded_chanel) -- bounded by the request limiter
    /// let (tx, rx) = mpsc::channel();
    ///
    /// let total = a + b; // coordlint: allow(double_lock)
    /// ```
    ///
    /// Use instead: spell the rule as `cargo coordlint rules` lists it, and remove
    /// comments that silence nothing:
    /// ```rust,ignore
    /// // coordlint: allow(unbounded_channel) -- bounded by the request limiter
    /// let (tx, rx) = mpsc::channel();
    ///
    /// let total = a + b;
    /// ```
    ///
    /// ## Known problems
    /// A comment naming a rule that is allowed in this run (`-A rule`, or a level in
    /// `Cargo.toml`) is not reported, since it may silence something when the rule is on;
    /// neither is one in test code left out of the run, nor in a file that did not parse.
    /// `allow(all)` is reported only when no rule is allowed.
    ///
    /// ## Configuration
    /// Set its level with `-A/-W/-D unused_suppression` or in `[workspace.metadata.coordlint.lints]`
    /// (warn by default); `// coordlint: allow(unused_suppression)` silences it like any rule.
    pub static UNUSED_SUPPRESSION = {
        name: "unused_suppression",
        level: Warn,
        summary: "a `// coordlint: allow(..)` comment names an unknown rule or silences nothing",
        check: None,
        options: &[],
    };
}

/// The rule names a comment may use besides the rules: every rule at once.
pub const ALL_RULES: &str = "all";

/// Message for a name in a comment that is not a rule.
pub fn unknown_rule_message(written: &str) -> String {
    format!("`{written}` in this suppression is not a coordlint rule")
}

/// Help for a name that is not a rule: the closest rule, else where the list is.
pub fn unknown_rule_help(written: &str) -> String {
    let name = written.strip_prefix("coordlint::").unwrap_or(written);
    let mut candidates: Vec<&str> = rules::ALL.iter().map(|rule| rule.name).collect();
    candidates.push(ALL_RULES);
    let suggestion = did_you_mean(name, &candidates);
    match suggestion.strip_prefix("; did you mean ") {
        Some(rest) => format!("did you mean {}", rest.trim_end_matches('?')),
        None => "`cargo coordlint rules` lists the rules".to_string(),
    }
}

pub fn unused_message(written: &str) -> String {
    format!("this suppression of `{written}` silences nothing")
}

pub const UNUSED_HELP: &str =
    "remove it, or move it onto (or just above) a line the finding points at";

pub const UNUSED_NOTE: &str = "a suppression covers a finding when it is on, or alone on the line before, one of the finding's labelled sites, or alone before an item containing one";
