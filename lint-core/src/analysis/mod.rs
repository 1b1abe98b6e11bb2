//! The global phase: everything computed over the facts of all files together (resolved
//! call sites now; the call graph and the lock graph build on this).

pub mod bindings;
pub mod calls;
pub mod items;
pub mod locks;
pub mod loops;

use crate::config::Config;
use crate::knowledge::Knowledge;
use crate::model::{FileFacts, Function};
use crate::resolve::Resolver;

pub use calls::CallSite;

/// A function of the program: file index and index into that file's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionRef {
    pub file: usize,
    pub index: usize,
}

/// All files' facts plus what the global phase derives from them. Rules read only this.
pub struct Program<'a> {
    pub files: &'a [FileFacts],
    pub resolver: Resolver<'a>,
    pub call_sites: Vec<CallSite>,
    /// Loops and per-item closures of each function, with the calls inside them.
    pub loops: Vec<loops::FunctionLoops<'a>>,
    /// Structs, statics and functions by canonical path.
    pub items: items::ItemIndex,
    /// Lock identity, guard lifetimes, summaries, the lock-order graph and its findings.
    pub locks: locks::LockAnalysis,
    /// API knowledge with the user's extensions.
    pub knowledge: Knowledge,
    /// Lock orders a test run observed, when the user passed its traces.
    pub runtime: Option<&'a crate::runtime::RuntimeObservations>,
}

impl<'a> Program<'a> {
    pub fn build(files: &'a [FileFacts], config: &Config) -> Program<'a> {
        let knowledge = Knowledge::from_config(config);
        let resolver = Resolver::new(files);
        let call_sites = calls::collect_call_sites(files, &resolver);
        let loops = loops::collect_loops(files);
        let items = items::ItemIndex::build(files, &resolver);
        let locks = locks::analyze_locks(files, &resolver, &items, &knowledge);
        Program {
            files,
            resolver,
            call_sites,
            loops,
            items,
            locks,
            knowledge,
            runtime: None,
        }
    }

    pub fn function(&self, function: FunctionRef) -> &'a Function {
        &self.files[function.file].functions[function.index]
    }

    /// The local binding types of a function, with `self.field` types of a method's struct.
    pub fn local_types(&self, function: FunctionRef) -> bindings::LocalTypes {
        let locals = bindings::LocalTypes::of_function(self.function(function));
        let Some(owner) = self.items.self_type_of(function) else {
            return locals;
        };
        let Some(item) = self.items.struct_at(owner) else {
            return locals;
        };
        let fields = &items::struct_def(self.files, item).fields;
        locals.with_self_fields(
            fields
                .iter()
                .map(|field| (field.name.clone(), field.ty.clone())),
        )
    }

    /// Every function with a body, in file order.
    pub fn functions(&self) -> impl Iterator<Item = (FunctionRef, &'a Function)> + '_ {
        self.files.iter().enumerate().flat_map(|(file, facts)| {
            facts
                .functions
                .iter()
                .enumerate()
                .map(move |(index, function)| (FunctionRef { file, index }, function))
        })
    }
}
