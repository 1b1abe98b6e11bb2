//! Reading files in waves: read and lower a set of files in parallel, then follow their
//! `mod` declarations to the next set, until no new file is found.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lint_core::model::ModDecl;
use rayon::prelude::*;

use super::{Inputs, PendingFile, display_path};
use lint_core::SourceFile;

/// Reads, lowers and follows `mod` declarations from `roots`, appending to `inputs`.
pub fn load_crates(inputs: &mut Inputs, roots: Vec<PendingFile>) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut wave: Vec<PendingFile> = roots
        .into_iter()
        .filter(|pending| seen.insert(normalize(&pending.path)))
        .collect();
    while !wave.is_empty() {
        let read: Vec<(PendingFile, std::io::Result<String>)> = wave
            .into_par_iter()
            .map(|pending| {
                let text = std::fs::read_to_string(&pending.path);
                (pending, text)
            })
            .collect();
        let mut pending_files = Vec::new();
        let mut sources = Vec::new();
        for (pending, text) in read {
            match text {
                Ok(text) => {
                    sources.push(
                        SourceFile::new(
                            display_path(&inputs.root, &pending.path),
                            text,
                            pending.edition,
                        )
                        .with_crate(pending.crate_name.clone(), pending.module_path.clone()),
                    );
                    pending_files.push(pending);
                }
                Err(error) => inputs.warnings.push(format!(
                    "could not read {}: {error}; it was not analyzed",
                    pending.path.display()
                )),
            }
        }
        let first_id = inputs.facts.len() as u32;
        let facts = lint_core::lower_files_numbered_from(first_id, &sources);
        let mut next = Vec::new();
        for ((pending, source), file_facts) in pending_files.into_iter().zip(&sources).zip(&facts) {
            for declaration in &file_facts.mod_decls {
                match module_file(&pending, declaration) {
                    Some(path) => {
                        if seen.insert(normalize(&path)) {
                            next.push(child(&pending, declaration, path));
                        }
                    }
                    None => inputs.warnings.push(format!(
                        "{}:{}: no file found for `mod {};`; that module was not analyzed",
                        source.path, declaration.span.start.line, declaration.name
                    )),
                }
            }
            inputs.origins.push(pending.origin.clone());
        }
        inputs.sources.extend(sources);
        inputs.facts.extend(facts);
        wave = next;
    }
}

fn child(parent: &PendingFile, declaration: &ModDecl, path: PathBuf) -> PendingFile {
    let owns_directory =
        declaration.path_attr.is_some() || path.file_name().is_some_and(|name| name == "mod.rs");
    let mut module_path = parent.module_path.clone();
    module_path.extend(declaration.inline_parents.iter().cloned());
    module_path.push(declaration.name.clone());
    let mut origin = parent.origin.clone();
    origin.absolute_path = path.clone();
    PendingFile {
        path,
        crate_name: parent.crate_name.clone(),
        module_path,
        edition: parent.edition,
        owns_directory,
        origin,
    }
}

/// The file a `mod name;` in `parent` refers to, following Rust's rules: next to a crate
/// root or `mod.rs`, otherwise in a folder named after the parent file; inline modules add
/// a folder each; `#[path]` is relative to the declaring file's folder (or, inside inline
/// modules, to their folder).
fn module_file(parent: &PendingFile, declaration: &ModDecl) -> Option<PathBuf> {
    let parent_dir = parent.path.parent().unwrap_or(Path::new("."));
    let mut dir = if parent.owns_directory {
        parent_dir.to_path_buf()
    } else {
        let stem = parent.path.file_stem()?;
        parent_dir.join(stem)
    };
    if let Some(path_attr) = &declaration.path_attr {
        if declaration.inline_parents.is_empty() {
            let candidate = parent_dir.join(path_attr);
            return candidate.is_file().then_some(candidate);
        }
        for inline in &declaration.inline_parents {
            dir.push(inline);
        }
        let candidate = dir.join(path_attr);
        return candidate.is_file().then_some(candidate);
    }
    for inline in &declaration.inline_parents {
        dir.push(inline);
    }
    [
        dir.join(format!("{}.rs", declaration.name)),
        dir.join(&declaration.name).join("mod.rs"),
    ]
    .into_iter()
    .find(|candidate| candidate.is_file())
}

fn normalize(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
