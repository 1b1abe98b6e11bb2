//! Macros whose arguments lowering looks into, because they are ordinary expressions.

/// Macros whose arguments are a comma-separated list of expressions (format strings are
/// string literals, named format arguments parse as assignments).
const EXPRESSION_LIST_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "dbg",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "join",
    "try_join",
    "anyhow",
    "bail",
    "ensure",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
];

pub fn takes_expression_list(name: &str) -> bool {
    EXPRESSION_LIST_MACROS.contains(&name)
}

/// Of the expression-list macros, those that take no format string.
const NON_FORMATTING_MACROS: &[&str] = &["vec", "join", "try_join", "dbg"];

/// Macros that format their arguments with a format string (the first string literal
/// among them): `Display`/`Debug` impls of the arguments run there.
pub fn formats_arguments(name: &str) -> bool {
    takes_expression_list(name) && !NON_FORMATTING_MACROS.contains(&name)
}

/// The traits whose `fmt` a format string calls (`{}` and `{:?}`), by trait name.
const FORMAT_TRAITS: &[&str] = &["Display", "Debug"];

pub fn is_format_trait(name: &str) -> bool {
    FORMAT_TRAITS.contains(&name)
}

/// Macros whose first argument is an expression and the rest is something else
/// (`matches!(value, Pattern)`).
const FIRST_ARGUMENT_MACROS: &[&str] = &["matches", "assert_matches", "debug_assert_matches"];

pub fn takes_first_expression(name: &str) -> bool {
    FIRST_ARGUMENT_MACROS.contains(&name)
}

/// Macros that wrap one future in a tracing span and evaluate to it (tracing-active-tree's
/// `root!(fut)`, `root!("name"; fut)`, `frame!("name"; fut; field = 1)`): the future is the
/// value, the name and the span fields around it are not code.
const INSTRUMENTING_MACROS: &[&str] = &["root", "frame"];

pub fn wraps_one_future(name: &str) -> bool {
    INSTRUMENTING_MACROS.contains(&name)
}

/// Macros that await every future they are given (`join!(a, b)`): each argument is an
/// `.await`.
pub fn awaits_its_arguments(name: &str) -> bool {
    matches!(name, "join" | "try_join")
}

/// Macros that wait for the first of several futures and run that branch's handler
/// (`tokio::select!`, `futures::select!` and `select_biased!`).
pub fn is_select(name: &str) -> bool {
    matches!(name, "select" | "select_biased")
}

/// `vec![..]`: a collection literal.
pub fn is_vec_literal(name: &str) -> bool {
    name == "vec"
}
