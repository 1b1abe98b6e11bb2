//! Unbounded channels and the evidence about their producers: where the sender goes (into
//! a task per connection or per item, into a loop that sends once per input, into shared
//! state that other functions send through) and what bounds those producers (a semaphore
//! permit, a reply awaited per request, a limit checked before sending). An unbounded queue
//! is a problem only when producers outrun the consumer with nothing holding them back.

use rayon::prelude::*;
use std::collections::BTreeSet;

use crate::hash::HashMap;

use super::call_sites::{CallSite, CallTarget, ParamSlot};
use super::exprs::name_of;
use super::loops::{Driver, FunctionLoops};
use super::{FunctionRef, Program};
use crate::knowledge::adaptors::{is_clone_method, is_result_adapter, is_same_value_method};
use crate::knowledge::bounds::names_rationing;
use crate::knowledge::channels::{
    UnboundedConstructor, is_counter_method, is_oneshot_constructor_at, is_queue_depth_method,
    is_send_method, is_take_method, names_in_flight_counter, unbounded_constructor_at,
};
use crate::knowledge::locks::is_shared_pointer_clone_path;
use crate::knowledge::std_items::is_drop_impl;
use crate::model::{Block, Expr, ExprKind, Function, LoopKind, PathRef, Receiver, Stmt};
use crate::span::Span;

/// How far a sender is followed into the functions it is passed to.
const MAX_CALL_DEPTH: usize = 3;

/// An unbounded channel created in a function, with what is known of its producers.
#[derive(Clone, Debug)]
pub struct UnboundedChannel<'p> {
    pub function: FunctionRef,
    pub site: &'p CallSite,
    /// The constructor's path as written (`unbounded_channel`, `mpsc::channel`).
    pub written: Option<PathRef>,
    pub constructor: &'static UnboundedConstructor,
    /// Where senders run at a rate the program does not control.
    pub producers: Vec<Producer>,
    /// The function that sends also receives on the same thread: a bounded channel would
    /// block it forever once full.
    pub sender_also_receives: bool,
}

impl UnboundedChannel<'_> {
    /// Producers that nothing bounds.
    pub fn unbounded_producers(&self) -> impl Iterator<Item = &Producer> {
        self.producers
            .iter()
            .filter(|producer| producer.bounded_by.is_none())
    }
}

/// A place where the channel's sender is used at a rate set by input.
#[derive(Clone, Debug)]
pub struct Producer {
    pub function: FunctionRef,
    pub span: Span,
    pub kind: ProducerKind,
    /// What holds this producer back, if anything.
    pub bounded_by: Option<Bound>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProducerKind {
    /// The sender (or a clone) goes into a task, thread or call made once per item.
    HandedOutPerItem(Driver),
    /// A send once per item of a loop driven by input.
    SendPerItem(Driver),
    /// The sender is kept in a struct field that another function sends through.
    SharedState { owner: String, field: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// A semaphore permit (or `JoinSet` drain) is taken where the send happens.
    Permit,
    /// A one-shot reply is created and awaited where the send happens.
    Reply,
    /// A length or counter is checked before sending.
    LimitCheck,
}

/// Every unbounded channel created in a function in scope, with its producer evidence.
pub fn unbounded_channels<'p>(program: &'p Program<'_>) -> Vec<UnboundedChannel<'p>> {
    let functions: Vec<_> = program.functions().collect();
    let constructions: Vec<_> = functions
        .par_iter()
        .with_max_len(super::FUNCTIONS_PER_TASK)
        .flat_map_iter(|&(function_ref, function)| {
            program
                .call_sites
                .in_function(function_ref)
                .iter()
                .filter_map(move |site| {
                    let CallTarget::Path { resolved, .. } = &site.target else {
                        return None;
                    };
                    let constructor = unbounded_constructor_at(resolved)?;
                    Some((function_ref, function, site, constructor))
                })
        })
        .collect();
    if constructions.is_empty() {
        return Vec::new();
    }
    let field_sends = FieldSends::new(program);
    // Each channel's producer search is independent of the others.
    constructions
        .into_par_iter()
        .map(|(function_ref, function, site, constructor)| {
            channel(
                program,
                &field_sends,
                function_ref,
                function,
                site,
                constructor,
            )
        })
        .collect()
}

/// A send through a struct field: the field (owner type, name), where, and the call.
type FieldSend<'p> = ((String, String), FunctionRef, &'p CallSite);

/// Every send through a struct field (`self.events.send(..)`) in the program, by field,
/// in program order: found once, for the searches of all channels whose sender is stored
/// in a field (each would otherwise look at every call site of the program).
struct FieldSends<'p> {
    by_field: HashMap<(String, String), Vec<(FunctionRef, &'p CallSite)>>,
}

impl<'p> FieldSends<'p> {
    fn new(program: &'p Program<'_>) -> FieldSends<'p> {
        let functions: Vec<_> = program.functions().collect();
        let sends: Vec<Vec<FieldSend<'p>>> = functions
            .par_iter()
            .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
            // A method that consumes its value (`fn shutdown(self)`) runs once per instance.
            .filter(|(_, function)| function.receiver != Some(Receiver::Value))
            .map(|(function_ref, function)| {
                program
                    .call_sites
                    .in_function(*function_ref)
                    .iter()
                    .filter(|site| {
                        matches!(&site.target, CallTarget::Method { name, .. } if is_send_method(name))
                            && !sends_a_signal(function, site)
                    })
                    .filter_map(|site| {
                        let field = sent_through_field(program, *function_ref, function, site)?;
                        Some((field, *function_ref, site))
                    })
                    .collect()
            })
            .collect();
        let mut by_field: HashMap<(String, String), Vec<(FunctionRef, &'p CallSite)>> =
            HashMap::default();
        for (field, function, site) in sends.into_iter().flatten() {
            by_field.entry(field).or_default().push((function, site));
        }
        FieldSends { by_field }
    }

    /// The sends through any of `fields`, in program order.
    fn through(
        &self,
        fields: &[(String, String)],
    ) -> Vec<(&(String, String), FunctionRef, &'p CallSite)> {
        let mut sends: Vec<_> = self
            .by_field
            .iter()
            .filter(|(field, _)| fields.contains(field))
            .flat_map(|(field, sends)| {
                sends
                    .iter()
                    .map(move |(function, site)| (field, *function, *site))
            })
            .collect();
        // Program order: by function, then by the site's place in the function's list.
        sends.sort_by_key(|(_, function, site)| {
            (*function, site.span.byte_start, site.span.byte_end)
        });
        sends
    }
}

fn channel<'p>(
    program: &'p Program<'_>,
    field_sends: &FieldSends<'p>,
    function_ref: FunctionRef,
    function: &Function,
    site: &'p CallSite,
    constructor: &'static UnboundedConstructor,
) -> UnboundedChannel<'p> {
    let (sender, receiver) = bound_names(&function.body, site.span);
    let mut channel = UnboundedChannel {
        function: function_ref,
        site,
        written: written_callee(function, site),
        constructor,
        producers: Vec::new(),
        sender_also_receives: false,
    };
    let Some(sender) = sender else {
        return channel;
    };
    let mut search = ProducerSearch {
        program,
        producers: Vec::new(),
        visited: BTreeSet::new(),
        stored_in: Vec::new(),
        sole_owners: Vec::new(),
    };
    search.in_function(function_ref, vec![sender.clone()], 0, Some(site.span), true);
    search.through_shared_state(field_sends, function_ref);
    channel.producers = search.producers;
    channel.sender_also_receives = receiver.is_some_and(|receiver| {
        channel.producers.iter().any(|producer| {
            producer.function == function_ref
                && matches!(producer.kind, ProducerKind::SendPerItem(_))
        }) && receives_inline(&function.body, &receiver)
    });
    channel
}

struct ProducerSearch<'p, 'a> {
    program: &'p Program<'a>,
    producers: Vec<Producer>,
    /// (function, sender names) already searched.
    visited: BTreeSet<(FunctionRef, Vec<String>)>,
    /// Struct fields the sender was stored in: (owner, field).
    stored_in: Vec<(String, String)>,
    /// Of those, the fields that took the channel's own sender (moved, not a clone): each
    /// value of the owner holds a channel of its own.
    sole_owners: Vec<(String, String)>,
}

impl ProducerSearch<'_, '_> {
    /// Producers in `function` that use one of `senders` (local names of the sender).
    /// `created_at` is the constructor's span in the function that creates the channel: a
    /// loop around it makes a new channel per iteration, not a message per item. `original`:
    /// `senders` name the channel's own sender (moved here, not cloned).
    fn in_function(
        &mut self,
        function_ref: FunctionRef,
        senders: Vec<String>,
        depth: usize,
        created_at: Option<Span>,
        original: bool,
    ) {
        let function = self.program.function(function_ref);
        let senders = with_aliases(&function.body, senders);
        if !self.visited.insert((function_ref, senders.clone())) {
            return;
        }
        let bound = bound_in(self.program, function_ref, function);
        if let Some(loops) = self.program.loops_of(function_ref) {
            self.in_loops(function_ref, &loops, &senders, bound, created_at);
        }
        for (field, moved) in stored_fields(self.program, function_ref, function, &senders) {
            if original && moved {
                self.sole_owners.push(field.clone());
            }
            self.stored_in.push(field);
        }
        if depth >= MAX_CALL_DEPTH {
            return;
        }
        // A sender passed to a workspace function: follow it into the parameter it binds.
        for site in self.program.call_sites.in_function(function_ref) {
            let arguments = self.program.call_sites.arguments(function_ref, site);
            for (argument, expr) in arguments.iter().zip(call_arguments(function, site)) {
                let ParamSlot::Index(index) = argument.param else {
                    continue;
                };
                let index = index as usize;
                if !is_sender_expr(expr, &senders) {
                    continue;
                }
                for callee in site.callees.iter() {
                    let param = self
                        .program
                        .function(*callee)
                        .params
                        .get(index)
                        .and_then(|param| param.pattern.simple_name());
                    if let Some(param) = param {
                        let moved = original && is_plain_name(expr);
                        self.in_function(*callee, vec![param.to_string()], depth + 1, None, moved);
                    }
                }
            }
        }
    }

    /// Sends and hand-outs of the sender inside loops driven by input.
    fn in_loops(
        &mut self,
        function_ref: FunctionRef,
        loops: &FunctionLoops<'_>,
        senders: &[String],
        bound: Option<Bound>,
        created_at: Option<Span>,
    ) {
        for site in &loops.sites {
            let Some((driver, capped)) = per_item_driver(loops, site.scope, site.expr, created_at)
            else {
                continue;
            };
            let kind = match &site.expr.kind {
                ExprKind::MethodCall {
                    receiver, method, ..
                } if is_send_method(method) && is_sender_expr(receiver, senders) => {
                    if matches!(method.args().first().map(|arg| &arg.kind), Some(ExprKind::Compound(parts)) if parts.is_empty())
                    {
                        continue;
                    }
                    ProducerKind::SendPerItem(driver)
                }
                _ if hands_out_sender(site.expr, senders) => ProducerKind::HandedOutPerItem(driver),
                _ => continue,
            };
            self.producers.push(Producer {
                function: function_ref,
                span: site.expr.span,
                kind,
                bounded_by: bound.or(capped.then_some(Bound::LimitCheck)),
            });
        }
    }

    /// Sends through the struct fields the sender was stored in, anywhere in the program
    /// but another version of the package that made the channel (`made_in`): the same field
    /// path there is another struct's field.
    fn through_shared_state(&mut self, field_sends: &FieldSends<'_>, made_in: FunctionRef) {
        if self.stored_in.is_empty() {
            return;
        }
        let program = self.program;
        // Per function: whether it runs once per value and the bound around it, looked up
        // on first need.
        let mut current: Option<FunctionRef> = None;
        let mut once_per_value = None;
        let mut bound = None;
        let mut bound_known = false;
        for (field, function_ref, site) in field_sends.through(&self.stored_in) {
            if program
                .items
                .in_rival_packages(made_in.file(), function_ref.file())
            {
                continue;
            }
            if current != Some(function_ref) {
                current = Some(function_ref);
                once_per_value = None;
                bound = None;
                bound_known = false;
            }
            let function = program.function(function_ref);
            // The value that owns the channel sends once (from `Drop`, a setup step).
            if self.sole_owners.contains(field)
                && sends_through_self(function, site)
                && *once_per_value
                    .get_or_insert_with(|| runs_once_per_value(program, function_ref, 0))
            {
                continue;
            }
            if !bound_known {
                bound = bound_in(program, function_ref, function);
                bound_known = true;
            }
            self.producers.push(Producer {
                function: function_ref,
                span: site.span,
                kind: ProducerKind::SharedState {
                    owner: field.0.clone(),
                    field: field.1.clone(),
                },
                bounded_by: bound,
            });
        }
    }
}

/// The input-driven scope a site in a loop runs once per item of, and whether that loop is
/// capped by a counter (`count += 1; if count >= limit { break }`). Loops the site leaves
/// right after it (`tx.send(x); return;`) run it once, and a loop around the channel's
/// constructor makes a new channel per iteration: neither counts.
fn per_item_driver(
    loops: &FunctionLoops<'_>,
    scope: usize,
    site: &Expr,
    created_at: Option<Span>,
) -> Option<(Driver, bool)> {
    let mut current = Some(scope);
    while let Some(index) = current {
        let scope = &loops.scopes[index];
        if created_at.is_some_and(|constructor| scope.span.contains(constructor)) {
            return None;
        }
        if !loops.leaves_after(index, site.span) && scope.driver.grows_with_input() {
            return Some((scope.driver, loops.capped_by_counter(index)));
        }
        current = scope.parent;
    }
    None
}

/// How many callers up [`runs_once_per_value`] looks.
const MAX_ONCE_DEPTH: usize = 3;

/// Whether a method runs once per value of its `Self`: `Drop::drop`, a method that consumes
/// its value (`fn start(self)`), or a method whose every workspace caller is one of these and
/// calls it, outside any loop, on its own value (`self.shutdown_inner()` from `drop`,
/// `config.setup_api()` where `config` was taken out of `self`).
fn runs_once_per_value(program: &Program<'_>, function_ref: FunctionRef, depth: usize) -> bool {
    let function = program.function(function_ref);
    if function.receiver == Some(Receiver::Value)
        || function
            .trait_path
            .as_ref()
            .is_some_and(|path| is_drop_impl(path.last(), &function.name))
    {
        return true;
    }
    if depth >= MAX_ONCE_DEPTH {
        return false;
    }
    let callers = program.call_sites.callers_of(function_ref);
    !callers.is_empty()
        && callers.iter().all(|(caller, span)| {
            *caller != function_ref
                && !called_in_loop(program, *caller, *span)
                && called_on_own_value(program.function(*caller), *span)
                && runs_once_per_value(program, *caller, depth + 1)
        })
}

/// Whether the method call at `span` in `caller` is made on the caller's own value: `self`,
/// a field of it, or a local taken out of it (`let Self { config, .. } = self;`).
fn called_on_own_value(caller: &Function, span: Span) -> bool {
    let mut receiver = None;
    caller.body.walk(&mut |expr| {
        if expr.span == span
            && let ExprKind::MethodCall { receiver: r, .. } = &expr.kind
        {
            receiver = Some(&**r);
        }
    });
    let Some(receiver) = receiver else {
        return false;
    };
    if rooted_at_self(receiver) {
        return true;
    }
    let Some(name) = root_name(receiver) else {
        return false;
    };
    let mut taken_from_self = false;
    caller.body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let Some(init) = &let_stmt.init
                && rooted_at_self(init)
                && let_stmt.pattern.bindings.iter().any(|b| b.name == name)
            {
                taken_from_self = true;
            }
        }
    });
    taken_from_self
}

/// `self`, `self.a.b`, `&self.a`, `self.a.clone()`.
fn rooted_at_self(expr: &Expr) -> bool {
    matches!(root_name(expr), Some("self"))
}

/// The local at the root of a place expression (`self` in `self.a.b`).
fn root_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::Field(field) => current = &field.base,
            ExprKind::Reference { expr: base, .. } | ExprKind::Deref(base) => current = base,
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_same_value_method(method) => current = receiver,
            ExprKind::Path(path) if path.segments.len() == 1 => return Some(path.last()),
            _ => return None,
        }
    }
}

/// Whether a send goes through a field of the sending method's own value (`self.tx.send`).
fn sends_through_self(function: &Function, site: &CallSite) -> bool {
    let mut through_self = false;
    function.body.walk(&mut |expr| {
        if expr.span == site.span
            && let ExprKind::MethodCall { receiver, .. } = &expr.kind
        {
            through_self = rooted_at_self(receiver);
        }
    });
    through_self
}

/// `tx`: the value itself, not `tx.clone()` or `&tx`.
fn is_plain_name(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Path(path) if path.segments.len() == 1)
}

/// Whether the call at `span` in `function` is inside a loop or per-item closure.
fn called_in_loop(program: &Program<'_>, function: FunctionRef, span: Span) -> bool {
    program
        .loops_of(function)
        .is_some_and(|loops| loops.sites.iter().any(|site| site.expr.span == span))
}

/// The names a `let (tx, rx) = constructor()` binds to the sender and the receiver.
fn bound_names(body: &Block, constructor: Span) -> (Option<String>, Option<String>) {
    let mut found = (None, None);
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            let Stmt::Let(let_stmt) = stmt else {
                continue;
            };
            let Some(init) = &let_stmt.init else {
                continue;
            };
            if peel_result(init).span != constructor {
                continue;
            }
            let names = &let_stmt.pattern.tuple_names;
            found = (
                names.first().cloned().flatten(),
                names.get(1).cloned().flatten(),
            );
        }
    });
    found
}

/// The sender's names in a function: the given ones, and every `let` that copies one
/// (`let tx2 = tx.clone()`, `let tx = tx;`).
fn with_aliases(body: &Block, mut senders: Vec<String>) -> Vec<String> {
    for _round in 0..3 {
        let mut added = false;
        body.walk_blocks(&mut |block| {
            for stmt in &block.stmts {
                let Stmt::Let(let_stmt) = stmt else {
                    continue;
                };
                let (Some(name), Some(init)) = (let_stmt.pattern.simple_name(), &let_stmt.init)
                else {
                    continue;
                };
                if is_sender_expr(init, &senders) && !senders.iter().any(|s| s == name) {
                    senders.push(name.to_string());
                    added = true;
                }
            }
        });
        if !added {
            break;
        }
    }
    senders.sort();
    senders
}

/// `tx`, `&tx`, `tx.clone()`, `Arc::clone(&tx)`, `self.tx` is not (that is a field).
fn is_sender_expr(expr: &Expr, senders: &[String]) -> bool {
    match &expr.kind {
        ExprKind::Path(path) => {
            path.segments.len() == 1 && senders.iter().any(|sender| sender == path.last())
        }
        ExprKind::Reference { expr: inner, .. } => is_sender_expr(inner, senders),
        ExprKind::MethodCall {
            receiver, method, ..
        } if method.args().is_empty() && is_clone_method(method) => {
            is_sender_expr(receiver, senders)
        }
        ExprKind::Call { callee, args } if args.len() == 1 => {
            matches!(&callee.kind, ExprKind::Path(path) if is_shared_pointer_clone_path(&path.segments))
                && is_sender_expr(&args[0], senders)
        }
        _ => false,
    }
}

/// Whether a call hands the sender to other code: as an argument, or captured by a closure
/// or async block passed to it (a task spawned per item, a handler called per connection).
fn hands_out_sender(expr: &Expr, senders: &[String]) -> bool {
    let args: &[Expr] = match &expr.kind {
        ExprKind::Call { args, .. } => args,
        ExprKind::MethodCall { method, .. } => method.args(),
        ExprKind::Macro(call) => &call.args,
        _ => return false,
    };
    args.iter().any(|arg| {
        is_sender_expr(arg, senders)
            || (matches!(arg.kind, ExprKind::Closure { .. } | ExprKind::Async { .. })
                && mentions(arg, senders))
    })
}

/// Whether `expr` mentions one of `names` as a plain path.
fn mentions(expr: &Expr, names: &[String]) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::Path(path) = &inner.kind
            && path.segments.len() == 1
            && names.iter().any(|name| name == path.last())
        {
            found = true;
        }
    });
    found
}

/// `S { field: tx, .. }` and `S { tx }`: the (struct, field) pairs the sender is stored in,
/// and whether the sender itself was moved there (`tx`, not `tx.clone()`).
fn stored_fields(
    program: &Program<'_>,
    function_ref: FunctionRef,
    function: &Function,
    senders: &[String],
) -> Vec<((String, String), bool)> {
    let scope = program.type_scope(function_ref);
    let mut stored = Vec::new();
    function.body.walk(&mut |expr| {
        let ExprKind::Struct(literal) = &expr.kind else {
            return;
        };
        for (field, value) in &literal.fields {
            if is_sender_expr(value, senders) {
                let owner = program.typing().types.resolve_path(&scope, &literal.path);
                stored.push(((owner, field.clone()), is_plain_name(value)));
            }
        }
    });
    stored
}

/// For `base.field.send(..)` where `base` has one of our struct types: (struct, field).
fn sent_through_field(
    program: &Program<'_>,
    function_ref: FunctionRef,
    function: &Function,
    site: &CallSite,
) -> Option<(String, String)> {
    let mut receiver = None;
    function.body.walk(&mut |expr| {
        if expr.span == site.span
            && let ExprKind::MethodCall { receiver: r, .. } = &expr.kind
        {
            receiver = Some(&**r);
        }
    });
    let mut receiver = receiver?;
    while let ExprKind::Reference { expr, .. } | ExprKind::MethodCall { receiver: expr, .. } =
        &receiver.kind
    {
        match &receiver.kind {
            ExprKind::MethodCall { method, .. }
                if !is_clone_method(method) || !method.args().is_empty() =>
            {
                return None;
            }
            _ => receiver = expr,
        }
    }
    let ExprKind::Field(field) = &receiver.kind else {
        return None;
    };
    let owner = program.type_of(function_ref, &field.base)?;
    let owner = owner.peel_wrappers().path()?.to_string();
    Some((owner, field.member.to_string()))
}

/// What holds back the producers of a function: a permit taken, a one-shot reply created,
/// or a limit read in a condition, anywhere in it.
fn bound_in(
    program: &Program<'_>,
    function_ref: FunctionRef,
    function: &Function,
) -> Option<Bound> {
    let bound_calls = program.knowledge.bound_calls();
    let mut found = None;
    for site in program.call_sites.in_function(function_ref) {
        match &site.target {
            CallTarget::Method { name, .. } if bound_calls.contains(&name.as_str()) => {
                found = Some(Bound::Permit);
            }
            CallTarget::Path { resolved, .. } if is_oneshot_constructor_at(resolved) => {
                found = found.or(Some(Bound::Reply));
            }
            _ => {}
        }
    }
    if found.is_some() {
        return found;
    }
    if rations_work(&function.body) {
        return Some(Bound::LimitCheck);
    }
    let counters = counter_bindings(&function.body);
    let mut limit = false;
    function.body.walk(&mut |expr| {
        let condition = match &expr.kind {
            ExprKind::If(if_expr) => &if_expr.condition,
            ExprKind::Loop(loop_expr) if let LoopKind::While { condition } = &loop_expr.kind => {
                condition
            }
            _ => return,
        };
        limit |= reads_a_limit(condition, &counters);
    });
    limit.then_some(Bound::LimitCheck)
}

/// A fallible reservation on a quota or limiter in the function's own flow
/// (`self.memory_quota.alloc(bytes)?`): work over the limit is refused before it is sent.
/// Not inside closures or async blocks, which run elsewhere (a consumer task that waits on
/// a rate limiter does not hold the producers back).
fn rations_work(body: &Block) -> bool {
    let mut found = false;
    let mut stack: Vec<&Expr> = Vec::new();
    body.for_each_expr(&mut |expr| stack.push(expr));
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Closure { .. } | ExprKind::Async { .. } => continue,
            ExprKind::Try(inner) => {
                let call = match &inner.kind {
                    ExprKind::Await(awaited) => awaited,
                    _ => inner,
                };
                if let ExprKind::MethodCall { receiver, .. } = &call.kind {
                    found |= names_rationing_value(receiver);
                }
            }
            _ => {}
        }
        expr.for_each_child(&mut |child| stack.push(child));
    }
    found
}

fn names_rationing_value(expr: &Expr) -> bool {
    name_of(expr).is_some_and(|name| names_rationing(&name.to_lowercase()))
}

/// Locals bound to a counter read (`let before = in_flight.fetch_add(1, ..)`).
fn counter_bindings(body: &Block) -> Vec<String> {
    let mut names = Vec::new();
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let (Some(name), Some(init)) = (let_stmt.pattern.simple_name(), &let_stmt.init)
                && reads_counter(init)
            {
                names.push(name.to_string());
            }
        }
    });
    names
}

fn reads_counter(expr: &Expr) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::MethodCall { method, .. } = &inner.kind
            && is_counter_method(method)
        {
            found = true;
        }
    });
    found
}

/// Whether a condition reads how busy things are: a counter (`in_flight.load(..)`, a local
/// bound to one), a queue's depth (`tx.len()`), or a value named like work in flight.
fn reads_a_limit(condition: &Expr, counters: &[String]) -> bool {
    let mut found = false;
    condition.walk(&mut |inner| match &inner.kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } => {
            let named_in_flight =
                name_of(receiver).is_some_and(|name| names_in_flight_counter(&name.to_lowercase()));
            found |= is_counter_method(method)
                || (is_queue_depth_method(method) && named_in_flight)
                || names_rationing_value(receiver);
        }
        ExprKind::Path(path) if path.segments.len() == 1 => {
            found |= counters.iter().any(|counter| counter == path.last());
        }
        _ => {}
    });
    found
}

/// Whether the function takes messages off `receiver` itself (not in a closure or task):
/// `rx.recv()`, `rx.try_iter()`, `for x in rx`.
fn receives_inline(body: &Block, receiver: &str) -> bool {
    let names = [receiver.to_string()];
    let mut found = false;
    let mut stack: Vec<&Expr> = Vec::new();
    body.for_each_expr(&mut |expr| stack.push(expr));
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Closure { .. } | ExprKind::Async { .. } => continue,
            ExprKind::MethodCall {
                receiver: target,
                method,
                ..
            } if is_take_method(method) && is_sender_expr(target, &names) => found = true,
            ExprKind::Loop(loop_expr)
                if let LoopKind::For(head) = &loop_expr.kind
                    && is_sender_expr(&head.iterable, &names) =>
            {
                found = true
            }
            _ => {}
        }
        expr.for_each_child(&mut |child| stack.push(child));
    }
    found
}

/// The path a call site's callee is written as, read at the site's span.
fn written_callee(function: &Function, site: &CallSite) -> Option<PathRef> {
    let ExprKind::Call { callee, .. } = &function.body.expr_at(site.span)?.kind else {
        return None;
    };
    match &callee.kind {
        ExprKind::Path(path) => Some(path.clone()),
        _ => None,
    }
}

/// The argument expressions of a call site, in the order of [`CallSite::arguments`].
fn call_arguments<'f>(function: &'f Function, site: &CallSite) -> Vec<&'f Expr> {
    let mut arguments = Vec::new();
    function.body.walk(&mut |expr| {
        if expr.span != site.span {
            return;
        }
        match &expr.kind {
            ExprKind::Call { args, .. } => arguments = args.iter().collect(),
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                arguments = std::iter::once(&**receiver).chain(method.args()).collect();
            }
            _ => {}
        }
    });
    arguments
}

/// `tx.send(())`: a signal (shutdown, wake-up), not a stream of work.
fn sends_a_signal(function: &Function, site: &CallSite) -> bool {
    let arguments = call_arguments(function, site);
    matches!(arguments.get(1).map(|arg| &arg.kind), Some(ExprKind::Compound(parts)) if parts.is_empty())
}

/// `x?`, `x.unwrap()`, `x.expect(..)` → `x`.
fn peel_result(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) => peel_result(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => peel_result(receiver),
        _ => expr,
    }
}
