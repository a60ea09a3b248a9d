"""Choosing rules by code, prefix or name."""

from __future__ import annotations

import pytest

from dify_lint.registry import UnknownSelector, all_rules, check_selectors, find_rule, select_rules


def codes(select=None, ignore=None):
    return {r.code for r in select_rules(select, ignore)}


def test_codes_and_names_are_unique_and_well_formed():
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert rule.code.startswith("DPL") and len(rule.code) == 6 and rule.code[3:].isdigit()
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.summary and not rule.summary.endswith(".")


def test_fixed_codes_keep_their_meaning():
    assert find_rule("DPL001").name == "yaml-syntax-error"
    assert find_rule("DPL002").name == "python-syntax-error"
    assert find_rule("DPL301").name == "missing-file"
    assert find_rule("DPL601").name == "missing-permission"


def test_prefix_name_and_specificity():
    assert codes(["DPL2"]) == {r.code for r in all_rules() if r.code.startswith("DPL2")}
    assert codes(["unknown-key"]) == {"DPL202"}
    assert "DPL301" not in codes(["DPL3"], ["DPL301"])
    assert codes(["DPL301"], ["DPL3"]) == {"DPL301"}


def test_opt_in_rules_run_only_when_named():
    assert "DPL602" not in codes()
    assert "DPL602" not in codes(["DPL6"])
    assert "DPL602" not in codes(["ALL"])
    assert "DPL602" in codes(["DPL602"])
    assert "DPL602" in codes(["unused-permission"])


def test_unknown_selector_suggests():
    with pytest.raises(UnknownSelector, match="did you mean `unknown-key`"):
        check_selectors(["unknwn-key"])
    check_selectors(["DPL", "DPL2", "ALL", "missing-file"])
