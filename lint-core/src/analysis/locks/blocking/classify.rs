//! Which candidate calls block, by the knowledge tables and the receiver's type: `send` on
//! a `SyncSender` or a bounded crossbeam sender blocks, on an unbounded one it does not;
//! `read` on a `File` is I/O, on an `RwLock` it is an acquisition (never a candidate). A
//! receiver of unknown type blocks only for the few methods every receiver of that name
//! blocks in (`to_socket_addrs`). Also which held guards a call does not count: a guard of
//! the very stream it writes to (serialized writes are the lock's purpose), or of a lock
//! that holds nothing but the receiver or handle it waits on.

use super::Inputs;
use super::origins::{Origins, all_bounded, origins_of, peel_result};
use super::single_use::{is_single_use_send, local_name, sent_once_after};
use super::values::{FunctionValues, deref_value, peel_pointers};
use crate::analysis::locks::guards::{BlockingCandidate, CandidateKind, Held, HoldReason};
use crate::analysis::locks::identity::{ClassKey, LockTarget};
use crate::analysis::types::Ty;
use crate::knowledge::blocking::{
    BlockingKind, BlockingMethod, Capacity, SHORT_WAIT_MILLIS, Wait, blocking_any_receiver,
    blocking_await_of, blocking_method, duration_millis, is_blocking_http_builder_function,
    is_blocking_http_client, is_http_builder_send, is_short_duration_constructor, through_buffer,
};
use crate::knowledge::blocking::{
    WRITE_MACRO_METHOD, is_io_resource_type, is_join_handle_type, is_nonblocking_io_marker,
    runs_only_on_failure,
};
use crate::knowledge::channels::{is_channel_end_type, is_generic_end_name};
use crate::knowledge::locks::{LockFlavor, acquire_method, lock_type_at};
use crate::model::{Block, Expr, ExprKind, Stmt};
use crate::span::Span;

/// How deep a value is followed back to the guard it came from.
const MAX_PROVENANCE_DEPTH: usize = 4;

/// A blocking operation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockingOp {
    pub kind: BlockingKind,
    /// The call as messages show it: `SyncSender::send`, `thread::sleep`.
    pub call: String,
    /// It waits at an `.await` (the task waits, not the thread).
    pub awaited: bool,
    /// For a `Condvar` wait: the lock it releases while it waits.
    pub releases: Option<LockTarget>,
}

/// Guards a blocking call does not count.
#[derive(Clone, Copy, Debug)]
enum Exemption<'e> {
    None,
    /// I/O on a value reached through the guard: the lock serializes that I/O.
    GuardOfTarget(&'e Expr),
    /// A wait on a receiver, handle or runtime that is all the lock holds
    /// (`Mutex<Receiver<T>>`).
    LockHoldingOnly(&'e str),
}

/// A candidate found to block.
pub struct Classified<'e> {
    pub op: BlockingOp,
    /// Where findings point: from the method's name to the end of the call, so that a
    /// long chain is reported on the line of the call that blocks.
    pub span: Option<Span>,
    exemption: Exemption<'e>,
}

/// Whether (and how) a candidate blocks.
pub fn classify<'e>(
    inputs: &Inputs<'_, '_>,
    values: &'e FunctionValues<'_>,
    candidate: &BlockingCandidate,
) -> Option<Classified<'e>> {
    match &candidate.kind {
        CandidateKind::Function { path, kind } => Some(Classified {
            op: BlockingOp {
                kind: *kind,
                call: short_function(path),
                awaited: false,
                releases: None,
            },
            span: None,
            exemption: Exemption::None,
        }),
        CandidateKind::CondvarWait { released } => {
            let expr = find_expr(values, candidate.span);
            let call = expr.map(|expr| &expr.kind);
            // `wait_timeout(guard, Duration::from_millis(5))`: a short bound, not a stall.
            if let Some(ExprKind::MethodCall { method, .. }) = call
                && method
                    .args()
                    .iter()
                    .any(|arg| is_short_duration(values, arg))
            {
                return None;
            }
            Some(Classified {
                op: BlockingOp {
                    kind: BlockingKind::CondvarWait,
                    call: match call {
                        Some(ExprKind::MethodCall { method, .. }) => format!("Condvar::{method}"),
                        _ => "Condvar::wait".to_string(),
                    },
                    awaited: false,
                    releases: Some(released.clone()),
                },
                // At the method's name, as for other blocking calls in a chain.
                span: expr.map(|expr| from_method(expr, expr)),
                exemption: Exemption::None,
            })
        }
        CandidateKind::Method => {
            let expr = find_expr(values, candidate.span)?;
            method_call(inputs, values, expr)
        }
        CandidateKind::WriteMacro => {
            let expr = find_expr(values, candidate.span)?;
            write_macro(values, expr)
        }
        CandidateKind::Await => {
            let expr = find_expr(values, candidate.span)?;
            let ExprKind::Await(inner) = &expr.kind else {
                return None;
            };
            let mut classified = awaited(inputs, values, inner)?;
            classified.span = Some(from_method(inner, expr));
            Some(classified)
        }
    }
}

impl Classified<'_> {
    /// Whether holding `held` during this call counts.
    pub fn counts(&self, values: &FunctionValues<'_>, held: &Held) -> bool {
        if !counts_for(&self.op, held) {
            return false;
        }
        if self.op.kind.is_io() && serializes_only(values, &held.target) {
            return false;
        }
        match self.exemption {
            Exemption::None => true,
            Exemption::GuardOfTarget(target) => !derives_from(values, target, held, 0),
            Exemption::LockHoldingOnly(type_path) => {
                lock_contents(values, &held.target).as_deref() != Some(type_path)
            }
        }
    }
}

/// Whether a guard held during a blocking operation counts, wherever the operation is:
/// not a lock of unknown identity, not a blocking lock's guard across an `.await` (that
/// is `guard_across_await`'s finding), not the lock a `Condvar` wait releases.
pub fn counts_for(op: &BlockingOp, held: &Held) -> bool {
    if held.target.class.is_textual() {
        return false;
    }
    if op.awaited && held.target.lock_type.flavor == LockFlavor::Blocking {
        return false;
    }
    op.releases
        .as_ref()
        .is_none_or(|released| released.class != held.target.class)
}

/// A lock that holds no data (`Mutex<()>`): it exists to serialize the code it guards,
/// I/O included.
pub fn serializes_only(values: &FunctionValues<'_>, target: &LockTarget) -> bool {
    lock_inner_type(values, target)
        .is_some_and(|inner| matches!(inner, Ty::Tuple(elements) if elements.is_empty()))
}

/// Whether the call at `span` runs only when the acquisition of `held` failed: inside the
/// closure of `m.lock().map_err(|e| ..)` or `.unwrap_or_else(|e| ..)`, where the guard is
/// inside a poison error.
pub fn in_failure_handler(body: &Block, span: Span, held: &Held) -> bool {
    let mut found = false;
    body.walk(&mut |expr| {
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &expr.kind
            && runs_only_on_failure(method)
            && receiver.span.contains(held.site)
            && method
                .args()
                .iter()
                .any(|arg| matches!(arg.kind, ExprKind::Closure { .. }) && arg.span.contains(span))
        {
            found = true;
        }
    });
    found
}

/// Whether the call at `span` passes the guard `held` (or a value reached through it) to
/// the function it calls, and the lock holds a file, socket or process: I/O that function
/// does is on what the lock protects.
pub fn passes_guard(values: &FunctionValues<'_>, span: Span, held: &Held) -> bool {
    if !lock_inner_type(values, &held.target)
        .is_some_and(|data| holds_io_resource(values, &data, 0))
    {
        return false;
    }
    call_is_given_guard(values, span, held)
}

/// Whether the call at `span` is given the guard `held` (or what it protects) and the lock
/// holds nothing but a channel end or a thread handle (through one-field wrappers:
/// `Mutex<Server>` with `struct Server { rx: Receiver<T> }`): a wait the callee makes on it
/// is the `Mutex<Receiver<T>>` hand-over, not a wait with other work locked out.
pub fn waits_on_lock_contents(values: &FunctionValues<'_>, span: Span, held: &Held) -> bool {
    if !lock_contents(values, &held.target)
        .is_some_and(|contents| is_channel_end_type(&contents) || is_join_handle_type(&contents))
    {
        return false;
    }
    call_is_given_guard(values, span, held)
}

/// Whether the call at `span` gets the guard `held` (or a value reached through it) as an
/// argument or as its receiver (`guard.write_buffer(..)` works on what the lock protects).
fn call_is_given_guard(values: &FunctionValues<'_>, span: Span, held: &Held) -> bool {
    let Some(call) = find_expr(values, span) else {
        return false;
    };
    let args: Vec<&Expr> = match &call.kind {
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::MethodCall {
            receiver, method, ..
        } => std::iter::once(&**receiver).chain(method.args()).collect(),
        _ => return false,
    };
    args.into_iter()
        .any(|arg| derives_from(values, arg, held, 0))
}

/// `receiver.method(..)` that blocks the thread.
fn method_call<'e>(
    inputs: &Inputs<'_, '_>,
    values: &'e FunctionValues<'_>,
    expr: &'e Expr,
) -> Option<Classified<'e>> {
    let ExprKind::MethodCall {
        receiver, method, ..
    } = &expr.kind
    else {
        return None;
    };
    let receiver_type = values.type_of(receiver);
    if let Some(ty) = &receiver_type
        && let Some((type_path, entry)) = table_entry(ty, method, Wait::Thread)
    {
        if !waits(inputs, values, entry, expr, receiver, method.args())
            || (entry.kind.is_io() && does_nonblocking_io(values.body))
        {
            return None;
        }
        return Some(Classified {
            op: BlockingOp {
                kind: entry.kind,
                call: format!("{}::{method}", short_type(&type_path)),
                awaited: false,
                releases: None,
            },
            span: Some(from_method(expr, expr)),
            exemption: exemption(entry.kind, receiver, entry.type_path),
        });
    }
    if let Some(ty) = &receiver_type
        && let Some(name) = deref_value(ty).last_segment()
        && inputs.knowledge.is_extra_blocking_method(name, method)
    {
        return Some(Classified {
            op: BlockingOp {
                kind: BlockingKind::Custom,
                call: format!("{name}::{method}"),
                awaited: false,
                releases: None,
            },
            span: Some(from_method(expr, expr)),
            exemption: Exemption::GuardOfTarget(receiver),
        });
    }
    if is_http_builder_send(method) && sends_blocking_request(values, receiver) {
        return Some(Classified {
            op: BlockingOp {
                kind: BlockingKind::Http,
                call: method.to_string(),
                awaited: false,
                releases: None,
            },
            span: Some(from_method(expr, expr)),
            exemption: Exemption::None,
        });
    }
    let kind = blocking_any_receiver(method)?;
    Some(Classified {
        op: BlockingOp {
            kind,
            call: method.to_string(),
            awaited: false,
            releases: None,
        },
        span: Some(from_method(expr, expr)),
        exemption: Exemption::None,
    })
}

/// `write!(w, ..)`/`writeln!(w, ..)` on a file or socket: the formatted write goes to `w`.
fn write_macro<'e>(values: &'e FunctionValues<'_>, expr: &'e Expr) -> Option<Classified<'e>> {
    let ExprKind::Macro(call) = &expr.kind else {
        return None;
    };
    let target = call.args.first()?;
    let ty = values.type_of(target)?;
    let (type_path, entry) = table_entry(&ty, WRITE_MACRO_METHOD, Wait::Thread)?;
    if entry.kind.is_io() && does_nonblocking_io(values.body) {
        return None;
    }
    Some(Classified {
        op: BlockingOp {
            kind: entry.kind,
            call: format!("{}!({}, ..)", call.path.last(), short_type(&type_path)),
            awaited: false,
            releases: None,
        },
        span: None,
        exemption: exemption(entry.kind, target, entry.type_path),
    })
}

/// `inner.await` that waits for another task or for room in a bounded channel.
fn awaited<'e>(
    inputs: &Inputs<'_, '_>,
    values: &'e FunctionValues<'_>,
    inner: &'e Expr,
) -> Option<Classified<'e>> {
    if let ExprKind::MethodCall {
        receiver, method, ..
    } = &inner.kind
    {
        let ty = values.type_of(receiver)?;
        let (type_path, entry) = table_entry(&ty, method, Wait::Await)?;
        if !waits(inputs, values, entry, inner, receiver, method.args()) {
            return None;
        }
        return Some(Classified {
            op: BlockingOp {
                kind: entry.kind,
                call: format!("{}::{method}", short_type(&type_path)),
                awaited: true,
                releases: None,
            },
            span: None,
            exemption: exemption(entry.kind, receiver, entry.type_path),
        });
    }
    let ty = values.type_of(inner)?;
    let type_path = deref_value(&ty).path()?.to_string();
    let entry = blocking_await_of(&type_path)?;
    Some(Classified {
        op: BlockingOp {
            kind: entry.kind,
            call: short_type(&type_path),
            awaited: true,
            releases: None,
        },
        span: None,
        exemption: exemption(entry.kind, inner, entry.type_path),
    })
}

/// The table entry for `method` on a receiver of type `ty` (through buffered readers to
/// the stream inside), with the type it was found on.
fn table_entry(ty: &Ty, method: &str, wait: Wait) -> Option<(String, &'static BlockingMethod)> {
    let value = deref_value(ty);
    let type_path = value.path()?;
    let (value, method) = match through_buffer(type_path, method) {
        Some(inner_method) => (deref_value(value.args().first()?), inner_method),
        None => (value, method),
    };
    let type_path = value.path()?;
    let entry = blocking_method(type_path, method)?;
    (entry.wait == wait).then(|| (type_path.to_string(), entry))
}

/// Whether a listed method really waits: a timed wait with a short bound does not count,
/// nor a send on a channel not known to be bounded.
fn waits(
    inputs: &Inputs<'_, '_>,
    values: &FunctionValues<'_>,
    entry: &BlockingMethod,
    call: &Expr,
    receiver: &Expr,
    args: &[Expr],
) -> bool {
    if entry.timed
        && args
            .last()
            .is_some_and(|arg| is_short_duration(values, arg))
    {
        return false;
    }
    if entry.kind == BlockingKind::Receive && checked_not_empty(values, call, receiver) {
        return false;
    }
    if entry.kind == BlockingKind::BoundedSend {
        let origins = origins_of(inputs, values, receiver);
        if first_send_on_fresh_channel(values, call, receiver, &origins)
            || is_single_use_send(inputs, values, call, receiver, &origins)
        {
            return false;
        }
        return entry.capacity == Capacity::Any || all_bounded(&origins);
    }
    entry.capacity == Capacity::Any || all_bounded(&origins_of(inputs, values, receiver))
}

/// `if rx.is_empty() { break } rx.recv()` (or a receive under `if !rx.is_empty()`) on a
/// receiver behind a guard this function took: no other consumer can empty it in between,
/// so the receive returns at once.
fn checked_not_empty(values: &FunctionValues<'_>, call: &Expr, receiver: &Expr) -> bool {
    let ExprKind::Path(path) = &receiver.kind else {
        return false;
    };
    if path.segments.len() != 1 {
        return false;
    }
    let name = path.last();
    let exclusive = values.bindings(name).iter().any(|local| {
        matches!(&peel_result(local.source).kind,
            ExprKind::MethodCall { method, .. } if acquire_method(method).is_some())
    });
    if !exclusive {
        return false;
    }
    let mut checked = false;
    values.body.walk(&mut |expr| {
        let ExprKind::If(if_expr) = &expr.kind else {
            return;
        };
        let (condition, then_branch) = (&if_expr.condition, &if_expr.then_branch);
        let Some((_, negated)) = emptiness_test(condition, name) else {
            return;
        };
        // `if !rx.is_empty() { rx.recv() }`
        let guards_the_call = negated && then_branch.span.contains(call.span);
        // `if .. || rx.is_empty() { break; } .. rx.recv()`
        let leaves_before_it =
            !negated && expr.span.byte_end <= call.span.byte_start && leaves(then_branch);
        checked |= guards_the_call || leaves_before_it;
    });
    checked
}

/// In a condition, `name.is_empty()` (and whether it is negated: `!name.is_empty()`), also as
/// one operand of `||`.
fn emptiness_test(condition: &Expr, name: &str) -> Option<(bool, bool)> {
    match &condition.kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } if method == "is_empty"
            && matches!(&receiver.kind, ExprKind::Path(path)
                if path.segments.len() == 1 && path.last() == name) =>
        {
            Some((true, false))
        }
        // `!x.is_empty()`: the model keeps a unary operator as its one operand, and on a
        // `bool` that operator can only be `!`.
        ExprKind::Compound(parts) if parts.len() == 1 => {
            emptiness_test(&parts[0], name).map(|(tested, negated)| (tested, !negated))
        }
        ExprKind::LazyBoolean { lhs, rhs } => {
            emptiness_test(lhs, name).or_else(|| emptiness_test(rhs, name))
        }
        _ => None,
    }
}

/// A block that ends the loop or the function: `break`, `return` or `continue`.
fn leaves(block: &crate::model::Block) -> bool {
    block.stmts.iter().any(|stmt| match stmt {
        crate::model::Stmt::Expr { expr, .. } => matches!(
            expr.kind,
            ExprKind::Break(_) | ExprKind::Return(_) | ExprKind::Continue
        ),
        crate::model::Stmt::Let(_) => false,
    })
}

/// `let (tx, rx) = mpsc::channel(128); .. tx.send(hello).await`: the first message on a
/// channel with room, made in this function, cannot wait. It is the first when nothing
/// between the constructor and the send mentions the sender, and no loop or closure runs
/// the send again without making a new channel.
fn first_send_on_fresh_channel(
    values: &FunctionValues<'_>,
    call: &Expr,
    receiver: &Expr,
    origins: &Origins,
) -> bool {
    let Some(sender) = local_name(receiver) else {
        return false;
    };
    let [origin] = origins.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let body = values.body.span;
    if !body.contains(origin.site) || origin.site.byte_end > call.span.byte_start {
        return false;
    }
    let has_room =
        find_expr(values, origin.site).is_some_and(|constructor| match &constructor.kind {
            ExprKind::Call { args, .. } => args
                .first()
                .and_then(|capacity| values.integer_literal(capacity))
                .is_some_and(|capacity| capacity >= 1),
            _ => false,
        });
    if !has_room {
        return false;
    }
    sent_once_after(values.body, sender, origin.site, call, receiver)
}

fn exemption<'e>(kind: BlockingKind, target: &'e Expr, type_path: &'static str) -> Exemption<'e> {
    match kind {
        BlockingKind::FileIo | BlockingKind::NetIo | BlockingKind::Process => {
            Exemption::GuardOfTarget(target)
        }
        // `Mutex<Receiver<T>>`, `Mutex<JoinHandle>`, `Mutex<Runtime>`: the lock hands the
        // one value out, and waiting on it is what it is for.
        BlockingKind::Receive | BlockingKind::Join | BlockingKind::BlockOn => {
            Exemption::LockHoldingOnly(type_path)
        }
        _ => Exemption::None,
    }
}

/// Whether a function does its I/O in non-blocking mode (it handles `WouldBlock`).
fn does_nonblocking_io(body: &Block) -> bool {
    let mut found = false;
    body.walk(&mut |expr| match &expr.kind {
        ExprKind::Path(path) => found |= is_nonblocking_io_marker(path.last()),
        ExprKind::MethodCall { method, .. } => found |= is_nonblocking_io_marker(method),
        _ => {}
    });
    found
}

/// Whether `held` is a `try_*` acquisition bound as it came (`let g = m.try_lock();`):
/// the binding is an `Option`/`Result` that may hold no guard, and code after a failed
/// check (`if g.is_some() { return; }`) runs without the lock.
pub fn may_hold_nothing(body: &Block, held: &Held) -> bool {
    if !held.is_try {
        return false;
    }
    let HoldReason::Binding(name) = &held.reason else {
        return false;
    };
    let mut found = false;
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.pattern.simple_name() == Some(name.as_str())
                && let_stmt
                    .init
                    .as_ref()
                    .is_some_and(|init| init.span == held.site)
            {
                found = true;
            }
        }
    });
    found
}

/// From the method name of `call` (when it is a method call) to the end of `whole`.
fn from_method(call: &Expr, whole: &Expr) -> Span {
    match &call.kind {
        ExprKind::MethodCall { method, .. } => Span {
            byte_start: method.span().byte_start,
            ..whole.span
        },
        _ => whole.span,
    }
}

/// `Duration::from_millis(5)`: a bound too short to stall anything. With a literal the
/// length decides; otherwise the unit does (milliseconds and finer count as short).
fn is_short_duration(values: &FunctionValues<'_>, expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Call { callee, args } => {
            let ExprKind::Path(path) = &callee.kind else {
                return false;
            };
            let literal = args.first().and_then(|arg| values.integer_literal(arg));
            match literal {
                Some(value) => duration_millis(path.last(), value)
                    .is_some_and(|millis| millis <= SHORT_WAIT_MILLIS),
                None => is_short_duration_constructor(path.last()),
            }
        }
        ExprKind::Reference { expr: inner, .. } => is_short_duration(values, inner),
        _ => false,
    }
}

/// `client.get(url).send()` on a blocking client, `ureq::get(url).call()`.
fn sends_blocking_request(values: &FunctionValues<'_>, receiver: &Expr) -> bool {
    // `x.send()` on a plain value builds no request: only a chain (`client.get(url)`) or
    // a builder function's result (`ureq::get(url)`) is one.
    if !matches!(
        receiver.kind,
        ExprKind::MethodCall { .. } | ExprKind::Call { .. }
    ) {
        return false;
    }
    let mut root = receiver;
    while let ExprKind::MethodCall { receiver, .. } = &root.kind {
        root = receiver;
    }
    if let ExprKind::Call { .. } = &root.kind
        && let Some(site) = values.call_at(root.span)
        && let Some(resolved) = site.resolved_path()
        && is_blocking_http_builder_function(&resolved.display())
    {
        return true;
    }
    values
        .type_of(root)
        .and_then(|ty| deref_value(&ty).path().map(is_blocking_http_client))
        .unwrap_or(false)
}

/// Whether `expr` is reached through the guard `held`: made from the acquisition itself
/// (`self.file.lock().unwrap().write_all(..)`) or from a local bound from the guard.
fn derives_from(values: &FunctionValues<'_>, expr: &Expr, held: &Held, depth: usize) -> bool {
    if expr.span.contains(held.site) {
        return true;
    }
    if depth >= MAX_PROVENANCE_DEPTH {
        return false;
    }
    // A struct or tuple built from the guard (`LogFile { writer: &mut guard, .. }`), or
    // what a call given the guard returns (`self.get_writer(&mut guard)?`).
    let parts: Vec<&Expr> = match &expr.kind {
        ExprKind::Struct(literal) => literal.fields.iter().map(|(_, value)| value).collect(),
        ExprKind::Compound(parts) => parts.iter().collect(),
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::MethodCall { method, .. } => method.args().iter().collect(),
        ExprKind::Try(inner) => vec![&**inner],
        _ => Vec::new(),
    };
    if parts
        .into_iter()
        .any(|part| derives_from(values, part, held, depth + 1))
    {
        return true;
    }
    let Some(root) = root_name(expr) else {
        return false;
    };
    if matches!(&held.reason, HoldReason::Binding(name) | HoldReason::Parameter(name) if name == root)
    {
        return true;
    }
    values
        .bindings(root)
        .iter()
        .any(|local| derives_from(values, local.source, held, depth + 1))
}

/// The local a place expression starts from: `stream` in `inner.stream.get_mut()`.
fn root_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => return Some(path.last()),
            ExprKind::Field(field) => current = &field.base,
            ExprKind::MethodCall {
                receiver: inner, ..
            }
            | ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner)
            | ExprKind::Try(inner)
            | ExprKind::Await(inner) => current = inner,
            _ => return None,
        }
    }
}

/// How deep struct fields are searched for an I/O resource.
const MAX_RESOURCE_DEPTH: usize = 2;

/// Whether a type is, or holds (in type arguments or, a few levels deep, struct fields),
/// a file, a socket, a child process or a buffered reader or writer.
fn holds_io_resource(values: &FunctionValues<'_>, ty: &Ty, depth: usize) -> bool {
    match ty {
        Ty::Path { path, args } => {
            if is_io_resource_type(path) {
                return true;
            }
            if args.iter().any(|arg| holds_io_resource(values, arg, depth)) {
                return true;
            }
            if depth >= MAX_RESOURCE_DEPTH {
                return false;
            }
            let typing = values.typing;
            let Some(item) = typing.types.items.struct_at(path) else {
                return false;
            };
            let definition = crate::analysis::items::struct_def(typing.types.files, item);
            definition.fields.iter().any(|field| {
                typing
                    .field_type(path, &field.name)
                    .is_some_and(|field_ty| holds_io_resource(values, &field_ty, depth + 1))
            })
        }
        Ty::Ref { inner, .. } | Ty::Slice(inner) => holds_io_resource(values, inner, depth),
        Ty::Tuple(elements) => elements
            .iter()
            .any(|element| holds_io_resource(values, element, depth)),
        Ty::Bounds(_) | Ty::Unknown => false,
    }
}

/// What a lock holds, when that is a single value (through `Option`, pointers and
/// workspace structs of one field): `Mutex<Option<Receiver<T>>>` and `Mutex<Server>` with
/// `struct Server { rx: Receiver<T> }` hold a `Receiver`.
fn lock_contents(values: &FunctionValues<'_>, target: &LockTarget) -> Option<String> {
    let mut data = lock_inner_type(values, target)?;
    for _ in 0..MAX_WRAPPER_DEPTH {
        let mut inner = peel_pointers(&data).clone();
        if let Ty::Path { path, args } = &inner
            && crate::paths::last_segment(path) == "Option"
            && let Some(first) = args.first()
        {
            inner = peel_pointers(first).clone();
        }
        match sole_field_type(values, &inner) {
            Some(field) => data = field,
            None => return inner.path().map(str::to_string),
        }
    }
    None
}

/// How many single-field wrappers `lock_contents` looks through.
const MAX_WRAPPER_DEPTH: usize = 3;

/// The type of the one field of a workspace struct.
fn sole_field_type(values: &FunctionValues<'_>, ty: &Ty) -> Option<Ty> {
    let path = ty.path()?;
    let typing = values.typing;
    let item = typing.types.items.struct_at(path)?;
    let definition = crate::analysis::items::struct_def(typing.types.files, item);
    let [field] = definition.fields.as_slice() else {
        return None;
    };
    typing.field_type(path, &field.name)
}

/// The type of the data a lock holds (`T` of `Mutex<T>`), from its declaration.
fn lock_inner_type(values: &FunctionValues<'_>, target: &LockTarget) -> Option<Ty> {
    let typing = values.typing;
    let lock = match &target.class {
        ClassKey::Field { owner, field } => typing.field_type(owner, field)?,
        ClassKey::Static { path } => typing.static_type(path)?,
        ClassKey::Local { name, .. } | ClassKey::Param { name, .. } => {
            let path = crate::model::PathRef::single(name.as_str());
            values.type_of(&Expr {
                kind: ExprKind::Path(path),
                span: Span::default(),
            })?
        }
        ClassKey::Textual { .. } => return None,
    };
    let Ty::Path { path, args } = peel_pointers(&lock) else {
        return None;
    };
    lock_type_at(path)?;
    args.first().cloned()
}

/// The expression with exactly this span in the function's body.
fn find_expr<'e>(values: &'e FunctionValues<'_>, span: Span) -> Option<&'e Expr> {
    values.body.expr_at(span)
}

/// `std::thread::sleep` → `thread::sleep`; `std::fs::File::open` → `File::open`.
fn short_function(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").collect();
    match segments.as_slice() {
        [.., parent, name] => format!("{parent}::{name}"),
        _ => path.to_string(),
    }
}

/// `std::sync::mpsc::SyncSender` → `SyncSender`; `tokio::sync::mpsc::Sender` →
/// `mpsc::Sender` (a bare `Sender` would not say which channel).
fn short_type(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").collect();
    match segments.as_slice() {
        [.., parent, name] if is_generic_end_name(name) => {
            format!("{parent}::{}", segments[segments.len() - 1])
        }
        [.., name] => (*name).to_string(),
        [] => path.to_string(),
    }
}
