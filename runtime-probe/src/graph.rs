//! Strong-path search over a lock-class graph, shared by the live probe and `trace::find_cycles`.

use std::collections::{HashMap, VecDeque};

use crate::trace::Mode;

/// The part of an edge the search needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EdgeLite {
    pub from: u32,
    pub from_mode: Mode,
    pub to: u32,
    pub to_mode: Mode,
}

/// Whether a path that reaches `class` by acquiring it in `arrival` and leaves it while holding
/// it in `departure` cannot block there: a reader waiting for a lock that is only read-held
/// is not blocked, unless a writer can get in between (lockdep's "strong path" rule). A
/// recursive reader is never held up by a queued writer.
pub(crate) fn breaks_at(exclusive_seen: bool, arrival: Mode, departure: Mode) -> bool {
    arrival.is_shared()
        && departure.is_shared()
        && (arrival == Mode::SharedRecursive || !exclusive_seen)
}

/// For the edge `closing` (held `from`, acquired `to`), the shortest strong path of edges that
/// leads from `to` back to `from`, so that `closing` plus the path is a cycle. `Some(vec![])`
/// means `closing` is a self-edge that is a cycle by itself.
pub(crate) fn strong_path_back(
    edges: &[EdgeLite],
    out_edges: &[Vec<usize>],
    exclusive_seen: &dyn Fn(u32) -> bool,
    closing: EdgeLite,
) -> Option<Vec<usize>> {
    let target = closing.from;
    let start = (closing.to, closing.to_mode);
    if closing.to == target {
        return (!breaks_at(exclusive_seen(target), closing.to_mode, closing.from_mode))
            .then(Vec::new);
    }
    // parent[state] = (edge taken into state, previous state); a state is (class, arrival mode).
    type State = (u32, Mode);
    let mut parent: HashMap<State, Option<(usize, State)>> = HashMap::new();
    parent.insert(start, None);
    let mut queue = VecDeque::from([start]);
    while let Some(state @ (class, arrival)) = queue.pop_front() {
        let Some(outgoing) = out_edges.get(class as usize) else {
            continue;
        };
        for &index in outgoing {
            let edge = edges[index];
            if breaks_at(exclusive_seen(class), arrival, edge.from_mode) {
                continue;
            }
            let next = (edge.to, edge.to_mode);
            if edge.to == target {
                if breaks_at(exclusive_seen(target), edge.to_mode, closing.from_mode) {
                    continue;
                }
                let mut path = vec![index];
                let mut at = state;
                while let Some(Some((edge_in, previous))) = parent.get(&at) {
                    path.push(*edge_in);
                    at = *previous;
                }
                path.reverse();
                return Some(path);
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = parent.entry(next) {
                slot.insert(Some((index, state)));
                queue.push_back(next);
            }
        }
    }
    None
}
