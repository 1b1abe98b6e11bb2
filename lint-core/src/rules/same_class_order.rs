//! How `lock_order_cycle` words a nesting of two locks of one class whose order the
//! caller's values decide (see [`crate::analysis::locks::same_class`]).

use super::RuleContext;
use super::lock_wording::{held_as, hold_reason};
use crate::analysis::locks::identity::ClassKey;
use crate::analysis::locks::same_class::SameClassNesting;
use crate::diagnostic::{Diagnostic, Label};

pub fn finding(context: &RuleContext<'_, '_>, nesting: &SameClassNesting) -> Diagnostic {
    let program = context.program;
    let first = &nesting.first;
    let first_name = first.target.name();
    let second_name = nesting.second.name();
    let class = class_name(nesting);
    let function = program.function(nesting.function).display_path();
    let message = format!(
        "two locks of {class} are held at once, `{first_name}` then `{second_name}`: calls that pick them the other way round can deadlock"
    );
    context
        .diagnostic(
            message,
            Label::new(
                nesting.second_site,
                format!(
                    "then `{second_name}` is {} here, while `{first_name}` is held",
                    held_as(nesting.second_mode)
                ),
            ),
        )
        .with_secondary(Label::new(
            first.site,
            format!(
                "`{first_name}` {} here; {}",
                held_as(first.mode),
                hold_reason(&first.reason)
            ),
        ))
        .with_note(format!(
            "possible deadlock: one thread in `{function}` holds `{first_name}` and waits for `{second_name}` while another, with the values swapped, holds `{second_name}` and waits for `{first_name}`"
        ))
        .with_note(
            "nothing here orders the two: no comparison, `min`/`max`, `cmp` or sort of the values that pick them, and no other lock held around both".to_string(),
        )
        .with_help(
            "take the two in one global order (for example the smaller index or id first), or take the second with `try_lock` and back off".to_string(),
        )
}

/// "the collection `Ledger::accounts`", or "one type (`std::sync::Mutex<Wallet>`)".
fn class_name(nesting: &SameClassNesting) -> String {
    let class = &nesting.second.class;
    let display = class.display();
    match class {
        ClassKey::Local { .. } | ClassKey::Param { .. } if !display.ends_with("[]") => {
            let lock = nesting.second.lock_type.name;
            match &nesting.protected_type {
                Some(protected) => {
                    let protected = crate::paths::last_segment(protected);
                    format!("one type (`{lock}<{protected}>`)")
                }
                None => format!("one type (`{lock}`)"),
            }
        }
        _ => match display.strip_suffix("[]") {
            Some(collection) => format!("the collection `{collection}`"),
            None => format!("the class `{display}`"),
        },
    }
}
