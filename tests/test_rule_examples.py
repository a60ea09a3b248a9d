"""Every rule's own examples: the invalid ones must report exactly what they pin (place and
message), the valid ones nothing."""

from __future__ import annotations

import pytest

from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.registry import all_rules
from helpers import load, where

CASES = [
    pytest.param(rule, example, expect, id=f"{rule.code}-{rule.name}-{'invalid' if expect else 'valid'}{index}")
    for rule in all_rules()
    for expect, examples in ((True, rule.invalid), (False, rule.valid))
    for index, example in enumerate(examples)
]


def findings_for(rule, example, tmp_path):
    return lint_plugin(load(materialize(example, tmp_path / "plugin")), [rule])


@pytest.mark.parametrize(("rule", "example", "expect"), CASES)
def test_example(rule, example, expect, tmp_path):
    diagnostics = findings_for(rule, example, tmp_path)
    crashes = [d for d in diagnostics if d.code == "DPL005"]
    assert not crashes, crashes
    mine = sorted(
        (d for d in diagnostics if d.code == rule.code), key=lambda d: (d.path, d.span.start.line, d.span.start.column, d.message)
    )
    undeclared = [f"{d.severity.value}: {d.message}" for d in mine if d.severity not in rule.severities]
    assert not undeclared, f"{rule.code} reports severities it does not declare in `grades`: {undeclared}"
    if expect:
        got = tuple((where(d), d.message) for d in mine)
        assert got, f"{rule.code} did not trigger on its invalid example"
        assert got == example.expect, f"{rule.code} reports, for `expect=`:\n{got!r}"
    else:
        assert not mine, f"{rule.code} triggered on its valid example: {[d.message for d in mine]}"


def test_every_invalid_example_pins_what_it_reports():
    missing = [f"{rule.code} invalid #{i}" for rule in all_rules() for i, e in enumerate(rule.invalid) if not e.expect]
    assert not missing


def test_every_rule_has_examples():
    for rule in all_rules():
        if rule.code == "DPL005":  # reported by the engine when a rule crashes
            continue
        assert rule.invalid, f"{rule.code} has no invalid example"
        assert rule.valid, f"{rule.code} has no valid example"


def test_base_plugins_are_clean(tmp_path):
    """Every base plugin the examples start from must pass every rule."""
    from dify_lint.examples import base_names
    from dify_lint.rule import Example

    for name in base_names():
        root = materialize(Example({}, base=name), tmp_path / name)
        (plugin,) = find_plugin_roots([str(root)])
        diagnostics = lint_plugin(plugin, all_rules())
        assert not diagnostics, [f"{d.path}:{d.span.start.line} {d.code} {d.message}" for d in diagnostics]
