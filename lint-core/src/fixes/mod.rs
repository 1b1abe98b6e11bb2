//! Fix building: turns the [`FixRequest`]s rules attach to findings into [`Suggestion`]s,
//! by re-reading the syntax of the one file a finding is in.
//!
//! This pass runs after the rules and depends on nothing after it (sources → lowering →
//! facts → analysis → rules → findings → fixes → output). Besides `lower`, it is the only
//! module that reads syn: a rule knows *what* the fix is from the facts, this module knows
//! *how to write it*. New code is built with `quote` from the file's syn nodes and rendered
//! keeping the user's own text for the nodes it moves (their formatting and comments), with
//! the indentation of the surrounding lines; a suggestion is kept only if the file still
//! parses once it is applied.

mod await_guard;
mod channel;
mod reuse_guard;
mod scrutinee;
mod syntax;
mod temporary;

use std::collections::BTreeMap;

use crate::diagnostic::{Applicability, Diagnostic, Edit, FixRequest, Suggestion};
use crate::source::{Edition, SourceFile};
use crate::span::FileId;

use syntax::FileSyntax;

/// Builds the suggestions of every finding that carries a fix request, one parse per file,
/// and clears the requests. `sources[i]` is the file of `FileId(i)`. A suggestion whose
/// result does not parse is dropped; returns how many were (a builder bug: the fixture
/// tests require none).
pub fn attach_suggestions(sources: &[SourceFile], diagnostics: &mut [Diagnostic]) -> usize {
    use rayon::prelude::*;
    let mut by_file: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if diagnostic.fix_request.is_some() {
            by_file
                .entry(diagnostic.primary.span.file.0 as usize)
                .or_default()
                .push(index);
        }
    }
    let files: Vec<(usize, Vec<usize>)> = by_file.into_iter().collect();
    let findings: &[Diagnostic] = diagnostics;
    // Files are independent: each is parsed on its own task.
    let built: Vec<Vec<(usize, Option<Suggestion>)>> = crate::run_on_analysis_threads(|| {
        files
            .par_iter()
            .with_max_len(1)
            .map(|(file, indices)| {
                sources
                    .get(*file)
                    .map(|source| file_suggestions(source, findings, indices))
                    .unwrap_or_default()
            })
            .collect()
    });
    let mut dropped = 0;
    for (index, suggestion) in built.into_iter().flatten() {
        match suggestion {
            Some(suggestion) => diagnostics[index].suggestions.push(suggestion),
            None => dropped += 1,
        }
    }
    for diagnostic in diagnostics.iter_mut() {
        diagnostic.fix_request = None;
    }
    dropped
}

/// The suggestions built for the findings `indices` of one file, in order, each `None`
/// when its result does not parse.
fn file_suggestions(
    source: &SourceFile,
    findings: &[Diagnostic],
    indices: &[usize],
) -> Vec<(usize, Option<Suggestion>)> {
    proc_macro2::extra::invalidate_current_thread_spans();
    let built: Vec<(usize, Suggestion)> =
        match FileSyntax::parse(source, findings[indices[0]].primary.span.file) {
            Some(syntax) => indices
                .iter()
                .filter_map(|&index| {
                    let request = findings[index].fix_request.as_ref()?;
                    Some((index, build(&syntax, request)?))
                })
                .collect(),
            None => Vec::new(),
        };
    // The tree is gone: checking a result parses resets proc-macro2's span table.
    proc_macro2::extra::invalidate_current_thread_spans();
    built
        .into_iter()
        .map(|(index, suggestion)| {
            let parses = result_parses(source, &suggestion);
            (index, parses.then_some(suggestion))
        })
        .collect()
}

/// What `--fix` applies, per file: the edits of the machine-applicable suggestions, each
/// suggestion taken whole unless it overlaps one taken before (in finding order), and how
/// many findings that fixes (a suggestion identical to one taken counts, and adds nothing).
pub fn machine_applicable_edits(
    diagnostics: &[Diagnostic],
) -> BTreeMap<FileId, (Vec<Edit>, usize)> {
    let mut chosen: BTreeMap<FileId, (Vec<Edit>, usize)> = BTreeMap::new();
    let suggestions = diagnostics
        .iter()
        .flat_map(|diagnostic| &diagnostic.suggestions)
        .filter(|suggestion| {
            suggestion.applicability == Applicability::MachineApplicable
                && !suggestion.edits.is_empty()
        });
    for suggestion in suggestions {
        let file = suggestion.edits[0].span.file;
        if suggestion.edits.iter().any(|edit| edit.span.file != file) {
            continue;
        }
        let (edits, count) = chosen.entry(file).or_default();
        if suggestion.edits.iter().all(|edit| edits.contains(edit)) {
            // The same change, suggested for another finding (a scrutinee guard that is
            // both a double lock and held across an `.await`): made once, fixes both.
            *count += 1;
            continue;
        }
        let mut candidate = edits.clone();
        candidate.extend(suggestion.edits.iter().cloned());
        if !overlapping(&candidate) {
            *edits = candidate;
            *count += 1;
        }
    }
    chosen.retain(|_, (edits, _)| !edits.is_empty());
    chosen
}

fn overlapping(edits: &[Edit]) -> bool {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.byte_start, edit.span.byte_end));
    sorted.windows(2).any(|pair| edits_touch(pair[0], pair[1]))
}

/// Whether two edits, `earlier` starting no later than `later`, change the same bytes or
/// insert at one place (whose order would be a guess).
fn edits_touch(earlier: &Edit, later: &Edit) -> bool {
    let (earlier, later) = (earlier.span, later.span);
    later.byte_start < earlier.byte_end
        || (later.byte_start == earlier.byte_start
            && (earlier.byte_start == earlier.byte_end || later.byte_start == later.byte_end))
}

fn build(syntax: &FileSyntax<'_>, request: &FixRequest) -> Option<Suggestion> {
    match request {
        FixRequest::HoistScrutinee {
            acquisition,
            second,
        } => scrutinee::hoist(syntax, *acquisition, *second),
        FixRequest::HoistTemporary {
            acquisition,
            await_span,
        } => temporary::hoist(syntax, *acquisition, *await_span),
        FixRequest::ReuseGuard { first, second } => reuse_guard::reuse(syntax, *first, *second),
        FixRequest::EndGuardBeforeAwait {
            acquisition,
            binding,
            await_span,
        } => await_guard::end_before_await(syntax, *acquisition, binding, *await_span),
        FixRequest::BoundChannel {
            call,
            bounded_function,
            placeholder,
            type_renames,
            sender_fields,
        } => channel::bound(
            syntax,
            &channel::BoundChannel {
                call: *call,
                bounded_function,
                placeholder,
                type_renames,
                sender_fields,
            },
        ),
    }
}

fn result_parses(source: &SourceFile, suggestion: &Suggestion) -> bool {
    match apply_edits(&source.text, &suggestion.edits) {
        Ok(fixed) => parses(&fixed, source.edition),
        Err(_) => false,
    }
}

/// Why a set of edits cannot be applied to a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// Two edits touch the same bytes (or insert at the same place).
    Overlap,
    /// An edit reaches past the end of the text or splits a character.
    OutOfRange,
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EditError::Overlap => "two edits overlap",
            EditError::OutOfRange => "an edit lies outside the file",
        })
    }
}

/// `text` with `edits` applied, back to front so earlier offsets stay valid. Overlapping
/// edits (or two insertions at one place) are refused rather than guessed at.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.byte_start, edit.span.byte_end));
    if sorted.windows(2).any(|pair| edits_touch(pair[0], pair[1])) {
        return Err(EditError::Overlap);
    }
    let mut fixed = text.to_string();
    for edit in sorted.iter().rev() {
        let range = edit.span.byte_start as usize..edit.span.byte_end as usize;
        if range.start > range.end
            || range.end > fixed.len()
            || !fixed.is_char_boundary(range.start)
            || !fixed.is_char_boundary(range.end)
        {
            return Err(EditError::OutOfRange);
        }
        fixed.replace_range(range, &edit.replacement);
    }
    Ok(fixed)
}

/// Whether `text` parses as a Rust file of `edition`, the way lowering parses it.
pub fn parses(text: &str, edition: Edition) -> bool {
    proc_macro2::extra::invalidate_current_thread_spans();
    let parsed = crate::lower::parse_syntax(text, edition).is_some();
    proc_macro2::extra::invalidate_current_thread_spans();
    parsed
}

#[cfg(test)]
mod tests;
