#!/usr/bin/env python3
"""The facts cache: cold, warm and one-file-edit runs against the uncached run.

Usage: bench/cache.py [--runs N] [--threads T] [--size 1/8] [--binary BIN] [--scratch DIR]

Builds cargo-coordlint in release (unless --binary names one), fetches the corpus
(bench/corpus, `cargo fetch --locked`) and takes the first SIZE of its crate folders in
sorted order (as bench/perf.py does). Then, each under GNU time with RAYON_NUM_THREADS=T:

    uncached   cargo-coordlint coordlint --all-targets --no-cache <dirs> --message-format json
    cold       the same with --cache-dir SCRATCH/cache, the directory empty
    warm       the same again (N times, alternating with uncached runs)
    edit       after one file changed: a copy of the first folder is analyzed in place of
               the original, with a comment appended to one of its files (the registry's
               sources are never written)
    body edit  then a statement added at the start of a function body of that copy (the
               spans after it move)
    interface  then a function added to that file: every file's stored results depend on
               it, and are worked out again

and checks that every cached run prints exactly the uncached run's JSON (the edit run
against an uncached run over the same folders). Prints a Markdown table: wall, CPU (user +
system) and peak RSS per run, and warm and edit CPU as a share of the cold run."""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_dirs  # noqa: E402
import perf  # noqa: E402


def run(binary, directories, extra, threads, output):
    command = [binary, "coordlint", "--all-targets", *extra, *directories,
               "--message-format", "json"]
    result = perf.measure(command, threads, output)
    if result["status"] not in (0, 1):
        sys.exit(f"coordlint failed (status {result['status']}), see {output}.stderr")
    with open(output) as handle:
        result["json"] = handle.read()
    return result


def first_rust_file(directory):
    for root, folders, names in os.walk(directory):
        folders.sort()
        for name in sorted(names):
            if name.endswith(".rs"):
                return os.path.join(root, name)
    return None


def first_function_body(directory):
    """The first `.rs` file under `directory` (in sorted order) with a function whose
    body opens at the end of its signature's line, and that line's index."""
    import re
    signature = re.compile(r"^\s*(pub(\([^)]*\))? )?(async )?fn [^;]*\{\s*$")
    for root, folders, names in os.walk(directory):
        folders.sort()
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            with open(path, errors="replace") as handle:
                for index, text in enumerate(handle):
                    if signature.match(text):
                        return path, index
    sys.exit(f"no function body to edit under {directory}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="warm/uncached pairs")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--size", default="1/8", help="corpus fraction (default 1/8)")
    parser.add_argument("--binary", help="a cargo-coordlint to measure (default: build one)")
    parser.add_argument("--scratch", help="where outputs and the cache go (default: a temp dir)")
    args = parser.parse_args()
    binary = args.binary or corpus_dirs.build_release(perf.log)[0]
    packages = corpus_dirs.fetch_corpus(perf.log)
    import fractions
    share = fractions.Fraction(args.size)
    directories = [package[2] for package in packages][: max(1, int(len(packages) * share))]
    perf.read_all_files(directories)
    scratch = args.scratch or tempfile.mkdtemp(prefix="coordlint-cache-bench-")
    os.makedirs(scratch, exist_ok=True)
    cache = os.path.join(scratch, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    cached = ["--cache-dir", cache]
    out = lambda name: os.path.join(scratch, name + ".json")  # noqa: E731
    rows = []
    uncached = run(binary, directories, ["--no-cache"], args.threads, out("uncached"))
    rows.append(("uncached", uncached))
    cold = run(binary, directories, cached, args.threads, out("cold"))
    rows.append(("cold (empty cache)", cold))
    for repetition in range(1, args.runs + 1):
        warm = run(binary, directories, cached, args.threads, out(f"warm-{repetition}"))
        rows.append((f"warm {repetition}", warm))
        again = run(binary, directories, ["--no-cache"], args.threads, out(f"uncached-{repetition}"))
        rows.append((f"uncached {repetition + 1}", again))
    for label, result in rows:
        if result["json"] != uncached["json"]:
            sys.exit(f"{label}: output differs from the uncached run")
    # One file edited: a copy of the first folder, one comment appended.
    edited = os.path.join(scratch, "edited", os.path.basename(directories[0]))
    shutil.rmtree(os.path.dirname(edited), ignore_errors=True)
    shutil.copytree(directories[0], edited, symlinks=True)
    edited_directories = [edited, *directories[1:]]
    run(binary, edited_directories, cached, args.threads, out("before-edit"))
    target = first_rust_file(edited)
    with open(target, "a") as handle:
        handle.write("\n// an edit\n")
    edit = run(binary, edited_directories, cached, args.threads, out("edit"))
    edit_uncached = run(binary, edited_directories, ["--no-cache"], args.threads,
                        out("edit-uncached"))
    if edit["json"] != edit_uncached["json"]:
        sys.exit("edit: output differs from the uncached run")
    rows.append((f"one file edited, a comment appended ({os.path.relpath(target, scratch)})",
                 edit))
    # A body edit: a statement added at the start of a function body, which moves
    # everything after it in the file.
    target, line = first_function_body(edited)
    with open(target) as handle:
        lines = handle.readlines()
    lines.insert(line + 1, "let _coordlint_bench_edit = 1;\n")
    with open(target, "w") as handle:
        handle.writelines(lines)
    body_edit = run(binary, edited_directories, cached, args.threads, out("body-edit"))
    body_edit_uncached = run(binary, edited_directories, ["--no-cache"], args.threads,
                             out("body-edit-uncached"))
    if body_edit["json"] != body_edit_uncached["json"]:
        sys.exit("body edit: output differs from the uncached run")
    rows.append((f"one file edited, a statement added to a body "
                 f"({os.path.relpath(target, scratch)}:{line + 2})", body_edit))
    # An interface edit: a function added, which every file's results depend on (the
    # run works every file's local types, calls and walks out again).
    with open(target, "a") as handle:
        handle.write("\npub fn coordlint_bench_added() {}\n")
    interface_edit = run(binary, edited_directories, cached, args.threads,
                         out("interface-edit"))
    interface_edit_uncached = run(binary, edited_directories, ["--no-cache"], args.threads,
                                  out("interface-edit-uncached"))
    if interface_edit["json"] != interface_edit_uncached["json"]:
        sys.exit("interface edit: output differs from the uncached run")
    rows.append((f"one file edited, a function added ({os.path.relpath(target, scratch)})",
                 interface_edit))
    files = sum(len(names) for _, _, names in os.walk(cache))
    size = sum(os.path.getsize(os.path.join(root, name))
               for root, _, files in os.walk(cache) for name in files)
    print(f"Machine: {perf.machine_summary()}. RAYON_NUM_THREADS={args.threads}.")
    print(f"Corpus: first {args.size} of the folders ({len(directories)}). Cache: {files} "
          f"files (facts packs and stored findings), {size / 1024 / 1024:.0f} MiB. Every "
          "cached run printed the uncached "
          "run's JSON.\n")
    print("| run | wall | CPU (user + sys) | share of cold CPU | peak RSS |")
    print("|---|---|---|---|---|")
    for label, result in rows:
        print(f"| {label} | {result['wall']:.2f} s | {result['cpu']:.2f} s | "
              f"{100 * result['cpu'] / cold['cpu']:.1f} % | {perf.mib(result['rss'])} |")
    warm_cpu = [result["cpu"] for label, result in rows if label.startswith("warm")]
    uncached_cpu = [result["cpu"] for label, result in rows if label.startswith("uncached")]
    print(f"\nMedian warm CPU {statistics.median(warm_cpu):.2f} s = "
          f"{100 * statistics.median(warm_cpu) / statistics.median(uncached_cpu):.1f} % of the "
          f"median uncached run ({statistics.median(uncached_cpu):.2f} s).")
    print(f"Outputs and the cache: {scratch}")


if __name__ == "__main__":
    main()
