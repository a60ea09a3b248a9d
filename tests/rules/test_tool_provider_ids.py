"""DPL407: a plugin calling its own tool under its upstream's id, and the calls of other plugins'
tools that must stay silent."""

from __future__ import annotations

import pytest

import helpers
from dify_lint.examples import manifest_with

HEAD = """\
from dify_plugin import Tool
from dify_plugin.entities.tool import ToolProviderType

UPSTREAM = "langgenius/example_tool/example"


class EchoTool(Tool):
    def _invoke(self, tool_parameters):
        messages = {call}
        yield from messages
"""


def lint(tmp_path, call: str, author: str = "example", name: str = "example_tool"):
    manifest = manifest_with("  permission: {}", "  permission:\n    tool:\n      enabled: true")
    manifest = manifest.replace("author: example", f"author: {author}").replace("name: example_tool", f"name: {name}")
    files = {"tools/echo.py": HEAD.format(call=call), "manifest.yaml": manifest}
    return helpers.lint(tmp_path, files, ["DPL407"])


@pytest.mark.parametrize(
    "call",
    [
        'self.session.tool.invoke_builtin_tool("langgenius/example_tool/example", "echo", {})',
        'self.session.tool.invoke(ToolProviderType.BUILT_IN, "langgenius/example_tool/example", "echo", {})',
        'self.session.tool.invoke(provider_type=ToolProviderType("builtin"), provider=UPSTREAM, tool_name="echo", parameters={})',
        'self.session.tool.invoke_builtin_tool(UPSTREAM, tool_parameters["tool"], {})',
    ],
)
def test_reported(tmp_path, call):
    found = lint(tmp_path, call)
    assert helpers.codes(found) == ["DPL407"]
    assert found[0].message.endswith("write `example/example_tool/example`")


def test_a_bare_name_is_read_under_langgenius(tmp_path):
    """A fork of `langgenius/example/example` by another author that still calls `example`."""
    found = lint(tmp_path, 'self.session.tool.invoke_builtin_tool("example", "echo", {})', author="someone", name="example")
    assert helpers.codes(found) == ["DPL407"]
    assert "Dify looks for the plugin `langgenius/example`" in found[0].message
    assert found[0].message.endswith("write `someone/example/example`")


@pytest.mark.parametrize(
    "call",
    [
        'self.session.tool.invoke_builtin_tool("example/example_tool/example", "echo", {})',
        # another plugin's provider that shares the name, and a tool this plugin does not have
        'self.session.tool.invoke_builtin_tool("other/toolbox/example", "echo", {})',
        'self.session.tool.invoke_builtin_tool("langgenius/example_tool/example", "search", {})',
        # not a plugin tool provider
        'self.session.tool.invoke(ToolProviderType.WORKFLOW, "langgenius/example_tool/example", "echo", {})',
        'self.session.tool.invoke_api_tool("langgenius/example_tool/example", "echo", {})',
        # not a literal
        'self.session.tool.invoke_builtin_tool(tool_parameters["provider"], "echo", {})',
        # not an id Dify reads
        'self.session.tool.invoke_builtin_tool("example_tool/example", "echo", {})',
    ],
)
def test_silent(tmp_path, call):
    assert not lint(tmp_path, call)
