//! A fast upper bound, read off the text, of what [`super::tokens::check_nesting`] measures
//! on the tokens: the deepest bracket nesting and the longest operator run.
//!
//! The token check walks a copy of every token of the file (proc-macro2 copies a group's
//! tokens to iterate them), which cost about a fifth of parsing. Almost every file is far
//! below both limits, and a byte scan that knows comments, strings, raw strings and
//! character literals shows that without the copy. It only ever answers "no more than":
//! whatever it cannot read exactly it counts high (every comment as a doc comment's `#`,
//! `!` and bracket, every `.`, `+`, `-` in a number as an operator), and when it cannot
//! read the text at all (an unterminated literal) it gives no bound, so that the token
//! check runs. A test (`hostile.rs` in the test suite) compares the bound with the token check on
//! every fixture and every source file of the project.

/// The deepest group and the longest operator run the tokens of a text can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NestingBound {
    /// Groups (brackets, and the `[..]` of a doc comment) open around the deepest token,
    /// counted as `check_nesting` counts them: a group in the file's top level is level 1.
    pub max_level: usize,
    /// Operators and chaining keywords between two separators of one group.
    pub max_run: usize,
}

/// Keywords that chain expressions or types without brackets: `tokens::CHAINING_KEYWORDS`,
/// as a `match` (rather than a list searched in turn: every name of a file is asked; a test
/// checks both say the same).
#[inline]
pub(super) fn is_chaining_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"as"
            | b"else"
            | b"if"
            | b"let"
            | b"return"
            | b"break"
            | b"move"
            | b"async"
            | b"await"
            | b"dyn"
            | b"impl"
            | b"in"
    )
}

/// The bound for `text`, or `None` when the scan cannot vouch for it (then the token check
/// must run).
pub fn nesting_bound(text: &str) -> Option<NestingBound> {
    let bytes = text.as_bytes();
    let mut scan = Scan {
        bytes,
        at: 0,
        runs: Runs::default(),
        previous_was_equals: false,
        after_braces: false,
    };
    while scan.at < bytes.len() {
        scan.token()?;
    }
    Some(scan.runs.bound)
}

/// The run of each open group and the bound so far: what this scan and the blanking
/// pass's count on its tokens (`unread_text::RunCounter`) both keep.
#[derive(Debug)]
pub(super) struct Runs {
    /// The run of each open group; the file's top level is the first.
    runs: Vec<usize>,
    pub bound: NestingBound,
}

impl Default for Runs {
    fn default() -> Runs {
        Runs {
            runs: vec![0],
            bound: NestingBound {
                max_level: 0,
                max_run: 0,
            },
        }
    }
}

impl Runs {
    /// `operators` more in the current group's run.
    pub fn count(&mut self, operators: usize) {
        if let Some(run) = self.runs.last_mut() {
            *run += operators;
            self.bound.max_run = self.bound.max_run.max(*run);
        }
    }

    /// The current group's run ends (a separator, or a new item after braces).
    pub fn restart(&mut self) {
        if let Some(run) = self.runs.last_mut() {
            *run = 0;
        }
    }

    /// A group opens at the current level + 1.
    pub fn open(&mut self) {
        self.bound.max_level = self.bound.max_level.max(self.runs.len());
        self.runs.push(0);
    }

    /// The current group closes; `false` when only the top level is open.
    pub fn close(&mut self) -> bool {
        if self.runs.len() < 2 {
            return false;
        }
        self.runs.pop();
        true
    }

    /// Any comment may be a doc comment: `#`, `!` and a bracketed group where it is.
    pub fn comment(&mut self) {
        self.count(2);
        self.bound.max_level = self.bound.max_level.max(self.runs.len());
    }
}

struct Scan<'t> {
    bytes: &'t [u8],
    at: usize,
    runs: Runs,
    /// The last byte read was an `=` operator (so a `>` right after it ends `=>`).
    previous_was_equals: bool,
    /// The last token read closed a `{ .. }` group: the next one may start a new item or
    /// statement, which ends the run as it does in the token check (`starts_anew_after_braces`).
    after_braces: bool,
}

impl Scan<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Reads one token (or whitespace, or a comment) at `self.at`.
    fn token(&mut self) -> Option<()> {
        let byte = self.bytes[self.at];
        let was_equals = std::mem::take(&mut self.previous_was_equals);
        // Where the token check restarts the run after braces, this scan may too; where it
        // cannot tell (a comment, a `'`), it keeps counting, which only counts high.
        let after_braces = std::mem::take(&mut self.after_braces);
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                // Whitespace makes the `=` alone: `= >` is not `=>`; the next token is
                // still the one right after the braces.
                self.after_braces = after_braces;
                self.at += 1;
                while self.at < self.bytes.len()
                    && matches!(self.bytes[self.at], b' ' | b'\t' | b'\n' | b'\r')
                {
                    self.at += 1;
                }
            }
            b'/' if self.peek(1) == Some(b'/') => self.line_comment(),
            b'/' if self.peek(1) == Some(b'*') => self.block_comment()?,
            b'(' | b'[' | b'{' => {
                self.restart_run_if(after_braces);
                self.runs.open();
                self.at += 1;
            }
            b')' | b']' | b'}' => {
                // More closers than openers: not something to vouch for.
                if !self.runs.close() {
                    return None;
                }
                self.after_braces = byte == b'}';
                self.at += 1;
            }
            b'"' => {
                self.restart_run_if(after_braces);
                self.string()?
            }
            b'\'' => self.quote()?,
            b'0'..=b'9' => {
                self.restart_run_if(after_braces);
                self.number()
            }
            b'#' => {
                // An attribute after braces starts an item or statement.
                self.restart_run_if(after_braces);
                self.operators(1);
                self.at += 1;
            }
            b';' | b',' => {
                self.runs.restart();
                self.at += 1;
            }
            b'>' if was_equals => {
                self.runs.restart();
                self.at += 1;
            }
            b'~' | b'!' | b'@' | b'$' | b'%' | b'^' | b'&' | b'*' | b'-' | b'+' | b'=' | b'|'
            | b':' | b'.' | b'<' | b'>' | b'/' | b'?' => {
                self.operators(1);
                self.previous_was_equals = byte == b'=';
                self.at += 1;
            }
            b'\\' => return None,
            _ => self.word(after_braces)?,
        }
        Some(())
    }

    /// Restarts the run of the current group when the token read follows braces.
    fn restart_run_if(&mut self, after_braces: bool) {
        if after_braces {
            self.runs.restart();
        }
    }

    fn operators(&mut self, count: usize) {
        self.runs.count(count);
    }

    fn line_comment(&mut self) {
        self.runs.comment();
        self.at = memchr::memchr(b'\n', &self.bytes[self.at..])
            .map_or(self.bytes.len(), |newline| self.at + newline);
    }

    /// `/* .. */`, nested.
    fn block_comment(&mut self) -> Option<()> {
        self.runs.comment();
        self.at = block_comment_end(self.bytes, self.at)?;
        Some(())
    }

    /// `"..."` with escapes (the prefix `b`/`c`, if any, was read as a word).
    fn string(&mut self) -> Option<()> {
        self.at = string_end(self.bytes, self.at)?;
        Some(())
    }

    /// `r"..."`, `r#"..."#`: `self.at` is on the first `#` or the `"`.
    fn raw_string(&mut self) -> Option<()> {
        let mut hashes = 0usize;
        while self.peek(0)? == b'#' {
            hashes += 1;
            self.at += 1;
        }
        if self.peek(0)? != b'"' {
            return None;
        }
        self.at += 1;
        loop {
            if self.peek(0)? == b'"' && (1..=hashes).all(|offset| self.peek(offset) == Some(b'#')) {
                self.at += 1 + hashes;
                return Some(());
            }
            self.at += 1;
        }
    }

    /// A character literal (`'x'`, `'\n'`, `'\u{1F600}'`) or a lifetime or label (`'a`:
    /// an operator `'` then a name, as the tokenizer makes it).
    fn quote(&mut self) -> Option<()> {
        let after = self.at + 1;
        if self.bytes.get(after) == Some(&b'\\') {
            // An escape: the escaped character, then up to the closing quote.
            self.at = after + 2;
            while self.peek(0)? != b'\'' {
                self.at += 1;
            }
            self.at += 1;
            return Some(());
        }
        let closing = after + utf8_length(*self.bytes.get(after)?);
        if self.bytes.get(closing) == Some(&b'\'') {
            self.at = closing + 1;
            return Some(());
        }
        self.operators(1);
        self.at = after;
        Some(())
    }

    /// Digits, letters and `_` (suffixes and exponents); a `.`, `+` or `-` inside a number
    /// is read as an operator, which only counts high.
    fn number(&mut self) {
        self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    }

    /// Skips the bytes of a name: ASCII letters, digits, `_`, and any non-ASCII character.
    fn name_bytes(&mut self) {
        self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80);
    }

    fn skip_while(&mut self, keep: impl FnMut(u8) -> bool) {
        self.at = skip_while(self.bytes, self.at, keep);
    }

    /// A name or keyword (non-ASCII letters included), or the prefix of a raw string,
    /// byte string or C string. After braces, anything but `else` and `as` (which continue
    /// an expression) starts anew, literals too.
    fn word(&mut self, after_braces: bool) -> Option<()> {
        let start = self.at;
        self.name_bytes();
        if self.at == start {
            // A byte no Rust token starts with.
            return None;
        }
        let word = &self.bytes[start..self.at];
        self.restart_run_if(after_braces && word != b"else" && word != b"as");
        match (word, self.peek(0)) {
            (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                if word == b"r"
                    && self.peek(0) == Some(b'#')
                    && !matches!(self.peek(1), Some(b'"' | b'#'))
                {
                    // `r#name`: a raw identifier, never a chaining keyword.
                    self.at += 1;
                    self.name_bytes();
                    return Some(());
                }
                self.raw_string()
            }
            (b"b" | b"c", Some(b'"')) => self.string(),
            (b"b", Some(b'\'')) => self.quote(),
            _ => {
                if is_chaining_keyword(word) {
                    self.operators(1);
                }
                Some(())
            }
        }
    }
}

/// The first position from `at` whose byte `keep` refuses (or the end).
pub(super) fn skip_while(bytes: &[u8], at: usize, mut keep: impl FnMut(u8) -> bool) -> usize {
    let rest = &bytes[at..];
    at + rest
        .iter()
        .position(|&byte| !keep(byte))
        .unwrap_or(rest.len())
}

/// Where the block comment opening at `start` (its `/*`) ends, nested comments included;
/// `None` when it does not.
pub(super) fn block_comment_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 2;
    let mut depth = 1usize;
    while depth > 0 {
        // Nothing but a `/` or a `*` can open or close a comment.
        at += memchr::memchr2(b'/', b'*', bytes.get(at..)?)?;
        match (bytes[at], bytes.get(at + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                at += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                at += 2;
            }
            _ => at += 1,
        }
    }
    Some(at)
}

/// Where the string literal whose `"` is at `start` ends (escapes read); `None` when it
/// does not.
pub(super) fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    loop {
        // Only a `\\` or a `"` changes anything.
        at += memchr::memchr2(b'\\', b'"', bytes.get(at..)?)?;
        if bytes[at] == b'\\' {
            at += 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// The length of the UTF-8 sequence that starts with `first`.
pub(super) fn utf8_length(first: u8) -> usize {
    match first {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(text: &str) -> NestingBound {
        nesting_bound(text).expect("a bound")
    }

    #[test]
    fn chaining_keywords_are_the_token_checks() {
        for keyword in super::super::tokens::CHAINING_KEYWORDS {
            assert!(is_chaining_keyword(keyword.as_bytes()), "{keyword}");
        }
        for other in [
            "fn", "match", "loop", "while", "for", "mut", "ref", "where", "asx", "i",
        ] {
            assert!(!is_chaining_keyword(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn counts_levels_as_the_token_check_does() {
        assert_eq!(bound("fn f() {}").max_level, 1);
        assert_eq!(bound("fn f() { g(h([1])) }").max_level, 4);
    }

    #[test]
    fn brackets_in_literals_and_comments_do_not_nest() {
        let text = "fn f() { let s = \"(((\"; let c = '('; let r = r#\"\"(\"#; }";
        assert_eq!(bound(text).max_level, 1);
        // A comment may be a doc comment: one level where it is, no more.
        assert_eq!(bound("fn f() { /* ((( /* ((( */ */ }").max_level, 2);
        assert_eq!(bound("// (((\nfn f() {}").max_level, 1);
    }

    #[test]
    fn separators_end_runs_and_lifetimes_count() {
        assert_eq!(bound("a + b + c, d").max_run, 2);
        assert_eq!(bound("x => y + z").max_run, 1);
        assert_eq!(bound("fn f<'a>(x: &'a u8) {}").max_run, 3);
        assert_eq!(bound("if a { } else if b { }").max_run, 3);
        // `r#as` is a name, not the keyword.
        assert_eq!(bound("r#as r#if").max_run, 0);
    }

    #[test]
    fn runs_restart_where_the_token_check_restarts_them() {
        let items = "impl a::B for C {} impl d::E for F {} #[x] impl g::H for I {}";
        assert_eq!(bound(items).max_run, 4);
        // An `else if` chain, a method call or an operator after braces continues the run.
        assert_eq!(bound("if a::b {} else if c::d {} else {}").max_run, 8);
        assert_eq!(bound("x::y = {} .m() + {} as u8").max_run, 6);
        // A comment after braces may hide what follows: the run goes on.
        assert_eq!(bound("impl a::B {} /* c */ impl d::E {}").max_run, 8);
    }

    #[test]
    fn character_literals_are_not_lifetimes() {
        assert_eq!(
            bound("let c = 'a'; let d = '\\''; let e = '\\u{1F600}'; let f = 'é';").max_run,
            2
        );
        assert_eq!(bound("let x = b'}';").max_level, 0);
    }

    #[test]
    fn gives_no_bound_when_the_text_cannot_be_read() {
        assert_eq!(nesting_bound("let s = \"open"), None);
        assert_eq!(nesting_bound("/* open"), None);
        assert_eq!(nesting_bound("}"), None);
    }

    /// Every short string over the characters that start or end literals, comments and
    /// groups: the scan answers (a bound or none) and never panics.
    #[test]
    fn never_panics_on_short_tricky_texts() {
        const PIECES: &[&str] = &[
            "'", "\"", "\\", "/", "*", "r", "#", "b", "(", ")", "a", "é", "\n", "=", ">",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts
                .iter()
                .flat_map(|text| PIECES.iter().map(move |piece| format!("{text}{piece}")))
                .collect();
            for text in &texts {
                let _ = nesting_bound(text);
            }
        }
    }
}
