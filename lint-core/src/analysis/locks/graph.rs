//! The lock-order graph: an edge `A → B` for every place where `B` is acquired (directly or
//! inside a call) while a guard of `A` is alive, with the witness sites; its elementary
//! cycles; and locks acquired again while their own guard is alive.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::guards::{FunctionLocks, Held};
use super::identity::ClassKey;
use super::summaries::{Summary, map_self};
use super::{DoubleLock, self_deadlocks};
use crate::analysis::FunctionRef;
use crate::knowledge::locks::Mode;
use crate::span::Span;

/// Longest cycle enumerated (in classes).
const MAX_CYCLE_LENGTH: usize = 6;
/// Most cycles reported from one strongly connected component.
const MAX_CYCLES_PER_COMPONENT: usize = 32;

/// Why the graph has an edge `held → then`.
#[derive(Clone, Debug)]
pub struct EdgeWitness {
    pub function: FunctionRef,
    /// The first lock, with where and why it is held.
    pub held: Held,
    pub then_class: ClassKey,
    pub then_site: Span,
    pub then_mode: Mode,
    /// Calls from `function` down to `then_site` (empty when taken directly).
    pub chain: Vec<(FunctionRef, Span)>,
    /// Other classes held at the same time (a common one across a cycle is a gate lock).
    pub also_held: BTreeSet<ClassKey>,
}

/// An elementary cycle of the lock-order graph, one witness per edge, in order.
#[derive(Clone, Debug)]
pub struct Cycle {
    pub classes: Vec<ClassKey>,
    pub edges: Vec<EdgeWitness>,
}

pub struct GraphFindings {
    pub cycles: Vec<Cycle>,
    pub double_locks: Vec<DoubleLock>,
}

pub fn build(
    functions: &HashMap<FunctionRef, FunctionLocks>,
    summaries: &HashMap<FunctionRef, Summary>,
) -> GraphFindings {
    let mut edges: BTreeMap<(ClassKey, ClassKey), Vec<EdgeWitness>> = BTreeMap::new();
    let mut double_locks = Vec::new();
    let mut order: Vec<&FunctionRef> = functions.keys().collect();
    order.sort();
    for function in order {
        let locks = &functions[function];
        for acquisition in &locks.acquisitions {
            // Taking a class already held is a double lock (or another instance of the
            // class), not an order between two classes.
            let class_already_held = acquisition
                .held
                .iter()
                .any(|held| held.target.class == acquisition.target.class);
            for held in &acquisition.held {
                if held.target.class == acquisition.target.class {
                    let same_instance = held.target.instance.is_some()
                        && held.target.instance == acquisition.target.instance;
                    if same_instance
                        && !acquisition.is_try
                        && !acquisition.condvar_reacquire
                        && !acquisition.recursive_read
                        && self_deadlocks(held, acquisition.mode)
                    {
                        double_locks.push(DoubleLock {
                            function: *function,
                            first: held.clone(),
                            second_site: acquisition.span,
                            second_mode: acquisition.mode,
                            chain: acquisition
                                .via
                                .iter()
                                .map(|via| (via.callee, via.call_span))
                                .collect(),
                        });
                    }
                    continue;
                }
                if acquisition.is_try || class_already_held {
                    continue;
                }
                add_edge(
                    &mut edges,
                    EdgeWitness {
                        function: *function,
                        held: held.clone(),
                        then_class: acquisition.target.class.clone(),
                        then_site: acquisition
                            .via
                            .as_ref()
                            .map_or(acquisition.span, |via| via.acquired_at),
                        then_mode: acquisition.mode,
                        chain: acquisition
                            .via
                            .iter()
                            .map(|via| (via.callee, via.call_span))
                            .collect(),
                        also_held: other_classes(&acquisition.held, held),
                    },
                );
            }
        }
        for call in &locks.calls {
            if call.held.is_empty() {
                continue;
            }
            for callee in &call.callees {
                let Some(summary) = summaries.get(callee) else {
                    continue;
                };
                for (class, reach) in summary {
                    let class_already_held =
                        call.held.iter().any(|held| held.target.class == *class);
                    let mut chain = vec![(*callee, call.span)];
                    chain.extend(reach.calls.iter().cloned());
                    for held in &call.held {
                        if held.target.class == *class {
                            let instance = match class {
                                ClassKey::Static { path } => Some(path.clone()),
                                _ => {
                                    map_self(call.receiver.as_deref(), reach.self_suffix.as_deref())
                                }
                            };
                            let same_instance =
                                instance.is_some() && instance == held.target.instance;
                            // A guard-returning callee is already an acquisition here.
                            let returned_here = held
                                .via
                                .as_ref()
                                .is_some_and(|via| via.call_span == call.span);
                            if same_instance
                                && !reach.is_try
                                && !returned_here
                                && self_deadlocks(held, reach.mode)
                            {
                                double_locks.push(DoubleLock {
                                    function: *function,
                                    first: held.clone(),
                                    second_site: reach.site,
                                    second_mode: reach.mode,
                                    chain: chain.clone(),
                                });
                            }
                            continue;
                        }
                        if reach.is_try || class_already_held {
                            continue;
                        }
                        add_edge(
                            &mut edges,
                            EdgeWitness {
                                function: *function,
                                held: held.clone(),
                                then_class: class.clone(),
                                then_site: reach.site,
                                then_mode: reach.mode,
                                chain: chain.clone(),
                                also_held: other_classes(&call.held, held),
                            },
                        );
                    }
                }
            }
        }
    }
    double_locks.sort_by_key(|double| (double.second_site, double.first.site));
    double_locks.dedup_by_key(|double| (double.second_site, double.first.site));
    GraphFindings {
        cycles: find_cycles(&edges),
        double_locks,
    }
}

fn add_edge(edges: &mut BTreeMap<(ClassKey, ClassKey), Vec<EdgeWitness>>, witness: EdgeWitness) {
    let key = (
        witness.held.target.class.clone(),
        witness.then_class.clone(),
    );
    let witnesses = edges.entry(key).or_default();
    let duplicate = witnesses.iter().any(|existing| {
        existing.held.site == witness.held.site && existing.then_site == witness.then_site
    });
    if !duplicate {
        witnesses.push(witness);
    }
}

fn other_classes(all_held: &[Held], held: &Held) -> BTreeSet<ClassKey> {
    all_held
        .iter()
        .filter(|other| other.target.class != held.target.class)
        .map(|other| other.target.class.clone())
        .collect()
}

fn find_cycles(edges: &BTreeMap<(ClassKey, ClassKey), Vec<EdgeWitness>>) -> Vec<Cycle> {
    let mut graph: DiGraph<ClassKey, ()> = DiGraph::new();
    let mut nodes: BTreeMap<ClassKey, NodeIndex> = BTreeMap::new();
    for (from, to) in edges.keys() {
        for class in [from, to] {
            if !nodes.contains_key(class) {
                nodes.insert(class.clone(), graph.add_node(class.clone()));
            }
        }
        graph.add_edge(nodes[from], nodes[to], ());
    }
    let mut successors = Successors::new();
    for (from, to) in edges.keys() {
        successors.entry(from.clone()).or_default().push(to.clone());
    }
    let mut cycles = Vec::new();
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        let mut members: Vec<ClassKey> =
            component.iter().map(|node| graph[*node].clone()).collect();
        members.sort();
        let mut found = Vec::new();
        for (start_index, start) in members.iter().enumerate() {
            // Cycles through `start` that visit only later members: each cycle once.
            let allowed: BTreeSet<&ClassKey> = members[start_index..].iter().collect();
            let mut path = vec![start.clone()];
            extend_cycles(&successors, &allowed, &mut path, &mut found);
            if found.len() >= MAX_CYCLES_PER_COMPONENT {
                break;
            }
        }
        for classes in found.into_iter().take(MAX_CYCLES_PER_COMPONENT) {
            if let Some(cycle) = witness_cycle(edges, classes) {
                cycles.push(cycle);
            }
        }
    }
    cycles.sort_by_key(|cycle| cycle.edges[0].then_site);
    cycles
}

/// Successors of each class in the lock-order graph, sorted.
type Successors = BTreeMap<ClassKey, Vec<ClassKey>>;

/// Depth-first extension of `path` along edges to `allowed` classes, recording every return
/// to `path[0]`; bounded by [`MAX_CYCLE_LENGTH`] and [`MAX_CYCLES_PER_COMPONENT`].
fn extend_cycles(
    successors: &Successors,
    allowed: &BTreeSet<&ClassKey>,
    path: &mut Vec<ClassKey>,
    found: &mut Vec<Vec<ClassKey>>,
) {
    if found.len() >= MAX_CYCLES_PER_COMPONENT {
        return;
    }
    let last = path.last().expect("a non-empty path");
    let Some(nexts) = successors.get(last) else {
        return;
    };
    for next in nexts.clone() {
        if !allowed.contains(&next) {
            continue;
        }
        if next == path[0] {
            if path.len() >= 2 {
                found.push(path.clone());
            }
        } else if !path.contains(&next) && path.len() < MAX_CYCLE_LENGTH {
            path.push(next);
            extend_cycles(successors, allowed, path, found);
            path.pop();
        }
    }
}

/// Picks one witness per edge; `None` when the cycle cannot deadlock: every witness holds
/// a common gate lock, or every acquisition involved is a shared read.
fn witness_cycle(
    edges: &BTreeMap<(ClassKey, ClassKey), Vec<EdgeWitness>>,
    classes: Vec<ClassKey>,
) -> Option<Cycle> {
    let pairs: Vec<(ClassKey, ClassKey)> = classes
        .iter()
        .enumerate()
        .map(|(index, class)| (class.clone(), classes[(index + 1) % classes.len()].clone()))
        .collect();
    let witness_lists: Vec<&Vec<EdgeWitness>> = pairs.iter().map(|pair| &edges[pair]).collect();
    let mut gates: Option<BTreeSet<ClassKey>> = None;
    for witness in witness_lists.iter().flat_map(|list| list.iter()) {
        gates = Some(match gates {
            None => witness.also_held.clone(),
            Some(common) => common.intersection(&witness.also_held).cloned().collect(),
        });
    }
    if gates.is_some_and(|common| !common.is_empty()) {
        return None;
    }
    let chosen: Vec<EdgeWitness> = witness_lists
        .iter()
        .map(|list| {
            list.iter()
                .min_by_key(|witness| {
                    (
                        witness.chain.len(),
                        witness.then_mode == Mode::Shared,
                        witness.then_site,
                    )
                })
                .expect("every edge has a witness")
                .clone()
        })
        .collect();
    let only_reads = chosen
        .iter()
        .all(|witness| witness.held.mode == Mode::Shared && witness.then_mode == Mode::Shared);
    if only_reads {
        return None;
    }
    Some(Cycle {
        classes,
        edges: chosen,
    })
}
