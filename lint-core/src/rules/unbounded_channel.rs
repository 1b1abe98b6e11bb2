//! `unbounded_channel`: a queue constructed without a capacity.

use super::{RuleContext, declare_rule};
use crate::analysis::call_sites::CallTarget;
use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::channels::{UnboundedConstructor, unbounded_constructor};
use crate::model::PathRef;
use crate::resolve::Resolved;
use crate::span::Span;

declare_rule! {
    /// ## What it does
    /// Flags the construction of a channel with no capacity limit:
    /// `std::sync::mpsc::channel`, `tokio::sync::mpsc::unbounded_channel`,
    /// `crossbeam_channel::unbounded` (also `crossbeam::channel::unbounded`),
    /// `flume::unbounded`, `async_channel::unbounded` (also `async_std::channel::unbounded`),
    /// `futures::channel::mpsc::unbounded` and `kanal::unbounded`/`unbounded_async`, however
    /// they are imported or renamed, with or without a turbofish.
    ///
    /// ## Why is this bad?
    /// An unbounded queue never pushes back. When producers outpace the consumer (a slow
    /// database, a burst of requests, a stuck worker) the queue grows until the process runs
    /// out of memory, and latency grows with it long before that. A bounded channel makes
    /// producers wait or fail fast, which turns overload into back-pressure instead of an
    /// outage.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let (tx, rx) = tokio::sync::mpsc::channel(1024);
    /// ```
    ///
    /// ## Known problems
    /// Some unbounded channels are bounded by construction (one message per request that is
    /// itself limited, or a hand-off from synchronous code where blocking is not allowed, as
    /// tokio's documentation describes). Silence the finding there with a comment,
    /// `// coordlint: allow(unbounded_channel) -- why it is bounded`, or with
    /// `-A unbounded_channel`. Calls inside macros other than the standard
    /// expression macros (`vec!`, `assert!`, `format!`, `println!`, ...) are not seen.
    ///
    /// ## Configuration
    /// Level only (`-A/-W/-D unbounded_channel`); warning by default.
    pub static UNBOUNDED_CHANNEL = {
        name: "unbounded_channel",
        level: Warn,
        summary: "a channel is created without a capacity limit",
        check: Some(check),
        options: &[],
    };
}

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for site in context.program.call_sites.all() {
        let CallTarget::Path {
            written, resolved, ..
        } = &site.target
        else {
            continue;
        };
        if let Some(constructor) = unbounded_constructor(&resolved.display()) {
            out.push(finding(context, site.span, written, resolved, constructor));
        }
    }
}

fn finding(
    context: &RuleContext<'_, '_>,
    span: Span,
    written: &PathRef,
    resolved: &Resolved,
    constructor: &UnboundedConstructor,
) -> Diagnostic {
    let canonical = constructor.path;
    let mut diagnostic = context
        .diagnostic(
            format!("`{canonical}` creates a channel with no capacity limit"),
            Label::new(
                span,
                "this queue grows without limit when the receiver falls behind",
            ),
        )
        .with_help(format!(
            "use `{}` so that senders wait (or fail) when the queue is full",
            constructor.bounded_replacement
        ));
    let renamed = !canonical.ends_with(&format!("::{}", written.last()));
    if renamed || resolved.via_glob {
        diagnostic = diagnostic.with_note(format!(
            "`{}` resolves to `{canonical}`{}",
            written.display(),
            if resolved.via_glob {
                " through a glob import"
            } else {
                " through this file's imports"
            }
        ));
    }
    diagnostic
}
