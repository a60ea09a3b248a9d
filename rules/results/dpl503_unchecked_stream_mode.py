"""DPL503 unchecked-stream-mode."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example

from ._common import ResultRule, llm, tool


class UncheckedStreamMode(ResultRule):
    code = "DPL503"
    name = "unchecked-stream-mode"
    key = "mode"
    severity = Severity.WARNING
    summary = "`stream` is not a literal and the result is used as one shape without a check"
    explanation = """
    When `stream` (or an app call's `response_mode`) is a variable, the call returns a generator in
    one case and a whole result in the other, and code that iterates it (or reads `.message`) breaks
    in the case it did not expect. Branch on the result first: `isinstance(result, Generator)`,
    `isinstance(result, LLMResult)`, `hasattr(result, "message")`, or `if stream:` on the same
    expression that was passed as `stream=`, using the result as a generator in one branch and as an
    `LLMResult` in the other.
    """
    invalid = (
        Example(
            tool(
                llm('tool_parameters.get("stream", False)')
                + """\
        for chunk in response:
            yield self.create_text_message(chunk.delta.message.get_text_content())
"""
            ),
            expect=(
                (
                    "tools/echo.py:15:22-15:30",
                    '`stream=tool_parameters.get("stream", False)` is not a literal, so `response` is a generator of chunks or an LLMResult; iterating it works for only one of them. Branch on it first (`isinstance(result, LLMResult)`, `isinstance(result, Generator)` or `if tool_parameters.get("stream", False):`)',
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                llm('tool_parameters.get("stream", False)')
                + """\
        if isinstance(response, Generator):
            for chunk in response:
                yield self.create_text_message(chunk.delta.message.get_text_content())
        else:
            yield self.create_text_message(response.message.get_text_content())
"""
            )
        ),
        Example(
            tool(
                llm('tool_parameters.get("stream", False)')
                + """\
        if hasattr(response, "message"):
            yield self.create_text_message(response.message.get_text_content())
        else:
            for chunk in response:
                yield self.create_text_message(chunk.delta.message.get_text_content())
"""
            )
        ),
    )

    def render(self, fact: object) -> str:
        assert isinstance(fact, facts.ModeUnchecked)
        shapes = "a generator of events or a dict" if fact.param == "response_mode" else "a generator of chunks or an LLMResult"
        guard = "isinstance(result, dict)" if fact.param == "response_mode" else "isinstance(result, LLMResult)"
        which = f"`{fact.param}={fact.code}`" if fact.code else f"`{fact.param}`"
        return (
            f"{which} is not a literal, so `{fact.label}` is {shapes};"
            f" {fact.use or 'iterating it'} works for only one of them. Branch on it first (`{guard}`, `isinstance(result, Generator)`"
            f"{f' or `if {fact.code}:`' if fact.code else ''})"
        )
