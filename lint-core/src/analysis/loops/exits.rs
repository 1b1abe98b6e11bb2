//! How a loop ends early: a call followed by `return`/`break` runs at most once per run of
//! the loop (`if found { tx.send(x); return; }`); a loop that leaves on the first success of
//! a call is a search, retry or fallback (`for url in mirrors { if let Ok(x) = get(url)
//! .await { return Ok(x) } }`); a loop that leaves when a counter it raises reaches a limit
//! (`count += 1; if count >= limit { break }`) runs a bounded number of times.

use super::FunctionLoops;
use crate::analysis::exprs::name_of;
use crate::knowledge::std_items::{is_success_check, is_success_variant};
use crate::model::{Block, Expr, ExprKind, Pattern, Stmt};
use crate::span::Span;

impl FunctionLoops<'_> {
    /// Whether the call at `site` runs at most once per run of the loop `scope`: the
    /// statement that holds it (in the loop's body, or in a block between) is followed by a
    /// `return` or `break`, or the call is part of one (`return Ok(fetch(x).await?)`).
    /// Closures, async blocks and inner loops on the way end the search: a `break` or
    /// `return` inside them leaves them, not this loop.
    pub fn leaves_after(&self, scope: usize, site: Span) -> bool {
        let Some(body) = self.scopes[scope].body else {
            return false;
        };
        let mut block = body;
        loop {
            let Some(position) = block
                .stmts
                .iter()
                .position(|stmt| stmt_span(stmt).contains(site))
            else {
                return false;
            };
            // A `continue` after the call, inside its own statement, can skip what follows.
            if !stmt_continues(&block.stmts[position]) && exits_later(&block.stmts[position + 1..])
            {
                return true;
            }
            match inner_block(&block.stmts[position], site) {
                Descent::Block(inner) => block = inner,
                Descent::Exit => return true,
                Descent::Stop => return false,
            }
        }
    }

    /// Whether the loop `scope` leaves (`return`/`break`) on the success of the call at
    /// `site`: in the `Ok(..)`/`Some(..)` branch of an `if let` or `match` on its result
    /// (or on a value computed from it), or under `if result.is_ok()`. Such a loop is a
    /// search, a retry or a fallback: in the common case the call is made once.
    pub fn stops_at_first_success(&self, scope: usize, site: Span) -> bool {
        let Some(body) = self.scopes[scope].body else {
            return false;
        };
        let derived = names_derived_from(body, site);
        let depends = |expr: &Expr| expr.span.contains(site) || mentions_any(expr, &derived);
        let mut found = false;
        walk_same_loop(body, &mut |expr| match &expr.kind {
            ExprKind::If(if_expr) => {
                if let Some(bound) = success_condition(&if_expr.condition, &depends) {
                    found |= leaves_with_success(&if_expr.then_branch, &bound);
                }
            }
            ExprKind::Match { scrutinee, arms } if depends(scrutinee) => {
                found |= arms.iter().any(|arm| {
                    is_success_pattern(&arm.pattern)
                        && match &arm.body.kind {
                            ExprKind::Block(block) => {
                                let bound: Vec<&str> = arm
                                    .pattern
                                    .bindings
                                    .iter()
                                    .map(|binding| binding.name.as_str())
                                    .collect();
                                leaves_with_success(block, &bound)
                            }
                            ExprKind::Return(_) | ExprKind::Break(_) => true,
                            _ => false,
                        }
                });
            }
            _ => {}
        });
        found
    }

    /// Whether the loop `scope` leaves when a counter it raises reaches a limit: a `break`
    /// or `return` under a condition that orders a local the loop assigns (`count += 1; if
    /// count >= limit { break }`). At most `limit` iterations run.
    pub fn capped_by_counter(&self, scope: usize) -> bool {
        let Some(body) = self.scopes[scope].body else {
            return false;
        };
        let mut assigned: Vec<&str> = Vec::new();
        walk_same_loop(body, &mut |expr| {
            if let ExprKind::Assign { target, .. } = &expr.kind
                && let ExprKind::Path(path) = &target.kind
                && path.segments.len() == 1
            {
                assigned.push(path.last());
            }
        });
        if assigned.is_empty() {
            return false;
        }
        let mut capped = false;
        walk_same_loop(body, &mut |expr| {
            if let ExprKind::If(if_expr) = &expr.kind
                && orders_one_of(&if_expr.condition, &assigned)
                && block_exits(&if_expr.then_branch)
            {
                capped = true;
            }
        });
        capped
    }
}

/// Where the statement holding the target leads.
enum Descent<'a> {
    /// Into this block, which holds the target.
    Block(&'a Block),
    /// The target is evaluated as part of a `return` or `break`.
    Exit,
    /// The target is reached without another block, or only through a closure, async block
    /// or loop.
    Stop,
}

fn stmt_span(stmt: &Stmt) -> Span {
    match stmt {
        Stmt::Let(let_stmt) => let_stmt.span,
        Stmt::Expr { expr, .. } => expr.span,
    }
}

/// The next block on the way from a statement down to `target`.
fn inner_block(stmt: &Stmt, target: Span) -> Descent<'_> {
    let mut current = match stmt {
        Stmt::Let(let_stmt) => {
            if let Some(else_block) = &let_stmt.else_block
                && else_block.span.contains(target)
            {
                return Descent::Block(else_block);
            }
            match &let_stmt.init {
                Some(init) => init,
                None => return Descent::Stop,
            }
        }
        Stmt::Expr { expr, .. } => expr,
    };
    loop {
        if current.span == target {
            return Descent::Stop;
        }
        match &current.kind {
            ExprKind::Closure { .. } | ExprKind::Async { .. } | ExprKind::Loop { .. } => {
                return Descent::Stop;
            }
            ExprKind::Return(_) | ExprKind::Break(_) => return Descent::Exit,
            ExprKind::Block(block) => return Descent::Block(block),
            ExprKind::If(if_expr) if if_expr.then_branch.span.contains(target) => {
                return Descent::Block(&if_expr.then_branch);
            }
            _ => {}
        }
        let mut next = None;
        current.for_each_child(&mut |child| {
            if next.is_none() && child.span.contains(target) {
                next = Some(child);
            }
        });
        match next {
            Some(child) => current = child,
            None => return Descent::Stop,
        }
    }
}

/// Whether one of `stmts` is a `return` or `break`, with no `continue` before it that could
/// skip it.
fn exits_later(stmts: &[Stmt]) -> bool {
    for stmt in stmts {
        let Stmt::Expr { expr, .. } = stmt else {
            if stmt_continues(stmt) {
                return false;
            }
            continue;
        };
        if matches!(expr.kind, ExprKind::Return(_) | ExprKind::Break(_)) {
            return true;
        }
        if stmt_continues(stmt) {
            return false;
        }
    }
    false
}

fn stmt_continues(stmt: &Stmt) -> bool {
    let mut found = false;
    let mut visit = |expr: &Expr| found |= matches!(expr.kind, ExprKind::Continue);
    match stmt {
        Stmt::Let(let_stmt) => {
            if let Some(init) = &let_stmt.init {
                init.walk(&mut visit);
            }
            if let Some(else_block) = &let_stmt.else_block {
                else_block.walk(&mut visit);
            }
        }
        Stmt::Expr { expr, .. } => expr.walk(&mut visit),
    }
    found
}

/// Every expression of a loop body that runs in this loop's iteration: not inside a
/// closure, an async block or an inner loop (their `break`/`return` do not leave this
/// loop).
fn walk_same_loop<'a>(body: &'a Block, visit: &mut dyn FnMut(&'a Expr)) {
    let mut stack: Vec<&'a Expr> = Vec::new();
    body.for_each_expr(&mut |expr| stack.push(expr));
    while let Some(expr) = stack.pop() {
        if matches!(
            expr.kind,
            ExprKind::Closure { .. } | ExprKind::Async { .. } | ExprKind::Loop { .. }
        ) {
            continue;
        }
        visit(expr);
        expr.for_each_child(&mut |child| stack.push(child));
    }
}

fn block_exits(block: &Block) -> bool {
    let mut found = false;
    walk_same_loop(block, &mut |expr| {
        found |= matches!(expr.kind, ExprKind::Return(_) | ExprKind::Break(_));
    });
    found
}

/// Whether a success branch leaves the loop: always (a `return`/`break` statement of its
/// own), or with the success value (`return Ok(bytes)` where `bytes` is what `Ok(bytes)`
/// bound). A branch that leaves only in a special case and otherwise goes on to the next
/// element is not a search.
fn leaves_with_success(branch: &Block, bound: &[&str]) -> bool {
    if branch.stmts.iter().any(|stmt| {
        matches!(stmt, Stmt::Expr { expr, .. }
            if matches!(expr.kind, ExprKind::Return(_) | ExprKind::Break(_)))
    }) {
        return true;
    }
    if bound.is_empty() {
        return false;
    }
    let mut found = false;
    walk_same_loop(branch, &mut |expr| {
        if let ExprKind::Return(Some(value)) | ExprKind::Break(Some(value)) = &expr.kind {
            found |= mentions_any(value, bound);
        }
    });
    found
}

/// `Ok(..)`, `Some(..)`.
fn is_success_pattern(pattern: &Pattern) -> bool {
    pattern.variant.as_deref().is_some_and(is_success_variant)
}

/// `let Ok(x) = <depends>` (also in a let chain), `<depends>.is_ok()`: the names the
/// success pattern binds (none for `is_ok()`), or `None` when the condition is not a test
/// for the call's success.
fn success_condition<'e>(
    condition: &'e Expr,
    depends: &dyn Fn(&Expr) -> bool,
) -> Option<Vec<&'e str>> {
    let mut found = None;
    let mut stack = vec![condition];
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Let { pattern, scrutinee }
                if is_success_pattern(pattern) && depends(scrutinee) =>
            {
                found = Some(
                    pattern
                        .bindings
                        .iter()
                        .map(|binding| binding.name.as_str())
                        .collect(),
                );
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_success_check(method) && depends(receiver) => {
                found = found.or(Some(Vec::new()));
            }
            ExprKind::LazyBoolean { lhs, rhs } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            _ => {}
        }
    }
    found
}

/// The names bound (in `body`, a few `let`s deep) from the value of the call at `site`:
/// `let res = call().await;` binds `res`, `let body = res?.text();` then binds `body`.
fn names_derived_from<'a>(body: &'a Block, site: Span) -> Vec<&'a str> {
    let mut names: Vec<&'a str> = Vec::new();
    for _round in 0..3 {
        let before = names.len();
        body.walk_blocks(&mut |block| {
            for stmt in &block.stmts {
                let Stmt::Let(let_stmt) = stmt else {
                    continue;
                };
                let Some(init) = &let_stmt.init else {
                    continue;
                };
                if init.span.contains(site) || mentions_any(init, &names) {
                    for binding in &let_stmt.pattern.bindings {
                        if !names.contains(&binding.name.as_str()) {
                            names.push(binding.name.as_str());
                        }
                    }
                }
            }
        });
        if names.len() == before {
            break;
        }
    }
    names
}

fn mentions_any(expr: &Expr, names: &[&str]) -> bool {
    if names.is_empty() {
        return false;
    }
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::Path(path) = &inner.kind
            && path.segments.len() == 1
            && names.contains(&path.last())
        {
            found = true;
        }
    });
    found
}

/// `count >= limit`, `limit < n`: an ordering with one of `names` on a side.
fn orders_one_of(condition: &Expr, names: &[&str]) -> bool {
    let mut found = false;
    condition.walk(&mut |expr| {
        if let ExprKind::Compare { lhs, rhs } = &expr.kind {
            found |= [lhs, rhs]
                .iter()
                .any(|side| name_of(side).is_some_and(|name| names.contains(&name)));
        }
    });
    found
}
