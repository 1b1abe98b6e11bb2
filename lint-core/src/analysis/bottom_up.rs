//! Bottom-up passes over the call graph (the lock and "may block" summaries): each function's
//! result is computed from its callees' results, recursion (a strongly connected component)
//! by a worklist inside the component.
//!
//! Components are grouped by level: a component with no callees outside itself is level 0,
//! any other is one above its highest callee component. Components of one level read only
//! results of lower levels (and their own members'), so they run in parallel, and each
//! result is the one a callees-first sequential pass would compute.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;

use super::FunctionRef;
use crate::hash::{HashMap, HashSet, Rows};

/// The strongly connected components of the call graph over `functions` (edges from
/// `callees_of`; callees outside `functions` are left out), grouped by level, lowest
/// first; a component's members in the order the search met them (deterministic for a
/// given `functions` order).
pub fn components_by_level(
    functions: &[FunctionRef],
    callees_of: &CalleesOf<'_>,
) -> Vec<Vec<Vec<FunctionRef>>> {
    let mut graph: DiGraph<FunctionRef, ()> = DiGraph::new();
    let nodes: HashMap<FunctionRef, NodeIndex> = functions
        .iter()
        .map(|function| (*function, graph.add_node(*function)))
        .collect();
    let callee_lists = callee_lists(functions, callees_of);
    for (function, callees) in functions.iter().zip(callee_lists) {
        for callee in callees {
            if let Some(callee_node) = nodes.get(&callee) {
                graph.add_edge(nodes[function], *callee_node, ());
            }
        }
    }
    // tarjan_scc yields components callees-first (reverse topological order), so every
    // callee component's level is known when its callers' are computed.
    let components = tarjan_scc(&graph);
    let mut component_of: Vec<usize> = vec![0; graph.node_count()];
    for (index, component) in components.iter().enumerate() {
        for node in component {
            component_of[node.index()] = index;
        }
    }
    let mut level_of: Vec<usize> = vec![0; components.len()];
    let mut levels: Vec<Vec<Vec<FunctionRef>>> = Vec::new();
    for (index, component) in components.iter().enumerate() {
        let level = component
            .iter()
            .flat_map(|node| graph.neighbors(*node))
            .map(|callee| component_of[callee.index()])
            .filter(|callee_component| *callee_component != index)
            .map(|callee_component| level_of[callee_component] + 1)
            .max()
            .unwrap_or(0);
        level_of[index] = level;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(component.iter().map(|node| graph[*node]).collect());
    }
    levels
}

/// Who calls each function of a bottom-up pass's call graph, once per call edge, in the
/// order of the pass's functions (compressed rows: a map of vectors for every function of
/// a run was the largest short-lived allocation of the lock and blocking passes).
pub type Callers = Rows<FunctionRef, FunctionRef>;

/// Who calls each function, over the call graph of `functions` (edges from `callees_of`),
/// in `functions`' order, once per call edge.
///
/// Each function's callees are asked for twice, one function at a time, and never all
/// kept: over every function of a run, the lists of all callees at once (a vector per
/// function) were about 50 MB at the peak of the lock and blocking passes, and asking
/// again costs a few milliseconds.
pub fn callers_of(functions: &[FunctionRef], callees_of: &CalleesOf<'_>) -> Callers {
    Rows::group(&|emit| {
        for function in functions {
            for callee in callees_of(*function) {
                emit(callee, *function);
            }
        }
    })
}

/// The callees of a function in a bottom-up pass's call graph.
pub type CalleesOf<'f> = dyn Fn(FunctionRef) -> Vec<FunctionRef> + Sync + 'f;

/// Each function's callees, made in parallel (a call through a trait method lists every
/// impl).
fn callee_lists(functions: &[FunctionRef], callees_of: &CalleesOf<'_>) -> Vec<Vec<FunctionRef>> {
    functions
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .map(|function| callees_of(*function))
        .collect()
}

/// The functions from which a call chain (through `callers`, from [`callers_of`]) reaches
/// one of `seeds`, the seeds included: the only ones a bottom-up summary of what the seeds
/// do can be non-empty for.
pub fn reaching(
    callers: &Callers,
    seeds: impl IntoIterator<Item = FunctionRef>,
) -> HashSet<FunctionRef> {
    let mut reached: HashSet<FunctionRef> = HashSet::default();
    let mut stack: Vec<FunctionRef> = seeds.into_iter().collect();
    while let Some(function) = stack.pop() {
        if !reached.insert(function) {
            continue;
        }
        stack.extend(callers.get(&function).iter().copied());
    }
    reached
}

/// Summarizes one component from the results of the levels below: its members' results.
pub type SummarizeComponent<'f, T> =
    dyn Fn(&[FunctionRef], &HashMap<FunctionRef, T>) -> Vec<(FunctionRef, T)> + Sync + 'f;

/// Runs `summarize_component` on every component, level by level, the components of one
/// level in parallel; each gets the results of all lower levels and returns its members'.
pub fn summarize_by_level<T: Send + Sync>(
    levels: &[Vec<Vec<FunctionRef>>],
    summarize_component: &SummarizeComponent<'_, T>,
) -> HashMap<FunctionRef, T> {
    let mut results: HashMap<FunctionRef, T> = HashMap::default();
    for level in levels {
        let found: Vec<Vec<(FunctionRef, T)>> = level
            .par_iter()
            .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
            .map(|members| summarize_component(members, &results))
            .collect();
        results.extend(found.into_iter().flatten());
    }
    results
}
