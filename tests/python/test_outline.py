"""What a module defines and imports at module level, read from the tree, never the text."""

from __future__ import annotations

import ast
import textwrap

from dify_lint.python.outline import ImportBinding, build_outline, parent_map


def outline(source: str):
    return build_outline(ast.parse(textwrap.dedent(source)))


def test_classes_with_their_bases_methods_fields_and_values():
    found = outline(
        """
        from typing import Generic, TypeVar
        import dify_plugin
        T = TypeVar("T")

        class Params(BaseModel, Generic[T]):
            model: dict
            query: str = ""
            retries = 3

            def helper(self):
                pass

        class Tool(dify_plugin.Tool):
            if True:
                def _invoke(self, p):
                    yield p
        """
    )
    params, tool = found.classes
    assert params.bases == ("BaseModel", "Generic")
    assert set(params.fields) == {"model", "query"} and set(params.values) == {"query", "retries"}
    assert set(params.methods) == {"helper"}
    assert tool.bases == ("dify_plugin.Tool",) and set(tool.methods) == {"_invoke"}


def test_imports_in_every_form():
    found = outline(
        """
        import os.path
        import json as j
        from .base import A as B, C
        from .. import sibling
        try:
            from fast import thing
        except ImportError:
            thing = None
        """
    )
    assert found.imports == {
        "os": ImportBinding("os", None),
        "j": ImportBinding("json", None),
        "B": ImportBinding(".base", "A"),
        "C": ImportBinding(".base", "C"),
        "sibling": ImportBinding("..", "sibling"),
        "thing": ImportBinding("fast", "thing"),
    }
    assert ("os.path", ()) in found.import_statements


def test_a_star_import_in_a_docstring_is_not_one():
    found = outline(
        '''
        """Usage:

        from tools.base import *
        """
        from dify_plugin import *
        '''
    )
    assert found.star_imports == ["dify_plugin"]


def test_a_literal_all_and_assignments_in_order():
    found = outline(
        """
        __all__ = ["Tool", "helper", 3]
        Alias = tools.BaseTool
        count: int = 1
        a = b = object()
        """
    )
    assert found.all == ("Tool", "helper")
    assert [name for name, _ in found.assignments] == ["__all__", "Alias", "count", "a", "b"]


def test_definitions_inside_module_level_blocks_count():
    found = outline(
        """
        if TYPE_CHECKING:
            class Hidden: ...
        with suppress(ImportError):
            def made(): ...
        def outer():
            class Local: ...
        """
    )
    assert [c.name for c in found.classes] == ["Hidden"]
    assert set(found.functions) == {"made", "outer"}


def test_an_except_fallback_does_not_replace_what_the_try_binds():
    """With the dependencies installed the import succeeds: the fallback class never exists."""
    found = outline(
        """
        try:
            from dify_plugin import Tool
        except ImportError:
            class Tool:
                pass
            class Spare:
                pass
        class SearchTool(Tool): ...
        """
    )
    assert [c.name for c in found.classes] == ["Spare", "SearchTool"]
    assert found.imports["Tool"] == ImportBinding("dify_plugin", "Tool")


def test_parents_of_every_node():
    tree = ast.parse("def f(x):\n    return x + 1\n")
    parents = parent_map(tree)
    ret = tree.body[0].body[0]
    assert parents[id(ret)] is tree.body[0]
    assert parents[id(ret.value)] is ret
