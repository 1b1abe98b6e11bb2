//! Command-line arguments, in cargo's conventions (`--manifest-path`, `-p`, `--workspace`,
//! `--message-format`) plus rustc's lint level flags (`-D/-W/-A`).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use lint_core::{Edition, Level};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-coordlint",
    bin_name = "cargo coordlint",
    version,
    about = "Finds lock-order cycles, locks taken twice, guards held across .await, unbounded \
             spawns and queues, and per-item I/O in Rust code, without compiling it.",
    after_help = "With no PATHS, analyzes the cargo workspace of --manifest-path (default: the \
                  nearest Cargo.toml).\nExit status: 0 no error-level findings, 1 error-level \
                  findings, 2 usage error or failure.\nRun `cargo coordlint rules` for the rule \
                  list and `cargo coordlint explain RULE` for a rule's documentation.\n`cargo \
                  coordlint graph [--format dot|json] [OPTIONS] [PATHS]` prints the lock-order \
                  graph of what the same options would analyze.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or directories to analyze instead of the workspace
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH", help_heading = "Package Selection")]
    pub manifest_path: Option<PathBuf>,

    /// Package to analyze (name, name@version, or package id); repeatable
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        help_heading = "Package Selection"
    )]
    pub packages: Vec<String>,

    /// Analyze every workspace member
    #[arg(long, alias = "all", help_heading = "Package Selection")]
    pub workspace: bool,

    /// Exclude packages from --workspace
    #[arg(long, value_name = "SPEC", help_heading = "Package Selection")]
    pub exclude: Vec<String>,

    /// Analyze only the library target
    #[arg(long, help_heading = "Target Selection")]
    pub lib: bool,
    /// Analyze all binary targets
    #[arg(long, help_heading = "Target Selection")]
    pub bins: bool,
    /// Analyze this binary target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub bin: Vec<String>,
    /// Analyze all test targets
    #[arg(long, help_heading = "Target Selection")]
    pub tests: bool,
    /// Analyze this test target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub test: Vec<String>,
    /// Analyze all example targets
    #[arg(long, help_heading = "Target Selection")]
    pub examples: bool,
    /// Analyze this example target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub example: Vec<String>,
    /// Analyze all bench targets
    #[arg(long, help_heading = "Target Selection")]
    pub benches: bool,
    /// Analyze this bench target
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub bench: Vec<String>,
    /// Analyze every target (lib, bins, tests, benches, examples)
    #[arg(long, help_heading = "Target Selection")]
    pub all_targets: bool,

    /// Edition of the files given as PATHS (default: from the nearest Cargo.toml, else 2021)
    #[arg(long, value_name = "YEAR", value_parser = parse_edition)]
    pub edition: Option<Edition>,

    /// Output format: human, short, json (cargo's format), json-diagnostic-short,
    /// json-diagnostic-rendered-ansi, sarif (SARIF 2.1.0 for code scanning), github
    /// (workflow commands that annotate a pull request)
    #[arg(
        long,
        value_name = "FMT",
        value_delimiter = ',',
        default_value = "human"
    )]
    message_format: Vec<MessageFormatArg>,

    /// Set a rule (or `warnings`) to deny: its findings are errors
    #[arg(
        short = 'D',
        long = "deny",
        value_name = "RULE",
        help_heading = "Lint Levels"
    )]
    deny: Vec<String>,
    /// Set a rule (or `warnings`) to warn
    #[arg(
        short = 'W',
        long = "warn",
        value_name = "RULE",
        help_heading = "Lint Levels"
    )]
    warn: Vec<String>,
    /// Set a rule (or `warnings`) to allow: its findings are not reported
    #[arg(
        short = 'A',
        long = "allow",
        value_name = "RULE",
        help_heading = "Lint Levels"
    )]
    allow: Vec<String>,

    /// Also write the findings in the --message-format format to FILE; the terminal gets
    /// human output
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Record the current findings (by fingerprint) in FILE, for --baseline
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Report only the findings that are not in the baseline FILE
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub baseline: Option<PathBuf>,

    /// Print only the findings (no summary line)
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Print how many findings each rule reported
    #[arg(long)]
    pub statistics: bool,

    /// Merge the lock orders recorded by runtime-probe (COORDLINT_TRACE=DIR) with the analysis
    #[arg(long, value_name = "DIR")]
    pub runtime_trace: Option<PathBuf>,

    /// Apply the machine-applicable suggestions in place, then report what is left
    #[arg(long, help_heading = "Fixes")]
    pub fix: bool,

    /// With --fix: print the changes as a diff and write nothing
    #[arg(long, requires = "fix", help_heading = "Fixes")]
    pub dry_run: bool,

    /// With --fix: fix files even when the git working tree has uncommitted changes
    #[arg(long, requires = "fix", help_heading = "Fixes")]
    pub allow_dirty: bool,

    /// Coloring: auto, always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// With `cargo coordlint graph`: print the lock-order graph as dot (Graphviz) or json
    #[arg(long = "format", value_name = "FMT", value_enum)]
    pub graph_format: Option<GraphFormat>,

    /// `cargo coordlint graph ...`: print the lock-order graph instead of findings.
    #[arg(skip)]
    pub graph: bool,
    /// Keep the facts cache in DIR (default: the workspace's target/coordlint; with PATHS,
    /// no cache unless this is given)
    #[arg(long, value_name = "DIR", help_heading = "Cache")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write the facts cache
    #[arg(long, conflicts_with = "cache_dir", help_heading = "Cache")]
    pub no_cache: bool,

    /// Levels in the order they were given (later flags win).
    #[arg(skip)]
    level_order: Vec<(String, Level)>,

    #[command(flatten)]
    pub ignored: IgnoredCargoFlags,
}

/// Flags that `cargo check` takes and editors pass (rust-analyzer's `check.command`);
/// accepted so those invocations work, and ignored because coordlint never builds.
#[derive(clap::Args, Debug, Default)]
pub struct IgnoredCargoFlags {
    #[arg(long, hide = true)]
    keep_going: bool,
    #[arg(long, hide = true, value_name = "TRIPLE")]
    target: Vec<String>,
    #[arg(long, hide = true, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    #[arg(long, hide = true, value_name = "KEY=VALUE")]
    config: Vec<String>,
    #[arg(long, hide = true)]
    locked: bool,
    #[arg(long, hide = true)]
    offline: bool,
    #[arg(long, hide = true)]
    frozen: bool,
    #[arg(short = 'F', long, hide = true, value_name = "FEATURES")]
    features: Vec<String>,
    #[arg(long, hide = true)]
    all_features: bool,
    #[arg(long, hide = true)]
    no_default_features: bool,
    #[arg(short = 'v', long, hide = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the documentation of a rule
    Explain {
        /// The rule's name, with or without `coordlint::`
        rule: String,
    },
    /// List the rules with their default levels
    Rules {
        /// Print every rule's full documentation as Markdown (this is docs/rules.md)
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormatArg {
    Human,
    Short,
    Json,
    JsonDiagnosticShort,
    JsonDiagnosticRenderedAnsi,
    JsonRenderDiagnostics,
    Sarif,
    Github,
}

/// The output of `cargo coordlint graph`: a Graphviz digraph (`| dot -Tsvg > locks.svg`),
/// or one JSON document with the classes and edges and their witnesses. (No doc comments on
/// the variants: clap would switch `--help` to its long layout.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The output format the run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Short,
    /// cargo's JSON lines; `ansi` asks for colors in `rendered`.
    Json {
        ansi: bool,
    },
    /// One SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands, one per finding.
    Github,
}

impl Cli {
    pub fn message_format(&self) -> MessageFormat {
        let formats = &self.message_format;
        if formats.contains(&MessageFormatArg::Sarif) {
            return MessageFormat::Sarif;
        }
        if formats.contains(&MessageFormatArg::Github) {
            return MessageFormat::Github;
        }
        if formats.iter().any(|format| {
            matches!(
                format,
                MessageFormatArg::Json
                    | MessageFormatArg::JsonDiagnosticShort
                    | MessageFormatArg::JsonDiagnosticRenderedAnsi
                    | MessageFormatArg::JsonRenderDiagnostics
            )
        }) {
            let ansi = formats.contains(&MessageFormatArg::JsonDiagnosticRenderedAnsi);
            MessageFormat::Json { ansi }
        } else if formats.contains(&MessageFormatArg::Short) {
            MessageFormat::Short
        } else {
            MessageFormat::Human
        }
    }

    pub fn use_color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        }
    }

    /// `-D/-W/-A` settings in the order given on the command line.
    pub fn level_settings(&self) -> Vec<(String, Level)> {
        self.level_order.clone()
    }
}

fn parse_edition(text: &str) -> Result<Edition, String> {
    Edition::parse(text)
        .ok_or_else(|| format!("`{text}` is not an edition (2015, 2018, 2021, 2024)"))
}

/// What parsing the arguments gave.
pub enum Parsed {
    Run(Box<Cli>),
    /// `--help` or `--version`: print this and exit 0.
    Printed(String),
}

/// Parses `args`, dropping the `coordlint` that cargo inserts after the program name.
/// `graph` as the first argument asks for the lock-order graph; the arguments after it are a
/// run's (what to analyze) plus `--format`.
pub fn parse(mut args: Vec<OsString>) -> Result<Parsed, String> {
    if args.get(1).is_some_and(|arg| arg == "coordlint") {
        args.remove(1);
    }
    let graph = args.get(1).is_some_and(|arg| arg == "graph");
    if graph {
        args.remove(1);
    }
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Ok(Parsed::Printed(error.render().to_string()))
                }
                _ => Err(error.render().to_string()),
            };
        }
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(|error| error.render().to_string())?;
    cli.level_order = levels_in_order(&matches);
    cli.graph = graph;
    if cli.graph_format.is_some() && !graph {
        return Err("error: `--format` goes with `cargo coordlint graph`; findings take `--message-format`\n".to_string());
    }
    Ok(Parsed::Run(Box::new(cli)))
}

fn levels_in_order(matches: &ArgMatches) -> Vec<(String, Level)> {
    let mut settings: Vec<(usize, String, Level)> = Vec::new();
    for (id, level) in [
        ("deny", Level::Deny),
        ("warn", Level::Warn),
        ("allow", Level::Allow),
    ] {
        let (Some(values), Some(indices)) =
            (matches.get_many::<String>(id), matches.indices_of(id))
        else {
            continue;
        };
        for (value, index) in values.zip(indices) {
            settings.push((index, value.clone(), level));
        }
    }
    settings.sort_by_key(|(index, _, _)| *index);
    settings
        .into_iter()
        .map(|(_, name, level)| (name, level))
        .collect()
}
