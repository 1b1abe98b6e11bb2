//! `cargo-coordlint`: run as `cargo coordlint ...` or directly.

use std::process::ExitCode;

fn main() -> ExitCode {
    cargo_coordlint::install_panic_hook();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let status = cargo_coordlint::run(args, &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(status.code())
}
