//! Calls that may block, seen from the guard walk: each is recorded with the guards alive
//! at that point. Whether it really blocks depends on types the walk does not look at
//! (the receiver's, the channel's capacity); `analysis::locks::blocking` decides.

use super::{Held, Walker};
use crate::analysis::locks::identity::LockTarget;
use crate::knowledge::blocking::BlockingKind;
use crate::knowledge::io::is_write_macro;
use crate::model::{Expr, ExprKind, MacroCall};
use crate::span::Span;

/// What kind of call a candidate is.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum CandidateKind {
    /// `receiver.method(..)` with a method name some type blocks in.
    Method,
    /// A call of a function listed as blocking, with its canonical path.
    Function { path: String, kind: BlockingKind },
    /// An `.await` of a value or of a method's future (a `JoinHandle`, a bounded send).
    Await,
    /// A `Condvar` wait, which releases `released` while it waits.
    CondvarWait { released: LockTarget },
    /// `write!(w, ..)`/`writeln!(w, ..)`: a write to whatever `w` is.
    WriteMacro,
}

/// A call that may block, with the guards alive when it is made.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BlockingCandidate {
    pub kind: CandidateKind,
    /// The call expression (for an `.await`, the whole `.await` expression).
    pub span: Span,
    pub held: Vec<Held>,
    /// In a spawned closure, an async block or a closure whose caller is unknown.
    pub isolated: bool,
}

impl Walker<'_, '_> {
    fn push_blocking(&mut self, kind: CandidateKind, span: Span) {
        self.out.blocking.push(BlockingCandidate {
            kind,
            span,
            held: self.snapshot(),
            isolated: self.isolation > 0,
        });
    }

    /// `receiver.method(..)`, after its receiver and arguments were evaluated.
    pub(super) fn note_blocking_method(&mut self, expr: &Expr, method: &str) {
        if self.context.knowledge.may_block_by_name(method) {
            self.push_blocking(CandidateKind::Method, expr.span);
        }
    }

    /// `path(..)`, after its arguments were evaluated (the end of a `thread::scope`).
    pub(super) fn note_blocking_function(&mut self, expr: &Expr, resolved: &str) {
        if let Some(kind) = self.context.knowledge.blocking_function(resolved) {
            let path = resolved.to_string();
            self.push_blocking(CandidateKind::Function { path, kind }, expr.span);
        }
    }

    /// `inner.await` in async code: awaiting a handle or a send's future may wait.
    pub(super) fn note_blocking_await(&mut self, await_expr: &Expr, inner: &Expr) {
        if self.async_context.last() != Some(&true) {
            return;
        }
        let candidate = match &inner.kind {
            ExprKind::MethodCall { method, .. } => self.context.knowledge.may_block_by_name(method),
            ExprKind::Path(_) | ExprKind::Field { .. } | ExprKind::Reference { .. } => true,
            _ => false,
        };
        if candidate {
            self.push_blocking(CandidateKind::Await, await_expr.span);
        }
    }

    /// `write!(w, ..)`, after its arguments were evaluated.
    pub(super) fn note_blocking_macro(&mut self, expr: &Expr, call: &MacroCall) {
        if is_write_macro(call.path.last()) && !call.args.is_empty() {
            self.push_blocking(CandidateKind::WriteMacro, expr.span);
        }
    }

    /// `cvar.wait(guard)`, after `guard` was released for the wait.
    pub(super) fn note_condvar_wait(&mut self, expr: &Expr, released: &Held) {
        let released = released.target.clone();
        self.push_blocking(CandidateKind::CondvarWait { released }, expr.span);
    }
}
