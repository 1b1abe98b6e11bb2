//! Channels: constructors (bounded or not, and the bounded replacement of an unbounded one),
//! receiving methods, and how receivers are usually named.

/// A channel constructor with no capacity limit, and the bounded one that replaces it.
#[derive(Clone, Copy, Debug)]
pub struct UnboundedConstructor {
    pub path: &'static str,
    pub bounded_replacement: &'static str,
}

impl UnboundedConstructor {
    /// The bounded constructor's name, the last segment of [`Self::bounded_replacement`]
    /// (`sync_channel`).
    pub fn bounded_function(&self) -> &'static str {
        let call = self.bounded_replacement;
        let name_end = call.find('(').unwrap_or(call.len());
        let name = &call[..name_end];
        crate::paths::last_segment(name)
    }

    /// The bounded constructor's argument as a placeholder (`/* capacity */`).
    pub fn capacity_placeholder(&self) -> &'static str {
        if self.bounded_replacement.contains("(buffer)") {
            "/* buffer */"
        } else {
            "/* capacity */"
        }
    }

    /// Type names that change with the bounded constructor (`UnboundedSender` → `Sender`).
    pub fn type_renames(&self) -> &'static [(&'static str, &'static str)] {
        const TOKIO_LIKE: &[(&str, &str)] = &[
            ("UnboundedSender", "Sender"),
            ("UnboundedReceiver", "Receiver"),
        ];
        const STD: &[(&str, &str)] = &[("Sender", "SyncSender")];
        match self.path {
            "std::sync::mpsc::channel" => STD,
            "tokio::sync::mpsc::unbounded_channel"
            | "futures::channel::mpsc::unbounded"
            | "futures_channel::mpsc::unbounded" => TOKIO_LIKE,
            _ => &[],
        }
    }
}

const UNBOUNDED_CONSTRUCTORS: &[UnboundedConstructor] = &[
    UnboundedConstructor {
        path: "std::sync::mpsc::channel",
        bounded_replacement: "std::sync::mpsc::sync_channel(capacity)",
    },
    UnboundedConstructor {
        path: "tokio::sync::mpsc::unbounded_channel",
        bounded_replacement: "tokio::sync::mpsc::channel(capacity)",
    },
    UnboundedConstructor {
        path: "crossbeam_channel::unbounded",
        bounded_replacement: "crossbeam_channel::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "crossbeam::channel::unbounded",
        bounded_replacement: "crossbeam::channel::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "flume::unbounded",
        bounded_replacement: "flume::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "async_channel::unbounded",
        bounded_replacement: "async_channel::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "async_std::channel::unbounded",
        bounded_replacement: "async_std::channel::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "futures::channel::mpsc::unbounded",
        bounded_replacement: "futures::channel::mpsc::channel(buffer)",
    },
    UnboundedConstructor {
        path: "futures_channel::mpsc::unbounded",
        bounded_replacement: "futures_channel::mpsc::channel(buffer)",
    },
    UnboundedConstructor {
        path: "kanal::unbounded",
        bounded_replacement: "kanal::bounded(capacity)",
    },
    UnboundedConstructor {
        path: "kanal::unbounded_async",
        bounded_replacement: "kanal::bounded_async(capacity)",
    },
];

/// The unbounded constructor at a resolved path, if it is one (compared without building
/// the path's display string: this runs on every call site).
pub fn unbounded_constructor_at(
    resolved: &crate::resolve::Resolved,
) -> Option<&'static UnboundedConstructor> {
    UNBOUNDED_CONSTRUCTORS
        .iter()
        .find(|constructor| resolved.displays_as(constructor.path))
}

/// Whether a channel constructor gives the channel a capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelCapacity {
    Bounded,
    Unbounded,
}

/// A channel constructor: its capacity and the types of the two ends it returns.
#[derive(Clone, Copy, Debug)]
pub struct ChannelConstructor {
    pub path: &'static str,
    pub capacity: ChannelCapacity,
    pub sender: &'static str,
    pub receiver: &'static str,
}

const fn constructor(
    path: &'static str,
    capacity: ChannelCapacity,
    sender: &'static str,
    receiver: &'static str,
) -> ChannelConstructor {
    ChannelConstructor {
        path,
        capacity,
        sender,
        receiver,
    }
}

use ChannelCapacity::{Bounded, Unbounded};

/// Every channel constructor that returns `(sender, receiver)`.
const CHANNEL_CONSTRUCTORS: &[ChannelConstructor] = &[
    constructor(
        "std::sync::mpsc::channel",
        Unbounded,
        "std::sync::mpsc::Sender",
        "std::sync::mpsc::Receiver",
    ),
    constructor(
        "std::sync::mpsc::sync_channel",
        Bounded,
        "std::sync::mpsc::SyncSender",
        "std::sync::mpsc::Receiver",
    ),
    constructor(
        "crossbeam_channel::bounded",
        Bounded,
        "crossbeam_channel::Sender",
        "crossbeam_channel::Receiver",
    ),
    constructor(
        "crossbeam_channel::unbounded",
        Unbounded,
        "crossbeam_channel::Sender",
        "crossbeam_channel::Receiver",
    ),
    constructor(
        "crossbeam::channel::bounded",
        Bounded,
        "crossbeam::channel::Sender",
        "crossbeam::channel::Receiver",
    ),
    constructor(
        "crossbeam::channel::unbounded",
        Unbounded,
        "crossbeam::channel::Sender",
        "crossbeam::channel::Receiver",
    ),
    constructor(
        "flume::bounded",
        Bounded,
        "flume::Sender",
        "flume::Receiver",
    ),
    constructor(
        "flume::unbounded",
        Unbounded,
        "flume::Sender",
        "flume::Receiver",
    ),
    constructor(
        "async_channel::bounded",
        Bounded,
        "async_channel::Sender",
        "async_channel::Receiver",
    ),
    constructor(
        "async_channel::unbounded",
        Unbounded,
        "async_channel::Sender",
        "async_channel::Receiver",
    ),
    constructor(
        "async_std::channel::bounded",
        Bounded,
        "async_std::channel::Sender",
        "async_std::channel::Receiver",
    ),
    constructor(
        "async_std::channel::unbounded",
        Unbounded,
        "async_std::channel::Sender",
        "async_std::channel::Receiver",
    ),
    constructor(
        "tokio::sync::mpsc::channel",
        Bounded,
        "tokio::sync::mpsc::Sender",
        "tokio::sync::mpsc::Receiver",
    ),
    constructor(
        "tokio::sync::mpsc::unbounded_channel",
        Unbounded,
        "tokio::sync::mpsc::UnboundedSender",
        "tokio::sync::mpsc::UnboundedReceiver",
    ),
    constructor(
        "tokio::sync::broadcast::channel",
        Unbounded,
        "tokio::sync::broadcast::Sender",
        "tokio::sync::broadcast::Receiver",
    ),
    constructor(
        "futures::channel::mpsc::channel",
        Bounded,
        "futures::channel::mpsc::Sender",
        "futures::channel::mpsc::Receiver",
    ),
    constructor(
        "futures::channel::mpsc::unbounded",
        Unbounded,
        "futures::channel::mpsc::UnboundedSender",
        "futures::channel::mpsc::UnboundedReceiver",
    ),
    constructor(
        "futures_channel::mpsc::channel",
        Bounded,
        "futures_channel::mpsc::Sender",
        "futures_channel::mpsc::Receiver",
    ),
    constructor(
        "futures_channel::mpsc::unbounded",
        Unbounded,
        "futures_channel::mpsc::UnboundedSender",
        "futures_channel::mpsc::UnboundedReceiver",
    ),
    constructor(
        "kanal::bounded",
        Bounded,
        "kanal::Sender",
        "kanal::Receiver",
    ),
    constructor(
        "kanal::unbounded",
        Unbounded,
        "kanal::Sender",
        "kanal::Receiver",
    ),
    constructor(
        "kanal::bounded_async",
        Bounded,
        "kanal::AsyncSender",
        "kanal::AsyncReceiver",
    ),
    constructor(
        "kanal::unbounded_async",
        Unbounded,
        "kanal::AsyncSender",
        "kanal::AsyncReceiver",
    ),
];

/// The channel constructor at a canonical path, bounded or not.
pub fn channel_constructor(canonical: &str) -> Option<&'static ChannelConstructor> {
    CHANNEL_CONSTRUCTORS
        .iter()
        .find(|constructor| constructor.path == canonical)
}

/// Methods that wait for the next message (the loop they drive runs per message).
const RECEIVE_METHODS: &[&str] = &["recv", "recv_async", "recv_many", "blocking_recv"];

pub fn is_receive_method(method: &str) -> bool {
    RECEIVE_METHODS.contains(&method)
}

/// Of [`RECEIVE_METHODS`], those that mark a plain `loop`/`while` as driven by messages
/// (and a socket's `recv_from`: one datagram per iteration).
pub fn is_receive_in_loop_body(method: &str) -> bool {
    matches!(
        method,
        "recv" | "recv_async" | "blocking_recv" | "recv_from"
    )
}

/// Channel receivers and broker consumers, by name: `for job in rx`,
/// `receiver.iter()`, `while let Some(delivery) = consumer.next().await`.
pub fn is_receiver_name(name: &str) -> bool {
    let name = name.to_lowercase();
    name == "rx"
        || name.ends_with("_rx")
        || name.ends_with("receiver")
        || [
            "consumer",
            "subscriber",
            "subscription",
            "deliveries",
            "inbox",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// `eventloop.poll().await` (rumqttc and similar clients): the next event from a broker.
pub fn is_event_loop_poll(receiver_name: &str, method: &str) -> bool {
    method == "poll" && receiver_name.to_lowercase().contains("event")
}

/// Stream wrappers of a receiver (`ReceiverStream::new(rx)`), by the constructor's path.
pub fn is_receiver_stream_constructor(segments: &[impl AsRef<str>]) -> bool {
    segments.last().is_some_and(|last| last.as_ref() == "new")
        && segments
            .iter()
            .any(|segment| segment.as_ref().ends_with("ReceiverStream"))
}

/// Receiver types of channels with no capacity (`UnboundedReceiver`).
pub fn is_unbounded_receiver_type(name: &str) -> bool {
    name.starts_with("Unbounded")
}

/// Methods that put a message on a channel (any flavor).
const SEND_METHODS: &[&str] = &[
    "send",
    "unbounded_send",
    "send_async",
    "try_send",
    "send_blocking",
    "blocking_send",
];

pub fn is_send_method(method: &str) -> bool {
    SEND_METHODS.contains(&method)
}

/// Methods that take messages off a receiver (one, or as an iterator).
const TAKE_METHODS: &[&str] = &[
    "recv",
    "try_recv",
    "recv_timeout",
    "recv_async",
    "blocking_recv",
    "iter",
    "try_iter",
    "into_iter",
    "recv_many",
];

pub fn is_take_method(method: &str) -> bool {
    TAKE_METHODS.contains(&method)
}

/// One-shot reply channels: a request that carries one and awaits it is answered before
/// its sender can send the next.
const ONESHOT_CONSTRUCTORS: &[&str] = &[
    "tokio::sync::oneshot::channel",
    "futures::channel::oneshot::channel",
    "futures_channel::oneshot::channel",
    "oneshot::channel",
    "async_oneshot::oneshot",
];

pub fn is_oneshot_constructor_at(resolved: &crate::resolve::Resolved) -> bool {
    ONESHOT_CONSTRUCTORS
        .iter()
        .any(|constructor| resolved.displays_as(constructor))
}

/// Methods that read how full a queue is, called on the channel itself (`tx.len()`,
/// `tx.is_full()`).
const QUEUE_DEPTH_METHODS: &[&str] = &["len", "capacity", "is_full", "is_empty"];

pub fn is_queue_depth_method(method: &str) -> bool {
    QUEUE_DEPTH_METHODS.contains(&method)
}

/// Reads of a shared counter or of free capacity (`in_flight.load(..)`,
/// `pending.fetch_add(1, ..)`, `semaphore.available_permits()`).
const COUNTER_METHODS: &[&str] = &[
    "load",
    "fetch_add",
    "fetch_sub",
    "fetch_update",
    "available_permits",
];

pub fn is_counter_method(method: &str) -> bool {
    COUNTER_METHODS.contains(&method)
}

/// Names of counters that measure work in flight (`in_flight`, `pending`, `backlog`).
pub fn names_in_flight_counter(lowercase_name: &str) -> bool {
    [
        "inflight",
        "in_flight",
        "pending",
        "queued",
        "backlog",
        "outstanding",
        "depth",
    ]
    .iter()
    .any(|word| lowercase_name.contains(word))
}

/// Whether a type is one end of a channel some constructor builds.
pub fn is_channel_end_type(type_path: &str) -> bool {
    CHANNEL_CONSTRUCTORS
        .iter()
        .any(|constructor| constructor.sender == type_path || constructor.receiver == type_path)
}

/// Channel end type names that do not say which channel they belong to (`Sender`): shown
/// with their module (`mpsc::Sender`).
const GENERIC_END_NAMES: &[&str] = &["Sender", "Receiver"];

pub fn is_generic_end_name(name: &str) -> bool {
    GENERIC_END_NAMES.contains(&name)
}
