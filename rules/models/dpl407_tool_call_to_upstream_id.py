"""DPL407 tool-call-to-upstream-id."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS, VALUE_ORIGINS
from dify_lint.analysis.origins import Const
from dify_lint.analysis.session import SessionCall
from dify_lint.diagnostics import Related
from dify_lint.examples import manifest_with
from dify_lint.model.plugin import Plugin
from dify_lint.python.astutil import node_span, string_value
from dify_lint.rule import Example, Finding, Rule

_TOOL = """\
from dify_plugin import Tool


class EchoTool(Tool):
    def _invoke(self, tool_parameters):
        for message in self.session.tool.invoke_builtin_tool({provider}, "echo", {{"text": tool_parameters["text"]}}):
            yield message
"""

_TOOL_PERMISSION = ("  permission: {}", "  permission:\n    tool:\n      enabled: true")


def _example(provider: str, expect: tuple = ()) -> Example:
    return Example(
        {"tools/echo.py": _TOOL.format(provider=provider), "manifest.yaml": manifest_with(*_TOOL_PERMISSION)}, expect=expect
    )


def provider_parts(provider: str) -> tuple[str, str, str] | None:
    """(organization, plugin, provider) of a tool provider id as Dify reads it: a bare name `x` is
    `langgenius/x/x`."""
    parts = provider.split("/")
    if len(parts) == 1 and parts[0]:
        return ("langgenius", parts[0], parts[0])
    if len(parts) == 3 and all(parts):
        return (parts[0], parts[1], parts[2])
    return None


def _builtin(call: SessionCall) -> bool:
    """A call that names a built-in (plugin) tool provider, or one whose provider type is not known."""
    if call.path[-1] == "invoke_builtin_tool":
        return True
    if call.path[-1] != "invoke":
        return False
    kind = call.arguments.get("provider_type")
    if isinstance(kind, ast.Call) and kind.args:
        kind = kind.args[0]  # ToolProviderType("builtin")
    written = string_value(kind) if kind is not None else None
    if written is None and isinstance(kind, ast.Attribute):
        written = kind.attr  # ToolProviderType.BUILT_IN
    return written is None or written.lower().replace("_", "") == "builtin"


class ToolCallToUpstreamId(Rule):
    code = "DPL407"
    name = "tool-call-to-upstream-id"
    summary = "A plugin calls its own tool under another plugin's id (the upstream of a fork)"
    explanation = """
    `session.tool.invoke_builtin_tool(provider, ...)` (and `session.tool.invoke` with a built-in
    provider type) names the tool provider by its full id, `organization/plugin/provider`; a bare
    name `x` means `langgenius/x/x`. A plugin's own id is its manifest's `author` and `name` with
    the provider's `identity.name`. A fork that renames the author (or the plugin) but still calls
    its own tools under the old id asks Dify for the upstream plugin: where that is not
    installed the call fails (the provider is not found), and where it is, the upstream's code
    runs with the upstream's credentials instead of this plugin's. Reported when the id's
    provider is one of this plugin's tool providers, its author or plugin name is this plugin's,
    and the other is not (and the tool, when written literally, is one of that provider's).
    """
    invalid = (
        _example(
            '"langgenius/example_tool/example"',
            expect=(
                (
                    "tools/echo.py:6:62-6:95",
                    "`langgenius/example_tool/example` names this plugin's tool provider `example` under the author `langgenius`, but this plugin is `example/example_tool` (manifest.yaml): Dify looks for the plugin `langgenius/example_tool`, so the call fails where that is not installed and runs its code, not this plugin's, where it is; write `example/example_tool/example`",
                ),
            ),
        ),
        _example(
            '"example/example_tools/example"',
            expect=(
                (
                    "tools/echo.py:6:62-6:93",
                    "`example/example_tools/example` names this plugin's tool provider `example` under the plugin name `example_tools`, but this plugin is `example/example_tool` (manifest.yaml): Dify looks for the plugin `example/example_tools`, so the call fails where that is not installed and runs its code, not this plugin's, where it is; write `example/example_tool/example`",
                ),
            ),
        ),
    )
    valid = (
        _example('"example/example_tool/example"'),
        # another plugin's tool that happens to share the provider name
        _example('"someone/search_kit/example"'),
        _example('"langgenius/google/google"'),
    )

    requires = (PYTHON_MODULES, SESSION_CALLS, VALUE_ORIGINS)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        own = _own_identity(plugin)
        if own is None:
            return
        author, name, providers = own
        flow = None
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                if call.path[0] != "tool" or call.endpoint is None or not _builtin(call):
                    continue
                argument = call.arguments.get("provider")
                if argument is None:
                    continue
                provider = string_value(argument)
                if provider is None:
                    flow = flow or ctx.get(VALUE_ORIGINS)
                    values = flow.origins(call.function, call.node, argument)
                    strings = {string_value(v.node) for v in values if isinstance(v, Const)}
                    if len(strings) != 1 or not all(isinstance(v, Const) for v in values):
                        continue
                    provider = strings.pop()
                parts = provider_parts(provider) if provider else None
                if parts is None or parts[2] not in providers or (parts[0], parts[1]) == (author, name):
                    continue
                if parts[0] != author and parts[1] != name:
                    continue  # another plugin's provider of the same name
                tool_name = string_value(call.arguments.get("tool_name"))
                if tool_name is not None and tool_name not in providers[parts[2]]:
                    continue
                key = "author" if parts[0] != author else "name"
                which = f"the author `{parts[0]}`" if key == "author" else f"the plugin name `{parts[1]}`"
                doc = plugin.manifest
                yield Finding(
                    module.path,
                    node_span(module, argument),
                    f"`{provider}` names this plugin's tool provider `{parts[2]}` under {which}, but this plugin is"
                    f" `{author}/{name}` (manifest.yaml): Dify looks for the plugin `{parts[0]}/{parts[1]}`, so the call"
                    f" fails where that is not installed and runs its code, not this plugin's, where it is; write"
                    f" `{author}/{name}/{parts[2]}`",
                    related=(Related(doc.path, doc.span((key,)), f"this plugin's {key}"),),
                )


def _own_identity(plugin: Plugin) -> tuple[str, str, dict[str, set[str]]] | None:
    """The manifest's author and name, and each tool provider's name with its tools' names."""
    doc = plugin.manifest
    if doc is None or not doc.usable:
        return None
    author, name = doc.get("author"), doc.get("name")
    if not isinstance(author, str) or not isinstance(name, str):
        return None
    providers: dict[str, set[str]] = {}
    for provider in plugin.declarations_of("tool_provider"):
        provider_name = provider.doc.get("identity", "name") if provider.doc.usable else None
        if isinstance(provider_name, str):
            tools = providers.setdefault(provider_name, set())
            for child in provider.children:
                tool = child.doc.get("identity", "name") if child.kind == "tool" and child.doc.usable else None
                if isinstance(tool, str):
                    tools.add(tool)
    return (author, name, providers) if providers else None
