"""Example builders the declaration rules share."""

from __future__ import annotations

from dify_lint.examples import TEXT_PARAMETER, tool_yaml

_PROVIDER_HEAD = (
    "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n"
    "    en_US: Example tools.\n  icon: icon.svg\n"
)


def provider_yaml(middle: str = "", tools: str = "  - tools/echo.yaml\n") -> str:
    """The tool provider of the tool base plugin, with `middle` before its `tools` list."""
    return f"{_PROVIDER_HEAD}{middle}tools:\n{tools}extra:\n  python:\n    source: provider/example.py\n"


def text_parameter(form: str = "llm") -> str:
    return TEXT_PARAMETER.format(form=form)


__all__ = ["provider_yaml", "text_parameter", "tool_yaml"]
