"""Walking only the lines that name something finds what the whole walk finds."""

from __future__ import annotations

import ast

from dify_lint.python.astutil import children, lines_with, own_nodes, spans_a_line
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


_EVERY_KIND = """\
from __future__ import annotations
import os.path as p, sys
from . import x as y
global_value: int = 1
def outer(a, /, b: int = 2, *args, c, d=3, **kw) -> str:
    global g
    def inner():
        nonlocal a
        a += 1
    async def co():
        async with x as (s, t):
            async for i in y:
                await z
        return [j async for j in q if j]
    try:
        pass
    except ValueError as error:
        raise
    match b:
        case {"k": 1, **rest}:
            pass
        case Point(x=0, y=[1, *others]) | None as found:
            pass
        case True | -1 | 1.5j | "s":
            pass
    x = lambda v=1: (w := v) if v else {k: v for k in range(3)}
    del x[1:2:3], a.b
    assert f"{b!r:>{c}}", {1, *d}
    return yield_from
@decorator(1)
class C(Base, metaclass=M):
    "doc"
    def g(self): yield from self.h(*a, **k)
"""


def test_the_walks_skip_only_fields_that_never_hold_a_node():
    """Over every Python text the repository holds and one with every kind of node, a field the
    walks skip (`nodefields`) never holds a node but a `ctx` marker, and `children` is
    `ast.iter_child_nodes` without those markers."""
    from dify_lint.python.nodefields import CHILD_FIELDS

    seen_kinds = set()
    for text in [_EVERY_KIND, *python_texts().values()]:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            seen_kinds.add(type(node).__name__)
            expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr_context)]
            assert children(node) == expected, ast.dump(node)[:200]
            for name, value in ast.iter_fields(node):
                if name in CHILD_FIELDS[type(node)]:
                    continue
                values = value if isinstance(value, list) else [value]
                assert not any(isinstance(v, ast.AST) and not isinstance(v, ast.expr_context) for v in values), name
    assert {"MatchMapping", "MatchClass", "MatchAs", "Global", "Nonlocal", "ExceptHandler", "alias", "keyword"} <= seen_kinds
