//! Finds `// coordlint: allow(rule, ...)` and `// coordlint: allow-file(rule, ...)` comments.
//! A text scan (comments are not in the token stream); a directive inside a string literal
//! that happens to look like a line comment is the accepted imprecision.

use crate::model::Suppression;

const MARKER: &str = "coordlint:";

pub fn find(text: &str) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(comment_start) = line.find("//") else {
            continue;
        };
        let comment = &line[comment_start..];
        let Some(marker) = comment.find(MARKER) else {
            continue;
        };
        let directive = comment[marker + MARKER.len()..].trim_start();
        let (whole_file, rest) = if let Some(rest) = directive.strip_prefix("allow-file(") {
            (true, rest)
        } else if let Some(rest) = directive.strip_prefix("allow(") {
            (false, rest)
        } else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let rules: Vec<String> = rest[..close]
            .split(',')
            .map(|rule| rule.trim().to_string())
            .filter(|rule| !rule.is_empty())
            .collect();
        // A comment after code applies to its line; a comment alone to the next line.
        let alone = line[..comment_start].trim().is_empty();
        if !rules.is_empty() {
            found.push(Suppression {
                line: index as u32 + 1 + u32::from(alone),
                rules,
                whole_file,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_line_and_file_directives() {
        let text = "let a = 1; // coordlint: allow(double_lock, coordlint::unbounded_channel) -- reason\n\
                    //! coordlint: allow-file(all)\n// not a directive: coordlint: deny(x)\n";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].rules,
            vec!["double_lock", "coordlint::unbounded_channel"]
        );
        assert!(!found[0].whole_file && found[0].line == 1);
        assert!(found[1].whole_file);
        assert!(found[0].silences("unbounded_channel", 1));
        assert!(!found[0].silences("unbounded_channel", 2));
        let alone = find("    // coordlint: allow(double_lock)\n    x.lock();\n");
        assert!(alone[0].silences("double_lock", 2) && !alone[0].silences("double_lock", 1));
    }
}
