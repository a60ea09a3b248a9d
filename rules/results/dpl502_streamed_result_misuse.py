"""DPL502 streamed-result-misuse."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.rule import Example

from ._common import ResultRule, llm, tool


class StreamedResultMisuse(ResultRule):
    code = "DPL502"
    name = "streamed-result-misuse"
    key = "stream"
    summary = "A streamed result is used as a whole result, or a whole result is iterated"
    explanation = """
    `session.model.llm.invoke` (and `llm_structured_output.invoke`) returns a generator of
    `LLMResultChunk` when `stream` is True, which is the default, and one `LLMResult` only with
    `stream=False`. Reading `.message` or `.usage` on the generator raises AttributeError; iterating
    an `LLMResult` yields its (field, value) pairs and `next()` on it raises TypeError. Likewise
    `session.app.chat.invoke` streams by default (`response_mode="streaming"`): its result is a
    generator of event dicts, so `.get(...)` or `[...]` on it fails; pass `response_mode="blocking"`
    for one dict.
    """
    invalid = (
        Example(
            tool(
                llm()
                + """\
        yield self.create_text_message(response.message.get_text_content())
"""
            ),
            expect=(
                (
                    "tools/echo.py:14:40-14:56",
                    "`response.message`: `session.model.llm.invoke` with stream=True (the default) returns a generator of chunks, which has no `.message` (AttributeError); pass `stream=False` to get an LLMResult, or iterate the chunks",
                ),
            ),
        ),
        Example(
            tool(
                llm("False")
                + """\
        for chunk in response:
            yield self.create_text_message(chunk.delta.message.get_text_content())
"""
            ),
            expect=(
                (
                    "tools/echo.py:15:22-15:30",
                    "`response` comes from an LLM call with stream=False, which returns one LLMResult: iterating it yields (field, value) pairs, not chunks; read `.message` instead, or pass stream=True",
                ),
            ),
        ),
        Example(
            tool("""\
        answer = self.session.app.chat.invoke(app_id=tool_parameters["app"]["app_id"], query="hi", inputs={})
        yield self.create_text_message(answer.get("answer", ""))
"""),
            expect=(
                (
                    "tools/echo.py:11:40-11:46",
                    '`answer.get(...)`: `session.app.chat.invoke` streams by default (response_mode="streaming") and returns a generator of event dicts, not a dict; pass `response_mode="blocking"` or iterate the events',
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                llm("False")
                + """\
        yield self.create_text_message(response.message.get_text_content())
"""
            )
        ),
        Example(
            tool("""\
        stream = bool(tool_parameters.get("stream"))
        if stream:
            result = self.session.model.llm.invoke(
                model_config=tool_parameters["model"], prompt_messages=[UserPromptMessage(content="hi")], stream=True
            )
            for chunk in result:
                yield self.create_text_message(chunk.delta.message.get_text_content())
        else:
            result = self.session.model.llm.invoke(
                model_config=tool_parameters["model"], prompt_messages=[UserPromptMessage(content="hi")], stream=False
            )
            yield self.create_text_message(result.message.get_text_content())
""")
        ),
    )

    def render(self, fact: object) -> str:
        if isinstance(fact, facts.StreamedAsResult):
            return (
                f"`{fact.label}`: `{fact.endpoint}` with stream=True (the default) returns a generator of"
                f" chunks, which has no `.{fact.attribute}` (AttributeError); pass `stream=False` to get an LLMResult,"
                " or iterate the chunks"
            )
        if isinstance(fact, facts.AppStreamAsResult):
            return (
                f'`{fact.label}{fact.use}`: `{fact.endpoint}` streams by default (response_mode="streaming")'
                ' and returns a generator of event dicts, not a dict; pass `response_mode="blocking"` or iterate the'
                " events"
            )
        assert isinstance(fact, facts.ResultIterated)
        if fact.how == "next":
            effect = "`next()` raises TypeError ('LLMResult' object is not an iterator)"
        else:
            effect = "iterating it yields (field, value) pairs, not chunks"
        return (
            f"`{fact.label}` comes from an LLM call with stream=False, which returns one LLMResult: {effect};"
            " read `.message` instead, or pass stream=True"
        )
