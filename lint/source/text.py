"""Lines and columns of a text: where each line starts, and the conversions between offsets,
1-based positions and the UTF-8 byte columns Python's `ast` reports.

The line breaks are those of the file's own parser, so that positions agree with it: Python's
tokenizer breaks lines at `\\r\\n`, `\\r` and `\\n`; YAML (libyaml) also at U+0085, U+2028 and
U+2029. `str.splitlines` breaks at more (form feed, vertical tab...) and would shift lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, count, repeat
from operator import add

from ..diagnostics import Position, Span

PYTHON_BREAKS = re.compile(r"\r\n|\r|\n")
YAML_BREAKS = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
#: the breaks of each pattern other than `\n`
_BREAKS_BUT_NEWLINE = {PYTHON_BREAKS: re.compile("\r"), YAML_BREAKS: re.compile("[\r\x85\u2028\u2029]")}


class LineIndex:
    """Where each line of `text` starts; built once per file, on the first position asked for."""

    __slots__ = ("text", "starts", "_ends")

    def __init__(self, text: str, breaks: re.Pattern = PYTHON_BREAKS):
        self.text = text
        other = _BREAKS_BUT_NEWLINE.get(breaks)
        if other is not None and other.search(text) is None:
            # only `\n` breaks lines, as in nearly every file: the lengths of `split`'s pieces
            # give the same starts and ends without a match object per line
            ends = list(map(add, accumulate(map(len, text.split("\n"))), count()))
            self.starts = [0, *map(add, ends[:-1], repeat(1))]
            self._ends = ends
            return
        starts = [0]
        ends = []
        for match in breaks.finditer(text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        self.starts = starts
        self._ends = ends

    @property
    def count(self) -> int:
        return len(self.starts)

    def line(self, number: int) -> str | None:
        """The text of a 1-based line, without its line break; None past the end."""
        if not 0 < number <= len(self.starts):
            return None
        return self.text[self.starts[number - 1] : self._ends[number - 1]]

    def position(self, offset: int) -> Position:
        """The 1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect_right(self.starts, offset) - 1
        return Position(index + 1, offset - self.starts[index] + 1)

    def offset(self, position: Position) -> int:
        """The character offset of a 1-based position (clamped to its line)."""
        index = max(0, min(position.line, len(self.starts)) - 1)
        return min(self.starts[index] + position.column - 1, self._ends[index])

    def column(self, line: int, utf8_offset: int) -> int:
        """The 1-based character column of a UTF-8 byte offset into a 1-based line (ast columns)."""
        text = self.line(line) or ""
        if text.isascii():
            return utf8_offset + 1
        return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", "replace")) + 1


def offset_span(text: str, offset: int, breaks: re.Pattern = YAML_BREAKS) -> Span:
    """The span of one character at a character offset into `text`."""
    return Span.point(*_astuple(LineIndex(text, breaks).position(offset)))


def _astuple(position: Position) -> tuple[int, int]:
    return position.line, position.column
