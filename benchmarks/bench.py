"""How fast dify-lint is on a tree of plugins, against the least any linter must do, in one run.

    python benchmarks/bench.py PATH [--runs N] [--sample K] [--python PYTHON] [--sdk-python SDK_PYTHON]

Every figure is the median of N runs (default 3) of a fresh process, start-up included, with its CPU
time (user + system, worker processes included) and peak memory (the largest single process). The
whole-tree commands (floor, cold, warm, SDK) run in turn, one of each and then again, so that a
machine whose speed drifts during the benchmark slows them alike:

- floor: benchmarks/floor.py reads every YAML and Python file of the tree once and parses it
  (PyYAML's C loader, `ast.parse`) and does nothing else;
- cold whole tree, with the default jobs and with --jobs 1 (`--no-cache`);
- warm whole tree: the same command again, a run not counted first (with the result cache of a
  version that has one, in a folder of its own; without one it is the cold run again);
- one plugin as pre-commit runs it (`dify-lint check PLUGIN`): the median and 90th percentile over
  K plugins spread evenly over the sizes, and the largest plugin;
- the editor path: `measure_editor(plugin)` of benchmarks/editor.py, when there is one;
- the SDK's start-up validation (benchmarks/sdk_startup.py run by SDK_PYTHON, a Python with the
  `dify-plugin` SDK): each plugin's manifest and declarations through the SDK's pydantic models.

Ratios: cold/floor and SDK/cold, each with the default jobs (the goals: cold within 1.5x of the floor,
and 5x faster than the SDK) and with both in one process. `--python` measures another installation of
dify-lint (e.g. an older version in its own virtual environment). Prints a Markdown table and the
machine; on a shared machine the ratios within one run say more than the seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from floor import skipped  # noqa: E402 - beside this file; the floor skips what dify-lint skips


@dataclass
class Figure:
    wall: float  # seconds, median
    cpu: float  # user + system seconds, median, descendants included
    peak_mb: float  # the largest resident set of any one process, largest over the runs


def run_once(command: list[str], cwd: str | None = None) -> tuple[float, float, float]:
    """(wall, cpu, peak MB) of one run; the child's and its waited-for descendants' usage."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, cwd=cwd)
        stderr = child.stderr.read() if child.stderr else b""
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(command)} failed with {code}:\n{stderr.decode(errors='replace')[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(command: list[str], runs: int, cwd: str | None = None) -> Figure:
    return summary([run_once(command, cwd) for _ in range(runs)])


def measure_together(commands: dict[str, list[str]], runs: int) -> dict[str, Figure]:
    """Each command's figure, the runs taken in turn (one of each, then again): a machine whose
    speed drifts during the benchmark then slows every command alike, and the ratios hold."""
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            results[label].append(run_once(command))
    return {label: summary(found) for label, found in results.items()}


def summary(results: list[tuple[float, float, float]]) -> Figure:
    return Figure(statistics.median(r[0] for r in results), statistics.median(r[1] for r in results), max(r[2] for r in results))


def plugin_roots(tree: Path) -> list[Path]:
    roots = []
    for folder, subdirs, files in os.walk(tree):
        subdirs[:] = sorted(d for d in subdirs if not skipped(d))
        if "manifest.yaml" in files:
            roots.append(Path(folder))
    return roots


def parsed_bytes(root: Path) -> int:
    """Bytes of YAML and Python under a root: what dify-lint parses, roughly."""
    total = 0
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not skipped(d)]
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files if f.endswith((".yaml", ".yml", ".py")))
    return total


def spread(items: list, count: int) -> list:
    """`count` items evenly spaced over a sorted list, its ends included."""
    if len(items) <= count:
        return list(items)
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def dify_lint_command(python: str) -> list[str]:
    """The console script beside `python` (what pre-commit runs), or `python -m dify_lint`."""
    script = Path(python).parent / "dify-lint"
    return [str(script)] if script.exists() else [python, "-m", "dify_lint"]


def check_help(lint: list[str]) -> str:
    return subprocess.run([*lint, "check", "--help"], capture_output=True, text=True).stdout


def editor_row(plugin: Path) -> str:
    """The editor path's figure, from benchmarks/editor.py when there is one."""
    if not (HERE / "editor.py").exists():
        return "n/a"
    from editor import measure_editor  # type: ignore[import-not-found]

    return str(measure_editor(plugin))


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
        f" ({platform.python_implementation()}); load average at the start: {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="runs of each command; the median is reported")
    parser.add_argument("--sample", type=int, default=15, help="plugins linted one at a time")
    parser.add_argument("--python", default=sys.executable, help="the Python whose dify-lint is measured")
    parser.add_argument("--sdk-python", help="a Python with the dify-plugin SDK, to time its start-up validation")
    args = parser.parse_args()

    tree = args.path.resolve()
    roots = plugin_roots(tree)
    if not roots:
        sys.exit(f"no plugin (manifest.yaml) under {tree}")
    sized = sorted(roots, key=parsed_bytes)
    header = f"machine: {machine()}"
    lint = dify_lint_command(args.python)
    flags = ["check", "--isolated", "--output-format", "concise", "-q", "--exit-zero"]
    options = check_help(lint)
    cold_flags = [*flags, "--no-cache"] if "--no-cache" in options else flags
    has_cache = "--cache-dir" in options and "no cache yet" not in options

    rows: list[tuple[str, Figure | str, str]] = []

    def row(label: str, figure: Figure | str, note: str = "") -> None:
        rows.append((label, figure, note))
        shown = f"{figure.wall:.2f} s" if isinstance(figure, Figure) else figure
        print(f"  {label}: {shown} {note}", file=sys.stderr, flush=True)

    print(f"{header}\ntree: {tree}, {len(roots)} plugins; measuring {' '.join(lint)}", file=sys.stderr)
    # the whole-tree commands in turn, so that their ratios are taken at the same moments
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        warm_flags = [*flags, "--cache-dir", cache] if has_cache else flags
        run_once([*lint, *warm_flags, str(tree)])  # fills the cache
        whole = {
            "floor": [args.python, str(HERE / "floor.py"), str(tree)],
            "cold": [*lint, *cold_flags, str(tree)],
            "serial": [*lint, *cold_flags, "--jobs", "1", str(tree)],
            "warm": [*lint, *warm_flags, str(tree)],
        }
        if args.sdk_python:
            whole["sdk"] = [args.sdk_python, str(HERE / "sdk_startup.py"), *map(str, roots)]
        figures = measure_together(whole, args.runs)
    floor, cold, serial, warm = figures["floor"], figures["cold"], figures["serial"], figures["warm"]
    row("floor: read + parse every YAML and Python file (one process)", floor)
    row("cold whole tree, default jobs", cold)
    row("cold whole tree, --jobs 1", serial, f"{serial.wall / floor.wall:.1f}x floor")
    row("warm whole tree, default jobs (second run)", warm, "" if has_cache else "(no result cache in this version)")

    sample = spread(sized, args.sample)
    # a plugin as pre-commit meets it after an edit: linted, not taken from the result cache
    single = [*lint, *cold_flags]
    singles = {root: measure([*single, str(root)], args.runs) for root in sample}
    walls = [f.wall for f in singles.values()]
    cpus = [f.cpu for f in singles.values()]
    peak = max(f.peak_mb for f in singles.values())
    row(f"one plugin, median of {len(sample)}", Figure(statistics.median(walls), statistics.median(cpus), peak))
    row(f"one plugin, p90 of {len(sample)}", Figure(percentile(walls, 0.9), percentile(cpus, 0.9), peak))
    largest = singles.get(sized[-1]) or measure([*single, str(sized[-1])], args.runs)
    row(f"one plugin, the largest ({sized[-1].relative_to(tree)})", largest)
    row("editor path (median plugin)", editor_row(sized[len(sized) // 2]))
    sdk = figures.get("sdk")
    if sdk is not None:
        row("SDK start-up validation, whole tree (one process)", sdk, f"{sdk.wall / serial.wall:.2f}x cold --jobs 1")
    else:
        row("SDK start-up validation", "n/a", "(give --sdk-python)")

    print(header)
    print(f"tree: {tree.name}, {len(roots)} plugins, {sum(map(parsed_bytes, roots)) / 1e6:.1f} MB of YAML and Python;")
    print(f"medians of {args.runs} runs; CPU includes worker processes; peak is the largest single process\n")
    print("| measure | wall s | CPU s | peak MB | note |")
    print("|---|---:|---:|---:|---|")
    for label, figure, note in rows:
        if isinstance(figure, Figure):
            print(f"| {label} | {figure.wall:.2f} | {figure.cpu:.2f} | {figure.peak_mb:.0f} | {note} |")
        else:
            print(f"| {label} | {figure} | | | {note} |")
    print(
        f"\ncold/floor: {cold.wall / floor.wall:.2f}x wall with the default jobs (the goal: at most 1.5x);"
        f" {serial.wall / floor.wall:.1f}x wall, {serial.cpu / floor.cpu:.1f}x CPU with --jobs 1;"
        f" default jobs/--jobs 1: {cold.wall / serial.wall:.2f}x wall"
    )
    if sdk is not None:
        print(
            f"SDK/cold: {sdk.wall / cold.wall:.2f}x wall against the default jobs (the goal: at least 5x);"
            f" {sdk.wall / serial.wall:.2f}x wall, {sdk.cpu / serial.cpu:.2f}x CPU with both in one process"
        )


if __name__ == "__main__":
    main()
