//! The run-time trace file format: types, JSON (de)serialisation, merging and cycle search.
//!
//! One process writes one file (see `docs/runtime-trace-format.md`): JSON Lines, a header then
//! one record per line, appended as the process runs ([`VERSION`] 2); files of the earlier
//! single-document layout ([`DOCUMENT_VERSION`] 1) are still read. [`read_trace_dir`] merges
//! every file of a directory, skipping (and naming) the ones it cannot read, and
//! [`find_cycles`] finds lock-order cycles in the merged graph.
//! This module uses only `serde`/`serde_json` (no derive, so no `syn`), and `cargo coordlint`
//! can depend on it without pulling the probe's wrappers into its own behaviour.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::graph::{self, ClassGraph, EdgeLite};

/// The value of the `format` field of every trace file.
pub const FORMAT: &str = "coordlint-runtime-trace";
/// The version of the file format the probe writes: JSON Lines, a header and then one record
/// per line (see [`Trace::to_json_lines`]).
pub const VERSION: u64 = 2;
/// The single-document layout: one JSON object holding the whole trace. Written by earlier
/// probes (still read), and what a [`Trace`]'s serde implementations produce and accept.
pub const DOCUMENT_VERSION: u64 = 1;

/// A source location as given by `#[track_caller]`: `file:line:column`, 1-based.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Site {
    pub fn from_location(location: &std::panic::Location<'_>) -> Site {
        Site {
            file: location.file().to_owned(),
            line: location.line(),
            column: location.column(),
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How a lock was acquired (lockdep's write / read / recursive-read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// `Mutex::lock`, `RwLock::write`: excludes everybody.
    Exclusive,
    /// `RwLock::read` of a lock where a waiting writer blocks new readers (std, parking_lot, tokio).
    Shared,
    /// A read that never waits for a queued writer (parking_lot `read_recursive`).
    SharedRecursive,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Exclusive => "exclusive",
            Mode::Shared => "shared",
            Mode::SharedRecursive => "shared_recursive",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "exclusive" => Some(Mode::Exclusive),
            "shared" => Some(Mode::Shared),
            "shared_recursive" => Some(Mode::SharedRecursive),
            _ => None,
        }
    }

    pub fn is_shared(self) -> bool {
        !matches!(self, Mode::Exclusive)
    }
}

/// A lock class: every lock created at one site (with one optional name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// Index of the class in [`Trace::classes`]; only meaningful inside one trace.
    pub id: u32,
    pub site: Site,
    pub name: Option<String>,
    /// `mutex`, `rwlock`, `parking_lot::Mutex`, `tokio::sync::RwLock`, ...
    pub kind: String,
    /// Whether any lock of the class was ever acquired exclusively (a writer can interleave).
    pub exclusive_seen: bool,
}

impl Class {
    pub fn reference(&self) -> ClassRef {
        ClassRef {
            site: self.site.clone(),
            name: self.name.clone(),
        }
    }
}

/// A class named by its identity (creation site and name), usable across traces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassRef {
    pub site: Site,
    pub name: Option<String>,
}

impl fmt::Display for ClassRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "`{name}` (created at {})", self.site),
            None => write!(f, "lock created at {}", self.site),
        }
    }
}

/// Where an edge was first seen: the held lock's acquisition and the new acquisition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Where the already-held lock (`from`) was acquired.
    pub held_site: Site,
    /// Where `to` was acquired while `from` was held.
    pub acquire_site: Site,
    pub thread: String,
    /// Captured only when `COORDLINT_BACKTRACE=1`.
    pub backtrace: Option<String>,
}

/// "A lock of class `to` was acquired while one of class `from` was held."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: u32,
    pub from_mode: Mode,
    pub to: u32,
    pub to_mode: Mode,
    /// Number of observations (see the format documentation for what is counted).
    pub count: u64,
    pub first: Witness,
}

/// Kind of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKind {
    /// A potential deadlock: the observed lock order has a cycle; nothing hung.
    LockOrderCycle,
    /// An actual deadlock: threads blocked on each other longer than the threshold.
    Deadlock,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::LockOrderCycle => "lock_order_cycle",
            ReportKind::Deadlock => "deadlock",
        }
    }

    fn parse(text: &str) -> Option<ReportKind> {
        match text {
            "lock_order_cycle" => Some(ReportKind::LockOrderCycle),
            "deadlock" => Some(ReportKind::Deadlock),
            _ => None,
        }
    }
}

/// One edge of a reported order cycle, with both acquisition sites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CycleStep {
    pub from: ClassRef,
    pub from_mode: Mode,
    pub to: ClassRef,
    pub to_mode: Mode,
    pub witness: Witness,
}

/// A lock held by a thread in a deadlock report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldLock {
    pub class: ClassRef,
    pub mode: Mode,
    pub site: Site,
}

/// One thread of a deadlock report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedThread {
    pub thread: String,
    pub waits_for: ClassRef,
    pub wait_mode: Mode,
    pub wait_site: Site,
    pub waited_ms: u64,
    pub holds: Vec<HeldLock>,
}

/// A potential (order cycle) or actual (wait-for cycle) deadlock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub kind: ReportKind,
    pub message: String,
    /// For [`ReportKind::LockOrderCycle`]: the edges of the cycle, in order.
    pub cycle: Vec<CycleStep>,
    /// For [`ReportKind::Deadlock`]: the blocked threads of the cycle, in order.
    pub threads: Vec<BlockedThread>,
    pub pid: u32,
}

impl Report {
    /// Every class the report names, in order of appearance, without repeats.
    pub fn classes(&self) -> Vec<&ClassRef> {
        let mut out: Vec<&ClassRef> = Vec::new();
        fn push<'a>(class: &'a ClassRef, out: &mut Vec<&'a ClassRef>) {
            if !out.contains(&class) {
                out.push(class);
            }
        }
        for step in &self.cycle {
            push(&step.from, &mut out);
            push(&step.to, &mut out);
        }
        for thread in &self.threads {
            push(&thread.waits_for, &mut out);
            for held in &thread.holds {
                push(&held.class, &mut out);
            }
        }
        out
    }

    /// Whether the report names a class with this name.
    pub fn names_class(&self, name: &str) -> bool {
        self.classes()
            .iter()
            .any(|class| class.name.as_deref() == Some(name))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One process that contributed to a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub exe: String,
}

/// A trace file, or the merge of several.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub processes: Vec<ProcessInfo>,
    pub classes: Vec<Class>,
    pub edges: Vec<Edge>,
    pub reports: Vec<Report>,
}

/// A trace file (or directory) that could not be read.
#[derive(Debug)]
pub struct TraceError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    /// Adds `other` to `self`: classes united by (site, name), edges with equal endpoints and
    /// modes summed (the earliest-merged first witness is kept), reports and processes appended.
    pub fn merge(&mut self, other: &Trace) {
        let mut class_ids: HashMap<ClassRef, u32> = self
            .classes
            .iter()
            .map(|class| (class.reference(), class.id))
            .collect();
        let mut remap: HashMap<u32, u32> = HashMap::new();
        for class in &other.classes {
            let key = class.reference();
            let id = match class_ids.get(&key) {
                Some(&id) => {
                    let existing = &mut self.classes[id as usize];
                    existing.exclusive_seen |= class.exclusive_seen;
                    id
                }
                None => {
                    let id = self.classes.len() as u32;
                    self.classes.push(Class {
                        id,
                        ..class.clone()
                    });
                    class_ids.insert(key, id);
                    id
                }
            };
            remap.insert(class.id, id);
        }
        let mut edge_ids: HashMap<(u32, Mode, u32, Mode), usize> = self
            .edges
            .iter()
            .enumerate()
            .map(|(index, edge)| ((edge.from, edge.from_mode, edge.to, edge.to_mode), index))
            .collect();
        for edge in &other.edges {
            let (Some(&from), Some(&to)) = (remap.get(&edge.from), remap.get(&edge.to)) else {
                continue;
            };
            let key = (from, edge.from_mode, to, edge.to_mode);
            match edge_ids.get(&key) {
                Some(&index) => self.edges[index].count += edge.count,
                None => {
                    edge_ids.insert(key, self.edges.len());
                    self.edges.push(Edge {
                        from,
                        to,
                        ..edge.clone()
                    });
                }
            }
        }
        self.reports.extend(other.reports.iter().cloned());
        self.processes.extend(other.processes.iter().cloned());
    }

    /// Sorts classes by (site, name) and edges by endpoints, renumbering ids, so that output
    /// does not depend on the order in which processes ran or files were read.
    pub fn normalize(&mut self) {
        let mut order: Vec<usize> = (0..self.classes.len()).collect();
        order.sort_by(|&a, &b| {
            self.classes[a]
                .reference()
                .cmp(&self.classes[b].reference())
        });
        let mut new_id = vec![0u32; self.classes.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[self.classes[old].id as usize] = new as u32;
        }
        let mut classes: Vec<Class> = order.iter().map(|&old| self.classes[old].clone()).collect();
        for (index, class) in classes.iter_mut().enumerate() {
            class.id = index as u32;
        }
        self.classes = classes;
        for edge in &mut self.edges {
            edge.from = new_id[edge.from as usize];
            edge.to = new_id[edge.to as usize];
        }
        self.edges
            .sort_by_key(|edge| (edge.from, edge.to, edge.from_mode, edge.to_mode));
    }

    /// The class with this id.
    pub fn class(&self, id: u32) -> &Class {
        &self.classes[id as usize]
    }

    /// Parses one trace file: JSON Lines ([`VERSION`] 2; a last record cut short by a process
    /// that ended while writing it is ignored) or a single document ([`DOCUMENT_VERSION`] 1).
    pub fn from_json_str(text: &str) -> Result<Trace, String> {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        let header = match values.next() {
            None => return Err("empty trace file".to_owned()),
            Some(value) => value.map_err(|error| error.to_string())?,
        };
        let object = header.as_object().ok_or("a trace must be a JSON object")?;
        if object.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(format!("not a {FORMAT} file (missing or wrong `format`)"));
        }
        match object.get("version").and_then(Value::as_u64) {
            None => Err("missing `version`".to_owned()),
            Some(DOCUMENT_VERSION) => match values.next() {
                None => Trace::from_value(&header),
                Some(_) => Err("data after the trace document".to_owned()),
            },
            Some(VERSION) => Trace::from_records(object, values),
            Some(version) => Err(format!(
                "unsupported trace version {version} (this reader knows {DOCUMENT_VERSION} and {VERSION})"
            )),
        }
    }

    /// This trace as a [`VERSION`] 2 file: a header, then one record per class, edge and report.
    pub fn to_json_lines(&self) -> String {
        let mut text = header_line(&self.processes);
        for class in &self.classes {
            text.push_str(&class_line(class));
        }
        for (index, edge) in self.edges.iter().enumerate() {
            text.push_str(&edge_line(index as u32, edge));
        }
        for report in &self.reports {
            text.push_str(&report_line(report));
        }
        text
    }

    fn from_records(
        header: &Map<String, Value>,
        records: impl Iterator<Item = Result<Value, serde_json::Error>>,
    ) -> Result<Trace, String> {
        let processes = array(header, "processes")?
            .iter()
            .map(process_from_value)
            .collect::<Result<Vec<_>, String>>()?;
        // By the ids of the file (the writing process's own), renumbered at the end.
        let mut classes: BTreeMap<u32, Class> = BTreeMap::new();
        let mut edges: BTreeMap<u32, Edge> = BTreeMap::new();
        let mut reports = Vec::new();
        for (number, record) in records.enumerate() {
            let record = match record {
                Ok(record) => record,
                // The writer ended in the middle of its last record: what precedes is whole.
                Err(error) if error.is_eof() => break,
                Err(error) => return Err(error.to_string()),
            };
            let at = |message: String| format!("record {}: {message}", number + 1);
            let record = record
                .as_object()
                .ok_or_else(|| at("a record must be a JSON object".to_owned()))?;
            if let Some(value) = record.get("class") {
                let class = class_from_value(value).map_err(at)?;
                classes
                    .entry(class.id)
                    .and_modify(|known| known.exclusive_seen |= class.exclusive_seen)
                    .or_insert(class);
            } else if let Some(value) = record.get("edge") {
                let id = u32_field(value, "id").map_err(at)?;
                let edge = edge_from_value(value).map_err(at)?;
                if edges.insert(id, edge).is_some() {
                    return Err(at(format!("edge {id} recorded twice")));
                }
            } else if let Some(value) = record.get("counts") {
                for pair in value
                    .as_array()
                    .ok_or_else(|| at("`counts` must be an array".to_owned()))?
                {
                    let (id, count) = count_from_value(pair).map_err(at)?;
                    let edge = edges
                        .get_mut(&id)
                        .ok_or_else(|| at(format!("count for edge {id}, which is not recorded")))?;
                    edge.count = count;
                }
            } else if let Some(value) = record.get("report") {
                reports.push(report_from_value(value).map_err(at)?);
            }
            // Any other record is from a later version that only adds records: ignored.
        }
        let dense: HashMap<u32, u32> = classes
            .keys()
            .enumerate()
            .map(|(index, &id)| (id, index as u32))
            .collect();
        let edges = edges
            .into_values()
            .map(|edge| match (dense.get(&edge.from), dense.get(&edge.to)) {
                (Some(&from), Some(&to)) => Ok(Edge { from, to, ..edge }),
                _ => Err(format!(
                    "edge {} -> {} names a class that is not recorded",
                    edge.from, edge.to
                )),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let classes = classes
            .into_values()
            .enumerate()
            .map(|(index, class)| Class {
                id: index as u32,
                ..class
            })
            .collect();
        Ok(Trace {
            processes,
            classes,
            edges,
            reports,
        })
    }

    /// This trace as one JSON document ([`DOCUMENT_VERSION`] 1 layout).
    pub fn to_value(&self) -> Value {
        json!({
            "format": FORMAT,
            "version": DOCUMENT_VERSION,
            "processes": self.processes.iter().map(process_to_value).collect::<Vec<_>>(),
            "classes": self.classes.iter().map(class_to_value).collect::<Vec<_>>(),
            "edges": self.edges.iter().map(edge_to_value).collect::<Vec<_>>(),
            "reports": self.reports.iter().map(report_to_value).collect::<Vec<_>>(),
        })
    }

    /// Reads a trace from one JSON document ([`DOCUMENT_VERSION`] 1 layout).
    pub fn from_value(value: &Value) -> Result<Trace, String> {
        let object = value.as_object().ok_or("a trace must be a JSON object")?;
        if object.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(format!("not a {FORMAT} file (missing or wrong `format`)"));
        }
        let version = object
            .get("version")
            .and_then(Value::as_u64)
            .ok_or("missing `version`")?;
        if version != DOCUMENT_VERSION {
            return Err(format!(
                "unsupported trace document version {version} (this reader knows {DOCUMENT_VERSION})"
            ));
        }
        let processes = array(object, "processes")?
            .iter()
            .map(process_from_value)
            .collect::<Result<Vec<_>, String>>()?;
        let classes = array(object, "classes")?
            .iter()
            .map(class_from_value)
            .collect::<Result<Vec<_>, _>>()?;
        for (index, class) in classes.iter().enumerate() {
            if class.id as usize != index {
                return Err(format!(
                    "class ids must be 0..n in order; found {} at {index}",
                    class.id
                ));
            }
        }
        let edges = array(object, "edges")?
            .iter()
            .map(edge_from_value)
            .collect::<Result<Vec<_>, _>>()?;
        for edge in &edges {
            if edge.from as usize >= classes.len() || edge.to as usize >= classes.len() {
                return Err(format!(
                    "edge {} -> {} names a class that does not exist",
                    edge.from, edge.to
                ));
            }
        }
        let reports = array(object, "reports")?
            .iter()
            .map(report_from_value)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Trace {
            processes,
            classes,
            edges,
            reports,
        })
    }
}

impl serde::Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Trace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Trace, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Trace::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// The merged traces of a directory, and the files that could not be read.
#[derive(Debug, Default)]
pub struct TraceDir {
    /// Every readable file merged, normalized.
    pub merged: Trace,
    /// The files left out, each with the reason (corrupt, foreign, unknown version, unreadable).
    pub skipped: Vec<TraceError>,
}

/// Reads and merges every trace file (`*.jsonl`, and `*.json` of earlier probes) of `dir`,
/// sorted by file name; other files are ignored. A file that cannot be read or parsed is left
/// out and listed in [`TraceDir::skipped`]: one broken file does not hide the others. Fails
/// only if the directory cannot be listed.
pub fn read_trace_dir(dir: impl AsRef<Path>) -> Result<TraceDir, TraceError> {
    let dir = dir.as_ref();
    let error = |path: &Path, message: String| TraceError {
        path: path.to_path_buf(),
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| error(dir, e.to_string()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "jsonl" || ext == "json")
        })
        .collect();
    paths.sort();
    let mut result = TraceDir::default();
    for path in &paths {
        let trace = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Trace::from_json_str(&text));
        match trace {
            Ok(trace) => result.merged.merge(&trace),
            Err(message) => result.skipped.push(error(path, message)),
        }
    }
    result.merged.normalize();
    Ok(result)
}

/// A lock-order cycle of a trace: indices into [`Trace::edges`], each edge's `to` being the
/// next edge's `from`, the last edge's `to` the first edge's `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub edges: Vec<usize>,
}

impl Cycle {
    /// The cycle as report steps with class identities and witness sites.
    pub fn steps(&self, trace: &Trace) -> Vec<CycleStep> {
        self.edges
            .iter()
            .map(|&index| {
                let edge = &trace.edges[index];
                CycleStep {
                    from: trace.class(edge.from).reference(),
                    from_mode: edge.from_mode,
                    to: trace.class(edge.to).reference(),
                    to_mode: edge.to_mode,
                    witness: edge.first.clone(),
                }
            })
            .collect()
    }
}

/// Finds lock-order cycles that could deadlock: for each edge, the shortest path back that is
/// "strong" in lockdep's sense (a read acquisition followed by a read hold of the same class
/// breaks the path unless some writer of that class was seen). Each cycle is reported once, as
/// its edge set, starting with its smallest edge index. Deterministic for a normalized trace.
pub fn find_cycles(trace: &Trace) -> Vec<Cycle> {
    let graph = TraceGraph::new(trace);
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut cycles = Vec::new();
    for (index, edge) in graph.edges.iter().enumerate() {
        if graph.component[edge.from as usize] != graph.component[edge.to as usize] {
            continue;
        }
        let Some(path) = graph::strong_path_back(&graph, *edge) else {
            continue;
        };
        let mut members: Vec<usize> = std::iter::once(index).chain(path).collect();
        let mut key = members.clone();
        key.sort_unstable();
        if !seen.insert(key) {
            continue;
        }
        let smallest = members
            .iter()
            .enumerate()
            .min_by_key(|(_, edge)| **edge)
            .map_or(0, |(at, _)| at);
        members.rotate_left(smallest);
        cycles.push(Cycle { edges: members });
    }
    cycles
}

/// A trace's class graph for the strong-path search; only edges inside one strongly connected
/// component are followed (no other edge is on a cycle), so a large acyclic trace costs a
/// linear pass, not a search per edge.
struct TraceGraph<'a> {
    trace: &'a Trace,
    edges: Vec<EdgeLite>,
    out_edges: Vec<Vec<usize>>,
    component: Vec<u32>,
}

impl<'a> TraceGraph<'a> {
    fn new(trace: &'a Trace) -> TraceGraph<'a> {
        let edges: Vec<EdgeLite> = trace
            .edges
            .iter()
            .map(|edge| EdgeLite {
                from: edge.from,
                from_mode: edge.from_mode,
                to: edge.to,
                to_mode: edge.to_mode,
            })
            .collect();
        let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); trace.classes.len()];
        for (index, edge) in edges.iter().enumerate() {
            out_edges[edge.from as usize].push(index);
        }
        let component = graph::strongly_connected_components(&edges, &out_edges);
        TraceGraph {
            trace,
            edges,
            out_edges,
            component,
        }
    }
}

impl ClassGraph for TraceGraph<'_> {
    fn edge(&self, index: usize) -> EdgeLite {
        self.edges[index]
    }

    fn outgoing(&self, class: u32, out: &mut Vec<usize>) {
        let component = self.component[class as usize];
        out.extend(
            self.out_edges[class as usize]
                .iter()
                .filter(|&&index| self.component[self.edges[index].to as usize] == component),
        );
    }

    fn exclusive_seen(&self, class: u32) -> bool {
        self.trace.classes[class as usize].exclusive_seen
    }
}

// ---- JSON Lines records (version 2) ----------------------------------------------------------

fn line(value: &Value) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The first line of a version 2 file.
pub(crate) fn header_line(processes: &[ProcessInfo]) -> String {
    line(&json!({
        "format": FORMAT,
        "version": VERSION,
        "processes": processes.iter().map(process_to_value).collect::<Vec<_>>(),
    }))
}

/// A class record (a later record for the same id may only turn `exclusive_seen` on).
pub(crate) fn class_line(class: &Class) -> String {
    line(&json!({ "class": class_to_value(class) }))
}

/// An edge record; `id` names it for later `counts` records.
pub(crate) fn edge_line(id: u32, edge: &Edge) -> String {
    let mut value = edge_to_value(edge);
    value["id"] = json!(id);
    line(&json!({ "edge": value }))
}

/// New totals for edges recorded earlier in the file.
pub(crate) fn counts_line(counts: &[(u32, u64)]) -> String {
    line(
        &json!({ "counts": counts.iter().map(|&(id, count)| json!([id, count])).collect::<Vec<_>>() }),
    )
}

pub(crate) fn report_line(report: &Report) -> String {
    line(&json!({ "report": report_to_value(report) }))
}

fn count_from_value(value: &Value) -> Result<(u32, u64), String> {
    let pair = value.as_array().filter(|pair| pair.len() == 2);
    let numbers = pair.and_then(|pair| Some((pair[0].as_u64()?, pair[1].as_u64()?)));
    let (id, count) = numbers.ok_or("a count must be `[edge id, count]`")?;
    Ok((u32::try_from(id).map_err(|_| "edge id too large")?, count))
}

// ---- JSON helpers --------------------------------------------------------------------------

fn process_to_value(process: &ProcessInfo) -> Value {
    json!({"pid": process.pid, "exe": process.exe})
}

fn process_from_value(value: &Value) -> Result<ProcessInfo, String> {
    Ok(ProcessInfo {
        pid: u32_field(value, "pid")?,
        exe: string_field(value, "exe")?,
    })
}

fn array<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a Vec<Value>, String> {
    match object.get(key) {
        None => Err(format!("missing `{key}`")),
        Some(value) => value
            .as_array()
            .ok_or_else(|| format!("`{key}` must be an array")),
    }
}

fn field<'a>(value: &'a Value, key: &str) -> Result<&'a Value, String> {
    value.get(key).ok_or_else(|| format!("missing `{key}`"))
}

fn string_field(value: &Value, key: &str) -> Result<String, String> {
    field(value, key)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("`{key}` must be a string"))
}

fn optional_string_field(value: &Value, key: &str) -> Result<Option<String>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("`{key}` must be a string or null")),
    }
}

fn u64_field(value: &Value, key: &str) -> Result<u64, String> {
    field(value, key)?
        .as_u64()
        .ok_or_else(|| format!("`{key}` must be a non-negative integer"))
}

fn u32_field(value: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(u64_field(value, key)?).map_err(|_| format!("`{key}` is too large"))
}

fn bool_field(value: &Value, key: &str) -> Result<bool, String> {
    field(value, key)?
        .as_bool()
        .ok_or_else(|| format!("`{key}` must be a boolean"))
}

fn mode_field(value: &Value, key: &str) -> Result<Mode, String> {
    let text = string_field(value, key)?;
    Mode::parse(&text).ok_or_else(|| format!("`{key}`: unknown mode `{text}`"))
}

fn site_to_value(site: &Site) -> Value {
    json!({"file": site.file, "line": site.line, "column": site.column})
}

fn site_from_value(value: &Value) -> Result<Site, String> {
    Ok(Site {
        file: string_field(value, "file")?,
        line: u32_field(value, "line")?,
        column: u32_field(value, "column")?,
    })
}

fn class_ref_to_value(class: &ClassRef) -> Value {
    json!({"site": site_to_value(&class.site), "name": class.name})
}

fn class_ref_from_value(value: &Value) -> Result<ClassRef, String> {
    Ok(ClassRef {
        site: site_from_value(field(value, "site")?)?,
        name: optional_string_field(value, "name")?,
    })
}

fn class_to_value(class: &Class) -> Value {
    json!({
        "id": class.id,
        "site": site_to_value(&class.site),
        "name": class.name,
        "kind": class.kind,
        "exclusive_seen": class.exclusive_seen,
    })
}

fn class_from_value(value: &Value) -> Result<Class, String> {
    Ok(Class {
        id: u32_field(value, "id")?,
        site: site_from_value(field(value, "site")?)?,
        name: optional_string_field(value, "name")?,
        kind: string_field(value, "kind")?,
        exclusive_seen: bool_field(value, "exclusive_seen")?,
    })
}

fn witness_to_value(witness: &Witness) -> Value {
    json!({
        "held_site": site_to_value(&witness.held_site),
        "acquire_site": site_to_value(&witness.acquire_site),
        "thread": witness.thread,
        "backtrace": witness.backtrace,
    })
}

fn witness_from_value(value: &Value) -> Result<Witness, String> {
    Ok(Witness {
        held_site: site_from_value(field(value, "held_site")?)?,
        acquire_site: site_from_value(field(value, "acquire_site")?)?,
        thread: string_field(value, "thread")?,
        backtrace: optional_string_field(value, "backtrace")?,
    })
}

fn edge_to_value(edge: &Edge) -> Value {
    json!({
        "from": edge.from,
        "from_mode": edge.from_mode.as_str(),
        "to": edge.to,
        "to_mode": edge.to_mode.as_str(),
        "count": edge.count,
        "first": witness_to_value(&edge.first),
    })
}

fn edge_from_value(value: &Value) -> Result<Edge, String> {
    Ok(Edge {
        from: u32_field(value, "from")?,
        from_mode: mode_field(value, "from_mode")?,
        to: u32_field(value, "to")?,
        to_mode: mode_field(value, "to_mode")?,
        count: u64_field(value, "count")?,
        first: witness_from_value(field(value, "first")?)?,
    })
}

fn report_to_value(report: &Report) -> Value {
    let cycle: Vec<Value> = report
        .cycle
        .iter()
        .map(|step| {
            json!({
                "from": class_ref_to_value(&step.from),
                "from_mode": step.from_mode.as_str(),
                "to": class_ref_to_value(&step.to),
                "to_mode": step.to_mode.as_str(),
                "witness": witness_to_value(&step.witness),
            })
        })
        .collect();
    let threads: Vec<Value> = report
        .threads
        .iter()
        .map(|thread| {
            json!({
                "thread": thread.thread,
                "waits_for": class_ref_to_value(&thread.waits_for),
                "wait_mode": thread.wait_mode.as_str(),
                "wait_site": site_to_value(&thread.wait_site),
                "waited_ms": thread.waited_ms,
                "holds": thread.holds.iter().map(|held| json!({
                    "class": class_ref_to_value(&held.class),
                    "mode": held.mode.as_str(),
                    "site": site_to_value(&held.site),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "kind": report.kind.as_str(),
        "message": report.message,
        "pid": report.pid,
        "cycle": cycle,
        "threads": threads,
    })
}

fn report_from_value(value: &Value) -> Result<Report, String> {
    let kind_text = string_field(value, "kind")?;
    let kind = ReportKind::parse(&kind_text)
        .ok_or_else(|| format!("unknown report kind `{kind_text}`"))?;
    let cycle = field(value, "cycle")?
        .as_array()
        .ok_or("`cycle` must be an array")?
        .iter()
        .map(|step| {
            Ok(CycleStep {
                from: class_ref_from_value(field(step, "from")?)?,
                from_mode: mode_field(step, "from_mode")?,
                to: class_ref_from_value(field(step, "to")?)?,
                to_mode: mode_field(step, "to_mode")?,
                witness: witness_from_value(field(step, "witness")?)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let threads = field(value, "threads")?
        .as_array()
        .ok_or("`threads` must be an array")?
        .iter()
        .map(|thread| {
            let holds = field(thread, "holds")?
                .as_array()
                .ok_or("`holds` must be an array")?
                .iter()
                .map(|held| {
                    Ok(HeldLock {
                        class: class_ref_from_value(field(held, "class")?)?,
                        mode: mode_field(held, "mode")?,
                        site: site_from_value(field(held, "site")?)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(BlockedThread {
                thread: string_field(thread, "thread")?,
                waits_for: class_ref_from_value(field(thread, "waits_for")?)?,
                wait_mode: mode_field(thread, "wait_mode")?,
                wait_site: site_from_value(field(thread, "wait_site")?)?,
                waited_ms: u64_field(thread, "waited_ms")?,
                holds,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Report {
        kind,
        message: string_field(value, "message")?,
        cycle,
        threads,
        pid: u32_field(value, "pid")?,
    })
}

/// Renders an order-cycle message (shared by the live probe and offline consumers).
pub fn describe_order_cycle(steps: &[CycleStep]) -> String {
    let mut classes: BTreeMap<usize, &ClassRef> = BTreeMap::new();
    for (index, step) in steps.iter().enumerate() {
        classes.insert(index, &step.from);
    }
    let names: Vec<String> = classes.values().map(|class| class.to_string()).collect();
    let mut message = format!(
        "potential deadlock: lock order cycle between {} (no thread is blocked; these acquisition orders can deadlock when run concurrently)",
        names.join(" and ")
    );
    for step in steps {
        message.push_str(&format!(
            "\n  {} acquired at {} ({}), then {} acquired at {} ({}) while it was held, on thread `{}`",
            step.from,
            step.witness.held_site,
            step.from_mode.as_str(),
            step.to,
            step.witness.acquire_site,
            step.to_mode.as_str(),
            step.witness.thread
        ));
        if let Some(backtrace) = &step.witness.backtrace {
            message.push_str(&format!(
                "\n    backtrace of that acquisition:\n{backtrace}"
            ));
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(line: u32) -> Site {
        Site {
            file: "src/lib.rs".into(),
            line,
            column: 1,
        }
    }

    fn class(id: u32, line: u32, exclusive_seen: bool) -> Class {
        Class {
            id,
            site: site(line),
            name: None,
            kind: "rwlock".into(),
            exclusive_seen,
        }
    }

    fn edge(from: u32, to: u32, mode: Mode) -> Edge {
        let first = Witness {
            held_site: site(100),
            acquire_site: site(101),
            thread: "t".into(),
            backtrace: None,
        };
        Edge {
            from,
            from_mode: mode,
            to,
            to_mode: mode,
            count: 1,
            first,
        }
    }

    #[test]
    fn read_read_cycle_needs_writers_seen_in_any_process() {
        // Process 1 reads A then B; process 2 reads B then A; nobody writes: no cycle.
        let one = Trace {
            classes: vec![class(0, 1, false), class(1, 2, false)],
            edges: vec![edge(0, 1, Mode::Shared)],
            ..Trace::default()
        };
        let two = Trace {
            classes: vec![class(0, 2, false), class(1, 1, false)],
            edges: vec![edge(0, 1, Mode::Shared)],
            ..Trace::default()
        };
        let mut merged = one.clone();
        merged.merge(&two);
        merged.normalize();
        assert_eq!(merged.classes.len(), 2);
        assert_eq!(merged.edges.len(), 2);
        assert!(find_cycles(&merged).is_empty());
        // A third process writes both: now a queued writer can block each reader.
        let three = Trace {
            classes: vec![class(0, 1, true), class(1, 2, true)],
            ..Trace::default()
        };
        merged.merge(&three);
        merged.normalize();
        assert_eq!(find_cycles(&merged).len(), 1);
    }

    #[test]
    fn three_class_cycle_is_found_once_and_rotated() {
        let classes = vec![class(0, 1, true), class(1, 2, true), class(2, 3, true)];
        let edges = vec![
            edge(0, 1, Mode::Exclusive),
            edge(1, 2, Mode::Exclusive),
            edge(2, 0, Mode::Exclusive),
        ];
        let trace = Trace {
            classes,
            edges,
            ..Trace::default()
        };
        let cycles = find_cycles(&trace);
        assert_eq!(
            cycles,
            vec![Cycle {
                edges: vec![0, 1, 2]
            }]
        );
        let round_trip = Trace::from_json_str(&trace.to_json_lines()).unwrap();
        assert_eq!(round_trip, trace);
        let document = serde_json::to_string_pretty(&trace.to_value()).unwrap();
        assert_eq!(Trace::from_json_str(&document).unwrap(), trace);
    }
}
