//! The call-site layer: every call, method call and macro invocation of every body,
//! resolved once for every analysis and rule. For each call it gives the canonical path of
//! what is called, the workspace functions it may reach (and how sure that is), and, for a
//! call that may reach one, the arguments with the parameter each one binds and its type
//! when the syntax says it. (Every reader of arguments maps them onto a callee's
//! parameters; a call that reaches no workspace function, most of them, keeps none.)
//!
//! Nothing else resolves a call: the lock walk, the loop fact and the rules look calls up
//! here by the call expression's span.

mod stored;

use crate::hash::{HashMap, HashSet, Rows, RunCopies};
use std::cell::RefCell;
use std::sync::Arc;

use rayon::prelude::*;

use super::FunctionRef;
use super::items::ItemIndex;
use super::stored_results::StoredResults;
use super::types::{Ty, TypeScope};
use super::typing::{FunctionTypes, Typing};
use crate::knowledge::locks::{is_identity_method, is_shared_pointer_clone_path};
use crate::knowledge::std_items::is_common_method_name;
use crate::model::{Expr, ExprKind, Function, PathRef, ScopeId};
use crate::resolve::Resolved;
use crate::span::Span;

/// What is called.
#[derive(Clone, Debug)]
pub enum CallTarget {
    /// `path(args)`: `helper(x)`, `Self::new()`, `tokio::spawn(f)`.
    /// The path as written is in the body, at the call's span (nearly nothing reads it:
    /// one copy per call was a hash lookup per call).
    Path {
        /// The canonical path (`Self::` replaced by the impl's type).
        resolved: Arc<Resolved>,
    },
    /// `receiver.method(args)`. The name behind a thin pointer: every variant is one
    /// pointer, so a target is 16 bytes.
    Method { name: Arc<String> },
    /// `path!(..)`: a macro invocation (no callees).
    Macro { resolved: Arc<Resolved> },
    /// A call of a value: `(self.callback)(x)`, `make()()`.
    Value,
}

/// How the callees of a call were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resolution {
    /// By path, or through the receiver's known type.
    Exact,
    /// A trait method called on `dyn Trait`, `impl Trait` or a bounded generic (or as
    /// `Trait::method(x)` with `x` unknown): every workspace implementation.
    Dispatch,
    /// The only workspace method of that name, the receiver's type being unknown: a guess.
    ByName,
    /// Nothing in the workspace is called (a library function, a closure, a macro).
    External,
}

/// The parameter an argument binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ParamSlot {
    /// `self` of a method (the receiver, or the first argument of `Type::method(x)`).
    Receiver,
    /// The parameter at this position, `self` not counted (16 bits: an argument is then 24
    /// bytes instead of 32, and a run holds millions; a position past 65,535, which no
    /// function has, is kept as 65,535).
    Index(u16),
}

impl ParamSlot {
    /// The parameter at `position`, `self` not counted.
    pub fn at(position: usize) -> ParamSlot {
        ParamSlot::Index(u16::try_from(position).unwrap_or(u16::MAX))
    }
}

#[derive(Clone, Debug)]
pub struct Argument {
    pub span: Span,
    pub param: ParamSlot,
    /// The argument's type, when the syntax says it (one copy of each type per file: most
    /// arguments have none, and a file's calls pass the same few types).
    pub ty: Option<Arc<Ty>>,
}

#[derive(Clone, Debug)]
pub struct CallSite {
    // 48 bytes (a run keeps millions): without the calling function ([`CallSites`] keeps
    // each function's calls apart), the callees behind one pointer, the arguments in the
    // function's array, a 16-byte target, and no spans of the callee or method name
    // (nothing read them).
    /// The whole call expression.
    pub span: Span,
    pub target: CallTarget,
    /// Shared with every other call of the file that may reach the same functions (a
    /// method resolved by name can have hundreds).
    pub callees: Callees,
    pub resolution: Resolution,
    /// The receiver first (for method calls), then the arguments, in order: where they are
    /// in the calling function's arguments ([`CallSites::arguments`]), all of one function's
    /// calls in one array (no allocation per call). Empty when `callees` is.
    arguments: ArgumentRange,
}

/// Where a call's arguments are in its function's argument array.
#[derive(Clone, Copy, Debug, Default)]
struct ArgumentRange {
    start: u32,
    len: u32,
}

impl CallSite {
    /// The canonical path of a path call or macro.
    pub fn resolved_path(&self) -> Option<&Resolved> {
        match &self.target {
            CallTarget::Path { resolved, .. } | CallTarget::Macro { resolved, .. } => {
                Some(resolved)
            }
            CallTarget::Method { .. } | CallTarget::Value => None,
        }
    }

    /// This call's arguments, given all the arguments of its function's calls
    /// ([`CallSites::arguments_of`]).
    pub fn arguments_in<'a>(&self, function_arguments: &'a [Argument]) -> &'a [Argument] {
        let start = self.arguments.start as usize;
        function_arguments
            .get(start..start + self.arguments.len as usize)
            .unwrap_or(&[])
    }
}

/// The functions a call may reach: none (most calls: library functions, closures), or a
/// list shared with every other call of the file that may reach the same ones. One
/// pointer (8 bytes, not 16), and no allocation when there are none; reads as a slice.
#[derive(Clone, Debug, Default)]
pub struct Callees(Option<Arc<Box<[FunctionRef]>>>);

impl Callees {
    /// A list of its own (calls not in the call-site layer).
    pub fn of(functions: &[FunctionRef]) -> Callees {
        if functions.is_empty() {
            Callees(None)
        } else {
            Callees(Some(Arc::new(functions.into())))
        }
    }
}

/// Written as the list (results kept between runs); read back as a list of its own.
impl serde::Serialize for Callees {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Callees {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Callees, D::Error> {
        let functions = <Vec<FunctionRef>>::deserialize(deserializer)?;
        Ok(Callees::of(&functions))
    }
}

impl std::ops::Deref for Callees {
    type Target = [FunctionRef];

    fn deref(&self) -> &[FunctionRef] {
        self.0.as_deref().map_or(&[], |functions| functions)
    }
}

/// One copy of each canonical path, method name and argument type for the whole run,
/// shared by the call sites of every file: the files of a run call the same standard and
/// library paths and methods. Each file looks a value up here only the first time it meets
/// it ([`Interned`] keeps the file's own), so the locks are taken rarely.
#[derive(Default)]
struct RunShared {
    resolved: RunCopies<Resolved>,
    methods: RunCopies<String>,
    types: RunCopies<Ty>,
}

/// One copy of each canonical path, method name and argument type of a file's calls,
/// shared by its call sites: most calls of a file name the same few paths (`Arc::clone`,
/// `lock`), and a copy per call was most of the call-site layer's memory. New values come
/// from the run's copies ([`RunShared`]).
struct Interned<'r> {
    run: &'r RunShared,
    resolved: HashMap<(String, bool), Arc<Resolved>>,
    methods: HashMap<String, Arc<String>>,
    callees: HashMap<Vec<FunctionRef>, Callees>,
    types: HashSet<Arc<Ty>>,
    /// Each path as written in a scope, resolved (not for `Self::` paths, which also depend
    /// on the function's `impl`): a file's calls name the same paths over and over.
    by_scope: HashMap<ScopeId, HashMap<PathRef, Arc<Resolved>>>,
    /// The methods found for `Type::method`, by arity: a file calls the same methods of
    /// the same types over and over (and a type with many impls of one operator trait has
    /// hundreds of candidates to filter).
    type_methods: HashMap<String, Vec<(usize, Vec<FunctionRef>)>>,
}

impl<'r> Interned<'r> {
    fn new(run: &'r RunShared) -> Interned<'r> {
        Interned {
            run,
            resolved: HashMap::default(),
            methods: HashMap::default(),
            callees: HashMap::default(),
            types: HashSet::default(),
            by_scope: HashMap::default(),
            type_methods: HashMap::default(),
        }
    }

    fn resolved(&mut self, canonical: String, via_glob: bool) -> Arc<Resolved> {
        let run = self.run;
        self.resolved
            .entry((canonical, via_glob))
            .or_insert_with_key(|(canonical, via_glob)| {
                let resolved = Resolved {
                    segments: canonical.split("::").map(str::to_string).collect(),
                    via_glob: *via_glob,
                };
                run.resolved.share(Arc::new(resolved))
            })
            .clone()
    }

    fn callees(&mut self, callees: Vec<FunctionRef>) -> Callees {
        self.callees
            .entry(callees)
            .or_insert_with_key(|callees| Callees::of(callees))
            .clone()
    }

    fn ty(&mut self, ty: Ty) -> Arc<Ty> {
        if let Some(shared) = self.types.get(&ty) {
            return shared.clone();
        }
        let shared = self.run.types.share(Arc::new(ty));
        self.types.insert(shared.clone());
        shared
    }

    fn method(&mut self, name: &str) -> Arc<String> {
        if let Some(shared) = self.methods.get(name) {
            return shared.clone();
        }
        let shared = self.run.methods.share(Arc::new(name.to_string()));
        self.methods.insert(name.to_string(), shared.clone());
        shared
    }
}

/// Every call site of the program, per function (sorted by span).
#[derive(Default)]
pub struct CallSites {
    by_function: Vec<Vec<FunctionCalls>>,
    /// For each workspace function, the calls that may reach it (caller, call span), in
    /// call-site order.
    callers: Rows<FunctionRef, (FunctionRef, Span)>,
}

/// One function's calls, sorted by span, and their arguments, in call order.
#[derive(Default)]
struct FunctionCalls {
    sites: Box<[CallSite]>,
    arguments: Box<[Argument]>,
}

impl FunctionCalls {
    /// Sorts the calls by span (one call per span: the first made), then lays their
    /// arguments out in that order.
    fn new(mut made: Vec<(CallSite, Vec<Argument>)>) -> FunctionCalls {
        made.sort_by_key(|(site, _)| (site.span.byte_start, site.span.byte_end));
        made.dedup_by_key(|(site, _)| (site.span.byte_start, site.span.byte_end));
        let mut arguments = Vec::with_capacity(made.iter().map(|(_, list)| list.len()).sum());
        let sites = made
            .into_iter()
            .map(|(mut site, list)| {
                site.arguments = ArgumentRange {
                    start: u32::try_from(arguments.len()).unwrap_or(u32::MAX),
                    len: u32::try_from(list.len()).unwrap_or(0),
                };
                arguments.extend(list);
                site
            })
            .collect();
        FunctionCalls {
            sites,
            arguments: arguments.into_boxed_slice(),
        }
    }
}

impl CallSites {
    /// The calls in `function`'s body, in source order.
    pub fn in_function(&self, function: FunctionRef) -> &[CallSite] {
        self.calls_of(function).map_or(&[], |calls| &calls.sites)
    }

    /// The arguments of every call in `function`'s body ([`CallSite::arguments_in`] finds
    /// one call's).
    pub fn arguments_of(&self, function: FunctionRef) -> &[Argument] {
        self.calls_of(function)
            .map_or(&[], |calls| &calls.arguments)
    }

    /// The arguments of `site`, a call in `function`'s body: the receiver first (for method
    /// calls), then the arguments, in order; none for a call with no workspace callee.
    pub fn arguments(&self, function: FunctionRef, site: &CallSite) -> &[Argument] {
        site.arguments_in(self.arguments_of(function))
    }

    fn calls_of(&self, function: FunctionRef) -> Option<&FunctionCalls> {
        self.by_function
            .get(function.file())
            .and_then(|functions| functions.get(function.index()))
    }

    /// The call whose expression is exactly `span` in `function`.
    pub fn at(&self, function: FunctionRef, span: Span) -> Option<&CallSite> {
        find_by_span(self.in_function(function), span)
    }

    /// Every call in `function` whose expression is exactly `span` (one, unless a macro
    /// gave several calls its own span).
    pub fn all_at(&self, function: FunctionRef, span: Span) -> &[CallSite] {
        let sites = self.in_function(function);
        let key = (span.byte_start, span.byte_end);
        let start = sites.partition_point(|site| (site.span.byte_start, site.span.byte_end) < key);
        let end = sites.partition_point(|site| (site.span.byte_start, site.span.byte_end) <= key);
        &sites[start..end]
    }

    /// The calls in function bodies that may reach `function`: (caller, call span).
    pub fn callers_of(&self, function: FunctionRef) -> &[(FunctionRef, Span)] {
        self.callers.get(&function)
    }

    /// Every call site, function bodies in file order (static and constant initializers are
    /// not kept).
    pub fn all(&self) -> impl Iterator<Item = (&CallSite, &[Argument])> {
        self.by_function.iter().flatten().flat_map(|calls| {
            calls
                .sites
                .iter()
                .map(|site| (site, site.arguments_in(&calls.arguments)))
        })
    }
}

/// The call with exactly this span in a list sorted by span.
pub fn find_by_span(sites: &[CallSite], span: Span) -> Option<&CallSite> {
    let key = (span.byte_start, span.byte_end);
    sites
        .binary_search_by_key(&key, |site| (site.span.byte_start, site.span.byte_end))
        .ok()
        .map(|index| &sites[index])
}

/// The local types and the resolved calls of every function, in parallel and in one sweep:
/// each body is decoded once, for both, and dropped (the run never holds every body's tree).
/// The types are made for every function, the calls only for those in `scope`. A file's
/// are taken from `results` when it has them for this file and these interfaces of the
/// others, and stored there when worked out (see `stored_results.rs`).
pub(crate) fn collect_with_types(
    typing: Typing<'_>,
    scope: super::Scope,
    results: Option<&StoredResults<'_>>,
) -> (Vec<Vec<FunctionTypes>>, CallSites) {
    let files = typing.types.files;
    let run = RunShared::default();
    let (function_types, by_function): (Vec<Vec<FunctionTypes>>, Vec<Vec<FunctionCalls>>) = files
        .par_iter()
        .with_max_len(crate::analysis::FILES_PER_TASK)
        .enumerate()
        .map(|(file, facts)| {
            let interned = RefCell::new(Interned::new(&run));
            StoredResults::reuse_or_work_out(
                results,
                file,
                facts,
                |bytes| stored::decode(bytes, file, files, &interned.borrow()),
                || file_types_and_calls(typing, scope, file, facts, &interned),
                |(types, calls)| Some(stored::encode(types, calls)),
            )
        })
        .unzip();
    // Built with the sites, before any pass that reads it runs.
    let callers = Rows::group(&|emit| {
        for (file, functions) in by_function.iter().enumerate() {
            for (index, calls) in functions.iter().enumerate() {
                let caller = FunctionRef::new(file, index);
                for site in calls.sites.iter() {
                    for callee in site.callees.iter() {
                        emit(*callee, (caller, site.span));
                    }
                }
            }
        }
    });
    let call_sites = CallSites {
        by_function,
        callers,
    };
    (function_types, call_sites)
}

/// The local types and calls of the functions of file `file`, worked out.
fn file_types_and_calls<'p>(
    typing: Typing<'p>,
    scope: super::Scope,
    file: usize,
    facts: &crate::model::FileFacts,
    interned: &RefCell<Interned<'p>>,
) -> (Vec<FunctionTypes>, Vec<FunctionCalls>) {
    let mut shared_types = crate::hash::HashSet::default();
    facts
        .functions
        .iter()
        .enumerate()
        .map(|(index, function)| {
            let function_ref = FunctionRef::new(file, index);
            let body = function.body.read();
            let self_type = typing.types.items.self_type_of(function_ref);
            let mut types = typing.function_types(file, function, &body, self_type);
            types.share_types(&mut shared_types);
            if !scope.contains(function) {
                return (types, FunctionCalls::default());
            }
            let collector = Collector {
                typing,
                at: function_scope(typing.types.items, function_ref, function),
                types: &types,
                file,
                interned,
            };
            let mut made = Vec::new();
            body.walk(&mut |expr| collector.push_site(expr, &mut made));
            (types, FunctionCalls::new(made))
        })
        .unzip()
}

/// Where a function's body resolves its paths and types.
pub fn function_scope<'a>(
    items: &'a ItemIndex,
    function_ref: FunctionRef,
    function: &'a Function,
) -> TypeScope<'a> {
    TypeScope {
        file: function_ref.file(),
        scope: function.scope,
        self_type: items.self_type_of(function_ref),
        generics: &function.generics,
    }
}

struct Collector<'c, 'p> {
    typing: Typing<'p>,
    at: TypeScope<'c>,
    types: &'c FunctionTypes,
    file: usize,
    interned: &'c RefCell<Interned<'p>>,
}

impl Collector<'_, '_> {
    fn push_site(&self, expr: &Expr, made: &mut Vec<(CallSite, Vec<Argument>)>) {
        if let Some(site) = self.site(expr) {
            made.push(site);
        }
    }

    /// The call at `expr` (its arguments not yet placed) and its arguments.
    fn site(&self, expr: &Expr) -> Option<(CallSite, Vec<Argument>)> {
        let (target, mut callees, resolution, arguments) = match &expr.kind {
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Path(path) => self.path_call(path, args),
                // A value's call reaches no workspace function: no arguments kept.
                _ => (
                    CallTarget::Value,
                    Vec::new(),
                    Resolution::External,
                    Vec::new(),
                ),
            },
            ExprKind::MethodCall { receiver, method } => {
                self.method_call(receiver, method, method.args())
            }
            ExprKind::Macro(call) => (
                CallTarget::Macro {
                    resolved: self.resolve(&call.path),
                },
                Vec::new(),
                Resolution::External,
                Vec::new(),
            ),
            _ => return None,
        };
        self.typing
            .types
            .items
            .prefer_own_package(self.file, &mut callees);
        let site = CallSite {
            span: expr.span,
            target,
            callees: self.interned.borrow_mut().callees(callees),
            resolution,
            arguments: ArgumentRange::default(),
        };
        Some((site, arguments))
    }

    fn intern_type(&self, ty: Ty) -> Arc<Ty> {
        self.interned.borrow_mut().ty(ty)
    }

    fn resolve(&self, path: &PathRef) -> Arc<Resolved> {
        let names_self = path.segments.first().is_some_and(|first| first == "Self");
        if !names_self
            && let Some(known) = self
                .interned
                .borrow()
                .by_scope
                .get(&self.at.scope)
                .and_then(|paths| paths.get(path))
        {
            return known.clone();
        }
        let resolved = self.resolve_uncached(path);
        if !names_self {
            self.interned
                .borrow_mut()
                .by_scope
                .entry(self.at.scope)
                .or_default()
                .insert(path.clone(), resolved.clone());
        }
        resolved
    }

    fn resolve_uncached(&self, path: &PathRef) -> Arc<Resolved> {
        // `Self::..` names the impl's type (never through a glob); anything else is resolved
        // once, for its canonical path and whether a glob import gave it.
        let (canonical, via_glob) = if path.segments.first().is_some_and(|first| first == "Self")
            && self.at.self_type.is_some()
        {
            (self.typing.types.resolve_path(&self.at, path), false)
        } else {
            let resolved = self
                .typing
                .types
                .resolver
                .resolve(self.at.file, self.at.scope, path);
            let via_glob =
                resolved.via_glob && path.segments.first().is_none_or(|first| first != "Self");
            (resolved.display(), via_glob)
        };
        self.interned.borrow_mut().resolved(canonical, via_glob)
    }

    fn path_call(
        &self,
        path: &PathRef,
        args: &[Expr],
    ) -> (CallTarget, Vec<FunctionRef>, Resolution, Vec<Argument>) {
        let resolved = self.resolve(path);
        let (callees, resolution) = self.path_callees(&resolved, args);
        let takes_self = callees
            .first()
            .is_some_and(|callee| self.function(*callee).receiver.is_some());
        let arguments = if callees.is_empty() {
            Vec::new()
        } else {
            self.arguments(None, args, takes_self)
        };
        let target = CallTarget::Path { resolved };
        (target, callees, resolution, arguments)
    }

    fn method_call(
        &self,
        receiver: &Expr,
        method: &str,
        args: &[Expr],
    ) -> (CallTarget, Vec<FunctionRef>, Resolution, Vec<Argument>) {
        let receiver_type = self.type_of(receiver);
        let (callees, resolution) =
            self.method_callees(receiver, receiver_type.as_ref(), method, args.len());
        let name = self.interned.borrow_mut().method(method);
        let target = CallTarget::Method { name };
        let arguments = if callees.is_empty() {
            Vec::new()
        } else {
            self.arguments(Some((receiver, receiver_type)), args, false)
        };
        (target, callees, resolution, arguments)
    }

    fn function(&self, function: FunctionRef) -> &Function {
        &self.typing.types.files[function.file()].functions[function.index()]
    }

    /// Whether `function` can be called with `arg_count` arguments (`self` not counted).
    fn takes(&self, function: FunctionRef, arg_count: usize) -> bool {
        self.function(function).params.len() == arg_count
    }

    /// Callees of `path(args)`: the function at that path; for `Trait::method(x, ..)`, the
    /// implementation for `x`'s type, or every implementation when that type is unknown.
    fn path_callees(&self, resolved: &Resolved, args: &[Expr]) -> (Vec<FunctionRef>, Resolution) {
        let items = self.typing.types.items;
        let canonical = resolved.display();
        let found = items.functions_at(&canonical);
        if let Some((owner, method)) = crate::paths::split_last(&canonical)
            && items.trait_at(owner).is_some()
            && let Some(first) = args.first()
        {
            let arity = args.len() - 1;
            let by_type = self
                .type_of(first)
                .and_then(|ty| ty.peel_wrappers().path().map(str::to_string))
                .map(|path| self.type_methods(&path, method, arity))
                .unwrap_or_default();
            if !by_type.is_empty() {
                return (by_type, Resolution::Exact);
            }
            let dispatched = self.dispatch(&[owner.to_string()], method, arity);
            if !dispatched.is_empty() {
                return (dispatched, Resolution::Dispatch);
            }
        }
        if found.is_empty() {
            (Vec::new(), Resolution::External)
        } else {
            (found.to_vec(), Resolution::Exact)
        }
    }

    /// Callees of `receiver.method(..)`: through the receiver's type (inherent methods
    /// first, then trait impls, then the default bodies of the traits it implements); for
    /// `dyn Trait`, `impl Trait` and bounded generics, every implementation; else, for a
    /// plain place of unknown type, the one workspace method of that name (a guess).
    fn method_callees(
        &self,
        receiver: &Expr,
        receiver_type: Option<&Ty>,
        method: &str,
        arity: usize,
    ) -> (Vec<FunctionRef>, Resolution) {
        let items = self.typing.types.items;
        match receiver_type.map(Ty::peel_wrappers) {
            Some(Ty::Path { path, .. }) => {
                let found = self.type_methods(path, method, arity);
                if !found.is_empty() {
                    return (found, Resolution::Exact);
                }
            }
            Some(Ty::Bounds(traits)) => {
                let found = self.dispatch(traits, method, arity);
                if !found.is_empty() {
                    return (found, Resolution::Dispatch);
                }
            }
            _ => {}
        }
        // By name only when the receiver is a plain place of unknown type (`other.m()`),
        // never on the result of a call (`Pin::new(x).poll_next()` is std's, not ours).
        let candidates = items.methods_named(method);
        let known = receiver_type.is_some_and(|ty| self.typing.is_informative(ty));
        if candidates.len() == 1
            && is_place(receiver)
            && !known
            && !is_common_method_name(method)
            && self.takes(candidates[0], arity)
        {
            return (candidates.to_vec(), Resolution::ByName);
        }
        (Vec::new(), Resolution::External)
    }

    /// The methods named `method` a value of type `type_path` has: inherent ones first,
    /// then trait impls, then default bodies of the workspace traits the type implements.
    fn type_methods(&self, type_path: &str, method: &str, arity: usize) -> Vec<FunctionRef> {
        let path = format!("{type_path}::{method}");
        if let Some((_, found)) = self
            .interned
            .borrow()
            .type_methods
            .get(&path)
            .and_then(|by_arity| by_arity.iter().find(|(known, _)| *known == arity))
        {
            return found.clone();
        }
        let found = self.type_methods_uncached(&path, type_path, method, arity);
        self.interned
            .borrow_mut()
            .type_methods
            .entry(path)
            .or_default()
            .push((arity, found.clone()));
        found
    }

    fn type_methods_uncached(
        &self,
        path: &str,
        type_path: &str,
        method: &str,
        arity: usize,
    ) -> Vec<FunctionRef> {
        let items = self.typing.types.items;
        let at_path: Vec<FunctionRef> = items
            .functions_at(path)
            .iter()
            .copied()
            .filter(|function| self.takes(*function, arity))
            .collect();
        let inherent: Vec<FunctionRef> = at_path
            .iter()
            .copied()
            .filter(|function| items.trait_of(*function).is_none())
            .collect();
        if !inherent.is_empty() {
            return inherent;
        }
        if !at_path.is_empty() {
            return at_path;
        }
        items
            .traits_of_type(type_path)
            .iter()
            .filter_map(|trait_path| items.trait_at(trait_path)?.defaults.get(method))
            .copied()
            .filter(|function| self.takes(*function, arity))
            .collect()
    }

    /// Every workspace implementation of `method` of the traits that declare it, and their
    /// default bodies.
    fn dispatch(&self, traits: &[String], method: &str, arity: usize) -> Vec<FunctionRef> {
        let items = self.typing.types.items;
        let mut found = Vec::new();
        for trait_path in traits {
            let Some(declared) = items.trait_at(trait_path) else {
                continue;
            };
            if !declared.methods.iter().any(|name| name == method) {
                continue;
            }
            found.extend(items.trait_method_impls(trait_path, method));
            found.extend(declared.defaults.get(method));
        }
        found.retain(|function| self.takes(*function, arity));
        found.sort();
        found.dedup();
        found
    }

    fn type_of(&self, expr: &Expr) -> Option<Ty> {
        self.typing.type_of(&self.at, self.types, expr)
    }

    /// The receiver (if any) and the arguments with their parameter slots and types.
    fn arguments(
        &self,
        receiver: Option<(&Expr, Option<Ty>)>,
        args: &[Expr],
        first_is_self: bool,
    ) -> Vec<Argument> {
        let mut arguments = Vec::with_capacity(args.len() + 1);
        if let Some((receiver, ty)) = receiver {
            arguments.push(Argument {
                span: receiver.span,
                param: ParamSlot::Receiver,
                ty: ty.map(|ty| self.intern_type(ty)),
            });
        }
        for (position, arg) in args.iter().enumerate() {
            let param = match (first_is_self, position) {
                (true, 0) => ParamSlot::Receiver,
                (true, position) => ParamSlot::at(position - 1),
                (false, position) => ParamSlot::at(position),
            };
            arguments.push(Argument {
                span: arg.span,
                param,
                ty: self.type_of(arg).map(|ty| self.intern_type(ty)),
            });
        }
        arguments
    }
}

/// A place expression: a path or field chain (through references and identity methods),
/// not the result of a call.
fn is_place(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Path(_) => true,
        ExprKind::Field(field) => is_place(&field.base),
        ExprKind::Reference { expr: inner, .. } | ExprKind::Deref(inner) => is_place(inner),
        ExprKind::MethodCall {
            receiver, method, ..
        } if method.args().is_empty() && is_identity_method(method) => is_place(receiver),
        ExprKind::Call { callee, args } if args.len() == 1 => {
            matches!(&callee.kind, ExprKind::Path(path)
                if is_shared_pointer_clone_path(&path.segments))
                && is_place(&args[0])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::Program;
    use crate::config::Config;
    use crate::source::{Edition, SourceFile};

    use super::{CallTarget, Resolution};

    /// A run keeps millions of call sites and arguments: their size is watched.
    #[test]
    fn call_sites_and_arguments_stay_small() {
        assert_eq!(std::mem::size_of::<super::CallSite>(), 48);
        assert_eq!(std::mem::size_of::<super::Argument>(), 24);
        assert_eq!(std::mem::size_of::<super::Callees>(), 8);
        // The lock walk's record of a call holds the same callees.
        assert_eq!(
            std::mem::size_of::<crate::analysis::locks::guards::HeldCall>(),
            64
        );
    }

    /// The call of `called` (a method name or the last segment of a called path) in
    /// `function`.
    fn call_of<'p>(
        program: &'p Program<'_>,
        function: crate::analysis::FunctionRef,
        called: &str,
    ) -> &'p super::CallSite {
        program
            .call_sites
            .in_function(function)
            .iter()
            .find(|site| match &site.target {
                CallTarget::Method { name, .. } => name.as_str() == called,
                CallTarget::Path { resolved } => {
                    resolved.segments.last().is_some_and(|last| last == called)
                }
                _ => false,
            })
            .unwrap_or_else(|| panic!("no call of `{called}`"))
    }

    /// The callees (display paths) and resolution of the call of `method` (a method name or
    /// the last segment of a called path) in function `caller`.
    fn resolve_call(source: &str, caller: &str, method: &str) -> (Vec<String>, Resolution) {
        let sources = [SourceFile::new("lib.rs", source, Edition::E2021).with_crate("app", vec![])];
        let files = crate::lower_files(&sources);
        assert!(
            files[0].parse_failure.is_none(),
            "{:?}",
            files[0].parse_failure
        );
        let program = Program::build(&files, &Config::default());
        let (function, _) = program
            .functions()
            .find(|(_, function)| function.name == caller)
            .unwrap_or_else(|| panic!("no function `{caller}`"));
        let site = call_of(&program, function, method);
        let callees = site
            .callees
            .iter()
            .map(|callee| program.function(*callee).display_path())
            .collect();
        (callees, site.resolution)
    }

    const STORE: &str = "
        pub trait Store { fn len(&self) -> usize; fn name(&self) -> String { String::new() } }
        pub struct Mem; pub struct Disk;
        impl Store for Mem { fn len(&self) -> usize { 1 } }
        impl Store for Disk { fn len(&self) -> usize { 2 } fn name(&self) -> String { String::new() } }
        impl Mem { pub fn len(&self, extra: usize) -> usize { extra } pub fn only(&self) {} }
    ";

    #[test]
    fn call_sites_resolve_like_rustc_would() {
        let cases: &[(&str, &str, &str, &[&str], Resolution)] = &[
            // Through `dyn`, `impl` and generic bounds: every workspace impl.
            (
                "fn f(s: &dyn Store) { s.len(); }",
                "f",
                "len",
                &["Disk::len", "Mem::len"],
                Resolution::Dispatch,
            ),
            (
                "fn f(s: &impl Store) { s.len(); }",
                "f",
                "len",
                &["Disk::len", "Mem::len"],
                Resolution::Dispatch,
            ),
            (
                "fn f<S: Store>(s: &S) { s.len(); }",
                "f",
                "len",
                &["Disk::len", "Mem::len"],
                Resolution::Dispatch,
            ),
            (
                "fn f<S>(s: &S) where S: Store { s.len(); }",
                "f",
                "len",
                &["Disk::len", "Mem::len"],
                Resolution::Dispatch,
            ),
            // A default body is part of the dispatch set.
            (
                "fn f(s: &dyn Store) { s.name(); }",
                "f",
                "name",
                &["Disk::name", "Store::name"],
                Resolution::Dispatch,
            ),
            // A known type: arity picks the trait method over the two-argument inherent one.
            (
                "fn f(m: Mem) { m.len(); }",
                "f",
                "len",
                &["Mem::len"],
                Resolution::Exact,
            ),
            (
                "fn f(m: Mem) { m.len(3); }",
                "f",
                "len",
                &["Mem::len"],
                Resolution::Exact,
            ),
            // A known type without an override gets the trait's default body.
            (
                "fn f(m: Mem) { m.name(); }",
                "f",
                "name",
                &["Store::name"],
                Resolution::Exact,
            ),
            // `Trait::method(x)` resolves like `x.method()`.
            (
                "fn f(m: Mem) { Store::len(&m); }",
                "f",
                "len",
                &["Mem::len"],
                Resolution::Exact,
            ),
            (
                "fn f(x: u8) { Store::len(&x); }",
                "f",
                "len",
                &["Disk::len", "Mem::len"],
                Resolution::Dispatch,
            ),
            // By name only for a plain place of unknown type, with the right arity.
            (
                "fn f(x: T) { x.only(); }",
                "f",
                "only",
                &["Mem::only"],
                Resolution::ByName,
            ),
            (
                "fn f(x: T) { x.only(1); }",
                "f",
                "only",
                &[],
                Resolution::External,
            ),
            // A receiver of a known other type never resolves by name.
            (
                "fn f(x: std::time::Instant) { x.only(); }",
                "f",
                "only",
                &[],
                Resolution::External,
            ),
        ];
        for (caller_source, caller, method, expected, resolution) in cases {
            let source = format!("{STORE}\n{caller_source}");
            let (callees, found) = resolve_call(&source, caller, method);
            let mut callees = callees;
            callees.sort();
            assert_eq!(
                (callees.as_slice(), found),
                (
                    &expected.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..],
                    *resolution
                ),
                "{caller_source}"
            );
        }
    }

    /// Two versions of one crate in one run (path mode over a registry): each version's calls
    /// and its own tests reach only that version; another crate's call reaches both (which
    /// version it depends on is not known).
    #[test]
    fn calls_prefer_their_own_package_of_a_crate_defined_twice() {
        let library = "pub struct Mem;
            impl Mem { pub fn len(&self) -> usize { 1 } }
            pub fn other() {}
            pub fn helper() { crate::other(); Mem.len(); }";
        let sources = [
            SourceFile::new("v1/lib.rs", library, Edition::E2021)
                .with_crate("store", vec![])
                .with_package("store 1.0.0"),
            SourceFile::new("v2/lib.rs", library, Edition::E2021)
                .with_crate("store", vec![])
                .with_package("store 2.0.0"),
            SourceFile::new(
                "v2/tests/it.rs",
                "fn it() { store::other(); }",
                Edition::E2021,
            )
            .with_crate("it", vec![])
            .with_package("store 2.0.0"),
            SourceFile::new("user.rs", "fn user() { store::other(); }", Edition::E2021)
                .with_crate("user", vec![])
                .with_package("user 1.0.0"),
        ];
        let files = crate::lower_files(&sources);
        let program = Program::build(&files, &Config::default());
        let callee_files = |caller_file: usize, caller: &str, called: &str| {
            let (function, _) = program
                .functions()
                .find(|(function, item)| function.file() == caller_file && item.name == caller)
                .unwrap_or_else(|| panic!("no function `{caller}`"));
            let site = call_of(&program, function, called);
            let mut files: Vec<usize> = site.callees.iter().map(|callee| callee.file()).collect();
            files.sort();
            files
        };
        assert_eq!(callee_files(0, "helper", "other"), [0]);
        assert_eq!(callee_files(1, "helper", "other"), [1]);
        assert_eq!(callee_files(0, "helper", "len"), [0]);
        assert_eq!(callee_files(1, "helper", "len"), [1]);
        assert_eq!(callee_files(2, "it", "other"), [1]);
        assert_eq!(callee_files(3, "user", "other"), [0, 1]);
    }

    #[test]
    fn every_call_at_a_span_and_the_callers_that_lead_back_to_it() {
        let source = "fn helper(x: u32) {}
            fn caller() { helper(1); helper(2); }";
        let files = crate::lower_files(&[SourceFile::new("lib.rs", source, Edition::E2021)]);
        let program = Program::build(&files, &Config::default());
        let function = |name: &str| {
            program
                .functions()
                .find(|(_, item)| item.name == name)
                .map(|(function, _)| function)
                .unwrap_or_else(|| panic!("no function `{name}`"))
        };
        let (helper, caller) = (function("helper"), function("caller"));
        let callers = program.call_sites.callers_of(helper);
        assert_eq!(callers.len(), 2);
        for (from, span) in callers {
            assert_eq!(*from, caller);
            let at = program.call_sites.all_at(*from, *span);
            assert_eq!(at.len(), 1);
            assert_eq!(at[0].span, *span);
            assert!(at[0].callees.contains(&helper));
        }
        let (_, first) = callers[0];
        let between = crate::span::Span {
            byte_end: first.byte_end - 1,
            ..first
        };
        assert!(program.call_sites.all_at(caller, between).is_empty());
    }
}
