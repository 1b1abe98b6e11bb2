//! `--runtime-trace DIR`: reads the trace files runtime-probe wrote (one per test process),
//! merges them, and hands lint-core what they observed, in lint-core's own terms.

use std::path::Path;

use anyhow::anyhow;
use lint_core::runtime::{ObservedCycle, ObservedEdge, RuntimeObservations, SourceSite};
use runtime_probe::trace::{self, ClassRef, Edge, ReportKind, Site, Trace};

/// What the trace files of a directory observed, and a warning for each file left out.
pub struct RuntimeTraces {
    pub observations: RuntimeObservations,
    pub warnings: Vec<String>,
}

/// Merges the trace files of `dir`. A file that cannot be read or parsed is skipped with a
/// warning naming it (one broken file of a CI run does not lose the others); only a directory
/// that cannot be listed is an error.
pub fn read(dir: &Path) -> anyhow::Result<RuntimeTraces> {
    if !dir.is_dir() {
        return Err(anyhow!(
            "--runtime-trace {}: no such directory",
            dir.display()
        ));
    }
    let read = trace::read_trace_dir(dir).map_err(|error| {
        anyhow!(
            "could not read the run-time traces in {}: {error}",
            dir.display()
        )
    })?;
    let warnings = read
        .skipped
        .iter()
        .map(|skipped| {
            format!(
                "skipped run-time trace file {}: {}",
                skipped.path.display(),
                skipped.message
            )
        })
        .collect();
    Ok(RuntimeTraces {
        observations: observations(&read.merged),
        warnings,
    })
}

fn observations(merged: &Trace) -> RuntimeObservations {
    let edges: Vec<ObservedEdge> = merged
        .edges
        .iter()
        .map(|edge| observed_edge(merged, edge))
        .collect();
    let mut cycles: Vec<ObservedCycle> = trace::find_cycles(merged)
        .iter()
        .map(|cycle| ObservedCycle {
            edges: cycle
                .edges
                .iter()
                .map(|&index| edges[index].clone())
                .collect(),
            deadlocked: false,
        })
        .collect();
    cycles.extend(
        merged
            .reports
            .iter()
            .filter(|report| report.kind == ReportKind::Deadlock)
            .map(|report| ObservedCycle {
                edges: report
                    .threads
                    .iter()
                    .flat_map(|thread| {
                        thread.holds.iter().map(move |held| ObservedEdge {
                            from: class_name(&held.class),
                            to: class_name(&thread.waits_for),
                            held_site: source_site(&held.site),
                            acquire_site: source_site(&thread.wait_site),
                            thread: thread.thread.clone(),
                            count: 1,
                        })
                    })
                    .collect(),
                deadlocked: true,
            })
            .filter(|cycle| !cycle.edges.is_empty()),
    );
    RuntimeObservations {
        edges,
        cycles,
        processes: merged.processes.len(),
    }
}

fn observed_edge(merged: &Trace, edge: &Edge) -> ObservedEdge {
    ObservedEdge {
        from: class_name(&merged.class(edge.from).reference()),
        to: class_name(&merged.class(edge.to).reference()),
        held_site: source_site(&edge.first.held_site),
        acquire_site: source_site(&edge.first.acquire_site),
        thread: edge.first.thread.clone(),
        count: edge.count,
    }
}

/// A class by its name, or by where its locks were created.
fn class_name(class: &ClassRef) -> String {
    match &class.name {
        Some(name) => name.clone(),
        None => format!("lock created at {}:{}", class.site.file, class.site.line),
    }
}

fn source_site(site: &Site) -> SourceSite {
    SourceSite {
        file: site.file.clone(),
        line: site.line,
        column: site.column,
    }
}
