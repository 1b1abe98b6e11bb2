//! I/O APIs per client library: the calls that make one database query, network request,
//! unbuffered write or new connection, grouped by library so each finding can name the
//! batched form that library offers.

/// What kind of round trip a call makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoKind {
    Sqlx,
    Diesel,
    SeaOrm,
    /// tokio-postgres, postgres, rusqlite, and sqlx's `Executor` on a client.
    SqlClient,
    Mongo,
    Redis,
    Http,
    Rpc,
    Write,
    Connect,
    /// A user-declared API (`[workspace.metadata.coordlint.unbatched_io]`).
    Custom,
}

impl IoKind {
    /// Whether the call returns a future (so un-awaited, it has not run yet).
    pub fn is_async(self) -> bool {
        matches!(
            self,
            IoKind::Sqlx
                | IoKind::SeaOrm
                | IoKind::Mongo
                | IoKind::Redis
                | IoKind::Http
                | IoKind::Rpc
        )
    }
}

/// Functions that make one HTTP request, by canonical path.
const HTTP_FUNCTIONS: &[&str] = &["reqwest::get", "reqwest::blocking::get"];

pub fn is_http_function(canonical: &str) -> bool {
    HTTP_FUNCTIONS.contains(&canonical)
}

/// sqlx query builders (`sqlx::query(..)`), by function name inside the `sqlx` crate.
const SQLX_QUERY_FUNCTIONS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
];

/// sqlx's compile-time checked query macros.
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

pub const SQLX_CRATE: &str = "sqlx";

pub fn is_sqlx_query_function(name: &str) -> bool {
    SQLX_QUERY_FUNCTIONS.contains(&name)
}

pub fn is_sqlx_query_macro(name: &str) -> bool {
    SQLX_QUERY_MACROS.contains(&name)
}

/// Methods that run a built sqlx query.
const SQLX_RUN_METHODS: &[&str] = &[
    "execute",
    "fetch",
    "fetch_one",
    "fetch_optional",
    "fetch_all",
    "fetch_many",
];

pub fn is_sqlx_run_method(method: &str) -> bool {
    SQLX_RUN_METHODS.contains(&method)
}

/// `PgPool::connect(..)`, `sqlx::PgConnection::connect_with(..)`: a new sqlx connection.
pub fn is_sqlx_connect(segments: &[String]) -> bool {
    segments.first().is_some_and(|first| first == SQLX_CRATE)
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

/// Methods that run a query when given a connection (`.first(&mut conn)`, `.one(&db)`).
const CONNECTION_ARG_METHODS: &[(&str, IoKind)] = &[
    ("execute", IoKind::Sqlx),
    ("fetch", IoKind::Sqlx),
    ("fetch_one", IoKind::Sqlx),
    ("fetch_optional", IoKind::Sqlx),
    ("fetch_all", IoKind::Sqlx),
    ("load", IoKind::Diesel),
    ("load_iter", IoKind::Diesel),
    ("get_result", IoKind::Diesel),
    ("get_results", IoKind::Diesel),
    ("first", IoKind::Diesel),
    ("one", IoKind::SeaOrm),
    ("all", IoKind::SeaOrm),
    ("insert", IoKind::SeaOrm),
    ("update", IoKind::SeaOrm),
    ("delete", IoKind::SeaOrm),
    ("save", IoKind::SeaOrm),
];

pub fn connection_arg_method(method: &str) -> Option<IoKind> {
    CONNECTION_ARG_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, kind)| *kind)
}

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

pub fn is_sql_client_method(method: &str) -> bool {
    SQL_CLIENT_METHODS.contains(&method)
}

/// Receiver names that are prepared statements, not clients (`stmt.query(..)`).
pub fn names_statement(lowercase_name: &str) -> bool {
    lowercase_name.contains("stmt") || lowercase_name.contains("statement")
}

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

const DB_NAME_SUFFIXES: &[&str] = &["_pool", "_conn", "_db", "_tx"];

pub fn is_db_name(name: &str) -> bool {
    DB_NAMES.contains(&name) || DB_NAME_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// The generic name that is a database handle only with more evidence.
pub const AMBIGUOUS_CLIENT_NAME: &str = "client";

/// Types of database handles (by last path segment).
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

pub fn is_db_type(name: &str) -> bool {
    DB_TYPES.contains(&name)
}

/// The generic type name that is a database handle only with more evidence.
pub const AMBIGUOUS_CLIENT_TYPE: &str = "Client";

/// mongodb's single-document operations.
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

pub fn is_mongo_method(method: &str) -> bool {
    MONGO_METHODS.contains(&method)
}

pub const MONGO_COLLECTION_TYPE: &str = "Collection";

pub fn names_mongo_collection(lowercase_name: &str) -> bool {
    lowercase_name.contains("coll")
}

/// `redis::cmd("GET")...query_async(&mut con)`.
pub const REDIS_CMD: &str = "redis::cmd";

pub fn is_redis_query_method(method: &str) -> bool {
    matches!(method, "query" | "query_async")
}

/// redis commands as connection methods (`con.get(key)`).
const REDIS_COMMANDS: &[&str] = &[
    "get",
    "set",
    "set_ex",
    "set_nx",
    "getset",
    "append",
    "hget",
    "hset",
    "hgetall",
    "hdel",
    "hexists",
    "hincr",
    "incr",
    "decr",
    "del",
    "expire",
    "exists",
    "ttl",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "scard",
    "zadd",
    "zrem",
    "zincr",
    "zscore",
    "zrank",
    "zrevrank",
    "zcard",
    "zrange",
    "zrevrange",
    "zrange_withscores",
    "zrevrange_withscores",
    "zrangebyscore",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "llen",
    "lrange",
    "xadd",
    "publish",
];

pub fn is_redis_command(method: &str) -> bool {
    REDIS_COMMANDS.contains(&method)
}

const REDIS_TYPES: &[&str] = &[
    "MultiplexedConnection",
    "ConnectionManager",
    "ClusterConnection",
];

pub fn is_redis_type(name: &str) -> bool {
    REDIS_TYPES.contains(&name)
}

pub fn names_redis(lowercase_name: &str) -> bool {
    lowercase_name.contains("redis")
}

/// Short names of a connection that is a redis connection when the call is awaited.
pub fn is_short_connection_name(name: &str) -> bool {
    matches!(name, "con" | "conn" | "connection")
}

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

/// Whether an awaited method on a client is a request (not `lock`, `clone`, `is_*`, ...).
pub fn is_client_request_method(method: &str) -> bool {
    !NOT_REQUESTS.contains(&method) && !method.starts_with("is_") && !method.starts_with("with_")
}

/// HTTP request builders (`client.get(url)`).
const HTTP_BUILDERS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];

pub fn is_http_builder(method: &str) -> bool {
    HTTP_BUILDERS.contains(&method)
}

/// Builders whose first argument is the HTTP method and the second the URL
/// (`client.request(Method::GET, url)`).
pub fn takes_method_first(method: &str) -> bool {
    method == "request"
}

/// Awaited client methods that are HTTP requests rather than RPCs.
pub fn is_http_client_method(method: &str) -> bool {
    matches!(method, "request" | "get" | "post" | "execute")
}

/// The method that sends a built request (`client.get(url).send()`, SDK fluent builders).
pub const SEND_METHOD: &str = "send";

/// The method that runs a request on an HTTP client (`client.execute(request)`).
pub const HTTP_EXECUTE_METHOD: &str = "execute";

/// A client by type (`*Client`) or by name (`client`, `*client`, `http`).
pub fn is_client(name: Option<&str>, ty: Option<&str>) -> bool {
    ty.is_some_and(|ty| ty.ends_with("Client"))
        || name.is_some_and(|name| name.ends_with("client") || name == "http")
}

/// `reqwest::Client::new()` as a receiver chain's source.
pub const HTTP_CLIENT_CONSTRUCTOR: &str = "reqwest::Client::new";

/// Constructors of connections and clients, by canonical path.
const CONNECTORS: &[&str] = &[
    "std::net::TcpStream::connect",
    "tokio::net::TcpStream::connect",
    "async_std::net::TcpStream::connect",
    "smol::net::TcpStream::connect",
    "reqwest::Client::new",
    "reqwest::Client::builder",
    "reqwest::blocking::Client::new",
    "reqwest::blocking::Client::builder",
    "redis::Client::open",
    "tokio_postgres::connect",
    "postgres::Client::connect",
    "mongodb::Client::with_uri_str",
    "rusqlite::Connection::open",
];

pub fn is_connector(canonical: &str) -> bool {
    CONNECTORS.contains(&canonical)
}

/// Write methods and macros that make a system call on an unbuffered writer.
pub fn is_write_method(method: &str) -> bool {
    matches!(method, "write" | "write_all" | "write_fmt")
}

pub fn is_write_macro(name: &str) -> bool {
    matches!(name, "write" | "writeln")
}

/// Writer types with no buffer of their own (by last path segment).
pub fn is_unbuffered_writer_type(name: &str) -> bool {
    matches!(name, "File" | "TcpStream" | "UnixStream")
}

/// What a SQL statement does, from its first keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlStatement {
    /// `SELECT`, `UPDATE`, `DELETE` of rows: keyed by a value, batched with `= ANY($1)`.
    KeyedRows,
    /// `INSERT`: batched as one multi-row insert (`VALUES (..), (..)`, `UNNEST`, `COPY`).
    Insert,
    /// `CREATE`, `ALTER`, `DROP`, `TRUNCATE`, `GRANT`, ...: schema changes, one per object,
    /// with no batched form (not N+1).
    Definition,
}

/// The kind of statement a SQL text is, when its first keyword says.
pub fn sql_statement_kind(text: &str) -> Option<SqlStatement> {
    let first = text
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_uppercase();
    match first.as_str() {
        "SELECT" | "UPDATE" | "DELETE" | "WITH" => Some(SqlStatement::KeyedRows),
        "INSERT" | "UPSERT" | "REPLACE" | "MERGE" => Some(SqlStatement::Insert),
        "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "GRANT" | "REVOKE" | "COMMENT" | "VACUUM"
        | "ANALYZE" | "REINDEX" | "CLUSTER" => Some(SqlStatement::Definition),
        _ => None,
    }
}

/// Methods that run a whole SQL script (many statements, usually read from a file).
const SCRIPT_METHODS: &[&str] = &["batch_execute", "execute_batch", "simple_query", "raw_sql"];

pub fn is_script_method(method: &str) -> bool {
    SCRIPT_METHODS.contains(&method)
}

/// Methods that view a buffer as bytes without building anything (`chunk.as_ref()`).
pub fn is_buffer_view_method(method: &str) -> bool {
    matches!(method, "as_ref" | "as_slice" | "deref" | "chunk")
}
