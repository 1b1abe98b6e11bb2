//! The types of a function's local bindings, as far as the syntax tells them: parameters,
//! `let` annotations, constructor calls (`Bank::new()`, `TcpStream::connect(..)?`),
//! `Arc::new(x)`, and copies of other bindings (`y.clone()`, `Arc::clone(&y)`, `&y`).
//!
//! Flow-insensitive on purpose: a name bound twice keeps the type of the later binding
//! that has a known type. No inference beyond what is written.

use std::collections::HashMap;

use crate::knowledge::adaptors::keeps_type;
use crate::knowledge::wrappers::is_pointer;
use crate::model::{Block, Expr, ExprKind, Function, PathRef, Stmt, TypeRef};

/// Local binding name → its type as written (unresolved paths).
#[derive(Clone, Debug, Default)]
pub struct LocalTypes {
    types: HashMap<String, TypeRef>,
    /// Field types of `Self`, when the caller knows the impl's struct (`self.stream`).
    self_fields: HashMap<String, TypeRef>,
}

impl LocalTypes {
    pub fn of_function(function: &Function) -> LocalTypes {
        let mut locals = LocalTypes::default();
        for param in &function.params {
            if let Some(name) = param.pattern.simple_name() {
                locals.types.insert(name.to_string(), param.ty.clone());
            } else if let Some((name, inner)) = extractor_binding(&param.pattern, &param.ty) {
                locals.types.insert(name.to_string(), inner.clone());
            }
        }
        if let (Some(self_type), Some(_)) = (&function.self_type, function.receiver) {
            locals.types.insert("self".to_string(), self_type.clone());
        }
        locals.collect_block(&function.body);
        locals
    }

    /// Adds the field types of the method's `Self` struct, so `self.field` has a type.
    pub fn with_self_fields(
        mut self,
        fields: impl IntoIterator<Item = (String, TypeRef)>,
    ) -> LocalTypes {
        self.self_fields.extend(fields);
        self
    }

    pub fn get(&self, name: &str) -> Option<&TypeRef> {
        self.types.get(name)
    }

    fn collect_block(&mut self, block: &Block) {
        // Nested blocks, closures and loops bind names too; visit every `let` in the body.
        let mut lets = Vec::new();
        collect_lets(block, &mut lets);
        for (name, ty, init) in lets {
            let inferred = ty
                .cloned()
                .or_else(|| init.and_then(|init| self.type_of(init)));
            if let Some(inferred) = inferred {
                self.types.insert(name.to_string(), inferred);
            }
        }
    }

    /// The type of an expression when the syntax says it.
    pub fn type_of(&self, expr: &Expr) -> Option<TypeRef> {
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                self.types.get(path.last()).cloned()
            }
            ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => self.type_of(expr),
            ExprKind::Field { base, member } => match &base.kind {
                ExprKind::Path(path) if path.segments.len() == 1 && path.last() == "self" => {
                    self.self_fields.get(member).cloned()
                }
                _ => None,
            },
            ExprKind::Try(inner) | ExprKind::Await(inner) => self.type_of(inner),
            ExprKind::MethodCall {
                receiver, method, ..
            } if keeps_type(method) => self.type_of(receiver),
            ExprKind::Call { callee, args } => {
                let ExprKind::Path(path) = &callee.kind else {
                    return None;
                };
                self.type_of_constructor_call(path, args)
            }
            _ => None,
        }
    }

    /// `Type::new(..)` is a `Type`; `Arc::new(x)` wraps `x`'s type; `Arc::clone(&y)` is `y`'s.
    fn type_of_constructor_call(&self, path: &PathRef, args: &[Expr]) -> Option<TypeRef> {
        let (function_name, type_segments) = path.segments.split_last()?;
        let type_name = type_segments.last()?;
        if !type_name.starts_with(char::is_uppercase) {
            return None;
        }
        let wrapper = is_pointer(type_name);
        if wrapper && function_name == "clone" {
            return args.first().and_then(|arg| self.type_of(arg));
        }
        let type_path = PathRef {
            segments: type_segments.to_vec(),
            global: path.global,
            has_turbofish: false,
        };
        let args_types = if wrapper && function_name == "new" {
            args.first()
                .and_then(|arg| self.type_of(arg))
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        Some(TypeRef::Path {
            path: type_path,
            args: args_types,
        })
    }
}

/// `State(state): State<Arc<AppState>>` (axum, actix `Data`, `Extension`, ...): a
/// one-field tuple-struct pattern over a one-argument wrapper binds the argument's type.
fn extractor_binding<'a>(
    pattern: &'a crate::model::Pattern,
    ty: &'a TypeRef,
) -> Option<(&'a str, &'a TypeRef)> {
    let wrapper = pattern.variant.as_deref()?;
    if pattern.bindings.len() != 1 || ty.last_segment() != Some(wrapper) {
        return None;
    }
    let [inner] = ty.type_args() else {
        return None;
    };
    Some((pattern.bindings[0].name.as_str(), inner))
}

/// Every `let` with a simple pattern in the block, nested ones included, in source order.
fn collect_lets<'a>(
    block: &'a Block,
    out: &mut Vec<(&'a str, Option<&'a TypeRef>, Option<&'a Expr>)>,
) {
    let push_block_lets = |block: &'a Block, out: &mut Vec<_>| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let Some(name) = let_stmt.pattern.simple_name()
            {
                out.push((name, let_stmt.ty.as_ref(), let_stmt.init.as_ref()));
            }
        }
    };
    push_block_lets(block, out);
    block.walk(&mut |expr| {
        let nested = match &expr.kind {
            ExprKind::Block(inner) | ExprKind::Async { body: inner, .. } => Some(inner),
            ExprKind::Loop { body, .. } => Some(body),
            ExprKind::If { then_branch, .. } => Some(then_branch),
            _ => None,
        };
        if let Some(inner) = nested {
            push_block_lets(inner, out);
        }
    });
}
