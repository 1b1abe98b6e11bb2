#!/usr/bin/env python3
"""Precision and recall of coordlint on a directory of annotated Rust files.

Usage: bench/eval.py DIR [BINARY]

Each file is one case, annotated like the fixtures (`//~ rule` on the expected line,
`//~^ rule` one line up per caret, `//@ check-pass`, `//@ edition: 2024`). Every file is
analyzed on its own (path mode). A finding matches a marker of the same rule on the same
line. For `lock_order_cycle` the markers of a file name every line where a cycle's second
lock is taken: the file's cycle counts as found when any finding lands on one of them.
Prints per-rule true positives, false positives, false negatives, precision and recall,
and lists every miss and every false alarm."""

import collections
import os
import re
import subprocess
import sys

MARKER = re.compile(r"//~(\^*)\s*([a-z_]+)")
FINDING = re.compile(r"^(.*):(\d+):(\d+): (?:warning|error)\[coordlint::([a-z_]+)\]")


def expected_findings(path):
    edition = "2021"
    markers = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            header = re.match(r"\s*//@\s*edition:\s*(\d{4})", line)
            if header:
                edition = header.group(1)
            for match in MARKER.finditer(line):
                markers.append((number - len(match.group(1)), match.group(2)))
    return edition, markers


def findings(binary, path, edition):
    output = subprocess.run(
        [binary, path, "--edition", edition, "--message-format", "short", "-A", "parse_error", "-A", "unused_suppression"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )
    found = []
    for line in output.stdout.splitlines():
        match = FINDING.match(line)
        if match:
            found.append((int(match.group(2)), match.group(4)))
    return found


def main():
    directory = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/cargo-coordlint"
    counts = collections.defaultdict(lambda: [0, 0, 0])  # rule -> tp, fp, fn
    notes = []
    files = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(directory)
        for name in names
        if name.endswith(".rs")
    )
    for path in files:
        edition, markers = expected_findings(path)
        found = findings(binary, path, edition)
        cycle_lines = {line for line, rule in markers if rule == "lock_order_cycle"}
        cycle_found = False
        unmatched = [m for m in markers if m[1] != "lock_order_cycle"]
        for line, rule in found:
            if rule == "lock_order_cycle":
                if line in cycle_lines:
                    cycle_found = True
                elif (line, "blocking_under_lock") in unmatched:
                    unmatched.remove((line, "blocking_under_lock"))
                    counts["blocking_under_lock"][0] += 1
                else:
                    counts[rule][1] += 1
                    notes.append(f"false alarm  {path}:{line} {rule}")
                continue
            if (line, rule) in unmatched:
                unmatched.remove((line, rule))
                counts[rule][0] += 1
            else:
                counts[rule][1] += 1
                notes.append(f"false alarm  {path}:{line} {rule}")
        if cycle_lines:
            if cycle_found:
                counts["lock_order_cycle"][0] += 1
            else:
                counts["lock_order_cycle"][2] += 1
                notes.append(f"missed       {path}:{min(cycle_lines)} lock_order_cycle")
        for line, rule in unmatched:
            counts[rule][2] += 1
            notes.append(f"missed       {path}:{line} {rule}")
    print(f"{len(files)} files in {directory}")
    print(f"{'rule':<20} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    for rule in sorted(counts):
        tp, fp, fn = counts[rule]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{rule:<20} {tp:>4} {fp:>4} {fn:>4} {precision:>10.2f} {recall:>8.2f}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
