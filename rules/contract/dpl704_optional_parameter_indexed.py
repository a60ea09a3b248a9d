"""DPL704 optional-parameter-indexed."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.diagnostics import Severity
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule

from ._common import dict_expr, parameter, tool, tool_yaml, yaml_related


class OptionalParameterIndexed(Rule):
    code = "DPL704"
    name = "optional-parameter-indexed"
    summary = "An optional parameter without a default is read with [...]"
    severity = Severity.WARNING
    explanation = """
    A `form: llm` parameter with `required: false` and no `default` is left out of the call when
    the model (in an agent) or the workflow does not fill it, so `tool_parameters["x"]` raises
    KeyError exactly then. Read it with `tool_parameters.get("x")`, give it a default, or make it
    required. (`form: form` parameters are always sent, as None when left empty.)
    """
    invalid = (
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false")),
            },
            expect=(
                (
                    "tools/echo.py:10:18-10:43",
                    '`tool_parameters["suffix"]`: `suffix` is an optional llm parameter in tools/echo.yaml (required: false, no default), so it is left out when the model or the workflow does not fill it and this raises KeyError; use `.get("suffix")`',
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters.get("suffix", "")\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false")),
            }
        ),
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": tool_yaml(
                    parameter("text") + "\n" + parameter("suffix", required="false", form="form", extra="\n    default: '!'")
                ),
            }
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        for contract in ctx.get(CONTRACTS).contracts:
            if contract.declaration.kind != "tool" or contract.dynamic or contract.shared:
                continue
            doc = contract.declaration.doc
            for read in contract.flow.reads:
                if read.how != "index" or read.guarded or read.key not in contract.declared or read.key in contract.flow.stores:
                    continue
                index, item = contract.declared[read.key]
                if item.get("required") is True or item.get("default") is not None:
                    continue
                if item.get("form", "llm") != "llm":
                    continue  # form and schema parameters are always sent (None when left empty)
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{dict_expr(read)}: `{read.key}` is an optional llm parameter in {doc.path} (required: false, no"
                    f" default), so it is left out when the model or the workflow does not fill it and this raises"
                    f' KeyError; use `.get("{read.key}")`',
                    related=(yaml_related(doc, ("parameters", index, "required"), f"`{read.key}` is optional here"),),
                )
