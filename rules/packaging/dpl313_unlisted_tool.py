"""DPL313 unlisted-tool."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import UNLISTED_TOOLS
from dify_lint.analysis.unlisted import UnlistedSource, UnlistedYaml
from dify_lint.diagnostics import Position, Related, Severity, Span
from dify_lint.examples import tool_yaml
from dify_lint.model.plugin import Plugin
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_PROVIDER, ECHO_TOOL, is_checked

SEARCH_YAML = tool_yaml().replace("name: echo", "name: search").replace("tools/echo.py", "tools/search.py")
SEARCH_TOOL = ECHO_TOOL.replace("EchoTool", "SearchTool")


class UnlistedTool(Rule):
    code = "DPL313"
    name = "unlisted-tool"
    summary = "A tool YAML or tool class that no provider lists, so the plugin silently lacks that tool"
    severity = Severity.WARNING
    explanation = """
    Dify loads the tools a tool provider lists under `tools:`, and only those: a tool YAML that no
    provider lists is never read, and the plugin simply has no such tool, without an error. The
    same goes for a Python module defining a `Tool` subclass that no tool YAML names as its
    `extra.python.source`: that code never runs (a tool YAML naming another tool's source runs the
    other tool's code). dify-lint follows the same lists, so it does not check such files either.

    Reported: a YAML with a tool's `identity` and `description` (human or llm) that has
    `parameters` or a source, or sits beside listed tools; a module defining a `Tool` subclass that
    no YAML names, no module imports and no other module mentions by name. Files in test, docs and
    example folders, files the ignore file keeps out of the package, and a file a provider lists in
    a comment (switched off on purpose) are left alone. List the tool, or delete the file.
    """
    invalid = (
        Example(
            {"tools/search.yaml": SEARCH_YAML, "tools/search.py": SEARCH_TOOL},
            note="The provider lists only `tools/echo.yaml`.",
            expect=(
                (
                    "tools/search.yaml:3:9-3:15",
                    "no provider lists `tools/search.yaml`, so the plugin has no tool `search`: Dify never reads the file (nor its source `tools/search.py`), and dify-lint does not check them; add it to `tools` in provider/example.yaml, or delete it",
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": BASE_PROVIDER.replace(
                    "  - tools/echo.yaml\n", "  - tools/echo.yaml\n  - tools/search.yaml\n"
                ),
                "tools/search.yaml": SEARCH_YAML.replace("tools/search.py", "tools/echo.py"),
                "tools/search.py": SEARCH_TOOL,
            },
            note="The search tool's YAML names the echo tool's source, so the search code never runs.",
            expect=(
                (
                    "tools/search.py:8:1-8:17",
                    "`SearchTool` is a `Tool` subclass that never runs: no tool YAML names `tools/search.py` as its source and no module imports it; tools/search.yaml names `tools/echo.py` instead: if this is that tool's code, write `tools/search.py` there",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "provider/example.yaml": BASE_PROVIDER.replace(
                    "  - tools/echo.yaml\n", "  - tools/echo.yaml\n  # - tools/search.yaml\n"
                ),
                "tools/search.yaml": SEARCH_YAML,
                "tools/search.py": SEARCH_TOOL,
            },
            note="A tool listed in a comment is switched off on purpose.",
        ),
        Example(
            {
                "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    pass\n",
                "tools/echo.py": ECHO_TOOL.replace("from dify_plugin import Tool\n", "from tools import base\n").replace(
                    "class EchoTool(Tool)", "class EchoTool(base.BaseTool)"
                ),
                "docs/search.yaml": SEARCH_YAML,
                "tools/notes.yaml": "title: Notes\nitems:\n  - one\n",
            },
            note="A base class other tools import, a tool YAML in a docs folder, and YAML that is no tool.",
        ),
    )

    requires = (UNLISTED_TOOLS,)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        found = ctx.get(UNLISTED_TOOLS)
        for orphan in found.yaml:
            yield self._yaml(plugin, orphan)
        for source in found.sources:
            yield self._source(source)

    def _yaml(self, plugin: Plugin, orphan: UnlistedYaml) -> Finding:
        doc = plugin.yaml(orphan.path)
        assert doc is not None  # the analysis read it
        also = f" (nor its source `{orphan.source}`)" if orphan.source else ""
        them = "them" if orphan.source else "it"
        if orphan.listed_by:
            why = f"`{orphan.path}` is listed only by {orphan.listed_by}, which the manifest does not lead to"
        else:
            why = f"no provider lists `{orphan.path}`"
        where = f"`tools` in {orphan.provider}" if orphan.provider else "a tool provider's `tools`"
        related = ()
        if orphan.provider and (provider := plugin.yaml(orphan.provider)) is not None:
            related = (Related(orphan.provider, provider.span(("tools",), key=True), "the tools this provider lists"),)
        return self.at(
            doc,
            ("identity", "name"),
            f"{why}, so the plugin has no tool `{orphan.name}`: Dify never reads the file{also}, and dify-lint does"
            f" not check {them}; add it to {where}, or delete it",
            related=related,
        )

    def _source(self, source: UnlistedSource) -> Finding:
        name, line = source.classes[0]
        others = "".join(f", `{other}`" for other, _ in source.classes[1:])
        instead = "; name it as a tool YAML's `extra.python.source` (a YAML a provider lists), or delete it"
        if source.sibling is not None:
            sibling, written = source.sibling
            instead = f"; {sibling} names `{written}` instead: if this is that tool's code, write `{source.path}` there"
        return Finding(
            source.path,
            Span(Position(line, 1), Position(line, 1 + len(f"class {name}"))),
            f"`{name}`{others} {'are `Tool` subclasses' if others else 'is a `Tool` subclass'} that never run{'' if others else 's'}: no tool YAML names `{source.path}` as its"
            f" source and no module imports it{instead}",
        )
