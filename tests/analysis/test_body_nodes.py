"""A function body's index holds exactly the nodes each pass of the parameter analysis reads."""

from __future__ import annotations

import ast

from dify_lint.analysis.params import _ASSIGNMENTS, _BINDINGS, _GUARDS, _REFERENCES, BodyNodes
from dify_lint.python.astutil import walk
from helpers import python_texts


def _functions():
    for text in python_texts().values():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        yield tree
        yield from (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def test_each_list_is_the_body_filtered_by_kind_in_walk_order_with_every_parent():
    checked = 0
    for function in _functions():
        body = BodyNodes(function)
        assert sorted(map(id, body.all)) == sorted(id(n) for s in function.body for n in walk(s))
        for kinds, found in (
            (_ASSIGNMENTS, body.assignments),
            (_BINDINGS, body.bindings),
            (_GUARDS, body.guards),
            (_REFERENCES, body.references),
        ):
            assert found == [n for n in body.all if isinstance(n, kinds)]
        for node in body.all:
            parent = body.parents[id(node)]
            assert node in (function.body if parent is function else list(ast.iter_child_nodes(parent)))
        checked += len(body.all)
    assert checked > 10_000
