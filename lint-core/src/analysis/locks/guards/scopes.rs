//! Rust's drop-scope rules: where a guard's life ends. Blocks and their tail expressions,
//! statements and `let` bindings (with temporary lifetime extension), the scrutinees of
//! `if let`, `match` and `while let` (edition-aware), `for` iterators, and reassignment.

use super::{Flow, Held, HoldReason, Value, Walker};
use crate::analysis::locks::identity::Identity;
use crate::knowledge::collections::is_success_variant;
use crate::knowledge::locks::is_failed_try_variant;
use crate::model::{Block, Expr, ExprKind, LoopKind, Stmt};
use crate::source::Edition;

/// Closures bound to locals remembered per function (their bodies are copied).
const MAX_LOCAL_CLOSURES: usize = 16;

impl Walker<'_, '_> {
    pub(super) fn block(&mut self, block: &Block) -> Flow {
        let scope = self.new_scope();
        let enclosing_temp = self.temp_scopes.last().copied();
        self.block_scopes.push(scope);
        let mut flow = Flow::NONE;
        let last = block.stmts.len().saturating_sub(1);
        for (index, stmt) in block.stmts.iter().enumerate() {
            flow = match stmt {
                Stmt::Expr { expr, semi: false } if index == last => {
                    self.tail(expr, enclosing_temp)
                }
                _ => self.stmt(stmt),
            };
            if flow.diverges {
                break;
            }
        }
        if let Value::Guard(id) = flow.value {
            // The block's value leaves the block; it belongs to the enclosing statement.
            let target = enclosing_temp.unwrap_or(0);
            if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
                held.scope = target;
            }
        }
        self.end_scope(scope);
        self.block_scopes.pop();
        flow
    }

    /// A block's tail expression: its temporaries outlive the block before edition 2024.
    pub(super) fn tail(&mut self, expr: &Expr, enclosing_temp: Option<u32>) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let flow = self.expr(expr);
        if let Value::Guard(id) = flow.value
            && let Some(held) = self.held.iter_mut().find(|held| held.id == id)
        {
            held.scope = enclosing_temp.unwrap_or(0);
        }
        self.temp_scopes.pop();
        if self.context.edition >= Edition::E2024 {
            self.end_scope(scope);
        } else {
            self.move_scope(scope, enclosing_temp);
        }
        flow
    }

    pub(super) fn stmt(&mut self, stmt: &Stmt) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let flow = match stmt {
            Stmt::Let(let_stmt) => {
                let mut flow = Flow::NONE;
                let held_before: Vec<_> = self.held.iter().map(|held| held.id).collect();
                if let Some(init) = &let_stmt.init {
                    flow = self.expr(init);
                    if !flow.diverges {
                        self.bind_let(let_stmt, init, flow.value, scope);
                    }
                }
                if let Some(else_block) = &let_stmt.else_block {
                    // The pattern did not match: the initializer's value and temporaries
                    // are dropped before the `else` block runs.
                    let after = self.held.clone();
                    self.held.retain(|held| held_before.contains(&held.id));
                    self.block(else_block);
                    self.held = after;
                }
                Flow {
                    value: Value::None,
                    diverges: flow.diverges,
                }
            }
            Stmt::Expr { expr, .. } => {
                let flow = self.expr(expr);
                Flow {
                    value: Value::None,
                    diverges: flow.diverges,
                }
            }
        };
        self.temp_scopes.pop();
        self.end_scope(scope);
        flow
    }

    /// `let tar = ..;` shadows an earlier `tar`: a guard held on `tar.inner` is not on
    /// whatever `tar.inner` names from now on, so its instance is no longer known.
    fn forget_shadowed_instances(&mut self, name: &str) {
        for held in &mut self.held {
            let shadowed = held.target.instance.as_deref().is_some_and(|instance| {
                instance == name
                    || instance
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.'))
            });
            if shadowed {
                held.target.instance = None;
            }
        }
    }

    /// `let (mut state, started) = (self.state.lock().unwrap(), Instant::now());`: a
    /// guard made in a position of a tuple is held by the binding at that position.
    fn bind_tuple_guards(&mut self, pattern: &crate::model::Pattern, init: &Expr, temp_scope: u32) {
        let ExprKind::Compound(parts) = &init.kind else {
            return;
        };
        if parts.len() != pattern.tuple_names.len() {
            return;
        }
        let block_scope = self.current_block_scope();
        for (name, part) in pattern.tuple_names.iter().zip(parts) {
            let Some(name) = name else { continue };
            let inside = |held: &Held| {
                held.scope == temp_scope
                    && held.site.byte_start >= part.span.byte_start
                    && held.site.byte_end <= part.span.byte_end
                    && held.site.file == part.span.file
            };
            if let Some(held) = self.held.iter_mut().rev().find(|held| inside(held)) {
                held.scope = block_scope;
                held.binding = Some(name.clone());
                held.reason = HoldReason::Binding(name.clone());
            }
        }
    }

    pub(super) fn bind_let(
        &mut self,
        let_stmt: &crate::model::LetStmt,
        init: &Expr,
        value: Value,
        temp_scope: u32,
    ) {
        let block_scope = self.current_block_scope();
        let name = let_stmt
            .pattern
            .simple_name()
            .or_else(|| {
                let_stmt
                    .pattern
                    .bindings
                    .first()
                    .map(|binding| binding.name.as_str())
            })
            .map(str::to_string);
        if let Some(name) = &name {
            self.context.identity.aliases.remove(name);
            self.forget_shadowed_instances(name);
            self.declared.push((name.clone(), block_scope));
            self.local_closures.retain(|(local, _)| local != name);
            if let ExprKind::Closure(closure) = &init.kind
                && !closure.is_async
                && let_stmt.pattern.is_simple
                && self.local_closures.len() < MAX_LOCAL_CLOSURES
            {
                self.local_closures
                    .push((name.clone(), closure.body.clone()));
            }
        }
        match value {
            Value::Guard(id) if !let_stmt.pattern.is_wildcard => {
                if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
                    held.scope = block_scope;
                    held.binding = name.clone();
                    held.reason = HoldReason::Binding(name.unwrap_or_else(|| "_".to_string()));
                }
            }
            Value::Guard(_) => {}
            Value::None if !let_stmt.pattern.is_simple => {
                self.bind_tuple_guards(&let_stmt.pattern, init, temp_scope);
                // `let (a1, b1) = (Arc::clone(&a), Arc::clone(&b));`
                if let ExprKind::Compound(parts) = &init.kind
                    && parts.len() == let_stmt.pattern.bindings.len()
                {
                    for (binding, part) in let_stmt.pattern.bindings.iter().zip(parts) {
                        self.context.identity.aliases.remove(binding.name.as_str());
                        if let Identity::Lock(target) = self.context.identity.identify(part) {
                            self.context
                                .identity
                                .aliases
                                .insert(binding.name.to_string(), target);
                        }
                    }
                }
            }
            Value::None => {
                if let (Some(name), Identity::Lock(target)) = (
                    let_stmt.pattern.simple_name(),
                    self.context.identity.identify(init),
                ) {
                    self.context
                        .identity
                        .aliases
                        .insert(name.to_string(), target);
                }
            }
        }
        if matches!(init.kind, ExprKind::Reference { .. }) {
            for held in &mut self.held {
                if held.scope == temp_scope {
                    held.scope = block_scope;
                    held.reason = HoldReason::Extended;
                }
            }
        }
    }

    pub(super) fn if_expr(
        &mut self,
        condition: &Expr,
        then_branch: &Block,
        else_branch: Option<&Expr>,
    ) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let first_id = self.next_id;
        let condition_flow = self.expr(condition);
        self.temp_scopes.pop();
        if condition_flow.diverges {
            self.end_scope(scope);
            return Flow::DIVERGES;
        }
        let is_let = contains_let(condition);
        if is_let {
            self.relabel_scope(scope, first_id, HoldReason::IfLetScrutinee);
        } else {
            // A plain condition is a temporary scope of its own.
            self.end_scope(scope);
        }
        let before = self.held.clone();
        // `if held.is_none() { .. }`: the `Option` holds no guard in that branch (and in
        // the `else` of `is_some()`).
        let (empty_in_then, empty_in_else) = option_checked_empty(condition);
        if let Some(name) = empty_in_then {
            self.held
                .retain(|held| held.binding.as_deref() != Some(name));
        }
        let then_flow = self.block(then_branch);
        let after_then = std::mem::replace(&mut self.held, before);
        if let Some(name) = empty_in_else {
            self.held
                .retain(|held| held.binding.as_deref() != Some(name));
        }
        if is_let && self.context.edition >= Edition::E2024 {
            self.end_scope(scope);
        }
        if is_let {
            // `if let Ok(g) = m.try_lock() { .. } else { .. }`: the `else` runs when the
            // try failed, holding nothing.
            self.held
                .retain(|held| !(held.is_try && held.id > first_id));
        }
        let else_flow = match else_branch {
            Some(else_branch) => self.expr(else_branch),
            None => Flow::NONE,
        };
        let after_else = std::mem::take(&mut self.held);
        self.held = merge(&[(then_flow, after_then), (else_flow, after_else)]);
        let enclosing = self.temp_scopes.last().copied();
        self.move_scope(scope, enclosing);
        Flow {
            value: Value::None,
            diverges: then_flow.diverges && else_flow.diverges,
        }
    }

    pub(super) fn match_expr(&mut self, scrutinee: &Expr, arms: &[crate::model::Arm]) -> Flow {
        let first_id = self.next_id;
        let scrutinee_flow = self.expr(scrutinee);
        if scrutinee_flow.diverges {
            return Flow::DIVERGES;
        }
        let scope = self.current_temp_scope();
        self.relabel_scope(scope, first_id, HoldReason::MatchScrutinee);
        let before = self.held.clone();
        let mut outcomes = Vec::new();
        let mut success_matched = false;
        for arm in arms {
            self.held = before.clone();
            self.bind_pattern_to_guard(&arm.pattern, scrutinee_flow.value);
            let variant = arm.pattern.variant.as_deref();
            // `_` after an `Ok(..)`/`Some(..)` arm matches only the failure.
            let failure_arm = variant.is_some_and(is_failed_try_variant)
                || (arm.pattern.is_wildcard && success_matched);
            success_matched |= arm.guard.is_none() && variant.is_some_and(is_success_variant);
            if failure_arm {
                // A failed `try_lock` holds nothing in its `Err`/`None` arm.
                self.held
                    .retain(|held| !(held.is_try && held.id > first_id));
            }
            if let Some(guard) = &arm.guard {
                self.closure_body(guard);
            }
            let flow = self.closure_body(&arm.body);
            outcomes.push((flow, std::mem::take(&mut self.held)));
        }
        if outcomes.is_empty() {
            self.held = before;
            return Flow::NONE;
        }
        let diverges = outcomes.iter().all(|(flow, _)| flow.diverges);
        self.held = merge(&outcomes);
        Flow {
            value: Value::None,
            diverges,
        }
    }

    pub(super) fn loop_expr(&mut self, kind: &LoopKind, body: &Block) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let first_id = self.next_id;
        let header_diverges = match kind {
            LoopKind::For(head) => {
                let flow = self.expr(&head.iterable);
                self.relabel_scope(scope, first_id, HoldReason::ForIterable);
                flow.diverges
            }
            LoopKind::While { condition } => {
                let flow = self.expr(condition);
                if contains_let(condition) {
                    self.relabel_scope(scope, first_id, HoldReason::WhileLetScrutinee);
                } else {
                    self.end_scope(scope);
                }
                flow.diverges
            }
            LoopKind::Infinite => false,
        };
        self.temp_scopes.pop();
        if header_diverges {
            self.end_scope(scope);
            return Flow::DIVERGES;
        }
        let before = self.held.clone();
        let body_flow = self.block(body);
        let after_body = std::mem::take(&mut self.held);
        // Zero or more iterations: what held before, or after the body, may be held now.
        self.held = merge(&[
            (Flow::NONE, before),
            (
                Flow {
                    diverges: false,
                    ..body_flow
                },
                after_body,
            ),
        ]);
        self.end_scope(scope);
        Flow::NONE
    }

    pub(super) fn assign(&mut self, target: &Expr, value: &Expr) -> Flow {
        let flow = self.expr(value);
        if flow.diverges {
            return Flow::DIVERGES;
        }
        let ExprKind::Path(path) = &target.kind else {
            return self.expr(target).without_value();
        };
        if path.segments.len() != 1 {
            return Flow::NONE;
        }
        let name = path.last();
        let old = self.release_binding(name);
        if let Value::Guard(id) = flow.value {
            let declared = self
                .declared
                .iter()
                .rev()
                .find(|(declared, _)| declared == name)
                .map(|(_, scope)| *scope);
            let scope = old
                .map(|old| old.scope)
                .or(declared)
                .unwrap_or(self.current_block_scope());
            if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
                held.scope = scope;
                held.binding = Some(name.to_string());
                held.reason = HoldReason::Binding(name.to_string());
            }
        }
        Flow::NONE
    }
}

/// The guards that may be held after branches: the union over branches that fall through.
fn merge(outcomes: &[(Flow, Vec<Held>)]) -> Vec<Held> {
    let mut merged: Vec<Held> = Vec::new();
    let live: Vec<&Vec<Held>> = outcomes
        .iter()
        .filter(|(flow, _)| !flow.diverges)
        .map(|(_, held)| held)
        .collect();
    let sources = if live.is_empty() {
        outcomes.iter().map(|(_, held)| held).collect()
    } else {
        live
    };
    for held_set in sources {
        for held in held_set {
            if !merged.iter().any(|existing| existing.id == held.id) {
                merged.push(held.clone());
            }
        }
    }
    merged
}

impl Walker<'_, '_> {
    /// `a || b`, `a && b`: each operand is a temporary scope of its own, its temporaries
    /// dropped when it is evaluated (`a.lock().is_empty() || b.lock().is_empty()` never
    /// holds both guards). In a let chain the scrutinees' temporaries live on into the `if`
    /// body instead.
    pub(super) fn lazy_boolean(&mut self, lhs: &Expr, rhs: &Expr) -> Flow {
        if self.operand(lhs).diverges {
            return Flow::DIVERGES;
        }
        self.operand(rhs);
        // The right side may not run: nothing after it depends on how it ends.
        Flow::NONE
    }

    fn operand(&mut self, operand: &Expr) -> Flow {
        if contains_let(operand) {
            return self.expr(operand).without_value();
        }
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let flow = self.expr(operand).without_value();
        self.temp_scopes.pop();
        self.end_scope(scope);
        flow
    }
}

fn contains_let(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Let { .. } => true,
        ExprKind::LazyBoolean { lhs, rhs } => contains_let(lhs) || contains_let(rhs),
        _ => false,
    }
}

/// For `if x.is_none()` the binding that is `None` in the `then` branch; for
/// `if x.is_some()` the one that is `None` in the `else` branch.
fn option_checked_empty(condition: &Expr) -> (Option<&str>, Option<&str>) {
    let ExprKind::MethodCall {
        receiver, method, ..
    } = &condition.kind
    else {
        return (None, None);
    };
    let ExprKind::Path(path) = &receiver.kind else {
        return (None, None);
    };
    if !method.args().is_empty() || path.segments.len() != 1 {
        return (None, None);
    }
    match method.as_str() {
        "is_none" => (Some(path.last()), None),
        "is_some" => (None, Some(path.last())),
        _ => (None, None),
    }
}
