"""Lines and columns: the line breaks of each parser, and ast's UTF-8 byte columns as characters."""

from __future__ import annotations

import ast

from dify_lint.diagnostics import Position
from dify_lint.source.text import PYTHON_BREAKS, YAML_BREAKS, LineIndex, offset_span


def test_python_lines_break_where_the_tokenizer_breaks_them():
    text = "a = 1\r\nb = 2\rc = 3\x0cd\nlast"
    index = LineIndex(text, PYTHON_BREAKS)
    assert [index.line(n) for n in range(1, 5)] == ["a = 1", "b = 2", "c = 3\x0cd", "last"]
    assert index.line(5) is None and index.line(0) is None
    tree = ast.parse("x = 1\r\ny = 2\rz = 'é'\n")
    assert [n.lineno for n in tree.body] == [1, 2, 3]


def test_yaml_lines_also_break_at_unicode_line_separators():
    index = LineIndex("a: 1\u2028b: 2\x85c: 3\n", YAML_BREAKS)
    assert [index.line(n) for n in (1, 2, 3)] == ["a: 1", "b: 2", "c: 3"]


def test_positions_and_offsets_round_trip():
    text = "first\nsécond\nthird"
    index = LineIndex(text)
    for offset in range(len(text)):
        assert index.offset(index.position(offset)) == offset
    assert index.position(7) == Position(2, 2)


def test_utf8_byte_columns_become_character_columns():
    source = 'x = "héllo" + émoji\n'
    node = ast.parse(source).body[0].value.right  # the name after the string
    index = LineIndex(source)
    assert source.index("émoji") == 14 and node.col_offset == 15  # ast counts bytes: é is two of them
    assert index.column(1, node.col_offset) == 15  # the 1-based character column of offset 14


def test_offset_span_points_at_one_character():
    span = offset_span("a\nbc", 3)
    assert (span.start.line, span.start.column, span.end.column) == (2, 2, 3)


def test_lines_split_at_newlines_alone_agree_with_the_breaks_pattern():
    """The `\\n`-only shortcut gives the starts and ends the full pattern gives, on every input
    text the repository holds and on the edge cases; a text with another break takes the pattern."""
    import re

    from helpers import python_texts, yaml_texts

    same_python = re.compile("(?:" + PYTHON_BREAKS.pattern + ")")  # equal, but not the table's key
    same_yaml = re.compile("(?:" + YAML_BREAKS.pattern + ")")
    texts = ["", "a", "\n", "\n\n", "a\nb", "a\nb\n", "é\n\nü", "a\r\nb\rc\n", "a\u2028b\x85c\n"]
    texts += [*python_texts().values(), *yaml_texts().values()]
    for text in texts:
        for breaks, same in ((PYTHON_BREAKS, same_python), (YAML_BREAKS, same_yaml)):
            fast, slow = LineIndex(text, breaks), LineIndex(text, same)
            assert (fast.starts, fast._ends) == (slow.starts, slow._ends), repr(text[:80])
