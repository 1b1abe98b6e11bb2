//! What drives a loop or a per-item closure: the iterated collection, accepted connections,
//! received messages, stream items, a work list, chunks, a literal or fixed count, retries.

use super::{Collector, Driver};
use crate::analysis::exprs::{name_of, peel_await_try};
use crate::knowledge::adaptors::{
    is_chunking, is_flattening, is_iteration_passthrough, is_result_adapter,
    is_stream_from_collection, is_take,
};
use crate::knowledge::bounds::{names_retry, names_worker_count};
use crate::knowledge::channels::{
    is_event_loop_poll, is_receive_in_loop_body, is_receive_method, is_receiver_name,
    is_receiver_stream_constructor,
};
use crate::knowledge::macros::is_vec_literal;
use crate::knowledge::sources::{
    is_accept_in_loop_body, is_accept_method, is_incoming, is_length_method, is_next_item_method,
    is_pop_method, names_connections, names_multiplexed_connection,
};
use crate::model::{CollectionLiteral, Expr, ExprKind, Pattern};

impl Collector<'_, '_> {
    /// What drives `for _ in iterable`.
    pub(super) fn classify_iterable(&self, iterable: &Expr) -> Driver {
        let mut current = iterable;
        loop {
            match &current.kind {
                ExprKind::Reference { expr, .. } => current = expr,
                ExprKind::MethodCall {
                    receiver, method, ..
                } => {
                    if is_incoming(method) {
                        return Driver::Connections;
                    }
                    if is_chunking(method) {
                        return Driver::Chunks;
                    }
                    // `.take(3)`: at most a literal count of items.
                    if is_take(method)
                        && method
                            .args()
                            .first()
                            .is_some_and(|arg| matches!(arg.kind, ExprKind::Literal))
                    {
                        return Driver::Literal;
                    }
                    if !is_iteration_passthrough(method) {
                        // `ids.chunks(100).map(Batch::new)`: still one item per slice.
                        return if chunked_below(receiver) {
                            Driver::Chunks
                        } else {
                            Driver::Collection
                        };
                    }
                    current = receiver;
                }
                ExprKind::Macro(call) if is_vec_literal(call.path.last()) => {
                    return Driver::Literal;
                }
                ExprKind::Compound(parts) => {
                    return match self.literal_kind(current) {
                        Some(CollectionLiteral::Array) => Driver::Literal,
                        Some(CollectionLiteral::Range) => classify_range_end(parts.last()),
                        None => Driver::Collection,
                    };
                }
                ExprKind::Path(path)
                    if path.segments.len() == 1 && is_receiver_name(path.last()) =>
                {
                    return Driver::Messages;
                }
                ExprKind::Path(path)
                    if path.segments.len() == 1 && self.literal_names.contains(&path.last()) =>
                {
                    return Driver::Literal;
                }
                ExprKind::Path(path)
                    if path.segments.len() == 1 && self.chunk_names.contains(&path.last()) =>
                {
                    return Driver::Chunks;
                }
                // A `const` or `static` (SCREAMING_CASE) is fixed when the program is built:
                // `for delay in DELAYS` does not grow with input.
                ExprKind::Path(path) if is_constant_name(path.last()) => return Driver::Literal,
                _ => return Driver::Collection,
            }
        }
    }

    /// What drives `while let pattern = scrutinee`.
    pub(super) fn classify_while_let(&self, scrutinee: &Expr) -> Driver {
        let awaited = matches!(strip_try(scrutinee).kind, ExprKind::Await(_));
        let ExprKind::MethodCall {
            receiver, method, ..
        } = &peel_await_try(strip_try(scrutinee)).kind
        else {
            return Driver::Unknown;
        };
        if is_accept_method(method) {
            let source = name_of(receiver).unwrap_or_default().to_lowercase();
            if names_multiplexed_connection(&source) {
                Driver::Streams
            } else {
                Driver::Connections
            }
        } else if is_receive_method(method) {
            Driver::Messages
        } else if is_next_item_method(method) {
            let source = name_of(receiver).unwrap_or_default().to_lowercase();
            if names_connections(&source) {
                Driver::Connections
            } else if is_receiver_name(&source) {
                Driver::Messages
            } else if awaited {
                Driver::StreamItems
            } else {
                Driver::Collection
            }
        } else if is_pop_method(method) {
            Driver::WorkList
        } else {
            Driver::Unknown
        }
    }

    /// What drives a per-item closure: the source at the bottom of the receiver chain.
    pub(super) fn classify_chain(&self, receiver: &Expr) -> Driver {
        let mut current = receiver;
        loop {
            match &current.kind {
                ExprKind::MethodCall {
                    receiver, method, ..
                } => {
                    if is_incoming(method) {
                        return Driver::Connections;
                    }
                    if is_chunking(method) {
                        return Driver::Chunks;
                    }
                    current = receiver;
                }
                ExprKind::Reference { expr, .. } => current = expr,
                ExprKind::Call { callee, args } => {
                    if let ExprKind::Path(path) = &callee.kind
                        && is_stream_from_collection(path.last())
                        && let Some(arg) = args.first()
                    {
                        return self.classify_iterable(arg);
                    }
                    if let ExprKind::Path(path) = &callee.kind
                        && is_receiver_stream_constructor(&path.segments)
                    {
                        return Driver::Messages;
                    }
                    return Driver::Collection;
                }
                _ => return self.classify_iterable(current),
            }
        }
    }
}

impl Collector<'_, '_> {
    /// Whether `iterable` is a range whose end comes from input (see
    /// [`super::IterationScope::counts_input`]).
    pub(super) fn counts_input(&self, iterable: &Expr) -> bool {
        let mut current = iterable;
        loop {
            match &current.kind {
                ExprKind::Reference { expr, .. } => current = expr,
                ExprKind::MethodCall {
                    receiver, method, ..
                } if is_iteration_passthrough(method) => current = receiver,
                ExprKind::Compound(parts)
                    if self.literal_kind(current) == Some(CollectionLiteral::Range) =>
                {
                    return parts.last().is_some_and(|end| self.mentions_input(end));
                }
                _ => return false,
            }
        }
    }

    /// A parameter, a field of one, or a length.
    fn mentions_input(&self, end: &Expr) -> bool {
        let mut found = false;
        end.walk(&mut |expr| match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                found |= self.params.contains(&path.last());
            }
            ExprKind::MethodCall { method, .. } => found |= is_length_method(method),
            _ => {}
        });
        found
    }
}

/// What a range's end says about the loop: `0..3`, `0..WORKERS`, `0..workers`, `0..v.len()`.
fn classify_range_end(end: Option<&Expr>) -> Driver {
    let Some(end) = end else {
        return Driver::Collection;
    };
    match &end.kind {
        ExprKind::Literal => Driver::Literal,
        ExprKind::MethodCall { method, .. } if is_length_method(method) => Driver::Collection,
        _ => {
            let mut names = String::new();
            end.walk(&mut |expr| match &expr.kind {
                ExprKind::Path(path) => {
                    for segment in &path.segments {
                        names.push_str(segment);
                        names.push(' ');
                    }
                }
                ExprKind::Field(field) => {
                    names.push_str(&field.member);
                    names.push(' ');
                }
                ExprKind::MethodCall { method, .. } => {
                    names.push_str(method);
                    names.push(' ');
                }
                _ => {}
            });
            let constant = names
                .split_whitespace()
                .next_back()
                .is_some_and(|name| name.len() > 1 && !name.chars().any(char::is_lowercase));
            let lower = names.to_lowercase();
            if names_retry(&lower) {
                Driver::Retries
            } else if constant || names_worker_count(&lower) {
                Driver::FixedCount
            } else if lower.contains("len ") {
                Driver::Collection
            } else {
                Driver::Count
            }
        }
    }
}

/// Whether a method chain slices a collection (`chunks(n)`) with nothing after it that
/// flattens the slices back into items.
fn chunked_below(chain: &Expr) -> bool {
    let mut current = chain;
    loop {
        match &current.kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                if is_flattening(method) {
                    return false;
                }
                if is_chunking(method) {
                    return true;
                }
                current = receiver;
            }
            ExprKind::Reference { expr, .. } => current = expr,
            _ => return false,
        }
    }
}

/// Whether a `let` initializer builds slices of a collection (`ids.chunks(100).map(..)
/// .collect()`, in any branch of an `if`/`match`): iterating the binding is per slice.
pub(super) fn builds_chunks(init: &Expr) -> bool {
    let mut values = vec![init];
    let mut found = false;
    while let Some(value) = values.pop() {
        match &value.kind {
            ExprKind::Block(block) => values.extend(block.tail()),
            ExprKind::If(if_expr) => {
                values.extend(if_expr.then_branch.tail());
                values.extend(if_expr.else_branch.as_ref());
            }
            ExprKind::Match { arms, .. } => values.extend(arms.iter().map(|arm| &arm.body)),
            ExprKind::Try(inner) | ExprKind::Await(inner) => values.push(inner),
            _ => found |= chunked_below(value),
        }
    }
    found
}

/// A plain `loop`/`while`: a connection accept or a receive in the body drives it.
pub(super) fn driver_in_body(per_iteration: &[&Expr]) -> Driver {
    let mut driver = Driver::Unknown;
    for expr in per_iteration {
        expr.walk(&mut |inner| {
            let ExprKind::MethodCall {
                receiver, method, ..
            } = &inner.kind
            else {
                return;
            };
            let receiver_name = name_of(receiver).unwrap_or_default();
            let found = if is_accept_in_loop_body(method) {
                Driver::Connections
            } else if is_receive_in_loop_body(method) || is_event_loop_poll(receiver_name, method) {
                Driver::Messages
            } else {
                return;
            };
            if driver != Driver::Connections {
                driver = found;
            }
        });
    }
    driver
}

pub(super) fn pattern_names_retry(pattern: &Pattern) -> bool {
    pattern
        .bindings
        .iter()
        .any(|binding| names_retry(&binding.name.to_lowercase()))
}

/// `x?`, and the error adapters around a result: `x.map_err(..)?`, `x.ok()`, `x.unwrap()`.
fn strip_try(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) => strip_try(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => strip_try(receiver),
        _ => expr,
    }
}

/// `SLOWNESSES`, `MAX_RETRIES`: the naming convention of `const` and `static` items.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
