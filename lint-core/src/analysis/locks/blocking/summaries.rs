//! Per-function "may block" summaries: the blocking call a function makes when called,
//! directly or through its callees, with the call chain as witness (the shortest one).
//! Computed over the call graph's strongly connected components, callees first, with a
//! worklist inside a component and the same bounds as the lock summaries: chains of at
//! most [`MAX_CHAIN`] calls, at most [`ROUNDS_PER_MEMBER`] recomputations per member.
//!
//! A trait method called on a parameter (`key.encrypt(..)` with `key: &dyn Backend`) reaches
//! every implementation; what one of them blocks on is reached only when the caller passes
//! that implementor. Such a reach carries the condition ([`Dispatched`]), and a call site
//! that passes an argument of another known type does not get it.

use crate::hash::HashMap;
use std::collections::{BTreeSet, VecDeque};

use super::classify::BlockingOp;
use crate::analysis::FunctionRef;
use crate::analysis::bottom_up::{
    Callers, callers_of, components_by_level, reaching, summarize_by_level,
};
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
    /// Reached only when a parameter is of one implementor (the first call dispatched on
    /// it).
    pub dispatched: Option<Dispatched>,
}

/// The condition of a reach through a trait method called on a parameter: the parameter
/// (by position, `self` not counted) is of type `implementor`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dispatched {
    pub param: usize,
    pub implementor: String,
}

/// What calling a function may wait for: a blocking call of the thread, and one reached
/// through `.await`s (which only suspends the task); and those reached only through
/// some implementor of a parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MayBlock {
    pub thread: Option<Reach>,
    pub awaited: Option<Reach>,
    /// The shortest conditional reach per (kind, condition).
    pub dispatched: Vec<Reach>,
}

impl MayBlock {
    pub fn is_empty(&self) -> bool {
        self.thread.is_none() && self.awaited.is_none() && self.dispatched.is_empty()
    }

    /// Every reach: the unconditional ones first.
    pub fn reaches(&self) -> impl Iterator<Item = &Reach> {
        [&self.thread, &self.awaited]
            .into_iter()
            .flatten()
            .chain(&self.dispatched)
    }

    /// Keeps `reach` when it is shorter than what is known (of its kind and condition).
    pub fn offer(&mut self, reach: Reach) {
        if reach.dispatched.is_some() {
            let same = self.dispatched.iter().position(|known| {
                known.op.awaited == reach.op.awaited && known.dispatched == reach.dispatched
            });
            match same {
                Some(index) if self.dispatched[index].calls.len() > reach.calls.len() => {
                    self.dispatched[index] = reach
                }
                Some(_) => {}
                None if self.dispatched.len() < MAX_DISPATCHED => self.dispatched.push(reach),
                None => {}
            }
            return;
        }
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

    /// Whether [`MayBlock::offer`] would keep a reach of this kind through `calls` calls,
    /// conditional on parameter `param` being of type `implementor`.
    fn takes_dispatched(
        &self,
        awaited: bool,
        param: usize,
        implementor: &str,
        calls: usize,
    ) -> bool {
        let same = self.dispatched.iter().find(|known| {
            known.op.awaited == awaited
                && known.dispatched.as_ref().is_some_and(|condition| {
                    condition.param == param && condition.implementor == implementor
                })
        });
        match same {
            Some(known) => known.calls.len() > calls,
            None => self.dispatched.len() < MAX_DISPATCHED,
        }
    }

    /// Whether [`MayBlock::offer`] would keep a reach of this kind through `calls` calls.
    fn takes(&self, awaited: bool, calls: usize) -> bool {
        let slot = if awaited { &self.awaited } else { &self.thread };
        slot.as_ref().is_none_or(|known| known.calls.len() > calls)
    }
}

/// Conditional reaches kept per function.
const MAX_DISPATCHED: usize = 8;

/// A call that propagates blocking from its callees to its caller: one per call (a trait
/// method call may reach hundreds of implementations).
#[derive(Clone, Debug)]
pub struct CallEdge {
    pub span: Span,
    pub callees: Vec<FunctionRef>,
    /// A trait method called on the caller's parameter at this position (each callee is
    /// then reached only when that parameter is of its `Self` type).
    pub dispatched_param: Option<usize>,
    /// The known types of the arguments, by parameter position (`self` not counted).
    pub argument_types: Vec<(usize, String)>,
}

impl CallEdge {
    /// Whether a reach of the callee can happen through this call: its condition names a
    /// parameter given an argument of another known type.
    pub fn admits(&self, reach: &Reach) -> bool {
        let Some(condition) = &reach.dispatched else {
            return true;
        };
        self.argument_types
            .iter()
            .find(|(param, _)| *param == condition.param)
            .is_none_or(|(_, ty)| *ty == condition.implementor)
    }
}

/// The calls that propagate blocking, by caller.
pub type Calls = HashMap<FunctionRef, Vec<CallEdge>>;

/// The `Self` type of a method (the implementor a dispatched call reaches).
pub type ImplementorOf<'a> = dyn Fn(FunctionRef) -> Option<&'a str> + Sync + 'a;

/// Every function's summary from its own blocking calls (`direct`) and its calls.
pub fn summarize(
    functions: &[FunctionRef],
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
    implementor_of: &ImplementorOf<'_>,
) -> HashMap<FunctionRef, MayBlock> {
    let callees_of = |function: FunctionRef| -> Vec<FunctionRef> {
        calls
            .get(&function)
            .into_iter()
            .flatten()
            .flat_map(|edge| edge.callees.iter().copied())
            .collect()
    };
    // Only functions with a call chain to a blocking call can have a summary. A component's
    // worklist follows only callers inside the component.
    let callers = callers_of(functions, &callees_of);
    let reaching = reaching(&callers, direct.keys().copied());
    let functions: Vec<FunctionRef> = functions
        .iter()
        .copied()
        .filter(|function| reaching.contains(function))
        .collect();
    let levels = components_by_level(&functions, &callees_of);
    let mut summaries = summarize_by_level(&levels, &|members, lower| {
        summarize_component(members, direct, calls, implementor_of, &callers, lower)
    });
    summaries.retain(|_, summary| !summary.is_empty());
    summaries
}

/// A worklist over one strongly connected component (`lower`: the summaries of the
/// components it calls); returns its members' summaries.
fn summarize_component(
    members: &[FunctionRef],
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
    implementor_of: &ImplementorOf<'_>,
    callers: &Callers,
    lower: &HashMap<FunctionRef, MayBlock>,
) -> Vec<(FunctionRef, MayBlock)> {
    let in_component: BTreeSet<FunctionRef> = members.iter().copied().collect();
    let mut queue: VecDeque<FunctionRef> = members.iter().copied().collect();
    let mut queued = in_component.clone();
    let mut budget = members.len() * ROUNDS_PER_MEMBER;
    let mut own: HashMap<FunctionRef, MayBlock> = HashMap::default();
    while let Some(function) = queue.pop_front() {
        queued.remove(&function);
        if budget == 0 {
            break;
        }
        budget -= 1;
        let summary = {
            let summary_of = |callee: FunctionRef| own.get(&callee).or_else(|| lower.get(&callee));
            summarize_one(function, direct, calls, implementor_of, &summary_of)
        };
        if own.get(&function) == Some(&summary) {
            continue;
        }
        own.insert(function, summary);
        for caller in callers.get(&function) {
            if in_component.contains(caller) && queued.insert(*caller) {
                queue.push_back(*caller);
            }
        }
    }
    own.into_iter().collect()
}

fn summarize_one<'s>(
    function: FunctionRef,
    direct: &HashMap<FunctionRef, MayBlock>,
    calls: &Calls,
    implementor_of: &ImplementorOf<'_>,
    summary_of: &dyn Fn(FunctionRef) -> Option<&'s MayBlock>,
) -> MayBlock {
    let mut summary = direct.get(&function).cloned().unwrap_or_default();
    for edge in calls.get(&function).into_iter().flatten() {
        for callee in &edge.callees {
            let Some(callee_summary) = summary_of(*callee) else {
                continue;
            };
            for reach in callee_summary.reaches() {
                if reach.calls.len() >= MAX_CHAIN || !edge.admits(reach) {
                    continue;
                }
                let condition = edge
                    .dispatched_param
                    .and_then(|param| Some((param, implementor_of(*callee)?)));
                let kept = match condition {
                    Some((param, implementor)) => summary.takes_dispatched(
                        reach.op.awaited,
                        param,
                        implementor,
                        reach.calls.len() + 1,
                    ),
                    None => summary.takes(reach.op.awaited, reach.calls.len() + 1),
                };
                if !kept {
                    continue;
                }
                let dispatched = condition.map(|(param, implementor)| Dispatched {
                    param,
                    implementor: implementor.to_string(),
                });
                let mut chain = vec![(*callee, edge.span)];
                chain.extend(reach.calls.iter().cloned());
                summary.offer(Reach {
                    op: reach.op.clone(),
                    site: reach.site,
                    calls: chain,
                    dispatched,
                });
            }
        }
    }
    summary
}
