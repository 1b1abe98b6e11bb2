//! `cargo coordlint graph [--format dot|json]`: the lock-order graph of what a run would
//! analyze (same package, target and path selection), from lint-core's [`lint_core::lock_graph`].
//! DOT for Graphviz (`| dot -Tsvg`): classes labelled with their type and field, edges with
//! the function and site, edges on a reported cycle in red, async locks dashed, gate locks
//! doubled. JSON for scripts.

use std::fmt::Write as _;

use lint_core::lock_graph::{EdgeSite, LockClass, LockEdge};
use lint_core::{LockGraph, Span};
use serde_json::{Value, json};

use crate::discover::Inputs;

/// The graph as a Graphviz digraph.
pub fn dot(inputs: &Inputs, graph: &LockGraph) -> String {
    let mut text = String::from(
        "digraph lock_order {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n    edge [fontname=\"monospace\", fontsize=10];\n",
    );
    for (index, class) in graph.classes.iter().enumerate() {
        let mut attributes = vec![format!("label={}", quoted(&class_label(class)))];
        if class.is_async {
            attributes.push("style=dashed".to_string());
        }
        if class.is_gate {
            attributes.push("peripheries=2".to_string());
        }
        let _ = writeln!(text, "    n{index} [{}];", attributes.join(", "));
    }
    for edge in &graph.edges {
        let mut attributes = vec![format!("label={}", quoted(&edge_label(inputs, edge)))];
        if edge.on_cycle {
            attributes.push("color=red, fontcolor=red, penwidth=2".to_string());
        }
        let _ = writeln!(
            text,
            "    n{} -> n{} [{}];",
            edge.from,
            edge.to,
            attributes.join(", ")
        );
    }
    text.push_str("}\n");
    text
}

/// `Inventory::stock` over `std::sync::Mutex, field of Inventory`, with `async` and `gate`.
fn class_label(class: &LockClass) -> String {
    let mut details = Vec::new();
    if let Some(lock_type) = class.lock_type {
        details.push(lock_type.to_string());
    }
    match (&class.owner, &class.field) {
        (Some(owner), Some(field)) => details.push(format!("field `{field}` of {owner}")),
        _ => details.push(class.kind.to_string()),
    }
    if class.is_async {
        details.push("async".to_string());
    }
    if class.is_gate {
        details.push("gate lock".to_string());
    }
    format!("{}\n{}", class.name, details.join(", "))
}

/// The first witness's function and site (the call, when the lock is taken in a callee),
/// and how many more there are.
fn edge_label(inputs: &Inputs, edge: &LockEdge) -> String {
    let Some(first) = edge.witnesses.first() else {
        return String::new();
    };
    let shown_site = first.call.unwrap_or(first.site);
    let mut label = format!("{}\n{}", first.function, place(inputs, shown_site));
    if !first.through.is_empty() {
        label.push_str(&format!("\nvia {}", first.through.join(" → ")));
    }
    if edge.witnesses.len() > 1 {
        label.push_str(&format!("\n(+{} more)", edge.witnesses.len() - 1));
    }
    label
}

fn place(inputs: &Inputs, span: Span) -> String {
    let start = inputs.start(span);
    format!(
        "{}:{}:{}",
        inputs.sources[span.file.0 as usize].path, start.line, start.column
    )
}

/// A DOT string: quotes and backslashes escaped, line breaks as `\n`.
fn quoted(text: &str) -> String {
    let escaped = super::output::escape::multi_line(text)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// The graph as one JSON document.
pub fn json(inputs: &Inputs, graph: &LockGraph) -> Value {
    json!({
        "classes": graph.classes.iter().enumerate().map(|(index, class)| json!({
            "id": index,
            "name": class.name,
            "kind": class.kind,
            "owner": class.owner,
            "field": class.field,
            "lock_type": class.lock_type,
            "async": class.is_async,
            "gate": class.is_gate,
        })).collect::<Vec<_>>(),
        "edges": graph.edges.iter().map(|edge| json!({
            "from": edge.from,
            "to": edge.to,
            "on_cycle": edge.on_cycle,
            "witnesses": edge.witnesses.iter().map(|site| witness_json(inputs, site)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn witness_json(inputs: &Inputs, site: &EdgeSite) -> Value {
    json!({
        "function": site.function,
        "site": span_json(inputs, site.site),
        "call": site.call.map(|call| span_json(inputs, call)),
        "held_at": span_json(inputs, site.held_site),
        "through": site.through,
    })
}

fn span_json(inputs: &Inputs, span: Span) -> Value {
    let start = inputs.start(span);
    json!({
        "file": inputs.sources[span.file.0 as usize].path,
        "line": start.line,
        "column": start.column,
    })
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn dot_strings_are_escaped() {
        assert_eq!(quoted("a \"b\"\nc\\d"), "\"a \\\"b\\\"\\nc\\\\d\"");
    }
}
