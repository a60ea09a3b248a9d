"""DPL003 unreadable-file."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from dify_lint.analysis.keys import READ_FILES
from dify_lint.analysis.reading import TEXT_FILES, ReadFiles, Refusal
from dify_lint.diagnostics import Severity, Span
from dify_lint.examples import base_file
from dify_lint.rule import Example, Finding, Rule

from ._common import read_problems

_CAFE_YAML = base_file("tools/echo.yaml").replace("en_US: Echo", "en_US: Caf\xe9")

_LINK_OUTSIDE = "is a symbolic link that points outside the plugin root"

#: why a package member was not read -> what Dify does with it
_REFUSED = {
    Refusal.CLIMBS_OUT: "climbs out of the package with `..`; it was not read, and the daemon stops unpacking the plugin"
    ' with "illegal file path in plugin package"',
    Refusal.ABSOLUTE: "has an absolute name; it was not read, and the daemon cannot unpack it into the plugin",
    Refusal.LINK: "is a symbolic link stored in the package; it was not followed, and the daemon unpacks it as a plain"
    " file holding the link's target path, so code that opens it reads that path instead of the file",
}


class UnreadableFile(Rule):
    code = "DPL003"
    name = "unreadable-file"
    summary = "A file Dify reads cannot be read or is not UTF-8 text, or a package member may not be read"
    grades = {
        Severity.ERROR: "a file Dify reads cannot be read, or a package member is named out of the package",
        Severity.WARNING: "a package holds a symbolic link that nothing Dify loads reads: it is unpacked as a plain"
        " file holding the link's target path; or requirements.txt, pyproject.toml, README.md or an ignore file is a"
        " symbolic link out of the plugin, which `dify plugin package` follows but dify-lint does not read",
    }
    explanation = """
    Dify reads YAML as UTF-8 (a byte-order mark is accepted). A file in another encoding, a binary
    file, or one that cannot be opened fails at packaging or start-up. Python sources may declare
    another encoding with a PEP 263 coding comment. dify-lint opens regular files only: a FIFO, a
    device or a symbolic link that leads outside the plugin is reported here and never read; so
    are requirements.txt, pyproject.toml, README.md and the ignore files when they cannot be read.

    In a `.difypkg`, a member named with `..` or an absolute path is never read (the daemon fails
    to unpack such a package), and a symbolic link stored in the zip is never followed: the daemon
    unpacks it as a plain file holding the link's target path. A package that is not a zip archive
    at all is reported here too.
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
        files = ctx.get(READ_FILES)
        for finding in read_problems(files, limit=False):
            if finding.path in TEXT_FILES and finding.message.startswith(_LINK_OUTSIDE):
                # the packager reads through the link; only what dify-lint can say about it is lost
                yield replace(
                    finding,
                    message=f"{finding.message}, so dify-lint does not check it (`dify plugin package` follows the link)",
                    severity=Severity.WARNING,
                )
            else:
                yield finding
        yield from _refused_members(files)


def _refused_members(files: ReadFiles) -> Iterator[Finding]:
    for name, why in files.refused:
        severity = Severity.WARNING if why is Refusal.LINK else None
        yield Finding(name, Span.file_start(), f"the package member `{name}` {_REFUSED[why]}", severity)
