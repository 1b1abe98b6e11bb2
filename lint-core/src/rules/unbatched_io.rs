//! `unbatched_io`: a round trip per element of a collection where a batched form exists.

use super::work_sites::{call_span, is_exempt};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::exprs::{chain_source, name_of, peel_await_try};
use crate::analysis::format_strings::{FormatArgument, named_argument, placeholders};
use crate::analysis::loops::{Driver, FunctionLoops, IterationScope, LoopSite};
use crate::analysis::types::Ty;
use crate::analysis::{FunctionRef, Program};
use crate::config::{OptionKind, RuleOption};
use crate::diagnostic::{Diagnostic, Label};
use crate::knowledge::Knowledge;
use crate::knowledge::adaptors::{is_result_adapter, is_same_value_view};
use crate::knowledge::io::{
    self, AMBIGUOUS_CLIENT_NAME, AMBIGUOUS_CLIENT_TYPE, HTTP_CLIENT_CONSTRUCTOR,
    HTTP_EXECUTE_METHOD, IoKind, REDIS_CMD, SEND_METHOD, SqlStatement,
};
use crate::model::{Block, Expr, ExprKind, Stmt};
use crate::resolve::Resolved;

declare_rule! {
    /// ## What it does
    /// Flags a network, database or file round trip made once per element of a collection
    /// known only at run time (`for id in ids`, `ids.iter().map(..)`, `.for_each(..)`,
    /// `while let Some(x) = iter.next()`), where the library has a batched form:
    ///
    /// - database: sqlx (`query*` functions and macros, then `execute`/`fetch*`; `Executor`
    ///   methods on a pool, connection or transaction), diesel `RunQueryDsl` (`load`,
    ///   `get_result(s)`, `first`, `execute` on a connection), sea-orm (`one`, `all`,
    ///   `insert`, `update`, `delete`, `save` on a connection), tokio-postgres, postgres and
    ///   rusqlite (`query*`, `execute` on a client, connection or transaction), mongodb
    ///   (`find_one`, `insert_one`, `update_one`, `delete_one`, ...), redis (`redis::cmd` and
    ///   commands on a redis connection);
    /// - HTTP and RPC: reqwest (`client.get/post/..(..).send()`, `reqwest::get`), hyper
    ///   `client.request`, tonic clients and AWS-style fluent builders (`.send()` on a chain
    ///   that starts at a receiver whose type or name ends in `Client`);
    /// - `write`/`write_all`/`write!` on an unbuffered `File`, `TcpStream` or `UnixStream`;
    /// - a connection or client built per element with arguments that do not depend on the
    ///   element (`TcpStream::connect(addr)`, `reqwest::Client::new()`, `PgPool::connect`,
    ///   `redis::Client::open`), where one reused connection would do.
    ///
    /// Also per element: the items of a stream of rows or messages
    /// (`while let Some(row) = rows.try_next().await`), and a range whose end comes from
    /// input (`0..n` with `n` a parameter, `0..req.days`, `0..items.len()`). A per-row
    /// `INSERT` inside a transaction is still one round trip per row.
    ///
    /// Not a finding: loops over a literal array, a literal or constant range (`0..3`,
    /// retries `for attempt in 0..MAX_RETRIES`), `chunks(n)` (already batched, also inside
    /// a closure per chunk, mapped into a request type, or collected into a local first);
    /// groups of items per key, one call per group to its key (`for (db, lines) in by_db`
    /// over a map of collections or one filled with `entry(k).or_default().push(x)`, a
    /// client looked up by the key); a stream whose items are buffers written as they come
    /// (`while let Some(chunk) = body.next().await { file.write_all(&chunk) }`); loops that
    /// make the call once: followed by `return`/`break`, or a search, retry or fallback that
    /// leaves on the call's first success (`if let Ok(x) = get(url).await { return Ok(x) }`);
    /// `loop`/`while` loops without a collection (cursor and
    /// pagination loops, where the next request needs the previous response; polling);
    /// loops over received messages or accepted connections; requests inside an `async`
    /// block or closure created per element (the futures are run by
    /// `join_all`/`buffer_unordered`, the concurrent form); schema changes (`CREATE`,
    /// `ALTER`, `DROP`, ... one per object) and SQL scripts run one by one
    /// (`batch_execute(&script)`, bookkeeping included); requests whose target is the
    /// element itself (`client.post(&hook.url)`: N distinct hosts) and connections to an
    /// address taken from the element (N distinct peers); reading files (N distinct files);
    /// test code (out of scope by default).
    ///
    /// The fix named depends on the statement when its SQL text is visible: `= ANY($1)` for
    /// a keyed `SELECT`/`UPDATE`/`DELETE`, a multi-row `INSERT` (or `UNNEST`, `COPY`) for
    /// inserts.
    ///
    /// ## Why is this bad?
    /// Each iteration waits a full round trip: 1,000 ids make 1,000 queries, and at 50 ms
    /// each that is 50 seconds instead of one query of a few milliseconds. The database,
    /// the remote service and the kernel all pay per call too. One batched call (or
    /// independent requests run concurrently with a bound) does the same work at a fraction
    /// of the latency and load.
    ///
    /// ## Example
    /// ```rust,ignore
    /// for id in &ids {
    ///     let user = sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = $1")
    ///         .bind(id)
    ///         .fetch_one(&pool)
    ///         .await?;
    ///     users.push(user);
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```rust,ignore
    /// let users = sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = ANY($1)")
    ///     .bind(&ids)
    ///     .fetch_all(&pool)
    ///     .await?;
    /// ```
    /// Other batched forms: `QueryBuilder::push_values` (sqlx inserts), `eq_any` (diesel),
    /// `insert_many`/`is_in` (sea-orm), `insert_many`/`$in` (mongodb), `redis::pipe()` or
    /// `MGET`/`MSET`, `join_all`/`buffer_unordered(n)` for independent HTTP calls, a
    /// `BufWriter` for writes, one client or pool created before the loop.
    ///
    /// ## Known problems
    /// Receivers are recognized by type when the syntax says it and otherwise by name
    /// (`pool`, `conn`, `db`, `tx`, `client`, `*Client`, `redis`), so a database handle named
    /// otherwise is missed and an unrelated value with such a name and method can be
    /// reported. Sequential requests that must stay sequential (rate limits, ordering) are
    /// reported; allow the finding there. Loops inside macros other than the standard
    /// expression macros are not seen.
    ///
    /// ## Configuration
    /// In the workspace `Cargo.toml`:
    /// ```toml
    /// [workspace.metadata.coordlint.unbatched_io]
    /// extra-methods = ["fetch_user"]
    /// extra-paths = ["my_db::load_one"]
    /// ```
    /// `extra-methods` are method names that make a round trip on any receiver;
    /// `extra-paths` are canonical paths of functions that make one. Level:
    /// `-A/-W/-D unbatched_io`.
    pub static UNBATCHED_IO = {
        name: "unbatched_io",
        level: Warn,
        summary: "a database, network or file round trip is made once per element of a collection",
        check: Some(Check::FunctionLoops(check)),
        options: &[
            RuleOption {
                name: "extra-methods",
                kind: OptionKind::StringList,
                doc: "method names that make a round trip on any receiver",
            },
            RuleOption {
                name: "extra-paths",
                kind: OptionKind::StringList,
                doc: "canonical paths of functions that make a round trip",
            },
        ],
    };
}

/// Wording of each kind of round trip: its noun and the batched form to use instead.
trait IoWording {
    fn noun(self) -> &'static str;
    fn help(self) -> &'static str;
}

impl IoWording for IoKind {
    fn noun(self) -> &'static str {
        match self {
            IoKind::Sqlx | IoKind::Diesel | IoKind::SeaOrm | IoKind::SqlClient | IoKind::Mongo => {
                "query"
            }
            IoKind::Redis => "redis command",
            IoKind::Http => "HTTP request",
            IoKind::Rpc => "remote call",
            IoKind::Write => "write system call",
            IoKind::Connect => "new connection",
            IoKind::Custom => "round trip",
        }
    }

    fn help(self) -> &'static str {
        match self {
            IoKind::Sqlx => {
                "query all elements at once (`WHERE id = ANY($1)` bound to the whole \
                 list, or `QueryBuilder::push_values` for inserts)"
            }
            IoKind::Diesel => {
                "query all elements at once with `.filter(column.eq_any(&ids))`, \
                 `belonging_to` + `grouped_by`, or a multi-row `insert_into(..).values(&rows)`"
            }
            IoKind::SeaOrm => {
                "query all elements at once with `Column::Id.is_in(ids)`, \
                 `LoaderTrait::load_many`, or `Entity::insert_many`"
            }
            IoKind::SqlClient => {
                "send one statement for all elements (`WHERE id = ANY($1)` with \
                 the whole list, a multi-row `INSERT`, or `COPY`)"
            }
            IoKind::Mongo => {
                "use the `*_many` form (`insert_many`, `update_many`, \
                 `delete_many`) or one `find` with `$in`"
            }
            IoKind::Redis => {
                "send the commands together with `redis::pipe()`, or use the \
                 multi-key form (`MGET`, `MSET`, `HMGET`)"
            }
            IoKind::Http => {
                "use the service's batch endpoint if it has one; otherwise run the \
                 independent requests concurrently with `futures::future::join_all` or \
                 `stream::iter(..).buffer_unordered(n)`"
            }
            IoKind::Rpc => {
                "use the service's batch call if it has one (`batch_get_item`, \
                 `delete_objects`, a repeated field); otherwise run the calls concurrently \
                 with `buffer_unordered(n)`"
            }
            IoKind::Write => {
                "wrap the writer in a `std::io::BufWriter` (or \
                 `tokio::io::BufWriter`) before the loop, or build the output in memory and \
                 write it once"
            }
            IoKind::Connect => {
                "create the connection or client once before the loop and reuse \
                 it (clients and pools are cheap to clone)"
            }
            IoKind::Custom => {
                "make one batched call for all elements, or run the calls \
                 concurrently with a bound"
            }
        }
    }
}

fn check(context: &RuleContext<'_, '_>, loops: &FunctionLoops<'_>, out: &mut Vec<Diagnostic>) {
    let function = context.program.function(loops.function);
    if is_exempt(function) {
        return;
    }
    let body = loops.body;
    let type_of = |expr: &Expr| context.program.type_of(loops.function, expr);
    for site in &loops.sites {
        if site.deferred {
            continue;
        }
        let scope = &loops.scopes[site.scope];
        let per_input_item = matches!(scope.driver, Driver::Collection | Driver::StreamItems)
            || (scope.counts_input && scope.driver != Driver::Retries);
        if !per_input_item || scope.bounded_by.is_some() || loops.iterates_a_chunk(site.scope) {
            continue;
        }
        let Some((trip, call)) = round_trip(context, loops, &type_of, site, scope) else {
            continue;
        };
        // A search, retry or fallback loop: the call is made once, or until it succeeds.
        if loops.leaves_after(site.scope, site.expr.span)
            || loops.stops_at_first_success(site.scope, site.expr.span)
        {
            continue;
        }
        // Already per batch: one call per group, to the group's key.
        if loops.calls_group_key(context.program, site.scope, site.expr) {
            continue;
        }
        if trip == IoKind::Write
            && scope.driver == Driver::StreamItems
            && writes_item_as_is(body, site.expr, scope)
        {
            continue;
        }
        // `let mut file = File::create(path)?; file.write_all(&report)?;` per path: one
        // write to each new file is not a stream written piecemeal.
        if trip == IoKind::Write && writes_to_stream_opened_per_item(site.expr, scope) {
            continue;
        }
        if scope.is_lazy_adapter() && (scope.async_body || (!site.awaited && trip.is_async())) {
            continue;
        }
        let statement = sql_statement_in(body, site.expr);
        if statement == Some(SqlStatement::Definition) || runs_scripts(scope) {
            continue;
        }
        if matches!(trip, IoKind::Http | IoKind::Rpc) && targets_each_item(body, site.expr, scope) {
            continue;
        }
        out.push(finding(context, site, scope, trip, statement, &call));
    }
}

fn finding(
    context: &RuleContext<'_, '_>,
    site: &LoopSite<'_>,
    scope: &IterationScope<'_>,
    trip: IoKind,
    statement: Option<SqlStatement>,
    call: &str,
) -> Diagnostic {
    let noun = trip.noun();
    let per = match &scope.iterated {
        Some(iterated) => format!("element of `{iterated}`"),
        None => "element".to_string(),
    };
    context
        .diagnostic(
            format!("`{call}` makes one {noun} per {per}"),
            Label::new(call_span(site.expr), format!("one {noun} per iteration")),
        )
        .with_secondary(Label::new(scope.header, format!("one {noun} per {per}")))
        .with_help(match statement {
            Some(SqlStatement::Insert) => INSERT_HELP,
            Some(SqlStatement::KeyedRows) if is_sql(trip) => KEYED_ROWS_HELP,
            _ => trip.help(),
        })
}

const INSERT_HELP: &str = "insert all rows with one statement: a multi-row `INSERT .. VALUES (..), (..)` \
     (`QueryBuilder::push_values` in sqlx, `insert_into(..).values(&rows)` in diesel), \
     `INSERT .. SELECT * FROM UNNEST($1, $2)`, or `COPY`";

const KEYED_ROWS_HELP: &str = "query all elements at once: bind the whole list (`WHERE id = ANY($1)` in \
     Postgres, `IN (..)` elsewhere) and match the rows to the elements afterwards";

fn is_sql(trip: IoKind) -> bool {
    matches!(trip, IoKind::Sqlx | IoKind::SqlClient)
}

/// The kind of SQL statement a call runs, from the first string literal in it that reads
/// like SQL (`sqlx::query("SELECT ..")`, `client.execute("INSERT ..", ..)`), or in the
/// `let` that built a local it passes (`let ddl = format!("CREATE TABLE ..")`).
fn sql_statement_in(body: &Block, call: &Expr) -> Option<SqlStatement> {
    let mut found = None;
    let mut locals = Vec::new();
    call.walk(&mut |expr| match &expr.kind {
        ExprKind::Text(text) if found.is_none() => found = io::sql_statement_kind(text),
        ExprKind::Path(path) if path.segments.len() == 1 => locals.push(path.last()),
        _ => {}
    });
    if found.is_some() {
        return found;
    }
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let (Some(name), Some(init)) = (let_stmt.pattern.simple_name(), &let_stmt.init)
                && locals.contains(&name)
                && found.is_none()
            {
                init.walk(&mut |expr| {
                    if let ExprKind::Text(text) = &expr.kind
                        && found.is_none()
                    {
                        found = io::sql_statement_kind(text);
                    }
                });
            }
        }
    });
    found
}

/// An iteration that runs a SQL script given by value (`tx.batch_execute(&sql)`): a list
/// of migration or seed scripts applied one by one, bookkeeping included, which has no
/// batched form.
fn runs_scripts(scope: &IterationScope<'_>) -> bool {
    let mut found = false;
    scope.walk_body(&mut |expr| {
        if let ExprKind::MethodCall { method, .. } = &expr.kind
            && io::is_script_method(method)
            && !method
                .args()
                .iter()
                .any(|arg| matches!(arg.kind, ExprKind::Text(_)))
        {
            found = true;
        }
    });
    found
}

/// A request whose target is the element itself (`client.post(&hook.url)`,
/// `reqwest::get(url)` in `for url in urls`, a URL whose host is the element's): N distinct
/// peers have no batched form.
fn targets_each_item(body: &Block, call: &Expr, scope: &IterationScope<'_>) -> bool {
    let mut current = call;
    loop {
        let target = match &current.kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                if io::is_http_builder(method) {
                    let url = if io::takes_method_first(method) {
                        method.args().get(1)
                    } else {
                        method.args().first()
                    };
                    return url.is_some_and(|url| is_item_target(body, url, scope));
                }
                current = receiver;
                continue;
            }
            ExprKind::Call { args, .. } => args.first(),
            ExprKind::Await(inner) | ExprKind::Try(inner) => {
                current = inner;
                continue;
            }
            _ => None,
        };
        return target.is_some_and(|url| is_item_target(body, url, scope));
    }
}

/// The element or one of its fields (`url`, `&hook.url`, `hook.endpoint.as_str()`), a URL
/// whose host comes from it (`format!("https://{}/purge", pop.host)`), or a local bound to
/// one of those; not a value built from it on a fixed host (`format!("{base}/users/{id}")`).
fn is_item_target(body: &Block, expr: &Expr, scope: &IterationScope<'_>) -> bool {
    match &expr.kind {
        ExprKind::Path(path) if path.segments.len() == 1 => {
            is_item_name_target(body, path.last(), scope)
        }
        ExprKind::Field(field) => is_item_target(body, &field.base, scope),
        ExprKind::Reference { expr: base, .. } => is_item_target(body, base, scope),
        ExprKind::MethodCall {
            receiver, method, ..
        } if method.args().is_empty() => is_item_target(body, receiver, scope),
        ExprKind::Macro(call) => {
            let Some(ExprKind::Text(template)) = call.args.first().map(|arg| &arg.kind) else {
                return false;
            };
            // The host is the first placeholder right after the scheme: `{}`, `{peer}`.
            let Some((_, rest)) = template.split_once("://") else {
                return false;
            };
            if !rest.starts_with('{') || rest.starts_with("{{") {
                return false;
            }
            let arguments = &call.args[1..];
            match placeholders(rest).first().map(|host| &host.argument) {
                Some(FormatArgument::Position(index)) => {
                    // Positions count from the template's start, not from the host.
                    let before = placeholders(template).len() - placeholders(rest).len();
                    arguments
                        .get(before + index)
                        .is_some_and(|host| is_item_target(body, host, scope))
                }
                Some(FormatArgument::Named(name)) => match named_argument(arguments, name) {
                    Some(host) => is_item_target(body, host, scope),
                    None => is_item_name_target(body, name, scope),
                },
                None => false,
            }
        }
        _ => false,
    }
}

/// A name bound to the element, or a local bound to one of the targets above.
fn is_item_name_target(body: &Block, name: &str, scope: &IterationScope<'_>) -> bool {
    scope.item_names.contains(&name)
        || local_init(body, name).is_some_and(|init| is_item_target(body, init, scope))
}

/// `file.write_all(&chunk)` in `while let Some(chunk) = stream.next().await`: the stream's
/// items are written as they come (`&chunk`, `chunk.as_ref()`, `&chunk[..]`, or a `let`
/// that only unwraps it), so each item is already a buffer the producer filled.
/// Whether the write's receiver is a name bound in the iteration itself (a `let`, or an
/// `Ok(mut file)` pattern): a stream opened for this item.
fn writes_to_stream_opened_per_item(call: &Expr, scope: &IterationScope<'_>) -> bool {
    let ExprKind::MethodCall { receiver, .. } = &call.kind else {
        return false;
    };
    let ExprKind::Path(path) = &peel_refs(receiver).kind else {
        return false;
    };
    if path.segments.len() != 1 {
        return false;
    }
    let name = path.last();
    let Some(body) = scope.body else {
        return false;
    };
    let binds = |pattern: &crate::model::Pattern| {
        pattern.span.byte_end <= call.span.byte_start
            && pattern.bindings.iter().any(|binding| binding.name == name)
    };
    let mut bound = false;
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let crate::model::Stmt::Let(let_stmt) = stmt {
                bound |= binds(&let_stmt.pattern);
            }
        }
    });
    body.walk(&mut |expr| match &expr.kind {
        ExprKind::Let { pattern, .. } => bound |= binds(pattern),
        ExprKind::Match { arms, .. } => {
            bound |= arms.iter().any(|arm| binds(&arm.pattern));
        }
        _ => {}
    });
    bound
}

fn writes_item_as_is(body: &Block, call: &Expr, scope: &IterationScope<'_>) -> bool {
    let ExprKind::MethodCall { method, .. } = &call.kind else {
        return false;
    };
    let Some(written) = method.args().first() else {
        return false;
    };
    let mut current = written;
    loop {
        match &current.kind {
            ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => current = expr,
            ExprKind::Index { base, .. } => current = base,
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && io::is_buffer_view_method(method) => {
                current = receiver
            }
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                return scope.item_names.contains(&name)
                    || local_init(body, name).is_some_and(|init| {
                        matches!(&peel_await_try(strip_result_adapters(init)).kind,
                            ExprKind::Path(source) if source.segments.len() == 1
                                && scope.item_names.contains(&source.last()))
                    });
            }
            _ => return false,
        }
    }
}

/// `x.map_err(..)?` → `x`.
fn strip_result_adapters(expr: &Expr) -> &Expr {
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::Try(inner) | ExprKind::Await(inner) => current = inner,
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_result_adapter(method) => current = receiver,
            _ => return current,
        }
    }
}

/// The initializer of the `let` that binds `name` in `function` (the last one, if several).
fn local_init<'f>(body: &'f Block, name: &str) -> Option<&'f Expr> {
    let mut found = None;
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.pattern.simple_name() == Some(name)
            {
                found = let_stmt.init.as_ref();
            }
        }
    });
    found
}

/// The round trip `site` makes, and how to name the call.
fn round_trip(
    context: &RuleContext<'_, '_>,
    loops: &FunctionLoops<'_>,
    type_of: &dyn Fn(&Expr) -> Option<Ty>,
    site: &LoopSite<'_>,
    scope: &IterationScope<'_>,
) -> Option<(IoKind, String)> {
    let resolve = CallPaths {
        program: context.program,
        function: loops.function,
    };
    let knowledge = &context.program.knowledge;
    match &site.expr.kind {
        ExprKind::Call { args, .. } => {
            let resolved = resolve.at(site.expr)?;
            let display = resolved.display();
            if io::is_http_function(&display) {
                return Some((IoKind::Http, display));
            }
            if io::is_connector(&display) || io::is_sqlx_connect(&resolved.segments) {
                let invariant = !args.iter().any(|arg| scope.mentions_item(arg));
                return invariant.then_some((IoKind::Connect, display));
            }
            knowledge
                .is_extra_io_path(&display)
                .then_some((IoKind::Custom, display))
        }
        ExprKind::Macro(call) if io::is_write_macro(call.path.last()) => {
            let target = call.args.first()?;
            is_unbuffered_writer(type_of, target)
                .then(|| (IoKind::Write, format!("{}!", call.path.last())))
        }
        ExprKind::MethodCall {
            receiver, method, ..
        } => {
            let calls = MethodCall {
                receiver,
                method,
                args: method.args(),
            };
            method_round_trip(&resolve, type_of, site, loops.body, &calls, knowledge)
        }
        _ => None,
    }
}

/// A method call a loop site makes.
struct MethodCall<'e> {
    receiver: &'e Expr,
    method: &'e str,
    args: &'e [Expr],
}

fn method_round_trip(
    resolve: &CallPaths<'_, '_>,
    type_of: &dyn Fn(&Expr) -> Option<Ty>,
    site: &LoopSite<'_>,
    body: &Block,
    call: &MethodCall<'_>,
    knowledge: &Knowledge,
) -> Option<(IoKind, String)> {
    let MethodCall {
        receiver,
        method,
        args,
    } = *call;
    let source = chain_source(receiver);
    let source_name = name_of(source).map(str::to_lowercase);
    let source_type = type_of(source)
        .as_ref()
        .and_then(|ty| ty.name_for_matching().map(str::to_string));
    let shown = |text: &str| {
        if args.is_empty() {
            format!(".{text}()")
        } else {
            format!(".{text}(..)")
        }
    };
    if knowledge.is_extra_io_method(method) {
        return Some((IoKind::Custom, shown(method)));
    }
    // sqlx: `sqlx::query(..).bind(..).fetch_one(&pool)`, `query!(..).execute(&pool)`.
    // Also through a local: `let q = sqlx::query(..).bind(id); q.fetch_all(&pool)`.
    let query_source = match &source.kind {
        ExprKind::Path(path) if path.segments.len() == 1 => {
            local_init(body, path.last()).map_or(source, chain_source)
        }
        _ => source,
    };
    if io::is_sqlx_run_method(method) && is_sqlx_query(resolve, query_source) {
        return Some((IoKind::Sqlx, shown(method)));
    }
    // `x.first(&mut conn)`, `.one(&db)`, `.execute(&pool)`: a query run on a connection.
    if args.len() == 1
        && is_db_handle(type_of, &args[0])
        && let Some(trip) = io::connection_arg_method(method)
    {
        let chain_like = !matches!(receiver.kind, ExprKind::Path(_)) || trip != IoKind::Sqlx;
        if chain_like && (trip != IoKind::SeaOrm || site.awaited) {
            return Some((trip, shown(method)));
        }
    }
    // tokio-postgres, postgres, rusqlite, sqlx `Executor`: `client.query(sql, &[..])`.
    if io::is_sql_client_method(method)
        && !args.is_empty()
        && source_name
            .as_deref()
            .is_none_or(|name| !io::names_statement(name))
        && matches!(
            receiver.kind,
            ExprKind::Path(_)
                | ExprKind::Field { .. }
                | ExprKind::Reference { .. }
                | ExprKind::MethodCall { .. }
        )
        && std::ptr::eq(source, peel_refs(receiver))
    {
        let typed_db = source_type
            .as_deref()
            .is_some_and(|ty| io::is_db_type(ty) && ty != AMBIGUOUS_CLIENT_TYPE);
        let named_db = source_name.as_deref().is_some_and(io::is_db_name);
        let http_client = source_name
            .as_deref()
            .is_some_and(|name| name.ends_with("client"));
        if http_client && method == HTTP_EXECUTE_METHOD && args.len() == 1 {
            return Some((IoKind::Http, shown(method)));
        }
        if typed_db
            || (named_db && (args.len() >= 2 || site.awaited))
            || (http_client && args.len() >= 2)
        {
            return Some((IoKind::SqlClient, shown(method)));
        }
    }
    if io::is_mongo_method(method)
        && (site.awaited
            || source_type.as_deref() == Some(io::MONGO_COLLECTION_TYPE)
            || source_name
                .as_deref()
                .is_some_and(io::names_mongo_collection))
    {
        return Some((IoKind::Mongo, shown(method)));
    }
    // redis: `redis::cmd("GET").arg(k).query_async(&mut con)`, `con.get(key).await`.
    if io::is_redis_query_method(method) && is_call_to(resolve, source, REDIS_CMD) {
        return Some((IoKind::Redis, shown(method)));
    }
    if io::is_redis_command(method)
        && std::ptr::eq(source, peel_refs(receiver))
        && (source_name.as_deref().is_some_and(io::names_redis)
            || source_type.as_deref().is_some_and(io::is_redis_type)
            || (site.awaited
                && source_name
                    .as_deref()
                    .is_some_and(io::is_short_connection_name)))
    {
        return Some((IoKind::Redis, shown(method)));
    }
    let client_like = io::is_client(source_name.as_deref(), source_type.as_deref())
        || is_call_to(resolve, source, HTTP_CLIENT_CONSTRUCTOR);
    // reqwest and fluent SDK builders: `client.get(url).send()`, `s3.put_object()..send()`.
    if method == SEND_METHOD && args.is_empty() && client_like {
        let http = chain_methods(receiver)
            .iter()
            .any(|name| io::is_http_builder(name));
        let trip = if http { IoKind::Http } else { IoKind::Rpc };
        return Some((trip, shown("send")));
    }
    // hyper `client.request(req).await`, tonic `client.say_hello(req).await`.
    if site.awaited
        && client_like
        && std::ptr::eq(source, peel_refs(receiver))
        && io::is_client_request_method(method)
    {
        let trip = if io::is_http_client_method(method) {
            IoKind::Http
        } else {
            IoKind::Rpc
        };
        return Some((trip, shown(method)));
    }
    // `file.write_all(..)` on an unbuffered `File`/`TcpStream`.
    if io::is_write_method(method) && is_unbuffered_writer(type_of, receiver) {
        return Some((IoKind::Write, shown(method)));
    }
    None
}

/// The receiver with references and clones looked through, for "called on a binding".
fn peel_refs(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => peel_refs(expr),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_same_value_view(method) => peel_refs(receiver),
        _ => expr,
    }
}

fn chain_methods(expr: &Expr) -> Vec<&str> {
    let mut methods = Vec::new();
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                methods.push(method.as_str());
                current = receiver;
            }
            ExprKind::Await(inner) | ExprKind::Try(inner) => current = inner,
            _ => return methods,
        }
    }
}

fn is_sqlx_query(resolve: &CallPaths<'_, '_>, source: &Expr) -> bool {
    let in_sqlx = || {
        resolve
            .at(source)
            .and_then(|resolved| resolved.segments.first())
            .is_some_and(|first| first == io::SQLX_CRATE)
    };
    match &source.kind {
        ExprKind::Call { callee, .. } => match &callee.kind {
            ExprKind::Path(path) => io::is_sqlx_query_function(path.last()) && in_sqlx(),
            _ => false,
        },
        ExprKind::Macro(call) => io::is_sqlx_query_macro(call.path.last()) && in_sqlx(),
        _ => false,
    }
}

fn is_call_to(resolve: &CallPaths<'_, '_>, source: &Expr, target: &str) -> bool {
    matches!(source.kind, ExprKind::Call { .. })
        && resolve
            .at(source)
            .is_some_and(|resolved| resolved.display() == target)
}

/// The canonical paths of the calls of one function, from the call-site layer.
struct CallPaths<'p, 'a> {
    program: &'p Program<'a>,
    function: FunctionRef,
}

impl<'p> CallPaths<'p, '_> {
    fn at(&self, expr: &Expr) -> Option<&'p Resolved> {
        self.program.resolved_call(self.function, expr)
    }
}

/// `&pool`, `&mut *tx`, `&self.db`, `conn`, `pool.as_ref()`.
fn is_db_handle(type_of: &dyn Fn(&Expr) -> Option<Ty>, arg: &Expr) -> bool {
    let inner = peel_refs(arg);
    if let Some(ty) = type_of(inner).as_ref().and_then(Ty::name_for_matching)
        && io::is_db_type(ty)
    {
        return true;
    }
    name_of(inner)
        .map(str::to_lowercase)
        .is_some_and(|name| io::is_db_name(&name) && name != AMBIGUOUS_CLIENT_NAME)
}

/// A binding whose type says it is an unbuffered file or socket.
fn is_unbuffered_writer(type_of: &dyn Fn(&Expr) -> Option<Ty>, writer: &Expr) -> bool {
    let writer = peel_await_try(peel_refs(writer));
    type_of(writer)
        .as_ref()
        .and_then(Ty::name_for_matching)
        .is_some_and(io::is_unbuffered_writer_type)
}
