#!/usr/bin/env bash
# Downloads the real-world corpus (published crate sources, through cargo from crates.io)
# into a scratch project and prints one line per crate: name version source-directory.
# Nothing is written into the repository. Usage: bench/corpus.sh [SCRATCH_DIR]
set -euo pipefail
scratch=${1:-${TMPDIR:-/tmp}/coordlint-corpus}
mkdir -p "$scratch/src"
cat > "$scratch/Cargo.toml" <<'TOML'
[package]
name = "coordlint-corpus"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

# Lock-heavy and concurrency-heavy crates, plus services and clients that spawn and do I/O.
[dependencies]
tokio = "=1.47.1"
parking_lot = "=0.12.4"
crossbeam-channel = "=0.5.15"
crossbeam-utils = "=0.8.21"
dashmap = "=6.1.0"
moka = "=0.12.10"
sled = "=0.34.7"
hyper = "=1.7.0"
hyper-util = "=0.1.16"
rayon-core = "=1.13.0"
tonic = "=0.14.2"
actix-server = "=2.6.0"
sqlx-core = "=0.8.6"
deadpool = "=0.12.2"
r2d2 = "=0.8.10"
bb8 = "=0.9.0"
redis = "=0.32.5"
reqwest = "=0.12.23"
TOML
echo 'fn main() {}' > "$scratch/src/main.rs"
cargo fetch --quiet --manifest-path "$scratch/Cargo.toml" >&2
cargo metadata --quiet --format-version 1 --manifest-path "$scratch/Cargo.toml" |
  python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
root = next(p for p in meta["packages"] if p["name"] == "coordlint-corpus")
wanted = {(d["name"], d["req"].lstrip("=")) for d in root["dependencies"]}
for package in sorted(meta["packages"], key=lambda p: p["name"]):
    if (package["name"], package["version"]) in wanted:
        print(package["name"], package["version"], os.path.dirname(package["manifest_path"]))
'
