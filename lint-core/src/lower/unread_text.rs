//! Blanks, before the file is tokenized, the parts of it that lowering never reads, so that
//! neither proc-macro2 nor syn spends time on them (parsing is most of a run):
//!
//! - **doc comments** (`///`, `//!`, `/** */`, `/*! */`) become plain comments. syn turns
//!   each into a `#[doc = ".."]` attribute (tokens, an escaped string literal, an attribute
//!   node) that nothing reads; about a tenth of the parse time of real crates. They are
//!   kept when lowering keeps item extents: an item's lines start at its first attribute,
//!   and suppressions and fingerprints read them.
//! - the **initializer of a `const` or `static` item** becomes `0`: only its name and type
//!   are kept (binding and table crates declare hundreds of thousands of constants).
//! - the **variants of an `enum`**: only its name is kept.
//! - the **items of an `extern` block**: foreign items are not kept.
//! - the **rules of a `macro_rules!`** definition: only the macro's name is kept
//!   (coordlint does not expand the macros of the code it reads).
//!
//! Every blanked byte becomes a space, except line breaks, so byte offsets and line numbers
//! are the file's own and spans need no mapping. Inside a macro call or an attribute only
//! doc comments are blanked (a macro may read any token). An initializer that holds an item
//! keyword (`const _: () = { impl X for Y {} };`) is kept. When the scan cannot read the
//! text (an unterminated literal or comment, unbalanced brackets), nothing is blanked and
//! the text is parsed as it is, so syn reports what it reports.
//!
//! The test suite lowers every fixture and source file of the project with and without
//! this pass and checks the facts are the same (`hostile.rs`).
//!
//! The same tokens give lowering its bound of the nesting measures ([`RunCounter`]).

use super::nesting_bound::{NestingBound, Runs, is_chaining_keyword};

/// `text` with its unread parts blanked, or `None` when there is nothing to blank or the
/// scan cannot read the text.
#[cfg(test)]
pub fn blank_unread_parts(text: &str, blank_doc_comments: bool) -> Option<String> {
    blank_and_bound(text, blank_doc_comments).0
}

/// [`blank_unread_parts`], and an upper bound of what the token-level nesting check
/// measures on the text it returns, counted on the same tokens ([`RunCounter`]), so that
/// lowering needs no second scan of the text for it; `None` for the bound when the text
/// cannot be read.
pub fn blank_and_bound(
    text: &str,
    blank_doc_comments: bool,
) -> (Option<String>, Option<NestingBound>) {
    let Some(lexed) = lex(text.as_bytes(), blank_doc_comments) else {
        return (None, None);
    };
    let bound = Some(lexed.bound);
    (blank(text, &lexed), bound)
}

/// The text with the unread regions of `lexed` blanked; `None` when there are none.
fn blank(text: &str, lexed: &Lexed<'_>) -> Option<String> {
    let regions = unread_regions(lexed);
    if regions.is_empty() && lexed.doc_comment_marks.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for &mark in &lexed.doc_comment_marks {
        bytes[mark] = b' ';
    }
    for region in &regions {
        for byte in &mut bytes[region.start..region.end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        if let Some(at) = region.placeholder_at {
            bytes[at] = b'0';
        }
    }
    // Regions start and end next to ASCII tokens, so no character is cut in two.
    String::from_utf8(bytes).ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A name or keyword (raw identifiers included).
    Word,
    /// One punctuation byte (`::` is two).
    Punct(u8),
    Open(u8),
    Close(u8),
    /// A string, character or number literal.
    Literal,
    /// `'a`, `'static`, a label.
    Lifetime,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: u32,
    end: u32,
}

/// The tokens of a text, with each bracket's partner.
struct Lexed<'t> {
    bytes: &'t [u8],
    tokens: Vec<Token>,
    /// For an `Open` or `Close` token, the index of its partner.
    partners: Vec<u32>,
    /// The byte that makes each doc comment one (the third of `///`, `//!`, `/**`, `/*!`).
    doc_comment_marks: Vec<usize>,
    /// The nesting measures' bound, counted while lexing.
    bound: NestingBound,
}

impl Lexed<'_> {
    fn word_is(&self, index: usize, word: &[u8]) -> bool {
        self.tokens.get(index).is_some_and(|token| {
            token.kind == Kind::Word
                && &self.bytes[token.start as usize..token.end as usize] == word
        })
    }

    fn kind(&self, index: usize) -> Option<Kind> {
        self.tokens.get(index).map(|token| token.kind)
    }

    fn partner(&self, index: usize) -> usize {
        self.partners[index] as usize
    }
}

/// A stretch of bytes to blank; a `0` goes at `placeholder_at` (an initializer must stay
/// an expression).
#[derive(Debug)]
struct Region {
    start: usize,
    end: usize,
    placeholder_at: Option<usize>,
}

/// Reads the tokens of `bytes`; `None` when it cannot.
fn lex(bytes: &[u8], blank_doc_comments: bool) -> Option<Lexed<'_>> {
    let mut lexer = Lexer {
        bytes,
        at: 0,
        blank_doc_comments,
        doc_comment_marks: Vec::new(),
        counter: RunCounter::default(),
    };
    let mut tokens: Vec<Token> = Vec::with_capacity(bytes.len() / 5);
    let mut partners = Vec::with_capacity(bytes.len() / 5);
    let mut open: Vec<usize> = Vec::new();
    while let Some(token) = lexer.next_token()? {
        let index = tokens.len();
        lexer
            .counter
            .token(token.kind, &bytes[token.start as usize..token.end as usize]);
        partners.push(u32::MAX);
        match token.kind {
            Kind::Open(_) => open.push(index),
            Kind::Close(closer) => {
                let opener = open.pop()?;
                if closer_of(tokens[opener].kind) != Some(closer) {
                    return None;
                }
                partners[opener] = index as u32;
                partners[index] = opener as u32;
            }
            _ => {}
        }
        tokens.push(token);
    }
    if !open.is_empty() {
        return None;
    }
    Some(Lexed {
        bytes,
        tokens,
        partners,
        doc_comment_marks: lexer.doc_comment_marks,
        bound: lexer.counter.runs.bound,
    })
}

/// The closing bracket of an opening one.
fn closer_of(kind: Kind) -> Option<u8> {
    match kind {
        Kind::Open(b'(') => Some(b')'),
        Kind::Open(b'[') => Some(b']'),
        Kind::Open(b'{') => Some(b'}'),
        _ => None,
    }
}

struct Lexer<'t> {
    bytes: &'t [u8],
    at: usize,
    blank_doc_comments: bool,
    doc_comment_marks: Vec<usize>,
    counter: RunCounter,
}

/// Counts, token by token, an upper bound of what `tokens::check_nesting` measures: the
/// deepest group and the longest run of operators and chaining keywords between two
/// separators of one group. It counts what [`nesting_bound`](super::nesting_bound) counts
/// and restarts runs only where that scan does, or less often: every comment as a doc
/// comment (`#`, `!`, a bracketed group), every `'` of a lifetime as an operator, `=>` as
/// two operators; after a `}` a run restarts at a word other than `else`/`as`, a literal
/// that does not start with `'`, a `#` or a bracket, unless a comment came between.
/// Counted on the text as written: blanking only removes balanced stretches of tokens (or
/// puts `0` for an initializer), which never makes a run longer or a group deeper. The
/// test suite checks the bound against the token check on every fixture and source file.
#[derive(Debug, Default)]
struct RunCounter {
    runs: Runs,
    /// The last token closed a `{ .. }` group, with no comment since.
    after_braces: bool,
}

impl RunCounter {
    fn comment(&mut self) {
        self.after_braces = false;
        self.runs.comment();
    }

    fn token(&mut self, kind: Kind, text: &[u8]) {
        let after_braces = std::mem::take(&mut self.after_braces);
        match kind {
            Kind::Open(_) => {
                if after_braces {
                    self.runs.restart();
                }
                self.runs.open();
            }
            Kind::Close(closer) => {
                // An unbalanced closer makes `lex` give up: no bound is used.
                self.runs.close();
                self.after_braces = closer == b'}';
            }
            Kind::Punct(b';' | b',') => self.runs.restart(),
            Kind::Punct(byte) => {
                if byte == b'#' && after_braces {
                    self.runs.restart();
                }
                self.runs.count(1);
            }
            Kind::Word => {
                if after_braces && text != b"else" && text != b"as" {
                    self.runs.restart();
                }
                if is_chaining_keyword(text) {
                    self.runs.count(1);
                }
            }
            Kind::Literal => {
                if after_braces && text.first() != Some(&b'\'') {
                    self.runs.restart();
                }
            }
            Kind::Lifetime => {
                // The `'`, and its name if the tokenizer would read a keyword there.
                self.runs.count(1);
                if is_chaining_keyword(text.get(1..).unwrap_or(&[])) {
                    self.runs.count(1);
                }
            }
        }
    }
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// The next token, `Some(None)` at the end, `None` when the text cannot be read.
    fn next_token(&mut self) -> Option<Option<Token>> {
        loop {
            let Some(byte) = self.peek(0) else {
                return Some(None);
            };
            let start = self.at;
            let kind = match byte {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                    // A whole run at once (indentation is a fifth of a file's bytes).
                    self.skip_while(|byte| {
                        matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
                    });
                    continue;
                }
                b'/' if self.peek(1) == Some(b'/') => {
                    self.counter.comment();
                    self.line_comment();
                    continue;
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    self.counter.comment();
                    self.block_comment()?;
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    self.at += 1;
                    Kind::Open(byte)
                }
                b')' | b']' | b'}' => {
                    self.at += 1;
                    Kind::Close(byte)
                }
                b'"' => {
                    self.string()?;
                    Kind::Literal
                }
                b'\'' => self.quote()?,
                b'0'..=b'9' => {
                    self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
                    Kind::Literal
                }
                b'~' | b'!' | b'@' | b'#' | b'$' | b'%' | b'^' | b'&' | b'*' | b'-' | b'+'
                | b'=' | b'|' | b':' | b'.' | b'<' | b'>' | b'/' | b'?' | b';' | b',' => {
                    self.at += 1;
                    Kind::Punct(byte)
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.. => self.word()?,
                _ => return None,
            };
            return Some(Some(Token {
                kind,
                start: u32::try_from(start).ok()?,
                end: u32::try_from(self.at).ok()?,
            }));
        }
    }

    fn skip_while(&mut self, keep: impl FnMut(u8) -> bool) {
        self.at = super::nesting_bound::skip_while(self.bytes, self.at, keep);
    }

    /// `// ..` to the end of the line; `///` (not `////`) and `//!` are doc comments.
    fn line_comment(&mut self) {
        let third = self.peek(2);
        let is_doc = (third == Some(b'/') && self.peek(3) != Some(b'/')) || third == Some(b'!');
        if is_doc && self.blank_doc_comments {
            self.doc_comment_marks.push(self.at + 2);
        }
        self.at = memchr::memchr(b'\n', &self.bytes[self.at..])
            .map_or(self.bytes.len(), |newline| self.at + newline);
    }

    /// `/* .. */`, nested; `/**` (not `/***` or `/**/`) and `/*!` are doc comments.
    fn block_comment(&mut self) -> Option<()> {
        let third = self.peek(2);
        let is_doc = (third == Some(b'*') && !matches!(self.peek(3), Some(b'*' | b'/')))
            || third == Some(b'!');
        if is_doc && self.blank_doc_comments {
            self.doc_comment_marks.push(self.at + 2);
        }
        self.at = super::nesting_bound::block_comment_end(self.bytes, self.at)?;
        Some(())
    }

    /// `"..."` with escapes; `self.at` is on the `"`.
    fn string(&mut self) -> Option<()> {
        self.at = super::nesting_bound::string_end(self.bytes, self.at)?;
        Some(())
    }

    /// `r"..."`, `r#"..."#`; `self.at` is on the first `#` or the `"`.
    fn raw_string(&mut self) -> Option<()> {
        let hashes_start = self.at;
        self.skip_while(|byte| byte == b'#');
        let hashes = self.at - hashes_start;
        if self.peek(0)? != b'"' {
            return None;
        }
        self.at += 1;
        loop {
            self.at += memchr::memchr(b'"', self.bytes.get(self.at..)?)?;
            self.at += 1;
            if (0..hashes).all(|offset| self.peek(offset) == Some(b'#')) {
                self.at += hashes;
                return Some(());
            }
        }
    }

    /// A character literal (`'x'`, `'\n'`, `'é'`) or a lifetime or label (`'a`).
    fn quote(&mut self) -> Option<Kind> {
        let after = self.at + 1;
        if self.bytes.get(after) == Some(&b'\\') {
            self.at = after + 2;
            self.at += memchr::memchr(b'\'', self.bytes.get(self.at..)?)? + 1;
            return Some(Kind::Literal);
        }
        let closing = after + super::nesting_bound::utf8_length(*self.bytes.get(after)?);
        if self.bytes.get(closing) == Some(&b'\'') {
            self.at = closing + 1;
            return Some(Kind::Literal);
        }
        self.at = after;
        self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80);
        Some(Kind::Lifetime)
    }

    /// A name or keyword, or the prefix of a raw string, byte string, C string or byte.
    fn word(&mut self) -> Option<Kind> {
        let start = self.at;
        self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80);
        let word = &self.bytes[start..self.at];
        match (word, self.peek(0)) {
            (b"r", Some(b'#')) if !matches!(self.peek(1), Some(b'"' | b'#')) => {
                // `r#name`, a raw identifier.
                self.at += 1;
                self.skip_while(|byte| {
                    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
                });
                Some(Kind::Word)
            }
            (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                self.raw_string()?;
                Some(Kind::Literal)
            }
            (b"b" | b"c", Some(b'"')) => {
                self.string()?;
                Some(Kind::Literal)
            }
            (b"b", Some(b'\'')) => {
                self.quote()?;
                Some(Kind::Literal)
            }
            _ => Some(Kind::Word),
        }
    }
}

/// Words that start an item: an initializer holding one may declare items (`const _: () =
/// { impl Trait for T {} };`), which are kept.
const ITEM_KEYWORDS: &[&[u8]] = &[
    b"fn",
    b"impl",
    b"mod",
    b"struct",
    b"enum",
    b"union",
    b"trait",
    b"macro_rules",
    b"use",
    b"extern",
    b"static",
    b"const",
    b"type",
];

/// The regions of the items whose parts lowering does not read.
fn unread_regions(lexed: &Lexed<'_>) -> Vec<Region> {
    let mut regions = Vec::new();
    // Whether the innermost open group may be blanked in (not a macro call or attribute).
    let mut blankable: Vec<bool> = vec![true];
    let mut index = 0;
    while index < lexed.tokens.len() {
        let token = lexed.tokens[index];
        match token.kind {
            Kind::Open(_) => {
                let inside =
                    *blankable.last().unwrap_or(&false) && !opens_macro_or_attribute(lexed, index);
                blankable.push(inside);
            }
            Kind::Close(_) => {
                blankable.pop();
            }
            Kind::Word if *blankable.last().unwrap_or(&false) => {
                // The keyword first: most words are none of these, and `starts_item`
                // looks back at the tokens before.
                let found = match &lexed.bytes[token.start as usize..token.end as usize] {
                    b"const" | b"static" if starts_item(lexed, index) => initializer(lexed, index),
                    b"enum" if starts_item(lexed, index) => enum_variants(lexed, index),
                    b"extern" if starts_item(lexed, index) => foreign_items(lexed, index),
                    b"macro_rules" if starts_item(lexed, index) => macro_rules_body(lexed, index),
                    _ => None,
                };
                if let Some((region, resume_at)) = found {
                    regions.push(region);
                    // The tokens up to `resume_at` (a `;` or a `}`) were read; groups
                    // skipped over are balanced, so `blankable` is unchanged.
                    index = resume_at + 1;
                    continue;
                }
            }
            _ => {}
        }
        index += 1;
    }
    regions
}

/// A group right after a `!` (a macro call, `#![..]`, or `!(..)`, kept to be safe), a
/// `name!` and a name (`macro_rules! m { .. }`), or a `#` (an attribute).
fn opens_macro_or_attribute(lexed: &Lexed<'_>, open: usize) -> bool {
    let before = |back: usize| open.checked_sub(back).and_then(|at| lexed.kind(at));
    matches!(before(1), Some(Kind::Punct(b'!' | b'#')))
        || (before(1) == Some(Kind::Word) && before(2) == Some(Kind::Punct(b'!')))
}

/// Whether the word at `index` starts an item: it follows the start of a group, a `;`, a
/// `}` or an attribute, maybe after `pub`, `pub(..)`, `unsafe` or `default`.
fn starts_item(lexed: &Lexed<'_>, index: usize) -> bool {
    let mut before = index;
    loop {
        let Some(previous) = before.checked_sub(1) else {
            return true;
        };
        match lexed.tokens[previous].kind {
            Kind::Word
                if lexed.word_is(previous, b"pub")
                    || lexed.word_is(previous, b"unsafe")
                    || lexed.word_is(previous, b"default") =>
            {
                before = previous;
            }
            Kind::Close(b')') => {
                let opener = lexed.partner(previous);
                if opener > 0 && lexed.word_is(opener - 1, b"pub") {
                    before = opener - 1;
                } else {
                    return false;
                }
            }
            Kind::Close(b']') => {
                let opener = lexed.partner(previous);
                let hash = if opener > 0 && lexed.kind(opener - 1) == Some(Kind::Punct(b'!')) {
                    opener.checked_sub(2)
                } else {
                    opener.checked_sub(1)
                };
                return hash.is_some_and(|at| lexed.kind(at) == Some(Kind::Punct(b'#')));
            }
            Kind::Open(b'{') | Kind::Close(b'}') | Kind::Punct(b';') => return true,
            _ => return false,
        }
    }
}

/// `const NAME: Type = <initializer>;` or `static [mut] NAME: Type = <initializer>;` at
/// `keyword`: the initializer's region (a `0` in its place), and the index of the `;`.
fn initializer(lexed: &Lexed<'_>, keyword: usize) -> Option<(Region, usize)> {
    let mut name = keyword + 1;
    if lexed.word_is(keyword, b"static") && lexed.word_is(name, b"mut") {
        name += 1;
    }
    if lexed.kind(name)? != Kind::Word || lexed.kind(name + 1)? != Kind::Punct(b':') {
        return None;
    }
    if lexed.kind(name + 2)? == Kind::Punct(b':') {
        return None;
    }
    let equals = end_of_type(lexed, name + 2)?;
    let first = equals + 1;
    let mut depth = 0usize;
    let mut at = first;
    loop {
        let token = lexed.tokens.get(at)?;
        match token.kind {
            Kind::Open(_) => depth += 1,
            Kind::Close(_) if depth == 0 => return None,
            Kind::Close(_) => depth -= 1,
            Kind::Punct(b';') if depth == 0 => break,
            Kind::Word => {
                let word = &lexed.bytes[token.start as usize..token.end as usize];
                if ITEM_KEYWORDS.contains(&word) {
                    return None;
                }
            }
            _ => {}
        }
        at += 1;
    }
    if at == first {
        return None;
    }
    let region = Region {
        start: lexed.tokens[equals].end as usize,
        end: lexed.tokens[at].start as usize,
        placeholder_at: Some(lexed.tokens[first].start as usize),
    };
    Some((region, at))
}

/// The index of the `=` that ends the type starting at `start` (groups skipped, `<`/`>`
/// counted, the `>` of `->` not), or `None` when a `;` or the group's end comes first.
fn end_of_type(lexed: &Lexed<'_>, start: usize) -> Option<usize> {
    let mut angles = 0i32;
    let mut at = start;
    loop {
        let token = lexed.tokens.get(at)?;
        match token.kind {
            Kind::Open(_) => {
                at = lexed.partner(at) + 1;
                continue;
            }
            Kind::Close(_) | Kind::Punct(b';') => return None,
            Kind::Punct(b'<') => angles += 1,
            Kind::Punct(b'>') => {
                let arrow = at > 0
                    && lexed.tokens[at - 1].kind == Kind::Punct(b'-')
                    && lexed.tokens[at - 1].end == token.start;
                if !arrow {
                    angles -= 1;
                }
            }
            Kind::Punct(b'=') if angles <= 0 => return Some(at),
            _ => {}
        }
        at += 1;
    }
}

/// `enum Name<..> where .. { <variants> }` at `keyword`: the variants' region and the
/// index of the `}`.
fn enum_variants(lexed: &Lexed<'_>, keyword: usize) -> Option<(Region, usize)> {
    if lexed.kind(keyword + 1)? != Kind::Word {
        return None;
    }
    let mut at = keyword + 2;
    loop {
        match lexed.kind(at)? {
            Kind::Open(b'{') => return Some(group_contents(lexed, at)),
            Kind::Open(_) => at = lexed.partner(at) + 1,
            Kind::Close(_) | Kind::Punct(b';') => return None,
            _ => at += 1,
        }
    }
}

/// `extern "abi" { <foreign items> }` (or without an ABI) at `keyword`: the items' region
/// and the index of the `}`. `extern crate` and `extern "C" fn` are not blocks.
fn foreign_items(lexed: &Lexed<'_>, keyword: usize) -> Option<(Region, usize)> {
    let mut open = keyword + 1;
    if lexed.kind(open)? == Kind::Literal {
        open += 1;
    }
    (lexed.kind(open)? == Kind::Open(b'{')).then(|| group_contents(lexed, open))
}

/// `macro_rules! name { <rules> }` at `keyword`: the rules' region and the index of the
/// closing bracket. Only the macro's name is kept (declared in its scope); coordlint does
/// not expand macros of the code it reads.
fn macro_rules_body(lexed: &Lexed<'_>, keyword: usize) -> Option<(Region, usize)> {
    let is_open = matches!(lexed.kind(keyword + 3)?, Kind::Open(_));
    (lexed.kind(keyword + 1)? == Kind::Punct(b'!')
        && lexed.kind(keyword + 2)? == Kind::Word
        && is_open)
        .then(|| group_contents(lexed, keyword + 3))
}

/// Everything between the brackets of the group opening at `open`, and its closer's index.
fn group_contents(lexed: &Lexed<'_>, open: usize) -> (Region, usize) {
    let close = lexed.partner(open);
    let region = Region {
        start: lexed.tokens[open].end as usize,
        end: lexed.tokens[close].start as usize,
        placeholder_at: None,
    };
    (region, close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(text: &str) -> String {
        blank_unread_parts(text, true).unwrap_or_else(|| text.to_string())
    }

    /// The text's tokens and comments, one space between each (blanks are checked by
    /// [`assert_same_layout`]).
    fn squeezed(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn assert_blanked_to(text: &str, expected: &str) {
        assert_same_layout(text);
        assert_eq!(squeezed(&blanked(text)), squeezed(expected), "{text}");
    }

    /// Blanking keeps every byte offset and line break.
    fn assert_same_layout(text: &str) {
        let out = blanked(text);
        assert_eq!(out.len(), text.len(), "{out}");
        let newlines = |s: &str| s.match_indices('\n').map(|(at, _)| at).collect::<Vec<_>>();
        assert_eq!(newlines(&out), newlines(text));
    }

    #[test]
    fn doc_comments_become_plain_comments() {
        let text = "//! crate docs\n/// item docs\n//// not docs\n/** block */\n/*! inner */\n/**/ /*** x */\nfn f() {}\n";
        let out = blanked(text);
        assert_eq!(
            out,
            "//  crate docs\n//  item docs\n//// not docs\n/*  block */\n/*  inner */\n/**/ /*** x */\nfn f() {}\n"
        );
        assert_same_layout(text);
        assert_eq!(blank_unread_parts(text, false), None);
    }

    #[test]
    fn initializers_of_consts_and_statics_become_zero() {
        let text = "pub const TABLE: [u8; 3] = [1,\n 2, 3];\nstatic mut N: Option<Box<dyn Fn() -> u8>> = None;\n";
        assert_blanked_to(
            text,
            "pub const TABLE: [u8; 3] = 0     \n       ;\nstatic mut N: Option<Box<dyn Fn() -> u8>> = 0   ;\n",
        );
        assert_same_layout(text);
        let in_impl = "impl S { pub(crate) const A: Vec<u8>= vec![1]; fn f() {} }";
        assert_blanked_to(
            in_impl,
            "impl S { pub(crate) const A: Vec<u8>= 0      ; fn f() {} }",
        );
    }

    #[test]
    fn types_with_equals_inside_angle_brackets_are_read_to_the_end() {
        let text = "static F: Box<dyn Iterator<Item = u8>> = make();";
        assert_blanked_to(text, "static F: Box<dyn Iterator<Item = u8>> = 0     ;");
    }

    #[test]
    fn enum_variants_and_foreign_items_are_blanked() {
        let text = "#[derive(Debug)]\npub enum E<T> where T: Copy { A(T), B = 3 }\nextern \"C\" { fn f(); }\nunsafe extern { static X: u8; }\n";
        assert_blanked_to(
            text,
            "#[derive(Debug)]\npub enum E<T> where T: Copy {             }\nextern \"C\" {          }\nunsafe extern {              }\n",
        );
    }

    #[test]
    fn near_misses_are_kept() {
        for text in [
            // A const fn, const generics with a default, an inline const block.
            "const fn f() -> u8 { 1 }\nstruct A<const N: usize = 3>;\nfn g() { let x = const { 1 }; }",
            // `extern crate`, a function with an ABI.
            "extern crate alloc;\nextern \"C\" fn h() { let x = 1; }",
            // Declarations without initializers; `'static` is a lifetime.
            "trait T { const A: u8; }\nfn f(x: &'static str) -> &'static str { x }",
            // Inside macro calls and attributes.
            "lazy_static! { static ref M: u8 = 1; }\nm! { const X: u8 = 1; }\n#[attr(const X: u8 = 1)]\nfn f() {}",
            // An initializer that declares items.
            "const _: () = { impl Foo for Bar {} };",
            // Strings and characters that look like comments or items.
            "fn f() { let a = \"/// x\"; let b = r#\"const X: u8 = 1;\"#; let c = '\"'; }",
            // Not at an item's start.
            "fn f() { let x = y as *const u8; }",
        ] {
            assert_eq!(blanked(text), text, "{text}");
        }
    }

    #[test]
    fn macro_rules_bodies_are_blanked() {
        let text = "#[macro_export]\nmacro_rules! m { ($x:expr) => { const X: u8 = $x; }; }\nmacro_rules! n ( () => () );";
        assert_blanked_to(
            text,
            "#[macro_export]\nmacro_rules! m { }\nmacro_rules! n ( );",
        );
    }

    #[test]
    fn items_inside_function_bodies_and_modules_are_blanked() {
        let text =
            "fn f() { static N: u8 = 1; let x = 2; }\nmod m { #[cfg(test)] const A: u8 = 1; }";
        assert_blanked_to(
            text,
            "fn f() { static N: u8 = 0; let x = 2; }\nmod m { #[cfg(test)] const A: u8 = 0; }",
        );
    }

    #[test]
    fn text_the_scan_cannot_read_is_left_alone() {
        for text in [
            "/// doc\nfn f() { \"unterminated }",
            "/// doc\nfn f() { /* unterminated }",
            "/// doc\nfn f() { ( }",
            "/// doc\nfn f() {",
        ] {
            assert_eq!(blank_unread_parts(text, true), None, "{text}");
        }
    }

    #[test]
    fn non_ascii_text_keeps_its_layout() {
        let text =
            "/// é\nconst S: &str = \"é\u{1F600}\";\nenum E { É, Ü }\nfn f() { let c = 'é'; }";
        assert_same_layout(text);
        assert_blanked_to(
            text,
            "//  é\nconst S: &str = 0        ;\nenum E {        }\nfn f() { let c = 'é'; }",
        );
    }
}
