//! `lock_order_cycle`: locks taken in conflicting orders, which can deadlock.

use super::lock_wording::{GUESSED_CALLS, guessed_note, guessed_severity, held_as, hold_reason};
use super::{Check, RuleContext, declare_rule};
use crate::analysis::Program;
use crate::analysis::locks::blocking::{ChannelCycle, RendezvousCycle};
use crate::analysis::locks::identity::ClassKey;
use crate::analysis::locks::{Cycle, CycleCluster, EdgeWitness};
use crate::analysis::runtime_match;
use crate::diagnostic::{Applicability, Diagnostic, Label, Suggestion};
use crate::runtime::{ObservedCycle, RuntimeObservations};

declare_rule! {
    /// ## What it does
    /// Builds a graph of lock classes (a struct field such as `Bank::accounts`, a static,
    /// or a local lock) with an edge `A → B` wherever `B` is acquired while a guard of `A`
    /// is alive, in the same function or inside a function it calls. Reports every cycle
    /// of two or more classes, showing each edge with its function and lines and the call
    /// chain when the second lock is taken in a callee.
    ///
    /// ## Why is this bad?
    /// If one thread takes `A` then `B` while another takes `B` then `A`, each can end up
    /// holding one lock and waiting for the other forever. The deadlock needs only the
    /// wrong interleaving, so tests rarely show it; production eventually does.
    ///
    /// ## Example
    /// ```rust,ignore
    /// fn deposit(&self) {
    ///     let accounts = self.accounts.lock().unwrap();
    ///     self.log.lock().unwrap().push("deposit"); // accounts → log
    /// }
    /// fn audit(&self) {
    ///     let log = self.log.lock().unwrap();
    ///     let accounts = self.accounts.lock().unwrap(); // log → accounts
    /// }
    /// ```
    ///
    /// A bounded channel counts as a resource: a send on it made while a guard of `A` is
    /// alive waits for its consumer to make room, so a consumer that takes `A` before its
    /// next receive closes a cycle `A → channel → A` (the channel is named by where it is
    /// created). So does a pair of functions that each send on a rendezvous channel
    /// (capacity zero) before receiving from the other.
    ///
    /// Use instead: one global order (always `accounts` before `log`), or release the
    /// first lock before taking the second:
    /// ```rust,ignore
    /// fn audit(&self) {
    ///     let accounts = self.accounts.lock().unwrap();
    ///     let log = self.log.lock().unwrap();
    /// }
    /// ```
    ///
    /// No code edit fixes an order, so the finding names the order to adopt and lists the
    /// acquisitions that go against it (for more than two locks, the order the fewest
    /// acquisitions break).
    ///
    /// ## Known problems
    /// Lock classes group all instances of a field, so two different objects locked in
    /// opposite orders are reported like one object (as Linux's lockdep does). Fields of
    /// different structs that hold clones of one `Arc` (followed from `Arc::new` through
    /// locals, clones, constructor arguments and struct literals) are one class. A cycle
    /// whose every edge is taken under one common outer lock cannot deadlock and is not
    /// reported; `try_lock` never waits and never closes a cycle; cycles made only of
    /// shared reads are not reported. Closures handed to unknown functions are not
    /// followed.
    ///
    /// Two locks of one class held at once (two elements of `Vec<Mutex<_>>` or values of a
    /// map picked by arguments, two `Mutex<Account>` parameters) are reported too: calls
    /// with the values swapped take them in the other order. Not when something orders
    /// them: a comparison, `min`/`max`, `cmp` or sort of the values that pick them, another
    /// lock held around both, `try_lock`, or a parent locked before its child.
    ///
    /// ## Configuration
    /// Level (`-A/-W/-D lock_order_cycle`); an error by default. `guessed-calls` sets the
    /// level of cycles with an edge that rests on a call matched to a workspace method by
    /// name only (the receiver's type unknown): a warning by default.
    pub static LOCK_ORDER_CYCLE = {
        name: "lock_order_cycle",
        level: Deny,
        summary: "locks are taken in conflicting orders and can deadlock",
        check: Some(Check::Program(check)),
        options: &[GUESSED_CALLS],
    };
}

fn check(context: &RuleContext<'_, '_>, out: &mut Vec<Diagnostic>) {
    for cluster in &context.program.locks.clusters {
        let cycle = cluster.witness();
        let mut diagnostic = finding(context, cluster);
        if cycle.edges.iter().any(|edge| edge.guessed) {
            let Some(severity) = guessed_severity(context) else {
                continue;
            };
            diagnostic.severity = severity;
            diagnostic = diagnostic.with_note(guessed_note(context.rule.name));
        }
        out.push(match context.program.runtime {
            Some(runtime) => mark_observed(context.program, runtime, cycle, diagnostic),
            None => diagnostic,
        });
    }
    for nesting in &context.program.locks.same_class_nestings {
        out.push(super::same_class_order::finding(context, nesting));
    }
    for cycle in &context.program.locks.channel_cycles {
        out.push(channel_cycle_finding(context, cycle));
    }
    for cycle in &context.program.locks.rendezvous_cycles {
        out.push(rendezvous_finding(context, cycle));
    }
    if let Some(runtime) = context.program.runtime {
        for observed in &runtime.cycles {
            if !runtime_match::covered_by_static_cycle(context.program, observed)
                && let Some(diagnostic) = runtime_finding(context, observed)
            {
                out.push(diagnostic);
            }
        }
    }
}

fn finding(context: &RuleContext<'_, '_>, cluster: &CycleCluster) -> Diagnostic {
    let program = context.program;
    let cycle = cluster.witness();
    let names: Vec<String> = cycle
        .classes
        .iter()
        .map(|class| format!("`{}`", class.display()))
        .collect();
    let mut order = names.clone();
    order.push(names[0].clone());
    let first = &cycle.edges[0];
    let others = cluster.cycles.len() - 1;
    let message = match others {
        0 => format!("lock order cycle {} can deadlock", order.join(" → ")),
        _ => format!(
            "lock order cycle {} can deadlock ({others} more {} among {} locks)",
            order.join(" → "),
            if others == 1 { "cycle" } else { "cycles" },
            cluster.classes.len()
        ),
    };
    let mut diagnostic = context.diagnostic(
        message,
        Label::new(
            first
                .chain
                .first()
                .map_or(first.then_site, |(_, call)| *call),
            format!(
                "{} is taken here while {} is held (in `{}`)",
                names[1 % names.len()],
                names[0],
                function_name(program, first)
            ),
        ),
    );
    for (index, edge) in cycle.edges.iter().enumerate() {
        let held_name = &names[index];
        let then_name = &names[(index + 1) % names.len()];
        diagnostic = diagnostic.with_secondary(Label::new(
            edge.held.site,
            format!(
                "{held_name} is {} here in `{}`",
                held_as(edge.held.mode),
                function_name(program, edge)
            ),
        ));
        if index > 0 || !edge.chain.is_empty() {
            diagnostic = diagnostic.with_secondary(Label::new(
                edge.then_site,
                format!(
                    "then {then_name} is {} here, while {held_name} is held",
                    held_as(edge.then_mode)
                ),
            ));
        }
        for (callee, call_span) in edge.chain.iter().skip(usize::from(index == 0)) {
            diagnostic = diagnostic.with_secondary(Label::new(
                *call_span,
                format!(
                    "{then_name} is taken inside this call of `{}`",
                    program.function(*callee).display_path()
                ),
            ));
        }
    }
    diagnostic = diagnostic.with_note(scenario(program, cycle, &names));
    for (index, edge) in cycle.edges.iter().enumerate() {
        diagnostic = diagnostic.with_note(edge_note(
            program,
            edge,
            &names[index],
            &names[(index + 1) % names.len()],
        ));
    }
    diagnostic = add_cluster_notes(context, cluster, diagnostic);
    diagnostic = add_shared_lock_notes(program, &cycle.classes, diagnostic);
    if !cycle.needs_queued_writer.is_empty() {
        let classes: Vec<String> = cycle
            .needs_queued_writer
            .iter()
            .map(|class| format!("`{}`", class.display()))
            .collect();
        diagnostic = diagnostic.with_note(format!(
            "where a thread only waits to read {}, it blocks only once a writer is queued there (readers wait behind queued writers): the hang needs that third thread too",
            classes.join(" and ")
        ));
    }
    let diagnostic = diagnostic.with_help(order_help(context.program, cluster, &names));
    match order_change_sites(context.program, cluster, &cycle.classes) {
        Some(suggestion) => diagnostic.with_suggestion(suggestion),
        None => diagnostic,
    }
}

/// No code edit can fix a lock order, so the suggestion names the order to adopt and lists
/// the acquisitions that go against it: for two locks, the witness's first edge sets the
/// order; for more, the order the fewest edges break.
fn order_change_sites(
    program: &Program<'_>,
    cluster: &CycleCluster,
    witness_classes: &[ClassKey],
) -> Option<Suggestion> {
    // Not the sites of another version of the witness's package (same paths, other locks).
    let witness_file = cluster.witness().edges[0].function.file();
    let edges: Vec<(&ClassKey, &ClassKey, &EdgeWitness)> = program
        .locks
        .edges
        .iter()
        .filter(|((from, to), _)| cluster.classes.contains(from) && cluster.classes.contains(to))
        .flat_map(|((from, to), witnesses)| {
            witnesses.iter().map(move |witness| (from, to, witness))
        })
        .filter(|(_, _, witness)| {
            !program
                .items
                .in_rival_packages(witness_file, witness.function.file())
        })
        .collect();
    let order: Vec<&ClassKey> = if cluster.classes.len() <= 2 {
        witness_classes.iter().collect()
    } else {
        breaking_order(&cluster.classes, &edges)
    };
    let position = |class: &ClassKey| order.iter().position(|c| *c == class).unwrap_or(0);
    let mut sites: Vec<Label> = edges
        .iter()
        .filter(|(from, to, _)| position(from) > position(to))
        .map(|(from, to, witness)| {
            let site = witness.chain.first().map_or(witness.then_site, |(_, call)| *call);
            Label::new(
                site,
                format!(
                    "`{}` is taken here while `{}` is held (in `{}`): take `{}` first, or release `{}` before this",
                    to.display(),
                    from.display(),
                    function_name(program, witness),
                    to.display(),
                    from.display()
                ),
            )
        })
        .collect();
    sites.sort_by_key(|label| (label.span.file, label.span.byte_start));
    sites.dedup_by_key(|label| label.span);
    if sites.is_empty() {
        return None;
    }
    let sequence: Vec<String> = order
        .iter()
        .map(|class| format!("`{}`", class.display()))
        .collect();
    Some(Suggestion {
        message: format!(
            "adopt the order {}: change {} that take{} them the other way",
            sequence.join(" before "),
            if sites.len() == 1 {
                "the acquisition".to_string()
            } else {
                format!("the {} acquisitions", sites.len())
            },
            if sites.len() == 1 { "s" } else { "" }
        ),
        edits: Vec::new(),
        applicability: Applicability::Unspecified,
        sites,
    })
}

/// Fields of other structs that hold the same `Arc` lock as a class of the cycle.
fn add_shared_lock_notes(
    program: &Program<'_>,
    classes: &[ClassKey],
    mut diagnostic: Diagnostic,
) -> Diagnostic {
    for class in classes {
        let Some(aliases) = program.locks.shared_locks.get(class) else {
            continue;
        };
        let aliases: Vec<String> = aliases
            .iter()
            .map(|alias| format!("`{}`", alias.display()))
            .collect();
        diagnostic = diagnostic.with_note(format!(
            "{} and `{}` are one lock: the same `Arc` is stored in each of them",
            aliases.join(", "),
            class.display()
        ));
    }
    diagnostic
}

/// The other cycles of the cluster, and the bounds that applied.
fn add_cluster_notes(
    context: &RuleContext<'_, '_>,
    cluster: &CycleCluster,
    mut diagnostic: Diagnostic,
) -> Diagnostic {
    const LISTED: usize = 5;
    let program = context.program;
    if cluster.cycles.len() > 1 {
        let listed: Vec<String> = cluster.cycles[1..]
            .iter()
            .take(LISTED)
            .map(|cycle| describe_cycle(program, cycle))
            .collect();
        let more = cluster.cycles.len() - 1 - listed.len();
        diagnostic = diagnostic.with_note(format!(
            "the same locks are also taken in these conflicting orders: {}{}",
            listed.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if cluster.search_bounded {
        diagnostic = diagnostic.with_note(format!(
            "the cycle search stopped at its bounds in this group of lock classes; the cycles shown may not be all of them (`{}` and more)",
            cluster.classes[0].display()
        ));
    }
    let bounded = cluster
        .witness()
        .edges
        .iter()
        .flat_map(|edge| edge.chain.iter().map(|(callee, _)| *callee))
        .find(|callee| program.locks.bounded_summaries.contains(callee));
    if let Some(function) = bounded {
        diagnostic = diagnostic.with_note(format!(
            "`{}` is in a large recursion group whose lock summaries were cut short; other cycles through it may be missing",
            program.function(function).display_path()
        ));
    }
    diagnostic
}

/// `A` → `B` → `A` (in `f`, `g`).
fn describe_cycle(program: &Program<'_>, cycle: &Cycle) -> String {
    let mut names: Vec<String> = cycle
        .classes
        .iter()
        .map(|class| format!("`{}`", class.display()))
        .collect();
    names.push(names[0].clone());
    let mut functions: Vec<String> = cycle
        .edges
        .iter()
        .map(|edge| format!("`{}`", function_name(program, edge)))
        .collect();
    functions.sort();
    functions.dedup();
    format!("{} (in {})", names.join(" → "), functions.join(", "))
}

/// The fix: one order for every lock of the cluster. For two locks, the witness's first
/// edge sets it; for more, the order that the fewest existing edges break, and where.
fn order_help(program: &Program<'_>, cluster: &CycleCluster, names: &[String]) -> String {
    let release = "or release each lock before taking the next";
    if cluster.classes.len() <= 2 {
        return format!(
            "take these locks in one global order everywhere (for example always {} before {}), {release}",
            names[0],
            names[1 % names.len()],
        );
    }
    let edges: Vec<(&ClassKey, &ClassKey, &EdgeWitness)> = program
        .locks
        .edges
        .iter()
        .filter(|((from, to), _)| cluster.classes.contains(from) && cluster.classes.contains(to))
        .filter_map(|((from, to), witnesses)| Some((from, to, witnesses.first()?)))
        .collect();
    let order = breaking_order(&cluster.classes, &edges);
    let position = |class: &ClassKey| order.iter().position(|c| *c == class).unwrap_or(0);
    let mut broken: Vec<String> = edges
        .iter()
        .filter(|(from, to, _)| position(from) > position(to))
        .map(|(from, to, witness)| {
            format!(
                "`{}` → `{}` in `{}`",
                from.display(),
                to.display(),
                function_name(program, witness)
            )
        })
        .collect();
    broken.sort();
    broken.dedup();
    let sequence: Vec<String> = order
        .iter()
        .map(|class| format!("`{}`", class.display()))
        .collect();
    format!(
        "take these locks in one order everywhere, {}; the code breaks that order in {} place{}: {}; {release}",
        sequence.join(" before "),
        broken.len(),
        if broken.len() == 1 { "" } else { "s" },
        broken.join(", ")
    )
}

/// An order of `classes` that as few edges as possible go against: exhaustive for up to
/// eight classes, else greedy (most outgoing minus incoming edges first).
fn breaking_order<'c>(
    classes: &'c [ClassKey],
    edges: &[(&ClassKey, &ClassKey, &EdgeWitness)],
) -> Vec<&'c ClassKey> {
    let backward = |order: &[&ClassKey]| {
        let position = |class: &ClassKey| order.iter().position(|c| *c == class).unwrap_or(0);
        edges
            .iter()
            .filter(|(from, to, _)| position(from) > position(to))
            .count()
    };
    let mut order: Vec<&ClassKey> = classes.iter().collect();
    if classes.len() <= 8 {
        let mut best = order.clone();
        let mut best_cost = backward(&best);
        permutations(&mut order, 0, &mut |candidate| {
            let cost = backward(candidate);
            if cost < best_cost {
                best_cost = cost;
                best = candidate.to_vec();
            }
        });
        return best;
    }
    let balance = |class: &ClassKey| {
        let out = edges.iter().filter(|(from, _, _)| *from == class).count() as i64;
        let incoming = edges.iter().filter(|(_, to, _)| *to == class).count() as i64;
        incoming - out
    };
    order.sort_by_key(|class| (balance(class), (*class).clone()));
    order
}

/// Calls `visit` with every permutation of `items[start..]` (Heap's algorithm, recursive
/// to a depth of at most eight).
fn permutations<'c>(
    items: &mut Vec<&'c ClassKey>,
    start: usize,
    visit: &mut dyn FnMut(&[&'c ClassKey]),
) {
    if start + 1 >= items.len() {
        visit(items);
        return;
    }
    for index in start..items.len() {
        items.swap(start, index);
        permutations(items, start + 1, visit);
        items.swap(start, index);
    }
}

fn function_name(program: &Program<'_>, edge: &EdgeWitness) -> String {
    program.function(edge.function).display_path()
}

/// lockdep's "possible unsafe locking scenario", one thread per edge.
fn scenario(program: &Program<'_>, cycle: &Cycle, names: &[String]) -> String {
    let threads: Vec<String> = cycle
        .edges
        .iter()
        .enumerate()
        .map(|(index, edge)| {
            format!(
                "thread {} in `{}` holds {} and waits for {}",
                index + 1,
                function_name(program, edge),
                names[index],
                names[(index + 1) % names.len()]
            )
        })
        .collect();
    format!(
        "possible deadlock: {}; none can continue",
        threads.join("; ")
    )
}

fn edge_note(program: &Program<'_>, edge: &EdgeWitness, held: &str, then: &str) -> String {
    let via = if edge.chain.is_empty() {
        String::new()
    } else {
        let calls: Vec<String> = edge
            .chain
            .iter()
            .map(|(callee, _)| format!("`{}`", program.function(*callee).display_path()))
            .collect();
        format!(" through {}", calls.join(" → "))
    };
    let mut note = format!(
        "{held} → {then} in `{}`: {held} is still held when {then} is taken{via}, because {}",
        function_name(program, edge),
        hold_reason(&edge.held.reason).replace("its guard", "the guard"),
    );
    note.push_str(&other_witnesses(program, edge));
    note
}

/// Where else the same order is taken (other functions or sites), briefly.
fn other_witnesses(program: &Program<'_>, edge: &EdgeWitness) -> String {
    const LISTED: usize = 3;
    let key = (edge.held.target.class.clone(), edge.then_class.clone());
    let Some(witnesses) = program.locks.edges.get(&key) else {
        return String::new();
    };
    let mut others: Vec<String> = Vec::new();
    let mut count = 0;
    for other in witnesses {
        if other.held.site == edge.held.site && other.then_site == edge.then_site
            || program
                .items
                .in_rival_packages(edge.function.file(), other.function.file())
        {
            continue;
        }
        count += 1;
        let name = format!("`{}`", function_name(program, other));
        if others.len() < LISTED && !others.contains(&name) {
            others.push(name);
        }
    }
    match count {
        0 => String::new(),
        _ => format!(
            "; the same order is also taken at {count} other place{} (in {})",
            if count == 1 { "" } else { "s" },
            others.join(", ")
        ),
    }
}

/// Says which edges of a static cycle a test run also saw; all of them make it certain.
fn mark_observed(
    program: &Program<'_>,
    runtime: &RuntimeObservations,
    cycle: &Cycle,
    mut diagnostic: Diagnostic,
) -> Diagnostic {
    let observed = runtime_match::observed_edges(program, runtime, cycle);
    if observed.is_empty() {
        return diagnostic;
    }
    if observed.len() == cycle.edges.len() {
        diagnostic.message.push_str(" (observed at run time)");
        diagnostic.notes.insert(
            0,
            "observed at run time: every edge of this cycle was taken during the test run, so the inversion is real".to_string(),
        );
    } else {
        let seen: Vec<String> = observed
            .iter()
            .map(|edge| format!("`{}` → `{}` (thread `{}`)", edge.from, edge.to, edge.thread))
            .collect();
        diagnostic.notes.insert(
            0,
            format!(
                "partly observed at run time: {} of {} edges ({})",
                observed.len(),
                cycle.edges.len(),
                seen.join(", ")
            ),
        );
    }
    diagnostic
}

/// A cycle only the test run saw (the static analysis missed a lock's identity or a path):
/// reported at the acquisitions the run recorded.
fn runtime_finding(context: &RuleContext<'_, '_>, observed: &ObservedCycle) -> Option<Diagnostic> {
    let program = context.program;
    let primary = observed.edges.iter().find_map(|edge| {
        runtime_match::site_span(program, &edge.acquire_site).map(|span| (edge, span))
    })?;
    let mut names: Vec<String> = observed
        .edges
        .iter()
        .map(|edge| format!("`{}`", edge.from))
        .collect();
    names.push(names[0].clone());
    let message = if observed.deadlocked {
        format!("deadlock observed at run time: {}", names.join(" → "))
    } else {
        format!(
            "lock order cycle {} observed at run time can deadlock",
            names.join(" → ")
        )
    };
    let mut diagnostic = context.diagnostic(
        message,
        Label::new(
            primary.1,
            format!(
                "`{}` was taken here while `{}` was held (thread `{}`)",
                primary.0.to, primary.0.from, primary.0.thread
            ),
        ),
    );
    for edge in &observed.edges {
        if let Some(span) = runtime_match::site_span(program, &edge.held_site) {
            diagnostic = diagnostic.with_secondary(Label::new(
                span,
                format!("`{}` acquired here (thread `{}`)", edge.from, edge.thread),
            ));
        }
        if !std::ptr::eq(edge, primary.0)
            && let Some(span) = runtime_match::site_span(program, &edge.acquire_site)
        {
            diagnostic = diagnostic.with_secondary(Label::new(
                span,
                format!("then `{}`, while `{}` is held", edge.to, edge.from),
            ));
        }
        diagnostic = diagnostic.with_note(format!(
            "`{}` → `{}`: held since {}:{}, `{}` taken at {}:{} (thread `{}`)",
            edge.from,
            edge.to,
            edge.held_site.file,
            edge.held_site.line,
            edge.to,
            edge.acquire_site.file,
            edge.acquire_site.line,
            edge.thread
        ));
    }
    Some(
        diagnostic
            .with_note("seen only at run time (runtime-probe): the static analysis did not find this order; the locks are named by where they were created")
            .with_help("take these locks in one global order everywhere, or release each lock before taking the next"),
    )
}

/// A cycle through a bounded channel: the producer sends with the lock held, the consumer
/// takes the lock before it receives again.
fn channel_cycle_finding(context: &RuleContext<'_, '_>, cycle: &ChannelCycle) -> Diagnostic {
    let program = context.program;
    let held = &cycle.lock;
    let lock = format!("`{}`", held.target.class.display());
    let producer = program.function(cycle.producer).display_path();
    let consumer = program.function(cycle.consumer).display_path();
    context
        .diagnostic(
            format!("lock order cycle {lock} → bounded channel → {lock} can deadlock"),
            Label::new(
                cycle.send,
                format!(
                    "`{}` waits for room in the channel while {lock} is held (in `{producer}`)",
                    cycle.send_call
                ),
            ),
        )
        .with_secondary(Label::new(
            held.site,
            format!("{lock} {} here; {}", held_as(held.mode), hold_reason(&held.reason)),
        ))
        .with_secondary(Label::new(
            cycle.consumer_lock,
            format!("the consumer takes {lock} here before it receives again (in `{consumer}`)"),
        ))
        .with_secondary(Label::new(cycle.receive, "the consumer receives here"))
        .with_secondary(Label::new(cycle.channel, "the bounded channel is created here"))
        .with_note(format!(
            "once the channel is full, `{producer}` holds {lock} until the consumer makes room, and the consumer waits for {lock} before it receives: neither can proceed"
        ))
        .with_help(format!(
            "send after the guard of {lock} is dropped (take what the message needs first), or let the consumer receive without taking {lock}; `try_send` never waits"
        ))
}

/// Two functions that each send on a rendezvous channel before receiving from the other.
fn rendezvous_finding(context: &RuleContext<'_, '_>, cycle: &RendezvousCycle) -> Diagnostic {
    let program = context.program;
    let first = program.function(cycle.first).display_path();
    let second = program.function(cycle.second).display_path();
    context
        .diagnostic(
            format!(
                "channel cycle: `{first}` and `{second}` each send on a rendezvous channel before receiving from the other"
            ),
            Label::new(
                cycle.first_send,
                format!("`{first}` waits here until the other side receives"),
            ),
        )
        .with_secondary(Label::new(
            cycle.first_receive,
            format!("`{first}` receives only after its send completed"),
        ))
        .with_secondary(Label::new(
            cycle.second_send,
            format!("`{second}` also sends first, and waits here"),
        ))
        .with_secondary(Label::new(
            cycle.second_receive,
            format!("`{second}` receives only after its send completed"),
        ))
        .with_secondary(Label::new(
            cycle.channel,
            "a channel of capacity zero is created here",
        ))
        .with_note(
            "a send on a channel of capacity zero waits until the other side receives; when both sides send first, neither reaches its receive",
        )
        .with_help(format!(
            "let one side receive first (make `{second}` receive, then answer), or give the channels a capacity of at least one"
        ))
}
