//! The lock analysis: lock identity, guard lifetimes per function, interprocedural
//! summaries over the call graph, and the lock-order graph. Produces the facts the three
//! lock rules report: order cycles, locks taken twice, and blocking guards held across
//! `.await`.

pub mod allocation;
pub mod blocking;
pub mod borrows;
pub mod cycles;
pub mod fresh;
pub mod graph;
pub mod guards;
pub mod identity;
pub mod instantiate;
pub mod lock_names;
pub mod same_class;
mod stored_walks;
pub mod summaries;

use crate::analysis::function_map::FunctionMap;
use crate::hash::HashMap;

use rayon::prelude::*;

use self::guards::{CallbackInvocation, FunctionLocks, Held, WalkContext, walk_function};
use self::identity::{ClassKey, Identity, IdentityContext};
use super::FunctionRef;
use super::call_sites::CallSites;
use super::format_strings::FormatTrait;
use super::items::ItemIndex;
use super::stored_results::{self, StoredResults};
use super::types::{Ty, TypeScope};
use super::typing::{FunctionTypes, Typing};
use crate::knowledge::Knowledge;
use crate::knowledge::locks::{
    LockFlavor, LockKind, LockType, Mode, acquire_method, guard_lock_type, guard_name_mode,
    guard_type_mode, lock_type_at,
};
use crate::knowledge::macros::is_format_trait;
use crate::model::{ExprKind, FileFacts, Function};
use crate::span::Span;

pub use cycles::{Cycle, CycleCluster};
pub use graph::{EdgeWitness, Edges};

/// A lock taken through a call of a function that returns its guard.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Via {
    pub callee: FunctionRef,
    pub call_span: Span,
    /// Where the callee takes the lock.
    pub acquired_at: Span,
}

/// What a guard-returning function (`fn state(&self) -> MutexGuard<..>`) returns.
#[derive(Clone, Debug)]
pub struct ReturnedGuard {
    pub class: ClassKey,
    pub lock_type: LockType,
    pub mode: Mode,
    /// Taken with `try_lock` (or another `try_*`): a wrapper that fails instead of waiting.
    pub is_try: bool,
    /// The lock's place relative to the callee's `self` (`.state`), to name the instance at
    /// each call site.
    pub self_suffix: Option<String>,
    /// For a keyed lock wrapper (`locks.lock(&tenant)` handing out one lock per key): the
    /// parameter that is the key; the instance at a call site is `locks[tenant]`.
    pub key_param: Option<usize>,
    pub site: Span,
}

/// The lock a function returns a reference to (`&self.state`, `&REGISTRY`).
#[derive(Clone, Debug)]
pub struct ReturnedLock {
    pub class: ClassKey,
    pub lock_type: LockType,
    /// The lock's place relative to the function's `self` (`.state`).
    pub self_suffix: Option<String>,
}

/// A lock acquired while a guard of the same lock is alive.
#[derive(Clone, Debug)]
pub struct DoubleLock {
    pub function: FunctionRef,
    pub first: Held,
    pub second_site: Span,
    pub second_mode: Mode,
    /// Calls from `function` that lead to the second acquisition (empty when direct).
    pub chain: Vec<(FunctionRef, Span)>,
    /// For a read after a read: a write acquisition of the same lock elsewhere, the writer
    /// that can queue between the two reads.
    pub writer: Option<(FunctionRef, Span)>,
    /// When the second acquisition is in a closure bound to a local: its name and the
    /// call that runs it.
    pub closure_call: Option<(String, Span)>,
    /// For a sharded map: which shard the second access locks (`None`: not known).
    pub second_shard: Option<guards::ShardKey>,
    /// The second acquisition is reached through a call matched by name only.
    pub guessed: bool,
    /// The second acquisition is on a value's back reference to its maker (`lease.pool`,
    /// see [`allocation::BackReference`]): the finding assumes the value was made by this
    /// `self`. (The value's type, the maker's type.)
    pub through_maker: Option<(String, String)>,
}

/// A blocking lock's guard alive at an `.await`.
#[derive(Clone, Debug)]
pub struct GuardAcrossAwait {
    pub function: FunctionRef,
    pub held: Held,
    pub await_span: Span,
}

/// Everything the lock rules report from.
#[derive(Default)]
pub struct LockAnalysis {
    pub functions: FunctionMap<FunctionLocks>,
    /// The lock-order graph: every edge with its witnesses.
    pub edges: Edges,
    /// Deadlock-capable cycles, one cluster per problem.
    pub clusters: Vec<CycleCluster>,
    /// Functions whose summary a bound cut short (huge recursion groups).
    pub bounded_summaries: std::collections::BTreeSet<FunctionRef>,
    pub double_locks: Vec<DoubleLock>,
    /// Field classes that hold one shared `Arc` lock, by the class that stands for them.
    pub shared_locks: std::collections::BTreeMap<ClassKey, Vec<ClassKey>>,
    /// Two locks of one class held at once in an order the values decide.
    pub same_class_nestings: Vec<same_class::SameClassNesting>,
    pub guards_across_await: Vec<GuardAcrossAwait>,
    pub blocking_under_lock: Vec<blocking::BlockingUnderLock>,
    /// Cycles through a bounded channel and a lock (reported as lock-order cycles).
    pub channel_cycles: Vec<blocking::ChannelCycle>,
    /// Functions that send first on each other's rendezvous channels.
    pub rendezvous_cycles: Vec<blocking::RendezvousCycle>,
}

pub(crate) fn analyze_locks<'a>(
    typing: Typing<'a>,
    function_types: &'a [Vec<FunctionTypes>],
    call_sites: &'a CallSites,
    knowledge: &Knowledge,
    scope: super::Scope,
    results: Option<&StoredResults<'_>>,
    after_pass: &mut dyn FnMut(&'static str),
) -> LockAnalysis {
    let files = typing.types.files;
    let items = typing.types.items;
    let functions: Vec<(FunctionRef, &'a Function)> = files
        .iter()
        .enumerate()
        .flat_map(|(file, facts)| {
            facts
                .functions
                .iter()
                .enumerate()
                .map(move |(index, function)| (FunctionRef::new(file, index), function))
        })
        .filter(|(_, function)| scope.contains(function))
        .collect();
    let same_lock_of = |same_lock: std::sync::Arc<HashMap<ClassKey, ClassKey>>| {
        move |function_ref: FunctionRef, function: &'a Function| IdentityContext {
            same_lock: same_lock.clone(),
            typing,
            at: TypeScope {
                file: function_ref.file(),
                scope: function.scope,
                self_type: items.self_type_of(function_ref),
                generics: &function.generics,
            },
            function,
            function_path: std::cell::OnceCell::new(),
            types: &function_types[function_ref.file()][function_ref.index()],
            params: param_names(function),
            param_spans: function
                .params
                .iter()
                .map(|param| param.pattern.span)
                .collect(),
            aliases: HashMap::default(),
        }
    };
    // One `Arc` stored in fields of several structs is one lock: found first, with each
    // field as its own class, then every walk sees the shared classes.
    let shared_locks = allocation::find_shared(
        &functions,
        &same_lock_of(std::sync::Arc::default()),
        call_sites,
    );
    let identity_of = same_lock_of(std::sync::Arc::new(shared_locks.canonical.clone()));
    // Only functions declared to return a lock need this pre-pass; a return type that names
    // nothing that may stand for a lock is not resolved.
    let lock_names = lock_names::LockNames::of(files);
    let returned_locks: HashMap<FunctionRef, ReturnedLock> = functions
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .filter(|(_, function)| {
            function
                .return_type
                .as_ref()
                .is_some_and(|ty| lock_names.may_name_lock(ty))
        })
        .filter_map(|(function_ref, function)| {
            returned_lock(&identity_of(*function_ref, function), function)
                .map(|lock| (*function_ref, lock))
        })
        .collect();
    let guard_structs = structs_holding_guards(files);
    let guard_aliases = aliases_of_guards(files);
    // Only functions declared to return a guard (or a struct holding one) need this one.
    let returned: HashMap<FunctionRef, ReturnedGuard> = functions
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .filter(|(_, function)| {
            function.return_type.as_ref().is_some_and(|ty| {
                guard_type_mode(ty).is_some()
                    || ty.last_segment().is_some_and(|name| {
                        guard_structs.contains(name) || guard_aliases.contains(name)
                    })
            })
        })
        .filter_map(|(function_ref, function)| {
            returned_guard(&identity_of(*function_ref, function), function)
                .map(|guard| (*function_ref, guard))
        })
        .collect();
    let blocking_inputs =
        blocking::Inputs::new(typing, function_types, call_sites, knowledge, scope);
    let channel_or_lock_members = blocking::origins::channel_or_lock_member_names(&blocking_inputs);
    let shared = WalkInputs {
        files,
        channel_or_lock_members: &channel_or_lock_members,
        call_sites,
        knowledge,
        returned: &returned,
        returned_locks: &returned_locks,
        drop_impls: drop_impls(files, items),
        format_impls: format_impls(files, items),
        identity_of: &identity_of,
    };
    after_pass("lock prepasses");
    // Stored walks are valid while what the pre-passes found is the same.
    let results = results.map(|results| {
        results.depending_on(
            "lock walks",
            walk_inputs_digest(&shared, &shared_locks.canonical),
        )
    });
    let counts = stored_results::function_counts(files);
    let no_callbacks = HashMap::default();
    // Each function's walk is independent of the others: run them in parallel, each
    // file's walks kept where they are made.
    let mut walked: FunctionMap<FunctionLocks> = FunctionMap::from_files(
        files
            .par_iter()
            .with_max_len(crate::analysis::FILES_PER_TASK)
            .enumerate()
            .map(|(file, facts)| {
                let in_scope = |function: &Function| scope.contains(function);
                StoredResults::reuse_or_work_out(
                    results.as_ref(),
                    file,
                    facts,
                    |bytes| stored_walks::decode(bytes, file, files, &counts, call_sites, in_scope),
                    || {
                        facts
                            .functions
                            .par_iter()
                            .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
                            .enumerate()
                            .map(|(index, function)| {
                                let function_ref = FunctionRef::new(file, index);
                                scope.contains(function).then(|| {
                                    (
                                        function_ref,
                                        shared.walk(function_ref, function, &no_callbacks),
                                    )
                                })
                            })
                            .collect()
                    },
                    |walks| stored_walks::encode(facts.file, walks),
                )
            })
            .collect(),
    );
    // Second pass for callers of functions that call a closure parameter under a lock
    // (`fn with_state(&self, f: impl FnOnce(&mut State))`): their closures run with it held.
    let callback_holds: HashMap<FunctionRef, Vec<CallbackInvocation>> = walked
        .iter()
        .filter(|(_, locks)| !locks.callbacks.is_empty())
        .map(|(function, locks)| (*function, locks.callbacks.to_vec()))
        .collect();
    if !callback_holds.is_empty() {
        let rewalked: Vec<(FunctionRef, FunctionLocks)> = functions
            .par_iter()
            .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
            .filter(|(function_ref, _)| {
                walked[function_ref].calls.iter().any(|call| {
                    call.callees
                        .iter()
                        .any(|callee| callback_holds.contains_key(callee))
                })
            })
            .map(|(function_ref, function)| {
                (
                    *function_ref,
                    shared.walk(*function_ref, function, &callback_holds),
                )
            })
            .collect();
        walked.extend(rewalked);
    }
    after_pass("lock walks");
    let mut analysis = LockAnalysis {
        functions: walked,
        ..LockAnalysis::default()
    };
    let summaries = summaries::summarize(&analysis.functions, files);
    after_pass("lock summaries");
    let borrows = borrows::ExclusiveBorrows::new(files, items);
    let self_type_of = |function: FunctionRef| items.self_type_of(function).map(str::to_string);
    let consumes_self = |function_ref: FunctionRef| {
        files[function_ref.file()].functions[function_ref.index()].receiver
            == Some(crate::model::Receiver::Value)
    };
    let makers = allocation::Makers {
        back_references: allocation::find_back_references(&functions, &identity_of),
        self_type_of: &self_type_of,
        consumes_self: &consumes_self,
    };
    let found = graph::build(&analysis.functions, &summaries, &makers, &|witness| {
        borrows.excludes(witness)
    });
    after_pass("lock graph");
    // Two witnesses combine when each function of one can be in a build with each of the
    // other's: no `cfg` excludes it and no two are in rival versions of one package.
    let coexist = |a: &EdgeWitness, b: &EdgeWitness| {
        let functions = |witness: &EdgeWitness| {
            std::iter::once(witness.function)
                .chain(witness.chain.iter().map(|(callee, _)| *callee))
                .collect::<Vec<_>>()
        };
        let (a, b) = (functions(a), functions(b));
        let def = |function: &FunctionRef| &files[function.file()].functions[function.index()];
        a.iter().all(|first| {
            b.iter().all(|second| {
                def(first).can_coexist_with(def(second))
                    && !items.in_rival_packages(first.file(), second.file())
            })
        })
    };
    analysis.clusters = cycles::find_clusters(&found.edges, &coexist);
    analysis.edges = found.edges;
    analysis.bounded_summaries = summaries.bounded;
    let writers = Writers::of(&analysis.functions, items);
    analysis.double_locks = with_queued_writers(found.double_locks, &writers);
    analysis.clusters = with_possible_writers(std::mem::take(&mut analysis.clusters), &writers);
    analysis.guards_across_await = guards_across_await(&analysis.functions);
    analysis.shared_locks = shared_locks.aliases;
    let called_with_locks: crate::hash::HashSet<FunctionRef> = analysis
        .functions
        .values()
        .flat_map(|locks| &locks.calls)
        .filter(|call| !call.arguments.is_empty())
        .flat_map(|call| call.callees.iter().copied())
        .collect();
    // A call passing no places tells nothing about its callee's parameters: left out.
    let calls_passing_places: Vec<&guards::HeldCall> = analysis
        .functions
        .values()
        .flat_map(|locks| &locks.calls)
        .filter(|call| !call.argument_places.is_empty())
        .collect();
    let call_arguments: crate::hash::Rows<FunctionRef, &[(usize, String)]> =
        crate::hash::Rows::group(&|emit| {
            for call in &calls_passing_places {
                for callee in call.callees.iter() {
                    emit(*callee, &call.argument_places[..]);
                }
            }
        });
    let function = |function: FunctionRef| &files[function.file()].functions[function.index()];
    let owned_local = |function_ref: FunctionRef, name: &str| {
        let is_param = function(function_ref)
            .params
            .iter()
            .any(|param| param.pattern.simple_name() == Some(name));
        let ty = function_types[function_ref.file()][function_ref.index()].local(name);
        !is_param
            && ty.is_some_and(|ty| {
                matches!(ty, Ty::Path { path, .. }
                    if items.struct_at(path).is_some())
            })
    };
    let fresh_program = fresh::Program {
        function: &function,
        call_sites,
    };
    let fresh_local = |function_ref: FunctionRef, name: &str, class: &ClassKey| match class {
        ClassKey::Field { field, .. } => {
            fresh::is_fresh_unescaped(&fresh_program, function_ref, name, field)
        }
        _ => false,
    };
    let protected_type = |function: FunctionRef, name: &str| {
        let ty = function_types[function.file()][function.index()].local(name)?;
        let protected = ty.peel_wrappers().args().first()?.peel_refs();
        protected.path().map(str::to_string)
    };
    analysis.same_class_nestings = same_class::find(
        &analysis.functions,
        &same_class::FunctionFacts {
            function: &function,
            protected_type: &protected_type,
            called_with_locks: &called_with_locks,
            call_arguments: &call_arguments,
            owned_local: &owned_local,
            plain_field: &|class: &ClassKey| borrows.is_plain_field(class),
            fresh_local: &fresh_local,
        },
    );
    after_pass("lock clusters, same-class");
    let blocking = blocking::analyze(&blocking_inputs, &analysis.functions, results.as_ref());
    after_pass("blocking");
    analysis.blocking_under_lock = blocking.under_lock;
    analysis.channel_cycles = blocking.channel_cycles;
    analysis.rendezvous_cycles = blocking.rendezvous_cycles;
    analysis
}

/// A digest of what every walk reads besides its own function and the files' interfaces
/// (see `stored_walks.rs`).
fn walk_inputs_digest(
    inputs: &WalkInputs<'_, '_>,
    same_lock: &HashMap<ClassKey, ClassKey>,
) -> u128 {
    stored_walks::prepass_digest(&[
        &|| stored_walks::texts(same_lock),
        &|| stored_walks::texts(inputs.returned),
        &|| stored_walks::texts(inputs.returned_locks),
        &|| stored_walks::texts(inputs.channel_or_lock_members),
        &|| stored_walks::texts(&inputs.drop_impls),
        &|| stored_walks::texts(&inputs.format_impls),
        &|| vec![format!("{:?}", inputs.knowledge)],
    ])
}

/// What every function's walk shares.
struct WalkInputs<'c, 'a> {
    files: &'a [FileFacts],
    call_sites: &'a CallSites,
    knowledge: &'c Knowledge,
    returned: &'c HashMap<FunctionRef, ReturnedGuard>,
    returned_locks: &'c HashMap<FunctionRef, ReturnedLock>,
    /// Each type's workspace `Drop::drop`, by the type's canonical path.
    drop_impls: HashMap<String, FunctionRef>,
    /// Each type's workspace `Display::fmt` and `Debug::fmt`, by the type's canonical path
    /// and the trait's name.
    format_impls: HashMap<(String, String), FunctionRef>,
    identity_of: &'c (dyn Fn(FunctionRef, &'a Function) -> IdentityContext<'a> + Sync),
    /// The names of struct fields that can hold a channel end or a lock.
    channel_or_lock_members: &'c crate::hash::HashSet<&'c str>,
}

impl<'a> WalkInputs<'_, 'a> {
    fn walk(
        &self,
        function_ref: FunctionRef,
        function: &'a Function,
        callbacks: &HashMap<FunctionRef, Vec<CallbackInvocation>>,
    ) -> FunctionLocks {
        let files = self.files;
        let returned_guards = |callee: FunctionRef| self.returned.get(&callee);
        let callback_holds =
            |callee: FunctionRef| callbacks.get(&callee).map_or(&[][..], Vec::as_slice);
        let function_name =
            |callee: FunctionRef| files[callee.file()].functions[callee.index()].display_path();
        let context = WalkContext {
            identity: (self.identity_of)(function_ref, function),
            calls: self.call_sites.in_function(function_ref),
            arguments: self.call_sites.arguments_of(function_ref),
            knowledge: self.knowledge,
            returned_guards: &returned_guards,
            callback_holds: &callback_holds,
            params: param_names(function),
            function_name: &function_name,
            is_async_fn: &|callee: FunctionRef| {
                files[callee.file()].functions[callee.index()].is_async
            },
            drop_impl: &|type_path: &str| self.drop_impls.get(type_path).copied(),
            format_impl: &|type_path: &str, with: FormatTrait| {
                let key = (type_path.to_string(), format!("{with:?}"));
                self.format_impls.get(&key).copied()
            },
            returned_locks: &|callee: FunctionRef| self.returned_locks.get(&callee),
            hands_back_guard: &|callee: FunctionRef| {
                hands_back_guard(&files[callee.file()].functions[callee.index()])
            },
            edition: files[function_ref.file()].edition,
            is_async: function.is_async,
        };
        // Every function is walked: its tree is decoded for the walk only, and asked then
        // what the blocking pass would otherwise decode it again for.
        let body = function.body.read();
        let mut locks = walk_function(context, &body);
        locks.stores_channel_or_lock_field =
            blocking::origins::stores_fields(&body, self.channel_or_lock_members);
        locks
    }
}

/// The workspace `impl Drop for T` methods, by `T`'s canonical path.
fn drop_impls(
    files: &[FileFacts],
    items: &super::items::ItemIndex,
) -> HashMap<String, FunctionRef> {
    items
        .methods_named("drop")
        .iter()
        .filter(|function| {
            files[function.file()].functions[function.index()]
                .trait_path
                .as_ref()
                .is_some_and(|path| path.last() == "Drop")
        })
        .filter_map(|function| Some((items.self_type_of(*function)?.to_string(), *function)))
        .collect()
}

/// The workspace `impl Display for T` / `impl Debug for T` methods, by `T`'s canonical
/// path and the trait's name.
fn format_impls(
    files: &[FileFacts],
    items: &super::items::ItemIndex,
) -> HashMap<(String, String), FunctionRef> {
    items
        .methods_named("fmt")
        .iter()
        .filter_map(|function| {
            let trait_name = files[function.file()].functions[function.index()]
                .trait_path
                .as_ref()?
                .last()
                .to_string();
            is_format_trait(&trait_name).then(|| {
                Some((
                    (items.self_type_of(*function)?.to_string(), trait_name),
                    *function,
                ))
            })?
        })
        .collect()
}

/// The position of the guard a function takes by value and returns (`fn stamp(q:
/// MutexGuard<Q>, tick: u64) -> MutexGuard<Q>`).
fn hands_back_guard(function: &Function) -> Option<usize> {
    guard_type_mode(function.return_type.as_ref()?)?;
    function.params.iter().position(|param| {
        matches!(*param.ty, crate::model::TypeRef::Path { .. })
            && guard_type_mode(&param.ty).is_some()
    })
}

/// For a function declared to return a lock (`&Mutex<T>`, `Arc<RwLock<T>>`): the field or
/// static lock its body names last, when it names one.
fn returned_lock(identity: &IdentityContext<'_>, function: &Function) -> Option<ReturnedLock> {
    let return_type = function.return_type.as_ref()?;
    let resolved = identity.typing.types.resolve(&identity.at, return_type);
    lock_type_at(resolved.peel_wrappers().path()?)?;
    let mut found = None;
    function.body.walk(&mut |expr| {
        if matches!(expr.kind, ExprKind::Path(_) | ExprKind::Field { .. })
            && let Identity::Lock(target) = identity.identify(expr)
            && target.class.is_global()
        {
            found = Some(ReturnedLock {
                self_suffix: target
                    .instance
                    .as_deref()
                    .and_then(summaries::self_relative),
                class: target.class,
                lock_type: target.lock_type,
            });
        }
    });
    found
}

/// The names of the type aliases of guard types (`type KeyGuard = ArcMutexGuard<..>`).
fn aliases_of_guards(files: &[FileFacts]) -> crate::hash::HashSet<&str> {
    files
        .iter()
        .flat_map(|facts| &facts.type_aliases)
        .filter(|alias| guard_type_mode(&alias.ty).is_some())
        .map(|alias| alias.name.as_str())
        .collect()
}

/// The names of the structs with a guard field (`struct Batch<'a> { wal: MutexGuard<'a, _> }`).
fn structs_holding_guards(files: &[FileFacts]) -> crate::hash::HashSet<&str> {
    files
        .iter()
        .flat_map(|facts| &facts.structs)
        .filter(|definition| {
            definition
                .fields
                .iter()
                .any(|field| guard_type_mode(&field.ty).is_some())
        })
        .map(|definition| definition.name.as_str())
        .collect()
}

/// The mode of a guard type named through one of our type aliases.
fn alias_guard_mode(identity: &IdentityContext<'_>, ty: &crate::model::TypeRef) -> Option<Mode> {
    let resolved = identity.typing.types.resolve(&identity.at, ty);
    guard_name_mode(crate::paths::last_segment(resolved.path()?))
}

/// How a workspace struct returned by a function holds a guard: its guard field's mode.
fn struct_guard_mode(identity: &IdentityContext<'_>, ty: &crate::model::TypeRef) -> Option<Mode> {
    let resolved = identity.typing.types.resolve(&identity.at, ty);
    let item = identity.typing.types.items.struct_at(resolved.path()?)?;
    super::items::struct_def(identity.typing.types.files, item)
        .fields
        .iter()
        .find_map(|field| guard_type_mode(&field.ty))
}

/// For a function declared to return a guard, or a struct holding one, the lock its body
/// takes last.
fn returned_guard(identity: &IdentityContext<'_>, function: &Function) -> Option<ReturnedGuard> {
    let return_type = function.return_type.as_ref()?;
    let mode = guard_type_mode(return_type)
        .or_else(|| alias_guard_mode(identity, return_type))
        .or_else(|| struct_guard_mode(identity, return_type))?;
    // The declared guard's lock (`tokio::sync::OwnedRwLockReadGuard` is a tokio `RwLock`'s):
    // a lock of another kind or flavor taken on the way (a std mutex around a map of
    // per-key locks) is not the one returned.
    let declared_lock = identity
        .typing
        .types
        .resolve(&identity.at, return_type)
        .path()
        .and_then(guard_lock_type)
        .map(|(lock_type, _)| lock_type);
    let mut found = None;
    function.body.walk(&mut |expr| {
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &expr.kind
            && let Some(acquire) = acquire_method(method)
            && let Identity::Lock(target) = identity.identify(receiver)
            && target.class.is_global()
            && declared_lock.is_none_or(|declared| same_family(declared, target.lock_type))
        {
            let self_suffix = target.instance.as_deref().and_then(|instance| {
                instance
                    .strip_prefix("self")
                    .filter(|rest| rest.is_empty() || rest.starts_with('.'))
                    .map(str::to_string)
            });
            found = Some(ReturnedGuard {
                class: target.class,
                lock_type: target.lock_type,
                mode,
                is_try: acquire.is_try,
                self_suffix,
                key_param: None,
                site: expr.span,
            });
        }
    });
    found.or_else(|| keyed_guard(identity, function, mode, declared_lock))
}

/// A method that locks a lock it looked up (`self.slot(key).lock_arc()`, one lock per key)
/// and returns the guard: a keyed lock wrapper. Its locks form one class, named after the
/// method (`KeyedLocks::lock()`), and the key (its first parameter) picks the instance.
fn keyed_guard(
    identity: &IdentityContext<'_>,
    function: &Function,
    mode: Mode,
    declared_lock: Option<LockType>,
) -> Option<ReturnedGuard> {
    let owner = identity.at.self_type?;
    function.receiver?;
    function.params.first()?;
    let mut found = None;
    function.body.walk(&mut |expr| {
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &expr.kind
            && let Some(acquire) = acquire_method(method)
            && matches!(identity.identify(receiver), Identity::Unknown)
            && let Some(receiver_type) =
                identity
                    .typing
                    .type_of(&identity.at, identity.types, receiver)
            && let Some(lock_type) = receiver_type.peel_wrappers().path().and_then(lock_type_at)
            && declared_lock.is_none_or(|declared| same_family(declared, lock_type))
        {
            found = Some(ReturnedGuard {
                class: ClassKey::Field {
                    owner: owner.to_string(),
                    field: format!("{}()", function.name),
                },
                lock_type,
                mode,
                is_try: acquire.is_try,
                self_suffix: Some(String::new()),
                key_param: Some(0),
                site: expr.span,
            });
        }
    });
    found
}

/// Whether a guard of `declared` can come from a lock of type `taken`: same kind, and the
/// same flavor unless one of them is not known.
fn same_family(declared: LockType, taken: LockType) -> bool {
    let flavors_agree = declared.flavor == taken.flavor
        || declared.flavor == LockFlavor::Unknown
        || taken.flavor == LockFlavor::Unknown;
    declared.kind == taken.kind && flavors_agree
}

/// A read after a read of the same lock hangs only when a writer queues between them: for a
/// field or static lock, such findings are kept when the analyzed code write-locks it
/// somewhere, and carry that write as evidence; without any writer, readers never wait for
/// each other. A lock passed in as a parameter, or a local, keeps the finding.
fn with_queued_writers(double_locks: Vec<DoubleLock>, writers: &Writers<'_>) -> Vec<DoubleLock> {
    double_locks
        .into_iter()
        .filter_map(|mut double| {
            let class = &double.first.target.class;
            if double.first.mode == Mode::Shared && double.second_mode == Mode::Shared {
                match writers.seen_from(class, double.function.file()) {
                    Some(writer) => double.writer = Some(writer),
                    // A field or static is written only where the analyzed code says; a
                    // lock passed in or local may be written by callers not in sight.
                    None if class.is_global() => return None,
                    None => {}
                }
            }
            Some(double)
        })
        .collect()
}

/// The waiting write acquisitions of each class (the writers a reader can queue behind):
/// the first in each package, in function order.
struct Writers<'a> {
    sites: HashMap<&'a ClassKey, Vec<(FunctionRef, Span)>>,
    items: &'a ItemIndex,
}

impl<'a> Writers<'a> {
    fn of(functions: &'a FunctionMap<FunctionLocks>, items: &'a ItemIndex) -> Self {
        let mut sites: HashMap<&ClassKey, Vec<(FunctionRef, Span)>> = HashMap::default();
        // In function order (`FunctionMap` iterates in it).
        let ordered: Vec<(&FunctionRef, &FunctionLocks)> = functions.iter().collect();
        for (function, locks) in ordered {
            for acquisition in &locks.acquisitions {
                if acquisition.mode == Mode::Exclusive && !acquisition.is_try {
                    let writers = sites.entry(&acquisition.target.class).or_default();
                    if !writers
                        .iter()
                        .any(|(writer, _)| items.in_same_package(writer.file(), function.file()))
                    {
                        writers.push((*function, acquisition.span));
                    }
                }
            }
        }
        Writers { sites, items }
    }

    /// The first writer of `class` that code in `file` can queue behind: not one in another
    /// version of its package (the same path there names another lock).
    fn seen_from(&self, class: &ClassKey, file: usize) -> Option<(FunctionRef, Span)> {
        self.sites
            .get(class)?
            .iter()
            .find(|(writer, _)| !self.items.in_rival_packages(writer.file(), file))
            .copied()
    }
}

/// Cycles that need a writer queued on a field or static lock that nothing writes cannot
/// hang; clusters left without a cycle are dropped.
/// The simple names of a function's parameters, by position (`self` not counted; `None`
/// for a pattern).
pub(crate) fn param_names(function: &crate::model::Function) -> Vec<Option<String>> {
    function
        .params
        .iter()
        .map(|param| param.pattern.simple_name().map(str::to_string))
        .collect()
}

fn with_possible_writers(clusters: Vec<CycleCluster>, writers: &Writers<'_>) -> Vec<CycleCluster> {
    clusters
        .into_iter()
        .filter_map(|mut cluster| {
            cluster.cycles.retain(|cycle| {
                let file = cycle.edges[0].function.file();
                cycle
                    .needs_queued_writer
                    .iter()
                    .all(|class| !class.is_global() || writers.seen_from(class, file).is_some())
            });
            (!cluster.cycles.is_empty()).then_some(cluster)
        })
        .collect()
}

/// Blocking guards alive at an `.await`, reported once per guard (at its first `.await`).
fn guards_across_await(functions: &FunctionMap<FunctionLocks>) -> Vec<GuardAcrossAwait> {
    let mut found: Vec<GuardAcrossAwait> = Vec::new();
    // In function order (`FunctionMap` iterates in it).
    let ordered: Vec<(&FunctionRef, &FunctionLocks)> = functions.iter().collect();
    for (function, locks) in ordered {
        for await_point in &locks.awaits {
            for held in &await_point.held {
                let blocking = held.target.lock_type.flavor == LockFlavor::Blocking;
                let reported = found.iter().any(|existing| {
                    existing.function == *function && existing.held.site == held.site
                });
                if blocking && !reported {
                    found.push(GuardAcrossAwait {
                        function: *function,
                        held: held.clone(),
                        await_span: await_point.span,
                    });
                }
            }
        }
    }
    found
}

/// Whether holding `held` makes acquiring the same lock in `mode` wait forever: not for
/// reentrant locks; a read after a read counts when readers wait behind a queued writer.
pub fn self_deadlocks(held: &Held, mode: Mode) -> bool {
    let lock_type = held.target.lock_type;
    if lock_type.kind == LockKind::Reentrant {
        return false;
    }
    let recursive_read = held.mode == Mode::Shared && mode == Mode::Shared;
    held.mode.blocks(mode) || (recursive_read && lock_type.readers_wait_for_writers)
}
