"""DPL204 invalid-multiple."""

from __future__ import annotations

from typing import Iterable

from dify_lint.model.declarations import parameters
from dify_lint.rule import Example, Finding, Rule

from ._common import text_parameter, tool_yaml


def _select_param(multiple: str, default: str) -> str:
    return f"""\
  - name: colour
    type: select
    required: false
    form: form
    multiple: {multiple}
    default: {default}
    options:
      - value: red
        label:
          en_US: Red
      - value: blue
        label:
          en_US: Blue
    label:
      en_US: Colour
    human_description:
      en_US: Colours to use."""


class InvalidMultiple(Rule):
    code = "DPL204"
    name = "invalid-multiple"
    summary = "`multiple` on a tool parameter that is not a select, or a default that does not fit it"
    explanation = """
    The SDK accepts `multiple: true` only on `select` and `dynamic-select` tool parameters, and
    then requires the `default` to be a list exactly when `multiple` is true. Anything else fails
    when the plugin starts.
    """
    invalid = (
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter() + "\n" + _select_param("true", "red"))},
            expect=(
                (
                    "tools/echo.yaml:25:14-25:17",
                    "`default` must be a list, because `multiple` is true; the SDK refuses it at start-up",
                ),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": tool_yaml(text_parameter() + "\n" + _select_param("true", "[red]"))}),)

    def check(self, ctx) -> Iterable[Finding]:
        for parameter in parameters(ctx.plugin):
            if parameter.context != "tool":
                continue
            data, doc = parameter.data, parameter.declaration.doc
            multiple = data.get("multiple")
            selectable = data.get("type") in ("select", "dynamic-select")
            if multiple is True and not selectable:
                yield self.at(
                    doc,
                    (*parameter.at, "multiple"),
                    f"`multiple` is allowed only on select and dynamic-select parameters, not on `{data.get('type')}`;"
                    " the SDK refuses it at start-up",
                    key=True,
                )
            elif selectable and data.get("default") is not None:
                is_list = isinstance(data["default"], list)
                if is_list != (multiple is True):
                    wanted = (
                        "a list, because `multiple` is true"
                        if multiple is True
                        else "a single value, because `multiple` is not true"
                    )
                    yield self.at(
                        doc,
                        (*parameter.at, "default"),
                        f"`default` must be {wanted}; the SDK refuses it at start-up",
                    )
