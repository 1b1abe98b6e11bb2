//! The `cargo coordlint` command: finds the files to analyze (a cargo workspace through
//! `cargo metadata`, or paths), reads them, hands them to lint-core, renders the findings
//! and picks the exit status. The only crate of the project that does I/O.

mod args;
mod baseline;
mod cache;
mod discover;
mod fix;
mod graph;
mod output;
mod progress;
mod runtime_trace;
mod settings;
mod skipped;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use lint_core::{Config, Severity, rules};

pub use args::Cli;

/// How the command ended, as a CI step sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No finding at error level.
    Clean,
    /// At least one finding at error level.
    Findings,
    /// A usage error, an unreadable manifest, or an internal failure.
    Failure,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Findings => 1,
            Status::Failure => 2,
        }
    }
}

/// Makes a panic print one line and exit with status 2 instead of a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|location| format!(" at {}:{}", location.file(), location.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        eprintln!("error: internal error in coordlint{location}: {payload} (please report this)");
        std::process::exit(i32::from(Status::Failure.code()));
    }));
}

/// What the command takes from the process environment, read once by [`run`] (and given
/// explicitly by [`run_with`], so tests need not change the process's variables).
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The cargo that invoked us (`$CARGO`, which cargo sets for its subcommands): the one
    /// `cargo metadata` runs through, so a `rust-toolchain.toml` in the analyzed checkout
    /// does not pick another toolchain through rustup's proxy. `None`: `cargo` on `PATH`.
    pub cargo: Option<PathBuf>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            cargo: std::env::var_os("CARGO")
                .filter(|cargo| !cargo.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// Runs the command with `args` (including the program name, and `coordlint` as the first
/// argument when run through cargo), writing findings to `out` and messages to `err`.
/// Shows progress when stderr is a terminal (see [`progress`]).
pub fn run(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    run_in(&Environment::from_process(), args, out, err, terminal, true)
}

/// [`run`] with the environment given rather than read from the process (and no progress).
pub fn run_with(
    environment: &Environment,
    args: Vec<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    run_in(environment, args, out, err, false, false)
}

/// Progress goes to a terminal and with output for people only: never into a pipe or a
/// file, never beside JSON, SARIF or workflow commands a program reads.
fn shows_progress(format: args::MessageFormat, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal
        && matches!(
            format,
            args::MessageFormat::Human | args::MessageFormat::Short
        )
}

/// `stderr_is_terminal`: progress may be shown (on the process's stderr). `exits_after`:
/// the process ends when this returns (see [`run_cli`]).
fn run_in(
    environment: &Environment,
    args: Vec<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    stderr_is_terminal: bool,
    exits_after: bool,
) -> Status {
    let cli = match args::parse(args) {
        Ok(args::Parsed::Run(cli)) => cli,
        Ok(args::Parsed::Printed(text)) => {
            let _ = write!(out, "{text}");
            return Status::Clean;
        }
        Err(message) => {
            let _ = write!(err, "{message}");
            return Status::Failure;
        }
    };
    let progress = progress::Progress::new(
        shows_progress(cli.message_format(), stderr_is_terminal),
        Instant::now(),
    );
    match run_cli(&cli, environment, &progress, out, err, exits_after) {
        Ok(status) => status,
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            Status::Failure
        }
    }
}

/// With `exits_after`, the files and their facts are not freed at the end: the process
/// ends next, and freeing millions of small allocations one by one costs several percent
/// of a large run's CPU (and most of an unchanged run's with the cache).
fn run_cli(
    cli: &Cli,
    environment: &Environment,
    progress: &progress::Progress,
    out: &mut dyn Write,
    err: &mut dyn Write,
    exits_after: bool,
) -> anyhow::Result<Status> {
    if let Some(args::Command::Explain { rule }) = &cli.command {
        return explain(rule, out);
    }
    if let Some(args::Command::Rules { markdown }) = &cli.command {
        if *markdown {
            write!(out, "{}", rules_markdown())?;
        } else {
            for rule in rules::ALL {
                let level = level_name(rule.default_level);
                writeln!(out, "{:<20} {level:<5} {}", rule.name, rule.summary)?;
            }
        }
        return Ok(Status::Clean);
    }
    // Unknown rule names on the command line fail before any file is read.
    check_command_line_levels(cli)?;
    if cli.graph {
        return print_graph(cli, environment, out);
    }
    // A `--fix` run analyzes again after writing: only the last analysis may keep its state.
    let (inputs, diagnostics, elapsed) =
        analyze(cli, environment, progress, err, exits_after && !cli.fix)?;
    if cli.fix {
        let outcome = fix::apply(
            &inputs,
            &diagnostics,
            cli.dry_run,
            cli.allow_dirty,
            out,
            err,
        )?;
        if cli.dry_run {
            writeln!(
                err,
                "note: --dry-run: {} in {}; nothing was written",
                count(outcome.fixes_applied, "fix", "fixes"),
                count(outcome.files_changed, "file", "files")
            )?;
            return Ok(status_of(cli, &diagnostics));
        }
        if outcome.files_changed == 0 {
            writeln!(err, "note: no machine-applicable fix to apply")?;
        } else {
            // What is left, read from the rewritten files.
            let (inputs, diagnostics, elapsed) = analyze(
                cli,
                environment,
                progress,
                &mut std::io::sink(),
                exits_after,
            )?;
            return report(cli, &inputs, diagnostics, elapsed, out, err);
        }
    }
    let status = report(cli, &inputs, diagnostics, elapsed, out, err);
    if exits_after {
        std::mem::forget(inputs);
    }
    status
}

/// Finds, reads and analyzes the files; returns them with the findings (levels from the
/// settings, sorted by path, suggestions attached) and the time it took. Warnings about the
/// inputs go to `err`. With `exits_after`, the analysis's whole-program state is not freed
/// (the process ends next).
fn analyze(
    cli: &Cli,
    environment: &Environment,
    progress: &progress::Progress,
    err: &mut dyn Write,
    exits_after: bool,
) -> anyhow::Result<(
    discover::Inputs,
    Vec<lint_core::Diagnostic>,
    std::time::Duration,
)> {
    let started = std::time::Instant::now();
    progress.phase("reading and parsing files");
    // On the analysis's threads: see `lint_core::run_on_analysis_threads`.
    let inputs = lint_core::run_on_analysis_threads(|| discover::discover(cli, environment));
    progress.clear();
    let mut inputs = inputs?;
    if let Some(cache) = &inputs.cache {
        // Every file is read: the entries of those lowered go in place now.
        cache.finish_writing();
    }
    let configs = settings::read(&inputs.settings_files)?
        .configs(&cli.level_settings(), includes_test_code(cli))?;
    let config = &configs.analysis;
    if !config.include_test_code() {
        inputs.test_functions_left_out = inputs
            .summaries
            .iter()
            .map(|summary| summary.test_functions as usize)
            .sum();
    }
    for warning in inputs
        .warnings
        .iter()
        .chain(&skipped::undeclared_warnings(&inputs))
    {
        writeln!(err, "warning: {}", output::escape::one_line(warning))?;
    }
    let runtime = match &cli.runtime_trace {
        Some(dir) => {
            let traces = runtime_trace::read(dir)?;
            for warning in &traces.warnings {
                writeln!(err, "warning: {warning}")?;
            }
            Some(traces.observations)
        }
        None => None,
    };
    if let Some(runtime) = &runtime
        && runtime.processes == 0
    {
        writeln!(
            err,
            "warning: no run-time trace files in the --runtime-trace directory"
        )?;
    }
    let progress = progress::Progress::new(progress.is_enabled(), started);
    progress.phase(format!("analyzing {} files", inputs.sources.len()));
    let skipped = skipped::diagnostics(&inputs, config);
    // Everything besides the files that decides the findings. Run-time traces are not part
    // of the cache's key: with them, always analyze.
    let settings = format!("{configs:?}\n{skipped:?}");
    let findings_cached = runtime.is_none();
    if let Some(diagnostics) = inputs
        .cache
        .as_ref()
        .filter(|_| findings_cached)
        .and_then(|cache| cache.stored_findings(&inputs.sources, &inputs.text_hashes, &settings))
    {
        progress.clear();
        return Ok((inputs, diagnostics, started.elapsed()));
    }
    // The analysis reads only the facts; the texts the findings show are read again after.
    inputs.release_texts();
    let mut config = config.clone();
    config.set_free_program_state(!exits_after);
    let results = inputs
        .cache
        .as_ref()
        .map(|cache| cache as &dyn lint_core::ResultsStore);
    let diagnostics =
        lint_core::analyze_with_store(inputs.facts(), &config, runtime.as_ref(), skipped, results);
    if let Some(cache) = &inputs.cache {
        cache.finish_writing_results();
    }
    let mut diagnostics = configs.relevel(&inputs, diagnostics);
    sort_by_path(&inputs, &mut diagnostics);
    inputs.read_texts_again(diagnostics.iter().flat_map(lint_core::Diagnostic::files))?;
    // A suggestion that would not parse is left out (and the finding still reported).
    let _unparseable = lint_core::attach_suggestions(&inputs.sources, &mut diagnostics);
    if let Some(cache) = inputs.cache.as_ref().filter(|_| findings_cached) {
        cache.store_findings(
            &inputs.sources,
            &inputs.text_hashes,
            &settings,
            &diagnostics,
        );
    }
    progress.clear();
    Ok((inputs, diagnostics, started.elapsed()))
}

/// Applies the baseline options, writes the findings in the chosen format (and to
/// `--output-file`) and picks the exit status.
fn report(
    cli: &Cli,
    inputs: &discover::Inputs,
    mut diagnostics: Vec<lint_core::Diagnostic>,
    elapsed: std::time::Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Status> {
    let mut left_out_by_baseline = None;
    if cli.write_baseline.is_some() || cli.baseline.is_some() {
        let fingerprints = baseline::fingerprints(inputs, &diagnostics);
        if let Some(path) = &cli.write_baseline {
            baseline::write(path, inputs, &diagnostics, &fingerprints)?;
            writeln!(
                err,
                "wrote {} finding(s) to the baseline {}",
                diagnostics.len(),
                path.display()
            )?;
        }
        if let Some(path) = &cli.baseline {
            let known = baseline::read(path)?;
            let left_out = baseline::filter(&mut diagnostics, &fingerprints, &known);
            left_out_by_baseline = Some(left_out);
        }
    }
    let report = output::Report {
        inputs,
        diagnostics: &diagnostics,
        elapsed,
        color: cli.use_color(),
        quiet: cli.quiet,
        statistics: cli.statistics,
        left_out_by_baseline,
    };
    match &cli.output_file {
        Some(path) => {
            write_output_file(cli.message_format(), &report, path, err)?;
            output::emit(args::MessageFormat::Human, &report, out, err)
        }
        None => output::emit(cli.message_format(), &report, out, err),
    }
    .context("could not write the report")?;
    Ok(status_of(cli, &diagnostics))
}

fn count(number: usize, one: &str, many: &str) -> String {
    format!("{number} {}", if number == 1 { one } else { many })
}

/// 1 when an error-level finding is reported; recording a baseline is how a team adopts
/// coordlint on code with findings, so it succeeds.
fn status_of(cli: &Cli, diagnostics: &[lint_core::Diagnostic]) -> Status {
    let has_errors = diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    if has_errors && cli.write_baseline.is_none() {
        Status::Findings
    } else {
        Status::Clean
    }
}

/// `cargo coordlint graph`: the lock-order graph of what the same options would analyze.
fn print_graph(
    cli: &Cli,
    environment: &Environment,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let inputs = discover::discover(cli, environment)?;
    let configs = settings::read(&inputs.settings_files)?
        .configs(&cli.level_settings(), includes_test_code(cli))?;
    let graph = lint_core::lock_graph(inputs.facts(), &configs.analysis);
    match cli.graph_format.unwrap_or(args::GraphFormat::Dot) {
        args::GraphFormat::Dot => write!(out, "{}", graph::dot(&inputs, &graph))?,
        args::GraphFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &graph::json(&inputs, &graph))?;
            writeln!(out)?;
        }
    }
    Ok(Status::Clean)
}

/// `--output-file`: the chosen format, without colors, into `path` (created or replaced).
fn write_output_file(
    format: args::MessageFormat,
    report: &output::Report<'_>,
    path: &std::path::Path,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let plain = output::Report {
        color: false,
        statistics: false,
        ..*report
    };
    output::emit(format, &plain, &mut buffer, err)?;
    std::fs::write(path, buffer).with_context(|| format!("could not write {}", path.display()))
}

/// Sorts findings by file path, position (a byte offset orders as line and column do), rule
/// and message (file ids follow discovery
/// order, in waves of `mod` declarations, not path order), removing exact repeats.
fn sort_by_path(inputs: &discover::Inputs, diagnostics: &mut Vec<lint_core::Diagnostic>) {
    let path_of = |diagnostic: &lint_core::Diagnostic| {
        inputs.sources[diagnostic.primary.span.file.0 as usize]
            .path
            .as_str()
    };
    diagnostics.sort_by(|a, b| {
        let (_, a_offset, a_rule, a_message) = a.sort_key();
        let (_, b_offset, b_rule, b_message) = b.sort_key();
        (path_of(a), a_offset, a_rule, a_message).cmp(&(path_of(b), b_offset, b_rule, b_message))
    });
    diagnostics.dedup();
}

/// Whether test code is in scope: as with `cargo clippy`, only when test targets are asked
/// for.
fn includes_test_code(cli: &Cli) -> bool {
    cli.tests || !cli.test.is_empty() || cli.all_targets
}

/// `-D/-W/-A` name known rules (with a "did you mean" when not).
fn check_command_line_levels(cli: &Cli) -> anyhow::Result<()> {
    let mut config = Config::default();
    for (name, level) in cli.level_settings() {
        config.set_level(&name, level)?;
    }
    Ok(())
}

/// docs/rules.md: every rule's documentation, generated from the rules' doc comments.
pub fn rules_markdown() -> String {
    let mut text = String::from(
        "# coordlint rules\n\n<!-- Generated by `cargo coordlint rules --markdown`; do not edit. -->\n\n",
    );
    text.push_str("| rule | default level | what it finds |\n|---|---|---|\n");
    for rule in rules::ALL {
        let level = level_name(rule.default_level);
        text.push_str(&format!(
            "| [`{0}`](#{0}) | {level} | {1} |\n",
            rule.name, rule.summary
        ));
    }
    for rule in rules::ALL {
        let documentation = rule.documentation().replace("\n## ", "\n### ");
        let documentation = documentation
            .strip_prefix("## ")
            .map_or(documentation.clone(), |rest| format!("### {rest}"));
        text.push_str(&format!("\n## {}\n\n{documentation}", rule.name));
    }
    text
}

fn explain(rule_name: &str, out: &mut dyn Write) -> anyhow::Result<Status> {
    let name = rule_name.strip_prefix("coordlint::").unwrap_or(rule_name);
    let rule = rules::find(name).ok_or_else(|| lint_core::ConfigError::UnknownRule {
        name: name.to_string(),
    })?;
    writeln!(
        out,
        "# `coordlint::{}` ({} by default)\n",
        rule.name,
        level_name(rule.default_level)
    )?;
    write!(out, "{}", rule.documentation())?;
    Ok(Status::Clean)
}

fn level_name(level: lint_core::Level) -> &'static str {
    match level {
        lint_core::Level::Allow => "allow",
        lint_core::Level::Warn => "warn",
        lint_core::Level::Deny => "deny",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_and_for_people() {
        use args::MessageFormat::*;
        assert!(shows_progress(Human, true));
        assert!(shows_progress(Short, true));
        let json = Json { ansi: false };
        for machine in [json, Sarif, Github] {
            assert!(!shows_progress(machine, true));
        }
        for format in [Human, Short, json, Sarif, Github] {
            assert!(!shows_progress(format, false));
        }
    }
}
