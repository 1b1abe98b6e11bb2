//! Cycles of the lock-order graph, grouped into clusters. Per strongly connected component,
//! a bounded search enumerates elementary cycles that can deadlock (not every witness under
//! one common gate lock, not reads only); when the bounds stop it before any such cycle is
//! found, the shortest cycle through each class is tried, so a component with a real cycle
//! always yields one. Cycles that share a function form one cluster: one finding per bug.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::graph::{EdgeWitness, Edges};
use super::identity::ClassKey;
use crate::analysis::FunctionRef;
use crate::knowledge::locks::Mode;

/// Longest cycle the enumeration follows (in classes).
const MAX_CYCLE_LENGTH: usize = 6;
/// Most deadlock-capable cycles kept per component.
const MAX_CYCLES_PER_COMPONENT: usize = 32;
/// Path extensions the enumeration may make per component.
const SEARCH_STEPS_PER_COMPONENT: usize = 200_000;
/// Classes the shortest-cycle fallback starts from, per component.
const MAX_FALLBACK_STARTS: usize = 64;

/// A cycle of the lock-order graph, one witness per edge, in order.
#[derive(Clone, Debug)]
pub struct Cycle {
    pub classes: Vec<ClassKey>,
    pub edges: Vec<EdgeWitness>,
    /// Classes whose next holder only reads them while the cycle reads them too: the
    /// deadlock then also needs a writer queued on them (readers wait behind it).
    pub needs_queued_writer: Vec<ClassKey>,
}

impl Cycle {
    /// The functions of the cycle's witnesses.
    pub fn functions(&self) -> impl Iterator<Item = FunctionRef> + '_ {
        self.edges.iter().map(|edge| edge.function)
    }
}

/// The deadlock-capable cycles among one set of lock classes and functions: one finding.
#[derive(Clone, Debug)]
pub struct CycleCluster {
    /// Every class on one of the cycles, sorted.
    pub classes: Vec<ClassKey>,
    /// The cycles, smallest first; the first is the witness the finding shows.
    pub cycles: Vec<Cycle>,
    /// A bound of the search applied (cycle length, count or steps): there may be more.
    pub search_bounded: bool,
}

impl CycleCluster {
    pub fn witness(&self) -> &Cycle {
        &self.cycles[0]
    }
}

/// Whether two witnesses can happen in one build and on the same locks (see
/// [`crate::model::Function::can_coexist_with`]; witnesses in two versions of one package
/// name different locks with the same paths: `ItemIndex::in_rival_packages`).
pub type Coexist<'c> = &'c dyn Fn(&EdgeWitness, &EdgeWitness) -> bool;

/// Witness combinations tried per cycle before it is taken as impossible.
const MAX_WITNESS_COMBINATIONS: usize = 4_096;

/// The clusters of the graph, ordered by the witness's first site.
pub fn find_clusters(edges: &Edges, coexist: Coexist<'_>) -> Vec<CycleCluster> {
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
    let mut successors: BTreeMap<&ClassKey, Vec<&ClassKey>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        successors.entry(from).or_default().push(to);
    }
    let mut clusters = Vec::new();
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        let mut members: Vec<&ClassKey> = component.iter().map(|node| &graph[*node]).collect();
        members.sort();
        let mut search = Search {
            edges,
            coexist,
            successors: &successors,
            found: Vec::new(),
            steps: 0,
            bounded: false,
        };
        search.enumerate(&members);
        if search.found.is_empty() && search.bounded {
            search.shortest_cycles(&members);
        }
        let bounded = search.bounded;
        clusters.extend(group_by_functions(search.found, bounded));
    }
    clusters.sort_by_key(|cluster| cluster.witness().edges[0].then_site);
    clusters
}

struct Search<'e> {
    edges: &'e Edges,
    coexist: Coexist<'e>,
    successors: &'e BTreeMap<&'e ClassKey, Vec<&'e ClassKey>>,
    found: Vec<Cycle>,
    steps: usize,
    bounded: bool,
}

impl<'e> Search<'e> {
    /// Elementary cycles of at most [`MAX_CYCLE_LENGTH`] classes, shortest first (two
    /// classes, then three, ...), each once (starting at its smallest class), within the
    /// step budget.
    fn enumerate(&mut self, members: &[&'e ClassKey]) {
        for length in 2..=MAX_CYCLE_LENGTH.min(members.len()) {
            for (start_index, start) in members.iter().enumerate() {
                let allowed: BTreeSet<&ClassKey> = members[start_index..].iter().copied().collect();
                let mut path = vec![*start];
                self.extend(&allowed, &mut path, length);
                if self.done() {
                    return;
                }
            }
        }
    }

    fn done(&self) -> bool {
        self.found.len() >= MAX_CYCLES_PER_COMPONENT || self.steps >= SEARCH_STEPS_PER_COMPONENT
    }

    /// Extends `path` towards cycles of exactly `length` classes.
    fn extend(
        &mut self,
        allowed: &BTreeSet<&ClassKey>,
        path: &mut Vec<&'e ClassKey>,
        length: usize,
    ) {
        let last = *path.last().expect("a non-empty path");
        let Some(nexts) = self.successors.get(last) else {
            return;
        };
        for next in nexts {
            if self.done() {
                self.bounded = true;
                return;
            }
            self.steps += 1;
            if !allowed.contains(next) {
                continue;
            }
            if *next == path[0] {
                if path.len() == length {
                    self.try_cycle(path);
                }
            } else if path.contains(next) {
                continue;
            } else if path.len() >= length {
                if length == MAX_CYCLE_LENGTH {
                    self.bounded = true;
                }
            } else {
                path.push(next);
                self.extend(allowed, path, length);
                path.pop();
            }
        }
    }

    /// When the enumeration's bounds left a component without a cycle: the shortest cycle
    /// through each of its first classes, of any length.
    fn shortest_cycles(&mut self, members: &[&'e ClassKey]) {
        let in_component: BTreeSet<&ClassKey> = members.iter().copied().collect();
        for start in members.iter().take(MAX_FALLBACK_STARTS) {
            if let Some(path) = self.shortest_path_back(start, &in_component) {
                self.try_cycle(&path);
                if !self.found.is_empty() {
                    return;
                }
            }
        }
    }

    /// Breadth-first: the shortest path `start → .. → start` inside the component.
    fn shortest_path_back(
        &self,
        start: &'e ClassKey,
        in_component: &BTreeSet<&ClassKey>,
    ) -> Option<Vec<&'e ClassKey>> {
        let mut parent: BTreeMap<&ClassKey, &ClassKey> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(current) = queue.pop_front() {
            for next in self.successors.get(current).into_iter().flatten() {
                if !in_component.contains(*next) {
                    continue;
                }
                if *next == start {
                    let mut path = vec![current];
                    let mut cursor = current;
                    while cursor != start {
                        cursor = parent[cursor];
                        path.push(cursor);
                    }
                    path.reverse();
                    return Some(path);
                }
                if !parent.contains_key(*next) {
                    parent.insert(next, current);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    fn try_cycle(&mut self, path: &[&ClassKey]) {
        let classes: Vec<ClassKey> = path.iter().map(|class| (*class).clone()).collect();
        if let Some(cycle) = witness_cycle(self.edges, self.coexist, classes) {
            self.found.push(cycle);
        }
    }
}

/// Picks one witness per edge; `None` when the cycle cannot deadlock: every witness holds
/// a common gate lock, every acquisition involved is a shared read, or no choice of
/// witnesses can be compiled into one build (`cfg` variants that exclude each other).
fn witness_cycle(edges: &Edges, coexist: Coexist<'_>, classes: Vec<ClassKey>) -> Option<Cycle> {
    let witness_lists: Vec<Vec<&EdgeWitness>> = classes
        .iter()
        .enumerate()
        .map(|(index, class)| {
            let mut list: Vec<&EdgeWitness> = edges
                [&(class.clone(), classes[(index + 1) % classes.len()].clone())]
                .iter()
                .collect();
            list.sort_by_key(|witness| {
                (
                    witness.guessed,
                    witness.chain.len(),
                    witness.then_mode == Mode::Shared,
                    witness.then_site,
                )
            });
            list
        })
        .collect();
    let mut gates: Option<BTreeSet<&ClassKey>> = None;
    for witness in witness_lists.iter().flat_map(|list| list.iter()) {
        let held: BTreeSet<&ClassKey> = witness.also_held().collect();
        gates = Some(match gates {
            None => held,
            Some(common) => common.intersection(&held).copied().collect(),
        });
        if gates.as_ref().is_some_and(BTreeSet::is_empty) {
            break;
        }
    }
    if gates.is_some_and(|common| !common.is_empty()) {
        return None;
    }
    let mut chosen: Vec<&EdgeWitness> = Vec::with_capacity(witness_lists.len());
    let mut budget = MAX_WITNESS_COMBINATIONS;
    if !choose_coexisting(&witness_lists, coexist, &mut chosen, &mut budget) {
        return None;
    }
    let only_reads = chosen
        .iter()
        .all(|witness| witness.held.mode == Mode::Shared && witness.then_mode == Mode::Shared);
    if only_reads {
        return None;
    }
    // Edge `i` waits for `then` while the next edge's thread holds it: when both only
    // read, it waits only behind a queued writer, and not at all on a lock whose readers
    // never wait for writers.
    let mut needs_queued_writer = Vec::new();
    for (index, witness) in chosen.iter().enumerate() {
        let holder = chosen[(index + 1) % chosen.len()];
        if !holder.held.mode.blocks(witness.then_mode) {
            if !holder.held.target.lock_type.readers_wait_for_writers {
                return None;
            }
            needs_queued_writer.push(witness.then_class.clone());
        }
    }
    Some(Cycle {
        classes,
        edges: chosen.into_iter().cloned().collect(),
        needs_queued_writer,
    })
}

/// One witness per edge, the preferred first, such that every pair can be in one build;
/// backtracks within `budget` tries.
fn choose_coexisting<'w>(
    lists: &[Vec<&'w EdgeWitness>],
    coexist: Coexist<'_>,
    chosen: &mut Vec<&'w EdgeWitness>,
    budget: &mut usize,
) -> bool {
    let Some(list) = lists.get(chosen.len()) else {
        return true;
    };
    for witness in list {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if chosen.iter().all(|earlier| coexist(earlier, witness)) {
            chosen.push(witness);
            if choose_coexisting(lists, coexist, chosen, budget) {
                return true;
            }
            chosen.pop();
        }
    }
    false
}

/// Cycles that share a witness function belong to one cluster (one problem to a reader);
/// cycles in disjoint sets of functions stay separate findings.
fn group_by_functions(mut cycles: Vec<Cycle>, bounded: bool) -> Vec<CycleCluster> {
    cycles.sort_by_key(|cycle| (cycle.classes.len(), cycle.edges[0].then_site));
    let mut clusters: Vec<(BTreeSet<FunctionRef>, Vec<Cycle>)> = Vec::new();
    for cycle in cycles {
        let functions: BTreeSet<FunctionRef> = cycle.functions().collect();
        let joined: Vec<usize> = clusters
            .iter()
            .enumerate()
            .filter(|(_, (members, _))| !members.is_disjoint(&functions))
            .map(|(index, _)| index)
            .collect();
        let mut merged = (functions, vec![cycle]);
        for index in joined.into_iter().rev() {
            let (members, cycles) = clusters.remove(index);
            merged.0.extend(members);
            merged.1.extend(cycles);
        }
        clusters.push(merged);
    }
    clusters
        .into_iter()
        .map(|(_, mut cycles)| {
            cycles.sort_by_key(|cycle| (cycle.classes.len(), cycle.edges[0].then_site));
            let mut classes: Vec<ClassKey> = cycles
                .iter()
                .flat_map(|cycle| cycle.classes.iter().cloned())
                .collect();
            classes.sort();
            classes.dedup();
            CycleCluster {
                classes,
                cycles,
                search_bounded: bounded,
            }
        })
        .collect()
}
