"""The functions and classes of one module, with what encloses each: the scopes an analysis that
follows values through the code walks. The module body is a function too (`node` None)."""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass, field
from typing import Iterable

from .astutil import FunctionNode, Param, decorator_names, own_nodes, parameters
from .module import PyModule
from .outline import ClassOutline, class_outline

_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)


@dataclass(eq=False)
class ClassInfo:
    module: PyModule
    outline: ClassOutline
    methods: dict[str, "Func"] = field(default_factory=dict)

    @property
    def node(self) -> ast.ClassDef:
        return self.outline.node

    @property
    def name(self) -> str:
        return self.outline.name

    @property
    def fields(self) -> dict[str, ast.expr]:
        return self.outline.fields

    @property
    def values(self) -> dict[str, ast.expr]:
        return self.outline.values

    @property
    def base_names(self) -> tuple[str, ...]:
        return self.outline.bases

    def __repr__(self) -> str:
        return f"<class {self.name} in {self.module.path}>"


class Func:
    """A function or method, or the module body (`node` None), and where it sits. The link to its
    class is weak (the class lists its methods, and the module's index holds every class), so
    that a module's index has no cycle."""

    __slots__ = ("module", "node", "_cls", "parent", "params", "_nodes", "__weakref__")

    def __init__(self, module: PyModule, node: ast.AST | None, cls: ClassInfo | None, parent: "Func | None"):
        self.module = module
        self.node = node
        self._cls = weakref.ref(cls) if cls is not None else None
        self.parent = parent  # the enclosing function (the module body for top-level code)
        self.params: tuple[Param, ...] = tuple(parameters(node)) if node is not None else ()
        self._nodes: list[ast.AST] | None = None

    @property
    def cls(self) -> ClassInfo | None:
        """The class whose body holds this def."""
        return self._cls() if self._cls is not None else None

    @property
    def name(self) -> str:
        return self.node.name if self.node is not None else "<module>"  # type: ignore[attr-defined]

    @property
    def body(self) -> list[ast.stmt]:
        return self.node.body if self.node is not None else (self.module.tree.body if self.module.tree else [])  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<def {self.name} in {self.module.path}>"

    @property
    def nodes(self) -> list[ast.AST]:
        """`own_nodes` of the def (or of the module body), listed once for every analysis and
        rule that walks it."""
        if self._nodes is None:
            self._nodes = list(own_nodes(self.node if self.node is not None else self.module.tree))
        return self._nodes

    @property
    def positional(self) -> list[Param]:
        return [p for p in self.params if p.kind != "keyword"]

    @property
    def decorators(self) -> list[str]:
        return decorator_names(self.node) if self.node is not None else []

    @property
    def is_static(self) -> bool:
        return "staticmethod" in self.decorators

    @property
    def is_method(self) -> bool:
        return self.cls is not None and not self.is_static

    @property
    def self_name(self) -> str | None:
        if not self.is_method:
            return None
        positional = self.positional
        return positional[0].name if positional else None


class FunctionIndex:
    """Every function (nested ones included) and class of a module, in source order."""

    def __init__(self, module: PyModule):
        self.module = module
        self.body = Func(module, None, None, None)
        self.ordered: list[Func] = [self.body]  # the module body, then every def in source order
        self.funcs: dict[int, Func] = {}  # id(def node) -> Func
        self.functions: dict[str, Func] = {}  # module-level defs
        self.classes: dict[str, ClassInfo] = {}  # module-level classes
        self.all_classes: list[ClassInfo] = []
        if module.tree is not None:
            self._visit(module.tree.body, self.body, None, True)

    def _visit(self, statements: Iterable[ast.stmt], parent: Func, cls: ClassInfo | None, top: bool) -> None:
        for statement in statements:
            if isinstance(statement, FunctionNode):
                func = Func(self.module, statement, cls, parent)
                self.funcs[id(statement)] = func
                self.ordered.append(func)
                if cls is not None:
                    cls.methods[statement.name] = func
                elif top:
                    self.functions[statement.name] = func
                self._visit(statement.body, func, None, False)
            elif isinstance(statement, ast.ClassDef):
                info = ClassInfo(self.module, class_outline(statement))
                self.all_classes.append(info)
                if top:
                    self.classes[statement.name] = info
                self._visit(statement.body, parent, info, False)
            elif isinstance(statement, _COMPOUND):
                for block in _blocks(statement):
                    self._visit(block, parent, cls, top)


def _blocks(statement: ast.stmt) -> Iterable[list[ast.stmt]]:
    """The blocks of a compound statement in source order (`try`: body, handlers, else, finally)."""
    body = getattr(statement, "body", None)
    if body:
        yield body
    for handler in getattr(statement, "handlers", None) or ():
        yield handler.body
    for case in getattr(statement, "cases", None) or ():
        yield case.body
    for name in ("orelse", "finalbody"):
        block = getattr(statement, name, None)
        if block:
            yield block
