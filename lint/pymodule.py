"""A Python source of the plugin, parsed only as deeply as a rule needs.

* `syntax_error` and `outline` (module-level classes and imports) come from the stdlib `ast`,
  about fifteen times faster than libcst. When `ast` rejects a file (it only knows the syntax of
  the Python running dify-lint), libcst decides, since it parses Python 3.12 syntax on any
  interpreter; only if libcst rejects it too is it a syntax error.
* `tree` is the libcst module, built the first time a rule asks for it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Span
from .source.text import LineIndex


@dataclass
class PySyntaxError:
    message: str
    span: Span
    limit: bool = False  # too deep or too long to parse, rather than wrong


#: libcst's native parser overflows the C stack (a crash, not an exception) on input nested far
#: deeper than real code; such input never reaches it.
MAX_BRACKET_DEPTH = 100
MAX_LINE_LENGTH = 20_000


@dataclass(frozen=True)
class ImportBinding:
    """A module-level name bound by an import: `from .base import A as B` -> B: (".base", "A")."""

    module: str  # with leading dots for relative imports
    name: str | None  # None for `import a.b`


@dataclass(frozen=True)
class ClassOutline:
    name: str
    bases: tuple[str, ...]  # dotted names; "" for a base that is not a plain name
    line: int
    column: int


@dataclass
class ModuleOutline:
    classes: list[ClassOutline] = field(default_factory=list)
    imports: dict[str, ImportBinding] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)


@dataclass
class PyModule:
    path: str  # relative to the plugin root
    text: str
    _ast: Any = field(default=None, repr=False)
    _cst: Any = field(default=None, repr=False)
    _cst_done: bool = field(default=False, repr=False)
    _error: PySyntaxError | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)
    _outline: ModuleOutline | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        index = self.__dict__.get("_lines")
        if index is None:
            index = self.__dict__["_lines"] = LineIndex(self.text)
        return index

    @property
    def syntax_error(self) -> PySyntaxError | None:
        self._check()
        return self._error

    @property
    def ast(self) -> ast.Module | None:
        """The stdlib ast, or None when the source does not parse with this interpreter's grammar."""
        self._check()
        return self._ast

    @property
    def tree(self) -> Any:
        """The libcst Module, or None when the source does not parse."""
        self._check()
        if self._error is None and not self._cst_done:
            self._parse_cst()
        return self._cst

    @property
    def outline(self) -> ModuleOutline | None:
        """Module-level classes and imports, or None when the source does not parse."""
        if self._outline is None:
            self._check()
            if self._error is not None:
                return None
            if self._ast is not None:
                self._outline = _outline_from_ast(self._ast)
            elif self.tree is not None:
                self._outline = _outline_from_cst(self.tree)
        return self._outline

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        try:
            self._ast = ast.parse(self.text)
            return
        except SyntaxError as error:
            first = error
        except (RecursionError, MemoryError):
            self._error = PySyntaxError("Python source is nested too deeply to parse", Span.file_start(), limit=True)
            return
        except ValueError as error:  # e.g. NUL bytes, caught earlier when reading the file
            self._error = PySyntaxError(f"Python source could not be parsed: {error}", Span.file_start())
            return
        if "too many nested" in (first.msg or "") or not _safe_for_libcst(self.text):
            line = max(1, first.lineno or 1)
            self._error = PySyntaxError(f"Python syntax error: {first.msg}", Span.point(line, max(1, first.offset or 1)))
            return
        self._parse_cst()
        if self._cst is not None:
            return  # syntax newer than this interpreter knows
        if isinstance(first, SyntaxError):
            line = max(1, first.lineno or 1)
            column = max(1, first.offset or 1)
            self._error = PySyntaxError(f"Python syntax error: {first.msg}", Span.point(line, column))
        elif self._error is None:
            self._error = PySyntaxError("Python source could not be parsed", Span.file_start())

    def _parse_cst(self) -> None:
        if self._cst_done:
            return
        self._cst_done = True
        if not _safe_for_libcst(self.text):
            return  # the stdlib may accept it (Python 3.10 does), but libcst would crash the process
        import libcst  # imported here: it costs half a second and most runs never need it

        try:
            self._cst = libcst.parse_module(self.text)
        except libcst.ParserSyntaxError as error:
            self._error = PySyntaxError(
                f"Python syntax error: {str(error.message).splitlines()[0]}",
                Span.point(max(1, error.raw_line), error.raw_column + 1),
            )
        except (RecursionError, MemoryError):
            self._error = PySyntaxError("Python source is nested too deeply to parse", Span.file_start())
        except Exception as error:  # libcst's native parser can fail on exotic input
            self._error = PySyntaxError(f"Python source could not be parsed: {error}", Span.file_start())


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


# -- outlines ------------------------------------------------------------------------------


def _dotted_ast(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted_ast(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if isinstance(node, ast.Subscript):  # Generic[T] and the like
        return _dotted_ast(node.value)
    return ""


def _outline_from_ast(module: ast.Module) -> ModuleOutline:
    outline = ModuleOutline()
    pending = list(module.body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.ClassDef):
            bases = tuple(_dotted_ast(b) for b in statement.bases)
            outline.classes.append(ClassOutline(statement.name, bases, statement.lineno, statement.col_offset + 1))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            outline.functions.add(statement.name)
        elif isinstance(statement, ast.ImportFrom):
            module_name = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                if alias.name != "*":
                    outline.imports[alias.asname or alias.name] = ImportBinding(module_name, alias.name)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    outline.imports[alias.asname] = ImportBinding(alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    outline.imports[top] = ImportBinding(top, None)
        elif isinstance(statement, (ast.If, ast.Try, ast.With)):
            # module-level blocks still bind module-level names
            for block in ("body", "orelse", "finalbody"):
                pending[0:0] = list(getattr(statement, block, []) or [])
            for handler in getattr(statement, "handlers", []) or []:
                pending[0:0] = list(handler.body)
    return outline


def _outline_from_cst(module: Any) -> ModuleOutline:
    import libcst as cst

    def dotted(node: Any) -> str:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, cst.Attribute):
            inner = dotted(node.value)
            return f"{inner}.{node.attr.value}" if inner else ""
        if isinstance(node, cst.Subscript):
            return dotted(node.value)
        return ""

    outline = ModuleOutline()
    # positions without the metadata machinery: count lines of the code before each statement
    line = 1 + len(module.header) if hasattr(module, "header") else 1
    pending = [(stmt, True) for stmt in module.body]
    for statement, _ in pending:
        if isinstance(statement, cst.ClassDef):
            bases = tuple(dotted(arg.value) for arg in statement.bases)
            outline.classes.append(ClassOutline(statement.name.value, bases, line, 1))
        elif isinstance(statement, cst.FunctionDef):
            outline.functions.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    module_name = "." * len(small.relative) + (dotted(small.module) if small.module else "")
                    for alias in small.names:
                        name = dotted(alias.name)
                        local = alias.asname.name.value if alias.asname else name
                        outline.imports[local] = ImportBinding(module_name, name)
                elif isinstance(small, cst.Import):
                    for alias in small.names:
                        name = dotted(alias.name)
                        if alias.asname:
                            outline.imports[alias.asname.name.value] = ImportBinding(name, None)
                        else:
                            outline.imports[name.split(".")[0]] = ImportBinding(name.split(".")[0], None)
        line += module.code_for_node(statement).count("\n")
    return outline
