//! The lock-order graph as data, for `cargo coordlint graph`: the classes the lock analysis
//! found (a struct field, a static, a local, ...), an edge `A → B` for every place `B` is
//! taken while `A` is held, with its witness sites, and which edges are on a reported
//! cycle. Read from the same [`analysis::Program`] the rules read; nothing is computed
//! twice, only arranged for display.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::analysis::locks::graph::EdgeWitness;
use crate::analysis::locks::identity::ClassKey;
use crate::analysis::{FunctionRef, Program};
use crate::config::Config;
use crate::knowledge::locks::{LockFlavor, LockType};
use crate::model::FileFacts;
use crate::span::Span;

/// The workspace's lock-order graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockGraph {
    /// Sorted by name.
    pub classes: Vec<LockClass>,
    /// Sorted by (from, to).
    pub edges: Vec<LockEdge>,
}

/// A lock class: every lock written at one declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockClass {
    /// How findings name it: `Inventory::stock`, `REGISTRY`, `m`.
    pub name: String,
    /// The struct that holds it, for a field.
    pub owner: Option<String>,
    /// The field, for a field.
    pub field: Option<String>,
    /// What the class is: `field`, `static`, `local`, `parameter`, `receiver text`.
    pub kind: &'static str,
    /// The lock's type as the analysis knows it (`Mutex`, `tokio::sync::RwLock`).
    pub lock_type: Option<&'static str>,
    /// An async lock (tokio, async-lock, futures): waiting suspends the task.
    pub is_async: bool,
    /// Held around every order edge of a group of locks that would otherwise form a
    /// cycle: the gate that serializes them (no deadlock through it).
    pub is_gate: bool,
}

/// `from` held while `to` is taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEdge {
    /// Index into [`LockGraph::classes`].
    pub from: usize,
    pub to: usize,
    /// On a cycle that `lock_order_cycle` reports.
    pub on_cycle: bool,
    /// Where it happens, first site first.
    pub witnesses: Vec<EdgeSite>,
}

/// One place an edge happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeSite {
    /// The function holding `from` (`store::Store::insert`).
    pub function: String,
    /// Where `to` is taken (inside a callee when `through` is not empty).
    pub site: Span,
    /// The call in `function` that leads to `site`, when it is taken in a callee.
    pub call: Option<Span>,
    /// Where `from` was taken.
    pub held_site: Span,
    /// The calls from `function` down to `site`.
    pub through: Vec<String>,
}

/// Analyzes `files` with `config` and returns the lock-order graph (call through
/// [`crate::lock_graph`], which gives the analysis its large stacks).
pub fn build(files: &[FileFacts], config: &Config) -> LockGraph {
    let program = Program::build(files, config);
    graph_of(&program)
}

fn graph_of(program: &Program<'_>) -> LockGraph {
    let edges = &program.locks.edges;
    let mut keys: BTreeSet<&ClassKey> = BTreeSet::new();
    for (from, to) in edges.keys() {
        keys.insert(from);
        keys.insert(to);
    }
    let mut keys: Vec<&ClassKey> = keys.into_iter().collect();
    keys.sort_by_key(|key| (key.display(), *key));
    let index_of: BTreeMap<&ClassKey, usize> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| (*key, index))
        .collect();
    let gates = gate_classes(program);
    let on_cycles = cycle_edges(program);
    let types = lock_types(program);
    let classes = keys
        .iter()
        .map(|key| lock_class(key, types.get(*key).copied(), gates.contains(*key)))
        .collect();
    let mut graph_edges: Vec<LockEdge> = edges
        .iter()
        .map(|((from, to), witnesses)| LockEdge {
            from: index_of[from],
            to: index_of[to],
            on_cycle: on_cycles.contains(&(from.clone(), to.clone())),
            witnesses: edge_sites(program, witnesses),
        })
        .collect();
    graph_edges.sort_by_key(|edge| (edge.from, edge.to));
    LockGraph {
        classes,
        edges: graph_edges,
    }
}

fn lock_class(key: &ClassKey, lock_type: Option<LockType>, is_gate: bool) -> LockClass {
    let (owner, field, kind) = match key {
        ClassKey::Field { owner, field } => (
            Some(crate::paths::last_segment(owner).to_string()),
            Some(field.clone()),
            "field",
        ),
        ClassKey::Static { .. } => (None, None, "static"),
        ClassKey::Local { .. } => (None, None, "local"),
        ClassKey::Param { .. } => (None, None, "parameter"),
        ClassKey::Textual { .. } => (None, None, "receiver text"),
    };
    LockClass {
        name: key.display(),
        owner,
        field,
        kind,
        lock_type: lock_type.map(|lock_type| lock_type.name),
        is_async: lock_type.is_some_and(|lock_type| lock_type.flavor == LockFlavor::Async),
        is_gate,
    }
}

/// The lock type of each class, from its acquisitions (the first in function order).
fn lock_types<'p>(program: &'p Program<'_>) -> BTreeMap<&'p ClassKey, LockType> {
    let mut types = BTreeMap::new();
    // In function order (`FunctionMap` iterates in it).
    for locks in program.locks.functions.values() {
        for acquisition in &locks.acquisitions {
            types
                .entry(&acquisition.target.class)
                .or_insert(acquisition.target.lock_type);
        }
    }
    types
}

fn edge_sites(program: &Program<'_>, witnesses: &[EdgeWitness]) -> Vec<EdgeSite> {
    let mut sites: Vec<EdgeSite> = witnesses
        .iter()
        .map(|witness| EdgeSite {
            function: function_name(program, witness.function),
            site: witness.then_site,
            call: witness.chain.first().map(|(_, call)| *call),
            held_site: witness.held.site,
            through: witness
                .chain
                .iter()
                .map(|(function, _)| function_name(program, *function))
                .collect(),
        })
        .collect();
    sites.sort_by_key(|site| (site.site, site.held_site));
    sites.dedup();
    sites
}

fn function_name(program: &Program<'_>, function: FunctionRef) -> String {
    program.files[function.file()].functions[function.index()].display_path()
}

/// The edges of every cycle `lock_order_cycle` reports.
fn cycle_edges(program: &Program<'_>) -> BTreeSet<(ClassKey, ClassKey)> {
    let mut found = BTreeSet::new();
    for cluster in &program.locks.clusters {
        for cycle in &cluster.cycles {
            for (index, class) in cycle.classes.iter().enumerate() {
                let next = &cycle.classes[(index + 1) % cycle.classes.len()];
                found.insert((class.clone(), next.clone()));
            }
        }
    }
    found
}

/// Classes held at every witness of every edge inside a strongly connected group of two or
/// more other classes: the group's orders would form a cycle, but the gate serializes it.
fn gate_classes(program: &Program<'_>) -> BTreeSet<ClassKey> {
    let edges = &program.locks.edges;
    let mut graph: DiGraph<&ClassKey, ()> = DiGraph::new();
    let mut nodes: BTreeMap<&ClassKey, NodeIndex> = BTreeMap::new();
    for (from, to) in edges.keys() {
        let from_node = *nodes.entry(from).or_insert_with(|| graph.add_node(from));
        let to_node = *nodes.entry(to).or_insert_with(|| graph.add_node(to));
        graph.add_edge(from_node, to_node, ());
    }
    let mut gates = BTreeSet::new();
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&ClassKey> = component.iter().map(|node| graph[*node]).collect();
        let mut common: Option<BTreeSet<&ClassKey>> = None;
        for ((from, to), witnesses) in edges {
            if !members.contains(from) || !members.contains(to) {
                continue;
            }
            for witness in witnesses {
                let held: BTreeSet<&ClassKey> = witness.also_held().collect();
                common = Some(match common {
                    None => held,
                    Some(common) => common.intersection(&held).copied().collect(),
                });
            }
        }
        gates.extend(common.unwrap_or_default().into_iter().cloned());
    }
    gates
}
