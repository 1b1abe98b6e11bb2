//! This process's trace file (`docs/runtime-trace-format.md`, version 2: JSON Lines).
//!
//! The file is created when a trace directory is configured (at the first lock class, from
//! `COORDLINT_TRACE`, or by `set_trace_dir`) with everything recorded so far, then only
//! appended to: one write per new class, edge or report, never a rewrite, so the cost of an
//! event does not grow with the trace. A process that ends abruptly (a test timeout,
//! `process::exit`) leaves every complete line; readers ignore a last line cut short. Edge
//! counts that change later are appended as `counts` records with the next write, or by
//! `write_trace_file()`.
//!
//! A directory that cannot be written is reported once on stderr, and the process stops
//! tracing (until `set_trace_dir` is called again).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, Once, PoisonError};

use crate::registry::{self, EdgeNode};
use crate::trace;

/// This process's open trace file.
struct Writer {
    path: PathBuf,
    file: File,
    /// By class id: whether the file has the class.
    classes_written: Vec<bool>,
    /// Edges `0..edges_written` are in the file (edges are written in id order).
    edges_written: u32,
}

#[derive(Default)]
struct Export {
    writer: Option<Writer>,
    /// Directories already reported as unwritable.
    warned: Vec<PathBuf>,
}

static EXPORT: Mutex<Export> = Mutex::new(Export {
    writer: None,
    warned: Vec::new(),
});
/// Whether a file is open: events check it before locking anything.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Opens the file named by `COORDLINT_TRACE`, once.
static FROM_ENVIRONMENT: Once = Once::new();
/// Edges whose count changed since the file got it.
static UNWRITTEN_COUNTS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn start_from_environment() {
    FROM_ENVIRONMENT.call_once(|| {
        if let Some(dir) = registry::with_config(|config| config.trace_dir.clone()) {
            open(&mut lock(&EXPORT), dir);
        }
    });
}

/// `set_trace_dir`: closes the current file and, for `Some(dir)`, starts a new one there.
pub(crate) fn restart(dir: Option<PathBuf>) {
    // An explicit directory replaces the environment's, even before the first class.
    FROM_ENVIRONMENT.call_once(|| {});
    let mut export = lock(&EXPORT);
    export.writer = None;
    ACTIVE.store(false, Ordering::SeqCst);
    if let Some(dir) = dir {
        export.warned.retain(|warned| *warned != dir);
        open(&mut export, dir);
    }
}

fn file_name() -> &'static str {
    static NAME: LazyLock<String> = LazyLock::new(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("coordlint-trace-{}-{nanos}.jsonl", std::process::id())
    });
    &NAME
}

/// Creates the file with a header and everything recorded so far.
fn open(export: &mut Export, dir: PathBuf) {
    let path = dir.join(file_name());
    let created = std::fs::create_dir_all(&dir).and_then(|()| File::create(&path));
    let file = match created {
        Ok(file) => file,
        Err(error) => return warn_once(export, &dir, &path, &error),
    };
    let mut writer = Writer {
        path,
        file,
        classes_written: Vec::new(),
        edges_written: 0,
    };
    // Active before the state is read: an event that misses the flag was recorded before
    // this reads the tables, so it is in the dump or caught up by the next write.
    ACTIVE.store(true, Ordering::SeqCst);
    let mut text = trace::header_line(&[registry::process_info()]);
    let (class_limit, _) = registry::id_limits();
    for id in 1..class_limit {
        writer.class(id, &mut text);
    }
    writer.edges(&mut text);
    for report in registry::reports() {
        text.push_str(&trace::report_line(&report));
    }
    export.writer = Some(writer);
    write(export, &text);
}

fn warn_once(export: &mut Export, dir: &Path, path: &Path, error: &std::io::Error) {
    export.writer = None;
    ACTIVE.store(false, Ordering::SeqCst);
    if export.warned.iter().any(|warned| warned == dir) {
        return;
    }
    export.warned.push(dir.to_path_buf());
    eprintln!(
        "coordlint runtime-probe: cannot write trace file {}: {error}; no trace is written for this process",
        path.display()
    );
}

/// Appends `text` (whole lines) to the file; on failure, warns once and stops tracing.
fn write(export: &mut Export, text: &str) {
    let Some(writer) = export.writer.as_mut() else {
        return;
    };
    if let Err(error) = writer.file.write_all(text.as_bytes()) {
        let path = writer.path.clone();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        warn_once(export, &dir, &path, &error);
    }
}

impl Writer {
    /// Adds class `id`'s record unless the file has it.
    fn class(&mut self, id: u32, text: &mut String) {
        let index = id as usize;
        if self.classes_written.get(index).copied().unwrap_or(false) {
            return;
        }
        if registry::class_if_present(id).is_none() {
            return;
        }
        if self.classes_written.len() <= index {
            self.classes_written.resize(index + 1, false);
        }
        self.classes_written[index] = true;
        text.push_str(&trace::class_line(&registry::trace_class(id)));
    }

    /// Adds the records of the edges recorded since the last write, in id order (stopping at
    /// one whose slot is still being filled: its recorder writes it next), with their classes.
    fn edges(&mut self, text: &mut String) {
        let (_, edge_limit) = registry::id_limits();
        while self.edges_written < edge_limit {
            let Some(edge) = registry::edge_if_present(self.edges_written) else {
                break;
            };
            self.class(edge.lite.from, text);
            self.class(edge.lite.to, text);
            edge.count_unwritten.store(false, Ordering::Relaxed);
            text.push_str(&trace::edge_line(self.edges_written, &edge.to_trace()));
            self.edges_written += 1;
        }
    }

    /// Adds a `counts` record for the edges whose count changed, if any.
    fn counts(&self, text: &mut String) {
        let ids = std::mem::take(&mut *lock(&UNWRITTEN_COUNTS));
        let counts: Vec<(u32, u64)> = ids
            .into_iter()
            .filter_map(|id| {
                let edge = registry::edge_if_present(id)?;
                edge.count_unwritten.store(false, Ordering::Relaxed);
                // An edge not in the file yet gets its count with its own record.
                (id < self.edges_written).then(|| (id, edge.count.load(Ordering::Relaxed)))
            })
            .collect();
        if !counts.is_empty() {
            text.push_str(&trace::counts_line(&counts));
        }
    }
}

/// Runs `add` on the open file's writer and appends what it produced, with the edges and
/// counts not written yet.
fn append(add: impl FnOnce(&mut Writer, &mut String)) {
    if !ACTIVE.load(Ordering::SeqCst) {
        return;
    }
    let mut export = lock(&EXPORT);
    let Some(writer) = export.writer.as_mut() else {
        return;
    };
    let mut text = String::new();
    writer.edges(&mut text);
    add(writer, &mut text);
    writer.counts(&mut text);
    if !text.is_empty() {
        write(&mut export, &text);
    }
}

/// A new class (the first one opens the file named by `COORDLINT_TRACE`).
pub(crate) fn class_added(id: u32) {
    start_from_environment();
    append(|writer, text| writer.class(id, text));
}

/// A class changed (it was acquired exclusively for the first time): its record again.
pub(crate) fn class_changed(id: u32) {
    append(|writer, text| {
        if let Some(written) = writer.classes_written.get_mut(id as usize) {
            *written = false;
        }
        writer.class(id, text);
    });
}

/// A new edge was recorded (written, with any others not written yet, in id order).
pub(crate) fn edge_added() {
    append(|_, _| {});
}

/// One more observation of a known edge: its count goes out with the next write.
pub(crate) fn count_changed(id: u32, edge: &EdgeNode) {
    if ACTIVE.load(Ordering::Relaxed) && !edge.count_unwritten.swap(true, Ordering::Relaxed) {
        lock(&UNWRITTEN_COUNTS).push(id);
    }
}

pub(crate) fn reports_added(reports: &[trace::Report]) {
    append(|_, text| {
        for report in reports {
            text.push_str(&trace::report_line(report));
        }
    });
}

/// `write_trace_file`: writes what is pending and returns the file's path.
pub(crate) fn flush() -> Option<PathBuf> {
    start_from_environment();
    append(|_, _| {});
    lock(&EXPORT)
        .writer
        .as_ref()
        .map(|writer| writer.path.clone())
}
