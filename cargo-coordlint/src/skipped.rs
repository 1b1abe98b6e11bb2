//! Files that were not analyzed, turned into what the user sees: a `skipped_file` finding at
//! the `mod` declaration that names the file (in every output format, at the rule's level,
//! silenced by `// coordlint: allow(skipped_file)` like any finding), or, for a file no
//! declaration names (a target's root file, a file found by walking), a stderr warning.
//! Only the path and the reason are shown, never the skipped file's contents.

use lint_core::rules::SKIPPED_FILE;
use lint_core::{Config, Diagnostic, Label};

use crate::discover::{Inputs, SkipReason, SkippedFile};

/// `skipped_file` findings for the skipped files that a `mod` declaration names.
pub fn diagnostics(inputs: &Inputs, config: &Config) -> Vec<Diagnostic> {
    let Some(severity) = config.severity_of(SKIPPED_FILE.name) else {
        return Vec::new();
    };
    inputs
        .skipped
        .iter()
        .filter_map(|skipped| {
            let span = skipped.declared_at?;
            let module = skipped.module.as_deref().unwrap_or("?");
            let diagnostic = Diagnostic::new(
                SKIPPED_FILE.name,
                severity,
                message(module, skipped),
                Label::new(span, "declared here"),
            )
            .with_help(help(&skipped.reason))
            .with_note("no rule was checked in that module; calls into it are not followed");
            Some(diagnostic)
        })
        .collect()
}

/// One stderr line for each skipped file that no declaration names.
pub fn undeclared_warnings(inputs: &Inputs) -> Vec<String> {
    inputs
        .skipped
        .iter()
        .filter(|skipped| skipped.declared_at.is_none())
        .map(|skipped| match &skipped.reason {
            SkipReason::NotFound { .. } => {
                format!("{} was not analyzed: no such file", skipped.path)
            }
            reason => format!("{} was not analyzed: {reason}", skipped.path),
        })
        .collect()
}

fn message(module: &str, skipped: &SkippedFile) -> String {
    match &skipped.reason {
        SkipReason::NotFound { .. } => {
            format!("module `{module}` was not analyzed: {}", skipped.reason)
        }
        reason => format!(
            "module `{module}` was not analyzed: its file `{}` was not read: {reason}",
            skipped.path
        ),
    }
}

fn help(reason: &SkipReason) -> String {
    match reason {
        SkipReason::NotFound { .. } => {
            "create the module's file, or remove the declaration if the module is gone".into()
        }
        SkipReason::OutsideRoot { .. } | SkipReason::SystemDirectory { .. } => {
            "keep module files inside the workspace; coordlint does not read files outside it"
                .into()
        }
        SkipReason::NotRegularFile { .. } => "point the declaration at a regular `.rs` file".into(),
        SkipReason::TooLarge { .. } => "split the module into smaller files".into(),
        SkipReason::NotUtf8 | SkipReason::Unreadable { .. } => {
            "make the file readable UTF-8 text".into()
        }
    }
}
