"""DPL501-DPL508: results and streaming, with the look-alikes that must stay silent.

Each case is a tool whose `_invoke` body is given; `found` is the DPL50x findings as
(code, line, severity), lines counted in the body (its first line is 1).
"""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint as lint_files

RESULT_CODES = [f"DPL50{i}" for i in range(1, 9)]

HEAD = """\
import base64
import io
import json
import os
from collections.abc import Generator
from typing import Any, cast

import requests
from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMResult
from dify_plugin.entities.model.message import PromptMessageContentType, TextPromptMessageContent, UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
"""
OFFSET = HEAD.count("\n")

LLM = """\
response = self.session.model.llm.invoke(
    model_config=tool_parameters["model"],
    prompt_messages=[UserPromptMessage(content="hi")],{stream}
)
"""


def llm(stream: str | None = None, name: str = "response", structured: bool = False) -> str:
    text = LLM.format(stream="" if stream is None else f"\n    stream={stream},").replace("response =", f"{name} =")
    if structured:
        text = text.replace("model.llm.invoke(", "model.llm_structured_output.invoke(").replace(
            '[UserPromptMessage(content="hi")],', '[UserPromptMessage(content="hi")],\n    structured_output_schema={},'
        )
    return text


def lint(body: str, tmp_path, extra: dict | None = None, base: str = "tool", path: str = "tools/echo.py") -> list:
    source = HEAD + textwrap.indent(textwrap.dedent(body), " " * 8)
    files = {path: source, **(extra or {})}
    return lint_files(tmp_path, files, RESULT_CODES, base)


def found(body: str, tmp_path, **kwargs) -> list[tuple[str, int, str]]:
    return [(d.code, d.span.start.line - OFFSET, d.severity.name) for d in lint(body, tmp_path, **kwargs)]


def codes(body: str, tmp_path, **kwargs) -> list[str]:
    return [c for c, _, _ in found(body, tmp_path, **kwargs)]


# -- DPL501 unsafe-chunk-content ---------------------------------------------------------------

UNSAFE_USES = {
    "augmented": 'text = ""\nfor chunk in response:\n    text += chunk.delta.message.content\nyield self.create_text_message(text)\n',
    "concatenated": 'for chunk in response:\n    yield self.create_text_message("> " + chunk.delta.message.content)\n',
    "str method": "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.content.strip())\n",
    "f-string": 'for chunk in response:\n    yield self.create_text_message(f"data: {chunk.delta.message.content}")\n',
    "json.dumps": 'for chunk in response:\n    yield self.create_text_message(json.dumps({"delta": chunk.delta.message.content}))\n',
    "len": "n = 0\nfor chunk in response:\n    n += len(chunk.delta.message.content)\nyield self.create_text_message(str(n))\n",
    "comparison": 'for chunk in response:\n    if chunk.delta.message.content == "[DONE]":\n        break\n',
    "text message": "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.content)\n",
    "text keyword": "for chunk in response:\n    yield self.create_text_message(text=chunk.delta.message.content)\n",
    "json message": 'for chunk in response:\n    yield self.create_json_message({"text": chunk.delta.message.content})\n',
    "joined list": (
        "parts = []\nfor chunk in response:\n    if chunk.delta.message.content:\n        parts.append(chunk.delta.message.content)\n"
        'yield self.create_text_message("".join(parts))\n'
    ),
    "joined generator": 'yield self.create_text_message("".join(c.delta.message.content for c in response))\n',
    "or empty": 'text = ""\nfor chunk in response:\n    text += chunk.delta.message.content or ""\nyield self.create_text_message(text)\n',
    "truthiness only": (
        'text = ""\nfor chunk in response:\n    if chunk.delta.message.content:\n        text += chunk.delta.message.content\n'
        "yield self.create_text_message(text)\n"
    ),
    "walrus": (
        'text = ""\nfor chunk in response:\n    if content := chunk.delta.message.content:\n        text += content\n'
        "yield self.create_text_message(text)\n"
    ),
    "delta alias": "for chunk in response:\n    delta = chunk.delta\n    yield self.create_text_message(delta.message.content.strip())\n",
    "message alias": "for chunk in response:\n    message = chunk.delta.message\n    yield self.create_text_message(message.content.lower())\n",
    "str()": 'text = ""\nfor chunk in response:\n    text += str(chunk.delta.message.content)\nyield self.create_text_message(text)\n',
}


@pytest.mark.parametrize("use", sorted(UNSAFE_USES))
def test_unsafe_content_use(use, tmp_path):
    assert "DPL501" in codes(llm() + UNSAFE_USES[use], tmp_path)


def test_unsafe_content_in_structured_output_chunks(tmp_path):
    body = llm(structured=True) + "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.content)\n"
    assert codes(body, tmp_path) == ["DPL501"]


def test_loop_variable_with_chunk_shape_from_anywhere(tmp_path):
    # the iterable comes from a helper: the `.delta.message.content` shape is evidence enough
    body = 'text = ""\nfor piece in self._stream(tool_parameters):\n    text += piece.delta.message.content\nyield self.create_text_message(text)\n'
    assert found(body, tmp_path) == [("DPL501", 3, "ERROR")]


def test_one_finding_per_read_the_strongest(tmp_path):
    body = llm() + (
        "total = 0\nfor chunk in response:\n    content = chunk.delta.message.content\n    if content:\n"
        "        total += len(content)\n        yield self.create_text_message(content)\n"
    )
    assert found(body, tmp_path) == [("DPL501", 10, "ERROR")]


def test_iterating_content_without_list_guard(tmp_path):
    body = llm() + "for chunk in response:\n    for part in chunk.delta.message.content:\n        pass\n"
    assert codes(body, tmp_path) == ["DPL501"]


def test_part_data_not_narrowed_is_a_warning(tmp_path):
    body = llm() + (
        "for chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, list):\n"
        "        for part in content:\n            yield self.create_text_message(part.data)\n"
        "            yield self.create_text_message(part.data)\n"
    )
    assert found(body, tmp_path) == [("DPL501", 9, "WARNING")]


DROPS = {
    "else continue": "if isinstance(content, str):\n    yield self.create_text_message(content)\nelse:\n    continue\n",
    "else pass": "if isinstance(content, str):\n    yield self.create_text_message(content)\nelse:\n    pass\n",
    "early continue": "if not isinstance(content, str):\n    continue\nyield self.create_text_message(content)\n",
    "list skipped": "if isinstance(content, list):\n    continue\nif content:\n    yield self.create_text_message(content)\n",
    "no else": "if isinstance(content, str):\n    yield self.create_text_message(content)\n",
}


@pytest.mark.parametrize("shape", sorted(DROPS))
def test_non_str_branch_that_drops_lists_is_an_error(shape, tmp_path):
    # Gemini sends every chunk's content as a list: such a loop outputs nothing at all
    body = llm() + "for chunk in response:\n    content = chunk.delta.message.content\n" + textwrap.indent(DROPS[shape], "    ")
    assert found(body, tmp_path) == [("DPL501", 7, "ERROR")]


def test_asserting_content_is_str_fails_on_lists(tmp_path):
    body = llm() + (
        "for chunk in response:\n    if chunk.delta.message:\n        assert isinstance(chunk.delta.message.content, str)\n"
        "        yield self.create_text_message(text=chunk.delta.message.content)\n"
    )
    (finding,) = lint(body, tmp_path)
    assert (finding.code, finding.span.start.line - OFFSET, finding.severity.name) == ("DPL501", 7, "ERROR")
    assert "AssertionError" in finding.message and "get_text_content()" in finding.message


def test_no_message_offers_narrowing_to_str_as_the_fix(tmp_path):
    loop = "for chunk in response:\n    content = chunk.delta.message.content\n"
    bodies = [*UNSAFE_USES.values(), *(loop + textwrap.indent(drop, "    ") for drop in DROPS.values())]
    messages = [f.message for index, body in enumerate(bodies) for f in lint(llm() + body, tmp_path / str(index))]
    assert len(messages) >= len(bodies)
    for message in messages:
        assert "isinstance(content, str)" not in message
        assert "get_text_content()" in message


SAFE_CONTENT = {
    "get_text_content": (
        'text = ""\nfor chunk in response:\n    text += chunk.delta.message.get_text_content()\n'
        "    yield self.create_text_message(chunk.delta.message.get_text_content().strip())\n"
    ),
    "if isinstance str, elif list": (
        'text = ""\nfor chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, str):\n'
        "        text += content\n    elif isinstance(content, list):\n        for part in content:\n"
        "            if isinstance(part, TextPromptMessageContent):\n                text += part.data\n"
        "yield self.create_text_message(text)\n"
    ),
    "list first, str in the else": (
        'text = ""\nfor chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, list):\n'
        '        text += "".join(p.data for p in content if p.type == PromptMessageContentType.TEXT)\n'
        "    elif content:\n        text += content.strip()\nyield self.create_text_message(text)\n"
    ),
    "part.type literal": (
        "for chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, list):\n"
        '        for part in content:\n            if part.type == "text":\n                yield self.create_text_message(part.data)\n'
        "    elif isinstance(content, str):\n        yield self.create_text_message(content)\n"
    ),
    "None branch continues after the list is handled": (
        "for chunk in response:\n    raw = chunk.delta.message.content\n    if isinstance(raw, str):\n        text = raw\n"
        "    elif isinstance(raw, list):\n        text = chunk.delta.message.get_text_content()\n    else:\n        continue\n"
        "    yield self.create_text_message(text)\n"
    ),
    "cast": "for chunk in response:\n    yield self.create_text_message(cast(str, chunk.delta.message.content))\n",
    "passed to a helper": "for chunk in response:\n    yield self.create_text_message(self._text(chunk.delta.message.content))\n",
    "stream=False result": 'yield self.create_text_message(response.message.content.strip() + "!")\n',
}


@pytest.mark.parametrize("case", sorted(SAFE_CONTENT))
def test_safe_content_lookalikes(case, tmp_path):
    stream = "False" if case == "stream=False result" else None
    assert found(llm(stream) + SAFE_CONTENT[case], tmp_path) == []


def test_other_stream_shapes_are_not_chunks(tmp_path):
    # the OpenAI client's chunks: `chunk.choices[0].delta.content`, not `delta.message.content`
    body = 'text = ""\nfor chunk in self.client.stream():\n    text += chunk.choices[0].delta.content\n    text += chunk.delta.content\nyield self.create_text_message(text)\n'
    assert found(body, tmp_path) == []


def test_model_plugins_and_tests_are_left_alone(tmp_path):
    body = (
        'text = ""\nfor chunk in self._chunks():\n    text += chunk.delta.message.content\nyield self.create_text_message(text)\n'
    )
    assert found(body, tmp_path, path="tests/test_stream.py") == []
    assert found(body, tmp_path / "model", base="model", path="models/llm/helpers.py") == []


# -- DPL502 streamed-result-misuse -------------------------------------------------------------


@pytest.mark.parametrize("stream", [None, "True"])
def test_streamed_result_used_as_llm_result(stream, tmp_path):
    body = llm(stream) + "yield self.create_text_message(response.message.get_text_content())\n"
    assert found(body, tmp_path) == [("DPL502", 6 if stream else 5, "ERROR")]


def test_streamed_result_usage(tmp_path):
    body = llm() + "yield self.create_text_message(str(response.usage.total_tokens))\n"
    assert codes(body, tmp_path) == ["DPL502"]


@pytest.mark.parametrize(
    "use",
    [
        "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.get_text_content())\n",
        "first = next(response)\nyield self.create_text_message(first.delta.message.get_text_content())\n",
        "yield from response\n",
    ],
)
def test_blocking_result_iterated(use, tmp_path):
    assert codes(llm("False") + use, tmp_path) == ["DPL502"]


def test_blocking_result_fields_unpacked_is_fine(tmp_path):
    # iterating a pydantic model yields (field, value) pairs; unpacking them is deliberate
    body = (
        llm("False")
        + 'for key, value in response:\n    if key == "message":\n        yield self.create_text_message(value.get_text_content())\n'
    )
    assert found(body, tmp_path) == []


def test_app_chat_streams_by_default(tmp_path):
    body = 'answer = self.session.app.chat.invoke(app_id="a", query="q", inputs={})\nyield self.create_text_message(answer["answer"])\n'
    assert codes(body, tmp_path) == ["DPL502"]
    blocking = body.replace("inputs={})", 'inputs={}, response_mode="blocking")')
    assert found(blocking, tmp_path / "blocking") == []


def test_same_name_in_both_branches_of_if_stream(tmp_path):
    body = (
        'stream = tool_parameters.get("stream", True)\nif stream:\n'
        + textwrap.indent(llm("True", name="result"), "    ")
        + "    for chunk in result:\n        yield self.create_text_message(chunk.delta.message.get_text_content())\nelse:\n"
        + textwrap.indent(llm("False", name="result"), "    ")
        + "    yield self.create_text_message(result.message.get_text_content())\n"
    )
    assert found(body, tmp_path) == []


def test_hasattr_guard_on_a_stream(tmp_path):
    # a stream has no `message`: the guarded branch never runs
    body = llm("True") + (
        'text = ""\nfor chunk in response:\n    text += chunk.delta.message.get_text_content()\n'
        'if not text and hasattr(response, "message") and response.message:\n    text = response.message.get_text_content()\n'
        "yield self.create_text_message(text)\n"
    )
    assert found(body, tmp_path) == []


def test_generator_guard_on_a_blocking_result(tmp_path):
    body = llm("False") + (
        "if isinstance(response, Generator):\n    response = next(response)\n"
        "yield self.create_text_message(response.message.get_text_content())\n"
    )
    assert found(body, tmp_path) == []


# -- DPL503 unchecked-stream-mode --------------------------------------------------------------

EITHER = 'tool_parameters.get("stream", False)'


@pytest.mark.parametrize(
    "use",
    [
        "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.get_text_content())\n",
        "yield self.create_text_message(response.message.get_text_content())\n",
    ],
)
def test_non_literal_stream_used_without_a_check(use, tmp_path):
    assert found(llm(EITHER) + use, tmp_path) == [("DPL503", 6, "WARNING")]


GUARDS = {
    "isinstance Generator": "if isinstance(response, Generator):\n{stream}else:\n{result}",
    "isinstance LLMResult": "if isinstance(response, LLMResult):\n{result}else:\n{stream}",
    "hasattr message": 'if hasattr(response, "message"):\n{result}else:\n{stream}',
    "not isinstance, early return": "if not isinstance(response, LLMResult):\n{stream}    return\n{result_out}",
}
STREAM_USE = "    for chunk in response:\n        yield self.create_text_message(chunk.delta.message.get_text_content())\n"
RESULT_USE = "    yield self.create_text_message(response.message.get_text_content())\n"


@pytest.mark.parametrize("guard", sorted(GUARDS))
def test_non_literal_stream_with_a_type_branch(guard, tmp_path):
    body = llm(EITHER) + GUARDS[guard].format(stream=STREAM_USE, result=RESULT_USE, result_out=textwrap.dedent(RESULT_USE))
    assert found(body, tmp_path) == []


def test_if_stream_on_the_same_expression(tmp_path):
    body = (
        "stream = self._wants_stream(tool_parameters)\n" + llm("stream") + ("if stream:\n" + STREAM_USE + "else:\n" + RESULT_USE)
    )
    assert found(body, tmp_path) == []


def test_call_inside_if_stream_knows_the_mode(tmp_path):
    body = "stream = self._wants_stream(tool_parameters)\nif stream:\n" + textwrap.indent(llm("stream"), "    ") + STREAM_USE
    assert found(body, tmp_path) == []


def test_stream_variable_bound_to_a_literal(tmp_path):
    body = "stream = False\n" + llm("stream") + "for chunk in response:\n    pass\n"
    assert codes(body, tmp_path) == ["DPL502"]


# -- DPL504 unchecked-optional-result-field ----------------------------------------------------

OPTIONAL = {
    "usage": "n = 0\nfor chunk in response:\n    n += chunk.delta.usage.total_tokens\nyield self.create_text_message(str(n))\n",
    "usage alias": "for chunk in response:\n    usage = chunk.delta.usage\n    yield self.create_text_message(str(usage.total_tokens))\n",
    "finish_reason": "for chunk in response:\n    yield self.create_text_message(chunk.delta.finish_reason.upper())\n",
}


@pytest.mark.parametrize("case", sorted(OPTIONAL))
def test_optional_field_used_without_check(case, tmp_path):
    assert codes(llm() + OPTIONAL[case], tmp_path) == ["DPL504"]


def test_structured_output_without_check(tmp_path):
    body = llm("False", structured=True) + 'yield self.create_json_message(dict(response.structured_output["answer"]))\n'
    assert codes(body, tmp_path) == ["DPL504"]
    stream = (
        llm(structured=True) + 'for chunk in response:\n    yield self.create_text_message(chunk.structured_output.get("a"))\n'
    )
    assert codes(stream, tmp_path / "stream") == ["DPL504"]


CHECKED = {
    "truthiness": "for chunk in response:\n    if chunk.delta.usage:\n        yield self.create_text_message(str(chunk.delta.usage.total_tokens))\n",
    "is not None": "for chunk in response:\n    usage = chunk.delta.usage\n    if usage is not None:\n        yield self.create_text_message(str(usage.total_tokens))\n",
    "early continue": "for chunk in response:\n    if chunk.delta.usage is None:\n        continue\n    yield self.create_text_message(str(chunk.delta.usage.total_tokens))\n",
    "kept after the loop": (
        "usage = None\nfor chunk in response:\n    if chunk.delta.usage:\n        usage = chunk.delta.usage\n"
        "yield self.create_text_message(str(usage.total_tokens if usage else 0))\n"
    ),
    "finish_reason compared": 'for chunk in response:\n    if chunk.delta.finish_reason == "stop":\n        break\n',
    "and chain": "for chunk in response:\n    if chunk.delta and chunk.delta.usage and chunk.delta.usage.total_tokens > 0:\n        break\n",
}


@pytest.mark.parametrize("case", sorted(CHECKED))
def test_optional_field_checked(case, tmp_path):
    assert found(llm() + CHECKED[case], tmp_path) == []


def test_blocking_result_usage_is_not_optional(tmp_path):
    body = llm("False") + "yield self.create_text_message(str(response.usage.total_tokens))\n"
    assert found(body, tmp_path) == []


# -- DPL505 generator-never-iterated -----------------------------------------------------------

NEVER = {
    "tool call dropped": 'self.session.tool.invoke_builtin_tool("time", "current_time", {})\nyield self.create_text_message("ok")\n',
    "tool result unused": 'result = self.session.tool.invoke(provider_type="builtin", provider="time", tool_name="now", parameters={})\nyield self.create_text_message("ok")\n',
    "llm stream unused": llm() + 'yield self.create_text_message("sent")\n',
    "tts unused": 'audio = self.session.model.tts.invoke(model_config=self._tts(), content_text="hi")\nyield self.create_text_message("spoken")\n',
    "streaming app unused": 'events = self.session.app.chat.invoke(app_id="a", query="q", inputs={})\nyield self.create_text_message("asked")\n',
}


@pytest.mark.parametrize("case", sorted(NEVER))
def test_generator_never_iterated(case, tmp_path):
    assert [(c, s) for c, _, s in found(NEVER[case], tmp_path)] == [("DPL505", "WARNING")]


USED = {
    "returned": 'return self.session.tool.invoke_builtin_tool("time", "current_time", {})\n',
    "yielded from": 'yield from self.session.tool.invoke_builtin_tool("time", "current_time", {})\n',
    "passed on": 'messages = self.session.tool.invoke_builtin_tool("time", "current_time", {})\nyield from self._forward(messages)\n',
    "used by a closure": (
        'messages = self.session.tool.invoke_builtin_tool("time", "current_time", {})\n'
        "def forward():\n    yield from messages\nyield from forward()\n"
    ),
    "blocking llm unused": llm("False") + 'yield self.create_text_message("sent")\n',
    "tts joined": 'audio = b"".join(self.session.model.tts.invoke(model_config=self._tts(), content_text="hi"))\nyield self.create_blob_message(audio)\n',
}


@pytest.mark.parametrize("case", sorted(USED))
def test_generator_consumed_or_passed_on(case, tmp_path):
    assert found(USED[case], tmp_path) == []


# -- DPL506 tts-result-as-bytes ----------------------------------------------------------------

TTS = 'audio = self.session.model.tts.invoke(model_config=self._tts(), content_text="hi")\n'


@pytest.mark.parametrize(
    "use",
    [
        "yield self.create_blob_message(audio)\n",
        "yield self.create_text_message(str(len(audio)))\n",
        'data = audio + b""\nyield self.create_blob_message(data)\n',
        'with open("/tmp/a.mp3", "wb") as f:\n    f.write(audio)\nyield self.create_text_message("ok")\n',
        "yield self.create_blob_message(io.BytesIO(audio).getvalue())\n",
    ],
)
def test_tts_result_used_as_bytes(use, tmp_path):
    assert codes(TTS + use, tmp_path) == ["DPL506"]


def test_tts_result_iterated(tmp_path):
    body = TTS + "for piece in audio:\n    yield self.create_blob_message(piece)\n"
    assert found(body, tmp_path) == []


# -- DPL507 speech2text-file-not-io ------------------------------------------------------------

S2T = (
    "text = self.session.model.speech2text.invoke(model_config=self._s2t(), file={file})\nyield self.create_text_message(text)\n"
)


@pytest.mark.parametrize(
    "file",
    [
        'b"RIFF"',
        'open("a.mp3", "rb").read()',
        "tool_parameters['audio'].blob",
        '"/tmp/audio.mp3"',
        'os.path.join("/tmp", "a.mp3")',
        "f\"/tmp/{tool_parameters['name']}.mp3\"",
        "tool_parameters['audio_text'].encode()",
        "tool_parameters['audio_text'].encode('utf-8')",
        "base64.b64decode(tool_parameters['audio_b64'])",
        "requests.get(tool_parameters['url']).content",
        'open(tool_parameters["path"], "rb").read()',
    ],
)
def test_speech2text_given_bytes_or_path(file, tmp_path):
    assert codes(S2T.format(file=file), tmp_path) == ["DPL507"]


def test_speech2text_bytes_through_a_variable(tmp_path):
    body = 'with open("a.mp3", "rb") as f:\n    data = f.read()\n' + S2T.format(file="data")
    assert codes(body, tmp_path) == ["DPL507"]
    body = "response = requests.get(tool_parameters['url'], timeout=30)\naudio = response.content\n" + S2T.format(file="audio")
    assert codes(body, tmp_path / "http") == ["DPL507"]
    body = "audio = base64.b64decode(tool_parameters['audio_b64'])\n" + S2T.format(file="audio")
    assert codes(body, tmp_path / "b64") == ["DPL507"]


@pytest.mark.parametrize(
    "file",
    [
        "self.tokenizer.encode(tool_parameters['text'])",  # a tokenizer's encode is no str.encode
        "requests.get(tool_parameters['url']).raw",
        "self.client.get(tool_parameters['url']).content",  # not known to be an HTTP response
    ],
)
def test_speech2text_given_lookalikes_of_bytes(file, tmp_path):
    assert found(S2T.format(file=file), tmp_path) == []


@pytest.mark.parametrize("file", ["io.BytesIO(tool_parameters['audio'].blob)", "tool_parameters['audio']", "self._audio_file()"])
def test_speech2text_given_a_file_object_or_unknown(file, tmp_path):
    assert found(S2T.format(file=file), tmp_path) == []


def test_speech2text_with_open_file(tmp_path):
    body = 'with open("a.mp3", "rb") as f:\n' + textwrap.indent(S2T.format(file="f"), "    ")
    assert found(body, tmp_path) == []


# -- DPL508 moderation-flag-inverted -----------------------------------------------------------

MODERATION = 'result = self.session.model.moderation.invoke(model_config=self._moderation(), text="hi")\n'


@pytest.mark.parametrize(
    "body",
    [
        'is_safe = self.session.model.moderation.invoke(model_config=self._moderation(), text="hi")\nyield self.create_text_message(str(is_safe))\n',
        MODERATION + 'if result:\n    yield self.create_text_message("Content is safe")\n',
        MODERATION
        + 'if not result:\n    yield self.create_text_message("Content was flagged")\nelse:\n    yield self.create_text_message("ok")\n',
        MODERATION + 'yield self.create_json_message({"safe": result})\n',
    ],
)
def test_moderation_read_as_safe(body, tmp_path):
    assert codes(body, tmp_path) == ["DPL508"]


@pytest.mark.parametrize(
    "body",
    [
        MODERATION
        + 'if result:\n    yield self.create_text_message("Content was flagged")\nelse:\n    yield self.create_text_message("Content is safe")\n',
        MODERATION + 'if not result:\n    yield self.create_text_message("safe")\n',
        MODERATION + 'if result:\n    yield self.create_text_message("Content is not safe")\n',
        'flagged = self.session.model.moderation.invoke(model_config=self._moderation(), text="hi")\nyield self.create_json_message({"flagged": flagged})\n',
    ],
)
def test_moderation_read_correctly(body, tmp_path):
    assert found(body, tmp_path) == []


def test_if_stream_on_an_alias_of_the_argument(tmp_path):
    body = (
        "flag = tool_parameters.get('stream')\n"
        + llm("tool_parameters.get('stream')")
        + ("if flag:\n" + STREAM_USE + "else:\n" + RESULT_USE)
    )
    assert found(body, tmp_path) == []


def test_star_arguments_say_nothing(tmp_path):
    body = 'options = {"stream": False}\nresponse = self.session.model.llm.invoke(model_config=tool_parameters["model"], prompt_messages=[], **options)\n'
    body += "yield self.create_text_message(response.message.get_text_content())\n"
    assert found(body, tmp_path) == []


def test_chunk_shape_is_evidence_for_content_only(tmp_path):
    # a loop over something else whose items read `.delta.message.content`: content is checked,
    # but `delta.usage` of an unknown stream is not known to be optional
    body = (
        "for event in self._events():\n    text = event.delta.message.content.strip()\n    n = event.delta.usage.total_tokens\n"
    )
    assert found(body, tmp_path) == [("DPL501", 2, "ERROR")]


def test_cohere_stream_is_not_a_dify_stream(tmp_path):
    body = (
        'res = ""\nfor chunk in self.co.chat_stream(model="command", messages=[]):\n'
        '    if chunk.type == "content-delta":\n        res += chunk.delta.message.content.text\n'
        '    elif chunk.type == "message-end":\n        print(f"{chunk.delta.message.content} {chunk.delta.usage.tokens}")\n'
        "yield self.create_text_message(res)\n"
    )
    assert found(body, tmp_path) == []


@pytest.mark.parametrize(
    "other",
    [
        "    images = self._images(content)\n",  # the list is handled before the check
        "    yield self.create_text_message(chunk.delta.message.get_text_content())\n",
    ],
)
def test_str_check_without_else_when_the_loop_uses_the_content_elsewhere(other, tmp_path):
    body = (
        llm()
        + "for chunk in response:\n    content = chunk.delta.message.content\n"
        + other
        + ("    if isinstance(content, str):\n        yield self.create_text_message(content)\n")
    )
    assert found(body, tmp_path) == []


def test_str_check_without_else_in_a_loop_reading_tool_calls_still_drops(tmp_path):
    body = llm() + (
        "for chunk in response:\n    calls = chunk.delta.message.tool_calls\n"
        "    if isinstance(chunk.delta.message.content, str):\n        yield self.create_text_message(chunk.delta.message.content)\n"
    )
    assert found(body, tmp_path) == [("DPL501", 7, "ERROR")]


def test_moderation_result_renamed_to_a_safe_name(tmp_path):
    body = MODERATION + "ok = result\nyield self.create_text_message(str(ok))\n"
    assert codes(body, tmp_path) == ["DPL508"]
    negated = MODERATION + "ok = not result\nyield self.create_text_message(str(ok))\n"
    assert found(negated, tmp_path / "negated") == []


# -- results followed into the plugin's own functions ------------------------------------------------

HELPERS = "tools/helpers.py"


def helper_findings(body: str, helpers: str, tmp_path) -> list:
    """Findings for a tool whose `_invoke` runs `body` and imports `helpers.py`'s functions."""
    source = HEAD.replace("from dify_plugin import Tool\n", "from dify_plugin import Tool\n\nfrom tools import helpers\n")
    files = {"tools/echo.py": source + textwrap.indent(textwrap.dedent(body), " " * 8), HELPERS: textwrap.dedent(helpers)}
    return lint_files(tmp_path, files, RESULT_CODES)


def test_stream_handed_to_another_module_is_followed_there(tmp_path):
    helpers = """\
        def collect(stream):
            text = ""
            for item in stream:
                message = item.delta.message
                text += message.content
            return text
    """
    (finding,) = helper_findings(llm() + "yield self.create_text_message(helpers.collect(response))\n", helpers, tmp_path)
    assert finding.code == "DPL501" and finding.path.endswith(HELPERS)
    (related,) = finding.related
    assert related.path.endswith("tools/echo.py") and related.span.start.line == OFFSET + 2 + 5  # two import lines more
    assert "helpers.collect" in related.message


def test_a_helper_that_narrows_or_reads_the_text_is_not_reported(tmp_path):
    helpers = """\
        def collect(stream):
            text = ""
            for item in stream:
                content = item.delta.message.content
                if isinstance(content, str):
                    text += content
                elif isinstance(content, list):
                    text += item.delta.message.get_text_content()
            return text

        def tidy(message):
            return message.get_text_content().strip()
    """
    body = llm() + (
        "yield self.create_text_message(helpers.collect(response))\n"
        "for chunk in response:\n    yield self.create_text_message(helpers.tidy(chunk.delta.message))\n"
    )
    assert helper_findings(body, helpers, tmp_path) == []


def test_content_narrowed_before_the_call_stays_narrowed(tmp_path):
    helpers = "def shout(text):\n    return text.upper()\n"
    safe = llm() + (
        "for chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, str):\n"
        "        yield self.create_text_message(helpers.shout(content))\n    elif isinstance(content, list):\n"
        "        yield self.create_text_message(chunk.delta.message.get_text_content())\n"
    )
    assert helper_findings(safe, helpers, tmp_path / "safe") == []
    unsafe = llm() + "for chunk in response:\n    yield self.create_text_message(helpers.shout(chunk.delta.message.content))\n"
    (finding,) = helper_findings(unsafe, helpers, tmp_path / "unsafe")
    assert finding.code == "DPL501" and finding.path.endswith(HELPERS) and "`.upper()`" in finding.message


def test_usage_and_stream_shape_misused_in_a_method(tmp_path):
    after = (
        "\n    def _tokens(self, usage):\n        return usage.total_tokens\n"
        "\n    def _answer(self, result):\n        return result.message.content\n"
    )
    body = llm() + (
        "for chunk in response:\n    yield self.create_variable_message('tokens', self._tokens(chunk.delta.usage))\n"
        "yield self.create_text_message(self._answer(response))\n"
    )
    source = HEAD + textwrap.indent(body, " " * 8) + after
    found_codes = sorted(d.code for d in lint_files(tmp_path, {"tools/echo.py": source}, RESULT_CODES))
    assert found_codes == ["DPL502", "DPL504"]
    checked = body.replace("self._tokens(chunk.delta.usage)", "self._tokens(chunk.delta.usage) if chunk.delta.usage else 0")
    checked = checked.replace("self._answer(response)", "'done'")
    source = HEAD + textwrap.indent(checked, " " * 8) + after
    assert lint_files(tmp_path / "checked", {"tools/echo.py": source}, RESULT_CODES) == []


def test_recursive_helpers_end(tmp_path):
    helpers = """\
        def walk(stream, depth=0):
            for item in stream:
                text = item.delta.message.content.strip()
                walk(stream, depth + 1)
                other(stream)
            return ""

        def other(stream):
            return walk(stream)
    """
    findings = helper_findings(llm() + "yield self.create_text_message(helpers.walk(response))\n", helpers, tmp_path)
    assert [(f.code, f.path.endswith(HELPERS), f.span.start.line) for f in findings] == [("DPL501", True, 3)]


# -- DPL706: what a tool yields, as the result analysis knows it -------------------------------------


def yields(body: str, tmp_path, stream: str | None = None) -> list:
    source = HEAD + textwrap.indent(textwrap.dedent(llm(stream) + body), " " * 8)
    return [
        (d.code, d.span.start.line - OFFSET) for d in lint_files(tmp_path, {"tools/echo.py": source}, ["DPL706", *RESULT_CODES])
    ]


@pytest.mark.parametrize(
    ("body", "stream", "expect"),
    [
        (
            "for chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, str):\n        yield content\n",
            None,
            [("DPL706", 8), ("DPL501", 7)],  # and the list is dropped
        ),
        ("for chunk in response:\n    yield chunk.delta.message.content\n", None, [("DPL706", 6)]),
        ("for chunk in response:\n    yield chunk\n", None, [("DPL706", 6)]),
        ("yield from response\n", None, [("DPL706", 5)]),
        ("yield response\n", "False", [("DPL706", 6)]),
        ("yield response.message.content\n", "False", [("DPL706", 6)]),
        ('yield self.session.model.summary.invoke(text="a", instruction="b")\n', None, [("DPL706", 5), ("DPL505", 1)]),
    ],
)
def test_yielding_what_is_not_a_message(body, stream, expect, tmp_path):
    assert yields(body, tmp_path, stream) == expect


@pytest.mark.parametrize(
    "body",
    [
        "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.get_text_content())\n",
        "for chunk in response:\n    content = chunk.delta.message.content\n    if isinstance(content, str):\n"
        "        yield self.create_text_message(content)\n    elif isinstance(content, list):\n"
        "        yield self.create_text_message(chunk.delta.message.get_text_content())\n",
        "yield from self._messages(response)\n",
    ],
)
def test_yielding_messages(body, tmp_path):
    assert yields(body, tmp_path) == []


def test_a_literal_yield_is_reported_once(tmp_path):
    assert yields('for chunk in response:\n    pass\nyield "done"\n', tmp_path) == [("DPL706", 7)]


def test_a_helper_generator_yielding_content_is_not_an_entry(tmp_path):
    after = "\n    def _texts(self, response):\n        for chunk in response:\n            yield chunk.delta.message.content\n"
    source = (
        HEAD
        + textwrap.indent(llm() + "for text in self._texts(response):\n    yield self.create_text_message(str(text))\n", " " * 8)
        + after
    )
    found_codes = [d.code for d in lint_files(tmp_path, {"tools/echo.py": source}, ["DPL706", *RESULT_CODES])]
    assert found_codes == ["DPL501"]  # the helper yields content as text; only `_invoke` must yield messages


def test_a_result_whose_mode_is_not_known_is_not_followed(tmp_path):
    after = (
        "\n    def _text(self, result, streaming):\n        if streaming:\n"
        "            return ''.join(c.delta.message.get_text_content() for c in result)\n"
        "        return result.message.content\n"
    )
    body = (
        llm("tool_parameters.get('stream', False)")
        + "yield self.create_text_message(self._text(response, tool_parameters.get('stream', False)))\n"
    )
    source = HEAD + textwrap.indent(body, " " * 8) + after
    assert lint_files(tmp_path, {"tools/echo.py": source}, RESULT_CODES) == []
