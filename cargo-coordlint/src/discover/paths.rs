//! Path mode: the files given, or every `.rs` file under the directories given (skipping
//! `target/` and hidden folders). Each file's crate, module path and edition come from the
//! nearest `Cargo.toml` above it; `--edition` overrides the edition.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use super::{FileOrigin, Inputs, PackageInfo, TargetInfo, display_path};
use lint_core::{Edition, SourceFile};
use rayon::prelude::*;

use crate::args::Cli;

/// What the nearest manifest says about the files below it.
#[derive(Clone, Debug)]
struct Manifest {
    dir: PathBuf,
    crate_name: String,
    edition: Edition,
    package: Option<Arc<PackageInfo>>,
}

pub fn discover_paths(cli: &Cli) -> anyhow::Result<Inputs> {
    let root = std::env::current_dir().context("could not read the current directory")?;
    let mut files = Vec::new();
    for path in &cli.paths {
        if path.is_dir() {
            collect_rust_files(path, &mut files)
                .with_context(|| format!("could not list {}", path.display()))?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    files.sort();
    files.dedup();
    let mut manifests: HashMap<PathBuf, Option<Manifest>> = HashMap::new();
    let mut inputs = Inputs {
        root,
        sources: Vec::new(),
        facts: Vec::new(),
        origins: Vec::new(),
        warnings: Vec::new(),
        coordlint_metadata: None,
    };
    let texts: Vec<(PathBuf, std::io::Result<String>)> = files
        .into_par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path);
            (path, text)
        })
        .collect();
    for (path, text) in texts {
        let text = match text {
            Ok(text) => text,
            Err(error) => {
                inputs.warnings.push(format!(
                    "could not read {}: {error}; it was not analyzed",
                    path.display()
                ));
                continue;
            }
        };
        let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        let manifest = nearest_manifest(&mut manifests, &absolute);
        let edition = cli
            .edition
            .or(manifest.as_ref().map(|manifest| manifest.edition))
            .unwrap_or_default();
        let crate_name = manifest.as_ref().map_or_else(
            || "crate".to_string(),
            |manifest| manifest.crate_name.clone(),
        );
        let module_path = manifest
            .as_ref()
            .map(|manifest| module_path_in_package(&manifest.dir, &absolute))
            .unwrap_or_default();
        inputs.sources.push(
            SourceFile::new(display_path(&inputs.root, &path), text, edition)
                .with_crate(crate_name.clone(), module_path),
        );
        inputs.origins.push(FileOrigin {
            absolute_path: absolute.clone(),
            package: manifest
                .as_ref()
                .and_then(|manifest| manifest.package.clone()),
            target: Arc::new(TargetInfo {
                name: crate_name,
                kind: vec!["lib".to_string()],
                crate_types: vec!["lib".to_string()],
                src_path: absolute,
                edition: edition.as_str().to_string(),
                doc: true,
                doctest: false,
                test: true,
            }),
        });
    }
    inputs.facts = lint_core::lower_files(&inputs.sources);
    Ok(inputs)
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if file_type.is_file() && name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// The module a file is in its package: `src/lib.rs` and `src/main.rs` are the root,
/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; files outside `src/` are roots of their own.
fn module_path_in_package(package_dir: &Path, file: &Path) -> Vec<String> {
    let Ok(relative) = file.strip_prefix(package_dir.join("src")) else {
        return Vec::new();
    };
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|first| first == "bin") {
        return Vec::new();
    }
    if matches!(parts.last().map(String::as_str), Some("mod")) {
        parts.pop();
    }
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main") {
        parts.clear();
    }
    parts
}

fn nearest_manifest(
    cache: &mut HashMap<PathBuf, Option<Manifest>>,
    file: &Path,
) -> Option<Manifest> {
    let dir = file.parent()?.to_path_buf();
    if let Some(known) = cache.get(&dir) {
        return known.clone();
    }
    let found = dir
        .ancestors()
        .find(|ancestor| ancestor.join("Cargo.toml").is_file())
        .and_then(read_manifest);
    cache.insert(dir, found.clone());
    found
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package").and_then(|package| package.as_table());
    let name = package
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str());
    let version = package
        .and_then(|package| package.get("version"))
        .and_then(|version| version.as_str())
        .unwrap_or("0.0.0");
    let edition = package
        .and_then(|package| package.get("edition"))
        .and_then(|edition| match edition {
            toml::Value::String(text) => Edition::parse(text),
            _ => workspace_edition(dir),
        })
        .unwrap_or(Edition::E2015);
    let edition = if package.is_none() {
        Edition::E2021
    } else {
        edition
    };
    let package_info = name.map(|name| {
        let dir_name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        let fragment = if dir_name.as_deref() == Some(name) {
            version.to_string()
        } else {
            format!("{name}@{version}")
        };
        Arc::new(PackageInfo {
            id: format!("path+file://{}#{fragment}", dir.display()),
            manifest_path: dir.join("Cargo.toml"),
        })
    });
    Some(Manifest {
        dir: dir.to_path_buf(),
        crate_name: name.unwrap_or("crate").replace('-', "_"),
        edition,
        package: package_info,
    })
}

/// `edition.workspace = true`: the edition in `[workspace.package]` of a manifest above.
fn workspace_edition(package_dir: &Path) -> Option<Edition> {
    package_dir.ancestors().skip(1).find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let value: toml::Table = text.parse().ok()?;
        let edition = value
            .get("workspace")?
            .get("package")?
            .get("edition")?
            .as_str()?;
        Edition::parse(edition)
    })
}
