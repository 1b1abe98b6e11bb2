//! Rust's borrow rules as evidence against a deadlock: while a method holds `&mut self`, no
//! other thread can reach `self` at all. When such a method takes two locks that are plain
//! fields of `self` (`Mutex<T>` owned by the struct, not shared through `Arc`, a static or
//! a parameter), no other thread can hold either of them in between, so that order can
//! never be one side of a deadlock. Lockdep cannot know this; the type system tells us.

use crate::analysis::items::{ItemIndex, struct_def};
use crate::knowledge::locks::lock_type_at;
use crate::model::{FileFacts, Receiver, TypeRef};

use super::graph::EdgeWitness;
use super::identity::ClassKey;

pub struct ExclusiveBorrows<'a> {
    files: &'a [FileFacts],
    items: &'a ItemIndex,
}

impl<'a> ExclusiveBorrows<'a> {
    pub fn new(files: &'a [FileFacts], items: &'a ItemIndex) -> ExclusiveBorrows<'a> {
        ExclusiveBorrows { files, items }
    }

    /// Whether the witness is a `&mut self` method taking two plain lock fields of `self`.
    pub fn excludes(&self, witness: &EdgeWitness) -> bool {
        let function = &self.files[witness.function.file()].functions[witness.function.index()];
        if function.receiver != Some(Receiver::RefMut) {
            return false;
        }
        let Some(owner) = self.items.self_type_of(witness.function) else {
            return false;
        };
        self.is_own_plain_field(
            owner,
            &witness.held.target.class,
            witness.held.target.instance.as_deref(),
        ) && self.is_own_plain_field(owner, &witness.then_class, witness.then_instance.as_deref())
    }

    /// Whether a field class is declared as a lock type itself (`Mutex<T>`, not behind an
    /// `Arc`, a reference or a type alias).
    pub fn is_plain_field(&self, class: &ClassKey) -> bool {
        let ClassKey::Field { owner, field } = class else {
            return false;
        };
        let Some(item) = self.items.struct_at(owner) else {
            return false;
        };
        struct_def(self.files, item)
            .fields
            .iter()
            .find(|declared| declared.name == *field)
            .is_some_and(|declared| is_plain_lock(&declared.ty))
    }

    /// `self.<field>` where the field is declared as a lock type itself in `owner`.
    fn is_own_plain_field(&self, owner: &str, class: &ClassKey, instance: Option<&str>) -> bool {
        let ClassKey::Field {
            owner: class_owner,
            field,
        } = class
        else {
            return false;
        };
        if class_owner != owner || instance != Some(format!("self.{field}").as_str()) {
            return false;
        }
        let Some(item) = self.items.struct_at(owner) else {
            return false;
        };
        struct_def(self.files, item)
            .fields
            .iter()
            .find(|declared| declared.name == *field)
            .is_some_and(|declared| is_plain_lock(&declared.ty))
    }
}

/// `Mutex<T>`, `RwLock<T>`: owned by the struct, not behind a pointer or a type alias.
fn is_plain_lock(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Path { .. })
        && ty
            .last_segment()
            .is_some_and(|name| lock_type_at(name).is_some())
}
