//! A miette source with a precomputed line index: miette's built-in sources rescan the file
//! from the start for every label, which is slow with many findings in big files.

use std::sync::Arc;

use lint_core::LineIndex;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// One file's text, shared by every report about it.
#[derive(Clone, Debug)]
pub struct IndexedSource {
    name: String,
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl IndexedSource {
    pub fn new(name: String, text: Arc<str>) -> IndexedSource {
        let lines = Arc::new(LineIndex::new(&text));
        IndexedSource { name, text, lines }
    }

    pub fn text(&self) -> &str {
        &self.text
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
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_span_line = self.lines.line_of(start as u32);
        let last_span_line = self.lines.line_of(end.saturating_sub(1).max(start) as u32);
        let (first_line, data_start, column) = if context_lines_before == 0 {
            let line_start = self.lines.line_start(first_span_line) as usize;
            let column = self.text[line_start..start].chars().count();
            (first_span_line, start, column)
        } else {
            let first_line = first_span_line.saturating_sub(context_lines_before);
            (first_line, self.lines.line_start(first_line) as usize, 0)
        };
        let last_line = (last_span_line + context_lines_after).min(self.lines.line_count() - 1);
        let data_end = if last_line + 1 < self.lines.line_count() {
            self.lines.line_start(last_line + 1) as usize
        } else {
            self.text.len()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[data_start..data_end],
            SourceSpan::from((data_start, data_end - data_start)),
            first_line,
            column,
            last_line - first_line + 1,
        )))
    }
}
