"""DPL707 dynamic-select-without-options."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.diagnostics import Related
from dify_lint.python.astutil import name_span
from dify_lint.rule import Example, Finding, Rule

from ._common import parameter, tool, tool_yaml

_DYNAMIC_YAML = parameter("text") + "\n" + parameter("channel", "dynamic-select", form="form")

_DYNAMIC_PY = tool(
    '        yield self.create_text_message(tool_parameters["text"] + tool_parameters["channel"])\n\n'
    "    def _fetch_parameter_options(self, parameter: str) -> list:\n"
    "        return []"
)


class DynamicSelectWithoutOptions(Rule):
    code = "DPL707"
    name = "dynamic-select-without-options"
    summary = "A `dynamic-select` parameter, but the tool does not implement `_fetch_parameter_options`"
    explanation = """
    Dify asks the tool for the options of a `dynamic-select` parameter by calling
    `_fetch_parameter_options`; the SDK's default raises NotImplementedError, so the user sees an
    empty, failing dropdown. Implement it in the tool class (or a base class of the plugin).
    """
    invalid = (
        Example(
            {
                "tools/echo.yaml": tool_yaml(_DYNAMIC_YAML),
                "tools/echo.py": tool(
                    '        yield self.create_text_message(tool_parameters["text"] + tool_parameters["channel"])'
                ),
            },
            expect=(
                (
                    "tools/echo.yaml:21:11-21:25",
                    "`channel` is a dynamic-select, but `EchoTool` in tools/echo.py does not implement `_fetch_parameter_options`: the SDK's default raises NotImplementedError, so the options never load",
                ),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": tool_yaml(_DYNAMIC_YAML), "tools/echo.py": _DYNAMIC_PY}),)

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        for contract in ctx.get(CONTRACTS).contracts:
            if contract.declaration.kind != "tool" or not contract.chain.sdk_only:
                continue
            if contract.chain.method("_fetch_parameter_options") or contract.chain.method("fetch_parameter_options"):
                continue
            doc = contract.declaration.doc
            for name, (index, item) in contract.declared.items():
                if item.get("type") != "dynamic-select":
                    continue
                yield self.at(
                    doc,
                    ("parameters", index, "type"),
                    f"`{name}` is a dynamic-select, but `{contract.cls.name}` in {contract.module.path} does not implement"
                    " `_fetch_parameter_options`: the SDK's default raises NotImplementedError, so the options never load",
                    related=(Related(contract.module.path, name_span(contract.module, contract.cls.node), "the tool class"),),
                )
