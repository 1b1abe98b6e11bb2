//! Strong-path search over a lock-class graph, shared by the live probe (`order.rs`) and
//! `trace::find_cycles`, and strongly connected components for the latter.

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

/// What [`strong_path_back`] reads of a graph.
pub(crate) trait ClassGraph {
    fn edge(&self, index: usize) -> EdgeLite;
    /// Appends the edges out of `class` that may lie on a cycle (callers leave out edges that
    /// leave the strongly connected component being searched).
    fn outgoing(&self, class: u32, out: &mut Vec<usize>);
    fn exclusive_seen(&self, class: u32) -> bool;
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
pub(crate) fn strong_path_back(graph: &impl ClassGraph, closing: EdgeLite) -> Option<Vec<usize>> {
    let target = closing.from;
    let start = (closing.to, closing.to_mode);
    if closing.to == target {
        return (!breaks_at(
            graph.exclusive_seen(target),
            closing.to_mode,
            closing.from_mode,
        ))
        .then(Vec::new);
    }
    // parent[state] = (edge taken into state, previous state); a state is (class, arrival mode).
    type State = (u32, Mode);
    let mut parent: HashMap<State, Option<(usize, State)>> = HashMap::new();
    parent.insert(start, None);
    let mut queue = VecDeque::from([start]);
    let mut outgoing = Vec::new();
    while let Some(state @ (class, arrival)) = queue.pop_front() {
        outgoing.clear();
        graph.outgoing(class, &mut outgoing);
        for &index in &outgoing {
            let edge = graph.edge(index);
            if breaks_at(graph.exclusive_seen(class), arrival, edge.from_mode) {
                continue;
            }
            let next = (edge.to, edge.to_mode);
            if edge.to == target {
                if breaks_at(
                    graph.exclusive_seen(target),
                    edge.to_mode,
                    closing.from_mode,
                ) {
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

/// The strongly connected component of every class (Tarjan's algorithm, with an explicit
/// stack): `component[a] == component[b]` iff each class reaches the other. Only edges between
/// classes of one component can lie on a cycle.
pub(crate) fn strongly_connected_components(
    edges: &[EdgeLite],
    out_edges: &[Vec<usize>],
) -> Vec<u32> {
    const UNVISITED: u32 = u32::MAX;
    let count = out_edges.len();
    let mut index = vec![UNVISITED; count];
    let mut low = vec![0u32; count];
    let mut on_stack = vec![false; count];
    let mut component = vec![UNVISITED; count];
    let mut stack: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    let mut next_component = 0u32;
    // (class, position in its outgoing list) of the depth-first walk.
    let mut walk: Vec<(u32, usize)> = Vec::new();
    for root in 0..count as u32 {
        if index[root as usize] != UNVISITED {
            continue;
        }
        walk.push((root, 0));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(top) = walk.last_mut() {
            let (class, position) = *top;
            let at = class as usize;
            if let Some(&edge) = out_edges[at].get(position) {
                top.1 += 1;
                let next = edges[edge].to;
                let next_at = next as usize;
                if index[next_at] == UNVISITED {
                    index[next_at] = next_index;
                    low[next_at] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next_at] = true;
                    walk.push((next, 0));
                } else if on_stack[next_at] {
                    low[at] = low[at].min(index[next_at]);
                }
                continue;
            }
            walk.pop();
            if let Some(&(parent, _)) = walk.last() {
                low[parent as usize] = low[parent as usize].min(low[at]);
            }
            if low[at] == index[at] {
                while let Some(member) = stack.pop() {
                    on_stack[member as usize] = false;
                    component[member as usize] = next_component;
                    if member == class {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: u32, to: u32) -> EdgeLite {
        EdgeLite {
            from,
            from_mode: Mode::Exclusive,
            to,
            to_mode: Mode::Exclusive,
        }
    }

    #[test]
    fn components_of_two_cycles_joined_by_a_bridge() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3, 5 alone.
        let edges = [
            edge(0, 1),
            edge(1, 2),
            edge(2, 0),
            edge(2, 3),
            edge(3, 4),
            edge(4, 3),
        ];
        let mut out_edges = vec![Vec::new(); 6];
        for (index, edge) in edges.iter().enumerate() {
            out_edges[edge.from as usize].push(index);
        }
        let component = strongly_connected_components(&edges, &out_edges);
        assert_eq!(component[0], component[1]);
        assert_eq!(component[1], component[2]);
        assert_eq!(component[3], component[4]);
        assert_ne!(component[2], component[3]);
        assert_ne!(component[5], component[0]);
        assert_ne!(component[5], component[3]);
    }
}
