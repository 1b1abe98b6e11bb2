#!/usr/bin/env python3
"""coordlint against the parse floor, on the benchmark corpus (bench/corpus).

Usage: bench/perf.py [--runs N] [--threads T] [--sizes 1/4,1/2,1] [--scratch DIR]

Builds cargo-coordlint and lint-core's `parse_floor` example in release, fetches the corpus
(`cargo fetch --locked`), lists its crate folders (bench/corpus_dirs.py) and, for each
corpus size (the first quarter, the first half and all of the folders in sorted order),
runs N times, alternating, the parse floor then

    cargo-coordlint coordlint --all-targets <crate dirs...>

(path mode over every folder in one invocation; in path mode every `.rs` file under the
folders is analyzed, tests, benches and examples included, so `--all-targets` changes
nothing there but is passed as the issue's command has it). Both run with
RAYON_NUM_THREADS=T (default: the number of CPUs) and under GNU time, which gives wall
time, CPU time (user + system) and peak RSS. Before the first run every corpus file is
read once, so that neither tool pays for a cold page cache.

Prints a Markdown report: the medians per size with the ratios coordlint / parse floor,
then every run. coordlint's output of the last run of each size is kept in the scratch
directory. The measured processes get the highest OOM score, so that on a shared machine
the kernel kills them, not someone else's build, if memory runs out."""

import argparse
import fractions
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_dirs  # noqa: E402

ANALYZED = re.compile(r"(\d+) files? analyzed in ")
SUMMARY = re.compile(r"(\d+) errors?, (\d+) warnings? in ")
FLOOR = re.compile(r"^files (\d+) lines (\d+) bytes (\d+) parse_errors (\d+)")


def log(message):
    print(message, file=sys.stderr, flush=True)


def highest_oom_score():
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass


def measure(command, threads, stdout_path):
    """Runs `command` under GNU time; returns wall s, CPU s, peak RSS KiB, status."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as times, \
            open(stdout_path, "w") as stdout, open(stdout_path + ".stderr", "w") as stderr:
        status = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", times.name, *command],
            stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
            env={**os.environ, "RAYON_NUM_THREADS": str(threads), "NO_COLOR": "1"},
            preexec_fn=highest_oom_score, check=False,
        ).returncode
        fields = times.read().split()[-4:]
    wall, user, system, rss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return {"wall": wall, "cpu": user + system, "rss": rss, "status": status}


def read_all_files(directories):
    """Reads every `.rs` file once (the same walk as path mode), to warm the page cache."""
    total = 0
    for directory in directories:
        for root, folders, names in os.walk(directory):
            folders[:] = [name for name in folders if not name.startswith(".") and name != "target"]
            for name in names:
                if name.endswith(".rs"):
                    with open(os.path.join(root, name), "rb") as handle:
                        total += len(handle.read())
    return total


def run_size(label, directories, args, binaries, scratch):
    coordlint, floor = binaries
    tools = {
        "floor": [floor, *directories],
        "coordlint": [coordlint, "coordlint", "--all-targets", *directories],
    }
    runs = {"floor": [], "coordlint": []}
    counts = {}
    for repetition in range(1, args.runs + 1):
        for tool in ("floor", "coordlint"):
            output = os.path.join(scratch, f"{tool}-{label.replace('/', 'of')}.txt")
            result = measure(tools[tool], args.threads, output)
            with open(output) as handle:
                text = handle.read()
            if tool == "floor":
                match = FLOOR.search(text)
                if result["status"] != 0 or not match:
                    sys.exit(f"parse floor failed (status {result['status']}), see {output}.stderr")
                counts = {"files": int(match.group(1)), "lines": int(match.group(2)),
                          "bytes": int(match.group(3)), "parse_errors": int(match.group(4))}
                result["files"] = counts["files"]
            else:
                match = ANALYZED.search(text)
                if result["status"] not in (0, 1) or not match:
                    sys.exit(f"coordlint failed (status {result['status']}), see {output}.stderr")
                result["files"] = int(match.group(1))
                found = SUMMARY.search(text)
                result["findings"] = int(found.group(1)) + int(found.group(2)) if found else "?"
            runs[tool].append(result)
            log(f"  {label} run {repetition} {tool:9} {result['wall']:8.2f} s wall "
                f"{result['cpu']:8.2f} s CPU {result['rss'] / 1024:9.0f} MiB "
                f"{result['files']} files")
    if any(run["files"] != counts["files"] for run in runs["floor"] + runs["coordlint"]):
        log(f"warning: {label}: the two tools saw different file counts")
    return counts, runs


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def mib(kib):
    return f"{kib / 1024:,.0f} MiB"


def machine_summary():
    model = threads = "?"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            if key.strip() == "CPU(s)":
                threads = value.strip()
    except OSError:
        pass
    with open("/proc/meminfo") as handle:
        total_kib = int(handle.readline().split()[1])
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True,
                           check=False).stdout.strip()
    return (f"{model}, {threads} CPUs, {total_kib / 1024 / 1024:.0f} GiB, "
            f"{platform.system()} {platform.release()}, {rustc}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per tool and size")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="RAYON_NUM_THREADS for both tools (default: CPUs)")
    parser.add_argument("--sizes", default="1/4,1/2,1",
                        help="corpus fractions, comma-separated (default 1/4,1/2,1)")
    parser.add_argument("--scratch", default=os.path.join(tempfile.gettempdir(), "coordlint-perf"))
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)

    binaries = corpus_dirs.build_release(log)
    packages = corpus_dirs.fetch_corpus(log)
    directories = [directory for _, _, directory in packages]
    log(f"corpus: {len(directories)} crate folders; warming the page cache")
    read_all_files(directories)

    rows = []
    for size in args.sizes.split(","):
        share = fractions.Fraction(size)
        count = max(1, round(len(directories) * share))
        label = "all" if share == 1 else size
        log(f"{label}: {count} crate folders")
        counts, runs = run_size(label, directories[:count], args, binaries, args.scratch)
        rows.append((label, count, counts, runs))

    print(f"Machine: {machine_summary()}. RAYON_NUM_THREADS={args.threads} for both tools; "
          f"median of {args.runs} alternating runs per size.\n")
    print(f"Corpus: {corpus_dirs.direct_dependency_count()} crates named in "
          f"bench/corpus/Cargo.toml, {len(directories)} crate folders with their "
          f"dependencies (bench/corpus/Cargo.lock).\n")
    print("| corpus | crates | files | lines | MiB | parse floor | coordlint | time ratio "
          "| floor CPU | coordlint CPU | CPU ratio | floor peak RSS | coordlint peak RSS "
          "| RSS ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, count, counts, runs in rows:
        floor, coordlint = runs["floor"], runs["coordlint"]
        print(
            f"| {label} | {count} | {counts['files']:,} | {counts['lines']:,} "
            f"| {counts['bytes'] / 1024 / 1024:,.0f} "
            f"| {median(floor, 'wall'):.2f} s | {median(coordlint, 'wall'):.2f} s "
            f"| {median(coordlint, 'wall') / median(floor, 'wall'):.2f}× "
            f"| {median(floor, 'cpu'):.1f} s | {median(coordlint, 'cpu'):.1f} s "
            f"| {median(coordlint, 'cpu') / median(floor, 'cpu'):.2f}× "
            f"| {mib(median(floor, 'rss'))} | {mib(median(coordlint, 'rss'))} "
            f"| {median(coordlint, 'rss') / median(floor, 'rss'):.1f}× |")
    print("\nEvery run, in the order run (wall / CPU / peak RSS):\n")
    print("| corpus | run | parse floor | coordlint | coordlint findings |")
    print("|---|---|---|---|---|")
    for label, _, _, runs in rows:
        for index, (floor, coordlint) in enumerate(zip(runs["floor"], runs["coordlint"]), 1):
            print(f"| {label} | {index} "
                  f"| {floor['wall']:.2f} s / {floor['cpu']:.1f} s / {mib(floor['rss'])} "
                  f"| {coordlint['wall']:.2f} s / {coordlint['cpu']:.1f} s / "
                  f"{mib(coordlint['rss'])} | {coordlint['findings']} |")
    for label, _, counts, _ in rows:
        print(f"\n{label}: {counts['parse_errors']} files syn does not parse "
              f"(coordlint reports them as `parse_error`).", end="")
    print()


if __name__ == "__main__":
    main()
