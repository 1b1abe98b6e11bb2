//! Wording shared by the lock rules: how a guard is held and why it is still alive.

use super::RuleContext;
use crate::analysis::locks::guards::HoldReason;
use crate::config::Level;
use crate::diagnostic::Severity;
use crate::knowledge::locks::Mode;
use crate::knowledge::std_items::is_implicitly_called_trait;
use crate::model::Function;

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

/// The option of the lock rules that sets the level of findings resting on a call matched
/// by name only.
pub const GUESSED_CALLS: crate::config::RuleOption = crate::config::RuleOption {
    name: "guessed-calls",
    kind: crate::config::OptionKind::Level,
    doc: "level of findings that rest on a call matched to a workspace method by its name only (the receiver's type unknown): \"warn\" by default, never above the rule's own level",
};

/// The severity of a finding that rests on a by-name guess: the `guessed-calls` level,
/// never above the rule's; `None` when such findings are allowed.
pub fn guessed_severity(context: &RuleContext<'_, '_>) -> Option<Severity> {
    let level = context
        .config
        .level_option(context.rule.name, GUESSED_CALLS.name, Level::Warn);
    let guessed = level.to_severity()?;
    Some(match (guessed, context.severity) {
        (Severity::Error, Severity::Error) => Severity::Error,
        _ => Severity::Warning,
    })
}

/// The note a finding resting on a by-name guess carries.
pub fn guessed_note(rule: &str) -> String {
    format!(
        "this rests on a call matched to a workspace method by its name only (its receiver's type is not known); such findings are warnings unless `[workspace.metadata.coordlint.{rule}] guessed-calls = \"deny\"`"
    )
}

/// How a call chain names a callee: its path, or `<Pool as Debug>::fmt` for an impl the
/// code runs without naming it (`Drop`, `Display`, `Debug`), so that the reader sees why
/// a line with no call reaches it.
pub fn callee_name(function: &Function) -> String {
    match (&function.self_type, &function.trait_path) {
        (Some(self_type), Some(trait_path)) if is_implicitly_called_trait(trait_path.last()) => {
            format!(
                "<{} as {}>::{}",
                self_type.display_name(),
                trait_path.last(),
                function.name
            )
        }
        _ => function.display_path(),
    }
}
