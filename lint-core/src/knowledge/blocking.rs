//! Blocking operations: calls that make the calling thread (or, awaited, the calling task)
//! wait for something outside it, by canonical path (`std::thread::sleep`,
//! `std::fs::write`) or by receiver type and method (`SyncSender::send`,
//! `JoinHandle::join`, `Runtime::block_on`), with what they wait for. A blocking call made
//! while a lock guard is alive keeps the lock held for as long as the wait lasts.

/// What a blocking operation waits for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum BlockingKind {
    /// `thread::sleep`, `thread::park`: time passing.
    Sleep,
    /// Another thread or task finishing: `join`, awaiting a `JoinHandle`, the end of
    /// `thread::scope`, a `Barrier`.
    Join,
    /// Room in a bounded channel.
    BoundedSend,
    /// A message.
    Receive,
    /// A `Condvar` notification (while another lock than the condvar's own is held).
    CondvarWait,
    /// A future driven to completion on this thread (`block_on`).
    BlockOn,
    /// The file system.
    FileIo,
    /// The network (sockets, DNS).
    NetIo,
    /// A child process.
    Process,
    /// A blocking HTTP client's request.
    Http,
    /// A call the user declared blocking (`extra-blocking`).
    Custom,
}

impl BlockingKind {
    /// File, socket and process I/O (which a lock may exist to serialize).
    pub fn is_io(self) -> bool {
        matches!(
            self,
            BlockingKind::FileIo | BlockingKind::NetIo | BlockingKind::Process
        )
    }

    /// Completes "... while a lock is held: it waits for ...".
    pub fn waits_for(self) -> &'static str {
        match self {
            BlockingKind::Sleep => "time to pass",
            BlockingKind::Join => "another thread or task to finish",
            BlockingKind::BoundedSend => "room in a bounded channel",
            BlockingKind::Receive => "the next message",
            BlockingKind::CondvarWait => "a notification",
            BlockingKind::BlockOn => "a future to complete",
            BlockingKind::FileIo => "the file system",
            BlockingKind::NetIo => "the network",
            BlockingKind::Process => "a child process",
            BlockingKind::Http => "an HTTP response",
            BlockingKind::Custom => "something outside this thread",
        }
    }
}

/// Whether a blocking method's receiver is always blocking, or only when its channel was
/// built with a capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// Blocks whatever the channel (or the method is not a send).
    Any,
    /// The type serves bounded and unbounded channels alike (crossbeam, flume,
    /// async-channel, kanal): blocking only when the channel was built bounded.
    BoundedOnly,
}

/// How the caller waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// The call blocks the thread.
    Thread,
    /// The call returns a future; awaiting it suspends the task until it is done.
    Await,
}

/// A blocking method of a type.
#[derive(Clone, Copy, Debug)]
pub struct BlockingMethod {
    /// Canonical path of the receiver's type.
    pub type_path: &'static str,
    /// The method; empty for "awaiting a value of this type" (a `JoinHandle`).
    pub method: &'static str,
    pub kind: BlockingKind,
    pub capacity: Capacity,
    pub wait: Wait,
    /// The last argument bounds the wait (`send_timeout(msg, d)`, `recv_timeout(d)`).
    pub timed: bool,
}

const fn thread(
    type_path: &'static str,
    method: &'static str,
    kind: BlockingKind,
) -> BlockingMethod {
    BlockingMethod {
        type_path,
        method,
        kind,
        capacity: Capacity::Any,
        wait: Wait::Thread,
        timed: false,
    }
}

const fn awaited(
    type_path: &'static str,
    method: &'static str,
    kind: BlockingKind,
) -> BlockingMethod {
    BlockingMethod {
        wait: Wait::Await,
        ..thread(type_path, method, kind)
    }
}

const fn timed(method: BlockingMethod) -> BlockingMethod {
    BlockingMethod {
        timed: true,
        ..method
    }
}

const fn bounded_only(method: BlockingMethod) -> BlockingMethod {
    BlockingMethod {
        capacity: Capacity::BoundedOnly,
        ..method
    }
}

use BlockingKind::{BlockOn, BoundedSend, FileIo, Http, Join, NetIo, Process, Receive};

/// Methods that block, by receiver type.
const BLOCKING_METHODS: &[BlockingMethod] = &[
    // Threads and tasks.
    thread("std::thread::JoinHandle", "join", Join),
    thread("std::thread::ScopedJoinHandle", "join", Join),
    thread("std::sync::Barrier", "wait", Join),
    awaited("tokio::task::JoinHandle", "", Join),
    awaited("async_std::task::JoinHandle", "", Join),
    awaited("tokio::task::JoinSet", "join_next", Join),
    awaited("tokio::task::JoinSet", "join_all", Join),
    awaited("tokio::task::JoinSet", "shutdown", Join),
    awaited("tokio::sync::Barrier", "wait", Join),
    // Runtimes.
    thread("tokio::runtime::Runtime", "block_on", BlockOn),
    thread("tokio::runtime::Handle", "block_on", BlockOn),
    thread("futures::executor::LocalPool", "run_until", BlockOn),
    // std channels: `SyncSender` is always bounded, `Sender` never blocks.
    thread("std::sync::mpsc::SyncSender", "send", BoundedSend),
    thread("std::sync::mpsc::Receiver", "recv", Receive),
    timed(thread("std::sync::mpsc::Receiver", "recv_timeout", Receive)),
    timed(thread(
        "std::sync::mpsc::Receiver",
        "recv_deadline",
        Receive,
    )),
    thread("std::sync::mpsc::Receiver", "iter", Receive),
    // crossbeam: one `Sender` type for bounded and unbounded channels.
    bounded_only(thread("crossbeam_channel::Sender", "send", BoundedSend)),
    bounded_only(timed(thread(
        "crossbeam_channel::Sender",
        "send_timeout",
        BoundedSend,
    ))),
    bounded_only(timed(thread(
        "crossbeam_channel::Sender",
        "send_deadline",
        BoundedSend,
    ))),
    thread("crossbeam_channel::Receiver", "recv", Receive),
    timed(thread(
        "crossbeam_channel::Receiver",
        "recv_timeout",
        Receive,
    )),
    timed(thread(
        "crossbeam_channel::Receiver",
        "recv_deadline",
        Receive,
    )),
    thread("crossbeam_channel::Receiver", "iter", Receive),
    bounded_only(thread("crossbeam::channel::Sender", "send", BoundedSend)),
    bounded_only(timed(thread(
        "crossbeam::channel::Sender",
        "send_timeout",
        BoundedSend,
    ))),
    thread("crossbeam::channel::Receiver", "recv", Receive),
    timed(thread(
        "crossbeam::channel::Receiver",
        "recv_timeout",
        Receive,
    )),
    thread("crossbeam::channel::Receiver", "iter", Receive),
    // flume: one `Sender` type, sync and async methods.
    bounded_only(thread("flume::Sender", "send", BoundedSend)),
    bounded_only(timed(thread("flume::Sender", "send_timeout", BoundedSend))),
    bounded_only(timed(thread("flume::Sender", "send_deadline", BoundedSend))),
    bounded_only(awaited("flume::Sender", "send_async", BoundedSend)),
    thread("flume::Receiver", "recv", Receive),
    timed(thread("flume::Receiver", "recv_timeout", Receive)),
    timed(thread("flume::Receiver", "recv_deadline", Receive)),
    thread("flume::Receiver", "iter", Receive),
    awaited("flume::Receiver", "recv_async", Receive),
    // async-channel: one `Sender` type, awaited sends.
    bounded_only(awaited("async_channel::Sender", "send", BoundedSend)),
    bounded_only(thread(
        "async_channel::Sender",
        "send_blocking",
        BoundedSend,
    )),
    awaited("async_channel::Receiver", "recv", Receive),
    thread("async_channel::Receiver", "recv_blocking", Receive),
    bounded_only(awaited("async_std::channel::Sender", "send", BoundedSend)),
    awaited("async_std::channel::Receiver", "recv", Receive),
    // tokio: `Sender` is always bounded, `UnboundedSender` never waits.
    awaited("tokio::sync::mpsc::Sender", "send", BoundedSend),
    awaited("tokio::sync::mpsc::Sender", "reserve", BoundedSend),
    awaited("tokio::sync::mpsc::Sender", "reserve_owned", BoundedSend),
    timed(awaited(
        "tokio::sync::mpsc::Sender",
        "send_timeout",
        BoundedSend,
    )),
    thread("tokio::sync::mpsc::Sender", "blocking_send", BoundedSend),
    awaited("tokio::sync::mpsc::Receiver", "recv", Receive),
    awaited("tokio::sync::mpsc::Receiver", "recv_many", Receive),
    thread("tokio::sync::mpsc::Receiver", "blocking_recv", Receive),
    awaited("tokio::sync::mpsc::UnboundedReceiver", "recv", Receive),
    awaited("tokio::sync::mpsc::UnboundedReceiver", "recv_many", Receive),
    thread(
        "tokio::sync::mpsc::UnboundedReceiver",
        "blocking_recv",
        Receive,
    ),
    awaited("tokio::sync::broadcast::Receiver", "recv", Receive),
    thread("tokio::sync::broadcast::Receiver", "blocking_recv", Receive),
    // futures: `Sender` (through `SinkExt::send`) is bounded.
    awaited("futures::channel::mpsc::Sender", "send", BoundedSend),
    awaited("futures_channel::mpsc::Sender", "send", BoundedSend),
    // kanal: one type for bounded and unbounded channels.
    bounded_only(thread("kanal::Sender", "send", BoundedSend)),
    bounded_only(awaited("kanal::AsyncSender", "send", BoundedSend)),
    thread("kanal::Receiver", "recv", Receive),
    awaited("kanal::AsyncReceiver", "recv", Receive),
    // Files.
    thread("std::fs::File", "read", FileIo),
    thread("std::fs::File", "read_exact", FileIo),
    thread("std::fs::File", "read_to_end", FileIo),
    thread("std::fs::File", "read_to_string", FileIo),
    thread("std::fs::File", "read_vectored", FileIo),
    thread("std::fs::File", "write", FileIo),
    thread("std::fs::File", "write_all", FileIo),
    thread("std::fs::File", "write_vectored", FileIo),
    thread("std::fs::File", "write_fmt", FileIo),
    thread("std::fs::File", "flush", FileIo),
    thread("std::fs::File", "sync_all", FileIo),
    thread("std::fs::File", "sync_data", FileIo),
    thread("std::fs::File", "set_len", FileIo),
    thread("std::fs::OpenOptions", "open", FileIo),
    // Sockets.
    thread("std::net::TcpStream", "read", NetIo),
    thread("std::net::TcpStream", "read_exact", NetIo),
    thread("std::net::TcpStream", "read_to_end", NetIo),
    thread("std::net::TcpStream", "read_to_string", NetIo),
    thread("std::net::TcpStream", "read_vectored", NetIo),
    thread("std::net::TcpStream", "write", NetIo),
    thread("std::net::TcpStream", "write_all", NetIo),
    thread("std::net::TcpStream", "write_vectored", NetIo),
    thread("std::net::TcpStream", "write_fmt", NetIo),
    thread("std::net::TcpStream", "flush", NetIo),
    thread("std::net::TcpStream", "peek", NetIo),
    thread("std::net::TcpListener", "accept", NetIo),
    thread("std::net::UdpSocket", "recv", NetIo),
    thread("std::net::UdpSocket", "recv_from", NetIo),
    thread("std::net::UdpSocket", "peek_from", NetIo),
    thread("std::net::UdpSocket", "send", NetIo),
    thread("std::net::UdpSocket", "send_to", NetIo),
    thread("std::os::unix::net::UnixStream", "read", NetIo),
    thread("std::os::unix::net::UnixStream", "read_exact", NetIo),
    thread("std::os::unix::net::UnixStream", "read_to_end", NetIo),
    thread("std::os::unix::net::UnixStream", "write", NetIo),
    thread("std::os::unix::net::UnixStream", "write_all", NetIo),
    thread("std::os::unix::net::UnixStream", "flush", NetIo),
    thread("std::os::unix::net::UnixListener", "accept", NetIo),
    thread("std::os::unix::net::UnixDatagram", "recv", NetIo),
    thread("std::os::unix::net::UnixDatagram", "recv_from", NetIo),
    thread("std::os::unix::net::UnixDatagram", "send", NetIo),
    thread("std::os::unix::net::UnixDatagram", "send_to", NetIo),
    // Console input.
    thread("std::io::Stdin", "read_line", FileIo),
    thread("std::io::Stdin", "read_to_string", FileIo),
    thread("std::io::Stdin", "read_to_end", FileIo),
    // Processes.
    thread("std::process::Command", "output", Process),
    thread("std::process::Command", "status", Process),
    thread("std::process::Child", "wait", Process),
    thread("std::process::Child", "wait_with_output", Process),
    // Blocking HTTP clients: the request is sent by the builder's last call.
    thread("reqwest::blocking::RequestBuilder", "send", Http),
    thread("reqwest::blocking::Client", "execute", Http),
];

/// The blocking method `method` of a receiver of type `type_path`, if it is one.
pub fn blocking_method(type_path: &str, method: &str) -> Option<&'static BlockingMethod> {
    BLOCKING_METHODS
        .iter()
        .find(|entry| entry.type_path == type_path && entry.method == method)
}

/// The blocking method of a type that awaiting a value of it is (`handle.await`).
pub fn blocking_await_of(type_path: &str) -> Option<&'static BlockingMethod> {
    blocking_method(type_path, "")
}

/// Whether some type has a blocking method of this name: the guard walk records these
/// calls, and the blocking analysis looks at their receivers' types.
pub fn is_blocking_method_name(method: &str) -> bool {
    /// The names of the three tables, looked up once per method call of every body: a set,
    /// not a scan of some hundred entries.
    static NAMES: std::sync::LazyLock<crate::hash::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            BLOCKING_METHODS
                .iter()
                .map(|entry| entry.method)
                .chain(BLOCKING_ANY_RECEIVER.iter().map(|(name, _)| *name))
                .chain(HTTP_BUILDER_SENDS.iter().copied())
                .filter(|name| !name.is_empty())
                .collect()
        });
    NAMES.contains(method)
}

/// Methods that block whatever the receiver (a trait's only method of that name).
const BLOCKING_ANY_RECEIVER: &[(&str, BlockingKind)] = &[
    // `std::net::ToSocketAddrs`: a DNS lookup for host names.
    ("to_socket_addrs", NetIo),
];

pub fn blocking_any_receiver(method: &str) -> Option<BlockingKind> {
    BLOCKING_ANY_RECEIVER
        .iter()
        .find(|(name, _)| *name == method)
        .map(|(_, kind)| *kind)
}

/// Functions that block, by canonical path.
const BLOCKING_FUNCTIONS: &[(&str, BlockingKind)] = &[
    ("std::thread::sleep", BlockingKind::Sleep),
    ("std::thread::sleep_ms", BlockingKind::Sleep),
    ("std::thread::park", BlockingKind::Sleep),
    ("std::thread::park_timeout", BlockingKind::Sleep),
    // Scoped threads are joined when the scope ends.
    ("std::thread::scope", Join),
    ("crossbeam::scope", Join),
    ("crossbeam::thread::scope", Join),
    ("crossbeam_utils::thread::scope", Join),
    ("futures::executor::block_on", BlockOn),
    ("futures_executor::block_on", BlockOn),
    ("futures_lite::future::block_on", BlockOn),
    ("async_std::task::block_on", BlockOn),
    ("smol::block_on", BlockOn),
    ("pollster::block_on", BlockOn),
    ("tokio::runtime::Handle::block_on", BlockOn),
    ("tokio::runtime::Runtime::block_on", BlockOn),
    ("std::fs::read", FileIo),
    ("std::fs::read_to_string", FileIo),
    ("std::fs::read_dir", FileIo),
    ("std::fs::read_link", FileIo),
    ("std::fs::write", FileIo),
    ("std::fs::copy", FileIo),
    ("std::fs::rename", FileIo),
    ("std::fs::remove_file", FileIo),
    ("std::fs::remove_dir", FileIo),
    ("std::fs::remove_dir_all", FileIo),
    ("std::fs::create_dir", FileIo),
    ("std::fs::create_dir_all", FileIo),
    ("std::fs::metadata", FileIo),
    ("std::fs::symlink_metadata", FileIo),
    ("std::fs::canonicalize", FileIo),
    ("std::fs::hard_link", FileIo),
    ("std::fs::set_permissions", FileIo),
    ("std::fs::File::open", FileIo),
    ("std::fs::File::create", FileIo),
    ("std::fs::File::create_new", FileIo),
    ("std::net::TcpStream::connect", NetIo),
    ("std::net::TcpStream::connect_timeout", NetIo),
    ("std::os::unix::net::UnixStream::connect", NetIo),
    ("std::net::ToSocketAddrs::to_socket_addrs", NetIo),
    ("reqwest::blocking::get", Http),
];

pub fn blocking_function(canonical: &str) -> Option<BlockingKind> {
    BLOCKING_FUNCTIONS
        .iter()
        .find(|(path, _)| *path == canonical)
        .map(|(_, kind)| *kind)
}

/// Buffered wrappers: a read through `BufReader<TcpStream>` waits on the stream inside.
const BUFFERED_READERS: &[&str] = &["std::io::BufReader"];
/// A buffered writer waits on what it wraps only when it flushes.
const BUFFERED_WRITERS: &[&str] = &["std::io::BufWriter", "std::io::LineWriter"];

const BUFFERED_READ_METHODS: &[&str] = &[
    "read",
    "read_exact",
    "read_line",
    "read_until",
    "read_to_end",
    "read_to_string",
    "fill_buf",
];

/// The method `write!`/`writeln!` call on their first argument.
pub const WRITE_MACRO_METHOD: &str = "write_fmt";

/// Whether a type is a buffered reader or writer around another (its first type argument).
pub fn is_buffered_wrapper(type_path: &str) -> bool {
    BUFFERED_READERS.contains(&type_path) || BUFFERED_WRITERS.contains(&type_path)
}

/// For a buffered wrapper type and method: the method to look up on the wrapped type.
pub fn through_buffer(type_path: &str, method: &str) -> Option<&'static str> {
    if BUFFERED_READERS.contains(&type_path) && BUFFERED_READ_METHODS.contains(&method) {
        return Some("read");
    }
    if BUFFERED_WRITERS.contains(&type_path) && method == "flush" {
        return Some("flush");
    }
    if BUFFERED_WRITERS.contains(&type_path) && method == "write_fmt" {
        // A line writer flushes at each line; a plain one only when its buffer fills.
        return type_path.ends_with("LineWriter").then_some("write_fmt");
    }
    None
}

/// Blocking HTTP clients whose request builders are sent by these methods:
/// `client.get(url).send()` (reqwest's blocking client), `agent.get(url).call()`,
/// `ureq::post(url).send_json(..)`.
const BLOCKING_HTTP_CLIENTS: &[&str] = &["reqwest::blocking::Client", "ureq::Agent"];
/// Builder-making functions of blocking HTTP clients, by canonical path prefix.
const BLOCKING_HTTP_FUNCTION_PREFIXES: &[&str] = &["ureq::", "reqwest::blocking::"];
const HTTP_BUILDER_SENDS: &[&str] = &[
    "send",
    "call",
    "send_string",
    "send_json",
    "send_bytes",
    "send_form",
    "send_empty",
];

pub fn is_blocking_http_client(type_path: &str) -> bool {
    BLOCKING_HTTP_CLIENTS.contains(&type_path)
}

pub fn is_blocking_http_builder_function(canonical: &str) -> bool {
    BLOCKING_HTTP_FUNCTION_PREFIXES
        .iter()
        .any(|prefix| canonical.starts_with(prefix))
}

pub fn is_http_builder_send(method: &str) -> bool {
    HTTP_BUILDER_SENDS.contains(&method)
}

/// `Duration` constructors whose unit makes a literal bound short (`from_millis(5)`): a
/// timed wait with such a bound gives up before it stalls anything for long.
const SHORT_DURATION_CONSTRUCTORS: &[&str] = &["from_millis", "from_micros", "from_nanos"];

pub fn is_short_duration_constructor(function: &str) -> bool {
    SHORT_DURATION_CONSTRUCTORS.contains(&function)
}

/// The longest bound, in milliseconds, a timed wait may have and still count as not
/// blocking: long enough to absorb a busy moment, too short to stall the lock's users.
pub const SHORT_WAIT_MILLIS: u64 = 100;

/// The length in milliseconds of `Duration::<constructor>(value)`.
pub fn duration_millis(constructor: &str, value: u64) -> Option<u64> {
    match constructor {
        "from_secs" => Some(value.saturating_mul(1000)),
        "from_millis" => Some(value),
        "from_micros" => Some(value / 1000),
        "from_nanos" => Some(value / 1_000_000),
        _ => None,
    }
}

/// What some standard and library calls return, for typing the values blocking calls are
/// made on: `thread::spawn(..)` is a `JoinHandle`.
const RETURN_TYPES: &[(&str, &str)] = &[
    ("std::thread::spawn", "std::thread::JoinHandle"),
    ("tokio::spawn", "tokio::task::JoinHandle"),
    ("tokio::task::spawn", "tokio::task::JoinHandle"),
    ("tokio::task::spawn_blocking", "tokio::task::JoinHandle"),
    ("tokio::task::spawn_local", "tokio::task::JoinHandle"),
    ("async_std::task::spawn", "async_std::task::JoinHandle"),
    ("tokio::runtime::Handle::current", "tokio::runtime::Handle"),
    ("std::io::stdin", "std::io::Stdin"),
    ("std::fs::File::options", "std::fs::OpenOptions"),
    ("reqwest::blocking::Client::new", REQWEST_BLOCKING_CLIENT),
    (
        "reqwest::blocking::Client::builder",
        REQWEST_BLOCKING_BUILDER,
    ),
    (
        "reqwest::blocking::ClientBuilder::new",
        REQWEST_BLOCKING_BUILDER,
    ),
    ("ureq::agent", UREQ_AGENT),
    ("ureq::Agent::new", UREQ_AGENT),
    ("ureq::AgentBuilder::new", UREQ_AGENT_BUILDER),
    ("ureq::builder", UREQ_AGENT_BUILDER),
];

pub fn return_type_of(canonical: &str) -> Option<&'static str> {
    RETURN_TYPES
        .iter()
        .find(|(path, _)| *path == canonical)
        .map(|(_, ty)| *ty)
}

/// What some methods return, by receiver type.
#[derive(Clone, Copy, Debug)]
struct MethodReturn {
    type_path: &'static str,
    method: &'static str,
    returned: &'static str,
    /// Wrapped in a `Result`.
    fallible: bool,
}

const fn returns(
    type_path: &'static str,
    method: &'static str,
    returned: &'static str,
) -> MethodReturn {
    MethodReturn {
        type_path,
        method,
        returned,
        fallible: false,
    }
}

const fn returns_result(
    type_path: &'static str,
    method: &'static str,
    returned: &'static str,
) -> MethodReturn {
    MethodReturn {
        fallible: true,
        ..returns(type_path, method, returned)
    }
}

/// A builder method that returns the builder (`Command::arg`).
const fn builder(type_path: &'static str, method: &'static str) -> MethodReturn {
    returns(type_path, method, type_path)
}

const COMMAND: &str = "std::process::Command";
const OPEN_OPTIONS: &str = "std::fs::OpenOptions";
const THREAD_BUILDER: &str = "std::thread::Builder";
const RUNTIME: &str = "tokio::runtime::Runtime";
const HANDLE: &str = "tokio::runtime::Handle";
const TOKIO_JOIN_HANDLE: &str = "tokio::task::JoinHandle";
const REQWEST_BLOCKING_CLIENT: &str = "reqwest::blocking::Client";
const REQWEST_BLOCKING_BUILDER: &str = "reqwest::blocking::ClientBuilder";
const UREQ_AGENT: &str = "ureq::Agent";
const UREQ_AGENT_BUILDER: &str = "ureq::AgentBuilder";

const METHOD_RETURN_TYPES: &[MethodReturn] = &[
    returns_result(THREAD_BUILDER, "spawn", "std::thread::JoinHandle"),
    returns_result(
        THREAD_BUILDER,
        "spawn_scoped",
        "std::thread::ScopedJoinHandle",
    ),
    builder(THREAD_BUILDER, "name"),
    builder(THREAD_BUILDER, "stack_size"),
    returns(
        "std::thread::Scope",
        "spawn",
        "std::thread::ScopedJoinHandle",
    ),
    returns(RUNTIME, "spawn", TOKIO_JOIN_HANDLE),
    returns(RUNTIME, "spawn_blocking", TOKIO_JOIN_HANDLE),
    returns(RUNTIME, "handle", HANDLE),
    returns(HANDLE, "spawn", TOKIO_JOIN_HANDLE),
    returns(HANDLE, "spawn_blocking", TOKIO_JOIN_HANDLE),
    returns_result(COMMAND, "spawn", "std::process::Child"),
    builder(COMMAND, "arg"),
    builder(COMMAND, "args"),
    builder(COMMAND, "env"),
    builder(COMMAND, "envs"),
    builder(COMMAND, "env_remove"),
    builder(COMMAND, "env_clear"),
    builder(COMMAND, "current_dir"),
    builder(COMMAND, "stdin"),
    builder(COMMAND, "stdout"),
    builder(COMMAND, "stderr"),
    returns_result("std::net::TcpListener", "accept", "std::net::TcpStream"),
    returns_result("std::net::TcpStream", "try_clone", "std::net::TcpStream"),
    returns_result("std::fs::File", "try_clone", "std::fs::File"),
    returns_result(OPEN_OPTIONS, "open", "std::fs::File"),
    builder(OPEN_OPTIONS, "read"),
    builder(OPEN_OPTIONS, "write"),
    builder(OPEN_OPTIONS, "append"),
    builder(OPEN_OPTIONS, "create"),
    builder(OPEN_OPTIONS, "create_new"),
    builder(OPEN_OPTIONS, "truncate"),
    // A blocking HTTP client built step by step is the client its requests are sent on.
    builder(REQWEST_BLOCKING_BUILDER, "timeout"),
    builder(REQWEST_BLOCKING_BUILDER, "connect_timeout"),
    builder(REQWEST_BLOCKING_BUILDER, "user_agent"),
    builder(REQWEST_BLOCKING_BUILDER, "default_headers"),
    builder(REQWEST_BLOCKING_BUILDER, "pool_idle_timeout"),
    builder(REQWEST_BLOCKING_BUILDER, "pool_max_idle_per_host"),
    builder(REQWEST_BLOCKING_BUILDER, "redirect"),
    builder(REQWEST_BLOCKING_BUILDER, "proxy"),
    builder(REQWEST_BLOCKING_BUILDER, "no_proxy"),
    builder(REQWEST_BLOCKING_BUILDER, "gzip"),
    builder(REQWEST_BLOCKING_BUILDER, "https_only"),
    builder(REQWEST_BLOCKING_BUILDER, "tcp_keepalive"),
    builder(REQWEST_BLOCKING_BUILDER, "danger_accept_invalid_certs"),
    returns_result(REQWEST_BLOCKING_BUILDER, "build", REQWEST_BLOCKING_CLIENT),
    builder(UREQ_AGENT_BUILDER, "timeout"),
    builder(UREQ_AGENT_BUILDER, "timeout_connect"),
    builder(UREQ_AGENT_BUILDER, "timeout_read"),
    builder(UREQ_AGENT_BUILDER, "timeout_write"),
    builder(UREQ_AGENT_BUILDER, "user_agent"),
    returns(UREQ_AGENT_BUILDER, "build", UREQ_AGENT),
];

/// The type a method returns on a receiver of `type_path`, and whether in a `Result`.
pub fn method_return_type(type_path: &str, method: &str) -> Option<(&'static str, bool)> {
    METHOD_RETURN_TYPES
        .iter()
        .find(|entry| entry.type_path == type_path && entry.method == method)
        .map(|entry| (entry.returned, entry.fallible))
}

/// Sender types whose sends block only when the channel was built bounded.
pub fn is_bounded_only_sender(type_path: &str) -> bool {
    BLOCKING_METHODS
        .iter()
        .any(|entry| entry.type_path == type_path && entry.capacity == Capacity::BoundedOnly)
}

/// Methods of a `Result` whose closure runs only on the error (`m.lock().map_err(|e| ..)`:
/// the poisoned guard is inside `e`).
pub fn runs_only_on_failure(method: &str) -> bool {
    matches!(
        method,
        "map_err" | "unwrap_or_else" | "or_else" | "inspect_err"
    )
}

/// Signs that a function does non-blocking I/O: it handles `ErrorKind::WouldBlock` (a
/// socket or pipe in non-blocking mode returns it instead of waiting) or switches the
/// stream to non-blocking mode.
pub fn is_nonblocking_io_marker(name: &str) -> bool {
    matches!(name, "WouldBlock" | "set_nonblocking")
}

/// Types that are an I/O resource (a file, a socket, a child process, a buffered reader or
/// writer): a lock whose data holds one exists to serialize that I/O.
pub fn is_io_resource_type(type_path: &str) -> bool {
    is_buffered_wrapper(type_path)
        || BLOCKING_METHODS
            .iter()
            .any(|entry| entry.type_path == type_path && entry.kind.is_io())
}

/// Whether a type is a handle that is waited on for another thread or task to finish
/// (`std::thread::JoinHandle`).
pub fn is_join_handle_type(type_path: &str) -> bool {
    BLOCKING_METHODS
        .iter()
        .any(|entry| entry.type_path == type_path && entry.kind == BlockingKind::Join)
}
