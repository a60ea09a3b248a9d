"""Small readers of stdlib `ast` trees that every Python analysis shares: names, literals,
parameters, walks, and positions in characters (ast columns count UTF-8 bytes)."""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..diagnostics import Position, Span
from .module import PyModule
from .nodefields import CHILD_FIELDS

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)
ScopeNode = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
TryNode = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def dotted(node: ast.AST | None) -> str:
    """`a.b.c` for a chain of names, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def dotted_base(node: ast.AST | None) -> str:
    """Like `dotted`, reading through a subscript: `Generic[T]` gives `Generic`."""
    if isinstance(node, ast.Subscript):
        return dotted_base(node.value)
    if isinstance(node, ast.Attribute):
        inner = dotted_base(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return dotted(node)


def string_value(node: ast.AST | None) -> str | None:
    """The value of a plain string literal (adjacent literals joined; no f-string), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@dataclass(frozen=True)
class Param:
    """One parameter of a function: `kind` is "posonly", "positional" or "keyword"."""

    node: ast.arg
    default: ast.expr | None
    kind: str

    @property
    def name(self) -> str:
        return self.node.arg

    @property
    def annotation(self) -> ast.expr | None:
        return self.node.annotation


def parameters(function: ast.AST | None) -> list[Param]:
    """The named parameters of a function or lambda, in order (not *args or **kwargs)."""
    if function is None:
        return []
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    found = [
        Param(arg, default, "posonly" if index < len(args.posonlyargs) else "positional")
        for index, (arg, default) in enumerate(zip(positional, defaults))
    ]
    found.extend(Param(arg, default, "keyword") for arg, default in zip(args.kwonlyargs, args.kw_defaults))
    return found


def positional_parameters(function: ast.AST) -> list[Param]:
    return [p for p in parameters(function) if p.kind != "keyword"]


def star_parameters(function: ast.AST) -> list[ast.arg]:
    args: ast.arguments = function.args  # type: ignore[attr-defined]
    return [a for a in (args.vararg, args.kwarg) if a is not None]


def decorator_names(function: ast.AST) -> list[str]:
    """The dotted names of a def's decorators (`@x.y(...)` gives `x.y`)."""
    return [dotted(d.func if isinstance(d, ast.Call) else d) for d in getattr(function, "decorator_list", ())]


def children(node: ast.AST) -> list[ast.AST]:
    """The nodes directly below `node`, in field order: `ast.iter_child_nodes` as a list, without
    its two generators, the fields that never hold a node, or the `ctx` markers (`nodefields`)."""
    found: list[ast.AST] = []
    for name in CHILD_FIELDS[node.__class__]:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below and including `node`, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def own_nodes(function: ast.AST, lines: list[int] | None = None) -> Iterator[ast.AST]:
    """The nodes of a function's body (or a module's), in source order, without descending into
    nested functions, lambdas or classes; with `lines` (sorted, see `lines_with`), only the nodes
    that span one of them and what is below those."""
    stack = list(reversed(getattr(function, "body", [])))
    pop, node_type, scope, fields = stack.pop, ast.AST, ScopeNode, CHILD_FIELDS
    while stack:
        node = pop()
        if lines is not None and not spans_a_line(lines, node):
            continue
        yield node
        below: list[ast.AST] = []  # `children` without the scopes, inlined: every module goes through here
        for name in fields[node.__class__]:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                if not isinstance(value, scope):
                    below.append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type) and not isinstance(item, scope):
                        below.append(item)
        below.reverse()
        stack.extend(below)


def is_generator(function: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(function))


def target_names(target: ast.AST) -> list[str]:
    """The names an assignment target binds (`a`, `a, *b`, `[a, (b, c)]`); attributes and
    subscripts bind none."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in target_names(element)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


def only(statements: Iterable[ast.stmt], kinds: tuple) -> bool:
    """Whether a block holds at least one statement and only these kinds (e.g. Pass, Continue)."""
    found = False
    for statement in statements:
        if not isinstance(statement, kinds):
            return False
        found = True
    return found


def is_elif(module: PyModule, node: ast.If) -> bool:
    """Whether an `if` is the `elif` of the `if` around it (ast writes both as `orelse=[If]`)."""
    text = module.lines.line(node.lineno) or ""
    start = module.lines.column(node.lineno, node.col_offset) - 1
    return text.startswith("elif", start)


def else_block(module: PyModule, node: ast.If) -> list[ast.stmt] | None:
    """The statements of an `if`'s own `else:` (None when it has none, or continues with `elif`)."""
    if not node.orelse:
        return None
    if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and is_elif(module, node.orelse[0]):
        return None
    return node.orelse


def node_span(module: PyModule, node: ast.AST) -> Span:
    """The source range of a node, in 1-based lines and character columns."""
    line = getattr(node, "lineno", None)
    if line is None:
        return Span.file_start()
    lines = module.lines
    start = Position(line, lines.column(line, node.col_offset))  # type: ignore[attr-defined]
    end_line, end_offset = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_line is None or end_offset is None:
        return Span(start, Position(line, start.column + 1))
    return Span(start, Position(end_line, lines.column(end_line, end_offset)))


def node_offsets(module: PyModule, node: ast.AST) -> tuple[int, int] | None:
    """The character offsets of a node's source in the module's text, for an edit."""
    span = node_span(module, node)
    if getattr(node, "end_lineno", None) is None:
        return None
    return module.lines.offset(span.start), module.lines.offset(span.end)


def name_span(module: PyModule, node: ast.AST) -> Span:
    """`class Name` or `def name` of a definition, rather than its whole body."""
    span = node_span(module, node)
    keyword = "class " if isinstance(node, ast.ClassDef) else "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
    length = len(keyword) + len(getattr(node, "name", ""))
    return Span(span.start, Position(span.start.line, span.start.column + length))


def keyword_span(module: PyModule, keyword: ast.keyword) -> Span:
    """The name of a keyword argument (`stream` in `stream=True`)."""
    span = node_span(module, keyword)
    return Span(span.start, Position(span.start.line, span.start.column + len(keyword.arg or "")))


def source_text(module: PyModule, node: ast.AST) -> str:
    """The source text of a node (without the parentheses around it)."""
    span = node_span(module, node)
    if getattr(node, "lineno", None) is None:
        return ""
    lines = module.lines
    return module.text[lines.offset(span.start) : lines.offset(span.end)]


def short_text(module: PyModule, node: ast.AST, limit: int = 60) -> str:
    """A node's source on one line, cut at `limit` characters, for messages."""
    text = " ".join(source_text(module, node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name_text(node: ast.AST | None) -> str:
    """`dotted`, and the names of the constants None, True, False and `...` (ast writes them as
    constants, people as names)."""
    if isinstance(node, ast.Constant) and (node.value is None or node.value is True or node.value is False):
        return repr(node.value)
    return dotted(node)


@dataclass(frozen=True)
class Arg:
    """One argument of a call, in source order: `keyword` for `k=v`, `star` "*" or "**" for spreads."""

    value: ast.expr
    keyword: str | None = None
    star: str = ""
    node: ast.AST | None = None  # the ast.keyword of a keyword argument


def call_arguments(call: ast.Call) -> list[Arg]:
    """A call's arguments as written, positional and keyword interleaved in source order."""
    found: list[tuple[tuple[int, int], int, Arg]] = []
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            found.append(((arg.lineno, arg.col_offset), index, Arg(arg.value, None, "*", arg)))
        else:
            found.append(((arg.lineno, arg.col_offset), index, Arg(arg)))
    offset = len(call.args)
    for index, keyword in enumerate(call.keywords):
        where = (getattr(keyword, "lineno", keyword.value.lineno), getattr(keyword, "col_offset", keyword.value.col_offset))
        found.append((where, offset + index, Arg(keyword.value, keyword.arg, "" if keyword.arg else "**", keyword)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [arg for _, _, arg in found]


def lines_with(module: PyModule, word: str) -> list[int]:
    """The lines of a module where `word` is written (in code, a string or a comment), in order:
    a node whose lines hold none of them cannot hold the word, which a walk need not enter."""
    return sorted({module.lines.position(m.start()).line for m in re.finditer(re.escape(word), module.text)})


def spans_a_line(lines: list[int], node: ast.AST) -> bool:
    """Whether the node's lines (from its first to its last) hold one of `lines` (sorted); a node
    without a position (a context, `arguments`) is taken to."""
    first = getattr(node, "lineno", None)
    if first is None:
        return True
    for decorator in getattr(node, "decorator_list", ()):  # written above the `def` or `class` line
        first = min(first, decorator.lineno)
    index = bisect_left(lines, first)
    return index < len(lines) and lines[index] <= (getattr(node, "end_lineno", None) or first)
