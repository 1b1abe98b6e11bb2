//! Confined reading: every source file and member manifest is read through [`read_confined`],
//! which refuses what lies outside the root the run was given (the workspace root, or in path
//! mode the package or directory given), what sits under `/proc`, `/dev` or `/sys`, anything
//! that is not a regular file, and files larger than [`MAX_FILE_BYTES`].
//!
//! The source under analysis may come from an attacker (a pull request): a `#[path]`
//! attribute or a symlink must not make coordlint print a file from elsewhere on the machine.
//! A refused file is never opened, so no excerpt of it can reach any output.

use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are reported, not read.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Directories whose files are never read, wherever the root is.
const SYSTEM_DIRECTORIES: &[&str] = &["/proc", "/dev", "/sys"];

/// The directory files may be read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confinement {
    /// Canonical (symlinks resolved), so that a canonical file path can be checked by prefix.
    root: PathBuf,
    /// What the root is, for messages: "the workspace root", "the package directory", ...
    kind: &'static str,
}

impl Confinement {
    /// Confines reads to `root` (canonicalized here; a root that cannot be resolved is kept
    /// as an absolute, lexically normalized path, which nothing canonical will be inside).
    pub fn new(root: &Path, kind: &'static str) -> Confinement {
        let root = root
            .canonicalize()
            .unwrap_or_else(|_| normalize_lexically(root));
        Confinement { root, kind }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `canonical` (a path with symlinks already resolved) lies inside the root.
    pub fn contains(&self, canonical: &Path) -> bool {
        canonical.starts_with(&self.root)
    }

    /// "the workspace root `/repo`".
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind, self.root.display())
    }
}

/// Why a file was not analyzed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// No file at any of the places a `mod` declaration can refer to.
    NotFound {
        looked_for: Vec<PathBuf>,
    },
    /// The path, or the symlinks it goes through, lead outside the root.
    OutsideRoot {
        resolved: PathBuf,
        through_symlink: bool,
        root: String,
    },
    /// Under `/proc`, `/dev` or `/sys`.
    SystemDirectory {
        directory: String,
    },
    /// A directory, a named pipe, a socket or a device.
    NotRegularFile {
        kind: &'static str,
    },
    TooLarge {
        bytes: u64,
    },
    NotUtf8,
    Unreadable {
        error: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotFound { looked_for } => {
                let places: Vec<String> = looked_for
                    .iter()
                    .map(|path| format!("`{}`", path.display()))
                    .collect();
                write!(
                    f,
                    "no file at {} (relative to the declaring file's folder)",
                    places.join(" or ")
                )
            }
            SkipReason::OutsideRoot {
                resolved,
                through_symlink: true,
                root,
            } => write!(
                f,
                "it leads through a symlink to `{}`, outside {root}",
                resolved.display()
            ),
            SkipReason::OutsideRoot { root, .. } => write!(f, "it is outside {root}"),
            SkipReason::SystemDirectory { directory, .. } => {
                write!(f, "it is under `{directory}`, which coordlint never reads")
            }
            SkipReason::NotRegularFile { kind } => write!(f, "it is {kind}, not a regular file"),
            SkipReason::TooLarge { bytes } => write!(
                f,
                "it is {bytes} bytes, larger than the {} MiB limit",
                MAX_FILE_BYTES >> 20
            ),
            SkipReason::NotUtf8 => f.write_str("it is not UTF-8 text"),
            SkipReason::Unreadable { error } => write!(f, "it could not be read ({error})"),
        }
    }
}

/// Reads `path` as UTF-8 text if it is a regular file inside `confinement`, at most
/// [`MAX_FILE_BYTES`] long, and not under a system directory. Symlinks are resolved first, so
/// a symlink inside the root that points outside it is refused.
pub fn read_confined(confinement: &Confinement, path: &Path) -> Result<String, SkipReason> {
    let canonical = resolve(confinement, path)?;
    let metadata = std::fs::metadata(&canonical).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(SkipReason::NotRegularFile {
            kind: file_kind(&metadata),
        });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge {
            bytes: metadata.len(),
        });
    }
    let file = std::fs::File::open(&canonical).map_err(unreadable)?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The limit holds even if the file grew after it was measured.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|_| SkipReason::NotUtf8)
}

/// The canonical path of `path` if reading it is allowed; checks everything but the file's
/// type and size. Also used for directories (path mode's walk).
pub fn resolve(confinement: &Confinement, path: &Path) -> Result<PathBuf, SkipReason> {
    let canonical = match path.canonicalize() {
        Ok(canonical) => canonical,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(if std::fs::symlink_metadata(path).is_ok() {
                SkipReason::Unreadable {
                    error: "a symlink to nothing".to_string(),
                }
            } else {
                SkipReason::NotFound {
                    looked_for: vec![path.to_path_buf()],
                }
            });
        }
        Err(error) => return Err(unreadable(error)),
    };
    if let Some(directory) = SYSTEM_DIRECTORIES
        .iter()
        .find(|directory| canonical.starts_with(directory))
    {
        return Err(SkipReason::SystemDirectory {
            directory: (*directory).to_string(),
        });
    }
    if !confinement.contains(&canonical) {
        return Err(SkipReason::OutsideRoot {
            resolved: canonical,
            // Written inside the root, resolved outside it: a symlink on the way.
            through_symlink: lexically_inside(confinement, path),
            root: confinement.describe(),
        });
    }
    Ok(canonical)
}

/// Whether `path`, without resolving symlinks, names something inside the root.
fn lexically_inside(confinement: &Confinement, path: &Path) -> bool {
    normalize_lexically(path).starts_with(confinement.root())
}

fn unreadable(error: std::io::Error) -> SkipReason {
    SkipReason::Unreadable {
        error: error.to_string(),
    }
}

fn file_kind(metadata: &std::fs::Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    "a special file"
}

/// `path` made absolute (against the current directory) with `.` and `..` removed without
/// touching the file system: `/ws/a/src/../../common/x.rs` is `/ws/common/x.rs`.
pub fn normalize_lexically(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut normalized = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalization_removes_dots() {
        assert_eq!(
            normalize_lexically(Path::new("/ws/a/src/../../common/./x.rs")),
            PathBuf::from("/ws/common/x.rs")
        );
        assert_eq!(
            normalize_lexically(Path::new("/../etc")),
            PathBuf::from("/etc")
        );
    }

    #[test]
    fn system_directories_are_refused_even_with_the_root_at_slash() {
        let everything = Confinement::new(Path::new("/"), "the root");
        let refused = read_confined(&everything, Path::new("/proc/self/environ"));
        assert!(
            matches!(refused, Err(SkipReason::SystemDirectory { .. })),
            "{refused:?}"
        );
    }
}
