//! File discovery end to end: the workspace read from the manifests when `cargo metadata`
//! fails (and selecting the same packages and targets as with cargo), `$CARGO`, confined
//! reading (nothing outside the workspace, under `/proc`, through symlinks out, or special
//! files ever reaches any output), raw identifiers, and `skipped_file` findings, including
//! the `fixtures/skipped_file/` cases run through the command.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_coordlint::{Environment, Status};
use coordlint_tests::{fixtures_dir, load_group, parse_markers};
use serde_json::Value;

use super::cli::{RunOutput, run_coordlint, strip_timing, temp_tree};
use super::fixtures::COMMAND_RULE_GROUPS;

fn run_with(environment: &Environment, args: &[&str]) -> RunOutput {
    let mut argv: Vec<std::ffi::OsString> = vec!["cargo-coordlint".into(), "coordlint".into()];
    argv.extend(args.iter().map(Into::into));
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = cargo_coordlint::run_with(environment, argv, &mut stdout, &mut stderr);
    RunOutput {
        status,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

/// An environment whose cargo cannot start: `cargo metadata` fails, the manifests are read.
fn without_cargo() -> Environment {
    Environment {
        cargo: Some(PathBuf::from("/nonexistent/bin/cargo")),
    }
}

fn manifest_of(dir: &Path) -> String {
    dir.join("Cargo.toml").display().to_string()
}

const FORMATS: &[&str] = &["human", "short", "json", "sarif"];

/// Two methods that take the same two locks in opposite orders.
const LOCK_ORDER_CYCLE: &str = "use std::sync::Mutex;\n\
pub struct Store { items: Mutex<Vec<u32>>, audit: Mutex<Vec<String>> }\n\
impl Store {\n\
    pub fn add(&self) { let _i = self.items.lock().unwrap(); let _a = self.audit.lock().unwrap(); }\n\
    pub fn report(&self) { let _a = self.audit.lock().unwrap(); let _i = self.items.lock().unwrap(); }\n\
}\n";

const UNBOUNDED: &str = "pub fn f(items: Vec<u8>) { let (_q, _r) = std::sync::mpsc::channel::<u8>(); for item in items { let _ = _q.send(item); } }\n";

#[test]
fn a_nightly_only_manifest_is_read_without_cargo_and_analyzed() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "cargo-features = [\"test-dummy-unstable\"]\n\n[workspace]\nresolver = \"3\"\n\
             members = [\"crates/*\"]\n\n[workspace.package]\nedition = \"2021\"\nversion = \"0.4.0\"\n",
        ),
        (
            "crates/store/Cargo.toml",
            "[package]\nname = \"store\"\nversion.workspace = true\nedition.workspace = true\n",
        ),
        ("crates/store/src/lib.rs", "mod inventory;\n"),
        ("crates/store/src/inventory.rs", LOCK_ORDER_CYCLE),
    ]);
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ]);
    assert_eq!(output.status, Status::Findings, "{}", output.stderr);
    assert_eq!(output.status.code(), 1);
    assert!(
        output
            .stdout
            .lines()
            .any(|line| line.starts_with("crates/store/src/inventory.rs:")
                && line.contains("error[coordlint::lock_order_cycle]")),
        "{}",
        output.stdout
    );
    let fallback_lines: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.contains("read the manifests directly"))
        .collect();
    assert_eq!(fallback_lines.len(), 1, "{}", output.stderr);
    assert!(
        fallback_lines[0].starts_with("warning: `cargo metadata` failed (failed to parse manifest")
            && fallback_lines[0].contains("nightly-only `cargo-features`"),
        "{}",
        output.stderr
    );
    // The JSON envelope names the package as cargo would.
    let json = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "json",
    ]);
    let first: Value = serde_json::from_str(json.stdout.lines().next().expect("a line")).unwrap();
    let package_dir = dir.path().join("crates/store");
    assert_eq!(
        first["package_id"],
        format!("path+file://{}#0.4.0", package_dir.display())
    );
    assert_eq!(first["target"]["edition"], "2021");
    assert_eq!(first["target"]["name"], "store");
}

/// A workspace cargo reads fine, with several kinds of targets, default members, an
/// excluded folder, a path dependency, inheritance and a custom lib name.
fn rich_workspace() -> tempfile::TempDir {
    temp_tree(&[
        (
            "Cargo.toml",
            "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\", \"tools/cli\", \"nested/**/leaf-?\"]\n\
             exclude = [\"crates/scratch\"]\ndefault-members = [\"crates/core\"]\n\n\
             [workspace.package]\nedition = \"2021\"\nversion = \"1.2.0\"\n\n\
             [workspace.dependencies]\nhelper = { path = \"support/helper\" }\n\n\
             [workspace.metadata.coordlint.unbatched_io]\nextra-methods = [\"fetch_user\"]\n",
        ),
        (
            "crates/core/Cargo.toml",
            "[package]\nname = \"core-lib\"\nversion.workspace = true\nedition.workspace = true\n\n\
             [lib]\nname = \"corelib\"\n\n[dependencies]\nhelper.workspace = true\n\n\
             [[bin]]\nname = \"explicit\"\npath = \"src/bin/tool/main.rs\"\n",
        ),
        ("crates/core/src/lib.rs", UNBOUNDED),
        ("crates/core/src/main.rs", UNBOUNDED),
        ("crates/core/src/bin/extra.rs", UNBOUNDED),
        ("crates/core/src/bin/tool/main.rs", UNBOUNDED),
        ("crates/core/tests/it.rs", UNBOUNDED),
        ("crates/core/examples/demo.rs", UNBOUNDED),
        ("crates/core/examples/multi/main.rs", UNBOUNDED),
        ("crates/core/benches/speed.rs", UNBOUNDED),
        (
            "crates/old/Cargo.toml",
            "[package]\nname = \"old\"\nversion = \"0.1.0\"\nautobins = false\n",
        ),
        ("crates/old/src/lib.rs", "mod legacy;\n"),
        ("crates/old/src/legacy.rs", UNBOUNDED),
        ("crates/old/src/main.rs", UNBOUNDED),
        (
            "crates/scratch/Cargo.toml",
            "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\n",
        ),
        ("crates/scratch/src/lib.rs", UNBOUNDED),
        (
            "tools/cli/Cargo.toml",
            "[package]\nname = \"cli\"\nversion = \"0.2.0\"\nedition = \"2024\"\n\n\
             [[test]]\nname = \"smoke\"\npath = \"checks/smoke.rs\"\n",
        ),
        ("tools/cli/src/main.rs", "mod r#match;\n"),
        ("tools/cli/src/match.rs", UNBOUNDED),
        ("tools/cli/checks/smoke.rs", UNBOUNDED),
        (
            "support/helper/Cargo.toml",
            "[package]\nname = \"helper\"\nversion = \"0.3.0\"\nedition = \"2018\"\n",
        ),
        ("support/helper/src/lib.rs", UNBOUNDED),
        (
            "nested/group/inner/leaf-1/Cargo.toml",
            "[package]\nname = \"leaf\"\nversion = \"0.0.1\"\nedition = \"2021\"\n",
        ),
        ("nested/group/inner/leaf-1/src/lib.rs", UNBOUNDED),
    ])
}

#[test]
fn manifests_read_directly_select_the_same_packages_and_targets_as_cargo() {
    let dir = rich_workspace();
    let manifest = manifest_of(dir.path());
    let member_manifest = dir
        .path()
        .join("tools/cli/Cargo.toml")
        .display()
        .to_string();
    let selections: &[&[&str]] = &[
        &[],
        &["--workspace"],
        &["--workspace", "--all-targets"],
        &["--workspace", "--exclude", "core-lib"],
        &["-p", "cli"],
        &["-p", "core-lib@1.2.0", "--bins"],
        &["-p", "helper", "-p", "old", "-p", "leaf"],
        &["--workspace", "--tests", "--examples", "--benches"],
        &[
            "--workspace",
            "--test",
            "smoke",
            "--example",
            "multi",
            "--bin",
            "extra",
        ],
        &["--workspace", "--lib"],
    ];
    let with_cargo = Environment::from_process();
    for selection in selections {
        let mut args = vec![
            "--manifest-path",
            manifest.as_str(),
            "--message-format",
            "json",
        ];
        args.extend_from_slice(selection);
        let cargo = run_with(&with_cargo, &args);
        let manifests = run_with(&without_cargo(), &args);
        assert_ne!(
            cargo.status,
            Status::Failure,
            "{selection:?}: {}",
            cargo.stderr
        );
        assert!(
            !cargo.stderr.contains("read the manifests"),
            "{}",
            cargo.stderr
        );
        assert!(
            manifests.stderr.contains("read the manifests directly"),
            "{selection:?}: {}",
            manifests.stderr
        );
        assert_eq!(cargo.status, manifests.status, "{selection:?}");
        assert!(
            cargo.stdout == manifests.stdout,
            "{selection:?} differs:\n--- with cargo ---\n{}\n--- from the manifests ---\n{}",
            cargo.stdout,
            manifests.stdout
        );
    }
    // A member's own manifest selects that member on both paths.
    let args = [
        "--manifest-path",
        member_manifest.as_str(),
        "--message-format",
        "short",
    ];
    let cargo = run_with(&with_cargo, &args);
    let manifests = run_with(&without_cargo(), &args);
    assert!(
        cargo.stdout.contains("tools/cli/src/match.rs"),
        "{}",
        cargo.stdout
    );
    assert_eq!(strip_timing(&cargo.stdout), strip_timing(&manifests.stdout));
    // An unknown package is the same usage error on both paths.
    let args = ["--manifest-path", manifest.as_str(), "-p", "scratch"];
    assert_eq!(run_with(&with_cargo, &args).status, Status::Failure);
    assert_eq!(run_with(&without_cargo(), &args).status, Status::Failure);
}

#[test]
fn workspace_metadata_is_read_on_both_paths() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[workspace.metadata.coordlint.unbatched_io]\n\
             extra-methods = [\"fetch_user\"]\n",
        ),
        (
            "src/lib.rs",
            "pub async fn load(client: &Client, ids: Vec<u64>) {\n    for id in ids {\n        \
             client.fetch_user(id).await;\n    }\n}\n",
        ),
    ]);
    let args = [
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ];
    for environment in [Environment::from_process(), without_cargo()] {
        let output = run_with(&environment, &args);
        assert!(
            output.stdout.contains("unbatched_io"),
            "{environment:?}: {}\n{}",
            output.stdout,
            output.stderr
        );
    }
}

#[test]
fn a_broken_manifest_still_exits_two_when_both_ways_fail() {
    let dir = temp_tree(&[("Cargo.toml", "[package\nname = "), ("src/lib.rs", "")]);
    let output = run_with(
        &without_cargo(),
        &["--manifest-path", &manifest_of(dir.path())],
    );
    assert_eq!(output.status, Status::Failure);
    assert!(
        output
            .stderr
            .starts_with("error: could not read the cargo workspace"),
        "{}",
        output.stderr
    );
    assert!(
        output
            .stderr
            .contains("reading the manifests directly failed too")
    );
}

#[cfg(unix)]
#[test]
fn cargo_metadata_runs_through_the_cargo_in_the_environment() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("calls.log");
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let wrapper = dir.path().join("cargo-wrapper");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_cargo
        ),
    )
    .expect("write the wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let workspace = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"w\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", UNBOUNDED),
    ]);
    let environment = Environment {
        cargo: Some(wrapper),
    };
    let output = run_with(
        &environment,
        &[
            "--manifest-path",
            &manifest_of(workspace.path()),
            "--message-format",
            "short",
        ],
    );
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    assert!(output.stdout.contains("src/lib.rs:1:"), "{}", output.stdout);
    let calls = std::fs::read_to_string(&log).expect("the wrapper was called");
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(calls.starts_with("metadata --format-version 1"), "{calls}");
    assert!(calls.contains("--no-deps"), "{calls}");
}

/// Runs `args` in every output format; returns (format, output) pairs.
fn in_every_format(args: &[&str]) -> Vec<(&'static str, RunOutput)> {
    FORMATS
        .iter()
        .map(|format| {
            let mut all = args.to_vec();
            all.extend_from_slice(&["--message-format", format, "--color", "never"]);
            (*format, run_coordlint(&all))
        })
        .collect()
}

/// Everything a run printed, on both streams.
fn printed(output: &RunOutput) -> String {
    format!("{}\n{}", output.stdout, output.stderr)
}

const SECRET: &str = "SECRET-7f3a9c-NEVER-PRINTED";

/// The short output of the package `ws/` of `dir` (manifests read directly), once checked
/// that every module file was found: no `skipped_file`, `files` files analyzed.
fn all_modules_found(dir: &tempfile::TempDir, files: usize) -> String {
    let manifest = dir.path().join("ws/Cargo.toml").display().to_string();
    let short = run_with(
        &without_cargo(),
        &["--manifest-path", &manifest, "--message-format", "short"],
    );
    let text = printed(&short);
    assert!(!text.contains("skipped_file"), "{text}");
    assert!(
        text.contains(&format!("({files} files analyzed in")),
        "{text}"
    );
    text
}

/// `#[cfg_attr(unix, path = "sys/unix.rs")]` and the like: every platform's file is read as
/// the module (as `#[cfg]` variants of an item all are), and so is the usual file when it
/// exists (it is the module when no condition holds); nothing is reported as missing, and
/// calls into the module reach both.
#[test]
fn cfg_attr_path_modules_read_every_platform_file() {
    let dir = temp_tree(&[
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "ws/src/lib.rs",
            "#[cfg_attr(unix, path = \"sys/unix.rs\")]\n\
             #[cfg_attr(windows, path = \"sys/windows.rs\")]\n\
             mod sys;\n\
             pub static TABLE: std::sync::Mutex<u32> = std::sync::Mutex::new(0);\n\
             pub static HANDLES: std::sync::Mutex<u32> = std::sync::Mutex::new(0);\n\
             pub fn open() { let _t = TABLE.lock().unwrap(); sys::register(); }\n\
             mod engine;\n",
        ),
        (
            "ws/src/sys/unix.rs",
            "pub fn register() { *crate::HANDLES.lock().unwrap() += 1; }\n\
             pub fn close() { let _h = crate::HANDLES.lock().unwrap(); *crate::TABLE.lock().unwrap() -= 1; }\n",
        ),
        ("ws/src/sys/windows.rs", UNBOUNDED),
        // Only conditional paths: the usual file is the module when no condition holds.
        (
            "ws/src/engine.rs",
            "#[cfg_attr(feature = \"simd\", path = \"engine/simd.rs\")]\nmod imp;\n",
        ),
        ("ws/src/engine/imp.rs", UNBOUNDED),
        ("ws/src/engine/simd.rs", UNBOUNDED),
    ]);
    let text = all_modules_found(&dir, 6);
    assert!(text.contains("src/engine/imp.rs:1:"), "{text}");
    assert!(text.contains("src/engine/simd.rs:1:"), "{text}");
    assert!(
        text.contains("src/sys/unix.rs") && text.contains("lock_order_cycle"),
        "the cycle through the unix file:\n{text}"
    );
    assert!(
        text.contains("src/sys/windows.rs") && text.contains("unbounded_channel"),
        "the windows file:\n{text}"
    );
}

/// An inline module's own `#[path]` is the folder its `mod` declarations are read from
/// (openssl-sys: `#[path = "."] mod openssl { mod bio; }` reads `bio.rs` beside `lib.rs`);
/// without one, its name is.
#[test]
fn an_inline_module_path_sets_the_folder_of_its_modules() {
    let dir = temp_tree(&[
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "ws/src/lib.rs",
            "#[path = \".\"]\nmod imp {\n    pub mod worker;\n}\nmod net {\n    pub mod tcp;\n}\npub mod codec;\n",
        ),
        ("ws/src/worker.rs", UNBOUNDED),
        ("ws/src/net/tcp.rs", UNBOUNDED),
        // In a file whose modules live in a folder named after it, an inline module's
        // `#[path]` still starts from the file's own folder (num-bigint's `bigrand.rs`).
        (
            "ws/src/codec.rs",
            "#[path = \"frames\"]\nmod v1 {\n    pub mod header;\n}\nmod v2 {\n    pub mod body;\n}\n",
        ),
        ("ws/src/frames/header.rs", UNBOUNDED),
        ("ws/src/codec/v2/body.rs", UNBOUNDED),
    ]);
    let text = all_modules_found(&dir, 6);
    for file in [
        "src/worker.rs",
        "src/net/tcp.rs",
        "src/frames/header.rs",
        "src/codec/v2/body.rs",
    ] {
        assert!(text.contains(&format!("{file}:1:")), "{file}: {text}");
    }
}

/// A folder of sources outside any package (no `Cargo.toml`, or only a workspace's virtual
/// one above it: a snippet, a fixture, a vendored module tree): a `lib.rs` or `main.rs`
/// makes it a crate's source folder, so `crate::` paths and calls across its files resolve
/// as in a package.
#[test]
fn a_source_folder_outside_any_package_is_read_as_a_crate() {
    let sources: &[(&str, &str)] = &[
        ("app/lib.rs", "mod handlers;\nmod state;\nmod store;\n"),
        (
            "app/state.rs",
            "use std::sync::Mutex;\n\
             pub static SESSIONS: Mutex<Vec<u64>> = Mutex::new(Vec::new());\n\
             pub static POOL: Mutex<Vec<u64>> = Mutex::new(Vec::new());\n",
        ),
        (
            "app/store.rs",
            "use crate::state::{POOL, SESSIONS};\n\
             pub fn checkout() -> Option<u64> { POOL.lock().unwrap().pop() }\n\
             pub fn expire_all() { let _p = POOL.lock().unwrap(); SESSIONS.lock().unwrap().clear(); }\n",
        ),
        (
            "app/handlers.rs",
            "pub fn login(user: u64) -> Option<u64> {\n\
             let mut sessions = crate::state::SESSIONS.lock().unwrap();\n\
             sessions.push(user);\n\
             crate::store::checkout()\n}\n",
        ),
    ];
    let virtual_manifest = ("Cargo.toml", "[workspace]\nmembers = []\n");
    for with_virtual_manifest in [false, true] {
        let mut files = sources.to_vec();
        if with_virtual_manifest {
            files.push(virtual_manifest);
        }
        let dir = temp_tree(&files);
        let app = dir.path().join("app").display().to_string();
        let short = run_coordlint(&[&app, "--message-format", "short"]);
        assert!(
            short.stdout.contains("store.rs:3:") && short.stdout.contains("lock_order_cycle"),
            "virtual manifest: {with_virtual_manifest}\n{}{}",
            short.stdout,
            short.stderr
        );
    }
}

#[test]
fn path_attributes_never_read_outside_the_workspace_or_under_proc() {
    let dir = temp_tree(&[
        (
            "outside.rs",
            &format!("// {SECRET}\npub fn leaked() {{}}\n"),
        ),
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "ws/src/lib.rs",
            "#[path = \"/proc/self/environ\"]\nmod environ;\n\
             #[path = \"../../outside.rs\"]\nmod outside;\n\
             #[path = \"../../../../../../../../../../etc/passwd\"]\nmod passwd;\n\
             #[path = \"/dev/zero\"]\nmod zero;\n\
             pub mod fine;\n",
        ),
        ("ws/src/fine.rs", UNBOUNDED),
    ]);
    let manifest = dir.path().join("ws/Cargo.toml").display().to_string();
    let environment_value = std::env::var("PATH").unwrap_or_default();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    for (format, output) in in_every_format(&["--manifest-path", &manifest]) {
        let text = printed(&output);
        assert_eq!(output.status, Status::Clean, "{format}: {text}");
        assert!(
            !text.contains(SECRET),
            "{format} leaked the outside file:\n{text}"
        );
        assert!(
            environment_value.len() < 8 || !text.contains(&environment_value),
            "{format} leaked the environment:\n{text}"
        );
        for line in passwd.lines().filter(|line| line.len() > 8) {
            assert!(!text.contains(line), "{format} leaked /etc/passwd:\n{text}");
        }
        assert!(
            text.contains("skipped_file"),
            "{format}: no skipped_file finding:\n{text}"
        );
        assert!(
            text.contains("src/fine.rs"),
            "{format}: the other module was not analyzed:\n{text}"
        );
    }
    let short = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    for (line, reason) in [
        (2, "under `/proc`, which coordlint never reads"),
        (4, "outside the workspace root"),
        (6, "outside the workspace root"),
        (8, "under `/dev`"),
    ] {
        assert!(
            short
                .stdout
                .lines()
                .any(|output_line| output_line.starts_with(&format!(
                    "src/lib.rs:{line}:5: warning[coordlint::skipped_file]"
                )) && output_line.contains(reason)),
            "line {line} ({reason}):\n{}",
            short.stdout
        );
    }
    assert!(
        short
            .stdout
            .contains("(4 files skipped; 2 files analyzed in"),
        "{}",
        short.stdout
    );
}

#[test]
fn sarif_paths_never_climb_out_of_the_root() {
    let dir = temp_tree(&[
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "ws/src/lib.rs",
            "#[path = \"../common/../common/common.rs\"]\nmod common;\n#[path = \"../../x.rs\"]\nmod x;\n",
        ),
        ("ws/common/common.rs", UNBOUNDED),
        ("x.rs", UNBOUNDED),
    ]);
    let manifest = dir.path().join("ws/Cargo.toml").display().to_string();
    let output = run_coordlint(&["--manifest-path", &manifest, "--message-format", "sarif"]);
    let log: Value = serde_json::from_str(&output.stdout).expect("SARIF");
    let mut uris = BTreeSet::new();
    for result in log["runs"][0]["results"].as_array().expect("results") {
        for location in result["locations"].as_array().unwrap() {
            let uri = location["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(!uri.contains(".."), "{uri}");
            uris.insert(uri);
        }
    }
    assert!(uris.contains("common/common.rs"), "{uris:?}");
    assert!(uris.contains("src/lib.rs"), "{uris:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_workspace_are_not_followed() {
    let dir = temp_tree(&[
        (
            "outside/secret.rs",
            &format!("// {SECRET}\npub fn leaked() {{}}\n"),
        ),
        ("outside/nested/more.rs", &format!("// {SECRET}\n")),
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("ws/src/lib.rs", "mod linked;\nmod inside;\n"),
        ("ws/src/real.rs", UNBOUNDED),
    ]);
    let ws = dir.path().join("ws");
    std::os::unix::fs::symlink(
        dir.path().join("outside/secret.rs"),
        ws.join("src/linked.rs"),
    )
    .expect("symlink");
    // A symlink that stays inside is followed.
    std::os::unix::fs::symlink(ws.join("src/real.rs"), ws.join("src/inside.rs")).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("outside/nested"), ws.join("src/escape"))
        .expect("symlink");
    let manifest = ws.join("Cargo.toml").display().to_string();
    let ws_path = ws.display().to_string();
    for args in [
        vec!["--manifest-path", manifest.as_str()],
        // Path mode: the walk meets the symlinked file and the symlinked directory.
        vec![ws_path.as_str()],
    ] {
        for (format, output) in in_every_format(&args) {
            let text = printed(&output);
            assert!(!text.contains(SECRET), "{args:?} {format} leaked:\n{text}");
            assert!(
                text.contains("skipped_file"),
                "{args:?} {format}: no finding for `mod linked;`:\n{text}"
            );
            assert!(text.contains("inside.rs"), "{args:?} {format}:\n{text}");
        }
        let short = run_coordlint(&[args.as_slice(), &["--message-format", "short"]].concat());
        assert!(
            short
                .stdout
                .contains("src/lib.rs:1:5: warning[coordlint::skipped_file]")
                && short.stdout.contains("leads through a symlink to"),
            "{args:?}:\n{}",
            short.stdout
        );
    }
    let path_mode = run_coordlint(&[ws_path.as_str(), "--message-format", "short"]);
    assert!(
        path_mode.stderr.contains("directory not entered"),
        "{}",
        path_mode.stderr
    );
}

#[cfg(unix)]
#[test]
fn special_and_oversized_files_are_reported_not_read() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "mod pipe;\nmod big;\n#[path = \"folder\"]\nmod folder;\nmod ok;\n",
        ),
        ("src/folder/inner.txt", "not rust"),
        ("src/ok.rs", UNBOUNDED),
    ]);
    let fifo = dir.path().join("src/pipe.rs");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let big = vec![b' '; (16 << 20) + 1];
    std::fs::write(dir.path().join("src/big.rs"), big).expect("write a big file");
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ]);
    for (line, reason) in [
        (1, "it is a named pipe, not a regular file"),
        (2, "larger than the 16 MiB limit"),
        (4, "it is a directory, not a regular file"),
    ] {
        assert!(
            output
                .stdout
                .lines()
                .any(|output_line| output_line.starts_with(&format!(
                    "src/lib.rs:{line}:5: warning[coordlint::skipped_file]"
                )) && output_line.contains(reason)),
            "line {line}:\n{}",
            output.stdout
        );
    }
    assert!(output.stdout.contains("src/ok.rs:1:"), "{}", output.stdout);
}

#[test]
fn raw_identifier_modules_are_analyzed() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"raw\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "pub mod r#match;\nmod r#async;\nmod r#move;\nmod r#ref;\n\
             pub fn run() { r#match::f(); }\n",
        ),
        ("src/match.rs", UNBOUNDED),
        ("src/async/mod.rs", UNBOUNDED),
        ("src/move.rs", "mod r#in;\n"),
        ("src/move/in.rs", UNBOUNDED),
        ("src/ref.rs", UNBOUNDED),
    ]);
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_of(dir.path()),
        "--message-format",
        "short",
    ]);
    for file in [
        "src/match.rs",
        "src/async/mod.rs",
        "src/move/in.rs",
        "src/ref.rs",
    ] {
        assert!(
            output.stdout.contains(&format!("{file}:1:")),
            "{file}:\n{}",
            output.stdout
        );
    }
    assert!(!output.stdout.contains("skipped_file"), "{}", output.stdout);
    assert!(!output.stdout.contains("skipped;"), "{}", output.stdout);
}

#[test]
fn a_missing_module_is_a_finding_in_json_and_short_output() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "mod here;\nmod gone;\n"),
        ("src/here.rs", "pub fn f() {}\n"),
    ]);
    let manifest = manifest_of(dir.path());
    let short = run_coordlint(&["--manifest-path", &manifest, "--message-format", "short"]);
    assert_eq!(short.status, Status::Clean);
    assert!(
        short.stdout.contains(
            "src/lib.rs:2:5: warning[coordlint::skipped_file]: module `gone` was not analyzed: \
             no file at `gone.rs` or `gone/mod.rs` (relative to the declaring file's folder)"
        ),
        "{}",
        short.stdout
    );
    assert!(
        short
            .stdout
            .contains("(1 file skipped; 2 files analyzed in"),
        "{}",
        short.stdout
    );
    let json = run_coordlint(&["--manifest-path", &manifest, "--message-format", "json"]);
    let finding: Value = json
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
        .find(|line| line["reason"] == "compiler-message")
        .expect("a compiler message");
    let message = &finding["message"];
    assert_eq!(message["code"]["code"], "coordlint::skipped_file");
    assert_eq!(message["level"], "warning");
    assert_eq!(message["spans"][0]["file_name"], "src/lib.rs");
    assert_eq!(message["spans"][0]["line_start"], 2);
    assert_eq!(message["spans"][0]["text"][0]["text"], "mod gone;");
    // Levels apply as for any rule; the summary counts the file either way.
    let denied = run_coordlint(&["--manifest-path", &manifest, "-D", "skipped_file"]);
    assert_eq!(denied.status, Status::Findings);
    let allowed = run_coordlint(&[
        "--manifest-path",
        &manifest,
        "-A",
        "skipped_file",
        "--message-format",
        "short",
    ]);
    assert!(
        !allowed.stdout.contains("skipped_file"),
        "{}",
        allowed.stdout
    );
    assert!(
        allowed.stdout.contains("1 file skipped"),
        "{}",
        allowed.stdout
    );
}

#[test]
fn path_mode_stays_inside_the_directory_given() {
    let dir = temp_tree(&[
        ("outside.rs", &format!("// {SECRET}\n")),
        (
            "code/lib.rs",
            "#[path = \"../outside.rs\"]\nmod outside;\nmod local;\n",
        ),
        ("code/local.rs", UNBOUNDED),
    ]);
    let code = dir.path().join("code").display().to_string();
    for (format, output) in in_every_format(&[code.as_str()]) {
        let text = printed(&output);
        assert!(!text.contains(SECRET), "{format} leaked:\n{text}");
        assert!(text.contains("skipped_file"), "{format}:\n{text}");
    }
    let short = run_coordlint(&[code.as_str(), "--message-format", "short"]);
    assert!(
        short.stdout.contains("outside the directory given"),
        "{}",
        short.stdout
    );
}

#[test]
fn path_mode_follows_module_declarations_of_the_files_given() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "mod net;\n"),
        ("src/net.rs", "mod server;\n"),
        ("src/net/server.rs", UNBOUNDED),
    ]);
    let lib = dir.path().join("src/lib.rs").display().to_string();
    let output = run_coordlint(&[lib.as_str(), "--message-format", "short"]);
    assert!(
        output.stdout.contains("src/net/server.rs:1:"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("skipped_file"), "{}", output.stdout);
}

#[test]
fn path_mode_leaves_out_files_declared_by_cfg_test_modules() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "#[cfg(test)]\nmod helpers;\nmod engine;\n"),
        ("src/helpers.rs", "mod nested;\n"),
        ("src/helpers/nested.rs", UNBOUNDED),
        ("src/engine.rs", "#[cfg(test)]\nmod engine_test;\n"),
        ("src/engine/engine_test.rs", UNBOUNDED),
    ]);
    let src = dir.path().join("src").display().to_string();
    let output = run_coordlint(&[src.as_str(), "--message-format", "short"]);
    assert!(
        !output.stdout.contains("unbounded_channel"),
        "{}",
        output.stdout
    );
    let with_tests = run_coordlint(&[src.as_str(), "--tests", "--message-format", "short"]);
    for file in ["src/helpers/nested.rs", "src/engine/engine_test.rs"] {
        assert!(
            with_tests.stdout.contains(&format!("{file}:1:")),
            "{file}:\n{}",
            with_tests.stdout
        );
    }
}

#[test]
fn in_path_mode_an_integration_test_names_the_library_by_its_crate_name() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"mypkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "use std::sync::Mutex;\npub static STATE: Mutex<u8> = Mutex::new(0);\n\
             pub fn touch() { *STATE.lock().unwrap() += 1; }\n",
        ),
        // `mypkg::touch()` is the library's, which locks `STATE`; the test's own `touch`
        // locks `LOCAL`, which is held.
        (
            "tests/api.rs",
            "use std::sync::Mutex;\nstatic LOCAL: Mutex<u8> = Mutex::new(0);\n\
             pub fn run() {\n    let _g = LOCAL.lock().unwrap();\n    mypkg::touch();\n}\n\
             fn touch() {\n    *LOCAL.lock().unwrap() += 1;\n}\n",
        ),
    ]);
    let root = dir.path().display().to_string();
    let output = run_coordlint(&[root.as_str(), "--tests", "--message-format", "short"]);
    assert!(!output.stdout.contains("double_lock"), "{}", output.stdout);
}

/// Two versions of one package named in one path-mode run: the same paths name different
/// locks in each, so one version's order does not close a cycle with the other's, a writer
/// in one does not make the other's double read hang, and one's sends through a field do
/// not feed the other's channel.
#[test]
fn in_path_mode_two_versions_of_a_package_do_not_share_locks_or_channels() {
    let types = "use std::sync::{Mutex, RwLock};\n\
                 pub struct Ledger { accounts: Mutex<u32>, audit: Mutex<u32>, rates: RwLock<u32> }\n";
    let accounts_first = "    pub fn record(&self) {\n\
                          let _a = self.accounts.lock().unwrap();\n\
                          let _b = self.audit.lock().unwrap();\n    }\n";
    let audit_first = "    pub fn replay(&self) {\n\
                       let _b = self.audit.lock().unwrap();\n\
                       let _a = self.accounts.lock().unwrap();\n    }\n";
    let read_twice = "    pub fn quote(&self) -> u32 {\n\
                      let one = self.rates.read().unwrap();\n\
                      let two = self.rates.read().unwrap();\n        *one + *two\n    }\n";
    let write = "    pub fn set(&self) { *self.rates.write().unwrap() = 1; }\n";
    let old_version = format!("{types}impl Ledger {{\n{accounts_first}{read_twice}}}\n");
    let new_version = format!("{types}impl Ledger {{\n{audit_first}{write}}}\n");
    let short = ["--message-format", "short"];
    let output = run_two_versions(&old_version, &new_version, &short);
    assert!(!output.contains("lock_order_cycle"), "{output}");
    assert!(!output.contains("double_lock"), "{output}");
    // A channel one version makes and stores in a field is not fed by the other version's
    // sends through the field of the same name.
    let output = run_two_versions(
        "use std::sync::mpsc::{channel, Receiver, Sender};\n\
         pub struct Bus { tx: Sender<u32> }\n\
         pub fn open() -> (Bus, Receiver<u32>) {\n    let (tx, rx) = channel();\n    (Bus { tx }, rx)\n}\n",
        "use std::sync::mpsc::Sender;\n\
         pub struct Bus { tx: Sender<u32> }\n\
         impl Bus {\n    pub fn publish(&self, items: Vec<u32>) {\n        \
         for item in items {\n            self.tx.send(item).unwrap();\n        }\n    }\n}\n",
        &short,
    );
    assert!(!output.contains("unbounded_channel"), "{output}");
    // Both orders, and the writer, in one version: the cycle and the double read are real.
    let both =
        format!("{types}impl Ledger {{\n{accounts_first}{audit_first}{read_twice}{write}}}\n");
    let output = run_two_versions(&both, &new_version, &short);
    assert!(output.contains("lock_order_cycle"), "{output}");
    assert!(output.contains("double_lock"), "{output}");
    // The order to adopt and the other places the order is taken are the version's own.
    let human = run_two_versions(&both, &new_version, &[]);
    assert!(human.contains("adopt the order"), "{human}");
    assert!(!human.contains("ledger-2.0.0"), "{human}");
}

/// The output of a path-mode run over versions 1.0.0 and 2.0.0 of package `ledger` with
/// these `src/lib.rs` files and the `extra` arguments.
fn run_two_versions(old_lib: &str, new_lib: &str, extra: &[&str]) -> String {
    let manifest = |version: &str| {
        format!("[package]\nname = \"ledger\"\nversion = \"{version}\"\nedition = \"2021\"\n")
    };
    let (old_manifest, new_manifest) = (manifest("1.0.0"), manifest("2.0.0"));
    let dir = temp_tree(&[
        ("ledger-1.0.0/Cargo.toml", old_manifest.as_str()),
        ("ledger-1.0.0/src/lib.rs", old_lib),
        ("ledger-2.0.0/Cargo.toml", new_manifest.as_str()),
        ("ledger-2.0.0/src/lib.rs", new_lib),
    ]);
    let old_dir = dir.path().join("ledger-1.0.0").display().to_string();
    let new_dir = dir.path().join("ledger-2.0.0").display().to_string();
    let mut args = vec![old_dir.as_str(), new_dir.as_str()];
    args.extend(extra);
    run_coordlint(&args).stdout
}

#[test]
fn path_mode_reads_cargo_targets_with_custom_paths_as_crate_roots() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [[bin]]\nname = \"schema\"\npath = \"src/schema_tool.rs\"\n\n\
             [[test]]\nname = \"it\"\npath = \"integration/main.rs\"\n\n\
             [[example]]\nname = \"demo\"\npath = \"demos/demo.rs\"\n",
        ),
        ("src/lib.rs", "pub mod api;\n"),
        ("src/api.rs", "pub fn version() -> u32 { 1 }\n"),
        // A bin root: its modules are next to it, not in `src/schema_tool/`.
        ("src/schema_tool.rs", "mod api;\nmod settings;\n"),
        ("src/settings.rs", UNBOUNDED),
        // A test target and an example with custom paths: test code.
        ("integration/main.rs", "mod cases;\n"),
        ("integration/cases.rs", UNBOUNDED),
        ("demos/demo.rs", UNBOUNDED),
    ]);
    let root = dir.path().display().to_string();
    let output = run_coordlint(&[root.as_str(), "--message-format", "short"]);
    assert!(!output.stdout.contains("skipped_file"), "{}", output.stdout);
    assert!(
        output.stdout.contains("src/settings.rs:1:"),
        "{}",
        output.stdout
    );
    for test_file in ["integration/cases.rs", "demos/demo.rs"] {
        assert!(
            !output.stdout.contains(test_file),
            "{test_file}:\n{}",
            output.stdout
        );
    }
    let with_tests = run_coordlint(&[root.as_str(), "--tests", "--message-format", "short"]);
    assert!(
        with_tests.stdout.contains("integration/cases.rs:1:"),
        "{}",
        with_tests.stdout
    );
    assert!(
        !with_tests.stdout.contains("demos/demo.rs"),
        "{}",
        with_tests.stdout
    );
    let with_examples = run_coordlint(&[root.as_str(), "--examples", "--message-format", "short"]);
    assert!(
        with_examples.stdout.contains("demos/demo.rs:1:"),
        "{}",
        with_examples.stdout
    );
    // JSON names the target a module belongs to, with its root file.
    let json = run_coordlint(&[root.as_str(), "--message-format", "json"]);
    let message = json
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|value| value["reason"] == "compiler-message")
        .unwrap_or_else(|| panic!("a finding:\n{}", json.stdout));
    let target = &message["target"];
    assert_eq!(target["kind"], serde_json::json!(["bin"]), "{message}");
    assert_eq!(target["name"], "schema", "{message}");
    assert!(
        target["src_path"]
            .as_str()
            .is_some_and(|path| path.ends_with("src/schema_tool.rs")),
        "{message}"
    );
}

/// The `fixtures/skipped_file/` cases, run through the command in path mode (which alone
/// reads files): every marker matched, nothing unexpected.
#[test]
fn command_rule_fixtures_report_exactly_their_markers() {
    let mut problems = Vec::new();
    for group in COMMAND_RULE_GROUPS {
        let cases = load_group(group);
        assert!(!cases.is_empty(), "fixtures/{group} is empty");
        for case in cases {
            let case_dir = fixtures_dir().join(&case.name);
            let mut expected: Vec<(PathBuf, u32, String, Option<String>)> = Vec::new();
            for source in &case.sources {
                let path = fixtures_dir().join(&source.path);
                for marker in parse_markers(&source.path, &source.text) {
                    expected.push((
                        path.clone(),
                        marker.line,
                        marker.rule,
                        marker.message_contains,
                    ));
                }
            }
            let output =
                run_coordlint(&[&case_dir.display().to_string(), "--message-format", "json"]);
            for line in output.stdout.lines() {
                let value: Value = serde_json::from_str(line).expect("JSON");
                let message = if value["reason"] == "compiler-message" {
                    &value["message"]
                } else if value["$message_type"] == "diagnostic" {
                    &value
                } else {
                    continue;
                };
                let span = &message["spans"][0];
                let file = std::env::current_dir()
                    .unwrap()
                    .join(span["file_name"].as_str().unwrap());
                let line_number = span["line_start"].as_u64().unwrap() as u32;
                let code = message["code"]["code"].as_str().unwrap();
                let rule = code.strip_prefix("coordlint::").unwrap_or(code);
                let text = message["message"].as_str().unwrap();
                let position = expected
                    .iter()
                    .position(|(path, line, expected_rule, part)| {
                        *path == file
                            && *line == line_number
                            && expected_rule == rule
                            && part
                                .as_ref()
                                .is_none_or(|part| text.contains(part.as_str()))
                    });
                match position {
                    Some(index) => {
                        expected.remove(index);
                    }
                    None => problems.push(format!(
                        "{}:{line_number} unexpected {rule}: {text}",
                        file.display()
                    )),
                }
            }
            for (path, line, rule, part) in expected {
                problems.push(format!(
                    "{}:{line} expected {rule}{} was not reported",
                    path.display(),
                    part.map(|part| format!(" (with \"{part}\")"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_target_root_outside_the_workspace_is_refused_on_both_paths() {
    let dir = temp_tree(&[
        (
            "outside.rs",
            &format!("// {SECRET}\npub fn leaked() {{}}\n"),
        ),
        (
            "ws/Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\npath = \"../outside.rs\"\n",
        ),
        ("ws/src/main.rs", UNBOUNDED),
    ]);
    let manifest = dir.path().join("ws/Cargo.toml").display().to_string();
    for environment in [Environment::from_process(), without_cargo()] {
        for format in FORMATS {
            let output = run_with(
                &environment,
                &["--manifest-path", &manifest, "--message-format", format],
            );
            let text = printed(&output);
            assert!(!text.contains(SECRET), "{format} leaked:\n{text}");
            assert!(
                output
                    .stderr
                    .contains("outside.rs was not analyzed: it is outside the workspace root"),
                "{environment:?} {format}:\n{text}"
            );
            assert!(text.contains("src/main.rs"), "{format}:\n{text}");
        }
    }
}

/// `cfg_if!` blocks: their items are analyzed and their `mod` declarations followed, in
/// workspace and path mode; a file loaded by `#[path]` finds its modules next to it, even in
/// path mode, which reads it before it sees the declaration.
#[test]
fn modules_declared_in_cfg_if_blocks_are_followed() {
    let dir = temp_tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] {\n        #[path = \"sys/unix.rs\"]\n        mod imp;\n    } else {\n        #[path = \"sys/other.rs\"]\n        mod imp;\n    }\n}\n",
        ),
        ("src/sys/unix.rs", "mod netlink;\n"),
        (
            "src/sys/netlink.rs",
            "pub fn relock(m: &std::sync::Mutex<u8>) {\n    let _a = m.lock().unwrap();\n    let _b = m.lock().unwrap();\n}\n",
        ),
        ("src/sys/other.rs", "pub fn g() {}\n"),
    ]);
    let manifest = manifest_of(dir.path());
    let src = dir.path().join("src").display().to_string();
    for args in [
        vec![
            "--manifest-path",
            manifest.as_str(),
            "--message-format",
            "short",
        ],
        vec![src.as_str(), "--message-format", "short"],
    ] {
        let output = run_coordlint(&args);
        assert!(!output.stdout.contains("skipped_file"), "{}", output.stdout);
        assert!(
            output
                .stdout
                .contains("netlink.rs:3:14: error[coordlint::double_lock]"),
            "{}",
            output.stdout
        );
        assert!(
            output.stdout.contains("4 files analyzed"),
            "{}",
            output.stdout
        );
    }
}
