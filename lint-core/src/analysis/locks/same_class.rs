//! Two locks of one class held at once, in an order the caller's values decide: the
//! account-transfer deadlock. `transfer(a, b)` locks `accounts[a]` then `accounts[b]`, and a
//! concurrent `transfer(b, a)` locks them the other way round. The lock-order graph cannot
//! see this (both locks are one class, as lockdep reports a nested acquisition of one class
//! without a subclass), so it is found here, per function.
//!
//! One class means the same field, static or collection (`Ledger::accounts[]`), or two
//! local or parameter locks of the same type (`Mutex<Wallet>`). It is not reported when
//! something orders the two: a comparison, `min`/`max`, `cmp` or a sort of the values that
//! pick the locks; another lock held around both (a gate); `try_lock`; a parent locked
//! before its child (`node` then `node.children[i]`); shared reads only. A helper that
//! locks two of its parameters is left to its call sites when the workspace calls it with
//! locks ([`super::instantiate`]).

use crate::analysis::function_map::FunctionMap;
use crate::hash::{HashMap, HashSet};
use std::collections::BTreeSet;

use super::guards::{Acquisition, FunctionLocks, Held};
use super::identity::{ClassKey, LockTarget};
use crate::analysis::FunctionRef;
use crate::knowledge::collections::orders_values;
use crate::knowledge::locks::{LockKind, Mode, acquire_method};
use crate::model::{Block, Expr, ExprKind, Function, LoopKind, Stmt};
use crate::span::Span;

/// A lock taken while another lock of its class is held.
#[derive(Clone, Debug)]
pub struct SameClassNesting {
    pub function: FunctionRef,
    pub first: Held,
    pub second: LockTarget,
    pub second_site: Span,
    pub second_mode: Mode,
    /// For two local or parameter locks: the type both protect (`crate::Wallet`).
    pub protected_type: Option<String>,
}

/// What the search needs to know about functions beyond their locks.
pub struct FunctionFacts<'a> {
    pub function: &'a dyn Fn(FunctionRef) -> &'a Function,
    /// The type a local or parameter lock protects (`Wallet` in `Arc<Mutex<Wallet>>`).
    pub protected_type: &'a dyn Fn(FunctionRef, &str) -> Option<String>,
    /// Functions some call site passes locks to.
    pub called_with_locks: &'a HashSet<FunctionRef>,
    /// For each function, the places each of its call sites passes (by parameter position),
    /// for the call sites that pass any.
    pub call_arguments: &'a crate::hash::Rows<FunctionRef, &'a [(usize, String)]>,
    /// Whether a local of the function owns its value (a struct, not a reference or a
    /// shared pointer): no other thread can reach it.
    pub owned_local: &'a dyn Fn(FunctionRef, &str) -> bool,
    /// Whether a field class is a lock the struct owns itself (not behind an `Arc`).
    pub plain_field: &'a dyn Fn(&ClassKey) -> bool,
    /// Whether a local holds a value built in the function whose lock in this field class
    /// never left it ([`super::fresh`]).
    pub fresh_local: &'a dyn Fn(FunctionRef, &str, &ClassKey) -> bool,
}

pub fn find(
    functions: &FunctionMap<FunctionLocks>,
    facts: &FunctionFacts<'_>,
) -> Vec<SameClassNesting> {
    // In function order (`FunctionMap` iterates in it).
    let order: Vec<&FunctionRef> = functions.keys().collect();
    let mut found = Vec::new();
    for function in order {
        let mut evidence: Option<OrderingEvidence> = None;
        for acquisition in &functions[function].acquisitions {
            if acquisition.is_try || acquisition.condvar_reacquire {
                continue;
            }
            let Some(first) = nested_same_class(*function, acquisition, facts) else {
                continue;
            };
            let evidence =
                evidence.get_or_insert_with(|| OrderingEvidence::of((facts.function)(*function)));
            if evidence.orders(first, &acquisition.target) {
                continue;
            }
            if reached_through_guard(
                (facts.function)(*function),
                &first.target,
                &acquisition.target,
            ) {
                continue;
            }
            let already = found.iter().any(|known: &SameClassNesting| {
                known.function == *function && known.second_site == acquisition.span
            });
            if !already {
                let protected_type = match &acquisition.target.class {
                    ClassKey::Local { name, .. } | ClassKey::Param { name, .. } => {
                        (facts.protected_type)(*function, name)
                    }
                    _ => None,
                };
                found.push(SameClassNesting {
                    function: *function,
                    first: first.clone(),
                    second: acquisition.target.clone(),
                    second_site: acquisition.span,
                    second_mode: acquisition.mode,
                    protected_type,
                });
            }
        }
    }
    found
}

/// The held guard of the same class, another instance, that `acquisition` nests under,
/// when nothing else is held (a second class held around both may be a gate).
fn nested_same_class<'h>(
    function: FunctionRef,
    acquisition: &'h Acquisition,
    facts: &FunctionFacts<'_>,
) -> Option<&'h Held> {
    let second = &acquisition.target;
    let [first] = acquisition.held.as_slice() else {
        return None;
    };
    let (Some(first_instance), Some(second_instance)) =
        (first.target.instance.as_deref(), second.instance.as_deref())
    else {
        return None;
    };
    let shared_only = first.mode == Mode::Shared && acquisition.mode == Mode::Shared;
    let sharded = second.lock_type.kind == LockKind::ShardedMap;
    if first_instance == second_instance
        || shared_only
        || sharded
        || first.is_try
        || is_within(first_instance, second_instance)
        || is_within(second_instance, first_instance)
        || !same_class(function, &first.target, second, facts)
    {
        return None;
    }
    let both_params = matches!(first.target.class, ClassKey::Param { .. })
        && matches!(second.class, ClassKey::Param { .. });
    if both_params && facts.called_with_locks.contains(&function) {
        return None;
    }
    if roles_fixed_by_callers(function, first_instance, second_instance, facts) {
        return None;
    }
    // `let restored = catalog.current_usage(); .. restored.inner.read()`: a lock inside a
    // value this function owns is out of every other thread's reach.
    let thread_local = |instance: &str, class: &ClassKey| {
        identifiers(instance).next().is_some_and(|root| {
            root != "self"
                && (facts.owned_local)(function, &root)
                && ((facts.plain_field)(class) || (facts.fresh_local)(function, &root, class))
        })
    };
    if thread_local(first_instance, &first.target.class)
        || thread_local(second_instance, &second.class)
    {
        return None;
    }
    Some(first)
}

/// `register_in(admin: &Registry, normal: &Registry)` locks `admin.functions` then
/// `normal.functions`: when the workspace calls it with fixed places (fields, statics), and
/// no two calls pass the same two places the other way round, the parameters are roles,
/// not interchangeable values.
fn roles_fixed_by_callers(
    function: FunctionRef,
    first_instance: &str,
    second_instance: &str,
    facts: &FunctionFacts<'_>,
) -> bool {
    let params = &(facts.function)(function).params;
    let param_of = |instance: &str| {
        let root = identifiers(instance).next()?;
        params
            .iter()
            .position(|param| param.pattern.simple_name() == Some(root.as_str()))
    };
    let (Some(first), Some(second)) = (param_of(first_instance), param_of(second_instance)) else {
        return false;
    };
    if first == second {
        return false;
    }
    let calls = facts.call_arguments.get(&function);
    let pairs: Vec<(&str, &str)> = calls
        .iter()
        .filter_map(|places| {
            let place = |index: usize| {
                places
                    .iter()
                    .find(|(position, _)| *position == index)
                    .map(|(_, text)| text.as_str())
            };
            Some((place(first)?, place(second)?))
        })
        .collect();
    !pairs.is_empty()
        && pairs
            .iter()
            .all(|(a, b)| is_fixed_place(a) && is_fixed_place(b))
        && !pairs
            .iter()
            .any(|(a, b)| a == b || pairs.contains(&(*b, *a)))
}

/// A place that names one lock holder whatever the caller's values (`self.admin`, a
/// static such as `REGISTRY` or `registries::ADMIN`), unlike a local (`a` in
/// `let a = accounts.get(&from)?`), which may be either of two values the caller picks.
fn is_fixed_place(place: &str) -> bool {
    let last = crate::paths::last_segment(place);
    let screaming_case = last.chars().any(|c| c.is_ascii_uppercase())
        && last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    place.contains('.') || screaming_case
}

/// A tree of nodes each with its own lock: `let child = locked_node.children.pop()` or
/// `let parent = locked_node.parent.clone()` reaches one node through the guarded data of
/// another lock of the class, a parent-child relation the code's lock order follows (as
/// `node.children[i]` within `node` does).
fn reached_through_guard(function: &Function, first: &LockTarget, second: &LockTarget) -> bool {
    let ClassKey::Field { field, .. } = &first.class else {
        return false;
    };
    let guards = guard_names(&function.body, field);
    if guards.is_empty() {
        return false;
    }
    let derived = derived_names(&function.body, &guards);
    [&first.instance, &second.instance]
        .into_iter()
        .flatten()
        .any(|instance| derived.contains(root_name(instance)))
}

/// `node.inner` → `node`.
fn root_name(instance: &str) -> &str {
    instance.split(['.', '[']).next().unwrap_or(instance)
}

/// Locals bound to a guard of a lock in field `field` (`let g = node.inner.lock()..`).
fn guard_names(body: &Block, field: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut note = |name: &str, value: &Expr| {
        if acquires_field(value, field) {
            names.insert(name.to_string());
        }
    };
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let (Some(name), Some(init)) = (let_stmt.pattern.simple_name(), &let_stmt.init)
            {
                note(name, init);
            }
        }
    });
    body.walk(&mut |expr| {
        if let ExprKind::Assign { target, value } = &expr.kind
            && let ExprKind::Path(path) = &target.kind
            && path.segments.len() == 1
        {
            note(path.last(), value);
        }
    });
    names
}

/// Whether `expr` takes a lock of field `field` (`x.inner.lock().unwrap()`).
fn acquires_field(expr: &Expr, field: &str) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &inner.kind
            && acquire_method(method).is_some()
            && matches!(&receiver.kind, ExprKind::Field(access) if access.member == field)
        {
            found = true;
        }
    });
    found
}

/// Locals whose value is computed from one of `sources` (its initializer, or the scrutinee
/// of the `match`/`if let` that binds it, mentions one).
fn derived_names(body: &Block, sources: &BTreeSet<String>) -> BTreeSet<String> {
    let mut derived = BTreeSet::new();
    let mentions = |expr: &Expr| {
        let mut found = false;
        expr.walk(&mut |inner| {
            if let ExprKind::Path(path) = &inner.kind
                && path.segments.len() == 1
                && sources.contains(path.last())
            {
                found = true;
            }
        });
        found
    };
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let Some(init) = &let_stmt.init
                && mentions(init)
            {
                derived.extend(let_stmt.pattern.bindings.iter().map(|b| b.name.to_string()));
            }
        }
    });
    body.walk(&mut |expr| match &expr.kind {
        ExprKind::Match { scrutinee, arms } if mentions(scrutinee) => {
            for arm in arms {
                derived.extend(arm.pattern.bindings.iter().map(|b| b.name.to_string()));
            }
        }
        ExprKind::Let { pattern, scrutinee } if mentions(scrutinee) => {
            derived.extend(pattern.bindings.iter().map(|b| b.name.to_string()));
        }
        _ => {}
    });
    derived
}

/// `node.children[i]` is within `node`: a parent locked before its child.
fn is_within(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Whether two locks are of one class: the same field, static or collection, or two local
/// or parameter locks of one type.
fn same_class(
    function: FunctionRef,
    first: &LockTarget,
    second: &LockTarget,
    facts: &FunctionFacts<'_>,
) -> bool {
    if first.class.is_textual() || second.class.is_textual() {
        return false;
    }
    if first.class == second.class {
        return true;
    }
    let local_name = |class: &ClassKey| match class {
        ClassKey::Local { name, .. } | ClassKey::Param { name, .. } if !name.ends_with("[]") => {
            Some(name.clone())
        }
        _ => None,
    };
    let (Some(first_name), Some(second_name)) =
        (local_name(&first.class), local_name(&second.class))
    else {
        return false;
    };
    let protected = |name: &str| (facts.protected_type)(function, name);
    first.lock_type == second.lock_type
        && protected(&first_name).is_some()
        && protected(&first_name) == protected(&second_name)
}

/// What in a function puts values in an order: comparisons, `min`/`max`/`cmp`, sorts and
/// swaps, each with the names it mentions; and where each local's value comes from.
struct OrderingEvidence {
    /// The names each ordering expression mentions.
    orderings: Vec<BTreeSet<String>>,
    /// For each local: the names its value is computed from (not through guards).
    sources: HashMap<String, BTreeSet<String>>,
}

impl OrderingEvidence {
    fn of(function: &Function) -> OrderingEvidence {
        let mut evidence = OrderingEvidence {
            orderings: Vec::new(),
            sources: HashMap::default(),
        };
        evidence.block(&function.body);
        evidence
    }

    fn block(&mut self, body: &Block) {
        body.walk_blocks(&mut |block| {
            for stmt in &block.stmts {
                if let Stmt::Let(let_stmt) = stmt
                    && let Some(init) = &let_stmt.init
                    && !acquires(init)
                {
                    let names = names_in(init);
                    for binding in &let_stmt.pattern.bindings {
                        self.add_sources(&binding.name, &names);
                    }
                }
            }
        });
        body.walk(&mut |expr| self.expr(expr));
    }

    fn add_sources(&mut self, name: &str, names: &BTreeSet<String>) {
        self.sources
            .entry(name.to_string())
            .or_default()
            .extend(names.iter().cloned());
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Compare { .. } => self.orderings.push(names_in(expr)),
            ExprKind::MethodCall { method, .. } if orders_values(method) => {
                self.orderings.push(names_in(expr));
            }
            ExprKind::Call { callee, .. }
                if matches!(&callee.kind, ExprKind::Path(path)
                    if orders_values(path.last())) =>
            {
                self.orderings.push(names_in(expr));
            }
            ExprKind::Loop(loop_expr) if let LoopKind::For(head) = &loop_expr.kind => {
                let names = names_in(&head.iterable);
                for binding in &head.pattern.bindings {
                    self.add_sources(&binding.name, &names);
                }
            }
            _ => {}
        }
    }

    /// Whether some ordering mentions what both locks are picked by.
    fn orders(&self, first: &Held, second: &LockTarget) -> bool {
        let (Some(first), Some(second)) = (&first.target.instance, &second.instance) else {
            return false;
        };
        let first = self.origins(first);
        let second = self.origins(second);
        self.orderings.iter().any(|names| {
            names.iter().any(|name| first.contains(name))
                && names.iter().any(|name| second.contains(name))
        })
    }

    /// The names an instance (`self.accounts[from]`) is picked by, and what they come from.
    fn origins(&self, instance: &str) -> BTreeSet<String> {
        let mut found: BTreeSet<String> = identifiers(instance).collect();
        let mut queue: Vec<String> = found.iter().cloned().collect();
        while let Some(name) = queue.pop() {
            for source in self.sources.get(&name).into_iter().flatten() {
                if found.insert(source.clone()) {
                    queue.push(source.clone());
                }
            }
        }
        found.remove("self");
        found
    }
}

/// Whether an initializer takes a lock (its binding is a guard, not a value to follow).
fn acquires(init: &Expr) -> bool {
    let mut found = false;
    init.walk(&mut |expr| {
        if let ExprKind::MethodCall { method, .. } = &expr.kind
            && acquire_method(method).is_some()
        {
            found = true;
        }
    });
    found
}

/// The single-segment names an expression mentions (`a.id < b.id` mentions `a`, `b`).
fn names_in(expr: &Expr) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    expr.walk(&mut |inner| {
        if let ExprKind::Path(path) = &inner.kind
            && path.segments.len() == 1
            && path.last() != "self"
        {
            names.insert(path.last().to_string());
        }
    });
    names
}

/// The identifiers in an instance's text.
fn identifiers(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
}
