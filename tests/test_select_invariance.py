"""`--select` never changes a rule's own findings: every fixture plugin is linted with all rules
together, then with each rule alone, and each rule must report exactly the same both ways."""

from __future__ import annotations

import pytest

from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from helpers import FIXTURES

CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())


def _key(diagnostic) -> tuple:
    return (diagnostic.path, diagnostic.span, diagnostic.severity, diagnostic.message, diagnostic.related)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_rule_alone_reports_what_it_reports_among_all(case):
    rules = all_rules()  # opt-in rules included: the engine runs whatever it is given
    for found in find_plugin_roots([str(case)]):
        together: dict[str, set] = {}
        for diagnostic in lint_plugin(Plugin(found.fs, found.display), rules):
            together.setdefault(diagnostic.code, set()).add(_key(diagnostic))
        for rule in rules:
            alone = {_key(d) for d in lint_plugin(Plugin(found.fs, found.display), [rule]) if d.code == rule.code}
            assert alone == together.get(rule.code, set()), f"{found.display}: {rule.code} alone differs"
