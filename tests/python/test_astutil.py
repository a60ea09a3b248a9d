"""Walking only the lines that name something finds what the whole walk finds."""

from __future__ import annotations

import ast

from dify_lint.python.astutil import lines_with, own_nodes, spans_a_line
from dify_lint.python.module import PyModule
from helpers import python_texts


def test_lines_with_and_spans_a_line():
    module = PyModule("m.py", "@deco(1)\ndef f():\n    x = 1\n    return x\n\n\ny = 'x'\n")
    assert lines_with(module, "x") == [3, 4, 7]
    function, assignment = module.tree.body  # type: ignore[union-attr]
    assert spans_a_line([1], function)  # its decorator is written on the line above the def
    assert not spans_a_line([5, 6], function)
    assert spans_a_line([7], assignment) and not spans_a_line([1, 2, 3, 4, 8], assignment)
    assert spans_a_line([], ast.Load())  # a node without a position is always entered
    assert not spans_a_line([], assignment)


def test_the_yields_of_every_function_are_found_walking_only_the_lines_that_say_yield():
    compared = 0
    for text in python_texts().values():
        module = PyModule("m.py", text)
        if module.tree is None:
            continue
        lines = lines_with(module, "yield")
        for function in ast.walk(module.tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                whole = [n for n in own_nodes(function) if isinstance(n, ast.Yield)]
                pruned = [n for n in own_nodes(function, lines) if isinstance(n, ast.Yield)]
                assert pruned == whole
                compared += len(whole)
    assert compared > 50
