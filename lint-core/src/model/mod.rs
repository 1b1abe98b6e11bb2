//! The syntax model: what lowering keeps of a file once the syn tree is dropped.
//!
//! Everything after lowering (resolution, call graph, rules) reads only these types. They
//! keep the shape of function bodies that matters for coordination analysis (blocks,
//! statements, calls, loops, closures, scrutinees, awaits) and forget the rest.

pub mod body;
pub mod persist;
pub mod types;

pub use body::{
    Arm, Block, Body, ClosureExpr, Expr, ExprKind, FieldAccess, ForHead, IfExpr, LetStmt, LoopExpr,
    LoopKind, MacroCall, Method, Pattern, Stmt,
};
pub use types::{SharedType, TypeRef};

use crate::source::Edition;
use crate::span::{FileId, LineIndex, Span};
use thin_vec::ThinVec;

/// One segment of a written path (`std`, `sync`, `Mutex`): up to 24 bytes inline.
pub type Segment = compact_str::CompactString;

/// A module path inside its crate (`["net", "server"]`), shared by the items of one
/// module: every function, `impl`, struct and static has one.
pub type ModulePath = std::sync::Arc<[String]>;

/// The segments of a path: one kept inline (a local variable, a function of the same
/// module: most paths), several in a boxed slice of exactly their number, and a path
/// written with a leading `::` (`::std::sync::Mutex`, rare) in a boxed slice of its own
/// variant. 24 bytes whichever the variant (a boxed slice fits beside the inline string's
/// spare byte, and the variants take values of that byte the string never uses: an
/// [`ExprKind`] holding a path is then 24 bytes too), and read as a slice without the `::`.
#[derive(Clone)]
pub enum Segments {
    One(Segment),
    /// Two or more segments, or none: the conversions below keep one segment inline.
    /// Equality and hashing compare the segments, whichever the variant.
    Many(Box<[Segment]>),
    /// The segments of a path written with a leading `::`.
    Global(Box<[Segment]>),
}

impl Segments {
    pub fn as_slice(&self) -> &[Segment] {
        match self {
            Segments::One(segment) => std::slice::from_ref(segment),
            Segments::Many(segments) | Segments::Global(segments) => segments,
        }
    }
}

impl std::ops::Deref for Segments {
    type Target = [Segment];
    fn deref(&self) -> &[Segment] {
        self.as_slice()
    }
}

impl From<Vec<Segment>> for Segments {
    fn from(mut segments: Vec<Segment>) -> Segments {
        match segments.len() {
            1 => Segments::One(segments.pop().unwrap_or_default()),
            _ => Segments::Many(segments.into_boxed_slice()),
        }
    }
}

impl From<&[Segment]> for Segments {
    fn from(segments: &[Segment]) -> Segments {
        match segments {
            [one] => Segments::One(one.clone()),
            _ => Segments::Many(segments.into()),
        }
    }
}

impl<'a> IntoIterator for &'a Segments {
    type Item = &'a Segment;
    type IntoIter = std::slice::Iter<'a, Segment>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl FromIterator<Segment> for Segments {
    fn from_iter<I: IntoIterator<Item = Segment>>(segments: I) -> Segments {
        Segments::from(segments.into_iter().collect::<Vec<_>>())
    }
}

impl PartialEq for Segments {
    fn eq(&self, other: &Segments) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Segments {}

impl std::hash::Hash for Segments {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl std::fmt::Debug for Segments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

/// Written as a sequence, as the boxed slice it replaces was (a path's `::` is written
/// beside it, by [`PathRef`]).
impl serde::Serialize for Segments {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Segments {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Segments, D::Error> {
        Vec::<Segment>::deserialize(deserializer).map(Segments::from)
    }
}

/// A path as written in the source, before resolution (`mpsc::channel`, `Self::new`):
/// 24 bytes, its segments and whether it starts with `::` (see [`Segments`]). Generic
/// arguments are not kept. Equality and hashing see the `::` too (`::a::b` is not `a::b`).
#[derive(Clone)]
pub struct PathRef {
    /// Identifiers are short: each segment is kept inline, without an allocation, and a
    /// path of one segment (most are) has no allocation at all.
    pub segments: Segments,
}

impl PathRef {
    /// The path of `segments`, with a leading `::` when `global`.
    pub fn new(segments: Segments, global: bool) -> PathRef {
        let segments = match segments {
            Segments::One(one) if global => Segments::Global(Box::new([one])),
            Segments::Many(many) if global => Segments::Global(many),
            Segments::Global(many) if !global => Segments::from(&many[..]),
            segments => segments,
        };
        PathRef { segments }
    }

    /// A path of one segment (`name`), without `::`.
    pub fn single(name: impl Into<Segment>) -> PathRef {
        PathRef {
            segments: Segments::One(name.into()),
        }
    }

    /// Written with a leading `::` (`::std::sync::Mutex`).
    pub fn global(&self) -> bool {
        matches!(self.segments, Segments::Global(_))
    }

    pub fn last(&self) -> &str {
        self.segments.last().map(Segment::as_str).unwrap_or("")
    }

    pub fn display(&self) -> String {
        let joined = self.segments.join("::");
        if self.global() {
            format!("::{joined}")
        } else {
            joined
        }
    }
}

impl PartialEq for PathRef {
    fn eq(&self, other: &PathRef) -> bool {
        self.global() == other.global() && self.segments == other.segments
    }
}

impl Eq for PathRef {}

impl std::hash::Hash for PathRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.global().hash(state);
        self.segments.hash(state);
    }
}

impl std::fmt::Debug for PathRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathRef")
            .field("segments", &self.segments)
            .field("global", &self.global())
            .finish()
    }
}

/// Written as its segments and whether it starts with `::`.
impl serde::Serialize for PathRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.segments, self.global()).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for PathRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<PathRef, D::Error> {
        let (segments, global) = <(Segments, bool)>::deserialize(deserializer)?;
        Ok(PathRef::new(segments, global))
    }
}

/// Index of a module scope in [`FileFacts::scopes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ScopeId(pub u32);

/// One `use` entry after flattening groups: `use a::{b as c, d::*}` gives two imports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Import {
    /// `use path` or `use path as alias`; `alias` is the name it is visible as.
    Named { alias: String, path: PathRef },
    /// `use path::*`.
    Glob { path: PathRef },
}

/// A module of the crate as seen in this file: the file root, an inline `mod m { .. }`, or a
/// function body block with its own `use` items. Holds what name resolution needs.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ModuleScope {
    /// Module path inside the crate (`["net", "server"]`).
    pub module_path: Vec<String>,
    /// For a block scope inside a function, the module scope around it.
    pub parent: Option<ScopeId>,
    pub imports: Vec<Import>,
    /// Names of items defined directly in this module (functions, structs, mods, statics,
    /// ...), sorted and without repeats once lowered (see [`ModuleScope::declares`]).
    pub item_names: Vec<Segment>,
}

impl ModuleScope {
    /// Whether the module defines an item called `name` (a binary search: generated
    /// modules define thousands of items and every path in them is looked up here).
    pub fn declares(&self, name: &str) -> bool {
        self.item_names
            .binary_search_by(|item| item.as_str().cmp(name))
            .is_ok()
    }
}

/// An out-of-line `mod name;` that the caller must find a file for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModDecl {
    pub name: String,
    /// The value of `#[path = ".."]`, if any.
    pub path_attr: Option<String>,
    /// Names of the inline modules around the declaration, inside this file.
    pub inline_parents: Vec<String>,
    /// The `#[path = ".."]` of each of those inline modules, if any: the folder it adds to
    /// where files are looked for instead of its name (`#[path = "."] mod imp { mod a; }`
    /// reads `a.rs` beside the file).
    pub inline_paths: Vec<Option<String>>,
    /// Module path of the declared module inside the crate.
    pub module_path: Vec<String>,
    /// Declared under `#[cfg(test)]` (on it or around it): the module is test code.
    pub in_test: bool,
    /// Read only if the file exists, and not reported if not: the usual `name.rs` of a
    /// module whose `#[path]` attributes are all conditional (`#[cfg_attr(feature = "x",
    /// path = "x.rs")]`), which is its file when none of their conditions holds.
    pub optional: bool,
    pub span: Span,
}

/// A parameter of a function.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub pattern: Pattern,
    pub ty: SharedType,
}

/// The receiver of a method: `self`, `&self`, `&mut self`, or `self: Arc<Self>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Receiver {
    /// `self`, `mut self`, `self: Self`, `self: Box<Self>`: the method consumes the value.
    Value,
    /// `&self`, `self: &Arc<Self>`.
    Ref,
    /// `&mut self`, `self: &mut Self`.
    RefMut,
    /// Another type around `Self` (`self: Arc<Self>`, `self: Pin<&mut Self>`): the method
    /// takes a handle, not the value.
    Handle,
}

/// A generic type parameter and its trait bounds (from `<T: A>` and `where T: B`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenericParam {
    pub name: String,
    pub bounds: Vec<PathRef>,
}

/// An `impl Trait for Type` block: its `Self` type, the trait, and the scope they are
/// written in (inherent `impl` blocks are not kept: their methods carry their `Self` type).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TraitImpl {
    pub self_type: TypeRef,
    pub trait_path: PathRef,
    pub scope: ScopeId,
}

/// A function or method with a body. Its lists are thin vectors (8 bytes, the length in
/// the allocation): a run holds every function of the program, most without generics or
/// `cfg`s.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Function {
    /// Inline up to 24 bytes, like path segments.
    pub name: Segment,
    /// Module path of the enclosing module inside the crate.
    #[serde(with = "persist::module_paths")]
    pub module_path: ModulePath,
    /// The scope used to resolve paths in the body.
    pub scope: ScopeId,
    /// For methods and associated functions: the `Self` type of the `impl` (as written).
    pub self_type: Option<std::sync::Arc<TypeRef>>,
    /// For trait impls and default trait methods: the trait path as written (shared by the
    /// methods of one `impl` or trait, like `self_type`: a function is 152 bytes, not 176).
    pub trait_path: Option<std::sync::Arc<PathRef>>,
    pub receiver: Option<Receiver>,
    pub params: ThinVec<Param>,
    pub return_type: Option<SharedType>,
    /// Generic parameters of the enclosing `impl` and of the function, with their bounds.
    pub generics: ThinVec<GenericParam>,
    pub is_async: bool,
    /// Inside `#[cfg(test)]` or marked `#[test]`.
    pub is_test: bool,
    /// The `#[cfg(..)]` predicates it is compiled under (its own, its `impl`'s and its
    /// modules'), as token text without spaces: `feature="std"`, `not(feature="std")`.
    pub cfg: ThinVec<String>,
    pub body: Body,
    /// What the body contains, for passes that look only at some bodies (part of the
    /// body: not of the file's interface, see `persist::interface_digest`).
    #[serde(serialize_with = "BodyContents::serialize_unless_interface")]
    pub contents: BodyContents,
}

/// What a function's body contains (closures and async blocks included), found once when
/// it is lowered: several passes look only at bodies with one of these and would otherwise
/// each walk every body to find out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BodyContents {
    /// A struct literal (`Config { .. }`).
    pub struct_literal: bool,
    /// An `.await` (including the futures a `select!`-like macro awaits).
    pub await_expr: bool,
    /// A loop or a closure: where the loop facts (`analysis::loops`) can find iteration.
    pub loop_or_closure: bool,
}

impl BodyContents {
    /// Written as nothing in a file's interface ([`crate::span::interface_only`]).
    fn serialize_unless_interface<S: serde::Serializer>(
        contents: &BodyContents,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if crate::span::writing_interface() {
            return serializer.serialize_unit();
        }
        serde::Serialize::serialize(contents, serializer)
    }

    pub fn of(body: &Block) -> BodyContents {
        let mut contents = BodyContents::default();
        body.walk(&mut |expr| match expr.kind {
            ExprKind::Struct(_) => contents.struct_literal = true,
            ExprKind::Await(_) => contents.await_expr = true,
            ExprKind::Loop { .. } | ExprKind::Closure { .. } => contents.loop_or_closure = true,
            _ => {}
        });
        contents
    }
}

impl Function {
    /// Whether both functions can be in one build: not when one is compiled under a
    /// predicate and the other under its negation (`feature = "std"` and
    /// `not(feature = "std")`).
    pub fn can_coexist_with(&self, other: &Function) -> bool {
        let excludes = |a: &[String], b: &[String]| {
            a.iter()
                .any(|predicate| b.iter().any(|other| *other == format!("not({predicate})")))
        };
        !excludes(&self.cfg, &other.cfg) && !excludes(&other.cfg, &self.cfg)
    }

    /// A readable path: `net::Server::accept` or `main`.
    pub fn display_path(&self) -> String {
        let mut parts: Vec<String> = self.module_path.to_vec();
        if let Some(self_type) = &self.self_type {
            parts.push(self_type.display_name());
        } else if let Some(trait_path) = &self.trait_path {
            // A trait's default method.
            parts.push(trait_path.last().to_string());
        }
        parts.push(self.name.to_string());
        parts.join("::")
    }
}

/// A named field of a struct.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub name: Segment,
    pub ty: SharedType,
    pub span: Span,
}

/// A struct with named or tuple fields (tuple fields are named `0`, `1`, ...).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StructDef {
    pub name: String,
    #[serde(with = "persist::module_paths")]
    pub module_path: ModulePath,
    pub scope: ScopeId,
    pub fields: Vec<Field>,
    pub generics: Vec<GenericParam>,
    pub span: Span,
}

/// A `static` or `const` item, or a `lazy_static!` entry.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StaticDef {
    /// Inline up to 24 bytes, like path segments: no allocation for nearly every name.
    pub name: Segment,
    #[serde(with = "persist::module_paths")]
    pub module_path: ModulePath,
    pub scope: ScopeId,
    /// Shared with the file's other items of the same written type (generated bindings
    /// declare hundreds of thousands of constants of a few types).
    pub ty: SharedType,
    pub span: Span,
}

/// The lines an item spans (its attributes and doc comments included): a suppression
/// comment just before it covers all of them, and a finding is named by the innermost
/// item around it (fingerprints).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemExtent {
    /// `name`, `Type::method` for an associated function, `impl Type` for an `impl` block.
    pub name: String,
    pub first_line: u32,
    pub last_line: u32,
    /// Under `#[cfg(test)]` or a `#[test]` function.
    pub in_test: bool,
}

impl ItemExtent {
    pub fn contains_line(&self, line: u32) -> bool {
        (self.first_line..=self.last_line).contains(&line)
    }
}

/// A comment that silences rules: `// coordlint: allow(rule) -- reason` at the end of a line
/// silences findings with a labelled site on that line; alone on a line it silences the next
/// line that is not a comment, and, when an item starts between them, the whole item;
/// `// coordlint: allow-file(rule)` silences the whole file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Suppression {
    /// 1-based line the comment applies to.
    pub line: u32,
    /// 1-based line the comment is written on.
    pub comment_line: u32,
    /// The directive (`coordlint: allow(..)`), for findings about the comment itself.
    pub span: Span,
    /// Rule names as written; `all` silences every rule.
    pub rules: Vec<String>,
    pub whole_file: bool,
}

impl Suppression {
    /// Whether the comment names `rule` (as `rule`, `coordlint::rule` or `all`).
    pub fn names(&self, rule: &str) -> bool {
        self.rules.iter().any(|name| names_rule(name, rule))
    }

    /// Whether this comment silences `rule` reported at `line`, not counting items (see
    /// [`Suppression::covers`]).
    pub fn silences(&self, rule: &str, line: u32) -> bool {
        (self.whole_file || line == self.line) && self.names(rule)
    }

    /// Whether a site on `line` is covered: the whole file, the line the comment applies to,
    /// or an item that starts between a comment alone on its line and that line.
    pub fn covers(&self, items: &[ItemExtent], line: u32) -> bool {
        if self.whole_file || line == self.line {
            return true;
        }
        self.comment_line < self.line
            && items.iter().any(|item| {
                item.first_line > self.comment_line
                    && item.first_line <= self.line
                    && item.contains_line(line)
            })
    }
}

/// Whether `written` (a name in a suppression comment) names `rule`.
pub fn names_rule(written: &str, rule: &str) -> bool {
    let written = written.strip_prefix("coordlint::").unwrap_or(written);
    written == rule || written == "all"
}

/// A `type Name = Type;` alias.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TypeAlias {
    pub name: String,
    #[serde(with = "persist::module_paths")]
    pub module_path: ModulePath,
    pub scope: ScopeId,
    pub ty: TypeRef,
}

/// A trait declaration: its name and the names of its methods.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TraitDef {
    pub name: String,
    #[serde(with = "persist::module_paths")]
    pub module_path: ModulePath,
    pub methods: Vec<String>,
    /// Methods with a default body (also lowered as functions).
    pub default_methods: Vec<String>,
}

/// A file the parser rejected, or could not safely walk.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ParseFailure {
    pub message: String,
    pub span: Span,
}

/// Everything lowering keeps of one file.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Not stored with the facts (the id depends on discovery order): set when loaded.
    #[serde(skip)]
    pub file: FileId,
    /// The path shown to users (as in [`crate::SourceFile::path`]). Not stored with the
    /// facts: set from the source when loaded.
    #[serde(skip)]
    pub path: String,
    /// Line starts: the line of a span (suppressions, run-time traces, fingerprints), and
    /// sites known only by line and column (run-time traces).
    pub lines: LineIndex,
    pub crate_name: String,
    /// The package (as in [`crate::SourceFile::package`]). Not stored with the facts: set
    /// from the source when loaded.
    #[serde(skip)]
    pub package: String,
    /// What identifies these facts between runs, when they were stored or read from the
    /// cache (not stored with them: set when encoded or loaded).
    #[serde(skip)]
    pub digests: Option<persist::FileDigests>,
    pub edition: Edition,
    /// `scopes[0]` is the file's own module.
    pub scopes: Vec<ModuleScope>,
    pub functions: Vec<Function>,
    pub structs: Vec<StructDef>,
    pub statics: Vec<StaticDef>,
    pub type_aliases: Vec<TypeAlias>,
    /// `// coordlint: allow(rule, ...)` comments of the file.
    pub suppressions: Vec<Suppression>,
    /// Every item (nested ones too), in source order, in a file with suppression comments
    /// (empty in the others: only suppressions read them during the analysis, and files
    /// hold millions of items; the fingerprints of findings ask
    /// [`crate::item_extents`]).
    pub items: Vec<ItemExtent>,
    /// The whole file is test code (a test target's file, or `#![cfg(test)]`).
    pub test_file: bool,
    pub traits: Vec<TraitDef>,
    pub trait_impls: Vec<TraitImpl>,
    pub mod_decls: Vec<ModDecl>,
    pub parse_failure: Option<ParseFailure>,
    /// Range (`a..b`) and array (`[a, b]`, `[x; n]`) expressions in function bodies, which the
    /// body tree keeps as `Compound`: their spans, to tell a fixed iteration from a
    /// collection, sorted by span.
    pub collection_literals: Vec<(Span, CollectionLiteral)>,
    /// Integer literals in function bodies, which the body tree keeps as
    /// [`ExprKind::Literal`]: their spans and values (a channel's capacity, a timeout's
    /// length), sorted by span.
    pub integer_literals: Vec<(Span, u64)>,
}

/// What a `Compound` expression listed in [`FileFacts::collection_literals`] was written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CollectionLiteral {
    Range,
    Array,
}

impl FileFacts {
    /// Makes the signatures and fields of this file that write the same type share one copy
    /// of it, as lowering leaves them ([`SharedType`]), and so the methods' `Self` types and
    /// traits; for facts decoded from the cache, which come back with a copy each. (`let` types stay as decoded: they are few.)
    pub fn share_written_types(&mut self) {
        let mut shared: crate::hash::HashMap<TypeRef, SharedType> = Default::default();
        let mut share = |ty: &mut SharedType| match shared.get(&**ty) {
            Some(first) => *ty = first.clone(),
            None => {
                shared.insert((**ty).clone(), ty.clone());
            }
        };
        let mut traits: crate::hash::HashMap<PathRef, std::sync::Arc<PathRef>> = Default::default();
        for function in &mut self.functions {
            function
                .params
                .iter_mut()
                .for_each(|param| share(&mut param.ty));
            function.return_type.iter_mut().for_each(&mut share);
            // A method's `Self` type and trait, shared by its `impl`'s methods when lowered.
            function.self_type.iter_mut().for_each(&mut share);
            if let Some(trait_path) = &mut function.trait_path {
                match traits.get(&**trait_path) {
                    Some(first) => *trait_path = first.clone(),
                    None => {
                        traits.insert((**trait_path).clone(), trait_path.clone());
                    }
                }
            }
        }
        for definition in &mut self.structs {
            definition
                .fields
                .iter_mut()
                .for_each(|field| share(&mut field.ty));
        }
        for definition in &mut self.statics {
            share(&mut definition.ty);
        }
    }

    /// Gives back the room vectors kept from growing while the file was lowered (the facts
    /// of every file are kept for the whole run).
    pub fn shrink_to_fit(&mut self) {
        for scope in &mut self.scopes {
            scope.imports.shrink_to_fit();
            scope.item_names.shrink_to_fit();
        }
        self.scopes.shrink_to_fit();
        for function in &mut self.functions {
            // Collected through a filter (a method's receiver is not a parameter): grown.
            function.params.shrink_to_fit();
            function.generics.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.structs.shrink_to_fit();
        self.statics.shrink_to_fit();
        self.type_aliases.shrink_to_fit();
        self.suppressions.shrink_to_fit();
        self.items.shrink_to_fit();
        self.traits.shrink_to_fit();
        self.trait_impls.shrink_to_fit();
        self.mod_decls.shrink_to_fit();
        self.collection_literals.shrink_to_fit();
        self.integer_literals.shrink_to_fit();
    }

    pub fn scope(&self, id: ScopeId) -> &ModuleScope {
        &self.scopes[id.0 as usize]
    }

    /// What the range or array expression written at exactly `span` is, if it is one (the
    /// last one listed, if two share the span).
    pub fn collection_literal(&self, span: Span) -> Option<CollectionLiteral> {
        let key = (span.byte_start, span.byte_end);
        let after = self
            .collection_literals
            .partition_point(|(literal, _)| (literal.byte_start, literal.byte_end) <= key);
        let (literal, kind) = self.collection_literals.get(after.checked_sub(1)?)?;
        ((literal.byte_start, literal.byte_end) == key).then_some(*kind)
    }

    /// The value of the integer literal written at exactly `span`.
    pub fn integer_literal(&self, span: Span) -> Option<u64> {
        let key = (span.byte_start, span.byte_end);
        self.integer_literals
            .binary_search_by_key(&key, |(literal, _)| (literal.byte_start, literal.byte_end))
            .ok()
            .map(|index| self.integer_literals[index].1)
    }
}

#[cfg(test)]
mod tests {
    use super::{PathRef, Segment, Segments};

    fn path(text: &str, global: bool) -> PathRef {
        PathRef::new(text.split("::").map(Segment::from).collect(), global)
    }

    /// The leading `::` lives in the segments' variant: it is kept through the cache's
    /// encoding, read as a slice without it, and told apart by equality.
    #[test]
    fn a_leading_double_colon_is_kept_and_compared() {
        for (text, global) in [("std::sync::Mutex", true), ("core", true), ("a::b", false)] {
            let written = path(text, global);
            assert_eq!(written.global(), global);
            assert_eq!(written.segments.join("::"), text);
            let bytes = postcard::to_stdvec(&written).unwrap();
            let read: PathRef = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(read, written);
            assert_eq!(read.global(), global);
        }
        assert_ne!(path("a::b", true), path("a::b", false));
        assert_eq!(path("x", false).segments, Segments::One("x".into()));
        assert_eq!(path("core", true).display(), "::core");
    }
}
