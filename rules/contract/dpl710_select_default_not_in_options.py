"""DPL710 select-default-not-in-options."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.model.declarations import parameters
from dify_lint.rule import Example, Finding, Rule

from ._common import parameter as parameter_yaml
from ._common import tool_yaml


def _option_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _select_tool(default: str) -> str:
    """The echo tool with a `style` select parameter whose options are plain and shout."""
    options = (
        f"\n    default: {default}\n    options:\n      - value: plain\n        label:\n          en_US: Plain\n"
        "      - value: shout\n        label:\n          en_US: Shout"
    )
    return tool_yaml(parameter_yaml("text") + "\n" + parameter_yaml("style", "select", "false", "form", options))


class SelectDefaultNotInOptions(Rule):
    code = "DPL710"
    name = "select-default-not-in-options"
    summary = "A `select` parameter's default is not one of its options"
    severity = Severity.WARNING
    explanation = """
    Dify checks a `select` value against the option values (`tool parameter X value Y not in
    options`); a default that is not among them fails whenever the user keeps it, and the form
    shows no selection. Make the default one of the `options[*].value`.
    """
    invalid = (
        Example(
            {"tools/echo.yaml": _select_tool("loud")},
            expect=(
                (
                    "tools/echo.yaml:29:14-29:18",
                    "the default `loud` of `style` is not one of its options (`plain`, `shout`); Dify rejects it when the user keeps the default",
                ),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": _select_tool("shout")}),)

    def check(self, ctx) -> Iterable[Finding]:
        for parameter in parameters(ctx.plugin):
            data = parameter.data
            if data.get("type") != "select" or "default" not in data:
                continue
            default, options = data.get("default"), data.get("options")
            if default is None or default == "" or not isinstance(options, list) or not options:
                continue
            values = {_option_text(o.get("value")) for o in options if isinstance(o, dict) and o.get("value") is not None}
            if not values:
                continue
            defaults = default if isinstance(default, list) else [default]
            wrong = [d for d in defaults if _option_text(d) not in values]
            if not wrong:
                continue
            shown = ", ".join(f"`{v}`" for v in sorted(values)[:6])
            yield self.at(
                parameter.declaration.doc,
                (*parameter.at, "default"),
                f"the default `{_option_text(wrong[0])}` of `{data.get('name')}` is not one of its options ({shown});"
                " Dify rejects it when the user keeps the default",
            )
