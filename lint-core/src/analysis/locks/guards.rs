//! Guard lifetimes: walks one function body in evaluation order, keeping the set of held
//! guards the way Rust drops them, and records every acquisition, every call made and
//! every `.await` reached together with the guards held at that point.
//!
//! The Rust rules modeled: a guard bound by `let` lives to the end of its block unless
//! `drop`ped, moved into a by-value call or reassigned (shadowing does not end it; `let _`
//! drops at once); a temporary guard dies at the end of its statement, unless `let x = &..`
//! extends it; `match`, `if let` and `while let` scrutinee temporaries live through the
//! body (since edition 2024, not into an `if let`'s `else`); `for` iterator temporaries
//! live through the loop; plain `if`/`while` conditions drop theirs before the body; block
//! tail temporaries outlive the block before edition 2024. Closures given to iterator
//! adaptors run inline; spawned closures, async blocks and other closures start with
//! nothing held.

use super::identity::{ClassKey, Identity, IdentityContext, LockTarget};
use super::{ReturnedGuard, Via};
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::{CallSite, find_by_span};
use crate::knowledge::Knowledge;
use crate::knowledge::adaptors::runs_closure_inline;
use crate::knowledge::locks::{
    LockFlavor, LockKind, LockType, Mode, acquire_method, acquires_when_type_unknown,
    is_condvar_wait, is_failed_try_variant, is_guard_passthrough, is_probably_not_a_lock,
    is_recursive_read,
};
use crate::knowledge::spawners::is_inline_runner;
use crate::knowledge::std_items::{ends_process, is_diverging_macro, is_drop};
use crate::model::{Block, Expr, ExprKind, LoopKind, Stmt};
use crate::source::Edition;
use crate::span::Span;

/// Why a guard is still alive at some point; shown in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldReason {
    /// Bound to a name; lives to the end of the block.
    Binding(String),
    /// A temporary; lives to the end of the statement.
    Temporary,
    /// A temporary of a `match` scrutinee; lives through every arm.
    MatchScrutinee,
    /// A temporary of an `if let` scrutinee; lives through the body (and the `else`
    /// before edition 2024).
    IfLetScrutinee,
    /// A temporary of a `while let` scrutinee; lives through the loop body.
    WhileLetScrutinee,
    /// A temporary of a `for` loop's iterator expression; lives through the whole loop.
    ForIterable,
    /// `let r = &m.lock().unwrap().field;` extends the temporary to the end of the block.
    Extended,
    /// Held by the named function while it calls the closure this code is in.
    Callback(String),
}

impl HoldReason {
    /// Completes "... is still alive because ...".
    pub fn explain(&self) -> String {
        match self {
            HoldReason::Binding(name) => {
                format!("its guard `{name}` lives until the end of the block")
            }
            HoldReason::Temporary => {
                "the temporary guard lives until the end of the statement".to_string()
            }
            HoldReason::MatchScrutinee => {
                "a guard in a `match` scrutinee lives until the end of the `match`".to_string()
            }
            HoldReason::IfLetScrutinee => {
                "a guard in an `if let` scrutinee lives until the end of the `if let`".to_string()
            }
            HoldReason::WhileLetScrutinee => {
                "a guard in a `while let` scrutinee lives through the loop body".to_string()
            }
            HoldReason::ForIterable => {
                "a guard in a `for` loop's iterator expression lives until the loop ends"
                    .to_string()
            }
            HoldReason::Extended => {
                "the guard's lifetime is extended by the `let` that borrows from it".to_string()
            }
            HoldReason::Callback(function) => {
                format!("`{function}` holds it while it calls this closure")
            }
        }
    }
}

/// A guard alive at some point of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub target: LockTarget,
    pub mode: Mode,
    /// Where it was acquired.
    pub site: Span,
    pub reason: HoldReason,
    pub is_try: bool,
    /// Acquired through a call of a function that returns a guard.
    pub via: Option<Via>,
    id: u32,
    scope: u32,
    binding: Option<String>,
}

/// A lock acquisition with the guards held when it happens.
#[derive(Clone, Debug)]
pub struct Acquisition {
    pub target: LockTarget,
    pub mode: Mode,
    pub is_try: bool,
    pub span: Span,
    pub held: Vec<Held>,
    pub via: Option<Via>,
    /// In a spawned closure, an async block or a closure whose caller is unknown: not part
    /// of what calling this function acquires.
    pub isolated: bool,
    /// The re-acquisition at the end of `Condvar::wait`.
    pub condvar_reacquire: bool,
    /// `read_recursive`: made to be taken while this thread already reads.
    pub recursive_read: bool,
}

/// A call of workspace functions with the guards held when it is made.
#[derive(Clone, Debug)]
pub struct HeldCall {
    pub callees: Vec<FunctionRef>,
    pub span: Span,
    pub held: Vec<Held>,
    /// The receiver's text (`self`, `self.inner`), to map `self` inside the callee.
    pub receiver: Option<String>,
    pub isolated: bool,
}

/// An `.await` with the guards held across it.
#[derive(Clone, Debug)]
pub struct HeldAwait {
    pub span: Span,
    pub held: Vec<Held>,
}

/// What the walk of one function found.
#[derive(Clone, Debug, Default)]
pub struct FunctionLocks {
    pub acquisitions: Vec<Acquisition>,
    pub calls: Vec<HeldCall>,
    pub awaits: Vec<HeldAwait>,
    /// Calls of a closure parameter (`f(&mut state)`) made while guards are held.
    pub callbacks: Vec<CallbackInvocation>,
}

/// A function calling one of its closure parameters while holding guards.
#[derive(Clone, Debug)]
pub struct CallbackInvocation {
    /// Position of the parameter, `self` not counted.
    pub param_index: usize,
    pub held: Vec<Held>,
}

/// What the guard walk needs besides the function itself.
pub struct WalkContext<'c, 'a> {
    pub identity: IdentityContext<'a>,
    /// The function's call sites, resolved by the call-site layer.
    pub calls: &'c [CallSite],
    pub knowledge: &'c Knowledge,
    pub returned_guards: &'c dyn Fn(FunctionRef) -> Option<&'c ReturnedGuard>,
    /// What a callee holds while it calls its closure parameters (from a first pass).
    pub callback_holds: &'c dyn Fn(FunctionRef) -> &'c [CallbackInvocation],
    /// Simple names of the function's parameters, in order (`self` not counted).
    pub params: Vec<Option<String>>,
    /// Display names of functions, for messages.
    pub function_name: &'c dyn Fn(FunctionRef) -> String,
    pub edition: Edition,
    pub is_async: bool,
}

pub fn walk_function(context: WalkContext<'_, '_>, body: &Block) -> FunctionLocks {
    let is_async = context.is_async;
    let mut walker = Walker {
        context,
        held: Vec::new(),
        next_id: 0,
        block_scopes: Vec::new(),
        temp_scopes: Vec::new(),
        isolation: 0,
        async_context: vec![is_async],
        out: FunctionLocks::default(),
    };
    walker.block(body);
    walker.out
}

/// The value an expression produces, as far as guards are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    None,
    Guard(u32),
}

#[derive(Clone, Copy, Debug)]
struct Flow {
    value: Value,
    diverges: bool,
}

impl Flow {
    const NONE: Flow = Flow {
        value: Value::None,
        diverges: false,
    };
    const DIVERGES: Flow = Flow {
        value: Value::None,
        diverges: true,
    };

    fn value(value: Value) -> Flow {
        Flow {
            value,
            diverges: false,
        }
    }
}

struct Walker<'c, 'a> {
    context: WalkContext<'c, 'a>,
    held: Vec<Held>,
    next_id: u32,
    block_scopes: Vec<u32>,
    temp_scopes: Vec<u32>,
    /// Above zero inside spawned closures, async blocks and deferred closures.
    isolation: usize,
    async_context: Vec<bool>,
    out: FunctionLocks,
}

impl Walker<'_, '_> {
    fn new_scope(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn end_scope(&mut self, scope: u32) {
        self.held.retain(|held| held.scope != scope);
    }

    /// Moves the guards of `from` into `to` (or drops them when there is no `to`).
    fn move_scope(&mut self, from: u32, to: Option<u32>) {
        match to {
            Some(to) => self
                .held
                .iter_mut()
                .filter(|held| held.scope == from)
                .for_each(|held| held.scope = to),
            None => self.end_scope(from),
        }
    }

    fn current_temp_scope(&self) -> u32 {
        self.temp_scopes
            .last()
            .or(self.block_scopes.last())
            .copied()
            .unwrap_or(0)
    }

    fn current_block_scope(&self) -> u32 {
        self.block_scopes.last().copied().unwrap_or(0)
    }

    fn relabel_scope(&mut self, scope: u32, since_id: u32, reason: HoldReason) {
        for held in &mut self.held {
            if held.scope == scope && held.id > since_id && held.reason == HoldReason::Temporary {
                held.reason = reason.clone();
            }
        }
    }

    // ---- blocks and statements ----

    fn block(&mut self, block: &Block) -> Flow {
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
    fn tail(&mut self, expr: &Expr, enclosing_temp: Option<u32>) -> Flow {
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

    fn stmt(&mut self, stmt: &Stmt) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let flow = match stmt {
            Stmt::Let(let_stmt) => {
                let mut flow = Flow::NONE;
                if let Some(init) = &let_stmt.init {
                    flow = self.expr(init);
                    if !flow.diverges {
                        self.bind_let(let_stmt, init, flow.value, scope);
                    }
                }
                if let Some(else_block) = &let_stmt.else_block {
                    let before = self.held.clone();
                    self.block(else_block);
                    self.held = before;
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

    fn bind_let(
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
                // `let (a1, b1) = (Arc::clone(&a), Arc::clone(&b));`
                if let ExprKind::Compound(parts) = &init.kind
                    && parts.len() == let_stmt.pattern.bindings.len()
                {
                    for (binding, part) in let_stmt.pattern.bindings.iter().zip(parts) {
                        self.context.identity.aliases.remove(&binding.name);
                        if let Identity::Lock(target) = self.context.identity.identify(part) {
                            self.context
                                .identity
                                .aliases
                                .insert(binding.name.clone(), target);
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

    // ---- expressions ----

    fn expr(&mut self, expr: &Expr) -> Flow {
        match &expr.kind {
            // `let moved = guard;` moves the guard to the new binding.
            ExprKind::Path(path) if path.segments.len() == 1 => {
                match self
                    .held
                    .iter()
                    .rev()
                    .find(|held| held.binding.as_deref() == Some(path.last()))
                {
                    Some(held) => Flow::value(Value::Guard(held.id)),
                    None => Flow::NONE,
                }
            }
            ExprKind::Path(_) | ExprKind::Literal => Flow::NONE,
            ExprKind::Continue => Flow::DIVERGES,
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => self.method_call(expr, receiver, method, args),
            ExprKind::Call { callee, args } => self.call(expr, callee, args),
            ExprKind::Field { base, .. } => self.expr(base).without_value(),
            ExprKind::Await(inner) => {
                if let Some(flow) = self.awaited_acquisition(expr, inner) {
                    return flow;
                }
                let flow = self.expr(inner);
                if !flow.diverges && self.async_context.last() == Some(&true) {
                    self.out.awaits.push(HeldAwait {
                        span: await_keyword(expr.span),
                        held: self.held.clone(),
                    });
                }
                flow
            }
            ExprKind::Try(inner) => self.expr(inner),
            ExprKind::Reference { expr: inner, .. } | ExprKind::Deref(inner) => {
                self.expr(inner).without_value()
            }
            ExprKind::Block(block) => self.block(block),
            ExprKind::Async { body, .. } => {
                self.isolated(true, |walker| walker.block(body));
                Flow::NONE
            }
            ExprKind::Closure { body, is_async, .. } => {
                let is_async = *is_async;
                self.isolated(is_async, |walker| walker.closure_body(body));
                Flow::NONE
            }
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => self.if_expr(condition, then_branch, else_branch.as_deref()),
            ExprKind::Let { scrutinee, .. } => self.expr(scrutinee),
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms),
            ExprKind::Loop { kind, body, .. } => self.loop_expr(kind, body),
            ExprKind::Assign { target, value } => self.assign(target, value),
            ExprKind::LazyBoolean { lhs, rhs } => {
                if self.expr(lhs).diverges {
                    return Flow::DIVERGES;
                }
                self.expr(rhs).without_value()
            }
            ExprKind::Return(value) | ExprKind::Break(value) => {
                if let Some(value) = value {
                    self.expr(value);
                }
                Flow::DIVERGES
            }
            ExprKind::Macro(call) => {
                for arg in &call.args {
                    if self.expr(arg).diverges {
                        return Flow::DIVERGES;
                    }
                }
                if is_diverging_macro(call.path.last()) {
                    Flow::DIVERGES
                } else {
                    Flow::NONE
                }
            }
            ExprKind::Compound(parts) => {
                for part in parts {
                    if self.expr(part).diverges {
                        return Flow::DIVERGES;
                    }
                }
                Flow::NONE
            }
        }
    }

    /// `m.lock().await` on an async lock: waiting at the `.await` is the acquisition.
    fn awaited_acquisition(&mut self, await_expr: &Expr, inner: &Expr) -> Option<Flow> {
        let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &inner.kind
        else {
            return None;
        };
        let acquire = acquire_method(method)?;
        let target = self.lock_target(receiver, method)?;
        if !is_async_acquisition(&target, method, acquire.is_try) {
            return None;
        }
        self.args(args, ArgContext::Deferred);
        if self.async_context.last() == Some(&true) {
            self.out.awaits.push(HeldAwait {
                span: await_keyword(await_expr.span),
                held: self.held.clone(),
            });
        }
        let value = self.acquire(target, acquire.mode, false, await_expr.span, None);
        Some(Flow::value(value))
    }

    /// A closure body that runs inline: its temporaries end with it.
    fn closure_body(&mut self, body: &Expr) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let flow = self.expr(body);
        self.temp_scopes.pop();
        self.end_scope(scope);
        flow.without_value()
    }

    /// Runs `walk` with nothing held: another thread or task, or a closure called later.
    fn isolated(&mut self, is_async: bool, walk: impl FnOnce(&mut Self) -> Flow) {
        let held = std::mem::take(&mut self.held);
        let temp_scopes = std::mem::take(&mut self.temp_scopes);
        self.isolation += 1;
        self.async_context.push(is_async);
        walk(self);
        self.async_context.pop();
        self.isolation -= 1;
        self.temp_scopes = temp_scopes;
        self.held = held;
    }

    fn acquire(
        &mut self,
        target: LockTarget,
        mode: Mode,
        is_try: bool,
        span: Span,
        via: Option<Via>,
    ) -> Value {
        self.out.acquisitions.push(Acquisition {
            target: target.clone(),
            mode,
            is_try,
            span,
            held: self.held.clone(),
            via: via.clone(),
            isolated: self.isolation > 0,
            condvar_reacquire: false,
            recursive_read: false,
        });
        self.push_guard(target, mode, is_try, span, via)
    }

    /// Pushes a new temporary guard (its acquisition already recorded).
    fn push_guard(
        &mut self,
        target: LockTarget,
        mode: Mode,
        is_try: bool,
        span: Span,
        via: Option<Via>,
    ) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.held.push(Held {
            target,
            mode,
            site: span,
            reason: HoldReason::Temporary,
            is_try,
            via,
            id,
            scope: self.current_temp_scope(),
            binding: None,
        });
        Value::Guard(id)
    }

    /// Ends the guard bound to `name` (a `drop`, a move, a reassignment); returns it.
    fn release_binding(&mut self, name: &str) -> Option<Held> {
        let position = self
            .held
            .iter()
            .rposition(|held| held.binding.as_deref() == Some(name))?;
        Some(self.held.remove(position))
    }

    fn method_call(&mut self, expr: &Expr, receiver: &Expr, method: &str, args: &[Expr]) -> Flow {
        if let Some(acquire) = acquire_method(method)
            && let Some(target) = self.lock_target(receiver, method)
        {
            self.args(args, ArgContext::Deferred);
            if is_async_acquisition(&target, method, acquire.is_try) {
                // Only a future so far: the lock is taken when it is awaited.
                return Flow::NONE;
            }
            let value = self.acquire(target, acquire.mode, acquire.is_try, expr.span, None);
            if is_recursive_read(method)
                && let Some(acquisition) = self.out.acquisitions.last_mut()
            {
                acquisition.recursive_read = true;
            }
            return Flow::value(value);
        }
        if is_condvar_wait(method)
            && let Some(flow) = self.condvar_wait(expr, args)
        {
            return flow;
        }
        let receiver_flow = self.expr(receiver);
        if receiver_flow.diverges {
            return Flow::DIVERGES;
        }
        let arg_context = if runs_closure_inline(method) {
            ArgContext::Inline
        } else {
            ArgContext::Deferred
        };
        let callees = self.callees_at(expr);
        let receiver_text = self.context.identity.text_of(receiver);
        let callbacks = self.callbacks_of(&callees, receiver_text.as_deref());
        if self.args_with_callbacks(args, arg_context, &callbacks) {
            return Flow::DIVERGES;
        }
        if is_guard_passthrough(method) {
            return Flow::value(receiver_flow.value);
        }
        self.after_call(expr, callees, receiver_text)
    }

    fn call(&mut self, expr: &Expr, callee: &Expr, args: &[Expr]) -> Flow {
        let ExprKind::Path(path) = &callee.kind else {
            if self.expr(callee).diverges || self.args(args, ArgContext::Deferred) {
                return Flow::DIVERGES;
            }
            return Flow::NONE;
        };
        if path.segments.len() == 1
            && let Some(param_index) = self
                .context
                .params
                .iter()
                .position(|param| param.as_deref() == Some(path.last()))
            && !self.held.is_empty()
        {
            self.out.callbacks.push(CallbackInvocation {
                param_index,
                held: self.held.clone(),
            });
        }
        let resolved =
            match find_by_span(self.context.calls, expr.span).and_then(CallSite::resolved_path) {
                Some(resolved) => resolved.display(),
                None => self.context.identity.canonical_path(path),
            };
        if is_drop(&resolved) && args.len() == 1 {
            if let ExprKind::Path(arg) = &args[0].kind
                && arg.segments.len() == 1
                && self.release_binding(arg.last()).is_some()
            {
                return Flow::NONE;
            }
            return self.expr(&args[0]).without_value();
        }
        let arg_context = if self.context.knowledge.runs_closure_elsewhere(&resolved) {
            ArgContext::Spawned
        } else if is_inline_runner(&resolved) {
            ArgContext::Inline
        } else {
            ArgContext::Deferred
        };
        let callees = self.callees_at(expr);
        let callbacks = self.callbacks_of(&callees, None);
        if self.args_with_callbacks(args, arg_context, &callbacks) {
            return Flow::DIVERGES;
        }
        if ends_process(&resolved) {
            return Flow::DIVERGES;
        }
        let receiver = args
            .first()
            .and_then(|first| self.context.identity.text_of(first));
        self.after_call(expr, callees, receiver)
    }

    /// The workspace functions the call at `expr` may reach.
    fn callees_at(&self, expr: &Expr) -> Vec<FunctionRef> {
        find_by_span(self.context.calls, expr.span)
            .map(|site| site.callees.clone())
            .unwrap_or_default()
    }

    /// Records a call of workspace functions; a callee that returns a guard acquires.
    fn after_call(
        &mut self,
        expr: &Expr,
        callees: Vec<FunctionRef>,
        receiver: Option<String>,
    ) -> Flow {
        if callees.is_empty() {
            return Flow::NONE;
        }
        self.out.calls.push(HeldCall {
            callees: callees.clone(),
            span: expr.span,
            held: self.held.clone(),
            receiver: receiver.clone(),
            isolated: self.isolation > 0,
        });
        let returned = callees.iter().find_map(|callee| {
            (self.context.returned_guards)(*callee).map(|guard| (*callee, guard.clone()))
        });
        let Some((callee, guard)) = returned else {
            return Flow::NONE;
        };
        let instance = match (&guard.class, &guard.self_suffix, &receiver) {
            (ClassKey::Static { path }, _, _) => Some(path.clone()),
            (_, Some(suffix), Some(receiver)) => Some(format!("{receiver}{suffix}")),
            _ => None,
        };
        let target = LockTarget {
            class: guard.class.clone(),
            lock_type: guard.lock_type,
            instance,
        };
        let via = Some(Via {
            callee,
            call_span: expr.span,
            acquired_at: guard.site,
        });
        Flow::value(self.acquire(target, guard.mode, false, expr.span, via))
    }

    /// For each closure parameter the callees call while holding guards: those guards, as
    /// the caller sees them (`self.state` in the callee is `<receiver>.state` here).
    fn callbacks_of(
        &self,
        callees: &[FunctionRef],
        receiver: Option<&str>,
    ) -> Vec<(usize, Vec<Held>)> {
        let mut found = Vec::new();
        for callee in callees {
            let name = (self.context.function_name)(*callee);
            for invocation in (self.context.callback_holds)(*callee) {
                let held = invocation
                    .held
                    .iter()
                    .map(|held| {
                        let mut held = held.clone();
                        held.target.instance = match &held.target.class {
                            ClassKey::Static { path } => Some(path.clone()),
                            _ => held.target.instance.as_deref().and_then(|instance| {
                                let suffix = instance
                                    .strip_prefix("self")
                                    .filter(|rest| rest.is_empty() || rest.starts_with('.'))?;
                                Some(format!("{}{suffix}", receiver?))
                            }),
                        };
                        held.reason = HoldReason::Callback(name.clone());
                        held.binding = None;
                        held
                    })
                    .collect();
                found.push((invocation.param_index, held));
            }
        }
        found
    }

    /// Like [`Self::args`], running a closure argument inline, with the callee's guards
    /// held, when the callee calls that parameter while holding them.
    fn args_with_callbacks(
        &mut self,
        args: &[Expr],
        context: ArgContext,
        callbacks: &[(usize, Vec<Held>)],
    ) -> bool {
        if callbacks.is_empty() {
            return self.args(args, context);
        }
        for (index, arg) in args.iter().enumerate() {
            let held_by_callee: Vec<Held> = callbacks
                .iter()
                .filter(|(param, _)| *param == index)
                .flat_map(|(_, held)| held.iter().cloned())
                .collect();
            match &arg.kind {
                ExprKind::Closure { body, .. } if !held_by_callee.is_empty() => {
                    let scope = self.new_scope();
                    for mut held in held_by_callee {
                        self.next_id += 1;
                        held.id = self.next_id;
                        held.scope = scope;
                        self.held.push(held);
                    }
                    self.closure_body(body);
                    self.end_scope(scope);
                }
                _ => {
                    if self.args(std::slice::from_ref(arg), context) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Evaluates call arguments; returns whether one diverges. Guards passed by value are
    /// moved into the call and end there.
    fn args(&mut self, args: &[Expr], context: ArgContext) -> bool {
        for arg in args {
            match &arg.kind {
                ExprKind::Closure { body, is_async, .. } => match context {
                    ArgContext::Inline => {
                        self.closure_body(body);
                    }
                    ArgContext::Spawned | ArgContext::Deferred => {
                        let is_async = *is_async;
                        self.isolated(is_async, |walker| walker.closure_body(body));
                    }
                },
                ExprKind::Async { body, .. } => {
                    self.isolated(true, |walker| walker.block(body));
                }
                ExprKind::Path(path) if path.segments.len() == 1 => {
                    self.release_binding(path.last());
                }
                _ => {
                    let flow = self.expr(arg);
                    if flow.diverges {
                        return true;
                    }
                    if let Value::Guard(id) = flow.value {
                        // `consume(m.lock().unwrap())`: the guard is moved into the callee.
                        self.held.retain(|held| held.id != id);
                    }
                }
            }
        }
        false
    }

    /// `cvar.wait(guard)` (std: by value, returns the guard) and `cvar.wait(&mut guard)`
    /// (parking_lot): the lock is released while waiting and taken again.
    fn condvar_wait(&mut self, expr: &Expr, args: &[Expr]) -> Option<Flow> {
        let (name, by_value) = match &args.first()?.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => (path.last(), true),
            ExprKind::Reference {
                mutable: true,
                expr: inner,
            } => match &inner.kind {
                ExprKind::Path(path) if path.segments.len() == 1 => (path.last(), false),
                _ => return None,
            },
            _ => return None,
        };
        let position = self
            .held
            .iter()
            .rposition(|held| held.binding.as_deref() == Some(name))?;
        let guard = self.held.remove(position);
        for arg in &args[1..] {
            self.expr(arg);
        }
        self.out.acquisitions.push(Acquisition {
            target: guard.target.clone(),
            mode: guard.mode,
            is_try: false,
            span: expr.span,
            held: self.held.clone(),
            via: None,
            isolated: self.isolation > 0,
            condvar_reacquire: true,
            recursive_read: false,
        });
        if by_value {
            let target = guard.target.clone();
            let value = self.push_guard(target, guard.mode, false, expr.span, None);
            Some(Flow::value(value))
        } else {
            self.held.insert(position.min(self.held.len()), guard);
            Some(Flow::NONE)
        }
    }

    fn if_expr(
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
        let then_flow = self.block(then_branch);
        let after_then = std::mem::replace(&mut self.held, before);
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

    fn match_expr(&mut self, scrutinee: &Expr, arms: &[crate::model::Arm]) -> Flow {
        let first_id = self.next_id;
        let scrutinee_flow = self.expr(scrutinee);
        if scrutinee_flow.diverges {
            return Flow::DIVERGES;
        }
        let scope = self.current_temp_scope();
        self.relabel_scope(scope, first_id, HoldReason::MatchScrutinee);
        let before = self.held.clone();
        let mut outcomes = Vec::new();
        for arm in arms {
            self.held = before.clone();
            if arm
                .pattern
                .variant
                .as_deref()
                .is_some_and(is_failed_try_variant)
            {
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

    fn loop_expr(&mut self, kind: &LoopKind, body: &Block) -> Flow {
        let scope = self.new_scope();
        self.temp_scopes.push(scope);
        let first_id = self.next_id;
        let header_diverges = match kind {
            LoopKind::For { iterable, .. } => {
                let flow = self.expr(iterable);
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

    fn assign(&mut self, target: &Expr, value: &Expr) -> Flow {
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
            let scope = old.map_or(self.current_block_scope(), |old| old.scope);
            if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
                held.scope = scope;
                held.binding = Some(name.to_string());
                held.reason = HoldReason::Binding(name.to_string());
            }
        }
        Flow::NONE
    }

    /// The lock a receiver denotes; when the types do not say, `x.lock()` on a plain place
    /// is taken as a lock identified by its text inside this function.
    fn lock_target(&self, receiver: &Expr, method: &str) -> Option<LockTarget> {
        match self.context.identity.identify(receiver) {
            Identity::Lock(target) => Some(target),
            Identity::NotALock => None,
            Identity::Unknown => {
                if !acquires_when_type_unknown(method) {
                    return None;
                }
                let text = self.context.identity.text_of(receiver)?;
                if text.contains("::") || is_probably_not_a_lock(&text) {
                    return None;
                }
                Some(LockTarget {
                    class: ClassKey::Textual {
                        function: self.context.identity.function_path.clone(),
                        text: text.clone(),
                    },
                    lock_type: LockType {
                        kind: LockKind::Mutex,
                        flavor: LockFlavor::Unknown,
                        name: "Mutex",
                    },
                    instance: Some(text),
                })
            }
        }
    }
}

/// The `await` keyword at the end of an `.await` expression's span: findings point at the
/// suspension point, not at the start of a long call chain.
fn await_keyword(span: Span) -> Span {
    const KEYWORD: u32 = "await".len() as u32;
    if span.byte_end - span.byte_start < KEYWORD || span.end.column <= KEYWORD {
        return span;
    }
    Span {
        byte_start: span.byte_end - KEYWORD,
        start: crate::span::LineCol {
            line: span.end.line,
            column: span.end.column - KEYWORD,
        },
        ..span
    }
}

/// An async lock's `lock()`/`read()`/`write()` returns a future; `blocking_*` and `try_*`
/// act at once.
fn is_async_acquisition(target: &LockTarget, method: &str, is_try: bool) -> bool {
    target.lock_type.flavor == LockFlavor::Async && !is_try && !method.starts_with("blocking_")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgContext {
    /// The callee runs closures now, on this thread (`iter().map(..)`, `thread::scope`).
    Inline,
    /// Another thread or task runs them.
    Spawned,
    /// Unknown: maybe later, maybe elsewhere.
    Deferred,
}

impl Flow {
    fn without_value(self) -> Flow {
        Flow {
            value: Value::None,
            diverges: self.diverges,
        }
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

fn contains_let(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Let { .. } => true,
        ExprKind::LazyBoolean { lhs, rhs } => contains_let(lhs) || contains_let(rhs),
        _ => false,
    }
}
