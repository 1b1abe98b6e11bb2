//! Locks that travel as arguments: a function that locks its parameter (`fn bump(m:
//! &Mutex<u64>)`), locks two parameters in order (`fn transfer(from, to)`), or receives a
//! guard (`fn apply(state: &mut MutexGuard<State>)`) is instantiated at each call site with
//! the caller's locks: its acquisitions become the caller's, its orders between parameters
//! become orders between the caller's locks, and a parameter locked while the caller holds
//! the same lock is a double lock. Followed [`MAX_DEPTH`] calls deep.
//!
//! Only what the callee's own analysis cannot see is produced here: an acquisition whose
//! lock, or one of whose held locks, came from an argument. Orders between the caller's
//! guards and the callee's field or static locks are already in the callee's summary.

use crate::analysis::function_map::FunctionMap;
use std::collections::BTreeMap;

use super::guards::{FunctionLocks, Held, HeldCall, HoldReason};
use super::identity::{ClassKey, LockTarget};
use super::summaries::Summaries;
use crate::analysis::FunctionRef;
use crate::knowledge::locks::Mode;
use crate::span::Span;

/// How many calls deep a lock passed as an argument is followed.
pub const MAX_DEPTH: usize = 3;

/// An acquisition seen from a caller: a callee's lock on a parameter (or an order between
/// parameters) stated in the caller's locks.
pub struct InstantiatedAcquisition {
    /// The caller, where the findings are reported.
    pub function: FunctionRef,
    /// What is held when the lock is taken: the caller's guards and the callee's own.
    pub held: Vec<InstantiatedHeld>,
    pub target: LockTarget,
    /// The callee's parameter the lock came from (`None`: the callee's own field or static
    /// lock, taken while it holds an argument's lock).
    pub target_param: Option<usize>,
    pub mode: Mode,
    pub is_try: bool,
    pub site: Span,
    /// Calls from `function` down to `site`.
    pub chain: Vec<(FunctionRef, Span)>,
}

/// A lock held at an instantiated acquisition.
pub struct InstantiatedHeld {
    pub held: Held,
    pub origin: HeldOrigin,
}

/// Who holds a guard at an instantiated acquisition.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HeldOrigin {
    /// The caller, across the call.
    Caller,
    /// The caller's guard, moved into the callee as an argument.
    PassedGuard,
    /// The callee, on the lock passed as its parameter at this position.
    CalleeParam(usize),
    /// The callee, on one of its own field or static locks.
    CalleeOwn,
}

impl InstantiatedAcquisition {
    /// Whether this acquisition and one held entry say something the caller's and the
    /// callee's own analyses do not (those already cover the caller's guards against the
    /// callee's own locks, and one parameter inside the callee).
    pub fn is_new_with(&self, held: &InstantiatedHeld) -> bool {
        match (self.target_param, held.origin) {
            (Some(target), HeldOrigin::CalleeParam(holder)) => target != holder,
            (Some(_), _) => true,
            (None, HeldOrigin::PassedGuard | HeldOrigin::CalleeParam(_)) => true,
            (None, HeldOrigin::Caller | HeldOrigin::CalleeOwn) => false,
        }
    }
}

/// Every acquisition reached through calls that pass locks or guards.
pub fn instantiate_all(
    functions: &FunctionMap<FunctionLocks>,
    summaries: &Summaries,
) -> Vec<InstantiatedAcquisition> {
    let mut found = Vec::new();
    // In function order (`FunctionMap` iterates in it).
    let order: Vec<&FunctionRef> = functions.keys().collect();
    for function in order {
        for call in &functions[function].calls {
            if call.arguments.is_empty() {
                continue;
            }
            for callee in call.callees.iter() {
                let Some(callee_locks) = functions.get(callee) else {
                    continue;
                };
                let substitution = substitution_of(call, callee_locks, None);
                if substitution.is_empty() {
                    continue;
                }
                let mut walk = Instantiation {
                    functions,
                    summaries,
                    caller: *function,
                    found: &mut found,
                };
                walk.callee(
                    *callee,
                    &substitution,
                    &call.held,
                    vec![(*callee, call.span)],
                    1,
                );
            }
        }
    }
    found
}

/// What a parameter stands for at a call: the caller's lock, and, for a guard, the
/// caller's guard itself.
#[derive(Clone)]
struct Substitute {
    target: LockTarget,
    guard: Option<Held>,
}

/// The caller's lock (or guard) for each parameter the call passes one to; `outer` maps
/// the calling function's own parameters when the call is itself inside an instantiated
/// function (then only arguments that are those parameters carry over).
fn substitution_of(
    call: &HeldCall,
    callee: &FunctionLocks,
    outer: Option<&BTreeMap<usize, Substitute>>,
) -> BTreeMap<usize, Substitute> {
    let mut substitution = BTreeMap::new();
    for argument in &call.arguments {
        // A guard passed where the callee takes the data (`&guard` as `&T`, by deref) lends
        // the data, not the lock; a lock passed to a guard parameter cannot happen.
        let guard_param = callee.guard_params.contains(&argument.index);
        if guard_param != argument.guard.is_some() {
            continue;
        }
        let substitute = match outer {
            None => Substitute {
                target: argument.target.clone(),
                guard: argument.guard.clone(),
            },
            Some(outer) => {
                let Some(mapped) = argument
                    .target
                    .class
                    .param_index()
                    .and_then(|index| outer.get(&index))
                else {
                    continue;
                };
                mapped.clone()
            }
        };
        substitution.insert(argument.index, substitute);
    }
    substitution
}

struct Instantiation<'f, 'o> {
    functions: &'f FunctionMap<FunctionLocks>,
    summaries: &'f Summaries,
    caller: FunctionRef,
    found: &'o mut Vec<InstantiatedAcquisition>,
}

impl Instantiation<'_, '_> {
    fn callee(
        &mut self,
        callee: FunctionRef,
        substitution: &BTreeMap<usize, Substitute>,
        caller_held: &[Held],
        chain: Vec<(FunctionRef, Span)>,
        depth: usize,
    ) {
        let Some(locks) = self.functions.get(&callee) else {
            return;
        };
        for acquisition in &locks.acquisitions {
            if acquisition.isolated || acquisition.condvar_reacquire || acquisition.recursive_read {
                continue;
            }
            let target_param = acquisition.target.class.param_index();
            let target = match target_param {
                Some(index) => match substitution.get(&index) {
                    Some(substitute) => substitute.target.clone(),
                    None => continue,
                },
                None if acquisition.target.class.is_global() => unnamed(&acquisition.target),
                None => continue,
            };
            let held = instantiated_held(caller_held, &acquisition.held, substitution);
            self.push(InstantiatedAcquisition {
                function: self.caller,
                held,
                target,
                target_param,
                mode: acquisition.mode,
                is_try: acquisition.is_try,
                site: acquisition
                    .via
                    .as_ref()
                    .map_or(acquisition.span, |via| via.acquired_at),
                chain: chain.clone(),
            });
        }
        for call in locks.calls.iter().filter(|call| !call.isolated) {
            self.summarized_calls(call, substitution, caller_held, &chain);
            if depth >= MAX_DEPTH || call.arguments.is_empty() {
                continue;
            }
            let held: Vec<Held> = instantiated_held(caller_held, &call.held, substitution)
                .into_iter()
                .map(|entry| entry.held)
                .collect();
            for next in call.callees.iter() {
                let Some(next_locks) = self.functions.get(next) else {
                    continue;
                };
                let inner = substitution_of(call, next_locks, Some(substitution));
                if inner.is_empty() {
                    continue;
                }
                let mut deeper = chain.clone();
                deeper.push((*next, call.span));
                self.callee(*next, &inner, &held, deeper, depth + 1);
            }
        }
    }

    /// The field and static locks a callee's callee takes while the callee holds an
    /// argument's lock.
    fn summarized_calls(
        &mut self,
        call: &HeldCall,
        substitution: &BTreeMap<usize, Substitute>,
        caller_held: &[Held],
        chain: &[(FunctionRef, Span)],
    ) {
        if !call
            .held
            .iter()
            .any(|held| held.target.class.param_index().is_some())
        {
            return;
        }
        for next in call.callees.iter() {
            let Some(summary) = self.summaries.by_function.get(next) else {
                continue;
            };
            for (class, reach) in summary {
                let held = instantiated_held(caller_held, &call.held, substitution);
                let mut deeper = chain.to_vec();
                deeper.push((*next, call.span));
                deeper.extend(reach.calls.iter().cloned());
                self.push(InstantiatedAcquisition {
                    function: self.caller,
                    held,
                    target: LockTarget {
                        class: class.clone(),
                        lock_type: reach.lock_type,
                        instance: None,
                    },
                    target_param: None,
                    mode: reach.mode,
                    is_try: reach.is_try,
                    site: reach.site,
                    chain: deeper,
                });
            }
        }
    }

    /// Keeps an acquisition when it says something new.
    fn push(&mut self, acquisition: InstantiatedAcquisition) {
        if acquisition
            .held
            .iter()
            .any(|held| acquisition.is_new_with(held))
        {
            self.found.push(acquisition);
        }
    }
}

/// The callee's field or static lock, seen from the caller: the class is the same, but
/// which instance of a field (`self.state` inside the callee) is not followed.
fn unnamed(target: &LockTarget) -> LockTarget {
    match target.class {
        ClassKey::Static { .. } => target.clone(),
        _ => LockTarget {
            instance: None,
            ..target.clone()
        },
    }
}

/// What is held at a point of the callee, seen from the caller: the caller's guards, then
/// the callee's guards on arguments' locks (a guard passed in is the caller's own guard),
/// and the callee's field and static guards; one entry per lock instance.
fn instantiated_held(
    caller_held: &[Held],
    callee_held: &[Held],
    substitution: &BTreeMap<usize, Substitute>,
) -> Vec<InstantiatedHeld> {
    let mut held: Vec<InstantiatedHeld> = caller_held
        .iter()
        .map(|held| InstantiatedHeld {
            held: held.clone(),
            origin: HeldOrigin::Caller,
        })
        .collect();
    for inner in callee_held {
        let entry = match inner.target.class.param_index() {
            Some(index) => {
                let Some(substitute) = substitution.get(&index) else {
                    continue;
                };
                match (&inner.reason, &substitute.guard) {
                    (HoldReason::Parameter(_), Some(guard)) => InstantiatedHeld {
                        held: guard.clone(),
                        origin: HeldOrigin::PassedGuard,
                    },
                    _ => InstantiatedHeld {
                        held: retargeted(inner, substitute.target.clone()),
                        origin: HeldOrigin::CalleeParam(index),
                    },
                }
            }
            None if inner.target.class.is_global() => InstantiatedHeld {
                held: retargeted(inner, unnamed(&inner.target)),
                origin: HeldOrigin::CalleeOwn,
            },
            None => continue,
        };
        let duplicate = held.iter().any(|existing| {
            existing.held.target.class == entry.held.target.class
                && existing.held.target.instance == entry.held.target.instance
                && entry.held.target.instance.is_some()
        });
        if !duplicate {
            held.push(entry);
        }
    }
    held
}

/// The same guard, as a guard of `target`.
fn retargeted(held: &Held, target: LockTarget) -> Held {
    let mut held = held.clone();
    held.target = target;
    held
}
