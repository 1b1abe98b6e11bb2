#!/usr/bin/env python3
"""Growth on generated code: does any pass cost more than linear in the code's size?

The corpus runs (perf.py) grow with real code, where every shape is small. This script
generates crates that each stretch one shape the analysis has to follow, at n, 2n and 4n
units, runs coordlint on each (path mode, --no-cache, JSON) and prints the wall time, the
peak RSS and the growth exponent between the two largest sizes (time(4n) / time(2n) as a
power of 2: 1.0 is linear, 2.0 quadratic). Each shape plants one lock-order cycle that
only an analysis following the whole shape finds (an order taken at the far end of the
call chain, through `dyn`, through the globs, at the end of the long body); every run must
report exactly that one cycle, so the growth measured is that of a complete analysis, not
of one that gave up. Shapes:

  service     modules of a small service: a struct with two locks taken in one order, a
              helper in the next module, an async handler, a bounded worker pool
  call_chain  a chain of n functions, the last one locks; a caller holds a lock into the
              chain (summaries propagate through n levels; they follow 8 calls at most)
  recursion   n functions calling each other in one ring (one strongly connected
              component), the fifth one locks
  dispatch    50 implementations of a trait and n functions calling it through `dyn`
  globs       n modules, each glob-importing a prelude that glob-imports every module,
              each calling functions found only through those globs
  big_body    one function of n statements that lock, call and drop

    python3 bench/scale.py [--binary B] [--shapes a,b] [--base N] [--threads T]

Without --binary it builds the release binary (`cargo build --release --locked -p
cargo-coordlint`). The generated crates go to a temporary directory, removed at the end.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def service(n):
    files = {}
    mods = []
    for i in range(n):
        nxt = (i + 1) % n
        mods.append(f"pub mod m{i};")
        files[f"src/m{i}.rs"] = f"""use std::sync::{{Arc, Mutex, RwLock}};
use std::collections::HashMap;

pub struct Store{i} {{
    accounts: Mutex<HashMap<u64, i64>>,
    audit: RwLock<Vec<String>>,
}}

impl Store{i} {{
    pub fn new() -> Arc<Self> {{
        Arc::new(Store{i} {{ accounts: Mutex::new(HashMap::new()), audit: RwLock::new(Vec::new()) }})
    }}

    pub fn transfer(&self, from: u64, to: u64, amount: i64) -> bool {{
        let mut accounts = self.accounts.lock().unwrap();
        let balance = accounts.get(&from).copied().unwrap_or(0);
        if balance < amount {{
            return false;
        }}
        *accounts.entry(from).or_insert(0) -= amount;
        *accounts.entry(to).or_insert(0) += amount;
        let mut audit = self.audit.write().unwrap();
        audit.push(format!("{{from}} -> {{to}}: {{amount}}"));
        crate::m{nxt}::record(amount)
    }}

    pub fn report(&self) -> usize {{
        let accounts = self.accounts.lock().unwrap();
        let audit = self.audit.read().unwrap();
        accounts.len() + audit.len()
    }}
}}

pub fn record(amount: i64) -> bool {{
    amount > 0
}}

pub async fn handle(store: Arc<Store{i}>, requests: Vec<(u64, u64, i64)>) -> usize {{
    let permits = Arc::new(tokio::sync::Semaphore::new(8));
    let mut done = 0;
    for (from, to, amount) in requests {{
        let _permit = permits.clone().acquire_owned().await.unwrap();
        let store = store.clone();
        let ok = tokio::task::spawn_blocking(move || store.transfer(from, to, amount)).await;
        if ok.unwrap_or(false) {{
            done += 1;
        }}
    }}
    done
}}
"""
    # The planted defect: the opposite order of `transfer`'s, in one module of n.
    files["src/m0.rs"] += """
pub fn compact(store: &Store0) {
    let mut audit = store.audit.write().unwrap();
    let accounts = store.accounts.lock().unwrap();
    audit.truncate(accounts.len());
}
"""
    files["src/lib.rs"] = "\n".join(mods) + "\n"
    return files


def call_chain(n):
    lines = ["use std::sync::Mutex;", "pub static OUTER: Mutex<u32> = Mutex::new(0);",
             "pub static INNER: Mutex<u32> = Mutex::new(0);",
             # Summaries follow chains of at most 8 calls: `start` enters the chain 6 calls
             # before its end, every function of the chain still gets a summary.
             "pub fn start() {", "    let _g = OUTER.lock().unwrap();", f"    step{max(0, n - 6)}(1);",
             "}",
             # The planted defect: the opposite order.
             "pub fn reverse() { let _i = INNER.lock().unwrap(); *OUTER.lock().unwrap() += 1; }"]
    for i in range(n):
        body = f"step{i + 1}(x + 1)" if i + 1 < n else "*INNER.lock().unwrap() += x"
        lines.append(f"fn step{i}(x: u32) {{ {body}; }}")
    return {"src/lib.rs": "\n".join(lines) + "\n"}


def recursion(n):
    lines = ["use std::sync::Mutex;", "pub static STATE: Mutex<u32> = Mutex::new(0);",
             "pub static OTHER: Mutex<u32> = Mutex::new(0);",
             "pub fn start() { let _g = OTHER.lock().unwrap(); ring0(3); }",
             "pub fn reverse() { let _s = STATE.lock().unwrap(); *OTHER.lock().unwrap() += 1; }"]
    for i in range(n):
        nxt = (i + 1) % n
        extra = "*STATE.lock().unwrap() += 1;" if i == min(4, n - 1) else ""
        lines.append(f"fn ring{i}(x: u32) {{ {extra} if x > 0 {{ ring{nxt}(x - 1); }} }}")
    return {"src/lib.rs": "\n".join(lines) + "\n"}


def dispatch(n):
    lines = ["use std::sync::Mutex;", "pub trait Handler { fn handle(&self, x: u32) -> u32; }",
             "pub static REGISTRY: Mutex<u32> = Mutex::new(0);",
             # The planted defect: REGISTRY then a handler's state (through `dyn`), and H0
             # takes its state then REGISTRY.
             "pub fn hold(h: &dyn Handler) -> u32 { let _r = REGISTRY.lock().unwrap(); h.handle(1) }",
             "impl H0 { pub fn audit(&self) { let _s = self.state.lock().unwrap(); "
             "*REGISTRY.lock().unwrap() += 1; } }"]
    for k in range(50):
        lines.append(f"pub struct H{k} {{ state: Mutex<u32> }}")
        lines.append(f"impl Handler for H{k} {{ fn handle(&self, x: u32) -> u32 "
                     f"{{ let mut s = self.state.lock().unwrap(); *s += x; *s }} }}")
    for i in range(n):
        lines.append(f"pub fn call{i}(h: &dyn Handler, x: u32) -> u32 {{ h.handle(x) + {i} }}")
    return {"src/lib.rs": "\n".join(lines) + "\n"}


def globs(n):
    files = {}
    prelude = [f"pub use crate::m{i}::*;" for i in range(n)]
    files["src/prelude.rs"] = "\n".join(prelude) + "\n"
    mods = ["pub mod prelude;", "pub mod locks;"]
    # The planted defect: `first_then_second` calls, through the globs, a function of the
    # last module that takes SECOND; `second_then_first` takes them the other way round.
    files["src/locks.rs"] = f"""use crate::prelude::*;
pub static FIRST: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
pub static SECOND: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
pub fn first_then_second() {{ let _f = FIRST.lock().unwrap(); take_second{n - 1}(); }}
pub fn second_then_first() {{ let _s = SECOND.lock().unwrap(); *FIRST.lock().unwrap() += 1; }}
"""
    for i in range(n):
        mods.append(f"pub mod m{i};")
        nxt = (i + 1) % n
        files[f"src/m{i}.rs"] = f"""use crate::prelude::*;

pub fn item{i}(x: u32) -> u32 {{
    let a = item{nxt}_helper(x);
    let b = helper{i}(a);
    let v: Vec<u32> = Vec::with_capacity(4);
    std::cmp::max(a, b) + v.len() as u32 + unknown_{i}(x)
}}

pub fn helper{i}(x: u32) -> u32 {{ x + 1 }}
pub fn item{i}_helper(x: u32) -> u32 {{ x * 2 }}
pub fn take_second{i}() {{ *crate::locks::SECOND.lock().unwrap() += 1; }}
"""
    files["src/lib.rs"] = "\n".join(mods) + "\n"
    return files


def big_body(n):
    lines = ["use std::sync::Mutex;", "pub struct S { a: Mutex<u32>, b: Mutex<u32> }",
             "fn helper(x: u32) -> u32 { x + 1 }", "impl S {", "    pub fn run(&self) -> u32 {",
             "        let mut total = 0;"]
    for i in range(n):
        if i % 3 == 0:
            lines.append(f"        {{ let mut g = self.a.lock().unwrap(); *g += {i}; total += *g; }}")
        elif i % 3 == 1:
            lines.append(f"        let v{i} = helper(total);")
            lines.append(f"        total += v{i};")
        else:
            lines.append(f"        let g{i} = self.b.lock().unwrap();")
            lines.append(f"        total += *g{i};")
            lines.append(f"        drop(g{i});")
    # The planted defect: b then a at the end of the long body, a then b elsewhere.
    lines += ["        let gb = self.b.lock().unwrap();", "        let ga = self.a.lock().unwrap();",
              "        total + *gb + *ga", "    }",
              "    pub fn other(&self) -> u32 {", "        let ga = self.a.lock().unwrap();",
              "        let gb = self.b.lock().unwrap();", "        *ga + *gb", "    }", "}"]
    return {"src/lib.rs": "\n".join(lines) + "\n"}


SHAPES = {
    # name: (generator, units at the base size)
    "service": (service, 250),
    "call_chain": (call_chain, 1500),
    "recursion": (recursion, 1500),
    "dispatch": (dispatch, 2000),
    "globs": (globs, 250),
    "big_body": (big_body, 2000),
}


def write_crate(directory, files):
    os.makedirs(directory)
    with open(os.path.join(directory, "Cargo.toml"), "w") as handle:
        handle.write('[package]\nname = "generated"\nversion = "0.1.0"\nedition = "2021"\n\n'
                     '[dependencies]\ntokio = { version = "1", features = ["full"] }\n')
    for path, text in files.items():
        full = os.path.join(directory, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)


def measure(binary, directory, threads):
    """Wall seconds and peak RSS (MiB) of one run, through /usr/bin/time when present."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    command = [binary, "coordlint", "--no-cache", "--message-format", "json", directory]
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    rss = float("nan")
    started = time.monotonic()
    if timer:
        result = subprocess.run([timer, "-f", "%M", *command], env=env, capture_output=True,
                                text=True)
        wall = time.monotonic() - started
        last = result.stderr.strip().splitlines()[-1:] or ["nan"]
        try:
            rss = int(last[0]) / 1024
        except ValueError:
            pass
    else:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
    if result.returncode not in (0, 1):
        sys.exit(f"coordlint failed on {directory}: {result.stderr[-2000:]}")
    findings = result.stdout.count('"code":"coordlint::lock_order_cycle"')
    return wall, rss, findings


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="a cargo-coordlint to measure (default: build one)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--base", type=float, default=1.0,
                        help="scale every shape's base size by this factor")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "cargo-coordlint"],
                       cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "cargo-coordlint")
    scratch = tempfile.mkdtemp(prefix="coordlint-scale-")
    rows = []
    missed = 0
    try:
        for name in args.shapes.split(","):
            generate, base = SHAPES[name]
            base = max(1, int(base * args.base))
            times = []
            for factor in (1, 2, 4):
                units = base * factor
                directory = os.path.join(scratch, f"{name}-{units}")
                write_crate(directory, generate(units))
                wall, rss, findings = measure(binary, directory, args.threads)
                times.append(wall)
                found = "found" if findings == 1 else f"MISSED ({findings} cycles)"
                missed += findings != 1
                print(f"  {name:<11} {units:>7} units  {wall:7.2f} s  {rss:8.1f} MiB  "
                      f"planted cycle {found}", flush=True)
            exponent = math.log2(times[2] / times[1]) if times[1] > 0 else float("nan")
            rows.append((name, base, times, exponent))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print("| shape | n | time n | time 2n | time 4n | growth exponent (4n vs 2n) |")
    print("|---|---|---|---|---|---|")
    for name, base, times, exponent in rows:
        print(f"| {name} | {base} | {times[0]:.2f} s | {times[1]:.2f} s | {times[2]:.2f} s "
              f"| {exponent:.2f} |")
    if missed:
        sys.exit(f"{missed} runs did not report exactly the one planted cycle")


if __name__ == "__main__":
    main()
