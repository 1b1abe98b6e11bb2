//! Hostile input, generated: every kind of input that once crashed, hung or flooded the
//! tool (deep nesting of every kind, huge lock sets, recursion rings, long lines, terminal
//! escapes and line breaks in sources and file names, edition-2015 syntax). Each must end
//! quickly with its findings (or a `parse_error`) and safe output.

use std::time::{Duration, Instant};

use super::cli::{run_coordlint, temp_tree};

/// Generous for a debug build on two busy cores (the heaviest case takes about 5 s of CPU
/// there); a quadratic blow-up or a hang takes minutes. Release times are in BENCHMARKS.md.
const TIME_LIMIT: Duration = Duration::from_secs(40);

fn run_file(name: &str, text: &str, format: &str) -> (super::cli::RunOutput, Duration) {
    let dir = temp_tree(&[(name, text)]);
    let path = dir.path().join(name).display().to_string();
    let started = Instant::now();
    let output = run_coordlint(&[&path, "--message-format", format, "--color", "never"]);
    (output, started.elapsed())
}

#[test]
fn deep_nesting_of_every_kind_is_a_parse_error_not_a_crash() {
    let inputs = [
        format!("fn f() {{ let x = {}1; }}\n", "|| ".repeat(20_000)),
        format!(
            "fn f() {{ let x: {}u8{} = todo!(); }}\n",
            "Vec<".repeat(20_000),
            ">".repeat(20_000)
        ),
        format!("fn f() -> bool {{ {}true }}\n", "!".repeat(200_000)),
        format!("fn f() -> u32 {{ {}1 }}\n", "1 + ".repeat(200_000)),
        format!("fn f() {{ x{}; }}\n", ".m()".repeat(50_000)),
        // An `else if` chain nests: braces followed by `else` do not end the run.
        format!(
            "fn f(a: bool) -> u8 {{ if a {{ 0 }} {}else {{ 1 }} }}\n",
            "else if a { 0 } ".repeat(20_000)
        ),
        format!(
            "fn f() {{ {}{} }}\n",
            "{".repeat(10_000),
            "}".repeat(10_000)
        ),
    ];
    for (index, text) in inputs.iter().enumerate() {
        let name = format!("deep{index}.rs");
        let (output, elapsed) = run_file(&name, text, "short");
        assert!(elapsed < TIME_LIMIT, "{name} took {elapsed:?}");
        assert!(
            output.stdout.contains("coordlint::parse_error"),
            "{name}: {}",
            output.stdout
        );
    }
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// Every fixture and source file of the project.
fn project_rust_files() -> Vec<std::path::PathBuf> {
    let root = coordlint_tests::repo_root();
    let mut files = Vec::new();
    for dir in [
        "lint-core/src",
        "cargo-coordlint/src",
        "runtime-probe",
        "fixtures",
        "tests/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    files
}

/// Runs `check` on the text of every fixture and source file of the project and fails
/// with the file's path at the first error; returns how many files the check applied to
/// (`Some`) and how many there are.
fn check_project_files(check: impl Fn(&str) -> Option<Result<(), String>>) -> (usize, usize) {
    let files = project_rust_files();
    assert!(files.len() > 200, "found only {} files", files.len());
    let mut applied = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        if let Some(outcome) = check(&text) {
            applied += 1;
            if let Err(problem) = outcome {
                panic!("{}: {problem}", file.display());
            }
        }
    }
    (applied, files.len())
}

/// Lowering skips the token-level nesting check when a scan of the text bounds both
/// measures far below the limits: that bound must never be below what the token check
/// measures. Checked on every fixture and every source file of the project (raw strings,
/// character literals, lifetimes, nested comments, doc comments, edition-2015 code).
#[test]
fn the_text_nesting_bound_is_never_below_the_token_check() {
    let (bounded, files) = check_project_files(lint_core::lower::nesting_bound_covers_tokens);
    assert!(bounded * 10 >= files * 9, "bounded {bounded} of {files}");
}

/// The blanking pass counts, on the tokens it reads anyway, a looser bound of the same
/// measures, which lets lowering skip the text scan too: it must never be below what the
/// token check measures on the blanked text lowering parses, nor below the text scan's
/// bound there. Checked on every fixture and every source file of the project.
#[test]
fn the_blanking_pass_nesting_bound_is_never_below_the_token_check() {
    let (bounded, files) = check_project_files(lint_core::lower::blanking_bound_covers_tokens);
    assert!(bounded * 10 >= files * 9, "bounded {bounded} of {files}");
}

/// Lowering reads the span of one token (a name, a keyword, a punctuation character, a
/// closing bracket) from where it starts and how long it is, which halves proc-macro2's
/// position lookups: it must be the span the full conversion gives, for every such token
/// of every fixture and source file of the project, in edition 2015 (raw names the rewrite
/// makes) as in 2021.
#[test]
fn token_spans_read_from_the_start_are_the_full_conversions() {
    let (checked, files) = check_project_files(lint_core::lower::token_spans_agree);
    assert!(checked * 10 >= files * 9, "checked {checked} of {files}");
}

/// Lowering rewrites edition 2015 and 2018 files for syn only when a text test finds what
/// the rewrite acts on: every file it turns away must be one the rewrite leaves as it is.
/// Checked in both editions on every fixture and every source file of the project.
#[test]
fn files_the_edition_test_turns_away_need_no_rewrite() {
    let checked: usize = [lint_core::Edition::E2015, lint_core::Edition::E2018]
        .into_iter()
        .map(|edition| {
            check_project_files(|text| lint_core::lower::edition_rewrite_test_holds(text, edition))
                .0
        })
        .sum();
    assert!(checked > 400, "checked only {checked} files");
}

/// Lowering blanks what it never reads (doc comments, `const`/`static` initializers,
/// `enum` variants, `extern` blocks) before parsing: the facts must be exactly those of the
/// text as written, on every fixture and every source file of the project.
#[test]
fn blanking_unread_parts_never_changes_the_facts() {
    let (compared, files) =
        check_project_files(lint_core::lower::blanking_unread_parts_keeps_facts);
    assert!(compared * 10 >= files * 9, "compared {compared} of {files}");
}

/// Generated files (bindings, SIMD tables, API models) repeat items and statements
/// thousands of times, each with a few operators (`-> T`, `::core::marker::Copy`, doc
/// comments): long, but nothing nests. They are analyzed, not refused as too deep.
#[test]
fn thousands_of_items_and_statements_are_not_too_deep() {
    let many = 3_000;
    let mut items = String::new();
    for i in 0..many {
        items.push_str(&format!(
            "#[repr(C)]\npub struct S{i} {{ pub x: u32 }}\nimpl ::core::marker::Copy for S{i} {{}}\n\
             impl ::core::clone::Clone for S{i} {{ fn clone(&self) -> Self {{ *self }} }}\n\
             pub fn make{i}() -> ::core::option::Option<S{i}> {{ None }}\n"
        ));
    }
    let doc_lines = "/// <li>a line of a long generated doc comment</li>\n".repeat(many);
    let statements = "    if a { total += 1 }\n".repeat(many);
    let text = format!(
        "{items}{doc_lines}pub fn count(a: bool) -> u32 {{\n    let mut total = 0;\n{statements}    total\n}}\n\
         fn g(items: Vec<u8>) {{ let (q, _r) = std::sync::mpsc::channel::<u8>(); for item in items {{ let _ = q.send(item); }} }}\n"
    );
    let (output, elapsed) = run_file("generated.rs", &text, "short");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(
        !output.stdout.contains("coordlint::parse_error"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("unbounded_channel"),
        "{}",
        output.stdout
    );
}

#[test]
fn other_files_are_still_reported_next_to_a_crashing_one() {
    let dir = temp_tree(&[
        (
            "deep.rs",
            &format!("fn f() -> bool {{ {}true }}\n", "!".repeat(200_000)),
        ),
        (
            "ok.rs",
            "fn g(items: Vec<u8>) { let (_q, _r) = std::sync::mpsc::channel::<u8>(); for item in items { let _ = _q.send(item); } }\n",
        ),
    ]);
    let output = run_coordlint(&[
        &dir.path().display().to_string(),
        "--message-format",
        "short",
    ]);
    assert!(
        output.stdout.contains("coordlint::parse_error"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("ok.rs:1:"), "{}", output.stdout);
}

fn statics(count: usize) -> String {
    let mut text = String::from("use std::sync::Mutex;\n");
    for i in 0..count {
        text.push_str(&format!("static M{i}: Mutex<u8> = Mutex::new(0);\n"));
    }
    text
}

#[test]
fn one_function_holding_hundreds_of_locks_stays_linear() {
    let mut text = statics(500);
    text.push_str("fn f() {\n");
    for i in 0..500 {
        text.push_str(&format!("    let g{i} = M{i}.lock().unwrap();\n"));
    }
    text.push_str("}\n");
    let (output, elapsed) = run_file("many.rs", &text, "short");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert_eq!(
        output.status,
        cargo_coordlint::Status::Clean,
        "{}",
        output.stdout
    );
}

#[test]
fn thousands_of_relocks_are_one_finding_with_a_count() {
    let mut text = String::from("use std::sync::Mutex;\nfn f(m: &Mutex<u8>) {\n");
    for i in 0..4_000 {
        text.push_str(&format!("    let g{i} = m.lock().unwrap();\n"));
    }
    text.push_str("}\n");
    let (output, elapsed) = run_file("relock.rs", &text, "human");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(
        output.stdout.len() < 1_000_000,
        "{} bytes",
        output.stdout.len()
    );
    assert_eq!(output.stdout.matches("coordlint::double_lock").count(), 1);
    assert!(
        output.stdout.contains("3999 times in this function"),
        "{}",
        output.stdout
    );
}

#[test]
fn a_recursion_ring_and_long_layered_cycles_are_found_quickly() {
    // A ring of mutually recursive functions, each holding its own lock.
    let mut ring = statics(300).replace("static M", "static L");
    for i in 0..300 {
        ring.push_str(&format!(
            "fn f{i}() {{ let _g = L{i}.lock().unwrap(); f{}(); }}\n",
            (i + 1) % 300
        ));
    }
    let (output, elapsed) = run_file("ring.rs", &ring, "short");
    assert!(elapsed < TIME_LIMIT, "ring took {elapsed:?}");
    assert!(
        output.stdout.contains("coordlint::lock_order_cycle"),
        "{}",
        output.stdout
    );
    // Seven layers of fourteen locks: the shortest cycle has eight classes, beyond the
    // enumeration's length bound; it must still be reported.
    let (layers, width) = (7, 14);
    let mut text = String::from("use std::sync::Mutex;\n");
    for layer in 0..layers {
        for k in 0..width {
            text.push_str(&format!(
                "static A{layer}_{k}: Mutex<u8> = Mutex::new(0);\n"
            ));
        }
    }
    for layer in 0..layers - 1 {
        for k in 0..width {
            for j in 0..width {
                text.push_str(&format!(
                    "fn e{layer}_{k}_{j}() {{ let _a = A{layer}_{k}.lock().unwrap(); let _b = A{}_{j}.lock().unwrap(); }}\n",
                    layer + 1
                ));
            }
        }
    }
    for k in 0..width {
        text.push_str(&format!(
            "fn back{k}() {{ let _a = A{}_{k}.lock().unwrap(); let _b = A0_{k}.lock().unwrap(); }}\n",
            layers - 1
        ));
    }
    let (output, elapsed) = run_file("layers.rs", &text, "human");
    assert!(elapsed < TIME_LIMIT, "layers took {elapsed:?}");
    assert!(
        output.stdout.contains("coordlint::lock_order_cycle"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("stopped at its bounds"),
        "{}",
        output.stdout
    );
}

#[test]
fn a_megabyte_line_is_linear() {
    let text = format!(
        "fn f() {{ let v = [{}1]; let é = 0; }}\n",
        "1, ".repeat(350_000)
    );
    let (output, elapsed) = run_file("long.rs", &text, "short");
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert_eq!(
        output.status,
        cargo_coordlint::Status::Clean,
        "{}",
        output.stdout
    );
}

#[test]
fn escapes_from_sources_and_file_names_never_reach_the_output_raw() {
    let text = "fn f(items: Vec<u8>) {\n    let (_q, _r) = std::sync::mpsc::channel::<u8>(); // \u{1b}[2J\u{202e}gnp.exe\n    for item in items { let _ = _q.send(item); }\n}\n";
    for format in ["human", "short"] {
        let (output, _) = run_file("esc.rs", text, format);
        assert!(
            output.stdout.contains("unbounded_channel"),
            "{}",
            output.stdout
        );
        assert!(!output.stdout.contains('\u{1b}'), "{format}: raw escape");
        assert!(
            !output.stdout.contains('\u{202e}'),
            "{format}: raw override"
        );
    }
    let (output, _) = run_file("new\nline.rs", text, "short");
    let finding_lines: Vec<&str> = output
        .stdout
        .lines()
        .filter(|line| line.contains("coordlint::"))
        .collect();
    assert_eq!(finding_lines.len(), 1, "{}", output.stdout);
    assert!(
        finding_lines[0].contains("new\\nline.rs:2:"),
        "{}",
        output.stdout
    );
}

/// Lowering finds items' and paths' spans from their first and last tokens rather than
/// syn's `Spanned` (which prints the node): the two must agree on every item, method and
/// path of every fixture and source file of the project.
#[test]
fn token_spans_agree_with_syns_spanned() {
    let files = project_rust_files();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        let Some(agreed) = lint_core::lower::token_spans_agree_with_syn(&text) else {
            continue;
        };
        match agreed {
            Ok(count) => checked += count,
            Err(difference) => panic!("{}: {difference}", file.display()),
        }
    }
    assert!(checked > 10_000, "checked only {checked} nodes");
}
