//! Shapes of expressions the analyses and rules name things by: the source of a method
//! chain, the name a receiver is known by, and a short rendering for messages.

use crate::knowledge::adaptors::{is_plain_iteration, is_same_value_method};
use crate::model::{Expr, ExprKind};

/// `x.await?` → `x`.
pub fn peel_await_try(expr: &Expr) -> &Expr {
    let mut current = expr;
    while let ExprKind::Await(inner) | ExprKind::Try(inner) = &current.kind {
        current = inner;
    }
    current
}

/// The expression at the bottom of a method chain (`users` in `users.iter().map(..)`).
pub fn chain_source(expr: &Expr) -> &Expr {
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::MethodCall { receiver, .. } => current = receiver,
            ExprKind::Await(inner)
            | ExprKind::Try(inner)
            | ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner) => current = inner,
            _ => return current,
        }
    }
}

/// The name a receiver is known by: `client` for `client`, `self.client`, `&client`,
/// `client.clone()`, `client.as_ref()`.
pub fn name_of(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::Path(path) => Some(path.last()),
        ExprKind::Field(field) => Some(&field.member),
        ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => name_of(expr),
        ExprKind::Await(expr) | ExprKind::Try(expr) => name_of(expr),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_same_value_method(method) => name_of(receiver),
        _ => None,
    }
}

/// A short rendering of a simple expression for messages: `ids`, `self.users`,
/// `listener.incoming()`; `None` for anything longer.
pub fn describe(expr: &Expr) -> Option<String> {
    let text = match &expr.kind {
        ExprKind::Path(path) => path.display(),
        ExprKind::Field(field) => format!("{}.{}", describe(&field.base)?, field.member),
        ExprKind::Reference { expr, .. } => describe(expr)?,
        ExprKind::MethodCall {
            receiver, method, ..
        } if method.args().is_empty() => {
            let base = describe(receiver)?;
            if is_plain_iteration(method) {
                return Some(base);
            }
            format!("{base}.{method}()")
        }
        _ => return None,
    };
    (text.len() <= 40).then_some(text)
}
