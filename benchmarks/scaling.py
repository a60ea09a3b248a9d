"""How time and memory grow with generated inputs built to be slow: each shape at two sizes, so a
cost that grows with the square of the input shows as a ratio near the square of the size ratio.

    python benchmarks/scaling.py [--shapes NAME,...] [--small N] [--large N] [--python PYTHON]

Shapes: `helper-checks` (N `if not self._ok(p): return` before reads), `unknown-keys` (N unknown
keys in one tool YAML), `narrowing` (N `if x is None` narrowings), `variable-chain` (a = b = ...
N long), `deep-folders` (N nested folders). Each figure is one run of the real command in a fresh
process: wall time and peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from dify_lint.examples import base_file, materialize  # noqa: E402
from dify_lint.rule import Example  # noqa: E402
from helpers import tool_source  # noqa: E402

_HELPER = "\n    def _ok(self, p):\n        if not p.get('text'):\n            return False\n        return True\n"


def _helper_checks(n: int) -> dict:
    read = "yield self.create_text_message(tool_parameters['text'])\n"
    return {"tools/echo.py": tool_source(("if not self._ok(tool_parameters):\n    return\n" + read) * n, _HELPER)}


def _unknown_keys(n: int) -> dict:
    return {"tools/echo.yaml": base_file("tools/echo.yaml") + "".join(f"bogus_key_{i}: 1\n" for i in range(n))}


def _narrowing(n: int) -> dict:
    body = "".join(
        f"v{i} = tool_parameters.get('p{i}')\nif v{i} is None:\n    v{i} = ''\n"
        f"if isinstance(v{i}, str):\n    yield self.create_text_message(v{i})\n"
        for i in range(n)
    )
    return {"tools/echo.py": tool_source(body)}


def _variable_chain(n: int) -> dict:
    body = "a0 = tool_parameters['text']\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(n))
    return {"tools/echo.py": tool_source(body + f"yield self.create_text_message(a{n})\n")}


SHAPES = {
    "helper-checks": _helper_checks,
    "unknown-keys": _unknown_keys,
    "narrowing": _narrowing,
    "variable-chain": _variable_chain,
    "deep-folders": None,  # built on disk below
}


def build(shape: str, n: int, where: Path) -> Path:
    root = materialize(Example({} if shape == "deep-folders" else SHAPES[shape](n)), where / f"{shape}-{n}")
    if shape == "deep-folders":
        previous = os.getcwd()
        os.chdir(root)
        try:
            for _ in range(n):
                os.mkdir("d")
                os.chdir("d")
            Path("deep.py").write_text("x = 1\n", "utf-8")
        finally:
            os.chdir(previous)
    return root


_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure(python: str, root: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one run in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, python, "-m", "dify_lint", "check", str(root), "-q"], capture_output=True, text=True
    )
    return time.perf_counter() - start, int(done.stdout.strip() or 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=3000)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="dify-lint-scaling-"))
    try:
        print(f"{'shape':16} {'n':>6} {'seconds':>8} {'peak MB':>8}")
        for shape in args.shapes.split(","):
            for n in (args.small, args.large):
                seconds, peak = measure(args.python, build(shape, n, where))
                print(f"{shape:16} {n:>6} {seconds:>8.2f} {peak:>8.0f}", flush=True)
    finally:
        _remove(where)


def _remove(where: Path) -> None:
    """Remove the generated trees; a deep one folder by folder, from the bottom, by relative
    names (its full path may be longer than the OS allows, and rmtree would recurse as deep)."""
    previous = os.getcwd()
    try:
        for top in where.iterdir():
            os.chdir(top)
            depth = 0
            while os.path.isdir("d"):
                os.chdir("d")
                depth += 1
            for _ in range(depth):
                for name in os.listdir("."):
                    os.unlink(name)
                os.chdir("..")
                os.rmdir("d")
    finally:
        os.chdir(previous)
    shutil.rmtree(where)


if __name__ == "__main__":
    main()
