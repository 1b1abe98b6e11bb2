//! Empty: this package exists so that `cargo fetch` downloads its dependencies.
