//! `skipped_file`: a module whose file was not analyzed (missing, unreadable, or refused),
//! reported so nothing is silently skipped. The command (which alone reads files) makes
//! these findings, at the `mod` declaration; there is no check here.

use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a `mod` declaration whose file coordlint did not analyze: no file exists at
    /// the places the declaration can refer to (`name.rs`, `name/mod.rs`, or its
    /// `#[path]`), the file could not be read, or coordlint refused to read it. It refuses
    /// files outside the workspace root (in path mode, outside the package directory or the
    /// directory given), files reached through a symlink that leads outside it, anything
    /// under `/proc`, `/dev` or `/sys`, anything that is not a regular file, and files larger
    /// than 16 MiB. The finding names the file and the reason; it never shows the file's
    /// contents. Every other file is still analyzed.
    ///
    /// ## Why is this bad?
    /// A module that is not analyzed can hide any of the problems the other rules find, and
    /// calls into it are not followed. A clean report that silently skipped part of the
    /// crate would be wrong. A `#[path]` that leads out of the repository is also how a pull
    /// request could make a code-reading tool print files from the machine that runs it.
    ///
    /// ## Example
    /// ```rust,ignore
    /// mod generated;                          // no generated.rs or generated/mod.rs
    ///
    /// #[path = "../../../vendored/locks.rs"]    // outside the workspace
    /// mod locks;
    /// ```
    ///
    /// Use instead: keep every module's file inside the workspace, next to the declaring
    /// file or in a folder named after it, and remove declarations of modules that are
    /// gone. Code generated at build time (`include!(concat!(env!("OUT_DIR"), ...))`) is
    /// not analyzed either way.
    ///
    /// ## Known problems
    /// A module declared under a `#[cfg]` that is off for every build (a platform module
    /// whose file lives elsewhere) is still reported; silence it with
    /// `// coordlint: allow(skipped_file)` on the declaration.
    ///
    /// ## Configuration
    /// Set its level with `-A/-W/-D skipped_file` (warn by default). A root file that
    /// cannot be read (a target's `src/lib.rs`, a file given as a path) has no declaration
    /// to point at; it is reported on stderr. Either way the summary line counts the files
    /// skipped.
    pub static SKIPPED_FILE = {
        name: "skipped_file",
        level: Warn,
        summary: "a module's file was missing, unreadable, or refused, and was not analyzed",
        check: None,
        options: &[],
    };
}
