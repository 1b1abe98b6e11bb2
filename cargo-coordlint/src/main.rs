//! `cargo-coordlint`: run as `cargo coordlint ...` or directly.

use std::process::ExitCode;

/// jemalloc: less CPU and a lower peak than the system allocator on the analysis's many
/// small allocations (alternating runs against the system allocator and mimalloc in
/// BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    cargo_coordlint::install_panic_hook();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    // stderr is not locked for the whole run: the progress line is drawn from another thread.
    let status = cargo_coordlint::run(args, &mut stdout.lock(), &mut std::io::stderr());
    ExitCode::from(status.code())
}
