"""DPL710 select-default-not-in-options."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Edit, Fix, Severity
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


def _default_fix(parameter, default: object, options: list) -> Fix | None:
    """Set a one-value default to the option written the same but for case, or else to the first
    option, copying the option's value as it is written."""
    if isinstance(default, (list, dict)):
        return None
    doc = parameter.declaration.doc
    values = [(index, _option_text(o.get("value"))) for index, o in enumerate(options) if isinstance(o, dict)]
    values = [(index, value) for index, value in values if value not in ("", "None")]
    if not values:
        return None
    wanted = _option_text(default).casefold()
    index, value = next(((i, v) for i, v in values if v.casefold() == wanted), values[0])
    written = doc.scalar_source((*parameter.at, "options", index, "value"))
    target = doc.scalar_source((*parameter.at, "default"))
    if written is None or target is None:
        return None
    start, end, _ = target
    return Fix(f"Set the default to the option `{value}`", (Edit(doc.path, start, end, written[2]),), "unsafe")


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
            note="The fix (unsafe: it picks a default) takes the option written the same but for case, else the first option.",
            fixed={"tools/echo.yaml": _select_tool("plain")},
        ),
        Example(
            {"tools/echo.yaml": _select_tool("Shout")},
            expect=(
                (
                    "tools/echo.yaml:29:14-29:19",
                    "the default `Shout` of `style` is not one of its options (`plain`, `shout`); Dify rejects it when the user keeps the default",
                ),
            ),
            fixed={"tools/echo.yaml": _select_tool("shout")},
        ),
    )
    valid = (Example({"tools/echo.yaml": _select_tool("shout")}),)
    fixable = "unsafe"

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
                fix=_default_fix(parameter, default, options),
            )
