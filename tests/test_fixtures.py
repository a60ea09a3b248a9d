"""Fixture plugins linted end to end through the CLI, against the output stored beside them.

Each `tests/fixtures/<case>/` holds a plugin (or several) and `expected.txt`, the exact
`--output-format concise` output of `dify-lint check .` run inside the case folder (plus the
options in `args.txt`, if the case has one, e.g. to select an opt-in rule). After a deliberate
change, regenerate with `python tests/regenerate_fixtures.py`.
"""

from __future__ import annotations

import pytest

from helpers import FIXTURES

CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file()) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case, run_cli):
    extra = (case / "args.txt").read_text("utf-8").split() if (case / "args.txt").is_file() else []
    result = run_cli("check", ".", "--output-format", "concise", "--isolated", *extra, cwd=case)
    expected = (case / "expected.txt").read_text("utf-8")
    assert result.stdout == expected
    assert result.exit_code == (1 if expected.strip() else 0)
    assert "DPL005" not in result.stdout
