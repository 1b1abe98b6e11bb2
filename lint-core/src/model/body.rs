//! Function bodies: blocks, statements and expressions, in evaluation order.
//!
//! The tree keeps what decides when values (guards, permits, futures) are created and
//! dropped: block and statement boundaries, `let` bindings and patterns, scrutinees of
//! `match`/`if let`/`while let`, closures and async blocks, loops, awaits and calls.
//! Expressions that only combine values (operators, literals, tuples, struct literals,
//! casts) become [`ExprKind::Compound`] with their operands in order.

use super::{PathRef, SharedType};
use crate::span::Span;
use thin_vec::ThinVec;

/// A function's body as the facts keep it: its span, and its [`Block`] as postcard bytes
/// (about a quarter of the tree's memory: bodies are most of the lowered facts), its spans'
/// starts relative to each other ([`crate::span::relative_starts`]) and the bytes
/// LZ4-compressed when that makes them shorter (together 37 % less: at the benchmark
/// corpus's full size, 297 MiB of bodies became 186).
///
/// Reading it through `Deref` (`function.body.walk(..)`, `&function.body`) decodes the tree
/// once and keeps it: the passes that look at a few bodies read them that way. The passes
/// that read every body (local types with call sites, the lock walks) take a copy for the
/// moment with [`Body::read`], which keeps nothing, so the run never holds every tree.
pub struct Body {
    /// The block's span (readable without decoding).
    pub span: Span,
    bytes: Box<[u8]>,
    decoded: std::sync::OnceLock<Box<Block>>,
}

impl Body {
    /// The body of `block`, encoded.
    pub fn new(block: Block) -> Body {
        // Written after the tag a raw body keeps, so that one needs no copy.
        let tagged = crate::span::relative_starts(block.span.byte_start, || {
            postcard::to_extend(&block, vec![STORED_RAW]).unwrap_or_else(|_| vec![STORED_RAW])
        });
        Body {
            span: block.span,
            bytes: compress(tagged),
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// The tree, decoded now and dropped with the returned value unless it was already kept.
    pub fn read(&self) -> std::borrow::Cow<'_, Block> {
        match self.decoded.get() {
            Some(kept) => std::borrow::Cow::Borrowed(kept),
            None => std::borrow::Cow::Owned(self.decode()),
        }
    }

    /// Whether the tree is kept decoded (after a read through `Deref`).
    pub fn is_kept_decoded(&self) -> bool {
        self.decoded.get().is_some()
    }

    /// The size of the stored tree in bytes (compressed when that made it shorter).
    pub fn encoded_len(&self) -> usize {
        self.bytes.len()
    }

    fn decode(&self) -> Block {
        // Spans are stored without their file: they get the body's own.
        let empty = || Block {
            stmts: Vec::new(),
            span: self.span,
        };
        let Some(encoded) = decompress(&self.bytes) else {
            return empty();
        };
        super::persist::loading_as(self.span.file, || {
            crate::span::relative_starts(self.span.byte_start, || postcard::from_bytes(&encoded))
        })
        .unwrap_or_else(|_| empty())
    }
}

/// How a body's bytes start: the postcard bytes follow as they are, or compressed.
const STORED_RAW: u8 = 0;
const STORED_LZ4: u8 = 1;

/// Bodies shorter than this are kept as they are: LZ4 finds little to share in them.
const SMALLEST_COMPRESSED: usize = 64;

/// A body's postcard bytes (given after the [`STORED_RAW`] tag) as kept: LZ4-compressed
/// (block format, the length before the block) behind [`STORED_LZ4`] when that makes
/// them shorter, as given otherwise. The trees repeat their paths, names and shapes, and
/// the encoded bodies are the largest part of the facts a run keeps.
fn compress(tagged: Vec<u8>) -> Box<[u8]> {
    let encoded = &tagged[1..];
    if encoded.len() >= SMALLEST_COMPRESSED {
        let compressed = lz4_flex::compress_prepend_size(encoded);
        if compressed.len() < encoded.len() {
            let mut stored = Vec::with_capacity(1 + compressed.len());
            stored.push(STORED_LZ4);
            stored.extend_from_slice(&compressed);
            return stored.into_boxed_slice();
        }
    }
    tagged.into_boxed_slice()
}

/// Whether the length written before an LZ4 block is one the block can expand to (LZ4
/// expands at most 255 times): a damaged length must not make the decoder allocate
/// gigabytes before it finds the block is wrong.
fn plausible_length(compressed: &[u8]) -> bool {
    let Some((length, block)) = compressed.split_first_chunk::<4>() else {
        return false;
    };
    u32::from_le_bytes(*length) as usize <= block.len().saturating_mul(255)
}

/// The postcard bytes [`compress`] stored, or `None` for bytes it did not write.
fn decompress(stored: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    match stored.split_first()? {
        (&STORED_RAW, encoded) => Some(std::borrow::Cow::Borrowed(encoded)),
        (&STORED_LZ4, compressed) if plausible_length(compressed) => {
            lz4_flex::decompress_size_prepended(compressed)
                .ok()
                .map(std::borrow::Cow::Owned)
        }
        _ => None,
    }
}

impl std::ops::Deref for Body {
    type Target = Block;

    fn deref(&self) -> &Block {
        self.decoded.get_or_init(|| Box::new(self.decode()))
    }
}

impl Clone for Body {
    fn clone(&self) -> Body {
        Body {
            span: self.span,
            bytes: self.bytes.clone(),
            decoded: std::sync::OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.read().fmt(formatter)
    }
}

/// Stored as its span and its bytes (the bytes are already the tree's encoding).
impl serde::Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if crate::span::writing_interface() {
            return serializer.serialize_unit();
        }
        (self.span, Bytes(&self.bytes)).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Body, D::Error> {
        let (span, bytes) = <(Span, OwnedBytes)>::deserialize(deserializer)?;
        Ok(Body {
            span,
            bytes: bytes.0,
            decoded: std::sync::OnceLock::new(),
        })
    }
}

/// Bytes written as one byte string (serde's default writes a sequence of numbers).
struct Bytes<'b>(&'b [u8]);

impl serde::Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// A byte string read back.
struct OwnedBytes(Box<[u8]>);

impl<'de> serde::Deserialize<'de> for OwnedBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<OwnedBytes, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = OwnedBytes;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<OwnedBytes, E> {
                Ok(OwnedBytes(bytes.into()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<OwnedBytes, E> {
                Ok(OwnedBytes(bytes.into_boxed_slice()))
            }
        }
        deserializer.deserialize_bytes(Visitor)
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

impl Block {
    /// The value-producing last expression of the block (no trailing `;`), if any.
    pub fn tail(&self) -> Option<&Expr> {
        match self.stmts.last() {
            Some(Stmt::Expr { expr, semi: false }) => Some(expr),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Stmt {
    Let(Box<LetStmt>),
    /// An expression statement; `semi` tells whether a `;` ends it.
    Expr {
        expr: Expr,
        semi: bool,
    },
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LetStmt {
    pub pattern: Pattern,
    pub ty: Option<SharedType>,
    pub init: Option<Expr>,
    /// `let .. else { .. }` (boxed: rare, and a `let` is then 136 bytes, not 168, which
    /// the allocator would round up to 192).
    pub else_block: Option<Box<Block>>,
    pub span: Span,
}

/// A name a pattern binds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    pub name: compact_str::CompactString,
    pub by_ref: bool,
    pub span: Span,
}

/// What a pattern binds, and whether it is `_` (which binds and keeps nothing).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pattern {
    pub bindings: ThinVec<Binding>,
    pub is_wildcard: bool,
    /// A single identifier pattern (`x`, `mut x`, `ref x`) rather than a destructuring one.
    pub is_simple: bool,
    /// The enum variant or struct a pattern matches (`Err` in `Err(e)`, `None`), if any.
    pub variant: Option<compact_str::CompactString>,
    /// For a tuple pattern, the name each position binds (`(tx, _)` is `[Some(tx), None]`).
    pub tuple_names: ThinVec<Option<String>>,
    pub span: Span,
}

impl Pattern {
    /// The bound name of a simple `x` pattern.
    pub fn simple_name(&self) -> Option<&str> {
        if self.is_simple {
            self.bindings.first().map(|binding| binding.name.as_str())
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Arm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum LoopKind {
    /// `for pattern in iterable { .. }`.
    For(Box<ForHead>),
    /// `while condition { .. }` (the condition may be an [`ExprKind::Let`]).
    While { condition: Box<Expr> },
    /// `loop { .. }`.
    Infinite,
}

/// What a `for` loop binds and iterates (one box: a loop kind is then 16 bytes, and a
/// loop's [`ExprKind`] no larger than the others).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ForHead {
    pub pattern: Pattern,
    pub iterable: Expr,
}

/// A macro invocation in expression or statement position.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MacroCall {
    pub path: PathRef,
    /// The arguments, when the macro is one whose arguments are known to be expressions
    /// (`vec!`, `assert!`, `format!`, ...) and they parsed. A thin vector: a macro call is
    /// then 40 bytes (with its 24-byte path), not 64.
    pub args: thin_vec::ThinVec<Expr>,
    /// True when the arguments were not looked into (unknown macro or unparsable tokens).
    pub opaque: bool,
}

/// A struct literal: the fields in written order (shorthand `short` is `short: short`),
/// then the base it is completed from (`..rest`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StructLiteral {
    pub path: PathRef,
    pub fields: Vec<(String, Expr)>,
    pub rest: Option<Expr>,
}

/// An expression: 40 bytes (a test locks the sizes in). Variants whose payload would make
/// every expression larger keep it behind a `Box` (blocks, branches, loops, closures, field
/// accesses, macro calls, a method's name, span and arguments), because most expressions
/// are paths, calls and method calls. The kind is 24 bytes: a path's 24 bytes, and every
/// other variant in the first 16 bytes beside a few flags, its variant told by a value of
/// the path's last byte that a path never has.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ExprKind {
    /// A path: a local variable, a constant, a function name, `Self`.
    Path(PathRef),
    Literal,
    /// A string literal: its first characters (enough to tell a SQL statement's kind).
    Text(Box<str>),
    Call {
        callee: Box<Expr>,
        /// A thin vector, as a method call's arguments.
        args: thin_vec::ThinVec<Expr>,
    },
    MethodCall {
        receiver: Box<Expr>,
        /// The name, where it is written and the arguments (boxed: see [`Method`]).
        method: Method,
    },
    /// `base.member` (boxed: two fields would not fit beside the variant's value).
    Field(Box<FieldAccess>),
    Await(Box<Expr>),
    /// `expr?`.
    Try(Box<Expr>),
    /// `&expr` / `&mut expr`.
    Reference {
        mutable: bool,
        expr: Box<Expr>,
    },
    /// `*expr`.
    Deref(Box<Expr>),
    /// A plain, `unsafe` or `const` block.
    Block(Box<Block>),
    /// `async { .. }` / `async move { .. }`.
    Async {
        is_move: bool,
        body: Box<Block>,
    },
    Closure(Box<ClosureExpr>),
    If(Box<IfExpr>),
    /// `let pattern = scrutinee` inside an `if`/`while` condition.
    Let {
        pattern: Box<Pattern>,
        scrutinee: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        /// A thin vector (8 bytes, its length in the allocation).
        arms: ThinVec<Arm>,
    },
    /// A loop (its label is not kept: nothing reads it).
    Loop(Box<LoopExpr>),
    /// `a = b` and compound assignment `a += b`.
    Assign {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `a && b` / `a || b`: the right side may not run (and let-chains live here).
    LazyBoolean {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Return(Option<Box<Expr>>),
    Break(Option<Box<Expr>>),
    Continue,
    Macro(Box<MacroCall>),
    /// `Path { field: value, short, ..rest }`.
    Struct(Box<StructLiteral>),
    /// `base[index]`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `a < b`, `a <= b`, `a > b`, `a >= b`: an ordering between two values.
    Compare {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Any other expression: its operands in evaluation order (a thin vector).
    Compound(ThinVec<Expr>),
}

/// `base.member`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FieldAccess {
    pub base: Expr,
    /// Inline up to 24 bytes: no allocation for a field's name.
    pub member: compact_str::CompactString,
}

/// `|params| body`, `move`, `async` or both.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ClosureExpr {
    pub is_move: bool,
    pub is_async: bool,
    pub params: ThinVec<Pattern>,
    pub body: Expr,
}

/// `if condition { then_branch } else else_branch`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IfExpr {
    pub condition: Expr,
    pub then_branch: Block,
    pub else_branch: Option<Expr>,
}

/// A loop: how it repeats and its body.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LoopExpr {
    pub kind: LoopKind,
    pub body: Block,
}

/// The method of an [`ExprKind::MethodCall`]: its name, where the name is written and the
/// call's arguments, in one box (48 bytes) so that a method call takes no more room in an
/// [`Expr`] than a plain call (turbofish types are not kept: nothing read them). It reads as
/// its name: `method == "lock"`, `method.as_str()`, and `&method` where a `&str` is expected.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Method(Box<MethodParts>);

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct MethodParts {
    /// Inline up to 24 bytes: no allocation for a method's name.
    name: compact_str::CompactString,
    span: Span,
    /// A thin vector (8 bytes, its length in the allocation).
    args: ThinVec<Expr>,
}

impl Method {
    pub fn new(name: compact_str::CompactString, span: Span, args: ThinVec<Expr>) -> Method {
        Method(Box::new(MethodParts { name, span, args }))
    }

    /// The call's arguments, in written order (the receiver is not one).
    pub fn args(&self) -> &[Expr] {
        &self.0.args
    }

    pub fn as_str(&self) -> &str {
        &self.0.name
    }

    /// Where the method's name is written.
    pub fn span(&self) -> Span {
        self.0.span
    }
}

impl std::ops::Deref for Method {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Method {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Expr {
    /// Calls `visit` on each direct sub-expression, in evaluation order. Blocks' statements
    /// are visited through their expressions and `let` initializers.
    pub fn for_each_child<'a, F: FnMut(&'a Expr) + ?Sized>(&'a self, visit: &mut F) {
        match &self.kind {
            ExprKind::Path(_) | ExprKind::Literal | ExprKind::Text(_) | ExprKind::Continue => {}
            ExprKind::Call { callee, args } => {
                visit(callee);
                args.iter().for_each(&mut *visit);
            }
            ExprKind::MethodCall { receiver, method } => {
                visit(receiver);
                method.args().iter().for_each(&mut *visit);
            }
            ExprKind::Field(field) => visit(&field.base),
            ExprKind::Await(inner)
            | ExprKind::Try(inner)
            | ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner) => visit(inner),
            ExprKind::Block(block) | ExprKind::Async { body: block, .. } => {
                block.for_each_expr(visit)
            }
            ExprKind::Closure(closure) => visit(&closure.body),
            ExprKind::If(if_expr) => {
                visit(&if_expr.condition);
                if_expr.then_branch.for_each_expr(visit);
                if let Some(else_branch) = &if_expr.else_branch {
                    visit(else_branch);
                }
            }
            ExprKind::Let { scrutinee, .. } => visit(scrutinee),
            ExprKind::Match { scrutinee, arms } => {
                visit(scrutinee);
                for arm in arms {
                    if let Some(guard) = &arm.guard {
                        visit(guard);
                    }
                    visit(&arm.body);
                }
            }
            ExprKind::Loop(loop_expr) => {
                match &loop_expr.kind {
                    LoopKind::For(head) => visit(&head.iterable),
                    LoopKind::While { condition } => visit(condition),
                    LoopKind::Infinite => {}
                }
                loop_expr.body.for_each_expr(visit);
            }
            ExprKind::Assign { target, value } => {
                visit(value);
                visit(target);
            }
            ExprKind::LazyBoolean { lhs, rhs } => {
                visit(lhs);
                visit(rhs);
            }
            ExprKind::Return(value) | ExprKind::Break(value) => {
                if let Some(value) = value {
                    visit(value);
                }
            }
            ExprKind::Macro(call) => call.args.iter().for_each(visit),
            ExprKind::Struct(literal) => {
                literal.fields.iter().for_each(|(_, value)| visit(value));
                if let Some(rest) = &literal.rest {
                    visit(rest);
                }
            }
            ExprKind::Index { base, index } => {
                visit(base);
                visit(index);
            }
            ExprKind::Compare { lhs, rhs } => {
                visit(lhs);
                visit(rhs);
            }
            ExprKind::Compound(parts) => parts.iter().for_each(visit),
        }
    }

    /// Calls `visit` on this expression and every expression inside it, outer first.
    /// Uses an explicit stack, so deep trees cannot overflow the call stack.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        walk_stack(vec![self], visit);
    }
}

/// Visits the expressions on `stack` and everything inside them, the top of the stack
/// first, each expression before its children.
fn walk_stack<'a>(mut stack: Vec<&'a Expr>, visit: &mut dyn FnMut(&'a Expr)) {
    while let Some(expr) = stack.pop() {
        visit(expr);
        let start = stack.len();
        expr.for_each_child(&mut |child| stack.push(child));
        stack[start..].reverse();
    }
}

impl Block {
    /// Calls `visit` on each statement's top expression (let initializers, else blocks'
    /// statements through an enclosing block expression, and expression statements).
    pub fn for_each_expr<'a, F: FnMut(&'a Expr) + ?Sized>(&'a self, visit: &mut F) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let(let_stmt) => {
                    if let Some(init) = &let_stmt.init {
                        visit(init);
                    }
                    if let Some(else_block) = &let_stmt.else_block {
                        else_block.for_each_expr(visit);
                    }
                }
                Stmt::Expr { expr, .. } => visit(expr),
            }
        }
    }

    /// This block and every block nested in it (blocks, loops, branches, closures, async
    /// blocks), without recursion on the call stack.
    pub fn walk_blocks<'a>(&'a self, visit: &mut dyn FnMut(&'a Block)) {
        visit(self);
        self.walk(&mut |expr| match &expr.kind {
            ExprKind::Block(block) | ExprKind::Async { body: block, .. } => visit(block),
            ExprKind::Loop(loop_expr) => visit(&loop_expr.body),
            ExprKind::If(if_expr) => visit(&if_expr.then_branch),
            _ => {}
        });
    }

    /// The first expression, outer first, whose span is exactly `span`.
    pub fn expr_at(&self, span: crate::span::Span) -> Option<&Expr> {
        let mut found = None;
        self.walk(&mut |expr| {
            if found.is_none() && expr.span == span {
                found = Some(expr);
            }
        });
        found
    }

    /// Every expression in the block, outer first, without recursion on the call stack.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        // One stack for the whole block: the statements' expressions, the first on top.
        let mut stack: Vec<&'a Expr> = Vec::with_capacity(16);
        self.for_each_expr(&mut |expr| stack.push(expr));
        stack.reverse();
        walk_stack(stack, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered_body(file: u32) -> Body {
        let source = crate::source::SourceFile::new(
            "src/lib.rs",
            "fn f(x: &std::sync::Mutex<u8>) { let g = x.lock().unwrap(); for i in 0..3 { drop((i, \"é\")); } }",
            crate::source::Edition::E2021,
        );
        let mut facts = crate::lower::lower_file(crate::span::FileId(file), &source);
        facts.functions.remove(0).body
    }

    /// The tree read back from the bytes is the tree lowering made, its spans in the
    /// body's own file; a copy for the moment keeps nothing, a read through `Deref` keeps
    /// the tree.
    #[test]
    fn a_body_reads_back_as_lowered_and_is_kept_only_when_read_through_deref() {
        let body = lowered_body(5);
        assert!(body.encoded_len() > 0);
        let copy = body.read().into_owned();
        assert!(!body.is_kept_decoded());
        assert!(!copy.stmts.is_empty());
        let mut files = std::collections::BTreeSet::new();
        copy.walk(&mut |expr| {
            files.insert(expr.span.file);
        });
        assert_eq!(
            files.into_iter().collect::<Vec<_>>(),
            [crate::span::FileId(5)]
        );
        assert_eq!(copy.span, body.span);
        let kept: &Block = &body;
        assert!(body.is_kept_decoded());
        assert_eq!(format!("{kept:?}"), format!("{copy:?}"));
        assert!(matches!(body.read(), std::borrow::Cow::Borrowed(_)));
        // A clone carries the bytes, not the kept tree.
        let cloned = body.clone();
        assert!(!cloned.is_kept_decoded());
        assert_eq!(format!("{cloned:?}"), format!("{copy:?}"));
    }

    /// A body long enough is stored compressed and reads back as the same tree; bytes
    /// with a tag no version wrote read as an empty block with the body's span, as
    /// undecodable bytes do.
    #[test]
    fn long_bodies_are_stored_compressed_and_read_back_whole() {
        let source = crate::source::SourceFile::new(
            "src/lib.rs",
            format!(
                "fn f(state: &std::sync::Mutex<Vec<u8>>) {{ {} }}",
                "state.lock().unwrap().push(1); ".repeat(40)
            )
            .as_str(),
            crate::source::Edition::E2021,
        );
        let mut facts = crate::lower::lower_file(crate::span::FileId(3), &source);
        let body = facts.functions.remove(0).body;
        assert_eq!(body.bytes[0], STORED_LZ4);
        let encoded = crate::span::relative_starts(body.span.byte_start, || {
            postcard::to_stdvec(&*body.read()).unwrap()
        });
        assert!(body.encoded_len() * 3 < encoded.len());
        let tree = body.read().into_owned();
        assert_eq!(tree.stmts.len(), 40);
        let mut calls = 0;
        tree.walk(&mut |expr| {
            let text = &source.text[expr.span.byte_start as usize..expr.span.byte_end as usize];
            if matches!(expr.kind, ExprKind::MethodCall { .. }) && text == "state.lock()" {
                calls += 1;
            }
        });
        assert_eq!(calls, 40, "every call where it was written");

        let small = lowered_body(1);
        assert_eq!(small.bytes[0], STORED_RAW);
        let damaged = Body {
            bytes: [9].iter().chain(&body.bytes[1..]).copied().collect(),
            ..body.clone()
        };
        let read = damaged.read();
        assert!(read.stmts.is_empty());
        assert_eq!(read.span, body.span);
        // A length no block of this size expands to: refused before anything is allocated.
        let mut bytes = body.bytes.to_vec();
        bytes[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        let overlong = Body {
            bytes: bytes.into_boxed_slice(),
            ..body.clone()
        };
        assert!(overlong.read().stmts.is_empty());
    }

    /// Bodies are most of the lowered facts: these sizes decide their memory.
    #[test]
    fn body_nodes_keep_their_sizes() {
        assert_eq!(std::mem::size_of::<crate::span::Span>(), 12);
        assert_eq!(std::mem::size_of::<ExprKind>(), 24);
        assert_eq!(std::mem::size_of::<Expr>(), 40);
        assert_eq!(std::mem::size_of::<Method>(), 8);
        assert_eq!(std::mem::size_of::<MethodParts>(), 48);
        assert_eq!(std::mem::size_of::<MacroCall>(), 40);
        // A path's one segment inline, or a boxed slice of exactly the length written.
        assert_eq!(std::mem::size_of::<crate::model::Segments>(), 24);
        assert_eq!(std::mem::size_of::<crate::model::PathRef>(), 24);
        assert_eq!(std::mem::size_of::<crate::model::TypeRef>(), 32);
        assert_eq!(std::mem::size_of::<Pattern>(), 56);
        assert_eq!(std::mem::size_of::<Stmt>(), 48);
        // The allocator's 128-byte size class.
        assert_eq!(std::mem::size_of::<LetStmt>(), 128);
        // A method's `Self` type and trait are shared with its `impl`'s other methods.
        assert_eq!(std::mem::size_of::<crate::model::Function>(), 152);
        // A span, the encoded tree and the tree when a pass keeps it.
        assert_eq!(std::mem::size_of::<Body>(), 48);
        // A static's type is shared with the file's other items of that type.
        assert_eq!(std::mem::size_of::<crate::model::StaticDef>(), 64);
    }
}
