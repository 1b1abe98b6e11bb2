//! The facts cache: results with and without it are identical, an edited file is lowered
//! again, and it is written only where the user's target directory or `--cache-dir` says.

use std::path::{Path, PathBuf};

use coordlint_tests::fixtures_dir;

use super::cli::{RunOutput, run_coordlint, strip_timing, temp_tree};

const PACKAGE: &str = "[package]\nname = \"cached\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

/// Two methods that take the same two locks in one order (no cycle yet).
const ONE_ORDER: &str = "use std::sync::Mutex;\n\
pub struct Store { items: Mutex<Vec<u32>>, audit: Mutex<Vec<String>> }\n\
impl Store {\n\
    pub fn add(&self) { let _i = self.items.lock().unwrap(); let _a = self.audit.lock().unwrap(); }\n\
    pub fn report(&self) { let _i = self.items.lock().unwrap(); let _a = self.audit.lock().unwrap(); }\n\
}\n";

/// The edit: `report` now takes them in the other order.
const BOTH_ORDERS: &str = "use std::sync::Mutex;\n\
pub struct Store { items: Mutex<Vec<u32>>, audit: Mutex<Vec<String>> }\n\
impl Store {\n\
    pub fn add(&self) { let _i = self.items.lock().unwrap(); let _a = self.audit.lock().unwrap(); }\n\
    pub fn report(&self) { let _a = self.audit.lock().unwrap(); let _i = self.items.lock().unwrap(); }\n\
}\n";

fn json(output: &RunOutput) -> String {
    strip_timing(&output.stdout)
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_fixture_gives_the_same_findings_cold_warm_and_without_the_cache() {
    let cache = tempfile::tempdir().expect("a temporary directory");
    let fixtures = fixtures_dir().display().to_string();
    let cache_dir = cache.path().display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["--all-targets", &fixtures, "--message-format", "json"];
        args.extend_from_slice(extra);
        run_coordlint(&args)
    };
    let uncached = run(&["--no-cache"]);
    let cold = run(&["--cache-dir", &cache_dir]);
    // One pack of facts (every fixture file's entry in one file) and the run's findings.
    let written = files_under(cache.path());
    let facts_dir = format!("facts-v{}", lint_core::model::persist::MODEL_VERSION);
    let packs: Vec<&PathBuf> = written
        .iter()
        .filter(|path| path.starts_with(&facts_dir))
        .collect();
    assert!(
        packs.len() == 1 && packs[0].extension().is_some_and(|ext| ext == "pack"),
        "{written:?}"
    );
    let pack_bytes = std::fs::metadata(cache.path().join(packs[0]))
        .expect("the pack")
        .len();
    assert!(pack_bytes > 100_000, "a pack of {pack_bytes} bytes");
    let entries = written.len();
    // The same run again: the stored findings.
    let warm = run(&["--cache-dir", &cache_dir]);
    assert!(uncached.stdout.contains("coordlint::lock_order_cycle"));
    assert_eq!(json(&cold), json(&uncached));
    assert_eq!(json(&warm), json(&uncached));
    assert_eq!(warm.status, uncached.status);
    assert_eq!(
        files_under(cache.path()).len(),
        entries,
        "the warm run found every entry"
    );
    // Other levels: analyzed again, from the stored facts.
    let denied = run(&["-D", "warnings", "--cache-dir", &cache_dir]);
    let denied_uncached = run(&["-D", "warnings", "--no-cache"]);
    assert_eq!(json(&denied), json(&denied_uncached));
    assert_ne!(json(&denied), json(&uncached));
    assert_eq!(
        files_under(cache.path()).len(),
        entries + 1,
        "one more run stored"
    );
    // A run whose findings are stored reads only the files' summaries: without the facts it
    // gives the same findings; a run that needs the facts lowers the files again.
    for entry in std::fs::read_dir(cache.path()).expect("the cache directory") {
        let path = entry.expect("an entry").path();
        if path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("facts-v"))
        {
            std::fs::remove_dir_all(&path).expect("facts removed");
        }
    }
    let without_facts = run(&["--cache-dir", &cache_dir]);
    assert_eq!(json(&without_facts), json(&uncached));
    let warned = run(&["-W", "warnings", "--cache-dir", &cache_dir]);
    assert_eq!(json(&warned), json(&run(&["-W", "warnings", "--no-cache"])));
}

#[test]
fn a_workspace_caches_under_its_target_directory_and_sees_an_edit() {
    let tree = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", ONE_ORDER)]);
    let manifest = tree.path().join("Cargo.toml").display().to_string();
    let args = [
        "--manifest-path",
        manifest.as_str(),
        "--message-format",
        "json",
    ];
    let before = run_coordlint(&args);
    assert!(
        !before.stdout.contains("lock_order_cycle"),
        "{}",
        before.stdout
    );
    let written = files_under(tree.path());
    let facts_dir = format!(
        "target/coordlint/facts-v{}",
        lint_core::model::persist::MODEL_VERSION
    );
    assert!(
        written.iter().any(|path| path.starts_with(&facts_dir)),
        "{written:?}"
    );
    assert!(
        written.iter().all(|path| path.starts_with("target")
            || path == Path::new("Cargo.toml")
            || path == Path::new("src/lib.rs")
            || path == Path::new("Cargo.lock")),
        "written outside target/: {written:?}"
    );
    std::fs::write(tree.path().join("src/lib.rs"), BOTH_ORDERS).expect("edit");
    let after = run_coordlint(&args);
    assert!(
        after.stdout.contains("coordlint::lock_order_cycle"),
        "{}",
        after.stdout
    );
    let mut uncached_args = args.to_vec();
    uncached_args.push("--no-cache");
    assert_eq!(json(&after), json(&run_coordlint(&uncached_args)));
}

#[test]
fn no_cache_and_path_mode_without_a_cache_dir_write_nothing() {
    let tree = temp_tree(&[("Cargo.toml", PACKAGE), ("src/lib.rs", BOTH_ORDERS)]);
    let manifest = tree.path().join("Cargo.toml").display().to_string();
    let source = tree.path().join("src").display().to_string();
    let output = run_coordlint(&[&source, "--message-format", "short"]);
    assert!(
        output.stdout.contains("lock_order_cycle"),
        "{}",
        output.stdout
    );
    let no_cache = run_coordlint(&["--manifest-path", &manifest, "--no-cache"]);
    assert!(
        no_cache.stdout.contains("lock_order_cycle"),
        "{}",
        no_cache.stdout
    );
    assert!(!tree.path().join("target/coordlint").exists());
}
