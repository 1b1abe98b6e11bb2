//! Configuration files: `[workspace.metadata.coordlint]` of the workspace root manifest,
//! `[package.metadata.coordlint]` of each selected member (which wins for that package's
//! files), and `coordlint.toml` in path mode. Parsed with toml's spans so that an unknown
//! key or a bad value is an error naming the key, the file and its line, with the valid
//! keys and a "did you mean"; lint-core's [`Config`] validates names and types.
//!
//! Precedence, lowest first: the rules' defaults, the workspace (or `coordlint.toml`), the
//! package, the command line (`-A/-W/-D`, later flags winning).

use std::collections::BTreeMap;
use std::path::Path;

use lint_core::config::did_you_mean;
use lint_core::{Config, Diagnostic, Level, OptionKind, OptionValue, rules};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::discover::{Inputs, SettingsFile, SettingsFileKind};

/// The key of a settings table that holds rule levels.
const LINTS_KEY: &str = "lints";

/// One setting as written, validated.
#[derive(Clone, Debug)]
enum Setting {
    Level {
        rule: String,
        level: Level,
    },
    Option {
        rule: String,
        key: String,
        value: OptionValue,
    },
}

/// Every setting read from the configuration files.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `[workspace.metadata.coordlint]` or `coordlint.toml`.
    workspace: Vec<Setting>,
    /// `[package.metadata.coordlint]`, by package id.
    packages: BTreeMap<String, Vec<Setting>>,
}

/// Reads the settings of every file; the first error stops (exit status 2).
pub fn read(files: &[SettingsFile]) -> anyhow::Result<Settings> {
    let mut settings = Settings::default();
    for file in files {
        let document = DeTable::parse(&file.text)
            .map_err(|error| anyhow::anyhow!("{}: not valid TOML: {error}", file.path.display()))?;
        let reader = TableReader {
            path: &file.path,
            text: &file.text,
        };
        match &file.kind {
            SettingsFileKind::CoordlintToml => {
                settings.workspace = reader.settings(document.get_ref(), "")?;
            }
            SettingsFileKind::Manifest {
                workspace_root,
                package_id,
            } => {
                if *workspace_root
                    && let Some(table) = reader
                        .table_at(document.get_ref(), &["workspace", "metadata", "coordlint"])?
                {
                    settings.workspace = reader.settings(table, "workspace.metadata.coordlint")?;
                }
                if let Some(package_id) = package_id
                    && let Some(table) = reader
                        .table_at(document.get_ref(), &["package", "metadata", "coordlint"])?
                {
                    let package = reader.settings(table, "package.metadata.coordlint")?;
                    settings.packages.insert(package_id.clone(), package);
                }
            }
        }
    }
    Ok(settings)
}

/// Reads the settings tables of one file, with its text for line numbers.
struct TableReader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl TableReader<'_> {
    /// The table at `keys` (`workspace.metadata.coordlint`), if present.
    fn table_at<'t, 'i>(
        &self,
        root: &'t DeTable<'i>,
        keys: &[&str],
    ) -> anyhow::Result<Option<&'t DeTable<'i>>> {
        let mut table = root;
        for (depth, key) in keys.iter().enumerate() {
            let Some(value) = table.get(*key) else {
                return Ok(None);
            };
            table = value.get_ref().as_table().ok_or_else(|| {
                self.error_at(
                    value.span(),
                    &format!("`{}` must be a table", keys[..=depth].join(".")),
                )
            })?;
        }
        Ok(Some(table))
    }

    /// The settings of a coordlint table: `lints` (rule levels) and one table of options per
    /// rule. `name` is the table as the user wrote it, for messages (empty for the top of a
    /// `coordlint.toml`).
    fn settings(&self, table: &DeTable<'_>, name: &str) -> anyhow::Result<Vec<Setting>> {
        let mut settings = Vec::new();
        for (key, value) in in_file_order(table) {
            let key_text: &str = key.get_ref();
            if key_text == LINTS_KEY {
                self.levels(value, &qualified(name, LINTS_KEY), &mut settings)?;
            } else if let Some(rule) = rules::find(key_text) {
                self.options(rule, value, &qualified(name, key_text), &mut settings)?;
            } else {
                return Err(self.error_at(key.span(), &unknown_table_key(name, key_text)));
            }
        }
        Ok(settings)
    }

    fn levels(
        &self,
        value: &Spanned<DeValue<'_>>,
        name: &str,
        settings: &mut Vec<Setting>,
    ) -> anyhow::Result<()> {
        let table = value.get_ref().as_table().ok_or_else(|| {
            self.error_at(
                value.span(),
                &format!("`{name}` must be a table of rule = level"),
            )
        })?;
        for (rule, level) in in_file_order(table) {
            let rule_text: &str = rule.get_ref();
            let level_text = level.get_ref().as_str().ok_or_else(|| {
                self.error_at(
                    level.span(),
                    &format!(
                        "`{name}.{rule_text}` must be a level (\"allow\", \"warn\" or \"deny\"), \
                         not {}",
                        level.get_ref().type_str()
                    ),
                )
            })?;
            let mut check = Config::default();
            if let Err(error) = check.set_level(rule_text, Level::Allow) {
                return Err(self.error_at(rule.span(), &format!("in `{name}`: {error}")));
            }
            let parsed = Level::parse(level_text).ok_or_else(|| {
                let error = lint_core::ConfigError::UnknownLevel {
                    value: level_text.to_string(),
                };
                self.error_at(level.span(), &format!("`{name}.{rule_text}`: {error}"))
            })?;
            settings.push(Setting::Level {
                rule: rule_text.to_string(),
                level: parsed,
            });
        }
        Ok(())
    }

    fn options(
        &self,
        rule: &'static rules::Rule,
        value: &Spanned<DeValue<'_>>,
        name: &str,
        settings: &mut Vec<Setting>,
    ) -> anyhow::Result<()> {
        let table = value.get_ref().as_table().ok_or_else(|| {
            self.error_at(
                value.span(),
                &format!("`{name}` must be a table of options"),
            )
        })?;
        for (key, option_value) in in_file_order(table) {
            let key_text: &str = key.get_ref();
            let Some(option) = rule.options.iter().find(|option| option.name == key_text) else {
                let error = lint_core::ConfigError::UnknownOption {
                    rule: rule.name,
                    key: key_text.to_string(),
                };
                return Err(self.error_at(key.span(), &format!("in `{name}`: {error}")));
            };
            let parsed = option_value_of(option.kind, option_value.get_ref()).ok_or_else(|| {
                self.error_at(
                    option_value.span(),
                    &format!(
                        "`{name}.{key_text}` must be {}, not {}",
                        option.kind.describe(),
                        describe_value(option_value.get_ref())
                    ),
                )
            })?;
            settings.push(Setting::Option {
                rule: rule.name.to_string(),
                key: key_text.to_string(),
                value: parsed,
            });
        }
        Ok(())
    }

    /// `error: /repo/Cargo.toml:12: message`.
    fn error_at(&self, span: std::ops::Range<usize>, message: &str) -> anyhow::Error {
        let line = line_of(self.text, span.start);
        anyhow::anyhow!("{}:{line}: {message}", self.path.display())
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// A table's entries in the order they are written, so the first error reported is the
/// first in the file.
fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// `table.key`, or `key` at the top of a file.
fn qualified(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

fn unknown_table_key(table: &str, key: &str) -> String {
    let table = if table.is_empty() {
        "coordlint.toml".to_string()
    } else {
        format!("[{table}]")
    };
    let mut valid: Vec<&str> = vec![LINTS_KEY];
    valid.extend(
        rules::ALL
            .iter()
            .filter(|rule| !rule.options.is_empty())
            .map(|rule| rule.name),
    );
    let mut candidates = valid.clone();
    // A rule name without options is still a better suggestion than nothing.
    candidates.extend(rules::ALL.iter().map(|rule| rule.name));
    format!(
        "unknown key `{key}` in `{table}`{} (valid keys: `lints` for levels, and a table of \
         options for {})",
        did_you_mean(key, &candidates),
        valid[1..].join(", ")
    )
}

fn option_value_of(kind: OptionKind, value: &DeValue<'_>) -> Option<OptionValue> {
    match kind {
        OptionKind::StringList => {
            let items = value.as_array()?;
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|item| item.get_ref().as_str().map(str::to_string))
                .collect();
            strings.map(OptionValue::StringList)
        }
        OptionKind::Level => value
            .as_str()
            .and_then(Level::parse)
            .map(OptionValue::Level),
    }
}

fn describe_value(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("the string {:?}", text.as_ref() as &str),
        DeValue::Array(_) => "an array with a value that is not a string".to_string(),
        other => other.type_str().to_string(),
    }
}

/// The configurations of one run: the one the analysis runs with, and the one each file's
/// findings are reported with.
#[derive(Debug)]
pub struct Configs {
    /// Workspace settings then the command line, with every rule that some package enables
    /// turned on, so its findings exist to be reported there.
    pub analysis: Config,
    /// Workspace settings then the command line.
    workspace: Config,
    /// Workspace, then the package's settings, then the command line; by package id.
    packages: BTreeMap<String, Config>,
}

impl Settings {
    /// Builds the configurations: defaults, workspace, package, then `command_line` levels.
    pub fn configs(
        &self,
        command_line: &[(String, Level)],
        include_test_code: bool,
    ) -> anyhow::Result<Configs> {
        let base = || {
            let mut config = Config::default();
            config.set_include_test_code(include_test_code);
            config
        };
        let mut workspace = base();
        apply(&mut workspace, &self.workspace)?;
        let mut analysis = workspace.clone();
        let mut packages = BTreeMap::new();
        for (package_id, settings) in &self.packages {
            let mut config = workspace.clone();
            apply(&mut config, settings)?;
            apply_command_line(&mut config, command_line)?;
            packages.insert(package_id.clone(), config);
            // Options (API lists) reach the whole analysis: calls cross packages.
            extend_options(&mut analysis, settings)?;
        }
        apply_command_line(&mut workspace, command_line)?;
        apply_command_line(&mut analysis, command_line)?;
        for rule in rules::ALL {
            let enabled_somewhere = packages.values().any(|config| config.is_enabled(rule.name));
            if enabled_somewhere && !analysis.is_enabled(rule.name) {
                analysis.set_level(rule.name, Level::Warn)?;
            }
        }
        Ok(Configs {
            analysis,
            workspace,
            packages,
        })
    }
}

fn apply(config: &mut Config, settings: &[Setting]) -> anyhow::Result<()> {
    for setting in settings {
        match setting {
            Setting::Level { rule, level } => config.set_level(rule, *level)?,
            Setting::Option { rule, key, value } => config.set_option(rule, key, value.clone())?,
        }
    }
    Ok(())
}

/// A package's options added to the analysis: string lists join the workspace's.
fn extend_options(config: &mut Config, settings: &[Setting]) -> anyhow::Result<()> {
    for setting in settings {
        if let Setting::Option { rule, key, value } = setting {
            let value = match value {
                OptionValue::StringList(added) => {
                    let mut joined = config.string_list(rule, key).to_vec();
                    joined.extend(added.iter().cloned());
                    OptionValue::StringList(joined)
                }
                other => other.clone(),
            };
            config.set_option(rule, key, value)?;
        }
    }
    Ok(())
}

fn apply_command_line(config: &mut Config, levels: &[(String, Level)]) -> anyhow::Result<()> {
    for (name, level) in levels {
        config.set_level(name, *level)?;
    }
    Ok(())
}

impl Configs {
    /// The configuration findings in `file` are reported with: its package's, else the
    /// workspace's.
    fn for_file<'c>(&'c self, inputs: &Inputs, file: usize) -> &'c Config {
        inputs
            .origins
            .get(file)
            .and_then(|origin| origin.package.as_ref())
            .and_then(|package| self.packages.get(&package.id))
            .unwrap_or(&self.workspace)
    }

    /// Gives each finding the severity its file's package sets, dropping the allowed ones.
    pub fn relevel(&self, inputs: &Inputs, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if self.packages.is_empty() {
            return diagnostics;
        }
        diagnostics
            .into_iter()
            .filter_map(|mut diagnostic| {
                let file = diagnostic.primary.span.file.0 as usize;
                diagnostic.severity = self.for_file(inputs, file).severity_of(diagnostic.rule)?;
                Some(diagnostic)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn read_one(text: &str, kind: SettingsFileKind) -> anyhow::Result<Settings> {
        read(&[SettingsFile {
            path: PathBuf::from("/w/Cargo.toml"),
            text: text.to_string(),
            kind,
        }])
    }

    fn root_manifest() -> SettingsFileKind {
        SettingsFileKind::Manifest {
            workspace_root: true,
            package_id: Some("p".to_string()),
        }
    }

    #[test]
    fn a_misspelled_option_names_its_line_and_the_valid_options() {
        let text =
            "[workspace]\n\n[workspace.metadata.coordlint.unbatched_io]\nextra-method = [\"x\"]\n";
        let error = read_one(text, root_manifest()).unwrap_err().to_string();
        assert!(error.starts_with("/w/Cargo.toml:4: "), "{error}");
        assert!(error.contains("`extra-method`"), "{error}");
        assert!(error.contains("did you mean `extra-methods`?"), "{error}");
        assert!(error.contains("extra-paths"), "{error}");
    }

    #[test]
    fn wrong_types_and_levels_name_their_line() {
        let text = "[workspace.metadata.coordlint.lints]\ndouble_lock = \"warning\"\n";
        let error = read_one(text, root_manifest()).unwrap_err().to_string();
        assert!(error.starts_with("/w/Cargo.toml:2: "), "{error}");
        assert!(error.contains("did you mean `warn`?"), "{error}");
        let text = "[workspace.metadata.coordlint.unbatched_io]\n\nextra-paths = \"a::b\"\n";
        let error = read_one(text, root_manifest()).unwrap_err().to_string();
        assert!(error.starts_with("/w/Cargo.toml:3: "), "{error}");
        assert!(error.contains("must be an array of strings"), "{error}");
        let text = "[workspace.metadata.coordlint]\nlint = {}\n";
        let error = read_one(text, root_manifest()).unwrap_err().to_string();
        assert!(error.contains("did you mean `lints`?"), "{error}");
        let text = "[package.metadata.coordlint.lints]\ndouble_lok = \"allow\"\n";
        let error = read_one(text, root_manifest()).unwrap_err().to_string();
        assert!(error.starts_with("/w/Cargo.toml:2: "), "{error}");
        assert!(error.contains("did you mean `double_lock`?"), "{error}");
    }

    #[test]
    fn the_command_line_wins_over_the_package_which_wins_over_the_workspace() {
        let text = "[workspace.metadata.coordlint.lints]\ndouble_lock = \"allow\"\nunbatched_io = \"deny\"\n\
                    [package.metadata.coordlint.lints]\ndouble_lock = \"warn\"\n";
        let settings = read_one(text, root_manifest()).unwrap();
        let configs = settings.configs(&[], false).unwrap();
        assert!(!configs.workspace.is_enabled("double_lock"));
        assert!(configs.analysis.is_enabled("double_lock"));
        assert_eq!(
            configs.packages["p"].severity_of("double_lock"),
            Some(lint_core::Severity::Warning)
        );
        let command_line = [("double_lock".to_string(), Level::Deny)];
        let configs = settings.configs(&command_line, false).unwrap();
        assert_eq!(
            configs.packages["p"].severity_of("double_lock"),
            Some(lint_core::Severity::Error)
        );
        assert_eq!(
            configs.workspace.severity_of("unbatched_io"),
            Some(lint_core::Severity::Error)
        );
    }

    #[test]
    fn the_first_error_in_the_file_is_reported() {
        let text = "[zeta_unknown]\n[lints]\nnope = \"allow\"\n";
        let error = read_one(text, SettingsFileKind::CoordlintToml)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("/w/Cargo.toml:1: unknown key `zeta_unknown` in `coordlint.toml`"),
            "{error}"
        );
    }

    #[test]
    fn coordlint_toml_is_the_settings_table_itself() {
        let text = "[lints]\nunbounded_channel = \"allow\"\n[unbounded_spawn]\nextra-spawners = [\"rt::go\"]\n";
        let settings = read_one(text, SettingsFileKind::CoordlintToml).unwrap();
        let configs = settings.configs(&[], false).unwrap();
        assert!(!configs.analysis.is_enabled("unbounded_channel"));
        assert_eq!(
            configs
                .analysis
                .string_list("unbounded_spawn", "extra-spawners"),
            ["rt::go"]
        );
    }
}
