"""DPL705 invoke-not-generator."""

from __future__ import annotations

import ast
import re
from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.python.astutil import is_generator, name_span, own_nodes
from dify_lint.rule import Example, Finding, Rule

from ._common import TOOL_PY, tool

_MESSAGE_FACTORIES = re.compile(r"^create_\w*message$")


def _non_generator_return(value: ast.AST | None) -> bool:
    """A return value that `yield from` cannot use: None, a single message, a str or dict literal."""
    if value is None:
        return True
    if isinstance(value, ast.Constant):
        return not isinstance(value.value, bytes)
    if isinstance(value, (ast.JoinedStr, ast.Dict)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and _MESSAGE_FACTORIES.match(value.func.attr):
        return isinstance(value.func.value, ast.Name) and value.func.value.id == "self"
    return False


class InvokeNotGenerator(Rule):
    code = "DPL705"
    name = "invoke-not-generator"
    summary = "A tool's or agent strategy's `_invoke` is not a generator"
    explanation = """
    The SDK runs `yield from tool.invoke(parameters)`: `_invoke` must yield its messages (or return
    a generator). An `_invoke` without `yield` that returns one message, a string or nothing fails
    with TypeError (or sends garbage) on every call; an `async def _invoke` returns a coroutine the
    SDK cannot iterate. Write `yield self.create_text_message(...)` instead of `return`.
    """
    invalid = (
        Example(
            {"tools/echo.py": TOOL_PY.replace("{body}", '        return self.create_text_message(tool_parameters["text"])')},
            expect=(
                (
                    "tools/echo.py:9:5-9:16",
                    "this Tool's `_invoke` has no `yield` and returns a single value: the SDK runs `yield from` on it, which fails on every call; `yield` each message instead",
                ),
            ),
        ),
    )
    valid = (
        Example({}),
        Example(
            {
                "tools/echo.py": tool(
                    "        return self._run(tool_parameters)\n\n"
                    "    def _run(self, tool_parameters):\n"
                    '        yield self.create_text_message(tool_parameters["text"])'
                )
            }
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        for contract in ctx.get(CONTRACTS).contracts:
            invoke = contract.invoke
            if invoke is None or not contract.first:
                continue
            what = "Tool" if contract.declaration.kind == "tool" else "AgentStrategy"
            if isinstance(invoke, ast.AsyncFunctionDef):
                yield Finding(
                    contract.module.path,
                    name_span(contract.module, invoke),
                    "`async def _invoke`: the SDK iterates the result with `yield from`, which a coroutine or async"
                    " generator does not support (TypeError on every call); make `_invoke` a plain generator",
                )
                continue
            if is_generator(invoke):
                continue
            returns = [n for n in own_nodes(invoke) if isinstance(n, ast.Return)]
            statements = [s for s in invoke.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]  # type: ignore[attr-defined]
            if not returns and (not statements or all(isinstance(s, (ast.Raise, ast.Pass)) for s in statements)):
                continue  # a stub that only raises
            if not all(_non_generator_return(r.value) for r in returns):
                continue
            shown = next((r for r in returns if r.value is not None), None)
            got = "returns a single value" if shown is not None else "returns None"
            yield Finding(
                contract.module.path,
                name_span(contract.module, invoke),
                f"this {what}'s `_invoke` has no `yield` and {got}: the SDK runs `yield from` on it, which fails"
                " on every call; `yield` each message instead",
            )
