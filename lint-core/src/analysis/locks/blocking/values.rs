//! The values blocking calls are made on: the type of a receiver like `tx` in
//! `for (prefix, tx) in watched.values()` or `h` in `if let Some(h) = g.worker.take()`,
//! and where a local came from. Extends the typing layer, inside one function, through
//! what the lock walk needs and typing does not do: guards (a guard of `Mutex<T>` is a
//! `T`), collection elements, `Option`/`Result` unwrapping, pattern bindings of `let`,
//! `for`, `if let` and `match`, channel constructors and the return types of workspace
//! functions. Flow-insensitive like typing; a type it cannot tell stays unknown.

use crate::hash::HashMap;
use crate::paths::last_segment;

use crate::analysis::FunctionRef;
use crate::analysis::call_sites::{CallSite, Resolution, find_by_span, function_scope};
use crate::analysis::types::{Ty, TypeScope};
use crate::analysis::typing::{FunctionTypes, Typing};
use crate::knowledge::blocking::{is_buffered_wrapper, method_return_type, return_type_of};
use crate::knowledge::channels::channel_constructor;
use crate::knowledge::collections::{
    OPTION_PATH, RESULT_PATH, Returns, SEQUENCE_PATH, Shape, is_fallible, is_success_variant,
    passes_elements, returns, shape,
};
use crate::knowledge::locks::{acquire_method, guard_lock_type, lock_type_at};
use crate::knowledge::wrappers::is_transparent;
use crate::model::{Block, Expr, ExprKind, Function, LoopKind, Pattern, Stmt};
use crate::span::Span;

/// How deep expressions and binding chains are followed.
const MAX_DEPTH: usize = 12;
/// Rounds of the binding pass (a binding typed from one bound later in the text).
const BINDING_ROUNDS: usize = 3;

/// Which part of its source a local binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// The whole value (`let x = source`).
    Whole,
    /// One element of a tuple (`let (tx, rx) = source`).
    TupleField(usize),
    /// Something inside: an element iterated over, the value in a `Some`, a destructured
    /// field.
    Inside,
}

/// One binding of a local name.
#[derive(Clone, Debug)]
pub struct LocalValue<'a> {
    pub source: &'a Expr,
    pub position: Position,
    pub ty: Option<Ty>,
}

/// The values of one function's body.
pub struct FunctionValues<'a> {
    pub function_ref: FunctionRef,
    pub function: &'a Function,
    /// The function's body, as the caller decoded it: every expression of the function
    /// these values name is of this one tree.
    pub body: &'a Block,
    pub typing: Typing<'a>,
    pub at: TypeScope<'a>,
    types: &'a FunctionTypes,
    calls: &'a [CallSite],
    locals: HashMap<&'a str, Vec<LocalValue<'a>>>,
}

impl<'a> FunctionValues<'a> {
    pub fn new(
        typing: Typing<'a>,
        function_ref: FunctionRef,
        function: &'a Function,
        body: &'a Block,
        types: &'a FunctionTypes,
        calls: &'a [CallSite],
    ) -> FunctionValues<'a> {
        let mut values = FunctionValues {
            function_ref,
            function,
            body,
            typing,
            at: function_scope(typing.types.items, function_ref, function),
            types,
            calls,
            locals: HashMap::default(),
        };
        values.bind_body(body);
        values
    }

    /// The bindings of a local name, in no particular order.
    pub fn bindings(&self, name: &str) -> &[LocalValue<'a>] {
        self.locals.get(name).map_or(&[], Vec::as_slice)
    }

    /// The call site at exactly this span.
    pub fn call_at(&self, span: Span) -> Option<&'a CallSite> {
        find_by_span(self.calls, span)
    }

    /// The value of an integer literal expression.
    pub fn integer_literal(&self, expr: &Expr) -> Option<u64> {
        let ExprKind::Literal = expr.kind else {
            return None;
        };
        self.typing.types.files[self.function_ref.file()].integer_literal(expr.span)
    }

    /// The position of a parameter by its simple name (`self` not counted).
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.function
            .params
            .iter()
            .position(|param| param.pattern.simple_name() == Some(name))
    }

    /// The type of an expression, when it can be told.
    pub fn type_of(&self, expr: &Expr) -> Option<Ty> {
        self.type_at_depth(expr, 0)
    }

    fn type_at_depth(&self, expr: &Expr, depth: usize) -> Option<Ty> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                let bound = self
                    .bindings(name)
                    .iter()
                    .rev()
                    .find_map(|local| local.ty.clone());
                match (self.types.local_at(name, expr), bound) {
                    // The typing layer's type, unless this pass knows its arguments too
                    // (`BufReader::new(stream)` is a `BufReader<TcpStream>`).
                    (Some(typed), Some(bound))
                        if typed.args().is_empty()
                            && !bound.args().is_empty()
                            && typed.path() == bound.path() =>
                    {
                        Some(bound)
                    }
                    (Some(typed), _) => Some(typed.clone()),
                    (None, Some(bound)) => Some(bound),
                    (None, None) => self.typing.type_of(&self.at, self.types, expr),
                }
            }
            ExprKind::Field(field) => {
                let base = self.type_at_depth(&field.base, depth + 1)?;
                self.field_type(&base, &field.member)
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                if let Some(ty) = self.workspace_return_type(expr.span) {
                    return Some(ty);
                }
                let receiver = self.type_at_depth(receiver, depth + 1)?;
                method_type(&receiver, method, method.args().len())
            }
            ExprKind::Call { args, .. } => self.call_type(expr, args, depth),
            ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner)
            | ExprKind::Await(inner) => self.type_at_depth(inner, depth + 1),
            ExprKind::Try(inner) => {
                let ty = self.type_at_depth(inner, depth + 1)?;
                Some(unwrapped(&ty))
            }
            ExprKind::Block(block) => self.type_at_depth(block.tail()?, depth + 1),
            _ => self.typing.type_of(&self.at, self.types, expr),
        }
    }

    /// The type of a field of a value of type `base` (through references, pointers, locks
    /// and guards: a field reached from a lock is reached through its guard).
    pub fn field_type(&self, base: &Ty, member: &str) -> Option<Ty> {
        let base = deref_value(base);
        if let Ty::Tuple(elements) = base {
            return member
                .parse::<usize>()
                .ok()
                .and_then(|index| elements.get(index).cloned());
        }
        self.typing.field_type(base.path()?, member)
    }

    /// `x.method()` resolved to one workspace function with a declared return type.
    fn workspace_return_type(&self, span: Span) -> Option<Ty> {
        let site = self.call_at(span)?;
        let [callee] = &site.callees[..] else {
            return None;
        };
        if site.resolution != Resolution::Exact {
            return None;
        }
        let files = self.typing.types.files;
        let function = &files[callee.file()].functions[callee.index()];
        let written = function.return_type.as_ref()?;
        let at = function_scope(self.typing.types.items, *callee, function);
        let ty = self.typing.types.resolve(&at, written);
        (!matches!(ty, Ty::Unknown | Ty::Bounds(_))).then_some(ty)
    }

    fn call_type(&self, expr: &Expr, args: &[Expr], depth: usize) -> Option<Ty> {
        if let Some(site) = self.call_at(expr.span)
            && let Some(resolved) = site.resolved_path()
        {
            let canonical = resolved.display();
            if let Some(constructor) = channel_constructor(&canonical) {
                return Some(Ty::Tuple(vec![
                    plain(constructor.sender),
                    plain(constructor.receiver),
                ]));
            }
            if let Some(returned) = return_type_of(&canonical) {
                return Some(plain(returned));
            }
            // `BufReader::new(stream)` is a `BufReader<TcpStream>`.
            if let Some((_, wrapper)) = resolved.segments.split_last()
                && is_buffered_wrapper(&wrapper.join("::"))
                && let Some(inner) = args.last()
            {
                let inner = self.type_at_depth(inner, depth + 1)?;
                return Some(Ty::Path {
                    path: wrapper.join("::"),
                    args: vec![inner],
                });
            }
            if resolved
                .segments
                .last()
                .is_some_and(|last| is_success_variant(last))
                && args.len() == 1
            {
                let inner = self.type_at_depth(&args[0], depth + 1)?;
                return Some(wrap(OPTION_PATH, inner));
            }
        }
        self.workspace_return_type(expr.span)
            .or_else(|| self.typing.type_of(&self.at, self.types, expr))
    }

    // ---- bindings ----

    fn bind_body(&mut self, body: &'a Block) {
        for _ in 0..BINDING_ROUNDS {
            let before: usize = self.locals.values().map(Vec::len).sum();
            let typed_before = self.typed_count();
            let mut patterns: Vec<(&'a Pattern, &'a Expr, bool)> = Vec::new();
            let mut closures: Vec<(&'a [Pattern], &'a Expr)> = Vec::new();
            body.walk_blocks(&mut |block| {
                for stmt in &block.stmts {
                    if let Stmt::Let(let_stmt) = stmt
                        && let Some(init) = &let_stmt.init
                    {
                        patterns.push((&let_stmt.pattern, init, false));
                    }
                }
            });
            body.walk(&mut |expr| match &expr.kind {
                ExprKind::Let { pattern, scrutinee } => patterns.push((pattern, scrutinee, false)),
                ExprKind::Match { scrutinee, arms } => {
                    for arm in arms {
                        patterns.push((&arm.pattern, scrutinee, false));
                    }
                }
                ExprKind::Loop(loop_expr) if let LoopKind::For(head) = &loop_expr.kind => {
                    patterns.push((&head.pattern, &head.iterable, true))
                }
                ExprKind::MethodCall {
                    receiver, method, ..
                } if passes_elements(method) => {
                    for arg in method.args() {
                        if let ExprKind::Closure(closure) = &arg.kind {
                            closures.push((&closure.params, receiver));
                        }
                    }
                }
                _ => {}
            });
            for (pattern, source, iterated) in patterns {
                self.bind(pattern, source, iterated);
            }
            for (params, receiver) in closures.drain(..) {
                self.bind_closure_params(params, receiver);
            }
            let after: usize = self.locals.values().map(Vec::len).sum();
            if after == before && self.typed_count() == typed_before {
                break;
            }
        }
    }

    fn typed_count(&self) -> usize {
        self.locals
            .values()
            .flatten()
            .filter(|local| local.ty.is_some())
            .count()
    }

    /// Binds the names of `pattern` to parts of `source` (its elements when `iterated`).
    fn bind(&mut self, pattern: &'a Pattern, source: &'a Expr, iterated: bool) {
        if pattern.bindings.is_empty() {
            return;
        }
        let mut ty = self.type_of(source);
        if iterated {
            ty = ty.as_ref().and_then(element_type);
        }
        let whole = if iterated {
            Position::Inside
        } else {
            Position::Whole
        };
        if let Some(name) = pattern.simple_name() {
            self.record(name, source, whole, ty);
            return;
        }
        if !pattern.tuple_names.is_empty() {
            let elements = match ty.as_ref().map(Ty::peel_refs) {
                Some(Ty::Tuple(elements)) if elements.len() == pattern.tuple_names.len() => {
                    Some(elements.clone())
                }
                _ => None,
            };
            for (index, name) in pattern.tuple_names.iter().enumerate() {
                let Some(name) = name else { continue };
                let element = elements.as_ref().map(|elements| elements[index].clone());
                let position = if iterated {
                    Position::Inside
                } else {
                    Position::TupleField(index)
                };
                self.record(name, source, position, element);
            }
            return;
        }
        let inner = match (&pattern.variant, pattern.bindings.as_slice()) {
            (Some(variant), [_]) if is_success_variant(variant) => ty.as_ref().map(unwrapped),
            _ => None,
        };
        for binding in &pattern.bindings {
            let ty = (pattern.bindings.len() == 1)
                .then(|| inner.clone())
                .flatten();
            self.record(&binding.name, source, Position::Inside, ty);
        }
    }

    /// `senders.iter().for_each(|tx| ..)`, `map.retain(|_, tx| ..)`: the closure's
    /// parameters are the receiver's elements (a map's key and value as two parameters).
    fn bind_closure_params(&mut self, params: &'a [Pattern], receiver: &'a Expr) {
        match params {
            [param] => self.bind(param, receiver, true),
            [key, value] => {
                let element = self.type_of(receiver).as_ref().and_then(element_type);
                let parts = match element {
                    Some(Ty::Tuple(parts)) if parts.len() == 2 => parts,
                    _ => return,
                };
                for (param, ty) in [key, value].into_iter().zip(parts) {
                    if let Some(name) = param.simple_name() {
                        self.record(name, receiver, Position::Inside, Some(ty));
                    }
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, name: &'a str, source: &'a Expr, position: Position, ty: Option<Ty>) {
        let locals = self.locals.entry(name).or_default();
        match locals
            .iter_mut()
            .find(|local| local.source.span == source.span && local.position == position)
        {
            Some(existing) => {
                if ty.is_some() {
                    existing.ty = ty;
                }
            }
            None => locals.push(LocalValue {
                source,
                position,
                ty,
            }),
        }
    }
}

/// A path type with no arguments.
pub fn plain(path: &str) -> Ty {
    Ty::Path {
        path: path.to_string(),
        args: Vec::new(),
    }
}

fn wrap(path: &str, inner: Ty) -> Ty {
    Ty::Path {
        path: path.to_string(),
        args: vec![inner],
    }
}

/// References and transparent wrappers (`Arc`, `Box`) peeled.
pub fn peel_pointers(ty: &Ty) -> &Ty {
    let mut current = ty.peel_refs();
    loop {
        match current {
            Ty::Path { path, args } if is_transparent(last_segment(path)) && !args.is_empty() => {
                current = args[0].peel_refs();
            }
            _ => return current,
        }
    }
}

/// What a value derefs to for field access and method calls: through pointers, locks
/// (reached through their guards) and guards.
pub fn deref_value(ty: &Ty) -> &Ty {
    let mut current = peel_pointers(ty);
    for _ in 0..MAX_DEPTH {
        let Ty::Path { path, args } = current else {
            return current;
        };
        let is_lock = lock_type_at(path).is_some() || guard_lock_type(path).is_some();
        match args.first() {
            Some(inner) if is_lock => current = peel_pointers(inner),
            _ => return current,
        }
    }
    current
}

/// The value inside an `Option`/`Result`, or the type itself.
fn unwrapped(ty: &Ty) -> Ty {
    let peeled = ty.peel_refs();
    match peeled {
        Ty::Path { path, args } if is_fallible(last_segment(path)) && !args.is_empty() => {
            args[0].clone()
        }
        _ => peeled.clone(),
    }
}

/// What iterating over a value of this type yields.
pub fn element_type(ty: &Ty) -> Option<Ty> {
    match peel_pointers(ty) {
        Ty::Slice(element) => Some((**element).clone()),
        Ty::Path { path, args } => match shape(last_segment(path))? {
            Shape::Sequence => args.first().cloned(),
            Shape::Map if args.len() >= 2 => {
                Some(Ty::Tuple(vec![args[0].clone(), args[1].clone()]))
            }
            Shape::Map => None,
        },
        _ => None,
    }
}

/// What a lookup by key or index yields (`map.get(k)`: the value).
fn looked_up(ty: &Ty) -> Option<Ty> {
    match peel_pointers(ty) {
        Ty::Path { path, args } if shape(last_segment(path)) == Some(Shape::Map) => {
            args.get(1).cloned()
        }
        other => element_type(other),
    }
}

/// The type `receiver.method(..)` returns, from the receiver's type.
fn method_type(receiver: &Ty, method: &str, arg_count: usize) -> Option<Ty> {
    let peeled = peel_pointers(receiver);
    if let Ty::Path { path, args } = peeled {
        if let Some(lock_type) = lock_type_at(path)
            && let Some(acquire) = acquire_method(method)
        {
            let inner = args.first().cloned().unwrap_or(Ty::Unknown);
            // std's `lock()` returns a `LockResult`, and every `try_*` may fail; other
            // locks hand out the guard (or a future of it) directly.
            let fallible = acquire.is_try || lock_type.name.starts_with("std::");
            return Some(if fallible {
                wrap(RESULT_PATH, inner)
            } else {
                inner
            });
        }
        if let Some((returned, in_result)) = method_return_type(path, method) {
            let returned = plain(returned);
            return Some(if in_result {
                wrap(RESULT_PATH, returned)
            } else {
                returned
            });
        }
    }
    let value = deref_value(receiver);
    let returns = returns(method)?;
    match returns {
        // `Arc<Mutex<T>>::clone()` is the lock again; a guard's `clone()` is its value's.
        Returns::Same
            if peeled
                .path()
                .is_some_and(|path| guard_lock_type(path).is_none()) =>
        {
            Some(peeled.clone())
        }
        Returns::Same => Some(value.clone()),
        Returns::Unwrapped => Some(unwrapped(value)),
        Returns::Ok => Some(wrap(OPTION_PATH, unwrapped(value))),
        Returns::MapValues | Returns::MapKeys => {
            let Ty::Path { path, args } = value else {
                return None;
            };
            if shape(last_segment(path)) != Some(Shape::Map) || args.len() < 2 {
                return None;
            }
            let index = usize::from(returns == Returns::MapValues);
            Some(wrap(SEQUENCE_PATH, args[index].clone()))
        }
        Returns::LookedUp if arg_count > 0 => looked_up(value).map(|ty| wrap(OPTION_PATH, ty)),
        Returns::LookedUp | Returns::Element => element_type(value).map(|ty| wrap(OPTION_PATH, ty)),
        Returns::EntryValue => looked_up(value),
    }
}
