//! Findings as data: what the rules produce and every output format renders.

use crate::span::{FileId, Span};

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
    /// Code changes that fix the finding (built by [`crate::fixes`] from `fix_request`), or
    /// sites to change by hand.
    pub suggestions: Vec<Suggestion>,
    /// What the rule asks the fix builder to write; consumed by
    /// [`crate::fixes::attach_suggestions`], which turns it into `suggestions`.
    pub fix_request: Option<FixRequest>,
}

/// How sure a suggestion is, with rustc's names and meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Provably keeps the program compiling with the same types; `--fix` applies it.
    MachineApplicable,
    /// Likely right, but it may not compile or may change behaviour: a person reviews it.
    MaybeIncorrect,
    /// Contains a placeholder (`/* capacity */`) a person must fill in.
    HasPlaceholders,
    /// Not code: places to change by hand.
    Unspecified,
}

impl Applicability {
    /// The name rustc writes in `suggestion_applicability`.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
            Applicability::Unspecified => "Unspecified",
        }
    }
}

/// One replacement of a byte range of one file (an empty range inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A fix for a finding: what it does, its edits (all in the primary file, non-overlapping)
/// and how sure it is. A suggestion without edits lists `sites` to change by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// What the change does, as a `help` line: lowercase, code in backticks.
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// For a suggestion without edits: the places to change, labelled.
    pub sites: Vec<Label>,
}

/// What a rule asks the fix builder ([`crate::fixes`]) to write. Rules know what the fix
/// is; the builder, which re-reads the file's syntax, knows how to write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixRequest {
    /// The guard taken at `acquisition` is a temporary of a `match`, `if let` or `while let`
    /// scrutinee, alive at `second`: bind the value first so the guard ends before the arms
    /// run.
    HoistScrutinee { acquisition: Span, second: Span },
    /// The guard taken at `first` is a temporary still alive at `second`, the same lock in
    /// the same statement: take it once and use the one guard for both.
    ReuseGuard { first: Span, second: Span },
    /// The guard taken at `acquisition` is a temporary of a statement that awaits at
    /// `await_span`: bind the value computed from it to a `let` before the statement.
    HoistTemporary { acquisition: Span, await_span: Span },
    /// The guard bound to `binding`, taken at `acquisition`, is alive at `await_span`: end
    /// it after its last use.
    EndGuardBeforeAwait {
        acquisition: Span,
        binding: String,
        await_span: Span,
    },
    /// The unbounded channel built by the call at `call`: the bounded constructor
    /// `bounded_function` with a capacity placeholder, and the type renames
    /// (`UnboundedSender` → `Sender`) at the declarations in `sender_fields` (struct name,
    /// field name) and in the constructor's own `let`.
    BoundChannel {
        call: Span,
        bounded_function: &'static str,
        placeholder: &'static str,
        type_renames: &'static [(&'static str, &'static str)],
        sender_fields: Vec<(String, String)>,
    },
}

impl FixRequest {
    /// The places the fix is about.
    pub fn spans(&self) -> Vec<Span> {
        match self {
            FixRequest::HoistScrutinee {
                acquisition,
                second,
            } => vec![*acquisition, *second],
            FixRequest::ReuseGuard { first, second } => vec![*first, *second],
            FixRequest::HoistTemporary {
                acquisition,
                await_span,
            }
            | FixRequest::EndGuardBeforeAwait {
                acquisition,
                await_span,
                ..
            } => vec![*acquisition, *await_span],
            FixRequest::BoundChannel { call, .. } => vec![*call],
        }
    }
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
            suggestions: Vec::new(),
            fix_request: None,
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

    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    pub fn with_fix_request(mut self, request: FixRequest) -> Self {
        self.fix_request = Some(request);
        self
    }

    /// Every file the finding shows: its labels', suggestions' and fix request's files.
    pub fn files(&self) -> Vec<FileId> {
        let mut spans: Vec<Span> = std::iter::once(&self.primary)
            .chain(&self.secondary)
            .map(|label| label.span)
            .collect();
        for suggestion in &self.suggestions {
            spans.extend(suggestion.edits.iter().map(|edit| edit.span));
            spans.extend(suggestion.sites.iter().map(|site| site.span));
        }
        if let Some(request) = &self.fix_request {
            spans.extend(request.spans());
        }
        let mut files: Vec<FileId> = spans.iter().map(|span| span.file).collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// The order every output uses: file, position (the byte offset orders as line and
    /// column do), rule, then message.
    pub fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        (
            self.primary.span.file.0,
            self.primary.span.byte_start,
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
