//! `unbounded_spawn`: a task or thread started per item or per connection with no bound.

use super::work_sites::{call_span, is_exempt};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::call_sites::CallTarget;
use crate::analysis::exprs::{chain_source, name_of};
use crate::analysis::loops::{Driver, FunctionLoops, IterationScope, LoopSite};
use crate::analysis::permits::{takes_permit, waits_for_permit};
use crate::analysis::types::Ty;
use crate::config::{OptionKind, RuleOption};
use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::bounds::{DRAIN_CALLS, LENGTH_CHECK, is_concurrency_setting, is_join_method};
use crate::knowledge::channels::is_unbounded_receiver_type;
use crate::knowledge::spawners::{
    Unit, is_spawn_method, is_spawner_constructor, is_spawner_name, is_spawner_type,
    is_thread_builder_path, is_thread_spawner_name, is_thread_spawner_type,
};
use crate::model::{Expr, ExprKind};

declare_rule! {
    /// ## What it does
    /// Flags a task or thread spawned inside a loop or a per-item closure whose number of
    /// iterations grows with input: one per accepted connection (`loop { listener.accept()
    /// .. }`, `for s in listener.incoming()`), per received message (`while let Some(m) =
    /// rx.recv().await`), per stream item, or per element of a collection (`for x in items`,
    /// `items.iter().map(|x| spawn(..)).collect()`, `.for_each(..)`), when no concurrency
    /// bound is in sight.
    ///
    /// Spawners, resolved through imports: `std::thread::spawn`, `thread::Builder::spawn`,
    /// scoped `s.spawn`, `tokio::spawn`, `tokio::task::{spawn, spawn_local, spawn_blocking}`,
    /// `Handle::spawn`, `Runtime::spawn`, `JoinSet::spawn*`, `LocalSet::spawn_local`,
    /// `async_std::task::spawn*`, `smol::spawn`, `actix_rt::spawn`, `rayon::spawn`.
    ///
    /// Not a finding: a `Semaphore` permit taken once per iteration (`acquire`,
    /// `acquire_owned`, `try_acquire*`), or by the spawned work itself: in the task's body,
    /// in the async function it runs or a workspace function that one calls (three calls
    /// deep: `tokio::spawn(work(sem.clone(), db))` where `work` does `let _p =
    /// sem.acquire().await`), or a permit future awaited in the loop and moved into the task
    /// (`let permit = permit_future.await; spawn(run(x, permit))`); a `JoinSet` or
    /// `FuturesUnordered` drained in the loop
    /// (`join_next`, or a `len()` check with `next`); `buffer_unordered(n)`, `buffered(n)`,
    /// `for_each_concurrent(Some(n))`; a spawned task awaited or joined in the same
    /// iteration; a fixed pool (`for _ in 0..WORKERS`, `0..num_cpus::get()`,
    /// `available_parallelism`, a count named like `workers`/`threads`); iteration over a
    /// literal array, a literal range or `chunks(n)` (also the items of a chunk); a plain
    /// `loop` with no accept or receive in it; a message loop over a bounded channel whose
    /// messages each carry a reply the handler sends (request/response: every sender waits
    /// for its answer); a function that caps what it serves (`max_concurrent_streams(n)` on
    /// an HTTP/2 server, `concurrency_limit(n)`); test code (out of scope by default).
    ///
    /// The message says what the spawn is per: accepted connection, stream of a
    /// connection (`conn.accept()` on HTTP/2 or QUIC), received message, stream item, or
    /// element of a collection.
    ///
    /// ## Why is this bad?
    /// Nothing limits how many tasks run at once, so load turns directly into concurrency:
    /// a burst of connections or a large input opens as many database connections, sockets
    /// and buffers as there are items, until the pool times out, the peer rate-limits, or
    /// the process runs out of memory or threads. A bound turns the burst into a queue.
    ///
    /// ## Example
    /// ```rust,ignore
    /// loop {
    ///     let (socket, _) = listener.accept().await?;
    ///     tokio::spawn(handle(socket));
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    /// loop {
    ///     let permit = limit.clone().acquire_owned().await?;
    ///     let (socket, _) = listener.accept().await?;
    ///     tokio::spawn(async move {
    ///         handle(socket).await;
    ///         drop(permit);
    ///     });
    /// }
    /// ```
    /// For a collection, `futures::stream::iter(items).map(work).buffer_unordered(n)`, or
    /// a `JoinSet` drained with `join_next` once it holds `n` tasks.
    ///
    /// ## Known problems
    /// The bound must be visible in the loop or in the work it spawns: a limit enforced
    /// elsewhere (a
    /// `tower::limit::ConcurrencyLimit` layer, a connection cap in the listener, a caller
    /// that only ever passes a few items) is not seen, and neither is a loop inside a macro
    /// such as `tokio::select!`. Collections that are small by construction (a handful of
    /// configured backends) are reported; allow the finding there. Method spawns are
    /// recognized by the receiver's type or name (`handle`, `runtime`, `set`, `scope`, ...).
    ///
    /// ## Configuration
    /// In the workspace `Cargo.toml`:
    /// ```toml
    /// [workspace.metadata.coordlint.unbounded_spawn]
    /// extra-spawners = ["my_runtime::spawn_task", "Executor::launch"]
    /// bound-markers = ["acquire_slot"]
    /// ```
    /// `extra-spawners` takes canonical function paths, or `Type::method` for a method on a
    /// receiver of that type; `bound-markers` takes method or function names that, called
    /// once per iteration, bound the concurrency. Level: `-A/-W/-D unbounded_spawn`.
    pub static UNBOUNDED_SPAWN = {
        name: "unbounded_spawn",
        level: Warn,
        summary: "a task or thread is spawned per item or connection with no concurrency bound",
        check: Some(Check::FunctionLoops(check)),
        options: &[
            RuleOption {
                name: "extra-spawners",
                kind: OptionKind::StringList,
                doc: "canonical paths of functions that start a task or thread, or `Type::method` for a method on a receiver of that type",
            },
            RuleOption {
                name: "bound-markers",
                kind: OptionKind::StringList,
                doc: "method or function names that, called once per iteration, bound the concurrency",
            },
        ],
    };
}

struct Spawn {
    /// `tokio::spawn`, `set.spawn`.
    display: String,
    unit: Unit,
}

fn check(context: &RuleContext<'_, '_>, loops: &FunctionLoops<'_>, out: &mut Vec<Diagnostic>) {
    let function = context.program.function(loops.function);
    if is_exempt(function) {
        return;
    }
    let type_of = |expr: &Expr| context.program.type_of(loops.function, expr);
    for site in &loops.sites {
        if site.deferred || site.awaited {
            continue;
        }
        let Some(spawn) = spawn_at(context, loops, &type_of, site.expr) else {
            continue;
        };
        let Some(scope) = unbounded_scope(context, loops, site) else {
            continue;
        };
        // The task (or the functions it calls) waits for a permit before its work.
        if takes_permit(context.program, loops.function, site.expr) {
            continue;
        }
        out.push(finding(context, site, scope, &spawn));
    }
}

fn finding(
    context: &RuleContext<'_, '_>,
    site: &LoopSite<'_>,
    scope: &IterationScope<'_>,
    spawn: &Spawn,
) -> Diagnostic {
    let unit = spawn.unit.noun();
    let per = per_what(scope);
    context
        .diagnostic(
            format!(
                "`{}` starts one {unit} per {per} with no limit on how many run at once",
                spawn.display
            ),
            Label::new(
                call_span(site.expr),
                format!("a new {unit} every iteration; nothing waits for earlier ones"),
            ),
        )
        .with_secondary(Label::new(scope.header, format!("one {unit} per {per}")))
        .with_help(help(scope, spawn.unit))
}

fn per_what(scope: &IterationScope<'_>) -> String {
    match scope.driver {
        Driver::Connections => "accepted connection".to_string(),
        Driver::Streams => "stream of a connection".to_string(),
        Driver::Messages => "received message".to_string(),
        Driver::StreamItems => "stream item".to_string(),
        Driver::WorkList => "queued item".to_string(),
        _ => match &scope.iterated {
            Some(iterated) => format!("element of `{iterated}`"),
            None => "item".to_string(),
        },
    }
}

fn help(scope: &IterationScope<'_>, unit: Unit) -> String {
    match (scope.driver, unit) {
        (_, Unit::Thread) => "use a fixed pool of worker threads fed by a bounded channel \
             (or `rayon`), so the number of threads does not follow the input"
            .to_string(),
        (Driver::Connections, _) => "acquire a permit from a `tokio::sync::Semaphore` \
             (`semaphore.clone().acquire_owned().await`) before accepting and move it into the \
             task, so at most N connections are served at once"
            .to_string(),
        (Driver::Streams, _) => "cap the streams per connection (`max_concurrent_streams(n)` on \
             the HTTP/2 server builder) or take a `Semaphore` permit per stream before spawning"
            .to_string(),
        (Driver::Messages | Driver::StreamItems, _) => "take a `Semaphore` permit \
             (`acquire_owned().await`) before spawning and move it into the task, or hand the \
             work to a fixed pool of workers"
            .to_string(),
        _ => "run the items with `futures::stream::iter(..).map(..).buffer_unordered(n)`, or \
             keep the tasks in a `JoinSet` and `join_next().await` once it holds `n`"
            .to_string(),
    }
}

/// The enclosing scope that makes the spawn unbounded, unless a bound is in sight.
fn unbounded_scope<'l, 'a>(
    context: &RuleContext<'_, '_>,
    loops: &'l FunctionLoops<'a>,
    site: &LoopSite<'a>,
) -> Option<&'l IterationScope<'a>> {
    let markers = context.program.knowledge.bound_calls();
    if sets_a_concurrency_limit(context, loops) {
        return None;
    }
    let chain: Vec<usize> =
        std::iter::successors(Some(site.scope), |scope| loops.scopes[*scope].parent).collect();
    for index in chain {
        let scope = &loops.scopes[index];
        if scope.bounded_by.is_some()
            || scope.calls_any(&markers)
            || drains_by_length(scope)
            || waits_in_iteration(scope)
            || waits_for_permit(context.program, &scope.per_iteration)
            || loops.iterates_a_chunk(index)
            || (loops.messages_carry_replies(index)
                && fed_by_bounded_channel(context, loops, scope))
        {
            return None;
        }
        if scope.driver.grows_with_input() {
            return Some(scope);
        }
    }
    None
}

/// A server setting that caps everything the function serves (`max_concurrent_streams`).
fn sets_a_concurrency_limit(context: &RuleContext<'_, '_>, loops: &FunctionLoops<'_>) -> bool {
    context
        .program
        .call_sites
        .in_function(loops.function)
        .iter()
        .any(|site| matches!(&site.target, CallTarget::Method { name, .. } if is_concurrency_setting(name)))
}

/// Whether the channel a message loop drains is bounded, as far as its receiver's type says
/// (an `UnboundedReceiver` is not; an unknown type is given the benefit of the doubt).
fn fed_by_bounded_channel(
    context: &RuleContext<'_, '_>,
    loops: &FunctionLoops<'_>,
    scope: &IterationScope<'_>,
) -> bool {
    let Some(receiver) = scope
        .iterated
        .as_deref()
        .and_then(|iterated| iterated.split('.').next())
    else {
        return true;
    };
    let receiver_type = context
        .program
        .function_types(loops.function)
        .local(receiver)
        .and_then(|ty| ty.name_for_matching().map(str::to_string));
    !receiver_type.is_some_and(|name| is_unbounded_receiver_type(&name))
}

/// `if futures.len() >= n { futures.next().await }`: a hand-rolled cap.
fn drains_by_length(scope: &IterationScope<'_>) -> bool {
    scope.calls_any(&[LENGTH_CHECK]) && scope.calls_any(DRAIN_CALLS)
}

/// `handle.await` / `handle.join()` in the same iteration: one at a time.
fn waits_in_iteration(scope: &IterationScope<'_>) -> bool {
    let mut waits = false;
    scope.walk_body(&mut |expr| {
        let waited = match &expr.kind {
            ExprKind::Await(inner) => inner,
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_join_method(method) && method.args().is_empty() => receiver,
            _ => return,
        };
        if let ExprKind::Path(path) = &waited.kind
            && path.segments.len() == 1
        {
            waits = true;
        }
    });
    waits
}

/// The spawner `expr` calls, if it is one.
fn spawn_at(
    context: &RuleContext<'_, '_>,
    loops: &FunctionLoops<'_>,
    type_of: &dyn Fn(&Expr) -> Option<Ty>,
    expr: &Expr,
) -> Option<Spawn> {
    let knowledge = &context.program.knowledge;
    match &expr.kind {
        ExprKind::Call { callee, args } if !args.is_empty() => {
            if !matches!(callee.kind, ExprKind::Path(_)) {
                return None;
            }
            let display = context
                .program
                .resolved_call(loops.function, expr)?
                .display();
            let unit = knowledge.spawn_function(&display)?;
            Some(Spawn { display, unit })
        }
        ExprKind::MethodCall {
            receiver, method, ..
        } if !method.args().is_empty() => {
            let receiver_type = type_of(chain_source(receiver))
                .as_ref()
                .and_then(|ty| ty.name_for_matching().map(str::to_string));
            let custom = receiver_type
                .as_ref()
                .is_some_and(|ty| knowledge.is_extra_spawn_method(ty, method));
            let builtin = is_spawn_method(method) && spawns_on(receiver, receiver_type.as_deref());
            if !custom && !builtin {
                return None;
            }
            let receiver_name = name_of(receiver);
            let thread = receiver_type.as_deref().is_some_and(is_thread_spawner_type)
                || receiver_name.is_some_and(is_thread_spawner_name)
                || is_thread_builder(receiver);
            let display = match (receiver_name, &receiver_type) {
                (Some(name), _) => format!("{name}.{method}"),
                (None, _) if is_thread_builder(receiver) => format!("thread::Builder::{method}"),
                (None, Some(ty)) => format!("{ty}::{method}"),
                (None, None) => format!("Handle::{method}"),
            };
            Some(Spawn {
                display,
                unit: if thread { Unit::Thread } else { Unit::Task },
            })
        }
        _ => None,
    }
}

/// Whether `receiver.spawn(..)` starts a task or thread: by the receiver's type, its name,
/// or the call it comes from (`Handle::current()`, `thread::Builder::new()..`).
fn spawns_on(receiver: &Expr, receiver_type: Option<&str>) -> bool {
    if receiver_type.is_some_and(is_spawner_type) {
        return true;
    }
    if name_of(receiver).is_some_and(is_spawner_name) {
        return true;
    }
    if let ExprKind::Call { callee, .. } = &chain_source(receiver).kind
        && let ExprKind::Path(path) = &callee.kind
    {
        let segments = &path.segments;
        let tail = segments.len().saturating_sub(2);
        let last_two: Vec<&str> = segments[tail..]
            .iter()
            .map(|segment| segment.as_str())
            .collect();
        return is_spawner_constructor(&last_two);
    }
    false
}

fn is_thread_builder(receiver: &Expr) -> bool {
    matches!(&chain_source(receiver).kind, ExprKind::Call { callee, .. }
        if matches!(&callee.kind, ExprKind::Path(path) if is_thread_builder_path(&path.segments)))
}
