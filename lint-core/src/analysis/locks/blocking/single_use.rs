//! Reply senders used once: `if let Some(tx) = pending.remove(&id) { tx.send(reply).await }`
//! under the map's guard does not wait when each sender belongs to a channel made for it
//! alone with room for a message (`let (tx, rx) = channel(1); pending.insert(id, tx);`,
//! the sender never cloned) and is taken out of the map and sent on once: the one message
//! the channel ever carries fits (request/response correlation in RPC and LSP clients).
//!
//! Senders taken out all at once (`for (id, tx) in pending.drain()`) count the same way.
//!
//! The senders' channels must be traced to their construction ([`super::origins`]); a
//! sender that reaches the map inside a message sent over another channel (helix's
//! `Payload::Request { chan }`) is not, so its send is still reported.
//!
//! What is not seen: a send on the same sender through a lookup (`pending.get(&id)`)
//! elsewhere, before it is taken out, which could fill the channel first.

use super::Inputs;
use super::origins::{Origin, Origins, peel_result};
use super::values::FunctionValues;
use crate::knowledge::collections::{drains, takes_element_out};
use crate::model::{Block, Expr, ExprKind, Function, LoopKind, Stmt};
use crate::span::Span;

/// Whether the send `call` on the local `receiver` is the only message its channel carries.
pub fn is_single_use_send(
    inputs: &Inputs<'_, '_>,
    values: &FunctionValues<'_>,
    call: &Expr,
    receiver: &Expr,
    origins: &Origins,
) -> bool {
    let Some(sender) = local_name(receiver) else {
        return false;
    };
    let body = values.body;
    let Some(taken_at) = taking_binding(body, sender, call.span) else {
        return false;
    };
    // The sites of a lock that holds the channel ends are origins too; they do not count.
    let mut channels = origins
        .iter()
        .filter(|origin| origin.bounded.is_some())
        .peekable();
    sent_once_after(body, sender, taken_at, call, receiver)
        && channels.peek().is_some()
        && channels.all(|origin| made_for_one_message(inputs, origin))
}

/// The initializer (or `if let` scrutinee) of the last binding of `name` before `before`,
/// when it takes an element out of a collection (`map.remove(&id)`, `queue.pop_front()`).
fn taking_binding(body: &Block, name: &str, before: Span) -> Option<Span> {
    let mut last: Option<(Span, bool)> = None;
    let mut note = |value: &Expr, binds: bool| {
        if binds && value.span.byte_end <= before.byte_start {
            let later = last.is_none_or(|(span, _)| span.byte_start < value.span.byte_start);
            if later {
                last = Some((value.span, takes_out(value)));
            }
        }
    };
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let Some(init) = &let_stmt.init
            {
                let binds = let_stmt.pattern.bindings.iter().any(|b| b.name == name);
                note(init, binds);
            }
        }
    });
    body.walk(&mut |expr| match &expr.kind {
        ExprKind::Let { pattern, scrutinee } => {
            let binds = pattern.bindings.iter().any(|b| b.name == name);
            note(scrutinee, binds);
        }
        ExprKind::Loop(loop_expr) if let LoopKind::For(head) = &loop_expr.kind => {
            let binds = head.pattern.bindings.iter().any(|b| b.name == name);
            note(&head.iterable, binds);
        }
        _ => {}
    });
    last.and_then(|(span, taken)| taken.then_some(span))
}

/// `x.remove(..)` or `x.drain()`, possibly awaited, unwrapped or behind `?`.
fn takes_out(value: &Expr) -> bool {
    matches!(&peel_result(value).kind, ExprKind::MethodCall { method, .. }
        if takes_element_out(method) || drains(method))
}

/// `tx` for a local used as a receiver.
pub(super) fn local_name(receiver: &Expr) -> Option<&str> {
    match &receiver.kind {
        ExprKind::Path(path) if path.segments.len() == 1 => Some(path.last()),
        _ => None,
    }
}

/// No loop or closure repeats the send at `call` without what made the sender (at
/// `made_at`: its binding or its channel's constructor), and the sender is not used
/// between the two.
pub(super) fn sent_once_after(
    body: &Block,
    sender: &str,
    made_at: Span,
    call: &Expr,
    receiver: &Expr,
) -> bool {
    let mut once = true;
    body.walk(&mut |expr| {
        let repeats = matches!(expr.kind, ExprKind::Loop { .. } | ExprKind::Closure { .. })
            && expr.span.contains(call.span)
            && !expr.span.contains(made_at);
        let mentioned = is_name(expr, sender)
            && expr.span.byte_start > made_at.byte_end
            && expr.span.byte_end <= call.span.byte_start
            && !receiver.span.contains(expr.span);
        once &= !repeats && !mentioned;
    });
    once
}

/// A channel made with room for a message whose sender is moved once into a call (stored
/// away) and never cloned.
fn made_for_one_message(inputs: &Inputs<'_, '_>, origin: &Origin) -> bool {
    if origin.bounded != Some(true) || origin.rendezvous {
        return false;
    }
    super::note_read_of_file(origin.site.file.0 as usize);
    let facts = &inputs.typing.types.files[origin.site.file.0 as usize];
    let Some(function) = facts
        .functions
        .iter()
        .find(|function| function.body.span.contains(origin.site))
    else {
        return false;
    };
    let Some(sender) = sender_bound_at(function, origin.site) else {
        return false;
    };
    let has_room = constructor_capacity(function, origin.site)
        .and_then(|capacity| facts.integer_literal(capacity))
        .is_some_and(|capacity| capacity >= 1);
    has_room && moved_once(&function.body, &sender, origin.site)
}

/// `tx` in `let (tx, rx) = channel(1)` where the call is at `site`.
fn sender_bound_at(function: &Function, site: Span) -> Option<String> {
    let mut sender = None;
    function.body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.init.as_ref().is_some_and(|init| init.span == site)
            {
                sender = let_stmt.pattern.tuple_names.first().cloned().flatten();
            }
        }
    });
    sender
}

/// The span of the capacity argument of the constructor call at `site`.
fn constructor_capacity(function: &Function, site: Span) -> Option<Span> {
    let mut capacity = None;
    function.body.walk(&mut |expr| {
        if expr.span == site
            && let ExprKind::Call { args, .. } = &expr.kind
        {
            capacity = args.first().map(|arg| arg.span);
        }
    });
    capacity
}

/// Whether `name` is mentioned once after `after`, moved into a call or a struct literal.
fn moved_once(body: &Block, name: &str, after: Span) -> bool {
    let (mut mentions, mut moved) = (0usize, 0usize);
    body.walk(&mut |expr| {
        if is_name(expr, name) && expr.span.byte_start > after.byte_end {
            mentions += 1;
        }
        moved += match &expr.kind {
            ExprKind::Call { args, .. } => args.iter().filter(|arg| is_name(arg, name)).count(),
            ExprKind::MethodCall { method, .. } => method
                .args()
                .iter()
                .filter(|arg| is_name(arg, name))
                .count(),
            ExprKind::Struct(literal) => literal
                .fields
                .iter()
                .filter(|(_, value)| is_name(value, name))
                .count(),
            _ => 0,
        };
    });
    mentions == 1 && moved == 1
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(&expr.kind, ExprKind::Path(path) if path.segments.len() == 1 && path.last() == name)
}
