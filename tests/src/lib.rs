//! Helpers shared by the integration tests: the fixture format (rustc-style `//~` markers
//! and `//@` headers) and the paths of the repository.

use std::path::{Path, PathBuf};

use lint_core::{Edition, SourceFile};

/// The repository root (the workspace that holds `fixtures/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

pub fn fixtures_dir() -> PathBuf {
    repo_root().join("fixtures")
}

/// A finding a fixture expects: `//~ rule` on its line, `//~^ rule` one line up per caret,
/// optionally followed by a quoted substring of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedFinding {
    pub file: String,
    pub line: u32,
    pub rule: String,
    pub message_contains: Option<String>,
}

/// What `//@` headers say about a fixture.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub check_pass: bool,
    pub edition: Option<Edition>,
}

/// One fixture case: a single `.rs` file, or a directory whose files form one crate.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// Path relative to `fixtures/`, for messages.
    pub name: String,
    pub sources: Vec<SourceFile>,
    pub expected: Vec<ExpectedFinding>,
    pub headers: Headers,
}

/// Every fixture case under `fixtures/<group>/`, sorted by name.
pub fn load_group(group: &str) -> Vec<Fixture> {
    let dir = fixtures_dir().join(group);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("readable fixture entry").path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .filter(|path| path.is_dir() || path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| load_fixture(&path))
        .collect()
}

pub fn load_fixture(path: &Path) -> Fixture {
    let name = path
        .strip_prefix(fixtures_dir())
        .unwrap_or(path)
        .display()
        .to_string();
    let files: Vec<(PathBuf, Vec<String>)> = if path.is_dir() {
        let mut files = Vec::new();
        collect_rs_files(path, path, &mut files);
        files
    } else {
        vec![(path.to_path_buf(), Vec::new())]
    };
    let mut headers = Headers::default();
    let mut texts = Vec::new();
    for (file, module_path) in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        merge_headers(&mut headers, &text);
        texts.push((file, module_path, text));
    }
    let edition = headers.edition.unwrap_or(Edition::E2021);
    let mut sources = Vec::new();
    let mut expected = Vec::new();
    for (file, module_path, text) in texts {
        let display = file
            .strip_prefix(fixtures_dir())
            .unwrap_or(file)
            .display()
            .to_string();
        expected.extend(parse_markers(&display, &text));
        sources.push(
            SourceFile::new(display, text, edition).with_crate("fixture", module_path.clone()),
        );
    }
    Fixture {
        name,
        sources,
        expected,
        headers,
    }
}

/// `.rs` files of a multi-file fixture with their module paths (`lib.rs`/`main.rs` are the
/// crate root, `a/mod.rs` and `a.rs` are `a`).
fn collect_rs_files(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<String>)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable fixture directory")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs_files(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).expect("inside the fixture");
            let mut module_path: Vec<String> = relative
                .with_extension("")
                .components()
                .map(|component| component.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module_path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module_path.pop();
            }
            out.push((path, module_path));
        }
    }
}

fn merge_headers(headers: &mut Headers, text: &str) {
    for line in text.lines() {
        let Some(header) = line.trim().strip_prefix("//@") else {
            continue;
        };
        let header = header.trim();
        if header == "check-pass" {
            headers.check_pass = true;
        } else if let Some(edition) = header.strip_prefix("edition:") {
            headers.edition = Some(
                Edition::parse(edition)
                    .unwrap_or_else(|| panic!("unknown edition in header `{line}`")),
            );
        } else {
            panic!("unknown fixture header `{line}`");
        }
    }
}

/// Parses the `//~` markers of one file.
pub fn parse_markers(file: &str, text: &str) -> Vec<ExpectedFinding> {
    let mut expected = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(position) = line.find("//~") else {
            continue;
        };
        let marker = &line[position + 3..];
        let carets = marker.chars().take_while(|c| *c == '^').count();
        let rest = marker[carets..].trim();
        let (rule, message) = match rest.find('"') {
            Some(quote) => {
                let message = rest[quote + 1..].trim_end().trim_end_matches('"');
                (rest[..quote].trim(), Some(message.to_string()))
            }
            None => (rest, None),
        };
        assert!(
            !rule.is_empty() && !rule.contains(' '),
            "{file}:{}: malformed marker `{line}`",
            index + 1
        );
        expected.push(ExpectedFinding {
            file: file.to_string(),
            line: index as u32 + 1 - carets as u32,
            rule: rule.to_string(),
            message_contains: message,
        });
    }
    expected
}

/// Where the demo workspace's files are relative to the repository root, as SARIF and the
/// `github` format show them: `fixtures/demo/` in a git checkout; the demo's own root
/// when there is no `.git` above it (an unpacked archive).
pub fn demo_prefix_in_repository() -> &'static str {
    if repo_root().ancestors().any(|dir| dir.join(".git").exists()) {
        "fixtures/demo/"
    } else {
        ""
    }
}
