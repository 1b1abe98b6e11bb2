//! `guard_across_await`: a blocking lock's guard alive across an `.await`.

use super::lock_wording::{held_as, hold_reason};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::locks::GuardAcrossAwait;
use crate::analysis::locks::guards::HoldReason;
use crate::diagnostic::{Diagnostic, FixRequest, Label};

declare_rule! {
    /// ## What it does
    /// Flags a guard of a blocking lock (`std::sync::Mutex`/`RwLock`, `parking_lot`,
    /// `spin`) that is still alive when an async function or block reaches an `.await`,
    /// including temporaries that live to the end of the statement and `match`/`if let`
    /// scrutinee guards. Guards of async locks (`tokio::sync`, `async_lock`,
    /// `futures::lock`) are made for this and are not flagged.
    ///
    /// ## Why is this bad?
    /// While the task is suspended, the lock stays held. Every thread that needs it blocks,
    /// and another task on the same executor thread that locks it deadlocks the thread. The
    /// guard also makes the future `!Send`, or, with `parking_lot`'s `send_guard`, moves an
    /// OS lock across threads.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let mut cache = self.cache.lock().unwrap();
    /// let value = fetch(key).await;
    /// cache.insert(key, value);
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let value = fetch(key).await;
    /// self.cache.lock().unwrap().insert(key, value);
    /// ```
    ///
    /// For a guard bound by `let`, the finding suggests `drop(guard);` after its last use
    /// when that use comes before the `.await` (`cargo coordlint --fix` applies it when every
    /// use reads through the guard), or taking the lock after the `.await` when the guard is
    /// first used there. For a temporary guard it suggests binding the value taken from it
    /// before the statement, and for a scrutinee's guard binding the scrutinee's value first.
    ///
    /// ## Known problems
    /// A `Mutex` whose type does not resolve to a known library is not flagged, and
    /// neither are guards moved into closures or structs. clippy's `await_holding_lock`
    /// covers similar ground for guards bound to variables.
    ///
    /// ## Configuration
    /// Level only (`-A/-W/-D guard_across_await`); a warning by default.
    pub static GUARD_ACROSS_AWAIT = {
        name: "guard_across_await",
        level: Warn,
        summary: "a blocking lock's guard is held across an `.await`",
        check: Some(Check::Program(check)),
        options: &[],
    };
}

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for found in &context.program.locks.guards_across_await {
        out.push(finding(context, found));
    }
}

fn finding(context: &RuleContext<'_, '_>, found: &GuardAcrossAwait) -> Diagnostic {
    let held = &found.held;
    let name = held.target.name();
    let lock_type = held.target.lock_type.name;
    let diagnostic = context
        .diagnostic(
            format!("a guard of `{name}` (`{lock_type}`) is held across an `.await`"),
            Label::new(found.await_span, "the task can be suspended here with the lock still held"),
        )
        .with_secondary(Label::new(
            held.site,
            format!("`{name}` {} here; {}", held_as(held.mode), hold_reason(&held.reason)),
        ))
        .with_note(
            "while the task is suspended, every thread that locks it blocks, and a task on the same thread that locks it deadlocks",
        )
        .with_help(format!(
            "drop the guard before the `.await` (end its block or call `drop(guard)`), or use an async lock such as `tokio::sync::{}` if it must stay held",
            if lock_type.ends_with("RwLock") { "RwLock" } else { "Mutex" }
        ));
    match fix_request(found) {
        Some(request) => diagnostic.with_fix_request(request),
        None => diagnostic,
    }
}

/// The fix, by why the guard is still alive: a `let` guard ended after its last use, a
/// scrutinee's value bound first, a temporary's value bound before the statement.
fn fix_request(found: &GuardAcrossAwait) -> Option<FixRequest> {
    let held = &found.held;
    match &held.reason {
        HoldReason::Binding(binding) => Some(FixRequest::EndGuardBeforeAwait {
            acquisition: held.site,
            binding: binding.clone(),
            await_span: found.await_span,
        }),
        HoldReason::MatchScrutinee | HoldReason::IfLetScrutinee | HoldReason::WhileLetScrutinee => {
            Some(FixRequest::HoistScrutinee {
                acquisition: held.site,
                second: found.await_span,
            })
        }
        HoldReason::Temporary => Some(FixRequest::HoistTemporary {
            acquisition: held.site,
            await_span: found.await_span,
        }),
        _ => None,
    }
}
