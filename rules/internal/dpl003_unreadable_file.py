"""DPL003 unreadable-file."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import READ_FILES
from dify_lint.examples import base_file
from dify_lint.rule import Example, Finding, Rule

from ._common import read_problems

_CAFE_YAML = base_file("tools/echo.yaml").replace("en_US: Echo", "en_US: Caf\xe9")


class UnreadableFile(Rule):
    code = "DPL003"
    name = "unreadable-file"
    summary = "A file Dify reads cannot be read or is not UTF-8 text"
    explanation = """
    Dify reads YAML as UTF-8 (a byte-order mark is accepted). A file in another encoding, a binary
    file, or one that cannot be opened fails at packaging or start-up. Python sources may declare
    another encoding with a PEP 263 coding comment. dify-lint opens regular files only: a FIFO, a
    device or a symbolic link that leads outside the plugin is reported here and never read.
    """
    requires = (READ_FILES,)
    invalid = (
        Example(
            {"tools/echo.yaml": _CAFE_YAML.encode("latin-1")},
            note="The file is written in Latin-1.",
            expect=(("tools/echo.yaml:5:15-5:16", "file is not valid UTF-8 (byte 0xe9 at offset 64); Dify reads it as UTF-8"),),
        ),
    )
    valid = (Example({"tools/echo.yaml": _CAFE_YAML}, note="The same file written in UTF-8."),)

    def check(self, ctx) -> Iterable[Finding]:
        return read_problems(ctx.get(READ_FILES), limit=False)
