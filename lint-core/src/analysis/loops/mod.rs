//! Iteration context of call sites: for every call, method call and macro inside a loop or
//! a per-item closure (`.map(|x| ..)`, `.for_each(..)`), the innermost such scope, what
//! drives its iterations (a runtime collection, accepted connections, received messages, a
//! fixed count, ...) and which bounding adapters surround it. `unbounded_spawn` and
//! `unbatched_io` both read this fact.

mod drivers;
mod exits;
mod groups;

use super::FunctionRef;
use super::exprs::{chain_source, describe, peel_await_try};
use crate::knowledge::adaptors::{
    is_future_collection_consumer, is_iterator_evidence, is_iterator_only_adapter, is_lazy_adapter,
    is_per_item_adapter, is_stream_from_collection,
};
use crate::knowledge::bounds::is_bounding_adapter;
use crate::knowledge::channels::is_send_method;
use crate::knowledge::macros::is_vec_literal;
use crate::model::{
    Block, CollectionLiteral, Expr, ExprKind, FileFacts, Function, LoopKind, Pattern,
};
use crate::span::Span;
use drivers::{driver_in_body, pattern_names_retry};

/// What makes a loop or per-item closure run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// `loop { listener.accept() .. }`, `for s in listener.incoming()`.
    Connections,
    /// `while let Some(stream) = conn.accept().await` on an HTTP/2 or QUIC connection.
    Streams,
    /// `while let Some(m) = rx.recv().await`, `for job in rx`.
    Messages,
    /// `while let Some(x) = stream.next().await`.
    StreamItems,
    /// The elements of a collection known only at run time (`for id in ids`).
    Collection,
    /// `while let Some(x) = queue.pop()`: a work list in memory.
    WorkList,
    /// Slices of a collection (`ids.chunks(100)`): already the batched form.
    Chunks,
    /// A literal array or a range with a literal end: statically small.
    Literal,
    /// A range ending at a constant or a worker count (`0..WORKERS`, `0..num_cpus::get()`).
    FixedCount,
    /// A range ending at some other run-time number that is not a collection's length.
    Count,
    /// `for attempt in 0..MAX_RETRIES`.
    Retries,
    /// A plain `loop`/`while` with no recognized driver (polling, pagination, state machines).
    Unknown,
}

impl Driver {
    /// Whether the number of iterations grows with input or incoming work.
    pub fn grows_with_input(self) -> bool {
        matches!(
            self,
            Driver::Connections
                | Driver::Streams
                | Driver::Messages
                | Driver::StreamItems
                | Driver::Collection
                | Driver::WorkList
        )
    }
}

/// A loop, or a closure run once per item by an iterator or stream adapter.
#[derive(Clone, Debug)]
pub struct IterationScope<'a> {
    /// The enclosing scope in the same function.
    pub parent: Option<usize>,
    pub driver: Driver,
    /// `for x in items`, `while let .. = ..`, `loop`, or the adapter's `.map`: for a label.
    pub header: Span,
    /// The whole loop, or the closure.
    pub span: Span,
    /// A loop's body (`None` for a closure).
    pub body: Option<&'a Block>,
    /// The iterated thing as written (`ids`, `self.users`, `listener.incoming()`), if simple.
    pub iterated: Option<String>,
    /// A `for` loop's iterable expression.
    pub iterable: Option<&'a Expr>,
    /// For closures: the adapter method (`map`, `for_each`); `None` for loops.
    pub adapter: Option<&'a str>,
    /// A bounding adapter around a per-item closure (`buffer_unordered`, `for_each_concurrent`).
    pub bounded_by: Option<&'a str>,
    /// Names bound once per item (the `for` pattern, the closure's parameters).
    pub item_names: Vec<&'a str>,
    /// A range whose end comes from input: a parameter, a field of one (a request field), or
    /// a length (`0..n`, `0..req.days`, `0..items.len()`), as opposed to a literal or a
    /// named constant.
    pub counts_input: bool,
    /// A closure whose body is an `async` block: it makes one future per item, which the
    /// adapter may run one after another (`for_each`, `then`) or not at all yet (`map`).
    pub async_body: bool,
    /// What runs once per iteration: loop body statements and a `while` condition, or the
    /// closure body.
    pub per_iteration: Vec<&'a Expr>,
}

impl<'a> IterationScope<'a> {
    /// A closure of an adapter that only builds values per item (`map`, `filter_map`), so a
    /// future it returns runs later, possibly concurrently (`join_all`, `buffer_unordered`).
    pub fn is_lazy_adapter(&self) -> bool {
        self.adapter.is_some_and(is_lazy_adapter)
    }

    /// Every expression run once per iteration, nested closures and async blocks included.
    pub fn walk_body(&self, visit: &mut dyn FnMut(&'a Expr)) {
        for expr in &self.per_iteration {
            expr.walk(visit);
        }
    }

    /// Whether a method or function called once per iteration has one of `names`.
    pub fn calls_any(&self, names: &[&str]) -> bool {
        let mut found = false;
        self.walk_body(&mut |expr| {
            found |= match &expr.kind {
                ExprKind::MethodCall { method, .. } => names.contains(&method.as_str()),
                ExprKind::Call { callee, .. } => match &callee.kind {
                    ExprKind::Path(path) => names.contains(&path.last()),
                    _ => false,
                },
                _ => false,
            };
        });
        found
    }

    /// Whether `expr` mentions a name bound per item (`connect(addr)` in `for addr in ..`).
    pub fn mentions_item(&self, expr: &Expr) -> bool {
        let mut found = false;
        expr.walk(&mut |inner| {
            if let ExprKind::Path(path) = &inner.kind
                && path.segments.len() == 1
                && self.item_names.contains(&path.last())
            {
                found = true;
            }
        });
        found
    }
}

/// A call, method call or macro inside at least one iteration scope.
#[derive(Clone, Copy, Debug)]
pub struct LoopSite<'a> {
    pub expr: &'a Expr,
    /// The innermost enclosing scope (index into [`FunctionLoops::scopes`]).
    pub scope: usize,
    /// Directly under `.await`.
    pub awaited: bool,
    /// A closure or async block lies between the scope and the site (it runs later, or on
    /// another task), other than a per-item closure's own body.
    pub deferred: bool,
}

/// The iteration scopes of one function and the sites inside them.
#[derive(Clone, Debug)]
pub struct FunctionLoops<'a> {
    pub function: FunctionRef,
    /// The function's body, as decoded for these loops: what the rules read of the function
    /// they read here, so that every expression they look at is of this one tree.
    pub body: &'a Block,
    pub scopes: Vec<IterationScope<'a>>,
    pub sites: Vec<LoopSite<'a>>,
}

impl<'a> FunctionLoops<'a> {
    /// Whether the scope iterates a chunk that an enclosing `for chunk in xs.chunks(n)`
    /// binds: at most `n` items per round, the batched form.
    pub fn iterates_a_chunk(&self, scope: usize) -> bool {
        let Some(iterated) = self.scopes[scope].iterated.as_deref() else {
            return false;
        };
        let source = iterated.split(['.', '[']).next().unwrap_or(iterated);
        self.scope_chain(scope)
            .skip(1)
            .any(|outer| outer.driver == Driver::Chunks && outer.item_names.contains(&source))
    }

    /// Whether the messages a scope is driven by each carry their own reply channel, used
    /// in the iteration (`msg.reply.send(..)`, `respond_to.send(..)` from a destructured
    /// message): a request/response protocol, where each sender waits for its answer.
    pub fn messages_carry_replies(&self, scope: usize) -> bool {
        let scope = &self.scopes[scope];
        if scope.driver != Driver::Messages {
            return false;
        }
        let parts = destructured_parts(scope);
        let mut replies = false;
        scope.walk_body(&mut |expr| {
            let ExprKind::MethodCall {
                receiver, method, ..
            } = &expr.kind
            else {
                return;
            };
            if !is_send_method(method) {
                return;
            }
            let named = |expr: &Expr, names: &[&str]| {
                matches!(&expr.kind, ExprKind::Path(path)
                    if path.segments.len() == 1 && names.contains(&path.last()))
            };
            replies |= match &receiver.kind {
                ExprKind::Field(field) => {
                    named(&field.base, &scope.item_names) || named(&field.base, &parts)
                }
                _ => named(receiver, &parts),
            };
        });
        replies
    }

    /// The scope and its enclosing scopes, innermost first.
    pub fn scope_chain(&self, scope: usize) -> impl Iterator<Item = &IterationScope<'a>> + '_ {
        std::iter::successors(Some(&self.scopes[scope]), |scope| {
            scope.parent.map(|parent| &self.scopes[parent])
        })
    }
}

/// Names bound by taking a scope's item apart: the pattern's names when it destructures,
/// and the bindings of `match item { Variant { a, b } => .. }` / `if let` on the item.
fn destructured_parts<'a>(scope: &IterationScope<'a>) -> Vec<&'a str> {
    let mut parts: Vec<&'a str> = if scope.item_names.len() > 1 {
        scope.item_names.clone()
    } else {
        Vec::new()
    };
    let is_item = |expr: &Expr| {
        matches!(&expr.kind, ExprKind::Path(path)
            if path.segments.len() == 1 && scope.item_names.contains(&path.last()))
    };
    scope.walk_body(&mut |expr| match &expr.kind {
        ExprKind::Match { scrutinee, arms } if is_item(scrutinee) => {
            for arm in arms {
                parts.extend(
                    arm.pattern
                        .bindings
                        .iter()
                        .map(|binding| binding.name.as_str()),
                );
            }
        }
        ExprKind::Let { pattern, scrutinee } if is_item(scrutinee) => {
            parts.extend(pattern.bindings.iter().map(|binding| binding.name.as_str()));
        }
        _ => {}
    });
    parts
}

/// The iteration scopes and sites of `function` (of file `facts`), found in `body`, its
/// tree as the caller decoded it: `None` when it has none.
pub fn function_loops<'a>(
    facts: &FileFacts,
    function_ref: FunctionRef,
    function: &'a Function,
    body: &'a Block,
) -> Option<FunctionLoops<'a>> {
    // Iteration scopes are loops and closures: a body with neither has none.
    if !function.contents.loop_or_closure {
        return None;
    }
    Some(collect_function(facts, function_ref, function, body))
        .filter(|loops| !loops.scopes.is_empty())
}

/// Where the walk is: the innermost scope and how the current expression is reached.
#[derive(Clone, Copy, Default)]
struct Context<'a> {
    scope: Option<usize>,
    deferred: bool,
    awaited: bool,
    /// The method call this expression is the receiver of (`collect` in `x.map(f).collect()`).
    outer_method: Option<&'a str>,
    /// A bounding adapter somewhere above in the same method chain.
    bounded_by: Option<&'a str>,
}

struct Collector<'l, 'a> {
    /// The function's file, for its range and array literals.
    facts: &'l FileFacts,
    /// Names the function's parameters bind.
    params: Vec<&'a str>,
    /// Names bound at the top of the body to a literal array or `vec![..]`.
    literal_names: Vec<&'a str>,
    /// Names bound to slices of a collection (`let batches = ids.chunks(100).collect()`).
    chunk_names: Vec<&'a str>,
    loops: FunctionLoops<'a>,
    stack: Vec<(&'a Expr, Context<'a>)>,
}

fn collect_function<'a>(
    facts: &FileFacts,
    function_ref: FunctionRef,
    function: &'a Function,
    body: &'a Block,
) -> FunctionLoops<'a> {
    // Names bound to a literal array or `vec![..]`, in any block of the body.
    let mut literal_names = Vec::new();
    let mut chunk_names = Vec::new();
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            let crate::model::Stmt::Let(let_stmt) = stmt else {
                continue;
            };
            let Some(init) = &let_stmt.init else {
                continue;
            };
            let literal = matches!(&init.kind, ExprKind::Macro(call) if is_vec_literal(call.path.last()))
                || facts.collection_literal(init.span) == Some(CollectionLiteral::Array);
            let Some(name) = let_stmt.pattern.simple_name() else {
                continue;
            };
            if literal {
                literal_names.push(name);
            }
            if drivers::builds_chunks(init) {
                chunk_names.push(name);
            }
        }
    });
    let params = function
        .params
        .iter()
        .flat_map(|param| pattern_names(&param.pattern))
        .collect();
    let mut collector = Collector {
        facts,
        params,
        literal_names,
        chunk_names,
        loops: FunctionLoops {
            function: function_ref,
            body,
            scopes: Vec::new(),
            sites: Vec::new(),
        },
        stack: Vec::new(),
    };
    let mut top = Vec::new();
    body.for_each_expr(&mut |expr| top.push(expr));
    for expr in top.into_iter().rev() {
        collector.stack.push((expr, Context::default()));
    }
    while let Some((expr, context)) = collector.stack.pop() {
        collector.visit(expr, context);
    }
    collector.loops
}

impl<'a> Collector<'_, 'a> {
    /// Records `expr` if it is a site, then schedules its children with their contexts.
    fn visit(&mut self, expr: &'a Expr, context: Context<'a>) {
        if let Some(scope) = context.scope
            && matches!(
                expr.kind,
                ExprKind::Call { .. } | ExprKind::MethodCall { .. } | ExprKind::Macro(_)
            )
        {
            self.loops.sites.push(LoopSite {
                expr,
                scope,
                awaited: context.awaited,
                deferred: context.deferred,
            });
        }
        let plain = Context {
            awaited: false,
            outer_method: None,
            bounded_by: None,
            ..context
        };
        let mut children: Vec<(&'a Expr, Context<'a>)> = Vec::new();
        match &expr.kind {
            ExprKind::Loop(loop_expr) => {
                let (kind, body) = (&loop_expr.kind, &loop_expr.body);
                let scope = self.push_loop_scope(expr, kind, body, context.scope);
                let inside = Context {
                    scope: Some(scope),
                    deferred: false,
                    ..plain
                };
                match kind {
                    LoopKind::For(head) => children.push((&head.iterable, plain)),
                    LoopKind::While { condition } => children.push((condition, inside)),
                    LoopKind::Infinite => {}
                }
                body.for_each_expr(&mut |child| children.push((child, inside)));
            }
            ExprKind::MethodCall { receiver, method } => {
                let bounded_here = is_bounding_adapter(method)
                    && !matches!(method.args().first().map(|arg| &arg.kind),
                        Some(ExprKind::Path(path)) if path.last() == "None");
                children.push((
                    receiver,
                    Context {
                        outer_method: Some(method.as_str()),
                        bounded_by: if bounded_here {
                            Some(method.as_str())
                        } else {
                            context.bounded_by
                        },
                        ..plain
                    },
                ));
                let per_item = is_per_item_adapter(method)
                    && self.is_iterator_chain(receiver, method, context.outer_method);
                for arg in method.args() {
                    match &arg.kind {
                        ExprKind::Closure(closure) if per_item => {
                            let (params, body) = (&closure.params, &closure.body);
                            let bounded_by = if bounded_here {
                                Some(method.as_str())
                            } else {
                                context.bounded_by
                            };
                            let scope = self.push_closure_scope(
                                method,
                                method.span(),
                                receiver,
                                params,
                                body,
                                bounded_by,
                                context.scope,
                            );
                            let inside = Context {
                                scope: Some(scope),
                                deferred: false,
                                ..plain
                            };
                            // An async closure body (`|x| async move { .. }`) is still the
                            // per-item body.
                            match &body.kind {
                                ExprKind::Async { body: block, .. } => {
                                    block.for_each_expr(&mut |child| children.push((child, inside)))
                                }
                                _ => children.push((body, inside)),
                            }
                        }
                        _ => children.push((arg, plain)),
                    }
                }
            }
            ExprKind::Closure { .. } | ExprKind::Async { .. } => {
                let deferred = Context {
                    deferred: true,
                    ..plain
                };
                expr.for_each_child(&mut |child| children.push((child, deferred)));
            }
            ExprKind::Await(inner) => children.push((
                inner,
                Context {
                    awaited: true,
                    ..plain
                },
            )),
            _ => expr.for_each_child(&mut |child| children.push((child, plain))),
        }
        for child in children.into_iter().rev() {
            self.stack.push(child);
        }
    }

    fn push_loop_scope(
        &mut self,
        expr: &'a Expr,
        kind: &'a LoopKind,
        body: &'a Block,
        parent: Option<usize>,
    ) -> usize {
        let header_end = |end: Span| Span {
            byte_end: end.byte_end,
            ..expr.span
        };
        let mut per_iteration = Vec::new();
        body.for_each_expr(&mut |child| per_iteration.push(child));
        let (driver, header, iterated, item_names) = match kind {
            LoopKind::For(head) => {
                let (pattern, iterable) = (&head.pattern, &head.iterable);
                let driver = match self.classify_iterable(iterable) {
                    Driver::Count | Driver::FixedCount if pattern_names_retry(pattern) => {
                        Driver::Retries
                    }
                    driver => driver,
                };
                (
                    driver,
                    header_end(iterable.span),
                    describe(iterable),
                    pattern_names(pattern),
                )
            }
            LoopKind::While { condition } => {
                per_iteration.push(condition);
                match &condition.kind {
                    ExprKind::Let { pattern, scrutinee } => (
                        self.classify_while_let(scrutinee),
                        header_end(condition.span),
                        describe(peel_await_try(scrutinee)),
                        pattern_names(pattern),
                    ),
                    _ => (
                        driver_in_body(&per_iteration),
                        header_end(condition.span),
                        None,
                        Vec::new(),
                    ),
                }
            }
            LoopKind::Infinite => {
                // `loop` is four bytes.
                let keyword_end = Span {
                    byte_end: expr.span.byte_start + 4,
                    ..expr.span
                };
                (
                    driver_in_body(&per_iteration),
                    keyword_end,
                    None,
                    Vec::new(),
                )
            }
        };
        self.loops.scopes.push(IterationScope {
            parent,
            driver,
            header,
            span: expr.span,
            body: Some(body),
            iterated,
            iterable: match kind {
                LoopKind::For(head) => Some(&head.iterable),
                _ => None,
            },
            adapter: None,
            bounded_by: None,
            counts_input: match kind {
                LoopKind::For(head) => self.counts_input(&head.iterable),
                _ => false,
            },
            item_names,
            async_body: false,
            per_iteration,
        });
        self.loops.scopes.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn push_closure_scope(
        &mut self,
        method: &'a str,
        method_span: Span,
        receiver: &'a Expr,
        params: &'a [Pattern],
        body: &'a Expr,
        bounded_by: Option<&'a str>,
        parent: Option<usize>,
    ) -> usize {
        let driver = self.classify_chain(receiver);
        self.loops.scopes.push(IterationScope {
            parent,
            driver,
            header: method_span,
            span: body.span,
            body: None,
            iterated: describe(chain_source(receiver)),
            iterable: None,
            adapter: Some(method),
            bounded_by,
            counts_input: self.counts_input(chain_source(receiver)),
            item_names: params.iter().flat_map(pattern_names).collect(),
            async_body: matches!(body.kind, ExprKind::Async { .. }),
            per_iteration: vec![body],
        });
        self.loops.scopes.len() - 1
    }

    fn literal_kind(&self, expr: &Expr) -> Option<CollectionLiteral> {
        self.facts.collection_literal(expr.span)
    }

    /// Whether `receiver.method(closure)` runs the closure per item (not `Option::map`).
    fn is_iterator_chain(&self, receiver: &Expr, method: &str, outer: Option<&str>) -> bool {
        if is_iterator_only_adapter(method) {
            return true;
        }
        if outer.is_some_and(|outer| {
            is_iterator_evidence(outer) || is_future_collection_consumer(outer)
        }) {
            return true;
        }
        let mut current = receiver;
        loop {
            match &current.kind {
                ExprKind::MethodCall {
                    receiver, method, ..
                } => {
                    if is_iterator_evidence(method) {
                        return true;
                    }
                    current = receiver;
                }
                ExprKind::Call { callee, .. } => {
                    return matches!(&callee.kind, ExprKind::Path(path)
                        if is_stream_from_collection(path.last()));
                }
                _ => return self.literal_kind(current).is_some(),
            }
        }
    }
}

fn pattern_names(pattern: &Pattern) -> Vec<&str> {
    pattern
        .bindings
        .iter()
        .map(|binding| binding.name.as_str())
        .collect()
}
