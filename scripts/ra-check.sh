#!/usr/bin/env bash
# rust-analyzer's check command with coordlint on top: `cargo check` first, so compiler
# errors and warnings stay in the editor, then coordlint's findings, both as cargo's JSON
# messages on stdout (what rust-analyzer reads). Arguments are passed to both (for example
# `--all-targets`); coordlint accepts cargo check's flags and ignores the ones about
# building. In VS Code's settings.json:
#
#   "rust-analyzer.check.overrideCommand": ["/path/to/coordlint/scripts/ra-check.sh"]
#
# Exit status: cargo check's when it fails (2 = coordlint itself failed), else coordlint's.
set -u

cargo check --workspace --message-format=json "$@"
check_status=$?
cargo coordlint --workspace --message-format=json "$@"
coordlint_status=$?

if [ "$check_status" -ne 0 ]; then
  exit "$check_status"
fi
exit "$coordlint_status"
