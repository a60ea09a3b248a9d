"""One resolver per plugin: modules found the way `python -m main` finds them, names resolved
through imports, star imports and aliases, and SDK ancestry answered yes, no or maybe."""

from __future__ import annotations

import textwrap

import pytest

from dify_lint.analysis import Context
from dify_lint.analysis.keys import SYMBOLS
from dify_lint.python.symbols import Ref, Target
from helpers import build, load


@pytest.fixture
def resolve(tmp_path):
    def make(files: dict[str, str]):
        plugin = load(build(tmp_path, {k: textwrap.dedent(v) for k, v in files.items()}))
        return Context(plugin).get(SYMBOLS)

    return make


def test_a_package_wins_over_a_module_of_the_same_name(resolve):
    resolver = resolve({"util.py": "x = 1\n", "util/__init__.py": "", "util/deep.py": ""})
    assert resolver.module("util", "main.py") == Ref("mod", "util/__init__.py", "util")
    assert resolver.module("util.deep", "main.py") == Ref("mod", "util/deep.py", "")
    assert resolver.module(".deep", "util/__init__.py") == Ref("mod", "util/deep.py", "")
    assert resolver.module("requests", "main.py").kind == "foreign"
    assert resolver.module("json", "main.py") == Ref("foreign", known=True)
    assert resolver.module("dify_plugin.interfaces", "main.py") == Ref("sdkmod", name="dify_plugin.interfaces")


def test_names_through_imports_star_imports_and_aliases(resolve):
    resolver = resolve(
        {
            "tools/base.py": """
                from dify_plugin import Tool
                __all__ = ["BaseTool"]
                class BaseTool(Tool):
                    pass
                class Hidden(Tool):
                    pass
            """,
            "tools/echo.py": """
                from tools.base import *
                from tools import base
                Alias = base.BaseTool
            """,
        }
    )
    bound = resolver.namespace("tools/echo.py")
    assert bound["BaseTool"] == Ref("class", "tools/base.py", "BaseTool")
    assert "Hidden" not in bound  # not in __all__
    assert bound["Alias"] == Ref("class", "tools/base.py", "BaseTool")
    assert resolver.resolve("base.BaseTool", "tools/echo.py") == Ref("class", "tools/base.py", "BaseTool")


def test_sdk_ancestry_is_yes_no_or_maybe(resolve):
    resolver = resolve(
        {
            "tools/echo.py": """
                import dify_plugin
                from json import JSONDecoder
                from somewhere import Mystery
                class A(dify_plugin.Tool): ...
                class B(A): ...
                class C(JSONDecoder): ...
                class D(Mystery): ...
            """
        }
    )
    tool = Target.of("Tool")
    answers = {name: resolver.status(Ref("class", "tools/echo.py", name), tool) for name in "ABCD"}
    assert answers == {"A": "yes", "B": "yes", "C": "no", "D": "maybe"}
    count = resolver.count("tools/echo.py", tool)
    assert [name for name, _ in count.definite] == ["A", "B"] and count.maybe == 1


def test_a_class_named_like_its_base_resolves_the_import(resolve):
    resolver = resolve({"tools/echo.py": "from dify_plugin import Tool\nclass Tool(Tool): ...\n"})
    cls = resolver.outline("tools/echo.py").classes[0]
    assert resolver.chain("tools/echo.py", cls).terminals == {"Tool"}


def test_the_modules_a_source_imports(resolve):
    resolver = resolve(
        {
            "tools/echo.py": "import helpers.text\nfrom helpers import net\nfrom . import sibling\n",
            "helpers/__init__.py": "",
            "helpers/text.py": "",
            "helpers/net.py": "",
            "tools/sibling.py": "",
            "tools/__init__.py": "",
        }
    )
    assert resolver.imported_modules("tools/echo.py") == {
        "helpers/__init__.py", "helpers/text.py", "helpers/net.py", "tools/__init__.py", "tools/sibling.py"
    }  # fmt: skip
