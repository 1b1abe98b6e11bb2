#!/usr/bin/env python3
"""What coordlint reports on real crates: one run per crate folder of the benchmark corpus.

Usage: bench/signal_per_crate.py [--out DIR] [--threads T] [--first N]

Builds cargo-coordlint in release, fetches the corpus (bench/corpus) and runs, once per
crate folder and from inside it,

    cargo-coordlint coordlint <crate dir> --message-format short

(path mode, default levels: every `.rs` file under the folder). Each crate's findings go to
DIR/<name>-<version>.txt (stderr next to it) for triage, and DIR/summary.tsv has one line
per crate. Prints a Markdown summary: findings per rule, split by where the primary span
is: the crate's `tests/`, `benches/` or `examples/` folder, other test-looking paths (a
`tests`/`test` folder or a `tests.rs`/`test.rs` file anywhere else, usually `#[cfg(test)]`
modules), and the rest. Findings in `#[cfg(test)]` modules written inline in a source file
count as "the rest": the split is by path only."""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_dirs  # noqa: E402

FINDING = re.compile(r"^(.*?):(\d+):(\d+): (warning|error)\[coordlint::([a-z_]+)\]")
ANALYZED = re.compile(r"\((\d+) files? analyzed in ([0-9.]+)s\)")
BUCKETS = ("tests/", "benches/", "examples/", "other test paths", "elsewhere")


def log(message):
    print(message, file=sys.stderr, flush=True)


def bucket(path):
    """Where a finding sits, from its path relative to the crate folder."""
    parts = path.replace("\\", "/").split("/")
    if parts[0] in ("tests", "benches", "examples") and len(parts) > 1:
        return parts[0] + "/"
    if any(part in ("tests", "test") for part in parts[:-1]) or parts[-1] in ("tests.rs",
                                                                              "test.rs"):
        return "other test paths"
    return "elsewhere"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "coordlint-signal"))
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="RAYON_NUM_THREADS (default: CPUs)")
    parser.add_argument("--first", type=int, help="only the first N crate folders (a smoke test)")
    parser.add_argument("--direct", action="store_true",
                        help="only the crates bench/corpus/Cargo.toml names (not their dependencies)")
    parser.add_argument("--binary", help="a cargo-coordlint binary to run instead of building one")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    coordlint = args.binary or corpus_dirs.build_release(log)[0]
    packages = corpus_dirs.fetch_corpus(log)
    if args.direct:
        direct = corpus_dirs.direct_dependencies()
        packages = [package for package in packages if (package[0], package[1]) in direct]
    packages = packages[:args.first]
    environment = {**os.environ, "RAYON_NUM_THREADS": str(args.threads), "NO_COLOR": "1"}

    per_rule = collections.defaultdict(collections.Counter)   # rule -> bucket -> count
    crates_per_rule = collections.defaultdict(set)
    per_crate = []
    failures = []
    for index, (name, version, directory) in enumerate(packages, 1):
        stem = os.path.join(args.out, f"{name}-{version}")
        with open(stem + ".txt", "w") as stdout, open(stem + ".stderr", "w") as stderr:
            status = subprocess.run(
                [coordlint, "coordlint", directory, "--message-format", "short"],
                cwd=directory, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                env=environment, check=False,
            ).returncode
        with open(stem + ".txt") as handle:
            text = handle.read()
        if status not in (0, 1):
            failures.append(f"{name} {version} (status {status})")
        counts = collections.Counter()
        for line in text.splitlines():
            match = FINDING.match(line)
            if match:
                rule = match.group(5)
                per_rule[rule][bucket(match.group(1))] += 1
                crates_per_rule[rule].add((name, version))
                counts[rule] += 1
        analyzed = ANALYZED.search(text)
        files, seconds = (analyzed.group(1), analyzed.group(2)) if analyzed else ("?", "?")
        per_crate.append((name, version, files, seconds, status, counts))
        if index % 100 == 0:
            log(f"{index}/{len(packages)} crates")

    rules = sorted(per_rule)
    with open(os.path.join(args.out, "summary.tsv"), "w") as handle:
        handle.write("\t".join(["crate", "version", "files", "seconds", "status", *rules]) + "\n")
        for name, version, files, seconds, status, counts in per_crate:
            handle.write("\t".join([name, version, files, str(seconds), str(status),
                                    *(str(counts[rule]) for rule in rules)]) + "\n")

    print(f"{len(packages)} crate folders, one `cargo coordlint <crate dir> --message-format "
          f"short` each (RAYON_NUM_THREADS={args.threads}); per-crate findings in {args.out}.\n")
    print("| rule | findings | crates | " + " | ".join(BUCKETS) + " |")
    print("|---|---|---|" + "---|" * len(BUCKETS))
    totals = collections.Counter()
    for rule in rules:
        total = sum(per_rule[rule].values())
        totals.update(per_rule[rule])
        print(f"| `{rule}` | {total} | {len(crates_per_rule[rule])} | "
              + " | ".join(str(per_rule[rule][name]) for name in BUCKETS) + " |")
    all_crates = set().union(*crates_per_rule.values()) if crates_per_rule else set()
    print(f"| all | {sum(totals.values())} | {len(all_crates)} | "
          + " | ".join(str(totals[name]) for name in BUCKETS) + " |")
    print("\nMost findings (crate: findings per rule):\n")
    ranked = sorted(per_crate, key=lambda crate: -sum(crate[5].values()))
    for name, version, _, _, _, counts in ranked[:15]:
        if counts:
            rules_text = ", ".join(f"{rule} {count}" for rule, count in sorted(counts.items()))
            print(f"- {name} {version}: {rules_text}")
    if failures:
        print("\nRuns that failed (status 2): " + ", ".join(failures))


if __name__ == "__main__":
    main()
