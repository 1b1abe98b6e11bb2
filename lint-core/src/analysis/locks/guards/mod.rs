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
use crate::analysis::call_sites::{CallSite, Callees};
use crate::analysis::format_strings::FormatTrait;
use crate::knowledge::Knowledge;
use crate::knowledge::locks::{
    LockFlavor, Mode, UNKNOWN_MUTEX, acquire_method, acquires_when_type_unknown, guard_lock_type,
    is_probably_not_a_lock, returns_future,
};
use crate::knowledge::std_items::is_diverging_macro;
use crate::model::{Block, Expr, ExprKind};
use crate::source::Edition;
use crate::span::Span;
use thin_vec::ThinVec;

mod blocking;
mod calls;
mod scopes;

pub use blocking::{BlockingCandidate, CandidateKind};

/// Most guards an acquisition, call or `.await` records as held (see `Walker::snapshot`).
pub const MAX_RECORDED_HELD: usize = 32;

use calls::ArgContext;

/// Why a guard is still alive at some point; shown in messages.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// A guard this function receives as a parameter: held by its caller for the call.
    Parameter(String),
}

/// A guard alive at some point of the body.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Held {
    pub target: LockTarget,
    pub mode: Mode,
    /// Where it was acquired.
    pub site: Span,
    pub reason: HoldReason,
    pub is_try: bool,
    /// Acquired through a call of a function that returns a guard.
    pub via: Option<Via>,
    /// For a sharded map: which shard the guard locks.
    pub shard: Option<ShardKey>,
    id: u32,
    scope: u32,
    binding: Option<String>,
    /// Kept inside another value (`Some(guard)`, a struct field), which `take()` can move
    /// it out of.
    in_container: bool,
}

/// Which shard of a sharded map (`DashMap`) an access locks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ShardKey {
    /// The shard of this key (the argument's text).
    Key(String),
    /// The shard of a key whose text is not known.
    Unknown,
    /// Every shard (`len`, `iter`, `retain`).
    All,
}

impl ShardKey {
    /// Whether two accesses lock the same shard for certain (else only when their keys
    /// hash to one shard).
    pub fn surely_same_shard(&self, other: &ShardKey) -> bool {
        match (self, other) {
            (ShardKey::All, _) | (_, ShardKey::All) => true,
            (ShardKey::Key(a), ShardKey::Key(b)) => a == b,
            _ => false,
        }
    }
}

/// A lock acquisition with the guards held when it happens.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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
    /// Taken in the body of a closure bound to a local, run by calling it here: the
    /// closure's name and the call.
    pub in_local_closure: Option<(String, Span)>,
    /// For a sharded map: which shard.
    pub shard: Option<ShardKey>,
}

/// A call of workspace functions with the guards held when it is made.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct HeldCall {
    pub callees: Callees,
    pub span: Span,
    /// Thin vectors here and below (a pointer, the length beside the items): a run records
    /// a call for every call of a workspace function, nearly all holding and passing
    /// nothing, and a call is 64 bytes instead of 104.
    pub held: ThinVec<Held>,
    /// The receiver's text (`self`, `self.inner`), to map `self` inside the callee.
    pub receiver: Option<Box<str>>,
    pub isolated: bool,
    /// The locks and guards passed as arguments, by parameter position.
    pub arguments: ThinVec<LockArgument>,
    /// The places other arguments name (`self`, `self.store`), by parameter position: a
    /// callee's lock at `store.data` is the caller's `self.store.data`.
    pub argument_places: ThinVec<(usize, String)>,
    /// The callee was matched by its name only (the receiver's type is unknown).
    pub guessed: bool,
}

/// A lock (`&self.state`, `&accounts[i]`) or a guard passed to a parameter of a call.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LockArgument {
    /// The parameter it binds (`self` not counted).
    pub index: usize,
    pub target: LockTarget,
    /// For a guard: the caller's guard itself (where, how and why it holds the lock).
    pub guard: Option<Held>,
}

/// An `.await` with the guards held across it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct HeldAwait {
    pub span: Span,
    pub held: Vec<Held>,
}

/// What the walk of one function found: its lists ([`WalkLists`], read through `Deref`),
/// kept behind one pointer that is empty when they all are (two functions in three at
/// the corpus's scale: a slot is 16 bytes for them instead of 64).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FunctionLocks {
    lists: Option<Box<WalkLists>>,
    /// Whether the body stores a value into a struct field that can hold a channel end or
    /// a lock (found during the walk, while the body is decoded: the blocking pass follows
    /// those stores back to where the values were made, and looks at no other body's).
    pub stores_channel_or_lock_field: bool,
}

/// The lists a walk records.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WalkLists {
    // Thin vectors (8 bytes each, the length in the allocation): most lists are empty.
    /// The positions of the parameters that are guards (`state: &mut MutexGuard<State>`).
    pub guard_params: ThinVec<usize>,
    pub acquisitions: ThinVec<Acquisition>,
    pub calls: ThinVec<HeldCall>,
    pub awaits: ThinVec<HeldAwait>,
    /// Calls of a closure parameter (`f(&mut state)`) made while guards are held.
    pub callbacks: ThinVec<CallbackInvocation>,
    /// Calls and `.await`s that may block, with what is held then.
    pub blocking: ThinVec<BlockingCandidate>,
}

/// What a function whose walk recorded nothing reads.
static NO_LISTS: WalkLists = WalkLists {
    guard_params: ThinVec::new(),
    acquisitions: ThinVec::new(),
    calls: ThinVec::new(),
    awaits: ThinVec::new(),
    callbacks: ThinVec::new(),
    blocking: ThinVec::new(),
};

impl std::ops::Deref for FunctionLocks {
    type Target = WalkLists;

    fn deref(&self) -> &WalkLists {
        self.lists.as_deref().unwrap_or(&NO_LISTS)
    }
}

impl WalkLists {
    /// Whether the walk recorded nothing (the function keeps no lists).
    pub fn is_empty(&self) -> bool {
        self.guard_params.is_empty()
            && self.acquisitions.is_empty()
            && self.calls.is_empty()
            && self.awaits.is_empty()
            && self.callbacks.is_empty()
            && self.blocking.is_empty()
    }
}

impl FunctionLocks {
    /// A walk's lists, without the room they kept from growing, and none kept when they
    /// are all empty: every function's walk is kept for the whole run.
    fn from_lists(mut lists: WalkLists) -> FunctionLocks {
        if lists.is_empty() {
            return FunctionLocks::default();
        }
        lists.guard_params.shrink_to_fit();
        lists.acquisitions.shrink_to_fit();
        lists.calls.shrink_to_fit();
        lists.awaits.shrink_to_fit();
        lists.callbacks.shrink_to_fit();
        lists.blocking.shrink_to_fit();
        FunctionLocks {
            lists: Some(Box::new(lists)),
            stores_channel_or_lock_field: false,
        }
    }

    /// Makes each call's callee list its call site's copy when they are the same list: a
    /// walk read back from stored results comes with copies of its own.
    pub(crate) fn share_callees(&mut self, sites: &[CallSite]) {
        let Some(lists) = self.lists.as_mut() else {
            return;
        };
        for call in lists.calls.iter_mut() {
            if let Some(site) = crate::analysis::call_sites::find_by_span(sites, call.span)
                && *site.callees == *call.callees
            {
                call.callees = site.callees.clone();
            }
        }
    }

    /// The callees of the calls that run when this function runs (not in a spawned
    /// closure or an async block): the edges the bottom-up summaries follow.
    pub fn callees_run_by_a_call(&self) -> Vec<FunctionRef> {
        self.calls
            .iter()
            .filter(|call| !call.isolated)
            .flat_map(|call| call.callees.iter().copied())
            .collect()
    }
}

/// A function calling one of its closure parameters while holding guards.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CallbackInvocation {
    /// Position of the parameter, `self` not counted.
    pub param_index: usize,
    pub held: Vec<Held>,
}

/// What the guard walk needs besides the function itself.
pub struct WalkContext<'c, 'a> {
    pub identity: IdentityContext<'a>,
    /// The function's call sites, resolved by the call-site layer, and their arguments
    /// ([`CallSite::arguments_in`]).
    pub calls: &'c [CallSite],
    pub arguments: &'c [crate::analysis::call_sites::Argument],
    pub knowledge: &'c Knowledge,
    pub returned_guards: &'c dyn Fn(FunctionRef) -> Option<&'c ReturnedGuard>,
    /// What a callee holds while it calls its closure parameters (from a first pass).
    pub callback_holds: &'c dyn Fn(FunctionRef) -> &'c [CallbackInvocation],
    /// Simple names of the function's parameters, in order (`self` not counted).
    pub params: Vec<Option<String>>,
    /// Display names of functions, for messages.
    pub function_name: &'c dyn Fn(FunctionRef) -> String,
    /// Whether a workspace function is an `async fn` (calling it only makes a future).
    pub is_async_fn: &'c dyn Fn(FunctionRef) -> bool,
    /// What a workspace function returns when it returns one of its locks (`fn
    /// registry() -> &'static Mutex<Plugins> { &REGISTRY }`).
    pub returned_locks: &'c dyn Fn(FunctionRef) -> Option<&'c super::ReturnedLock>,
    /// The workspace `Drop::drop` of a type (canonical path), if it has one.
    pub drop_impl: &'c dyn Fn(&str) -> Option<FunctionRef>,
    /// The workspace `Display::fmt` or `Debug::fmt` of a type (canonical path), if any.
    pub format_impl: &'c dyn Fn(&str, FormatTrait) -> Option<FunctionRef>,
    /// For a workspace function that takes a guard by value and returns a guard
    /// (`fn stamp(q: MutexGuard<Q>) -> MutexGuard<Q>`): that parameter's position.
    pub hands_back_guard: &'c dyn Fn(FunctionRef) -> Option<usize>,
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
        awaited_operands: 0,
        declared: Vec::new(),
        local_closures: Vec::new(),
        running_local_closure: None,
        out: WalkLists::default(),
    };
    walker.hold_guard_parameters();
    walker.block(body);
    FunctionLocks::from_lists(walker.out)
}

/// The value an expression produces, as far as guards are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    None,
    Guard(u32),
}

impl Value {
    /// This value if it is a guard, else `other`.
    fn or(self, other: Value) -> Value {
        match self {
            Value::Guard(_) => self,
            Value::None => other,
        }
    }
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
    /// Bindings declared with `let`, with the block scope they live in: a guard assigned
    /// to one later (`held = Some(guard)`) lives as long as the binding.
    declared: Vec<(String, u32)>,
    /// Closures bound to a local (`let busy = || self.slots.lock()..`): calling the local
    /// runs the body here, with what is held here.
    local_closures: Vec<(String, Expr)>,
    /// The local closure being run by a call, and that call.
    running_local_closure: Option<(String, Span)>,
    /// Above zero while the operand of an `.await` is evaluated: futures made there run
    /// now, with what is held now.
    awaited_operands: usize,
    out: WalkLists,
}

impl Walker<'_, '_> {
    fn new_scope(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn end_scope(&mut self, scope: u32) {
        self.held.retain(|held| held.scope != scope);
        self.declared.retain(|(_, declared)| *declared != scope);
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
            ExprKind::Path(_) | ExprKind::Literal | ExprKind::Text(_) => Flow::NONE,
            ExprKind::Continue => Flow::DIVERGES,
            ExprKind::MethodCall {
                receiver, method, ..
            } => self.method_call(expr, receiver, method, method.args()),
            ExprKind::Call { callee, args } => self.call(expr, callee, args),
            ExprKind::Field(field) => self.expr(&field.base).without_value(),
            ExprKind::Await(inner) => {
                if let Some(flow) = self.awaited_acquisition(expr, inner) {
                    return flow;
                }
                self.awaited_operands += 1;
                let flow = self.expr(inner);
                self.awaited_operands -= 1;
                if !flow.diverges && self.async_context.last() == Some(&true) {
                    self.out.awaits.push(HeldAwait {
                        span: await_keyword(expr.span),
                        held: self.snapshot(),
                    });
                }
                if !flow.diverges {
                    self.note_blocking_await(expr, inner);
                }
                flow
            }
            ExprKind::Try(inner) => self.expr(inner),
            ExprKind::Reference { expr: inner, .. } | ExprKind::Deref(inner) => {
                self.expr(inner).without_value()
            }
            ExprKind::Block(block) => self.block(block),
            ExprKind::Async { body, is_move } => {
                self.isolated(true, |walker| walker.block(body));
                if *is_move {
                    self.release_captured_guards(expr);
                }
                Flow::NONE
            }
            ExprKind::Closure(closure) => {
                let body = &closure.body;
                self.isolated(closure.is_async, |walker| walker.closure_body(body));
                if closure.is_move {
                    self.release_captured_guards(expr);
                }
                Flow::NONE
            }
            ExprKind::If(if_expr) => self.if_expr(
                &if_expr.condition,
                &if_expr.then_branch,
                if_expr.else_branch.as_ref(),
            ),
            ExprKind::Let { scrutinee, pattern } => {
                let flow = self.expr(scrutinee);
                self.bind_pattern_to_guard(pattern, flow.value);
                flow
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms),
            ExprKind::Loop(loop_expr) => self.loop_expr(&loop_expr.kind, &loop_expr.body),
            ExprKind::Assign { target, value } => self.assign(target, value),
            ExprKind::LazyBoolean { lhs, rhs } => self.lazy_boolean(lhs, rhs),
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
                self.note_blocking_macro(expr, call);
                self.run_format_impls(expr, call);
                if is_diverging_macro(call.path.last()) {
                    Flow::DIVERGES
                } else {
                    Flow::NONE
                }
            }
            // A struct built with a guard inside holds it (`Batch { wal: guard }`).
            ExprKind::Struct(literal) => {
                let mut value = Value::None;
                for (_, field) in &literal.fields {
                    let flow = self.expr(field);
                    if flow.diverges {
                        return Flow::DIVERGES;
                    }
                    value = flow.value.or(value);
                }
                self.mark_in_container(value);
                match &literal.rest {
                    Some(rest) if self.expr(rest).diverges => Flow::DIVERGES,
                    _ => Flow::value(value),
                }
            }
            ExprKind::Index {
                base: first,
                index: second,
            }
            | ExprKind::Compare {
                lhs: first,
                rhs: second,
            } => {
                if self.expr(first).diverges || self.expr(second).diverges {
                    return Flow::DIVERGES;
                }
                Flow::NONE
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
            receiver, method, ..
        } = &inner.kind
        else {
            return None;
        };
        let acquire = acquire_method(method)?;
        let target = self.lock_target(receiver, method)?;
        if !is_async_acquisition(&target, method, acquire.is_try) {
            return None;
        }
        self.args(method.args(), ArgContext::Deferred);
        if self.async_context.last() == Some(&true) {
            self.out.awaits.push(HeldAwait {
                span: await_keyword(await_expr.span),
                held: self.snapshot(),
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
        let awaited_operands = std::mem::take(&mut self.awaited_operands);
        self.isolation += 1;
        self.async_context.push(is_async);
        walk(self);
        self.async_context.pop();
        self.isolation -= 1;
        self.awaited_operands = awaited_operands;
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
            held: self.snapshot(),
            via: via.clone(),
            isolated: self.isolation > 0,
            condvar_reacquire: false,
            recursive_read: false,
            in_local_closure: self.running_local_closure.clone(),
            shard: None,
        });
        self.push_guard(target, mode, is_try, span, via)
    }

    /// Pushes a new temporary guard (its acquisition already recorded).
    pub(super) fn push_guard(
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
            shard: None,
            id,
            scope: self.current_temp_scope(),
            binding: None,
            in_container: false,
        });
        Value::Guard(id)
    }

    /// `if let Some(worker) = map.get(&key)`, `Ok(guard) = m.lock()`: when the scrutinee is
    /// the guard (not a value borrowed from one), a by-value binding takes it; `drop(worker)`
    /// then ends it. It still ends with the scrutinee's scope at the latest.
    pub(super) fn bind_pattern_to_guard(&mut self, pattern: &crate::model::Pattern, value: Value) {
        let Value::Guard(id) = value else { return };
        let [binding] = pattern.bindings.as_slice() else {
            return;
        };
        if binding.by_ref {
            return;
        }
        if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
            held.binding = Some(binding.name.to_string());
        }
    }

    fn mark_in_container(&mut self, value: Value) {
        if let Value::Guard(id) = value
            && let Some(held) = self.held.iter_mut().find(|held| held.id == id)
        {
            held.in_container = true;
        }
    }

    /// Guards passed in as parameters (`fn apply(state: &mut MutexGuard<State>)`) are held
    /// for the whole call, as whatever lock the caller's guard is of.
    fn hold_guard_parameters(&mut self) {
        let params = self.context.identity.params.clone();
        for (index, name) in params.iter().enumerate() {
            let Some(name) = name else { continue };
            let Some(ty) = self.context.identity.types.parameter(name) else {
                continue;
            };
            let Some((lock_type, mode)) = ty.path().and_then(guard_lock_type) else {
                continue;
            };
            self.next_id += 1;
            self.out.guard_params.push(index);
            let site = self
                .context
                .identity
                .param_spans
                .get(index)
                .copied()
                .unwrap_or_default();
            self.held.push(Held {
                target: LockTarget {
                    class: ClassKey::Param {
                        function: self.context.identity.function_path().to_string(),
                        index,
                        name: name.clone(),
                    },
                    lock_type,
                    instance: Some(name.clone()),
                },
                mode,
                site,
                reason: HoldReason::Parameter(name.clone()),
                is_try: false,
                via: None,
                shard: None,
                id: self.next_id,
                scope: 0,
                binding: Some(name.clone()),
                in_container: false,
            });
        }
    }

    /// What an event records as held: one guard per lock instance (the oldest, which a
    /// re-acquisition conflicts with), and at most [`MAX_RECORDED_HELD`] of them (the most
    /// recent), so what a function records stays linear in its size.
    fn snapshot<Snapshot: FromIterator<Held>>(&self) -> Snapshot {
        let mut seen = crate::hash::HashSet::default();
        let mut kept: Vec<&Held> = self
            .held
            .iter()
            .filter(|held| seen.insert((&held.target.class, &held.target.instance)))
            .collect();
        if kept.len() > MAX_RECORDED_HELD {
            kept.drain(..kept.len() - MAX_RECORDED_HELD);
        }
        kept.into_iter().cloned().collect()
    }

    /// Ends the guard bound to `name` (a `drop`, a move, a reassignment); returns it.
    /// A `move` closure or `async move` block takes the guards it names: whoever runs it
    /// (another thread, a task) holds them from then on, not this code.
    pub(super) fn release_captured_guards(&mut self, capturing: &Expr) {
        if self.held.iter().all(|held| held.binding.is_none()) {
            return;
        }
        let mut named: Vec<&str> = Vec::new();
        capturing.walk(&mut |expr| {
            if let ExprKind::Path(path) = &expr.kind
                && path.segments.len() == 1
            {
                named.push(path.last());
            }
        });
        for name in named {
            self.release_binding(name);
        }
    }

    /// Ends the guard a binding holds. After branches merge, one binding can stand for
    /// several guards (one per path); it holds only one of them, and all end here.
    fn release_binding(&mut self, name: &str) -> Option<Held> {
        let mut released = None;
        while let Some(position) = self
            .held
            .iter()
            .rposition(|held| held.binding.as_deref() == Some(name))
        {
            let held = self.held.remove(position);
            released.get_or_insert(held);
        }
        released
    }

    /// The lock a receiver denotes; when the types do not say, `x.lock()` on a plain place
    /// is taken as a lock identified by its text inside this function.
    fn lock_target(&self, receiver: &Expr, method: &str) -> Option<LockTarget> {
        if let Some(target) = self.accessor_lock(receiver) {
            return Some(target);
        }
        match self.context.identity.identify(receiver) {
            Identity::Lock(target) => Some(target),
            Identity::NotALock => None,
            Identity::Unknown => {
                if !acquires_when_type_unknown(method) {
                    return None;
                }
                let text = self.context.identity.text_of(receiver)?;
                if crate::paths::is_qualified(&text) || is_probably_not_a_lock(&text) {
                    return None;
                }
                Some(LockTarget {
                    class: ClassKey::Textual {
                        function: self.context.identity.function_path().to_string(),
                        text: text.clone(),
                    },
                    lock_type: UNKNOWN_MUTEX,
                    instance: Some(text),
                })
            }
        }
    }
}

impl Walker<'_, '_> {
    /// `registry().lock()`, `self.state().lock()`: a workspace function that returns a
    /// reference to one of its lock fields or statics.
    fn accessor_lock(&self, receiver: &Expr) -> Option<LockTarget> {
        let mut current = receiver;
        while let ExprKind::Reference { expr, .. } | ExprKind::Try(expr) = &current.kind {
            current = expr;
        }
        let receiver_text = match &current.kind {
            ExprKind::Call { .. } => None,
            ExprKind::MethodCall { receiver, .. } => self.context.identity.text_of(receiver),
            _ => return None,
        };
        let callees = self.callees_at(current);
        let lock = callees
            .iter()
            .find_map(|callee| (self.context.returned_locks)(*callee))?;
        let instance = match (&lock.class, &lock.self_suffix, receiver_text) {
            (ClassKey::Static { path }, _, _) => Some(path.clone()),
            (_, Some(suffix), Some(receiver)) => Some(format!("{receiver}{suffix}")),
            _ => None,
        };
        Some(LockTarget {
            class: lock.class.clone(),
            lock_type: lock.lock_type,
            instance,
        })
    }
}

/// The `await` keyword at the end of an `.await` expression's span: findings point at the
/// suspension point, not at the start of a long call chain.
fn await_keyword(span: Span) -> Span {
    const KEYWORD: u32 = "await".len() as u32;
    if span.byte_end - span.byte_start < KEYWORD {
        return span;
    }
    Span {
        byte_start: span.byte_end - KEYWORD,
        ..span
    }
}

/// An async lock's `lock()`/`read()`/`write()` returns a future; `blocking_*` and `try_*`
/// act at once.
fn is_async_acquisition(target: &LockTarget, method: &str, is_try: bool) -> bool {
    target.lock_type.flavor == LockFlavor::Async
        && !is_try
        && returns_future(target.lock_type.name, method).unwrap_or(!method.contains("blocking"))
}

impl Flow {
    fn without_value(self) -> Flow {
        Flow {
            value: Value::None,
            diverges: self.diverges,
        }
    }
}
