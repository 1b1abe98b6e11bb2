//! The parse floor: what reading and parsing the files costs, with nothing else, to compare
//! coordlint's path mode against (`bench/perf.py` runs both on the same directories).
//!
//! `cargo run --release -p lint-core --example parse_floor -- [--files-from LIST] PATHS...`
//! takes files and directories like `cargo coordlint PATHS...` (every `.rs` file under a
//! directory, skipping `target/` and hidden folders; sorted, duplicates dropped), reads them
//! in parallel into strings, then parses each with `syn::parse_file` (which strips a BOM and
//! a `#!` line, as coordlint's lowering does) on a rayon pool built like coordlint's lowering
//! pool: the thread count rayon picks (`RAYON_NUM_THREADS`), 64 MiB stacks. Each tree is
//! dropped at once. Prints `files`, `lines`, `bytes`, `parse_errors` and `unreadable`.
//!
//! proc-macro2 keeps a per-thread table of every parsed file's text while `span-locations`
//! is on (the workspace turns it on); coordlint empties it after each file, and so does this
//! floor, so that memory measures parsing rather than a growing table.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The same stack size as lint-core's lowering pool (`LOWERING_STACK_BYTES`).
const PARSE_STACK_BYTES: usize = 64 << 20;

fn main() {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--files-from" {
            let Some(list) = args.next() else {
                usage_error("--files-from needs a file");
            };
            let text = std::fs::read_to_string(&list).unwrap_or_else(|error| {
                usage_error(&format!("could not read {}: {error}", list.display()))
            });
            paths.extend(
                text.lines()
                    .filter(|line| !line.is_empty())
                    .map(PathBuf::from),
            );
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    if paths.is_empty() {
        usage_error("no paths given");
    }

    let mut files = Vec::new();
    for path in &paths {
        if path.is_dir() {
            if let Err(error) = collect_rust_files(path, &mut files) {
                usage_error(&format!("could not list {}: {error}", path.display()));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            usage_error(&format!("{}: no such file or directory", path.display()));
        }
    }
    files.sort();
    files.dedup();

    let texts: Vec<std::io::Result<String>> =
        files.into_par_iter().map(std::fs::read_to_string).collect();
    let unreadable = texts.iter().filter(|text| text.is_err()).count();
    let texts: Vec<String> = texts.into_iter().filter_map(Result::ok).collect();

    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(PARSE_STACK_BYTES)
        .build()
        .expect("the parsing thread pool can be created");
    let parse_errors: usize = pool.install(|| {
        texts
            .par_iter()
            .map(|text| {
                let failed = syn::parse_file(text).is_err();
                proc_macro2::extra::invalidate_current_thread_spans();
                usize::from(failed)
            })
            .sum()
    });

    let lines: usize = texts.iter().map(|text| text.lines().count()).sum();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "files {} lines {lines} bytes {bytes} parse_errors {parse_errors} unreadable {unreadable} threads {}",
        texts.len(),
        pool.current_num_threads()
    );
}

/// Every `.rs` file under `dir`, skipping `target/` and hidden folders: the walk of
/// cargo-coordlint's path mode (`discover/paths.rs`).
fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if file_type.is_file() && name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn usage_error(message: &str) -> ! {
    eprintln!("error: {message}");
    eprintln!("usage: parse_floor [--files-from LIST] PATHS...");
    std::process::exit(2);
}
