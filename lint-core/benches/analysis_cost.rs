//! What the analysis costs next to parsing alone, on a directory of Rust code.
//!
//! `cargo bench -p lint-core --bench analysis_cost -- DIR [RUNS]` reads every `.rs` file
//! under DIR once, then times, RUNS times each (default 5) and prints the median:
//! `syn` parsing alone and lowering (parse + syntax model), both in parallel on the same
//! number of threads (`RAYON_NUM_THREADS`, default the CPUs), and the global phase with
//! every rule. No files are written. `bench/perf.py` is the end-to-end measurement (the
//! whole command against a parse floor, on a large corpus); this one splits the phases.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lint_core::{Config, Edition, SourceFile};
use rayon::prelude::*;

/// The stack size of lint-core's lowering threads, so that both sides run alike.
const PARSE_STACK_BYTES: usize = 64 << 20;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let Some(dir) = args.next() else {
        eprintln!("usage: cargo bench -p lint-core --bench analysis_cost -- DIR [RUNS]");
        return;
    };
    let runs: usize = args.next().and_then(|runs| runs.parse().ok()).unwrap_or(5);
    let mut files = Vec::new();
    collect(Path::new(&dir), &mut files);
    files.sort();
    let sources: Vec<SourceFile> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            Some(SourceFile::new(
                path.display().to_string(),
                text,
                Edition::E2021,
            ))
        })
        .collect();
    let lines: usize = sources
        .iter()
        .map(|source| source.text.lines().count())
        .sum();
    let bytes: usize = sources.iter().map(|source| source.text.len()).sum();
    println!(
        "corpus: {dir}: {} files, {lines} lines, {} KiB",
        sources.len(),
        bytes / 1024
    );

    // Built like lint-core's lowering pool: rayon's thread count, the same large stacks.
    let parse_pool = rayon::ThreadPoolBuilder::new()
        .stack_size(PARSE_STACK_BYTES)
        .build()
        .expect("the parsing thread pool can be created");
    let parse = median(runs, || {
        parse_pool.install(|| {
            sources.par_iter().for_each(|source| {
                let _ = std::hint::black_box(syn::parse_file(&source.text));
                // Lowering empties proc-macro2's per-thread span table after each file too.
                proc_macro2::extra::invalidate_current_thread_spans();
            });
        });
    });
    let threads = parse_pool.current_num_threads();
    let lower = median(runs, || {
        std::hint::black_box(lint_core::lower_files(&sources));
    });
    let facts = lint_core::lower_files(&sources);
    let config = Config::default();
    let analyze = median(runs, || {
        std::hint::black_box(lint_core::analyze(&facts, &config));
    });
    let findings = lint_core::analyze(&facts, &config).len();
    let rows = [
        (format!("syn parse only ({threads} threads):"), ms(parse)),
        (
            format!("lower = parse + model ({threads} threads):"),
            ms(lower),
        ),
        ("global analysis, all rules:".to_string(), ms(analyze)),
    ];
    for (label, milliseconds) in rows {
        println!("{label:<36} {milliseconds:>8.1} ms");
    }
    println!("{findings} findings");
    println!(
        "{:<36} {:>8.2}",
        "(lower + global) / parse-only:",
        (lower + analyze).as_secs_f64() / parse.as_secs_f64()
    );
}

fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}
