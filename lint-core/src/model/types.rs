//! Types as written in signatures, fields and `let` annotations.

use super::PathRef;

/// A written type shared by every place of one file that writes the same type (parameter,
/// return, field and `let` types): a file writes the same few types many times
/// (`&mut fmt::Formatter<'_>`, `Result<(), Error>`), and these are kept for the whole run.
pub type SharedType = std::sync::Arc<TypeRef>;

/// A type as written, with generic arguments kept so `Arc<Mutex<T>>` can be looked through.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// `a::B<C, D>`; `args` are the type arguments of the last segment.
    Path {
        path: PathRef,
        /// A thin vector: most paths have no arguments (a type is 32 bytes, not 48).
        args: thin_vec::ThinVec<TypeRef>,
    },
    /// `&T` or `&mut T`.
    Ref {
        mutable: bool,
        inner: Box<TypeRef>,
    },
    Tuple(Vec<TypeRef>),
    /// `[T; N]` or `[T]`.
    Slice(Box<TypeRef>),
    /// `impl A + B` or `dyn A + B`: the bounds' paths.
    Bounds(Vec<PathRef>),
    /// `_`, function pointers, macros in type position, ...
    Other,
}

impl TypeRef {
    /// The type with references stripped: `&mut Foo` is `Foo`.
    pub fn peel_refs(&self) -> &TypeRef {
        match self {
            TypeRef::Ref { inner, .. } => inner.peel_refs(),
            other => other,
        }
    }

    /// The last path segment, for display: `Server` for `crate::net::Server<T>`.
    pub fn display_name(&self) -> String {
        match self.peel_refs() {
            TypeRef::Path { path, .. } => path.last().to_string(),
            TypeRef::Tuple(_) => "(..)".to_string(),
            TypeRef::Slice(_) => "[..]".to_string(),
            TypeRef::Bounds(bounds) => bounds
                .first()
                .map(|path| format!("impl {}", path.last()))
                .unwrap_or_else(|| "_".to_string()),
            TypeRef::Ref { .. } | TypeRef::Other => "_".to_string(),
        }
    }

    /// The last segment's name if this is a path type.
    pub fn last_segment(&self) -> Option<&str> {
        match self.peel_refs() {
            TypeRef::Path { path, .. } => Some(path.last()),
            _ => None,
        }
    }

    /// The generic arguments of a path type.
    pub fn type_args(&self) -> &[TypeRef] {
        match self.peel_refs() {
            TypeRef::Path { args, .. } => args,
            _ => &[],
        }
    }
}
