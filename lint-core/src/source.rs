//! The input of an analysis: source files with the facts the caller knows about them.

use std::sync::Arc;

/// The Rust edition a file is compiled with; scoping of temporaries depends on it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Edition {
    E2015,
    E2018,
    #[default]
    E2021,
    E2024,
}

impl Edition {
    pub fn parse(text: &str) -> Option<Edition> {
        match text.trim() {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }
}

/// One file to analyze.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path shown to the user (relative to the workspace root when there is one).
    pub path: String,
    pub text: Arc<str>,
    pub edition: Edition,
    /// The crate this file belongs to, as written in paths (`my_crate`, hyphens as underscores).
    pub crate_name: String,
    /// The module this file is, inside its crate (`["net", "server"]`; empty for the crate root).
    pub module_path: Vec<String>,
    /// The package the file belongs to (cargo's package id; empty when unknown). Two packages
    /// can define one crate name (two versions of a crate named in one path-mode run): a
    /// call prefers its own package's functions of that crate (`ItemIndex::prefer_own_package`).
    pub package: String,
    /// The whole file is test code: a test, bench or example target, or a module declared
    /// under `#[cfg(test)]`.
    pub test_code: bool,
    /// The user named this file: it is analyzed wherever it is (a test tree included); its
    /// `#[cfg(test)]` items and `#[test]` functions still follow the test scope.
    pub always_analyzed: bool,
}

impl SourceFile {
    /// A file that is the root of a crate named `crate_name`.
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>, edition: Edition) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
            edition,
            crate_name: "crate".to_string(),
            module_path: Vec::new(),
            package: String::new(),
            test_code: false,
            always_analyzed: false,
        }
    }

    /// Marks the file as test code (or not).
    pub fn with_test_code(mut self, test_code: bool) -> Self {
        self.test_code = test_code;
        self
    }

    /// Marks the file as named by the user: analyzed wherever it is.
    pub fn always_analyzed(mut self) -> Self {
        self.always_analyzed = true;
        self
    }

    /// Sets the package the file belongs to (see [`SourceFile::package`]).
    pub fn with_package(mut self, package: impl Into<String>) -> Self {
        self.package = package.into();
        self
    }

    pub fn with_crate(mut self, crate_name: impl Into<String>, module_path: Vec<String>) -> Self {
        self.crate_name = crate_name.into().replace('-', "_");
        self.module_path = module_path;
        self
    }
}
