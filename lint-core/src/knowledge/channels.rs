//! Channels: constructors (bounded or not, and the bounded replacement of an unbounded one),
//! receiving methods, and how receivers are usually named.

/// A channel constructor with no capacity limit, and the bounded one that replaces it.
#[derive(Clone, Copy, Debug)]
pub struct UnboundedConstructor {
    pub path: &'static str,
    pub bounded_replacement: &'static str,
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

/// The unbounded constructor at a canonical path, if it is one.
pub fn unbounded_constructor(canonical: &str) -> Option<&'static UnboundedConstructor> {
    UNBOUNDED_CONSTRUCTORS
        .iter()
        .find(|constructor| constructor.path == canonical)
}

/// Methods that wait for the next message (the loop they drive runs per message).
const RECEIVE_METHODS: &[&str] = &["recv", "recv_async", "recv_many", "blocking_recv"];

pub fn is_receive_method(method: &str) -> bool {
    RECEIVE_METHODS.contains(&method)
}

/// Of [`RECEIVE_METHODS`], those that mark a plain `loop`/`while` as driven by messages.
pub fn is_receive_in_loop_body(method: &str) -> bool {
    matches!(method, "recv" | "recv_async" | "blocking_recv")
}

/// Channel receivers iterated directly: `for job in rx`, `for msg in receiver.iter()`.
pub fn is_receiver_name(name: &str) -> bool {
    let name = name.to_lowercase();
    name == "rx" || name.ends_with("_rx") || name.ends_with("receiver")
}

/// Stream wrappers of a receiver (`ReceiverStream::new(rx)`), by the constructor's path.
pub fn is_receiver_stream_constructor(segments: &[String]) -> bool {
    segments.last().is_some_and(|last| last == "new")
        && segments
            .iter()
            .any(|segment| segment.ends_with("ReceiverStream"))
}
