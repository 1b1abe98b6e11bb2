"""The benchmark corpus (bench/corpus/Cargo.toml and its Cargo.lock): fetches it and lists
its crate folders. Shared by bench/perf.py and bench/signal_per_crate.py.

The corpus package depends on ~330 published crates at pinned versions; its folders are the
manifest directories of every package in its lock file (dependencies of those crates too,
for every platform), the corpus package itself excepted, sorted by path."""

import json
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_MANIFEST = os.path.join(REPO, "bench", "corpus", "Cargo.toml")


def build_release(log):
    """Builds cargo-coordlint and the parse floor example in release; returns both paths."""
    for command in (
        ["cargo", "build", "--release", "--locked", "-p", "cargo-coordlint"],
        ["cargo", "build", "--release", "--locked", "-p", "lint-core", "--example", "parse_floor"],
    ):
        log("$ " + " ".join(command))
        subprocess.run(command, cwd=REPO, check=True, stdin=subprocess.DEVNULL)
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout)
    release = os.path.join(metadata["target_directory"], "release")
    return (os.path.join(release, "cargo-coordlint"),
            os.path.join(release, "examples", "parse_floor"))


def fetch_corpus(log):
    """Downloads the corpus sources (`cargo fetch --locked`); returns its packages as
    (name, version, directory), sorted by directory."""
    command = ["cargo", "fetch", "--locked", "--manifest-path", CORPUS_MANIFEST]
    log("$ " + " ".join(command))
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked",
         "--manifest-path", CORPUS_MANIFEST],
        check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    ).stdout)
    root = metadata["resolve"]["root"]
    packages = [
        (package["name"], package["version"], os.path.dirname(package["manifest_path"]))
        for package in metadata["packages"]
        if package["id"] != root
    ]
    return sorted(packages, key=lambda package: package[2])


def direct_dependency_count():
    """How many crates bench/corpus/Cargo.toml names itself."""
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked",
         "--manifest-path", CORPUS_MANIFEST],
        check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    ).stdout)
    return len(metadata["packages"][0]["dependencies"])


def direct_dependencies():
    """(name, version) of the crates bench/corpus/Cargo.toml names itself (versions are
    pinned with `=`)."""
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked",
         "--manifest-path", CORPUS_MANIFEST],
        check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    ).stdout)
    return {
        (dependency["name"], dependency["req"].lstrip("="))
        for dependency in metadata["packages"][0]["dependencies"]
    }
