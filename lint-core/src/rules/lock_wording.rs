//! Wording shared by the lock rules: how a guard is held and why it is still alive.

use crate::analysis::locks::guards::HoldReason;
use crate::knowledge::locks::Mode;

/// Why a guard is still alive: completes "... is still alive because ...".
pub fn hold_reason(reason: &HoldReason) -> String {
    match reason {
        HoldReason::Binding(name) => {
            format!("its guard `{name}` lives until the end of the block")
        }
        HoldReason::Temporary => {
            "the temporary guard lives until the end of the statement".to_string()
        }
        HoldReason::MatchScrutinee => {
            "a guard in a `match` scrutinee lives until the end of the `match`".to_string()
        }
        HoldReason::IfLetScrutinee => {
            "a guard in an `if let` scrutinee lives until the end of the `if let`".to_string()
        }
        HoldReason::WhileLetScrutinee => {
            "a guard in a `while let` scrutinee lives through the loop body".to_string()
        }
        HoldReason::ForIterable => {
            "a guard in a `for` loop's iterator expression lives until the loop ends".to_string()
        }
        HoldReason::Extended => {
            "the guard's lifetime is extended by the `let` that borrows from it".to_string()
        }
        HoldReason::Callback(function) => {
            format!("`{function}` holds it while it calls this closure")
        }
        HoldReason::Parameter(name) => {
            format!("the guard `{name}` is passed in by the caller and held for the whole call")
        }
    }
}

/// The participle for a guard held in `mode`: "locked", "read-locked", ...
pub fn held_as(mode: Mode) -> &'static str {
    match mode {
        Mode::Exclusive => "locked",
        Mode::Shared => "read-locked",
        Mode::Upgradable => "upgradable-read-locked",
    }
}
