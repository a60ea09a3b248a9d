"""A Python source of the plugin, parsed once with the stdlib `ast`.

`ast` knows only the grammar of the Python running dify-lint. When it refuses a file, libcst,
which parses Python 3.12 syntax on any interpreter, decides whether the file is newer grammar
(`newer_grammar`: no syntax error, and no analysis either, since the rest of dify-lint reads `ast`
trees) or really broken (`syntax_error`, with `ast`'s own message and position).
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from ..diagnostics import Span
from ..source.content import ContentCache, content_digest
from ..source.text import LineIndex
from .nodefields import CHILD_FIELDS, has_context


@dataclass(frozen=True)
class PySyntaxError:
    message: str
    span: Span
    limit: bool = False  # too deep or too long to parse, rather than wrong


#: libcst's native parser overflows the C stack (a crash, not an exception) on input nested far
#: deeper than real code; such input never reaches it.
MAX_BRACKET_DEPTH = 100
MAX_LINE_LENGTH = 20_000
#: Syntax trees nested deeper than this are not analysed (the analyses walk them recursively); the
#: deepest module of the official plugins is 101 levels deep, the median 11.
MAX_TREE_DEPTH = 250


class PyModule:
    """One Python file: its text, its `ast` tree (None when it does not parse with this
    interpreter), and where its lines start."""

    __slots__ = ("path", "text", "digest", "tree", "syntax_error", "newer_grammar", "_lines", "__weakref__")

    def __init__(self, path: str, text: str, digest: str | None = None):
        self.path = path  # relative to the plugin root
        self.text = text
        self.digest = digest or content_digest(text)
        self.tree: ast.Module | None = None
        self.syntax_error: PySyntaxError | None = None
        self.newer_grammar = False
        self._lines: LineIndex | None = None
        self._parse()

    def __repr__(self) -> str:
        return f"<PyModule {self.path}>"

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def _parse(self) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to print
                tree = ast.parse(self.text)
            if deeper_than(tree, MAX_TREE_DEPTH):
                self.syntax_error = PySyntaxError(
                    f"Python source is nested more than {MAX_TREE_DEPTH} levels deep; it is not analysed",
                    Span.file_start(),
                    limit=True,
                )
                return
            self.tree = tree
            return
        except SyntaxError as error:
            # keep the facts, not the exception: its traceback would keep every caller's frame alive
            message, line, column = error.msg or "", max(1, error.lineno or 1), max(1, error.offset or 1)
        except (RecursionError, MemoryError):
            self.syntax_error = PySyntaxError("Python source is nested too deeply to parse", Span.file_start(), limit=True)
            return
        except ValueError as error:  # e.g. NUL bytes, refused earlier when the file was read
            self.syntax_error = PySyntaxError(f"Python source could not be parsed: {error}", Span.file_start())
            return
        error = PySyntaxError(f"Python syntax error: {message}", Span.point(line, column))
        if "too many nested" in message or not _safe_for_libcst(self.text):
            self.syntax_error = error
        elif _newer_grammar(self.text):
            self.newer_grammar = True
        else:
            self.syntax_error = error


#: how much deeper an expression on one line can be than twice its width (f-strings before Python
#: 3.12 give a value and its format spec the width of the whole string)
_WIDTH_SLACK = 16


def deeper_than(tree: ast.AST, limit: int) -> bool:
    """Whether the tree is nested more than `limit` levels deep, without walking most of it
    (tests compare it with a walk of every node). Below a statement or expression written on one
    line, each level takes a character of its own or is one of the nodes written with none (a
    context, `arguments`, a comprehension, the `Expr` around a call), so it is at most about twice
    as deep as it is wide (a decorated def is walked: its decorators are on the lines above it).
    Every parsed file goes through this; most of a module's nodes are in short lines."""
    stack = [(tree, 1)]
    pop, push, node_type, fields, list_type = stack.pop, stack.append, ast.AST, CHILD_FIELDS, list
    while stack:
        node, depth = pop()
        if depth > limit:
            return True
        depth += 1  # of its children
        if depth > limit and has_context(node.__class__):  # its `ctx` marker, one level below
            return True
        room = limit - depth - _WIDTH_SLACK
        for name in fields[node.__class__]:
            value = getattr(node, name, None)
            if value is None:
                continue
            for child in value if value.__class__ is list_type else (value,):
                # a child on one line, narrow enough, is not pushed (`end_lineno`: statements too)
                last = getattr(child, "end_lineno", None)
                if (
                    last is not None
                    and last == child.lineno
                    and 2 * ((child.end_col_offset or 0) - child.col_offset) <= room
                    and not getattr(child, "decorator_list", None)
                ):
                    continue
                if isinstance(child, node_type):
                    push((child, depth))
    return False


def _safe_for_libcst(text: str) -> bool:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_BRACKET_DEPTH:
        return False
    return all(len(line) <= MAX_LINE_LENGTH for line in text.splitlines())


def _newer_grammar(text: str) -> bool:
    """Whether libcst, which knows Python up to 3.12, parses what this interpreter's `ast` refused."""
    import libcst  # imported here: it costs half a second and a run rarely needs it

    try:
        libcst.parse_module(text)
    except Exception:  # a syntax error, or libcst's native parser failing on exotic input
        return False
    except RecursionError:  # pragma: no cover - guarded by _safe_for_libcst
        return False
    return True


class ModuleCache(ContentCache):
    """Parsed modules and what was computed from them alone (module analyses), by path and content
    digest (`dify_lint.source.content`)."""

    def module(self, path: str, text: str) -> PyModule:
        digest = content_digest(text)
        return self.built(path, digest, lambda: PyModule(path, text, digest))

    def analysis(self, name: str, module: PyModule, compute: Callable[[], Any]) -> Any:
        """The result of the module analysis `name` for `module`, computed once."""
        return self.derived(name, module.path, module.digest, module, compute)
