//! Finding fingerprints, shared by SARIF's `partialFingerprints` and the baseline: unique
//! per finding and stable under unrelated edits. Built from the rule, the file (relative to
//! the repository root), the innermost item around the finding, the names the message
//! quotes in backticks (lock classes, the callee, the channel), and an occurrence index
//! among findings with all of those equal. Never a line number; nothing that
//! `--runtime-trace` adds (it only appends unquoted words to a message).

use std::collections::HashMap;

use lint_core::Diagnostic;
use lint_core::model::ItemExtent;

use super::repository::RepositoryPaths;
use crate::discover::Inputs;

/// The fingerprint format's name and version, as SARIF's `partialFingerprints` key.
pub const KEY: &str = "coordlint/v2";

/// One fingerprint per finding, in order. `diagnostics` must be in the output order (sorted
/// by file and line), which makes the occurrence index follow the code.
pub fn fingerprints(
    inputs: &Inputs,
    paths: &RepositoryPaths,
    diagnostics: &[Diagnostic],
) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let extents = item_extents_of_files(inputs, diagnostics);
    diagnostics
        .iter()
        .map(|diagnostic| {
            let identity = identity_hash(inputs, paths, &extents, diagnostic);
            let occurrence = seen.entry(identity).or_insert(0);
            let fingerprint = format!("{identity:016x}:{occurrence}");
            *occurrence += 1;
            fingerprint
        })
        .collect()
}

/// The item extents of each file a finding is in, by file index (the facts keep them only
/// for files with suppression comments: see `FileFacts::items`).
fn item_extents_of_files(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
) -> HashMap<usize, Vec<ItemExtent>> {
    let mut files: Vec<usize> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.primary.span.file.0 as usize)
        .filter(|file| *file < inputs.sources.len())
        .collect();
    files.sort_unstable();
    files.dedup();
    let sources: Vec<&lint_core::SourceFile> =
        files.iter().map(|file| &inputs.sources[*file]).collect();
    files
        .into_iter()
        .zip(lint_core::item_extents(&sources))
        .collect()
}

/// Rule, file, enclosing item and quoted names, hashed (FNV-1a, 64 bits).
fn identity_hash(
    inputs: &Inputs,
    paths: &RepositoryPaths,
    extents: &HashMap<usize, Vec<ItemExtent>>,
    diagnostic: &Diagnostic,
) -> u64 {
    let file = diagnostic.primary.span.file.0 as usize;
    let path = paths
        .relative(file)
        .map(str::to_string)
        .unwrap_or_else(|| inputs.sources[file].path.clone());
    let item = inputs
        .facts()
        .get(file)
        .zip(extents.get(&file))
        .and_then(|(facts, items)| {
            let line = facts.lines.line_number(diagnostic.primary.span.byte_start);
            enclosing_item(items, line)
        })
        .unwrap_or("");
    let mut parts: Vec<&str> = vec![diagnostic.rule, &path, item];
    parts.extend(quoted_names(&diagnostic.message));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The innermost item whose lines contain `line`.
pub fn enclosing_item(items: &[ItemExtent], line: u32) -> Option<&str> {
    items
        .iter()
        .filter(|item| item.contains_line(line))
        .min_by_key(|item| item.last_line - item.first_line)
        .map(|item| item.name.as_str())
}

/// The code spans of a message (`` `Store::inventory` ``), in order, without a trailing
/// `:line` or `:line:column` (a site a run-time trace names), so no line number counts.
fn quoted_names(message: &str) -> impl Iterator<Item = &str> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(without_line_numbers)
}

fn without_line_numbers(name: &str) -> &str {
    let mut name = name;
    while let Some((before, after)) = name.rsplit_once(':')
        && !after.is_empty()
        && after.bytes().all(|byte| byte.is_ascii_digit())
    {
        name = before;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::quoted_names;

    #[test]
    fn quoted_names_are_the_code_spans() {
        let names: Vec<&str> =
            quoted_names("lock `a` then `b::c` (observed at run time)").collect();
        assert_eq!(names, ["a", "b::c"]);
        let names: Vec<&str> = quoted_names("lock created at `src/a.rs:12:5` and `x::y`").collect();
        assert_eq!(names, ["src/a.rs", "x::y"]);
    }
}
