//! Bounded channels as resources in the lock order: a send on a bounded channel `C` made
//! while a guard of lock `L` is alive waits for the consumer of `C` to make room (`L → C`),
//! and a consumer that takes `L` between two receives (or before its receive) waits for
//! `L` (`C → L`). When both happen, a full channel stops both threads: the producer holds
//! `L` until its send completes, the consumer needs `L` before it receives again.
//!
//! A channel is identified by its construction site and a lock by its class or, when the
//! two sides name it differently (a field here, a parameter there), by the site that
//! created it (`origins`).

use crate::analysis::function_map::FunctionMap;
use crate::hash::HashMap;
use rayon::prelude::*;

use super::origins::{Origins, origins_of};
use super::values::FunctionValues;
use super::{Inputs, Site};
use crate::analysis::FunctionRef;
use crate::analysis::locks::guards::{Acquisition, FunctionLocks, Held};
use crate::knowledge::blocking::BlockingKind;
use crate::model::{Expr, ExprKind};
use crate::span::Span;

/// A cycle through a bounded channel and a lock.
#[derive(Clone, Debug)]
pub struct ChannelCycle {
    /// The producer's guard of the lock.
    pub lock: Held,
    pub producer: FunctionRef,
    /// The send that waits for room with the lock held.
    pub send: Span,
    /// The send as messages show it (`crossbeam_channel::Sender::send`).
    pub send_call: String,
    pub consumer: FunctionRef,
    /// The consumer's receive.
    pub receive: Span,
    /// Where the consumer takes the lock before receiving again.
    pub consumer_lock: Span,
    /// Where the channel is created.
    pub channel: Span,
}

/// A bounded send made with guards alive.
struct Producer<'s> {
    function: FunctionRef,
    site: &'s Site,
    channel: Origins,
    /// The guards, each with where its lock was created.
    locks: Vec<(Held, Origins)>,
}

/// Every producer/consumer pair that closes a cycle through a channel and a lock.
pub fn channel_cycles(
    inputs: &Inputs<'_, '_>,
    functions: &FunctionMap<FunctionLocks>,
    sites: &HashMap<FunctionRef, Vec<Site>>,
) -> Vec<ChannelCycle> {
    let mut ordered: Vec<&FunctionRef> = sites.keys().collect();
    ordered.par_sort_unstable();
    let producers = producers(inputs, &ordered, sites);
    if producers.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for consumer in ordered {
        let consumer_sites: Vec<&Site> = sites[consumer]
            .iter()
            .filter(|site| site.op.kind == BlockingKind::Receive)
            .collect();
        if consumer_sites.is_empty() {
            continue;
        }
        let values = inputs.values_of(*consumer);
        for site in consumer_sites {
            let Some(receiver) = call_receiver(&values, site.candidate_span) else {
                continue;
            };
            let channel = origins_of(inputs, &values, receiver);
            for producer in &producers {
                if producer.function == *consumer || producer.channel.is_disjoint(&channel) {
                    continue;
                }
                let Some((lock, consumer_lock)) = lock_taken_before_receive(
                    inputs,
                    &values,
                    &functions[consumer],
                    site,
                    producer,
                ) else {
                    continue;
                };
                found.push(ChannelCycle {
                    lock,
                    producer: producer.function,
                    send: producer.site.span,
                    send_call: producer.site.op.call.clone(),
                    consumer: *consumer,
                    receive: site.span,
                    consumer_lock,
                    channel: producer
                        .channel
                        .intersection(&channel)
                        .next()
                        .map_or(producer.site.span, |origin| origin.site),
                });
            }
        }
    }
    found.sort_by_key(|cycle| (cycle.send, cycle.consumer_lock));
    found.dedup_by_key(|cycle| cycle.send);
    found
}

fn producers<'s>(
    inputs: &Inputs<'_, '_>,
    ordered: &[&FunctionRef],
    sites: &'s HashMap<FunctionRef, Vec<Site>>,
) -> Vec<Producer<'s>> {
    let mut producers = Vec::new();
    for function in ordered {
        let sends: Vec<&Site> = sites[*function]
            .iter()
            .filter(|site| site.op.kind == BlockingKind::BoundedSend && !site.held.is_empty())
            .collect();
        if sends.is_empty() {
            continue;
        }
        let values = inputs.values_of(**function);
        for site in sends {
            let Some(sender) = call_receiver(&values, site.candidate_span) else {
                continue;
            };
            let channel = origins_of(inputs, &values, sender);
            if channel.is_empty() {
                continue;
            }
            let locks = site
                .held
                .iter()
                .map(|held| (held.clone(), lock_origins(inputs, &values, held.site)))
                .collect();
            producers.push(Producer {
                function: **function,
                site,
                channel,
                locks,
            });
        }
    }
    producers
}

/// A lock of the producer's that the consumer takes before its next receive: inside the
/// loop around the receive, or before it; the consumer's acquisition must wait for the
/// producer's guard.
fn lock_taken_before_receive(
    inputs: &Inputs<'_, '_>,
    values: &FunctionValues<'_>,
    locks: &FunctionLocks,
    receive: &Site,
    producer: &Producer<'_>,
) -> Option<(Held, Span)> {
    let around = enclosing_loop(values, receive.candidate_span);
    let before_receive = |acquisition: &Acquisition| {
        acquisition.span.byte_end <= receive.candidate_span.byte_start
            || around.is_some_and(|body| body.contains(acquisition.span))
    };
    for acquisition in locks
        .acquisitions
        .iter()
        .filter(|acquisition| !acquisition.is_try && !acquisition.condvar_reacquire)
        .filter(|acquisition| before_receive(acquisition))
    {
        for (held, held_origins) in &producer.locks {
            if !held.mode.blocks(acquisition.mode) {
                continue;
            }
            let same_class =
                held.target.class.is_global() && held.target.class == acquisition.target.class;
            let same_lock = same_class || {
                let origins = lock_origins(inputs, values, acquisition.span);
                !origins.is_empty() && !origins.is_disjoint(held_origins)
            };
            if same_lock {
                return Some((held.clone(), acquisition.span));
            }
        }
    }
    None
}

/// Where the lock acquired at `site` (`x.lock()`) was created.
fn lock_origins(inputs: &Inputs<'_, '_>, values: &FunctionValues<'_>, site: Span) -> Origins {
    call_receiver(values, site)
        .map(|lock| origins_of(inputs, values, lock))
        .unwrap_or_default()
}

/// The receiver of the method call at `span` (through an `.await`).
fn call_receiver<'e>(values: &'e FunctionValues<'_>, span: Span) -> Option<&'e Expr> {
    let mut found = None;
    values.body.walk(&mut |expr| {
        if found.is_some() || expr.span != span {
            return;
        }
        let call = match &expr.kind {
            ExprKind::Await(inner) => inner,
            _ => expr,
        };
        if let ExprKind::MethodCall { receiver, .. } = &call.kind {
            found = Some(&**receiver);
        }
    });
    found
}

/// The span of the innermost loop around `span`.
fn enclosing_loop(values: &FunctionValues<'_>, span: Span) -> Option<Span> {
    let mut found: Option<Span> = None;
    values.body.walk(&mut |expr| {
        if matches!(expr.kind, ExprKind::Loop { .. })
            && expr.span.contains(span)
            && found.is_none_or(|outer| outer.contains(expr.span))
        {
            found = Some(expr.span);
        }
    });
    found
}

/// Two functions that each send on a rendezvous channel (capacity zero) before receiving
/// on the channel the other sends on: run against each other, both sends wait forever.
#[derive(Clone, Debug)]
pub struct RendezvousCycle {
    pub first: FunctionRef,
    pub first_send: Span,
    pub first_receive: Span,
    pub second: FunctionRef,
    pub second_send: Span,
    pub second_receive: Span,
    /// Where the channel the first function sends on is created.
    pub channel: Span,
}

/// A send on a rendezvous channel followed by a receive, in one function.
struct SendFirst<'s> {
    function: FunctionRef,
    send: &'s Site,
    sent_on: Origins,
    receive: &'s Site,
    received_on: Origins,
}

/// Every pair of functions that send first on each other's rendezvous channels.
pub fn rendezvous_cycles(
    inputs: &Inputs<'_, '_>,
    sites: &HashMap<FunctionRef, Vec<Site>>,
) -> Vec<RendezvousCycle> {
    let mut ordered: Vec<&FunctionRef> = sites.keys().collect();
    ordered.par_sort_unstable();
    let mut send_first: Vec<SendFirst<'_>> = Vec::new();
    for function in ordered {
        let here = &sites[function];
        let mut values = None;
        for send in here
            .iter()
            .filter(|site| site.op.kind == BlockingKind::BoundedSend)
        {
            let Some(receive) = here
                .iter()
                .filter(|site| {
                    site.op.kind == BlockingKind::Receive
                        && site.isolated == send.isolated
                        && site.candidate_span.byte_start >= send.candidate_span.byte_end
                })
                .min_by_key(|site| site.candidate_span.byte_start)
            else {
                continue;
            };
            let values = values.get_or_insert_with(|| inputs.values_of(*function));
            let sent_on: Origins = call_receiver(values, send.candidate_span)
                .map(|sender| origins_of(inputs, values, sender))
                .unwrap_or_default()
                .into_iter()
                .filter(|origin| origin.rendezvous)
                .collect();
            if sent_on.is_empty() {
                continue;
            }
            let received_on = call_receiver(values, receive.candidate_span)
                .map(|receiver| origins_of(inputs, values, receiver))
                .unwrap_or_default();
            send_first.push(SendFirst {
                function: *function,
                send,
                sent_on,
                receive,
                received_on,
            });
        }
    }
    let mut found: Vec<RendezvousCycle> = Vec::new();
    for (index, first) in send_first.iter().enumerate() {
        for second in &send_first[index + 1..] {
            let paired = first.function != second.function
                && !first.sent_on.is_disjoint(&second.received_on)
                && !second.sent_on.is_disjoint(&first.received_on);
            let reported = found
                .iter()
                .any(|cycle| (cycle.first, cycle.second) == (first.function, second.function));
            if !paired || reported {
                continue;
            }
            found.push(RendezvousCycle {
                first: first.function,
                first_send: first.send.span,
                first_receive: first.receive.span,
                second: second.function,
                second_send: second.send.span,
                second_receive: second.receive.span,
                channel: first
                    .sent_on
                    .intersection(&second.received_on)
                    .next()
                    .map_or(first.send.span, |origin| origin.site),
            });
        }
    }
    found
}
