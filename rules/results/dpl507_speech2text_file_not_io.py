"""DPL507 speech2text-file-not-io."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.rule import Example

from ._common import ResultRule, tool


class Speech2TextFileNotIo(ResultRule):
    code = "DPL507"
    name = "speech2text-file-not-io"
    key = "s2t"
    summary = "`session.model.speech2text.invoke` is given bytes or a path instead of a file object"
    explanation = """
    `speech2text.invoke(model_config, file)` reads the audio with `file.read()` (and sends it
    hex-encoded), so `file` must be a binary file object. Bytes raise AttributeError ('bytes'
    object has no attribute 'read') when the call is made: a literal, `File.blob`,
    `storage.get(...)`, `text.encode()`, `base64.b64decode(...)`, an HTTP response's `.content`,
    `open(path, "rb").read()`, or a variable holding one of these. Wrap them in
    `io.BytesIO(...)`. A path string fails the same way: open it with `open(path, "rb")` and pass
    the file.
    """
    invalid = (
        Example(
            tool(
                """\
        audio = tool_parameters["audio"].blob
        text = self.session.model.speech2text.invoke(
            model_config=Speech2TextModelConfig(**tool_parameters["model"]), file=audio
        )
        yield self.create_text_message(text)
""",
                "from dify_plugin.entities.model.speech2text import Speech2TextModelConfig\n",
            ),
            expect=(
                (
                    "tools/echo.py:13:83-13:88",
                    "`audio` is bytes, but `session.model.speech2text.invoke` calls `file.read()` on it (AttributeError: 'bytes' object has no attribute 'read'); pass a file object: `io.BytesIO(audio)`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                """\
        audio = io.BytesIO(tool_parameters["audio"].blob)
        text = self.session.model.speech2text.invoke(
            model_config=Speech2TextModelConfig(**tool_parameters["model"]), file=audio
        )
        yield self.create_text_message(text)
""",
                "import io\nfrom dify_plugin.entities.model.speech2text import Speech2TextModelConfig\n",
            )
        ),
    )

    def render(self, fact: object) -> str:
        assert isinstance(fact, facts.Speech2TextNotFile)
        if fact.is_bytes:
            return (
                f"`{fact.label}` is bytes, but `session.model.speech2text.invoke` calls `file.read()` on it"
                f" (AttributeError: 'bytes' object has no attribute 'read'); pass a file object: `io.BytesIO({fact.label})`"
            )
        return (
            f"`{fact.label}` is a str (a path?), but `session.model.speech2text.invoke` needs a file object"
            ' and calls `file.read()` (AttributeError); open it: `with open(path, "rb") as f:` and pass `f`'
        )
