//! The real binary, as a process: what only a process can show (cargo's subcommand
//! dispatch, exit statuses, no panic output). Everything else is tested in `tests/`.

use std::path::Path;
use std::process::Command;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-coordlint"))
}

fn demo_manifest() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/demo/Cargo.toml")
        .display()
        .to_string()
}

#[test]
fn runs_as_a_cargo_subcommand() {
    let exe_dir = Path::new(env!("CARGO_BIN_EXE_cargo-coordlint"))
        .parent()
        .expect("a directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(exe_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a PATH");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "coordlint",
            "--manifest-path",
            &demo_manifest(),
            "--message-format",
            "short",
        ])
        .env("PATH", path)
        .output()
        .expect("cargo runs");
    // The demo has a lock order cycle: exit status 1.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("warning[coordlint::unbounded_channel]"),
        "{stdout}"
    );
}

#[test]
fn exit_statuses_are_zero_one_two() {
    let clean = binary()
        .args([
            "coordlint",
            "--manifest-path",
            &demo_manifest(),
            "-p",
            "gateway",
        ])
        .output()
        .expect("runs");
    assert_eq!(clean.status.code(), Some(0));
    let denied = binary()
        .args([
            "--manifest-path",
            &demo_manifest(),
            "-p",
            "gateway",
            "-D",
            "warnings",
        ])
        .output()
        .expect("runs");
    assert_eq!(denied.status.code(), Some(1));
    let usage = binary().args(["--bogus"]).output().expect("runs");
    assert_eq!(usage.status.code(), Some(2));
    let unreadable = binary()
        .args(["--manifest-path", "/nonexistent/Cargo.toml"])
        .output()
        .expect("runs");
    assert_eq!(unreadable.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unreadable.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn json_goes_to_stdout_only() {
    let output = binary()
        .args([
            "coordlint",
            "--manifest-path",
            &demo_manifest(),
            "--message-format=json",
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().all(|line| line.starts_with('{')), "{stdout}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cargo metadata` runs through `$CARGO` (the cargo that invoked the subcommand), not
/// whatever `cargo` is first on `PATH` (rustup's proxy would honour a `rust-toolchain.toml`
/// in the analyzed checkout).
#[cfg(unix)]
#[test]
fn cargo_metadata_runs_through_the_cargo_that_invoked_us() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!(
        "coordlint-cargo-env-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let log = dir.join("calls.log");
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let wrapper = dir.join("cargo");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{real_cargo}' \"$@\"\n",
            log.display()
        ),
    )
    .expect("write the wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let output = binary()
        .args([
            "coordlint",
            "--manifest-path",
            &demo_manifest(),
            "--message-format",
            "short",
        ])
        .env("CARGO", &wrapper)
        .output()
        .expect("runs");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        calls.starts_with("metadata --format-version 1"),
        "the wrapper was not called: {calls:?}"
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
