//! Lowering of function bodies: syn blocks, statements and expressions into
//! [`crate::model::body`].

use compact_str::ToCompactString;
use syn::spanned::Spanned;

use super::SpanContext;
use super::macros;
use super::syntax::{path_ref, pattern, type_ref};
use super::token_spans;
use crate::model::body::{
    Arm, Block, ClosureExpr, Expr, ExprKind, FieldAccess, ForHead, IfExpr, LetStmt, LoopExpr,
    LoopKind, Method, Stmt, StructLiteral,
};
use crate::model::{CollectionLiteral, ParseFailure, Pattern};
use crate::span::Span;
use thin_vec::ThinVec;

/// How much of a string literal the model keeps.
const MAX_TEXT_CHARS: usize = 256;

/// Fewest elements of an array or `vec!` literal whose elements are left out of the model
/// when they are all constant data (see [`is_constant_table`]).
const CONSTANT_TABLE_ELEMENTS: usize = 16;

/// Whether `elements` are a table of constant data: at least [`CONSTANT_TABLE_ELEMENTS`] of
/// them, each a literal, or a negated, cast or parenthesized one, or an array or tuple of
/// such. No analysis reads inside one (nothing in it calls, locks or moves a value), and
/// lookup tables (Unicode data, test vectors, CRC tables) were a fifth of all expressions
/// of the benchmark corpus: the model keeps the literal (an empty `Compound`), not its
/// elements.
pub fn is_constant_table<'e>(elements: impl IntoIterator<Item = &'e syn::Expr>) -> bool {
    let mut count = 0;
    for element in elements {
        if !is_constant_data(element) {
            return false;
        }
        count += 1;
    }
    count >= CONSTANT_TABLE_ELEMENTS
}

fn is_constant_data(expr: &syn::Expr) -> bool {
    use syn::Expr as E;
    match expr {
        E::Lit(_) => true,
        E::Unary(unary) => matches!(unary.op, syn::UnOp::Neg(_)) && is_constant_data(&unary.expr),
        E::Cast(cast) => is_constant_data(&cast.expr),
        E::Paren(paren) => is_constant_data(&paren.expr),
        E::Group(group) => is_constant_data(&group.expr),
        E::Array(array) => array.elems.iter().all(is_constant_data),
        E::Tuple(tuple) => tuple.elems.iter().all(is_constant_data),
        _ => false,
    }
}

/// A `fn` item met inside a function body. One written in the body itself is known by its
/// address in the syntax tree, which outlives the lowering of the body, and is found again
/// with [`nested_fns_in`]; copying it (its whole body) cost a percent of a run, and
/// generated code nests dozens of functions in one. One written in a macro call's
/// arguments, which the lowerer parsed itself and drops once lowered, is copied.
pub enum NestedFn {
    InBody(usize),
    InMacro(Box<syn::ItemFn>),
}

impl NestedFn {
    fn address(item_fn: &syn::ItemFn) -> usize {
        std::ptr::from_ref(item_fn) as usize
    }
}

/// The `fn` items written in `block` (outside macro calls, and not inside another of them),
/// by address: those [`NestedFn::InBody`] names.
pub fn nested_fns_in(block: &syn::Block) -> crate::hash::HashMap<usize, &syn::ItemFn> {
    struct Collect<'ast>(crate::hash::HashMap<usize, &'ast syn::ItemFn>);
    impl<'ast> syn::visit::Visit<'ast> for Collect<'ast> {
        fn visit_item_fn(&mut self, item_fn: &'ast syn::ItemFn) {
            self.0.insert(NestedFn::address(item_fn), item_fn);
        }
    }
    let mut collect = Collect(Default::default());
    syn::visit::Visit::visit_block(&mut collect, block);
    collect.0
}

/// Lowers the expressions of one function body, bounding how deep it follows nesting.
pub struct BodyLowerer<'c, 'a> {
    pub context: &'c SpanContext<'a>,
    depth: usize,
    /// Set when nesting passed [`super::MAX_EXPR_NESTING`].
    pub too_deep: Option<ParseFailure>,
    /// `use` items met inside the body, for the function's block scope.
    pub nested_uses: Vec<syn::ItemUse>,
    /// `fn` items met inside the body, in the order met; lowered as functions of their own.
    pub nested_fns: Vec<NestedFn>,
    /// How many macro calls whose arguments this lowerer parsed itself it is inside: syntax
    /// there lives only while it is lowered.
    in_parsed_macro: usize,
    /// Spans of range and array expressions (see [`crate::model::FileFacts::collection_literals`]).
    pub collection_literals: Vec<(Span, CollectionLiteral)>,
    /// Integer literals and their values (see [`crate::model::FileFacts::integer_literals`]).
    pub integer_literals: Vec<(Span, u64)>,
    /// The body is test code: its `#[cfg(test)]` statements are kept.
    pub in_test: bool,
}

impl<'c, 'a> BodyLowerer<'c, 'a> {
    pub fn new(context: &'c SpanContext<'a>) -> Self {
        BodyLowerer {
            context,
            depth: 0,
            too_deep: None,
            nested_uses: Vec::new(),
            nested_fns: Vec::new(),
            in_parsed_macro: 0,
            collection_literals: Vec::new(),
            integer_literals: Vec::new(),
            in_test: false,
        }
    }

    fn span(&self, span: proc_macro2::Span) -> Span {
        self.context.convert(span)
    }

    /// The span of one token written `written` (a name, a keyword, a punctuation
    /// character, a closing bracket): [`SpanContext::convert_token`].
    fn token(&self, span: proc_macro2::Span, written: &str) -> Span {
        self.context.convert_token(span, written)
    }

    /// A macro call in statement or expression position: a `select!` as its branches, any
    /// other as a macro call with the arguments it is known to take. Both may parse the
    /// arguments (see [`NestedFn`]).
    fn macro_call(&mut self, mac: &syn::Macro) -> ExprKind {
        self.in_parsed_macro += 1;
        let kind = match macros::lower_select(self, mac) {
            Some(select) => select,
            None => ExprKind::Macro(Box::new(macros::lower_macro(self, mac))),
        };
        self.in_parsed_macro -= 1;
        kind
    }

    /// The span of a syn expression, in the project's terms.
    pub fn span_of(&self, expr: &syn::Expr) -> Span {
        self.span(expr.span())
    }

    pub fn block(&mut self, block: &syn::Block) -> Block {
        let mut seen_cfgs: Vec<String> = Vec::new();
        let in_test = self.in_test;
        // Sized for every statement (a few are left out): collecting a filtered iterator
        // would grow the vector to room for four, kept for the whole run.
        let mut stmts = Vec::with_capacity(block.stmts.len());
        stmts.extend(
            block
                .stmts
                .iter()
                .filter(|stmt| in_test || !is_test_only(stmt))
                .filter(|stmt| !is_cfg_alternative(stmt, &mut seen_cfgs))
                .filter_map(|stmt| self.stmt(stmt)),
        );
        Block {
            stmts,
            span: self.span(block.brace_token.span.join()),
        }
    }

    fn stmt(&mut self, stmt: &syn::Stmt) -> Option<Stmt> {
        match stmt {
            syn::Stmt::Local(local) => Some(Stmt::Let(Box::new(self.let_stmt(local)))),
            syn::Stmt::Expr(expr, semi) => Some(Stmt::Expr {
                expr: self.expr(expr),
                semi: semi.is_some(),
            }),
            syn::Stmt::Macro(stmt_macro) => {
                let span = self
                    .span(token_spans::path_span(&stmt_macro.mac.path))
                    .to(self.span(macros::delimiter_close(&stmt_macro.mac)));
                let kind = self.macro_call(&stmt_macro.mac);
                Some(Stmt::Expr {
                    expr: Expr { kind, span },
                    semi: stmt_macro.semi_token.is_some(),
                })
            }
            syn::Stmt::Item(item) => {
                match item {
                    syn::Item::Use(item_use) => self.nested_uses.push(item_use.clone()),
                    syn::Item::Fn(item_fn) if self.in_parsed_macro == 0 => self
                        .nested_fns
                        .push(NestedFn::InBody(NestedFn::address(item_fn))),
                    syn::Item::Fn(item_fn) => self
                        .nested_fns
                        .push(NestedFn::InMacro(Box::new(item_fn.clone()))),
                    _ => {}
                }
                None
            }
        }
    }

    fn let_stmt(&mut self, local: &syn::Local) -> LetStmt {
        let ty = match &local.pat {
            syn::Pat::Type(typed) => {
                Some(self.context.share_type(type_ref(self.context, &typed.ty)))
            }
            _ => None,
        };
        let (init, else_block) = match &local.init {
            Some(init) => (
                Some(self.expr(&init.expr)),
                init.diverge.as_ref().map(|(_, else_expr)| {
                    Box::new(match &**else_expr {
                        syn::Expr::Block(block) => self.block(&block.block),
                        other => Block {
                            span: self.span(other.span()),
                            stmts: vec![Stmt::Expr {
                                expr: self.expr(other),
                                semi: false,
                            }],
                        },
                    })
                }),
            ),
            None => (None, None),
        };
        LetStmt {
            pattern: pattern(self.context, &local.pat),
            ty,
            init,
            else_block,
            span: self
                .span(local.let_token.span)
                .to(self.token(local.semi_token.span, ";")),
        }
    }

    pub fn pattern(&self, pat: &syn::Pat) -> Pattern {
        pattern(self.context, pat)
    }

    fn boxed(&mut self, expr: &syn::Expr) -> Box<Expr> {
        Box::new(self.expr(expr))
    }

    fn exprs<'e>(&mut self, exprs: impl IntoIterator<Item = &'e syn::Expr>) -> ThinVec<Expr> {
        exprs.into_iter().map(|expr| self.expr(expr)).collect()
    }

    pub fn expr(&mut self, expr: &syn::Expr) -> Expr {
        if self.depth >= super::MAX_EXPR_NESTING {
            let span = self.span(expr.span());
            self.too_deep.get_or_insert_with(|| ParseFailure {
                message: format!(
                    "expressions in this file nest more than {} levels deep; it was not analyzed",
                    super::MAX_EXPR_NESTING
                ),
                span,
            });
            return Expr {
                kind: ExprKind::Compound(ThinVec::new()),
                span,
            };
        }
        self.depth += 1;
        let lowered = self.expr_inner(expr);
        self.depth -= 1;
        lowered
    }

    fn expr_inner(&mut self, expr: &syn::Expr) -> Expr {
        use syn::Expr as E;
        let (kind, span) = match expr {
            E::Array(array) => {
                let span = self.span(array.bracket_token.span.join());
                self.collection_literals
                    .push((span, CollectionLiteral::Array));
                let elements = if is_constant_table(&array.elems) {
                    ThinVec::new()
                } else {
                    self.exprs(&array.elems)
                };
                (ExprKind::Compound(elements), span)
            }
            E::Assign(assign) => {
                let target = self.boxed(&assign.left);
                let value = self.boxed(&assign.right);
                let span = target.span.to(value.span);
                (ExprKind::Assign { target, value }, span)
            }
            E::Async(async_block) => {
                let body = self.block(&async_block.block);
                let span = self
                    .token(async_block.async_token.span, "async")
                    .to(body.span);
                let is_move = async_block.capture.is_some();
                (
                    ExprKind::Async {
                        is_move,
                        body: Box::new(body),
                    },
                    span,
                )
            }
            E::Await(await_expr) => {
                let base = self.boxed(&await_expr.base);
                let span = base
                    .span
                    .to(self.token(await_expr.await_token.span, "await"));
                (ExprKind::Await(base), span)
            }
            E::Binary(binary) => self.binary(binary),
            E::Block(block) => {
                let lowered = self.block(&block.block);
                let span = lowered.span;
                (ExprKind::Block(Box::new(lowered)), span)
            }
            E::Break(break_expr) => {
                let value = break_expr.expr.as_deref().map(|value| self.boxed(value));
                let mut span = self.token(break_expr.break_token.span, "break");
                if let Some(value) = &value {
                    span = span.to(value.span);
                }
                (ExprKind::Break(value), span)
            }
            E::Call(call) => {
                let callee = self.boxed(&call.func);
                let args = self.exprs(&call.args);
                let span = callee
                    .span
                    .to(self.token(call.paren_token.span.close(), ")"));
                (ExprKind::Call { callee, args }, span)
            }
            E::Cast(cast) => {
                let inner = self.expr(&cast.expr);
                let span = inner.span.to(self.span(cast.ty.span()));
                (ExprKind::Compound(thin_vec::thin_vec![inner]), span)
            }
            E::Closure(closure) => self.closure(closure),
            E::Const(const_block) => {
                let body = self.block(&const_block.block);
                let span = body.span;
                (ExprKind::Block(Box::new(body)), span)
            }
            E::Continue(continue_expr) => (
                ExprKind::Continue,
                self.token(continue_expr.continue_token.span, "continue"),
            ),
            E::Field(field) => {
                let base = self.expr(&field.base);
                let member = match &field.member {
                    syn::Member::Named(ident) => ident.to_compact_string(),
                    syn::Member::Unnamed(index) => index.index.to_compact_string(),
                };
                let span = base.span.to(self.span(field.member.span()));
                (
                    ExprKind::Field(Box::new(FieldAccess { base, member })),
                    span,
                )
            }
            E::ForLoop(for_loop) => {
                let iterable = self.expr(&for_loop.expr);
                let body = self.block(&for_loop.body);
                let start = self.label_or(&for_loop.label, for_loop.for_token.span);
                let kind = LoopKind::For(Box::new(ForHead {
                    pattern: self.pattern(&for_loop.pat),
                    iterable,
                }));
                let span = start.to(body.span);
                (ExprKind::Loop(Box::new(LoopExpr { kind, body })), span)
            }
            E::Group(group) => return self.expr(&group.expr),
            E::Paren(paren) => return self.expr(&paren.expr),
            E::If(if_expr) => self.if_expr(if_expr),
            E::Index(index) => {
                let base = self.boxed(&index.expr);
                let span = base
                    .span
                    .to(self.token(index.bracket_token.span.close(), "]"));
                let index = self.boxed(&index.index);
                (ExprKind::Index { base, index }, span)
            }
            E::Let(let_expr) => {
                let scrutinee = self.boxed(&let_expr.expr);
                let span = self
                    .token(let_expr.let_token.span, "let")
                    .to(scrutinee.span);
                let pattern = Box::new(self.pattern(&let_expr.pat));
                (ExprKind::Let { pattern, scrutinee }, span)
            }
            E::Lit(literal) => {
                let kind = match &literal.lit {
                    syn::Lit::Str(text) => {
                        let value: String = text.value().chars().take(MAX_TEXT_CHARS).collect();
                        ExprKind::Text(value.into_boxed_str())
                    }
                    syn::Lit::Int(int) => {
                        if let Ok(value) = int.base10_parse::<u64>() {
                            let span = self.span(literal.lit.span());
                            self.integer_literals.push((span, value));
                        }
                        ExprKind::Literal
                    }
                    _ => ExprKind::Literal,
                };
                (kind, self.span(literal.lit.span()))
            }
            E::Loop(loop_expr) => {
                let body = self.block(&loop_expr.body);
                let start = self.label_or(&loop_expr.label, loop_expr.loop_token.span);
                let span = start.to(body.span);
                let kind = LoopKind::Infinite;
                (ExprKind::Loop(Box::new(LoopExpr { kind, body })), span)
            }
            E::Macro(macro_expr) => {
                let span = self
                    .span(token_spans::path_span(&macro_expr.mac.path))
                    .to(self.span(macros::delimiter_close(&macro_expr.mac)));
                let kind = self.macro_call(&macro_expr.mac);
                (kind, span)
            }
            E::Match(match_expr) => {
                let scrutinee = self.boxed(&match_expr.expr);
                let arms = match_expr.arms.iter().map(|arm| self.arm(arm)).collect();
                let span = self
                    .span(match_expr.match_token.span)
                    .to(self.token(match_expr.brace_token.span.close(), "}"));
                (ExprKind::Match { scrutinee, arms }, span)
            }
            E::MethodCall(call) => {
                let receiver = self.boxed(&call.receiver);
                let args = self.exprs(&call.args);
                let span = receiver
                    .span
                    .to(self.token(call.paren_token.span.close(), ")"));
                let name = call.method.to_compact_string();
                let name_span = self.token(call.method.span(), &name);
                let kind = ExprKind::MethodCall {
                    receiver,
                    method: Method::new(name, name_span, args),
                };
                (kind, span)
            }
            E::Path(path) => {
                let written = path_ref(&path.path);
                let span = match (path.path.segments.first(), written.segments.as_slice()) {
                    // A local or a name in scope (most paths): its name's token alone.
                    (Some(segment), [name])
                        if path.path.leading_colon.is_none() && segment.arguments.is_none() =>
                    {
                        self.token(segment.ident.span(), name)
                    }
                    _ => self.span(token_spans::path_span(&path.path)),
                };
                (ExprKind::Path(written), span)
            }
            E::Range(range) => {
                let parts = self.exprs(range.start.iter().chain(range.end.iter()).map(|e| &**e));
                let span = match (parts.first(), parts.last()) {
                    (Some(first), Some(last)) => first.span.to(last.span),
                    _ => self.span(range.limits.span()),
                };
                self.collection_literals
                    .push((span, CollectionLiteral::Range));
                (ExprKind::Compound(parts), span)
            }
            E::RawAddr(raw) => {
                let inner = self.expr(&raw.expr);
                let span = self.span(raw.and_token.span).to(inner.span);
                (ExprKind::Compound(thin_vec::thin_vec![inner]), span)
            }
            E::Reference(reference) => {
                let inner = self.boxed(&reference.expr);
                let span = self.token(reference.and_token.span, "&").to(inner.span);
                let mutable = reference.mutability.is_some();
                (
                    ExprKind::Reference {
                        mutable,
                        expr: inner,
                    },
                    span,
                )
            }
            E::Repeat(repeat) => {
                let span = self.span(repeat.bracket_token.span.join());
                self.collection_literals
                    .push((span, CollectionLiteral::Array));
                let parts = thin_vec::thin_vec![self.expr(&repeat.expr), self.expr(&repeat.len)];
                (ExprKind::Compound(parts), span)
            }
            E::Return(return_expr) => {
                let value = return_expr.expr.as_deref().map(|value| self.boxed(value));
                let mut span = self.token(return_expr.return_token.span, "return");
                if let Some(value) = &value {
                    span = span.to(value.span);
                }
                (ExprKind::Return(value), span)
            }
            E::Struct(structure) => {
                let fields = structure
                    .fields
                    .iter()
                    .map(|field| {
                        let name = match &field.member {
                            syn::Member::Named(ident) => ident.to_string(),
                            syn::Member::Unnamed(index) => index.index.to_string(),
                        };
                        (name, self.expr(&field.expr))
                    })
                    .collect();
                let rest = structure.rest.as_deref().map(|rest| self.expr(rest));
                let span = self
                    .span(token_spans::path_span(&structure.path))
                    .to(self.token(structure.brace_token.span.close(), "}"));
                let path = path_ref(&structure.path);
                let literal = StructLiteral { path, fields, rest };
                (ExprKind::Struct(Box::new(literal)), span)
            }
            E::Try(try_expr) => {
                let inner = self.boxed(&try_expr.expr);
                let span = inner.span.to(self.token(try_expr.question_token.span, "?"));
                (ExprKind::Try(inner), span)
            }
            E::TryBlock(try_block) => {
                let body = self.block(&try_block.block);
                let span = self.span(try_block.try_token.span).to(body.span);
                (ExprKind::Block(Box::new(body)), span)
            }
            E::Tuple(tuple) => (
                ExprKind::Compound(self.exprs(&tuple.elems)),
                self.span(tuple.paren_token.span.join()),
            ),
            E::Unary(unary) => {
                let inner = self.boxed(&unary.expr);
                let written = match unary.op {
                    syn::UnOp::Deref(_) => "*",
                    syn::UnOp::Not(_) => "!",
                    syn::UnOp::Neg(_) => "-",
                    _ => "",
                };
                let span = self.token(unary.op.span(), written).to(inner.span);
                match unary.op {
                    syn::UnOp::Deref(_) => (ExprKind::Deref(inner), span),
                    _ => (ExprKind::Compound(thin_vec::thin_vec![*inner]), span),
                }
            }
            E::Unsafe(unsafe_block) => {
                let body = self.block(&unsafe_block.block);
                let span = self
                    .token(unsafe_block.unsafe_token.span, "unsafe")
                    .to(body.span);
                (ExprKind::Block(Box::new(body)), span)
            }
            E::While(while_loop) => {
                let condition = self.boxed(&while_loop.cond);
                let body = self.block(&while_loop.body);
                let start = self.label_or(&while_loop.label, while_loop.while_token.span);
                let span = start.to(body.span);
                let kind = LoopKind::While { condition };
                (ExprKind::Loop(Box::new(LoopExpr { kind, body })), span)
            }
            E::Yield(yield_expr) => {
                let parts = self.exprs(yield_expr.expr.iter().map(|e| &**e));
                (
                    ExprKind::Compound(parts),
                    self.span(yield_expr.yield_token.span),
                )
            }
            other => (ExprKind::Compound(ThinVec::new()), self.span(other.span())),
        };
        Expr { kind, span }
    }

    fn label_or(&self, label: &Option<syn::Label>, keyword: proc_macro2::Span) -> Span {
        match label {
            Some(label) => self.span(label.name.apostrophe),
            None => self.span(keyword),
        }
    }

    fn binary(&mut self, binary: &syn::ExprBinary) -> (ExprKind, Span) {
        use syn::BinOp as B;
        let lhs = self.boxed(&binary.left);
        let rhs = self.boxed(&binary.right);
        let span = lhs.span.to(rhs.span);
        let kind = match binary.op {
            B::And(_) | B::Or(_) => ExprKind::LazyBoolean { lhs, rhs },
            B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_) => ExprKind::Assign {
                target: lhs,
                value: rhs,
            },
            B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_) => ExprKind::Compare { lhs, rhs },
            _ => ExprKind::Compound(thin_vec::thin_vec![*lhs, *rhs]),
        };
        (kind, span)
    }

    fn closure(&mut self, closure: &syn::ExprClosure) -> (ExprKind, Span) {
        let params = closure
            .inputs
            .iter()
            .map(|param| self.pattern(param))
            .collect();
        let body = self.expr(&closure.body);
        let start = closure
            .capture
            .map(|capture| capture.span)
            .or(closure.asyncness.map(|asyncness| asyncness.span))
            .unwrap_or(closure.or1_token.span);
        let span = self.span(start).to(body.span);
        let kind = ExprKind::Closure(Box::new(ClosureExpr {
            is_move: closure.capture.is_some(),
            is_async: closure.asyncness.is_some(),
            params,
            body,
        }));
        (kind, span)
    }

    fn if_expr(&mut self, if_expr: &syn::ExprIf) -> (ExprKind, Span) {
        let condition = self.expr(&if_expr.cond);
        let then_branch = self.block(&if_expr.then_branch);
        let else_branch = if_expr
            .else_branch
            .as_ref()
            .map(|(_, else_expr)| self.expr(else_expr));
        let end = else_branch
            .as_ref()
            .map_or(then_branch.span, |else_branch| else_branch.span);
        let span = self.token(if_expr.if_token.span, "if").to(end);
        let kind = ExprKind::If(Box::new(IfExpr {
            condition,
            then_branch,
            else_branch,
        }));
        (kind, span)
    }

    fn arm(&mut self, arm: &syn::Arm) -> Arm {
        Arm {
            pattern: self.pattern(&arm.pat),
            guard: arm.guard.as_ref().map(|(_, guard)| self.expr(guard)),
            body: self.expr(&arm.body),
        }
    }
}

/// `#[cfg(feature = "std")] let g = m.lock().unwrap();` followed by
/// `#[cfg(not(feature = "std"))] let g = m.lock();`: two versions of one statement, of which a
/// build has one. The later alternative is left out (one build's view), so the two are not
/// read as two statements of one body. `seen` collects the predicates of earlier statements.
fn is_cfg_alternative(stmt: &syn::Stmt, seen: &mut Vec<String>) -> bool {
    let predicates = super::items::cfg_predicates(stmt_attrs(stmt));
    let alternative = predicates.iter().any(|predicate| {
        seen.iter().any(|earlier| {
            *predicate == format!("not({earlier})") || *earlier == format!("not({predicate})")
        })
    });
    seen.extend(predicates);
    alternative
}

/// A statement compiled only for tests (`#[cfg(test)] if should_block { .. }` in a library
/// function): test instrumentation, out of a non-test body like test functions are.
fn is_test_only(stmt: &syn::Stmt) -> bool {
    super::items::cfg_predicates(stmt_attrs(stmt))
        .iter()
        .any(|predicate| super::cfg::is_test_only(predicate))
}

/// The outer attributes of a statement (of its expression, for expression statements).
fn stmt_attrs(stmt: &syn::Stmt) -> &[syn::Attribute] {
    match stmt {
        syn::Stmt::Local(local) => &local.attrs,
        syn::Stmt::Macro(stmt_macro) => &stmt_macro.attrs,
        syn::Stmt::Expr(expr, _) => match expr {
            syn::Expr::If(inner) => &inner.attrs,
            syn::Expr::Block(inner) => &inner.attrs,
            syn::Expr::Call(inner) => &inner.attrs,
            syn::Expr::MethodCall(inner) => &inner.attrs,
            syn::Expr::Macro(inner) => &inner.attrs,
            syn::Expr::Match(inner) => &inner.attrs,
            syn::Expr::ForLoop(inner) => &inner.attrs,
            syn::Expr::While(inner) => &inner.attrs,
            syn::Expr::Loop(inner) => &inner.attrs,
            syn::Expr::Assign(inner) => &inner.attrs,
            syn::Expr::Unsafe(inner) => &inner.attrs,
            _ => &[],
        },
        syn::Stmt::Item(_) => &[],
    }
}
