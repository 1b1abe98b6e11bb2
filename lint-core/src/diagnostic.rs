//! Findings as data: what the rules produce and every output format renders.

use crate::span::Span;

/// How serious a finding is once levels are applied. `Allow`ed findings are never returned.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// The word rustc uses for this level in JSON and in human output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled place in the source that a finding points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One finding of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's snake_case name, without the `coordlint::` prefix.
    pub rule: &'static str,
    pub severity: Severity,
    /// What was found: lowercase, no trailing period, code in backticks.
    pub message: String,
    pub primary: Label,
    /// Every other witness site: "first acquired here", the loop that repeats a call, ...
    pub secondary: Vec<Label>,
    /// A concrete fix.
    pub help: Option<String>,
    /// Further explanation (call chains, scenarios, limits of the evidence).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A finding at `severity` with only a primary label; add the rest with the builder methods.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The order every output uses: file, line, column, rule, then message.
    pub fn sort_key(&self) -> (u32, u32, u32, &'static str, &str) {
        (
            self.primary.span.file.0,
            self.primary.span.start.line,
            self.primary.span.start.column,
            self.rule,
            &self.message,
        )
    }
}

/// Sorts findings into the deterministic order every output uses and removes exact repeats.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}
