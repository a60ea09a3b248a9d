"""DPL501 unsafe-chunk-content."""

from __future__ import annotations

import ast

from dify_lint.analysis.results import facts
from dify_lint.diagnostics import Edit, Fix, Severity
from dify_lint.python.astutil import node_offsets
from dify_lint.rule import Example

from ._common import ResultRule, describe, llm, read_text, tool

GEMINI = " (Gemini sends a list on every chunk)"

#: a tool that appends each streamed chunk's content to a str
APPENDED = tool(
    llm()
    + """\
        text = ""
        for chunk in response:
            if chunk.delta.message.content:
                text += chunk.delta.message.content
        yield self.create_text_message(text)
"""
)


class UnsafeChunkContent(ResultRule):
    code = "DPL501"
    name = "unsafe-chunk-content"
    key = "content"
    summary = "A streamed chunk's content is used as a str, but it can be a list of content parts or None"
    grades = {
        Severity.ERROR: "content used as a str (or asserted to be one) where a list of parts or None makes the code fail,"
        " or non-str content skipped: Gemini streams every chunk as a list, so nothing is output",
        Severity.WARNING: "a content part's data used as text without checking its type (an image part gives its URL)",
    }
    explanation = """
    `chunk.delta.message.content` is declared `str | list[PromptMessageContent] | None`, and all three
    occur: None on chunks that carry only tool calls, a list of parts when a model streams
    multimodal output, and a list on every chunk from some providers (the official Gemini plugin
    builds each streamed message from a list of parts). Concatenating it, calling str methods on
    it, formatting it, `json.dumps`, `len`, comparing it with a str or passing it to
    `create_text_message` works only for the str. Read the text with
    `chunk.delta.message.get_text_content()`, a method of the SDK's `PromptMessage`: the str as it
    is, the text parts of a list joined, `""` for None. Narrowing to str (`isinstance(content,
    str)`) and skipping the rest is no fix: a branch that only `continue`s or `pass`es on non-str
    content (or no branch at all) drops every list, so with Gemini such code outputs no text at
    all; that is reported too. Iterating the content walks a str character by character. `part.data`
    is text only on a `TextPromptMessageContent` (an image part's `data` is its URL or a data URI):
    a warning.

    Chunks are recognised when they come from iterating `session.model.llm.invoke(...)` or
    `llm_structured_output.invoke(...)`, in any `for` loop that reads
    `<loop variable>.delta.message.content`, and in the plugin's own functions a stream, chunk,
    message or content is passed to (the call that passed it is shown as a related location). The
    stream=False result's `message.content` is not reported: the SDK builds it from str chunks
    only, so it is always a str at run time.
    """
    invalid = (
        Example(
            APPENDED,
            expect=(
                (
                    "tools/echo.py:17:25-17:52",
                    '`chunk.delta.message.content` is appended to a str with `+=`, but chunk content may be a list of content parts: that raises TypeError (Gemini sends a list on every chunk). Read the text with `chunk.delta.message.get_text_content()` (a `PromptMessage` method: the text parts joined, "" for None)',
                ),
            ),
            fixed={
                "tools/echo.py": APPENDED["tools/echo.py"].replace(
                    "+= chunk.delta.message.content", "+= chunk.delta.message.get_text_content()"
                )
            },
        ),
        Example(
            tool(
                llm("True")
                + """\
        for chunk in response:
            if not isinstance(chunk.delta.message.content, str):
                continue
            yield self.create_text_message(chunk.delta.message.content)
"""
            ),
            note="narrowing to str and skipping the rest drops every list",
            expect=(
                (
                    "tools/echo.py:16:16-16:64",
                    'when `chunk.delta.message.content` is not a str it is a list of content parts, and that branch only `continue`s or `pass`es: the text is dropped. Gemini streams every chunk\'s content as a list, so with Gemini this outputs no text at all; read the text with `chunk.delta.message.get_text_content()` (a `PromptMessage` method: the text parts joined, "" for None) instead of skipping what is not a str',
                ),
            ),
        ),
        Example(
            {
                **tool(
                    llm()
                    + """\
        yield self.create_text_message(collect(response))
""",
                    "from tools.reading import collect\n",
                ),
                "tools/reading.py": """\
def collect(stream) -> str:
    text = ""
    for item in stream:
        message = item.delta.message
        text += message.content
    return text
""",
            },
            note="a stream handed to a function of another module is followed there",
            expect=(
                (
                    "tools/reading.py:5:17-5:32",
                    '`message.content` is appended to a str with `+=`, but chunk content may be a list of content parts or None: that raises TypeError (Gemini sends a list on every chunk). Read the text with `message.get_text_content()` (a `PromptMessage` method: the text parts joined, "" for None)',
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
                    '`part.data` on a content part not narrowed to text: an image, audio, video or document part\'s `.data` is its URL or a base64 data URI, not text; read the text with `chunk.delta.message.get_text_content()` (a `PromptMessage` method: the text parts joined, "" for None), which joins the text parts only, or check `isinstance(part, TextPromptMessageContent)` first',
                ),
            ),
        ),
    )
    valid = (
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
        Example(
            {
                **tool(
                    llm()
                    + """\
        yield self.create_text_message(collect(response))
""",
                    "from tools.reading import collect\n",
                ),
                "tools/reading.py": """\
def collect(stream) -> str:
    return "".join(item.delta.message.get_text_content() for item in stream)
""",
            },
            note="the helper that receives the stream reads its text safely",
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
        "assert": ("is asserted to be a str", "raises AssertionError when it is not"),
        "contains": ("is searched with `in`", "looks for a part, not a substring (None raises TypeError)"),
        "text_message": ("is passed to `create_text_message`", "fails validation (`text` must be a str)"),
        "json_message": ("is put in a `create_json_message` payload", "cannot be serialised"),
        "variable_message": ("is passed to `create_stream_variable_message`", "fails validation (the value must be a str)"),
        "yield": ("is yielded as text", "hands a list or None to code expecting a str"),
        "join": ("is joined as text", "raises TypeError (the items are parts, or None)"),
    }

    #: uses where the content is only ever wanted as text: reading it with `get_text_content()`
    #: keeps what a str did and gives the text where a list of parts (or None) used to fail
    TEXT_USES = frozenset(
        ("add", "augadd", "method", "fstring", "percent", "len", "str", "loads", "re", "contains", "text_message", "join")
    )
    fixable = "safe"

    def fix(self, module, event) -> Fix | None:
        fact, node = event.fact, event.node
        if not isinstance(fact, facts.ContentUse) or fact.use not in self.TEXT_USES or fact.inner:
            return None
        if not isinstance(node, ast.Attribute) or node.attr != "content" or not isinstance(node.ctx, ast.Load):
            return None
        offsets = node_offsets(module, node)
        if offsets is None or module.text[offsets[1] - len("content") : offsets[1]] != "content":
            return None
        end = offsets[1]
        return Fix(
            "Read the text with `get_text_content()`",
            (Edit(module.path, end - len("content"), end, "get_text_content()"),),
            "safe",
        )

    def render(self, fact: object) -> str:
        if isinstance(fact, facts.ContentIterated):
            return (
                f"`{fact.label}` is iterated, but chunk content may be {describe(fact.types)}: a str is walked"
                f" character by character and None raises TypeError; read the text with {read_text(fact.read)}"
                " (or check `isinstance(content, list)` before walking the parts)"
            )
        if isinstance(fact, facts.PartDataUnchecked):
            return (
                f"`{fact.label}` on a content part not narrowed to text: an image, audio, video or document part's"
                f" `.data` is its URL or a base64 data URI, not text; read the text with {read_text(fact.read)}, which"
                " joins the text parts only, or check `isinstance(part, TextPromptMessageContent)` first"
            )
        if isinstance(fact, facts.ContentDropped):
            skipped = "nothing handles that case" if fact.handled == "nothing" else "that branch only `continue`s or `pass`es"
            return (
                f"when `{fact.subject}` is not a str it is a list of content parts, and {skipped}: the text is"
                f" dropped. Gemini streams every chunk's content as a list, so with Gemini this outputs no text at all;"
                f" read the text with {read_text(fact.read)} instead of skipping what is not a str"
            )
        assert isinstance(fact, facts.ContentUse)
        what, consequence = self.USE_TEXT[fact.use]
        source = f" (it holds `{fact.inner}`)" if fact.inner else ""
        return (
            f"`{fact.label}`{source} {what.format(detail=fact.detail)}, but chunk content may be {describe(fact.types)}:"
            f" that {consequence}{GEMINI if 'list' in fact.types else ''}. Read the text with {read_text(fact.read)}"
        )
