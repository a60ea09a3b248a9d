"""DPL706 invoke-yields-non-message."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.python.astutil import dotted_base, node_span, own_nodes, string_value
from dify_lint.rule import Example, Finding, Rule

from ._common import STRATEGY_PY


def _plain_value(value: ast.AST) -> str | None:
    """ "a string", "a dict" or "a list" when an expression surely is one, else None."""
    if isinstance(value, ast.JoinedStr) or string_value(value) is not None:
        return "a string"
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return "a dict"
    if isinstance(value, (ast.List, ast.ListComp)):
        return "a list"
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mod)):
        if _plain_value(value.left) == "a string" or (isinstance(value.op, ast.Add) and _plain_value(value.right) == "a string"):
            return "a string"
    if isinstance(value, ast.Call):
        name = dotted_base(value.func)
        if name in ("str", "json.dumps", "repr"):
            return "a string"
        if name == "dict":
            return "a dict"
        if isinstance(value.func, ast.Attribute):
            if value.func.attr == "get_text_content" and not value.args:
                return "a string"
            if value.func.attr in ("join", "format") and string_value(value.func.value) is not None:
                return "a string"
    return None


class InvokeYieldsNonMessage(Rule):
    code = "DPL706"
    name = "invoke-yields-non-message"
    summary = "`_invoke` yields a plain string or dict instead of a message"
    explanation = """
    Each item `_invoke` yields is sent to Dify as a message object. A plain `str`, f-string or dict
    yielded by a tool or agent strategy is not one: the plugin fails when the item is serialised or
    Dify rejects the response. Yield `self.create_text_message(...)` / `self.create_json_message(...)`.
    """
    invalid = (
        Example(
            {
                "strategies/simple.py": STRATEGY_PY.format(extra="").replace(
                    "yield self.create_text_message(result.message.get_text_content())",
                    'yield result.message.get_text_content()\n        yield {"answer": "done"}',
                )
            },
            base="agent",
            expect=(
                (
                    "strategies/simple.py:24:9-24:48",
                    "this agent strategy yields a string, not a message object: the SDK fails to send it (ValidationError); yield `self.create_text_message(...)` instead",
                ),
                (
                    "strategies/simple.py:25:9-25:33",
                    "this agent strategy yields a dict, not a message object: Dify cannot read it as a message; yield `self.create_json_message(...)` instead",
                ),
            ),
        ),
    )
    valid = (Example({}, base="agent"), Example({}))

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        for contract in ctx.get(CONTRACTS).contracts:
            invoke = contract.invoke
            if invoke is None or not contract.first:
                continue
            what = "tool" if contract.declaration.kind == "tool" else "agent strategy"
            for node in own_nodes(invoke):
                if not isinstance(node, ast.Yield) or node.value is None:
                    continue
                literal = _plain_value(node.value)
                if literal is None:
                    continue
                yield Finding(
                    contract.module.path,
                    node_span(contract.module, node),
                    f"this {what} yields {literal}, not a message object: "
                    + (
                        "Dify cannot read it as a message"
                        if literal == "a dict"
                        else "the SDK fails to send it (ValidationError)"
                    )
                    + f"; yield `self.create_{'json' if literal != 'a string' else 'text'}_message(...)` instead",
                )
