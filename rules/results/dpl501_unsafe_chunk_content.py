"""DPL501 unsafe-chunk-content."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example

from ._common import ResultRule, describe, llm, tool


class UnsafeChunkContent(ResultRule):
    code = "DPL501"
    name = "unsafe-chunk-content"
    key = "content"
    summary = "A streamed chunk's content is used as a str, but it can be a list of content parts or None"
    grades = {
        Severity.ERROR: "content used as a str where a list of parts or None makes the code fail",
        Severity.WARNING: "non-str content skipped, so its text is lost, or a content part's data used without checking its type",
    }
    explanation = """
    `chunk.delta.message.content` is declared `str | list[PromptMessageContent] | None`, and all three
    occur: None on chunks that carry only tool calls, a list of parts when a model streams multimodal
    output. Concatenating it, calling str methods on it, formatting it, `json.dumps`, `len`,
    comparing it with a str or passing it to `create_text_message` works only for the str. Use
    `chunk.delta.message.get_text_content()` (the text parts joined, `""` for None), or narrow first
    (`isinstance(content, str)` in an `if`, `elif`, `assert` or an early `continue`). Iterating the
    content needs an `isinstance(content, list)` guard (a str is walked character by character).
    Two warnings complete the rule: `part.data` is text only on a `TextPromptMessageContent` (an
    image part's `data` is its URL or a data URI), and a non-str branch that only `continue`s or
    `pass`es (or no branch at all) lets list content vanish silently.

    Chunks are recognised when they come from iterating `session.model.llm.invoke(...)` or
    `llm_structured_output.invoke(...)`, and in any `for` loop that reads
    `<loop variable>.delta.message.content`. The stream=False result's `message.content` is not
    reported: the SDK builds it from str chunks only, so it is always a str at run time.
    """
    invalid = (
        Example(
            tool(
                llm()
                + """\
        text = ""
        for chunk in response:
            if chunk.delta.message.content:
                text += chunk.delta.message.content
        yield self.create_text_message(text)
"""
            ),
            expect=(
                (
                    "tools/echo.py:17:25-17:52",
                    "`chunk.delta.message.content` is appended to a str with `+=`, but chunk content may be a list of content parts: that raises TypeError. Narrow it with `isinstance(content, str)` or use `chunk.delta.message.get_text_content()`",
                ),
            ),
        ),
        Example(
            tool(
                llm("True")
                + """\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, str):
                yield self.create_text_message(content)
            else:
                continue
"""
            ),
            expect=(
                (
                    "tools/echo.py:17:16-17:40",
                    "when `content` is not a str it is usually a list of content parts (models that stream multimodal output send them), and that branch only `continue`s or `pass`es: the text is dropped silently; handle the list too, or use `message.get_text_content()`",
                ),
            ),
        ),
        Example(
            tool(
                llm()
                + """\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, list):
                for part in content:
                    yield self.create_text_message(part.data)
"""
            ),
            expect=(
                (
                    "tools/echo.py:18:52-18:61",
                    "`part.data` on a content part not narrowed to text: an image, audio, video or document part's `.data` is its URL or a base64 data URI, not text; check `isinstance(part, TextPromptMessageContent)` (or `part.type == PromptMessageContentType.TEXT`) first",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                llm("True")
                + """\
        for chunk in response:
            if chunk.delta.message:
                assert isinstance(chunk.delta.message.content, str)
                yield self.create_text_message(text=chunk.delta.message.content)
"""
            )
        ),
        Example(
            tool(
                llm()
                + """\
        for chunk in response:
            text = chunk.delta.message.get_text_content()
            if text:
                yield self.create_text_message(text.strip())
"""
            )
        ),
        Example(
            tool(
                llm()
                + """\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, str):
                yield self.create_text_message(content)
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, TextPromptMessageContent):
                        yield self.create_text_message(part.data)
""",
                "from dify_plugin.entities.model.message import TextPromptMessageContent\n",
            )
        ),
    )

    #: use -> (what the code does with the content, what then happens)
    USE_TEXT = {
        "add": ("is concatenated with a str", "raises TypeError"),
        "augadd": ("is appended to a str with `+=`", "raises TypeError"),
        "method": ("is used as a str (`.{detail}()`)", "raises AttributeError"),
        "fstring": ("is formatted into an f-string", "prints the parts' repr (or `None`) instead of text"),
        "percent": ("is formatted with `%`", "prints the parts' repr instead of text"),
        "json": ("is passed to `json.dumps`", "raises TypeError (content parts are not JSON serializable)"),
        "len": ("is measured with `len()`", "counts parts (or raises TypeError on None) instead of characters"),
        "str": ("is converted with `str()`", "gives the parts' repr instead of their text"),
        "loads": ("is parsed with `json.loads`", "raises TypeError"),
        "re": ("is searched with `re.{detail}`", "raises TypeError"),
        "compare": ("is compared with a str", "is never equal when it is a list"),
        "contains": ("is searched with `in`", "looks for a part, not a substring (None raises TypeError)"),
        "text_message": ("is passed to `create_text_message`", "fails validation (`text` must be a str)"),
        "json_message": ("is put in a `create_json_message` payload", "cannot be serialised"),
        "variable_message": ("is passed to `create_stream_variable_message`", "fails validation (the value must be a str)"),
        "yield": ("is yielded as text", "hands a list or None to code expecting a str"),
        "join": ("is joined as text", "raises TypeError (the items are parts, or None)"),
    }

    def render(self, fact: object) -> str:
        if isinstance(fact, facts.ContentIterated):
            return (
                f"`{fact.label}` is iterated without an `isinstance(..., list)` guard, but chunk content may be"
                f" {describe(fact.types)}: a str is walked character by character and None raises TypeError;"
                " check `isinstance(content, list)` first, or read `message.get_text_content()`"
            )
        if isinstance(fact, facts.PartDataUnchecked):
            return (
                f"`{fact.label}` on a content part not narrowed to text: an image, audio, video or document part's"
                " `.data` is its URL or a base64 data URI, not text; check `isinstance(part, TextPromptMessageContent)`"
                " (or `part.type == PromptMessageContentType.TEXT`) first"
            )
        if isinstance(fact, facts.ContentDropped):
            skipped = "nothing handles that case" if fact.handled == "nothing" else "that branch only `continue`s or `pass`es"
            return (
                f"when `{fact.subject}` is not a str it is usually a list of content parts (models that stream"
                f" multimodal output send them), and {skipped}: the text is dropped silently; handle the"
                " list too, or use `message.get_text_content()`"
            )
        assert isinstance(fact, facts.ContentUse)
        what, consequence = self.USE_TEXT[fact.use]
        source = f" (it holds `{fact.inner}`)" if fact.inner else ""
        return (
            f"`{fact.label}`{source} {what.format(detail=fact.detail)}, but chunk content may be {describe(fact.types)}:"
            f" that {consequence}. Narrow it with `isinstance(content, str)` or use `chunk.delta.message.get_text_content()`"
        )
