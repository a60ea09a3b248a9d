"""What must hold for any plugin, however mutated: the CLI neither traces back nor hangs, exits
0 or 1, and reports no internal error (DPL005)."""

from __future__ import annotations

import json
import os
import signal
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from dify_lint.cli import main
from dify_lint.report import FORMATS

#: seconds one lint may take before it counts as a hang (real plugins take well under one)
HANG_AFTER = 60


class Hang(Exception):
    pass


class Broken(AssertionError):
    pass


@contextmanager
def _time_limit(seconds: int):
    def expired(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click before 8.2 mixes standard error in otherwise
    except TypeError:
        return CliRunner()


def lint_and_check(root: Path, fmt: str = "json") -> None:
    """Lint `root` through the CLI, in this process, from its parent folder; raise `Broken` or
    `Hang` when an invariant does not hold."""
    assert fmt in FORMATS
    previous = os.getcwd()
    os.chdir(root.parent)
    try:
        with _time_limit(HANG_AFTER):
            result = _runner().invoke(main, ["check", root.name, "--isolated", "--output-format", fmt], catch_exceptions=True)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        if isinstance(result.exception, Hang):
            raise result.exception
        raise Broken(f"traceback: {type(result.exception).__name__}: {result.exception}") from result.exception
    if result.exit_code not in (0, 1):
        raise Broken(f"exit status {result.exit_code}: {result.stderr[-2000:]}")
    if "Traceback" in result.stderr:
        raise Broken(f"traceback on standard error: {result.stderr[-2000:]}")
    if fmt == "json":  # an internal error exits 2 in every format; in JSON, its message is at hand
        crashes = [f for f in json.loads(result.stdout) if f["code"] == "DPL005"]
        if crashes:
            raise Broken(f"internal error: {crashes[0]['message']}")
