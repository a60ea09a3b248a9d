"""Example builders the declaration rules share."""

from __future__ import annotations

from dify_lint.examples import TEXT_PARAMETER, base_file, tool_yaml

_PROVIDER_HEAD = (
    "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n"
    "    en_US: Example tools.\n  icon: icon.svg\n"
)


def provider_yaml(middle: str = "", tools: str = "  - tools/echo.yaml\n") -> str:
    """The tool provider of the tool base plugin, with `middle` before its `tools` list."""
    return f"{_PROVIDER_HEAD}{middle}tools:\n{tools}extra:\n  python:\n    source: provider/example.py\n"


def text_parameter(form: str = "llm") -> str:
    return TEXT_PARAMETER.format(form=form)


def select_parameter(value: str) -> str:
    """A `select` tool parameter whose one option has `value` written as given."""
    return (
        "  - name: mode\n    type: select\n    required: true\n    form: form\n    label:\n      en_US: Mode\n"
        "    human_description:\n      en_US: How to repeat.\n    options:\n"
        f"      - value: {value}\n        label:\n          en_US: Plain\n"
    )


def with_credential_keys(lines: str) -> str:
    """The model base plugin's provider with `lines` added to its credential form (indented six spaces)."""
    text = base_file("provider/example.yaml", "model")
    anchor = "      required: true\n"
    assert anchor in text
    return text.replace(anchor, anchor + lines, 1)


def strategy_yaml(old: str, new: str) -> str:
    """The agent base plugin's strategy with one replacement."""
    text = base_file("strategies/simple.yaml", "agent")
    assert old in text
    return text.replace(old, new, 1)


__all__ = ["provider_yaml", "select_parameter", "strategy_yaml", "text_parameter", "tool_yaml", "with_credential_keys"]
