//! `double_lock`: a lock acquired again while its own guard is still alive.

use super::lock_wording::{
    GUESSED_CALLS, callee_name, guessed_note, guessed_severity, held_as, hold_reason,
};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::locks::DoubleLock;
use crate::analysis::locks::guards::HoldReason;
use crate::diagnostic::{Diagnostic, FixRequest, Label};
use crate::knowledge::locks::{LockKind, Mode};

declare_rule! {
    /// ## What it does
    /// Flags a lock that is acquired while a guard of the same lock is still alive on the
    /// same path: directly, through a helper that locks it (the call chain is shown), or
    /// through a guard that lives longer than it looks, such as a temporary in a `match`,
    /// `if let` or `while let` scrutinee, or two guards in one statement. A `read` after a
    /// `read` of the same `RwLock` and a `write` after a `read` are included. Reentrant
    /// mutexes are not. A sharded map (`DashMap`, `DashSet`) counts as a lock per shard:
    /// touching the map while a `Ref`/`RefMut`, entry or iterator into it is alive is
    /// reported, as certain for the same key or a whole-map call (`len`, `iter`,
    /// `retain`), and as possible for another key (both can fall in one shard). Dropping a
    /// value whose `Drop` locks again counts too, also when the value reaches the lock
    /// through a handle to the struct that made it (`Lease { pool: self }`, a clone of the
    /// maker's `Arc`), in a method of that struct holding the lock (a note says it assumes
    /// the value belongs to this `self`).
    ///
    /// ## Why is this bad?
    /// `std`, `parking_lot`, `spin` and `tokio` mutexes are not reentrant: the second
    /// `lock()` waits for a guard that the same thread will only drop after it returns, so
    /// the thread blocks forever. A second `read()` can also hang: once a writer is
    /// waiting, new readers queue behind it, and the writer waits for the first reader.
    ///
    /// ## Example
    /// ```rust,ignore
    /// match self.state.lock().unwrap().get(&id) {
    ///     // The scrutinee's guard is alive in every arm.
    ///     None => self.state.lock().unwrap().insert(id, value),
    ///     Some(_) => {}
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let mut state = self.state.lock().unwrap();
    /// if state.get(&id).is_none() {
    ///     state.insert(id, value);
    /// }
    /// ```
    ///
    /// The finding suggests a fix for a guard that lives longer than it looks: the
    /// scrutinee's value bound before the `match`/`if let` (`.is_some()` when the arms only
    /// test `Some(_)`/`None`, `.copied()` when they copy out of a reference, `.cloned()`
    /// to review otherwise), and one guard for a statement that locks twice. `cargo
    /// coordlint --fix` applies the ones the syntax proves keep every type the same.
    ///
    /// A read after a read is reported only when the analyzed code also write-locks that
    /// lock somewhere (the finding shows that write): readers only wait for each other
    /// behind a queued writer, so with no writer anywhere the pattern cannot hang. Locks
    /// whose readers never wait for writers (`spin`'s `RwLock`, `read_recursive`) are
    /// never reported for it.
    ///
    /// ## Known problems
    /// Two guards count as the same lock when they come from the same place (`self.state`,
    /// the same local or static, or the same text when the types are unknown, which the
    /// message then says). Locks reached through indexing (`self.shards[i]`) or through
    /// closures handed to unknown functions are not followed.
    ///
    /// ## Configuration
    /// Level (`-A/-W/-D double_lock`); an error by default. `guessed-calls` sets the level
    /// of findings that rest on a call matched to a workspace method by name only (the
    /// receiver's type unknown): a warning by default.
    pub static DOUBLE_LOCK = {
        name: "double_lock",
        level: Deny,
        summary: "a lock is acquired again while its guard is still alive",
        check: Some(Check::Program(check)),
        options: &[GUESSED_CALLS],
    };
}

/// Re-acquisition sites listed on one finding besides the first.
const MAX_LISTED_SITES: usize = 8;

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for group in per_function_and_lock(&context.program.locks.double_locks) {
        let mut diagnostic = finding(context, &group);
        if group.iter().all(|double| double.guessed) {
            let Some(severity) = guessed_severity(context) else {
                continue;
            };
            diagnostic.severity = severity;
            diagnostic = diagnostic.with_note(guessed_note(context.rule.name));
        }
        if let Some((value_type, maker)) = group
            .iter()
            .find_map(|double| double.through_maker.as_ref())
        {
            diagnostic = diagnostic.with_note(format!(
                "every `{}` is made by a `{}` method from its own `self`, so this assumes the value belongs to this `{}`",
                short_name(value_type),
                short_name(maker),
                short_name(maker),
            ));
        }
        out.push(diagnostic);
    }
}

/// One finding per lock per function: a statement or function that re-acquires one lock
/// several times is one problem, shown with every site and a count.
fn per_function_and_lock(doubles: &[DoubleLock]) -> Vec<Vec<&DoubleLock>> {
    let mut groups: Vec<Vec<&DoubleLock>> = Vec::new();
    for double in doubles {
        let same = |other: &&DoubleLock| {
            other.function == double.function
                && other.first.target.class == double.first.target.class
                && other.first.target.instance == double.first.target.instance
        };
        match groups.iter_mut().find(|group| same(&group[0])) {
            Some(group) => group.push(double),
            None => groups.push(vec![double]),
        }
    }
    for group in &mut groups {
        group.sort_by_key(|double| (primary_site(double), double.first.site));
    }
    groups
}

fn finding(context: &RuleContext<'_, '_>, group: &[&DoubleLock]) -> Diagnostic {
    let program = context.program;
    let double = group[0];
    let first = &double.first;
    let name = first.target.name();
    let recursive_read = first.mode == Mode::Shared && double.second_mode == Mode::Shared;
    let sharded = first.target.lock_type.kind == LockKind::ShardedMap;
    let same_shard = match (&first.shard, &double.second_shard) {
        (Some(first), Some(second)) => first.surely_same_shard(second),
        _ => false,
    };
    let mut message = if sharded {
        format!(
            "`{name}` is locked again while a reference into it (`Ref`/`RefMut`) is still alive{}",
            if same_shard {
                ", on the same shard"
            } else {
                ": this deadlocks whenever both keys fall in one shard"
            }
        )
    } else if recursive_read {
        format!("`{name}` is read-locked again while a read guard of it is still alive")
    } else {
        format!(
            "`{name}` is {} again while its guard is still alive",
            held_as(double.second_mode)
        )
    };
    if group.len() > 1 {
        message.push_str(&format!(" ({} times in this function)", group.len()));
    }
    let primary_text = if recursive_read {
        "this second read waits forever once a writer is queued behind the first one"
    } else {
        "this waits for the guard above, which this thread still holds: it never returns"
    };
    let primary_span = primary_site(double);
    let mut diagnostic = context
        .diagnostic(message, Label::new(primary_span, primary_text))
        .with_secondary(Label::new(
            first.site,
            format!(
                "`{name}` {} here; {}",
                held_as(first.mode),
                hold_reason(&first.reason)
            ),
        ));
    if !double.chain.is_empty() {
        let path: Vec<String> = double
            .chain
            .iter()
            .map(|(callee, _)| format!("`{}`", callee_name(program.function(*callee))))
            .collect();
        diagnostic = diagnostic
            .with_secondary(Label::new(
                double.second_site,
                format!("`{name}` is {} again here", held_as(double.second_mode)),
            ))
            .with_note(format!(
                "`{}` calls {}, which {} `{name}`",
                program.function(double.function).display_path(),
                path.join(" → "),
                held_as(double.second_mode).replace("locked", "locks")
            ));
    }
    if let (Some((closure, _)), true) = (&double.closure_call, double.chain.is_empty()) {
        diagnostic = diagnostic
            .with_secondary(Label::new(
                double.second_site,
                format!("`{name}` is {} again here", held_as(double.second_mode)),
            ))
            .with_note(format!(
                "`{closure}` is a closure that {} `{name}` when it is called",
                held_as(double.second_mode).replace("locked", "locks")
            ));
    }
    if let Some((writer, site)) = double.writer {
        let writer_name = program.function(writer).display_path();
        let label = format!(
            "`{writer_name}` write-locks `{name}`: a writer queued here makes the second read wait"
        );
        diagnostic = diagnostic.with_secondary(Label::new(site, label));
    }
    if first.target.class.is_textual() {
        diagnostic = diagnostic.with_note(format!(
            "the type of `{name}` is not known; both acquisitions lock the textually identical expression `{name}`"
        ));
    }
    diagnostic = add_other_sites(diagnostic, group, &name);
    if sharded {
        return diagnostic
            .with_note(format!(
                "each shard of `{name}` is behind a read-write lock; a `Ref`/`RefMut` (or an entry or iterator) holds its shard's lock until it is dropped"
            ))
            .with_help(
                "end the reference first (copy the value out: `map.get(&k).map(|r| r.clone())`), or make both changes through the one `RefMut`/entry".to_string(),
            );
    }
    if let Some(request) = fix_request(double) {
        diagnostic = diagnostic.with_fix_request(request);
    }
    diagnostic.with_help(if recursive_read {
        "use the first read guard for both reads, or drop it before reading again".to_string()
    } else {
        "drop the first guard before locking again (end its block or call `drop(guard)`), or pass the guard's data to the code that needs it".to_string()
    })
}

/// The fix for a guard that lives longer than it looks: a scrutinee's value bound first, or
/// one guard for a statement that locks twice (written by `crate::fixes`).
fn fix_request(double: &DoubleLock) -> Option<FixRequest> {
    let direct = double.chain.is_empty() && double.closure_call.is_none();
    match double.first.reason {
        HoldReason::MatchScrutinee | HoldReason::IfLetScrutinee | HoldReason::WhileLetScrutinee => {
            Some(FixRequest::HoistScrutinee {
                acquisition: double.first.site,
                second: primary_site(double),
            })
        }
        HoldReason::Temporary if direct => Some(FixRequest::ReuseGuard {
            first: double.first.site,
            second: double.second_site,
        }),
        _ => None,
    }
}

/// Where a re-acquisition shows in the function: the call that leads to it (of a
/// function or of a local closure), or itself.
fn primary_site(double: &DoubleLock) -> crate::span::Span {
    match (&double.closure_call, double.chain.first()) {
        (_, Some((_, call))) => *call,
        (Some((_, call)), None) => *call,
        (None, None) => double.second_site,
    }
}

/// The other re-acquisitions of the same lock in the same function, as labels (the first
/// few) and a count.
fn add_other_sites(mut diagnostic: Diagnostic, group: &[&DoubleLock], name: &str) -> Diagnostic {
    let mut listed = 0;
    for double in &group[1..] {
        let site = primary_site(double);
        if diagnostic.primary.span == site
            || diagnostic.secondary.iter().any(|label| label.span == site)
        {
            continue;
        }
        if listed == MAX_LISTED_SITES {
            break;
        }
        listed += 1;
        diagnostic = diagnostic.with_secondary(Label::new(
            site,
            format!("`{name}` is {} again here too", held_as(double.second_mode)),
        ));
    }
    let unlisted = group.len() - 1 - listed;
    if unlisted > 0 {
        diagnostic = diagnostic.with_note(format!(
            "{unlisted} more re-acquisitions of `{name}` in this function are not shown"
        ));
    }
    diagnostic
}

/// `crate::pool::Lease` → `Lease`.
fn short_name(path: &str) -> &str {
    crate::paths::last_segment(path)
}
