"""A graded rule says which severities it reports and what decides each (`dify-lint rule`, the
docs and SARIF show it); these tests hold the declaration to what the rules really report."""

from __future__ import annotations

import ast

import pytest

from dify_lint.diagnostics import Severity
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from helpers import FIXTURES, REPO, load

GRADED = [rule for rule in all_rules() if rule.grades]
FIXTURE_CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())

#: The grades no `Example` can show, each shown by the named test instead. An example's files are
#: text or bytes written afresh for every run: they cannot be symbolic links, a package over
#: 50 MB is too much to write each time (the test makes a sparse file), and an example is a
#: folder, never a zipped package. Each named test must exist,
#: lint with the rule and assert the severity (checked below), so an entry cannot silently rot.
SHOWN_ELSEWHERE = {
    ("DPL311", Severity.ERROR): "tests/rules/test_packaging.py::test_package_over_50_mb",
    ("DPL311", Severity.WARNING): "tests/rules/test_packaging.py::test_venv_with_a_link_to_its_interpreter",
    ("DPL003", Severity.WARNING): "tests/test_package.py::test_a_link_in_a_package_is_never_followed",
}


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
    elsewhere = {severity for code, severity in SHOWN_ELSEWHERE if code == rule.code}
    assert not reached & elsewhere, f"{rule.code}: an example shows it now; drop it from SHOWN_ELSEWHERE"
    assert reached | elsewhere == set(rule.severities), f"{rule.code}: examples reach {sorted(s.value for s in reached)}"


@pytest.mark.parametrize(("grade", "test"), SHOWN_ELSEWHERE.items(), ids=[f"{c}-{s.value}" for c, s in SHOWN_ELSEWHERE])
def test_a_grade_shown_elsewhere_names_a_test_that_shows_it(grade, test):
    code, severity = grade
    rules = {rule.code: rule for rule in all_rules()}
    assert code in rules and severity in rules[code].severities, f"{code} no longer reports {severity.value}"
    path, _, name = test.partition("::")
    text = (REPO / path).read_text("utf-8")
    found = [node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert found, f"{test} does not exist"
    body = ast.get_source_segment(text, found[0]) or ""
    assert f'"{code}"' in body and f'"{severity.value}"' in body, f"{test} does not lint with {code} and assert {severity.value}"


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c.name for c in FIXTURE_CASES])
def test_fixtures_report_only_declared_severities(case):
    rules = {rule.code: rule for rule in all_rules()}
    for found in find_plugin_roots([str(case)]):
        for d in lint_plugin(Plugin(found.fs, found.display), list(rules.values())):
            assert d.severity in rules[d.code].severities, f"{d.path}:{d.span.start.line} {d.code} {d.severity.value}"
