//! The `cargo coordlint` command: finds the files to analyze (a cargo workspace through
//! `cargo metadata`, or paths), reads them, hands them to lint-core, renders the findings
//! and picks the exit status. The only crate of the project that does I/O.

mod args;
mod cache;
mod discover;
mod output;
mod progress;
mod runtime_trace;
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
    run_in(&Environment::from_process(), args, out, err, terminal)
}

/// [`run`] with the environment given rather than read from the process (and no progress).
pub fn run_with(
    environment: &Environment,
    args: Vec<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    run_in(environment, args, out, err, false)
}

/// `stderr_is_terminal`: progress may be shown (on the process's stderr).
fn run_in(
    environment: &Environment,
    args: Vec<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    stderr_is_terminal: bool,
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
    let for_people = matches!(
        cli.message_format(),
        args::MessageFormat::Human | args::MessageFormat::Short
    );
    let progress = progress::Progress::new(stderr_is_terminal && for_people, Instant::now());
    match run_cli(&cli, environment, &progress, out, err) {
        Ok(status) => status,
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            Status::Failure
        }
    }
}

fn run_cli(
    cli: &Cli,
    environment: &Environment,
    progress: &progress::Progress,
    out: &mut dyn Write,
    err: &mut dyn Write,
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
    let mut config = build_config(cli)?;
    let started = std::time::Instant::now();
    progress.phase("reading and parsing files");
    let inputs = discover::discover(cli, environment);
    progress.clear();
    let mut inputs = inputs?;
    if !config.include_test_code() {
        inputs.test_functions_left_out = inputs
            .facts
            .iter()
            .flat_map(|facts| &facts.functions)
            .filter(|function| function.is_test)
            .count();
    }
    if let Some(metadata) = &inputs.coordlint_metadata {
        apply_metadata(&mut config, metadata)?;
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
    progress.phase(format!("analyzing {} files", inputs.facts.len()));
    let analyze = || lint_core::analyze_with_runtime(&inputs.facts, &config, runtime.as_ref());
    let mut diagnostics = match &inputs.cache {
        // Run-time traces are not part of the key: with them, always analyze.
        Some(cache) if runtime.is_none() => cache.findings(&inputs.sources, &config, analyze),
        _ => analyze(),
    };
    diagnostics.extend(skipped::diagnostics(&inputs, &config));
    lint_core::diagnostic::sort_diagnostics(&mut diagnostics);
    progress.clear();
    let elapsed = started.elapsed();
    output::emit(
        cli.message_format(),
        &inputs,
        &diagnostics,
        elapsed,
        cli.use_color(),
        out,
    )
    .context("could not write the report")?;
    let has_errors = diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    Ok(if has_errors {
        Status::Findings
    } else {
        Status::Clean
    })
}

fn build_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::default();
    // As with `cargo clippy`: test code only when test targets are asked for.
    config.set_include_test_code(cli.tests || !cli.test.is_empty() || cli.all_targets);
    // As with `cargo clippy`: test code only when test targets are asked for.
    config.set_include_test_code(cli.tests || !cli.test.is_empty() || cli.all_targets);
    for (name, level) in cli.level_settings() {
        config.set_level(&name, level)?;
    }
    Ok(config)
}

/// `[workspace.metadata.coordlint]`: `lints` sets rule levels (`rule = "allow"`), and a
/// table per rule sets that rule's options. Unknown names and wrong types are errors.
fn apply_metadata(config: &mut Config, metadata: &serde_json::Value) -> anyhow::Result<()> {
    const TABLE: &str = "workspace.metadata.coordlint";
    let Some(tables) = metadata.as_object() else {
        anyhow::bail!("`{TABLE}` must be a table");
    };
    for (key, value) in tables {
        if key == "lints" {
            let levels = value
                .as_object()
                .with_context(|| format!("`{TABLE}.lints` must be a table of rule = level"))?;
            for (rule, level) in levels {
                let level = level.as_str().with_context(|| {
                    format!("`{TABLE}.lints.{rule}` must be a string (allow, warn or deny)")
                })?;
                config
                    .set_level_named(rule, level)
                    .with_context(|| format!("in `{TABLE}.lints.{rule}`"))?;
            }
            continue;
        }
        let options = value.as_object().with_context(|| {
            format!(
                "`{TABLE}.{key}` must be a table of options{}",
                unknown_rule_hint(key)
            )
        })?;
        for (option, option_value) in options {
            let level = option_value.as_str().and_then(lint_core::Level::parse);
            let parsed = match serde_json::from_value::<Vec<String>>(option_value.clone()) {
                Ok(list) => lint_core::OptionValue::StringList(list),
                Err(_) if level.is_some() => {
                    lint_core::OptionValue::Level(level.expect("checked just above"))
                }
                Err(_) => {
                    // Let lint-core name the expected type (or the unknown rule or option).
                    config.set_option(
                        key,
                        option,
                        lint_core::OptionValue::StringList(Vec::new()),
                    )?;
                    anyhow::bail!("`{TABLE}.{key}.{option}` must be an array of strings");
                }
            };
            config
                .set_option(key, option, parsed)
                .with_context(|| format!("in `{TABLE}.{key}`"))?;
        }
    }
    Ok(())
}

/// When `key` is not a rule: the error for it (with its "did you mean"), as a hint.
fn unknown_rule_hint(key: &str) -> String {
    if rules::find(key).is_some() {
        return String::new();
    }
    let error = lint_core::ConfigError::UnknownRule {
        name: key.to_string(),
    };
    format!(" ({error})")
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
