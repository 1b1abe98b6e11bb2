//! `[workspace.metadata.coordlint.<rule>]` API lists teach `unbounded_spawn`,
//! `unbatched_io` and `blocking_under_lock` a team's own spawners, bounds, client methods
//! and blocking calls (end to end).

use super::cli::{run_coordlint, temp_tree};

const SOURCE: &str = r#"
mod my_runtime {
    pub fn launch<F>(future: F) {}
}

async fn per_item(ids: Vec<u64>, store: Store) {
    for id in ids.clone() {
        my_runtime::launch(work(id));
    }
    for id in ids.clone() {
        store.fetch_user(id).await;
    }
    for id in ids {
        gate.acquire_slot().await;
        tokio::spawn(work(id));
    }
}
"#;

fn run(metadata: &str) -> String {
    let manifest = format!(
        "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n{metadata}"
    );
    let dir = temp_tree(&[("Cargo.toml", &manifest), ("src/lib.rs", SOURCE)]);
    let manifest_path = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_path,
        "--message-format",
        "short",
    ]);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    output.stdout
}

#[test]
fn without_configuration_only_the_builtin_spawner_is_known() {
    let stdout = run("");
    assert!(stdout.contains("src/lib.rs:15:"), "{stdout}");
    assert!(!stdout.contains("src/lib.rs:8:"), "{stdout}");
    assert!(!stdout.contains("unbatched_io"), "{stdout}");
}

#[test]
fn configured_spawners_bounds_and_io_methods_are_used() {
    let stdout = run(concat!(
        "[workspace.metadata.coordlint.unbounded_spawn]\n",
        "extra-spawners = [\"sample::my_runtime::launch\"]\n",
        "bound-markers = [\"acquire_slot\"]\n",
        "[workspace.metadata.coordlint.unbatched_io]\n",
        "extra-methods = [\"fetch_user\"]\n",
    ));
    assert!(
        stdout.contains(
            "src/lib.rs:8:9: warning[coordlint::unbounded_spawn]: `sample::my_runtime::launch`"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("src/lib.rs:11:15: warning[coordlint::unbatched_io]: `.fetch_user(..)`"),
        "{stdout}"
    );
    assert!(!stdout.contains("src/lib.rs:15:"), "{stdout}");
}

#[test]
fn a_malformed_list_is_a_usage_error() {
    let manifest = "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n[workspace.metadata.coordlint.unbatched_io]\nextra-methods = \"fetch_user\"\n";
    let dir = temp_tree(&[("Cargo.toml", manifest), ("src/lib.rs", SOURCE)]);
    let manifest_path = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&["--manifest-path", &manifest_path]);
    assert_eq!(output.status, cargo_coordlint::Status::Failure);
    assert!(output.stderr.contains("extra-methods"), "{}", output.stderr);
}

fn run_with_status(metadata: &str) -> super::cli::RunOutput {
    let manifest = format!(
        "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n{metadata}"
    );
    let dir = temp_tree(&[("Cargo.toml", &manifest), ("src/lib.rs", SOURCE)]);
    let manifest_path = dir.path().join("Cargo.toml").display().to_string();
    run_coordlint(&[
        "--manifest-path",
        &manifest_path,
        "--message-format",
        "short",
    ])
}

#[test]
fn levels_set_in_cargo_toml_take_effect() {
    let output = run_with_status(concat!(
        "[workspace.metadata.coordlint.lints]\n",
        "unbounded_spawn = \"allow\"\n",
        "unbatched_io = \"deny\"\n",
        "[workspace.metadata.coordlint.unbatched_io]\n",
        "extra-methods = [\"fetch_user\"]\n",
    ));
    assert!(
        !output.stdout.contains("unbounded_spawn"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("error[coordlint::unbatched_io]"),
        "{}",
        output.stdout
    );
    assert_eq!(output.status, cargo_coordlint::Status::Findings);
}

#[test]
fn a_misspelled_option_or_rule_is_an_error_with_a_suggestion() {
    let output = run_with_status(
        "[workspace.metadata.coordlint.unbatched_io]\nextra-method = [\"fetch_user\"]\n",
    );
    assert_eq!(output.status, cargo_coordlint::Status::Failure);
    assert!(
        output.stderr.contains("did you mean `extra-methods`?"),
        "{}",
        output.stderr
    );
    let output =
        run_with_status("[workspace.metadata.coordlint.unbatched_oi]\nextra-methods = []\n");
    assert_eq!(output.status, cargo_coordlint::Status::Failure);
    assert!(
        output.stderr.contains("did you mean `unbatched_io`?"),
        "{}",
        output.stderr
    );
    let output =
        run_with_status("[workspace.metadata.coordlint.lints]\ndouble_lock = \"warning\"\n");
    assert_eq!(output.status, cargo_coordlint::Status::Failure);
    assert!(
        output.stderr.contains("did you mean `warn`?"),
        "{}",
        output.stderr
    );
}

/// `other` has a type nothing says anything about: `other.bump_y()` is matched to
/// `Pair::bump_y` by its name only, so the cycle rests on a guess.
const GUESSED: &str = r#"
use std::sync::Mutex;
pub struct Pair { x: Mutex<u32>, y: Mutex<u32> }
impl Pair {
    pub fn bump_y(&self) { *self.y.lock().unwrap() += 1; }
    pub fn one<T>(&self, other: T) {
        let _x = self.x.lock().unwrap();
        other.bump_y();
    }
    pub fn two(&self) {
        let _y = self.y.lock().unwrap();
        let _x = self.x.lock().unwrap();
    }
}
"#;

fn run_guessed(metadata: &str) -> String {
    let manifest = format!(
        "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n{metadata}"
    );
    let dir = temp_tree(&[("Cargo.toml", &manifest), ("src/lib.rs", GUESSED)]);
    let manifest_path = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_path,
        "--message-format",
        "short",
    ]);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    output.stdout
}

#[test]
fn findings_resting_on_a_by_name_call_are_warnings_unless_configured() {
    let default = run_guessed("");
    assert!(
        default.contains("warning[coordlint::lock_order_cycle]"),
        "{default}"
    );
    let denied =
        run_guessed("[workspace.metadata.coordlint.lock_order_cycle]\nguessed-calls = \"deny\"\n");
    assert!(
        denied.contains("error[coordlint::lock_order_cycle]"),
        "{denied}"
    );
    let allowed =
        run_guessed("[workspace.metadata.coordlint.lock_order_cycle]\nguessed-calls = \"allow\"\n");
    assert!(!allowed.contains("lock_order_cycle"), "{allowed}");
}

/// A team's own blocking calls: a function by path and a method by `Type::method`.
const BLOCKING_SOURCE: &str = r#"
use std::sync::Mutex;

mod rpc {
    pub fn call_sync(_request: &str) -> String {
        String::new()
    }
    pub struct Client;
}

pub struct Service {
    cache: Mutex<Vec<String>>,
    client: rpc::Client,
}

impl Service {
    pub fn refresh(&self) {
        let mut cache = self.cache.lock().unwrap();
        cache.push(rpc::call_sync("list"));
        self.client.call_blocking("ping");
    }
}
"#;

fn run_blocking(metadata: &str) -> String {
    let manifest = format!(
        "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n{metadata}"
    );
    let dir = temp_tree(&[("Cargo.toml", &manifest), ("src/lib.rs", BLOCKING_SOURCE)]);
    let manifest_path = dir.path().join("Cargo.toml").display().to_string();
    let output = run_coordlint(&[
        "--manifest-path",
        &manifest_path,
        "--message-format",
        "short",
    ]);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    output.stdout
}

#[test]
fn configured_blocking_calls_are_used() {
    let before = run_blocking("");
    assert!(!before.contains("blocking_under_lock"), "{before}");
    let stdout = run_blocking(concat!(
        "[workspace.metadata.coordlint.blocking_under_lock]\n",
        "extra-blocking = [\"sample::rpc::call_sync\", \"Client::call_blocking\"]\n",
    ));
    assert!(
        stdout.contains(
            "src/lib.rs:19:20: warning[coordlint::blocking_under_lock]: `rpc::call_sync` blocks"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "src/lib.rs:20:21: warning[coordlint::blocking_under_lock]: `Client::call_blocking` blocks"
        ),
        "{stdout}"
    );
}
