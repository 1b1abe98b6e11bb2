//! Finds `// coordlint: allow(rule, ...)` and `// coordlint: allow-file(rule, ...)` comments.
//! A text scan, line by line (comments are not in the token stream): the comment is the
//! first `//` outside a string literal on the line, and the directive must open it
//! (`//`, `//!` or `///`, then `coordlint:`), so prose that quotes the syntax is not one. A
//! string literal spanning lines that contains such a comment is the accepted imprecision.

use super::SpanContext;
use crate::model::Suppression;
use crate::span::Span;

const MARKER: &str = "coordlint:";

/// A directive found on one line, before its target line is known.
struct Directive {
    rules: Vec<String>,
    whole_file: bool,
    /// Byte range of `coordlint: allow(..)` in the file.
    start: usize,
    end: usize,
    /// Nothing but whitespace before the comment.
    alone: bool,
}

pub fn find(context: &SpanContext<'_>, text: &str) -> Vec<Suppression> {
    // Almost no file has one: one substring search instead of a scan of every line.
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut found = Vec::new();
    for (index, (offset, line)) in lines.iter().enumerate() {
        let Some(directive) = directive(*offset, line) else {
            continue;
        };
        let comment_line = index as u32 + 1;
        // A comment after code applies to its line; a comment alone applies to the next
        // line that is not a comment (stacked comments, doc comments and blank lines are
        // skipped), so an item's attributes and docs can sit between it and the item.
        let line = if directive.alone {
            next_code_line(&lines, index)
        } else {
            comment_line
        };
        found.push(Suppression {
            line,
            comment_line,
            span: Span::new(context.file, directive.start as u32, directive.end as u32),
            rules: directive.rules,
            whole_file: directive.whole_file,
        });
    }
    found
}

/// Each line with the byte offset it starts at.
fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split('\n')
        .map(|line| {
            let start = offset;
            offset += line.len() + 1;
            (start, line.strip_suffix('\r').unwrap_or(line))
        })
        .collect()
}

fn directive(offset: usize, line: &str) -> Option<Directive> {
    let comment_start = comment_start(line)?;
    let comment = &line[comment_start..];
    let text = comment.trim_start_matches('/').trim_start_matches('!');
    let marker = comment.len() - text.trim_start().len();
    let after_marker = comment[marker..].strip_prefix(MARKER)?;
    let directive = after_marker.trim_start();
    let (whole_file, rest) = if let Some(rest) = directive.strip_prefix("allow-file(") {
        (true, rest)
    } else if let Some(rest) = directive.strip_prefix("allow(") {
        (false, rest)
    } else {
        return None;
    };
    let close = rest.find(')')?;
    let rules: Vec<String> = rest[..close]
        .split(',')
        .map(|rule| rule.trim().to_string())
        .filter(|rule| !rule.is_empty())
        .collect();
    if rules.is_empty() {
        return None;
    }
    let start = offset + comment_start + marker;
    // `rest` is a suffix of `line`: the `)` is at its `close`.
    let end = offset + (line.len() - rest.len()) + close + 1;
    Some(Directive {
        rules,
        whole_file,
        start,
        end,
        alone: line[..comment_start].trim().is_empty(),
    })
}

/// Where the line's `//` comment starts: the first `//` outside a string or char literal.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' if in_string => index += 1,
            b'"' => in_string = !in_string,
            // A char literal holding a quote (`'"'`) does not open a string.
            b'\'' if !in_string && bytes.get(index + 2) == Some(&b'\'') => index += 2,
            b'/' if !in_string && bytes.get(index + 1) == Some(&b'/') => return Some(index),
            _ => {}
        }
        index += 1;
    }
    None
}

/// The first line after `index` that is neither blank nor only a comment (1-based).
fn next_code_line(lines: &[(usize, &str)], index: usize) -> u32 {
    lines
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, (_, line))| {
            let trimmed = line.trim_start();
            !trimmed.is_empty() && !trimmed.starts_with("//")
        })
        .map_or(index as u32 + 2, |(next, _)| next as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn find_in(text: &str) -> Vec<Suppression> {
        let context = SpanContext::new(FileId(0), text);
        find(&context, text)
    }

    #[test]
    fn reads_line_and_file_directives() {
        let text = "let a = 1; // coordlint: allow(double_lock, coordlint::unbounded_channel) -- reason\n\
                    //! coordlint: allow-file(all)\n// not a directive: coordlint: deny(x)\n";
        let found = find_in(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].rules,
            vec!["double_lock", "coordlint::unbounded_channel"]
        );
        assert!(!found[0].whole_file && found[0].line == 1);
        assert_eq!(
            &text[found[0].span.byte_start as usize..found[0].span.byte_end as usize],
            "coordlint: allow(double_lock, coordlint::unbounded_channel)"
        );
        assert!(found[1].whole_file);
        assert!(found[0].silences("unbounded_channel", 1));
        assert!(!found[0].silences("unbounded_channel", 2));
        let alone = find_in("    // coordlint: allow(double_lock)\n    x.lock();\n");
        assert!(alone[0].silences("double_lock", 2) && !alone[0].silences("double_lock", 1));
    }

    #[test]
    fn prose_and_strings_that_quote_the_syntax_are_not_directives() {
        let text = "/// Write `// coordlint: allow(rule)` to silence one.\n\
                    let url = \"http://x\"; // coordlint: allow(double_lock)\n\
                    let s = \"// coordlint: allow(double_lock)\";\n\
                    let q = '\"'; // coordlint: allow(unbatched_io)\n";
        let found = find_in(text);
        let lines: Vec<(u32, &str)> = found
            .iter()
            .map(|suppression| (suppression.line, suppression.rules[0].as_str()))
            .collect();
        assert_eq!(lines, [(2, "double_lock"), (4, "unbatched_io")]);
    }

    #[test]
    fn a_comment_alone_applies_past_stacked_comments_and_docs() {
        let text = "// coordlint: allow(double_lock) -- a\n// coordlint: allow(unbatched_io)\n/// docs\n\n#[inline]\nfn f() {}\n";
        let found = find_in(text);
        assert_eq!((found[0].comment_line, found[0].line), (1, 5));
        assert_eq!((found[1].comment_line, found[1].line), (2, 5));
    }
}
