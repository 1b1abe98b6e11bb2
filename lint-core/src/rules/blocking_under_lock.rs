//! `blocking_under_lock`: a blocking call made while a lock guard is alive.

use super::lock_wording::{callee_name, held_as, hold_reason};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::Program;
use crate::analysis::locks::blocking::{BlockingOp, BlockingUnderLock};
use crate::config::{OptionKind, RuleOption};
use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::blocking::BlockingKind;

declare_rule! {
    /// ## What it does
    /// Flags a call that blocks while a lock guard is alive: `thread::sleep`; joining a
    /// thread (`JoinHandle::join`, the end of `thread::scope`); `send` on a bounded channel
    /// (`SyncSender`, crossbeam, flume, kanal, or `send(..).await` on a bounded tokio,
    /// async-channel or flume sender); `recv`, `recv_timeout` and `iter()` on a receiver;
    /// a `Condvar` wait while a guard of another lock than the condvar's own is alive;
    /// `block_on` (`futures::executor`, a tokio `Runtime` or `Handle`); blocking file,
    /// socket and process I/O (`std::fs`, `std::net`, `std::process`) and blocking HTTP
    /// clients (`reqwest::blocking`, `ureq`); and, in async code, awaiting a
    /// `JoinHandle` or a bounded send while an async lock's guard is held. A call of a
    /// function that blocks counts too: the call chain is shown.
    ///
    /// `try_send`, `try_recv`, sends on unbounded channels (which never wait) and timed
    /// waits with a short bound (`send_timeout(msg, Duration::from_millis(5))`) are not
    /// flagged, nor is I/O on a stream or file the guard itself protects, nor a wait on a
    /// receiver, handle or runtime that is all the lock holds (`Mutex<Receiver<T>>`,
    /// `Mutex<Runtime>` with `block_on`; a receiver also behind a
    /// one-field wrapper whose method receives), nor the first message on a channel with
    /// room made in the same function (`let (tx, rx) = mpsc::channel(16); tx.send(hello)`).
    /// A guard made in a `let .. else` initializer is gone when the `else` block runs. A
    /// field or static lock that is only ever taken with `try_lock` (or another `try_*`)
    /// makes no one wait, so what its holder does is not flagged. A receive guarded by an
    /// emptiness check (`if rx.is_empty() { break }`, `if !rx.is_empty()`) on a receiver
    /// this function holds a guard of returns at once and is not flagged.
    ///
    /// ## Why is this bad?
    /// The lock stays held for as long as the call waits, so every thread that needs it
    /// waits too: one slow consumer, disk or peer stalls everything behind the lock. When
    /// the thing waited for needs the same lock (the consumer that must drain the channel,
    /// the thread being joined, the task that would send the message), neither side can
    /// move: a deadlock no lock-order check sees.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let subscribers = self.subscribers.read().unwrap();
    /// for tx in subscribers.values() {
    ///     // `tx` is a `SyncSender`: a full channel blocks here, with the read lock
    ///     // held, and the subscriber's `Drop` needs the write lock to unsubscribe.
    ///     tx.send(event.clone()).ok();
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let senders: Vec<SyncSender<Event>> =
    ///     self.subscribers.read().unwrap().values().cloned().collect();
    /// for tx in senders {
    ///     tx.send(event.clone()).ok();
    /// }
    /// ```
    /// or `try_send` when an event may be dropped.
    ///
    /// ## Known problems
    /// A call blocks only when the types say so: a receiver whose type is not known (the
    /// return value of another crate's function, a closure parameter) is not flagged, and
    /// a crossbeam, flume, async-channel or kanal sender counts as bounded only when the
    /// channel's construction is found (through locals, parameters, struct fields, the
    /// collections fields hold and the locks that hold them). A
    /// timed wait counts as short by the unit of its `Duration` (`from_millis`,
    /// `from_micros`, `from_nanos`), not by its value. Guards whose lock type is unknown
    /// are not considered. Statement-level `cfg` is not evaluated (a blocking call in a
    /// function compiled only for another platform is reported), and a call through `&dyn
    /// Trait` counts every workspace implementation even when the caller passes one whose
    /// method does not block.
    ///
    /// ## Configuration
    /// - `extra-blocking`: canonical paths of functions that block
    ///   (`"my_rpc::call_sync"`), or `Type::method` for a method on a receiver of that type
    ///   (`"Client::call_blocking"`).
    pub static BLOCKING_UNDER_LOCK = {
        name: "blocking_under_lock",
        level: Warn,
        summary: "a blocking call is made while a lock guard is alive",
        check: Some(Check::Program(check)),
        options: &[RuleOption {
            name: "extra-blocking",
            kind: OptionKind::StringList,
            doc: "canonical paths of functions that block, or `Type::method` for a method on a receiver of that type",
        }],
    };
}

/// Guards named on one finding besides the first.
const MAX_LISTED_GUARDS: usize = 2;

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for found in &context.program.locks.blocking_under_lock {
        out.push(finding(context, found));
    }
}

fn finding(context: &RuleContext<'_, '_>, found: &BlockingUnderLock) -> Diagnostic {
    let program = context.program;
    let held = &found.held[0];
    let name = held.target.name();
    let op = &found.op;
    let call = &op.call;
    let message = if found.chain.is_empty() {
        format!(
            "{} while `{name}` is {}",
            what_blocks(op),
            held_as(held.mode)
        )
    } else {
        format!(
            "`{}` blocks in {} while `{name}` is {}",
            program.function(found.chain[0].0).display_path(),
            short_what(op),
            held_as(held.mode)
        )
    };
    let primary_text = if op.awaited {
        format!(
            "the task waits here for {} with the lock held",
            op.kind.waits_for()
        )
    } else {
        format!("this waits for {} with the lock held", op.kind.waits_for())
    };
    let mut diagnostic = context
        .diagnostic(message, Label::new(found.call_site, primary_text))
        .with_secondary(Label::new(
            held.site,
            format!(
                "`{name}` {} here; {}",
                held_as(held.mode),
                hold_reason(&held.reason)
            ),
        ));
    for other in found.held.iter().skip(1).take(MAX_LISTED_GUARDS) {
        diagnostic = diagnostic.with_secondary(Label::new(
            other.site,
            format!(
                "`{}` is {} here too; {}",
                other.target.name(),
                held_as(other.mode),
                hold_reason(&other.reason)
            ),
        ));
    }
    if let Some(released) = &op.releases {
        diagnostic = diagnostic.with_note(format!(
            "the wait releases `{}`, the condvar's own lock, but not `{name}`",
            released.name()
        ));
    }
    if !found.chain.is_empty() {
        diagnostic = diagnostic
            .with_secondary(Label::new(
                found.blocking_site,
                format!("`{call}` blocks here"),
            ))
            .with_note(chain_note(program, found));
    }
    if found.more_under_guard > 0 {
        diagnostic = diagnostic.with_note(format!(
            "{} more blocking calls under this guard of `{name}` in this function are not shown",
            found.more_under_guard
        ));
    }
    diagnostic
        .with_note(format!(
            "every thread that needs `{name}` waits as long as this call does; if what it waits for needs `{name}`, neither can proceed"
        ))
        .with_help(fix(op, &name))
}

/// The blocking call as the subject of the message.
fn what_blocks(op: &BlockingOp) -> String {
    let call = &op.call;
    match op.kind {
        BlockingKind::BoundedSend if op.awaited => {
            format!("`{call}(..).await` on a bounded channel can wait")
        }
        BlockingKind::BoundedSend => format!("`{call}` on a bounded channel can block"),
        BlockingKind::Join if op.awaited => format!("awaiting a `{call}` waits for its task"),
        BlockingKind::CondvarWait => format!("`{call}` blocks"),
        _ if op.awaited => format!("`{call}(..).await` waits"),
        _ => format!("`{call}` blocks"),
    }
}

/// The blocking call as the object of "blocks in ...".
fn short_what(op: &BlockingOp) -> String {
    match op.kind {
        BlockingKind::BoundedSend => format!("`{}` on a bounded channel", op.call),
        _ => format!("`{}`", op.call),
    }
}

fn chain_note(program: &Program<'_>, found: &BlockingUnderLock) -> String {
    let path: Vec<String> = found
        .chain
        .iter()
        .map(|(callee, _)| format!("`{}`", callee_name(program.function(*callee))))
        .collect();
    format!(
        "`{}` calls {}, which calls `{}`",
        program.function(found.function).display_path(),
        path.join(" → "),
        found.op.call
    )
}

/// The concrete fix for each kind of wait.
fn fix(op: &BlockingOp, name: &str) -> String {
    match op.kind {
        BlockingKind::BoundedSend => format!(
            "clone the sender out of the locked state and send after the guard of `{name}` is dropped, or use `try_send` if the message may be dropped"
        ),
        BlockingKind::Receive => format!(
            "receive before locking `{name}`, or drop the guard first; use `try_recv` to poll under the lock"
        ),
        BlockingKind::Join if op.awaited => format!(
            "move the handles out of the locked state (`std::mem::take`), drop the guard of `{name}`, then await them"
        ),
        BlockingKind::Join => format!(
            "take the handle out of the locked state, drop the guard of `{name}`, then join"
        ),
        BlockingKind::CondvarWait => format!(
            "drop the guard of `{name}` before waiting, or wait on a condvar paired with `{name}`"
        ),
        BlockingKind::BlockOn => format!(
            "drop the guard of `{name}` before `block_on`: copy what the future needs out of the locked state"
        ),
        BlockingKind::Sleep => format!("drop the guard of `{name}` before sleeping"),
        BlockingKind::FileIo | BlockingKind::NetIo | BlockingKind::Process | BlockingKind::Http => {
            format!(
                "do the I/O before locking `{name}`, or copy what it needs out of the locked state and drop the guard first"
            )
        }
        BlockingKind::Custom => format!("drop the guard of `{name}` before the call"),
    }
}
