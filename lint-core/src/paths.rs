//! Canonical paths as strings (`std::sync::Mutex`): their segments, found without a
//! substring search. `str::rsplit("::")` and its kin build a two-way searcher on every call
//! (hundreds of instructions), and the analysis takes paths apart for every call and type
//! it looks at. A `:` that is not part of `::` never splits.

/// The last segment: `Mutex` for `std::sync::Mutex`, the path itself without `::`.
pub fn last_segment(path: &str) -> &str {
    split_last(path).map_or(path, |(_, last)| last)
}

/// The path before its last `::` and the segment after it (`("std::sync", "Mutex")`);
/// `None` without `::`. As `path.rsplit_once("::")`.
pub fn split_last(path: &str) -> Option<(&str, &str)> {
    let bytes = path.as_bytes();
    let mut end = bytes.len();
    while let Some(colon) = memchr::memrchr(b':', &bytes[..end]) {
        if colon > 0 && bytes[colon - 1] == b':' {
            return Some((&path[..colon - 1], &path[colon + 1..]));
        }
        end = colon;
    }
    None
}

/// The first segment: `std` for `std::sync::Mutex`, the path itself without `::`.
pub fn first_segment(path: &str) -> &str {
    let bytes = path.as_bytes();
    let mut start = 0;
    while let Some(offset) = memchr::memchr(b':', &bytes[start..]) {
        let colon = start + offset;
        if bytes.get(colon + 1) == Some(&b':') {
            return &path[..colon];
        }
        start = colon + 1;
    }
    path
}

/// Whether the path has more than one segment (contains `::`).
pub fn is_qualified(path: &str) -> bool {
    path.as_bytes().windows(2).any(|pair| pair == b"::")
}

#[cfg(test)]
mod tests {
    use super::{first_segment, is_qualified, last_segment, split_last};

    #[test]
    fn segments_are_those_a_substring_search_finds() {
        let paths = [
            "",
            "Mutex",
            "std::sync::Mutex",
            "::std::sync",
            "a::",
            "a:b::c",
            "a:::b",
            "a::::b",
            ":",
            "::",
            ":::",
            "x:y",
            "é::ü",
        ];
        for path in paths {
            assert_eq!(split_last(path), path.rsplit_once("::"), "{path:?}");
            assert_eq!(
                last_segment(path),
                path.rsplit("::").next().unwrap_or(path),
                "{path:?}"
            );
            assert_eq!(
                first_segment(path),
                path.split("::").next().unwrap_or(path),
                "{path:?}"
            );
            assert_eq!(is_qualified(path), path.contains("::"), "{path:?}");
        }
    }
}
