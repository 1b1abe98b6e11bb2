//! Call resolution for the call graph: `f()`, `module::f()`, `Type::f()`, `Self::f()`,
//! `self.m()` within the impls of `Self`, `x.m()` through `x`'s written type, and a method
//! by name when exactly one workspace method has that name (trait methods included).

use super::identity::IdentityContext;
use crate::analysis::FunctionRef;
use crate::analysis::items::ItemIndex;
use crate::knowledge::std_items::is_common_method_name;
use crate::model::{Expr, PathRef};

pub struct CalleeResolver<'c> {
    pub items: &'c ItemIndex,
}

impl CalleeResolver<'_> {
    /// The canonical path of a called path (`drop`, `std::thread::spawn`, `app::helper`).
    pub fn resolve_path(&self, identity: &IdentityContext<'_>, path: &PathRef) -> String {
        identity.canonical_path(path)
    }

    /// Workspace functions at a call's canonical path (from [`Self::resolve_path`]).
    pub fn path_callees(&self, resolved: &str) -> Vec<FunctionRef> {
        self.items.functions_at(resolved).to_vec()
    }

    /// Callees of `receiver.method(..)` and the receiver's text.
    pub fn method_callees(
        &self,
        identity: &IdentityContext<'_>,
        receiver: &Expr,
        method: &str,
    ) -> (Vec<FunctionRef>, Option<String>) {
        let text = identity.text_of(receiver);
        if let Some(owner) = identity.struct_type_of(receiver) {
            let found = self.items.functions_at(&format!("{owner}::{method}"));
            if !found.is_empty() {
                return (found.to_vec(), text);
            }
        }
        // By name only when the receiver is a plain place of unknown type (`other.m()`),
        // never on the result of a call (`Pin::new(x).poll_next()` is std's, not ours).
        let candidates = self.items.methods_named(method);
        if candidates.len() == 1
            && text.is_some()
            && !identity.has_known_type(receiver)
            && !is_common_method_name(method)
        {
            return (candidates.to_vec(), text);
        }
        (Vec::new(), text)
    }
}
