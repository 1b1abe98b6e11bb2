//! The names a written type must mention to resolve to a lock type: a cheap, sound test that
//! spares resolving every return type of the program (resolution walks scopes, imports and
//! globs, and binding crates declare hundreds of thousands of functions).
//!
//! A resolved type's path ends in a name that was written, or that a renaming import (`use
//! parking_lot::Mutex as Lock;`, `pub use` re-exports included), a type alias (`type Db =
//! Arc<Mutex<State>>`) or `Self` stands for. So the names that may stand for a lock are
//! the last segments [`lock_type_at`](crate::knowledge::locks::lock_type_at) takes, then,
//! until nothing changes, every import alias whose path mentions one and every type alias
//! whose definition does. A type that mentions none of them, nor `Self`, resolves to no
//! lock, however it resolves.

use crate::hash::HashSet;
use crate::knowledge::locks::lock_type_names;
use crate::model::{FileFacts, Import, PathRef, TypeRef};

/// Every name that may stand for a lock type somewhere in the program.
pub struct LockNames<'a> {
    names: HashSet<&'a str>,
}

impl<'a> LockNames<'a> {
    pub fn of(files: &'a [FileFacts]) -> LockNames<'a> {
        let mut names: HashSet<&'a str> = lock_type_names().collect();
        loop {
            let known = names.len();
            for facts in files {
                for alias in &facts.type_aliases {
                    if mentions_any(&alias.ty, &names) {
                        names.insert(alias.name.as_str());
                    }
                }
                let imports = facts.scopes.iter().flat_map(|scope| &scope.imports);
                for import in imports {
                    if let Import::Named { alias, path } = import
                        && path_mentions_any(path, &names)
                    {
                        names.insert(alias.as_str());
                    }
                }
            }
            if names.len() == known {
                return LockNames { names };
            }
        }
    }

    /// Whether `ty` may resolve to a lock type (or a wrapper of one): it mentions a name
    /// that may stand for one, or `Self`.
    pub fn may_name_lock(&self, ty: &TypeRef) -> bool {
        mentions_any(ty, &self.names)
    }
}

/// Whether any path of `ty` (its arguments and bounds included) has a segment in `names`
/// or `Self`.
fn mentions_any(ty: &TypeRef, names: &HashSet<&str>) -> bool {
    match ty {
        TypeRef::Path { path, args } => {
            path_mentions_any(path, names) || args.iter().any(|arg| mentions_any(arg, names))
        }
        TypeRef::Ref { inner, .. } => mentions_any(inner, names),
        TypeRef::Tuple(elements) => elements.iter().any(|element| mentions_any(element, names)),
        TypeRef::Slice(element) => mentions_any(element, names),
        TypeRef::Bounds(bounds) => bounds.iter().any(|bound| path_mentions_any(bound, names)),
        TypeRef::Other => false,
    }
}

fn path_mentions_any(path: &PathRef, names: &HashSet<&str>) -> bool {
    path.segments
        .iter()
        .any(|segment| segment == "Self" || names.contains(segment.as_str()))
}

#[cfg(test)]
mod tests {
    use super::LockNames;
    use crate::model::TypeRef;

    fn return_type(facts: &crate::model::FileFacts, function: &str) -> TypeRef {
        let function = facts
            .functions
            .iter()
            .find(|candidate| candidate.name == function)
            .unwrap_or_else(|| panic!("no function {function}"));
        (**function.return_type.as_ref().expect("a return type")).clone()
    }

    #[test]
    fn names_reach_locks_through_renaming_imports_and_aliases_only() {
        let facts = crate::lower::lower_file(
            crate::span::FileId(0),
            &crate::SourceFile::new(
                "lib.rs",
                "use parking_lot::Mutex as Guarded;
                 pub use self::Guarded as Twice;
                 type Shared = std::sync::Arc<Twice<u8>>;
                 type Plain = Vec<u8>;
                 use std::collections::HashMap as Map;
                 fn a() -> &'static std::sync::RwLock<u8> { loop {} }
                 fn b() -> Shared { loop {} }
                 fn c() -> Twice<u8> { loop {} }
                 fn d() -> Self { loop {} }
                 fn e() -> Option<(u8, [dashmap::DashMap<u8, u8>])> { loop {} }
                 fn f() -> Plain { loop {} }
                 fn g() -> Map<u8, u8> { loop {} }
                 fn h() -> Result<Vec<String>, std::io::Error> { loop {} }",
                crate::Edition::E2021,
            ),
        );
        let names = LockNames::of(std::slice::from_ref(&facts));
        for function in ["a", "b", "c", "d", "e"] {
            assert!(
                names.may_name_lock(&return_type(&facts, function)),
                "{function}"
            );
        }
        for function in ["f", "g", "h"] {
            assert!(
                !names.may_name_lock(&return_type(&facts, function)),
                "{function}"
            );
        }
    }
}
