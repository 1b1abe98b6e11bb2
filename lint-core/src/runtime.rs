//! What a test run observed about locks (recorded by `runtime-probe`), in lint-core's own
//! terms. The CLI reads the trace files and fills these; lint-core matches them with the
//! static lock-order graph: static cycles seen at run time are marked as observed, and
//! cycles seen only at run time become findings at their acquisition sites.

/// A source location as `#[track_caller]` reports it (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceSite {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl SourceSite {
    /// Whether this site is on `line` of the analyzed file shown as `path`: the trace's file
    /// and the analyzed path are the same file when one ends with the other.
    pub fn is_on(&self, path: &str, line: u32) -> bool {
        self.line == line && same_file(&self.file, path)
    }
}

/// Whether two spellings of a path name one file (`inventory/src/store.rs` and
/// `/work/demo/inventory/src/store.rs`).
pub fn same_file(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches("./");
    let b = b.trim_start_matches("./");
    a == b || ends_with_path(a, b) || ends_with_path(b, a)
}

fn ends_with_path(long: &str, short: &str) -> bool {
    long.len() > short.len()
        && long.ends_with(short)
        && long.as_bytes()[long.len() - short.len() - 1] == b'/'
}

/// "A lock of class `to` was taken while one of class `from` was held", seen at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedEdge {
    /// How the trace names the classes (the lock's name, or where it was created).
    pub from: String,
    pub to: String,
    /// Where the held lock was acquired.
    pub held_site: SourceSite,
    /// Where `to` was acquired while `from` was held.
    pub acquire_site: SourceSite,
    pub thread: String,
    /// How many distinct threads or held chains reached the edge.
    pub count: u64,
}

/// A cycle of observed edges (a potential deadlock), or the wait-for cycle of a deadlock
/// that really happened (`deadlocked`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedCycle {
    pub edges: Vec<ObservedEdge>,
    pub deadlocked: bool,
}

/// Everything the trace files of one directory say, merged across processes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeObservations {
    pub edges: Vec<ObservedEdge>,
    pub cycles: Vec<ObservedCycle>,
    /// How many processes contributed, for messages.
    pub processes: usize,
}

impl RuntimeObservations {
    /// The observed edge whose held and new acquisitions are on these lines, if any.
    pub fn edge_at(&self, held: (&str, u32), acquired: (&str, u32)) -> Option<&ObservedEdge> {
        self.edges.iter().find(|edge| {
            edge.held_site.is_on(held.0, held.1) && edge.acquire_site.is_on(acquired.0, acquired.1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_by_suffix_at_a_separator() {
        assert!(same_file(
            "inventory/src/store.rs",
            "/w/demo/inventory/src/store.rs"
        ));
        assert!(same_file("src/lib.rs", "src/lib.rs"));
        assert!(!same_file("src/lib.rs", "other_src/lib.rs"));
    }
}
