"""How fast the language server re-lints a plugin after an edit, in process.

    python benchmarks/editor.py PLUGIN_DIR [PLUGIN_DIR ...] [--edits N]

For each plugin: the first lint (nothing cached yet; the rules and schemas are loaded before the
clock starts), then N re-lints, each after an edit to one file held as an unsaved buffer (a
comment line appended, so that its content changes and the other files' do not). Two files are
edited in turn: the largest Python source and the largest YAML file. Prints the median and 90th
percentile of the re-lints, in milliseconds of wall time, and the median in milliseconds of this
process's CPU time (less disturbed when other work shares the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from dify_lint.lsp.workspace import Workspace
from dify_lint.registry import all_rules


def _largest(root: Path, suffixes: tuple[str, ...]) -> Path | None:
    found = [p for p in root.rglob("*") if p.suffix in suffixes and p.is_file() and ".venv" not in p.parts]
    return max(found, key=lambda p: p.stat().st_size, default=None)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def measure(root: Path, edits: int) -> list[tuple[str, str, float, float, float, float]]:
    rows = []
    for edited in (_largest(root, (".py",)), _largest(root, (".yaml", ".yml"))):
        if edited is None:
            continue
        workspace = Workspace()
        plugin = workspace.root_of(str(edited))
        if plugin is None:
            continue
        start = time.perf_counter()
        workspace.lint(plugin, workspace.snapshot(plugin))
        first = time.perf_counter() - start
        original = edited.read_text("utf-8", "replace")
        times, cpu = [], []
        for number in range(edits):
            workspace.open(str(edited), f"{original}\n# edit {number}\n")
            start, start_cpu = time.perf_counter(), time.process_time()
            workspace.lint(plugin, workspace.snapshot(plugin))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        rows.append(
            (
                root.name,
                os.path.relpath(edited, root),
                first * 1000,
                statistics.median(times) * 1000,
                _p90(times) * 1000,
                statistics.median(cpu) * 1000,
            )
        )
    return rows


def measure_editor(root: Path, edits: int = 20) -> str:
    """One cell for benchmarks/bench.py: the re-lint after an edit of `root`'s largest source and
    largest YAML file, median and 90th percentile of wall time."""
    all_rules()
    rows = measure(root, edits)
    return "; ".join(f"{edited}: {median:.0f} ms (p90 {p90:.0f})" for _, edited, _, median, p90, _ in rows) or "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugins", nargs="+", type=Path)
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    all_rules()  # loading the rule table is start-up, not linting
    print(f"{'plugin':<30} {'edited file':<36} {'first ms':>9} {'median ms':>10} {'p90 ms':>8} {'median cpu ms':>14}")
    for root in args.plugins:
        if not (root / "manifest.yaml").is_file():
            print(f"{root}: no manifest.yaml", file=sys.stderr)
            continue
        for name, edited, first, median, p90, cpu in measure(root, args.edits):
            print(f"{name[:30]:<30} {edited[-36:]:<36} {first:>9.1f} {median:>10.1f} {p90:>8.1f} {cpu:>14.1f}")


if __name__ == "__main__":
    main()
