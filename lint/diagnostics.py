"""The finding a rule reports, and where it points."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Position:
    """1-based line and column, as editors and `path:line:col` show them."""

    line: int
    column: int


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(Position(line, column), Position(line, column + 1))

    @classmethod
    def file_start(cls) -> "Span":
        return cls.point(1, 1)


@dataclass(frozen=True)
class Related:
    """The other side of a cross-file finding, e.g. the YAML key behind a Python call."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Edit:
    """Replace the characters `start:end` of a file's decoded text (after any byte order mark)
    with `replacement`; `start == end` inserts. Line breaks in `replacement` are written as `\n`
    and become the file's own. The positions, when known, are where `start` and `end` fall."""

    path: str
    start: int  # character offsets into the file's text (not bytes)
    end: int
    replacement: str
    location: Position | None = None
    end_location: Position | None = None


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: str = "safe"  # "safe": the meaning is kept; "unsafe": it may change


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    path: str  # relative to the working directory when possible, with "/" separators
    span: Span
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    plugin: str = ""  # plugin root the finding belongs to
    url: str = ""
    line_text: str | None = None  # the source line at span.start, for code frames

    def sort_key(self) -> tuple:
        return (self.path, self.span.start.line, self.span.start.column, self.code, self.message)
