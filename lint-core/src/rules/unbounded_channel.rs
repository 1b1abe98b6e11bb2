//! `unbounded_channel`: a queue with no capacity whose producers nothing holds back.

use super::{Check, RuleContext, declare_rule};
use crate::analysis::Program;
use crate::analysis::call_sites::CallTarget;
use crate::analysis::channels::{Producer, ProducerKind, UnboundedChannel, unbounded_channels};
use crate::analysis::loops::Driver;
use crate::diagnostic::{Diagnostic, FixRequest, Label};

declare_rule! {
    /// ## What it does
    /// Flags a channel built with no capacity limit (`std::sync::mpsc::channel`,
    /// `tokio::sync::mpsc::unbounded_channel`, `crossbeam_channel::unbounded`,
    /// `flume::unbounded`, `async_channel::unbounded`, `futures::channel::mpsc::unbounded`,
    /// `kanal::unbounded`, however imported or renamed) when there is evidence that its
    /// producers can outrun its consumer and nothing holds them back:
    ///
    /// - the sender (or a clone) is handed to a task, thread or handler started once per
    ///   accepted connection, received message, stream item or element of an input
    ///   collection;
    /// - messages are sent once per item of a loop driven by input;
    /// - the sender is kept in a struct field that other functions (request paths) send
    ///   through.
    ///
    /// A producer is held back, and not evidence, when a semaphore permit is taken where it
    /// sends, when it creates a one-shot reply and awaits it (request/response), when it
    /// checks a length or counter before sending or reserves from a quota with `?`
    /// (`self.memory_quota.alloc(bytes)?`), or when its loop counts its sends and stops at a
    /// limit (`count += 1; if count >= limit { break }`). The sender is followed through
    /// clones, `let` bindings and the parameters of the functions it is passed to. A channel
    /// that is sent to a known, small number of times is not reported: a shutdown signal, a
    /// few startup results, a send followed by `return`/`break` in its loop (a callback that
    /// answers once), a channel made anew in each iteration, a send from `Drop` or from a
    /// method that runs once per value of the struct that holds the channel's sender (`fn
    /// start(self)` and the methods only it calls on itself).
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
    /// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    /// loop {
    ///     let (socket, _) = listener.accept().await?;
    ///     let tx = tx.clone();
    ///     tokio::spawn(async move { forward(socket, tx).await });
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    /// ```
    /// When the thread that sends is also the one that receives (a work list), a bounded
    /// channel would block it forever once full: keep the items in a `Vec` or `VecDeque`
    /// instead, or send from another thread.
    ///
    /// The finding suggests the bounded constructor with a `/* capacity */` placeholder, and
    /// the sender and receiver types renamed (`UnboundedSender` → `Sender`) where they are
    /// declared in the same file; a person picks the capacity (and, for tokio, awaits the
    /// sends), so `--fix` leaves it alone.
    ///
    /// ## Known problems
    /// Evidence is looked for in the function that creates the channel and in the functions
    /// the sender is passed to (three calls deep), and through the struct fields it is
    /// stored in. A limit enforced somewhere else (a connection cap in a proxy in front, a
    /// rate limiter in another service) is not seen; silence the finding with
    /// `// coordlint: allow(unbounded_channel) -- why it is bounded`. A sender handed out
    /// in other ways (returned, put in a collection) is not followed, so such channels are
    /// not reported.
    ///
    /// ## Configuration
    /// Level only (`-A/-W/-D unbounded_channel`); warning by default.
    pub static UNBOUNDED_CHANNEL = {
        name: "unbounded_channel",
        level: Warn,
        summary: "a channel with no capacity limit is fed by producers nothing holds back",
        check: Some(Check::Program(check)),
        options: &[],
    };
}

/// Producer sites shown as labels on one finding.
const MAX_PRODUCER_LABELS: usize = 4;

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for channel in unbounded_channels(context.program) {
        if channel.unbounded_producers().next().is_some() {
            out.push(finding(context, &channel));
        }
    }
}

fn finding(context: &RuleContext<'_, '_>, channel: &UnboundedChannel<'_>) -> Diagnostic {
    let program = context.program;
    let canonical = channel.constructor.path;
    let mut diagnostic = context.diagnostic(
        format!("`{canonical}` creates a channel with no capacity limit, fed by producers nothing holds back"),
        Label::new(
            channel.site.span,
            "this queue grows without limit when the receiver falls behind",
        ),
    );
    let producers: Vec<&Producer> = channel.unbounded_producers().collect();
    for producer in producers.iter().take(MAX_PRODUCER_LABELS) {
        diagnostic =
            diagnostic.with_secondary(Label::new(producer.span, producer_label(program, producer)));
    }
    if producers.len() > MAX_PRODUCER_LABELS {
        diagnostic = diagnostic.with_note(format!(
            "{} more places feed it",
            producers.len() - MAX_PRODUCER_LABELS
        ));
    }
    diagnostic = diagnostic
        .with_note("no semaphore permit, awaited reply or limit check holds these producers back");
    if let (CallTarget::Path { resolved }, Some(written)) = (&channel.site.target, &channel.written)
    {
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
    }
    if !channel.sender_also_receives {
        diagnostic = diagnostic.with_fix_request(bound_channel_request(channel, &producers));
    }
    diagnostic.with_help(help(channel))
}

/// The bounded constructor, and the struct fields the sender is kept in (whose types change
/// with it).
fn bound_channel_request(channel: &UnboundedChannel<'_>, producers: &[&Producer]) -> FixRequest {
    let mut sender_fields: Vec<(String, String)> = producers
        .iter()
        .filter_map(|producer| match &producer.kind {
            ProducerKind::SharedState { owner, field } => Some((
                crate::paths::last_segment(owner).to_string(),
                field.to_string(),
            )),
            _ => None,
        })
        .collect();
    sender_fields.sort();
    sender_fields.dedup();
    FixRequest::BoundChannel {
        call: channel.site.span,
        bounded_function: channel.constructor.bounded_function(),
        placeholder: channel.constructor.capacity_placeholder(),
        type_renames: channel.constructor.type_renames(),
        sender_fields,
    }
}

fn producer_label(program: &Program<'_>, producer: &Producer) -> String {
    match &producer.kind {
        ProducerKind::HandedOutPerItem(driver) => {
            format!("the sender goes to new work once per {}", per(*driver))
        }
        ProducerKind::SendPerItem(driver) => format!("one message per {}", per(*driver)),
        ProducerKind::SharedState { owner, field } => format!(
            "sent through `{}::{field}` from `{}`",
            crate::paths::last_segment(owner),
            program.function(producer.function).display_path()
        ),
    }
}

fn per(driver: Driver) -> &'static str {
    match driver {
        Driver::Connections => "accepted connection",
        Driver::Streams => "stream of a connection",
        Driver::Messages => "received message",
        Driver::StreamItems => "stream item",
        Driver::WorkList => "queued item",
        _ => "element of an input collection",
    }
}

/// The fix, unless it would deadlock: a thread that sends every item before it receives
/// would block forever on a full bounded channel.
fn help(channel: &UnboundedChannel<'_>) -> String {
    if channel.sender_also_receives {
        return "the same thread sends and then receives, so a bounded channel would block it forever once full: keep the items in a `Vec` or `VecDeque`, or send from another thread so the receiver drains while the sender waits".to_string();
    }
    format!(
        "use `{}` so that senders wait (or fail) when the queue is full",
        channel.constructor.bounded_replacement
    )
}
