"""Fixture plugins linted end to end through the CLI, against the output stored beside them.

Each `tests/fixtures/<case>/` holds a plugin (or several) with the exact output of
`dify-lint check .` run inside the case folder (plus the options in `args.txt`, if the case has
one, e.g. to select an opt-in rule): `expected.txt` in the concise format, `expected_full.txt` in
the text format users see, with code frames and notes. After a deliberate change, regenerate both
with `python tests/regenerate_fixtures.py` and review the diff.
"""

from __future__ import annotations

import re

import pytest

from dify_lint.registry import all_rules
from helpers import FIXTURES

CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file()) if FIXTURES.is_dir() else []


def _run(case, run_cli, fmt: str):
    extra = (case / "args.txt").read_text("utf-8").split() if (case / "args.txt").is_file() else []
    return run_cli("check", ".", "--output-format", fmt, "--isolated", "--color", "never", *extra, cwd=case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_concise(case, run_cli):
    result = _run(case, run_cli, "concise")
    expected = (case / "expected.txt").read_text("utf-8")
    assert result.stdout == expected
    fails = [line for line in expected.splitlines() if not re.search(r": DPL\d{3} \[info\] ", line)]
    assert result.exit_code == (1 if fails else 0)  # errors and warnings fail the run, infos do not
    assert "DPL005" not in result.stdout


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_full_text(case, run_cli):
    assert _run(case, run_cli, "text").stdout == (case / "expected_full.txt").read_text("utf-8")


def test_every_rule_has_a_fixture():
    """Each rule is shown end to end through the CLI by at least one fixture (DPL005 is the
    engine's report of a crashed rule, which no plugin should cause)."""
    reported = {code for case in CASES for code in re.findall(r":\d+: (DPL\d{3})\b", (case / "expected.txt").read_text("utf-8"))}
    missing = [r.code for r in all_rules() if r.code not in reported and r.code != "DPL005"]
    assert not missing
