"""How fast dify-lint is on a tree of plugins, and how much memory it needs.

    python benchmarks/bench.py PATH [--runs N] [--jobs N] [--python PYTHON]

Each figure is the median wall time of several runs of the real command in a fresh process,
start-up included: the whole tree (in two processes and in one; and with a result cache, cold
and warm), the YAML rules alone, and one plugin as pre-commit runs it (the median,
90th-percentile and largest plugins by size). Only the cache's own figures use a cache. The peak
memory is that of the one-process run over the whole tree. `--python` runs another installation
of dify-lint (e.g. an older version in its own virtual environment) for a comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: runs a command and prints its peak resident memory (kB): a fresh process measures only its child
_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], runs: int) -> tuple[float, str]:
    times = []
    last = ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(command)} failed with {done.returncode}:\n{done.stderr}")
    return statistics.median(times), last


def peak_mb(command: list[str]) -> float:
    done = subprocess.run([sys.executable, "-c", _PEAK, *command], capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--python", default=sys.executable, help="the Python whose dify-lint is measured")
    args = parser.parse_args()

    uncached = [args.python, "-m", "dify_lint", "check", "--output-format", "concise", "--isolated"]
    base = [*uncached, "--no-cache"]  # every figure but the cache's own is of linting
    plugins = sorted({p.parent for p in args.path.rglob("manifest.yaml") if ".venv" not in p.parts})
    yaml_files = sum(1 for _ in args.path.rglob("*.yaml"))
    py_files = sum(1 for _ in args.path.rglob("*.py"))
    print(f"tree: {args.path} ({len(plugins)} plugin roots, {yaml_files} YAML files, {py_files} Python files)")
    print(f"machine: {os.cpu_count()} CPUs; measured: {args.python}")

    startup, _ = timed([args.python, "-m", "dify_lint", "--version"], args.runs)
    print(f"start-up (dify-lint --version):              {startup * 1000:7.0f} ms")

    whole, summary = timed([*base, "--jobs", str(args.jobs), str(args.path)], args.runs)
    print(f"whole tree, all rules:                       {whole:7.2f} s   ({summary})")
    with tempfile.TemporaryDirectory() as cache:
        cached = [*uncached, "--cache-dir", cache, "--jobs", str(args.jobs), str(args.path)]
        cold, _ = timed(cached, 1)
        print(f"whole tree, writing the cache (cold):        {cold:7.2f} s")
        warm, _ = timed(cached, args.runs)
        print(f"whole tree, every plugin from the cache:     {warm:7.2f} s")
    serial, _ = timed([*base, "--jobs", "1", str(args.path)], args.runs)
    print(f"whole tree, all rules, one process:          {serial:7.2f} s")
    memory = peak_mb([*base, "--jobs", "1", str(args.path)])
    print(f"peak memory, whole tree, one process:        {memory:7.0f} MB")
    yaml_only, _ = timed([*base, "--jobs", str(args.jobs), "--select", "DPL0,DPL1,DPL2", str(args.path)], args.runs)
    print(f"whole tree, DPL0-DPL2 (YAML) rules:          {yaml_only:7.2f} s")

    if plugins:
        sizes = sorted(plugins, key=lambda p: sum(f.stat().st_size for f in p.rglob("*") if f.is_file()))
        picks = (("median", sizes[len(sizes) // 2]), ("p90", sizes[int(len(sizes) * 0.9)]), ("largest", sizes[-1]))
        for label, plugin in picks:
            one, _ = timed([*base, str(plugin)], args.runs)
            print(f"one plugin ({label}: {plugin.name}):".ljust(45) + f"{one * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
