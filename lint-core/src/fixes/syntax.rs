//! One file's syntax for the fix builders: the syn tree, byte ranges of its nodes, the
//! statements and scrutinees around a position, indentation, and names free to introduce.

use crate::hash::HashSet;
use std::ops::Range;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::diagnostic::Edit;
use crate::source::{Edition, SourceFile};
use crate::span::{FileId, Span};

/// A parsed file with what the builders need to turn nodes into edits.
pub(super) struct FileSyntax<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub edition: Edition,
    pub tree: syn::File,
}

impl<'a> FileSyntax<'a> {
    pub fn parse(source: &'a SourceFile, file: FileId) -> Option<FileSyntax<'a>> {
        let tree = crate::lower::parse_syntax(&source.text, source.edition)?;
        Some(FileSyntax {
            file,
            text: &source.text,
            edition: source.edition,
            tree,
        })
    }

    /// The byte range a node covers.
    pub fn range(&self, node: &impl Spanned) -> Range<usize> {
        let range = node.span().byte_range();
        range.start.min(self.text.len())..range.end.min(self.text.len())
    }

    pub fn slice(&self, range: Range<usize>) -> &'a str {
        &self.text[range]
    }

    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range.start as u32, range.end as u32)
    }

    /// An edit of `range`; new line breaks follow the file's (`\r\n` in a CRLF file).
    pub fn edit(&self, range: Range<usize>, replacement: impl Into<String>) -> Edit {
        let mut replacement = replacement.into();
        if self.text.contains("\r\n") {
            replacement = replacement.replace("\r\n", "\n").replace('\n', "\r\n");
        }
        Edit {
            span: self.span(range),
            replacement,
        }
    }

    /// The leading whitespace of the line that holds `offset`.
    pub fn indentation_at(&self, offset: usize) -> &'a str {
        let line_start = self.text[..offset]
            .rfind('\n')
            .map_or(0, |newline| newline + 1);
        let line = &self.text[line_start..];
        let width = line.len() - line.trim_start_matches([' ', '\t']).len();
        &line[..width]
    }

    /// Where to insert a line after code ending at `offset`: the end of its line when only
    /// a comment or spaces follow (so a trailing comment stays with its code), else `offset`.
    pub fn line_end_after(&self, offset: usize) -> usize {
        let rest = &self.text[offset..];
        let line = rest.split('\n').next().unwrap_or("");
        let trimmed = line.trim();
        if trimmed.is_empty() || (trimmed.starts_with("//") && !trimmed.starts_with("///")) {
            offset + line.trim_end_matches('\r').len()
        } else {
            offset
        }
    }

    /// Code built with `quote` as text: the tokens that come from this file (a syn node
    /// interpolated with `#node`) are copied from the source as written, comments and line
    /// breaks included; the new tokens are spaced the way rustfmt writes them.
    pub fn render(&self, tokens: TokenStream) -> String {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = String::new();
        let mut glue_next = false;
        let mut index = 0;
        while index < trees.len() {
            if let Some(range) = self.source_range(&trees[index]) {
                let mut end = range.end;
                index += 1;
                while let Some(next) = trees.get(index).and_then(|tree| self.source_range(tree)) {
                    if next.start < end || !only_trivia(&self.text[end..next.start]) {
                        break;
                    }
                    end = next.end;
                    index += 1;
                }
                push_spaced(&mut out, &self.text[range.start..end], glue_next);
                glue_next = false;
                continue;
            }
            let joint = matches!(&trees[index], TokenTree::Punct(punct) if punct.spacing() == proc_macro2::Spacing::Joint);
            let piece = match &trees[index] {
                TokenTree::Group(group) => {
                    let inner = self.render(group.stream());
                    match group.delimiter() {
                        Delimiter::Parenthesis => format!("({inner})"),
                        Delimiter::Bracket => format!("[{inner}]"),
                        Delimiter::Brace => format!("{{ {inner} }}"),
                        Delimiter::None => inner,
                    }
                }
                other => other.to_string(),
            };
            push_spaced(&mut out, &piece, glue_next);
            glue_next = joint;
            index += 1;
        }
        out
    }

    /// The bytes a token covers in this file, when it was parsed from it.
    fn source_range(&self, tree: &TokenTree) -> Option<Range<usize>> {
        let range = tree.span().byte_range();
        if range.is_empty() || range.end > self.text.len() {
            return None;
        }
        let text = self.text.get(range.clone())?;
        let matches = match tree {
            TokenTree::Group(group) => match group.delimiter() {
                Delimiter::Parenthesis => text.starts_with('(') && text.ends_with(')'),
                Delimiter::Bracket => text.starts_with('[') && text.ends_with(']'),
                Delimiter::Brace => text.starts_with('{') && text.ends_with('}'),
                Delimiter::None => false,
            },
            other => text == other.to_string(),
        };
        matches.then_some(range)
    }

    /// One indentation step, as the file writes it (a tab, or four spaces).
    pub fn indent_unit(&self) -> &'static str {
        if self.text.lines().any(|line| line.starts_with('\t')) {
            "\t"
        } else {
            "    "
        }
    }

    /// A name for a new local whose scope holds `scope`: the first of `candidates` (then
    /// with `_guard`, then numbered) that is written nowhere in `scope` (so it shadows and
    /// captures nothing there) and is not a keyword.
    pub fn fresh_name(&self, candidates: &[&str], scope: TokenStream) -> String {
        let mut taken = HashSet::default();
        collect_identifiers(scope, &mut taken);
        let free = |name: &str| !taken.contains(name) && syn::parse_str::<syn::Ident>(name).is_ok();
        if let Some(candidate) = candidates.iter().find(|candidate| free(candidate)) {
            return (*candidate).to_string();
        }
        if let Some(guarded) = candidates
            .iter()
            .map(|candidate| format!("{candidate}_guard"))
            .find(|guarded| free(guarded))
        {
            return guarded;
        }
        let base = candidates.first().copied().unwrap_or("value");
        (2..)
            .map(|number| format!("{base}{number}"))
            .find(|name| free(name))
            .expect("some numbered name is free")
    }

    /// The tokens of the statements of the block holding `target`, from the one holding it
    /// to the block's end: the scope of a `let` put right before that statement.
    pub fn rest_of_block(&self, target: Range<usize>) -> TokenStream {
        match self.statement_around(target) {
            Some((block, index)) => block.stmts[index..]
                .iter()
                .flat_map(|statement| statement.to_token_stream())
                .collect(),
            None => self.tree.to_token_stream(),
        }
    }

    /// The innermost `match`, `if let` or `while let` whose scrutinee contains `target`.
    pub fn scrutinee_around(&self, target: Range<usize>) -> Option<Scrutinee<'_>> {
        let mut finder = ScrutineeFinder {
            syntax: self,
            target,
            found: None,
        };
        finder.visit_file(&self.tree);
        finder.found
    }

    /// The innermost statement of a block that contains `target`: the block and the index.
    pub fn statement_around(&self, target: Range<usize>) -> Option<(&syn::Block, usize)> {
        let mut finder = StatementFinder {
            syntax: self,
            target,
            found: None,
        };
        finder.visit_file(&self.tree);
        finder.found
    }

    /// The range of the statement holding the expression at `target` when that expression
    /// is the whole statement (`match x { .. }`, a block's tail) or the whole initializer of
    /// a `let`: the place a new `let` can go right before it.
    pub fn statement_start_for(&self, target: Range<usize>) -> Option<usize> {
        let (block, index) = self.statement_around(target.clone())?;
        let statement = &block.stmts[index];
        let whole = match statement {
            syn::Stmt::Expr(expr, _) => self.range(expr) == target,
            syn::Stmt::Local(local) => local
                .init
                .as_ref()
                .is_some_and(|init| init.diverge.is_none() && self.range(&init.expr) == target),
            _ => false,
        };
        whole.then(|| self.range(statement).start)
    }
}

/// What a guard-holding scrutinee belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScrutineeKind {
    Match,
    IfLet,
    WhileLet,
}

/// A `match`, `if let` or `while let` with its scrutinee and patterns.
pub(super) struct Scrutinee<'s> {
    pub kind: ScrutineeKind,
    /// The whole `match`/`if`/`while` expression.
    pub whole: Range<usize>,
    pub expr: &'s syn::Expr,
    /// For `if let`/`while let`: the `let PAT = EXPR` condition.
    pub condition: Option<Range<usize>>,
    /// The arms' patterns (one for `if let`/`while let`).
    pub patterns: Vec<&'s syn::Pat>,
    /// A `match`'s arms (empty for `if let`/`while let`).
    pub arms: Vec<&'s syn::Arm>,
}

struct ScrutineeFinder<'s, 'a> {
    syntax: &'s FileSyntax<'a>,
    target: Range<usize>,
    found: Option<Scrutinee<'s>>,
}

impl ScrutineeFinder<'_, '_> {
    fn contains(&self, node: &impl Spanned) -> bool {
        let range = self.syntax.range(node);
        range.start <= self.target.start && self.target.end <= range.end
    }
}

impl<'s> Visit<'s> for ScrutineeFinder<'s, '_> {
    fn visit_expr_match(&mut self, node: &'s syn::ExprMatch) {
        if self.contains(&node.expr) {
            self.found = Some(Scrutinee {
                kind: ScrutineeKind::Match,
                whole: self.syntax.range(node),
                expr: &node.expr,
                condition: None,
                patterns: node.arms.iter().map(|arm| &arm.pat).collect(),
                arms: node.arms.iter().collect(),
            });
        }
        visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'s syn::ExprIf) {
        if let syn::Expr::Let(condition) = &*node.cond
            && self.contains(&condition.expr)
        {
            self.found = Some(Scrutinee {
                kind: ScrutineeKind::IfLet,
                whole: self.syntax.range(node),
                expr: &condition.expr,
                condition: Some(self.syntax.range(condition)),
                patterns: vec![&condition.pat],
                arms: Vec::new(),
            });
        }
        visit::visit_expr_if(self, node);
    }

    fn visit_expr_while(&mut self, node: &'s syn::ExprWhile) {
        if let syn::Expr::Let(condition) = &*node.cond
            && self.contains(&condition.expr)
        {
            self.found = Some(Scrutinee {
                kind: ScrutineeKind::WhileLet,
                whole: self.syntax.range(node),
                expr: &condition.expr,
                condition: Some(self.syntax.range(condition)),
                patterns: vec![&condition.pat],
                arms: Vec::new(),
            });
        }
        visit::visit_expr_while(self, node);
    }
}

struct StatementFinder<'s, 'a> {
    syntax: &'s FileSyntax<'a>,
    target: Range<usize>,
    found: Option<(&'s syn::Block, usize)>,
}

impl<'s> Visit<'s> for StatementFinder<'s, '_> {
    fn visit_block(&mut self, node: &'s syn::Block) {
        for (index, statement) in node.stmts.iter().enumerate() {
            let range = self.syntax.range(statement);
            if range.start <= self.target.start && self.target.end <= range.end {
                self.found = Some((node, index));
            }
        }
        visit::visit_block(self, node);
    }
}

/// The identifiers of `tokens` that can name a local: not a field or method after `.`, not
/// a path segment after `::`.
fn collect_identifiers(tokens: TokenStream, out: &mut HashSet<String>) {
    let mut after_dot_or_colon = false;
    for token in tokens {
        match &token {
            TokenTree::Ident(ident) if !after_dot_or_colon => {
                let name = ident.to_string();
                out.insert(name.strip_prefix("r#").unwrap_or(&name).to_string());
            }
            TokenTree::Group(group) => collect_identifiers(group.stream(), out),
            _ => {}
        }
        after_dot_or_colon =
            matches!(&token, TokenTree::Punct(punct) if matches!(punct.as_char(), '.' | ':'));
    }
}

/// Whether the identifier `name` is written in `tokens` (macro arguments included).
pub(super) fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

/// The method a method-call chain ends with (`a.b().get(k)` → `get`).
pub(super) fn last_method(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::MethodCall(call) => Some(call.method.to_string()),
        syn::Expr::Paren(inner) => last_method(&inner.expr),
        _ => None,
    }
}

/// `text` with the lines after the first indented one step deeper, unless `tokens` (the
/// same code) hold a literal that spans lines, whose value added spaces would change.
pub(super) fn indented_deeper(text: &str, tokens: TokenStream, unit: &str) -> String {
    if !text.contains('\n') || has_multiline_literal(tokens) {
        return text.to_string();
    }
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            if index == 0 || line.trim().is_empty() {
                line.to_string()
            } else {
                format!("{unit}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `text` holds only whitespace and comments (no token). Doc comments are tokens.
fn only_trivia(text: &str) -> bool {
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if let Some(line) = rest.strip_prefix("//") {
            if line.starts_with('/') || line.starts_with('!') {
                return false;
            }
            rest = line.find('\n').map_or("", |at| &line[at..]);
        } else if let Some(block) = rest.strip_prefix("/*") {
            if block.starts_with('*') || block.starts_with('!') {
                return false;
            }
            let Some(end) = block.find("*/") else {
                return false;
            };
            rest = &block[end + 2..];
        } else {
            return false;
        }
        rest = rest.trim_start();
    }
    true
}

/// Appends `piece` with the space rustfmt would put before it (none after an opening
/// bracket, a `.` or a joint punctuation mark; none before `;`, `,`, `.`, `?`, a closing
/// bracket, or a call's or index's bracket).
fn push_spaced(out: &mut String, piece: &str, glued: bool) {
    let Some(last) = out.chars().last() else {
        out.push_str(piece);
        return;
    };
    let first = piece.chars().next().unwrap_or(' ');
    let glued_after = glued || matches!(last, '(' | '[' | '.' | '&' | '!') || last.is_whitespace();
    let glued_before = matches!(first, ';' | ',' | '.' | '?' | ')' | ']')
        || (matches!(first, '(' | '[')
            && (last.is_alphanumeric() || matches!(last, '_' | ')' | ']' | '>')));
    if !(glued_after || glued_before) {
        out.push(' ');
    }
    out.push_str(piece);
}

fn has_multiline_literal(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Literal(literal) => literal.to_string().contains('\n'),
        TokenTree::Group(group) => has_multiline_literal(group.stream()),
        _ => false,
    })
}

/// A new identifier as Rust writes it (`r#match` for a keyword), built with `quote`.
pub(super) fn identifier(name: &str) -> String {
    let ident = quote::format_ident!("{}", name);
    ident.to_token_stream().to_string()
}
