//! The placeholders of a format string (`"no frame: {:?} after {tries} tries"`), to know
//! which arguments a formatting macro formats with `Debug` or `Display`, so that their
//! workspace `fmt` impls count as calls made there.

use crate::model::{Expr, ExprKind};

/// The trait a placeholder formats its argument with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatTrait {
    Display,
    Debug,
}

/// Which argument a placeholder formats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatArgument {
    /// The next positional argument, or the one at this index.
    Position(usize),
    /// A named argument (`name = value`) or a captured local (`{name}`).
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub argument: FormatArgument,
    pub with: FormatTrait,
}

/// The `Display` and `Debug` placeholders of `text` (other traits, such as `{:x}`, are
/// left out; `{{` and `}}` are literal braces).
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut next_position = 0;
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        let brace = rest.as_bytes()[open];
        let after = &rest[open + 1..];
        if after.as_bytes().first() == Some(&brace) {
            rest = &after[1..];
            continue;
        }
        if brace == b'}' {
            rest = after;
            continue;
        }
        let Some(close) = after.find('}') else {
            break;
        };
        let (name, spec) = after[..close]
            .split_once(':')
            .unwrap_or((&after[..close], ""));
        let name = name.trim();
        let argument = if name.is_empty() {
            next_position += 1;
            FormatArgument::Position(next_position - 1)
        } else if let Ok(index) = name.parse() {
            FormatArgument::Position(index)
        } else {
            FormatArgument::Named(name.to_string())
        };
        if let Some(with) = format_trait(spec) {
            found.push(Placeholder { argument, with });
        }
        rest = &after[close + 1..];
    }
    found
}

/// `?` (or `#?`) is `Debug`; a spec ending in one of the other traits' letters is not
/// ours; anything else (width, fill, precision) is `Display`.
fn format_trait(spec: &str) -> Option<FormatTrait> {
    if spec.ends_with('?') {
        return Some(FormatTrait::Debug);
    }
    match spec.chars().last() {
        Some('x' | 'X' | 'o' | 'b' | 'e' | 'E' | 'p') => None,
        _ => Some(FormatTrait::Display),
    }
}

/// The value of `name = value` among a formatting macro's arguments.
pub fn named_argument<'e>(arguments: &'e [Expr], name: &str) -> Option<&'e Expr> {
    arguments.iter().find_map(|argument| match &argument.kind {
        ExprKind::Assign { target, value }
            if matches!(&target.kind, ExprKind::Path(path) if path.segments.len() == 1 && path.last() == name) =>
        {
            Some(&**value)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(index: usize, with: FormatTrait) -> Placeholder {
        Placeholder {
            argument: FormatArgument::Position(index),
            with,
        }
    }

    #[test]
    fn positional_named_and_indexed_placeholders() {
        assert_eq!(
            placeholders("a {} b {:?} c {name:>8} d {0:#?} {{literal}} {:x}"),
            vec![
                at(0, FormatTrait::Display),
                at(1, FormatTrait::Debug),
                Placeholder {
                    argument: FormatArgument::Named("name".to_string()),
                    with: FormatTrait::Display,
                },
                at(0, FormatTrait::Debug),
            ]
        );
    }

    #[test]
    fn unbalanced_text_is_read_up_to_the_problem() {
        assert_eq!(placeholders("{:?} {"), vec![at(0, FormatTrait::Debug)]);
        assert!(placeholders("}} no placeholders }").is_empty());
    }
}
