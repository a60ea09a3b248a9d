"""Compare what two versions of dify-lint report on the same trees of plugins.

    python tests/compare_findings.py TREE [TREE ...] --base REV [--head REV] [--save DIR]

Each version is taken from this git repository (`--head` defaults to the working tree, so
uncommitted changes count), laid out as the installed package would be (`lint/` as `dify_lint`,
`rules/` as `dify_lint.rules`) in a temporary folder, and run in a fresh process with the
dependencies of the Python running this script, every rule selected (opt-in ones too). Findings
are compared on everything a user sees: code, severity, file, start and end, message and related
locations. The script prints the counts per rule, then every finding only one side reports,
pairing those that moved or were reworded. It exits 0 when both sides agree, 1 when they differ.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKTREE = "WORKTREE"
OPT_IN = "DPL602"


def materialize(rev: str, destination: Path) -> Path:
    """The package of `rev` (or of the working tree) as an importable folder; returns its parent."""
    source = destination / "source"
    if rev == WORKTREE:
        for part in ("lint", "rules"):
            shutil.copytree(REPO / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        source.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "lint", "rules"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    package = destination / "pkg"
    shutil.copytree(source / "lint", package / "dify_lint")
    shutil.copytree(source / "rules", package / "dify_lint" / "rules")
    return package


def run(package: Path, trees: list[str], jobs: int, workdir: Path) -> tuple[list[dict], float]:
    command = [
        sys.executable, "-m", "dify_lint", "check", *trees, "--output-format", "json", "--isolated",
        "--exit-zero", "-q", "--extend-select", OPT_IN, "--jobs", str(jobs),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(package), "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2) or not done.stdout.strip():
        sys.exit(f"dify-lint failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout), elapsed


def key(finding: dict) -> tuple:
    related = tuple(
        (r["filename"], r["location"]["row"], r["location"]["column"], r["message"]) for r in finding.get("related", ())
    )
    return (
        finding["filename"],
        finding["location"]["row"],
        finding["location"]["column"],
        finding["end_location"]["row"],
        finding["end_location"]["column"],
        finding["code"],
        finding["severity"],
        finding["message"],
        related,
    )


def describe(k: tuple) -> str:
    path, row, column, end_row, end_column, code, severity, message, related = k
    text = f"{path}:{row}:{column}-{end_row}:{end_column} {code} [{severity}] {message}"
    for r_path, r_row, r_column, r_message in related:
        text += f"\n      = {r_message} ({r_path}:{r_row}:{r_column})"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", help="folders holding plugins")
    parser.add_argument("--base", required=True, help="git revision to compare against, e.g. HEAD or main")
    parser.add_argument("--head", default=WORKTREE, help="git revision to compare (default: the working tree)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes for each run (default: one per CPU)")
    parser.add_argument("--save", type=Path, help="keep both JSON outputs in this folder")
    parser.add_argument("--limit", type=int, default=200, help="print at most this many differences")
    args = parser.parse_args()

    trees = [str(Path(t).resolve()) for t in args.trees]
    with tempfile.TemporaryDirectory(prefix="dify-lint-compare-") as scratch:
        work = Path(scratch)
        results = {}
        for side, rev in (("base", args.base), ("head", args.head)):
            package = materialize(rev, work / side)
            findings, elapsed = run(package, trees, args.jobs, work)
            results[side] = findings
            print(f"{side} ({rev}): {len(findings)} findings in {elapsed:.1f} s")
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{side}.json").write_text(json.dumps(findings, indent=1), encoding="utf-8")

    before = collections.Counter(key(f) for f in results["base"])
    after = collections.Counter(key(f) for f in results["head"])
    codes = sorted({k[5] for k in before} | {k[5] for k in after})
    print("\nfindings per rule (base -> head):")
    for code in codes:
        b = sum(n for k, n in before.items() if k[5] == code)
        a = sum(n for k, n in after.items() if k[5] == code)
        print(f"  {code}: {b} -> {a}{'' if a == b else '   *'}")

    removed = list((before - after).elements())
    added = list((after - before).elements())
    if not removed and not added:
        print("\nidentical: every finding is the same on both sides")
        return 0
    # pair a removed and an added finding of the same rule at the same place: moved or reworded
    by_place = collections.defaultdict(list)
    for k in added:
        by_place[(k[0], k[5], k[1])].append(k)
    changed, only_base = [], []
    for k in removed:
        partners = by_place.get((k[0], k[5], k[1]))
        if partners:
            changed.append((k, partners.pop(0)))
        else:
            only_base.append(k)
    only_head = [k for group in by_place.values() for k in group]
    shown = 0
    for title, items in (("only in base", only_base), ("only in head", only_head)):
        if items:
            print(f"\n{title} ({len(items)}):")
            for k in sorted(items):
                if shown < args.limit:
                    print("  " + describe(k))
                shown += 1
    if changed:
        print(f"\nchanged at the same line ({len(changed)}):")
        for old, new in sorted(changed):
            if shown < args.limit:
                print("  - " + describe(old) + "\n  + " + describe(new))
            shown += 1
    if shown > args.limit:
        print(f"\n... {shown - args.limit} more not shown (--limit)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
