"""Positions as the Language Server Protocol counts them: 0-based lines broken only at `\\r\\n`,
`\\r` and `\\n`, and columns in UTF-16 code units (a character outside the Basic Multilingual
Plane, such as an emoji, counts two), unless the client asked for UTF-8 or UTF-32 ones.

The linter counts 1-based lines broken as the file's own parser breaks them (YAML also at U+0085,
U+2028 and U+2029) and columns in characters. A position goes through its character offset into
the text, so both ways of breaking lines agree on where it is.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..diagnostics import Position
from ..source.text import PYTHON_BREAKS, YAML_BREAKS, LineIndex

LSP_BREAKS = re.compile(r"\r\n|\r|\n")


def breaks_for(path: str) -> re.Pattern:
    """How the linter breaks the lines of a file: as its parser does."""
    return YAML_BREAKS if path.endswith((".yaml", ".yml")) else PYTHON_BREAKS


#: the position encodings a client may ask for (LSP 3.17); UTF-16 unless it asks
ENCODINGS = ("utf-16", "utf-8", "utf-32")


def units(text: str, encoding: str = "utf-16") -> int:
    """The length of `text` in the code units of a position encoding."""
    if text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _char_units(char: str, encoding: str) -> int:
    return units(char, encoding) if not char.isascii() else 1


class DocumentPositions:
    """Conversions between the linter's positions, character offsets and LSP positions, for one
    text (of a file whose name says how the linter breaks its lines)."""

    def __init__(self, text: str, path: str = "", encoding: str = "utf-16"):
        self.text = text
        self.encoding = encoding if encoding in ENCODINGS else "utf-16"
        self.linter = LineIndex(text, breaks_for(path))
        self._lsp = LineIndex(text, LSP_BREAKS)

    def offset(self, position: Position) -> int:
        """The character offset of a linter position (1-based line and character column)."""
        return self.linter.offset(position)

    def lsp(self, offset: int) -> tuple[int, int]:
        """The LSP (line, character in code units) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self._lsp.starts, offset) - 1
        start = self._lsp.starts[line]
        return line, units(self.text[start:offset], self.encoding)

    def lsp_of(self, position: Position) -> tuple[int, int]:
        return self.lsp(self.offset(position))

    def from_lsp(self, line: int, character: int) -> int:
        """The character offset of an LSP position (clamped to its line)."""
        if line < 0:
            return 0
        if line >= self._lsp.count:
            return len(self.text)
        text = self._lsp.line(line + 1) or ""
        counted = 0
        for index, char in enumerate(text):
            if counted >= character:
                return self._lsp.starts[line] + index
            counted += _char_units(char, self.encoding)
        return self._lsp.starts[line] + len(text)

    def line_end(self, line: int) -> int:
        """The character offset of the end of a 1-based linter line (before its break)."""
        text = self.linter.line(line)
        if text is None:
            return len(self.text)
        return self.linter.starts[line - 1] + len(text)
