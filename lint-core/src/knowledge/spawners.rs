//! Spawners: functions and methods that run a closure or future on another thread or task,
//! and the functions that run their closure inline, on this thread, before returning.

/// What a spawner starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Task,
    BlockingTask,
    Thread,
}

impl Unit {
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Task => "task",
            Unit::BlockingTask => "blocking task",
            Unit::Thread => "thread",
        }
    }
}

/// Functions that start a task or a thread, by canonical path.
const SPAWN_FUNCTIONS: &[(&str, Unit)] = &[
    ("std::thread::spawn", Unit::Thread),
    ("tokio::spawn", Unit::Task),
    ("tokio::task::spawn", Unit::Task),
    ("tokio::task::spawn_local", Unit::Task),
    ("tokio::task::spawn_blocking", Unit::BlockingTask),
    ("async_std::task::spawn", Unit::Task),
    ("async_std::task::spawn_local", Unit::Task),
    ("async_std::task::spawn_blocking", Unit::BlockingTask),
    ("smol::spawn", Unit::Task),
    ("actix_rt::spawn", Unit::Task),
    ("actix::spawn", Unit::Task),
    ("rayon::spawn", Unit::Task),
    ("rayon::spawn_fifo", Unit::Task),
    ("glommio::spawn_local", Unit::Task),
];

/// The unit a spawner function starts, by canonical path.
pub fn spawn_function(canonical: &str) -> Option<Unit> {
    SPAWN_FUNCTIONS
        .iter()
        .find(|(path, _)| *path == canonical)
        .map(|(_, unit)| *unit)
}

/// Whether a called path runs its closure argument on another thread or task: a known
/// spawner, or any function named `spawn` (runtimes and executors of every kind).
pub fn runs_closure_elsewhere(canonical: &str) -> bool {
    spawn_function(canonical).is_some() || canonical.ends_with("::spawn")
}

/// Methods that start a task or thread on a spawner receiver (`handle.spawn(..)`).
const SPAWN_METHODS: &[&str] = &[
    "spawn",
    "spawn_local",
    "spawn_blocking",
    "spawn_on",
    "spawn_local_on",
    "spawn_blocking_on",
    "spawn_scoped",
];

pub fn is_spawn_method(method: &str) -> bool {
    SPAWN_METHODS.contains(&method)
}

/// Receiver types whose `spawn` starts a task or thread.
const SPAWNER_TYPES: &[&str] = &[
    "Handle",
    "Runtime",
    "JoinSet",
    "Scope",
    "LocalSet",
    "TaskTracker",
    "Executor",
    "LocalExecutor",
    "ThreadPool",
    "Builder",
];

/// Of [`SPAWNER_TYPES`], those whose `spawn` starts a thread.
const THREAD_SPAWNER_TYPES: &[&str] = &["Scope", "Builder"];

/// Receiver names whose `spawn` starts a task or thread.
const SPAWNER_NAMES: &[&str] = &[
    "s",
    "scope",
    "rt",
    "runtime",
    "handle",
    "set",
    "join_set",
    "joinset",
    "tasks",
    "executor",
    "ex",
    "spawner",
    "tracker",
    "task_tracker",
    "local_set",
    "pool",
];

/// Of [`SPAWNER_NAMES`], those whose `spawn` starts a (scoped) thread.
const THREAD_SPAWNER_NAMES: &[&str] = &["s", "scope"];

const SPAWNER_NAME_SUFFIXES: &[&str] = &[
    "_handle",
    "_runtime",
    "_rt",
    "_set",
    "_tasks",
    "_executor",
    "_scope",
];

/// Constructor calls whose result spawns (`Handle::current().spawn(..)`), as the last two
/// path segments.
const SPAWNER_CONSTRUCTORS: &[[&str; 2]] = &[
    ["Handle", "current"],
    ["Builder", "new"],
    ["Handle", "try_current"],
];

pub fn is_spawner_type(name: &str) -> bool {
    SPAWNER_TYPES.contains(&name)
}

pub fn is_thread_spawner_type(name: &str) -> bool {
    THREAD_SPAWNER_TYPES.contains(&name)
}

/// Whether a receiver named `name` (any case) spawns.
pub fn is_spawner_name(name: &str) -> bool {
    let name = name.to_lowercase();
    SPAWNER_NAMES.contains(&name.as_str())
        || SPAWNER_NAME_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

pub fn is_thread_spawner_name(name: &str) -> bool {
    THREAD_SPAWNER_NAMES.contains(&name)
}

/// Whether the last two segments of a called path build a spawner.
pub fn is_spawner_constructor(last_two: &[&str]) -> bool {
    SPAWNER_CONSTRUCTORS
        .iter()
        .any(|constructor| constructor[..] == *last_two)
}

/// Functions that call their closure argument right away, on this thread.
const INLINE_RUNNERS: &[&str] = &[
    "std::thread::scope",
    "crossbeam::scope",
    "crossbeam::thread::scope",
    "crossbeam_utils::thread::scope",
    "rayon::scope",
    "std::panic::catch_unwind",
];

pub fn is_inline_runner(canonical: &str) -> bool {
    INLINE_RUNNERS.contains(&canonical)
}

/// `thread::Builder::new()` (or `std::thread::Builder::new()`): its `spawn` starts a thread.
pub fn is_thread_builder_path(segments: &[impl AsRef<str>]) -> bool {
    segments.iter().any(|segment| segment.as_ref() == "thread")
        && segments.last().is_some_and(|last| last.as_ref() == "new")
}
