//! `cargo coordlint --fix`: applies the machine-applicable suggestions in place, as
//! `cargo fix` does: it refuses a git working tree with uncommitted changes (unless
//! `--allow-dirty`), applies the edits of each file back to front, never writes a file whose
//! result does not parse (and puts a file back if what was written does not read back as
//! parseable code), and with `--dry-run` prints the changes as a diff and writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use lint_core::Diagnostic;

use crate::discover::Inputs;
use crate::output::diff;

/// What `--fix` did to the files.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Files rewritten (or, with `--dry-run`, that would be).
    pub files_changed: usize,
    /// Suggestions applied.
    pub fixes_applied: usize,
}

/// Applies the machine-applicable suggestions of `diagnostics` (or prints them with
/// `dry_run`), reporting each file on `err` as cargo fix does.
pub fn apply(
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    dry_run: bool,
    allow_dirty: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<FixOutcome> {
    if !dry_run && !allow_dirty {
        refuse_dirty_tree(&inputs.root)?;
    }
    let mut outcome = FixOutcome::default();
    for (file, (edits, count)) in lint_core::fixes::machine_applicable_edits(diagnostics) {
        let source = &inputs.sources[file.0 as usize];
        let fixed = match lint_core::fixes::apply_edits(&source.text, &edits) {
            Ok(fixed) if lint_core::parses(&fixed, source.edition) => fixed,
            Ok(_) => {
                writeln!(
                    err,
                    "warning: not fixing {}: the result would not parse",
                    source.path
                )?;
                continue;
            }
            Err(error) => {
                writeln!(err, "warning: not fixing {}: {error}", source.path)?;
                continue;
            }
        };
        if dry_run {
            write!(out, "{}", diff::unified(&source.path, &source.text, &edits))?;
        } else {
            let path = inputs.root.join(&source.path);
            if let Err(error) = write_checked(&path, &source.text, &fixed, source.edition) {
                writeln!(err, "warning: not fixing {}: {error:#}", source.path)?;
                continue;
            }
            writeln!(
                err,
                "       Fixed {} ({count} {})",
                source.path,
                if count == 1 { "fix" } else { "fixes" }
            )?;
        }
        outcome.files_changed += 1;
        outcome.fixes_applied += count;
    }
    Ok(outcome)
}

/// Writes `fixed` over `path` if the file still holds `original`, then reads it back: if
/// that does not parse, the original is put back.
fn write_checked(
    path: &Path,
    original: &str,
    fixed: &str,
    edition: lint_core::Edition,
) -> anyhow::Result<()> {
    let on_disk = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    if on_disk != original {
        bail!("it changed on disk while coordlint ran");
    }
    std::fs::write(path, fixed).with_context(|| format!("could not write {}", path.display()))?;
    let written = std::fs::read_to_string(path).unwrap_or_default();
    if !lint_core::parses(&written, edition) {
        std::fs::write(path, original)
            .with_context(|| format!("could not restore {}", path.display()))?;
        bail!("the rewritten file did not parse; it was restored");
    }
    Ok(())
}

/// As `cargo fix`: in a git working tree, files with uncommitted changes stop the run.
/// Outside one (or without git) there is nothing to check.
fn refuse_dirty_tree(root: &Path) -> anyhow::Result<()> {
    let Some(mut dirty) = uncommitted_files(root) else {
        return Ok(());
    };
    // Build output (and coordlint's own cache in `target/coordlint`) holds no source to fix.
    dirty.retain(|path| !path.components().any(|part| part.as_os_str() == "target"));
    if dirty.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = dirty
        .iter()
        .take(10)
        .map(|path| format!("  * {}", path.display()))
        .collect();
    bail!(
        "the working directory of this workspace has uncommitted changes, and `--fix` can overwrite them:\n\n{}{}\n\ncommit or stash them first, or pass `--allow-dirty` to fix anyway",
        listed.join("\n"),
        if dirty.len() > 10 {
            format!("\n  and {} more", dirty.len() - 10)
        } else {
            String::new()
        }
    )
}

/// The files `git status --porcelain` lists under `root`; `None` when `root` is not in a git
/// working tree or git cannot run. The repository's fsmonitor hook is turned off.
fn uncommitted_files(root: &Path) -> Option<Vec<PathBuf>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "-c",
            "core.fsmonitor=false",
            "status",
            "--porcelain",
            "--",
            ".",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let listing = String::from_utf8_lossy(&output.stdout);
    Some(
        listing
            .lines()
            .filter_map(|line| line.get(3..))
            .map(PathBuf::from)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in a folder of its own under the temporary directory, removed when dropped.
    struct ScratchFile {
        path: PathBuf,
    }

    impl std::ops::Deref for ScratchFile {
        type Target = PathBuf;
        fn deref(&self) -> &PathBuf {
            &self.path
        }
    }

    impl AsRef<Path> for ScratchFile {
        fn as_ref(&self) -> &Path {
            &self.path
        }
    }

    impl Drop for ScratchFile {
        fn drop(&mut self) {
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn scratch_file(name: &str, text: &str) -> ScratchFile {
        let dir = std::env::temp_dir().join(format!("coordlint-fix-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.rs");
        std::fs::write(&path, text).unwrap();
        ScratchFile { path }
    }

    #[test]
    fn a_rewrite_that_does_not_parse_is_rolled_back() {
        let original = "fn f() {}\n";
        let path = scratch_file("rollback", original);
        let error = write_checked(&path, original, "fn f( {}\n", lint_core::Edition::E2021)
            .expect_err("an unparseable result is refused");
        assert!(error.to_string().contains("restored"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    }

    #[test]
    fn a_file_changed_since_it_was_analyzed_is_not_written() {
        let path = scratch_file("changed", "fn g() {}\n");
        let error = write_checked(
            &path,
            "fn f() {}\n",
            "fn h() {}\n",
            lint_core::Edition::E2021,
        )
        .expect_err("a changed file is refused");
        assert!(error.to_string().contains("changed on disk"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fn g() {}\n");
    }

    #[test]
    fn a_good_rewrite_is_written() {
        let path = scratch_file("good", "fn f() {}\n");
        write_checked(
            &path,
            "fn f() {}\n",
            "fn g() {}\n",
            lint_core::Edition::E2021,
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fn g() {}\n");
    }
}
