"""From a file's bytes to its text: size caps, strict UTF-8 (PEP 263 coding cookies for Python),
and one problem, with a position, when a file cannot be read."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..diagnostics import Span
from .fs import PluginFS, ReadFailure
from .text import PYTHON_BREAKS, YAML_BREAKS, offset_span

#: Files larger than this are reported and not parsed (real plugin YAML stays under 100 kB).
MAX_YAML_BYTES = 2 * 1024 * 1024
#: The largest official source is 195 kB.
MAX_PYTHON_BYTES = 1024 * 1024
#: Other text files the rules read: ignore files, requirements.txt, pyproject.toml.
MAX_TEXT_BYTES = 1024 * 1024

_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass
class ReadProblem:
    """Why a file's text is not available. `limit`: over a cap, rather than unreadable."""

    message: str
    span: Span
    limit: bool = False


@dataclass
class TextFile:
    text: str | None
    problem: ReadProblem | None = None


def read_text(fs: PluginFS, relative: str, limit: int, *, python: bool = False) -> TextFile:
    """Read and decode a file of the plugin, or say in one problem why it cannot be."""
    try:
        data = fs.read(relative, limit)
    except ReadFailure as failure:
        return TextFile(None, ReadProblem(failure.message, Span.file_start(), failure.limit))
    return decode(data, python=python)


def decode(data: bytes, *, python: bool = False) -> TextFile:
    nul = data.find(b"\x00")
    if nul >= 0:
        return TextFile(None, ReadProblem("binary file (it contains NUL bytes)", _byte_span(data, nul, python)))
    encoding = python_encoding(data) if python else "utf-8"
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        return TextFile(None, ReadProblem(f"unknown encoding `{encoding}` in the coding declaration", Span.file_start()))
    if not getattr(codec, "_is_text_encoding", True):  # rot13, hex, zlib: Python refuses them as source encodings
        return TextFile(None, ReadProblem(f"`{encoding}` in the coding declaration is not a text encoding", Span.file_start()))
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[3:], "utf-8"
    try:
        return TextFile(data.decode(encoding))
    except UnicodeDecodeError as error:
        name = encoding.upper() if encoding.lower().startswith("utf") else encoding
        return TextFile(
            None,
            ReadProblem(
                f"file is not valid {name} (byte 0x{data[error.start]:02x} at offset {error.start}); Dify reads it as UTF-8",
                _byte_span(data, error.start, python),
            ),
        )
    except UnicodeError as error:  # a codec that refuses to decode at all (`undefined`)
        return TextFile(None, ReadProblem(f"cannot decode the file as `{encoding}`: {error}", Span.file_start()))


def python_encoding(data: bytes) -> str:
    """The PEP 263 coding cookie of the first two lines, or UTF-8."""
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace").lower()
            return "utf-8" if name in ("utf-8-sig", "utf_8") else name
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    return "utf-8"


def _byte_span(data: bytes, offset: int, python: bool) -> Span:
    prefix = data[:offset].decode("utf-8", "replace")
    return offset_span(prefix + "?", len(prefix), PYTHON_BREAKS if python else YAML_BREAKS)
