#!/usr/bin/env python3
"""Random edits against the results cache: after each edit, a cached run must print exactly
what an uncached run prints.

Usage: bench/cache_edits.py [--edits N] [--seed S] [--binary BIN] [--scratch DIR] [CRATE ...]

Copies the named crate folders of the benchmark corpus (default: a set of lock-heavy
crates; `cargo fetch --locked` on bench/corpus fills the registry) into SCRATCH, runs
`cargo-coordlint coordlint --all-targets --cache-dir SCRATCH/cache` once to fill the
cache, then makes N edits one after another, each followed by a cached and an uncached
run whose JSON must be identical. An edit is one of:

    statement   a `let` added at the start of a function body (spans after it move)
    swap        two neighbouring lines of a body that both take a lock swapped (the lock
                order, and so the findings, may change)
    signature   a function added at the end of a file (an interface edit)

Prints each edit, and the CPU of the cached run against the uncached one. Exits 1 on the
first difference (both outputs are kept in SCRATCH)."""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_dirs  # noqa: E402
import perf  # noqa: E402

DEFAULT_CRATES = ["async-lock", "bb8", "crossbeam-channel", "dashmap", "deadpool",
                  "event-listener", "moka", "parking_lot", "r2d2", "rayon-core", "sled",
                  "tokio"]
SIGNATURE = re.compile(r"^\s*(pub(\([^)]*\))? )?(async )?fn [^;]*\{\s*$")
LOCKING = re.compile(r"\.(lock|read|write)\(\)")


def rust_files(directory):
    for root, folders, names in os.walk(directory):
        folders.sort()
        for name in sorted(names):
            if name.endswith(".rs"):
                yield os.path.join(root, name)


def edit_statement(rng, files, number):
    candidates = []
    for path in files:
        with open(path, errors="replace") as handle:
            lines = handle.readlines()
        candidates += [(path, index) for index, text in enumerate(lines)
                       if SIGNATURE.match(text)]
    path, index = rng.choice(candidates)
    with open(path) as handle:
        lines = handle.readlines()
    lines.insert(index + 1, f"let _coordlint_edit_{number} = {number};\n")
    with open(path, "w") as handle:
        handle.writelines(lines)
    return f"statement at {path}:{index + 2}"


def edit_swap(rng, files, _number):
    candidates = []
    for path in files:
        with open(path, errors="replace") as handle:
            lines = handle.readlines()
        for index in range(len(lines) - 1):
            first, second = lines[index], lines[index + 1]
            if (LOCKING.search(first) and LOCKING.search(second)
                    and first.strip().startswith("let ") and second.strip().startswith("let ")
                    and first.rstrip().endswith(";") and second.rstrip().endswith(";")):
                candidates.append((path, index))
    if not candidates:
        return None
    path, index = rng.choice(candidates)
    with open(path) as handle:
        lines = handle.readlines()
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    with open(path, "w") as handle:
        handle.writelines(lines)
    return f"swap at {path}:{index + 1}"


def edit_signature(rng, files, number):
    path = rng.choice(files)
    with open(path, "a") as handle:
        handle.write(f"\npub fn coordlint_edit_{number}() {{}}\n")
    return f"function added to {path}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", help="a cargo-coordlint to check (default: build one)")
    parser.add_argument("--scratch", help="where the copies, outputs and the cache go")
    parser.add_argument("crates", nargs="*", default=DEFAULT_CRATES,
                        help="corpus crate names (every version of each)")
    args = parser.parse_args()
    binary = args.binary or corpus_dirs.build_release(perf.log)[0]
    packages = corpus_dirs.fetch_corpus(perf.log)
    wanted = set(args.crates)
    sources = [directory for _, _, directory in packages
               if re.sub(r"-\d.*$", "", os.path.basename(directory)) in wanted]
    if not sources:
        sys.exit("none of the crates is in the corpus")
    scratch = args.scratch or tempfile.mkdtemp(prefix="coordlint-cache-edits-")
    copies = os.path.join(scratch, "crates")
    shutil.rmtree(copies, ignore_errors=True)
    shutil.rmtree(os.path.join(scratch, "cache"), ignore_errors=True)
    directories = []
    for source in sources:
        copy = os.path.join(copies, os.path.basename(source))
        shutil.copytree(source, copy, symlinks=True)
        directories.append(copy)
    files = [path for directory in directories for path in rust_files(directory)]
    cached = ["--cache-dir", os.path.join(scratch, "cache")]

    def run(extra, name):
        output = os.path.join(scratch, name + ".json")
        command = [binary, "coordlint", "--all-targets", *extra, *directories,
                   "--message-format", "json"]
        result = perf.measure(command, args.threads, output)
        if result["status"] not in (0, 1):
            sys.exit(f"coordlint failed (status {result['status']}), see {output}.stderr")
        with open(output) as handle:
            result["json"] = handle.read()
        return result

    run(cached, "cold")
    rng = random.Random(args.seed)
    kinds = [edit_statement, edit_statement, edit_swap, edit_swap, edit_signature]
    print(f"{len(directories)} crates, {len(files)} files, seed {args.seed}")
    for number in range(1, args.edits + 1):
        described = None
        while described is None:
            described = rng.choice(kinds)(rng, files, number)
        with_cache = run(cached, f"edit-{number}")
        without = run(["--no-cache"], f"edit-{number}-uncached")
        findings = with_cache["json"].count('"reason":"compiler-message"')
        shown = described.replace(copies + os.sep, "")
        print(f"{number}. {shown}: {findings} messages, cached {with_cache['cpu']:.2f} s "
              f"CPU, uncached {without['cpu']:.2f} s")
        if with_cache["json"] != without["json"]:
            sys.exit(f"edit {number} ({described}): the cached run differs, see {scratch}")
    print("Every cached run printed the uncached run's JSON.")


if __name__ == "__main__":
    main()
