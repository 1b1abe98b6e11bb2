//! The global phase: everything computed over the facts of all files together (resolved
//! call sites now; the call graph and the lock graph build on this).

mod bottom_up;
pub mod call_sites;
pub mod channels;
pub mod exprs;
pub mod format_strings;
pub mod function_map;
pub mod items;
pub mod locks;
pub mod loops;
pub mod permits;
pub mod runtime_match;
mod stored_results;
pub mod types;
pub mod typing;

use crate::config::Config;
use crate::knowledge::Knowledge;
use crate::model::{Expr, FileFacts, Function};
use crate::resolve::{Resolved, Resolver};
use rayon::prelude::*;

pub use call_sites::{CallSite, CallSites};
use types::{Ty, TypeResolver, TypeScope};
use typing::{FunctionTypes, Typing};

/// Functions per task of a parallel pass. Rayon cuts a parallel loop into a few large
/// chunks and does not cut a chunk again once a thread works through it; functions differ
/// in cost by orders of magnitude (a call with hundreds of callees), so with large chunks
/// one thread ends each pass alone. In small tasks the other threads take the rest.
pub(crate) const FUNCTIONS_PER_TASK: usize = 16;

/// Files per task of a parallel pass (see [`FUNCTIONS_PER_TASK`]): one generated file can
/// cost more than thousands of others.
pub(crate) const FILES_PER_TASK: usize = 1;

/// Which functions the analysis looks at: test code only when the user asks for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope {
    pub include_test_code: bool,
}

impl Scope {
    pub fn contains(&self, function: &Function) -> bool {
        self.include_test_code || !function.is_test
    }
}

/// A function of the program: file index and index into that file's functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionRef {
    pub file: u32,
    pub index: u32,
}

impl FunctionRef {
    /// Function `index` of file `file` (both fit in 32 bits: a run's files and a file's
    /// functions are far fewer; 8 bytes instead of 16, and call graphs hold millions).
    pub fn new(file: usize, index: usize) -> FunctionRef {
        FunctionRef {
            file: file as u32,
            index: index as u32,
        }
    }

    /// The file's position in the program's files.
    pub fn file(self) -> usize {
        self.file as usize
    }

    /// The function's position in its file's functions.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

/// Written as its file and index (results kept between runs, `stored_results.rs`).
impl serde::Serialize for FunctionRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.file, self.index).serialize(serializer)
    }
}

/// Read back only as a function of the run's files when they are given
/// ([`stored_results::reading_functions_of`]): a stored result never names a function that
/// is not there.
impl<'de> serde::Deserialize<'de> for FunctionRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FunctionRef, D::Error> {
        let (file, index) = <(u32, u32)>::deserialize(deserializer)?;
        let function = FunctionRef { file, index };
        if stored_results::is_a_function_read(function) {
            Ok(function)
        } else {
            Err(serde::de::Error::custom("no such function in this run"))
        }
    }
}

/// All files' facts plus what the global phase derives from them. Rules read only this.
pub struct Program<'a> {
    pub files: &'a [FileFacts],
    pub resolver: Resolver<'a>,
    /// Every call of every body, resolved once (callees, arguments, their types).
    pub call_sites: CallSites,
    /// Structs, statics and functions by canonical path.
    pub items: items::ItemIndex,
    /// The local binding types of every function, by file and function index.
    function_types: Vec<Vec<FunctionTypes>>,
    /// Lock identity, guard lifetimes, summaries, the lock-order graph and its findings.
    pub locks: locks::LockAnalysis,
    /// API knowledge with the user's extensions.
    pub knowledge: Knowledge,
    /// Which functions are analyzed (test code or not).
    pub scope: Scope,
    /// Lock orders a test run observed, when the user passed its traces.
    pub runtime: Option<&'a crate::runtime::RuntimeObservations>,
}

impl<'a> Program<'a> {
    pub fn build(files: &'a [FileFacts], config: &Config) -> Program<'a> {
        Program::build_observed(files, config, &mut |_| {})
    }

    /// [`Program::build`], calling `after_pass` with each pass's name when it is done (for
    /// profiles: the `memory_profile` example reports time and memory per pass).
    pub fn build_observed(
        files: &'a [FileFacts],
        config: &Config,
        after_pass: &mut dyn FnMut(&'static str),
    ) -> Program<'a> {
        Program::build_with_store(files, config, None, after_pass)
    }

    /// [`Program::build_observed`], with each file's local types and calls taken from
    /// `results` when it has them (see [`crate::ResultsStore`]) and stored there when not.
    pub fn build_with_store(
        files: &'a [FileFacts],
        config: &Config,
        results: Option<&dyn crate::ResultsStore>,
        after_pass: &mut dyn FnMut(&'static str),
    ) -> Program<'a> {
        let knowledge = Knowledge::from_config(config);
        let scope = Scope {
            include_test_code: config.include_test_code(),
        };
        let resolver = Resolver::new(files);
        after_pass("resolver");
        let items = items::ItemIndex::build(files, &resolver);
        after_pass("item index");
        let typing = Typing {
            types: TypeResolver {
                files,
                resolver: &resolver,
                items: &items,
            },
        };
        let results = results.and_then(|store| {
            stored_results::StoredResults::new(store, files, scope.include_test_code)
        });
        let (function_types, call_sites) =
            call_sites::collect_with_types(typing, scope, results.as_ref());
        after_pass("local types, call sites");
        let locks = locks::analyze_locks(
            typing,
            &function_types,
            &call_sites,
            &knowledge,
            scope,
            results.as_ref(),
            after_pass,
        );
        Program {
            files,
            resolver,
            call_sites,
            items,
            function_types,
            locks,
            knowledge,
            scope,
            runtime: None,
        }
    }

    /// Type resolution and expression typing over this program's items.
    pub fn typing(&self) -> Typing<'_> {
        Typing {
            types: TypeResolver {
                files: self.files,
                resolver: &self.resolver,
                items: &self.items,
            },
        }
    }

    /// Where a function is written, for resolving the types and paths of its body.
    pub fn type_scope(&self, function: FunctionRef) -> TypeScope<'_> {
        let definition = self.function(function);
        TypeScope {
            file: function.file(),
            scope: definition.scope,
            self_type: self.items.self_type_of(function),
            generics: &definition.generics,
        }
    }

    /// The local binding types of a function (computed once, when the program is built).
    pub fn function_types(&self, function: FunctionRef) -> &FunctionTypes {
        &self.function_types[function.file()][function.index()]
    }

    /// The type of an expression of `function`'s body, when the syntax says it.
    pub fn type_of(&self, function: FunctionRef, expr: &Expr) -> Option<Ty> {
        self.typing().type_of(
            &self.type_scope(function),
            self.function_types(function),
            expr,
        )
    }

    pub fn function(&self, function: FunctionRef) -> &'a Function {
        &self.files[function.file()].functions[function.index()]
    }

    /// The loops and per-item closures of a function in scope, with the calls inside them
    /// (`None` when it has none). They are found in its body as kept decoded: for the
    /// passes that look at a few functions (see [`Program::flat_map_function_loops`]).
    pub fn loops_of(&self, function: FunctionRef) -> Option<loops::FunctionLoops<'a>> {
        let definition = self.function(function);
        if !self.scope.contains(definition) || !definition.contents.loop_or_closure {
            return None;
        }
        let facts = &self.files[function.file()];
        loops::function_loops(facts, function, definition, &definition.body)
    }

    /// What `find` gives for the loops of each function in scope that has some, in file
    /// order (the functions are looked at in parallel). Each body is decoded for its call
    /// only (unless a pass kept it decoded), so the rules that look at every loop never
    /// hold every tree.
    pub fn flat_map_function_loops<T: Send>(
        &self,
        find: &(dyn Fn(&loops::FunctionLoops<'_>) -> Vec<T> + Sync),
    ) -> Vec<T> {
        let found: Vec<Vec<T>> = self
            .files
            .par_iter()
            .with_max_len(FILES_PER_TASK)
            .enumerate()
            .map(|(file, facts)| {
                let mut found = Vec::new();
                for (index, function) in facts.functions.iter().enumerate() {
                    if !self.scope.contains(function) || !function.contents.loop_or_closure {
                        continue;
                    }
                    let body = function.body.read();
                    let function_ref = FunctionRef::new(file, index);
                    if let Some(loops) = loops::function_loops(facts, function_ref, function, &body)
                    {
                        found.extend(find(&loops));
                    }
                }
                found
            })
            .collect();
        found.into_iter().flatten().collect()
    }

    /// The canonical path of the path call or macro at `expr` in `function`'s body.
    pub fn resolved_call(&self, function: FunctionRef, expr: &Expr) -> Option<&Resolved> {
        self.call_sites
            .at(function, expr.span)
            .and_then(CallSite::resolved_path)
    }

    /// Every function with a body, in file order.
    pub fn functions(&self) -> impl Iterator<Item = (FunctionRef, &'a Function)> + '_ {
        self.files.iter().enumerate().flat_map(|(file, facts)| {
            facts
                .functions
                .iter()
                .enumerate()
                .map(move |(index, function)| (FunctionRef::new(file, index), function))
        })
    }
}
