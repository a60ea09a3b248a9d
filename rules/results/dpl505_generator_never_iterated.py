"""DPL505 generator-never-iterated."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example

from ._common import ResultRule, tool


class GeneratorNeverIterated(ResultRule):
    code = "DPL505"
    name = "generator-never-iterated"
    key = "lazy"
    severity = Severity.WARNING
    summary = "A lazy session call's generator is never iterated, so the request is never sent"
    explanation = """
    `session.tool.invoke`, `session.model.tts.invoke`, a streamed `llm.invoke` and a streaming
    `app.*.invoke` return generators, and the SDK sends the request to Dify only when the generator
    is iterated. A result that is discarded, or assigned and never read, means the tool never ran and
    the model was never called. Iterate it (`for message in ...`, `yield from ...`,
    `b"".join(...)`); returning it or passing it on is fine (the caller iterates).
    """
    invalid = (
        Example(
            tool("""\
        self.session.tool.invoke_builtin_tool("time", "current_time", {})
        yield self.create_text_message("done")
"""),
            expect=(
                (
                    "tools/echo.py:10:9-10:74",
                    "this statement drops the result of `session.tool.invoke_builtin_tool`, a generator of tool messages, and it is never iterated: the SDK sends the request only when the generator is iterated, so nothing is ever sent; iterate it or `yield from` it",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool("""\
        yield from self.session.tool.invoke_builtin_tool("time", "current_time", {})
""")
        ),
    )

    #: result kind -> (what it is, how to get the request sent)
    KINDS = {
        "llm": ("a generator of chunks (stream=True is the default)", "iterate it, or pass stream=False for an LLMResult"),
        "app": ('a generator of events (response_mode="streaming")', 'iterate it, or pass response_mode="blocking"'),
        "tts": ("a generator of audio chunks", 'iterate it, e.g. `b"".join(...)`'),
        "tool": ("a generator of tool messages", "iterate it or `yield from` it"),
    }

    def render(self, fact: object) -> str:
        assert isinstance(fact, facts.LazyNeverIterated)
        kind, fix = self.KINDS[fact.kind]
        holder = f"`{fact.name}` holds" if fact.name else "this statement drops"
        return (
            f"{holder} the result of `{fact.endpoint}`, {kind}, and it is never iterated: the SDK sends the request"
            f" only when the generator is iterated, so nothing is ever sent; {fix}"
        )
