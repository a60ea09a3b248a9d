"""DPL706 invoke-yields-non-message."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS, PYTHON_MODULES, RESULT_EVENTS
from dify_lint.analysis.results.facts import YieldedNonMessage
from dify_lint.python.astutil import dotted_base, lines_with, node_span, own_nodes, string_value
from dify_lint.rule import Example, Finding, Rule

from ._common import STRATEGY_PY, tool


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
    summary = "`_invoke` yields a plain string, dict or LLM chunk instead of a message"
    explanation = """
    Each item `_invoke` yields is sent to Dify as a message object: a tool's `ToolInvokeMessage`,
    an agent strategy's `AgentInvokeMessage`, made with `self.create_text_message(...)`,
    `self.create_json_message(...)` and the other `create_*` helpers. The SDK sends each item as
    the data of a session message, which must be a dict: a plain `str` (an f-string, chunk content
    narrowed to str, `message.get_text_content()`, what `session.model.summary.invoke` returns) or
    a list fails there (ValidationError) and the call fails. A pydantic object is sent as its
    fields, so an `LLMResultChunk` or `LLMResult` (yielded, or passed through with
    `yield from self.session.model.llm.invoke(...)`) and a plain dict reach the daemon, which reads
    every item as a message with a `type` and fails the run on the first one without it
    (`unmarshal json failed`). Wrap the text: `self.create_text_message(chunk.delta.message.get_text_content())`.
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
        Example(
            {
                "strategies/simple.py": STRATEGY_PY.format(extra="").replace(
                    """            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())""",
                    """        )
        yield from result""",
                )
            },
            base="agent",
            note="an LLM stream passed through: each item is an `LLMResultChunk`, not an agent message",
            expect=(
                (
                    "strategies/simple.py:23:9-23:26",
                    "this agent strategy yields the `LLMResultChunk`s of `session.model.llm.invoke` (`yield from`), not agent messages: the SDK sends each chunk's fields, the daemon finds no message `type` in them and fails the run (`unmarshal json failed`); iterate the stream and yield `self.create_text_message(chunk.delta.message.get_text_content())` for each chunk",
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": tool(
                    """        response = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
        )
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, str):
                yield content"""
                ).replace(
                    "from dify_plugin import Tool\n",
                    "from dify_plugin import Tool\nfrom dify_plugin.entities.model.message import UserPromptMessage\n",
                )
            },
            note="chunk content narrowed to str is still a bare string",
            expect=(
                (
                    "tools/echo.py:18:17-18:30",
                    "this tool yields a string, `content`, not a message object (chunk content narrowed to str is still a bare string): the SDK fails to send it (ValidationError); yield `self.create_text_message(content)` instead",
                ),
            ),
        ),
    )
    valid = (Example({}, base="agent"), Example({}))

    requires = (CONTRACTS, PYTHON_MODULES, RESULT_EVENTS)

    def check(self, ctx) -> Iterable[Finding]:
        reported: set[int] = set()
        yield_lines: dict[str, list[int]] = {}  # per module: the lines where `yield` is written
        for contract in ctx.get(CONTRACTS).contracts:
            invoke = contract.invoke
            if invoke is None or not contract.first:
                continue
            what = "tool" if contract.declaration.kind == "tool" else "agent strategy"
            lines = yield_lines.get(contract.module.path)
            if lines is None:
                lines = yield_lines[contract.module.path] = lines_with(contract.module, "yield")
            for node in own_nodes(invoke, lines):
                if not isinstance(node, ast.Yield) or node.value is None or id(node) in reported:
                    continue
                literal = _plain_value(node.value)
                if literal is None:
                    continue
                reported.add(id(node))
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
        # what the result analysis knows a yielded value to be: narrowed chunk content, chunks, results
        events = ctx.get(RESULT_EVENTS)
        for module in ctx.get(PYTHON_MODULES):
            for event in events.of(module.path):
                if event.rule != "yield" or id(event.node) in reported:
                    continue
                reported.add(id(event.node))
                yield Finding(module.path, node_span(module, event.node), _yielded(event.fact))


def _text_of(read: str) -> str:
    """The call that reads a chunk's text where the content was read."""
    if read.endswith(".content"):
        return f"{read[: -len('.content')]}.get_text_content()"
    return "chunk.delta.message.get_text_content()"


def _yielded(fact: YieldedNonMessage) -> str:
    who = "tool" if fact.entry == "tool" else "agent strategy"
    if fact.what == "str":
        narrowed = " (chunk content narrowed to str is still a bare string)" if fact.read else ""
        return (
            f"this {who} yields a string, `{fact.label}`, not a message object{narrowed}: the SDK fails to send it"
            f" (ValidationError); yield `self.create_text_message({fact.label})` instead"
        )
    if fact.what == "content":
        return (
            f"this {who} yields chunk content, `{fact.label}`, not a message object: a str, a list of content parts"
            f" or None, the SDK fails to send any of them (ValidationError); yield"
            f" `self.create_text_message({_text_of(fact.read)})` instead"
        )
    messages = "agent messages" if fact.entry == "strategy" else "tool messages"
    fix = "yield `self.create_text_message(chunk.delta.message.get_text_content())`"
    if fact.what == "chunks":
        return (
            f"this {who} yields the `LLMResultChunk`s of `{fact.endpoint}` (`yield from`), not {messages}: the SDK"
            " sends each chunk's fields, the daemon finds no message `type` in them and fails the run"
            " (`unmarshal json failed`); iterate the stream and " + fix + " for each chunk"
        )
    thing = "an `LLMResultChunk`" if fact.what == "chunk" else "an `LLMResult`"
    text = (
        f"`{fact.label}.delta.message.get_text_content()`"
        if fact.what == "chunk"
        else f"`{fact.label}.message.get_text_content()`"
    )
    return (
        f"this {who} yields {thing}, `{fact.label}`, not one of its {messages}: the SDK sends its fields, the daemon"
        f" finds no message `type` in them and fails the run (`unmarshal json failed`); yield"
        f" `self.create_text_message(...)` with its text ({text}) instead"
    )
