//! Lowering: the module that turns `syn` into the model (only `fixes`, after the rules, also
//! reads syn). Parses one file and turns it into
//! [`FileFacts`], the project's own syntax model; the syn tree is dropped afterwards.
//!
//! Lowering never fails: a file that does not lex or parse, or that nests deeper than the
//! analysis walks safely, becomes a [`ParseFailure`] and an otherwise empty `FileFacts`.

mod body;
mod cfg;
mod cfg_if;
mod items;
mod macros;
mod nesting_bound;
mod suppressions;
mod syntax;
mod token_spans;
mod tokens;
mod unread_text;

use proc_macro2::TokenStream;

use crate::model::{FileFacts, ParseFailure, SharedType, TypeRef};
use crate::source::SourceFile;
use crate::span::{FileId, LineIndex, LineStartTable, Span};

pub use tokens::{MAX_OPERATOR_RUN, MAX_TOKEN_NESTING};

/// Deepest expression nesting lowering follows (else-if chains and method chains nest
/// without brackets).
pub const MAX_EXPR_NESTING: usize = 1_000;

/// Parses and lowers `source`, the file known to the analysis as `file`. The item extents
/// are kept only when the file has suppression comments (see [`FileFacts::items`]).
pub fn lower_file(file: FileId, source: &SourceFile) -> FileFacts {
    lower_file_keeping(file, source, false, true)
}

/// The lines and names of every item of `source` (see [`crate::model::ItemExtent`]).
pub fn item_extents(source: &SourceFile) -> Vec<crate::model::ItemExtent> {
    lower_file_keeping(FileId(0), source, true, true).items
}

/// [`lower_file`], keeping the item extents when asked to or when the file has
/// suppression comments, and parsing the text with its unread parts blanked
/// ([`unread_text`]) unless told not to (for the test that checks blanking changes
/// nothing).
fn lower_file_keeping(
    file: FileId,
    source: &SourceFile,
    all_extents: bool,
    blank_unread: bool,
) -> FileFacts {
    let text = blank_out_shebang_and_bom(&source.text);
    let context = SpanContext::new(file, &text);
    let suppressions = suppressions::find(&context, &text);
    let keep_extents = all_extents || !suppressions.is_empty();
    let mut facts = FileFacts {
        file,
        crate_name: source.crate_name.clone(),
        edition: source.edition,
        ..FileFacts::default()
    };
    // Doc comments stay when item extents are kept: an item's lines start at its first
    // attribute.
    let (parsed_text, bound) = if blank_unread {
        unread_text::blank_and_bound(&text, !keep_extents)
    } else {
        (None, None)
    };
    match parse(
        &context,
        parsed_text.as_deref().unwrap_or(&text),
        source.edition,
        bound,
    ) {
        Ok(syntax) => {
            let outcome = items::lower_items(&context, source, syntax, &mut facts, keep_extents);
            if let Err(failure) = outcome {
                facts = FileFacts {
                    file,
                    crate_name: source.crate_name.clone(),
                    edition: source.edition,
                    parse_failure: Some(failure),
                    ..FileFacts::default()
                };
            }
        }
        Err(failure) => facts.parse_failure = Some(failure),
    }
    facts
        .integer_literals
        .sort_by_key(|(span, _)| (span.byte_start, span.byte_end));
    facts
        .collection_literals
        .sort_by_key(|(span, _)| (span.byte_start, span.byte_end));
    facts.suppressions = suppressions;
    facts.path = source.path.clone();
    facts.package = source.package.clone();
    facts.lines = context.lines;
    facts.shrink_to_fit();
    // Spans were converted to our own type above; free proc-macro2's per-thread source map
    // so memory stays flat over thousands of files.
    proc_macro2::extra::invalidate_current_thread_spans();
    facts
}

/// What lowering one file keeps at hand: its text and line starts (a `u32` each while it
/// converts spans, the compact index the facts keep), to convert proc-macro2 spans into
/// [`Span`]s, and the written types already lowered, which the file's
/// signatures, fields and `let`s share ([`crate::model::SharedType`]).
pub(crate) struct SpanContext<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub lines: LineIndex,
    line_starts: LineStartTable,
    shared_types: std::cell::RefCell<crate::hash::HashMap<TypeRef, SharedType>>,
}

impl<'a> SpanContext<'a> {
    pub fn new(file: FileId, text: &'a str) -> SpanContext<'a> {
        let line_starts = LineStartTable::new(text);
        SpanContext {
            file,
            text,
            lines: LineIndex::with_table(text, &line_starts),
            line_starts,
            shared_types: Default::default(),
        }
    }

    /// `ty`, as the one shared copy of it for this file.
    pub fn share_type(&self, ty: TypeRef) -> SharedType {
        self.shared_types
            .borrow_mut()
            .entry(ty)
            .or_insert_with_key(|ty| SharedType::new(ty.clone()))
            .clone()
    }

    /// Where `span` is in the file. proc-macro2 counts positions in chars; on ASCII lines
    /// (almost all) its line and column give the byte offsets directly, which is much
    /// cheaper than its `byte_range` (a char-to-byte table it fills as it goes).
    pub fn convert(&self, span: proc_macro2::Span) -> Span {
        self.convert_on_ascii_lines(span)
            .unwrap_or_else(|| self.convert_by_byte_range(span))
    }

    /// [`SpanContext::convert`] when both ends are on ASCII lines.
    fn convert_on_ascii_lines(&self, span: proc_macro2::Span) -> Option<Span> {
        let (start, end) = (span.start(), span.end());
        let ascii = |position: proc_macro2::LineColumn| {
            self.line_starts
                .ascii_offset(&self.lines, position.line, position.column)
        };
        if let (Some(byte_start), Some(byte_end)) = (ascii(start), ascii(end))
            && byte_start <= byte_end
            && byte_end as usize <= self.text.len()
        {
            return Some(Span::new(self.file, byte_start, byte_end));
        }
        None
    }

    /// The span of one token written `token` (a name as `to_string` writes it, `r#`
    /// included; a keyword; one punctuation character), from its start alone when the
    /// text there is `token` (and, for a word, no longer word): half of
    /// [`SpanContext::convert`]'s lookups. Anything else (a name the edition rewrite made,
    /// a line that is not ASCII) goes through `convert`, so the span is the same.
    pub fn convert_token(&self, span: proc_macro2::Span, token: &str) -> Span {
        if token.is_empty() {
            return self.convert(span);
        }
        let start = span.start();
        if let Some(byte_start) =
            self.line_starts
                .ascii_offset(&self.lines, start.line, start.column)
        {
            let (from, to) = (byte_start as usize, byte_start as usize + token.len());
            let bytes = self.text.as_bytes();
            let in_word =
                |byte: &u8| byte.is_ascii_alphanumeric() || *byte == b'_' || *byte >= 0x80;
            let cut_word =
                token.as_bytes().last().is_some_and(in_word) && bytes.get(to).is_some_and(in_word);
            if bytes.get(from..to) == Some(token.as_bytes()) && !cut_word {
                return Span::new(self.file, byte_start, to as u32);
            }
        }
        self.convert(span)
    }

    fn convert_by_byte_range(&self, span: proc_macro2::Span) -> Span {
        let range = span.byte_range();
        let end = (range.end as u32).min(self.text.len() as u32);
        let start = (range.start as u32).min(end);
        Span::new(self.file, start, end)
    }
}

/// The syn tree of `text` as lowering parses it (BOM and shebang blanked, nesting checked,
/// edition keywords rewritten), with byte offsets into `text`; `None` if it does not parse.
/// For [`crate::fixes`], which re-reads one file's syntax to write a fix. The caller resets
/// proc-macro2's span table (`proc_macro2::extra::invalidate_current_thread_spans`) before
/// and after, as [`lower_file`] does.
pub(crate) fn parse_syntax(text: &str, edition: crate::source::Edition) -> Option<syn::File> {
    let text = blank_out_shebang_and_bom(text);
    let context = SpanContext::new(FileId(0), &text);
    parse(&context, &text, edition, None).ok()
}

/// For the test suite: whether the text-level bound of `text` ([`nesting_bound`]) is at or
/// above what the token check measures (`Ok`), or how the token check goes past it. `None`
/// when the text does not tokenize or the scan gives no bound.
#[doc(hidden)]
pub fn nesting_bound_covers_tokens(text: &str) -> Option<Result<(), String>> {
    let tokens: TokenStream = text.parse().ok()?;
    let bound = nesting_bound::nesting_bound(text)?;
    Some(
        tokens::check_nesting_within(&tokens, bound.max_level, bound.max_run)
            .map_err(|too_deep| format!("{bound:?}: {}", too_deep.message)),
    )
}

/// For the test suite: whether the bound the blanking pass counts on `text`
/// ([`unread_text::blank_and_bound`]) is at or above what the token check measures on the
/// text lowering parses (`text` with its unread parts blanked), and at or above the text
/// scan's bound there (`Ok`), or how it falls short. `None` when either pass cannot read
/// the text.
#[doc(hidden)]
pub fn blanking_bound_covers_tokens(text: &str) -> Option<Result<(), String>> {
    let (blanked, bound) = unread_text::blank_and_bound(text, true);
    let bound = bound?;
    let parsed = blanked.as_deref().unwrap_or(text);
    let tokens: TokenStream = parsed.parse().ok()?;
    let scanned = nesting_bound::nesting_bound(parsed)?;
    if bound.max_level < scanned.max_level || bound.max_run < scanned.max_run {
        return Some(Err(format!(
            "blanking's bound {bound:?} is below the text scan's {scanned:?}"
        )));
    }
    Some(
        tokens::check_nesting_within(&tokens, bound.max_level, bound.max_run)
            .map_err(|too_deep| format!("{bound:?}: {}", too_deep.message)),
    )
}

/// For the test suite: whether [`SpanContext::convert_token`] gives every name,
/// punctuation character and closing bracket of `text` the span [`SpanContext::convert`]
/// gives it (`Ok`), in edition 2015 too, where the rewrite makes raw names of keywords;
/// or the first token where they differ. `None` when the text does not tokenize.
#[doc(hidden)]
pub fn token_spans_agree(text: &str) -> Option<Result<(), String>> {
    fn check(context: &SpanContext<'_>, tokens: TokenStream) -> Result<(), String> {
        let mut stack = vec![tokens];
        while let Some(stream) = stack.pop() {
            for token in stream {
                match token {
                    proc_macro2::TokenTree::Ident(ident) => {
                        let name = ident.to_string();
                        let (by_name, whole) = (
                            context.convert_token(ident.span(), &name),
                            context.convert(ident.span()),
                        );
                        if by_name != whole {
                            return Err(format!("`{name}`: {by_name:?} against {whole:?}"));
                        }
                    }
                    proc_macro2::TokenTree::Group(group) => {
                        let closer = match group.delimiter() {
                            proc_macro2::Delimiter::Parenthesis => ")",
                            proc_macro2::Delimiter::Bracket => "]",
                            proc_macro2::Delimiter::Brace => "}",
                            proc_macro2::Delimiter::None => "",
                        };
                        let close = group.span_close();
                        if !closer.is_empty()
                            && context.convert_token(close, closer) != context.convert(close)
                        {
                            return Err(format!("`{closer}` at {:?}", context.convert(close)));
                        }
                        stack.push(group.stream());
                    }
                    proc_macro2::TokenTree::Punct(punct) => {
                        let written = punct.as_char().to_string();
                        let span = punct.span();
                        if context.convert_token(span, &written) != context.convert(span) {
                            return Err(format!("`{written}` at {:?}", context.convert(span)));
                        }
                    }
                    proc_macro2::TokenTree::Literal(_) => {}
                }
            }
        }
        Ok(())
    }
    let text = blank_out_shebang_and_bom(text);
    let context = SpanContext::new(FileId(0), &text);
    let tokens: TokenStream = text.parse().ok()?;
    let outcome = [crate::source::Edition::E2015, crate::source::Edition::E2021]
        .into_iter()
        .try_for_each(|edition| {
            check(
                &context,
                tokens::rewrite_for_edition(tokens.clone(), edition, &text),
            )
        });
    drop(tokens);
    proc_macro2::extra::invalidate_current_thread_spans();
    Some(outcome)
}

/// For the test suite: whether the text test that lets lowering skip the edition rewrite
/// is right for `text` in `edition` (`Ok`): when it says the file needs no rewrite, the
/// rewrite must leave the tokens as they are. `None` when the text does not tokenize.
#[doc(hidden)]
pub fn edition_rewrite_test_holds(
    text: &str,
    edition: crate::source::Edition,
) -> Option<Result<(), String>> {
    let tokens: TokenStream = text.parse().ok()?;
    if tokens::needs_rewrite(text, edition) {
        return Some(Ok(()));
    }
    let rewritten = tokens::rewrite_stream(tokens.clone(), edition, false).to_string();
    Some(if rewritten == tokens.to_string() {
        Ok(())
    } else {
        Err(format!(
            "the rewrite changes a file the text test turned away ({edition:?})"
        ))
    })
}

/// For the test suite: whether lowering `text` gives the same facts with its unread parts
/// blanked ([`unread_text`]) as without (`Ok`), or what differs. `None` when the text
/// does not parse as it is.
#[doc(hidden)]
pub fn blanking_unread_parts_keeps_facts(text: &str) -> Option<Result<(), String>> {
    let source = SourceFile::new("a.rs", text, crate::source::Edition::E2021);
    // Both ways lowering runs: for the analysis, and keeping every item extent (doc
    // comments then stay) for fingerprints.
    for all_extents in [false, true] {
        let whole = lower_file_keeping(FileId(0), &source, all_extents, false);
        if whole.parse_failure.is_some() {
            return None;
        }
        let blanked = lower_file_keeping(FileId(0), &source, all_extents, true);
        if let Some(failure) = &blanked.parse_failure {
            return Some(Err(format!(
                "blanked text does not parse: {}",
                failure.message
            )));
        }
        let bytes = |facts: &FileFacts| crate::model::persist::facts_to_bytes(facts);
        if bytes(&whole) != bytes(&blanked) || whole.items != blanked.items {
            return Some(Err(first_difference(&whole, &blanked)));
        }
    }
    Some(Ok(()))
}

/// The first lines where the debug forms of two files' facts differ, with some context.
fn first_difference(whole: &FileFacts, blanked: &FileFacts) -> String {
    let (whole, blanked) = (format!("{whole:#?}"), format!("{blanked:#?}"));
    let first = whole
        .lines()
        .zip(blanked.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let near = |text: &str| {
        text.lines()
            .skip(first.saturating_sub(5))
            .take(10)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "facts differ; without blanking:\n{}\nwith blanking:\n{}",
        near(&whole),
        near(&blanked)
    )
}

/// For the test suite: checks [`token_spans`] against syn's `Spanned` on every item,
/// method and path of `text`, giving how many nodes agreed, or the first that did not.
/// `None` when the text does not parse.
#[doc(hidden)]
pub fn token_spans_agree_with_syn(text: &str) -> Option<Result<usize, String>> {
    use syn::spanned::Spanned;
    use syn::visit::Visit;

    struct Compare {
        checked: usize,
        first_difference: Option<String>,
    }
    impl Compare {
        fn check(&mut self, what: &str, ours: proc_macro2::Span, syn_span: proc_macro2::Span) {
            self.checked += 1;
            let range = |span: proc_macro2::Span| (span.start(), span.end());
            if self.first_difference.is_none() && range(ours) != range(syn_span) {
                self.first_difference = Some(format!(
                    "{what} at {:?}: token spans give {:?}, syn gives {:?}",
                    syn_span.start(),
                    range(ours),
                    range(syn_span)
                ));
            }
        }
    }
    impl<'ast> Visit<'ast> for Compare {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            self.check("item", token_spans::item_span(item), item.span());
            syn::visit::visit_item(self, item);
        }
        fn visit_impl_item_fn(&mut self, method: &'ast syn::ImplItemFn) {
            self.check("method", token_spans::impl_fn_span(method), method.span());
            syn::visit::visit_impl_item_fn(self, method);
        }
        fn visit_trait_item_fn(&mut self, method: &'ast syn::TraitItemFn) {
            self.check(
                "trait method",
                token_spans::trait_fn_span(method),
                method.span(),
            );
            syn::visit::visit_trait_item_fn(self, method);
        }
        fn visit_path(&mut self, path: &'ast syn::Path) {
            self.check("path", token_spans::path_span(path), path.span());
            syn::visit::visit_path(self, path);
        }
    }
    let file = syn::parse_file(text).ok()?;
    let mut compare = Compare {
        checked: 0,
        first_difference: None,
    };
    compare.visit_file(&file);
    Some(match compare.first_difference {
        Some(difference) => Err(difference),
        None => Ok(compare.checked),
    })
}

/// How far below each nesting limit the text's bound must be for the token check to be
/// skipped (the bound is an upper bound already; this is a margin on top).
const NESTING_SLACK: usize = 16;

/// Parses `text`; `known_bound` is a bound of its nesting measures already counted
/// (by the blanking pass, [`unread_text::blank_and_bound`]), if any.
fn parse(
    context: &SpanContext<'_>,
    text: &str,
    edition: crate::source::Edition,
    known_bound: Option<nesting_bound::NestingBound>,
) -> Result<syn::File, ParseFailure> {
    let tokens: TokenStream =
        text.parse()
            .map_err(|error: proc_macro2::LexError| ParseFailure {
                message: format!("could not tokenize this file: {error}"),
                span: context.convert(error.span()),
            })?;
    // The token check copies every token; the text's bound shows most files are far
    // below both limits without it. The bound the blanking pass counted is looser (it
    // restarts runs in fewer places); the text scan is run when that one is not enough.
    let far_below = |bound: nesting_bound::NestingBound| {
        bound.max_level + NESTING_SLACK <= MAX_TOKEN_NESTING
            && bound.max_run + NESTING_SLACK <= MAX_OPERATOR_RUN
    };
    let far_below_limits = known_bound.is_some_and(far_below)
        || nesting_bound::nesting_bound(text).is_some_and(far_below);
    if !far_below_limits {
        tokens::check_nesting(&tokens).map_err(|too_deep| ParseFailure {
            message: too_deep.message,
            span: context.convert(too_deep.span),
        })?;
    }
    let tokens = tokens::rewrite_for_edition(tokens, edition, text);
    syn::parse2::<syn::File>(tokens).map_err(|error| ParseFailure {
        message: format!("could not parse this file: {error}"),
        span: context.convert(error.span()),
    })
}

/// Replaces a leading byte-order mark and `#!` interpreter line with spaces, keeping every
/// byte offset the same (the tokenizer accepts neither).
fn blank_out_shebang_and_bom(text: &str) -> std::borrow::Cow<'_, str> {
    let body = text.trim_start();
    let has_shebang = body.starts_with("#!") && !body.starts_with("#![");
    if !text.starts_with('\u{feff}') && !has_shebang {
        // Almost every file: nothing to blank, no copy.
        return std::borrow::Cow::Borrowed(text);
    }
    let mut owned = text.to_string();
    if owned.starts_with('\u{feff}') {
        owned.replace_range(0..3, "   ");
    }
    let body = owned.trim_start();
    if body.starts_with("#!") && !body.starts_with("#![") {
        let start = owned.len() - body.len();
        let end = owned[start..]
            .find('\n')
            .map_or(owned.len(), |newline| start + newline);
        let blanks = " ".repeat(end - start);
        owned.replace_range(start..end, &blanks);
    }
    std::borrow::Cow::Owned(owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Expr, ExprKind};
    use crate::source::Edition;

    fn lower(text: &str) -> FileFacts {
        let sources = [SourceFile::new("a.rs", text, Edition::E2021)];
        crate::lower_files(&sources).remove(0)
    }

    #[test]
    fn syntax_error_becomes_a_failure_with_position() {
        let facts = lower("fn main() {\n    let x = ;\n}\n");
        let failure = facts.parse_failure.expect("a parse failure");
        assert_eq!(facts.lines.line_number(failure.span.byte_start), 2);
    }

    #[test]
    fn deep_nesting_is_a_failure_not_a_crash() {
        let depth = 5_000;
        let text = format!("fn f() {}{}", "{".repeat(depth), "}".repeat(depth + 1));
        let text = text.replacen("fn f() ", "fn f() {", 1);
        let facts = lower(&text);
        let failure = facts.parse_failure.expect("a nesting failure");
        assert!(failure.message.contains("nests"), "{}", failure.message);
    }

    #[test]
    fn long_else_if_chain_is_lowered_or_rejected_without_overflow() {
        let mut text = String::from("fn f(x: u32) { if x == 0 {} ");
        for i in 1..3_000 {
            text.push_str(&format!("else if x == {i} {{}} "));
        }
        text.push('}');
        let facts = lower(&text);
        assert!(facts.parse_failure.is_some() || facts.functions.len() == 1);
    }

    #[test]
    fn tables_of_constant_data_are_kept_without_their_elements() {
        let elements = |count: usize, element: &str| vec![element; count].join(", ");
        let text = format!(
            "static CRC: [u32; 16] = [{}];\n\
             fn f() {{ let short = [{}]; let nested = [{}]; let v = vec![{}]; \
             let called = [{}, g()]; }}\n",
            elements(16, "0x1u32"),
            elements(15, "1"),
            elements(16, "(-1, 2.0 as f32, [b'a'])"),
            elements(16, "\"s\""),
            elements(15, "1"),
        );
        let facts = lower(&text);
        let operands = |expr: &Expr| match &expr.kind {
            ExprKind::Compound(parts) => parts.len(),
            ExprKind::Macro(call) => call.args.len(),
            _ => usize::MAX,
        };
        let inits: Vec<usize> = facts.functions[0]
            .body
            .stmts
            .iter()
            .map(|stmt| match stmt {
                crate::model::Stmt::Let(declaration) => {
                    operands(declaration.init.as_ref().unwrap())
                }
                _ => usize::MAX,
            })
            .collect();
        // Fewer than 16 elements, or one that is not constant data: kept.
        assert_eq!(inits, [15, 0, 0, 16]);
        let arrays = facts.collection_literals.len();
        assert_eq!(
            arrays, 3,
            "each of the function's arrays is still known as one"
        );
    }

    #[test]
    fn nested_fns_are_functions_of_their_own_in_the_order_written() {
        let facts = lower(
            "fn outer() {\n\
             \x20   fn first() { fn deepest() {} }\n\
             \x20   if true { fn second() {} }\n\
             \x20   vec![{ fn in_macro() {} 1 }];\n\
             \x20   let f = || { fn in_closure() {} };\n\
             }\n",
        );
        assert!(facts.parse_failure.is_none());
        let names: Vec<&str> = facts.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "outer",
                "first",
                "deepest",
                "second",
                "in_macro",
                "in_closure"
            ]
        );
        // The body's own fns name the block scope that resolves paths in `outer` (sorted).
        let outer_scope = &facts.scopes[facts.functions[0].scope.0 as usize];
        assert_eq!(
            outer_scope
                .item_names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>(),
            ["first", "in_closure", "in_macro", "second"]
        );
    }

    #[test]
    fn statics_and_constants_keep_their_names_and_types() {
        let facts = lower(
            "const LIMIT: usize = 4 * 16;\n\
             static REGISTRY: Lazy<Mutex<Vec<u8>>> = Lazy::new(|| Mutex::new(Vec::new()));\n\
             lazy_static! { static ref NAMES: Vec<&'static str> = vec![\"a\"]; }\n",
        );
        assert!(facts.parse_failure.is_none());
        let kept: Vec<(&str, String)> = facts
            .statics
            .iter()
            .map(|item| (item.name.as_str(), format!("{:?}", item.ty)))
            .collect();
        assert_eq!(kept.len(), 3);
        assert_eq!(
            kept.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
            ["LIMIT", "REGISTRY", "NAMES"]
        );
        assert!(kept[1].1.contains("Lazy") && kept[1].1.contains("Mutex"));
    }

    #[test]
    fn shebang_and_bom_keep_offsets() {
        let facts = lower("\u{feff}#!/usr/bin/env run\nfn main() {}\n");
        assert!(facts.parse_failure.is_none());
        let body = facts.functions[0].body.span;
        assert_eq!(facts.lines.line_number(body.byte_start), 2);
    }

    #[test]
    fn spans_on_ascii_lines_are_converted_as_through_byte_ranges() {
        let text = "fn f() {\n    let s = \"é\"; g(s);\n}\r\nfn h() { 1 }\n";
        let context = SpanContext::new(FileId(3), text);
        proc_macro2::extra::invalidate_current_thread_spans();
        let tokens: TokenStream = text.parse().expect("tokenizes");
        let mut stack: Vec<TokenStream> = vec![tokens];
        let mut fast = 0;
        while let Some(stream) = stack.pop() {
            for token in stream {
                if let proc_macro2::TokenTree::Group(group) = &token {
                    stack.push(group.stream());
                }
                let expected = context.convert_by_byte_range(token.span());
                if let Some(converted) = context.convert_on_ascii_lines(token.span()) {
                    assert_eq!(converted, expected, "{token}");
                    fast += 1;
                }
                assert_eq!(context.convert(token.span()), expected, "{token}");
            }
        }
        proc_macro2::extra::invalidate_current_thread_spans();
        assert!(fast > 5, "{fast}");
    }

    #[test]
    fn spans_are_relative_to_each_file() {
        let first = lower("fn a() {}\n");
        let second = lower("\n\nfn b() {}\n");
        assert_eq!(first.functions[0].body.span.byte_start, 7);
        assert_eq!(second.functions[0].body.span.byte_start, 9);
    }
}
