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
pub mod hash;
pub mod knowledge;
pub mod lock_graph;
pub mod lower;
pub mod model;
pub mod paths;
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

/// Runs `op` on the threads that lower and analyze (see [`lowering_pool`]), so that its
/// parallel work uses them too. The CLI reads files there: memory is reused by the thread
/// (and allocator arena) that freed it, so texts read on other threads and freed before
/// the analysis would not make room for it.
pub fn run_on_analysis_threads<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    lowering_pool().install(op)
}

/// For each of `sources`, in parallel, the lines and names of every item, nested ones too,
/// in source order: the innermost item around a finding names it in fingerprints. Lowers
/// the files again (the facts keep extents only for files with suppression comments).
pub fn item_extents(sources: &[&SourceFile]) -> Vec<Vec<model::ItemExtent>> {
    lowering_pool().install(|| {
        sources
            .par_iter()
            .with_max_len(1)
            .map(|source| lower::item_extents(source))
            .collect()
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
        map_large_first(sources, |index, source| {
            lower::lower_file(FileId(first_id + index as u32), source)
        })
    })
}

/// `work` on each of `sources` in parallel, one file per task, with the results in
/// `sources` order. Very large files (generated tables, bindings) go first: taken last, one
/// would be parsed alone at the end of its wave while the other threads wait. Only those:
/// starting with all the large files costs more CPU than it saves.
fn map_large_first<T: Send>(
    sources: &[SourceFile],
    work: impl Fn(usize, &SourceFile) -> T + Sync,
) -> Vec<T> {
    let is_large = |index: &usize| sources[*index].text.len() >= LARGE_FILE_BYTES;
    let (mut order, rest): (Vec<usize>, Vec<usize>) = (0..sources.len()).partition(is_large);
    order.extend(rest);
    // One file per task: a chunk of files would be worked through by one thread, which
    // no other thread can take files from.
    let mut done: Vec<(usize, T)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|index| (index, work(index, &sources[index])))
        .collect();
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Files at least this long are lowered first (see [`map_large_first`]).
const LARGE_FILE_BYTES: usize = 512 * 1024;

/// Where the caller keeps lowered facts between runs (the CLI's cache under `target/`):
/// lint-core does no I/O, it only asks for and hands over bytes
/// ([`model::persist`]). Called from the lowering threads.
pub trait FactsStore: Sync {
    /// The stored facts of `source`, if any.
    fn load(&self, source: &SourceFile) -> Option<Vec<u8>>;
    /// Keeps the facts just lowered from `source`.
    fn store(&self, source: &SourceFile, bytes: &[u8]);
}

/// Where the caller keeps what the analysis worked out of each file between runs (the
/// CLI's cache): the local types and resolved calls of a file's functions, which depend
/// on that file's facts and on the interfaces of all the others
/// ([`model::persist::interface_digest`]). A run after an edit of function bodies then
/// works out again only the edited files'. Keys are made by lint-core (they include its
/// model version); the store only keeps bytes. Called from the analysis threads.
pub trait ResultsStore: Sync {
    /// The bytes stored under `key`, if any.
    fn load_results(&self, key: u128) -> Option<Vec<u8>>;
    /// Keeps `bytes` under `key`.
    fn store_results(&self, key: u128, bytes: &[u8]);
}

/// A file's facts as [`load_files_cached`] gives them: lowered in this run, or stored
/// bytes of which only the summary was read.
pub enum LoadedFacts {
    Lowered(Box<FileFacts>),
    Stored {
        summary: model::persist::FileSummary,
        bytes: Vec<u8>,
    },
}

impl LoadedFacts {
    pub fn summary(&self) -> model::persist::FileSummary {
        match self {
            LoadedFacts::Lowered(facts) => model::persist::FileSummary::of(facts),
            LoadedFacts::Stored { summary, .. } => summary.clone(),
        }
    }

    /// The facts of `source`, file `file` of the run: decoded when stored (lowered again if
    /// the bytes are damaged).
    pub fn into_facts(self, file: FileId, source: &SourceFile) -> FileFacts {
        match self {
            LoadedFacts::Lowered(facts) => *facts,
            LoadedFacts::Stored { bytes, .. } => {
                model::persist::facts_from_bytes(&bytes, file, source)
                    .unwrap_or_else(|| lower::lower_file(file, source))
            }
        }
    }
}

/// Like [`lower_files_numbered_from`], taking each file's facts from `store` when it has
/// them (reading only their summary: see [`LoadedFacts::into_facts`]) and storing the facts
/// of the files it lowers.
pub fn load_files_cached(
    first_id: u32,
    sources: &[SourceFile],
    store: &dyn FactsStore,
) -> Vec<LoadedFacts> {
    lowering_pool().install(|| {
        map_large_first(sources, |index, source| {
            let file = FileId(first_id + index as u32);
            let stored = store.load(source).and_then(|bytes| {
                let summary = model::persist::summary_from_bytes(&bytes, file)?;
                Some(LoadedFacts::Stored { summary, bytes })
            });
            stored.unwrap_or_else(|| {
                let mut facts = lower::lower_file(file, source);
                if let Some((bytes, digests)) = model::persist::encode_facts(&facts) {
                    store.store(source, &bytes);
                    facts.digests = Some(digests);
                }
                LoadedFacts::Lowered(Box::new(facts))
            })
        })
    })
}

/// Decodes every stored entry of `loaded` in parallel (see [`LoadedFacts::into_facts`]);
/// `sources[i]` is file `first_id + i`.
pub fn decode_loaded(
    first_id: u32,
    sources: &[SourceFile],
    loaded: Vec<LoadedFacts>,
) -> Vec<FileFacts> {
    lowering_pool().install(|| {
        loaded
            .into_par_iter()
            .zip(sources.par_iter())
            .with_max_len(1)
            .enumerate()
            .map(|(index, (loaded, source))| {
                loaded.into_facts(FileId(first_id + index as u32), source)
            })
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
    analyze_with_store(files, config, runtime, made_elsewhere, None)
}

/// Like [`analyze_with`], taking each file's local types and calls from `results` when it
/// has them for the same facts and the same interfaces of the other files, and storing
/// those it works out (see [`ResultsStore`]). The findings are the same with or without.
pub fn analyze_with_store(
    files: &[FileFacts],
    config: &Config,
    runtime: Option<&runtime::RuntimeObservations>,
    made_elsewhere: Vec<Diagnostic>,
    results: Option<&dyn ResultsStore>,
) -> Vec<Diagnostic> {
    // The global phase walks bodies recursively too: give it the same large stacks.
    lowering_pool()
        .install(|| analyze_on_this_thread(files, config, runtime, made_elsewhere, results))
}

fn analyze_on_this_thread(
    files: &[FileFacts],
    config: &Config,
    runtime: Option<&runtime::RuntimeObservations>,
    made_elsewhere: Vec<Diagnostic>,
    results: Option<&dyn ResultsStore>,
) -> Vec<Diagnostic> {
    let mut diagnostics = parse_failures(files, config);
    diagnostics.extend(made_elsewhere);
    let mut program = analysis::Program::build_with_store(files, config, results, &mut |_| {});
    program.runtime = runtime;
    // The rules read the program and nothing else: they run side by side, and their
    // findings are put together in the rules' order.
    let found = rules::run(&program, config);
    diagnostics.extend(found.into_iter().flatten());
    if !config.free_program_state() {
        std::mem::forget(program);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Results kept in memory, counting what was asked and found.
    #[derive(Default)]
    struct MemoryResults {
        entries: std::sync::Mutex<std::collections::HashMap<u128, Vec<u8>>>,
        found: std::sync::atomic::AtomicUsize,
        stored: std::sync::atomic::AtomicUsize,
    }

    impl ResultsStore for MemoryResults {
        fn load_results(&self, key: u128) -> Option<Vec<u8>> {
            let found = self.entries.lock().unwrap().get(&key).cloned();
            if found.is_some() {
                self.found
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            found
        }

        fn store_results(&self, key: u128, bytes: &[u8]) {
            self.stored
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.entries.lock().unwrap().insert(key, bytes.to_vec());
        }
    }

    impl MemoryResults {
        /// (found, stored) since the last call.
        fn counts(&self) -> (usize, usize) {
            use std::sync::atomic::Ordering::Relaxed;
            (self.found.swap(0, Relaxed), self.stored.swap(0, Relaxed))
        }
    }

    /// The facts of `sources` as a cached run has them (with their digests).
    fn stored_facts(sources: &[SourceFile]) -> Vec<FileFacts> {
        sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let mut facts = lower::lower_file(FileId(index as u32), source);
                facts.digests = model::persist::encode_facts(&facts).map(|(_, digests)| digests);
                facts
            })
            .collect()
    }

    fn store_sources(store_rs: &str, report_rs: &str) -> Vec<SourceFile> {
        let file = |path: &str, text: &str, module: &[&str]| {
            SourceFile::new(path, text, Edition::E2021)
                .with_crate("shop", module.iter().map(|name| name.to_string()).collect())
        };
        vec![
            file("src/lib.rs", "pub mod store;\npub mod report;\n", &[]),
            file("src/store.rs", store_rs, &["store"]),
            file("src/report.rs", report_rs, &["report"]),
        ]
    }

    const STORE: &str = "use std::sync::Mutex;\n\
        pub struct Store { pub items: Mutex<Vec<u32>>, pub audit: Mutex<Vec<String>> }\n\
        impl Store {\n\
            pub fn add(&self, item: u32) {\n\
                let mut items = self.items.lock().unwrap();\n\
                let mut audit = self.audit.lock().unwrap();\n\
                items.push(item);\n\
                audit.push(format!(\"added {item}\"));\n\
            }\n\
        }\n";

    const REPORT_ONE_ORDER: &str = "use crate::store::Store;\n\
        pub fn report(store: &Store) -> usize {\n\
            let items = store.items.lock().unwrap();\n\
            let audit = store.audit.lock().unwrap();\n\
            items.len() + audit.len()\n\
        }\n";

    /// `report` edited: a line more above it, and the locks taken in the other order.
    const REPORT_OTHER_ORDER: &str = "use crate::store::Store;\n\
        // Counts both.\n\
        pub fn report(store: &Store) -> usize {\n\
            let audit = store.audit.lock().unwrap();\n\
            let items = store.items.lock().unwrap();\n\
            items.len() + audit.len()\n\
        }\n";

    #[test]
    fn stored_results_give_the_findings_worked_out_afresh_after_a_body_edit() {
        let config = Config::default();
        let results = MemoryResults::default();
        let analyze_stored = |sources: &[SourceFile]| {
            analyze_with_store(
                &stored_facts(sources),
                &config,
                None,
                Vec::new(),
                Some(&results),
            )
        };
        let before = store_sources(STORE, REPORT_ONE_ORDER);
        let first = analyze_stored(&before);
        assert_eq!(
            results.counts(),
            (0, 9),
            "every file's results worked out and stored"
        );
        assert_eq!(
            format!("{first:?}"),
            format!("{:?}", check_sources(&before, &config))
        );
        assert!(
            first
                .iter()
                .all(|finding| finding.rule != "lock_order_cycle")
        );
        assert_eq!(
            format!("{:?}", analyze_stored(&before)),
            format!("{first:?}")
        );
        assert_eq!(
            results.counts(),
            (9, 0),
            "an unchanged run finds every file's"
        );

        let after = store_sources(STORE, REPORT_OTHER_ORDER);
        let edited = analyze_stored(&after);
        assert_eq!(
            results.counts(),
            (6, 3),
            "only the edited file's are worked out again"
        );
        let afresh = analyze(&lower_files(&after), &config);
        assert_eq!(format!("{edited:?}"), format!("{afresh:?}"));
        assert!(
            edited
                .iter()
                .any(|finding| finding.rule == "lock_order_cycle")
        );

        // A field's type changed: every file's results depend on it.
        let retyped = store_sources(&STORE.replace("Vec<u32>", "Vec<u64>"), REPORT_OTHER_ORDER);
        let changed = analyze_stored(&retyped);
        assert_eq!(
            results.counts(),
            (0, 9),
            "an interface edit works everything out again"
        );
        assert_eq!(
            format!("{changed:?}"),
            format!("{:?}", analyze(&lower_files(&retyped), &config))
        );
    }

    #[test]
    fn damaged_results_are_worked_out_again() {
        let config = Config::default();
        let results = MemoryResults::default();
        let sources = store_sources(STORE, REPORT_OTHER_ORDER);
        let facts = stored_facts(&sources);
        let first = analyze_with_store(&facts, &config, None, Vec::new(), Some(&results));
        for bytes in results.entries.lock().unwrap().values_mut() {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
        }
        results.counts();
        let again = analyze_with_store(&facts, &config, None, Vec::new(), Some(&results));
        assert_eq!(results.counts(), (9, 9), "found, refused and stored again");
        assert_eq!(format!("{again:?}"), format!("{first:?}"));
    }

    #[test]
    fn large_files_first_keeps_the_results_in_file_order() {
        let large = format!("// {}\n", "x".repeat(LARGE_FILE_BYTES));
        let sources: Vec<SourceFile> = ["fn a() {}\n", &large, "fn c() {}\n", &large]
            .iter()
            .enumerate()
            .map(|(index, text)| SourceFile::new(format!("src/f{index}.rs"), *text, Edition::E2021))
            .collect();
        let seen = std::sync::Mutex::new(Vec::new());
        let lengths = map_large_first(&sources, |index, source| {
            seen.lock().unwrap().push(index);
            (index, source.text.len())
        });
        let expected: Vec<(usize, usize)> = sources
            .iter()
            .enumerate()
            .map(|(index, source)| (index, source.text.len()))
            .collect();
        assert_eq!(lengths, expected);
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3], "every file once");
    }
}
