//! Loops over groups: `for (db, lines) in by_database` where the collection holds one
//! collection of items per key (a map whose values are collections, filled with
//! `map.entry(key).or_default().push(item)`, or built by a group-by). A call made per group
//! to the group's own key (`client.write(db, lines)`, a client looked up by the key) is
//! already the batched form: one call per destination with all of its items.

use super::FunctionLoops;
use crate::analysis::exprs::chain_source;
use crate::analysis::{FunctionRef, Program};
use crate::knowledge::adaptors::{
    is_collection_type, is_entry_method, is_group_fill_method, is_grouping_method,
    is_iteration_passthrough, is_map_type,
};
use crate::model::{Block, Expr, ExprKind, Stmt};

impl FunctionLoops<'_> {
    /// Whether the loop `scope` iterates groups and `call` is made to the current group's
    /// key: the call mentions the key, or a value looked up or built from it.
    pub fn calls_group_key(&self, program: &Program<'_>, scope: usize, call: &Expr) -> bool {
        let scope = &self.scopes[scope];
        let (Some(iterable), Some(body), [key, _group, ..]) =
            (scope.iterable, scope.body, scope.item_names.as_slice())
        else {
            return false;
        };
        if !iterates_groups(program, self.function, self.body, iterable) {
            return false;
        }
        let names = names_from_key(body, key);
        mentions_any(call, &names)
    }
}

/// Whether `iterable` holds groups: its type is a map of collections, or it is a local
/// filled by `entry(..).or_default().push(..)` in `body` (the function's), or built by a
/// group-by.
fn iterates_groups(
    program: &Program<'_>,
    function: FunctionRef,
    body: &Block,
    iterable: &Expr,
) -> bool {
    let source = iteration_source(iterable);
    if program
        .type_of(function, source)
        .is_some_and(|ty| is_map_of_collections(&ty))
    {
        return true;
    }
    if has_grouping_call(source) {
        return true;
    }
    let ExprKind::Path(path) = &source.kind else {
        return false;
    };
    if path.segments.len() != 1 {
        return false;
    }
    let name = path.last();
    filled_by_key(body, name) || local_init(body, name).is_some_and(has_grouping_call)
}

/// `by_db.into_iter()`, `&groups`, `groups.drain()` → the collection.
fn iteration_source(iterable: &Expr) -> &Expr {
    let mut current = iterable;
    loop {
        match &current.kind {
            ExprKind::Reference { expr, .. } => current = expr,
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_iteration_passthrough(method) => current = receiver,
            _ => return current,
        }
    }
}

fn is_map_of_collections(ty: &crate::analysis::types::Ty) -> bool {
    let ty = ty.peel_refs();
    ty.last_segment().is_some_and(is_map_type)
        && ty
            .args()
            .get(1)
            .and_then(|value| value.last_segment())
            .is_some_and(is_collection_type)
}

/// `lines.into_iter().into_group_map()`, `items.chunk_by(..)`.
fn has_grouping_call(expr: &Expr) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::MethodCall { method, .. } = &inner.kind {
            found |= is_grouping_method(method);
        }
    });
    found
}

/// `name.entry(key).or_default().push(item)` somewhere in the body.
fn filled_by_key(body: &Block, name: &str) -> bool {
    let mut found = false;
    body.walk(&mut |expr| {
        let ExprKind::MethodCall {
            receiver, method, ..
        } = &expr.kind
        else {
            return;
        };
        if !is_group_fill_method(method) {
            return;
        }
        let mut through_entry = false;
        let mut current: &Expr = receiver;
        while let ExprKind::MethodCall {
            receiver, method, ..
        } = &current.kind
        {
            through_entry |= is_entry_method(method);
            current = receiver;
        }
        found |= through_entry
            && matches!(&chain_source(current).kind, ExprKind::Path(path)
                if path.segments.len() == 1 && path.last() == name);
    });
    found
}

fn local_init<'b>(body: &'b Block, name: &str) -> Option<&'b Expr> {
    let mut found = None;
    body.walk_blocks(&mut |block| {
        for stmt in &block.stmts {
            if let Stmt::Let(let_stmt) = stmt
                && let_stmt.pattern.simple_name() == Some(name)
            {
                found = let_stmt.init.as_ref();
            }
        }
    });
    found
}

/// The key and the names bound, in the loop's body, from values that mention it (`let
/// client = clients.get(&node)`, `if let Some(client) = clients.get_mut(&node)`).
fn names_from_key<'b>(body: &'b Block, key: &'b str) -> Vec<&'b str> {
    let mut names = vec![key];
    for _round in 0..3 {
        let before = names.len();
        let mut bound: Vec<&'b str> = Vec::new();
        body.walk_blocks(&mut |block| {
            for stmt in &block.stmts {
                if let Stmt::Let(let_stmt) = stmt
                    && let Some(init) = &let_stmt.init
                    && mentions_any(init, &names)
                {
                    bound.extend(let_stmt.pattern.bindings.iter().map(|b| b.name.as_str()));
                }
            }
        });
        body.walk(&mut |expr| match &expr.kind {
            ExprKind::Let { pattern, scrutinee } if mentions_any(scrutinee, &names) => {
                bound.extend(pattern.bindings.iter().map(|b| b.name.as_str()));
            }
            ExprKind::Match { scrutinee, arms } if mentions_any(scrutinee, &names) => {
                for arm in arms {
                    bound.extend(arm.pattern.bindings.iter().map(|b| b.name.as_str()));
                }
            }
            _ => {}
        });
        for name in bound {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.len() == before {
            break;
        }
    }
    names
}

fn mentions_any(expr: &Expr, names: &[&str]) -> bool {
    let mut found = false;
    expr.walk(&mut |inner| {
        if let ExprKind::Path(path) = &inner.kind
            && path.segments.len() == 1
            && names.contains(&path.last())
        {
            found = true;
        }
    });
    found
}
