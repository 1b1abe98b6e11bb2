//! Edits shown as a unified diff (no context lines): each group of edits on neighbouring
//! lines becomes one hunk of the whole lines it touches, before (`-`) and after (`+`).
//! Human output shows a suggestion this way, and `--fix --dry-run` a file's fixes.

use lint_core::Edit;

/// The diff of `edits` on `text`, with `--- a/path` / `+++ b/path` headers; empty when
/// there is nothing to show (no edits, or edits that cannot be applied).
pub fn unified(path: &str, text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.byte_start, edit.span.byte_end));
    let mut out = String::new();
    let mut line_delta: i64 = 0;
    for hunk in group_into_hunks(text, &sorted) {
        let Some(rendered) = render_hunk(text, &hunk, &mut line_delta) else {
            return String::new();
        };
        out.push_str(&rendered);
    }
    if out.is_empty() {
        return out;
    }
    format!("--- a/{path}\n+++ b/{path}\n{out}")
}

/// Edits whose lines touch, with the byte range of the whole lines they cover.
struct Hunk<'e> {
    lines: std::ops::Range<usize>,
    first_line: usize,
    edits: Vec<&'e Edit>,
}

fn group_into_hunks<'e>(text: &str, sorted: &[&'e Edit]) -> Vec<Hunk<'e>> {
    let mut hunks: Vec<Hunk<'e>> = Vec::new();
    for edit in sorted {
        let start = edit.span.byte_start as usize;
        let end = (edit.span.byte_end as usize).min(text.len());
        let Some(line_start) = text
            .get(..start)
            .map(|before| before.rfind('\n').map_or(0, |at| at + 1))
        else {
            continue;
        };
        let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
        match hunks.last_mut() {
            Some(last) if line_start <= last.lines.end + 1 => {
                last.lines.end = last.lines.end.max(line_end);
                last.edits.push(edit);
            }
            _ => hunks.push(Hunk {
                lines: line_start..line_end,
                first_line: text[..line_start].matches('\n').count() + 1,
                edits: vec![edit],
            }),
        }
    }
    hunks
}

fn render_hunk(text: &str, hunk: &Hunk<'_>, line_delta: &mut i64) -> Option<String> {
    let old = text.get(hunk.lines.clone())?;
    let mut new = old.to_string();
    for edit in hunk.edits.iter().rev() {
        let start = (edit.span.byte_start as usize).checked_sub(hunk.lines.start)?;
        let end = (edit.span.byte_end as usize).checked_sub(hunk.lines.start)?;
        if end > new.len() || !new.is_char_boundary(start) || !new.is_char_boundary(end) {
            return None;
        }
        new.replace_range(start..end, &edit.replacement);
    }
    let old_lines: Vec<&str> = old.split('\n').collect();
    let new_lines: Vec<&str> = new.split('\n').collect();
    let new_first = hunk.first_line as i64 + *line_delta;
    *line_delta += new_lines.len() as i64 - old_lines.len() as i64;
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        hunk.first_line,
        old_lines.len(),
        new_first,
        new_lines.len()
    );
    for line in old_lines {
        out.push_str(&format!("-{line}\n"));
    }
    for line in new_lines {
        out.push_str(&format!("+{line}\n"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use lint_core::FileId;

    use super::*;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            span: lint_core::Span::new(FileId(0), start as u32, end as u32),
            replacement: replacement.to_string(),
        }
    }

    #[test]
    fn hunks_show_whole_lines_with_shifted_new_positions() {
        let text = "a\nb = 1;\nc\nd\ne = 2;\n";
        let first = text.find("1").unwrap();
        let second = text.find("2").unwrap();
        let edits = [
            edit(first, first + 1, "1;\nb2 = 3"),
            edit(second, second + 1, "4"),
        ];
        assert_eq!(
            unified("f.rs", text, &edits),
            "--- a/f.rs\n+++ b/f.rs\n@@ -2,1 +2,2 @@\n-b = 1;\n+b = 1;\n+b2 = 3;\n@@ -5,1 +6,1 @@\n-e = 2;\n+e = 4;\n"
        );
    }
}
