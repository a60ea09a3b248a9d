"""Reading a plugin's files safely: size caps, strict decoding, paths kept inside the root."""

from __future__ import annotations

import codecs
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Span
from .yamldoc import offset_span

#: Files larger than this are reported and not parsed (real plugin YAML stays under 100 kB).
MAX_YAML_BYTES = 2 * 1024 * 1024
#: libcst needs about 0.5 s per 200 kB; the largest official source is 195 kB.
MAX_PYTHON_BYTES = 1024 * 1024

_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass
class ReadProblem:
    code: str  # "DPL003" unreadable/undecodable, "DPL006" over a limit
    message: str
    span: Span


@dataclass
class TextFile:
    text: str | None
    problem: ReadProblem | None = None


def read_text(path: Path, limit: int, *, python: bool = False) -> TextFile:
    """Read and decode a file, or say in one diagnostic why it cannot be."""
    try:
        size = path.stat().st_size
        if size > limit:
            return TextFile(
                None,
                ReadProblem(
                    "DPL006",
                    f"file is {size / 1048576:.1f} MiB; files over {limit / 1048576:.0f} MiB are not parsed",
                    Span.file_start(),
                ),
            )
        data = path.read_bytes()
    except OSError as error:
        return TextFile(None, ReadProblem("DPL003", f"cannot read file: {error.strerror or error}", Span.file_start()))
    if len(data) > limit:  # grew between stat and read, or a special file
        return TextFile(None, ReadProblem("DPL006", "file is too large to parse", Span.file_start()))
    nul = data.find(b"\x00")
    if nul >= 0:
        return TextFile(None, ReadProblem("DPL003", "binary file (it contains NUL bytes)", _byte_span(data, nul)))
    encoding = _python_encoding(data) if python else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        return TextFile(None, ReadProblem("DPL003", f"unknown encoding `{encoding}` in the coding declaration", Span.file_start()))
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[3:], "utf-8"
    try:
        return TextFile(data.decode(encoding))
    except UnicodeDecodeError as error:
        return TextFile(
            None,
            ReadProblem(
                "DPL003",
                f"file is not valid {encoding.upper() if encoding.lower().startswith('utf') else encoding}"
                f" (byte 0x{data[error.start]:02x} at offset {error.start}); Dify reads it as UTF-8",
                _byte_span(data, error.start),
            ),
        )


def _python_encoding(data: bytes) -> str:
    """The PEP 263 coding cookie of the first two lines, or UTF-8."""
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace").lower()
            return "utf-8" if name in ("utf-8-sig", "utf_8") else name
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    return "utf-8"


def _byte_span(data: bytes, offset: int) -> Span:
    prefix = data[:offset].decode("utf-8", "replace")
    return offset_span(prefix + "?", len(prefix))


# -- paths taken from YAML ------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A path written in a plugin's YAML, checked against the plugin root."""

    written: str
    relative: str | None  # normalised, "/" separated, when inside the root
    absolute: Path | None
    problem: str | None = None  # why it may not be read

    @property
    def exists(self) -> bool:
        return self.absolute is not None and self.absolute.exists()

    @property
    def is_file(self) -> bool:
        return self.absolute is not None and self.absolute.is_file()


def resolve_inside(root: Path, written: str) -> Resolved:
    """Resolve `written` against the plugin root without ever leaving it."""
    text = written.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return Resolved(written, None, None, "is an absolute path; paths in a plugin are relative to its root")
    relative = posixpath.normpath(text)
    if relative == ".." or relative.startswith("../"):
        return Resolved(written, None, None, "points outside the plugin root")
    candidate = root.joinpath(*relative.split("/"))
    try:
        real = Path(os.path.realpath(candidate))
        real.relative_to(os.path.realpath(root))
    except ValueError:
        return Resolved(written, None, None, "is a symbolic link that points outside the plugin root")
    except OSError as error:  # e.g. a symlink loop
        return Resolved(written, None, None, f"cannot be resolved: {error.strerror or error}")
    return Resolved(written, relative, candidate)
