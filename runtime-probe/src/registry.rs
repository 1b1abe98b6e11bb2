//! Process-wide probe state: configuration, lock classes, order edges and reports.
//!
//! Only slow paths come here (a new lock instance, a held chain a thread has not validated, a
//! report), and none of them takes one global lock for a new class or edge: classes and edges
//! live in append-only tables read without a lock, found through sharded maps; a new edge is
//! checked for a cycle by `order.rs` (without a lock unless it goes against the order) and
//! appended to the trace file by `export.rs`.

use std::collections::HashSet;
use std::panic::Location;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::export;
use crate::graph::EdgeLite;
use crate::order::{self, OrderNode};
use crate::table::{Sharded, Table};
use crate::trace::{
    self, Class, ClassRef, CycleStep, Edge, Mode, ProcessInfo, Report, ReportKind, Site, Trace,
    Witness,
};

/// What the probe does with a report.
#[derive(Clone)]
pub enum Action {
    /// Panic on the thread that closed the order cycle. For an actual deadlock (where the
    /// blocked threads cannot be unwound) print the report and exit the process with code 101.
    Panic,
    /// Print the report to stderr and go on.
    Log,
    /// Only keep it (see [`reports`] and the trace file).
    Record,
    /// Call this function (after recording). It runs on the thread that closed the cycle, or on
    /// the watchdog thread for deadlocks, with no probe state locked.
    Callback(Arc<dyn Fn(&Report) + Send + Sync>),
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Panic => "Panic",
            Action::Log => "Log",
            Action::Record => "Record",
            Action::Callback(_) => "Callback(..)",
        })
    }
}

impl Action {
    fn from_env_text(text: &str) -> Option<Action> {
        match text.trim().to_ascii_lowercase().as_str() {
            "panic" => Some(Action::Panic),
            "log" => Some(Action::Log),
            "record" | "ignore" => Some(Action::Record),
            _ => None,
        }
    }
}

pub(crate) struct Config {
    pub action: Action,
    pub deadlock_timeout: Option<Duration>,
    pub trace_dir: Option<PathBuf>,
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| !value.is_empty() && value != "0")
}

static CONFIG: LazyLock<RwLock<Config>> = LazyLock::new(|| {
    let action = std::env::var("COORDLINT_ON_REPORT")
        .ok()
        .and_then(|text| Action::from_env_text(&text));
    let deadlock_timeout = match std::env::var("COORDLINT_DEADLOCK_MS")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
    {
        Some(0) => None,
        Some(ms) => Some(Duration::from_millis(ms)),
        None => Some(Duration::from_millis(2000)),
    };
    RwLock::new(Config {
        action: action.unwrap_or(Action::Panic),
        deadlock_timeout,
        trace_dir: std::env::var_os("COORDLINT_TRACE")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from),
    })
});

pub(crate) fn with_config<R>(read: impl FnOnce(&Config) -> R) -> R {
    read(&CONFIG.read().unwrap_or_else(PoisonError::into_inner))
}

pub(crate) fn update_config(write: impl FnOnce(&mut Config)) {
    write(&mut CONFIG.write().unwrap_or_else(PoisonError::into_inner));
}

/// Sets what happens on a report (default: `COORDLINT_ON_REPORT`, else [`Action::Panic`]).
pub fn set_action(action: Action) {
    update_config(|config| config.action = action);
}

thread_local! {
    static THREAD_ACTION: std::cell::RefCell<Option<Action>> = const { std::cell::RefCell::new(None) };
}

/// Runs `body` with `action` for the order reports made on this thread (other threads, and
/// deadlock reports, which the watchdog thread makes, keep the process-wide action). Lets tests
/// running in parallel in one process pick their own action.
pub fn with_thread_action<R>(action: Action, body: impl FnOnce() -> R) -> R {
    struct Restore(Option<Action>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = THREAD_ACTION.try_with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = THREAD_ACTION.with(|slot| slot.borrow_mut().replace(action));
    let _restore = Restore(previous);
    body()
}

/// Sets how long a thread must be blocked before the wait-for graph is checked for an actual
/// deadlock; `None` turns the check off (default: `COORDLINT_DEADLOCK_MS`, else 2000 ms).
pub fn set_deadlock_timeout(timeout: Option<Duration>) {
    update_config(|config| config.deadlock_timeout = timeout);
}

/// Whether a backtrace is captured for each new edge (default: `COORDLINT_BACKTRACE=1`).
pub fn set_capture_backtraces(capture: bool) {
    BACKTRACES.store(capture, Ordering::Relaxed);
}

/// Read for every new edge: an atomic, not the configuration's lock.
static BACKTRACES: LazyLock<AtomicBool> =
    LazyLock::new(|| AtomicBool::new(env_flag("COORDLINT_BACKTRACE")));

/// Writes this process's trace file into `dir` from now on (default: `COORDLINT_TRACE`).
///
/// The file is created (with everything recorded so far) at once and then appended to; a
/// directory that cannot be written is reported once on stderr, and tracing stays off until
/// the next call.
pub fn set_trace_dir(dir: Option<PathBuf>) {
    update_config(|config| config.trace_dir = dir.clone());
    export::restart(dir);
}

/// A lock class: every lock created at one site with one name.
pub(crate) struct ClassNode {
    pub site: &'static Location<'static>,
    pub name: Option<&'static str>,
    pub kind: &'static str,
    pub exclusive_seen: AtomicBool,
    pub order: OrderNode,
}

/// An order edge between two classes, with its first witness.
pub(crate) struct EdgeNode {
    pub lite: EdgeLite,
    pub count: AtomicU64,
    held_site: &'static Location<'static>,
    acquire_site: &'static Location<'static>,
    thread: Arc<str>,
    backtrace: Option<Arc<str>>,
    /// The count changed since the trace file last got it.
    pub count_unwritten: AtomicBool,
}

type ClassKey = (&'static str, u32, u32, Option<&'static str>);

/// By class id (from 1; 0 means "not resolved yet" in a lock).
static CLASSES: Table<ClassNode> = Table::new();
static NEXT_CLASS: AtomicU32 = AtomicU32::new(1);
static CLASS_INDEX: LazyLock<Sharded<ClassKey, u32>> = LazyLock::new(Sharded::new);
/// By edge id (from 0); found by their source class ([`OrderNode::lock_out_edges`]).
static EDGES: Table<EdgeNode> = Table::new();
static NEXT_EDGE: AtomicU32 = AtomicU32::new(0);

#[derive(Default)]
struct Reports {
    list: Vec<Report>,
    /// Order cycles reported, as sorted edge ids.
    cycles: HashSet<Vec<usize>>,
}

static REPORTS: LazyLock<Mutex<Reports>> = LazyLock::new(Mutex::default);

fn reports_state() -> std::sync::MutexGuard<'static, Reports> {
    REPORTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The class `id`. Ids come from [`resolve_class`], which fills the slot before handing the id
/// out; a thread that got the id through a relaxed load may see the slot a moment later.
pub(crate) fn class_node(id: u32) -> &'static ClassNode {
    loop {
        if let Some(node) = CLASSES.get(id as usize) {
            return node;
        }
        std::hint::spin_loop();
    }
}

/// The edge `id` (ids are handed out after the slot is filled, like class ids).
pub(crate) fn edge_node(id: u32) -> &'static EdgeNode {
    loop {
        if let Some(node) = EDGES.get(id as usize) {
            return node;
        }
        std::hint::spin_loop();
    }
}

/// The class of locks created at `site` with `name`; creates it on first sight.
pub(crate) fn resolve_class(
    site: &'static Location<'static>,
    name: Option<&'static str>,
    kind: &'static str,
    exclusive: bool,
) -> u32 {
    let key = (site.file(), site.line(), site.column(), name);
    let mut shard = CLASS_INDEX.shard(&key);
    if let Some(&id) = shard.get(&key) {
        return id;
    }
    let id = NEXT_CLASS.fetch_add(1, Ordering::SeqCst);
    CLASSES.set(
        id as usize,
        ClassNode {
            site,
            name,
            kind,
            exclusive_seen: AtomicBool::new(exclusive),
            order: OrderNode::new(id),
        },
    );
    shard.insert(key, id);
    drop(shard);
    export::class_added(id);
    id
}

/// Number of lock classes created so far in this process.
pub fn class_count() -> usize {
    NEXT_CLASS.load(Ordering::Relaxed) as usize - 1
}

/// Number of distinct class-order edges observed so far in this process.
pub fn edge_count() -> usize {
    NEXT_EDGE.load(Ordering::Relaxed) as usize
}

/// Ids below which classes and edges may exist (some slots may still be being filled).
pub(crate) fn id_limits() -> (u32, u32) {
    (
        NEXT_CLASS.load(Ordering::SeqCst),
        NEXT_EDGE.load(Ordering::SeqCst),
    )
}

/// The class `id` if its slot is filled.
pub(crate) fn class_if_present(id: u32) -> Option<&'static ClassNode> {
    CLASSES.get(id as usize)
}

/// The edge `id` if its slot is filled.
pub(crate) fn edge_if_present(id: u32) -> Option<&'static EdgeNode> {
    EDGES.get(id as usize)
}

pub(crate) fn class_ref(class: u32) -> ClassRef {
    let node = class_node(class);
    ClassRef {
        site: Site::from_location(node.site),
        name: node.name.map(str::to_owned),
    }
}

/// Class `id` in the trace format, keeping the process's id.
pub(crate) fn trace_class(id: u32) -> Class {
    let node = class_node(id);
    Class {
        id,
        site: Site::from_location(node.site),
        name: node.name.map(str::to_owned),
        kind: node.kind.to_owned(),
        exclusive_seen: node.exclusive_seen.load(Ordering::Relaxed),
    }
}

impl EdgeNode {
    fn witness(&self) -> Witness {
        Witness {
            held_site: Site::from_location(self.held_site),
            acquire_site: Site::from_location(self.acquire_site),
            thread: self.thread.to_string(),
            backtrace: self.backtrace.as_deref().map(str::to_owned),
        }
    }

    /// This edge in the trace format, with the process's class ids.
    pub(crate) fn to_trace(&self) -> Edge {
        Edge {
            from: self.lite.from,
            from_mode: self.lite.from_mode,
            to: self.lite.to,
            to_mode: self.lite.to_mode,
            count: self.count.load(Ordering::Relaxed),
            first: self.witness(),
        }
    }
}

fn step(id: usize) -> CycleStep {
    let edge = edge_node(id as u32);
    CycleStep {
        from: class_ref(edge.lite.from),
        from_mode: edge.lite.from_mode,
        to: class_ref(edge.lite.to),
        to_mode: edge.lite.to_mode,
        witness: edge.witness(),
    }
}

/// The report for the cycle made of `closing` and the path back from its target, unless
/// that cycle was reported already.
fn cycle_report(closing: u32, path: Vec<usize>) -> Option<Report> {
    // The cycle in acquisition order: the path back (from `to` round to `from`), then `closing`.
    let mut members = path;
    members.push(closing as usize);
    let mut key = members.clone();
    key.sort_unstable();
    if !reports_state().cycles.insert(key) {
        return None;
    }
    let steps: Vec<CycleStep> = members.into_iter().map(step).collect();
    Some(Report {
        kind: ReportKind::LockOrderCycle,
        message: trace::describe_order_cycle(&steps),
        cycle: steps,
        threads: Vec::new(),
        pid: std::process::id(),
    })
}

/// One held lock as the slow path sees it.
pub(crate) struct HeldSnapshot {
    pub class: u32,
    pub mode: Mode,
    pub site: &'static Location<'static>,
}

/// A thread acquires `class` in `mode` at `site` while holding `held`, for the first time in
/// this thread with this held chain: count the known edges, record and check the new ones.
pub(crate) fn observe_chain(
    held: &[HeldSnapshot],
    class: u32,
    mode: Mode,
    site: &'static Location<'static>,
) -> Vec<Report> {
    let mut reports = Vec::new();
    for (index, entry) in held.iter().enumerate() {
        // One edge per held (class, mode), however many locks of the class are held.
        if held[..index]
            .iter()
            .any(|below| below.class == entry.class && below.mode == entry.mode)
        {
            continue;
        }
        let lite = EdgeLite {
            from: entry.class,
            from_mode: entry.mode,
            to: class,
            to_mode: mode,
        };
        let Some(id) = record_edge(lite, entry.site, site) else {
            continue;
        };
        export::edge_added();
        if !order::is_ordered(lite.from, lite.to)
            && let Some(path) = order::closing_path(id)
        {
            reports.extend(cycle_report(id, path));
        }
    }
    reports
}

/// Counts one more observation of `edge` if it is known; otherwise records it (in the edge
/// table and both adjacency lists) and returns its id.
fn record_edge(
    edge: EdgeLite,
    held_site: &'static Location<'static>,
    acquire_site: &'static Location<'static>,
) -> Option<u32> {
    let from = &class_node(edge.from).order;
    let mut out_edges = from.lock_out_edges();
    if let Some(id) = out_edges.find(edge.from_mode, edge.to, edge.to_mode) {
        drop(out_edges);
        let known = edge_node(id);
        known.count.fetch_add(1, Ordering::Relaxed);
        export::count_changed(id, known);
        return None;
    }
    let id = NEXT_EDGE.fetch_add(1, Ordering::SeqCst);
    EDGES.set(
        id as usize,
        EdgeNode {
            lite: edge,
            count: AtomicU64::new(1),
            held_site,
            acquire_site,
            thread: crate::thread::current_thread_label(),
            // Slow, and only on request: other threads wait to record edges from this class.
            backtrace: BACKTRACES
                .load(Ordering::Relaxed)
                .then(|| Arc::from(std::backtrace::Backtrace::force_capture().to_string())),
            count_unwritten: AtomicBool::new(false),
        },
    );
    out_edges.add(edge.from_mode, edge.to, edge.to_mode, id);
    drop(out_edges);
    class_node(edge.to).order.add_in_edge(id, edge.from);
    Some(id)
}

/// A class was acquired exclusively for the first time: read-read paths through it may now be
/// blocked by a writer, so re-check the cycles through its edges.
pub(crate) fn mark_exclusive(class: u32) -> Vec<Report> {
    if class_node(class)
        .exclusive_seen
        .swap(true, Ordering::Relaxed)
    {
        return Vec::new();
    }
    export::class_changed(class);
    order::cycles_through(class)
        .into_iter()
        .filter_map(|(closing, path)| cycle_report(closing, path))
        .collect()
}

/// Records each report, then acts on it according to the configured [`Action`].
pub(crate) fn deliver(reports: Vec<Report>) {
    if reports.is_empty() {
        return;
    }
    reports_state().list.extend(reports.iter().cloned());
    export::reports_added(&reports);
    let thread_action = THREAD_ACTION
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten();
    let action = thread_action.unwrap_or_else(|| with_config(|config| config.action.clone()));
    for report in reports {
        match &action {
            Action::Record => {}
            Action::Log => eprintln!("coordlint runtime-probe: {report}"),
            Action::Callback(callback) => callback(&report),
            Action::Panic if report.kind == ReportKind::Deadlock => {
                eprintln!(
                    "coordlint runtime-probe: {report}\ncoordlint runtime-probe: exiting with code 101 (deadlocked threads cannot be unwound)"
                );
                std::process::exit(101);
            }
            Action::Panic => panic!("coordlint runtime-probe: {report}"),
        }
    }
}

/// Every report made so far in this process.
pub fn reports() -> Vec<Report> {
    reports_state().list.clone()
}

/// A snapshot of this process's classes, edges and reports in the trace format (class ids
/// renumbered from 0).
pub fn snapshot() -> Trace {
    let (class_limit, edge_limit) = id_limits();
    let mut dense: Vec<Option<u32>> = vec![None; class_limit as usize];
    let mut classes = Vec::new();
    for id in 1..class_limit {
        if class_if_present(id).is_some() {
            dense[id as usize] = Some(classes.len() as u32);
            classes.push(Class {
                id: classes.len() as u32,
                ..trace_class(id)
            });
        }
    }
    let edges = (0..edge_limit)
        .filter_map(edge_if_present)
        .filter_map(|edge| {
            let from = dense.get(edge.lite.from as usize).copied().flatten()?;
            let to = dense.get(edge.lite.to as usize).copied().flatten()?;
            Some(Edge {
                from,
                to,
                ..edge.to_trace()
            })
        })
        .collect();
    Trace {
        processes: vec![process_info()],
        classes,
        edges,
        reports: reports(),
    }
}

pub(crate) fn process_info() -> ProcessInfo {
    let exe = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    ProcessInfo {
        pid: std::process::id(),
        exe,
    }
}

/// Makes this process's trace file complete now, if a trace directory is configured: the
/// probe appends every new class, edge and report as it appears, and this adds the edge
/// counts that changed since (call it at the end of `main` to have final counts). Returns the
/// file's path.
pub fn write_trace_file() -> Option<PathBuf> {
    export::flush()
}
