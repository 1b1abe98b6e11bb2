//! Per-function summaries: the lock classes a function may acquire when called, directly
//! or through its callees, each with the call chain as witness. Computed over the call
//! graph's strongly connected components, callees first, to a fixpoint inside each
//! component, so recursion terminates.

use std::collections::{BTreeMap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::guards::FunctionLocks;
use super::identity::ClassKey;
use crate::analysis::FunctionRef;
use crate::knowledge::locks::{LockType, Mode};
use crate::span::Span;

/// Longest call chain followed into a summary.
const MAX_CHAIN: usize = 8;

/// How a function reaches an acquisition of a class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    pub mode: Mode,
    pub is_try: bool,
    pub lock_type: LockType,
    /// The acquisition at the end of the chain.
    pub site: Span,
    /// Calls from the summarized function down to the acquisition: (callee, call site).
    pub calls: Vec<(FunctionRef, Span)>,
    /// The lock's place relative to the summarized function's `self` (`.state`).
    pub self_suffix: Option<String>,
}

pub type Summary = BTreeMap<ClassKey, Reach>;

pub fn summarize(functions: &HashMap<FunctionRef, FunctionLocks>) -> HashMap<FunctionRef, Summary> {
    let mut order: Vec<FunctionRef> = functions.keys().copied().collect();
    order.sort();
    let mut graph: DiGraph<FunctionRef, ()> = DiGraph::new();
    let nodes: HashMap<FunctionRef, NodeIndex> = order
        .iter()
        .map(|function| (*function, graph.add_node(*function)))
        .collect();
    for function in &order {
        for call in functions[function]
            .calls
            .iter()
            .filter(|call| !call.isolated)
        {
            for callee in &call.callees {
                if let Some(callee_node) = nodes.get(callee) {
                    graph.add_edge(nodes[function], *callee_node, ());
                }
            }
        }
    }
    let mut summaries: HashMap<FunctionRef, Summary> = HashMap::new();
    // tarjan_scc yields components callees-first (reverse topological order).
    for component in tarjan_scc(&graph) {
        let members: Vec<FunctionRef> = component.iter().map(|node| graph[*node]).collect();
        for _round in 0..(members.len() + 1).min(16) {
            let mut changed = false;
            for function in &members {
                let summary = summarize_one(&functions[function], &summaries);
                if summaries.get(function) != Some(&summary) {
                    summaries.insert(*function, summary);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
    summaries
}

fn summarize_one(locks: &FunctionLocks, summaries: &HashMap<FunctionRef, Summary>) -> Summary {
    let mut summary = Summary::new();
    for acquisition in locks
        .acquisitions
        .iter()
        .filter(|a| !a.isolated && !a.condvar_reacquire)
    {
        if !acquisition.target.class.is_global() || acquisition.via.is_some() {
            continue;
        }
        let self_suffix = acquisition
            .target
            .instance
            .as_deref()
            .and_then(self_relative);
        summary
            .entry(acquisition.target.class.clone())
            .or_insert(Reach {
                mode: acquisition.mode,
                is_try: acquisition.is_try,
                lock_type: acquisition.target.lock_type,
                site: acquisition.span,
                calls: Vec::new(),
                self_suffix,
            });
    }
    for call in locks.calls.iter().filter(|call| !call.isolated) {
        for callee in &call.callees {
            let Some(callee_summary) = summaries.get(callee) else {
                continue;
            };
            for (class, reach) in callee_summary {
                if reach.calls.len() >= MAX_CHAIN {
                    continue;
                }
                let mut calls = vec![(*callee, call.span)];
                calls.extend(reach.calls.iter().cloned());
                let self_suffix = map_self(call.receiver.as_deref(), reach.self_suffix.as_deref())
                    .as_deref()
                    .and_then(self_relative);
                let candidate = Reach {
                    calls,
                    self_suffix,
                    ..reach.clone()
                };
                let replace = summary
                    .get(class)
                    .is_none_or(|existing| existing.calls.len() > candidate.calls.len());
                if replace {
                    summary.insert(class.clone(), candidate);
                }
            }
        }
    }
    summary
}

/// `self.state` → `.state`; `self` → ``; anything else has no place relative to `self`.
pub fn self_relative(instance: &str) -> Option<String> {
    instance
        .strip_prefix("self")
        .filter(|rest| rest.is_empty() || rest.starts_with('.'))
        .map(str::to_string)
}

/// The caller-side place of a lock the callee reaches at `self<suffix>`, when the call's
/// receiver text is known: receiver `self.inner`, suffix `.state` → `self.inner.state`.
pub fn map_self(receiver: Option<&str>, suffix: Option<&str>) -> Option<String> {
    Some(format!("{}{}", receiver?, suffix?))
}
