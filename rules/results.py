"""DPL5xx: what the session's calls return, and how the code uses it (streams, chunks, results).

The analysis lives in `dify_lint.resultflow`; each rule here reports one family of its events.
"""

from __future__ import annotations

from typing import ClassVar, Iterable

from dify_lint.diagnostics import Severity
from dify_lint.model.plugin import Plugin
from dify_lint.pyflow import plugin_modules, span_of
from dify_lint.resultflow import events
from dify_lint.rule import Example, Finding, Rule

_HEAD = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
'''


def _tool(body: str, imports: str = "") -> dict[str, str]:
    """An example tool whose `_invoke` runs `body` (indented by eight spaces already)."""
    head = _HEAD if not imports else _HEAD.replace("from dify_plugin import Tool\n", f"from dify_plugin import Tool\n{imports}")
    return {"tools/echo.py": head + body}


_LLM_CALL = '''\
        response = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
{stream}        )
'''


def _llm(stream: str = "") -> str:
    return _LLM_CALL.format(stream=f"            stream={stream},\n" if stream else "")


def _is_model_plugin(plugin: Plugin) -> bool:
    doc = plugin.manifest
    models = doc.get("plugins", "models") if doc is not None and doc.usable else None
    return isinstance(models, list) and bool(models)


class _ResultRule(Rule):
    key: ClassVar[str]

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        # A model plugin builds its own chunks (and may not call the session at all, DPL603).
        if _is_model_plugin(plugin):
            return
        for module in plugin_modules(plugin):
            for event in events(module):
                if event.rule == self.key:
                    yield Finding(
                        module.path,
                        span_of(module, event.node),
                        event.message,
                        Severity.WARNING if event.warning and self.severity != Severity.WARNING else None,
                    )


class UnsafeChunkContent(_ResultRule):
    code = "DPL501"
    name = "unsafe-chunk-content"
    key = "content"
    summary = "A streamed chunk's content is used as a str, but it can be a list of content parts or None"
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
        Example(_tool(_llm() + '''\
        text = ""
        for chunk in response:
            if chunk.delta.message.content:
                text += chunk.delta.message.content
        yield self.create_text_message(text)
''')),
        Example(_tool(_llm("True") + '''\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, str):
                yield self.create_text_message(content)
            else:
                continue
''')),
        Example(_tool(_llm() + '''\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, list):
                for part in content:
                    yield self.create_text_message(part.data)
''')),
    )
    valid = (
        Example(_tool(_llm("True") + '''\
        for chunk in response:
            if chunk.delta.message:
                assert isinstance(chunk.delta.message.content, str)
                yield self.create_text_message(text=chunk.delta.message.content)
''')),
        Example(_tool(_llm() + '''\
        for chunk in response:
            text = chunk.delta.message.get_text_content()
            if text:
                yield self.create_text_message(text.strip())
''')),
        Example(_tool(_llm() + '''\
        for chunk in response:
            content = chunk.delta.message.content
            if isinstance(content, str):
                yield self.create_text_message(content)
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, TextPromptMessageContent):
                        yield self.create_text_message(part.data)
''', "from dify_plugin.entities.model.message import TextPromptMessageContent\n")),
    )


class StreamedResultMisuse(_ResultRule):
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
        Example(_tool(_llm() + '''\
        yield self.create_text_message(response.message.get_text_content())
''')),
        Example(_tool(_llm("False") + '''\
        for chunk in response:
            yield self.create_text_message(chunk.delta.message.get_text_content())
''')),
        Example(_tool('''\
        answer = self.session.app.chat.invoke(app_id=tool_parameters["app"]["app_id"], query="hi", inputs={})
        yield self.create_text_message(answer.get("answer", ""))
''')),
    )
    valid = (
        Example(_tool(_llm("False") + '''\
        yield self.create_text_message(response.message.get_text_content())
''')),
        Example(_tool('''\
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
''')),
    )


class UncheckedStreamMode(_ResultRule):
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
        Example(_tool(_llm('tool_parameters.get("stream", False)') + '''\
        for chunk in response:
            yield self.create_text_message(chunk.delta.message.get_text_content())
''')),
    )
    valid = (
        Example(_tool(_llm('tool_parameters.get("stream", False)') + '''\
        if isinstance(response, Generator):
            for chunk in response:
                yield self.create_text_message(chunk.delta.message.get_text_content())
        else:
            yield self.create_text_message(response.message.get_text_content())
''')),
        Example(_tool(_llm('tool_parameters.get("stream", False)') + '''\
        if hasattr(response, "message"):
            yield self.create_text_message(response.message.get_text_content())
        else:
            for chunk in response:
                yield self.create_text_message(chunk.delta.message.get_text_content())
''')),
    )


class UncheckedOptionalResultField(_ResultRule):
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
        Example(_tool(_llm() + '''\
        tokens = 0
        for chunk in response:
            tokens += chunk.delta.usage.total_tokens
        yield self.create_text_message(str(tokens))
''')),
    )
    valid = (
        Example(_tool(_llm() + '''\
        tokens = 0
        for chunk in response:
            if chunk.delta.usage:
                tokens += chunk.delta.usage.total_tokens
        yield self.create_text_message(str(tokens))
''')),
    )


class GeneratorNeverIterated(_ResultRule):
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
        Example(_tool('''\
        self.session.tool.invoke_builtin_tool("time", "current_time", {})
        yield self.create_text_message("done")
''')),
    )
    valid = (
        Example(_tool('''\
        yield from self.session.tool.invoke_builtin_tool("time", "current_time", {})
''')),
    )


class TtsResultAsBytes(_ResultRule):
    code = "DPL506"
    name = "tts-result-as-bytes"
    key = "tts"
    summary = "`session.model.tts.invoke` returns a generator of audio chunks, used here as bytes"
    explanation = """
    `tts.invoke` is a generator function yielding raw audio `bytes` chunks. `len()`, `+`, `.write()`,
    `create_blob_message(...)`, `io.BytesIO(...)` or `base64.b64encode(...)` on the generator
    fail. Collect the audio first: `audio = b"".join(self.session.model.tts.invoke(...))`.
    """
    invalid = (
        Example(_tool('''\
        audio = self.session.model.tts.invoke(
            model_config=TTSModelConfig(**tool_parameters["model"], voice="alloy"),
            content_text=tool_parameters["text"],
        )
        yield self.create_blob_message(audio, meta={"mime_type": "audio/mpeg"})
''', "from dify_plugin.entities.model.tts import TTSModelConfig\n")),
    )
    valid = (
        Example(_tool('''\
        audio = b"".join(
            self.session.model.tts.invoke(
                model_config=TTSModelConfig(**tool_parameters["model"], voice="alloy"),
                content_text=tool_parameters["text"],
            )
        )
        yield self.create_blob_message(audio, meta={"mime_type": "audio/mpeg"})
''', "from dify_plugin.entities.model.tts import TTSModelConfig\n")),
    )


class Speech2TextFileNotIo(_ResultRule):
    code = "DPL507"
    name = "speech2text-file-not-io"
    key = "s2t"
    summary = "`session.model.speech2text.invoke` is given bytes or a path instead of a file object"
    explanation = """
    `speech2text.invoke(model_config, file)` calls `file.read()`, so `file` must be a binary file
    object. Bytes (a literal, a `.read()` result, `File.blob`, `storage.get(...)`) raise
    AttributeError: wrap them in `io.BytesIO(...)`. A path string does too: open it with
    `open(path, "rb")` and pass the file.
    """
    invalid = (
        Example(_tool('''\
        audio = tool_parameters["audio"].blob
        text = self.session.model.speech2text.invoke(
            model_config=Speech2TextModelConfig(**tool_parameters["model"]), file=audio
        )
        yield self.create_text_message(text)
''', "from dify_plugin.entities.model.speech2text import Speech2TextModelConfig\n")),
    )
    valid = (
        Example(_tool('''\
        audio = io.BytesIO(tool_parameters["audio"].blob)
        text = self.session.model.speech2text.invoke(
            model_config=Speech2TextModelConfig(**tool_parameters["model"]), file=audio
        )
        yield self.create_text_message(text)
''', "import io\nfrom dify_plugin.entities.model.speech2text import Speech2TextModelConfig\n")),
    )


class ModerationFlagInverted(_ResultRule):
    code = "DPL508"
    name = "moderation-flag-inverted"
    key = "moderation"
    severity = Severity.WARNING
    summary = "A moderation result is read as \"safe when True\"; True means the text is flagged"
    explanation = """
    `session.model.moderation.invoke` returns True when the text violates the moderation policy
    ("false if text is safe, true otherwise"). Binding it to `is_safe`, `safe` or `ok`, or answering
    with a success text in the branch where it is True, lets flagged text through. Name it `flagged`
    and treat True as a violation.
    """
    invalid = (
        Example(_tool('''\
        is_safe = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        yield self.create_text_message(tool_parameters["text"] if is_safe else "blocked")
''', "from dify_plugin.entities.model.moderation import ModerationModelConfig\n")),
        Example(_tool('''\
        result = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        if result:
            yield self.create_text_message("The text is safe.")
        else:
            yield self.create_text_message("The text was flagged.")
''', "from dify_plugin.entities.model.moderation import ModerationModelConfig\n")),
    )
    valid = (
        Example(_tool('''\
        flagged = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        if flagged:
            yield self.create_text_message("The text was flagged.")
        else:
            yield self.create_text_message("The text is safe.")
''', "from dify_plugin.entities.model.moderation import ModerationModelConfig\n")),
    )


RULES = [
    UnsafeChunkContent,
    StreamedResultMisuse,
    UncheckedStreamMode,
    UncheckedOptionalResultField,
    GeneratorNeverIterated,
    TtsResultAsBytes,
    Speech2TextFileNotIo,
    ModerationFlagInverted,
]
