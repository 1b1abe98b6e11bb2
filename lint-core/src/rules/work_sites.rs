//! What the work-distribution rules (`unbounded_spawn`, `unbatched_io`) share: which
//! functions they leave alone and where they point at a call.

use crate::knowledge::std_items::{is_collecting_trait, is_test_module_name};
use crate::model::{Expr, ExprKind, Function};
use crate::span::Span;

/// Where to point at a call: from the method name to the end for a method call (a long
/// chain would otherwise start at its receiver), the whole expression otherwise.
pub fn call_span(expr: &Expr) -> Span {
    match &expr.kind {
        ExprKind::MethodCall { method, .. } => Span {
            byte_end: expr.span.byte_end,
            ..method.span()
        },
        _ => expr.span,
    }
}

/// Functions the rules leave alone: tests (also in `test`/`tests` module files, whose
/// `#[cfg(test)]` sits on the `mod` declaration in another file) and implementations of
/// `Extend`/`FromIterator`, which exist to take every item (`JoinSet: Extend<F>`).
pub fn is_exempt(function: &Function) -> bool {
    function.is_test
        || function
            .module_path
            .iter()
            .any(|module| is_test_module_name(module))
        || function
            .trait_path
            .as_ref()
            .is_some_and(|path| is_collecting_trait(path.last()))
}
