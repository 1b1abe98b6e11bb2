//! Process-wide probe state: lock classes, the class order graph, reports, configuration and
//! trace export. Only slow paths (a new class, a chain a thread has not seen, a report) lock it.

use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::graph::{self, EdgeLite};
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
    pub backtrace: bool,
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
        backtrace: env_flag("COORDLINT_BACKTRACE"),
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
    update_config(|config| config.backtrace = capture);
}

/// Writes this process's trace file into `dir` from now on (default: `COORDLINT_TRACE`).
pub fn set_trace_dir(dir: Option<PathBuf>) {
    update_config(|config| config.trace_dir = dir);
    write_trace_file();
}

struct ClassRecord {
    site: &'static Location<'static>,
    name: Option<&'static str>,
    kind: &'static str,
    exclusive_seen: bool,
}

struct EdgeRecord {
    lite: EdgeLite,
    count: u64,
    first: Witness,
}

#[derive(Default)]
struct Registry {
    /// Index = class id - 1 (id 0 means "not resolved yet" in a lock).
    classes: Vec<ClassRecord>,
    class_index: HashMap<(&'static str, u32, u32, Option<&'static str>), u32>,
    edges: Vec<EdgeRecord>,
    lites: Vec<EdgeLite>,
    edge_index: HashMap<(u32, Mode, u32, Mode), usize>,
    /// Outgoing edge indices per class id (index 0 unused).
    out_edges: Vec<Vec<usize>>,
    reported_cycles: HashSet<Vec<usize>>,
    reports: Vec<Report>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
    Mutex::new(Registry {
        out_edges: vec![Vec::new()],
        ..Default::default()
    })
});
/// Serialises trace writes so a later write never carries an older snapshot.
static EXPORT: Mutex<()> = Mutex::new(());
static EXPORT_PENDING: AtomicBool = AtomicBool::new(false);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The class of locks created at `site` with `name`; creates it on first sight.
pub(crate) fn resolve_class(
    site: &'static Location<'static>,
    name: Option<&'static str>,
    kind: &'static str,
    exclusive: bool,
) -> u32 {
    let key = (site.file(), site.line(), site.column(), name);
    let mut registry = registry();
    if let Some(&id) = registry.class_index.get(&key) {
        return id;
    }
    registry.classes.push(ClassRecord {
        site,
        name,
        kind,
        exclusive_seen: exclusive,
    });
    registry.out_edges.push(Vec::new());
    let id = registry.classes.len() as u32;
    registry.class_index.insert(key, id);
    drop(registry);
    EXPORT_PENDING.store(true, Ordering::Relaxed);
    id
}

/// Number of lock classes created so far in this process.
pub fn class_count() -> usize {
    registry().classes.len()
}

/// Number of distinct class-order edges observed so far in this process.
pub fn edge_count() -> usize {
    registry().edges.len()
}

impl Registry {
    fn class_ref(&self, id: u32) -> ClassRef {
        let class = &self.classes[id as usize - 1];
        ClassRef {
            site: Site::from_location(class.site),
            name: class.name.map(str::to_owned),
        }
    }

    fn step(&self, index: usize) -> CycleStep {
        let edge = &self.edges[index];
        CycleStep {
            from: self.class_ref(edge.lite.from),
            from_mode: edge.lite.from_mode,
            to: self.class_ref(edge.lite.to),
            to_mode: edge.lite.to_mode,
            witness: edge.first.clone(),
        }
    }

    /// If `closing` is in a strong cycle not reported yet, the report for it.
    fn cycle_report(&mut self, closing: usize) -> Option<Report> {
        let classes = &self.classes;
        let exclusive_seen = |id: u32| classes[id as usize - 1].exclusive_seen;
        let path = graph::strong_path_back(
            &self.lites,
            &self.out_edges,
            &exclusive_seen,
            self.lites[closing],
        )?;
        // The cycle in acquisition order: the path back (from `to` round to `from`), then `closing`.
        let mut members: Vec<usize> = path;
        members.push(closing);
        let mut key = members.clone();
        key.sort_unstable();
        if !self.reported_cycles.insert(key) {
            return None;
        }
        let steps: Vec<CycleStep> = members.iter().map(|&index| self.step(index)).collect();
        Some(Report {
            kind: ReportKind::LockOrderCycle,
            message: trace::describe_order_cycle(&steps),
            cycle: steps,
            threads: Vec::new(),
            pid: std::process::id(),
        })
    }
}

/// One held lock as the slow path sees it.
pub(crate) struct HeldSnapshot {
    pub class: u32,
    pub mode: Mode,
    pub site: &'static Location<'static>,
}

/// A thread acquires `class` in `mode` at `site` while holding `held`, for the first time in
/// this thread with this held chain: add or count the edges, check new edges for cycles.
pub(crate) fn observe_chain(
    held: &[HeldSnapshot],
    class: u32,
    mode: Mode,
    site: &'static Location<'static>,
) -> Vec<Report> {
    let backtrace = with_config(|config| config.backtrace)
        .then(|| std::backtrace::Backtrace::force_capture().to_string());
    let thread = crate::thread::current_thread_label();
    let mut reports = Vec::new();
    let mut registry = registry();
    let mut done: Vec<(u32, Mode)> = Vec::with_capacity(held.len());
    for entry in held {
        if done.contains(&(entry.class, entry.mode)) {
            continue;
        }
        done.push((entry.class, entry.mode));
        let key = (entry.class, entry.mode, class, mode);
        if let Some(&index) = registry.edge_index.get(&key) {
            registry.edges[index].count += 1;
            continue;
        }
        let lite = EdgeLite {
            from: entry.class,
            from_mode: entry.mode,
            to: class,
            to_mode: mode,
        };
        let index = registry.edges.len();
        registry.edges.push(EdgeRecord {
            lite,
            count: 1,
            first: Witness {
                held_site: Site::from_location(entry.site),
                acquire_site: Site::from_location(site),
                thread: thread.clone(),
                backtrace: backtrace.clone(),
            },
        });
        registry.lites.push(lite);
        registry.edge_index.insert(key, index);
        registry.out_edges[entry.class as usize].push(index);
        EXPORT_PENDING.store(true, Ordering::Relaxed);
        reports.extend(registry.cycle_report(index));
    }
    reports
}

/// A class was acquired exclusively for the first time: read-read paths through it may now be
/// blocked by a writer, so re-check the cycles through its edges.
pub(crate) fn mark_exclusive(class: u32) -> Vec<Report> {
    let mut registry = registry();
    let record = &mut registry.classes[class as usize - 1];
    if record.exclusive_seen {
        return Vec::new();
    }
    record.exclusive_seen = true;
    EXPORT_PENDING.store(true, Ordering::Relaxed);
    let touching: Vec<usize> = (0..registry.lites.len())
        .filter(|&i| registry.lites[i].from == class || registry.lites[i].to == class)
        .collect();
    touching
        .into_iter()
        .filter_map(|index| registry.cycle_report(index))
        .collect()
}

pub(crate) fn class_ref(class: u32) -> ClassRef {
    registry().class_ref(class)
}

/// Records each report, then acts on it according to the configured [`Action`].
pub(crate) fn deliver(reports: Vec<Report>) {
    if reports.is_empty() {
        return;
    }
    registry().reports.extend(reports.iter().cloned());
    EXPORT_PENDING.store(true, Ordering::Relaxed);
    write_trace_file();
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
    registry().reports.clone()
}

/// A snapshot of this process's classes, edges and reports in the trace format.
pub fn snapshot() -> Trace {
    let registry = registry();
    let classes = registry
        .classes
        .iter()
        .enumerate()
        .map(|(index, class)| Class {
            id: index as u32,
            site: Site::from_location(class.site),
            name: class.name.map(str::to_owned),
            kind: class.kind.to_owned(),
            exclusive_seen: class.exclusive_seen,
        })
        .collect();
    let edges = registry
        .edges
        .iter()
        .map(|edge| Edge {
            from: edge.lite.from - 1,
            from_mode: edge.lite.from_mode,
            to: edge.lite.to - 1,
            to_mode: edge.lite.to_mode,
            count: edge.count,
            first: edge.first.clone(),
        })
        .collect();
    let exe = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    Trace {
        processes: vec![ProcessInfo {
            pid: std::process::id(),
            exe,
        }],
        classes,
        edges,
        reports: registry.reports.clone(),
    }
}

/// Writes this process's trace file now if a trace directory is configured and anything
/// changed since the last write. Returns the file written. The probe calls it after every new
/// class, edge or report, so a process that ends abruptly still leaves a complete file.
pub fn write_trace_file() -> Option<PathBuf> {
    let dir = with_config(|config| config.trace_dir.clone())?;
    let _serial = EXPORT.lock().unwrap_or_else(PoisonError::into_inner);
    if !EXPORT_PENDING.swap(false, Ordering::Relaxed) && dir.join(trace_file_name()).exists() {
        return None;
    }
    let text = snapshot().to_json_string();
    let path = dir.join(trace_file_name());
    let temporary = dir.join(format!("{}.tmp", trace_file_name()));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&temporary, text))
        .and_then(|()| std::fs::rename(&temporary, &path));
    match written {
        Ok(()) => Some(path),
        Err(error) => {
            eprintln!(
                "coordlint runtime-probe: cannot write trace file {}: {error}",
                path.display()
            );
            None
        }
    }
}

/// Writes the trace file if something changed (cheap check; called from slow paths).
pub(crate) fn export_if_pending() {
    if EXPORT_PENDING.load(Ordering::Relaxed) {
        write_trace_file();
    }
}

fn trace_file_name() -> &'static str {
    static NAME: LazyLock<String> = LazyLock::new(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("coordlint-trace-{}-{nanos}.json", std::process::id())
    });
    &NAME
}
