//! The facts of one file as bytes, for a cache kept between runs (the CLI stores them; this
//! crate does no I/O).
//!
//! What is stored depends only on the file and how it is compiled, never on the other files
//! or the order they were found in: spans are stored without a file id, and neither the
//! file's id nor its display path is stored ([`FileFacts::file`], [`FileFacts::path`]); both
//! are given when loading. The encoding is postcard (compact, varint integers).
//! [`MODEL_VERSION`] changes whenever the model's shape or what lowering puts in it changes,
//! so that bytes written by another version are never read.
//!
//! The bytes start with the file's [`FileSummary`] (what finding the files of a run needs),
//! so that a run whose findings are stored reads the summaries and never decodes the rest.

use std::cell::Cell;

use super::{FileFacts, ModDecl};
use crate::source::SourceFile;
use crate::span::FileId;

/// The version of the stored facts: bump it with any change to the model types or to what
/// lowering produces. Cache keys include it.
pub const MODEL_VERSION: u32 = 28;

thread_local! {
    /// The id that spans get while a file's facts are loaded on this thread.
    static FILE_BEING_LOADED: Cell<FileId> = const { Cell::new(FileId(0)) };
}

/// The id of the file whose facts this thread is loading (see [`facts_from_bytes`]).
pub(crate) fn file_being_loaded() -> FileId {
    FILE_BEING_LOADED.with(Cell::get)
}

/// What finding a run's files needs of each file's facts: its `mod` declarations (to follow
/// to more files) and how many of its functions are test code.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileSummary {
    pub mod_decls: Vec<ModDecl>,
    pub functions: u32,
    pub test_functions: u32,
    /// The file's [`interface_digest`] (0 when it was not worked out).
    pub interface: u64,
}

impl FileSummary {
    /// The summary of `facts` (with the interface digest their [`FileDigests`] give).
    pub fn of(facts: &FileFacts) -> FileSummary {
        FileSummary {
            mod_decls: facts.mod_decls.clone(),
            functions: facts.functions.len() as u32,
            test_functions: facts
                .functions
                .iter()
                .filter(|function| function.is_test)
                .count() as u32,
            interface: facts.digests.map_or(0, |digests| digests.interface),
        }
    }
}

/// What identifies a file's facts between runs, for the results the analysis keeps of
/// them ([`crate::ResultsStore`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileDigests {
    /// The checksum of the whole stored entry: every fact of the file.
    pub content: u64,
    /// What other files' analysis may read of this one ([`interface_digest`]).
    pub interface: u64,
}

/// A 64-bit XXH3 hash of the file's interface: everything other files' local types and
/// call sites may read of it (crate, edition, modules with their imports, the functions'
/// signatures, structs, statics, aliases, traits and impls), without spans and function
/// bodies. A body edit, or one that only moves items, leaves it as it was.
pub fn interface_digest(facts: &FileFacts) -> u64 {
    let interface = (
        &facts.crate_name,
        facts.edition,
        &facts.scopes,
        &facts.functions,
        &facts.structs,
        &facts.statics,
        &facts.type_aliases,
        facts.test_file,
        &facts.traits,
        &facts.trait_impls,
        &facts.mod_decls,
        facts.parse_failure.is_some(),
    );
    crate::span::interface_only(|| postcard::to_stdvec(&interface))
        .map_or(0, |bytes| xxhash_rust::xxh3::xxh3_64(&bytes))
}

/// The summary and the facts as bytes (without their file id and display path), then a
/// checksum of them; `None` if they cannot be encoded (then they are not stored).
///
/// The checksum is what finds a damaged entry: function bodies are stored as bytes of
/// their own and decoded only when a pass reads them, long after the entry was loaded.
pub fn facts_to_bytes(facts: &FileFacts) -> Option<Vec<u8>> {
    encode_facts(facts).map(|(bytes, _)| bytes)
}

/// [`facts_to_bytes`], with the digests of the facts (the checksum and the interface).
pub fn encode_facts(facts: &FileFacts) -> Option<(Vec<u8>, FileDigests)> {
    let interface = interface_digest(facts);
    let summary = FileSummary {
        interface,
        ..FileSummary::of(facts)
    };
    let mut bytes = module_paths::with_table(|| postcard::to_stdvec(&(summary, facts))).ok()?;
    let checksum = xxhash_rust::xxh3::xxh3_64(&bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());
    let digests = FileDigests {
        content: checksum,
        interface,
    };
    Some((bytes, digests))
}

/// The bytes [`facts_to_bytes`] encoded, when the checksum after them matches.
fn checked(bytes: &[u8]) -> Option<&[u8]> {
    let (encoded, checksum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    (xxhash_rust::xxh3::xxh3_64(encoded).to_le_bytes() == checksum).then_some(encoded)
}

/// The items' module paths in a file's stored facts: each distinct path written once, the
/// items after the first naming it by its position among the file's paths (every
/// function, struct and static of a module shares one path; read back one by one, each
/// item had a copy of its own: hundreds of thousands of allocations in a binding crate).
/// The table lives while one file's facts are written or read ([`with_module_paths`]);
/// without it every path is written in full.
pub(crate) mod module_paths {
    use std::cell::RefCell;

    use crate::hash::HashMap;
    use crate::model::ModulePath;

    thread_local! {
        /// While a file is written: each path's position, by the address of its copy.
        static WRITTEN: RefCell<Option<HashMap<usize, u32>>> = const { RefCell::new(None) };
        /// While a file is read: the paths read so far.
        static READ: RefCell<Option<Vec<ModulePath>>> = const { RefCell::new(None) };
    }

    #[derive(serde::Serialize)]
    enum Writing<'p> {
        Path(&'p [String]),
        Before(u32),
    }

    #[derive(serde::Deserialize)]
    enum Reading {
        Path(Vec<String>),
        Before(u32),
    }

    /// Runs `code` (which writes or reads one file's facts) with a table of its paths.
    pub(crate) fn with_table<T>(code: impl FnOnce() -> T) -> T {
        let written = WRITTEN.with(|table| table.replace(Some(HashMap::default())));
        let read = READ.with(|table| table.replace(Some(Vec::new())));
        let result = code();
        WRITTEN.with(|table| table.replace(written));
        READ.with(|table| table.replace(read));
        result
    }

    pub fn serialize<S: serde::Serializer>(
        path: &ModulePath,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let address = path.as_ptr() as usize;
        let before = WRITTEN.with(|table| {
            let mut table = table.borrow_mut();
            let table = table.as_mut()?;
            let next = table.len() as u32;
            match table.entry(address) {
                std::collections::hash_map::Entry::Occupied(entry) => Some(*entry.get()),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(next);
                    None
                }
            }
        });
        serde::Serialize::serialize(
            &match before {
                Some(position) => Writing::Before(position),
                None => Writing::Path(path),
            },
            serializer,
        )
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<ModulePath, D::Error> {
        let read = <Reading as serde::Deserialize>::deserialize(deserializer)?;
        READ.with(|table| {
            let mut table = table.borrow_mut();
            match (read, table.as_mut()) {
                (Reading::Path(segments), table) => {
                    let path: ModulePath = segments.into();
                    if let Some(table) = table {
                        table.push(path.clone());
                    }
                    Ok(path)
                }
                (Reading::Before(position), Some(table)) => table
                    .get(position as usize)
                    .cloned()
                    .ok_or_else(|| serde::de::Error::custom("no module path at that position")),
                (Reading::Before(_), None) => Err(serde::de::Error::custom(
                    "a module path written before, unread",
                )),
            }
        })
    }
}

/// Runs `decode` with spans getting the id `file`.
pub(crate) fn loading_as<T>(file: FileId, decode: impl FnOnce() -> T) -> T {
    let previous = FILE_BEING_LOADED.with(|loading| loading.replace(file));
    let decoded = decode();
    FILE_BEING_LOADED.with(|loading| loading.set(previous));
    decoded
}

/// The summary at the start of bytes stored by [`facts_to_bytes`], as file `file` of this
/// run; `None` when it does not decode.
pub fn summary_from_bytes(bytes: &[u8], file: FileId) -> Option<FileSummary> {
    loading_as(file, || postcard::take_from_bytes::<FileSummary>(bytes))
        .ok()
        .map(|(summary, _)| summary)
}

/// Facts stored by [`facts_to_bytes`], as file `file` of this run with `source`'s display
/// path; `None` when the bytes do not decode (a damaged entry: lower the file instead).
pub fn facts_from_bytes(bytes: &[u8], file: FileId, source: &SourceFile) -> Option<FileFacts> {
    let encoded = checked(bytes)?;
    let decoded = loading_as(file, || {
        let (summary, rest) = postcard::take_from_bytes::<FileSummary>(encoded).ok()?;
        let facts = module_paths::with_table(|| postcard::from_bytes::<FileFacts>(rest)).ok()?;
        Some((summary, facts))
    });
    let (summary, mut facts) = decoded?;
    let checksum: [u8; 8] = bytes[encoded.len()..].try_into().ok()?;
    facts.digests = Some(FileDigests {
        content: u64::from_le_bytes(checksum),
        interface: summary.interface,
    });
    facts.share_written_types();
    facts.file = file;
    facts.path = source.path.clone();
    facts.package = source.package.clone();
    Some(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Edition;

    const TEXT: &str = "use std::sync::Mutex;\nstruct S { a: Mutex<u32> }\nimpl S {\n    fn f(&self) -> u32 {\n        let g = self.a.lock().unwrap();\n        for i in 0..3 { drop(i); }\n        *g + \"é\".len() as u32\n    }\n}\n// coordlint: allow(double_lock)\n";

    fn lowered(file: u32) -> FileFacts {
        let source = SourceFile::new("src/lib.rs", TEXT, Edition::E2021);
        crate::lower::lower_file(FileId(file), &source)
    }

    #[test]
    fn facts_round_trip_under_another_file_id() {
        let stored = facts_to_bytes(&lowered(0)).expect("encodes");
        let source = SourceFile::new("src/lib.rs", TEXT, Edition::E2021);
        let mut loaded = facts_from_bytes(&stored, FileId(7), &source).expect("decodes");
        let (_, digests) = encode_facts(&lowered(0)).expect("encodes");
        assert_eq!(
            loaded.digests.take(),
            Some(digests),
            "the digests come back"
        );
        let expected = lowered(7);
        assert_eq!(format!("{loaded:?}"), format!("{expected:?}"));
    }

    #[test]
    fn items_of_one_module_read_back_one_module_path() {
        let text = "mod inner { pub fn a() {} pub fn b() {} pub static S: u8 = 0; }\n\
                    pub fn c() {}\n";
        let source = SourceFile::new("src/lib.rs", text, Edition::E2021)
            .with_crate("demo", vec!["outer".to_string()]);
        let lowered = crate::lower::lower_file(FileId(0), &source);
        let stored = facts_to_bytes(&lowered).expect("encodes");
        let loaded = facts_from_bytes(&stored, FileId(0), &source).expect("decodes");
        let path_of = |name: &str| {
            let function = loaded
                .functions
                .iter()
                .find(|function| function.name == name);
            function.expect("lowered").module_path.clone()
        };
        assert_eq!(&*path_of("a"), ["outer".to_string(), "inner".to_string()]);
        assert!(std::sync::Arc::ptr_eq(&path_of("a"), &path_of("b")));
        assert!(std::sync::Arc::ptr_eq(
            &path_of("a"),
            &loaded.statics[0].module_path
        ));
        assert_eq!(&*path_of("c"), ["outer".to_string()]);
        assert!(!std::sync::Arc::ptr_eq(&path_of("a"), &path_of("c")));
    }

    fn interface_of(text: &str) -> u64 {
        let source = SourceFile::new("src/lib.rs", text, Edition::E2021);
        interface_digest(&crate::lower::lower_file(FileId(0), &source))
    }

    #[test]
    fn the_interface_leaves_out_bodies_and_places() {
        let interface = interface_of(TEXT);
        let body_edited = TEXT.replace("for i in 0..3 { drop(i); }", "let n = 4;");
        assert_eq!(interface_of(&body_edited), interface, "a body edit");
        let moved = format!("\n\n// a comment\n{TEXT}");
        assert_eq!(interface_of(&moved), interface, "items moved down");
        let signature = TEXT.replace("fn f(&self) -> u32", "fn f(&self, extra: u8) -> u32");
        assert_ne!(interface_of(&signature), interface, "a parameter added");
        let field = TEXT.replace("a: Mutex<u32>", "a: Mutex<u64>");
        assert_ne!(interface_of(&field), interface, "a field's type");
        let import = TEXT.replace("use std::sync::Mutex;", "use parking_lot::Mutex;");
        assert_ne!(interface_of(&import), interface, "an import");
    }

    #[test]
    fn stored_bytes_do_not_depend_on_the_file_id() {
        assert_eq!(facts_to_bytes(&lowered(0)), facts_to_bytes(&lowered(3)));
    }

    #[test]
    fn the_summary_is_read_without_the_facts() {
        let facts = lowered(0);
        let stored = facts_to_bytes(&facts).expect("encodes");
        let summary = summary_from_bytes(&stored, FileId(0)).expect("decodes");
        let (_, digests) = encode_facts(&facts).expect("encodes");
        let expected = FileSummary {
            interface: digests.interface,
            ..FileSummary::of(&facts)
        };
        assert_eq!(summary, expected);
        assert_eq!(summary.functions, 1);
    }

    #[test]
    fn damaged_bytes_are_refused() {
        let stored = facts_to_bytes(&lowered(0)).expect("encodes");
        let source = SourceFile::new("src/lib.rs", TEXT, Edition::E2021);
        assert!(facts_from_bytes(&stored[..stored.len() / 2], FileId(0), &source).is_none());
    }

    /// A function body is decoded only when a pass reads it: a damaged byte inside one must
    /// refuse the entry when it is loaded, not leave an empty body for the passes.
    #[test]
    fn a_damaged_body_refuses_the_entry() {
        let stored = facts_to_bytes(&lowered(0)).expect("encodes");
        let source = SourceFile::new("src/lib.rs", TEXT, Edition::E2021);
        for at in [stored.len() / 2, stored.len() - 20, stored.len() - 1] {
            let mut damaged = stored.clone();
            damaged[at] ^= 0x55;
            assert!(
                facts_from_bytes(&damaged, FileId(0), &source).is_none(),
                "byte {at}"
            );
        }
    }
}
