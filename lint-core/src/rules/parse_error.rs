//! `parse_error`: a file that could not be parsed, reported so nothing is silently skipped.

use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a file that coordlint could not tokenize or parse, or that nests so deeply
    /// that walking it would not be safe. Every other file is still analyzed.
    ///
    /// ## Why is this bad?
    /// A file that is not analyzed can hide any of the problems the other rules find. Saying
    /// so is better than a clean report that silently skipped part of the code.
    ///
    /// ## Example
    /// ```rust,ignore
    /// fn main() {
    ///     let x = ;
    /// }
    /// ```
    ///
    /// Use instead: code that compiles. Files that are generated with thousands of nested
    /// blocks can be excluded by passing only the paths to analyze.
    ///
    /// ## Known problems
    /// coordlint parses with `syn`, which follows stable Rust syntax; a file using unstable
    /// syntax that rustc accepts on nightly may be reported here.
    pub static PARSE_ERROR = {
        name: "parse_error",
        level: Deny,
        summary: "a file could not be parsed and was not analyzed",
        check: None,
        options: &[],
    };
}
