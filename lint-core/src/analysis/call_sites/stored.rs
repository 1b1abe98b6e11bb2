//! One file's local types and resolved calls as bytes, kept between runs (see
//! `analysis/stored_results.rs` for what they depend on and how they are keyed).
//!
//! The bytes hold each distinct type, path, method name and callee list of the file once,
//! and the functions' bindings and calls as indices into those tables; read back, the
//! values are shared with the run's copies as the ones worked out are.

use std::sync::Arc;

use super::{
    ArgumentRange, CallSite, CallTarget, Callees, FunctionCalls, Interned, ParamSlot, Resolution,
};
use crate::analysis::FunctionRef;
use crate::analysis::types::Ty;
use crate::analysis::typing::FunctionTypes;
use crate::hash::HashMap;
use crate::model::FileFacts;
use crate::resolve::Resolved;
use crate::span::Span;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct StoredFile {
    types: Vec<Ty>,
    resolved: Vec<Resolved>,
    methods: Vec<String>,
    callees: Vec<Vec<FunctionRef>>,
    functions: Vec<StoredFunction>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFunction {
    /// Each name's hash and first binding ([`FunctionTypes::stored_names`]).
    names: Vec<(u64, u32)>,
    /// Each binding's range and type (an index into [`StoredFile::types`]).
    bindings: Vec<(u32, u32, u32)>,
    sites: Vec<StoredSite>,
    arguments: Vec<StoredArgument>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSite {
    span: (u32, u32),
    target: StoredTarget,
    /// 0 for none, else the list's index in [`StoredFile::callees`] plus one.
    callees: u32,
    resolution: Resolution,
    arguments: (u32, u32),
}

#[derive(serde::Serialize, serde::Deserialize)]
enum StoredTarget {
    Path(u32),
    Method(u32),
    Macro(u32),
    Value,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredArgument {
    span: (u32, u32),
    param: ParamSlot,
    ty: Option<u32>,
}

/// Each distinct shared value once, by address (the values of a file are shared copies).
struct Table<'v, T> {
    index: HashMap<usize, u32>,
    values: Vec<&'v T>,
}

impl<'v, T> Table<'v, T> {
    fn new() -> Table<'v, T> {
        Table {
            index: HashMap::default(),
            values: Vec::new(),
        }
    }

    fn add(&mut self, value: &'v T) -> u32 {
        let next = self.values.len() as u32;
        let index = *self.index.entry(value as *const T as usize).or_insert(next);
        if index == next {
            self.values.push(value);
        }
        index
    }
}

fn span_of(span: Span) -> (u32, u32) {
    (span.byte_start, span.byte_end)
}

/// The bytes of one file's results: its functions' types and calls, in order.
pub(super) fn encode(types: &[FunctionTypes], calls: &[FunctionCalls]) -> Vec<u8> {
    let mut ty_table = Table::new();
    let mut resolved_table = Table::new();
    let mut method_table = Table::new();
    let mut callee_table: Table<'_, Box<[FunctionRef]>> = Table::new();
    let functions = types
        .iter()
        .zip(calls)
        .map(|(function_types, function_calls)| {
            let names = function_types.stored_names();
            let bindings = function_types
                .stored_bindings()
                .map(|(from, until, ty)| (from, until, ty_table.add(&**ty)))
                .collect();
            let sites = function_calls
                .sites
                .iter()
                .map(|site| StoredSite {
                    span: span_of(site.span),
                    target: match &site.target {
                        CallTarget::Path { resolved } => {
                            StoredTarget::Path(resolved_table.add(&**resolved))
                        }
                        CallTarget::Method { name } => {
                            StoredTarget::Method(method_table.add(&**name))
                        }
                        CallTarget::Macro { resolved } => {
                            StoredTarget::Macro(resolved_table.add(&**resolved))
                        }
                        CallTarget::Value => StoredTarget::Value,
                    },
                    callees: site
                        .callees
                        .0
                        .as_deref()
                        .map_or(0, |list| callee_table.add(list) + 1),
                    resolution: site.resolution,
                    arguments: (site.arguments.start, site.arguments.len),
                })
                .collect();
            let arguments = function_calls
                .arguments
                .iter()
                .map(|argument| StoredArgument {
                    span: span_of(argument.span),
                    param: argument.param,
                    ty: argument.ty.as_deref().map(|ty| ty_table.add(ty)),
                })
                .collect();
            StoredFunction {
                names: names.to_vec(),
                bindings,
                sites,
                arguments,
            }
        })
        .collect();
    let stored = StoredFile {
        types: ty_table.values.into_iter().cloned().collect(),
        resolved: resolved_table.values.into_iter().cloned().collect(),
        methods: method_table.values.into_iter().cloned().collect(),
        callees: callee_table
            .values
            .into_iter()
            .map(|list| list.to_vec())
            .collect(),
        functions,
    };
    postcard::to_stdvec(&stored).unwrap_or_default()
}

/// The results stored by [`encode`] for file `file` of the run, its values shared through
/// `interned`; `None` when the bytes do not decode or do not fit the run's files.
pub(super) fn decode(
    bytes: &[u8],
    file: usize,
    files: &[FileFacts],
    interned: &Interned<'_>,
) -> Option<(Vec<FunctionTypes>, Vec<FunctionCalls>)> {
    let stored: StoredFile = postcard::from_bytes(bytes).ok()?;
    let facts = &files[file];
    if stored.functions.len() != facts.functions.len() {
        return None;
    }
    let is_function = |function: &FunctionRef| {
        files
            .get(function.file())
            .is_some_and(|facts| function.index() < facts.functions.len())
    };
    if !stored.callees.iter().flatten().all(is_function) {
        return None;
    }
    // The tables hold each value once: shared with the run's copies only.
    let run = interned.run;
    let types: Vec<Arc<Ty>> = stored
        .types
        .into_iter()
        .map(|ty| run.types.share(Arc::new(ty)))
        .collect();
    let resolved: Vec<Arc<Resolved>> = stored
        .resolved
        .into_iter()
        .map(|value| run.resolved.share(Arc::new(value)))
        .collect();
    let methods: Vec<Arc<String>> = stored
        .methods
        .into_iter()
        .map(|name| run.methods.share(Arc::new(name)))
        .collect();
    let callees: Vec<Callees> = stored
        .callees
        .iter()
        .map(|list| Callees::of(list))
        .collect();
    let file_id = facts.file;
    let span = |(byte_start, byte_end): (u32, u32)| Span {
        file: file_id,
        byte_start,
        byte_end,
    };
    let mut function_types = Vec::with_capacity(stored.functions.len());
    let mut function_calls = Vec::with_capacity(stored.functions.len());
    for function in stored.functions {
        let bindings: Option<Vec<(u32, u32, Arc<Ty>)>> = function
            .bindings
            .iter()
            .map(|&(from, until, ty)| Some((from, until, types.get(ty as usize)?.clone())))
            .collect();
        function_types.push(FunctionTypes::from_stored_parts(
            &function.names,
            bindings?.into_iter(),
        )?);
        let sites: Option<Box<[CallSite]>> = function
            .sites
            .into_iter()
            .map(|site| {
                Some(CallSite {
                    span: span(site.span),
                    target: match site.target {
                        StoredTarget::Path(index) => CallTarget::Path {
                            resolved: resolved.get(index as usize)?.clone(),
                        },
                        StoredTarget::Method(index) => CallTarget::Method {
                            name: methods.get(index as usize)?.clone(),
                        },
                        StoredTarget::Macro(index) => CallTarget::Macro {
                            resolved: resolved.get(index as usize)?.clone(),
                        },
                        StoredTarget::Value => CallTarget::Value,
                    },
                    callees: match site.callees {
                        0 => Callees::default(),
                        index => callees.get(index as usize - 1)?.clone(),
                    },
                    resolution: site.resolution,
                    arguments: ArgumentRange {
                        start: site.arguments.0,
                        len: site.arguments.1,
                    },
                })
            })
            .collect();
        let arguments: Option<Box<[super::Argument]>> = function
            .arguments
            .into_iter()
            .map(|argument| {
                Some(super::Argument {
                    span: span(argument.span),
                    param: argument.param,
                    ty: match argument.ty {
                        Some(index) => Some(types.get(index as usize)?.clone()),
                        None => None,
                    },
                })
            })
            .collect();
        function_calls.push(FunctionCalls {
            sites: sites?,
            arguments: arguments?,
        });
    }
    Some((function_types, function_calls))
}
