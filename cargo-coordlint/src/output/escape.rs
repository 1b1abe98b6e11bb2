//! Output safety: text from the analyzed code (source excerpts, file names, names quoted in
//! messages) must not drive the terminal or forge lines. Control characters, Unicode format
//! characters (right-to-left overrides, zero-width characters) and line breaks in one-line
//! contexts are shown as escapes; source buffers keep their byte length so spans still
//! point at the right place.

use std::borrow::Cow;
use std::sync::Arc;

/// Whether a character must not reach a terminal as is: C0 and C1 controls (escape
/// sequences), DEL, and the format characters that reorder or hide text.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Text for one line of output (a path, a message): every unsafe character, newlines and
/// tabs included, as `\u{..}` (or `\n`, `\t`, `\r`).
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push_str("\\t"),
            '\r' => escaped.push_str("\\r"),
            c if is_unsafe(c) => escaped.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// Text that may span lines (notes, help): like [`one_line`] but keeps line breaks.
pub fn multi_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(one_line).collect();
    Cow::Owned(lines.join("\n"))
}

/// A source file for excerpts: every unsafe character but newlines and tabs replaced by a
/// visible one of the same UTF-8 length (`?`, `¿`, `�`), so byte offsets are unchanged.
pub fn source_text(text: &Arc<str>) -> Arc<str> {
    let unsafe_in_source = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\t' | '\r');
    if !text.chars().any(unsafe_in_source) {
        return text.clone();
    }
    let replaced: String = text
        .chars()
        .map(|c| {
            if !unsafe_in_source(c) {
                return c;
            }
            match c.len_utf8() {
                1 => '?',
                2 => '\u{BF}',
                _ => '\u{FFFD}',
            }
        })
        .collect();
    debug_assert_eq!(replaced.len(), text.len());
    replaced.into()
}

/// A finding with every text escaped for a terminal (message and labels on one line; help
/// and notes may span lines).
pub fn diagnostic(diagnostic: &lint_core::Diagnostic) -> lint_core::Diagnostic {
    let mut escaped = diagnostic.clone();
    escaped.message = one_line(&diagnostic.message).into_owned();
    for label in std::iter::once(&mut escaped.primary).chain(escaped.secondary.iter_mut()) {
        label.message = one_line(&label.message).into_owned();
    }
    escaped.help = diagnostic
        .help
        .as_deref()
        .map(|help| multi_line(help).into_owned());
    for note in &mut escaped.notes {
        *note = multi_line(note).into_owned();
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_keep_offsets_in_sources_and_show_everything_elsewhere() {
        let source: Arc<str> = "let s = \"\u{1b}[31m\u{202e}x\u{85}\";\n".into();
        let shown = source_text(&source);
        assert_eq!(shown.len(), source.len());
        assert!(
            !shown
                .chars()
                .any(|c| c == '\u{1b}' || c == '\u{202e}' || c == '\u{85}')
        );
        assert_eq!(one_line("a\nb\u{1b}"), "a\\nb\\u{1b}");
        assert_eq!(multi_line("a\nb\u{202e}"), "a\nb\\u{202e}");
        assert_eq!(one_line("src/lib.rs"), "src/lib.rs");
    }
}
