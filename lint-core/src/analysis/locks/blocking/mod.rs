//! Blocking calls made while lock guards are alive: the facts `blocking_under_lock`
//! reports. The guard walk records each call that may block with the guards alive then
//! ([`BlockingCandidate`]); this pass decides which really block (`classify`: the knowledge
//! tables, the receiver's type from `values`, the channel's capacity from `capacity`),
//! summarizes per function what calling it may wait for (`summaries`), and pairs both with
//! the guards held at each blocking call or call of a blocking function.

mod channel_cycles;
mod classify;
pub(super) mod origins;
mod single_use;
mod summaries;
mod values;

use crate::analysis::function_map::FunctionMap;
use crate::analysis::stored_results::StoredResults;
use crate::hash::{HashMap, HashSet};
use std::collections::BTreeSet;

use rayon::prelude::*;

use super::guards::{BlockingCandidate, FunctionLocks, Held};
use super::identity::ClassKey;
use crate::analysis::call_sites::{CallSite, CallSites, ParamSlot, Resolution};
use crate::analysis::types::Ty;
use crate::analysis::typing::{FunctionTypes, Typing};
use crate::analysis::{FunctionRef, Scope};
use crate::knowledge::Knowledge;
use crate::knowledge::blocking::BlockingKind;
use crate::model::{Block, ExprKind, Function};
use crate::span::Span;

pub use channel_cycles::{ChannelCycle, RendezvousCycle};
pub use classify::BlockingOp;
use classify::{
    classify, counts_for, in_failure_handler, may_hold_nothing, passes_guard, serializes_only,
    waits_on_lock_contents,
};
use origins::OriginFacts;
use summaries::{CallEdge, Calls, MayBlock, Reach};
use values::FunctionValues;

/// Findings reported per guard in one function; the rest are counted on the last one.
const MAX_FINDINGS_PER_GUARD: usize = 3;

/// A blocking call made while guards are alive.
#[derive(Clone, Debug)]
pub struct BlockingUnderLock {
    pub function: FunctionRef,
    /// The guards alive that the call keeps held, oldest first (at least one).
    pub held: Vec<Held>,
    pub op: BlockingOp,
    /// Where this function makes the call: the blocking call itself, or the call of the
    /// function that blocks.
    pub call_site: Span,
    /// The blocking call (in a callee when `chain` is not empty).
    pub blocking_site: Span,
    /// Calls from `function` down to the blocking call (empty when direct).
    pub chain: Vec<(FunctionRef, Span)>,
    /// More blocking calls under the same guard in this function, not reported apart.
    pub more_under_guard: usize,
}

/// What the pass reads.
pub struct Inputs<'c, 'a> {
    pub typing: Typing<'a>,
    pub function_types: &'a [Vec<FunctionTypes>],
    pub call_sites: &'a CallSites,
    pub knowledge: &'c Knowledge,
    pub scope: Scope,
    origins: OriginFacts,
}

impl<'c, 'a> Inputs<'c, 'a> {
    pub fn new(
        typing: Typing<'a>,
        function_types: &'a [Vec<FunctionTypes>],
        call_sites: &'a CallSites,
        knowledge: &'c Knowledge,
        scope: Scope,
    ) -> Self {
        Inputs {
            typing,
            function_types,
            call_sites,
            knowledge,
            scope,
            origins: OriginFacts::default(),
        }
    }

    fn function(&self, function: FunctionRef) -> &'a Function {
        note_read_of_file(function.file());
        &self.typing.types.files[function.file()].functions[function.index()]
    }

    /// The values of `function`'s body as kept decoded (for functions looked at now and
    /// then: callers followed back, calls made with guards held).
    fn values_of(&self, function: FunctionRef) -> FunctionValues<'a> {
        let definition = self.function(function);
        self.values_with(function, &definition.body)
    }

    /// The values of `function`'s body, read from `body` (the caller's decoded copy).
    fn values_with<'b>(&self, function: FunctionRef, body: &'b Block) -> FunctionValues<'b>
    where
        'a: 'b,
    {
        FunctionValues::new(
            self.typing,
            function,
            self.function(function),
            body,
            &self.function_types[function.file()][function.index()],
            self.call_sites.in_function(function),
        )
    }

    fn functions_in_scope(&self) -> impl Iterator<Item = FunctionRef> + '_ {
        let files = self.typing.types.files;
        files.iter().enumerate().flat_map(move |(file, facts)| {
            facts
                .functions
                .iter()
                .enumerate()
                .filter(|(_, function)| self.scope.contains(function))
                .map(move |(index, _)| FunctionRef::new(file, index))
        })
    }
}

/// A blocking call found in a function's own body.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Site {
    op: BlockingOp,
    /// Where findings point (from the method name).
    span: Span,
    /// The candidate's own span (the whole call or `.await`).
    candidate_span: Span,
    /// The held guards the call counts.
    held: Vec<Held>,
    isolated: bool,
}

/// What the pass finds.
#[derive(Default)]
pub struct BlockingFacts {
    pub under_lock: Vec<BlockingUnderLock>,
    pub channel_cycles: Vec<ChannelCycle>,
    pub rendezvous_cycles: Vec<RendezvousCycle>,
}

/// Every blocking call made with a guard alive, directly or through calls, and every cycle
/// through a bounded channel and a lock (whose send is then not reported apart).
///
/// `results` keeps each file's blocking sites and awaited calls between runs (keyed by the
/// walks' key and the field origins: see [`FileSites`]).
pub(crate) fn analyze(
    inputs: &Inputs<'_, '_>,
    functions: &FunctionMap<FunctionLocks>,
    results: Option<&StoredResults<'_>>,
) -> BlockingFacts {
    // In function order (`FunctionMap` iterates in it).
    let ordered: Vec<FunctionRef> = functions.keys().copied().collect();
    inputs.origins.prepare_fields(inputs, functions);
    let results = results
        .map(|results| results.depending_on("blocking sites", inputs.origins.fields_digest()));
    let files = inputs.typing.types.files;
    let counts = crate::analysis::stored_results::function_counts(files);
    let by_file: Vec<FileSites> = files
        .par_iter()
        .with_max_len(crate::analysis::FILES_PER_TASK)
        .enumerate()
        .map(|(file, facts)| {
            let own_file_only = std::cell::Cell::new(true);
            StoredResults::reuse_or_work_out(
                results.as_ref(),
                file,
                facts,
                |bytes| FileSites::decode(bytes, file, facts, &counts, functions),
                || {
                    let (found, only) =
                        reading_for_file(file, || FileSites::find(inputs, functions, file));
                    own_file_only.set(only);
                    found
                },
                |found| found.encode(facts.file).filter(|_| own_file_only.get()),
            )
        })
        .collect();
    let mut sites: HashMap<FunctionRef, Vec<Site>> = HashMap::default();
    // Only the functions that await something have an entry.
    let mut awaited: HashMap<FunctionRef, BTreeSet<(u32, u32)>> = HashMap::default();
    for (file, found) in by_file.into_iter().enumerate() {
        for (index, function_sites) in found.sites {
            sites.insert(FunctionRef::new(file, index as usize), function_sites);
        }
        for (index, spans) in found.awaited {
            awaited.insert(FunctionRef::new(file, index as usize), spans);
        }
    }
    let direct: HashMap<FunctionRef, MayBlock> = sites
        .iter()
        .map(|(function, sites)| (*function, direct_summary(sites)))
        .filter(|(_, summary)| !summary.is_empty())
        .collect();
    // Only the functions with a chain of calls to a blocking call can get a summary: the
    // edges (with their argument types) are made for those alone.
    let may_reach = may_reach_blocking(functions, &ordered, &direct);
    let candidates: Vec<FunctionRef> = ordered
        .iter()
        .copied()
        .filter(|function| may_reach.contains(function))
        .collect();
    let calls = propagating_calls(inputs, functions, &candidates, &awaited);
    let items = inputs.typing.types.items;
    let implementor_of = |callee: FunctionRef| items.self_type_of(callee);
    let summaries = summaries::summarize(&ordered, &direct, &calls, &implementor_of);
    // Each function's findings are independent of the others': found in parallel, kept in
    // function order.
    let mut found: Vec<BlockingUnderLock> = ordered
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .flat_map_iter(|function| {
            let mut here = Vec::new();
            for site in sites.get(function).into_iter().flatten() {
                if !site.held.is_empty() {
                    here.push(BlockingUnderLock {
                        function: *function,
                        held: site.held.clone(),
                        op: site.op.clone(),
                        call_site: site.span,
                        blocking_site: site.span,
                        chain: Vec::new(),
                        more_under_guard: 0,
                    });
                }
            }
            for call in &functions[function].calls {
                if call.held.is_empty() {
                    continue;
                }
                if let Some(finding) = through_call(inputs, *function, call, &summaries, &awaited) {
                    here.push(finding);
                }
            }
            limit_per_guard(here, &inputs.typing.types.files[function.file()].lines)
        })
        .collect();
    let waited = waited_for_classes(functions);
    for finding in &mut found {
        finding.held.retain(|held| waited(&held.target.class));
    }
    found.retain(|finding| !finding.held.is_empty());
    let channel_cycles = channel_cycles::channel_cycles(inputs, functions, &sites);
    // The cycle (an error) says more than the blocking send it starts from.
    found.retain(|finding| {
        !channel_cycles.iter().any(|cycle| {
            cycle.producer == finding.function
                && cycle.send == finding.call_site
                && finding.held.iter().any(|held| held.site == cycle.lock.site)
        })
    });
    BlockingFacts {
        under_lock: found,
        channel_cycles,
        rendezvous_cycles: channel_cycles::rendezvous_cycles(inputs, &sites),
    }
}

/// Whether anything can wait for a lock of a class: a field or static lock that is only
/// ever taken with `try_lock` (and the like) makes no one wait however long it is held.
/// Locals and parameters may be locked under other names elsewhere: they always count.
fn waited_for_classes(functions: &FunctionMap<FunctionLocks>) -> impl Fn(&ClassKey) -> bool + '_ {
    let mut acquired: HashSet<&ClassKey> = HashSet::default();
    let mut waited: HashSet<&ClassKey> = HashSet::default();
    for locks in functions.values() {
        for acquisition in &locks.acquisitions {
            acquired.insert(&acquisition.target.class);
            if !acquisition.is_try {
                waited.insert(&acquisition.target.class);
            }
        }
    }
    move |class: &ClassKey| {
        !matches!(class, ClassKey::Field { .. } | ClassKey::Static { .. })
            || !acquired.contains(class)
            || waited.contains(class)
    }
}

/// One file's blocking sites (for its functions with candidates) and awaited calls (for
/// those that await), by function index: what `analyze` keeps between runs. They depend on
/// the file, its walks and the field origins, and, when a value is followed back into
/// another file (through a caller, to a channel made there), on that file too: such a
/// file's are not kept ([`reading_for_file`]).
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct FileSites {
    sites: Vec<(u32, Vec<Site>)>,
    awaited: Vec<(u32, BTreeSet<(u32, u32)>)>,
}

impl FileSites {
    fn find(inputs: &Inputs<'_, '_>, functions: &FunctionMap<FunctionLocks>, file: usize) -> Self {
        let mut found = FileSites::default();
        let facts = &inputs.typing.types.files[file];
        for index in 0..facts.functions.len() {
            let function = FunctionRef::new(file, index);
            let Some(locks) = functions.get(&function) else {
                continue;
            };
            if !locks.blocking.is_empty() {
                let function_sites = sites_of(inputs, function, &locks.blocking);
                found.sites.push((index as u32, function_sites));
            }
            let spans = awaited_calls(inputs.function(function));
            if !spans.is_empty() {
                found.awaited.push((index as u32, spans));
            }
        }
        found
    }

    /// The bytes of file `file`'s sites; `None` when a span they hold is in another file.
    fn encode(&self, file: crate::span::FileId) -> Option<Vec<u8>> {
        let (bytes, all_in_file) = crate::span::written_in_file(file, || postcard::to_stdvec(self));
        bytes.ok().filter(|_| all_in_file)
    }

    /// The sites stored by [`FileSites::encode`] for file `file`; `None` when they do not
    /// decode or do not fit the run (a function out of scope, or without candidates).
    fn decode(
        bytes: &[u8],
        file: usize,
        facts: &crate::model::FileFacts,
        counts: &std::sync::Arc<[u32]>,
        functions: &FunctionMap<FunctionLocks>,
    ) -> Option<FileSites> {
        let found: FileSites =
            crate::analysis::stored_results::reading_functions_of(counts, || {
                crate::model::persist::loading_as(facts.file, || postcard::from_bytes(bytes).ok())
            })?;
        let walked = |index: u32| {
            (index as usize) < facts.functions.len()
                && functions
                    .get(&FunctionRef::new(file, index as usize))
                    .is_some()
        };
        let fits = found.sites.iter().all(|(index, _)| {
            walked(*index)
                && !functions[&FunctionRef::new(file, *index as usize)]
                    .blocking
                    .is_empty()
        }) && found.awaited.iter().all(|(index, _)| walked(*index));
        fits.then_some(found)
    }
}

thread_local! {
    /// While one file's sites are found on this thread ([`reading_for_file`]): the file,
    /// and whether what another file's bodies hold was read.
    static READING_FOR: std::cell::Cell<Option<(usize, bool)>> =
        const { std::cell::Cell::new(None) };
}

/// Notes that the pass reads a function of file `file` (its body, values or calls).
fn note_read_of_file(file: usize) {
    READING_FOR.with(|reading| {
        if let Some((own, _)) = reading.get()
            && own != file
        {
            reading.set(Some((own, true)));
        }
    });
}

/// Notes that the pass reads what every file holds (the callers of a function).
fn note_read_of_every_file() {
    READING_FOR.with(|reading| {
        if let Some((own, _)) = reading.get() {
            reading.set(Some((own, true)));
        }
    });
}

/// Runs `find` (which finds file `file`'s sites on this thread) and says whether it read
/// only that file's functions ([`note_read_of_file`]).
fn reading_for_file<T>(file: usize, find: impl FnOnce() -> T) -> (T, bool) {
    let outer = READING_FOR.with(|reading| reading.replace(Some((file, false))));
    let found = find();
    let read_elsewhere = READING_FOR
        .with(|reading| reading.replace(outer))
        .is_some_and(|(_, elsewhere)| elsewhere);
    (found, !read_elsewhere)
}

/// The blocking calls among a function's candidates, with the guards each one counts.
fn sites_of(
    inputs: &Inputs<'_, '_>,
    function: FunctionRef,
    candidates: &[BlockingCandidate],
) -> Vec<Site> {
    // Asked of every function with a candidate: the tree is decoded for this only.
    let body = inputs.function(function).body.read();
    let values = inputs.values_with(function, &body);
    candidates
        .iter()
        .filter_map(|candidate| {
            let classified = classify(inputs, &values, candidate)?;
            let held = candidate
                .held
                .iter()
                .filter(|held| {
                    classified.counts(&values, held)
                        && !in_failure_handler(values.body, candidate.span, held)
                        && !may_hold_nothing(values.body, held)
                })
                .cloned()
                .collect();
            Some(Site {
                span: classified.span.unwrap_or(candidate.span),
                candidate_span: candidate.span,
                op: classified.op,
                held,
                isolated: candidate.isolated,
            })
        })
        .collect()
}

/// What a function's own (not isolated) blocking calls make it wait for when called. A
/// `Condvar` wait on a guard the caller passed in is left out: the caller still holds
/// that guard and sees the wait as its own lock's.
fn direct_summary(sites: &[Site]) -> MayBlock {
    let mut summary = MayBlock::default();
    for site in sites.iter().filter(|site| !site.isolated) {
        let on_parameter = site
            .op
            .releases
            .as_ref()
            .is_some_and(|released| released.class.param_index().is_some());
        if on_parameter {
            continue;
        }
        summary.offer(Reach {
            op: site.op.clone(),
            site: site.span,
            calls: Vec::new(),
            dispatched: None,
        });
    }
    summary
}

/// The spans of calls that are awaited right away (`helper().await`).
fn awaited_calls(function: &Function) -> BTreeSet<(u32, u32)> {
    let mut spans = BTreeSet::new();
    if !function.contents.await_expr {
        return spans;
    }
    function.body.read().walk(&mut |expr| {
        if let ExprKind::Await(inner) = &expr.kind {
            spans.insert((inner.span.byte_start, inner.span.byte_end));
        }
    });
    spans
}

/// The functions with a chain of (not isolated) calls to one of `direct`'s: a superset of
/// those the summaries reach (their edges leave out some callees: see [`callees_reached`]).
fn may_reach_blocking(
    functions: &FunctionMap<FunctionLocks>,
    ordered: &[FunctionRef],
    direct: &HashMap<FunctionRef, MayBlock>,
) -> crate::hash::HashSet<FunctionRef> {
    if direct.is_empty() {
        return crate::hash::HashSet::default();
    }
    let callees_of = |function: FunctionRef| -> Vec<FunctionRef> {
        functions[&function].callees_run_by_a_call()
    };
    let callers = crate::analysis::bottom_up::callers_of(ordered, &callees_of);
    crate::analysis::bottom_up::reaching(&callers, direct.keys().copied())
}

/// The calls through which a callee's blocking reaches its caller: not in a spawned
/// closure, resolved by more than a name guess, and, for an `async fn`, awaited.
fn propagating_calls(
    inputs: &Inputs<'_, '_>,
    functions: &FunctionMap<FunctionLocks>,
    ordered: &[FunctionRef],
    awaited: &HashMap<FunctionRef, BTreeSet<(u32, u32)>>,
) -> Calls {
    // Each function's edges are independent of the others'.
    ordered
        .par_iter()
        .with_max_len(crate::analysis::FUNCTIONS_PER_TASK)
        .filter_map(|function| {
            let mut param_uses = ParamUses::new(inputs.function(*function));
            let out: Vec<_> = functions[function]
                .calls
                .iter()
                .filter(|call| !call.isolated)
                .filter_map(|call| {
                    let callees =
                        callees_reached(inputs, *function, call.span, &call.callees, awaited);
                    (!callees.is_empty())
                        .then(|| call_edge(inputs, *function, call.span, callees, &mut param_uses))
                })
                .collect();
            (!out.is_empty()).then_some((*function, out))
        })
        .collect()
}

fn callees_reached(
    inputs: &Inputs<'_, '_>,
    function: FunctionRef,
    span: Span,
    callees: &[FunctionRef],
    awaited: &HashMap<FunctionRef, BTreeSet<(u32, u32)>>,
) -> Vec<FunctionRef> {
    let guessed = inputs
        .call_sites
        .at(function, span)
        .is_none_or(|site| site.resolution == Resolution::ByName);
    if guessed {
        return Vec::new();
    }
    let is_awaited = awaited
        .get(&function)
        .is_some_and(|spans| spans.contains(&(span.byte_start, span.byte_end)));
    callees
        .iter()
        .copied()
        .filter(|callee| is_awaited || !inputs.function(*callee).is_async)
        .collect()
}

/// The call at `span` in `function` as an edge to `callees`: the known types of its
/// arguments, and whether it dispatches a trait method on a parameter of `function`.
fn call_edge(
    inputs: &Inputs<'_, '_>,
    function: FunctionRef,
    span: Span,
    callees: Vec<FunctionRef>,
    param_uses: &mut ParamUses<'_>,
) -> CallEdge {
    let site = inputs.call_sites.at(function, span);
    let argument_types = site.map_or_else(Vec::new, |site| argument_types(inputs, function, site));
    let dispatched_param = site
        .filter(|site| site.resolution == Resolution::Dispatch)
        .and_then(|site| {
            let receiver = inputs
                .call_sites
                .arguments(function, site)
                .iter()
                .find(|argument| argument.param == ParamSlot::Receiver)?;
            param_uses.param_at(receiver.span)
        });
    CallEdge {
        span,
        callees,
        dispatched_param,
        argument_types,
    }
}

/// The arguments known to be of one of the workspace's structs (through references,
/// `Box`, `Arc`), by parameter position: a `Box<dyn Trait>` or a generic says nothing.
fn argument_types(
    inputs: &Inputs<'_, '_>,
    function: FunctionRef,
    site: &CallSite,
) -> Vec<(usize, String)> {
    inputs
        .call_sites
        .arguments(function, site)
        .iter()
        .filter_map(
            |argument| match (argument.param, argument.ty.as_ref()?.peel_wrappers()) {
                (ParamSlot::Index(position), Ty::Path { path, .. })
                    if inputs.typing.types.items.struct_at(path).is_some() =>
                {
                    Some((position as usize, path.clone()))
                }
                _ => None,
            },
        )
        .collect()
}

/// Where a function's body names its parameters (`key` in `key.encrypt(..)`), by span:
/// found in one walk of the body, on the first question.
struct ParamUses<'f> {
    function: &'f Function,
    at: Option<HashMap<(u32, u32), usize>>,
}

impl<'f> ParamUses<'f> {
    fn new(function: &'f Function) -> Self {
        ParamUses { function, at: None }
    }

    /// The position of the parameter the expression at `span` names (`self` not counted).
    fn param_at(&mut self, span: Span) -> Option<usize> {
        let function = self.function;
        let at = self.at.get_or_insert_with(|| {
            let names: Vec<Option<&str>> = function
                .params
                .iter()
                .map(|param| param.pattern.simple_name())
                .collect();
            let mut at = HashMap::default();
            // Made for many functions, once each: the tree is decoded for this only.
            function.body.read().walk(&mut |expr| {
                if let ExprKind::Path(path) = &expr.kind
                    && path.segments.len() == 1
                    && let Some(position) = names.iter().position(|name| *name == Some(path.last()))
                {
                    at.insert((expr.span.byte_start, expr.span.byte_end), position);
                }
            });
            at
        });
        at.get(&(span.byte_start, span.byte_end)).copied()
    }
}

/// A call of a function that may block, made with guards alive.
fn through_call(
    inputs: &Inputs<'_, '_>,
    function: FunctionRef,
    call: &super::guards::HeldCall,
    summaries: &HashMap<FunctionRef, MayBlock>,
    awaited: &HashMap<FunctionRef, BTreeSet<(u32, u32)>>,
) -> Option<BlockingUnderLock> {
    let mut values = None;
    // What the call passes: made once, when a callee has something to filter.
    let mut edge = None;
    for callee in callees_reached(inputs, function, call.span, &call.callees, awaited) {
        let Some(summary) = summaries.get(&callee) else {
            continue;
        };
        let edge = edge.get_or_insert_with(|| {
            let mut param_uses = ParamUses::new(inputs.function(function));
            call_edge(inputs, function, call.span, Vec::new(), &mut param_uses)
        });
        for reach in summary.reaches().filter(|reach| edge.admits(reach)) {
            let definition = inputs.function(function);
            let mut held: Vec<Held> = call
                .held
                .iter()
                .filter(|held| {
                    counts_for(&reach.op, held)
                        && !in_failure_handler(&definition.body, call.span, held)
                        && !may_hold_nothing(&definition.body, held)
                })
                .cloned()
                .collect();
            if reach.op.kind.is_io() && !held.is_empty() {
                // I/O of a callee given the guard (or what it protects) is I/O the lock
                // exists to serialize.
                let values = values.get_or_insert_with(|| inputs.values_of(function));
                held.retain(|held| {
                    !serializes_only(values, &held.target) && !passes_guard(values, call.span, held)
                });
            }
            if matches!(reach.op.kind, BlockingKind::Receive | BlockingKind::Join)
                && !held.is_empty()
            {
                // A callee given the guard of a lock that holds only a receiver or handle
                // waits on that (`Mutex<Server { rx }>`): the hand-over the lock is for.
                let values = values.get_or_insert_with(|| inputs.values_of(function));
                held.retain(|held| !waits_on_lock_contents(values, call.span, held));
            }
            if held.is_empty() {
                continue;
            }
            let mut chain = vec![(callee, call.span)];
            chain.extend(reach.calls.iter().cloned());
            return Some(BlockingUnderLock {
                function,
                held,
                op: reach.op.clone(),
                call_site: call.span,
                blocking_site: reach.site,
                chain,
                more_under_guard: 0,
            });
        }
    }
    None
}

/// One finding per blocking line, at most [`MAX_FINDINGS_PER_GUARD`] per guard; the
/// blocking calls beyond are counted on the last finding of their guard.
fn limit_per_guard(
    mut findings: Vec<BlockingUnderLock>,
    lines: &crate::span::LineIndex,
) -> Vec<BlockingUnderLock> {
    findings.sort_by_key(|finding| (finding.call_site.byte_start, finding.call_site.byte_end));
    let mut seen_lines = BTreeSet::new();
    findings.retain(|finding| seen_lines.insert(lines.line_of(finding.call_site.byte_start)));
    let mut kept: Vec<BlockingUnderLock> = Vec::new();
    for finding in findings {
        let guard = finding.held[0].site;
        let reported = kept
            .iter()
            .filter(|kept| kept.held[0].site == guard)
            .count();
        if reported < MAX_FINDINGS_PER_GUARD {
            kept.push(finding);
        } else if let Some(last) = kept
            .iter_mut()
            .rev()
            .find(|kept| kept.held[0].site == guard)
        {
            last.more_under_guard += 1;
        }
    }
    kept
}
