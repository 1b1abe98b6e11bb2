#!/usr/bin/env bash
# Runs coordlint on every crate of the real-world corpus (bench/corpus.sh) and prints, per
# crate: Rust lines analyzed, wall time, and findings per rule. Findings go to
# $OUT/<crate>.txt (short format) for triage. Usage: bench/real-world.sh [OUT_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${TMPDIR:-/tmp}/coordlint-real-world}
mkdir -p "$out"
cargo build --quiet --release -p cargo-coordlint --manifest-path "$repo/Cargo.toml"
bin="$repo/target/release/cargo-coordlint"
printf '%-18s %-9s %8s %8s  %s\n' crate version lines seconds findings
"$repo/bench/corpus.sh" | while read -r name version dir; do
  lines=$(find "$dir" -name '*.rs' -not -path '*/target/*' -print0 | xargs -0 cat | wc -l)
  start=$(date +%s.%N)
  "$bin" "$dir" --message-format short > "$out/$name.txt" 2>"$out/$name.stderr" </dev/null || true
  end=$(date +%s.%N)
  counts=$( (grep -o 'coordlint::[a-z_]*' "$out/$name.txt" || true) | sort | uniq -c | awk '{printf "%s=%s ", substr($2, 12), $1}')
  printf '%-18s %-9s %8s %8.2f  %s\n' "$name" "$version" "$lines" "$(echo "$end - $start" | bc)" "${counts:-none}"
done
