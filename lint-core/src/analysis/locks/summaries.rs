//! Per-function summaries: the lock classes a function may acquire when called, directly
//! or through its callees, each with the call chain as witness. Computed over the call
//! graph's strongly connected components, callees first; inside a component (recursion) a
//! worklist recomputes a function only when a callee's summary changed, so it converges in
//! time near-linear in the component's calls.
//!
//! Bounds keep pathological input fast, and say when they apply: a summary keeps at most
//! [`MAX_SUMMARY_CLASSES`] classes (the shortest chains win), chains are at most
//! [`MAX_CHAIN`] calls long, and a component gets at most [`ROUNDS_PER_MEMBER`]
//! recomputations per member.

use crate::analysis::function_map::FunctionMap;
use crate::hash::HashMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::guards::{FunctionLocks, HeldCall};
use super::identity::ClassKey;
use super::param_names;
use crate::analysis::FunctionRef;
use crate::analysis::bottom_up::{
    Callers, callers_of, components_by_level, reaching, summarize_by_level,
};
use crate::knowledge::locks::{LockType, Mode};
use crate::model::FileFacts;
use crate::span::Span;

/// Longest call chain followed into a summary.
const MAX_CHAIN: usize = 8;
/// Most lock classes one summary keeps.
pub const MAX_SUMMARY_CLASSES: usize = 64;
/// Recomputations allowed per member of a recursive component before it stops.
const ROUNDS_PER_MEMBER: usize = 16;

/// How a function reaches an acquisition of a class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    pub mode: Mode,
    pub is_try: bool,
    /// `read_recursive`: never waits behind a queued writer.
    pub recursive_read: bool,
    pub lock_type: LockType,
    /// The acquisition at the end of the chain.
    pub site: Span,
    /// Calls from the summarized function down to the acquisition: (callee, call site).
    pub calls: Vec<(FunctionRef, Span)>,
    /// The lock's place relative to the summarized function's `self` (`.state`).
    pub self_suffix: Option<String>,
    /// Or relative to one of its parameters: (position, `.data`) for `store.data`.
    pub param_place: Option<(usize, String)>,
    /// Some call of the chain was matched by name only.
    pub guessed: bool,
}

pub type Summary = BTreeMap<ClassKey, Reach>;

/// Every function's summary, and the functions whose summary a bound cut short.
#[derive(Default)]
pub struct Summaries {
    pub by_function: HashMap<FunctionRef, Summary>,
    /// Functions whose summary was truncated or left unconverged by a bound.
    pub bounded: BTreeSet<FunctionRef>,
}

pub fn summarize(functions: &FunctionMap<FunctionLocks>, files: &[FileFacts]) -> Summaries {
    // In function order (`FunctionMap` iterates in it).
    let mut order: Vec<FunctionRef> = functions.keys().copied().collect();
    let callees_of = |function: FunctionRef| -> Vec<FunctionRef> {
        functions[&function].callees_run_by_a_call()
    };
    // Only functions with a call chain to an acquisition can have a non-empty summary (a
    // function without one has no entry, which every reader takes as empty).
    let acquiring = order
        .iter()
        .copied()
        .filter(|function| !functions[function].acquisitions.is_empty());
    // A component's worklist follows only callers inside the component.
    let callers = callers_of(&order, &callees_of);
    let reaching = reaching(&callers, acquiring);
    order.retain(|function| reaching.contains(function));
    let levels = components_by_level(&order, &callees_of);
    let found = summarize_by_level(&levels, &|members, lower| {
        summarize_component(functions, files, members, &callers, lower)
    });
    let mut summaries = Summaries::default();
    for (function, (summary, bounded)) in found {
        if bounded {
            summaries.bounded.insert(function);
        }
        summaries.by_function.insert(function, summary);
    }
    summaries
}

/// A worklist over one strongly connected component: a member is recomputed when one of its
/// callees inside the component changed. `lower`: the summaries of the components it
/// calls. Returns each member's summary and whether a bound cut it short.
fn summarize_component(
    functions: &FunctionMap<FunctionLocks>,
    files: &[FileFacts],
    members: &[FunctionRef],
    callers: &Callers,
    lower: &HashMap<FunctionRef, (Summary, bool)>,
) -> Vec<(FunctionRef, (Summary, bool))> {
    let in_component: BTreeSet<FunctionRef> = members.iter().copied().collect();
    let mut queue: VecDeque<FunctionRef> = members.iter().copied().collect();
    let mut queued: BTreeSet<FunctionRef> = in_component.clone();
    let mut budget = members.len() * ROUNDS_PER_MEMBER;
    let mut own: HashMap<FunctionRef, Summary> = HashMap::default();
    let mut bounded: BTreeSet<FunctionRef> = BTreeSet::new();
    while let Some(function) = queue.pop_front() {
        queued.remove(&function);
        if budget == 0 {
            bounded.extend(members.iter().copied());
            break;
        }
        budget -= 1;
        let (summary, truncated) = {
            let summary_of = |callee: FunctionRef| {
                own.get(&callee)
                    .or_else(|| lower.get(&callee).map(|(summary, _)| summary))
            };
            let params = param_names(&files[function.file()].functions[function.index()]);
            summarize_one(&functions[&function], &params, &summary_of)
        };
        if truncated {
            bounded.insert(function);
        }
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
    own.into_iter()
        .map(|(function, summary)| (function, (summary, bounded.contains(&function))))
        .collect()
}

/// A function's summary from its own acquisitions and its callees' summaries; `true` when
/// it had to drop classes to stay within [`MAX_SUMMARY_CLASSES`].
fn summarize_one<'s>(
    locks: &FunctionLocks,
    params: &[Option<String>],
    summary_of: &dyn Fn(FunctionRef) -> Option<&'s Summary>,
) -> (Summary, bool) {
    let mut summary = Summary::new();
    for acquisition in locks
        .acquisitions
        .iter()
        .filter(|a| !a.isolated && !a.condvar_reacquire)
    {
        // A guard returned by a callee is in that callee's summary already, except a keyed
        // wrapper's (its lock is looked up per key: the class only exists here).
        let keyed = matches!(&acquisition.target.class, ClassKey::Field { field, .. } if field.ends_with("()"));
        if !acquisition.target.class.is_global() || (acquisition.via.is_some() && !keyed) {
            continue;
        }
        let (self_suffix, param_place) =
            relative_place(acquisition.target.instance.as_deref(), params);
        summary
            .entry(acquisition.target.class.clone())
            .or_insert(Reach {
                mode: acquisition.mode,
                is_try: acquisition.is_try,
                recursive_read: acquisition.recursive_read,
                lock_type: acquisition.target.lock_type,
                site: acquisition.span,
                calls: Vec::new(),
                self_suffix,
                param_place,
                guessed: false,
            });
    }
    for call in locks.calls.iter().filter(|call| !call.isolated) {
        for callee in call.callees.iter() {
            let Some(callee_summary) = summary_of(*callee) else {
                continue;
            };
            for (class, reach) in callee_summary {
                if reach.calls.len() >= MAX_CHAIN {
                    continue;
                }
                let replace = summary
                    .get(class)
                    .is_none_or(|existing| existing.calls.len() > reach.calls.len() + 1);
                if !replace {
                    continue;
                }
                let mut calls = vec![(*callee, call.span)];
                calls.extend(reach.calls.iter().cloned());
                let (self_suffix, param_place) =
                    relative_place(caller_place(call, reach).as_deref(), params);
                summary.insert(
                    class.clone(),
                    Reach {
                        calls,
                        self_suffix,
                        param_place,
                        guessed: reach.guessed || call.guessed,
                        ..reach.clone()
                    },
                );
            }
        }
    }
    let truncated = summary.len() > MAX_SUMMARY_CLASSES;
    if truncated {
        keep_shortest_chains(&mut summary);
    }
    (summary, truncated)
}

/// Keeps the [`MAX_SUMMARY_CLASSES`] classes reached by the shortest chains.
fn keep_shortest_chains(summary: &mut Summary) {
    let mut ranked: Vec<(usize, ClassKey)> = summary
        .iter()
        .map(|(class, reach)| (reach.calls.len(), class.clone()))
        .collect();
    ranked.sort();
    for (_, class) in ranked.into_iter().skip(MAX_SUMMARY_CLASSES) {
        summary.remove(&class);
    }
}

/// Where the caller finds the lock a callee reaches at `self<suffix>` or at
/// `<parameter><suffix>`: through the call's receiver or the argument's place.
pub fn caller_place(call: &HeldCall, reach: &Reach) -> Option<String> {
    let place = if let Some(suffix) = &reach.self_suffix {
        map_self(call.receiver.as_deref(), Some(suffix))?
    } else {
        let (index, suffix) = reach.param_place.as_ref()?;
        format!("{}{suffix}", argument_place(call, *index)?)
    };
    with_keys_from(call, &place)
}

/// The place the call passes to parameter `index`.
fn argument_place(call: &HeldCall, index: usize) -> Option<&str> {
    call.argument_places
        .iter()
        .find(|(position, _)| *position == index)
        .map(|(_, text)| text.as_str())
}

/// `locks[#0]` (a key that is the callee's first parameter) as the caller's
/// `locks[tenant]`; `None` when the call's argument has no known place.
fn with_keys_from(call: &HeldCall, place: &str) -> Option<String> {
    let mut out = String::with_capacity(place.len());
    let mut rest = place;
    while let Some(start) = rest.find("[#") {
        let end = start + rest[start..].find(']')?;
        let index: usize = rest[start + 2..end].parse().ok()?;
        out.push_str(&rest[..start]);
        out.push('[');
        out.push_str(argument_place(call, index)?);
        out.push(']');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A key that is one of the function's parameters (`[tenant]`) as a placeholder (`[#0]`),
/// so callers put their own argument there.
fn keys_as_params(place: String, params: &[Option<String>]) -> String {
    let mut place = place;
    for (index, param) in params.iter().enumerate() {
        if let Some(name) = param {
            place = place.replace(&format!("[{name}]"), &format!("[#{index}]"));
        }
    }
    place
}

/// An instance's place relative to the function's `self` or to one of its parameters.
fn relative_place(
    instance: Option<&str>,
    params: &[Option<String>],
) -> (Option<String>, Option<(usize, String)>) {
    let Some(instance) = instance else {
        return (None, None);
    };
    let keyed = keys_as_params(instance.to_string(), params);
    let instance = keyed.as_str();
    if let Some(suffix) = self_relative(instance) {
        return (Some(suffix), None);
    }
    let (base, rest) = match instance.find('.') {
        Some(dot) => instance.split_at(dot),
        None => (instance, ""),
    };
    let param = params
        .iter()
        .position(|param| param.as_deref() == Some(base));
    (None, param.map(|index| (index, rest.to_string())))
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
