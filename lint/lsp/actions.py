"""The edits of code actions, as character offsets into a file's text: a finding's own fix, and a
comment that silences the finding on its line (`# dify-lint: ignore[DPL201]`, see
`dify_lint.suppression`). The server turns them into the protocol's workspace edits."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..suppression import INTERNAL_ERROR, parse_directives, yaml_scalars
from .positions import DocumentPositions


@dataclass(frozen=True)
class TextChange:
    path: str  # as the diagnostics show it (absolute in the server)
    start: int  # character offsets into the file's text
    end: int
    replacement: str


def fix_changes(diagnostic: Diagnostic) -> list[TextChange]:
    """The edits of the finding's fix (none when it has none)."""
    if diagnostic.fix is None:
        return []
    return [TextChange(edit.path, edit.start, edit.end, edit.replacement) for edit in diagnostic.fix.edits]


def suppress_change(diagnostic: Diagnostic, positions: DocumentPositions) -> TextChange | None:
    """The edit that silences `diagnostic` on its line: its code added to a `# dify-lint: ignore[...]`
    or `# noqa: ...` already there, or a new comment at the end of the line. None where a comment
    cannot go (the line ends inside a string or a YAML scalar, or continues with a backslash) or
    would not work (an internal error is silenced only file-wide)."""
    if diagnostic.code == INTERNAL_ERROR:
        return None
    path = diagnostic.path
    if not path.endswith((".yaml", ".yml", ".py")):
        return None
    python = path.endswith(".py")
    line = diagnostic.span.start.line
    text = positions.linter.line(line)
    if text is None:
        return None
    start = positions.linter.starts[line - 1]
    end = positions.line_end(line)
    directives = parse_directives(positions.text, "python" if python else "yaml").by_line.get(line, [])
    for directive in directives:
        if directive.style in ("ignore", "noqa") and directive.tokens:
            last = directive.tokens[-1].span.end
            at = start + last.column - 1
            return TextChange(path, at, at, f", {diagnostic.code}")
    if text.rstrip().endswith("\\") or _inside_a_literal(positions.text, end, line, len(text), python):
        return None
    trimmed = start + len(text.rstrip())
    if trimmed == start:  # an empty line: nothing to silence on it
        return None
    return TextChange(path, trimmed, end, f"  # dify-lint: ignore[{diagnostic.code}]")


def _inside_a_literal(text: str, offset: int, line: int, column: int, python: bool) -> bool:
    """Whether the end of a line lies inside a string (Python) or a scalar (YAML) that goes on."""
    if not python:
        return any(start <= offset < end for start, end in yaml_scalars(text))
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING or token.type in _FSTRING_PARTS:
                if token.start < (line, column) < token.end or (token.start[0] <= line < token.end[0]):
                    return True
            if token.start[0] > line:
                break
    except (tokenize.TokenError, SyntaxError, IndexError):
        return True  # cannot tell: better no action than a broken file
    return False


_FSTRING_PARTS = {
    getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)
}
