"""Shared analyses: computed once per plugin, on first use, refused to rules that do not declare
them, and dropped with the context."""

from __future__ import annotations

import pytest

from dify_lint.analysis import Analysis, Context, CyclicAnalysis, ModuleAnalysis, UndeclaredAnalysis
from dify_lint.analysis.keys import ALL, FUNCTIONS, OUTLINE, READ_FILES
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from dify_lint.rule import Finding, Rule
from helpers import FIXTURES, build, load


@pytest.fixture
def plugin(tmp_path) -> Plugin:
    return load(build(tmp_path, {}))


def test_an_analysis_is_computed_once(plugin):
    calls = []
    counted = Analysis("counted", lambda ctx: calls.append(1) or len(calls), "test")
    ctx = Context(plugin)
    assert [ctx.get(counted) for _ in range(3)] == [1, 1, 1]


def test_analyses_that_depend_on_each_other_are_refused(plugin):
    first = Analysis("first", lambda ctx: ctx.get(second), "test")
    second = Analysis("second", lambda ctx: ctx.get(first), "test")
    with pytest.raises(CyclicAnalysis, match="first -> second -> first"):
        Context(plugin).get(first)


def test_a_rule_may_read_only_what_it_declares(plugin):
    ctx = Context(plugin).running((READ_FILES,))
    ctx.get(READ_FILES)
    with pytest.raises(UndeclaredAnalysis, match="outline"):
        ctx.module(OUTLINE, plugin.python("tools/echo.py"))
    assert ctx.reads == {READ_FILES}


def test_an_analysis_reads_what_it_needs_for_a_rule(plugin):
    needs_outline = Analysis("needs-outline", lambda ctx: ctx.module(OUTLINE, ctx.plugin.python("tools/echo.py")), "test")
    ctx = Context(plugin).running((needs_outline,))
    assert ctx.get(needs_outline).classes[0].name == "EchoTool"


class _Sneaky(Rule):
    code = "DPL999"
    name = "sneaky"
    summary = "reads what it does not declare"

    def check(self, ctx):
        ctx.get(READ_FILES)
        return [Finding("manifest.yaml", None, "never")]  # type: ignore[arg-type]


def test_the_engine_reports_an_undeclared_read_as_a_crash(plugin):
    (crash,) = lint_plugin(plugin, [_Sneaky()])
    assert crash.code == "DPL005" and "UndeclaredAnalysis" in crash.message


def test_module_analyses_are_kept_by_content_for_a_long_running_process(tmp_path):
    root = build(tmp_path, {})
    first = load(root)
    second = Plugin(first.fs, first.display, modules=first.modules)  # an editor server's shared cache
    module = first.python("tools/echo.py")
    assert second.python("tools/echo.py") is module
    assert Context(second).module(FUNCTIONS, module) is Context(first).module(FUNCTIONS, module)


def test_closing_drops_every_analysis(plugin):
    closed = []

    class Closable:
        def close(self):
            closed.append(True)

    kept = Analysis("kept", lambda ctx: Closable(), "test")
    ctx = Context(plugin)
    ctx.get(kept)
    ctx.close()
    assert closed == [True] and not ctx._values


def test_every_key_is_a_documented_analysis():
    names = [key.name for key in ALL]
    assert len(names) == len(set(names))
    assert all(key.summary for key in ALL)
    assert all(isinstance(key, (Analysis, ModuleAnalysis)) for key in ALL)


def test_every_declared_analysis_is_read(tmp_path):
    """A rule's `requires` is what it reads: run every rule on every fixture and example plugin,
    and each declared analysis must have been read somewhere (and, enforced by the context,
    nothing else)."""
    roots = [p.fs.root for p in find_plugin_roots([str(FIXTURES)])]
    for rule in all_rules():
        for index, example in enumerate((*rule.invalid, *rule.valid)):
            roots.append(materialize(example, tmp_path / f"{rule.code}-{index}"))
    read: dict[str, set] = {rule.code: set() for rule in all_rules()}
    for root in roots:
        ctx = Context(load(root))
        for rule in all_rules():
            list(rule.check(ctx.running(rule.requires)))
            read[rule.code] |= ctx.reads  # what this rule read itself (the context resets it per rule)
        ctx.close()
    unread = {code: sorted(k.name for k in set(rule.requires) - read[code]) for rule in all_rules() if (code := rule.code)}
    assert not {code: keys for code, keys in unread.items() if keys}
