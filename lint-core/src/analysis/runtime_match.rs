//! Matching what a test run observed (runtime-probe traces, [`crate::runtime`]) with the
//! static lock-order graph: which edges of a static cycle were seen at run time, whether a
//! run-time cycle is already a static one, and where a run-time site is in the analyzed files.

use super::Program;
use super::locks::{Cycle, EdgeWitness};
use crate::runtime::{ObservedCycle, ObservedEdge, RuntimeObservations, SourceSite, same_file};
use crate::span::Span;

/// The file and line of a span, as run-time sites name them.
pub fn place<'a>(program: &Program<'a>, span: Span) -> (&'a str, u32) {
    let facts = &program.files[span.file.0 as usize];
    (
        facts.path.as_str(),
        facts.lines.line_number(span.byte_start),
    )
}

/// The run-time edge that matches a static edge: same held site and same acquisition line.
pub fn observed_edge<'r>(
    program: &Program<'_>,
    runtime: &'r RuntimeObservations,
    edge: &EdgeWitness,
) -> Option<&'r ObservedEdge> {
    let held = place(program, edge.held.site);
    let then = place(program, edge.then_site);
    let call = edge.chain.first().map(|(_, call)| place(program, *call));
    runtime
        .edge_at(held, then)
        .or_else(|| call.and_then(|call| runtime.edge_at(held, call)))
}

/// Whether every edge of a run-time cycle is an edge of some static cycle (already reported).
pub fn covered_by_static_cycle(program: &Program<'_>, observed: &ObservedCycle) -> bool {
    let static_edges: Vec<&EdgeWitness> = program
        .locks
        .clusters
        .iter()
        .flat_map(|cluster| &cluster.cycles)
        .flat_map(|cycle| &cycle.edges)
        .collect();
    observed.edges.iter().all(|observed_edge| {
        static_edges.iter().any(|edge| {
            let held = place(program, edge.held.site);
            let then = place(program, edge.then_site);
            observed_edge.held_site.is_on(held.0, held.1)
                && observed_edge.acquire_site.is_on(then.0, then.1)
        })
    })
}

/// The span of a run-time site in an analyzed file, if the file is one of them.
pub fn site_span(program: &Program<'_>, site: &SourceSite) -> Option<Span> {
    let facts = program
        .files
        .iter()
        .find(|facts| same_file(&site.file, &facts.path))?;
    facts.lines.line_span(facts.file, site.line, site.column)
}

/// The edges of a static cycle that the test run also took, in the cycle's order.
pub fn observed_edges<'r>(
    program: &Program<'_>,
    runtime: &'r RuntimeObservations,
    cycle: &Cycle,
) -> Vec<&'r ObservedEdge> {
    cycle
        .edges
        .iter()
        .filter_map(|edge| observed_edge(program, runtime, edge))
        .collect()
}
