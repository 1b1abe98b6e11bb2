//! Lock identity: which lock class an expression like `self.inner.state` or `ACCOUNTS`
//! denotes, found through `self`'s impl type, typed parameters and locals, struct field
//! types and statics. Where the types do not say, identity is unknown, and the caller may
//! fall back to the receiver's text (never to a guess).

use crate::hash::HashMap;

use crate::analysis::items::static_def;
use crate::analysis::types::{Ty, TypeScope};
use crate::analysis::typing::{FunctionTypes, Typing, element_type};
use crate::knowledge::collections::is_element_access;
use crate::knowledge::locks::{
    LockType, is_identity_method, is_once_accessor, is_shared_pointer_clone_path, lock_type_at,
    unwraps_once_value,
};
use crate::knowledge::wrappers::is_standard_type;
use crate::model::{Expr, ExprKind, PathRef};

/// A lock class: all locks that share a declaration.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ClassKey {
    /// A field of a struct: `owner` is the struct's canonical path.
    Field { owner: String, field: String },
    /// A `static` (also `LazyLock`, `lazy_static!`), by canonical path.
    Static { path: String },
    /// A local binding of one function.
    Local { function: String, name: String },
    /// A lock (or a guard) a function receives as its parameter `index` (`self` not
    /// counted): whatever lock each caller passes. Instantiated at call sites.
    Param {
        function: String,
        index: usize,
        name: String,
    },
    /// Identity unknown; the receiver's text inside one function.
    Textual { function: String, text: String },
}

impl ClassKey {
    /// How messages name the class: `Bank::accounts`, `GLOBAL`, `m` (in `run`).
    pub fn display(&self) -> String {
        match self {
            ClassKey::Field { owner, field } => {
                format!("{}::{field}", crate::paths::last_segment(owner))
            }
            ClassKey::Static { path } => path
                .split_once("::")
                .map_or(path.as_str(), |(_, rest)| rest)
                .to_string(),
            ClassKey::Local { name, .. } | ClassKey::Param { name, .. } => name.clone(),
            ClassKey::Textual { text, .. } => text.clone(),
        }
    }

    /// Classes that mean the same lock wherever they appear (fields and statics).
    pub fn is_global(&self) -> bool {
        matches!(self, ClassKey::Field { .. } | ClassKey::Static { .. })
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, ClassKey::Textual { .. })
    }

    /// The parameter position of a parameter class.
    pub fn param_index(&self) -> Option<usize> {
        match self {
            ClassKey::Param { index, .. } => Some(*index),
            _ => None,
        }
    }
}

/// A lock an expression denotes: its class, its type, and the instance (the receiver text
/// after following aliases) when known, to tell "the same lock" from "a lock of the same
/// class".
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct LockTarget {
    pub class: ClassKey,
    pub lock_type: LockType,
    pub instance: Option<String>,
}

impl LockTarget {
    /// How messages name this lock: the receiver as written (`self.state`), or the class.
    pub fn name(&self) -> String {
        match (&self.class, &self.instance) {
            (ClassKey::Static { .. }, _) | (_, None) => self.class.display(),
            (_, Some(instance)) => instance.clone(),
        }
    }
}

/// What the syntax says about the type of a place.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PlaceType {
    Struct(String),
    Lock(LockType),
    /// Known, and neither a lock nor one of our structs.
    Other,
    /// Another crate's type (`reqwest::Client`): not ours, but it could wrap a lock.
    External,
}

/// The result of asking what lock an expression is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Lock(LockTarget),
    /// The types say it is not a lock (a field of type `Stdout`, a `File`, ...).
    NotALock,
    Unknown,
}

/// Everything identity resolution needs about the function being analyzed.
pub struct IdentityContext<'a> {
    pub typing: Typing<'a>,
    /// Where the function is written: its file, scope, `Self` and generics.
    pub at: TypeScope<'a>,
    /// The function being analyzed.
    pub function: &'a crate::model::Function,
    /// Its readable path, for the classes named after it (locals, parameters), built the
    /// first time one is: most functions never need it. Read through
    /// [`IdentityContext::function_path`].
    pub function_path: std::cell::OnceCell<String>,
    /// The function's local types (cached on the program).
    pub types: &'a FunctionTypes,
    /// The simple names of the function's parameters, by position (`self` not counted).
    pub params: Vec<Option<String>>,
    /// Where each parameter is declared.
    pub param_spans: Vec<crate::span::Span>,
    /// Bindings that are another name for a lock (`let s = self.state.clone()`).
    pub aliases: HashMap<String, LockTarget>,
    /// Field classes that hold one shared lock, to the class that stands for them all
    /// ([`super::allocation`]).
    pub same_lock: std::sync::Arc<HashMap<ClassKey, ClassKey>>,
}

impl IdentityContext<'_> {
    /// The readable path of the function being analyzed (`net::Server::accept`).
    pub fn function_path(&self) -> &str {
        self.function_path
            .get_or_init(|| self.function.display_path())
    }

    pub fn identify(&self, expr: &Expr) -> Identity {
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                if let Some(target) = self.aliases.get(name) {
                    return Identity::Lock(target.clone());
                }
                if let Some(ty) = self.types.local_at(name, expr) {
                    return match self.classify(ty) {
                        Some(PlaceType::Lock(lock_type)) => Identity::Lock(LockTarget {
                            class: self.local_class(name),
                            lock_type,
                            instance: Some(name.to_string()),
                        }),
                        Some(_) => Identity::NotALock,
                        None => Identity::Unknown,
                    };
                }
                self.identify_static(expr)
            }
            ExprKind::Path(_) => self.identify_static(expr),
            ExprKind::Field(field) => match self.place_type(&field.base) {
                Some(PlaceType::Struct(owner)) => {
                    self.identify_field(&owner, &field.member, &field.base)
                }
                Some(PlaceType::Lock(_)) => Identity::NotALock,
                Some(PlaceType::Other | PlaceType::External) | None => Identity::Unknown,
            },
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && is_identity_method(method) => self.identify(receiver),
            ExprKind::Reference { expr: inner, .. } | ExprKind::Deref(inner) => {
                self.identify(inner)
            }
            ExprKind::Call { callee, args }
                if is_shared_pointer_clone(callee) && args.len() == 1 =>
            {
                self.identify(&args[0])
            }
            // `self.accounts[i]`, `self.wallets.get(&id)`: an element of a collection of
            // locks; every element is one class, each index or key an instance.
            ExprKind::Index { base, index } => self.identify_element(base, Some(index)),
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_element_access(method) && self.is_collection(receiver) => {
                self.identify_element(receiver, method.args().first())
            }
            // `LOCK.get().unwrap()`, `LOCK.get_or_init(..)` on a `OnceLock<Mutex<..>>`.
            ExprKind::MethodCall {
                receiver, method, ..
            } if is_once_accessor(method) => match self.identify(receiver) {
                Identity::Lock(target) => Identity::Lock(target),
                _ => Identity::Unknown,
            },
            ExprKind::MethodCall {
                receiver, method, ..
            } if unwraps_once_value(method, method.args().len()) => match &receiver.kind {
                ExprKind::MethodCall { method: inner, .. } if is_once_accessor(inner) => {
                    self.identify(receiver)
                }
                _ => Identity::Unknown,
            },
            _ => Identity::Unknown,
        }
    }

    /// An element of a collection of locks (`Vec<Mutex<T>>`, `HashMap<K, Arc<Mutex<V>>>`):
    /// the collection's class with `[]` added, and the key's text as the instance.
    fn identify_element(&self, collection: &Expr, key: Option<&Expr>) -> Identity {
        let Some(collection_type) = self.typing.type_of(&self.at, self.types, collection) else {
            return Identity::Unknown;
        };
        let Some(element) = element_type(&collection_type) else {
            return Identity::Unknown;
        };
        let lock_type = match self.classify(&element) {
            Some(PlaceType::Lock(lock_type)) => lock_type,
            Some(_) => return Identity::NotALock,
            None => return Identity::Unknown,
        };
        let Some(class) = self.collection_class(collection) else {
            return Identity::Unknown;
        };
        let instance = match (
            self.text_of(collection),
            key.and_then(|key| self.text_of(key)),
        ) {
            (Some(collection), Some(key)) => Some(format!("{collection}[{key}]")),
            _ => None,
        };
        Identity::Lock(LockTarget {
            class,
            lock_type,
            instance,
        })
    }

    /// Whether the types say `expr` is a collection (a `Vec`, a map, a slice).
    fn is_collection(&self, expr: &Expr) -> bool {
        self.typing
            .type_of(&self.at, self.types, expr)
            .is_some_and(|ty| element_type(&ty).is_some())
    }

    /// The class of the elements of a collection place: `Ledger::accounts[]`.
    fn collection_class(&self, collection: &Expr) -> Option<ClassKey> {
        let element = |name: &str| format!("{name}[]");
        match &collection.kind {
            ExprKind::Reference { expr, .. } | ExprKind::Deref(expr) => self.collection_class(expr),
            ExprKind::Field(field) => match self.place_type(&field.base)? {
                PlaceType::Struct(owner) => Some(ClassKey::Field {
                    owner,
                    field: element(&field.member),
                }),
                _ => None,
            },
            ExprKind::Path(path)
                if path.segments.len() == 1
                    && self.types.local_at(path.last(), collection).is_some() =>
            {
                match self.local_class(path.last()) {
                    ClassKey::Param {
                        function,
                        index,
                        name,
                    } => Some(ClassKey::Param {
                        function,
                        index,
                        name: element(&name),
                    }),
                    ClassKey::Local { function, name } => Some(ClassKey::Local {
                        function,
                        name: element(&name),
                    }),
                    _ => None,
                }
            }
            ExprKind::Path(path) => {
                let canonical = self.canonical_path(path);
                self.typing.static_type(&canonical)?;
                Some(ClassKey::Static {
                    path: element(&canonical),
                })
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && is_identity_method(method) => {
                self.collection_class(receiver)
            }
            _ => None,
        }
    }

    /// The class of a lock named by a local binding: a parameter's, or the local's own.
    fn local_class(&self, name: &str) -> ClassKey {
        match self
            .params
            .iter()
            .position(|param| param.as_deref() == Some(name))
        {
            Some(index) => ClassKey::Param {
                function: self.function_path().to_string(),
                index,
                name: name.to_string(),
            },
            None => ClassKey::Local {
                function: self.function_path().to_string(),
                name: name.to_string(),
            },
        }
    }

    fn identify_static(&self, expr: &Expr) -> Identity {
        let ExprKind::Path(path) = &expr.kind else {
            return Identity::Unknown;
        };
        let canonical = self.canonical_path(path);
        match self.static_type(&canonical) {
            None => Identity::Unknown,
            Some(Some(PlaceType::Lock(lock_type))) => Identity::Lock(LockTarget {
                class: ClassKey::Static {
                    path: canonical.clone(),
                },
                lock_type,
                instance: Some(canonical),
            }),
            Some(_) => Identity::NotALock,
        }
    }

    /// The class of `owner.member` when that field holds a lock (as declared, before
    /// shared allocations are merged).
    pub fn field_lock_class(&self, owner: &str, member: &str) -> Option<ClassKey> {
        let field_type = self.typing.field_type(owner, member)?;
        match self.classify(&field_type)? {
            PlaceType::Lock(_) => Some(ClassKey::Field {
                owner: owner.to_string(),
                field: member.to_string(),
            }),
            _ => None,
        }
    }

    fn identify_field(&self, owner: &str, member: &str, base: &Expr) -> Identity {
        let Some(field_type) = self.typing.field_type(owner, member) else {
            return Identity::Unknown;
        };
        match self.classify(&field_type) {
            Some(PlaceType::Lock(lock_type)) => Identity::Lock(LockTarget {
                class: {
                    let class = ClassKey::Field {
                        owner: owner.to_string(),
                        field: member.to_string(),
                    };
                    self.same_lock.get(&class).cloned().unwrap_or(class)
                },
                lock_type,
                instance: self.text_of(base).map(|base| format!("{base}.{member}")),
            }),
            Some(_) => Identity::NotALock,
            None => Identity::Unknown,
        }
    }

    /// The canonical path of the struct a place expression has, when the types say.
    pub fn struct_type_of(&self, expr: &Expr) -> Option<String> {
        match self.place_type(expr)? {
            PlaceType::Struct(owner) => Some(owner),
            _ => None,
        }
    }

    /// Whether the types say anything about this place (our struct, a lock, or a known
    /// other type such as a std or external type).
    pub fn has_known_type(&self, expr: &Expr) -> bool {
        self.place_type(expr).is_some()
    }

    /// The canonical path of a path as written in this function.
    pub fn canonical_path(&self, path: &PathRef) -> String {
        self.typing.types.resolve_path(&self.at, path)
    }

    /// The struct (or lock) type of a place expression.
    fn place_type(&self, expr: &Expr) -> Option<PlaceType> {
        match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let name = path.last();
                if name == "self" {
                    return self.at.self_type.map(|owner| self.struct_or_other(owner));
                }
                if let Some(target) = self.aliases.get(name) {
                    return Some(PlaceType::Lock(target.lock_type));
                }
                if let Some(ty) = self.types.local_at(name, expr) {
                    return self.classify(ty);
                }
                self.static_type(&self.canonical_path(path)).flatten()
            }
            ExprKind::Path(path) => self.static_type(&self.canonical_path(path)).flatten(),
            ExprKind::Field(field) => {
                let Some(PlaceType::Struct(owner)) = self.place_type(&field.base) else {
                    return None;
                };
                self.classify(&self.typing.field_type(&owner, &field.member)?)
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && is_identity_method(method) => {
                self.place_type(receiver)
            }
            ExprKind::Reference { expr: inner, .. }
            | ExprKind::Deref(inner)
            | ExprKind::Try(inner) => self.place_type(inner),
            ExprKind::Index { base, .. } => self.classify(&element_type(
                &self.typing.type_of(&self.at, self.types, base)?,
            )?),
            _ => None,
        }
    }

    /// The classified type of the static at `canonical`: `None` when there is no such
    /// static, `Some(None)` when its type says nothing.
    fn static_type(&self, canonical: &str) -> Option<Option<PlaceType>> {
        let types = self.typing.types;
        let item = types.items.static_at(canonical)?;
        let definition = static_def(types.files, item);
        let at = TypeScope::module(item.file(), definition.scope);
        Some(self.classify(&types.resolve(&at, &definition.ty)))
    }

    fn struct_or_other(&self, canonical: &str) -> PlaceType {
        if self.typing.types.items.struct_at(canonical).is_some() {
            PlaceType::Struct(canonical.to_string())
        } else {
            PlaceType::Other
        }
    }

    /// What a type is, looking through `Arc`, `Box`, `LazyLock` and references. `None` when
    /// the type says nothing (`_`, `impl Trait`, a generic parameter).
    fn classify(&self, ty: &Ty) -> Option<PlaceType> {
        let path = match ty.peel_wrappers() {
            Ty::Path { path, .. } => path,
            Ty::Unknown | Ty::Bounds(_) => return None,
            _ => return Some(PlaceType::Other),
        };
        if self.at.self_type == Some(path.as_str()) {
            return Some(self.struct_or_other(path));
        }
        if let Some(lock_type) = lock_type_at(path) {
            return Some(PlaceType::Lock(lock_type));
        }
        if self.typing.types.items.struct_at(path).is_some() {
            return Some(PlaceType::Struct(path.clone()));
        }
        // A standard type is known not to be a lock; another crate's type is external; a
        // generic parameter or an unresolved name is unknown.
        if is_standard_type(path) {
            Some(PlaceType::Other)
        } else if crate::paths::is_qualified(path) {
            Some(PlaceType::External)
        } else {
            None
        }
    }

    /// The receiver as text (`self.inner.state`), following lock aliases; `None` for
    /// expressions with calls or indexing.
    pub fn text_of(&self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Path(path) => {
                if path.segments.len() == 1
                    && let Some(target) = self.aliases.get(path.last())
                {
                    return target.instance.clone();
                }
                Some(path.segments.join("::"))
            }
            ExprKind::Field(field) => {
                Some(format!("{}.{}", self.text_of(&field.base)?, field.member))
            }
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.args().is_empty() && is_identity_method(method) => self.text_of(receiver),
            ExprKind::Reference { expr: inner, .. } | ExprKind::Deref(inner) => self.text_of(inner),
            ExprKind::Index { base, index } => {
                Some(format!("{}[{}]", self.text_of(base)?, self.text_of(index)?))
            }
            ExprKind::Call { callee, args }
                if is_shared_pointer_clone(callee) && args.len() == 1 =>
            {
                self.text_of(&args[0])
            }
            _ => None,
        }
    }
}

/// `Arc::clone(&x)` and `Rc::clone(&x)`.
fn is_shared_pointer_clone(callee: &Expr) -> bool {
    matches!(&callee.kind, ExprKind::Path(path) if is_shared_pointer_clone_path(&path.segments))
}
