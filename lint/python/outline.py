"""What a module defines and imports at module level, read once from its `ast` tree.

Module level includes the bodies of module-level compound statements (`if TYPE_CHECKING:`,
`try: ... except ImportError:`, `with`, loops): Python binds names there too, and the SDK's class
discovery (`vars(module)`) sees them. Star imports and `__all__` come from the tree, never from
the text, so a `from x import *` written in a docstring is not one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from .astutil import FunctionNode, children, dotted_base, string_value
from .nodefields import CHILD_FIELDS


@dataclass(frozen=True)
class ImportBinding:
    """A module-level name bound by an import: `from .base import A as B` -> B: (".base", "A")."""

    module: str  # with leading dots for relative imports
    name: str | None  # None for `import a.b`


@dataclass(eq=False)
class ClassOutline:
    name: str
    node: ast.ClassDef
    bases: tuple[str, ...]  # dotted names (`Generic[T]` gives `Generic`); "" for a base that is not one
    methods: dict[str, ast.AST] = field(default_factory=dict)  # the last def of each name wins
    fields: dict[str, ast.expr] = field(default_factory=dict)  # annotated class-level names -> annotation
    values: dict[str, ast.expr] = field(default_factory=dict)  # class-level assignments -> value

    @property
    def line(self) -> int:
        return self.node.lineno

    def __repr__(self) -> str:
        return f"<class {self.name}>"


@dataclass
class Outline:
    classes: list[ClassOutline] = field(default_factory=list)  # module-level, in source order
    functions: dict[str, ast.AST] = field(default_factory=dict)  # module-level defs
    imports: dict[str, ImportBinding] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)  # modules of `from M import *`
    all: tuple[str, ...] | None = None  # a literal `__all__`, when the module has one
    assignments: list[tuple[str, ast.expr]] = field(default_factory=list)  # top-level `name = value`, in order
    #: every module-level import statement: (module as written, names imported from it; () for `import m`)
    import_statements: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def class_named(self, name: str) -> ClassOutline | None:
        """The last module-level class of that name (the one the module ends up binding)."""
        for outline in reversed(self.classes):
            if outline.name == name:
                return outline
        return None


def module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """The module's statements, and those of module-level compound statements, in source order."""
    return _statements(tree.body)


def class_outline(node: ast.ClassDef) -> ClassOutline:
    outline = ClassOutline(node.name, node, tuple(dotted_base(b) for b in node.bases))
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            outline.fields[statement.target.id] = statement.annotation
            if statement.value is not None:
                outline.values[statement.target.id] = statement.value
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    outline.values[target.id] = statement.value
    for statement in _statements(node.body):
        if isinstance(statement, FunctionNode):
            outline.methods[statement.name] = statement
    return outline


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A body's statements, and those of its compound statements (`if`, `try`, `with`, loops,
    `match`), in source order, without entering nested functions or classes."""
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        yield statement
        if isinstance(statement, (ast.ClassDef, *FunctionNode)):
            continue
        inner: list[ast.stmt] = list(getattr(statement, "body", None) or [])
        for handler in getattr(statement, "handlers", None) or []:
            inner.extend(handler.body)
        for case in getattr(statement, "cases", None) or []:
            inner.extend(case.body)
        for block in ("orelse", "finalbody"):
            inner.extend(getattr(statement, block, None) or [])
        pending.extend(reversed(inner))


def _bound_names(statement: ast.stmt) -> set[str]:
    """The names a simple statement binds (imports, defs, classes, plain assignments)."""
    if isinstance(statement, (ast.ClassDef, *FunctionNode)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names if a.name != "*"}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _fallbacks(tree: ast.Module) -> set[int]:
    """Statements in an `except` handler that bind a name the `try` body binds already, such as
    `except ImportError: class Tool: ...` after `from dify_plugin import Tool`: with the plugin's
    dependencies installed the import succeeds and the fallback never runs."""
    skipped: set[int] = set()
    for statement in module_statements(tree):
        if not isinstance(statement, (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))):
            continue
        tried = {name for inner in _statements(statement.body) for name in _bound_names(inner)}
        for handler in statement.handlers:
            for inner in _statements(handler.body):
                if _bound_names(inner) & tried:
                    skipped.add(id(inner))
    return skipped


def build_outline(tree: ast.Module) -> Outline:
    outline = Outline()
    fallbacks = _fallbacks(tree)
    for statement in module_statements(tree):
        if id(statement) in fallbacks:
            continue
        if isinstance(statement, ast.ClassDef):
            outline.classes.append(class_outline(statement))
        elif isinstance(statement, FunctionNode):
            outline.functions[statement.name] = statement
        elif isinstance(statement, ast.ImportFrom):
            module = "." * statement.level + (statement.module or "")
            outline.import_statements.append((module, tuple(a.name for a in statement.names)))
            for alias in statement.names:
                if alias.name == "*":
                    outline.star_imports.append(module)
                else:
                    outline.imports[alias.asname or alias.name] = ImportBinding(module, alias.name)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                outline.import_statements.append((alias.name, ()))
                if alias.asname:
                    outline.imports[alias.asname] = ImportBinding(alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    outline.imports[top] = ImportBinding(top, None)
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    outline.assignments.append((target.id, statement.value))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
            outline.assignments.append((statement.target.id, statement.value))
    for name, value in outline.assignments:
        if name == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
            names = [string_value(e) for e in value.elts]
            outline.all = tuple(n for n in names if n is not None and n.isidentifier())
    return outline


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """id(node) -> its parent, for every node below `tree`."""
    return descendants(tree, children(tree))[1]


def descendants(parent: ast.AST, roots: list[ast.AST]) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """Every node of `roots` (children of `parent`) and below, depth first, and id(node) -> its
    parent. The fields are read directly (`nodefields`: the `ctx` markers are not among the
    nodes): the generators of `ast.iter_child_nodes` cost more than the walk itself, and every
    analysed body comes here."""
    found: list[ast.AST] = []
    parents: dict[int, ast.AST] = {id(root): parent for root in roots}
    stack = list(roots)
    pop, push, node_type, fields = stack.pop, stack.append, ast.AST, CHILD_FIELDS
    while stack:
        node = pop()
        found.append(node)
        for name in fields[node.__class__]:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                parents[id(value)] = node
                push(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        parents[id(item)] = node
                        push(item)
    return found, parents
