#!/usr/bin/env python3
"""Precision and recall of coordlint's lock rules on a directory of annotated crates.

Usage: bench/eval_crates.py DIR [BINARY] [--paths]

Every folder of DIR with a Cargo.toml is one crate (a service of several modules, written
blind). Markers sit at the end of lines: `//~ lock_order_cycle #ID` on every line where a
lock of planted cycle ID is taken (or a function taking it is called) while another of its
locks is held, `//~ double_lock #ID` on the second acquisition and on the call leading to
it. A finding of a rule on any line of a group finds the group; a finding on no marked line
is a false alarm; a group no finding lands on is a miss. Markers without `#ID` are groups
of one line.

Each crate is analyzed as a user runs it: in workspace mode from its folder (the manifests
read directly, `CARGO` pointing nowhere, so nothing is fetched), or with `--paths` in path
mode on the folder. Prints per-rule true positives, false positives, misses, precision and
recall, then every miss, false alarm and finding of another rule."""

import collections
import os
import re
import subprocess
import sys

MARKER = re.compile(r"//~\s*([a-z_]+)(?:\s*#(\w+))?")
FINDING = re.compile(r"^(.*?):(\d+):\d+: (?:warning|error)\[coordlint::([a-z_]+)\]: (.*)$")
RULES = ("lock_order_cycle", "double_lock")


def marker_groups(crate_dir):
    """(rule, group id) -> the (file, line) sites of the group, files relative to the crate."""
    groups = collections.defaultdict(set)
    for folder, _, files in os.walk(crate_dir):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, crate_dir)
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    for marker in MARKER.finditer(line):
                        group = marker.group(2) or f"{relative}:{number}"
                        groups[(marker.group(1), group)].add((relative, number))
    return groups


def findings(binary, crate_dir, path_mode):
    """(file relative to the crate, line, rule, message) of every finding."""
    command = [binary, "coordlint", "--no-cache", "--all-targets", "--message-format", "short"]
    if path_mode:
        command.append(".")
    environment = dict(os.environ, CARGO="/nonexistent")
    output = subprocess.run(command, cwd=crate_dir, env=environment, capture_output=True,
                            text=True, check=False)
    for line in output.stdout.splitlines():
        found = FINDING.match(line)
        if found:
            path, number, rule, message = found.groups()
            yield os.path.normpath(path), int(number), rule, message


def main():
    arguments = [argument for argument in sys.argv[1:] if argument != "--paths"]
    if not arguments:
        sys.exit(__doc__)
    root = arguments[0]
    binary = arguments[1] if len(arguments) > 1 else "cargo-coordlint"
    path_mode = "--paths" in sys.argv
    counts = collections.defaultdict(collections.Counter)
    report = []
    for crate in sorted(os.listdir(root)):
        crate_dir = os.path.join(root, crate)
        if not os.path.isfile(os.path.join(crate_dir, "Cargo.toml")):
            continue
        groups = marker_groups(crate_dir)
        found = set()
        for path, number, rule, message in findings(binary, crate_dir, path_mode):
            if rule not in RULES:
                report.append(f"other   {crate}/{path}:{number} {rule}: {message[:110]}")
                continue
            hits = [key for key, sites in groups.items()
                    if key[0] == rule and (path, number) in sites]
            if hits:
                found.update(hits)
            else:
                counts[rule]["false positives"] += 1
                report.append(f"false   {crate}/{path}:{number} {rule}: {message[:110]}")
        for key, sites in sorted(groups.items()):
            if key[0] not in RULES:
                continue
            if key in found:
                counts[key[0]]["true positives"] += 1
            else:
                counts[key[0]]["misses"] += 1
                report.append(f"missed  {crate} {key[0]} #{key[1]}: {sorted(sites)}")
    print("| rule | TP | FP | FN | precision | recall |")
    print("|---|---|---|---|---|---|")
    for rule in RULES:
        tp = counts[rule]["true positives"]
        fp = counts[rule]["false positives"]
        fn = counts[rule]["misses"]
        precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
        print(f"| `{rule}` | {tp} | {fp} | {fn} | {precision} | {recall} |")
    print()
    print("\n".join(report))


if __name__ == "__main__":
    main()
