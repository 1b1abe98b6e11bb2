//! Bounding constructs: calls and adapters that cap how much work runs at once, and the
//! names that mark a count as a fixed pool size or a retry budget.

/// Calls that, made once per iteration, bound how many spawned units run at once.
const BOUND_CALLS: &[&str] = &[
    "acquire",
    "acquire_owned",
    "try_acquire",
    "try_acquire_owned",
    "acquire_many",
    "acquire_many_owned",
    "try_acquire_many",
    "try_acquire_many_owned",
    "join_next",
    "join_next_with_id",
    "try_join_next",
];

pub fn bound_calls() -> &'static [&'static str] {
    BOUND_CALLS
}

/// The calls of [`BOUND_CALLS`] that take a semaphore permit (not the `JoinSet` drains: a
/// spawned task that drains its own set does not bound how many such tasks start).
pub fn permit_calls() -> impl Iterator<Item = &'static str> {
    BOUND_CALLS
        .iter()
        .copied()
        .filter(|call| call.contains("acquire"))
}

/// Adapters that cap how many per-item futures run at once.
const BOUNDING_ADAPTERS: &[&str] = &[
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

pub fn is_bounding_adapter(method: &str) -> bool {
    BOUNDING_ADAPTERS.contains(&method)
}

/// Settings that cap concurrency for everything a function serves (`h2::server::Builder::
/// max_concurrent_streams(n)`, tower's `concurrency_limit(n)`).
const CONCURRENCY_SETTINGS: &[&str] = &[
    "max_concurrent_streams",
    "concurrency_limit",
    "max_concurrent_requests",
    "max_concurrent_connections",
];

pub fn is_concurrency_setting(method: &str) -> bool {
    CONCURRENCY_SETTINGS.contains(&method)
}

/// A hand-rolled cap: a length check together with one of these waits in the loop
/// (`if futures.len() >= n { futures.next().await }`).
pub const LENGTH_CHECK: &str = "len";
pub const DRAIN_CALLS: &[&str] = &["next", "join_all", "try_join_all"];

/// `handle.join()` in the same iteration waits for the thread.
pub fn is_join_method(method: &str) -> bool {
    method == "join"
}

/// Names of counts that size a fixed pool rather than a workload.
const WORKER_COUNT_WORDS: &[&str] = &[
    "worker",
    "thread",
    "cpu",
    "core",
    "parallel",
    "concurren",
    "pool",
    "shard",
];

/// Calls that give the machine's parallelism.
const PARALLELISM_CALLS: &[&str] = &["available_parallelism", "num_cpus"];

/// Whether lowercase `names` (of a range end) say it is a worker or CPU count.
pub fn names_worker_count(lowercase_names: &str) -> bool {
    WORKER_COUNT_WORDS
        .iter()
        .chain(PARALLELISM_CALLS)
        .any(|word| lowercase_names.contains(word))
}

const RETRY_WORDS: &[&str] = &["retr", "attempt", "tries", "backoff"];

/// Whether a lowercase name says it counts retries (`attempt`, `max_retries`).
pub fn names_retry(lowercase_name: &str) -> bool {
    RETRY_WORDS.iter().any(|word| lowercase_name.contains(word))
}

/// Whether a lowercase name says it is a concurrency permit (`search_permit_future`,
/// `_permit`): awaiting it waits for a slot.
pub fn names_permit(lowercase_name: &str) -> bool {
    lowercase_name.contains("permit")
}

/// Words naming a value that rations work (a memory quota, a rate limiter, a budget): a
/// fallible call on it before sending (`self.memory_quota.alloc(bytes)?`), or a check of
/// it in a condition, rejects work over the limit.
const RATIONING_WORDS: &[&str] = &["quota", "limiter", "budget"];

pub fn names_rationing(lowercase_name: &str) -> bool {
    RATIONING_WORDS
        .iter()
        .any(|word| lowercase_name.contains(word))
}
