//! Every entry of the lock API table (`lint_core::knowledge::locks::LOCK_APIS`) checked
//! against code written with it: two locks of its type taken in opposite orders, one of
//! them through the entry's method, are a `lock_order_cycle` exactly when the method waits
//! (a `try_*` never closes a cycle, and a read of a lock whose readers never wait for a
//! queued writer never blocks another read); a function returning the entry's guard type
//! hands the caller a held lock.

use lint_core::knowledge::locks::{LOCK_APIS, LockApi, Mode, Receiver, lock_type_at};
use lint_core::{Config, Edition, SourceFile};

/// A waiting acquisition of the same lock type, for the other side of the cycle.
fn exclusive_method(api: &LockApi) -> &'static str {
    LOCK_APIS
        .iter()
        .find(|other| {
            other.lock == api.lock
                && other.mode == Mode::Exclusive
                && !other.is_try
                && other.receiver == Receiver::Ref
        })
        .map(|other| other.method)
        .expect("every lock type has a waiting exclusive method")
}

fn call(api: &LockApi, field: &str, method: &str, awaited: bool) -> String {
    let receiver = match api.receiver {
        Receiver::Arc if method == api.method => format!("self.{field}.clone()"),
        _ => format!("self.{field}"),
    };
    let wait = if awaited { ".await" } else { "" };
    format!("{receiver}.{method}(){wait}")
}

/// Source with `one` taking `a` (through the entry) then `b`, and `two` the other way.
fn source(api: &LockApi) -> String {
    let exclusive = exclusive_method(api);
    let exclusive_awaited = LOCK_APIS
        .iter()
        .find(|other| other.lock == api.lock && other.method == exclusive)
        .is_some_and(|other| other.awaited);
    let asyncness = if api.awaited || exclusive_awaited {
        "async "
    } else {
        ""
    };
    let field_type = match api.receiver {
        Receiver::Arc => format!("std::sync::Arc<{}<u32>>", api.lock),
        Receiver::Ref => format!("{}<u32>", api.lock),
    };
    let through_entry = call(api, "a", api.method, api.awaited);
    let other_side = call(api, "b", exclusive, exclusive_awaited);
    let first_b = call(api, "b", exclusive, exclusive_awaited);
    let then_a = call(api, "a", api.method, api.awaited);
    // A writer of `a`: where both sides only read `a`, the cycle needs one queued there.
    let write_a = call(api, "a", exclusive, exclusive_awaited);
    format!(
        "pub struct Pair {{\n    a: {field_type},\n    b: {field_type},\n}}\n\n\
         impl Pair {{\n\
         \x20   pub {asyncness}fn one(&self) {{\n\
         \x20       let _a = {through_entry};\n\
         \x20       let _b = {other_side};\n\
         \x20   }}\n\n\
         \x20   pub {asyncness}fn two(&self) {{\n\
         \x20       let _b = {first_b};\n\
         \x20       let _a = {then_a};\n\
         \x20   }}\n\n\
         \x20   pub {asyncness}fn write_a(&self) {{\n\
         \x20       let _a = {write_a};\n\
         \x20   }}\n\
         }}\n"
    )
}

#[test]
fn every_waiting_acquisition_closes_a_cycle_and_every_try_does_not() {
    let mut wrong = Vec::new();
    for api in LOCK_APIS {
        let text = source(api);
        let sources = [SourceFile::new(
            "pair.rs".to_string(),
            text.clone(),
            Edition::E2021,
        )];
        let diagnostics = lint_core::check_sources(&sources, &Config::default());
        let cycle = diagnostics
            .iter()
            .any(|diagnostic| diagnostic.rule == "lock_order_cycle");
        // The other side only reads `a` too: on a lock whose readers never wait for a
        // queued writer (spin's), that read never blocks, so there is no deadlock.
        let readers_never_wait = !lock_type_at(api.lock)
            .expect("every table entry is a known lock type")
            .readers_wait_for_writers;
        let never_blocks = api.mode == Mode::Shared && readers_never_wait;
        let expected = !(api.is_try || never_blocks);
        if cycle != expected {
            wrong.push(format!(
                "{}::{} (try: {}): cycle reported: {cycle}\n{text}",
                api.lock, api.method, api.is_try
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_guard_type_returned_by_a_helper_is_a_held_lock() {
    let mut wrong = Vec::new();
    for api in LOCK_APIS.iter().filter(|api| !api.is_try && !api.awaited) {
        let (module, _) = api.lock.rsplit_once("::").expect("a path");
        let field_type = match api.receiver {
            Receiver::Arc => format!("std::sync::Arc<{}<u32>>", api.lock),
            Receiver::Ref => format!("{}<u32>", api.lock),
        };
        let lifetime = if api.receiver == Receiver::Arc {
            ""
        } else {
            "'_, "
        };
        let guard_args = match (api.receiver, api.guard.starts_with("Arc")) {
            (Receiver::Arc, true) => format!("<{}, u32>", raw_lock(api)),
            _ => format!("<{lifetime}u32>"),
        };
        let receiver = if api.receiver == Receiver::Arc {
            "self.state.clone()"
        } else {
            "self.state"
        };
        let text = format!(
            "pub struct Holder {{\n    state: {field_type},\n}}\n\n\
             impl Holder {{\n\
             \x20   fn held(&self) -> {module}::{guard}{guard_args} {{\n\
             \x20       {receiver}.{method}()\n\
             \x20   }}\n\n\
             \x20   pub fn twice(&self) {{\n\
             \x20       let _first = self.held();\n\
             \x20       let _second = self.state.{exclusive}();\n\
             \x20   }}\n\
             }}\n",
            guard = api.guard,
            method = api.method,
            exclusive = blocking_exclusive_method(api),
        );
        let sources = [SourceFile::new(
            "holder.rs".to_string(),
            text.clone(),
            Edition::E2021,
        )];
        let diagnostics = lint_core::check_sources(&sources, &Config::default());
        let reentrant = api.lock.contains("Reentrant");
        let double = diagnostics
            .iter()
            .any(|diagnostic| diagnostic.rule == "double_lock");
        if double == reentrant {
            wrong.push(format!(
                "{}::{} returning {}: double_lock reported: {double}\n{text}",
                api.lock, api.method, api.guard
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A waiting exclusive acquisition of the same lock type that needs no `.await`.
fn blocking_exclusive_method(api: &LockApi) -> &'static str {
    LOCK_APIS
        .iter()
        .find(|other| {
            other.lock == api.lock
                && other.mode == Mode::Exclusive
                && !other.is_try
                && !other.awaited
                && other.receiver == Receiver::Ref
        })
        .map(|other| other.method)
        .expect("every lock type has a blocking exclusive method")
}

/// The raw lock type parameter of `lock_api`'s `Arc*Guard<R, T>` for parking_lot types.
fn raw_lock(api: &LockApi) -> &'static str {
    if api.lock.ends_with("RwLock") {
        "parking_lot::RawRwLock"
    } else {
        "parking_lot::RawMutex"
    }
}
