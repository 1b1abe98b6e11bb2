//! Iteration context of call sites: for every call, method call and macro inside a loop or
//! a per-item closure (`.map(|x| ..)`, `.for_each(..)`), the innermost such scope, what
//! drives its iterations (a runtime collection, accepted connections, received messages, a
//! fixed count, ...) and which bounding adapters surround it. `unbounded_spawn` and
//! `unbatched_io` both read this fact.

use std::collections::HashMap;

use super::FunctionRef;
use crate::knowledge::adaptors::{
    is_chunking, is_future_collection_consumer, is_iteration_passthrough, is_iterator_evidence,
    is_iterator_only_adapter, is_lazy_adapter, is_per_item_adapter, is_plain_iteration,
    is_result_adapter, is_same_value_method, is_stream_from_collection,
};
use crate::knowledge::bounds::{is_bounding_adapter, names_retry, names_worker_count};
use crate::knowledge::channels::{
    is_receive_in_loop_body, is_receive_method, is_receiver_name, is_receiver_stream_type,
};
use crate::knowledge::macros::is_vec_literal;
use crate::knowledge::sources::{
    is_accept_in_loop_body, is_accept_method, is_incoming, is_length_method, is_next_item_method,
    is_pop_method, names_connections,
};
use crate::knowledge::std_items::{is_collecting_trait, is_test_module_name};
use crate::knowledge::wrappers::is_name_match_wrapper;
use crate::model::{
    CollectionLiteral, Expr, ExprKind, FileFacts, Function, LoopKind, Pattern, TypeRef,
};
use crate::span::Span;

/// What makes a loop or per-item closure run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// `loop { listener.accept() .. }`, `for s in listener.incoming()`.
    Connections,
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
    /// The iterated thing as written (`ids`, `self.users`, `listener.incoming()`), if simple.
    pub iterated: Option<String>,
    /// For closures: the adapter method (`map`, `for_each`); `None` for loops.
    pub adapter: Option<&'a str>,
    /// A bounding adapter around a per-item closure (`buffer_unordered`, `for_each_concurrent`).
    pub bounded_by: Option<&'a str>,
    /// Names bound once per item (the `for` pattern, the closure's parameters).
    pub item_names: Vec<&'a str>,
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
    pub scopes: Vec<IterationScope<'a>>,
    pub sites: Vec<LoopSite<'a>>,
}

impl<'a> FunctionLoops<'a> {
    /// The scope and its enclosing scopes, innermost first.
    pub fn scope_chain(&self, scope: usize) -> impl Iterator<Item = &IterationScope<'a>> + '_ {
        std::iter::successors(Some(&self.scopes[scope]), |scope| {
            scope.parent.map(|parent| &self.scopes[parent])
        })
    }
}

/// Every function's iteration scopes and sites, for functions that have any.
pub fn collect_loops(files: &[FileFacts]) -> Vec<FunctionLoops<'_>> {
    let mut all = Vec::new();
    for (file_index, facts) in files.iter().enumerate() {
        let literals: HashMap<(u32, u32), CollectionLiteral> = facts
            .collection_literals
            .iter()
            .map(|(span, kind)| ((span.byte_start, span.byte_end), *kind))
            .collect();
        for (index, function) in facts.functions.iter().enumerate() {
            let loops = collect_function(
                &literals,
                FunctionRef {
                    file: file_index,
                    index,
                },
                function,
            );
            if !loops.scopes.is_empty() {
                all.push(loops);
            }
        }
    }
    all
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
    literals: &'l HashMap<(u32, u32), CollectionLiteral>,
    /// Names bound at the top of the body to a literal array or `vec![..]`.
    literal_names: Vec<&'a str>,
    loops: FunctionLoops<'a>,
    stack: Vec<(&'a Expr, Context<'a>)>,
}

fn collect_function<'a>(
    literals: &HashMap<(u32, u32), CollectionLiteral>,
    function_ref: FunctionRef,
    function: &'a Function,
) -> FunctionLoops<'a> {
    let literal_names = function
        .body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            crate::model::Stmt::Let(let_stmt) => {
                let init = let_stmt.init.as_ref()?;
                let literal = matches!(&init.kind, ExprKind::Macro(call) if is_vec_literal(call.path.last()))
                    || literals.get(&(init.span.byte_start, init.span.byte_end))
                        == Some(&CollectionLiteral::Array);
                literal.then(|| let_stmt.pattern.simple_name()).flatten()
            }
            _ => None,
        })
        .collect();
    let mut collector = Collector {
        literals,
        literal_names,
        loops: FunctionLoops {
            function: function_ref,
            scopes: Vec::new(),
            sites: Vec::new(),
        },
        stack: Vec::new(),
    };
    let mut top = Vec::new();
    function.body.for_each_expr(&mut |expr| top.push(expr));
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
            ExprKind::Loop { kind, body, .. } => {
                let scope = self.push_loop_scope(expr, kind, body, context.scope);
                let inside = Context {
                    scope: Some(scope),
                    deferred: false,
                    ..plain
                };
                match kind {
                    LoopKind::For { iterable, .. } => children.push((iterable, plain)),
                    LoopKind::While { condition } => children.push((condition, inside)),
                    LoopKind::Infinite => {}
                }
                body.for_each_expr(&mut |child| children.push((child, inside)));
            }
            ExprKind::MethodCall {
                receiver,
                method,
                method_span,
                args,
                ..
            } => {
                let bounded_here = is_bounding_adapter(method)
                    && !matches!(args.first().map(|arg| &arg.kind),
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
                for arg in args {
                    match &arg.kind {
                        ExprKind::Closure { params, body, .. } if per_item => {
                            let bounded_by = if bounded_here {
                                Some(method.as_str())
                            } else {
                                context.bounded_by
                            };
                            let scope = self.push_closure_scope(
                                method,
                                *method_span,
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
        body: &'a crate::model::Block,
        parent: Option<usize>,
    ) -> usize {
        let header_end = |end: Span| Span {
            byte_end: end.byte_end,
            end: end.end,
            ..expr.span
        };
        let mut per_iteration = Vec::new();
        body.for_each_expr(&mut |child| per_iteration.push(child));
        let (driver, header, iterated, item_names) = match kind {
            LoopKind::For { pattern, iterable } => {
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
                let keyword_end = Span {
                    byte_end: expr.span.byte_start + 4,
                    end: crate::span::LineCol {
                        line: expr.span.start.line,
                        column: expr.span.start.column + 4,
                    },
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
            iterated,
            adapter: None,
            bounded_by: None,
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
            iterated: describe(chain_source(receiver)),
            adapter: Some(method),
            bounded_by,
            item_names: params.iter().flat_map(pattern_names).collect(),
            async_body: matches!(body.kind, ExprKind::Async { .. }),
            per_iteration: vec![body],
        });
        self.loops.scopes.len() - 1
    }

    fn literal_kind(&self, expr: &Expr) -> Option<CollectionLiteral> {
        self.literals
            .get(&(expr.span.byte_start, expr.span.byte_end))
            .copied()
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

    /// What drives `for _ in iterable`.
    fn classify_iterable(&self, iterable: &Expr) -> Driver {
        let mut current = iterable;
        loop {
            match &current.kind {
                ExprKind::Reference { expr, .. } => current = expr,
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    if is_incoming(method) {
                        return Driver::Connections;
                    }
                    if is_chunking(method) {
                        return Driver::Chunks;
                    }
                    // `.take(3)`: at most a literal count of items.
                    if method == "take"
                        && args
                            .first()
                            .is_some_and(|arg| matches!(arg.kind, ExprKind::Literal))
                    {
                        return Driver::Literal;
                    }
                    if !is_iteration_passthrough(method) {
                        return Driver::Collection;
                    }
                    current = receiver;
                }
                ExprKind::Macro(call) if is_vec_literal(call.path.last()) => {
                    return Driver::Literal;
                }
                ExprKind::Compound(parts) => {
                    return match self.literal_kind(current) {
                        Some(CollectionLiteral::Array) => Driver::Literal,
                        Some(CollectionLiteral::Range) => classify_range_end(parts.last()),
                        None => Driver::Collection,
                    };
                }
                ExprKind::Path(path)
                    if path.segments.len() == 1 && is_receiver_name(path.last()) =>
                {
                    return Driver::Messages;
                }
                ExprKind::Path(path)
                    if path.segments.len() == 1 && self.literal_names.contains(&path.last()) =>
                {
                    return Driver::Literal;
                }
                // A `const` or `static` (SCREAMING_CASE) is fixed when the program is built:
                // `for delay in DELAYS` does not grow with input.
                ExprKind::Path(path) if is_constant_name(path.last()) => return Driver::Literal,
                _ => return Driver::Collection,
            }
        }
    }

    /// What drives `while let pattern = scrutinee`.
    fn classify_while_let(&self, scrutinee: &Expr) -> Driver {
        let awaited = matches!(strip_try(scrutinee).kind, ExprKind::Await(_));
        let ExprKind::MethodCall {
            receiver, method, ..
        } = &peel_await_try(strip_try(scrutinee)).kind
        else {
            return Driver::Unknown;
        };
        if is_accept_method(method) {
            Driver::Connections
        } else if is_receive_method(method) {
            Driver::Messages
        } else if is_next_item_method(method) {
            let source = name_of(receiver).unwrap_or_default().to_lowercase();
            if names_connections(&source) {
                Driver::Connections
            } else if is_receiver_name(&source) {
                Driver::Messages
            } else if awaited {
                Driver::StreamItems
            } else {
                Driver::Collection
            }
        } else if is_pop_method(method) {
            Driver::WorkList
        } else {
            Driver::Unknown
        }
    }

    /// What drives a per-item closure: the source at the bottom of the receiver chain.
    fn classify_chain(&self, receiver: &Expr) -> Driver {
        let mut current = receiver;
        loop {
            match &current.kind {
                ExprKind::MethodCall {
                    receiver, method, ..
                } => {
                    if is_incoming(method) {
                        return Driver::Connections;
                    }
                    if is_chunking(method) {
                        return Driver::Chunks;
                    }
                    current = receiver;
                }
                ExprKind::Reference { expr, .. } => current = expr,
                ExprKind::Call { callee, args } => {
                    if let ExprKind::Path(path) = &callee.kind
                        && is_stream_from_collection(path.last())
                        && let Some(arg) = args.first()
                    {
                        return self.classify_iterable(arg);
                    }
                    if let ExprKind::Path(path) = &callee.kind
                        && path.last() == "new"
                        && path.segments.iter().any(|s| is_receiver_stream_type(s))
                    {
                        return Driver::Messages;
                    }
                    return Driver::Collection;
                }
                _ => return self.classify_iterable(current),
            }
        }
    }
}

/// What a range's end says about the loop: `0..3`, `0..WORKERS`, `0..workers`, `0..v.len()`.
fn classify_range_end(end: Option<&Expr>) -> Driver {
    let Some(end) = end else {
        return Driver::Collection;
    };
    match &end.kind {
        ExprKind::Literal => Driver::Literal,
        ExprKind::MethodCall { method, .. } if is_length_method(method) => Driver::Collection,
        _ => {
            let mut names = String::new();
            end.walk(&mut |expr| match &expr.kind {
                ExprKind::Path(path) => {
                    for segment in &path.segments {
                        names.push_str(segment);
                        names.push(' ');
                    }
                }
                ExprKind::Field { member, .. } => {
                    names.push_str(member);
                    names.push(' ');
                }
                ExprKind::MethodCall { method, .. } => {
                    names.push_str(method);
                    names.push(' ');
                }
                _ => {}
            });
            let constant = names
                .split_whitespace()
                .next_back()
                .is_some_and(|name| name.len() > 1 && !name.chars().any(char::is_lowercase));
            let lower = names.to_lowercase();
            if names_retry(&lower) {
                Driver::Retries
            } else if constant || names_worker_count(&lower) {
                Driver::FixedCount
            } else if lower.contains("len ") {
                Driver::Collection
            } else {
                Driver::Count
            }
        }
    }
}

/// A plain `loop`/`while`: a connection accept or a receive in the body drives it.
fn driver_in_body(per_iteration: &[&Expr]) -> Driver {
    let mut driver = Driver::Unknown;
    for expr in per_iteration {
        expr.walk(&mut |inner| {
            let ExprKind::MethodCall { method, .. } = &inner.kind else {
                return;
            };
            let found = if is_accept_in_loop_body(method) {
                Driver::Connections
            } else if is_receive_in_loop_body(method) {
                Driver::Messages
            } else {
                return;
            };
            if driver != Driver::Connections {
                driver = found;
            }
        });
    }
    driver
}

fn pattern_names_retry(pattern: &Pattern) -> bool {
    pattern
        .bindings
        .iter()
        .any(|binding| names_retry(&binding.name.to_lowercase()))
}

fn pattern_names(pattern: &Pattern) -> Vec<&str> {
    pattern
        .bindings
        .iter()
        .map(|binding| binding.name.as_str())
        .collect()
}

/// `x?`, and the error adapters around a result: `x.map_err(..)?`, `x.ok()`, `x.unwrap()`.
fn strip_try(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) => strip_try(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => strip_try(receiver),
        _ => expr,
    }
}

/// `x.await?` → `x`.
pub fn peel_await_try(expr: &Expr) -> &Expr {
    let mut current = expr;
    while let ExprKind::Await(inner) | ExprKind::Try(inner) = &current.kind {
        current = inner;
    }
    current
}

/// The expression at the bottom of a method chain (`users` in `users.iter().map(..)`).
pub fn chain_source(expr: &Expr) -> &Expr {
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::MethodCall { receiver, .. } => current = receiver,
            ExprKind::Await(inner)
            | ExprKind::Try(inner)
            | ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner) => current = inner,
            _ => return current,
        }
    }
}

/// The name a receiver is known by: `client` for `client`, `self.client`, `&client`,
/// `client.clone()`, `client.as_ref()`.
pub fn name_of(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::Path(path) => Some(path.last()),
        ExprKind::Field { member, .. } => Some(member),
        ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => name_of(expr),
        ExprKind::Await(expr) | ExprKind::Try(expr) => name_of(expr),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_same_value_method(method) => name_of(receiver),
        _ => None,
    }
}

/// A short rendering of a simple expression for messages: `ids`, `self.users`,
/// `listener.incoming()`; `None` for anything longer.
pub fn describe(expr: &Expr) -> Option<String> {
    let text = match &expr.kind {
        ExprKind::Path(path) => path.display(),
        ExprKind::Field { base, member } => format!("{}.{member}", describe(base)?),
        ExprKind::Reference { expr, .. } => describe(expr)?,
        ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } if args.is_empty() => {
            let base = describe(receiver)?;
            if is_plain_iteration(method) {
                return Some(base);
            }
            format!("{base}.{method}()")
        }
        _ => return None,
    };
    (text.len() <= 40).then_some(text)
}

/// The last path segment of a binding's type, references and `Arc`/`Rc`/`Box` looked through.
pub fn type_name(ty: &TypeRef) -> Option<&str> {
    let name = ty.last_segment()?;
    if is_name_match_wrapper(name) {
        return ty.type_args().first().and_then(type_name);
    }
    Some(name)
}

/// Where to point at a call: from the method name to the end for a method call (a long
/// chain would otherwise start at its receiver), the whole expression otherwise.
pub fn call_span(expr: &Expr) -> Span {
    match &expr.kind {
        ExprKind::MethodCall { method_span, .. } => Span {
            byte_end: expr.span.byte_end,
            end: expr.span.end,
            ..*method_span
        },
        _ => expr.span,
    }
}

/// Functions the rules leave alone: tests (also in `test`/`tests` module files, whose
/// `#[cfg(test)]` sits on the `mod` declaration in another file) and implementations of
/// `Extend`/`FromIterator`, which exist to take every item (`JoinSet: Extend<F>`).
pub fn is_exempt(function: &Function) -> bool {
    function.is_test
        || function
            .module_path
            .iter()
            .any(|module| is_test_module_name(module))
        || function
            .trait_path
            .as_ref()
            .is_some_and(|path| is_collecting_trait(path.last()))
}

/// `SLOWNESSES`, `MAX_RETRIES`: the naming convention of `const` and `static` items.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
