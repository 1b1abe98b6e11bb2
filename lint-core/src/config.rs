//! Lint levels: which rules run and how loud they are.

use std::collections::BTreeMap;

use crate::diagnostic::Severity;
use crate::rules;

/// A level a user can set for a rule, as in rustc: allow, warn or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn to_severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Warn => Some(Severity::Warning),
            Level::Deny => Some(Severity::Error),
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" | "forbid" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// The group name that means "every rule whose level is currently warn", as in rustc.
pub const WARNINGS_GROUP: &str = "warnings";

/// An error in a level setting the user gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    UnknownRule(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownRule(name) => {
                let known: Vec<&str> = rules::ALL.iter().map(|rule| rule.name).collect();
                write!(
                    f,
                    "unknown rule `{name}` (known rules: {}, or `{WARNINGS_GROUP}`)",
                    known.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Levels for every rule, built from the defaults and then the user's settings in order.
#[derive(Clone, Debug)]
pub struct Config {
    levels: BTreeMap<&'static str, Level>,
    /// `-D warnings`: every finding that would be a warning becomes an error.
    warnings: Option<Level>,
    /// API lists `unbounded_spawn` extends its built-in ones with.
    pub unbounded_spawn: SpawnApis,
    /// API lists `unbatched_io` extends its built-in ones with.
    pub unbatched_io: IoApis,
}

/// User additions for `unbounded_spawn` (`[workspace.metadata.coordlint.unbounded_spawn]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpawnApis {
    /// Canonical paths of functions that start a task or thread (`my_rt::spawn_task`), or
    /// `Type::method` for a method on a receiver of that type (`Executor::launch`).
    pub extra_spawners: Vec<String>,
    /// Method or function names that, called once per iteration, bound the concurrency
    /// (`acquire_slot`, `wait_for_capacity`).
    pub bound_markers: Vec<String>,
}

/// User additions for `unbatched_io` (`[workspace.metadata.coordlint.unbatched_io]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoApis {
    /// Method names that make a round trip on any receiver (`fetch_user`).
    pub extra_methods: Vec<String>,
    /// Canonical paths of functions that make a round trip (`my_db::load_one`).
    pub extra_paths: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        let levels = rules::ALL
            .iter()
            .map(|rule| (rule.name, rule.default_level))
            .collect();
        Config {
            levels,
            warnings: None,
            unbounded_spawn: SpawnApis::default(),
            unbatched_io: IoApis::default(),
        }
    }
}

impl Config {
    /// Sets `name` (a rule, with or without `coordlint::`, or `warnings`) to `level`.
    /// Later settings override earlier ones, like rustc's `-A/-W/-D` flags.
    pub fn set_level(&mut self, name: &str, level: Level) -> Result<(), ConfigError> {
        let name = name.strip_prefix("coordlint::").unwrap_or(name);
        if name == WARNINGS_GROUP {
            self.warnings = Some(level);
            return Ok(());
        }
        let rule = rules::find(name).ok_or_else(|| ConfigError::UnknownRule(name.to_string()))?;
        self.levels.insert(rule.name, level);
        Ok(())
    }

    /// The severity findings of `rule` are reported at, or `None` when the rule is allowed.
    pub fn severity_of(&self, rule: &str) -> Option<Severity> {
        let level = self.levels.get(rule).copied().unwrap_or(Level::Warn);
        match (level, self.warnings) {
            (Level::Warn, Some(group_level)) => group_level.to_severity(),
            _ => level.to_severity(),
        }
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        self.severity_of(rule).is_some()
    }
}
