//! The hash maps and sets of the analysis: std's, with rustc's Fx hash instead of SipHash.
//! Their keys are short (function references, spans, paths and names) and come from the
//! analyzed code, which is not an adversary of the process that reads it; SipHash's
//! protection against crafted collisions costs more than the hashing itself here. The
//! output never depends on iteration order (findings are sorted).

pub type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
pub type HashSet<T> = std::collections::HashSet<T, rustc_hash::FxBuildHasher>;
