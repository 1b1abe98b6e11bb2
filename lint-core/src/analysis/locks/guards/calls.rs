//! Calls seen from the guard walk: acquisitions through lock methods, guards moved into
//! calls or dropped, `Condvar` waits, closures run inline or elsewhere, callbacks that run
//! under a callee's lock, and guards returned by workspace functions.

use super::{
    Acquisition, CallbackInvocation, Flow, Held, HeldCall, HoldReason, LockArgument, ShardKey,
    Value, Walker, is_async_acquisition,
};
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::ParamSlot;
use crate::analysis::call_sites::{CallSite, Callees, Resolution, find_by_span};
use crate::analysis::format_strings::{FormatArgument, named_argument, placeholders};
use crate::analysis::locks::Via;
use crate::analysis::locks::identity::Identity;
use crate::analysis::locks::identity::{ClassKey, LockTarget};
use crate::knowledge::adaptors::{consumes_iterator, runs_closure_inline, wraps_iterator};
use crate::knowledge::locks::{
    LockKind, Mode, ShardedMapMethod, Shards, acquire_method, guard_conversion_mode,
    is_condvar_wait, is_guard_passthrough, is_recursive_read, sharded_map_method,
};
use crate::knowledge::macros::formats_arguments;
use crate::knowledge::spawners::is_inline_runner;
use crate::knowledge::std_items::{ends_process, is_drop, is_value_wrapper};
use crate::model::{Expr, ExprKind, MacroCall};
use thin_vec::ThinVec;

/// What a call passes: locks and guards, and the places other arguments name.
#[derive(Default)]
pub(super) struct CallArguments {
    locks: Vec<LockArgument>,
    places: Vec<(usize, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ArgContext {
    /// The callee runs closures now, on this thread (`iter().map(..)`, `thread::scope`).
    Inline,
    /// Another thread or task runs them.
    Spawned,
    /// Unknown: maybe later, maybe elsewhere.
    Deferred,
}

impl Walker<'_, '_> {
    pub(super) fn method_call(
        &mut self,
        expr: &Expr,
        receiver: &Expr,
        method: &str,
        args: &[Expr],
    ) -> Flow {
        if let Some(access) = sharded_map_method(method)
            && let Some(target) = self.sharded_map(receiver)
        {
            return self.sharded_map_access(expr, target, access, args);
        }
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
        let arguments = self.lock_arguments(expr, Some(receiver), args, &callees);
        let callbacks = self.callbacks_of(&callees, receiver_text.as_deref());
        if self.args_with_callbacks(args, arg_context, &callbacks) {
            return Flow::DIVERGES;
        }
        self.note_blocking_method(expr, method);
        if is_guard_passthrough(method) {
            return Flow::value(receiver_flow.value);
        }
        if let Value::Guard(id) = receiver_flow.value
            && self.is_shard_iterator(id)
        {
            // `map.iter().map(..).collect()`: adapters carry the iterator and its shard
            // guards on; a consumer runs it to the end and drops it.
            if wraps_iterator(method) {
                return Flow::value(receiver_flow.value);
            }
            if consumes_iterator(method) {
                self.held.retain(|held| held.id != id);
                return self
                    .after_call(expr, callees, receiver_text, arguments)
                    .without_value();
            }
        }
        if let Some(mode) = guard_method_conversion(method)
            && args.is_empty()
            && matches!(&receiver.kind, ExprKind::Path(path) if path.segments.len() == 1)
            && let Value::Guard(id) = receiver_flow.value
            && self
                .held
                .iter()
                .any(|held| held.id == id && converts(held.mode, mode))
        {
            // `write_guard.downgrade()`: the same lock, held another way.
            return Flow::value(self.convert_guard(receiver_flow.value, mode, expr.span));
        }
        if method == "take"
            && args.is_empty()
            && matches!(&receiver.kind, ExprKind::Path(path) if path.segments.len() == 1)
            && let Value::Guard(id) = receiver_flow.value
        {
            // `held.take()` moves the guard out of the `Option` the binding `held` is: a
            // temporary now, unless the statement binds it again. (On a guard itself,
            // `m.lock().take()` takes from the locked data and returns no guard.)
            let scope = self.current_temp_scope();
            if let Some(held) = self
                .held
                .iter_mut()
                .find(|held| held.id == id && held.in_container)
            {
                held.scope = scope;
                held.binding = None;
                held.reason = HoldReason::Temporary;
                held.in_container = false;
                return Flow::value(receiver_flow.value);
            }
        }
        self.after_call(expr, callees, receiver_text, arguments)
    }

    pub(super) fn call(&mut self, expr: &Expr, callee: &Expr, args: &[Expr]) -> Flow {
        let ExprKind::Path(path) = &callee.kind else {
            if self.expr(callee).diverges || self.args(args, ArgContext::Deferred) {
                return Flow::DIVERGES;
            }
            return Flow::NONE;
        };
        if path.segments.len() == 1
            && let Some(flow) = self.call_local_closure(expr, path.last(), args)
        {
            return flow;
        }
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
                held: self.snapshot(),
            });
        }
        let resolved =
            match find_by_span(self.context.calls, expr.span).and_then(CallSite::resolved_path) {
                Some(resolved) => resolved.display(),
                None => self.context.identity.canonical_path(path),
            };
        if let Some(mode) = guard_conversion(&path.segments)
            && args.len() == 1
        {
            // `RwLockUpgradableReadGuard::upgrade(guard)`: the same lock, held another way.
            let flow = self.expr(&args[0]);
            return Flow::value(self.convert_guard(flow.value, mode, expr.span));
        }
        if is_value_wrapper(&resolved) && args.len() == 1 {
            // `Some(guard)`, `Box::new(guard)`: the guard lives on inside the new value.
            let flow = self.expr(&args[0]);
            self.mark_in_container(flow.value);
            return flow;
        }
        if is_drop(&resolved) && args.len() == 1 {
            if let ExprKind::Path(arg) = &args[0].kind
                && arg.segments.len() == 1
            {
                if self.release_binding(arg.last()).is_some() {
                    return Flow::NONE;
                }
                self.run_drop_impl(expr, arg.last());
                return self.expr(&args[0]).without_value();
            }
            // `drop(handles.remove(pos))`: the value is made and dropped here, after the
            // expression has run.
            let flow = self.expr(&args[0]).without_value();
            self.run_drop_impl_of_value(expr, &args[0]);
            return flow;
        }
        let arg_context = if self.context.knowledge.runs_closure_elsewhere(&resolved) {
            ArgContext::Spawned
        } else if is_inline_runner(&resolved) {
            ArgContext::Inline
        } else {
            ArgContext::Deferred
        };
        let callees = self.callees_at(expr);
        let arguments = self.lock_arguments(expr, None, args, &callees);
        let callbacks = self.callbacks_of(&callees, None);
        if self.args_with_callbacks(args, arg_context, &callbacks) {
            return Flow::DIVERGES;
        }
        if ends_process(&resolved) {
            return Flow::DIVERGES;
        }
        self.note_blocking_function(expr, &resolved);
        let receiver = args
            .first()
            .and_then(|first| self.context.identity.text_of(first));
        self.after_call(expr, callees, receiver, arguments)
    }

    /// The workspace functions the call at `expr` may reach.
    pub(super) fn callees_at(&self, expr: &Expr) -> Callees {
        find_by_span(self.context.calls, expr.span)
            .map_or_else(Callees::default, |site| site.callees.clone())
    }

    /// Records a call of workspace functions; a callee that returns a guard acquires.
    pub(super) fn after_call(
        &mut self,
        expr: &Expr,
        callees: Callees,
        receiver: Option<String>,
        arguments: CallArguments,
    ) -> Flow {
        if callees.is_empty() {
            return Flow::NONE;
        }
        // Calling an `async fn` only makes a future: its body runs when the future is
        // awaited (or joined, or spawned), by then the guards held here may be gone.
        let only_a_future = self.awaited_operands == 0
            && callees
                .iter()
                .any(|callee| (self.context.is_async_fn)(*callee));
        self.out.calls.push(HeldCall {
            callees: callees.clone(),
            span: expr.span,
            held: if only_a_future {
                ThinVec::new()
            } else {
                self.snapshot()
            },
            receiver: receiver.as_deref().map(Box::from),
            isolated: self.isolation > 0,
            arguments: arguments.locks.iter().cloned().collect(),
            argument_places: arguments.places.iter().cloned().collect(),
            guessed: find_by_span(self.context.calls, expr.span)
                .is_some_and(|site| site.resolution == Resolution::ByName),
        });
        let arguments_held = arguments.locks;
        let arguments_places = arguments.places;
        if let Some(handed_back) = self.guard_handed_back(&callees, &arguments_held) {
            return Flow::value(handed_back);
        }
        let returned = callees.iter().find_map(|callee| {
            (self.context.returned_guards)(*callee).map(|guard| (*callee, guard.clone()))
        });
        let Some((callee, guard)) = returned else {
            return Flow::NONE;
        };
        let instance = match (&guard.class, &guard.self_suffix, &receiver) {
            (ClassKey::Static { path }, _, _) => Some(path.clone()),
            (_, Some(suffix), Some(receiver)) => match guard.key_param {
                // A keyed lock wrapper: the key argument picks the lock.
                Some(key) => arguments_places
                    .iter()
                    .find(|(position, _)| *position == key)
                    .map(|(_, key)| format!("{receiver}{suffix}[{key}]")),
                None => Some(format!("{receiver}{suffix}")),
            },
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
        Flow::value(self.acquire(target, guard.mode, guard.is_try, expr.span, via))
    }

    /// The locks and guards a call passes to its callees' parameters (before the arguments
    /// are evaluated: a guard passed by value leaves the caller there), and the places the
    /// other arguments name (`self`, `self.store`), by parameter position.
    fn lock_arguments(
        &self,
        expr: &Expr,
        receiver: Option<&Expr>,
        args: &[Expr],
        callees: &[FunctionRef],
    ) -> CallArguments {
        let mut arguments = CallArguments::default();
        if callees.is_empty() {
            return arguments;
        }
        let Some(site) = find_by_span(self.context.calls, expr.span) else {
            return arguments;
        };
        let exprs: Vec<&Expr> = receiver.into_iter().chain(args).collect();
        for (argument, arg) in site.arguments_in(self.context.arguments).iter().zip(exprs) {
            let ParamSlot::Index(index) = argument.param else {
                continue;
            };
            let index = index as usize;
            if let Some(guard) = self.guard_named_by(arg) {
                arguments.locks.push(LockArgument {
                    index,
                    target: guard.target.clone(),
                    guard: Some(guard.clone()),
                });
            } else if let Identity::Lock(target) = self.context.identity.identify(arg) {
                arguments.locks.push(LockArgument {
                    index,
                    target,
                    guard: None,
                });
            } else if let Some(text) = self.context.identity.text_of(arg) {
                arguments.places.push((index, text));
            }
        }
        arguments
    }

    /// Whether a held guard is an iterator over every shard of a sharded map.
    fn is_shard_iterator(&self, id: u32) -> bool {
        self.held
            .iter()
            .any(|held| held.id == id && held.shard == Some(ShardKey::All))
    }

    /// The sharded map (`DashMap`) a receiver denotes.
    fn sharded_map(&self, receiver: &Expr) -> Option<LockTarget> {
        match self.context.identity.identify(receiver) {
            Identity::Lock(target) if target.lock_type.kind == LockKind::ShardedMap => Some(target),
            _ => None,
        }
    }

    /// `users.get(&id)`, `users.insert(id, user)`, `users.len()`: shard locks taken, and
    /// kept by the returned `Ref`/`RefMut`/entry/iterator.
    fn sharded_map_access(
        &mut self,
        expr: &Expr,
        target: LockTarget,
        access: ShardedMapMethod,
        args: &[Expr],
    ) -> Flow {
        let shard = match access.shards {
            Shards::All => ShardKey::All,
            Shards::OfKey => args
                .first()
                .and_then(|key| self.context.identity.text_of(key))
                .map_or(ShardKey::Unknown, ShardKey::Key),
        };
        if self.args(args, ArgContext::Inline) {
            return Flow::DIVERGES;
        }
        let value = self.acquire(target, access.mode, access.is_try, expr.span, None);
        if let Some(acquisition) = self.out.acquisitions.last_mut() {
            acquisition.shard = Some(shard.clone());
        }
        let Value::Guard(id) = value else {
            return Flow::NONE;
        };
        if access.returns_guard {
            if let Some(held) = self.held.iter_mut().find(|held| held.id == id) {
                held.shard = Some(shard);
            }
            Flow::value(value)
        } else {
            // Locked and unlocked inside the call.
            self.held.retain(|held| held.id != id);
            Flow::NONE
        }
    }

    /// A guard turned into another guard of the same lock (upgraded, downgraded): the old
    /// one ends, a temporary new one holds the lock in `mode`.
    fn convert_guard(&mut self, value: Value, mode: Mode, span: crate::span::Span) -> Value {
        let Value::Guard(id) = value else {
            return Value::None;
        };
        let Some(position) = self.held.iter().position(|held| held.id == id) else {
            return Value::None;
        };
        let old = self.held.remove(position);
        self.push_guard(old.target, mode, false, span, old.via)
    }

    /// `busy()` where `busy` is a closure bound to a local: its body runs here.
    fn call_local_closure(&mut self, call: &Expr, name: &str, args: &[Expr]) -> Option<Flow> {
        let position = self
            .local_closures
            .iter()
            .rposition(|(local, _)| local == name)?;
        if self.args(args, ArgContext::Deferred) {
            return Some(Flow::DIVERGES);
        }
        // Taken out while it runs: a closure cannot call itself.
        let (local, body) = self.local_closures.remove(position);
        // Inside another local closure's run, the outermost call is the one to show.
        let outer = self.running_local_closure.clone();
        if outer.is_none() {
            self.running_local_closure = Some((local.clone(), call.span));
        }
        self.closure_body(&body);
        self.running_local_closure = outer;
        self.local_closures.insert(position, (local, body));
        Some(Flow::NONE)
    }

    /// `drop(lease)` where the local's type has a workspace `Drop` impl: a call of it.
    fn run_drop_impl(&mut self, expr: &Expr, name: &str) {
        let Some(type_path) = self
            .context
            .identity
            .types
            .local_at(name, expr)
            .and_then(|ty| ty.peel_refs().path().map(str::to_string))
        else {
            return;
        };
        self.push_drop_call(expr, &type_path, Some(name.to_string()));
    }

    /// `drop(handles.remove(pos))`: a value with no name, typed from the expression.
    fn run_drop_impl_of_value(&mut self, expr: &Expr, value: &Expr) {
        let identity = &self.context.identity;
        let Some(type_path) = identity
            .typing
            .type_of(&identity.at, identity.types, value)
            .and_then(|ty| ty.peel_refs().path().map(str::to_string))
        else {
            return;
        };
        self.push_drop_call(expr, &type_path, None);
    }

    /// `warn!("stuck: {:?}", self)`: the workspace `Debug::fmt` (or `Display::fmt`) of
    /// each formatted argument runs here, as a call with the guards now held.
    pub(super) fn run_format_impls(&mut self, expr: &Expr, call: &MacroCall) {
        if !formats_arguments(call.path.last()) {
            return;
        }
        let Some(format_at) = call
            .args
            .iter()
            .position(|arg| matches!(arg.kind, ExprKind::Text(_)))
        else {
            return;
        };
        let ExprKind::Text(text) = &call.args[format_at].kind else {
            return;
        };
        let arguments = &call.args[format_at + 1..];
        for placeholder in placeholders(text) {
            let (value, name) = match &placeholder.argument {
                FormatArgument::Position(index) => match arguments.get(*index) {
                    Some(value) => (Some(value), simple_name(value)),
                    None => continue,
                },
                FormatArgument::Named(name) => match named_argument(arguments, name) {
                    Some(value) => (Some(value), simple_name(value)),
                    None => (None, Some(name.clone())),
                },
            };
            let ty = match (value, &name) {
                (_, Some(name)) => self.context.identity.types.local_at(name, expr).cloned(),
                (Some(value), None) => {
                    let identity = &self.context.identity;
                    identity.typing.type_of(&identity.at, identity.types, value)
                }
                (None, None) => None,
            };
            let Some(type_path) = ty.and_then(|ty| ty.peel_refs().path().map(str::to_string))
            else {
                continue;
            };
            let Some(format_impl) = (self.context.format_impl)(&type_path, placeholder.with) else {
                continue;
            };
            self.push_implicit_call(expr, format_impl, name);
        }
    }

    fn push_drop_call(&mut self, expr: &Expr, type_path: &str, receiver: Option<String>) {
        let Some(drop_impl) = (self.context.drop_impl)(type_path) else {
            return;
        };
        self.push_implicit_call(expr, drop_impl, receiver);
    }

    /// A call the code makes without writing it (a `Drop` or `fmt` impl) at `expr`, on the
    /// local `receiver` when it has a name.
    fn push_implicit_call(&mut self, expr: &Expr, callee: FunctionRef, receiver: Option<String>) {
        self.out.calls.push(HeldCall {
            callees: Callees::of(&[callee]),
            span: expr.span,
            held: self.snapshot(),
            receiver: receiver.map(String::into_boxed_str),
            isolated: self.isolation > 0,
            arguments: ThinVec::new(),
            argument_places: ThinVec::new(),
            guessed: false,
        });
    }

    /// A guard moved into a callee that hands it back (`let q = stamp(q, tick)`): held
    /// again, as this call's value.
    fn guard_handed_back(
        &mut self,
        callees: &[FunctionRef],
        arguments: &[LockArgument],
    ) -> Option<Value> {
        let index = callees
            .iter()
            .find_map(|callee| (self.context.hands_back_guard)(*callee))?;
        let passed = arguments
            .iter()
            .find(|argument| argument.index == index)?
            .guard
            .clone()?;
        if self.held.iter().any(|held| held.id == passed.id) {
            // Lent (`&mut q`), not moved: it never left.
            return None;
        }
        self.next_id += 1;
        let mut held = passed;
        held.id = self.next_id;
        held.scope = self.current_temp_scope();
        held.binding = None;
        held.reason = HoldReason::Temporary;
        self.held.push(held);
        Some(Value::Guard(self.next_id))
    }

    /// The held guard an argument names (`guard`, `&guard`, `&mut guard`, `*guard`).
    fn guard_named_by(&self, arg: &Expr) -> Option<&Held> {
        let mut current = arg;
        while let ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) = &current.kind {
            current = expr;
        }
        let ExprKind::Path(path) = &current.kind else {
            return None;
        };
        if path.segments.len() != 1 {
            return None;
        }
        self.held
            .iter()
            .rev()
            .find(|held| held.binding.as_deref() == Some(path.last()))
    }

    /// For each closure parameter the callees call while holding guards: those guards, as
    /// the caller sees them (`self.state` in the callee is `<receiver>.state` here).
    pub(super) fn callbacks_of(
        &self,
        callees: &[FunctionRef],
        receiver: Option<&str>,
    ) -> Vec<(usize, Vec<Held>)> {
        let mut found = Vec::new();
        for callee in callees {
            let invocations = (self.context.callback_holds)(*callee);
            if invocations.is_empty() {
                continue;
            }
            let name = (self.context.function_name)(*callee);
            for invocation in invocations {
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
    pub(super) fn args_with_callbacks(
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
                ExprKind::Closure(closure) if !held_by_callee.is_empty() => {
                    let body = &closure.body;
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
    pub(super) fn args(&mut self, args: &[Expr], context: ArgContext) -> bool {
        for arg in args {
            match &arg.kind {
                ExprKind::Closure(closure) => {
                    let body = &closure.body;
                    match context {
                        ArgContext::Inline => {
                            self.closure_body(body);
                        }
                        ArgContext::Spawned | ArgContext::Deferred => {
                            self.isolated(closure.is_async, |walker| walker.closure_body(body));
                        }
                    }
                    if closure.is_move {
                        self.release_captured_guards(arg);
                    }
                }
                ExprKind::Async { body, is_move } => {
                    self.isolated(true, |walker| walker.block(body));
                    if *is_move {
                        self.release_captured_guards(arg);
                    }
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
    pub(super) fn condvar_wait(&mut self, expr: &Expr, args: &[Expr]) -> Option<Flow> {
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
        self.note_condvar_wait(expr, &guard);
        self.out.acquisitions.push(Acquisition {
            target: guard.target.clone(),
            mode: guard.mode,
            is_try: false,
            span: expr.span,
            held: self.snapshot(),
            via: None,
            isolated: self.isolation > 0,
            condvar_reacquire: true,
            recursive_read: false,
            in_local_closure: self.running_local_closure.clone(),
            shard: None,
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
}

/// `RwLockUpgradableReadGuard::upgrade(g)`, `RwLockWriteGuard::downgrade(g)`: the mode the
/// converted guard holds its lock in.
fn guard_conversion(segments: &[impl AsRef<str>]) -> Option<Mode> {
    let [.., guard_type, function] = segments else {
        return None;
    };
    let guard_type = guard_type.as_ref();
    if !guard_type.ends_with("Guard") && !guard_type.ends_with("GuardArc") {
        return None;
    }
    guard_method_conversion(function.as_ref())
}

/// The mode a guard method that converts the guard leaves the lock held in.
fn guard_method_conversion(method: &str) -> Option<Mode> {
    guard_conversion_mode(method)
}

/// Whether a guard held in `from` can be converted to `to` (an upgradable read upgrades, a
/// write downgrades); on anything else the method is the guarded value's own.
fn converts(from: Mode, to: Mode) -> bool {
    matches!(
        (from, to),
        (Mode::Upgradable, Mode::Exclusive)
            | (Mode::Exclusive, Mode::Shared)
            | (Mode::Exclusive, Mode::Upgradable)
    )
}

/// `x` for a local or `self` (through `&`).
fn simple_name(value: &Expr) -> Option<String> {
    match &value.kind {
        ExprKind::Path(path) if path.segments.len() == 1 => Some(path.last().to_string()),
        ExprKind::Reference { expr, .. } => simple_name(expr),
        _ => None,
    }
}
