//! Workspace mode: `cargo metadata --no-deps` gives the packages, their targets and
//! editions; coordlint never builds and never runs build scripts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use cargo_metadata::{Metadata, MetadataCommand, Package, Target, TargetKind};

use super::{FileOrigin, Inputs, PackageInfo, PendingFile, TargetInfo, modules};
use crate::args::Cli;

pub fn discover_workspace(cli: &Cli) -> anyhow::Result<Inputs> {
    let manifest = match &cli.manifest_path {
        Some(path) => path.clone(),
        None => find_nearest_manifest()?,
    };
    let mut command = MetadataCommand::new();
    command.manifest_path(&manifest).no_deps();
    let metadata = command.exec().with_context(|| {
        format!(
            "could not read the cargo workspace of {}",
            manifest.display()
        )
    })?;
    let packages = select_packages(cli, &metadata, &manifest)?;
    let mut inputs = Inputs {
        root: metadata.workspace_root.clone().into_std_path_buf(),
        sources: Vec::new(),
        facts: Vec::new(),
        origins: Vec::new(),
        warnings: Vec::new(),
        coordlint_metadata: metadata.workspace_metadata.get("coordlint").cloned(),
    };
    let mut roots = Vec::new();
    for package in packages {
        let package_info = Arc::new(PackageInfo {
            id: package.id.repr.clone(),
            manifest_path: package.manifest_path.clone().into_std_path_buf(),
        });
        for target in package
            .targets
            .iter()
            .filter(|target| wants_target(cli, target))
        {
            roots.push(root_file(package_info.clone(), target));
        }
    }
    modules::load_crates(&mut inputs, roots);
    Ok(inputs)
}

fn find_nearest_manifest() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("could not read the current directory")?;
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|candidate| candidate.is_file())
        .with_context(|| {
            format!(
                "could not find Cargo.toml in {} or any parent directory (pass --manifest-path or PATHS)",
                cwd.display()
            )
        })
}

/// The packages to analyze, with cargo's rules: `-p` specs, else `--workspace`, else the
/// package of the manifest, else (a virtual manifest) the default members.
fn select_packages<'m>(
    cli: &Cli,
    metadata: &'m Metadata,
    manifest: &Path,
) -> anyhow::Result<Vec<&'m Package>> {
    let members: Vec<&Package> = metadata.workspace_packages();
    let selected: Vec<&Package> = if !cli.packages.is_empty() {
        let mut selected = Vec::new();
        for spec in &cli.packages {
            let matching: Vec<&Package> = members
                .iter()
                .copied()
                .filter(|package| spec_matches(spec, package))
                .collect();
            if matching.is_empty() {
                let names: Vec<String> = members.iter().map(|p| p.name.to_string()).collect();
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
        let manifest = manifest
            .canonicalize()
            .unwrap_or_else(|_| manifest.to_path_buf());
        let own = members.iter().copied().find(|package| {
            package
                .manifest_path
                .as_std_path()
                .canonicalize()
                .is_ok_and(|path| path == manifest)
        });
        match own {
            Some(package) => vec![package],
            None if metadata.workspace_default_members.is_available() => members
                .iter()
                .copied()
                .filter(|package| metadata.workspace_default_members.contains(&package.id))
                .collect(),
            None => members.clone(),
        }
    };
    let mut selected: Vec<&Package> = selected
        .into_iter()
        .filter(|package| !cli.exclude.iter().any(|spec| spec_matches(spec, package)))
        .collect();
    selected.sort_by(|a, b| a.id.repr.cmp(&b.id.repr));
    selected.dedup_by(|a, b| a.id == b.id);
    Ok(selected)
}

/// A package id spec as cargo accepts it: `name`, `name@version`, `name:version`, or the
/// package id itself (`path+file:///dir#0.1.0`, as rust-analyzer passes it).
fn spec_matches(spec: &str, package: &Package) -> bool {
    let name = package.name.as_str();
    let version = package.version.to_string();
    spec == name
        || spec == package.id.repr
        || spec == format!("{name}@{version}")
        || spec == format!("{name}:{version}")
}

fn wants_target(cli: &Cli, target: &Target) -> bool {
    let is = |kind: TargetKind| target.kind.contains(&kind);
    let is_lib = target.kind.iter().any(|kind| {
        matches!(
            kind,
            TargetKind::Lib
                | TargetKind::RLib
                | TargetKind::DyLib
                | TargetKind::CDyLib
                | TargetKind::StaticLib
                | TargetKind::ProcMacro
        )
    });
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
        return !is(TargetKind::CustomBuild);
    }
    if !any_selection {
        return is_lib || is(TargetKind::Bin);
    }
    let named = |names: &[String]| names.contains(&target.name);
    (cli.lib && is_lib)
        || (is(TargetKind::Bin) && (cli.bins || named(&cli.bin)))
        || (is(TargetKind::Test) && (cli.tests || named(&cli.test)))
        || (is(TargetKind::Example) && (cli.examples || named(&cli.example)))
        || (is(TargetKind::Bench) && (cli.benches || named(&cli.bench)))
}

fn root_file(package: Arc<PackageInfo>, target: &Target) -> PendingFile {
    let edition = lint_core::Edition::parse(target.edition.as_str()).unwrap_or_default();
    let src_path = target.src_path.clone().into_std_path_buf();
    PendingFile {
        path: src_path.clone(),
        crate_name: target.name.replace('-', "_"),
        module_path: Vec::new(),
        edition,
        owns_directory: true,
        origin: FileOrigin {
            absolute_path: src_path.clone(),
            package: Some(package),
            target: Arc::new(TargetInfo {
                name: target.name.clone(),
                kind: target.kind.iter().map(ToString::to_string).collect(),
                crate_types: target.crate_types.iter().map(ToString::to_string).collect(),
                src_path,
                edition: target.edition.as_str().to_string(),
                doc: target.doc,
                doctest: target.doctest,
                test: target.test,
            }),
        },
    }
}
