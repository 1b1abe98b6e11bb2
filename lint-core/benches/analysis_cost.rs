//! What the analysis costs next to parsing alone, on a directory of Rust code.
//!
//! `cargo bench -p lint-core --bench analysis_cost -- DIR [RUNS]` reads every `.rs` file
//! under DIR once, then times, RUNS times each (default 5) and prints the median:
//! `syn` parsing alone (single thread), lowering (parse + syntax model, in parallel) and the
//! global phase with every rule. No files are written.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lint_core::{Config, Edition, SourceFile};

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

    let parse = median(runs, || {
        for source in &sources {
            let _ = std::hint::black_box(syn::parse_file(&source.text));
        }
    });
    let threads = rayon::current_num_threads();
    let lower = median(runs, || {
        std::hint::black_box(lint_core::lower_files(&sources));
    });
    let facts = lint_core::lower_files(&sources);
    let config = Config::default();
    let analyze = median(runs, || {
        std::hint::black_box(lint_core::analyze(&facts, &config));
    });
    let findings = lint_core::analyze(&facts, &config).len();
    println!("syn parse only (1 thread):        {:>8.1} ms", ms(parse));
    println!(
        "lower = parse + model ({threads} threads): {:>8.1} ms",
        ms(lower)
    );
    println!(
        "global analysis, all rules:       {:>8.1} ms  ({findings} findings)",
        ms(analyze)
    );
    println!(
        "analysis / parse-only:            {:>8.2}",
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
