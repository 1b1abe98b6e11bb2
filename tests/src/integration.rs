//! The one integration test binary: fixtures, end-to-end CLI runs, and meta-tests that keep
//! the project's conventions true.

mod suites;
