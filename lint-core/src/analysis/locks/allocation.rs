//! Lock identity by allocation site: one `Arc<Mutex<_>>` created once and stored in fields
//! of different structs is one lock. An `Arc` is followed from its construction
//! (`Arc::new(Mutex::new(..))`) through locals, `clone()`, `Arc::clone(&x)`, constructor
//! arguments and struct literals into the fields where it is stored; fields that hold
//! clones of one allocation (or a clone of each other) become one class, as lockdep
//! classes locks by their initialization site. Where the flow is not visible, a field keeps
//! its own class.

use crate::hash::HashMap;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use super::identity::{ClassKey, Identity, IdentityContext};
use super::summaries::Reach;
use crate::analysis::FunctionRef;
use crate::analysis::call_sites::{CallSites, ParamSlot};
use crate::knowledge::locks::{is_shared_pointer_clone_path, is_shared_pointer_new_path};
use crate::model::{Block, Expr, ExprKind, Function, Stmt};
use crate::span::Span;

/// How many steps (locals, parameters to call sites) an origin is followed.
const MAX_DEPTH: usize = 4;

/// Which field classes are one lock, and under which class they are analyzed.
#[derive(Default, Debug)]
pub struct SharedLocks {
    /// Each field class that shares its lock with others, to the class that stands for all.
    pub canonical: HashMap<ClassKey, ClassKey>,
    /// For each standing class, the other fields that hold the same lock.
    pub aliases: BTreeMap<ClassKey, Vec<ClassKey>>,
}

/// Where a value stored in a lock field comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    /// `Arc::new(..)` at this span.
    Allocation(Span),
    /// Another lock field (`self.buffer.clone()`).
    Field(ClassKey),
    /// Something the trace does not follow.
    Unknown,
}

pub fn find_shared<'a>(
    functions: &[(FunctionRef, &'a Function)],
    identity_of: &(dyn Fn(FunctionRef, &'a Function) -> IdentityContext<'a> + Sync),
    call_sites: &CallSites,
) -> SharedLocks {
    let by_ref: HashMap<FunctionRef, &'a Function> = functions.iter().copied().collect();
    let tracer = Tracer {
        functions: &by_ref,
        identity_of,
        call_sites,
    };
    // Each function's stores are traced independently (in parallel), then merged in
    // function order.
    let stores: Vec<Vec<(ClassKey, BTreeSet<Origin>)>> = functions
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .filter(|(_, function)| function.contents.struct_literal)
        .map(|(function_ref, function)| {
            let identity = identity_of(*function_ref, function);
            let mut stores = Vec::new();
            function.body.read().walk(&mut |expr| {
                let ExprKind::Struct(literal) = &expr.kind else {
                    return;
                };
                for (field, value) in &literal.fields {
                    let Some(class) = stored_field(&identity, &literal.path, field) else {
                        continue;
                    };
                    let mut origins = BTreeSet::new();
                    tracer.origins(*function_ref, value, 0, &mut origins);
                    stores.push((class, origins));
                }
            });
            stores
        })
        .collect();
    let mut stored: BTreeMap<ClassKey, BTreeSet<Origin>> = BTreeMap::new();
    for (class, found) in stores.into_iter().flatten() {
        let origins = stored.entry(class).or_default();
        let before = origins.len();
        origins.extend(found);
        if origins.len() == before {
            // Nothing new was followed from this store: the field has no single origin.
            origins.insert(Origin::Unknown);
        }
    }
    shared_fields(&stored)
}

/// Fields whose every store holds one and the same allocation (directly, or as a clone of
/// another such field) share that lock. A field given different allocations in different
/// places (a struct that keeps whichever lock it is handed) is not evidence that those
/// are one lock, and keeps its own class.
fn shared_fields(stored: &BTreeMap<ClassKey, BTreeSet<Origin>>) -> SharedLocks {
    let mut by_allocation: BTreeMap<Span, Vec<ClassKey>> = BTreeMap::new();
    for class in stored.keys() {
        if let Some(allocation) = single_allocation(class, stored, 0) {
            by_allocation
                .entry(allocation)
                .or_default()
                .push(class.clone());
        }
    }
    let mut shared = SharedLocks::default();
    for mut classes in by_allocation.into_values() {
        if classes.len() < 2 {
            continue;
        }
        classes.sort();
        let standing = classes[0].clone();
        for class in &classes[1..] {
            shared.canonical.insert(class.clone(), standing.clone());
        }
        shared.aliases.insert(standing, classes[1..].to_vec());
    }
    shared
}

/// The one allocation a field holds, following fields that are clones of other fields.
fn single_allocation(
    class: &ClassKey,
    stored: &BTreeMap<ClassKey, BTreeSet<Origin>>,
    depth: usize,
) -> Option<Span> {
    if depth > MAX_DEPTH {
        return None;
    }
    // A clone of the field into another value of the same struct (`Clone` impls) adds
    // nothing.
    let origins: Vec<&Origin> = stored
        .get(class)?
        .iter()
        .filter(|origin| **origin != Origin::Field(class.clone()))
        .collect();
    let [origin] = origins[..] else {
        return None;
    };
    match origin {
        Origin::Allocation(span) => Some(*span),
        Origin::Field(other) if other != class => single_allocation(other, stored, depth + 1),
        _ => None,
    }
}

/// The class of `owner.field` when the struct literal's field holds a lock.
fn stored_field(
    identity: &IdentityContext<'_>,
    path: &crate::model::PathRef,
    field: &str,
) -> Option<ClassKey> {
    let owner = match path.last() {
        "Self" => identity.at.self_type?.to_string(),
        _ => identity.canonical_path(path),
    };
    identity.field_lock_class(&owner, field)
}

struct Tracer<'t, 'a> {
    functions: &'t HashMap<FunctionRef, &'a Function>,
    identity_of: &'t (dyn Fn(FunctionRef, &'a Function) -> IdentityContext<'a> + Sync),
    /// The call sites, with the callers of each function.
    call_sites: &'t CallSites,
}

impl Tracer<'_, '_> {
    /// Every origin `value` (in `function`) may come from.
    fn origins(
        &self,
        function: FunctionRef,
        value: &Expr,
        depth: usize,
        out: &mut BTreeSet<Origin>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(body) = self.functions.get(&function) else {
            return;
        };
        let value = peel_clones(value);
        match &value.kind {
            ExprKind::Call { callee, .. } if is_arc_new(callee) => {
                out.insert(Origin::Allocation(value.span));
            }
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                if let Some(index) = body
                    .params
                    .iter()
                    .position(|param| param.pattern.simple_name() == Some(name))
                {
                    self.argument_origins(function, index, depth, out);
                } else if let Some(init) = last_let(&body.body, name) {
                    self.origins(function, init, depth + 1, out);
                }
            }
            ExprKind::Field { .. } => {
                let identity = (self.identity_of)(function, body);
                if let Identity::Lock(target) = identity.identify(value)
                    && matches!(target.class, ClassKey::Field { .. })
                {
                    out.insert(Origin::Field(target.class));
                }
            }
            _ => {}
        }
    }

    /// What the callers of `function` pass to its parameter `index`.
    fn argument_origins(
        &self,
        function: FunctionRef,
        index: usize,
        depth: usize,
        out: &mut BTreeSet<Origin>,
    ) {
        // A call listed twice (a macro giving two calls one span) is traced twice: the
        // origins are a set.
        let sites = self
            .call_sites
            .callers_of(function)
            .iter()
            .flat_map(|(caller, span)| {
                self.call_sites
                    .all_at(*caller, *span)
                    .iter()
                    .map(move |site| (*caller, site))
            })
            .filter(|(_, site)| site.callees.contains(&function));
        for (caller, site) in sites {
            let Some(argument) = self
                .call_sites
                .arguments(caller, site)
                .iter()
                .find(|argument| argument.param == ParamSlot::at(index))
            else {
                continue;
            };
            let Some(caller_body) = self.functions.get(&caller) else {
                continue;
            };
            if let Some(expr) = caller_body.body.expr_at(argument.span) {
                self.origins(caller, expr, depth + 1, out);
            }
        }
    }
}

/// `x.clone()`, `Arc::clone(&x)`, `&x`: the value `x` itself.
fn peel_clones(mut value: &Expr) -> &Expr {
    loop {
        value = match &value.kind {
            ExprKind::Reference { expr, .. } => expr,
            ExprKind::MethodCall {
                receiver, method, ..
            } if method == "clone" && method.args().is_empty() => receiver,
            ExprKind::Call { callee, args }
                if args.len() == 1
                    && matches!(&callee.kind, ExprKind::Path(path)
                        if is_shared_pointer_clone_path(&path.segments)) =>
            {
                &args[0]
            }
            _ => return value,
        };
    }
}

/// `Arc::new(..)` (or `Rc::new`, `std::sync::Arc::new`).
fn is_arc_new(callee: &Expr) -> bool {
    matches!(&callee.kind, ExprKind::Path(path) if is_shared_pointer_new_path(&path.segments))
}

/// The initializer of the last `let name = ..` in the body (any block).
fn last_let<'b>(body: &'b Block, name: &str) -> Option<&'b Expr> {
    let mut found = None;
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.pattern.simple_name() == Some(name)
                && let Some(init) = &let_stmt.init
            {
                found = Some(init);
            }
        }
    });
    found
}

/// A field that every value of its struct gets from the value that made it: `Lease { pool:
/// self, .. }` built in a `WorkerPool` method, `Handle { state: Arc::clone(&self.state) }`
/// built in a `Host` method. Through it, a `Lease`'s `pool.slots` is its maker's `slots`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackReference {
    /// The type whose methods make every value (`WorkerPool`).
    pub owner: String,
    /// The place stored, relative to the maker's `self` (`""`, `.state`).
    pub suffix: String,
}

/// (struct, field) → the back reference every struct literal of the struct stores in that
/// field; fields stored anything else anywhere are left out.
pub fn find_back_references<'a>(
    functions: &[(FunctionRef, &'a Function)],
    identity_of: &(dyn Fn(FunctionRef, &'a Function) -> IdentityContext<'a> + Sync),
) -> HashMap<(String, String), BackReference> {
    // Each function's stores are found independently (in parallel), then entered in
    // function order.
    let found: Vec<Vec<(FieldKey, Option<BackReference>)>> = functions
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .filter(|(_, function)| function.contents.struct_literal)
        .map(|(function_ref, function)| {
            let identity = identity_of(*function_ref, function);
            let maker = identity
                .at
                .self_type
                .filter(|_| function.receiver.is_some());
            let mut found = Vec::new();
            function.body.read().walk(&mut |expr| {
                let ExprKind::Struct(literal) = &expr.kind else {
                    return;
                };
                let target = match literal.path.last() {
                    "Self" => identity.at.self_type.map(str::to_string),
                    _ => Some(identity.canonical_path(&literal.path)),
                };
                let Some(target) = target else { return };
                for (field, value) in &literal.fields {
                    let reference = maker.and_then(|owner| {
                        self_relative(value).map(|suffix| BackReference {
                            owner: owner.to_string(),
                            suffix,
                        })
                    });
                    found.push(((target.clone(), field.clone()), reference));
                }
            });
            found
        })
        .collect();
    // What every store of a field holds so far: `None` once one store is not a back
    // reference or two stores differ.
    let mut agreed: HashMap<FieldKey, Option<BackReference>> = HashMap::default();
    for (key, reference) in found.into_iter().flatten() {
        match agreed.entry(key) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(reference);
            }
            std::collections::hash_map::Entry::Occupied(mut entry) => {
                if *entry.get() != reference {
                    entry.insert(None);
                }
            }
        }
    }
    agreed
        .into_iter()
        .filter_map(|(key, reference)| Some((key, reference?)))
        .collect()
}

/// A struct field: (the struct's canonical path, the field's name).
type FieldKey = (String, String);

/// `self` → `""`, `self.state`, `self.state.clone()`, `Arc::clone(&self.state)` →
/// `".state"`.
fn self_relative(value: &Expr) -> Option<String> {
    match &value.kind {
        ExprKind::Path(path) if path.segments.len() == 1 && path.last() == "self" => {
            Some(String::new())
        }
        ExprKind::Field(field) => Some(format!("{}.{}", self_relative(&field.base)?, field.member)),
        ExprKind::Reference { expr, .. } => self_relative(expr),
        ExprKind::MethodCall {
            receiver, method, ..
        } if method == "clone" && method.args().is_empty() => self_relative(receiver),
        ExprKind::Call { callee, args }
            if args.len() == 1
                && matches!(&callee.kind, ExprKind::Path(path)
                    if is_shared_pointer_clone_path(&path.segments)) =>
        {
            self_relative(&args[0])
        }
        _ => None,
    }
}

/// Back references with the types of functions, to name a callee's lock in its maker.
pub struct Makers<'m> {
    pub back_references: HashMap<(String, String), BackReference>,
    pub self_type_of: &'m (dyn Fn(FunctionRef) -> Option<String> + Sync),
    /// Whether a method takes `self` by value (a value holding a guard moves it in).
    pub consumes_self: &'m (dyn Fn(FunctionRef) -> bool + Sync),
}

impl Makers<'_> {
    /// When `callee` (a method of a value's type) takes a lock through a back reference to
    /// the value's maker (`self.pool.slots` in `Lease::drop`) and `caller` is a method of
    /// that maker: the lock's place in the caller (`self.slots`), with (value type, maker
    /// type). This assumes the value was made by the caller's `self`.
    pub fn place_in_maker(
        &self,
        caller: FunctionRef,
        callee: FunctionRef,
        reach: &Reach,
    ) -> Option<(String, (String, String))> {
        if self.back_references.is_empty() {
            return None;
        }
        let suffix = reach.self_suffix.as_deref()?.strip_prefix('.')?;
        let (field, rest) = match suffix.find(['.', '[']) {
            Some(end) => (&suffix[..end], &suffix[end..]),
            None => (suffix, ""),
        };
        let value_type = (self.self_type_of)(callee)?;
        let reference = self
            .back_references
            .get(&(value_type.clone(), field.to_string()))?;
        let maker = (self.self_type_of)(caller)?;
        (maker == reference.owner).then(|| {
            (
                format!("self{}{rest}", reference.suffix),
                (value_type, maker),
            )
        })
    }
}
