//! A miette source with a precomputed line index: miette's built-in sources rescan the file
//! from the start for every label, which is slow with many findings in big files.

use std::sync::{Arc, OnceLock};

use super::escape;
use lint_core::{LineCol, LineIndex};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// One file's text, shared by every report about it. The text shown and its line index are
/// made when a report first reads the file: a run reads thousands of files and reports on
/// a few.
#[derive(Clone, Debug)]
pub struct IndexedSource {
    name: String,
    raw: Arc<str>,
    /// Whether the text is shown through [`escape::source_text`].
    escape: bool,
    shown: OnceLock<Shown>,
    /// The line index of `raw`, for positions as the other outputs give them.
    raw_lines: OnceLock<LineIndex>,
}

#[derive(Clone, Debug)]
struct Shown {
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl IndexedSource {
    /// A source shown as `text` is.
    pub fn new(name: String, text: Arc<str>) -> IndexedSource {
        IndexedSource {
            name,
            raw: text,
            escape: false,
            shown: OnceLock::new(),
            raw_lines: OnceLock::new(),
        }
    }

    /// An analyzed file, its unsafe characters replaced when shown
    /// ([`escape::source_text`]).
    pub fn escaped(name: String, text: Arc<str>) -> IndexedSource {
        IndexedSource {
            escape: true,
            ..IndexedSource::new(name, text)
        }
    }

    fn shown(&self) -> &Shown {
        self.shown.get_or_init(|| {
            let text = if self.escape {
                escape::source_text(&self.raw)
            } else {
                self.raw.clone()
            };
            let lines = Arc::new(LineIndex::new(&text));
            Shown { text, lines }
        })
    }

    pub fn text(&self) -> &str {
        &self.shown().text
    }

    /// The line and column (1-based, in chars) of a byte offset of the file as read.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.raw_lines
            .get_or_init(|| LineIndex::new(&self.raw))
            .line_col(&self.raw, offset)
    }

    /// The file's display path.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let Shown { text, lines } = self.shown();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_span_line = lines.line_of(start as u32);
        let last_span_line = lines.line_of(end.saturating_sub(1).max(start) as u32);
        let (first_line, data_start, column) = if context_lines_before == 0 {
            let line_start = lines.line_start(first_span_line) as usize;
            let column = text[line_start..start].chars().count();
            (first_span_line, start, column)
        } else {
            let first_line = first_span_line.saturating_sub(context_lines_before);
            (first_line, lines.line_start(first_line) as usize, 0)
        };
        let last_line = (last_span_line + context_lines_after).min(lines.line_count() - 1);
        let data_end = if last_line + 1 < lines.line_count() {
            lines.line_start(last_line + 1) as usize
        } else {
            text.len()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[data_start..data_end],
            SourceSpan::from((data_start, data_end - data_start)),
            first_line,
            column,
            last_line - first_line + 1,
        )))
    }
}
