//! Paths as GitHub sees them: relative to the repository root (git's top level), which code
//! scanning and workflow annotations expect, whatever directory the cargo workspace is in.
//! The root is found by looking for `.git` (a directory, or a file in a worktree or
//! submodule) at or above the analysis root, without running git; with none, the analysis
//! root is the repository root.

use std::path::{Path, PathBuf};

use crate::discover::{Inputs, normalize_lexically};

/// Each analyzed file's path relative to the repository root.
pub struct RepositoryPaths {
    /// The repository root, absolute.
    pub root: PathBuf,
    /// By file id: `/`-separated and relative to `root`, or `None` for a file outside it.
    relative: Vec<Option<String>>,
}

impl RepositoryPaths {
    pub fn new(inputs: &Inputs) -> RepositoryPaths {
        let analysis_root = normalize_lexically(&inputs.root);
        let root = repository_root(&analysis_root).unwrap_or(analysis_root);
        let relative = inputs
            .origins
            .iter()
            .map(|origin| relative_path(&root, &normalize_lexically(&origin.absolute_path)))
            .collect();
        RepositoryPaths { root, relative }
    }

    /// The file's path relative to the repository root, when it is inside it.
    pub fn relative(&self, file: usize) -> Option<&str> {
        self.relative.get(file)?.as_deref()
    }
}

/// The nearest directory at or above `start` that holds `.git`.
pub fn repository_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

fn relative_path(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_root_is_the_nearest_directory_with_git() {
        let dir = tempfile_dir();
        let workspace = dir.join("services/api");
        std::fs::create_dir_all(&workspace).unwrap();
        assert_eq!(repository_root(&workspace), None);
        std::fs::write(dir.join(".git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(repository_root(&workspace), Some(dir.clone()));
        assert_eq!(
            relative_path(&dir, &workspace.join("src/lib.rs")).as_deref(),
            Some("services/api/src/lib.rs")
        );
        assert_eq!(
            relative_path(&workspace, Path::new("/elsewhere/x.rs")),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("coordlint-repository-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
