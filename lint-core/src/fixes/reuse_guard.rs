//! `double_lock` between two temporaries of one statement
//! (`a.lock().unwrap().x + a.lock().unwrap().y`): take the lock once, in a block that ends
//! with the statement's value, and use that guard for both.
//!
//! The block keeps the guard's life to the statement, as the temporaries had it. The fix is
//! machine-applicable when the value cannot borrow from the guard (arithmetic, a comparison,
//! a formatting macro, an assignment, or a method with an owned result) and nothing with
//! side effects runs before the first acquisition (which now happens first).

use std::ops::Range;

use quote::ToTokens;

use super::syntax::{FileSyntax, identifier, indented_deeper, last_method};
use crate::diagnostic::{Applicability, Suggestion};
use crate::span::Span;

/// Macros whose value owns its data (or is `()`).
const OWNED_MACROS: &[&str] = &[
    "format",
    "println",
    "print",
    "eprintln",
    "eprint",
    "write",
    "writeln",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
];

/// Methods of a guard's data that only read (`&self`), so the guard need not be `mut`.
const READING_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "get",
    "contains",
    "contains_key",
    "iter",
    "keys",
    "values",
    "first",
    "last",
    "clone",
    "to_string",
    "to_owned",
    "capacity",
    "is_some",
    "is_none",
];

pub(super) fn reuse(syntax: &FileSyntax<'_>, first: Span, second: Span) -> Option<Suggestion> {
    let first_guard = guard_expression(syntax, first)?;
    let second_guard = guard_expression(syntax, second)?;
    let guard_text = syntax.slice(first_guard.clone());
    if squeeze(guard_text) != squeeze(syntax.slice(second_guard.clone())) {
        return None;
    }
    let both = first_guard.start.min(second_guard.start)..first_guard.end.max(second_guard.end);
    let (block, index) = syntax.statement_around(both)?;
    let statement = &block.stmts[index];
    let (value_range, value_kind) = statement_value(syntax, statement)?;
    let value_text = syntax.slice(value_range.clone());
    let mut uses: Vec<Range<usize>> = Vec::new();
    let mut from = 0;
    while let Some(found) = value_text[from..].find(guard_text) {
        let start = value_range.start + from + found;
        uses.push(start..start + guard_text.len());
        from += found + guard_text.len();
    }
    if !uses.contains(&first_guard) || !uses.contains(&second_guard) {
        return None;
    }
    let receiver = receiver_name(syntax.slice(first.byte_start as usize..first.byte_end as usize));
    let name = identifier(&syntax.fresh_name(&[&receiver, "guard"], statement.to_token_stream()));
    let site_text = syntax.slice(first.byte_start as usize..first.byte_end as usize);
    let reads_only = ["read()", "read_recursive()"]
        .iter()
        .any(|method| site_text.ends_with(method));
    let mutable = !reads_only
        && uses
            .iter()
            .any(|range| writes_through(syntax.text, range.end));
    let mut rewritten = String::new();
    let mut copied = value_range.start;
    for range in &uses {
        rewritten.push_str(&syntax.text[copied..range.start]);
        rewritten.push_str(&name);
        copied = range.end;
    }
    rewritten.push_str(&syntax.text[copied..value_range.end]);
    if starts_like_a_statement(&rewritten) {
        // `{ a } + b` at the start of a block would parse as a block statement.
        rewritten = format!("({rewritten})");
    }
    let indentation = syntax.indentation_at(value_range.start);
    let unit = syntax.indent_unit();
    let replacement = format!(
        "{{\n{indentation}{unit}let {}{name} = {guard_text};\n{indentation}{unit}{}\n{indentation}}}",
        if mutable { "mut " } else { "" },
        indented_deeper(&rewritten, statement.to_token_stream(), unit),
    );
    let prefix = &syntax.text[value_range.start..uses[0].start];
    let runs_nothing_first = !prefix.contains(".await")
        && prefix
            .match_indices('(')
            .all(|(at, _)| prefix[..at].trim_end().ends_with('!'));
    let applicability = if value_kind.owned() && runs_nothing_first {
        Applicability::MachineApplicable
    } else {
        Applicability::MaybeIncorrect
    };
    Some(Suggestion {
        message: format!(
            "lock once for the whole statement and use that guard (`{name}`) for both accesses"
        ),
        edits: vec![syntax.edit(value_range, replacement)],
        applicability,
        sites: Vec::new(),
    })
}

/// Whether an expression written first in a block would be read as a statement (a block,
/// `if`, `match`, a loop, `unsafe { .. }`) and end there.
fn starts_like_a_statement(expression: &str) -> bool {
    let first_word = expression
        .trim_start()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    expression.trim_start().starts_with('{')
        || ["if", "match", "loop", "while", "for", "unsafe"].contains(&first_word)
}

/// The acquisition at `site` (`self.stats.lock()`) with a directly following `.unwrap()`
/// or `.expect("...")`: the expression that is the guard.
pub(super) fn guard_expression(syntax: &FileSyntax<'_>, site: Span) -> Option<Range<usize>> {
    let start = site.byte_start as usize;
    let end = site.byte_end as usize;
    let rest = syntax.text.get(end..)?;
    let trimmed = rest.trim_start();
    let Some(after_dot) = trimmed.strip_prefix('.') else {
        return Some(start..end);
    };
    let after_dot = after_dot.trim_start();
    for method in ["unwrap", "expect"] {
        let Some(after_name) = after_dot.strip_prefix(method) else {
            continue;
        };
        let after_name = after_name.trim_start();
        if !after_name.starts_with('(') {
            continue;
        }
        let close = matching_paren(after_name)?;
        let consumed = rest.len() - after_name.len() + close + 1;
        return Some(start..end + consumed);
    }
    Some(start..end)
}

/// The offset of the `)` closing the `(` at the start of `text` (string literals skipped).
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, character) in text.char_indices() {
        if in_string {
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(offset);
                }
            }
            _ => {}
        }
    }
    None
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `self.stats.lock()` → `stats`; `STATS.lock()` → `stats`.
fn receiver_name(site: &str) -> String {
    let receiver = site.rsplit_once('.').map_or(site, |(receiver, _)| receiver);
    let last = receiver
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(receiver)
        .trim()
        .to_lowercase();
    if last.is_empty() || last == "self" || !last.chars().all(|c| c.is_alphanumeric() || c == '_') {
        "guard".to_string()
    } else {
        last
    }
}

/// Whether the use of the guard ending at `end` writes through it: `.field = `, `+=`, or a
/// method that may need `&mut`.
fn writes_through(text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start();
    let Some(after_dot) = rest.strip_prefix('.') else {
        return false;
    };
    let name_length = after_dot
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after_dot.len());
    let name = &after_dot[..name_length];
    let after = after_dot[name_length..].trim_start();
    if after.starts_with('(') {
        return !READING_METHODS.contains(&name);
    }
    let assigns = ["+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<=", ">>="]
        .iter()
        .any(|operator| after.starts_with(operator));
    assigns || (after.starts_with('=') && !after.starts_with("=="))
}

/// What a statement's value is, for whether a block can hand it out after the guard ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueKind {
    /// Arithmetic, a comparison, an assignment, a formatting macro, an owning method.
    Owned,
    Unknown,
}

impl ValueKind {
    fn owned(self) -> bool {
        self == ValueKind::Owned
    }
}

/// The range of the statement's value (a `let`'s initializer, an expression statement's
/// expression, a macro statement) and what it is.
fn statement_value(
    syntax: &FileSyntax<'_>,
    statement: &syn::Stmt,
) -> Option<(Range<usize>, ValueKind)> {
    match statement {
        syn::Stmt::Local(local) => {
            let init = local.init.as_ref()?;
            if init.diverge.is_some() {
                return None;
            }
            Some((syntax.range(&init.expr), kind_of(&init.expr)))
        }
        syn::Stmt::Expr(expr, _) => Some((syntax.range(expr), kind_of(expr))),
        syn::Stmt::Macro(statement) => {
            let range = syntax.range(&statement.mac);
            Some((range, macro_kind(&statement.mac)))
        }
        syn::Stmt::Item(_) => None,
    }
}

fn kind_of(expr: &syn::Expr) -> ValueKind {
    use syn::BinOp::*;
    match expr {
        syn::Expr::Binary(binary) => match binary.op {
            Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_) | Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_)
            | Ge(_) | And(_) | Or(_) | AddAssign(_) | SubAssign(_) | MulAssign(_)
            | DivAssign(_) | RemAssign(_) => ValueKind::Owned,
            _ => ValueKind::Unknown,
        },
        syn::Expr::Assign(_) => ValueKind::Owned,
        syn::Expr::Macro(mac) => macro_kind(&mac.mac),
        syn::Expr::Paren(inner) => kind_of(&inner.expr),
        syn::Expr::MethodCall(_) => {
            let method = last_method(expr).unwrap_or_default();
            if super::scrutinee::owned_result(&method) {
                ValueKind::Owned
            } else {
                ValueKind::Unknown
            }
        }
        _ => ValueKind::Unknown,
    }
}

fn macro_kind(mac: &syn::Macro) -> ValueKind {
    let name = mac
        .path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default();
    if OWNED_MACROS.contains(&name.as_str()) {
        ValueKind::Owned
    } else {
        ValueKind::Unknown
    }
}
