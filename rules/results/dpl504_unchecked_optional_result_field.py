"""DPL504 unchecked-optional-result-field."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.rule import Example

from ._common import ResultRule, llm, tool


class UncheckedOptionalResultField(ResultRule):
    code = "DPL504"
    name = "unchecked-optional-result-field"
    key = "optional"
    summary = "`delta.usage`, `delta.finish_reason` or `structured_output` is used without a None check"
    explanation = """
    A chunk's `delta.usage` is None except (usually) on the last chunk, `delta.finish_reason` is None
    until the end, and `structured_output` is None on most chunks and on a result whose model
    returned none. Reading an attribute of them, indexing, iterating or `len()` raises. Check first:
    `if chunk.delta.usage:` / `is not None`, `isinstance(...)`, or an early `continue`.
    """
    invalid = (
        Example(
            tool(
                llm()
                + """\
        tokens = 0
        for chunk in response:
            tokens += chunk.delta.usage.total_tokens
        yield self.create_text_message(str(tokens))
"""
            ),
            expect=(
                (
                    "tools/echo.py:16:23-16:40",
                    "`chunk.delta.usage` is None on every chunk but (usually) the last; reading `.total_tokens` on it raises AttributeError. Check it first (`if chunk.delta.usage:` or `is not None`)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                llm()
                + """\
        tokens = 0
        for chunk in response:
            if chunk.delta.usage:
                tokens += chunk.delta.usage.total_tokens
        yield self.create_text_message(str(tokens))
"""
            )
        ),
    )

    WHY = {
        "usage": "is None on every chunk but (usually) the last",
        "finish_reason": "is None until the last chunk",
        "structured_output": "is None when the model returned no structured output (and on most chunks)",
    }

    def render(self, fact: object) -> str:
        assert isinstance(fact, facts.OptionalUnchecked)
        how = {
            "attribute": f"reading `.{fact.detail}` on it raises AttributeError",
            "subscript": "indexing it raises TypeError",
            "len": "`len()` raises TypeError",
            "iterate": "iterating it raises TypeError",
        }[fact.use]
        return (
            f"`{fact.label or fact.expression}` {self.WHY[fact.field]}; {how}. Check it first (`if {fact.label or 'value'}:`"
            " or `is not None`)"
        )
