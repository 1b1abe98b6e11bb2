//! Where a channel end or a lock was created. Senders of crossbeam, flume, async-channel
//! and kanal have one type for bounded and unbounded channels, so only the construction
//! tells whether a send can wait; and a channel (or a lock) shared between a producer and
//! a consumer is recognized by its one construction site, whatever names, fields and
//! parameters carry it. A value is followed back through locals (`let (tx, rx) =
//! bounded(8)`, clones, `Arc::new`), the parameters it came in through (to the arguments of
//! every caller, a few calls deep), struct fields (to every struct literal and
//! assignment that stores a value in that field) and collections held in fields (to every
//! `push`/`insert` into them: a sender taken out of `self.subscribers` was created where
//! the senders put there were).

use crate::hash::{HashMap, HashSet};
use std::collections::BTreeSet;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::Inputs;
use super::values::{FunctionValues, Position, deref_value};
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::{Argument, CallSite, ParamSlot};
use crate::analysis::locks::guards::FunctionLocks;
use crate::analysis::types::Ty;
use crate::knowledge::adaptors::is_result_adapter;
use crate::knowledge::channels::{ChannelCapacity, channel_constructor, is_channel_end_type};
use crate::knowledge::collections::{is_success_variant, returns, stores_element};
use crate::knowledge::locks::{
    acquire_method, is_identity_method, is_shared_pointer_clone_path, lock_type_at,
};
use crate::model::{Expr, ExprKind};
use crate::span::Span;

/// How many calls a value is followed back through parameters.
const MAX_CALLER_DEPTH: usize = 2;
/// How many bindings deep a local is followed.
const MAX_LOCAL_DEPTH: usize = 6;
/// Callers looked at per parameter.
const MAX_CALLERS: usize = 16;
/// Most construction sites kept for one value.
const MAX_ORIGINS: usize = 16;

/// A place where a channel or a lock is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The constructor call (`bounded(8)`, `Mutex::new(..)`).
    pub site: Span,
    /// For a channel, whether it has a capacity.
    pub bounded: Option<bool>,
    /// A channel of capacity zero: every send waits for a receive.
    pub rendezvous: bool,
}

pub type Origins = BTreeSet<Origin>;

/// The program-wide facts origin questions need, made before the first question.
#[derive(Default)]
pub struct OriginFacts {
    /// (struct, field) → where the channel ends and locks stored there were created.
    fields: OnceLock<HashMap<(String, String), Origins>>,
}

/// Where the value of `expr` (in `values`' function) was created, as far as it is found.
pub fn origins_of(inputs: &Inputs<'_, '_>, values: &FunctionValues<'_>, expr: &Expr) -> Origins {
    Search {
        inputs,
        with_fields: true,
    }
    .origins(values, expr, 0, 0)
}

/// Whether a channel built at every one of these sites has a capacity (the sites of a lock
/// that holds the channel ends do not count).
pub fn all_bounded(origins: &Origins) -> bool {
    let mut channels = origins
        .iter()
        .filter(|origin| origin.is_channel())
        .peekable();
    channels.peek().is_some() && channels.all(|origin| origin.bounded == Some(true))
}

impl Origin {
    fn is_channel(&self) -> bool {
        self.bounded.is_some()
    }
}

struct Search<'i, 'c, 'a> {
    inputs: &'i Inputs<'c, 'a>,
    /// Off while the field facts themselves are being built.
    with_fields: bool,
}

impl Search<'_, '_, '_> {
    fn origins(
        &self,
        values: &FunctionValues<'_>,
        expr: &Expr,
        local_depth: usize,
        caller_depth: usize,
    ) -> Origins {
        if local_depth > MAX_LOCAL_DEPTH {
            return Origins::new();
        }
        let next = local_depth + 1;
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                let mut found = Origins::new();
                for local in values.bindings(name) {
                    found.extend(self.of_binding(
                        values,
                        local.source,
                        local.position,
                        next,
                        caller_depth,
                    ));
                }
                if found.is_empty()
                    && let Some(index) = values.param_index(name)
                {
                    found = self.through_callers(values.function_ref, index, caller_depth);
                }
                limit(found)
            }
            ExprKind::Field(field) => {
                let (base, member) = (&field.base, field.member.as_str());
                if let ExprKind::Call { .. } = &base.kind
                    && let Ok(index) = member.parse::<usize>()
                {
                    return self.of_binding(
                        values,
                        base,
                        Position::TupleField(index),
                        next,
                        caller_depth,
                    );
                }
                if !self.with_fields {
                    return Origins::new();
                }
                let Some(owner) = values.type_of(base) else {
                    return Origins::new();
                };
                let Some(owner) = deref_value(&owner).path() else {
                    return Origins::new();
                };
                self.field(owner, member)
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if (method.args().is_empty() && is_identity_method(method))
                || is_result_adapter(method) =>
            {
                self.origins(values, receiver, next, caller_depth)
            }
            // A guard holds what was put in its lock: the channel ends stored there (the
            // lock's own construction is not the guard's).
            ExprKind::MethodCall {
                receiver, method, ..
            } if acquire_method(method).is_some() => self
                .origins(values, receiver, next, caller_depth)
                .into_iter()
                .filter(Origin::is_channel)
                .collect(),
            ExprKind::Call { callee, args } => {
                let ExprKind::Path(path) = &callee.kind else {
                    return Origins::new();
                };
                if let Some(origin) = constructed_lock(values, expr) {
                    return Origins::from([origin]);
                }
                let wraps = args.len() == 1
                    && (is_shared_pointer_clone_path(&path.segments)
                        || is_success_variant(path.last())
                        || path.last() == "new"
                        || path.last() == "from");
                if wraps {
                    self.origins(values, &args[0], next, caller_depth)
                } else {
                    Origins::new()
                }
            }
            ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner)
            | ExprKind::Try(inner)
            | ExprKind::Await(inner) => self.origins(values, inner, next, caller_depth),
            _ => Origins::new(),
        }
    }

    fn of_binding(
        &self,
        values: &FunctionValues<'_>,
        source: &Expr,
        position: Position,
        local_depth: usize,
        caller_depth: usize,
    ) -> Origins {
        match position {
            Position::Whole => self.origins(values, source, local_depth, caller_depth),
            Position::TupleField(_) => {
                let source = peel_result(source);
                let Some(site) = values.call_at(source.span) else {
                    return Origins::new();
                };
                let Some(resolved) = site.resolved_path() else {
                    return Origins::new();
                };
                let Some(constructor) = channel_constructor(&resolved.display()) else {
                    return Origins::new();
                };
                let bounded = constructor.capacity == ChannelCapacity::Bounded;
                let zero = match &source.kind {
                    ExprKind::Call { args, .. } => {
                        args.first()
                            .and_then(|capacity| values.integer_literal(capacity))
                            == Some(0)
                    }
                    _ => false,
                };
                Origins::from([Origin {
                    site: source.span,
                    bounded: Some(bounded),
                    rendezvous: bounded && zero,
                }])
            }
            // An element of a collection, the value in an `Option`: created where the
            // values put in the collection (or the option) were.
            Position::Inside => self.origins(
                values,
                peel_collection_access(source),
                local_depth,
                caller_depth,
            ),
        }
    }

    /// Where what every caller passes as parameter `index` was created.
    fn through_callers(&self, function: FunctionRef, index: usize, caller_depth: usize) -> Origins {
        if caller_depth >= MAX_CALLER_DEPTH {
            return Origins::new();
        }
        // Which functions call this one is known only from every file's calls: what is
        // found here depends on all of them (a caller added in another file changes it).
        super::note_read_of_every_file();
        let mut found = Origins::new();
        for (caller, span) in self
            .inputs
            .call_sites
            .callers_of(function)
            .iter()
            .take(MAX_CALLERS)
        {
            let values = self.inputs.values_of(*caller);
            let Some(site) = values.call_at(*span) else {
                continue;
            };
            let arguments = self.inputs.call_sites.arguments(*caller, site);
            let Some(argument) = argument_expr(&values, site, arguments, index) else {
                continue;
            };
            found.extend(self.origins(&values, argument, 0, caller_depth + 1));
        }
        limit(found)
    }

    fn field(&self, owner: &str, member: &str) -> Origins {
        // Made by `blocking::analyze` before any search (`OriginFacts::prepare_fields`).
        self.inputs
            .origins
            .fields
            .get()
            .and_then(|fields| fields.get(&(owner.to_string(), member.to_string())))
            .cloned()
            .unwrap_or_default()
    }
}

/// `Mutex::new(..)` (a lock's type followed by `new`): a lock created here.
fn constructed_lock(values: &FunctionValues<'_>, call: &Expr) -> Option<Origin> {
    let site = values.call_at(call.span)?;
    let (last, type_segments) = site.resolved_path()?.segments.split_last()?;
    (last == "new" && lock_type_at(&type_segments.join("::")).is_some()).then_some(Origin {
        site: call.span,
        bounded: None,
        rendezvous: false,
    })
}

fn limit(mut origins: Origins) -> Origins {
    while origins.len() > MAX_ORIGINS {
        origins.pop_last();
    }
    origins
}

/// `self.senders.values()`, `map.get(k)`, `list.iter().rev()` → the collection.
fn peel_collection_access(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } if returns(method).is_some() => peel_collection_access(receiver),
        ExprKind::Reference { expr: inner, .. } => peel_collection_access(inner),
        _ => expr,
    }
}

/// `x?`, `x.await`, `x.unwrap()` → `x`.
pub(super) fn peel_result(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) | ExprKind::Await(inner) => peel_result(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => peel_result(receiver),
        _ => expr,
    }
}

/// The argument expression of `site` that binds parameter `index`.
fn argument_expr<'v>(
    values: &FunctionValues<'v>,
    site: &CallSite,
    arguments: &[Argument],
    index: usize,
) -> Option<&'v Expr> {
    let mut found = None;
    values.body.walk(&mut |expr| {
        if expr.span != site.span || found.is_some() {
            return;
        }
        let exprs: Vec<&Expr> = match &expr.kind {
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::MethodCall {
                receiver, method, ..
            } => std::iter::once(&**receiver).chain(method.args()).collect(),
            _ => return,
        };
        found = arguments
            .iter()
            .zip(exprs)
            .find(|(argument, _)| argument.param == ParamSlot::at(index))
            .map(|(_, expr)| expr);
    });
    found
}

/// The names of a workspace struct's fields declared with a channel end or a lock in
/// their type: a store into a field of another name is never recorded, so a function that
/// makes none needs no look at its values.
fn channel_or_lock_members<'i>(
    inputs: &'i Inputs<'_, '_>,
    owner: &'i str,
    item: crate::analysis::items::ItemRef,
) -> impl Iterator<Item = &'i str> {
    let typing = inputs.typing;
    typing.types.files[item.file()].structs[item.index()]
        .fields
        .iter()
        .filter(move |field| {
            typing
                .field_type(owner, &field.name)
                .as_ref()
                .is_some_and(holds_channel_or_lock)
        })
        .map(|field| field.name.as_str())
}

impl OriginFacts {
    /// Computes the field facts, one function per task: where the channel ends and locks
    /// stored in struct fields were created, from the functions the walks found storing
    /// into such a field.
    pub fn prepare_fields(
        &self,
        inputs: &Inputs<'_, '_>,
        functions: &crate::analysis::function_map::FunctionMap<FunctionLocks>,
    ) {
        // The walks found which bodies store into such a field: only those are read.
        let storing: Vec<FunctionRef> = inputs
            .functions_in_scope()
            .filter(|function| {
                functions
                    .get(function)
                    .is_some_and(|locks| locks.stores_channel_or_lock_field)
            })
            .collect();
        let stores: Vec<_> = storing
            .par_iter()
            .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
            .map(|function_ref| stores_in(inputs, *function_ref))
            .collect();
        // Made once, before the pass asks any origin question.
        let _ = self.fields.set(merge_stores(stores.into_iter()));
    }
}

impl OriginFacts {
    /// A digest of the field origins (see `stored_walks::prepass_digest`): what the
    /// blocking sites read of other files' bodies besides what [`super::note_read_of_file`]
    /// notes.
    pub fn fields_digest(&self) -> u128 {
        let fields = self.fields.get();
        crate::analysis::locks::stored_walks::prepass_digest(&[&|| {
            crate::analysis::locks::stored_walks::texts(fields.into_iter().flatten())
        }])
    }
}

/// The names of the workspace structs' fields declared with a channel end or a lock in
/// their type (see [`channel_or_lock_members`]), found in parallel.
pub(in crate::analysis::locks) fn channel_or_lock_member_names<'i>(
    inputs: &'i Inputs<'_, '_>,
) -> HashSet<&'i str> {
    let structs: Vec<_> = inputs.typing.types.items.structs().collect();
    structs
        .into_par_iter()
        .flat_map_iter(|(owner, item)| channel_or_lock_members(inputs, owner, item))
        .collect()
}

/// The (struct, field) stores of one function that stores into a field that can hold a
/// channel end or a lock ([`stores_fields`]), and where each stored value was created.
fn stores_in(
    inputs: &Inputs<'_, '_>,
    function_ref: FunctionRef,
) -> Vec<((String, String), Origins)> {
    let search = Search {
        inputs,
        with_fields: false,
    };
    let typing = inputs.typing;
    // Read for this only: the tree is decoded for the moment.
    let body = inputs.function(function_ref).body.read();
    let values = inputs.values_with(function_ref, &body);
    let mut stores = Vec::new();
    let mut record = |owner: String, member: &str, value: &Expr| {
        let declared = typing.field_type(&owner, member);
        if !declared.as_ref().is_some_and(holds_channel_or_lock) {
            return;
        }
        let found = search.origins(&values, value, 0, 0);
        if !found.is_empty() {
            stores.push(((owner, member.to_string()), found));
        }
    };
    values.body.walk(&mut |expr| match &expr.kind {
        ExprKind::Struct(literal) => {
            let owner = typing.types.resolve_path(&values.at, &literal.path);
            for (member, value) in &literal.fields {
                record(owner.clone(), member, value);
            }
        }
        ExprKind::Assign { target, value } => {
            if let Some((base, member)) = assigned_field(target)
                && let Some(owner) = values.type_of(base)
                && let Some(owner) = deref_value(&owner).path()
            {
                record(owner.to_string(), member, value);
            }
        }
        // `self.subscribers.insert(id, tx)`: the field's collection holds `tx`.
        ExprKind::MethodCall {
            receiver, method, ..
        } if stores_element(method) => {
            if let Some(value) = method.args().last()
                && let Some((base, member)) = assigned_field(peel_entry(receiver))
                && let Some(owner) = values.type_of(base)
                && let Some(owner) = deref_value(&owner).path()
            {
                record(owner.to_string(), member, value);
            }
        }
        _ => {}
    });
    stores
}

/// All stores' origins by field, each field's limited to the first [`MAX_ORIGINS`] (the same
/// whatever order the stores come in).
fn merge_stores(
    stores: impl Iterator<Item = Vec<((String, String), Origins)>>,
) -> HashMap<(String, String), Origins> {
    let mut facts: HashMap<(String, String), Origins> = HashMap::default();
    for (field, found) in stores.flatten() {
        let entry = facts.entry(field).or_default();
        entry.extend(found);
        *entry = limit(std::mem::take(entry));
    }
    facts
}

/// Whether the body stores into a field named in `members`: a struct literal's field, an
/// assignment to a field, or an element stored in a field's collection.
pub(in crate::analysis::locks) fn stores_fields(
    body: &crate::model::Block,
    members: &HashSet<&str>,
) -> bool {
    let mut found = false;
    body.walk(&mut |expr| {
        if found {
            return;
        }
        found = match &expr.kind {
            ExprKind::Struct(literal) => literal
                .fields
                .iter()
                .any(|(field, _)| members.contains(field.as_str())),
            ExprKind::Assign { target, .. } => {
                assigned_field(target).is_some_and(|(_, member)| members.contains(member))
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if stores_element(method) => assigned_field(peel_entry(receiver))
                .is_some_and(|(_, member)| members.contains(member)),
            _ => false,
        };
    });
    found
}

/// `map.entry(k)` → `map` (`map.entry(k).or_insert(tx)` stores in `map`).
fn peel_entry(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } if method == "entry" => receiver,
        _ => expr,
    }
}

/// `self.tx = ..`, `*self.tx.lock().unwrap() = ..`: the field assigned.
fn assigned_field(target: &Expr) -> Option<(&Expr, &str)> {
    let mut current = target;
    loop {
        match &current.kind {
            ExprKind::Field(field) => return Some((&field.base, &field.member)),
            ExprKind::Deref(inner) | ExprKind::Await(inner) | ExprKind::Try(inner) => {
                current = inner
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if acquire_method(method).is_some() || is_result_adapter(method) => {
                current = receiver
            }
            _ => return None,
        }
    }
}

fn holds_channel_or_lock(ty: &Ty) -> bool {
    match ty {
        Ty::Path { path, args } => {
            is_channel_end_type(path)
                || lock_type_at(path).is_some()
                || args.iter().any(holds_channel_or_lock)
        }
        Ty::Ref { inner, .. } | Ty::Slice(inner) => holds_channel_or_lock(inner),
        Ty::Tuple(elements) => elements.iter().any(holds_channel_or_lock),
        Ty::Bounds(_) | Ty::Unknown => false,
    }
}
