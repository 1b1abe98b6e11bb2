//! The live class-order graph and its cycle check, built so that a new edge costs the same
//! however many classes and edges are known.
//!
//! Every class has a *position*: a topological order of the graph's strongly connected
//! components (Pearce and Kelly's dynamic topological sort, extended to merge the classes of a
//! new cycle into one component). A new edge from a class to a class of a later component
//! closes no cycle; that is decided from two positions read without any lock ([`is_ordered`]),
//! which is what nearly every new edge of a program with a consistent lock order takes. Only an
//! edge against the order, or one inside a component, takes the global [`ORDER`] lock: it
//! reorders just the region between the two positions, or merges the cycle it closes, and
//! looks for a strong cycle (the lockdep rule, `graph::strong_path_back`) inside that one
//! component.
//!
//! Lock-free correctness: the recorder of an edge first appends it to both adjacency lists
//! (each behind its class's own mutex) and only then reads the positions, inside a seqlock
//! ([`SEQUENCE`]) that a reorder keeps odd from before its search until after its writes. If
//! a reorder's search missed the new edge, it read that adjacency list before the edge was
//! appended, so the recorder sees the odd or a later sequence value and takes the lock
//! itself. So every edge is either proven by the order seen after it was published, or
//! checked under the lock with every published edge visible, and of the edges of any cycle,
//! the one checked last sees the whole cycle.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::graph::{self, ClassGraph, EdgeLite};
use crate::registry::{class_node, edge_node};
use crate::table::KeyHasher;
use crate::trace::Mode;

/// A class's place in the order graph.
pub(crate) struct OrderNode {
    /// The edges out of this class: where new edges are looked up and recorded, so threads
    /// recording edges out of different classes never meet.
    out_edges: Mutex<OutEdges>,
    /// (edge id, source class) of the edges into this class.
    in_edges: Mutex<Vec<(u32, u32)>>,
    /// The representative class of this class's component (the class itself until a cycle
    /// merges it with others).
    component: AtomicU32,
    /// The component's position in the topological order; equal for all its classes, unique
    /// among components.
    position: AtomicU64,
}

static NEXT_POSITION: AtomicU64 = AtomicU64::new(1);
/// Even when positions and components are stable; odd while a reorder or merge is under way.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);
static ORDER: Mutex<Order> = Mutex::new(Order { members: None });

/// What only the lock holder reads: the classes of merged components.
struct Order {
    /// Representative -> classes, for components of more than one class.
    members: Option<HashMap<u32, Vec<u32>, BuildHasherDefault<KeyHasher>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The edges out of one class.
#[derive(Default)]
pub(crate) struct OutEdges {
    /// (edge id, target class), in the order they were recorded.
    ids: Vec<(u32, u32)>,
    /// [`target_key`] of each edge of `ids`, scanned while there are few.
    keys: Vec<u64>,
    /// Edge id by [`target_key`], once there are more than [`SCANNED_EDGES`].
    by_target: Option<HashMap<u64, u32, BuildHasherDefault<KeyHasher>>>,
}

/// Up to this many edges out of a class are found by scanning (cheaper than hashing, and no
/// table to grow); beyond, through a hash map.
const SCANNED_EDGES: usize = 64;

/// One `u64` for an edge's modes and target class.
fn target_key(from_mode: Mode, to: u32, to_mode: Mode) -> u64 {
    u64::from(to) << 8 | (from_mode as u64) << 4 | to_mode as u64
}

type FastSet = HashSet<u32, BuildHasherDefault<KeyHasher>>;

impl OutEdges {
    /// The id of the edge to `to` in these modes, if it is recorded.
    pub(crate) fn find(&self, from_mode: Mode, to: u32, to_mode: Mode) -> Option<u32> {
        let key = target_key(from_mode, to, to_mode);
        match &self.by_target {
            Some(by_target) => by_target.get(&key).copied(),
            None => {
                let position = self.keys.iter().position(|&known| known == key)?;
                Some(self.ids[position].0)
            }
        }
    }

    /// Records edge `id` (its slot in the edge table is filled).
    pub(crate) fn add(&mut self, from_mode: Mode, to: u32, to_mode: Mode, id: u32) {
        let key = target_key(from_mode, to, to_mode);
        self.ids.push((id, to));
        match &mut self.by_target {
            Some(by_target) => {
                by_target.insert(key, id);
            }
            None if self.keys.len() < SCANNED_EDGES => self.keys.push(key),
            None => {
                self.keys.push(key);
                let keys = std::mem::take(&mut self.keys);
                let ids = self.ids.iter().map(|&(id, _)| id);
                self.by_target = Some(keys.into_iter().zip(ids).collect());
            }
        }
    }
}

impl OrderNode {
    /// A new class: its own component, after every existing one (it has no edges yet).
    pub(crate) fn new(class: u32) -> OrderNode {
        OrderNode {
            out_edges: Mutex::new(OutEdges::default()),
            in_edges: Mutex::new(Vec::new()),
            component: AtomicU32::new(class),
            position: AtomicU64::new(NEXT_POSITION.fetch_add(1, Ordering::Relaxed)),
        }
    }

    fn component(&self) -> u32 {
        self.component.load(Ordering::Relaxed)
    }

    fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }

    /// The edges out of this class, locked: to look up an edge and record it if new, as one
    /// step. A new edge must then be added to its target's [`OrderNode::add_in_edge`].
    pub(crate) fn lock_out_edges(&self) -> MutexGuard<'_, OutEdges> {
        lock(&self.out_edges)
    }

    pub(crate) fn add_in_edge(&self, id: u32, from: u32) {
        lock(&self.in_edges).push((id, from));
    }

    /// Ids of the edges out of and into this class.
    fn edge_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = lock(&self.out_edges)
            .ids
            .iter()
            .map(|&(id, _)| id)
            .collect();
        ids.extend(lock(&self.in_edges).iter().map(|&(id, _)| id));
        ids
    }
}

/// Whether the order proves, without a lock, that the edge `from -> to` closes no cycle:
/// `to`'s component comes after `from`'s. The edge must be in both adjacency lists first
/// ([`OrderNode::lock_out_edges`], [`OrderNode::add_in_edge`]).
pub(crate) fn is_ordered(from: u32, to: u32) -> bool {
    if from == to {
        return false;
    }
    let (from, to) = (&class_node(from).order, &class_node(to).order);
    let sequence = SEQUENCE.load(Ordering::Acquire);
    if sequence % 2 == 1 {
        return false;
    }
    let ordered = from.component() != to.component() && from.position() < to.position();
    fence(Ordering::Acquire);
    ordered && SEQUENCE.load(Ordering::Relaxed) == sequence
}

/// Under the lock: brings the order up to date with the published edge `id` and, if the edge
/// closes a strong cycle, returns the path back (edge ids from `to` round to `from`).
pub(crate) fn closing_path(id: u32) -> Option<Vec<usize>> {
    let edge = edge_node(id).lite;
    let mut order = lock(&ORDER);
    order.insert(edge);
    order.strong_path_back(edge)
}

/// Under the lock: for every edge of `class` inside its component (the only ones that can be
/// on a cycle), the edge and its strong path back, if it has one. For a class that has just
/// been acquired exclusively for the first time.
pub(crate) fn cycles_through(class: u32) -> Vec<(u32, Vec<usize>)> {
    let order = lock(&ORDER);
    let mut edges = class_node(class).order.edge_ids();
    edges.sort_unstable();
    edges.dedup();
    edges
        .into_iter()
        .filter_map(|id| {
            let edge = edge_node(id).lite;
            if class_node(edge.from).order.component() != class_node(edge.to).order.component() {
                return None;
            }
            order.strong_path_back(edge).map(|path| (id, path))
        })
        .collect()
}

impl Order {
    /// The classes of `component`, given its representative.
    fn members<'a>(&'a self, component: &'a u32) -> &'a [u32] {
        match self.members.as_ref().and_then(|m| m.get(component)) {
            Some(members) => members,
            None => std::slice::from_ref(component),
        }
    }

    /// Pearce–Kelly insertion of `from -> to`, merging the components of a cycle it closes.
    fn insert(&mut self, edge: EdgeLite) {
        let (from, to) = (&class_node(edge.from).order, &class_node(edge.to).order);
        let (from_component, to_component) = (from.component(), to.component());
        if from_component == to_component || from.position() < to.position() {
            return;
        }
        let upper = from.position();
        let lower = to.position();
        // Searches read adjacency lists: the sequence is odd from before the first read (see
        // the module documentation) until every new position is written.
        let sequence = SEQUENCE.load(Ordering::Relaxed);
        SEQUENCE.store(sequence + 1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let forward = self.reach(to_component, from_component, Direction::Forward, upper);
        let backward = self.reach(from_component, to_component, Direction::Backward, lower);
        let forward_set: FastSet = forward.iter().copied().collect();
        let mut merged: Vec<u32> = backward
            .iter()
            .copied()
            .filter(|component| forward_set.contains(component))
            .collect();
        let closes_cycle = !merged.is_empty() || forward.contains(&from_component);
        let position_of = |component: u32| class_node(component).order.position();
        let mut pool: Vec<u64> = forward
            .iter()
            .chain(&backward)
            .map(|&component| position_of(component))
            .collect();
        pool.sort_unstable();
        pool.dedup();
        if closes_cycle {
            for end in [from_component, to_component] {
                if !merged.contains(&end) {
                    merged.push(end);
                }
            }
        }
        let mut before: Vec<u32> = backward
            .into_iter()
            .filter(|component| !merged.contains(component))
            .collect();
        let mut after: Vec<u32> = forward
            .into_iter()
            .filter(|component| !merged.contains(component))
            .collect();
        before.sort_by_key(|&component| position_of(component));
        after.sort_by_key(|&component| position_of(component));
        // Components found only backward move down, those found only forward move up, a new
        // cycle's components become one, in between.
        for (slot, &component) in before.iter().enumerate() {
            self.place(component, pool[slot]);
        }
        for (slot, &component) in after.iter().enumerate() {
            self.place(component, pool[pool.len() - after.len() + slot]);
        }
        if closes_cycle {
            self.merge(&merged, pool[before.len()]);
        }
        SEQUENCE.store(sequence + 2, Ordering::Release);
    }

    /// The components reachable from `start` in `direction` whose position is on the near side
    /// of `bound` (below it going forward, above it going backward), with `start`; `end` is
    /// included when reached but not crossed.
    fn reach(&self, start: u32, end: u32, direction: Direction, bound: u64) -> Vec<u32> {
        let mut found = vec![start];
        let mut seen: FastSet = FastSet::default();
        seen.insert(start);
        let mut stack = vec![start];
        let mut visit = |class: u32, stack: &mut Vec<u32>| {
            let neighbour = &class_node(class).order;
            let component = neighbour.component();
            if seen.contains(&component) {
                return;
            }
            let position = neighbour.position();
            let within = match direction {
                Direction::Forward => position < bound,
                Direction::Backward => position > bound,
            };
            if component == end || within {
                seen.insert(component);
                found.push(component);
                if component != end {
                    stack.push(component);
                }
            }
        };
        while let Some(component) = stack.pop() {
            for &member in self.members(&component) {
                let node = &class_node(member).order;
                match direction {
                    Direction::Forward => {
                        for &(_, to) in &lock(&node.out_edges).ids {
                            visit(to, &mut stack);
                        }
                    }
                    Direction::Backward => {
                        for &(_, from) in lock(&node.in_edges).iter() {
                            visit(from, &mut stack);
                        }
                    }
                }
            }
        }
        found
    }

    fn place(&self, component: u32, position: u64) {
        for &member in self.members(&component) {
            class_node(member)
                .order
                .position
                .store(position, Ordering::Relaxed);
        }
    }

    /// Makes `components` one component at `position`.
    fn merge(&mut self, components: &[u32], position: u64) {
        let representative = components.iter().copied().min().unwrap_or(0);
        let mut members: Vec<u32> = Vec::new();
        let table = self.members.get_or_insert_with(HashMap::default);
        for &component in components {
            match table.remove(&component) {
                Some(list) => members.extend(list),
                None => members.push(component),
            }
        }
        for &member in &members {
            let node = &class_node(member).order;
            node.component.store(representative, Ordering::Relaxed);
            node.position.store(position, Ordering::Relaxed);
        }
        table.insert(representative, members);
    }

    /// A strong path back for `edge`, searched inside its component only (edges between two
    /// components are on no cycle).
    fn strong_path_back(&self, edge: EdgeLite) -> Option<Vec<usize>> {
        let component = class_node(edge.from).order.component();
        if component != class_node(edge.to).order.component() {
            return None;
        }
        graph::strong_path_back(&Component(component), edge)
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Backward,
}

/// The live graph restricted to one component, for the strong-path search.
struct Component(u32);

impl ClassGraph for Component {
    fn edge(&self, index: usize) -> EdgeLite {
        edge_node(index as u32).lite
    }

    fn outgoing(&self, class: u32, out: &mut Vec<usize>) {
        for &(id, to) in &lock(&class_node(class).order.out_edges).ids {
            if class_node(to).order.component() == self.0 {
                out.push(id as usize);
            }
        }
    }

    fn exclusive_seen(&self, class: u32) -> bool {
        class_node(class).exclusive_seen.load(Ordering::Relaxed)
    }
}
