"""A graded rule says which severities it reports and what decides each (`dify-lint rule`, the
docs and SARIF show it); these tests hold the declaration to what the rules really report."""

from __future__ import annotations

import pytest

from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from helpers import FIXTURES, load

GRADED = [rule for rule in all_rules() if rule.grades]
FIXTURE_CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())


def test_a_graded_rule_explains_its_own_severity_and_at_least_one_other():
    for rule in GRADED:
        assert rule.severity in rule.grades, f"{rule.code}: `grades` leaves out its own severity"
        assert len(rule.grades) > 1, f"{rule.code}: one grade is no grading; drop `grades`"
        assert all(text.strip() for text in rule.grades.values()), rule.code


@pytest.mark.parametrize("rule", GRADED, ids=[rule.code for rule in GRADED])
def test_every_grade_is_shown_by_an_invalid_example(rule, tmp_path):
    reached = set()
    for index, example in enumerate(rule.invalid):
        plugin = load(materialize(example, tmp_path / str(index)))
        reached |= {d.severity for d in lint_plugin(plugin, [rule]) if d.code == rule.code}
    assert reached == set(rule.severities), f"{rule.code}: examples reach {sorted(s.value for s in reached)}"


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c.name for c in FIXTURE_CASES])
def test_fixtures_report_only_declared_severities(case):
    rules = {rule.code: rule for rule in all_rules()}
    for found in find_plugin_roots([str(case)]):
        for d in lint_plugin(Plugin(found.fs, found.display), list(rules.values())):
            assert d.severity in rules[d.code].severities, f"{d.path}:{d.span.start.line} {d.code} {d.severity.value}"
