//! Sources of repeated work: accepted connections, stream items and in-memory work lists,
//! as the methods that produce the next one.

/// Methods that accept the next connection.
const ACCEPT_METHODS: &[&str] = &["accept", "accept_async", "poll_accept"];

pub fn is_accept_method(method: &str) -> bool {
    ACCEPT_METHODS.contains(&method)
}

/// Of [`ACCEPT_METHODS`] and `incoming`, those that mark a plain loop as a connection loop.
pub fn is_accept_in_loop_body(method: &str) -> bool {
    matches!(method, "accept" | "accept_async" | "incoming")
}

/// `listener.incoming()`: an iterator of connections.
pub fn is_incoming(method: &str) -> bool {
    method == "incoming"
}

/// Methods that yield the next item of a stream or reader.
const NEXT_ITEM_METHODS: &[&str] = &[
    "next",
    "try_next",
    "message",
    "next_message",
    "next_field",
    "next_line",
    "next_entry",
    "next_event",
    "next_request",
];

pub fn is_next_item_method(method: &str) -> bool {
    NEXT_ITEM_METHODS.contains(&method)
}

/// Whether a lowercase receiver name says `accept` on it yields streams of one connection
/// (`conn.accept()` of h2 or QUIC), not new connections.
pub fn names_multiplexed_connection(lowercase_name: &str) -> bool {
    ["conn", "connection", "session", "h2", "quic"]
        .iter()
        .any(|word| lowercase_name.contains(word))
        && !lowercase_name.contains("listener")
}

/// Whether a lowercase source name says it yields connections (`listener`, `incoming`).
pub fn names_connections(lowercase_name: &str) -> bool {
    lowercase_name.contains("incoming") || lowercase_name.contains("listener")
}

/// Methods that take the next item of an in-memory work list.
const POP_METHODS: &[&str] = &["pop", "pop_front", "pop_back"];

pub fn is_pop_method(method: &str) -> bool {
    POP_METHODS.contains(&method)
}

/// Methods that measure a collection: a range up to one iterates the collection.
pub fn is_length_method(method: &str) -> bool {
    matches!(method, "len" | "count")
}
