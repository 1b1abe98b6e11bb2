//! What marks code as test support rather than production code, besides `#[cfg(test)]`
//! and `#[test]`: modules named for test helpers and features that gate test helpers.
//! Code under either is left out of the default scope, as test code is (`--tests` or
//! `--all-targets` puts it back).

/// Module names that hold test helpers by convention (`pub mod test_utils;`).
const TEST_SUPPORT_MODULES: &[&str] = &[
    "test",
    "tests",
    "testing",
    "test_util",
    "test_utils",
    "testutil",
    "testutils",
    "test_helper",
    "test_helpers",
    "test_support",
];

/// Whether a module named `name` (raw identifiers with their `r#`) is test support.
pub fn is_test_support_module(name: &str) -> bool {
    TEST_SUPPORT_MODULES.contains(&name)
}

/// Cargo features that switch test helpers on (`#[cfg(feature = "test-utils")]`).
const TEST_SUPPORT_FEATURES: &[&str] = &[
    "test",
    "testing",
    "test-util",
    "test-utils",
    "test_util",
    "test_utils",
    "testutils",
    "test-helpers",
    "test-support",
    "test_support",
];

/// Whether `feature = "<name>"` gates test support.
pub fn is_test_support_feature(name: &str) -> bool {
    TEST_SUPPORT_FEATURES.contains(&name)
}
