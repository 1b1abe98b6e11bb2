//! The edit primitives; the fixes themselves are tested on fixtures (`.fixed` files).

use super::*;
use crate::span::{FileId, LineIndex};

fn edit(text: &str, start: u32, end: u32, replacement: &str) -> Edit {
    Edit {
        span: LineIndex::new(text).span(FileId(0), text, start, end),
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
