"""The rules reference page is generated from the rule objects and must stay in sync."""

from __future__ import annotations

from dify_lint.docs import reference
from dify_lint.registry import all_rules
from helpers import REPO


def test_rules_reference_is_in_sync():
    expected = reference(all_rules())
    actual = (REPO / "docs" / "rules.md").read_text("utf-8")
    assert actual == expected, "docs/rules.md is stale: run `python -m dify_lint.docs > docs/rules.md`"


def test_every_rule_is_documented_with_examples():
    page = (REPO / "docs" / "rules.md").read_text("utf-8")
    for rule in all_rules():
        assert f"### {rule.code} {rule.name}" in page
        assert rule.summary in page


def test_readme_quick_start_has_exactly_two_commands():
    readme = (REPO / "README.md").read_text("utf-8")
    block = readme.split("<!-- quickstart -->")[1].split("<!-- /quickstart -->")[0]
    commands = [line for line in block.splitlines() if line.startswith("python3 ")]
    assert len(commands) == 2
    assert "examples/flawed-plugin" in commands[0]
    assert "pytest" in commands[1]
