//! The workspace as coordlint needs it (members, their targets, the default members),
//! whether it came from `cargo metadata` or from the manifests read directly, and the package and target selection over it. Both sources produce this one
//! model, so `-p`, `--workspace`, `--exclude` and the target flags select the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;

use super::TargetInfo;
use crate::args::Cli;

/// A cargo workspace: its members (sorted by package id) and what they build.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The directory of the workspace root manifest.
    pub root: PathBuf,
    pub members: Vec<Member>,
    /// Package ids of the members cargo selects when no package is named.
    pub default_members: Vec<String>,
}

/// One workspace member.
#[derive(Clone, Debug)]
pub struct Member {
    /// cargo's package id (`path+file:///dir#0.1.0`).
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// In cargo's order: lib, bins, examples, tests, benches (each by name).
    pub targets: Vec<Arc<TargetInfo>>,
}

impl Layout {
    /// Members in package id order, targets in cargo's order: what makes file ids, and so
    /// the output, the same whichever way the layout was read.
    pub fn sort(&mut self) {
        self.members.sort_by(|a, b| a.id.cmp(&b.id));
        for member in &mut self.members {
            member
                .targets
                .sort_by(|a, b| (kind_rank(a), &a.name).cmp(&(kind_rank(b), &b.name)));
        }
        self.default_members.sort();
    }

    /// The packages to analyze, with cargo's rules: `-p` specs, else `--workspace`, else the
    /// package of a member's manifest, else (the root manifest) the default members.
    pub fn select_packages(&self, cli: &Cli, manifest: &Path) -> anyhow::Result<Vec<&Member>> {
        let members: Vec<&Member> = self.members.iter().collect();
        let selected: Vec<&Member> = if !cli.packages.is_empty() {
            let mut selected = Vec::new();
            for spec in &cli.packages {
                let matching: Vec<&Member> = members
                    .iter()
                    .copied()
                    .filter(|member| spec_matches(spec, member))
                    .collect();
                if matching.is_empty() {
                    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                    bail!(
                        "package `{spec}` is not a member of the workspace (members: {})",
                        names.join(", ")
                    );
                }
                selected.extend(matching);
            }
            selected
        } else if cli.workspace {
            members.clone()
        } else {
            let manifest = same_file_key(manifest);
            let is_root = manifest == same_file_key(&self.root.join("Cargo.toml"));
            let own = members
                .iter()
                .copied()
                .find(|member| same_file_key(&member.manifest_path) == manifest);
            match own {
                Some(member) if !is_root => vec![member],
                _ => members
                    .iter()
                    .copied()
                    .filter(|member| self.default_members.contains(&member.id))
                    .collect(),
            }
        };
        let mut selected: Vec<&Member> = selected
            .into_iter()
            .filter(|member| !cli.exclude.iter().any(|spec| spec_matches(spec, member)))
            .collect();
        selected.sort_by(|a, b| a.id.cmp(&b.id));
        selected.dedup_by(|a, b| a.id == b.id);
        Ok(selected)
    }
}

fn same_file_key(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| super::confine::normalize_lexically(path))
}

/// A package id spec as cargo accepts it: `name`, `name@version`, `name:version`, or the
/// package id itself (`path+file:///dir#0.1.0`, as rust-analyzer passes it).
fn spec_matches(spec: &str, member: &Member) -> bool {
    let name = member.name.as_str();
    let version = member.version.as_str();
    spec == name
        || spec == member.id
        || spec == format!("{name}@{version}")
        || spec == format!("{name}:{version}")
}

const LIB_KINDS: &[&str] = &["lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"];

fn is_lib(target: &TargetInfo) -> bool {
    target
        .kind
        .iter()
        .any(|kind| LIB_KINDS.contains(&kind.as_str()))
}

fn has_kind(target: &TargetInfo, kind: &str) -> bool {
    target.kind.iter().any(|k| k == kind)
}

fn kind_rank(target: &TargetInfo) -> u8 {
    if is_lib(target) {
        0
    } else if has_kind(target, "bin") {
        1
    } else if has_kind(target, "example") {
        2
    } else if has_kind(target, "test") {
        3
    } else if has_kind(target, "bench") {
        4
    } else {
        5
    }
}

/// Whether the target flags select `target` (default: lib and bins, as `cargo check`).
pub fn wants_target(cli: &Cli, target: &TargetInfo) -> bool {
    let any_selection = cli.lib
        || cli.bins
        || cli.tests
        || cli.examples
        || cli.benches
        || !cli.bin.is_empty()
        || !cli.test.is_empty()
        || !cli.example.is_empty()
        || !cli.bench.is_empty();
    if cli.all_targets {
        return !has_kind(target, "custom-build");
    }
    if !any_selection {
        return is_lib(target) || has_kind(target, "bin");
    }
    let named = |names: &[String]| names.contains(&target.name);
    (cli.lib && is_lib(target))
        || (has_kind(target, "bin") && (cli.bins || named(&cli.bin)))
        || (has_kind(target, "test") && (cli.tests || named(&cli.test)))
        || (has_kind(target, "example") && (cli.examples || named(&cli.example)))
        || (has_kind(target, "bench") && (cli.benches || named(&cli.bench)))
}
