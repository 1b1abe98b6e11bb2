//! Configuration: each rule's level, and the options rules declare (see
//! [`crate::rules::Rule::options`]). Settings are validated here, so every front end (the
//! command line, `Cargo.toml` metadata, a `coordlint.toml`) reports unknown names and wrong
//! types the same way, with a "did you mean".

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

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// The level names a setting accepts.
pub const LEVEL_NAMES: &[&str] = &["allow", "warn", "deny", "forbid"];

/// The group name that means "every rule whose level is currently warn", as in rustc.
pub const WARNINGS_GROUP: &str = "warnings";

/// The type of a rule option's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// An array of strings (`["my_rt::spawn", "Executor::launch"]`).
    StringList,
    /// A level: `"allow"`, `"warn"` or `"deny"`.
    Level,
}

impl OptionKind {
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::StringList => "an array of strings",
            OptionKind::Level => "a level (\"allow\", \"warn\" or \"deny\")",
        }
    }
}

/// A value given for a rule option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    StringList(Vec<String>),
    Level(Level),
}

impl OptionValue {
    fn kind(&self) -> OptionKind {
        match self {
            OptionValue::StringList(_) => OptionKind::StringList,
            OptionValue::Level(_) => OptionKind::Level,
        }
    }
}

/// An option a rule declares: its key, type and documentation (all options default to
/// empty).
#[derive(Clone, Copy, Debug)]
pub struct RuleOption {
    /// kebab-case, as written in configuration (`extra-spawners`).
    pub name: &'static str,
    pub kind: OptionKind,
    pub doc: &'static str,
}

/// An error in a setting the user gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    UnknownRule {
        name: String,
    },
    UnknownOption {
        rule: &'static str,
        key: String,
    },
    WrongType {
        rule: &'static str,
        key: &'static str,
        expected: OptionKind,
    },
    UnknownLevel {
        value: String,
    },
}

impl ConfigError {
    /// The name the user wrote that was not recognized, if that is the error.
    pub fn unknown_name(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownRule { name } => Some(name),
            ConfigError::UnknownOption { key, .. } => Some(key),
            ConfigError::UnknownLevel { value } => Some(value),
            ConfigError::WrongType { .. } => None,
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownRule { name } => {
                let mut known: Vec<&str> = rules::ALL.iter().map(|rule| rule.name).collect();
                known.push(WARNINGS_GROUP);
                write!(f, "unknown rule `{name}`{}", did_you_mean(name, &known))?;
                write!(f, " (known rules: {})", known.join(", "))
            }
            ConfigError::UnknownOption { rule, key } => {
                let valid: Vec<&str> = rules::find(rule)
                    .map(|rule| rule.options.iter().map(|option| option.name).collect())
                    .unwrap_or_default();
                write!(f, "unknown option `{key}` for `{rule}`")?;
                write!(f, "{}", did_you_mean(key, &valid))?;
                if valid.is_empty() {
                    write!(f, " (`{rule}` takes no options, only a level)")
                } else {
                    write!(f, " (valid options: {})", valid.join(", "))
                }
            }
            ConfigError::WrongType {
                rule,
                key,
                expected,
            } => write!(f, "`{rule}.{key}` must be {}", expected.describe()),
            ConfigError::UnknownLevel { value } => write!(
                f,
                "unknown level `{value}`{} (valid levels: allow, warn, deny)",
                did_you_mean(value, LEVEL_NAMES)
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `; did you mean `x`?` when one of `candidates` is close to `written`, else nothing.
pub fn did_you_mean(written: &str, candidates: &[&str]) -> String {
    let close = |distance: usize, candidate: &str| {
        distance <= (candidate.len() / 3).max(2)
            || written.starts_with(candidate)
            || candidate.starts_with(written)
    };
    let closest = candidates
        .iter()
        .map(|candidate| (edit_distance(written, candidate), *candidate))
        .filter(|(distance, candidate)| close(*distance, candidate))
        .min();
    match closest {
        Some((_, candidate)) => format!("; did you mean `{candidate}`?"),
        None => String::new(),
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Levels and option values for every rule, built from the defaults and then the user's
/// settings in order.
#[derive(Clone, Debug)]
pub struct Config {
    levels: BTreeMap<&'static str, Level>,
    /// `-D warnings`: every finding that would be a warning becomes an error.
    warnings: Option<Level>,
    /// (rule, option) → value, for options the user set.
    options: BTreeMap<(&'static str, &'static str), OptionValue>,
    /// Analyze test code too (`#[cfg(test)]` items, `#[test]` functions, test files), as
    /// `--tests`/`--all-targets` ask; out of scope by default, as with `cargo clippy`.
    include_test_code: bool,
    /// Whether the analysis frees its whole-program state when done (see
    /// [`Config::set_free_program_state`]).
    free_program_state: bool,
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
            options: BTreeMap::new(),
            include_test_code: false,
            free_program_state: true,
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
        let rule = find_rule(name)?;
        self.levels.insert(rule.name, level);
        Ok(())
    }

    /// Sets `name` to the level written as `level` (`"allow"`, `"warn"`, `"deny"`).
    pub fn set_level_named(&mut self, name: &str, level: &str) -> Result<(), ConfigError> {
        let parsed = Level::parse(level).ok_or_else(|| ConfigError::UnknownLevel {
            value: level.to_string(),
        })?;
        self.set_level(name, parsed)
    }

    /// Sets option `key` of `rule`, checking that the rule declares it with that type.
    pub fn set_option(
        &mut self,
        rule: &str,
        key: &str,
        value: OptionValue,
    ) -> Result<(), ConfigError> {
        let rule = find_rule(rule)?;
        let option = rule
            .options
            .iter()
            .find(|option| option.name == key)
            .ok_or_else(|| ConfigError::UnknownOption {
                rule: rule.name,
                key: key.to_string(),
            })?;
        if value.kind() != option.kind {
            return Err(ConfigError::WrongType {
                rule: rule.name,
                key: option.name,
                expected: option.kind,
            });
        }
        self.options.insert((rule.name, option.name), value);
        Ok(())
    }

    /// The strings of a string-list option (empty when not set).
    pub fn string_list(&self, rule: &str, key: &str) -> &[String] {
        match self.option(rule, key) {
            Some(OptionValue::StringList(values)) => values,
            _ => &[],
        }
    }

    /// A level option, or `default` when not set.
    pub fn level_option(&self, rule: &str, key: &str, default: Level) -> Level {
        match self.option(rule, key) {
            Some(OptionValue::Level(level)) => *level,
            _ => default,
        }
    }

    fn option(&self, rule: &str, key: &str) -> Option<&OptionValue> {
        self.options
            .iter()
            .find(|((set_rule, set_key), _)| *set_rule == rule && *set_key == key)
            .map(|(_, value)| value)
    }

    /// Puts test code in (or out of) the analysis's scope.
    pub fn set_include_test_code(&mut self, include: bool) {
        self.include_test_code = include;
    }

    /// With `false`, the analysis does not free its whole-program state (call graph, lock
    /// and blocking facts) when it returns: for a process that ends right after, where
    /// freeing millions of small allocations one by one is time spent on one thread for
    /// nothing (about 3 % of a large run's wall time). The default frees it.
    pub fn set_free_program_state(&mut self, free: bool) {
        self.free_program_state = free;
    }

    pub fn free_program_state(&self) -> bool {
        self.free_program_state
    }

    pub fn include_test_code(&self) -> bool {
        self.include_test_code
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

fn find_rule(name: &str) -> Result<&'static rules::Rule, ConfigError> {
    let name = name.strip_prefix("coordlint::").unwrap_or(name);
    rules::find(name).ok_or_else(|| ConfigError::UnknownRule {
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_get_a_suggestion() {
        let mut config = Config::default();
        let error = config
            .set_option(
                "unbatched_io",
                "extra-method",
                OptionValue::StringList(vec![]),
            )
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("did you mean `extra-methods`?"), "{text}");
        assert!(text.contains("extra-paths"), "{text}");
        let error = config.set_level("double_lok", Level::Allow).unwrap_err();
        assert!(
            error.to_string().contains("did you mean `double_lock`?"),
            "{error}"
        );
        let error = config
            .set_level_named("double_lock", "warning")
            .unwrap_err();
        assert!(
            error.to_string().contains("did you mean `warn`?"),
            "{error}"
        );
    }

    #[test]
    fn options_are_stored_per_rule() {
        let mut config = Config::default();
        config
            .set_option(
                "unbounded_spawn",
                "extra-spawners",
                OptionValue::StringList(vec!["rt::go".to_string()]),
            )
            .unwrap();
        assert_eq!(
            config.string_list("unbounded_spawn", "extra-spawners"),
            ["rt::go"]
        );
        assert!(config.string_list("unbatched_io", "extra-paths").is_empty());
    }
}
