"""DPL506 tts-result-as-bytes."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.rule import Example

from ._common import ResultRule, tool


class TtsResultAsBytes(ResultRule):
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
        Example(
            tool(
                """\
        audio = self.session.model.tts.invoke(
            model_config=TTSModelConfig(**tool_parameters["model"], voice="alloy"),
            content_text=tool_parameters["text"],
        )
        yield self.create_blob_message(audio, meta={"mime_type": "audio/mpeg"})
""",
                "from dify_plugin.entities.model.tts import TTSModelConfig\n",
            ),
            expect=(
                (
                    "tools/echo.py:15:40-15:45",
                    '`audio` is what `session.model.tts.invoke` returns, a generator of audio chunks, not bytes: `create_blob_message()` needs bytes; collect the audio first: `audio = b"".join(...)`',
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                """\
        audio = b"".join(
            self.session.model.tts.invoke(
                model_config=TTSModelConfig(**tool_parameters["model"], voice="alloy"),
                content_text=tool_parameters["text"],
            )
        )
        yield self.create_blob_message(audio, meta={"mime_type": "audio/mpeg"})
""",
                "from dify_plugin.entities.model.tts import TTSModelConfig\n",
            )
        ),
    )

    #: how the generator is used -> what then happens
    CONSEQUENCES = {
        "len": "raises TypeError (a generator has no length)",
        "add": "raises TypeError",
        "attribute": "raises AttributeError",
        "argument": "needs bytes",
    }

    def render(self, fact: object) -> str:
        assert isinstance(fact, facts.TtsAsBytes)
        return (
            f"`{fact.label}` is what `session.model.tts.invoke` returns, a generator of audio chunks, not"
            f' bytes: {fact.use} {self.CONSEQUENCES[fact.how]}; collect the audio first: `audio = b"".join(...)`'
        )
