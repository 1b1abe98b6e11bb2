//! The edit primitives, and the fix builders' decisions that `.fixed` fixtures cannot show
//! (suggestions that are only maybe-incorrect, or none).

use super::*;
use crate::diagnostic::Applicability;
use crate::span::{FileId, Span};

fn edit(text: &str, start: u32, end: u32, replacement: &str) -> Edit {
    Edit {
        span: Span::new(FileId(0), start.min(text.len() as u32), end),
        replacement: replacement.to_string(),
    }
}

#[test]
fn edits_apply_back_to_front() {
    let text = "let a = 1;\nlet b = 2;\n";
    let edits = [edit(text, 19, 20, "3"), edit(text, 8, 9, "x")];
    assert_eq!(
        apply_edits(text, &edits).unwrap(),
        "let a = x;\nlet b = 3;\n"
    );
}

#[test]
fn overlapping_edits_are_refused() {
    let text = "abcdef";
    let overlapping = [edit(text, 1, 4, "x"), edit(text, 3, 5, "y")];
    assert_eq!(apply_edits(text, &overlapping), Err(EditError::Overlap));
    let same_insertion = [edit(text, 2, 2, "x"), edit(text, 2, 2, "y")];
    assert_eq!(apply_edits(text, &same_insertion), Err(EditError::Overlap));
    let adjacent = [edit(text, 1, 2, "x"), edit(text, 2, 3, "y")];
    assert_eq!(apply_edits(text, &adjacent).unwrap(), "axydef");
}

#[test]
fn parses_tells_broken_code_apart() {
    assert!(parses("fn f() { let x = 1; }", Edition::E2021));
    assert!(!parses("fn f() { let x = ; }", Edition::E2021));
}

/// The suggestions of `rule`'s findings in `code` (a std-only file, edition 2021), as
/// (applicability, the fixed file).
fn suggested(rule: &str, code: &str) -> Vec<(Applicability, String)> {
    let sources = [SourceFile::new("lib.rs", code, Edition::E2021)];
    crate::check_sources(&sources, &crate::Config::default())
        .into_iter()
        .filter(|diagnostic| diagnostic.rule == rule)
        .flat_map(|diagnostic| diagnostic.suggestions)
        .map(|suggestion| {
            let fixed = apply_edits(code, &suggestion.edits).expect("edits apply");
            (suggestion.applicability, fixed)
        })
        .collect()
}

const CACHE: &str = "use std::collections::HashMap;\nuse std::sync::Mutex;\npub struct C { m: Mutex<HashMap<u32, String>> }\nimpl C {\n";

#[test]
fn a_matched_reference_is_cloned_for_review_only() {
    let code = format!(
        "{CACHE}    pub fn get(&self, k: u32) -> String {{\n        match self.m.lock().unwrap().get(&k) {{\n            Some(v) => v.clone(),\n            None => {{ self.m.lock().unwrap().insert(k, String::new()); String::new() }}\n        }}\n    }}\n}}\n"
    );
    let found = suggested("double_lock", &code);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Applicability::MaybeIncorrect);
    assert!(
        found[0].1.contains(
            "let value = self.m.lock().unwrap().get(&k).cloned();\n        match value {"
        )
    );
}

#[test]
fn a_mutable_getter_gets_no_suggestion() {
    let code = format!(
        "{CACHE}    pub fn touch(&self, k: u32) {{\n        if let Some(v) = self.m.lock().unwrap().get_mut(&k) {{\n            v.push('x');\n            self.m.lock().unwrap().remove(&0);\n        }}\n    }}\n}}\n"
    );
    assert!(suggested("double_lock", &code).is_empty());
}

#[test]
fn a_scrutinee_that_is_not_a_statement_gets_its_own_block() {
    let code = format!(
        "{CACHE}    pub fn f(&self, k: u32, flag: bool) -> bool {{\n        if flag {{\n            false\n        }} else if let Some(_) = self.m.lock().unwrap().remove(&k) {{\n            self.m.lock().unwrap().clear();\n            true\n        }} else {{\n            false\n        }}\n    }}\n}}\n"
    );
    let found = suggested("double_lock", &code);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("} else if self.m.lock().unwrap().remove(&k).is_some() {"),
        "{}",
        found[0].1
    );
}

#[test]
fn a_let_bound_match_is_hoisted_above_the_let_under_a_name_nothing_uses() {
    let code = format!(
        "{CACHE}    pub fn f(&self, k: u32, value: usize) -> usize {{\n        let n = match self.m.lock().unwrap().len() {{\n            0 => {{ self.m.lock().unwrap().clear(); value }}\n            n => n,\n        }};\n        n\n    }}\n}}\n"
    );
    let found = suggested("double_lock", &code);
    assert_eq!(found[0].0, Applicability::MachineApplicable);
    assert!(
        found[0].1.contains(
            "        let current = self.m.lock().unwrap().len();\n        let n = match current {"
        ),
        "{}",
        found[0].1
    );
}

#[test]
fn a_guard_read_through_is_dropped_and_any_other_use_needs_review() {
    let read = "use std::sync::{Mutex, MutexGuard};\nfn keep(_g: &MutexGuard<'_, u32>) {}\nasync fn later() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    keep(&g);\n    later().await;\n}\n";
    let found = suggested("guard_across_await", read);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Applicability::MachineApplicable);
    assert!(
        found[0]
            .1
            .contains("    keep(&g);\n    drop(g);\n    later().await;"),
        "{}",
        found[0].1
    );
    let other = read.replace("keep(&g);", "println!(\"{:?}\", g);");
    let found = suggested("guard_across_await", &other);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Applicability::MaybeIncorrect);
}

#[test]
fn a_borrow_of_the_guard_used_after_the_drop_makes_it_maybe_incorrect() {
    let code = "use std::sync::Mutex;\nasync fn later() {}\npub async fn f(m: &Mutex<Vec<u32>>) -> u32 {\n    let g = m.lock().unwrap();\n    let first = g.first();\n    later().await;\n    *first.unwrap_or(&0)\n}\n";
    let found = suggested("guard_across_await", code);
    assert!(
        found
            .iter()
            .all(|(applicability, _)| *applicability != Applicability::MachineApplicable),
        "{found:?}"
    );
}

#[test]
fn two_acquisitions_inside_one_scrutinee_are_not_hoisted_together() {
    let code = format!(
        "{CACHE}    pub fn f(&self) -> bool {{\n        match (self.m.lock().unwrap().len(), self.m.lock().unwrap().is_empty()) {{\n            (0, _) => true,\n            _ => false,\n        }}\n    }}\n}}\n"
    );
    let found = suggested("double_lock", &code);
    assert!(
        found
            .iter()
            .all(|(_, fixed)| !fixed.contains("let value = (self.m")),
        "{found:?}"
    );
}

#[test]
fn one_change_suggested_for_two_findings_is_made_once_and_counted_twice() {
    let code = "use std::sync::Mutex;\nasync fn later() {}\npub async fn f(m: &Mutex<Vec<u32>>) {\n    if let Some(_) = m.lock().unwrap().pop() {\n        m.lock().unwrap().clear();\n        later().await;\n    }\n}\n";
    let sources = [SourceFile::new("lib.rs", code, Edition::E2021)];
    let diagnostics = crate::check_sources(&sources, &crate::Config::default());
    let rules: Vec<&str> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.rule)
        .collect();
    assert!(
        rules.contains(&"double_lock") && rules.contains(&"guard_across_await"),
        "{rules:?}"
    );
    let chosen = machine_applicable_edits(&diagnostics);
    let (edits, count) = &chosen[&FileId(0)];
    assert_eq!(*count, 2);
    let fixed = apply_edits(code, edits).unwrap();
    assert!(
        fixed.contains("    if m.lock().unwrap().pop().is_some() {"),
        "{fixed}"
    );
}

#[test]
fn code_built_with_quote_keeps_the_moved_expression_as_written() {
    let code = format!(
        "{CACHE}    pub fn f(&self, k: u32) -> bool {{\n        match self.m\n            .lock() // the map\n            .unwrap()\n            .get(&k)\n        {{\n            Some(_) => false,\n            None => {{ self.m.lock().unwrap().insert(k, String::new()); true }}\n        }}\n    }}\n}}\n"
    );
    let found = suggested("double_lock", &code);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains(
            "        let found = self.m\n            .lock() // the map\n            .unwrap()\n            .get(&k).is_some();\n        match found\n"
        ),
        "{}",
        found[0].1
    );
}

#[test]
fn new_lines_follow_a_crlf_file() {
    let code = "use std::sync::Mutex;\r\nasync fn later() {}\r\npub async fn f(m: &Mutex<u32>) {\r\n    let g = m.lock().unwrap();\r\n    let n = *g;\r\n    later().await;\r\n    let _ = n;\r\n}\r\n";
    let found = suggested("guard_across_await", code);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("    let n = *g;\r\n    drop(g);\r\n    later().await;"),
        "{:?}",
        found[0].1
    );
    assert!(!found[0].1.replace("\r\n", "").contains('\n'));
}

#[test]
fn a_bounded_channel_renames_the_types_of_its_own_let() {
    let code = "use std::sync::mpsc::{self, Receiver, Sender};\npub fn run(items: Vec<u32>) {\n    let (tx, rx): (Sender<u32>, Receiver<u32>) = mpsc::channel();\n    for item in items {\n        let tx = tx.clone();\n        std::thread::spawn(move || tx.send(item).unwrap());\n    }\n    drop(rx);\n}\n";
    let found = suggested("unbounded_channel", code);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Applicability::HasPlaceholders);
    assert!(
        found[0].1.contains(
            "let (tx, rx): (SyncSender<u32>, Receiver<u32>) = mpsc::sync_channel(/* capacity */);"
        ),
        "{}",
        found[0].1
    );
}
