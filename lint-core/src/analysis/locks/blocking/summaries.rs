//! Per-function "may block" summaries: the blocking call a function makes when called,
//! directly or through its callees, with the call chain as witness (the shortest one).
//! Computed over the call graph's strongly connected components, callees first, with a
//! worklist inside a component and the same bounds as the lock summaries: chains of at
//! most [`MAX_CHAIN`] calls, at most [`ROUNDS_PER_MEMBER`] recomputations per member.

use std::collections::{BTreeSet, HashMap, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::classify::BlockingOp;
use crate::analysis::FunctionRef;
use crate::span::Span;

/// Longest call chain followed into a summary.
const MAX_CHAIN: usize = 8;
/// Recomputations allowed per member of a recursive component before it stops.
const ROUNDS_PER_MEMBER: usize = 16;

/// How a function reaches a blocking call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    pub op: BlockingOp,
    /// The blocking call at the end of the chain.
    pub site: Span,
    /// Calls from the summarized function down to it: (callee, call site).
    pub calls: Vec<(FunctionRef, Span)>,
}

/// What calling a function may wait for: a blocking call of the thread, and one reached
/// through `.await`s (which only suspends the task).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MayBlock {
    pub thread: Option<Reach>,
    pub awaited: Option<Reach>,
}

impl MayBlock {
    pub fn is_empty(&self) -> bool {
        self.thread.is_none() && self.awaited.is_none()
    }

    /// Keeps `reach` when it is shorter than what is known.
    pub fn offer(&mut self, reach: Reach) {
        if !self.takes(reach.op.awaited, reach.calls.len()) {
            return;
        }
        let slot = if reach.op.awaited {
            &mut self.awaited
        } else {
            &mut self.thread
        };
        *slot = Some(reach);
    }

    /// Whether [`MayBlock::offer`] would keep a reach of this kind through `calls` calls.
    fn takes(&self, awaited: bool, calls: usize) -> bool {
        let slot = if awaited { &self.awaited } else { &self.thread };
        slot.as_ref().is_none_or(|known| known.calls.len() > calls)
    }
}

/// The calls that propagate blocking: caller → (call site, the callees it may reach), one
/// entry per call (a trait method call may reach hundreds of implementations).
pub type Calls = HashMap<FunctionRef, Vec<(Span, Vec<FunctionRef>)>>;

/// The (callee, call site) pairs of `function`'s calls, in order.
fn calls_of<'c>(
    calls: &'c Calls,
    function: &FunctionRef,
) -> impl Iterator<Item = (FunctionRef, Span)> + 'c {
    calls
        .get(function)
        .into_iter()
        .flatten()
        .flat_map(|(span, callees)| callees.iter().map(move |callee| (*callee, *span)))
}

/// Every function's summary from its own blocking calls (`direct`) and its calls.
pub fn summarize(
    functions: &[FunctionRef],
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
) -> HashMap<FunctionRef, MayBlock> {
    let mut graph: DiGraph<FunctionRef, ()> = DiGraph::new();
    let nodes: HashMap<FunctionRef, NodeIndex> = functions
        .iter()
        .map(|function| (*function, graph.add_node(*function)))
        .collect();
    let mut callers: HashMap<FunctionRef, Vec<FunctionRef>> = HashMap::new();
    for function in functions {
        for (callee, _) in calls_of(calls, function) {
            if let Some(callee_node) = nodes.get(&callee) {
                graph.add_edge(nodes[function], *callee_node, ());
                callers.entry(callee).or_default().push(*function);
            }
        }
    }
    let mut summaries: HashMap<FunctionRef, MayBlock> = HashMap::new();
    for component in tarjan_scc(&graph) {
        let members: Vec<FunctionRef> = component.iter().map(|node| graph[*node]).collect();
        summarize_component(&members, direct, calls, &callers, &mut summaries);
    }
    summaries.retain(|_, summary| !summary.is_empty());
    summaries
}

fn summarize_component(
    members: &[FunctionRef],
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
    callers: &HashMap<FunctionRef, Vec<FunctionRef>>,
    summaries: &mut HashMap<FunctionRef, MayBlock>,
) {
    let in_component: BTreeSet<FunctionRef> = members.iter().copied().collect();
    let mut queue: VecDeque<FunctionRef> = members.iter().copied().collect();
    let mut queued = in_component.clone();
    let mut budget = members.len() * ROUNDS_PER_MEMBER;
    while let Some(function) = queue.pop_front() {
        queued.remove(&function);
        if budget == 0 {
            break;
        }
        budget -= 1;
        let summary = summarize_one(function, direct, calls, summaries);
        if summaries.get(&function) == Some(&summary) {
            continue;
        }
        summaries.insert(function, summary);
        for caller in callers.get(&function).into_iter().flatten() {
            if in_component.contains(caller) && queued.insert(*caller) {
                queue.push_back(*caller);
            }
        }
    }
}

fn summarize_one(
    function: FunctionRef,
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
    summaries: &HashMap<FunctionRef, MayBlock>,
) -> MayBlock {
    let mut summary = direct.get(&function).cloned().unwrap_or_default();
    for (callee, call_span) in calls_of(calls, &function) {
        let Some(callee_summary) = summaries.get(&callee) else {
            continue;
        };
        for reach in [&callee_summary.thread, &callee_summary.awaited]
            .into_iter()
            .flatten()
        {
            if reach.calls.len() >= MAX_CHAIN
                || !summary.takes(reach.op.awaited, reach.calls.len() + 1)
            {
                continue;
            }
            let mut chain = vec![(callee, call_span)];
            chain.extend(reach.calls.iter().cloned());
            summary.offer(Reach {
                op: reach.op.clone(),
                site: reach.site,
                calls: chain,
            });
        }
    }
    summary
}
