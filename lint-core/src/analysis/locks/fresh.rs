//! Values a function built itself: `let restored = catalog.current_usage();` where
//! `current_usage` ends in `UsageTracker::new(..)`, which stores `Arc::new(RwLock::new(..))`
//! in the field. Until the value escapes, its lock is reachable from this thread only, so a
//! nesting with another lock of its class cannot be half of a deadlock.
//!
//! A local counts as fresh for a field when its only `let` is initialized by a struct
//! literal that puts a new shared allocation (`Arc::new`/`Rc::new`) in that field, or by a
//! call whose every workspace callee returns such a value (followed through `Self::new(..)`
//! and locals, a few calls deep, and only through functions with a single result, no
//! `return`). It stays unescaped when every mention of it in the body takes that field's
//! lock (`restored.inner.read()`): no clone, no argument, no move.

use super::super::FunctionRef;
use crate::analysis::call_sites::CallSites;
use crate::knowledge::adaptors::is_result_adapter;
use crate::knowledge::locks::{acquire_method, is_shared_pointer_new_path};
use crate::knowledge::std_items::is_success_variant;
use crate::model::{Block, Expr, ExprKind, Function, Stmt};

/// How many calls deep a constructor is followed.
const MAX_DEPTH: usize = 3;

/// What the check reads about the program.
pub struct Program<'a> {
    pub function: &'a dyn Fn(FunctionRef) -> &'a Function,
    pub call_sites: &'a CallSites,
}

/// Whether `local`, a local of `function`, holds a value built here whose `field` lock no
/// other thread can reach.
pub fn is_fresh_unescaped(
    program: &Program<'_>,
    function: FunctionRef,
    local: &str,
    field: &str,
) -> bool {
    let body = &(program.function)(function).body;
    let Some(init) = only_initializer(body, local) else {
        return false;
    };
    builds_fresh(program, function, init, field, 0) && only_locked(body, local, field)
}

/// The initializer of the single `let local = ..` in `body` (none if shadowed or absent).
fn only_initializer<'b>(body: &'b Block, local: &str) -> Option<&'b Expr> {
    let mut found: Vec<Option<&'b Expr>> = Vec::new();
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.pattern.bindings.iter().any(|b| b.name == local)
            {
                let simple = let_stmt.pattern.simple_name() == Some(local);
                found.push(let_stmt.init.as_ref().filter(|_| simple));
            }
        }
    });
    match found.as_slice() {
        [Some(init)] => Some(init),
        _ => None,
    }
}

/// Whether `expr`, evaluated in `function`, is a new value whose `field` is a new allocation.
fn builds_fresh(
    program: &Program<'_>,
    function: FunctionRef,
    expr: &Expr,
    field: &str,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let expr = peel_result(expr);
    match &expr.kind {
        ExprKind::Struct(literal) => literal
            .fields
            .iter()
            .find(|(name, _)| name == field)
            .is_some_and(|(_, value)| is_new_allocation(value)),
        ExprKind::Call { .. } | ExprKind::MethodCall { .. } => {
            let Some(site) = program.call_sites.at(function, expr.span) else {
                return false;
            };
            !site.callees.is_empty()
                && site
                    .callees
                    .iter()
                    .all(|callee| returns_fresh(program, *callee, field, depth + 1))
        }
        ExprKind::Path(path) if path.segments.len() == 1 => {
            let body = &(program.function)(function).body;
            only_initializer(body, path.last())
                .is_some_and(|init| builds_fresh(program, function, init, field, depth + 1))
        }
        ExprKind::Block(block) => block
            .tail()
            .is_some_and(|tail| builds_fresh(program, function, tail, field, depth + 1)),
        _ => false,
    }
}

/// Whether every value `callee` returns is built fresh (one result: its tail, no `return`).
fn returns_fresh(program: &Program<'_>, callee: FunctionRef, field: &str, depth: usize) -> bool {
    let body = &(program.function)(callee).body;
    let Some(tail) = body.tail() else {
        return false;
    };
    let mut returns_early = false;
    body.walk(&mut |expr| returns_early |= matches!(expr.kind, ExprKind::Return(_)));
    !returns_early && builds_fresh(program, callee, tail, field, depth)
}

/// `Arc::new(..)` / `Rc::new(..)`.
fn is_new_allocation(value: &Expr) -> bool {
    matches!(&value.kind, ExprKind::Call { callee, .. }
        if matches!(&callee.kind, ExprKind::Path(path) if is_shared_pointer_new_path(&path.segments)))
}

/// `Ok(x)`, `Some(x)`, `x?`, `x.unwrap()` → `x`.
fn peel_result(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) => peel_result(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => peel_result(receiver),
        ExprKind::Call { callee, args }
            if args.len() == 1
                && matches!(&callee.kind, ExprKind::Path(path)
                    if path.segments.len() == 1 && is_success_variant(path.last())) =>
        {
            peel_result(&args[0])
        }
        _ => expr,
    }
}

/// Whether every mention of `local` in `body` is `local.<field>.<acquire>()`.
fn only_locked(body: &Block, local: &str, field: &str) -> bool {
    let is_local = |expr: &Expr| matches!(&expr.kind, ExprKind::Path(path) if path.segments.len() == 1 && path.last() == local);
    let (mut mentions, mut locked) = (0usize, 0usize);
    body.walk(&mut |expr| match &expr.kind {
        ExprKind::Path(_) if is_local(expr) => mentions += 1,
        ExprKind::MethodCall {
            receiver, method, ..
        } if acquire_method(method).is_some()
            && matches!(&receiver.kind, ExprKind::Field(access)
                if access.member == field && is_local(&access.base)) =>
        {
            locked += 1
        }
        _ => {}
    });
    mentions == locked
}
