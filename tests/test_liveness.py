"""Nothing of a plugin is alive once it is linted: its files, parsed modules and analyses are freed
by reference counting alone (the engine runs with the cyclic collector off), so memory stays flat
over a monorepo and a long-running process keeps only what it chooses to cache."""

from __future__ import annotations

import gc
import weakref

from dify_lint.analysis import Context
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin, lint_plugins
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from helpers import FIXTURES


def _lint_and_watch(found: Plugin) -> list[weakref.ref]:
    """Lint a fresh copy of the plugin; weak references to everything it read and built."""
    plugin = Plugin(found.fs, found.display)
    lint_plugin(plugin, all_rules())
    watched = [weakref.ref(plugin)]
    watched += [weakref.ref(doc) for doc in plugin._yaml.values() if doc is not None]
    watched += [weakref.ref(module) for module in plugin._python.values() if module is not None]
    watched += [weakref.ref(d) for d in plugin.declarations]
    return watched


def test_nothing_of_a_plugin_outlives_its_lint():
    cases = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for case in cases:
            for found in find_plugin_roots([str(case)]):
                watched = _lint_and_watch(found)
                assert len(watched) > 1
                alive = [r() for r in watched if r() is not None]
                assert not alive, f"{found.display}: still alive after its lint: {alive[:5]}"
        assert not [o for o in gc.get_objects() if isinstance(o, Context)], "a context outlived its lint"
    finally:
        if enabled:
            gc.enable()


def test_a_whole_run_holds_no_parsed_file(tmp_path):
    """`lint_plugins` lints a copy of each discovered plugin, so the caller's list holds nothing read."""
    plugins = find_plugin_roots([str(FIXTURES)])
    assert len(plugins) > 20
    lint_plugins(plugins, all_rules(), jobs=1)
    assert all(not p._yaml and not p._python for p in plugins)
