//! A property test on stable Rust: the fixtures, mutated at random (bytes deleted,
//! duplicated, swapped, or replaced by tokens that stress the analysis), go through the
//! whole pipeline for a bounded time. Nothing may panic, and every run must end. A crasher
//! it finds is kept as a fixture (with its fix). The seed is fixed so a failure reproduces;
//! `COORDLINT_MUTATION_SECONDS` runs it longer.

use std::time::{Duration, Instant};

use coordlint_tests::{fixtures_dir, load_group};
use lint_core::{Config, Edition, SourceFile};

/// Tokens inserted by the mutator: brackets, operators and the constructs the lock and
/// loop analyses look at.
const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ";",
    ",",
    "||",
    "!",
    "&",
    "*",
    "?",
    ".await",
    ".lock().unwrap()",
    ".read()",
    ".write()",
    "drop(g)",
    "let g = ",
    "match x { _ => {} }",
    "if let Some(a) = b {} else {}",
    "loop {",
    "for x in xs {",
    "async move {",
    "|| ",
    "tokio::spawn(",
    "std::sync::mpsc::channel()",
    "fn f() {",
    "impl T for S {",
    "mod m;",
    "r#match",
    "'a",
    "\"",
    "/*",
    "*/",
    "//",
    "\n",
    "é",
    "\u{202e}",
    "#[cfg(test)]",
];

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut text = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let at = char_boundary(&text, rng.below(text.len() + 1));
        let len = rng.below(40);
        let end = char_boundary(&text, at + len);
        match rng.below(4) {
            0 => text.replace_range(at..end, ""),
            1 => {
                let copy = text[at..end].to_string();
                text.insert_str(at, &copy);
            }
            2 => text.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
            _ => {
                let other = char_boundary(&text, rng.below(text.len() + 1));
                let piece = text[at..end].to_string();
                text.replace_range(at..end, "");
                let other = char_boundary(&text, other);
                text.insert_str(other, &piece);
            }
        }
    }
    text
}

#[test]
fn mutated_fixtures_never_crash_or_hang_the_pipeline() {
    let seconds = std::env::var("COORDLINT_MUTATION_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(3);
    let budget = Duration::from_secs(seconds);
    let mut corpus: Vec<String> = Vec::new();
    for group in [
        "double_lock",
        "lock_order_cycle",
        "guard_across_await",
        "unbounded_spawn",
        "unbatched_io",
        "unbounded_channel",
        "clean",
    ] {
        for fixture in load_group(group) {
            corpus.extend(fixture.sources.iter().map(|source| source.text.to_string()));
        }
    }
    assert!(
        !corpus.is_empty(),
        "no fixtures under {}",
        fixtures_dir().display()
    );
    let config = Config::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut runs = 0;
    while started.elapsed() < budget {
        let base = &corpus[rng.below(corpus.len())];
        let text = mutate(&mut rng, base);
        let edition = [
            Edition::E2015,
            Edition::E2018,
            Edition::E2021,
            Edition::E2024,
        ][rng.below(4)];
        let sources = [SourceFile::new("mutant.rs", text.as_str(), edition)];
        let one = Instant::now();
        let outcome = std::panic::catch_unwind(|| lint_core::check_sources(&sources, &config));
        if outcome.is_err() {
            let kept = std::env::temp_dir().join(format!("coordlint-crasher-{runs}.rs"));
            let _ = std::fs::write(&kept, &text);
            panic!(
                "the pipeline panicked on a mutant (kept at {})",
                kept.display()
            );
        }
        assert!(
            one.elapsed() < Duration::from_secs(10),
            "a mutant took {:?}",
            one.elapsed()
        );
        runs += 1;
    }
    assert!(runs > 10, "only {runs} mutants ran in {budget:?}");
}
