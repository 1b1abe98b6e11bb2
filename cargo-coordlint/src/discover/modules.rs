//! Reading files in waves: read (confined) and lower a set of files in parallel, then follow
//! their `mod` declarations to the next set, until no new file is found. A declaration whose
//! file is missing, unreadable or refused is recorded as skipped, with the declaration's span.

use lint_core::hash::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lint_core::model::ModDecl;
use lint_core::model::persist::FileSummary;
use lint_core::{LoadedFacts, SourceFile};
use rayon::prelude::*;

use super::confine::{self, SkipReason};
use super::{Inputs, ModuleDirectory, PendingFile, SkippedFile, display_path};

/// A file to read, and the `mod` item that led to it (none for a root).
struct Scheduled {
    file: PendingFile,
    declared_by: Option<(lint_core::Span, String)>,
}

/// Reads, lowers and follows `mod` declarations from `roots`, appending to `inputs`; with a
/// cache, a file's facts come from it when it has them.
pub fn load_crates(inputs: &mut Inputs, roots: Vec<PendingFile>) {
    let mut identities = Identities::default();
    let mut seen: HashSet<PathBuf> = HashSet::default();
    // Skipped roots (path mode found them by walking) by identity: a declaration that
    // names one later gives it the span its finding needs.
    let mut skipped_roots: HashMap<PathBuf, usize> = HashMap::default();
    identities.prefetch(roots.iter().map(|pending| pending.path.as_path()));
    let mut wave: Vec<Scheduled> = roots
        .into_iter()
        .filter(|pending| seen.insert(identities.of(&pending.path)))
        .map(|file| Scheduled {
            file,
            declared_by: None,
        })
        .collect();
    // Every file read, by its index in `inputs.sources`, with the files its `mod`
    // declarations name.
    let mut loaded: Vec<(usize, PendingFile)> = Vec::new();
    let mut declared_files: Vec<Vec<DeclaredFile>> = Vec::new();
    while !wave.is_empty() {
        // Each text is moved to its shared copy on the thread that read it: the read
        // buffer is freed at once and the next read reuses its memory (the whole wave's
        // buffers, then their copies, made in one thread, cost twice the fresh pages).
        let read: Vec<(Scheduled, Result<Arc<str>, SkipReason>)> = wave
            .into_par_iter()
            .map(|scheduled| {
                let text =
                    confine::read_confined(&scheduled.file.confinement, &scheduled.file.path)
                        .map(Arc::<str>::from);
                (scheduled, text)
            })
            .collect();
        let mut pending_files = Vec::new();
        let mut sources = Vec::new();
        for (scheduled, text) in read {
            match text {
                Ok(text) => {
                    let pending = scheduled.file;
                    let mut source = SourceFile::new(
                        display_path(&inputs.root, &pending.path),
                        text,
                        pending.edition,
                    )
                    .with_crate(pending.crate_name.clone(), pending.module_path.clone())
                    .with_package(
                        pending
                            .origin
                            .package
                            .as_ref()
                            .map_or_else(String::new, |package| package.id.clone()),
                    )
                    .with_test_code(pending.test_code);
                    if pending.named {
                        source = source.always_analyzed();
                    }
                    sources.push(source);
                    pending_files.push(pending);
                }
                Err(reason) => {
                    let skipped = skipped_file(&inputs.root, &scheduled, reason);
                    if skipped.declared_at.is_none() {
                        skipped_roots
                            .insert(identities.of(&scheduled.file.path), inputs.skipped.len());
                    }
                    inputs.skipped.push(skipped);
                }
            }
        }
        let first_id = inputs.sources.len() as u32;
        let facts = match &inputs.cache {
            Some(cache) => lint_core::load_files_cached(first_id, &sources, cache),
            None => lint_core::lower_files_numbered_from(first_id, &sources)
                .into_iter()
                .map(|facts| LoadedFacts::Lowered(Box::new(facts)))
                .collect(),
        };
        let read_from = pending_files
            .iter()
            .map(|pending| (pending.confinement.clone(), pending.path.clone()))
            .collect();
        inputs.push_files(sources, facts, read_from);
        let loaded_by_path = loaded_by_path_attribute(
            &pending_files,
            &inputs.summaries[first_id as usize..],
            &mut identities,
        );
        let mut next = Vec::new();
        for pending in &mut pending_files {
            if loaded_by_path.contains(&identities.of(&pending.path)) {
                // Path mode read it as a root before seeing the `#[path]` that loads it:
                // its modules are next to it.
                pending.directory = ModuleDirectory::Own;
            }
        }
        let wave_files = declared_files_of(
            &pending_files,
            &inputs.summaries[first_id as usize..],
            &mut identities,
        );
        for (offset, (pending, found)) in pending_files.into_iter().zip(wave_files).enumerate() {
            let file = first_id as usize + offset;
            loaded.push((file, pending.clone()));
            for (declaration, module_file) in
                inputs.summaries[file].mod_decls.clone().iter().zip(&found)
            {
                let declared_by = Some((declaration.span, declaration.name.clone()));
                match module_file.clone() {
                    Ok(path) => {
                        let key = identities.of(&path);
                        if let Some(&index) = skipped_roots.get(&key) {
                            let skipped = &mut inputs.skipped[index];
                            if skipped.declared_at.is_none() {
                                skipped.declared_at = Some(declaration.span);
                                skipped.module = Some(declaration.name.clone());
                            }
                        } else if seen.insert(key) {
                            next.push(Scheduled {
                                file: child(&pending, declaration, path),
                                declared_by,
                            });
                        }
                    }
                    Err(_) if declaration.optional => {}
                    Err(looked_for) => inputs.skipped.push(SkippedFile {
                        declared_at: declared_by.as_ref().map(|(span, _)| *span),
                        module: Some(declaration.name.clone()),
                        path: display_path(&inputs.root, &looked_for[0]),
                        reason: SkipReason::NotFound {
                            looked_for: beside(&pending.path, &inputs.root, &looked_for),
                        },
                    }),
                }
            }
            inputs.origins.push(pending.origin.clone());
            declared_files.push(found);
        }
        wave = next;
    }
    mark_test_modules(inputs, &loaded, &declared_files, &mut identities);
    inherit_targets(inputs, &loaded, &declared_files, &mut identities);
}

/// The file a `mod` declaration names ([`module_file`]), or the places looked at.
type DeclaredFile = Result<PathBuf, Vec<PathBuf>>;

/// The files the `mod` declarations of `pending_files` name, by file and declaration,
/// looked for in parallel (a system call per candidate), their identities worked out too.
fn declared_files_of(
    pending_files: &[PendingFile],
    summaries: &[FileSummary],
    identities: &mut Identities,
) -> Vec<Vec<DeclaredFile>> {
    let found: Vec<Vec<DeclaredFile>> = pending_files
        .par_iter()
        .zip(summaries)
        .map(|(pending, summary)| {
            summary
                .mod_decls
                .iter()
                .map(|declaration| module_file(pending, declaration))
                .collect()
        })
        .collect();
    identities.prefetch(
        found
            .iter()
            .flatten()
            .filter_map(|file| file.as_deref().ok()),
    );
    found
}

/// The files that `#[path]` declarations of this wave load (by identity).
fn loaded_by_path_attribute(
    pending_files: &[PendingFile],
    summaries: &[FileSummary],
    identities: &mut Identities,
) -> HashSet<PathBuf> {
    let mut loaded = HashSet::default();
    for (pending, summary) in pending_files.iter().zip(summaries) {
        for declaration in &summary.mod_decls {
            if declaration.path_attr.is_some()
                && let Ok(path) = module_file(pending, declaration)
            {
                loaded.insert(identities.of(&path));
            }
        }
    }
    loaded
}

/// Path mode reads every file as a root; a file that another one declares with `mod` belongs
/// to the declaring file's target (JSON's `target.src_path` is the target's root file, not
/// the module's). Followed down the module tree, a bounded number of rounds; files that
/// already have a target other than themselves (workspace mode) keep it.
fn inherit_targets(
    inputs: &mut Inputs,
    loaded: &[(usize, PendingFile)],
    declared_files: &[Vec<DeclaredFile>],
    identities: &mut Identities,
) {
    let by_path: HashMap<PathBuf, usize> = loaded
        .iter()
        .map(|(index, pending)| (identities.of(&pending.path), *index))
        .collect();
    // (declaring file, declared file), found once.
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for ((index, _), found) in loaded.iter().zip(declared_files) {
        for module_file in found {
            if let Ok(path) = module_file
                && let Some(&declared) = by_path.get(&identities.of(path))
                && declared != *index
            {
                edges.push((*index, declared));
            }
        }
    }
    for _round in 0..MAX_MODULE_DEPTH {
        let mut changed = false;
        for &(declaring, declared) in &edges {
            // Only a file that is still its own root (path mode read it by walking).
            let own = &inputs.origins[declared];
            if own.target.src_path != own.absolute_path {
                continue;
            }
            let target = inputs.origins[declaring].target.clone();
            if target.src_path != own.absolute_path {
                inputs.origins[declared].target = target;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Rounds of [`inherit_targets`]: deeper module trees than this keep a nearer ancestor's.
const MAX_MODULE_DEPTH: usize = 32;

/// Path mode reads every file as a root, so a file declared by `#[cfg(test)] mod x;` (or
/// by a module of test code) was read before its declaration was seen: it, and the files
/// it declares in turn, are test code too. Files named on the command line stay analyzed.
fn mark_test_modules(
    inputs: &mut Inputs,
    loaded: &[(usize, PendingFile)],
    declared_files: &[Vec<DeclaredFile>],
    identities: &mut Identities,
) {
    let by_path: HashMap<PathBuf, usize> = loaded
        .iter()
        .enumerate()
        .map(|(position, (_, pending))| (identities.of(&pending.path), position))
        .collect();
    let mut test: Vec<bool> = loaded
        .iter()
        .map(|(_, pending)| pending.test_code)
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for (position, ((index, _), found)) in loaded.iter().zip(declared_files).enumerate() {
            let declarations = inputs.summaries[*index].mod_decls.clone();
            for (declaration, module_file) in declarations.iter().zip(found) {
                if !(test[position] || declaration.in_test) {
                    continue;
                }
                let Ok(path) = module_file else {
                    continue;
                };
                let Some(&declared) = by_path.get(&identities.of(path)) else {
                    continue;
                };
                if test[declared] || loaded[declared].1.named {
                    continue;
                }
                test[declared] = true;
                changed = true;
                inputs.mark_test(loaded[declared].0);
            }
        }
    }
}

/// The places a `mod` looked for its file, relative to the declaring file's folder when
/// they are in it (`gone.rs`, `gone/mod.rs`): short, and the finding already names the
/// declaring file.
fn beside(declaring: &Path, root: &Path, looked_for: &[PathBuf]) -> Vec<PathBuf> {
    let folder = declaring.parent().unwrap_or(Path::new(""));
    looked_for
        .iter()
        .map(|path| match path.strip_prefix(folder) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => PathBuf::from(display_path(root, path)),
        })
        .collect()
}

fn skipped_file(root: &Path, scheduled: &Scheduled, reason: SkipReason) -> SkippedFile {
    let reason = match reason {
        SkipReason::NotFound { looked_for } => SkipReason::NotFound {
            looked_for: looked_for
                .iter()
                .map(|path| PathBuf::from(display_path(root, path)))
                .collect(),
        },
        other => other,
    };
    SkippedFile {
        declared_at: scheduled.declared_by.as_ref().map(|(span, _)| *span),
        module: scheduled.declared_by.as_ref().map(|(_, name)| name.clone()),
        path: display_path(root, &scheduled.file.path),
        reason,
    }
}

fn child(parent: &PendingFile, declaration: &ModDecl, path: PathBuf) -> PendingFile {
    let directory = if declaration.path_attr.is_some()
        || path.file_name().is_some_and(|name| name == "mod.rs")
    {
        ModuleDirectory::Own
    } else {
        ModuleDirectory::Named
    };
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
        directory,
        confinement: parent.confinement.clone(),
        origin,
        test_code: parent.test_code || declaration.in_test,
        named: false,
    }
}

/// The file a `mod name;` in `parent` refers to, following Rust's rules: next to a crate
/// root or `mod.rs`, otherwise in a folder named after the parent file; inline modules add
/// a folder each (their name, or their own `#[path]`); `#[path]` is relative to the
/// declaring file's folder (or, inside inline modules, to their folder). A raw identifier names the file without its `r#`
/// (`mod r#match;` is `match.rs`). On failure, the places looked at.
///
/// This only finds a candidate: whether it may be read is `confine`'s decision.
fn module_file(parent: &PendingFile, declaration: &ModDecl) -> Result<PathBuf, Vec<PathBuf>> {
    let parent_dir = parent.path.parent().unwrap_or(Path::new("."));
    let stem = parent.path.file_stem().unwrap_or_default();
    // An outermost inline module with its own `#[path]` starts from the file's folder even
    // in a file whose modules live in a folder named after it (as rustc does).
    let outermost_has_path = matches!(declaration.inline_paths.first(), Some(Some(_)));
    let search_dirs: Vec<PathBuf> = match parent.directory {
        _ if outermost_has_path => vec![parent_dir.to_path_buf()],
        ModuleDirectory::Own => vec![parent_dir.to_path_buf()],
        ModuleDirectory::Named => vec![parent_dir.join(stem)],
        ModuleDirectory::Either => vec![parent_dir.join(stem), parent_dir.to_path_buf()],
    };
    let inline: Vec<&str> = declaration
        .inline_parents
        .iter()
        .zip(&declaration.inline_paths)
        .map(|(name, path)| path.as_deref().unwrap_or_else(|| unraw(name)))
        .collect();
    let candidates: Vec<PathBuf> = match &declaration.path_attr {
        Some(path_attr) if inline.is_empty() => vec![parent_dir.join(path_attr)],
        Some(path_attr) => search_dirs
            .iter()
            .map(|dir| inline.iter().fold(dir.clone(), |dir, name| dir.join(name)))
            .map(|dir| dir.join(path_attr))
            .collect(),
        None => {
            let name = unraw(&declaration.name);
            search_dirs
                .iter()
                .map(|dir| inline.iter().fold(dir.clone(), |dir, name| dir.join(name)))
                .flat_map(|dir| {
                    [
                        dir.join(format!("{name}.rs")),
                        dir.join(name).join("mod.rs"),
                    ]
                })
                .collect()
        }
    };
    // Present in the directory (a dangling symlink counts: reading it reports why it fails).
    candidates
        .iter()
        .find(|candidate| std::fs::symlink_metadata(candidate).is_ok())
        .cloned()
        .ok_or(candidates)
}

/// `r#match` → `match`.
fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// What makes two paths the same file: the canonical path when it exists.
fn identity(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| confine::normalize_lexically(path))
}

/// [`identity`] of each path, worked out once per [`load_crates`]: every file's is asked for
/// several times, and resolving symlinks costs a system call per path component.
#[derive(Default)]
struct Identities(HashMap<PathBuf, PathBuf>);

impl Identities {
    /// Works out the identities of `paths` not known yet, in parallel.
    fn prefetch<'p>(&mut self, paths: impl Iterator<Item = &'p Path>) {
        let unknown: HashSet<&Path> = paths.filter(|path| !self.0.contains_key(*path)).collect();
        let found: Vec<(PathBuf, PathBuf)> = unknown
            .into_par_iter()
            .map(|path| (path.to_path_buf(), identity(path)))
            .collect();
        self.0.extend(found);
    }

    fn of(&mut self, path: &Path) -> PathBuf {
        if let Some(known) = self.0.get(path) {
            return known.clone();
        }
        let found = identity(path);
        self.0.insert(path.to_path_buf(), found.clone());
        found
    }
}
