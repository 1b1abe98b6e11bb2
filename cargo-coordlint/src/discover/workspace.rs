//! Workspace mode: `cargo metadata --no-deps` (through the cargo that invoked us, `$CARGO`)
//! gives the packages, their targets and editions; when it fails (a nightly-only
//! `cargo-features` entry, a manifest format newer than the toolchain, no cargo at all) the
//! manifests are read directly (`manifests`). coordlint never builds and never runs build
//! scripts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use cargo_metadata::{Metadata, MetadataCommand, Package, Target};

use super::confine::{self, Confinement};
use super::layout::{Layout, Member, wants_target};
use super::{
    FileOrigin, Inputs, ModuleDirectory, PackageInfo, PendingFile, SettingsFile, SettingsFileKind,
    TargetInfo,
};
use super::{manifests, modules};
use crate::Environment;
use crate::args::Cli;
use crate::cache::FactsCache;

pub fn discover_workspace(cli: &Cli, environment: &Environment) -> anyhow::Result<Inputs> {
    let manifest = match &cli.manifest_path {
        Some(path) => path.clone(),
        None => find_nearest_manifest()?,
    };
    let mut warnings = Vec::new();
    let (mut layout, target_dir) = match run_cargo_metadata(environment, &manifest) {
        Ok(metadata) => (
            layout_from_metadata(&metadata),
            metadata.target_directory.clone().into_std_path_buf(),
        ),
        Err(cargo_error) if !manifest.is_file() => {
            // Nothing to read directly either: cargo's own words say it best.
            return Err(cargo_error.context(format!(
                "could not read the cargo workspace of {}",
                manifest.display()
            )));
        }
        Err(cargo_error) => {
            let (layout, member_warnings) =
                manifests::read_layout(&manifest).with_context(|| {
                    format!(
                        "could not read the cargo workspace of {}: `cargo metadata` failed ({}), \
                     and reading the manifests directly failed too",
                        manifest.display(),
                        first_line_of(&cargo_error)
                    )
                })?;
            warnings.push(format!(
                "`cargo metadata` failed ({}); read the manifests directly instead",
                first_line_of(&cargo_error)
            ));
            warnings.extend(member_warnings);
            let target_dir = layout.root.join("target");
            (layout, target_dir)
        }
    };
    layout.sort();
    let packages = layout.select_packages(cli, &manifest)?;
    let mut inputs = Inputs::new(layout.root.clone());
    inputs.warnings = warnings;
    let workspace_confinement = Arc::new(Confinement::new(&layout.root, "the workspace root"));
    inputs.settings_files = settings_files(
        &layout,
        &packages,
        &workspace_confinement,
        &mut inputs.warnings,
    )?;
    let mut roots = Vec::new();
    for member in packages {
        let package_info = Arc::new(PackageInfo {
            id: member.id.clone(),
            manifest_path: member.manifest_path.clone(),
        });
        let confinement = confinement_of(&workspace_confinement, member);
        for target in member
            .targets
            .iter()
            .filter(|target| wants_target(cli, target))
        {
            roots.push(root_file(package_info.clone(), target, confinement.clone()));
        }
    }
    inputs.cache = FactsCache::for_workspace(cli, &target_dir);
    modules::load_crates(&mut inputs, roots);
    Ok(inputs)
}

/// The workspace root manifest (for `[workspace.metadata.coordlint]`) and each selected
/// member's manifest (for `[package.metadata.coordlint]`), read through the confinement.
/// A member manifest that cannot be read there (a symlink out of the root) loses its
/// settings with a warning; the root manifest must be readable.
fn settings_files(
    layout: &Layout,
    packages: &[&Member],
    workspace_confinement: &Arc<Confinement>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<SettingsFile>> {
    let root_manifest = layout.root.join("Cargo.toml");
    let mut files = Vec::new();
    let root_package = packages
        .iter()
        .find(|member| member.manifest_path == root_manifest);
    if root_manifest.is_file() {
        files.push(SettingsFile {
            text: read_manifest_text(workspace_confinement, &root_manifest)?,
            path: root_manifest.clone(),
            kind: SettingsFileKind::Manifest {
                workspace_root: true,
                package_id: root_package.map(|member| member.id.clone()),
            },
        });
    }
    for member in packages {
        if member.manifest_path == root_manifest {
            continue;
        }
        let confinement = confinement_of(workspace_confinement, member);
        let text = match read_manifest_text(&confinement, &member.manifest_path) {
            Ok(text) => text,
            Err(error) => {
                warnings.push(format!("{error:#}; its coordlint settings were not read"));
                continue;
            }
        };
        files.push(SettingsFile {
            text,
            path: member.manifest_path.clone(),
            kind: SettingsFileKind::Manifest {
                workspace_root: false,
                package_id: Some(member.id.clone()),
            },
        });
    }
    Ok(files)
}

fn read_manifest_text(confinement: &Confinement, path: &Path) -> anyhow::Result<String> {
    confine::read_confined(confinement, path)
        .map_err(|reason| anyhow::anyhow!("could not read {}: {reason}", path.display()))
}

fn run_cargo_metadata(environment: &Environment, manifest: &Path) -> anyhow::Result<Metadata> {
    let mut command = MetadataCommand::new();
    command.manifest_path(manifest).no_deps();
    command.cargo_path(environment.cargo.as_deref().unwrap_or(Path::new("cargo")));
    Ok(command.exec()?)
}

/// Why cargo failed, in one line: the first line of its error, without `error: `, plus what
/// a known cause means. Only fixed words are added: cargo's later lines may quote a manifest
/// (which may be a symlink to anything), so they are not repeated.
fn first_line_of(error: &anyhow::Error) -> String {
    let (text, cargo_stderr) = match error.downcast_ref::<cargo_metadata::Error>() {
        Some(cargo_metadata::Error::CargoMetadata { stderr }) => (stderr.clone(), true),
        _ => (error.to_string(), false),
    };
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("warning:"))
        .unwrap_or("no error message");
    let first = first.strip_prefix("error: ").unwrap_or(first).to_string();
    if cargo_stderr && text.contains("requires a nightly version of Cargo") {
        format!("{first}: a nightly-only `cargo-features` entry")
    } else {
        first
    }
}

/// Module files stay inside the workspace root; a member outside it (cargo allows one whose
/// manifest points back with `package.workspace`) is confined to its own directory.
fn confinement_of(workspace: &Arc<Confinement>, member: &Member) -> Arc<Confinement> {
    let package_dir = member.manifest_path.parent().unwrap_or(Path::new("/"));
    let inside = package_dir
        .canonicalize()
        .is_ok_and(|dir| workspace.contains(&dir));
    if inside {
        workspace.clone()
    } else {
        Arc::new(Confinement::new(package_dir, "the package directory"))
    }
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

fn layout_from_metadata(metadata: &Metadata) -> Layout {
    let members: Vec<Member> = metadata
        .workspace_packages()
        .into_iter()
        .map(member_from_package)
        .collect();
    let default_members = if metadata.workspace_default_members.is_available() {
        metadata
            .workspace_default_members
            .iter()
            .map(|id| id.repr.clone())
            .collect()
    } else {
        members.iter().map(|member| member.id.clone()).collect()
    };
    Layout {
        root: metadata.workspace_root.clone().into_std_path_buf(),
        members,
        default_members,
    }
}

fn member_from_package(package: &Package) -> Member {
    Member {
        id: package.id.repr.clone(),
        name: package.name.to_string(),
        version: package.version.to_string(),
        manifest_path: package.manifest_path.clone().into_std_path_buf(),
        targets: package
            .targets
            .iter()
            .map(|target| Arc::new(target_info(target)))
            .collect(),
    }
}

fn target_info(target: &Target) -> TargetInfo {
    TargetInfo {
        name: target.name.clone(),
        kind: target.kind.iter().map(ToString::to_string).collect(),
        crate_types: target.crate_types.iter().map(ToString::to_string).collect(),
        src_path: target.src_path.clone().into_std_path_buf(),
        edition: target.edition.as_str().to_string(),
        doc: target.doc,
        doctest: target.doctest,
        test: target.test,
    }
}

fn root_file(
    package: Arc<PackageInfo>,
    target: &Arc<TargetInfo>,
    confinement: Arc<Confinement>,
) -> PendingFile {
    let edition = lint_core::Edition::parse(&target.edition).unwrap_or_default();
    PendingFile {
        path: target.src_path.clone(),
        crate_name: target.name.replace('-', "_"),
        module_path: Vec::new(),
        edition,
        directory: ModuleDirectory::Own,
        confinement,
        origin: FileOrigin {
            absolute_path: target.src_path.clone(),
            package: Some(package),
            target: target.clone(),
        },
        // A test, bench or example target is here because it was selected: analyze it.
        test_code: false,
        named: false,
    }
}
