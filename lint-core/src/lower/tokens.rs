//! Token-level work before syn sees a file: refusing input whose nesting would make syn's
//! recursive descent overflow the stack, and rewriting the older editions' syntax that syn
//! does not accept into its modern equivalent (same spans, so findings point at the source).

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::source::Edition;

/// Deepest nesting of brackets, braces and parentheses the analysis accepts. Generated code
/// can nest thousands deep; past this the parser itself would risk the stack.
pub const MAX_TOKEN_NESTING: usize = 256;

/// Most operators and chaining keywords between two separators (`;`, `,`, `=>`, a `{ .. }`
/// group followed by a new item or statement) of one group. Each of them can add a level
/// to syn's recursion (`!!!!x`, `a + a + ..`, `|| || ..`, `Vec<Vec<..>>`, `x.f().g()..`,
/// `else if` chains); lowering refuses expressions nested more than `MAX_EXPR_NESTING`
/// anyway.
pub const MAX_OPERATOR_RUN: usize = 2_500;

/// Keywords that chain expressions or types without brackets.
pub(super) const CHAINING_KEYWORDS: &[&str] = &[
    "as", "else", "if", "let", "return", "break", "move", "async", "await", "dyn", "impl", "in",
];

/// Why a file is refused before parsing.
pub struct TooDeep {
    pub span: Span,
    pub message: String,
}

/// Checks bracket nesting and operator runs in one pass, without recursion.
pub fn check_nesting(tokens: &TokenStream) -> Result<(), TooDeep> {
    check_nesting_within(tokens, MAX_TOKEN_NESTING, MAX_OPERATOR_RUN)
}

/// [`check_nesting`] with the limits given: groups up to level `max_nesting` (a group in
/// the top level is level 1) and runs of up to `max_run` operators.
pub fn check_nesting_within(
    tokens: &TokenStream,
    max_nesting: usize,
    max_run: usize,
) -> Result<(), TooDeep> {
    // Per open group: its token iterator, the operators since the last separator, and
    // whether its previous token was a `{ .. }` group.
    let mut stack: Vec<(proc_macro2::token_stream::IntoIter, usize, bool)> =
        vec![(tokens.clone().into_iter(), 0, false)];
    let mut previous_was_equals = false;
    while let Some((iter, run, after_braces)) = stack.last_mut() {
        let Some(token) = iter.next() else {
            stack.pop();
            continue;
        };
        if std::mem::take(after_braces) && starts_anew_after_braces(&token) {
            *run = 0;
        }
        let mut is_equals = false;
        match &token {
            TokenTree::Group(group) => {
                *after_braces = group.delimiter() == Delimiter::Brace;
                if stack.len() > max_nesting {
                    return Err(TooDeep {
                        span: group.span_open(),
                        message: format!(
                            "this file nests brackets more than {max_nesting} levels deep; it was not analyzed"
                        ),
                    });
                }
                stack.push((group.stream().into_iter(), 0, false));
            }
            // An attribute's `#` (doc comments are attributes) never chains anything.
            TokenTree::Punct(punct) if punct.as_char() == '#' => {}
            TokenTree::Punct(punct) => {
                let separator = matches!(punct.as_char(), ';' | ',')
                    || (previous_was_equals && punct.as_char() == '>');
                if separator {
                    *run = 0;
                } else {
                    *run += 1;
                    is_equals = punct.as_char() == '=' && punct.spacing() == Spacing::Joint;
                    if *run > max_run {
                        return Err(operator_run(punct.span(), max_run));
                    }
                }
            }
            TokenTree::Ident(ident) => {
                if CHAINING_KEYWORDS.iter().any(|keyword| ident == keyword) {
                    *run += 1;
                    if *run > max_run {
                        return Err(operator_run(ident.span(), max_run));
                    }
                }
            }
            TokenTree::Literal(_) => {}
        }
        previous_was_equals = is_equals;
    }
    Ok(())
}

/// Whether `token`, right after a `{ .. }` group, starts a new item or statement rather
/// than continuing an expression: items (`impl X for Y {} impl ..`, `fn f() -> T {} fn ..`)
/// and statements (`if a {} if b {}`) follow each other without a separator, and syn parses
/// them in a loop, not by recursion. An `else` (an `else if` chain nests), an `as`, and
/// every punctuation but an attribute's `#` (`{..}.m()`, `{..} + x`) continue it.
fn starts_anew_after_braces(token: &TokenTree) -> bool {
    match token {
        TokenTree::Ident(ident) => ident != "else" && ident != "as",
        TokenTree::Punct(punct) => punct.as_char() == '#',
        TokenTree::Group(_) | TokenTree::Literal(_) => true,
    }
}

fn operator_run(span: Span, max_run: usize) -> TooDeep {
    TooDeep {
        span,
        message: format!(
            "this file chains more than {max_run} operators in one expression or type; it was not analyzed"
        ),
    }
}

/// Rewrites what editions 2015 and 2018 accept and syn does not: identifiers that later
/// became keywords (`async`, `await`, `try`, `dyn` used as names), anonymous parameters in
/// trait methods (`fn f(&self, u8);`), and bare trait objects with sugar (`Box<Fn(u8) +
/// Send>`). Spans are kept.
pub fn rewrite_for_edition(tokens: TokenStream, edition: Edition, text: &str) -> TokenStream {
    if edition >= Edition::E2021 || !needs_rewrite(text, edition) {
        return tokens;
    }
    rewrite_stream(tokens, edition, false)
}

/// Whether the text may hold what the rewrite acts on (a text test, so it may say yes for
/// a comment or a string; never no for a file the rewrite changes): `Fn`, `FnMut` or
/// `FnOnce` where a bare trait object can be (see [`may_write_bare_fn_trait`]) in both
/// editions; in 2015 also the words `async`, `await`, `try`, `dyn` and `trait` standing
/// alone (anonymous parameters are only rewritten inside a trait). Rebuilding the token
/// stream copies every token, and generated 2018 crates (`windows`) write `F: FnOnce(..)`
/// bounds and name thousands of items `..Fn..` without one bare trait object.
pub(super) fn needs_rewrite(text: &str, edition: Edition) -> bool {
    let words: &[&str] = if edition == Edition::E2015 {
        &["async", "await", "try", "dyn", "trait"]
    } else {
        &[]
    };
    may_write_bare_fn_trait(text) || words.iter().any(|word| has_word(text, word))
}

/// Whether `word` occurs in `text` with no identifier character on either side. Only ASCII
/// counts as an identifier character here, so a word next to a non-ASCII letter is found
/// too: the test may say yes wrongly, never no.
fn has_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(word).any(|(start, _)| {
        let end = start + word.len();
        (start == 0 || !is_ascii_identifier_byte(bytes[start - 1]))
            && bytes
                .get(end)
                .is_none_or(|next| !is_ascii_identifier_byte(*next))
    })
}

/// Whether `Fn`, `FnMut` or `FnOnce` stands alone somewhere with a `(` after it and, before
/// it, what `is_bare_fn_trait` accepts (`<`, `&`, `,`, `=` or `mut`). A comment or a
/// non-ASCII character on either side (Rust counts some as whitespace) makes it say yes.
fn may_write_bare_fn_trait(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices("Fn").any(|(start, _)| {
        if start > 0 && is_ascii_identifier_byte(bytes[start - 1]) {
            return false;
        }
        let after_fn = &bytes[start + 2..];
        let rest = after_fn
            .strip_prefix(b"Mut")
            .or_else(|| after_fn.strip_prefix(b"Once"))
            .unwrap_or(after_fn);
        if rest
            .first()
            .is_some_and(|next| is_ascii_identifier_byte(*next))
        {
            return false;
        }
        let next = rest.trim_ascii_start().first();
        if !matches!(next, Some(b'(' | b'/' | 0x80..)) {
            return false;
        }
        let before = bytes[..start].trim_ascii_end();
        let crossed_line = bytes[before.len()..start].contains(&b'\n');
        let line = &before[before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |at| at + 1)..];
        if crossed_line && line.windows(2).any(|pair| pair == b"//") {
            // The line before may end in a comment: what comes before `Fn` is unknown.
            return true;
        }
        match before.last() {
            Some(b'<' | b'&' | b',' | b'=' | b'/' | 0x80..) => true,
            _ => {
                before.ends_with(b"mut")
                    && (before.len() == 3 || !is_ascii_identifier_byte(before[before.len() - 4]))
            }
        }
    })
}

fn is_ascii_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

pub(super) fn rewrite_stream(tokens: TokenStream, edition: Edition, in_trait: bool) -> TokenStream {
    let input: Vec<TokenTree> = tokens.into_iter().collect();
    let mut output: Vec<TokenTree> = Vec::with_capacity(input.len());
    let mut trait_body_next = false;
    for (index, token) in input.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if name == "trait" {
                    trait_body_next = true;
                }
                if edition == Edition::E2015 && is_later_keyword(&name, &input, index) {
                    output.push(TokenTree::Ident(Ident::new_raw(&name, ident.span())));
                    continue;
                }
                if is_bare_fn_trait(&input, index) {
                    output.push(TokenTree::Ident(Ident::new("dyn", ident.span())));
                }
                output.push(token.clone());
            }
            TokenTree::Group(group) => {
                let trait_body = trait_body_next && group.delimiter() == Delimiter::Brace;
                if group.delimiter() == Delimiter::Brace {
                    trait_body_next = false;
                }
                let mut inner = rewrite_stream(group.stream(), edition, trait_body);
                let is_fn_params = in_trait
                    && group.delimiter() == Delimiter::Parenthesis
                    && follows_fn_name(&input, index);
                if is_fn_params && edition == Edition::E2015 {
                    inner = name_anonymous_params(inner);
                }
                let mut rebuilt = Group::new(group.delimiter(), inner);
                rebuilt.set_span(group.span());
                output.push(TokenTree::Group(rebuilt));
            }
            _ => output.push(token.clone()),
        }
    }
    output.into_iter().collect()
}

/// `async`, `await`, `try` (keywords since 2018) are names in 2015; so is `dyn` where no
/// type follows it.
fn is_later_keyword(name: &str, tokens: &[TokenTree], index: usize) -> bool {
    match name {
        "async" | "await" | "try" => true,
        "dyn" => {
            !matches!(tokens.get(index + 1), Some(TokenTree::Ident(_)))
                && !matches!(tokens.get(index + 1), Some(TokenTree::Punct(p))
            if matches!(p.as_char(), '?' | '\'') || (p.as_char() == ':' && p.spacing() == Spacing::Joint))
        }
        _ => false,
    }
}

/// `Fn(..)`, `FnMut(..)`, `FnOnce(..)` written as a type argument, behind `&` or as the
/// whole of a type alias, with no `dyn`: a bare trait object (2015/2018), which syn reads
/// only with `dyn`. A variant or tuple struct named `Fn` (`enum E { A(u8), Fn(u8) }`,
/// `E::Fn(x)`) is not a type and is left alone.
fn is_bare_fn_trait(tokens: &[TokenTree], index: usize) -> bool {
    let TokenTree::Ident(ident) = &tokens[index] else {
        return false;
    };
    if !(ident == "Fn" || ident == "FnMut" || ident == "FnOnce") {
        return false;
    }
    let parenthesized = matches!(tokens.get(index + 1),
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis);
    let in_type_position = match index.checked_sub(1).map(|previous| &tokens[previous]) {
        Some(TokenTree::Punct(punct)) => match punct.as_char() {
            '<' | '&' => true,
            ',' => within_angle_brackets(&tokens[..index]),
            '=' => is_type_alias_value(&tokens[..index - 1]),
            _ => false,
        },
        Some(TokenTree::Ident(previous)) => previous == "mut",
        _ => false,
    };
    parenthesized && in_type_position
}

/// Whether the end of `before` is inside an open `<`: a `,` there separates type
/// arguments (`Box<A, Fn(u8)>`), not enum variants or fields.
fn within_angle_brackets(before: &[TokenTree]) -> bool {
    let mut closed = 0usize;
    for (position, token) in before.iter().enumerate().rev() {
        let TokenTree::Punct(punct) = token else {
            continue;
        };
        match punct.as_char() {
            ';' => return false,
            '>' if !is_arrow_tail(&before[..position]) => closed += 1,
            '<' if closed == 0 => return true,
            '<' => closed -= 1,
            _ => {}
        }
    }
    false
}

/// Whether the `>` that follows `before` ends `->` or `=>` rather than a generic list.
fn is_arrow_tail(before: &[TokenTree]) -> bool {
    matches!(before.last(), Some(TokenTree::Punct(punct))
        if matches!(punct.as_char(), '-' | '=') && punct.spacing() == Spacing::Joint)
}

/// Whether `before` (what precedes an `=`) is `type Name` or `type Name<..>`.
fn is_type_alias_value(before: &[TokenTree]) -> bool {
    let mut open = 0usize;
    for token in before.iter().rev() {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '>' => open += 1,
            TokenTree::Punct(punct) if punct.as_char() == '<' => open = open.saturating_sub(1),
            TokenTree::Ident(ident) if ident == "type" => return true,
            TokenTree::Ident(_) => {}
            _ if open > 0 => {}
            _ => return false,
        }
    }
    false
}

/// Whether the group at `index` is the parameter list of `fn name` (or `fn name<..>`).
fn follows_fn_name(tokens: &[TokenTree], index: usize) -> bool {
    let mut cursor = index;
    let mut angle_depth = 0usize;
    while cursor > 0 {
        cursor -= 1;
        match &tokens[cursor] {
            TokenTree::Punct(punct) if punct.as_char() == '>' => angle_depth += 1,
            TokenTree::Punct(punct) if punct.as_char() == '<' => {
                angle_depth = angle_depth.saturating_sub(1)
            }
            TokenTree::Ident(ident) if angle_depth == 0 => {
                return cursor > 0
                    && matches!(&tokens[cursor - 1], TokenTree::Ident(keyword) if keyword == "fn")
                    && ident != "fn";
            }
            _ if angle_depth > 0 => {}
            _ => return false,
        }
    }
    false
}

/// `(&self, u8, &str)` → `(&self, _: u8, _: &str)`: a parameter without a `name:` is a
/// type (edition 2015 trait methods).
fn name_anonymous_params(params: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = params.into_iter().collect();
    let mut output = Vec::with_capacity(tokens.len() + 8);
    for (position, part) in split_parameters(&tokens).into_iter().enumerate() {
        if position > 0 {
            output.push(TokenTree::Punct(Punct::new(',', Spacing::Alone)));
        }
        if !part.is_empty() && !has_colon(part) && !is_self_receiver(part) {
            let span = part[0].span();
            output.push(TokenTree::Ident(Ident::new("_", span)));
            let mut colon = Punct::new(':', Spacing::Alone);
            colon.set_span(span);
            output.push(TokenTree::Punct(colon));
        }
        output.extend(part.iter().cloned());
    }
    output.into_iter().collect()
}

/// The parameters of a list: split at the commas outside `<..>` (a comma inside
/// `Serializer<W, O>` separates type arguments, not parameters).
fn split_parameters(tokens: &[TokenTree]) -> Vec<&[TokenTree]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut open_angles = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        let TokenTree::Punct(punct) = token else {
            continue;
        };
        match punct.as_char() {
            '<' => open_angles += 1,
            '>' if !is_arrow_tail(&tokens[..index]) => open_angles = open_angles.saturating_sub(1),
            ',' if open_angles == 0 => {
                parts.push(&tokens[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// A single `:` (not part of `::`) at the top level of a parameter.
fn has_colon(part: &[TokenTree]) -> bool {
    part.iter().enumerate().any(|(index, token)| {
        let TokenTree::Punct(punct) = token else {
            return false;
        };
        let previous_is_colon = index > 0
            && matches!(&part[index - 1], TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Joint);
        punct.as_char() == ':' && punct.spacing() == Spacing::Alone && !previous_is_colon
    })
}

/// `self`, `&self`, `&mut self`, `&'a self`, `mut self`.
fn is_self_receiver(part: &[TokenTree]) -> bool {
    matches!(part.last(), Some(TokenTree::Ident(ident)) if ident == "self")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(text: &str, edition: Edition) -> String {
        let tokens: TokenStream = text.parse().expect("tokens");
        rewrite_for_edition(tokens, edition, text).to_string()
    }

    #[test]
    fn edition_2015_names_and_anonymous_params_parse() {
        for text in [
            "trait Store { fn get(&self, u8) -> u8; fn put(&mut self, Self, &str); }",
            "trait Enc { fn len<W, O>(ser: &mut Ser<W, O>, len: usize); fn f(Map<u8, u8>, u8); }",
            "trait Zip { fn zip<F: Fn(u8) -> u8>(self, lhs: Array<B, Self::Length>, f: F); }",
            "fn async() {} fn f() { let try = 1; let dyn = 2; let await = try + dyn; }",
            "fn f(g: Box<Fn(u8) + Send>) -> Box<FnMut() -> u8 + 'static> { g }",
            "fn f(g: &Fn(u8)) {}",
            "type Action = Fn(&u8) + Send + Sync; type Boxed<T> = Fn(T) -> T + Send;",
            "fn f(g: HashMap<u8, Fn(u8) + Send>) {}",
        ] {
            let rewritten = rewritten(text, Edition::E2015);
            assert!(syn::parse_file(&rewritten).is_ok(), "{text}\n→ {rewritten}");
        }
    }

    #[test]
    fn only_files_that_may_write_the_words_are_rewritten() {
        let bare = [
            "fn f(g: Box<Fn(u8)>) {}",
            "fn f(g: &FnMut()) {}",
            "fn f(g: &mut FnOnce()) {}",
            "fn f(g: HashMap<u8, Fn(u8) + Send>) {}",
            "type A = Fn(u8);",
            "fn f(g: Box</* c */ Fn(u8)>) {}",
            "fn f(g: Box<Fn /* c */ (u8)>) {}",
            "fn f(g: Box< // c\n Fn(u8)>) {}",
        ];
        for text in bare {
            assert!(needs_rewrite(text, Edition::E2018), "{text}");
        }
        let not_bare = [
            "fn GetFnPtr() {} struct PFnOnce;",
            "fn f<F: FnOnce(u8)>(f: F) {}",
            "fn f(f: impl Fn(u8), g: Box<dyn FnMut()>) {}",
            "fn f(g: &'a Fn) {}",
            "fn f(g: Box<FnMutex>) {}",
            "fn f(g: &promut Fn(u8)) {}",
        ];
        for text in not_bare {
            assert!(!needs_rewrite(text, Edition::E2018), "{text}");
        }
        assert!(!needs_rewrite(
            "fn retry() { let trait_name = 1; }",
            Edition::E2015
        ));
        assert!(needs_rewrite("fn f() { let r#try = 1; }", Edition::E2015));
        assert!(needs_rewrite("fn f() { async {} }", Edition::E2015));
    }

    /// Every file the text test turns away is one the rewrite leaves as it is.
    #[test]
    fn files_not_rewritten_are_the_rewrites_fixed_points() {
        let texts = [
            "fn f<F: FnOnce(u8)>(f: F) {} fn g(f: impl Fn(u8)) {}",
            "struct S { f: Box<dyn FnMut()> } fn GetFnPtr() {}",
            "fn f(g: &'a Fn) {}",
        ];
        for text in texts {
            assert!(!needs_rewrite(text, Edition::E2018), "{text}");
            let tokens: TokenStream = text.parse().unwrap();
            let rewritten = rewrite_stream(tokens.clone(), Edition::E2018, false);
            assert_eq!(rewritten.to_string(), tokens.to_string(), "{text}");
        }
    }

    #[test]
    fn variants_named_fn_are_not_trait_objects() {
        for text in [
            "enum Inner { Exact(u8), Fn(Arc<dyn Fn(u8) + Send>), Other }",
            "fn f(x: u8) -> Inner { match x { 0 => Inner::Exact(x), _ => Inner::Fn(g) } }",
            "fn f(x: Inner) { match x { Inner::Exact(_) | Inner::Fn(_) => {} } }",
            "fn f() { let pair = (1, Fn(2)); let other = Fn(3); }",
        ] {
            for edition in [Edition::E2015, Edition::E2018] {
                let rewritten = rewritten(text, edition);
                assert!(!rewritten.contains("dyn Fn (2"), "{text}\n→ {rewritten}");
                assert!(syn::parse_file(&rewritten).is_ok(), "{text}\n→ {rewritten}");
            }
        }
    }

    #[test]
    fn bounds_and_modern_editions_are_untouched() {
        let text = "fn f<F: Fn(u8) + Send>(f: F) where F: FnMut() {}";
        assert_eq!(
            rewritten(text, Edition::E2015),
            text.parse::<TokenStream>().unwrap().to_string()
        );
        let text = "async fn f() { x.await; }";
        assert_eq!(
            rewritten(text, Edition::E2021),
            text.parse::<TokenStream>().unwrap().to_string()
        );
    }

    #[test]
    fn long_operator_runs_are_refused_before_parsing() {
        for text in [
            format!("fn f() {{ {}true }}", "!".repeat(3_000)),
            format!("fn f() {{ {}1 }}", "1 + ".repeat(3_000)),
            format!("fn f() {{ {}1 }}", "|| ".repeat(3_000)),
            format!("type T = {}u8{};", "Vec<".repeat(2_000), ">".repeat(2_000)),
        ] {
            let tokens: TokenStream = text.parse().expect("tokens");
            assert!(check_nesting(&tokens).is_err());
        }
        let many_arms: String = (0..3_000).map(|i| format!("{i} => {{}}\n")).collect();
        let text = format!("fn f(x: u32) {{ match x {{ {many_arms} _ => {{}} }} }}");
        let tokens: TokenStream = text.parse().expect("tokens");
        assert!(
            check_nesting(&tokens).is_ok(),
            "match arms are separated by `=>`"
        );
    }
}
