"""What the tests share: where things are, building an example plugin, and linting it."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from typing import Iterable, Mapping

from dify_lint.diagnostics import Diagnostic
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules, find_rule
from dify_lint.rule import Example

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
_counter = itertools.count()

#: the echo tool's module up to the body of `_invoke` (which takes `tool_parameters`)
TOOL_HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
"""


def tool_source(body: str, after: str = "", head: str = TOOL_HEAD) -> str:
    """The echo tool's module whose `_invoke` runs `body` (written at any indentation)."""
    import textwrap

    lines = textwrap.dedent(body).strip("\n").splitlines()
    return head + "\n".join(("        " + line) if line else "" for line in lines) + "\n" + after


def build(tmp_path: Path, files: Mapping[str, str | bytes | None], base: str = "tool") -> Path:
    """An example plugin on disk: a base plugin with `files` replaced; a new folder each call."""
    return materialize(Example(files, base=base), tmp_path / f"plugin{next(_counter)}")


def load(root: Path | str) -> Plugin:
    """The plugin at `root` itself (plugins nested inside it are found too, and left out)."""
    (plugin,) = [p for p in find_plugin_roots([str(root)]) if Path(p.fs.root).resolve() == Path(root).resolve()]
    return plugin


def rules_of(select: str | Iterable[str] = "DPL") -> list:
    """Rules by code prefix, or these exact codes (opt-in rules included when named)."""
    if isinstance(select, str):
        return [r for r in all_rules() if r.code.startswith(select)]
    return [find_rule(code) for code in select]


def lint(
    tmp_path: Path, files: Mapping[str, str | bytes | None], select: str | Iterable[str] = "DPL", base: str = "tool"
) -> list[Diagnostic]:
    """Build an example plugin and lint it; a rule that crashes fails the test."""
    return lint_root(build(tmp_path, files, base), select)


def lint_root(root: Path | str, select: str | Iterable[str] = "DPL") -> list[Diagnostic]:
    found = lint_plugin(load(root), rules_of(select))
    crashes = [d.message for d in found if d.code == "DPL005"]
    assert not crashes, crashes
    return found


def codes(diagnostics: Iterable[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def only(diagnostics: Iterable[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code == code]


def where(diagnostic: Diagnostic) -> str:
    """`path:line:column-line:column` of a finding, relative to its plugin."""
    prefix = diagnostic.plugin.rstrip("/") + "/"
    path = (
        diagnostic.path[len(prefix) :]
        if diagnostic.plugin not in ("", ".") and diagnostic.path.startswith(prefix)
        else diagnostic.path
    )
    span = diagnostic.span
    return f"{path}:{span.start.line}:{span.start.column}-{span.end.line}:{span.end.column}"


def yaml_texts() -> dict[str, str]:
    """Every YAML text the repository holds as input, by where it comes from: the fixtures, the
    base plugins and the files of every rule's examples (each distinct text once)."""
    return _input_texts((".yaml", ".yml"))


def python_texts() -> dict[str, str]:
    """Every Python text the repository holds as input, as `yaml_texts` finds YAML."""
    return _input_texts((".py",))


def _input_texts(suffixes: tuple[str, ...]) -> dict[str, str]:
    from dify_lint.examples import BASE_PLUGINS

    found: dict[str, str] = {}
    seen: set[str] = set()

    def add(origin: str, text: str) -> None:
        if text not in seen:
            seen.add(text)
            found[origin] = text

    for top in (FIXTURES, BASE_PLUGINS):
        for path in sorted(top.rglob("*")):
            if path.suffix in suffixes and path.is_file():
                add(str(path.relative_to(REPO)), path.read_text("utf-8", errors="replace"))
    for rule in all_rules():
        for label, examples in (("invalid", rule.invalid), ("valid", rule.valid)):
            for index, example in enumerate(examples):
                for relative, text in example.files.items():
                    if relative.endswith(suffixes) and isinstance(text, str):
                        add(f"{rule.code} {label} example {index + 1}: {relative}", text)
    return found


def tree_depth(tree: ast.AST, limit: int) -> int:
    """How deep a syntax tree is nested, every node walked with `ast`'s own iterator (counting no
    further than `limit` + 1): what `deeper_than` must agree with."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
