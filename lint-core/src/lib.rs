//! coordlint's analyzer: takes Rust sources and a configuration, returns findings as data.
//!
//! The passes run in one direction: sources → [`lower`] (the only `syn` user; one file at a
//! time, in parallel) → [`model`] facts → [`analysis`] (the global phase over all facts) →
//! [`rules`] → [`diagnostic`]s, sorted → [`fixes`] (suggestions, re-reading one file's syntax).
//! lint-core does no I/O and never prints.

pub mod analysis;
pub mod config;
pub mod diagnostic;
pub mod fixes;
pub mod knowledge;
pub mod lock_graph;
pub mod lower;
pub mod model;
pub mod resolve;
pub mod rules;
pub mod runtime;
pub mod source;
pub mod span;
pub mod suppress;

use std::sync::OnceLock;

use rayon::prelude::*;

pub use config::{Config, ConfigError, Level, OptionKind, OptionValue, RuleOption};
pub use diagnostic::{Applicability, Diagnostic, Edit, FixRequest, Label, Severity, Suggestion};
pub use lock_graph::LockGraph;
pub use model::FileFacts;
pub use source::{Edition, SourceFile};
pub use span::{FileId, LineCol, LineIndex, Span};

/// Stack size of the lowering threads: syn's parser recurses on nesting, and lowering accepts
/// up to [`lower::MAX_TOKEN_NESTING`] levels of brackets.
const LOWERING_STACK_BYTES: usize = 64 << 20;

pub(crate) fn lowering_pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|index| format!("coordlint-lower-{index}"))
            .stack_size(LOWERING_STACK_BYTES)
            .build()
            .expect("the lowering thread pool can be created")
    })
}

/// Parses and lowers every source in parallel. `FileFacts::file` is the index in `sources`.
pub fn lower_files(sources: &[SourceFile]) -> Vec<FileFacts> {
    lower_files_numbered_from(0, sources)
}

/// Like [`lower_files`], numbering the files `first_id`, `first_id + 1`, ...; for callers
/// that discover files in waves (following `mod` declarations) and analyze them together.
pub fn lower_files_numbered_from(first_id: u32, sources: &[SourceFile]) -> Vec<FileFacts> {
    lowering_pool().install(|| {
        sources
            .par_iter()
            .enumerate()
            .map(|(index, source)| lower::lower_file(FileId(first_id + index as u32), source))
            .collect()
    })
}

/// Where the caller keeps lowered facts between runs (the CLI's cache under `target/`):
/// lint-core does no I/O, it only asks for and hands over bytes
/// ([`model::persist`]). Called from the lowering threads.
pub trait FactsStore: Sync {
    /// The stored facts of `source`, if any.
    fn load(&self, source: &SourceFile) -> Option<Vec<u8>>;
    /// Keeps the facts just lowered from `source`.
    fn store(&self, source: &SourceFile, bytes: &[u8]);
    /// The stored outline ([`model::FileOutline`]) of `source`, if any.
    fn load_outline(&self, _source: &SourceFile) -> Option<Vec<u8>> {
        None
    }
    /// Keeps the outline of the facts just lowered or loaded from `source`.
    fn store_outline(&self, _source: &SourceFile, _bytes: &[u8]) {}
}

/// A file as [`outline_files_cached`] read it: always its outline, and its facts when they
/// had to be lowered or loaded to make the outline.
pub struct OutlinedFile {
    pub outline: model::FileOutline,
    pub facts: Option<FileFacts>,
}

/// The outlines of `sources` (file ids from `first_id`): from `store` when it has them,
/// else from the facts (stored ones, or lowered and stored), which are then kept too.
pub fn outline_files_cached(
    first_id: u32,
    sources: &[SourceFile],
    store: &dyn FactsStore,
) -> Vec<OutlinedFile> {
    lowering_pool().install(|| {
        sources
            .par_iter()
            .enumerate()
            .map(|(index, source)| {
                let file = FileId(first_id + index as u32);
                let stored = store
                    .load_outline(source)
                    .and_then(|bytes| model::persist::outline_from_bytes(&bytes, file));
                if let Some(outline) = stored {
                    return OutlinedFile {
                        outline,
                        facts: None,
                    };
                }
                let facts = facts_cached(file, source, store);
                let outline = facts.outline();
                if let Some(bytes) = model::persist::outline_to_bytes(&outline) {
                    store.store_outline(source, &bytes);
                }
                OutlinedFile {
                    outline,
                    facts: Some(facts),
                }
            })
            .collect()
    })
}

/// The facts of every file of `sources` (file `i` is `FileId(i)`): those in `known` as they
/// are, the others from `store` when it has them, else lowered (and stored).
pub fn complete_facts(
    known: Vec<Option<FileFacts>>,
    sources: &[SourceFile],
    store: Option<&dyn FactsStore>,
) -> Vec<FileFacts> {
    lowering_pool().install(|| {
        known
            .into_par_iter()
            .zip(sources)
            .enumerate()
            .map(|(index, (known, source))| {
                let file = FileId(index as u32);
                known.unwrap_or_else(|| match store {
                    Some(store) => facts_cached(file, source, store),
                    None => lower::lower_file(file, source),
                })
            })
            .collect()
    })
}

/// The facts of `source` as file `file`: from `store` when it has them, else lowered (and
/// stored).
pub fn facts_cached(file: FileId, source: &SourceFile, store: &dyn FactsStore) -> FileFacts {
    let loaded = store
        .load(source)
        .and_then(|bytes| model::persist::facts_from_bytes(&bytes, file, source));
    loaded.unwrap_or_else(|| {
        let facts = lower::lower_file(file, source);
        if let Some(bytes) = model::persist::facts_to_bytes(&facts) {
            store.store(source, &bytes);
        }
        facts
    })
}

/// Like [`lower_files_numbered_from`], taking each file's facts from `store` when it has
/// them and storing the facts of the files it lowers. The result is the same as without
/// the store.
pub fn lower_files_cached(
    first_id: u32,
    sources: &[SourceFile],
    store: &dyn FactsStore,
) -> Vec<FileFacts> {
    lowering_pool().install(|| {
        sources
            .par_iter()
            .enumerate()
            .map(|(index, source)| facts_cached(FileId(first_id + index as u32), source, store))
            .collect()
    })
}

/// Runs every enabled rule over the lowered files; returns findings sorted by file, line,
/// column and rule. File ids in spans index the slice the facts were lowered from.
pub fn analyze(files: &[FileFacts], config: &Config) -> Vec<Diagnostic> {
    analyze_with_runtime(files, config, None)
}

/// Like [`analyze`], also matching the lock orders a test run observed (see [`runtime`]).
pub fn analyze_with_runtime(
    files: &[FileFacts],
    config: &Config,
    runtime: Option<&runtime::RuntimeObservations>,
) -> Vec<Diagnostic> {
    analyze_with(files, config, runtime, Vec::new())
}

/// Like [`analyze_with_runtime`], with findings made outside the analysis (the command's
/// `skipped_file`) added before suppression comments apply, so those comments silence them
/// and count as used.
pub fn analyze_with(
    files: &[FileFacts],
    config: &Config,
    runtime: Option<&runtime::RuntimeObservations>,
    made_elsewhere: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    // The global phase walks bodies recursively too: give it the same large stacks.
    lowering_pool().install(|| analyze_on_this_thread(files, config, runtime, made_elsewhere))
}

fn analyze_on_this_thread(
    files: &[FileFacts],
    config: &Config,
    runtime: Option<&runtime::RuntimeObservations>,
    made_elsewhere: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diagnostics = parse_failures(files, config);
    diagnostics.extend(made_elsewhere);
    let mut program = analysis::Program::build(files, config);
    program.runtime = runtime;
    for rule in rules::ALL {
        let (Some(check), Some(severity)) = (rule.check, config.severity_of(rule.name)) else {
            continue;
        };
        let context = rules::RuleContext {
            program: &program,
            config,
            rule,
            severity,
        };
        check(&context, &mut diagnostics);
    }
    let mut diagnostics = suppress::apply(files, config, diagnostics);
    diagnostic::sort_diagnostics(&mut diagnostics);
    diagnostics
}

/// The lock-order graph of the lowered files, as the lock analysis sees it with `config`.
pub fn lock_graph(files: &[FileFacts], config: &Config) -> LockGraph {
    lowering_pool().install(|| lock_graph::build(files, config))
}

/// Lowers and analyzes `sources` in one call, with the findings' suggestions.
pub fn check_sources(sources: &[SourceFile], config: &Config) -> Vec<Diagnostic> {
    let mut diagnostics = analyze(&lower_files(sources), config);
    attach_suggestions(sources, &mut diagnostics);
    diagnostics
}

/// Turns the fix requests of `diagnostics` into suggestions (see [`fixes`]); `sources` are
/// the files the findings' spans index. Returns how many suggestions were dropped because
/// their result did not parse.
pub fn attach_suggestions(sources: &[SourceFile], diagnostics: &mut [Diagnostic]) -> usize {
    lowering_pool().install(|| fixes::attach_suggestions(sources, diagnostics))
}

/// Whether `text` parses as a Rust file of `edition` (on a thread with a stack deep enough
/// for syn's recursion).
pub fn parses(text: &str, edition: Edition) -> bool {
    lowering_pool().install(|| fixes::parses(text, edition))
}

fn parse_failures(files: &[FileFacts], config: &Config) -> Vec<Diagnostic> {
    let Some(severity) = config.severity_of(rules::PARSE_ERROR.name) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|facts| facts.parse_failure.as_ref())
        .map(|failure| {
            Diagnostic::new(
                rules::PARSE_ERROR.name,
                severity,
                failure.message.clone(),
                Label::new(failure.span, "the analysis stopped here"),
            )
            .with_note("no other rule was checked in this file")
        })
        .collect()
}
