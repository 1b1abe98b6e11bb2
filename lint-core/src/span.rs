//! Source positions in the project's own terms: a file, a byte range and line/column pairs.
//!
//! Spans are converted from `proc-macro2` once, at the lowering boundary; nothing past
//! lowering ever sees a syn span.

/// Index of a file in the analyzed set (the order the caller passed the sources in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A 1-based line and a 1-based column counted in Unicode scalar values, as rustc reports them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// A region of one source file: its byte range. `end` is exclusive, like rustc's
/// `byte_end`. Spans are most of what the facts hold (every expression has one), so they
/// carry no line or column: the outputs compute those from the file's text
/// ([`LineIndex::line_col`]), and the few passes that need a line ask the file's
/// [`LineIndex`] (`FileFacts::lines`). Ordering spans of one file by their byte range
/// orders them by line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub byte_start: u32,
    pub byte_end: u32,
}

impl Span {
    /// The span of `byte_start..byte_end` in `file`.
    pub fn new(file: FileId, byte_start: u32, byte_end: u32) -> Span {
        Span {
            file,
            byte_start,
            byte_end,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            byte_start: self.byte_start.min(other.byte_start),
            byte_end: self.byte_end.max(other.byte_end),
        }
    }

    /// An empty span at the start of this one.
    pub fn shrink_to_start(self) -> Span {
        Span {
            byte_end: self.byte_start,
            ..self
        }
    }

    /// Whether `other` lies within this span.
    pub fn contains(self, other: Span) -> bool {
        self.file == other.file
            && self.byte_start <= other.byte_start
            && other.byte_end <= self.byte_end
    }
}

/// A span is stored without its file (the file's id depends on the order files are found
/// in): as its byte range. Loading gives it the id of the file being loaded
/// ([`crate::model::persist::facts_from_bytes`]).
impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.byte_start, self.byte_end).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let (byte_start, byte_end) = <(u32, u32)>::deserialize(deserializer)?;
        Ok(Span {
            file: crate::model::persist::file_being_loaded(),
            byte_start,
            byte_end,
        })
    }
}

/// Line starts of one file, to turn byte offsets into line/column without rescanning: a
/// column is computed in constant time on ASCII lines, and from the nearest checkpoint (one
/// every [`CHECKPOINT_BYTES`]) on lines with other characters, so even a file that is one
/// multi-megabyte line costs linear time.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// For each line with a non-ASCII byte: (line, checkpoints of (byte offset, chars before
    /// it on the line)), sorted by line.
    wide_lines: Vec<(u32, Vec<(u32, u32)>)>,
}

/// Distance between two column checkpoints on a non-ASCII line.
const CHECKPOINT_BYTES: u32 = 256;

impl Default for LineIndex {
    /// The index of an empty file.
    fn default() -> Self {
        LineIndex::new("")
    }
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts
            .extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|offset| offset as u32 + 1));
        let mut wide_lines = Vec::new();
        // Most files are ASCII throughout: one check for all their lines.
        let lines_to_check = if text.is_ascii() {
            &[][..]
        } else {
            &line_starts[..]
        };
        for (line, start) in lines_to_check.iter().enumerate() {
            let end = line_starts
                .get(line + 1)
                .map_or(text.len(), |next| *next as usize);
            let line_text = &text[*start as usize..end];
            if !line_text.is_ascii() {
                wide_lines.push((line as u32, checkpoints(line_text, *start)));
            }
        }
        LineIndex {
            line_starts,
            wide_lines,
        }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts[line.min(self.line_starts.len() - 1)]
    }

    /// A span for 1-based `line` from 1-based `column` to the end of the line, when only a
    /// line and column are known (columns are taken as bytes; exact for ASCII lines).
    pub fn line_span(&self, file: FileId, line: u32, column: u32) -> Option<Span> {
        let index = (line as usize).checked_sub(1)?;
        if index >= self.line_starts.len() {
            return None;
        }
        let line_start = self.line_starts[index];
        let line_end = self
            .line_starts
            .get(index + 1)
            .map_or(line_start, |next| next.saturating_sub(1));
        let start = (line_start + column.saturating_sub(1)).min(line_end);
        Some(Span::new(file, start, line_end.max(start)))
    }

    /// The byte offset of 1-based `line` and 0-based `column` (in chars) when that line is
    /// all ASCII, where a column counts bytes; `None` on other lines and past the last line.
    pub fn ascii_offset(&self, line: usize, column: usize) -> Option<u32> {
        let index = line.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let wide = self
            .wide_lines
            .binary_search_by_key(&(index as u32), |(wide, _)| *wide)
            .is_ok();
        (!wide).then(|| start + column as u32)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line and column (both 1-based, column in chars) of a byte offset in `text`.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = match self
            .wide_lines
            .binary_search_by_key(&(line as u32), |(wide, _)| *wide)
        {
            Err(_) => offset - start,
            Ok(found) => {
                let marks = &self.wide_lines[found].1;
                let before = marks.partition_point(|(mark, _)| *mark <= offset);
                let (mark, chars) = if before == 0 {
                    (start, 0)
                } else {
                    marks[before - 1]
                };
                let between = text.get(mark as usize..offset as usize).unwrap_or("");
                chars + between.chars().count() as u32
            }
        };
        LineCol {
            line: line as u32 + 1,
            column: column + 1,
        }
    }

    /// Where `span` of this index's file starts and ends in `text`, the file's text.
    pub fn positions(&self, text: &str, span: Span) -> (LineCol, LineCol) {
        (
            self.line_col(text, span.byte_start),
            self.line_col(text, span.byte_end),
        )
    }

    /// The 1-based line of a byte offset (no text needed).
    pub fn line_number(&self, offset: u32) -> u32 {
        self.line_of(offset) as u32 + 1
    }
}

/// (byte offset, chars from the line start) about every [`CHECKPOINT_BYTES`] on a line,
/// each at a char boundary.
fn checkpoints(line: &str, line_start: u32) -> Vec<(u32, u32)> {
    let mut marks = Vec::new();
    let mut next_mark = CHECKPOINT_BYTES;
    for (chars, (byte, _)) in line.char_indices().enumerate() {
        if byte as u32 >= next_mark {
            marks.push((line_start + byte as u32, chars as u32));
            next_mark = byte as u32 + CHECKPOINT_BYTES;
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ab\nçd x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(index.line_col(text, x), LineCol { line: 2, column: 4 });
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn columns_on_long_wide_lines_match_counting_chars() {
        let text: String = (0..2_000)
            .map(|i| if i % 7 == 0 { 'é' } else { 'a' })
            .collect();
        let index = LineIndex::new(&text);
        for (byte, _) in text.char_indices().step_by(37) {
            let expected = text[..byte].chars().count() as u32 + 1;
            assert_eq!(index.line_col(&text, byte as u32).column, expected);
        }
    }
}
