//! The lock-order graph: an edge `A → B` for every place where `B` is acquired (directly or
//! inside a call) while a guard of `A` is alive, with the witness sites (its cycles are in
//! [`super::cycles`]); and locks acquired again while their own guard is alive.

use crate::analysis::function_map::FunctionMap;
use crate::hash::HashSet;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::allocation::Makers;
use super::guards::{FunctionLocks, Held};
use super::identity::ClassKey;
use super::instantiate::{InstantiatedAcquisition, instantiate_all};
use super::summaries::{Summaries, caller_place};
use super::{DoubleLock, self_deadlocks};
use crate::analysis::FunctionRef;
use crate::knowledge::locks::Mode;
use crate::span::Span;

/// Why the graph has an edge `held → then`.
#[derive(Clone, Debug)]
pub struct EdgeWitness {
    pub function: FunctionRef,
    /// The first lock, with where and why it is held.
    pub held: Held,
    pub then_class: ClassKey,
    pub then_site: Span,
    pub then_mode: Mode,
    /// Which lock of `then_class` (`self.state`), when known.
    pub then_instance: Option<String>,
    /// Calls from `function` down to `then_site` (empty when taken directly).
    pub chain: Vec<(FunctionRef, Span)>,
    /// A call of the chain was matched by name only: the edge rests on a guess.
    pub guessed: bool,
    /// Every class held at that moment, shared by the witnesses of one event (a class held
    /// across every edge of a cycle is a gate lock).
    held_classes: Arc<[ClassKey]>,
}

impl EdgeWitness {
    /// The other classes held at the same time as `held`.
    pub fn also_held(&self) -> impl Iterator<Item = &ClassKey> {
        self.held_classes
            .iter()
            .filter(move |class| **class != self.held.target.class)
    }
}

/// Every edge `(held class, then class)` with its witnesses.
pub type Edges = BTreeMap<(ClassKey, ClassKey), Vec<EdgeWitness>>;

pub struct GraphFindings {
    pub edges: Edges,
    pub double_locks: Vec<DoubleLock>,
}

/// Builds the graph; `cannot_deadlock` tells witnesses that no other thread can interleave
/// with (see [`super::borrows`]), which are left out.
pub fn build(
    functions: &FunctionMap<FunctionLocks>,
    summaries: &Summaries,
    makers: &Makers<'_>,
    cannot_deadlock: &dyn Fn(&EdgeWitness) -> bool,
) -> GraphFindings {
    let mut edges = Edges::new();
    let mut seen = SeenWitnesses::default();
    let mut double_locks = Vec::new();
    // In function order (`FunctionMap` iterates in it).
    let order: Vec<&FunctionRef> = functions.keys().collect();
    for function in order {
        let locks = &functions[function];
        for acquisition in &locks.acquisitions {
            let held_classes = classes_of(&acquisition.held);
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
                            writer: None,
                            closure_call: acquisition.in_local_closure.clone(),
                            second_shard: acquisition.shard.clone(),
                            guessed: false,
                            through_maker: None,
                        });
                    }
                    continue;
                }
                if acquisition.is_try || class_already_held {
                    continue;
                }
                add_edge(
                    &mut edges,
                    &mut seen,
                    cannot_deadlock,
                    EdgeWitness {
                        function: *function,
                        held: held.clone(),
                        then_class: acquisition.target.class.clone(),
                        then_site: acquisition
                            .via
                            .as_ref()
                            .map_or(acquisition.span, |via| via.acquired_at),
                        then_mode: acquisition.mode,
                        then_instance: acquisition.target.instance.clone(),
                        chain: acquisition
                            .via
                            .iter()
                            .map(|via| (via.callee, via.call_span))
                            .collect(),
                        guessed: false,
                        held_classes: held_classes.clone(),
                    },
                );
            }
        }
        for call in &locks.calls {
            if call.held.is_empty() {
                continue;
            }
            let held_classes = classes_of(&call.held);
            for callee in call.callees.iter() {
                let Some(summary) = summaries.by_function.get(callee) else {
                    continue;
                };
                for (class, reach) in summary {
                    let class_already_held =
                        call.held.iter().any(|held| held.target.class == *class);
                    let mut chain = vec![(*callee, call.span)];
                    chain.extend(reach.calls.iter().cloned());
                    // The lock's place in the caller when the callee reaches it through a
                    // back reference to its maker: `drop(lease)` in a `WorkerPool` method,
                    // where `Lease::drop` locks `self.pool.slots` (this `self.slots`).
                    // Looked up on first need (most calls hold no guard of a maker's lock).
                    let in_maker = std::cell::OnceCell::new();
                    for held in &call.held {
                        // A guard made in this call's receiver (`self.lock_list().notify()`,
                        // a value holding the guard) moves into a callee that takes `self`.
                        let moved_in = (makers.consumes_self)(*callee)
                            && call
                                .span
                                .contains(held.via.as_ref().map_or(held.site, |via| via.call_span));
                        let through_maker = held
                            .target
                            .instance
                            .as_ref()
                            .and_then(|_| {
                                in_maker
                                    .get_or_init(|| {
                                        makers.place_in_maker(*function, *callee, reach)
                                    })
                                    .as_ref()
                            })
                            .filter(|(place, _)| Some(place) == held.target.instance.as_ref())
                            .filter(|_| !moved_in)
                            .map(|(_, types)| types.clone());
                        if held.target.class == *class || through_maker.is_some() {
                            let instance = match class {
                                ClassKey::Static { path } => Some(path.clone()),
                                _ => caller_place(call, reach),
                            };
                            let same_instance = held.target.class == *class
                                && instance.is_some()
                                && instance == held.target.instance;
                            // A guard-returning callee is already an acquisition here.
                            let returned_here = held
                                .via
                                .as_ref()
                                .is_some_and(|via| via.call_span == call.span);
                            if (same_instance || through_maker.is_some())
                                && !reach.is_try
                                && !reach.recursive_read
                                && !returned_here
                                && self_deadlocks(held, reach.mode)
                            {
                                double_locks.push(DoubleLock {
                                    function: *function,
                                    first: held.clone(),
                                    second_site: reach.site,
                                    second_mode: reach.mode,
                                    chain: chain.clone(),
                                    writer: None,
                                    closure_call: None,
                                    second_shard: None,
                                    guessed: call.guessed || reach.guessed,
                                    through_maker,
                                });
                            }
                            continue;
                        }
                        if reach.is_try || class_already_held {
                            continue;
                        }
                        add_edge(
                            &mut edges,
                            &mut seen,
                            cannot_deadlock,
                            EdgeWitness {
                                function: *function,
                                held: held.clone(),
                                then_class: class.clone(),
                                then_site: reach.site,
                                then_mode: reach.mode,
                                then_instance: caller_place(call, reach),
                                chain: chain.clone(),
                                guessed: call.guessed || reach.guessed,
                                held_classes: held_classes.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
    for acquisition in instantiate_all(functions, summaries) {
        add_instantiated(
            &mut edges,
            &mut seen,
            cannot_deadlock,
            &mut double_locks,
            &acquisition,
        );
    }
    double_locks.sort_by_key(|double| (double.second_site, double.first.site));
    double_locks.dedup_by_key(|double| (double.second_site, double.first.site));
    GraphFindings {
        edges,
        double_locks,
    }
}

/// The edges and double locks of an acquisition reached through a lock or guard passed as
/// an argument.
fn add_instantiated(
    edges: &mut Edges,
    seen: &mut SeenWitnesses,
    cannot_deadlock: &dyn Fn(&EdgeWitness) -> bool,
    double_locks: &mut Vec<DoubleLock>,
    acquisition: &InstantiatedAcquisition,
) {
    let target = &acquisition.target;
    let held_classes = classes_of(acquisition.held.iter().map(|entry| &entry.held));
    let class_already_held = acquisition
        .held
        .iter()
        .any(|entry| entry.held.target.class == target.class);
    for entry in &acquisition.held {
        if !acquisition.is_new_with(entry) {
            continue;
        }
        let held = &entry.held;
        if held.target.class == target.class {
            let same_instance =
                held.target.instance.is_some() && held.target.instance == target.instance;
            if same_instance && !acquisition.is_try && self_deadlocks(held, acquisition.mode) {
                double_locks.push(DoubleLock {
                    function: acquisition.function,
                    first: held.clone(),
                    second_site: acquisition.site,
                    second_mode: acquisition.mode,
                    chain: acquisition.chain.clone(),
                    writer: None,
                    closure_call: None,
                    second_shard: None,
                    guessed: false,
                    through_maker: None,
                });
            }
            continue;
        }
        if acquisition.is_try || class_already_held {
            continue;
        }
        add_edge(
            edges,
            seen,
            cannot_deadlock,
            EdgeWitness {
                function: acquisition.function,
                held: held.clone(),
                then_class: target.class.clone(),
                then_site: acquisition.site,
                then_mode: acquisition.mode,
                then_instance: target.instance.clone(),
                chain: acquisition.chain.clone(),
                guessed: false,
                held_classes: held_classes.clone(),
            },
        );
    }
}

/// Witness sites already recorded: (held site, then site, held class, then class).
type SeenWitnesses = HashSet<(Span, Span, ClassKey, ClassKey)>;

fn add_edge(
    edges: &mut Edges,
    seen: &mut SeenWitnesses,
    cannot_deadlock: &dyn Fn(&EdgeWitness) -> bool,
    witness: EdgeWitness,
) {
    if cannot_deadlock(&witness) {
        return;
    }
    let held_class = witness.held.target.class.clone();
    let then_class = witness.then_class.clone();
    let new = seen.insert((
        witness.held.site,
        witness.then_site,
        held_class.clone(),
        then_class.clone(),
    ));
    if new {
        edges
            .entry((held_class, then_class))
            .or_default()
            .push(witness);
    }
}

/// The distinct classes of a held set, sorted.
fn classes_of<'h>(held: impl IntoIterator<Item = &'h Held>) -> Arc<[ClassKey]> {
    let mut classes: Vec<ClassKey> = held
        .into_iter()
        .map(|held| held.target.class.clone())
        .collect();
    classes.sort();
    classes.dedup();
    classes.into()
}
