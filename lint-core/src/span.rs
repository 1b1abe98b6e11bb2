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
/// in): as its start and its length (a length is nearly always one byte as a varint, an
/// end two or three). Loading gives it the id of the file being loaded
/// ([`crate::model::persist::facts_from_bytes`]). The length wraps, so any pair of offsets
/// reads back as written.
///
/// Inside a function body ([`relative_starts`]) a start is stored as its distance from the
/// start before it (zigzag, so one before is small too): spans of one body follow each
/// other closely, and the distance is one byte where the offset is two or three. Reading
/// goes through the spans in the order they were written, so it sees the same starts.
impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if writing_interface() {
            return serializer.serialize_unit();
        }
        OWN_FILE.with(|own| {
            if let Some((file, _)) = own.get()
                && file != self.file
            {
                own.set(Some((file, true)));
            }
        });
        let start = PREVIOUS_START.with(|previous| match previous.get() {
            Some(before) => {
                previous.set(Some(self.byte_start));
                zigzag(self.byte_start.wrapping_sub(before))
            }
            None => self.byte_start,
        });
        (start, self.byte_end.wrapping_sub(self.byte_start)).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let (stored_start, length) = <(u32, u32)>::deserialize(deserializer)?;
        let byte_start = PREVIOUS_START.with(|previous| match previous.get() {
            Some(before) => {
                let start = before.wrapping_add(unzigzag(stored_start));
                previous.set(Some(start));
                start
            }
            None => stored_start,
        });
        Ok(Span {
            file: crate::model::persist::file_being_loaded(),
            byte_start,
            byte_end: byte_start.wrapping_add(length),
        })
    }
}

thread_local! {
    /// While a body is written or read on this thread: the start of the span before.
    static PREVIOUS_START: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

thread_local! {
    /// While a file's interface is written on this thread ([`interface_only`]).
    static WRITING_INTERFACE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `code` (which writes facts) with spans and function bodies written as nothing:
/// what other files' analysis may read of a file, its interface, without where things
/// are (an edit that moves items or changes a body leaves it as it was). See
/// [`crate::model::persist::interface_digest`].
pub(crate) fn interface_only<T>(code: impl FnOnce() -> T) -> T {
    let outer = WRITING_INTERFACE.with(|writing| writing.replace(true));
    let result = code();
    WRITING_INTERFACE.with(|writing| writing.set(outer));
    result
}

thread_local! {
    /// While one file's results are written on this thread ([`written_in_file`]): the file,
    /// and whether a span of another file was written.
    static OWN_FILE: std::cell::Cell<Option<(FileId, bool)>> = const { std::cell::Cell::new(None) };
}

/// Runs `code` (which writes results of file `file`, whose spans are written without their
/// file and read back as `file`'s) and says whether every span it wrote is in `file`.
pub(crate) fn written_in_file<T>(file: FileId, code: impl FnOnce() -> T) -> (T, bool) {
    let outer = OWN_FILE.with(|own| own.replace(Some((file, false))));
    let result = code();
    let foreign = OWN_FILE
        .with(|own| own.replace(outer))
        .is_some_and(|(_, seen)| seen);
    (result, !foreign)
}

/// Whether spans and bodies are left out of what is written now ([`interface_only`]).
pub(crate) fn writing_interface() -> bool {
    WRITING_INTERFACE.with(std::cell::Cell::get)
}

/// Runs `code` (which writes or reads one body) with its spans' starts stored relative to
/// each other, the first relative to `first_start`; spans outside are stored as they are.
pub(crate) fn relative_starts<T>(first_start: u32, code: impl FnOnce() -> T) -> T {
    let outer = PREVIOUS_START.with(|previous| previous.replace(Some(first_start)));
    let result = code();
    PREVIOUS_START.with(|previous| previous.set(outer));
    result
}

/// A wrapped difference as a small number whether it is small ahead or small behind.
fn zigzag(difference: u32) -> u32 {
    (difference << 1) ^ ((difference as i32 >> 31) as u32)
}

fn unzigzag(stored: u32) -> u32 {
    (stored >> 1) ^ (stored & 1).wrapping_neg()
}

/// Line starts of one file, to turn byte offsets into line/column without rescanning: a
/// column is computed in constant time on ASCII lines, and from the nearest checkpoint (one
/// every [`CHECKPOINT_BYTES`]) on lines with other characters, so even a file that is one
/// multi-megabyte line costs linear time.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LineIndex {
    line_starts: LineStarts,
    /// For each line with a non-ASCII byte: (line, checkpoints of (byte offset, chars before
    /// it on the line)), sorted by line.
    wide_lines: Vec<(u32, Vec<(u32, u32)>)>,
}

/// Where each line starts, in about a byte per line (every file's index is kept for the
/// whole run, and a run reads millions of lines): the start of every
/// [`LINES_PER_BLOCK`]th line, and each line's length in one byte ([`LONG_LINE`] for a
/// line of 255 bytes or more, whose length is in `long_lines`). A line's start is its
/// block's start plus the lengths before it in the block.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct LineStarts {
    block_starts: Vec<u32>,
    /// The length of every line but the last, its `\n` included.
    lengths: Vec<u8>,
    /// (line, length) of the lines marked [`LONG_LINE`], sorted by line.
    long_lines: Vec<(u32, u32)>,
}

const LINES_PER_BLOCK: usize = 64;
const LONG_LINE: u8 = u8::MAX;

impl LineStarts {
    /// From every line's start (the first is 0).
    fn from_starts(every_start: &[u32]) -> LineStarts {
        let mut starts = LineStarts::default();
        for pair in every_start.windows(2) {
            starts.push(pair[0], pair[1] - pair[0]);
        }
        if starts.lengths.len().is_multiple_of(LINES_PER_BLOCK) {
            starts
                .block_starts
                .push(every_start.last().copied().unwrap_or(0));
        }
        starts
    }

    /// Adds the line at `start`, `len` bytes long, as the next line (not the last one).
    fn push(&mut self, start: u32, len: u32) {
        let line = self.lengths.len();
        if line.is_multiple_of(LINES_PER_BLOCK) {
            self.block_starts.push(start);
        }
        match u8::try_from(len) {
            Ok(short) if short != LONG_LINE => self.lengths.push(short),
            _ => {
                self.lengths.push(LONG_LINE);
                self.long_lines.push((line as u32, len));
            }
        }
    }

    fn count(&self) -> usize {
        self.lengths.len() + 1
    }

    // The lookups below never index out of bounds, even on an index read back from a
    // damaged cache entry: they answer something wrong instead of stopping the run.

    fn length(&self, line: usize) -> u32 {
        match self.lengths.get(line).copied().unwrap_or(0) {
            LONG_LINE => self
                .long_lines
                .binary_search_by_key(&(line as u32), |(long, _)| *long)
                .map_or(0, |found| self.long_lines[found].1),
            short => u32::from(short),
        }
    }

    /// The start of `line`, which must be below [`LineStarts::count`].
    fn start(&self, line: usize) -> u32 {
        let block = line / LINES_PER_BLOCK;
        let first = block * LINES_PER_BLOCK;
        let block_start = self.block_starts.get(block).copied().unwrap_or(0);
        (first..line).fold(block_start, |start, before| {
            start.saturating_add(self.length(before))
        })
    }

    /// The line holding `offset` (the last line for an offset past the end).
    fn line_of(&self, offset: u32) -> usize {
        let block = self
            .block_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let mut line = block * LINES_PER_BLOCK;
        let mut start = self.block_starts.get(block).copied().unwrap_or(0);
        while line < self.lengths.len() {
            let next = start.saturating_add(self.length(line));
            if next > offset {
                break;
            }
            start = next;
            line += 1;
        }
        line
    }
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
        LineIndex::with_table(text, &LineStartTable::new(text))
    }

    /// The index of `text`, whose every line start `table` has.
    pub fn with_table(text: &str, table: &LineStartTable) -> LineIndex {
        let line_starts = LineStarts::from_starts(&table.starts);
        let mut wide_lines = Vec::new();
        // Most files are ASCII throughout: one check for all their lines.
        if !text.is_ascii() {
            let mut start = 0;
            for (line, line_text) in text.split_inclusive('\n').enumerate() {
                if !line_text.is_ascii() {
                    wide_lines.push((line as u32, checkpoints(line_text, start)));
                }
                start += line_text.len() as u32;
            }
        }
        LineIndex {
            line_starts,
            wide_lines,
        }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts.line_of(offset)
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts
            .start(line.min(self.line_starts.count() - 1))
    }

    /// A span for 1-based `line` from 1-based `column` to the end of the line, when only a
    /// line and column are known (columns are taken as bytes; exact for ASCII lines).
    pub fn line_span(&self, file: FileId, line: u32, column: u32) -> Option<Span> {
        let index = (line as usize).checked_sub(1)?;
        if index >= self.line_starts.count() {
            return None;
        }
        let line_start = self.line_starts.start(index);
        let line_end = if index + 1 < self.line_starts.count() {
            self.line_starts.start(index + 1).saturating_sub(1)
        } else {
            line_start
        };
        let start = (line_start + column.saturating_sub(1)).min(line_end);
        Some(Span::new(file, start, line_end.max(start)))
    }

    /// Whether 0-based `line` has a character outside ASCII.
    fn is_wide(&self, line: usize) -> bool {
        self.wide_lines
            .binary_search_by_key(&(line as u32), |(wide, _)| *wide)
            .is_ok()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.count()
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

/// Every line's start, four bytes each, for lowering, which looks a line up for every span
/// it converts ([`LineIndex`], kept for the whole run, takes about a byte per line and up
/// to [`LINES_PER_BLOCK`] steps to find a start).
pub struct LineStartTable {
    starts: Vec<u32>,
}

impl LineStartTable {
    pub fn new(text: &str) -> LineStartTable {
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes());
        let starts = std::iter::once(0)
            .chain(newlines.map(|offset| offset as u32 + 1))
            .collect();
        LineStartTable { starts }
    }

    /// The byte offset of 1-based `line` and 0-based `column` (in chars) when that line is
    /// all ASCII (`index` is the same text's), where a column counts bytes; `None` on other
    /// lines and past the last line.
    pub fn ascii_offset(&self, index: &LineIndex, line: usize, column: usize) -> Option<u32> {
        let line = line.checked_sub(1)?;
        let start = *self.starts.get(line)?;
        (!index.is_wide(line)).then(|| start + column as u32)
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

    /// Stored as start and length, read back as written (an end before the start too),
    /// with the id of the file being loaded.
    #[test]
    fn spans_are_stored_as_start_and_length() {
        for (start, end) in [(5, 9), (70_000, 70_001), (9, 5), (0, u32::MAX)] {
            let span = Span::new(FileId(2), start, end);
            let bytes = postcard::to_stdvec(&span).unwrap();
            let back: Span = crate::model::persist::loading_as(FileId(7), || {
                postcard::from_bytes(&bytes).unwrap()
            });
            assert_eq!(back, Span::new(FileId(7), start, end));
        }
        let short = postcard::to_stdvec(&Span::new(FileId(0), 70_000, 70_001)).unwrap();
        assert_eq!(short.len(), 4, "a three-byte start and a one-byte length");
    }

    /// Inside a body each start is stored as its distance from the one before (forward,
    /// backward, wrapping around): read back in the same order, every span is as written,
    /// and a span near the one before takes two bytes.
    #[test]
    fn spans_in_a_body_are_stored_relative_to_the_one_before() {
        let spans: Vec<Span> = [(70_000, 70_010), (70_004, 70_006), (69_990, 70_020)]
            .into_iter()
            .chain([(0, 3), (u32::MAX, 0), (5, 5), (u32::MAX - 1, u32::MAX)])
            .map(|(start, end)| Span::new(FileId(2), start, end))
            .collect();
        let bytes = relative_starts(70_000, || postcard::to_stdvec(&spans).unwrap());
        let back: Vec<Span> = crate::model::persist::loading_as(FileId(2), || {
            relative_starts(70_000, || postcard::from_bytes(&bytes).unwrap())
        });
        assert_eq!(back, spans);
        let near = relative_starts(70_000, || {
            postcard::to_stdvec(&Span::new(FileId(0), 70_040, 70_041)).unwrap()
        });
        assert_eq!(near.len(), 2, "a one-byte distance and a one-byte length");
        // Outside a body, starts are absolute again.
        let outside = postcard::to_stdvec(&Span::new(FileId(0), 70_000, 70_001)).unwrap();
        assert_eq!(outside.len(), 4);
        for difference in [0, 1, 2, u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1] {
            assert_eq!(unzigzag(zigzag(difference)), difference);
        }
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ab\nçd x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(index.line_col(text, x), LineCol { line: 2, column: 4 });
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn line_starts_agree_with_counting_newlines() {
        let long = "x".repeat(300);
        let many: String = (0..200).map(|i| format!("line {i}\n")).collect();
        let mixed: String = (0..150)
            .map(|i| {
                if i % 9 == 0 {
                    format!("{long}\n")
                } else {
                    "ab\n".to_string()
                }
            })
            .collect();
        let exactly_a_block = "\n".repeat(LINES_PER_BLOCK);
        for text in [
            "",
            "a",
            "\n",
            "a\nb",
            "a\nb\n",
            &long,
            &many,
            &mixed,
            &exactly_a_block,
        ] {
            let starts: Vec<u32> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at as u32 + 1))
                .collect();
            let index = LineIndex::new(text);
            assert_eq!(index.line_count(), starts.len());
            for (line, start) in starts.iter().enumerate() {
                assert_eq!(index.line_start(line), *start, "line {line}");
            }
            for offset in 0..=text.len() as u32 + 2 {
                let expected = starts.partition_point(|start| *start <= offset) - 1;
                assert_eq!(index.line_of(offset), expected, "offset {offset}");
            }
        }
    }

    #[test]
    fn an_index_without_its_blocks_answers_without_panicking() {
        // What a damaged cache entry could decode to.
        let damaged = LineIndex {
            line_starts: LineStarts {
                block_starts: Vec::new(),
                lengths: vec![LONG_LINE, 3],
                long_lines: Vec::new(),
            },
            wide_lines: Vec::new(),
        };
        for offset in [0, 1, 5, u32::MAX] {
            let line = damaged.line_of(offset);
            assert!(line < damaged.line_count());
        }
        assert_eq!(damaged.line_start(7), 3);
        assert!(damaged.line_span(FileId(0), 2, 1).is_some());
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
