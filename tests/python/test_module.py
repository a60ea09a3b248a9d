"""A module is parsed once with `ast`; libcst only decides what `ast` refuses."""

from __future__ import annotations

import sys

import pytest

from dify_lint.python.module import MAX_TREE_DEPTH, ModuleCache, PyModule, deeper_than
from helpers import python_texts, tree_depth


def test_a_module_that_parses_has_a_tree_and_no_error():
    module = PyModule("tools/echo.py", "x = 1\n")
    assert module.tree is not None and module.syntax_error is None and not module.newer_grammar


def test_a_syntax_error_keeps_ast_s_message_and_position():
    module = PyModule("tools/echo.py", "class A(:\n    pass\n")
    assert module.tree is None and not module.newer_grammar
    assert module.syntax_error is not None
    assert module.syntax_error.message.startswith("Python syntax error:")
    assert module.syntax_error.span.start.line == 1


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this interpreter parses Python 3.12 f-strings itself")
def test_newer_grammar_is_not_a_syntax_error_but_gets_no_tree():
    module = PyModule("tools/echo.py", 'name = "x"\nprint(f"{name.split("a")[0]}")\n')
    assert module.syntax_error is None
    assert module.newer_grammar and module.tree is None


def test_nesting_too_deep_is_a_limit_not_a_crash():
    module = PyModule("tools/echo.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")
    assert module.tree is None and module.syntax_error is not None


DEEP_SOURCES = [
    "x = " + "-" * 300 + "1\n",
    "x = " + "+".join(["a"] * 400) + "\n",
    "x = (" + "+".join(["a"] * 400) + "\n)\n",
    "x = " + "a." * 300 + "b\n",
    "x = " + "f(" * 90 + ")" * 90 + "\n",
    'x = f"{' + "y" * 10 + '!r:>{w}}"\n',
    "if a:\n" + "".join("    " * n + "if a:\n" for n in range(1, 90)) + "    " * 90 + "pass\n",
    "x = [\n" + "".join(f"    {n} + " * 3 + "1,\n" for n in range(100)) + "]\n",
    "@d(" + "-" * 300 + "x)\ndef f(): pass\n",
    "@" + "-" * 300 + "d\nclass C: pass\n",
]


@pytest.mark.parametrize("limit", [3, 6, 10, 20, 40, 80, MAX_TREE_DEPTH])
def test_deeper_than_agrees_with_the_full_walk(limit):
    """The width bound never changes the verdict, on every Python input the repository holds and
    on trees deep through long or short lines."""
    import ast

    texts = [*python_texts().values(), *DEEP_SOURCES]
    trees = []
    for text in texts:
        try:
            trees.append(ast.parse(text))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            continue
    assert len(trees) > 100
    verdicts = [deeper_than(tree, limit) for tree in trees]
    assert verdicts == [tree_depth(tree, limit) > limit for tree in trees]
    if limit == MAX_TREE_DEPTH:
        assert any(verdicts) and not all(verdicts)  # both verdicts are exercised


def test_parsing_prints_no_warnings(capsys):
    PyModule("tools/echo.py", 'pattern = "\\d+"\n')
    assert capsys.readouterr().err == ""


def test_the_cache_returns_the_same_module_for_the_same_content():
    cache = ModuleCache()
    first = cache.module("a.py", "x = 1\n")
    assert cache.module("a.py", "x = 1\n") is first
    assert cache.module("a.py", "x = 2\n") is not first
    assert cache.module("b.py", "x = 1\n") is not first


def test_the_cache_computes_a_module_analysis_once():
    cache = ModuleCache()
    module = cache.module("a.py", "x = 1\n")
    calls = []
    for _ in range(3):
        cache.analysis("count", module, lambda: calls.append(1) or len(calls))
    assert calls == [1]
    stranger = PyModule("a.py", "x = 1\n")  # the same content, but not the cache's own module
    assert cache.analysis("count", stranger, lambda: "computed") == "computed"


def test_the_cache_forgets_the_least_recently_used_module():
    cache = ModuleCache(size=2)
    a = cache.module("a.py", "a = 1\n")
    cache.module("b.py", "b = 1\n")
    cache.module("a.py", "a = 1\n")  # a is used again
    cache.module("c.py", "c = 1\n")  # b goes
    assert cache.module("a.py", "a = 1\n") is a
    assert len(cache) == 2


def test_the_cache_keeps_one_content_per_path():
    cache = ModuleCache()
    first = cache.module("a.py", "a = 1\n")
    cache.module("b.py", "b = 1\n")
    cache.module("a.py", "a = 2\n")  # an edit: the old content goes
    assert len(cache) == 2
    assert cache.module("a.py", "a = 1\n") is not first
