//! Whether a sender's channel was built with a capacity. Senders of crossbeam, flume,
//! async-channel and kanal have one type for bounded and unbounded channels, so only the
//! construction tells: the sender is followed back through locals (`let (tx, rx) =
//! bounded(8)`, clones), the parameters it came in through (to the arguments of every
//! caller, a few calls deep), and struct fields (to every struct literal and assignment
//! that stores a sender in that field).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Inputs;
use super::values::{FunctionValues, Position, deref_value};
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::{CallSite, ParamSlot};
use crate::analysis::types::Ty;
use crate::knowledge::adaptors::is_result_adapter;
use crate::knowledge::blocking::is_bounded_only_sender;
use crate::knowledge::channels::{ChannelCapacity, channel_constructor};
use crate::knowledge::collections::is_success_variant;
use crate::knowledge::locks::{acquire_method, is_identity_method, is_shared_pointer_clone_path};
use crate::model::{Expr, ExprKind};

/// How many calls a sender is followed back through parameters.
const MAX_CALLER_DEPTH: usize = 2;
/// How many bindings deep a local is followed.
const MAX_LOCAL_DEPTH: usize = 6;
/// Callers looked at per parameter.
const MAX_CALLERS: usize = 16;

/// What is known of a channel's capacity from the places that built it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    Bounded,
    /// Unbounded somewhere (or both): a send may never wait.
    NotBounded,
}

fn merge(a: Option<Known>, b: Option<Known>) -> Option<Known> {
    match (a, b) {
        (Some(Known::NotBounded), _) | (_, Some(Known::NotBounded)) => Some(Known::NotBounded),
        (Some(Known::Bounded), _) | (_, Some(Known::Bounded)) => Some(Known::Bounded),
        _ => None,
    }
}

/// The program-wide facts capacity questions need, built on first use.
#[derive(Default)]
pub struct CapacityFacts {
    /// Callers of each function: (caller, call site span).
    callers: OnceLock<HashMap<FunctionRef, Vec<(FunctionRef, crate::span::Span)>>>,
    /// (struct, field) → what the senders stored there were built as.
    fields: OnceLock<HashMap<(String, String), Known>>,
}

/// Whether the channel of the sender `expr` (in `values`' function) is known to be bounded.
pub fn is_bounded(inputs: &Inputs<'_, '_>, values: &FunctionValues<'_>, expr: &Expr) -> bool {
    Search {
        inputs,
        with_fields: true,
    }
    .capacity(values, expr, 0, 0)
        == Some(Known::Bounded)
}

struct Search<'i, 'c, 'a> {
    inputs: &'i Inputs<'c, 'a>,
    /// Off while the field facts themselves are being built.
    with_fields: bool,
}

impl Search<'_, '_, '_> {
    fn capacity(
        &self,
        values: &FunctionValues<'_>,
        expr: &Expr,
        local_depth: usize,
        caller_depth: usize,
    ) -> Option<Known> {
        if local_depth > MAX_LOCAL_DEPTH {
            return None;
        }
        let next = local_depth + 1;
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                let mut known = None;
                for local in values.bindings(name) {
                    known = merge(
                        known,
                        self.of_binding(values, local.source, local.position, next, caller_depth),
                    );
                }
                if known.is_none()
                    && let Some(index) = values.param_index(name)
                {
                    known = self.through_callers(values.function_ref, index, caller_depth);
                }
                known
            }
            ExprKind::Field { base, member } => {
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
                    return None;
                }
                let owner = values.type_of(base)?;
                let owner = deref_value(&owner).path()?.to_string();
                self.field(&owner, member)
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } if args.is_empty()
                && (is_identity_method(method)
                    || is_result_adapter(method)
                    || acquire_method(method).is_some()) =>
            {
                self.capacity(values, receiver, next, caller_depth)
            }
            ExprKind::Call { callee, args } if args.len() == 1 => {
                let ExprKind::Path(path) = &callee.kind else {
                    return None;
                };
                let wraps = is_shared_pointer_clone_path(&path.segments)
                    || is_success_variant(path.last())
                    || path.last() == "new"
                    || path.last() == "from";
                if wraps {
                    self.capacity(values, &args[0], next, caller_depth)
                } else {
                    None
                }
            }
            ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner)
            | ExprKind::Try(inner)
            | ExprKind::Await(inner) => self.capacity(values, inner, next, caller_depth),
            _ => None,
        }
    }

    fn of_binding(
        &self,
        values: &FunctionValues<'_>,
        source: &Expr,
        position: Position,
        local_depth: usize,
        caller_depth: usize,
    ) -> Option<Known> {
        match position {
            Position::Whole => self.capacity(values, source, local_depth, caller_depth),
            Position::TupleField(_) => {
                let site = values.call_at(peel_result(source).span)?;
                let constructor = channel_constructor(&site.resolved_path()?.display())?;
                Some(match constructor.capacity {
                    ChannelCapacity::Bounded => Known::Bounded,
                    ChannelCapacity::Unbounded => Known::NotBounded,
                })
            }
            Position::Inside => None,
        }
    }

    /// The capacity of what every caller passes as parameter `index`.
    fn through_callers(
        &self,
        function: FunctionRef,
        index: usize,
        caller_depth: usize,
    ) -> Option<Known> {
        if caller_depth >= MAX_CALLER_DEPTH {
            return None;
        }
        let callers = self
            .inputs
            .capacity
            .callers
            .get_or_init(|| callers_index(self.inputs));
        let mut known = None;
        for (caller, span) in callers
            .get(&function)
            .into_iter()
            .flatten()
            .take(MAX_CALLERS)
        {
            let values = self.inputs.values_of(*caller);
            let Some(site) = values.call_at(*span) else {
                continue;
            };
            let Some(argument) = argument_expr(&values, site, index) else {
                continue;
            };
            known = merge(known, self.capacity(&values, argument, 0, caller_depth + 1));
        }
        known
    }

    fn field(&self, owner: &str, member: &str) -> Option<Known> {
        let fields = self
            .inputs
            .capacity
            .fields
            .get_or_init(|| field_facts(self.inputs));
        fields
            .get(&(owner.to_string(), member.to_string()))
            .copied()
    }
}

/// `x?`, `x.unwrap()` → `x`.
fn peel_result(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Try(inner) => peel_result(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if is_result_adapter(method) => peel_result(receiver),
        _ => expr,
    }
}

fn callers_index(
    inputs: &Inputs<'_, '_>,
) -> HashMap<FunctionRef, Vec<(FunctionRef, crate::span::Span)>> {
    let mut callers: HashMap<FunctionRef, Vec<(FunctionRef, crate::span::Span)>> = HashMap::new();
    for site in inputs.call_sites.all() {
        let Some(caller) = site.function else {
            continue;
        };
        for callee in &site.callees {
            callers
                .entry(*callee)
                .or_default()
                .push((caller, site.span));
        }
    }
    callers
}

/// The argument expression of `site` that binds parameter `index`.
fn argument_expr<'v>(
    values: &FunctionValues<'v>,
    site: &CallSite,
    index: usize,
) -> Option<&'v Expr> {
    let mut found = None;
    values.function.body.walk(&mut |expr| {
        if expr.span != site.span || found.is_some() {
            return;
        }
        let exprs: Vec<&Expr> = match &expr.kind {
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::MethodCall { receiver, args, .. } => {
                std::iter::once(&**receiver).chain(args).collect()
            }
            _ => return,
        };
        found = site
            .arguments
            .iter()
            .zip(exprs)
            .find(|(argument, _)| argument.param == ParamSlot::Index(index))
            .map(|(_, expr)| expr);
    });
    found
}

/// For every struct field declared with a sender type whose capacity depends on its
/// construction: what the senders stored in it were built as.
fn field_facts(inputs: &Inputs<'_, '_>) -> HashMap<(String, String), Known> {
    let search = Search {
        inputs,
        with_fields: false,
    };
    let typing = inputs.typing;
    let mut facts: HashMap<(String, String), Known> = HashMap::new();
    for function_ref in inputs.functions_in_scope() {
        let function = inputs.function(function_ref);
        if !stores_fields(&function.body) {
            continue;
        }
        let values = inputs.values_of(function_ref);
        let mut record = |owner: String, member: &str, value: &Expr| {
            let declared = typing.field_type(&owner, member);
            if !declared.as_ref().is_some_and(mentions_bounded_only_sender) {
                return;
            }
            let known = search.capacity(&values, value, 0, 0);
            let key = (owner, member.to_string());
            let merged = merge(facts.get(&key).copied(), known);
            if let Some(merged) = merged {
                facts.insert(key, merged);
            }
        };
        function.body.walk(&mut |expr| match &expr.kind {
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
            _ => {}
        });
    }
    facts
}

fn stores_fields(body: &crate::model::Block) -> bool {
    let mut found = false;
    body.walk(&mut |expr| {
        found |= matches!(expr.kind, ExprKind::Struct(_) | ExprKind::Assign { .. });
    });
    found
}

/// `self.tx = ..`, `*self.tx.lock().unwrap() = ..`: the field assigned.
fn assigned_field(target: &Expr) -> Option<(&Expr, &str)> {
    let mut current = target;
    loop {
        match &current.kind {
            ExprKind::Field { base, member } => return Some((base, member)),
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

fn mentions_bounded_only_sender(ty: &Ty) -> bool {
    match ty {
        Ty::Path { path, args } => {
            is_bounded_only_sender(path) || args.iter().any(mentions_bounded_only_sender)
        }
        Ty::Ref { inner, .. } | Ty::Slice(inner) => mentions_bounded_only_sender(inner),
        Ty::Tuple(elements) => elements.iter().any(mentions_bounded_only_sender),
        Ty::Bounds(_) | Ty::Unknown => false,
    }
}
