//! Where coordlint's memory goes, phase by phase: the analysis run in its phases on the
//! files given, with the resident set after each.
//!
//! `cargo run --release -p lint-core --example memory_profile -- PATHS...` takes files and
//! directories like the parse floor (every `.rs` file under a directory, skipping `target/`
//! and hidden folders), reads them, lowers them, builds the global program and runs the
//! rules, printing after each phase (each pass of `Program::build` too) the wall and CPU
//! time it took, the resident set and its peak during the phase (Linux:
//! `/proc/self/status`, the peak reset through `/proc/self/clear_refs`). Each source file's
//! crate is its folder's name, as in path mode without manifests.

use std::path::{Path, PathBuf};

use lint_core::{Config, Edition, SourceFile};

/// Prints the resident set now and its peak since the last report (from /proc/self/status),
/// then resets the peak (`/proc/self/clear_refs`), so each line shows its own phase.
fn report(phase: &str) {
    let (wall, cpu) = since_last_report();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
            / 1024.0
    };
    println!(
        "{phase:<28} wall {wall:>7.2} s  CPU {cpu:>7.2} s  resident {:>9.1} MiB  peak {:>9.1} MiB  allocated {:>9.1} MiB  sampled peak {:>9.1} MiB",
        field("VmRSS:"),
        field("VmHWM:"),
        GLOBAL.allocated() as f64 / 1048576.0,
        SAMPLED_PEAK.swap(GLOBAL.allocated(), std::sync::atomic::Ordering::Relaxed) as f64
            / 1048576.0
    );
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    jemalloc_breakdown();
}

/// jemalloc's own view: active pages (allocated plus the unused room of partly used
/// slabs), dirty pages kept for reuse, metadata, resident.
#[cfg(not(target_env = "msvc"))]
fn jemalloc_breakdown() {
    use tikv_jemalloc_ctl::{epoch, stats};
    let mib = |bytes: usize| bytes as f64 / 1048576.0;
    if epoch::advance().is_err() {
        return;
    }
    let read = |value: tikv_jemalloc_ctl::Result<usize>| value.map_or(f64::NAN, mib);
    println!(
        "  jemalloc: allocated {:.1} MiB, active {:.1}, metadata {:.1}, resident {:.1}, mapped {:.1}, retained {:.1}",
        read(stats::allocated::read()),
        read(stats::active::read()),
        read(stats::metadata::read()),
        read(stats::resident::read()),
        read(stats::mapped::read()),
        read(stats::retained::read()),
    );
}

#[cfg(target_env = "msvc")]
fn jemalloc_breakdown() {}

/// Wall time and process CPU time (user + system, from /proc/self/stat) since the last
/// call.
fn since_last_report() -> (f64, f64) {
    static LAST: std::sync::Mutex<Option<(std::time::Instant, f64)>> = std::sync::Mutex::new(None);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<f64>().ok())
    };
    // utime and stime, in clock ticks (100 per second on Linux).
    let cpu = (ticks(11).unwrap_or(0.0) + ticks(12).unwrap_or(0.0)) / 100.0;
    let now = std::time::Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let elapsed = last.map_or((0.0, 0.0), |(then, then_cpu)| {
        ((now - then).as_secs_f64(), cpu - then_cpu)
    });
    *last = Some((now, cpu));
    elapsed
}

/// The CLI's allocator, so that resident memory is what the CLI would have.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: cap::Cap<tikv_jemallocator::Jemalloc> =
    cap::Cap::new(tikv_jemallocator::Jemalloc, usize::MAX);

#[cfg(target_env = "msvc")]
#[global_allocator]
static GLOBAL: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

static SAMPLED_PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Samples the allocated bytes every millisecond, keeping the most seen in `SAMPLED_PEAK`.
fn sample_peak() {
    loop {
        SAMPLED_PEAK.fetch_max(GLOBAL.allocated(), std::sync::atomic::Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Everything runs on the analysis's threads, as in the CLI: memory freed by a thread is
/// reused by it (its allocator arena), so running the phases on other threads would show
/// freed memory that the CLI reuses as resident.
fn main() {
    lint_core::run_on_analysis_threads(profile);
}

fn profile() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: memory_profile PATHS...");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for path in &paths {
        collect_rust_files(path, &mut files);
    }
    files.sort();
    files.dedup();
    // Read on the analysis's threads, as the CLI does (memory freed by a thread is reused by it).
    let sources: Vec<SourceFile> = {
        use rayon::prelude::*;
        files
            .par_iter()
            .filter_map(|(root, path)| {
                let text = std::fs::read_to_string(path).ok()?;
                let crate_name = root
                    .file_name()
                    .map(|name| crate_name_of_folder(&name.to_string_lossy()))
                    .unwrap_or_default();
                let package = root.display().to_string();
                let (crate_name, module_path) = crate_and_module(root, path, crate_name);
                Some(
                    SourceFile::new(path.display().to_string(), text, Edition::E2021)
                        .with_crate(crate_name, module_path)
                        .with_package(package),
                )
            })
            .collect()
    };
    let bytes: usize = sources.iter().map(|source| source.text.len()).sum();
    println!(
        "{} files, {:.1} MiB of source",
        sources.len(),
        bytes as f64 / 1048576.0
    );
    report("read");
    let facts = lint_core::lower_files(&sources);
    report("lowered (texts kept)");
    println!("{:?}", census(&facts));
    println!(
        "size_of: Expr {} ExprKind {} Span {} Stmt {} Pattern {} TypeRef {} PathRef {} Function {} Block {} StaticDef {}",
        std::mem::size_of::<lint_core::model::Expr>(),
        std::mem::size_of::<lint_core::model::ExprKind>(),
        std::mem::size_of::<lint_core::Span>(),
        std::mem::size_of::<lint_core::model::Stmt>(),
        std::mem::size_of::<lint_core::model::Pattern>(),
        std::mem::size_of::<lint_core::model::TypeRef>(),
        std::mem::size_of::<lint_core::model::PathRef>(),
        std::mem::size_of::<lint_core::model::Function>(),
        std::mem::size_of::<lint_core::model::Block>(),
        std::mem::size_of::<lint_core::model::StaticDef>(),
    );
    drop(sources);
    report("texts dropped");
    println!("{}", growth_room(&facts));
    println!("{}", item_census(&facts));
    let mut config = Config::default();
    config.set_include_test_code(true);
    std::thread::spawn(sample_peak);
    {
        let program = lint_core::analysis::Program::build_observed(&facts, &config, &mut |pass| {
            report(&format!("  {pass}"))
        });
        report("program built");
        let (kept, kept_bytes) = facts
            .iter()
            .flat_map(|file| &file.functions)
            .filter(|function| function.body.is_kept_decoded())
            .fold((0, 0), |(count, bytes), function| {
                (count + 1, bytes + function.body.encoded_len())
            });
        println!(
            "bodies kept decoded by the passes: {kept} ({:.1} MiB encoded)",
            kept_bytes as f64 / 1048576.0
        );
        let sites = program.call_sites.all().count();
        let arguments: usize = program
            .call_sites
            .all()
            .map(|(_, arguments)| arguments.len())
            .sum();
        let typed: usize = program
            .call_sites
            .all()
            .flat_map(|(_, arguments)| arguments)
            .filter(|argument| argument.ty.is_some())
            .count();
        println!(
            "{sites} call sites ({} bytes each), {arguments} arguments ({} bytes each, {typed} typed)",
            std::mem::size_of::<lint_core::analysis::CallSite>(),
            std::mem::size_of::<lint_core::analysis::call_sites::Argument>()
        );
        // Call-graph edges by how they were found: a few calls with hundreds of callees
        // can be most of the global phase's work.
        let mut edges: std::collections::BTreeMap<String, usize> = Default::default();
        let mut wide_sites = 0;
        for (site, _) in program.call_sites.all() {
            *edges.entry(format!("{:?}", site.resolution)).or_default() += site.callees.len();
            wide_sites += usize::from(site.callees.len() > 50);
        }
        println!("call-graph edges {edges:?}, {wide_sites} calls with more than 50 callees");
        // What the call sites share: one copy per file of each canonical path and method
        // name.
        let mut canonical = std::collections::HashSet::new();
        let mut canonical_segments = 0;
        let mut names = std::collections::HashSet::new();
        let mut types = std::collections::HashSet::new();
        for (site, arguments) in program.call_sites.all() {
            match &site.target {
                lint_core::analysis::call_sites::CallTarget::Path { resolved }
                | lint_core::analysis::call_sites::CallTarget::Macro { resolved } => {
                    if canonical.insert(std::sync::Arc::as_ptr(resolved)) {
                        canonical_segments += resolved.segments.len();
                    }
                }
                lint_core::analysis::call_sites::CallTarget::Method { name } => {
                    names.insert(std::sync::Arc::as_ptr(name));
                }
                lint_core::analysis::call_sites::CallTarget::Value => {}
            }
            for argument in arguments {
                if let Some(ty) = &argument.ty {
                    types.insert(std::sync::Arc::as_ptr(ty));
                }
            }
        }
        println!(
            "shared by the call sites: {} canonical paths ({canonical_segments} segments), {} method names, {} argument types",
            canonical.len(),
            names.len(),
            types.len()
        );
        // What the guard walks keep: every function's recorded calls, acquisitions and
        // blocking candidates, most with nothing held.
        let walks = &program.locks.functions;
        let calls = walks.values().map(|locks| locks.calls.len()).sum::<usize>();
        let bare_calls = walks
            .values()
            .flat_map(|locks| &locks.calls)
            .filter(|call| call.held.is_empty() && call.arguments.is_empty())
            .count();
        let blocking = walks
            .values()
            .map(|locks| locks.blocking.len())
            .sum::<usize>();
        let bare_blocking = walks
            .values()
            .flat_map(|locks| &locks.blocking)
            .filter(|candidate| candidate.held.is_empty())
            .count();
        let receiver_bytes: usize = walks
            .values()
            .flat_map(|locks| &locks.calls)
            .filter_map(|call| call.receiver.as_ref())
            .map(|receiver| receiver.len())
            .sum();
        let receivers = walks
            .values()
            .flat_map(|locks| &locks.calls)
            .filter(|call| call.receiver.is_some())
            .count();
        let places: usize = walks
            .values()
            .flat_map(|locks| &locks.calls)
            .map(|call| call.argument_places.len())
            .sum();
        let place_bytes: usize = walks
            .values()
            .flat_map(|locks| &locks.calls)
            .flat_map(|call| &call.argument_places)
            .map(|(_, place)| place.capacity())
            .sum();
        let empty_walks = walks.values().filter(|locks| locks.is_empty()).count();
        println!(
            "guard walks keep: {receivers} receivers ({receiver_bytes} bytes), {places} argument places ({place_bytes} bytes), {empty_walks} empty walks"
        );
        let acquisitions = walks
            .values()
            .map(|locks| locks.acquisitions.len())
            .sum::<usize>();
        println!(
            "guard walks: {} functions, {calls} calls ({bare_calls} holding nothing, {} bytes each), {blocking} blocking candidates ({bare_blocking} holding nothing, {} bytes each), {acquisitions} acquisitions",
            walks.len(),
            std::mem::size_of::<lint_core::analysis::locks::guards::HeldCall>(),
            std::mem::size_of::<lint_core::analysis::locks::guards::BlockingCandidate>(),
        );
        for rule in lint_core::rules::ALL {
            let (Some(check), Some(severity)) = (rule.check, config.severity_of(rule.name)) else {
                continue;
            };
            let context = lint_core::rules::RuleContext {
                program: &program,
                config: &config,
                rule,
                severity,
            };
            let mut findings = Vec::new();
            match check {
                lint_core::rules::Check::Program(check) => check(&context, &mut findings),
                // Alone here; the loop rules share one sweep in a run.
                lint_core::rules::Check::FunctionLoops(check) => {
                    findings = program.flat_map_function_loops(&|loops| {
                        let mut found = Vec::new();
                        check(&context, loops, &mut found);
                        found
                    })
                }
            }
            report(rule.name);
        }
        drop(program);
        report("program dropped");
    }
    let findings = lint_core::analyze(&facts, &config);
    report("analyzed again (rules)");
    println!("{} findings", findings.len());
    bodies_decoded(&facts);
    report("bodies decoded");
    let mut facts = facts;
    for file in &mut facts {
        for function in &mut file.functions {
            function.body = lint_core::model::Body::new(lint_core::model::Block {
                stmts: Vec::new(),
                span: function.body.span,
            });
        }
    }
    report("bodies dropped");
    for file in &mut facts {
        for function in &mut file.functions {
            function.generics = Default::default();
        }
    }
    report("function generics dropped");
    for file in &mut facts {
        for function in &mut file.functions {
            function.params = Default::default();
            function.return_type = None;
        }
    }
    report("function params, returns dropped");
    for file in &mut facts {
        for function in &mut file.functions {
            function.cfg = Default::default();
            function.trait_path = None;
            function.self_type = None;
        }
    }
    report("function cfg, trait, self dropped");
    for file in &mut facts {
        file.functions = Vec::new();
    }
    report("functions dropped");
    for file in &mut facts {
        file.statics = Vec::new();
        file.structs = Vec::new();
        file.trait_impls = Vec::new();
    }
    report("statics structs impls dropped");
    for file in &mut facts {
        file.scopes = Vec::new();
    }
    report("scopes dropped");
    for file in &mut facts {
        file.lines = Default::default();
        file.integer_literals = Vec::new();
        file.collection_literals = Vec::new();
    }
    report("lines literals dropped");
}

/// `(root, file)` for every `.rs` file under `root`, skipping `target/` and hidden folders.
fn collect_rust_files(root: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    if root.is_file() {
        out.push((root.to_path_buf(), root.to_path_buf()));
        return;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() && !name.starts_with('.') && name != "target" {
                stack.push(path);
            } else if file_type.is_file() && name.ends_with(".rs") {
                out.push((root.to_path_buf(), path));
            }
        }
    }
}

/// Node counts and sizes of the lowered facts, to see which parts of the model hold memory.
#[derive(Default, Debug)]
struct Census {
    /// Expressions by kind.
    kinds: std::collections::BTreeMap<&'static str, usize>,
    exprs: usize,
    /// Argument and operand slots (`Compound` counts its `Vec` capacity).
    expr_capacity: usize,
    blocks: usize,
    stmts: usize,
    path_segments: usize,
    path_segment_bytes: usize,
    strings: usize,
    functions: usize,
    /// `Literal` expressions in bodies.
    literals: usize,
    /// `Literal` operands of a `Compound` whose operands are all literals (array tables).
    literal_only_operands: usize,
    /// Expressions in static and const initializers.
    integer_literals: usize,
    /// Per function: generic parameters (the `impl`'s included), their bounds, parameters,
    /// module path segments and `cfg` predicates.
    generics: usize,
    generic_bounds: usize,
    params: usize,
    module_segments: usize,
    cfgs: usize,
}

/// The name of an expression's kind, for the census.
fn kind_name(kind: &lint_core::model::ExprKind) -> &'static str {
    match kind {
        lint_core::model::ExprKind::Path(_) => "path",
        lint_core::model::ExprKind::Literal => "literal",
        lint_core::model::ExprKind::Text(_) => "text",
        lint_core::model::ExprKind::Call { .. } => "call",
        lint_core::model::ExprKind::MethodCall { .. } => "method call",
        lint_core::model::ExprKind::Field { .. } => "field",
        lint_core::model::ExprKind::Await(_) => "await",
        lint_core::model::ExprKind::Try(_) => "try",
        lint_core::model::ExprKind::Reference { .. } => "reference",
        lint_core::model::ExprKind::Deref(_) => "deref",
        lint_core::model::ExprKind::Block(_) => "block",
        lint_core::model::ExprKind::Async { .. } => "async",
        lint_core::model::ExprKind::Closure { .. } => "closure",
        lint_core::model::ExprKind::If { .. } => "if",
        lint_core::model::ExprKind::Let { .. } => "let",
        lint_core::model::ExprKind::Match { .. } => "match",
        lint_core::model::ExprKind::Loop { .. } => "loop",
        lint_core::model::ExprKind::Assign { .. } => "assign",
        lint_core::model::ExprKind::LazyBoolean { .. } => "lazy boolean",
        lint_core::model::ExprKind::Return(_) => "return",
        lint_core::model::ExprKind::Break(_) => "break",
        lint_core::model::ExprKind::Continue => "continue",
        lint_core::model::ExprKind::Macro(_) => "macro",
        lint_core::model::ExprKind::Struct(_) => "struct",
        lint_core::model::ExprKind::Index { .. } => "index",
        lint_core::model::ExprKind::Compare { .. } => "compare",
        lint_core::model::ExprKind::Compound(_) => "compound",
    }
}

fn census(facts: &[lint_core::FileFacts]) -> Census {
    use lint_core::model::ExprKind;
    let mut census = Census::default();
    let literal_census = |expr: &lint_core::model::Expr, census: &mut Census| match &expr.kind {
        ExprKind::Literal => census.literals += 1,
        ExprKind::Compound(parts)
            if parts.len() > 1
                && parts
                    .iter()
                    .all(|part| matches!(part.kind, ExprKind::Literal)) =>
        {
            census.literal_only_operands += parts.len()
        }
        _ => {}
    };
    for file in facts {
        census.integer_literals += file.integer_literals.len();
        census.functions += file.functions.len();
        for function in &file.functions {
            census.generics += function.generics.len();
            census.generic_bounds += function
                .generics
                .iter()
                .map(|generic| generic.bounds.len())
                .sum::<usize>();
            census.params += function.params.len();
            census.module_segments += function.module_path.len();
            census.cfgs += function.cfg.len();
        }
        for function in &file.functions {
            let body = function.body.read();
            body.walk_blocks(&mut |block| {
                census.blocks += 1;
                census.stmts += block.stmts.len();
            });
            body.walk(&mut |expr| {
                census.exprs += 1;
                *census.kinds.entry(kind_name(&expr.kind)).or_default() += 1;
                literal_census(expr, &mut census);
                match &expr.kind {
                    ExprKind::Path(path) => {
                        census.path_segments += path.segments.len();
                        census.path_segment_bytes += path
                            .segments
                            .iter()
                            .map(|segment| segment.len())
                            .sum::<usize>();
                    }
                    ExprKind::Call { args, .. } => census.expr_capacity += args.len(),
                    ExprKind::MethodCall { method, .. } => {
                        census.strings += 1;
                        census.expr_capacity += method.args().len()
                    }
                    ExprKind::Field { .. } => census.strings += 1,
                    ExprKind::Compound(parts) => census.expr_capacity += parts.capacity(),
                    _ => {}
                }
            });
        }
    }
    census
}

/// The crate name of a registry folder (`actix-codec-0.5.4` → `actix_codec`), as the CLI
/// reads it from the manifest: cross-crate paths resolve only with the real names.
fn crate_name_of_folder(folder: &str) -> String {
    let name = match folder.rfind('-') {
        Some(dash) if folder[dash + 1..].starts_with(|c: char| c.is_ascii_digit()) => {
            &folder[..dash]
        }
        _ => folder,
    };
    name.replace(['-', '.'], "_")
}

/// The crate and module of a file of a package folder, roughly as the CLI finds them: under
/// `src/` a module of the library named after its path (`src/net/mod.rs` → `net`); a file
/// elsewhere (tests, benches, examples) the root of a crate named after its file. Without
/// module paths every file would be its crate's root module.
fn crate_and_module(root: &Path, path: &Path, library: String) -> (String, Vec<String>) {
    let stem = || {
        path.file_stem()
            .map(|stem| stem.to_string_lossy().replace('-', "_"))
            .unwrap_or_default()
    };
    let Ok(inside) = path.strip_prefix(root.join("src")) else {
        return (stem(), Vec::new());
    };
    let mut module: Vec<String> = inside
        .iter()
        .map(|part| {
            part.to_string_lossy()
                .trim_end_matches(".rs")
                .replace('-', "_")
        })
        .collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    (library, module)
}

/// How many items of each kind the facts hold (structs and their fields, statics and
/// constants, impls, aliases, scopes with their imports and item names).
fn item_census(facts: &[lint_core::model::FileFacts]) -> String {
    let count = |of: &dyn Fn(&lint_core::model::FileFacts) -> usize| -> usize {
        facts.iter().map(of).sum()
    };
    format!(
        "items: {} structs, {} fields, {} statics, {} impls, {} aliases, {} traits, {} scopes, {} imports, {} item names, {} extents, {} integer literals",
        count(&|file| file.structs.len()),
        count(&|file| file.structs.iter().map(|item| item.fields.len()).sum()),
        count(&|file| file.statics.len()),
        count(&|file| file.trait_impls.len()),
        count(&|file| file.type_aliases.len()),
        count(&|file| file.traits.len()),
        count(&|file| file.scopes.len()),
        count(&|file| file.scopes.iter().map(|scope| scope.imports.len()).sum()),
        count(&|file| file.scopes.iter().map(|scope| scope.item_names.len()).sum()),
        count(&|file| file.items.len()),
        count(&|file| file.integer_literals.len()),
    )
}

/// The room the facts' lists kept from growing (capacity beyond length), in bytes, per
/// kind of list: room that lowering could give back.
fn growth_room(facts: &[lint_core::model::FileFacts]) -> String {
    use lint_core::model::{Expr, ExprKind, Stmt};
    use std::mem::size_of;
    let room = |capacity: usize, len: usize, size: usize| (capacity - len) * size;
    let (mut stmts, mut compound, mut fields, mut macro_args, mut generics, mut cfg, mut params) =
        (0, 0, 0, 0, 0, 0, 0);
    for file in facts {
        for function in &file.functions {
            generics += room(
                function.generics.capacity(),
                function.generics.len(),
                std::mem::size_of::<lint_core::model::GenericParam>(),
            );
            cfg += room(
                function.cfg.capacity(),
                function.cfg.len(),
                size_of::<String>(),
            );
            params += room(
                function.params.capacity(),
                function.params.len(),
                std::mem::size_of::<lint_core::model::Param>(),
            );
            let body = function.body.read();
            body.walk_blocks(&mut |block| {
                stmts += room(
                    block.stmts.capacity(),
                    block.stmts.len(),
                    std::mem::size_of::<Stmt>(),
                );
            });
            body.walk(&mut |expr| match &expr.kind {
                ExprKind::Compound(parts) => {
                    compound += room(parts.capacity(), parts.len(), size_of::<Expr>())
                }
                ExprKind::Struct(literal) => {
                    fields += room(
                        literal.fields.capacity(),
                        literal.fields.len(),
                        size_of::<(String, Expr)>(),
                    )
                }
                ExprKind::Macro(call) => {
                    macro_args += room(call.args.capacity(), call.args.len(), size_of::<Expr>())
                }
                _ => {}
            });
        }
    }
    let mib = |bytes: usize| bytes as f64 / 1048576.0;
    format!(
        "growth room: stmts {:.1} MiB, compound parts {:.1}, struct literal fields {:.1}, macro args {:.1}, generics {:.1}, cfg {:.1}, params {:.1}",
        mib(stmts),
        mib(compound),
        mib(fields),
        mib(macro_args),
        mib(generics),
        mib(cfg),
        mib(params)
    )
}

/// What the bodies hold: their encoded bytes, how many the passes kept decoded, and the CPU
/// time to decode each once (summed over threads; each is dropped right after).
fn bodies_decoded(facts: &[lint_core::FileFacts]) {
    use rayon::prelude::*;
    let (bytes, kept, decode) = facts
        .par_iter()
        .flat_map_iter(|file| file.functions.iter())
        .map(|function| {
            let started = std::time::Instant::now();
            let kept = function.body.is_kept_decoded();
            let decoded = lint_core::model::Body::read(&function.body).into_owned();
            let decode = started.elapsed();
            drop(decoded);
            (function.body.encoded_len(), usize::from(kept), decode)
        })
        .reduce(
            || (0, 0, std::time::Duration::ZERO),
            |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2),
        );
    println!(
        "bodies as stored bytes (compressed postcard): {:.1} MiB, {kept} kept decoded; decoding them all {:.2} s CPU",
        bytes as f64 / 1048576.0,
        decode.as_secs_f64()
    );
}
