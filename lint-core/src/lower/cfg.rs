//! `#[cfg(..)]` predicates read for one question: is this code compiled only into test
//! builds? `test` and test-support features ([`crate::knowledge::test_code`]) are off in a
//! production build; every other option may be either way. A predicate that is off whatever
//! the unknown options are (`test`, `all(test, unix)`, `any(test, feature = "test-utils")`)
//! marks test code; `not(test)` and `any(test, unix)` do not.

use crate::knowledge::test_code::is_test_support_feature;

/// The value of a predicate in a production build, where most options are unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    Off,
    On,
    Unknown,
}

/// Whether a predicate (token text without spaces, as `cfg_predicates` gives it) holds
/// only in test builds. Text that does not read as a predicate is not test-only.
pub fn is_test_only(predicate: &str) -> bool {
    let mut parser = Parser {
        text: predicate.as_bytes(),
        at: 0,
    };
    let value = parser.predicate(0);
    parser.at == parser.text.len() && value == Some(Value::Off)
}

/// A recursive-descent reader of `name`, `name="value"` and `name(list, ..)`.
struct Parser<'t> {
    text: &'t [u8],
    at: usize,
}

/// Deepest nesting of `all`/`any`/`not` read (deeper text is not test-only).
const MAX_DEPTH: usize = 32;

impl Parser<'_> {
    fn predicate(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let name = self.identifier()?;
        match self.peek() {
            Some(b'=') => {
                self.at += 1;
                let value = self.string()?;
                Some(match name.as_str() {
                    "feature" if is_test_support_feature(&value) => Value::Off,
                    _ => Value::Unknown,
                })
            }
            Some(b'(') => {
                self.at += 1;
                let mut values = Vec::new();
                while self.peek() != Some(b')') {
                    values.push(self.predicate(depth + 1)?);
                    if self.peek() == Some(b',') {
                        self.at += 1;
                    }
                }
                self.at += 1;
                combine(&name, &values)
            }
            _ if name == "test" => Some(Value::Off),
            _ => Some(Value::Unknown),
        }
    }

    fn identifier(&mut self) -> Option<String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'#')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.at + 1;
        let end = start + self.text[start..].iter().position(|&byte| byte == b'"')?;
        self.at = end + 1;
        Some(String::from_utf8_lossy(&self.text[start..end]).into_owned())
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }
}

/// `all(..)`, `any(..)`, `not(..)` over three-valued operands.
fn combine(operator: &str, values: &[Value]) -> Option<Value> {
    let has = |wanted: Value| values.contains(&wanted);
    match operator {
        "all" if has(Value::Off) => Some(Value::Off),
        "all" if has(Value::Unknown) => Some(Value::Unknown),
        "all" => Some(Value::On),
        "any" if has(Value::On) => Some(Value::On),
        "any" if has(Value::Unknown) => Some(Value::Unknown),
        "any" => Some(Value::Off),
        "not" => match values {
            [Value::Off] => Some(Value::On),
            [Value::On] => Some(Value::Off),
            [Value::Unknown] => Some(Value::Unknown),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_test_only;

    #[test]
    fn test_only_predicates() {
        for predicate in [
            "test",
            "all(test,unix)",
            "all(unix,test)",
            "any(test,feature=\"test-utils\")",
            "feature=\"testing\"",
            "not(not(test))",
            "all(test,not(windows))",
        ] {
            assert!(is_test_only(predicate), "{predicate}");
        }
    }

    #[test]
    fn predicates_that_production_builds_may_compile() {
        for predicate in [
            "not(test)",
            "any(test,unix)",
            "any(test,feature=\"std\")",
            "unix",
            "feature=\"tests\"x",
            "all(test",
            "",
            "not(test,unix)",
            "debug_assertions",
        ] {
            assert!(!is_test_only(predicate), "{predicate}");
        }
    }
}
