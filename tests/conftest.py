from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dify_lint.cli import main
from helpers import FIXTURES, REPO  # noqa: F401 - re-exported for the tests that import them from here


class Run:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception


@pytest.fixture
def run_cli():
    """Run `dify-lint ARGS...` in-process from `cwd`, returning exit code, stdout and stderr."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> Run:
        runner = CliRunner()
        previous = os.getcwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            result = runner.invoke(main, list(args), input=input, catch_exceptions=True)
        finally:
            os.chdir(previous)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result)

    return run


@pytest.fixture(autouse=True)
def _no_result_cache(monkeypatch):
    """Runs read and write no result cache unless a test asks for one (tests/test_cache.py): a
    test that replaces a rule must not meet the findings of the real one."""
    monkeypatch.setenv("DIFY_LINT_NO_CACHE", "1")
