//! `unbatched_io`: a round trip per element of a collection where a batched form exists.

use super::{RuleContext, declare_rule};
use crate::analysis::bindings::LocalTypes;
use crate::analysis::loops::{
    Driver, FunctionLoops, IterationScope, LoopSite, call_span, chain_source, is_exempt, name_of,
    peel_await_try, type_name,
};
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{Expr, ExprKind, Function, PathRef};
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
    /// Not a finding: loops over a literal array, a range (`0..pages`, retries
    /// `for attempt in 0..MAX_RETRIES`), `chunks(n)` (already batched); `loop`/`while`
    /// loops without a collection (cursor and pagination loops, where the next request
    /// needs the previous response; polling); loops over received messages or accepted
    /// connections; requests inside an `async` block or closure created per element (the
    /// futures are run by `join_all`/`buffer_unordered`, the concurrent form); connecting
    /// to an address taken from the element (N distinct peers have no batched form);
    /// reading files (N distinct files have no batched form); test functions.
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
        check: Some(check),
    };
}

/// What kind of round trip a call makes, which decides the wording and the fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trip {
    Sqlx,
    Diesel,
    SeaOrm,
    SqlClient,
    Mongo,
    Redis,
    Http,
    Rpc,
    Write,
    Connect,
    Custom,
}

impl Trip {
    /// Whether the call returns a future (so un-awaited, it has not run yet).
    fn is_async(self) -> bool {
        matches!(
            self,
            Trip::Sqlx | Trip::SeaOrm | Trip::Mongo | Trip::Redis | Trip::Http | Trip::Rpc
        )
    }

    fn noun(self) -> &'static str {
        match self {
            Trip::Sqlx | Trip::Diesel | Trip::SeaOrm | Trip::SqlClient | Trip::Mongo => "query",
            Trip::Redis => "redis command",
            Trip::Http => "HTTP request",
            Trip::Rpc => "remote call",
            Trip::Write => "write system call",
            Trip::Connect => "new connection",
            Trip::Custom => "round trip",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Trip::Sqlx => {
                "query all elements at once (`WHERE id = ANY($1)` bound to the whole \
                 list, or `QueryBuilder::push_values` for inserts)"
            }
            Trip::Diesel => {
                "query all elements at once with `.filter(column.eq_any(&ids))`, \
                 `belonging_to` + `grouped_by`, or a multi-row `insert_into(..).values(&rows)`"
            }
            Trip::SeaOrm => {
                "query all elements at once with `Column::Id.is_in(ids)`, \
                 `LoaderTrait::load_many`, or `Entity::insert_many`"
            }
            Trip::SqlClient => {
                "send one statement for all elements (`WHERE id = ANY($1)` with \
                 the whole list, a multi-row `INSERT`, or `COPY`)"
            }
            Trip::Mongo => {
                "use the `*_many` form (`insert_many`, `update_many`, \
                 `delete_many`) or one `find` with `$in`"
            }
            Trip::Redis => {
                "send the commands together with `redis::pipe()`, or use the \
                 multi-key form (`MGET`, `MSET`, `HMGET`)"
            }
            Trip::Http => {
                "use the service's batch endpoint if it has one; otherwise run the \
                 independent requests concurrently with `futures::future::join_all` or \
                 `stream::iter(..).buffer_unordered(n)`"
            }
            Trip::Rpc => {
                "use the service's batch call if it has one (`batch_get_item`, \
                 `delete_objects`, a repeated field); otherwise run the calls concurrently \
                 with `buffer_unordered(n)`"
            }
            Trip::Write => {
                "wrap the writer in a `std::io::BufWriter` (or \
                 `tokio::io::BufWriter`) before the loop, or build the output in memory and \
                 write it once"
            }
            Trip::Connect => {
                "create the connection or client once before the loop and reuse \
                 it (clients and pools are cheap to clone)"
            }
            Trip::Custom => {
                "make one batched call for all elements, or run the calls \
                 concurrently with a bound"
            }
        }
    }
}

const SQLX_QUERY_FUNCTIONS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
];

const SQLX_QUERY_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
    "query_file",
    "query_file_as",
    "query_file_scalar",
    "query_file_unchecked",
    "query_file_as_unchecked",
];

const SQLX_RUN_METHODS: &[&str] = &[
    "execute",
    "fetch",
    "fetch_one",
    "fetch_optional",
    "fetch_all",
    "fetch_many",
];

/// Methods that run a query when given a connection (`.first(&mut conn)`, `.one(&db)`).
const CONNECTION_ARG_METHODS: &[(&str, Trip)] = &[
    ("execute", Trip::Sqlx),
    ("fetch", Trip::Sqlx),
    ("fetch_one", Trip::Sqlx),
    ("fetch_optional", Trip::Sqlx),
    ("fetch_all", Trip::Sqlx),
    ("load", Trip::Diesel),
    ("load_iter", Trip::Diesel),
    ("get_result", Trip::Diesel),
    ("get_results", Trip::Diesel),
    ("first", Trip::Diesel),
    ("one", Trip::SeaOrm),
    ("all", Trip::SeaOrm),
    ("insert", Trip::SeaOrm),
    ("update", Trip::SeaOrm),
    ("delete", Trip::SeaOrm),
    ("save", Trip::SeaOrm),
];

/// Methods of a SQL client or connection that run a statement (`client.query(sql, params)`).
const SQL_CLIENT_METHODS: &[&str] = &[
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "query_row",
    "execute",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
];

/// Names of database handles.
const DB_NAMES: &[&str] = &[
    "pool",
    "db",
    "conn",
    "connection",
    "tx",
    "txn",
    "transaction",
    "executor",
    "database",
    "pg",
    "postgres",
    "sqlite",
    "client",
    "db_pool",
    "pg_pool",
];

/// Types of database handles.
const DB_TYPES: &[&str] = &[
    "Pool",
    "PgPool",
    "MySqlPool",
    "SqlitePool",
    "AnyPool",
    "PgConnection",
    "SqliteConnection",
    "MySqlConnection",
    "PoolConnection",
    "PooledConnection",
    "Transaction",
    "Connection",
    "DatabaseConnection",
    "DatabaseTransaction",
    "Client",
];

const MONGO_METHODS: &[&str] = &[
    "find_one",
    "insert_one",
    "update_one",
    "delete_one",
    "replace_one",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
];

const REDIS_COMMANDS: &[&str] = &[
    "get", "set", "set_ex", "set_nx", "hget", "hset", "hgetall", "hdel", "incr", "decr", "del",
    "expire", "exists", "sadd", "srem", "smembers", "zadd", "zrem", "lpush", "rpush", "lpop",
    "rpop", "publish",
];

const REDIS_TYPES: &[&str] = &[
    "MultiplexedConnection",
    "ConnectionManager",
    "ClusterConnection",
];

/// Methods on a client-like receiver that are not round trips.
const NOT_REQUESTS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "acquire",
    "acquire_owned",
    "recv",
    "clone",
    "ready",
    "closed",
    "send",
    "get_ref",
    "get_mut",
    "into_inner",
];

const HTTP_BUILDERS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];

/// Constructors of connections and clients: (canonical path prefix, tail).
const CONNECTORS: &[&[&str]] = &[
    &["std", "net", "TcpStream", "connect"],
    &["tokio", "net", "TcpStream", "connect"],
    &["async_std", "net", "TcpStream", "connect"],
    &["smol", "net", "TcpStream", "connect"],
    &["reqwest", "Client", "new"],
    &["reqwest", "Client", "builder"],
    &["reqwest", "blocking", "Client", "new"],
    &["reqwest", "blocking", "Client", "builder"],
    &["redis", "Client", "open"],
    &["tokio_postgres", "connect"],
    &["postgres", "Client", "connect"],
    &["mongodb", "Client", "with_uri_str"],
    &["rusqlite", "Connection", "open"],
];

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for loops in &context.program.loops {
        let function = context.program.function(loops.function);
        if is_exempt(function) {
            continue;
        }
        let mut locals = None;
        for site in &loops.sites {
            if site.deferred {
                continue;
            }
            let scope = &loops.scopes[site.scope];
            if scope.driver != Driver::Collection || scope.bounded_by.is_some() {
                continue;
            }
            let locals = locals.get_or_insert_with(|| context.program.local_types(loops.function));
            let Some((trip, call)) = round_trip(context, loops, function, locals, site, scope)
            else {
                continue;
            };
            if scope.is_lazy_adapter() && (scope.async_body || (!site.awaited && trip.is_async())) {
                continue;
            }
            out.push(finding(context, site, scope, trip, &call));
        }
    }
}

fn finding(
    context: &RuleContext<'_, '_>,
    site: &LoopSite<'_>,
    scope: &IterationScope<'_>,
    trip: Trip,
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
        .with_help(trip.help())
}

/// The round trip `site` makes, and how to name the call.
fn round_trip(
    context: &RuleContext<'_, '_>,
    loops: &FunctionLoops<'_>,
    function: &Function,
    locals: &LocalTypes,
    site: &LoopSite<'_>,
    scope: &IterationScope<'_>,
) -> Option<(Trip, String)> {
    let resolve = |path: &PathRef| -> Resolved {
        context
            .program
            .resolver
            .resolve(loops.function.file, function.scope, path)
    };
    let apis = &context.config.unbatched_io;
    match &site.expr.kind {
        ExprKind::Call { callee, args } => {
            let ExprKind::Path(path) = &callee.kind else {
                return None;
            };
            let resolved = resolve(path);
            let display = resolved.display();
            if resolved.is(&["reqwest", "get"]) || resolved.is(&["reqwest", "blocking", "get"]) {
                return Some((Trip::Http, display));
            }
            if CONNECTORS.iter().any(|connector| resolved.is(connector))
                || is_sqlx_connect(&resolved)
            {
                let invariant = !args.iter().any(|arg| scope.mentions_item(arg));
                return invariant.then_some((Trip::Connect, display));
            }
            apis.extra_paths
                .contains(&display)
                .then_some((Trip::Custom, display))
        }
        ExprKind::Macro(call) if matches!(call.path.last(), "write" | "writeln") => {
            let target = call.args.first()?;
            is_unbuffered_writer(locals, target)
                .then(|| (Trip::Write, format!("{}!", call.path.last())))
        }
        ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } => method_round_trip(
            &resolve,
            locals,
            site,
            receiver,
            method,
            args,
            &apis.extra_methods,
        ),
        _ => None,
    }
}

fn method_round_trip(
    resolve: &dyn Fn(&PathRef) -> Resolved,
    locals: &LocalTypes,
    site: &LoopSite<'_>,
    receiver: &Expr,
    method: &str,
    args: &[Expr],
    extra_methods: &[String],
) -> Option<(Trip, String)> {
    let source = chain_source(receiver);
    let source_name = name_of(source).map(str::to_lowercase);
    let source_type = locals
        .type_of(source)
        .as_ref()
        .and_then(|ty| type_name(ty).map(str::to_string));
    let shown = |text: &str| {
        if args.is_empty() {
            format!(".{text}()")
        } else {
            format!(".{text}(..)")
        }
    };
    if extra_methods.iter().any(|extra| extra == method) {
        return Some((Trip::Custom, shown(method)));
    }
    // sqlx: `sqlx::query(..).bind(..).fetch_one(&pool)`, `query!(..).execute(&pool)`.
    if SQLX_RUN_METHODS.contains(&method) && is_sqlx_query(resolve, source) {
        return Some((Trip::Sqlx, shown(method)));
    }
    // `x.first(&mut conn)`, `.one(&db)`, `.execute(&pool)`: a query run on a connection.
    if args.len() == 1
        && is_db_handle(locals, &args[0])
        && let Some((_, trip)) = CONNECTION_ARG_METHODS
            .iter()
            .find(|(name, _)| *name == method)
    {
        let chain_like = !matches!(receiver.kind, ExprKind::Path(_)) || *trip != Trip::Sqlx;
        if chain_like && (*trip != Trip::SeaOrm || site.awaited) {
            return Some((*trip, shown(method)));
        }
    }
    // tokio-postgres, postgres, rusqlite, sqlx `Executor`: `client.query(sql, &[..])`.
    if SQL_CLIENT_METHODS.contains(&method)
        && !args.is_empty()
        && source_name
            .as_deref()
            .is_none_or(|name| !name.contains("stmt") && !name.contains("statement"))
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
            .is_some_and(|ty| DB_TYPES.contains(&ty) && ty != "Client");
        let named_db = source_name.as_deref().is_some_and(is_db_name);
        let http_client = source_name
            .as_deref()
            .is_some_and(|name| name.ends_with("client"));
        if http_client && method == "execute" && args.len() == 1 {
            return Some((Trip::Http, shown(method)));
        }
        if typed_db
            || (named_db && (args.len() >= 2 || site.awaited))
            || (http_client && args.len() >= 2)
        {
            return Some((Trip::SqlClient, shown(method)));
        }
    }
    if MONGO_METHODS.contains(&method)
        && (site.awaited
            || source_type.as_deref() == Some("Collection")
            || source_name
                .as_deref()
                .is_some_and(|name| name.contains("coll")))
    {
        return Some((Trip::Mongo, shown(method)));
    }
    // redis: `redis::cmd("GET").arg(k).query_async(&mut con)`, `con.get(key).await`.
    if matches!(method, "query" | "query_async") && is_call_to(resolve, source, &["redis", "cmd"]) {
        return Some((Trip::Redis, shown(method)));
    }
    if REDIS_COMMANDS.contains(&method)
        && std::ptr::eq(source, peel_refs(receiver))
        && (source_name
            .as_deref()
            .is_some_and(|name| name.contains("redis"))
            || source_type
                .as_deref()
                .is_some_and(|ty| REDIS_TYPES.contains(&ty))
            || (site.awaited
                && source_name
                    .as_deref()
                    .is_some_and(|name| matches!(name, "con" | "conn" | "connection"))))
    {
        return Some((Trip::Redis, shown(method)));
    }
    let client_like = is_client(source_name.as_deref(), source_type.as_deref())
        || is_call_to(resolve, source, &["reqwest", "Client", "new"]);
    // reqwest and fluent SDK builders: `client.get(url).send()`, `s3.put_object()..send()`.
    if method == "send" && args.is_empty() && client_like {
        let http = chain_methods(receiver)
            .iter()
            .any(|name| HTTP_BUILDERS.contains(name));
        let trip = if http { Trip::Http } else { Trip::Rpc };
        return Some((trip, shown("send")));
    }
    // hyper `client.request(req).await`, tonic `client.say_hello(req).await`.
    if site.awaited
        && client_like
        && std::ptr::eq(source, peel_refs(receiver))
        && !NOT_REQUESTS.contains(&method)
        && !method.starts_with("is_")
        && !method.starts_with("with_")
    {
        let trip = if matches!(method, "request" | "get" | "post" | "execute") {
            Trip::Http
        } else {
            Trip::Rpc
        };
        return Some((trip, shown(method)));
    }
    // `file.write_all(..)` on an unbuffered `File`/`TcpStream`.
    if matches!(method, "write" | "write_all" | "write_fmt")
        && is_unbuffered_writer(locals, receiver)
    {
        return Some((Trip::Write, shown(method)));
    }
    None
}

/// The receiver with references and clones looked through, for "called on a binding".
fn peel_refs(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => peel_refs(expr),
        ExprKind::MethodCall {
            receiver, method, ..
        } if matches!(method.as_str(), "clone" | "as_ref" | "as_mut") => peel_refs(receiver),
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

fn is_sqlx_query(resolve: &dyn Fn(&PathRef) -> Resolved, source: &Expr) -> bool {
    match &source.kind {
        ExprKind::Call { callee, .. } => match &callee.kind {
            ExprKind::Path(path) => {
                let resolved = resolve(path);
                resolved
                    .segments
                    .first()
                    .is_some_and(|first| first == "sqlx")
                    && SQLX_QUERY_FUNCTIONS.contains(&path.last())
            }
            _ => false,
        },
        ExprKind::Macro(call) => {
            SQLX_QUERY_MACROS.contains(&call.path.last())
                && resolve(&call.path)
                    .segments
                    .first()
                    .is_some_and(|first| first == "sqlx")
        }
        _ => false,
    }
}

fn is_call_to(resolve: &dyn Fn(&PathRef) -> Resolved, source: &Expr, target: &[&str]) -> bool {
    matches!(&source.kind, ExprKind::Call { callee, .. }
        if matches!(&callee.kind, ExprKind::Path(path) if resolve(path).is(target)))
}

/// `PgPool::connect(..)`, `sqlx::PgConnection::connect(..)`.
fn is_sqlx_connect(resolved: &Resolved) -> bool {
    let segments = &resolved.segments;
    segments.first().is_some_and(|first| first == "sqlx")
        && segments.len() >= 3
        && matches!(
            segments[segments.len() - 1].as_str(),
            "connect" | "connect_with"
        )
        && {
            let ty = &segments[segments.len() - 2];
            ty.ends_with("Pool") || ty.ends_with("Connection")
        }
}

fn is_db_name(name: &str) -> bool {
    DB_NAMES.contains(&name)
        || name.ends_with("_pool")
        || name.ends_with("_conn")
        || name.ends_with("_db")
        || name.ends_with("_tx")
}

/// `&pool`, `&mut *tx`, `&self.db`, `conn`, `pool.as_ref()`.
fn is_db_handle(locals: &LocalTypes, arg: &Expr) -> bool {
    let inner = peel_refs(arg);
    if let Some(ty) = locals.type_of(inner).as_ref().and_then(type_name)
        && DB_TYPES.contains(&ty)
    {
        return true;
    }
    name_of(inner)
        .map(str::to_lowercase)
        .is_some_and(|name| is_db_name(&name) && name != "client")
}

fn is_client(name: Option<&str>, ty: Option<&str>) -> bool {
    ty.is_some_and(|ty| ty.ends_with("Client"))
        || name.is_some_and(|name| name.ends_with("client") || name == "http")
}

/// A binding whose type says it is an unbuffered file or socket.
fn is_unbuffered_writer(locals: &LocalTypes, writer: &Expr) -> bool {
    let writer = peel_await_try(peel_refs(writer));
    locals
        .type_of(writer)
        .as_ref()
        .and_then(type_name)
        .is_some_and(|ty| matches!(ty, "File" | "TcpStream" | "UnixStream"))
}
