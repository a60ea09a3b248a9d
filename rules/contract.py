"""DPL7xx: the contract between a tool's (or agent strategy's) YAML and its Python.

What the code reads from `tool_parameters` and `self.runtime.credentials` against what the YAML
declares, the pydantic model an agent strategy builds from its parameters, a generator `_invoke`,
and the methods a provider or tool must implement for what its YAML promises.

The Python is read with the stdlib `ast` (the tree `PyModule` already built to check the syntax):
these rules look at every tool source, and libcst would cost ten times as much. The flow of the
parameter dict is followed through aliases, the class's own methods and the plugin's functions it
is passed to; where it escapes (a third-party call, `**spread`, iteration, a computed key) the
reads that were seen are still checked, but "declared and never read" is not concluded.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from dify_lint.diagnostics import Position, Related, Severity, Span
from dify_lint.model.plugin import Declaration, Plugin
from dify_lint.pymodule import PyModule
from dify_lint.rule import Example, Finding, Rule
from dify_lint.model.yamldoc import PathItem, YamlDoc

from .declarations import parameters as yaml_parameters

# == the Python side, with the stdlib ast =====================================================

_NEWLINES = re.compile(r"\r\n|\r|\n")


def syntax_tree(module: PyModule) -> ast.Module | None:
    """The module's stdlib ast (shared with the syntax check), or None when it does not parse."""
    if module.syntax_error is not None:
        return None
    return module.ast  # None for syntax newer than this interpreter: say nothing


def node_span(module: PyModule, node: ast.AST) -> Span:
    """The source range of an ast node, in 1-based lines and character columns."""
    lines = module.__dict__.get("_contract_lines")
    if lines is None:
        lines = _NEWLINES.split(module.text)
        module.__dict__["_contract_lines"] = lines

    def column(line: int, offset: int) -> int:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

    line = getattr(node, "lineno", None)
    if line is None:
        return Span.file_start()
    start = Position(line, column(line, node.col_offset))
    end_line, end_offset = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_line is None or end_offset is None:
        return Span(start, Position(line, start.column + 1))
    return Span(start, Position(end_line, column(end_line, end_offset)))


def name_span(module: PyModule, node: ast.AST) -> Span:
    """`class Name` or `def name` of a definition, rather than its whole body."""
    span = node_span(module, node)
    keyword = "class " if isinstance(node, ast.ClassDef) else "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
    length = len(keyword) + len(getattr(node, "name", ""))
    return Span(span.start, Position(span.start.line, span.start.column + length))


def _index_scope(scope: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """The nodes of a function's body (or a module's), and id(node) -> parent; one walk, cached."""
    cached = scope.__dict__.get("_contract_walk")
    if cached is None:
        nodes: list[ast.AST] = []
        up: dict[int, ast.AST] = {}
        stack = list(scope.body)  # type: ignore[attr-defined]
        for statement in stack:
            up[id(statement)] = scope
        while stack:
            node = stack.pop()
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                up[id(child)] = node
                stack.append(child)
        cached = (nodes, up)
        scope.__dict__["_contract_walk"] = cached
    return cached


def parents(scope: ast.AST) -> dict[int, ast.AST]:
    """id(node) -> its parent, for every node in the body of `scope` (a function or a module)."""
    return _index_scope(scope)[1]


def dotted_name(node: Any) -> str:
    """`a.b.c` for a chain of names (`Generic[T]` gives `Generic`), else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted_name(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if isinstance(node, ast.Subscript):
        return dotted_name(node.value)
    return ""


def str_const(node: Any) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)


def function_text(module: PyModule, function: ast.AST) -> str:
    """The source lines of a function's body (cheap, for a text filter before walking it)."""
    lines = module.__dict__.get("_contract_lines")
    if lines is None:
        lines = _NEWLINES.split(module.text)
        module.__dict__["_contract_lines"] = lines
    start = getattr(function, "lineno", 1)
    end = getattr(function, "end_lineno", None) or len(lines)
    return "\n".join(lines[start - 1 : end])


def body_nodes(function: ast.AST) -> list[ast.AST]:
    """Every node of a function's body (nested functions and lambdas included: closures see it)."""
    return _index_scope(function)[0]


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, without nested functions, lambdas or classes."""
    stack = list(reversed(function.body))  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        yield node
        children = [c for c in ast.iter_child_nodes(node) if not isinstance(c, (*FunctionNode, ast.Lambda, ast.ClassDef))]
        stack.extend(reversed(children))


def is_generator(function: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(function))


def top_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level classes and functions (also inside module-level if/try blocks)."""
    found: dict[str, ast.AST] = {}
    pending = list(tree.body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, (ast.ClassDef, *FunctionNode)):
            found[statement.name] = statement
        elif isinstance(statement, ast.If):
            pending[0:0] = [*statement.body, *statement.orelse]
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            blocks = [*statement.body, *statement.orelse, *statement.finalbody]  # type: ignore[attr-defined]
            for handler in statement.handlers:  # type: ignore[attr-defined]
                blocks.extend(handler.body)
            pending[0:0] = blocks
    return found


def methods_of(cls: ast.ClassDef) -> dict[str, ast.AST]:
    return {s.name: s for s in cls.body if isinstance(s, FunctionNode)}


def decorator_names(function: ast.AST) -> set[str]:
    return {dotted_name(d.func if isinstance(d, ast.Call) else d).split(".")[-1] for d in function.decorator_list}  # type: ignore[attr-defined]


#: base classes that end a chain without hiding methods dify-lint cannot see
SDK_TERMINALS = {
    "Tool", "ToolProvider", "AgentStrategy", "AgentProvider", "ABC", "object", "Generic", "BaseModel",
    "Protocol", "ABCMeta",
}


@dataclass
class Chain:
    """A class and its base classes defined in the plugin, nearest first."""

    items: list[tuple[PyModule, ast.ClassDef]]
    terminals: set[str]  # bases not defined in the plugin, by their imported name

    @property
    def sdk_only(self) -> bool:
        """Every base outside the plugin is an SDK or standard one: no method can hide there."""
        return self.terminals <= SDK_TERMINALS

    def method(self, name: str, skip_first: bool = False) -> tuple[PyModule, ast.AST, ast.ClassDef] | None:
        for module, cls in self.items[1 if skip_first else 0 :]:
            found = methods_of(cls).get(name)
            if found is not None:
                return module, found, cls
        return None


class PythonIndex:
    """The plugin's Python modules, their definitions, and local imports between them."""

    def __init__(self, plugin: Plugin):
        self.plugin = plugin
        self.files = set(plugin.all_files)
        self._defs: dict[str, dict[str, ast.AST]] = {}
        self._chains: dict[int, Chain] = {}

    def definitions(self, module: PyModule) -> dict[str, ast.AST]:
        if module.path not in self._defs:
            tree = syntax_tree(module)
            self._defs[module.path] = top_definitions(tree) if tree is not None else {}
        return self._defs[module.path]

    def module_file(self, importer: str, dotted: str) -> PyModule | None:
        """The plugin file an import names (`.utils`, `tools.base`), or None if it is not local."""
        level = len(dotted) - len(dotted.lstrip("."))
        rest = dotted[level:]
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
        else:
            base = ""
        stem = "/".join(p for p in (base, rest.replace(".", "/")) if p)
        candidates = (f"{stem}.py", f"{stem}/__init__.py") if stem else ("__init__.py",)
        for candidate in candidates:
            if candidate in self.files:
                return self.plugin.python(candidate)
        return None

    def resolve(self, module: PyModule, dotted: str, depth: int = 0) -> tuple[PyModule, ast.AST | None] | None:
        """What a dotted name means in `module`: a class or function of the plugin (or a module: None)."""
        if not dotted or depth > 8:
            return None
        parts = dotted.split(".")
        defs = self.definitions(module)
        head = parts[0]
        current: tuple[PyModule, ast.AST | None] | None
        if head in defs:
            current = (module, defs[head])
        else:
            outline = module.outline
            binding = outline.imports.get(head) if outline is not None else None
            if binding is None:
                return None
            if binding.name is None:
                target = self.module_file(module.path, binding.module)
                current = (target, None) if target is not None else None
            else:
                current = None
                target = self.module_file(module.path, binding.module)
                if target is not None and target is not module:
                    current = self.resolve(target, binding.name, depth + 1)
                if current is None:
                    joiner = "" if binding.module.endswith(".") else "."
                    sub = self.module_file(module.path, f"{binding.module}{joiner}{binding.name}")
                    current = (sub, None) if sub is not None else None
            if current is None:
                return None
        for part in parts[1:]:
            where, node = current
            if node is None:
                inner = self.resolve(where, part, depth + 1) if part in self.definitions(where) or (
                    where.outline is not None and part in where.outline.imports
                ) else None
                if inner is None:
                    sub = self.module_file(where.path, "." + part) if where.path.endswith("__init__.py") else None
                    inner = (sub, None) if sub is not None else None
                if inner is None:
                    return None
                current = inner
            elif isinstance(node, ast.ClassDef):
                method = methods_of(node).get(part)
                if method is None:
                    return None
                current = (where, method)
            else:
                return None
        return current

    def terminal_name(self, module: PyModule, dotted: str) -> str:
        head = dotted.split(".")[0]
        outline = module.outline
        binding = outline.imports.get(head) if outline is not None else None
        if binding is not None and binding.name is not None and "." not in dotted:
            return binding.name
        return dotted.split(".")[-1]

    def chain(self, module: PyModule, cls: ast.ClassDef) -> Chain:
        cached = self._chains.get(id(cls))
        if cached is not None:
            return cached
        items = [(module, cls)]
        terminals: set[str] = set()
        seen = {id(cls)}
        queue = [(module, cls)]
        while queue:
            where, node = queue.pop(0)
            for base in node.bases:
                name = dotted_name(base)
                if not name:
                    terminals.add("?")
                    continue
                found = self.resolve(where, name)
                if found is not None and isinstance(found[1], ast.ClassDef):
                    if id(found[1]) not in seen:
                        seen.add(id(found[1]))
                        items.append((found[0], found[1]))  # type: ignore[arg-type]
                        queue.append((found[0], found[1]))  # type: ignore[arg-type]
                else:
                    terminals.add(self.terminal_name(where, name))
        result = Chain(items, terminals)
        self._chains[id(cls)] = result
        return result

    def source_class(self, module: PyModule, base: str) -> tuple[ast.ClassDef, Chain] | None:
        """The one class of a source module that subclasses the SDK's `base` (the leaf, if several)."""
        candidates = []
        for node in self.definitions(module).values():
            if isinstance(node, ast.ClassDef):
                chain = self.chain(module, node)
                if base in chain.terminals:
                    candidates.append((node, chain))
        bases = {id(c) for _, chain in candidates for _, c in chain.items[1:]}
        leaves = [c for c in candidates if id(c[0]) not in bases]
        return leaves[0] if len(leaves) == 1 else None


def python_index(plugin: Plugin) -> PythonIndex:
    index = plugin.__dict__.get("_contract_index")
    if index is None:
        index = PythonIndex(plugin)
        plugin.__dict__["_contract_index"] = index
    return index


def source_module(plugin: Plugin, doc: YamlDoc) -> PyModule | None:
    """The Python file a declaration's `extra.python.source` names, if it is there and parses."""
    source = doc.get("extra", "python", "source")
    if not isinstance(source, str):
        return None
    resolved = plugin.resolve(source)
    if resolved.problem or resolved.relative is None or not resolved.relative.endswith(".py") or not resolved.is_file:
        return None
    module = plugin.python(resolved.relative)
    if module is None or syntax_tree(module) is None:
        return None
    return module


# == following a dict of parameters or credentials through the code ============================


@dataclass
class Read:
    key: str
    how: str  # "index" ([...] or .pop without default), "get", "in"
    module: PyModule
    node: ast.AST
    function: ast.AST
    guarded: bool = False  # an index read inside a membership test / .get of the key, or try/except
    group: int | None = None  # the `or` / default chain it belongs to
    default: bool = False  # `.get(key, default)`

    @property
    def outcome(self) -> str:
        if self.how == "in":
            return "the test is always false"
        if self.how == "index":
            return "it is never set"
        return "it always falls back to the default" if self.default else "it is always None"


@dataclass
class ModelUse:
    """A pydantic model built from the dict: `Params(**parameters)`, `Params.model_validate(p)`."""

    module: PyModule
    node: ast.AST
    cls_module: PyModule
    cls: ast.ClassDef
    chain: Chain


@dataclass
class Flow:
    reads: list[Read] = field(default_factory=list)
    stores: set[str] = field(default_factory=set)
    escapes: list[str] = field(default_factory=list)
    opaque: bool = False  # keys set with a computed name: reads may be of keys the code added
    models: list[ModelUse] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.escapes and not self.opaque

    def read_keys(self) -> set[str]:
        keys = {r.key for r in self.reads}
        for use in self.models:
            keys.update(model_fields_of(use).keys())
        return keys


#: calls that look at a dict without using its keys
_HARMLESS_CALLS = {"len", "bool", "isinstance", "type", "id", "print", "hasattr", "callable"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"}
_STRINGIFY = {"str", "repr", "json.dumps", "pformat", "pprint.pformat"}
_COPY_CALLS = {"dict", "copy.copy", "copy.deepcopy", "deepcopy", "copy", "OrderedDict", "collections.OrderedDict"}
_KEY_ERRORS = {"KeyError", "LookupError", "Exception", "BaseException"}
MAX_DEPTH = 8


class Tracker:
    """Follows one dict (parameters or credentials) from where it enters the code."""

    def __init__(self, index: PythonIndex, flow: Flow | None = None):
        self.index = index
        self.flow = flow or Flow()
        self.visited: set[tuple] = set()

    def follow(
        self,
        module: PyModule,
        chain: Chain | None,
        function: ast.AST,
        names: Iterable[str] = (),
        attrs: Iterable[str] = (),
        exprs: Iterable[str] = (),
        depth: int = 0,
    ) -> None:
        key = (module.path, id(function), frozenset(names), frozenset(attrs), frozenset(exprs))
        if key in self.visited:
            return
        self.visited.add(key)
        text = function_text(module, function)
        words = [*names, *attrs, *(e.rsplit(".", 1)[-1] for e in exprs)]
        if not any(w in text for w in words):
            return  # the dict is not mentioned: nothing to walk
        if depth > MAX_DEPTH:
            self.flow.escapes.append("calls nested too deeply")
            return
        scope = _Scope(self, module, chain, function, set(names), set(attrs), set(exprs), depth)
        scope.run()
        for attr in scope.new_attrs:
            if chain is None:
                self.flow.escapes.append(f"stored in `self.{attr}` outside a class")
                continue
            for where, cls in chain.items:
                for method in methods_of(cls).values():
                    self.follow(where, chain, method, attrs={attr}, depth=depth + 1)


class _Scope:
    def __init__(self, tracker: Tracker, module: PyModule, chain: Chain | None, function: ast.AST, names, attrs, exprs, depth):
        self.tracker = tracker
        self.flow = tracker.flow
        self.index = tracker.index
        self.module = module
        self.chain = chain
        self.function = function
        self.names: set[str] = names
        self.attrs: set[str] = attrs
        self.exprs: set[str] = exprs
        self.depth = depth
        self.parents = parents(function)
        self.new_attrs: set[str] = set()
        self.consumed: set[int] = set()
        self.reads: list[Read] = []

    # -- what is the dict ----------------------------------------------------------------

    def tracked(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names and isinstance(node.ctx, ast.Load)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if self.attrs and isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.attrs:
                return True
            if self.exprs and dotted_name(node) in self.exprs:
                return True
        return False

    def alias_of(self, value: ast.AST) -> bool:
        """Whether `value` is the dict itself or a copy of it (`dict(p)`, `p.copy()`, `p or {}`, `{**p}`)."""
        if self.tracked(value):
            return True
        if isinstance(value, ast.Call):
            name = dotted_name(value.func)
            if name in _COPY_CALLS and len(value.args) == 1 and not value.keywords:
                return self.alias_of(value.args[0])
            if name == "dict" and not value.args and len(value.keywords) == 1 and value.keywords[0].arg is None:
                return self.alias_of(value.keywords[0].value)
            if isinstance(value.func, ast.Attribute) and value.func.attr == "copy" and not value.args:
                return self.alias_of(value.func.value)
            return False
        if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
            return self.alias_of(value.values[0]) and all(_empty_dict(v) for v in value.values[1:])
        if isinstance(value, ast.Dict):
            spreads = [v for k, v in zip(value.keys, value.values) if k is None]
            literal = all(k is None or str_const(k) is not None for k in value.keys)
            return len(spreads) == 1 and literal and self.alias_of(spreads[0])
        return False

    # -- the walk ----------------------------------------------------------------------

    def run(self) -> None:
        nodes = body_nodes(self.function)
        self._aliases(nodes)
        self._taint(nodes)
        if self.attrs or self.exprs:
            self._self_escapes(nodes)
        for node in nodes:
            if id(node) in self.consumed or not self.tracked(node):
                continue
            self.use(node)
        self._judge_guards()
        self.flow.reads.extend(self.reads)

    def _aliases(self, nodes: list[ast.AST]) -> None:
        changed = True
        while changed:
            changed = False
            for node in nodes:
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    targets, value = [node.target], node.value
                else:
                    continue
                if id(value) in self.consumed or not self.alias_of(value):
                    continue
                for target in targets:
                    if isinstance(target, ast.Name) and target.id not in self.names:
                        self.names.add(target.id)
                        changed = True
                    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                        if target.attr not in self.attrs:
                            self.new_attrs.add(target.attr)
                    elif not isinstance(target, ast.Name):
                        self.flow.escapes.append("stored where dify-lint cannot follow")
                if isinstance(value, ast.Dict):
                    self.flow.stores.update(s for s in (str_const(k) for k in value.keys if k is not None) if s)
                for sub in ast.walk(value):
                    self.consumed.add(id(sub))

    def _self_escapes(self, nodes: list[ast.AST]) -> None:
        """`helper(self)` or `Client(self.runtime)`: reads through `self` happen where dify-lint does not look."""
        for node in nodes:
            if not isinstance(node, ast.Name) or node.id != "self" or not isinstance(node.ctx, ast.Load):
                continue
            parent = self.parent(node)
            if isinstance(parent, ast.Attribute):
                if parent.attr == "runtime" and self.exprs:
                    grand = self.parent(parent)
                    if not isinstance(grand, ast.Attribute):
                        self.flow.escapes.append("`self.runtime` passed on")
                continue
            if isinstance(parent, (ast.Compare, ast.FormattedValue)):
                continue
            self.flow.escapes.append("`self` passed on")

    def _taint(self, nodes: list[ast.AST]) -> None:
        """A name also bound to something else no longer surely holds the dict: stop following it."""
        tainted: set[str] = set()
        for node in nodes:
            bound: list[ast.AST] = []
            if isinstance(node, ast.Assign) and id(node.value) not in self.consumed:
                bound = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None and id(node.value) not in self.consumed:
                bound = [node.target]
            elif isinstance(node, ast.AugAssign):
                bound = [node.target]
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                bound = [node.target]
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                bound = [node.optional_vars]
            elif isinstance(node, ast.ExceptHandler) and node.name:
                tainted.add(node.name)
            elif isinstance(node, (*FunctionNode, ast.Lambda)):
                args = node.args
                tainted.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                tainted.update(node.names)
            for target in bound:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                        tainted.add(sub.id)
                    elif (
                        isinstance(sub, ast.Attribute)
                        and isinstance(sub.ctx, ast.Store)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id == "self"
                        and sub.attr in self.attrs
                    ):
                        self.flow.escapes.append(f"`self.{sub.attr}` is reassigned")
                        self.attrs.discard(sub.attr)
        for name in tainted & self.names:
            self.names.discard(name)
            self.flow.escapes.append(f"`{name}` is reassigned")

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def use(self, node: ast.AST) -> None:
        """Classify one place where the dict appears."""
        parent = self.parent(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            key = str_const(parent.slice)
            if isinstance(parent.ctx, ast.Load):
                if key is None:
                    self.flow.escapes.append("indexed with a computed key")
                else:
                    self.read(key, "index", parent)
            elif isinstance(parent.ctx, ast.Store):
                if key is None:
                    self.flow.opaque = True
                else:
                    self.flow.stores.add(key)
            return
        if isinstance(parent, ast.Attribute) and parent.value is node:
            grand = self.parent(parent)
            if isinstance(grand, ast.Call) and grand.func is parent:
                self.method_call(parent.attr, grand)
            else:
                self.flow.escapes.append(f"`.{parent.attr}` used")
            return
        if isinstance(parent, ast.Compare):
            if parent.left is node:
                if any(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops):
                    self.flow.escapes.append("tested for membership in something else")
                return  # `p is None`, `p == {}`
            position = parent.comparators.index(node)
            op = parent.ops[position]
            left = parent.left if position == 0 else parent.comparators[position - 1]
            if isinstance(op, (ast.In, ast.NotIn)):
                key = str_const(left)
                if key is None:
                    self.flow.escapes.append("tested with a computed key")
                else:
                    self.read(key, "in", parent)
            return
        if isinstance(parent, ast.BoolOp):
            if isinstance(parent.op, ast.Or) or parent.values[-1] is node:
                self.use(parent)  # the result may be the dict itself
            return
        if isinstance(parent, ast.IfExp):
            if parent.test is not node:
                self.use(parent)
            return
        if isinstance(parent, (ast.If, ast.While, ast.UnaryOp, ast.Assert, ast.FormattedValue, ast.Expr)):
            return
        if isinstance(parent, ast.Call):
            if node in parent.args:
                if any(isinstance(a, ast.Starred) for a in parent.args[: parent.args.index(node)]):
                    self.flow.escapes.append("passed after *args")
                else:
                    self.call_argument(parent, parent.args.index(node), None)
            else:
                self.flow.escapes.append("called")
            return
        if isinstance(parent, ast.keyword):
            call = self.parent(parent)
            if isinstance(call, ast.Call):
                if parent.arg is None:
                    self.spread(call)
                else:
                    self.call_argument(call, None, parent.arg)
            else:
                self.flow.escapes.append("passed on")
            return
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            self.flow.escapes.append("stored where dify-lint cannot follow")
            return
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
            self.flow.escapes.append("iterated")
            return
        self.flow.escapes.append(f"used in a {type(parent).__name__}")

    def method_call(self, method: str, call: ast.Call) -> None:
        args = call.args
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if method in ("get", "pop"):
            key = str_const(args[0]) if args else None
            if key is None:
                self.flow.escapes.append(f"`.{method}` with a computed key")
                return
            has_default = len(args) > 1 or "default" in keywords
            self.read(key, "get" if method == "get" or has_default else "index", call)
            if has_default and not (len(args) > 1 and isinstance(args[1], ast.Constant) and args[1].value is None):
                self.reads[-1].default = True
        elif method == "setdefault":
            key = str_const(args[0]) if args else None
            if key is None:
                self.flow.opaque = True
            else:
                self.flow.stores.add(key)
        elif method == "update":
            if args and isinstance(args[0], ast.Dict) and all(str_const(k) is not None for k in args[0].keys if k is not None):
                if any(k is None for k in args[0].keys):
                    self.flow.opaque = True
                self.flow.stores.update(str_const(k) for k in args[0].keys if k is not None)  # type: ignore[misc]
            elif args:
                self.flow.opaque = True
            self.flow.stores.update(k for k in keywords)
            if any(k.arg is None for k in call.keywords):
                self.flow.opaque = True
        elif method in ("__contains__", "__len__"):
            return
        else:
            self.flow.escapes.append(f"`.{method}()` called")

    def read(self, key: str, how: str, node: ast.AST) -> None:
        self.reads.append(Read(key, how, self.module, node, self.function, group=self.group_of(node)))

    def group_of(self, node: ast.AST) -> int | None:
        """The `a or b` / `.get(a, default)` / `x if c else y` chain a read is part of, if any."""
        top = None
        if isinstance(node, ast.Call) and (len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)):
            top = node  # `.get(key, <default>)`: the default may read a fallback key
        current = node
        wrappers = 0
        while True:
            parent = self.parent(current)
            if parent is None:
                break
            if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or):
                top = current = parent
                wrappers = 0
                continue
            if isinstance(parent, ast.IfExp):
                top = current = parent
                wrappers = 0
                continue
            if (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Attribute)
                and parent.func.attr == "get"
                and parent.args
                and parent.args[0] is not current
                and current in parent.args[1:]
            ):
                top = current = parent
                wrappers = 0
                continue
            if isinstance(parent, ast.keyword) and parent.arg == "default":
                current = parent
                continue
            if wrappers < 3 and (
                (isinstance(parent, ast.Call) and current in parent.args)
                or (isinstance(parent, ast.Attribute) and parent.value is current)
                or (isinstance(parent, ast.Call) and parent.func is current)
            ):
                current = parent
                wrappers += 1
                continue
            break
        return id(top) if top is not None else None

    def _judge_guards(self) -> None:
        tested = {r.key for r in self.reads if r.how in ("in", "get")}
        for read in self.reads:
            if read.how != "index":
                continue
            if read.key in tested or self._in_try(read.node):
                read.guarded = True

    def _in_try(self, node: ast.AST) -> bool:
        current = node
        while True:
            parent = self.parent(current)
            if parent is None or parent is self.function:
                return False
            if isinstance(parent, ast.Try) and current in parent.body:
                for handler in parent.handlers:
                    if handler.type is None:
                        return True
                    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                    if any(dotted_name(t).split(".")[-1] in _KEY_ERRORS for t in types):
                        return True
            current = parent

    # -- calls ------------------------------------------------------------------------

    def _inside_log(self, node: ast.AST) -> bool:
        current = self.parent(node)
        while current is not None and current is not self.function:
            if isinstance(current, ast.Call):
                name = dotted_name(current.func)
                if name == "print" or (isinstance(current.func, ast.Attribute) and current.func.attr in _LOG_METHODS):
                    return True
            current = self.parent(current)
        return False

    def call_argument(self, call: ast.Call, position: int | None, keyword: str | None) -> None:
        func = call.func
        name = dotted_name(func)
        if name in _HARMLESS_CALLS or (isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS):
            return
        if name in _STRINGIFY and self._inside_log(call):
            return
        if isinstance(func, ast.Attribute) and func.attr == "from_credentials":
            return  # the tool's own reads of its credentials are checked where the tool is
        if isinstance(func, ast.Attribute) and func.attr in ("model_validate", "parse_obj") and position == 0:
            if self.model_use(dotted_name(func.value), call):
                return
        callee = self.callee(func)
        if callee is None:
            self.flow.escapes.append(f"passed to `{name or 'a call'}`")
            return
        module, function, chain, skip = callee
        args = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args][skip:]
        bound: str | None = None
        if keyword is not None:
            bound = next((a.arg for a in (*positional, *args.kwonlyargs) if a.arg == keyword), None)
        elif position is not None and position < len(positional):
            bound = positional[position].arg
        if bound is None:
            self.flow.escapes.append(f"passed to `{name}` through *args/**kwargs")
            return
        self.tracker.follow(module, chain, function, names={bound}, depth=self.depth + 1)

    def callee(self, func: ast.AST) -> tuple[PyModule, ast.AST, Chain | None, int] | None:
        """The plugin's own function or method a call reaches, and how many leading parameters to skip."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
            if self.chain is None:
                return None
            found = self.chain.method(func.attr)
            if found is None:
                return None
            module, method, _ = found
            return module, method, self.chain, 0 if "staticmethod" in decorator_names(method) else 1
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Call)
            and dotted_name(func.value.func) == "super"
            and self.chain is not None
        ):
            found = self.chain.method(func.attr, skip_first=True)
            if found is None:
                return None
            module, method, _ = found
            return module, method, self.chain, 0 if "staticmethod" in decorator_names(method) else 1
        name = dotted_name(func)
        if not name:
            return None
        resolved = self.index.resolve(self.module, name)
        if resolved is None or not isinstance(resolved[1], FunctionNode):
            return None
        function = resolved[1]
        skip = 1 if "classmethod" in decorator_names(function) else 0
        return resolved[0], function, None, skip

    def spread(self, call: ast.Call) -> None:
        """`f(**p)`: a pydantic model built from the dict is checked field by field; anything else escapes."""
        if self.model_use(dotted_name(call.func), call):
            return
        self.flow.escapes.append(f"spread into `{dotted_name(call.func) or 'a call'}`")

    def model_use(self, name: str, call: ast.Call) -> bool:
        if not name:
            return False
        resolved = self.index.resolve(self.module, name)
        if resolved is None or not isinstance(resolved[1], ast.ClassDef):
            return False
        chain = self.index.chain(resolved[0], resolved[1])
        if not ({"BaseModel"} & chain.terminals) or not chain.sdk_only:
            return False
        self.flow.models.append(ModelUse(self.module, call, resolved[0], resolved[1], chain))
        if _allows_extra(chain):
            self.flow.escapes.append("kept as extra fields of a model")
        return True


def _empty_dict(node: ast.AST) -> bool:
    return (isinstance(node, ast.Dict) and not node.keys) or (
        isinstance(node, ast.Call) and dotted_name(node.func) == "dict" and not node.args and not node.keywords
    )


def _allows_extra(chain: Chain) -> bool:
    for _, cls in chain.items:
        for statement in cls.body:
            text = ast.dump(statement) if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.ClassDef)) else ""
            if "extra" in text and "allow" in text:
                return True
    return False


@dataclass(frozen=True)
class ModelField:
    name: str  # the key it is read from (its alias, if it has one)
    required: bool
    node: ast.AST
    module: PyModule
    cls: str


def model_fields_of(use: ModelUse) -> dict[str, ModelField]:
    cached = use.cls.__dict__.get("_contract_fields")
    if cached is not None:
        return cached
    index_fields: dict[str, ModelField] = {}
    for module, cls in reversed(use.chain.items):  # base classes first, so that a subclass overrides
        for statement in cls.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            name = statement.target.id
            annotation = ast.unparse(statement.annotation) if hasattr(ast, "unparse") else ""
            if name.startswith("_") or name == "model_config" or "ClassVar" in annotation:
                continue
            key, required = name, statement.value is None
            value = statement.value
            if isinstance(value, ast.Call) and dotted_name(value.func).split(".")[-1] == "Field":
                keywords = {k.arg: k.value for k in value.keywords if k.arg}
                first = value.args[0] if value.args else keywords.get("default")
                required = (first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis)) and "default_factory" not in keywords
                alias = str_const(keywords.get("alias")) or str_const(keywords.get("validation_alias"))
                if alias:
                    key = alias
            if required and _optional_annotation(annotation):
                required = False
            index_fields[key] = ModelField(key, required, statement.target, module, cls.name)
    use.cls.__dict__["_contract_fields"] = index_fields
    return index_fields


def _optional_annotation(text: str) -> bool:
    compact = text.replace(" ", "")
    return (
        compact.startswith("Optional[")
        or "|None" in compact
        or compact.startswith("None|")
        or (compact.startswith("Union[") and "None" in compact)
        or compact in ("Any", "typing.Any", "object")
    )


# == what the YAML declares, and who reads it ===================================================


@dataclass
class Contract:
    """One tool or agent strategy: its YAML parameters and what its `_invoke` reads."""

    declaration: Declaration
    module: PyModule
    cls: ast.ClassDef
    chain: Chain
    invoke: ast.AST | None
    dict_name: str | None
    flow: Flow
    declared: dict[str, tuple[int, dict]]  # name -> (index in `parameters`, the item)
    dynamic: bool  # runtime parameters: the YAML is not the whole list
    siblings: list["Contract"] = field(default_factory=list)  # every contract served by the same class
    satisfied_groups: set[int] = field(default_factory=set)  # its fallback chains with a declared read

    @property
    def shared(self) -> bool:
        return len(self.siblings) > 1

    @property
    def first(self) -> bool:
        """One contract speaks for a class that several YAML files use."""
        return not self.siblings or self.siblings[0] is self

    def all_declared(self) -> dict[str, tuple[int, dict]]:
        if not self.shared:
            return self.declared
        union: dict[str, tuple[int, dict]] = {}
        for sibling in self.siblings:
            for name, value in sibling.declared.items():
                union.setdefault(name, value)
        return union

    def where(self, key: str) -> str:
        if self.shared:
            return f"none of the {len(self.siblings)} YAML files using `{self.cls.name}` declares `{key}`"
        return f"{self.declaration.doc.path} does not declare `{key}`"

    @property
    def label(self) -> str:
        return self.declaration.doc.path


@dataclass
class CredentialContract:
    provider: Declaration
    declared: dict[str, tuple[PathItem, ...]]  # name -> where it is declared
    flow: Flow


@dataclass
class Analysis:
    contracts: list[Contract] = field(default_factory=list)
    credentials: list[CredentialContract] = field(default_factory=list)
    satisfied_groups: set[int] = field(default_factory=set)  # fallback chains with a declared credential read


def _declared_parameters(doc: YamlDoc) -> dict[str, tuple[int, dict]] | None:
    items = doc.get("parameters")
    if items is None:
        return {}
    if not isinstance(items, list):
        return None
    declared = {}
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            declared.setdefault(item["name"], (index, item))
    return declared


def _declared_credentials(doc: YamlDoc) -> dict[str, tuple[PathItem, ...]]:
    declared: dict[str, tuple[PathItem, ...]] = {}
    for key in ("credentials_for_provider", "credentials_schema"):
        container = doc.get(key)
        if isinstance(container, dict):
            for name in container:
                if isinstance(name, str):
                    declared.setdefault(name, (key, name))
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    declared.setdefault(item["name"], (key, index, "name"))
    return declared


SOURCE_BASE = {"tool": "Tool", "agent_strategy": "AgentStrategy", "tool_provider": "ToolProvider"}


def entry_class(plugin: Plugin, declaration: Declaration) -> tuple[PyModule, ast.ClassDef, Chain] | None:
    module = source_module(plugin, declaration.doc)
    base = SOURCE_BASE.get(declaration.kind)
    if module is None or base is None:
        return None
    found = python_index(plugin).source_class(module, base)
    if found is None:
        return None
    return module, found[0], found[1]


def analysis(plugin: Plugin) -> Analysis:
    cached = plugin.__dict__.get("_contract_analysis")
    if cached is not None:
        return cached
    result = Analysis()
    index = python_index(plugin)
    entries = []
    for declaration in plugin.declarations_of("tool", "agent_strategy"):
        if not declaration.doc.usable:
            continue
        found = entry_class(plugin, declaration)
        if found is None:
            continue
        entries.append((declaration, found))
    for declaration, (module, cls, chain) in entries:
        declared = _declared_parameters(declaration.doc)
        if declared is None:
            continue
        invoke = methods_of(cls).get("_invoke")
        flow = Flow()
        dict_name = None
        if invoke is not None:
            args = [*invoke.args.posonlyargs, *invoke.args.args]  # type: ignore[attr-defined]
            if len(args) >= 2:
                dict_name = args[1].arg
                Tracker(index, flow).follow(module, chain, invoke, names={dict_name})
        dynamic = bool(declaration.doc.get("has_runtime_parameters")) or chain.method("_get_runtime_parameters") is not None
        result.contracts.append(Contract(declaration, module, cls, chain, invoke, dict_name, flow, declared, dynamic))
    groups: dict[int, list[Contract]] = {}
    for contract in result.contracts:
        groups.setdefault(id(contract.cls), []).append(contract)
    for group in groups.values():
        for contract in group:
            contract.siblings = group
    for provider in plugin.declarations_of("tool_provider"):
        if not provider.doc.usable or provider.doc.get("oauth_schema") is not None:
            continue
        flow = Flow()
        tracker = Tracker(index, flow)
        found = entry_class(plugin, provider)
        if found is None:
            flow.escapes.append("the provider class was not found")
        else:
            module, cls, chain = found
            for method_name in ("_validate_credentials", "validate_credentials"):
                method = methods_of(cls).get(method_name)
                if method is None:
                    continue
                args = [*method.args.posonlyargs, *method.args.args]  # type: ignore[attr-defined]
                if len(args) >= 2:
                    tracker.follow(module, chain, method, names={args[1].arg})
        for child in provider.children:
            if child.kind != "tool" or not child.doc.usable:
                continue
            entry = entry_class(plugin, child)
            if entry is None:
                flow.escapes.append("a tool class was not found")
                continue
            module, cls, chain = entry
            for where, klass in chain.items:
                if "runtime" not in where.text:
                    continue
                for method in methods_of(klass).values():
                    tracker.follow(where, chain, method, exprs={"self.runtime.credentials"})
        result.credentials.append(CredentialContract(provider, _declared_credentials(provider.doc), flow))
    # fallback chains (`a or b`) in which some read is declared; a helper shared by several tools
    # is judged for each tool on its own, so parameter chains count per contract
    for contract in result.contracts:
        declared = contract.all_declared()
        for read in contract.flow.reads:
            if read.group is not None and (read.key in declared or read.key in contract.flow.stores):
                contract.satisfied_groups.add(read.group)
    for credentials in result.credentials:
        for read in credentials.flow.reads:
            if read.group is not None and (read.key in credentials.declared or read.key in credentials.flow.stores):
                result.satisfied_groups.add(read.group)
    plugin.__dict__["_contract_analysis"] = result
    return result


# -- near misses ---------------------------------------------------------------------------------


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def strong_near(a: str, b: str) -> bool:
    """A typo or a spelling of the same name: `temprature`/`temperature`, `userId`/`user_id`."""
    na, nb = _normal(a), _normal(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    shortest = min(len(na), len(nb))
    distance = _distance(na, nb)
    return (distance == 1 and shortest >= 4) or (distance == 2 and shortest >= 8)


def stem_near(a: str, b: str) -> bool:
    """Names that share their stem: `file_path`/`filename`, `query`/`query_text`."""
    if strong_near(a, b):
        return True
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return False
    na, nb = _normal(a), _normal(b)
    stem = ta[0] if len(ta[0]) <= len(tb[0]) else tb[0]
    return len(stem) >= 4 and na.startswith(stem) and nb.startswith(stem)


def _typos(key: str, candidates: Iterable[str]) -> list[str]:
    """Short names one edit apart (`txt` for `text`): good enough for a hint, not for grading."""
    return sorted(c for c in candidates if c != key and _distance(_normal(key), _normal(c)) == 1 and min(len(key), len(c)) >= 3)


def near_names(key: str, candidates: Iterable[str], strong_only: bool = False) -> list[str]:
    test = strong_near if strong_only else stem_near
    return sorted(c for c in candidates if c != key and test(key, c))


# == the rules ===============================================================================

_TOOL_PY = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
{body}
'''


def _tool(body: str) -> str:
    return _TOOL_PY.format(body=body)


def _tool_yaml(parameters: str) -> str:
    from .declarations import tool_yaml

    return tool_yaml(parameters)


_PARAMETER = """\
  - name: {name}
    type: {type}
    required: {required}
    form: {form}
    label:
      en_US: {label}
    human_description:
      en_US: {label}.
    llm_description: {label}.{extra}"""


def _parameter(name: str, type: str = "string", required: str = "true", form: str = "llm", extra: str = "") -> str:
    return _PARAMETER.format(name=name, type=type, required=required, form=form, label=name.replace("_", " ").title(), extra=extra)


def _position(read: Read) -> tuple[str, int, int]:
    return (read.module.path, getattr(read.node, "lineno", 0), getattr(read.node, "col_offset", 0))


def _dict_expr(read: Read) -> str:
    segment = ast.get_source_segment(read.module.text, read.node) if read.node is not None else None
    if segment and len(segment) <= 60 and "\n" not in segment:
        return f"`{segment}`"
    return f"`{read.key}`"


def _yaml_related(doc: YamlDoc, path: tuple[PathItem, ...], message: str) -> Related:
    return Related(doc.path, doc.span(path, key=True), message)


class UndeclaredParameter(Rule):
    code = "DPL701"
    name = "undeclared-parameter"
    summary = "The code reads a tool parameter the tool's YAML does not declare"
    explanation = """
    Dify sends a tool (or agent strategy) only the parameters its YAML declares. A key read with
    `tool_parameters["x"]` that the YAML does not declare raises KeyError on every call; read with
    `.get("x")` it is always None. Reads with `.get` are graded by evidence, because real plugins
    read optional knobs on purpose: a warning when the name is close to a declared one
    (`temprature` for `temperature`, `userId` for `user_id`) or when a declared parameter is never
    read anywhere in the tool, otherwise info. A fallback such as `.get("x") or .get("X")` where
    one of the names is declared is fine. The dict is followed into the class's own methods and
    the plugin's functions it is passed to; where it escapes (a third-party call, `**spread`,
    iteration) the reads that were seen are still checked.
    """
    invalid = (
        Example({"tools/echo.py": _tool('        yield self.create_text_message(tool_parameters["txt"])')}),
        Example(
            {
                "tools/echo.py": _tool('        yield self.create_text_message(tool_parameters.get("query") or "")'),
                "tools/echo.yaml": _tool_yaml(_parameter("prompt")),
            }
        ),
        Example(
            {
                "tools/echo.py": _tool(
                    '        text = tool_parameters["text"]\n'
                    '        t = tool_parameters.get("temprature", 0.7)\n'
                    "        yield self.create_text_message(f\"{text} {t}\")"
                ),
                "tools/echo.yaml": _tool_yaml(_parameter("text") + "\n" + _parameter("temperature", "number", "false")),
            }
        ),
    )
    valid = (
        Example({}),
        Example(
            {
                "tools/echo.py": _tool(
                    '        text = tool_parameters.get("text") or tool_parameters.get("Text")\n'
                    "        yield self.create_text_message(text)"
                )
            }
        ),
        Example(
            {
                "tools/echo.py": _tool(
                    "        yield self.create_text_message(render(tool_parameters))\n\n\n"
                    "def render(params: dict) -> str:\n"
                    '    return params["text"]'
                )
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        result = analysis(plugin)
        for contract in result.contracts:
            if contract.dynamic or contract.invoke is None or contract.dict_name is None or not contract.first:
                continue
            yield from self._contract(plugin, result, contract)

    def _contract(self, plugin: Plugin, result: Analysis, contract: Contract) -> Iterator[Finding]:
        doc = contract.declaration.doc
        flow = contract.flow
        declared = contract.all_declared()
        read_keys = flow.read_keys()
        unread = [] if (contract.shared or not flow.complete) else [n for n in declared if n not in read_keys]
        credentials = _provider_credentials(contract.declaration)
        reported: set[tuple[str, bool]] = set()
        what = "tool" if contract.declaration.kind == "tool" else "agent strategy"
        for read in sorted(flow.reads, key=_position):
            key = read.key
            if read.group is not None and (read.group in contract.satisfied_groups or read.group in result.satisfied_groups):
                continue
            if key in declared or key in flow.stores:
                continue
            if flow.opaque:
                continue
            marker = (key, read.how == "index" and not read.guarded)
            if marker in reported:
                continue
            reported.add(marker)
            near_strong = [n for n in near_names(key, declared, strong_only=True) if n not in read_keys]
            near_stem = [n for n in near_names(key, declared) if n in unread]
            related = _parameters_related(doc, declared, (near_strong or near_stem or unread)[:1])
            where = contract.where(key)
            expr = _dict_expr(read)
            if read.how == "index" and not read.guarded:
                close = near_strong or near_stem or _typos(key, declared)
                hint = f"; did you mean `{close[0]}`?" if close else (
                    "; it is a provider credential: read it from `self.runtime.credentials`" if key in credentials else
                    "; declare it or read it with `.get()`"
                )
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{expr}: {where}, so Dify never sends it and this raises KeyError on every call{hint}",
                    Severity.ERROR,
                    related,
                )
                continue
            if near_strong or near_stem:
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{expr}: {where}, so {read.outcome}; did you mean `{(near_strong or near_stem)[0]}`?",
                    Severity.WARNING,
                    related,
                )
            elif key in credentials:
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{expr}: {where}, so {read.outcome}; `{key}` is a provider credential: read it from"
                    " `self.runtime.credentials`",
                    Severity.WARNING,
                    related,
                )
            elif unread:
                names = ", ".join(f"`{n}`" for n in unread[:3])
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{expr}: {where}, so {read.outcome}, while the declared parameter"
                    f"{'s' if len(unread) > 1 else ''} {names} {'are' if len(unread) > 1 else 'is'} never read;"
                    f" read the declared name, or declare `{key}`",
                    Severity.WARNING,
                    related,
                )
            else:
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{expr}: {where}, so {read.outcome} and users cannot set it; declare it in the {what}'s"
                    " YAML or drop the read",
                    Severity.INFO,
                    related,
                )


def _parameters_related(doc: YamlDoc, declared: dict[str, tuple[int, dict]], names: list[str]) -> tuple[Related, ...]:
    if names and names[0] in declared:
        index = declared[names[0]][0]
        return (_yaml_related(doc, ("parameters", index, "name"), f"`{names[0]}` is declared here"),)
    if doc.exact(("parameters",)):
        return (_yaml_related(doc, ("parameters",), "the parameters are declared here"),)
    return (Related(doc.path, Span.file_start(), "this YAML declares no parameters"),)


def _provider_credentials(declaration: Declaration) -> set[str]:
    parent = declaration.parent
    if parent is None or parent.kind != "tool_provider" or not parent.doc.usable:
        return set()
    return set(_declared_credentials(parent.doc))


_PROVIDER_YAML = """\
identity:
  author: example
  name: example
  label:
    en_US: Example
  description:
    en_US: Example tools.
  icon: icon.svg
credentials_for_provider:
  api_key:
    type: secret-input
    required: true
    label:
      en_US: API key
tools:
  - tools/echo.yaml
extra:
  python:
    source: provider/example.py
"""

_PROVIDER_PY = '''\
from typing import Any

from dify_plugin import ToolProvider
from dify_plugin.errors.tool import ToolProviderCredentialValidationError


class ExampleProvider(ToolProvider):
    def _validate_credentials(self, credentials: dict[str, Any]) -> None:
        if not credentials.get("{key}"):
            raise ToolProviderCredentialValidationError("{key} is required")
'''


class UndeclaredCredential(Rule):
    code = "DPL702"
    name = "undeclared-credential"
    summary = "The code reads a provider credential the provider's YAML does not declare"
    explanation = """
    A tool's `self.runtime.credentials` (and the `credentials` a provider's
    `_validate_credentials` receives) hold exactly the credentials the provider YAML declares
    under `credentials_for_provider` (or `credentials_schema`, the daemon's alias). A name read with
    `[...]` that is not declared raises KeyError on every call; with `.get` it is always None, graded
    as for DPL701. Providers with an `oauth_schema` are skipped: their credentials come from the
    OAuth flow.
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": _PROVIDER_YAML,
                "provider/example.py": _PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": _tool(
                    '        key = self.runtime.credentials["apikey"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + key)'
                ),
            }
        ),
    )
    valid = (
        Example(
            {
                "provider/example.yaml": _PROVIDER_YAML,
                "provider/example.py": _PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": _tool(
                    '        key = self.runtime.credentials["api_key"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + key)'
                ),
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        result = analysis(plugin)
        parameter_groups = {g for c in result.contracts for g in c.satisfied_groups}
        for contract in result.credentials:
            doc = contract.provider.doc
            flow = contract.flow
            declared = contract.declared
            read_keys = flow.read_keys()
            unread = [n for n in declared if n not in read_keys] if flow.complete else []
            reported: set[tuple[str, bool]] = set()
            for read in sorted(flow.reads, key=_position):
                key = read.key
                if key in declared or key in flow.stores or flow.opaque:
                    continue
                if read.group is not None and (read.group in result.satisfied_groups or read.group in parameter_groups):
                    continue
                marker = (key, read.how == "index" and not read.guarded)
                if marker in reported:
                    continue
                reported.add(marker)
                near_strong = [n for n in near_names(key, declared, strong_only=True) if n not in read_keys]
                near_stem = [n for n in near_names(key, declared) if n in unread]
                near = near_strong or near_stem
                related = _credentials_related(doc, declared, (near or unread)[:1])
                where = f"{doc.path} declares no credential `{key}`"
                expr = _dict_expr(read)
                span = node_span(read.module, read.node)
                if read.how == "index" and not read.guarded:
                    close = near or _typos(key, declared)
                    hint = f"; did you mean `{close[0]}`?" if close else "; declare it under `credentials_for_provider`"
                    yield Finding(read.module.path, span, f"{expr}: {where}, so this raises KeyError on every call{hint}", Severity.ERROR, related)
                elif near:
                    yield Finding(read.module.path, span, f"{expr}: {where}, so {read.outcome}; did you mean `{near[0]}`?", Severity.WARNING, related)
                elif unread:
                    names = ", ".join(f"`{n}`" for n in unread[:3])
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so {read.outcome}, while the declared credential"
                        f"{'s' if len(unread) > 1 else ''} {names} {'are' if len(unread) > 1 else 'is'} never read",
                        Severity.WARNING,
                        related,
                    )
                else:
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so {read.outcome} and users cannot set it; declare it or drop the read",
                        Severity.INFO,
                        related,
                    )


def _credentials_related(doc: YamlDoc, declared: dict[str, tuple[PathItem, ...]], names: list[str]) -> tuple[Related, ...]:
    if names and names[0] in declared:
        return (_yaml_related(doc, declared[names[0]], f"`{names[0]}` is declared here"),)
    for key in ("credentials_for_provider", "credentials_schema"):
        if doc.exact((key,)):
            return (_yaml_related(doc, (key,), "the credentials are declared here"),)
    return (Related(doc.path, Span.file_start(), "this provider declares no credentials"),)


_STRATEGY_PY = '''\
from collections.abc import Generator
from typing import Any

from pydantic import BaseModel

from dify_plugin.entities.agent import AgentInvokeMessage
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.interfaces.agent import AgentModelConfig, AgentStrategy


class SimpleParams(BaseModel):
    model: AgentModelConfig
    query: str
{extra}

class SimpleStrategy(AgentStrategy):
    def _invoke(self, parameters: dict[str, Any]) -> Generator[AgentInvokeMessage, None, None]:
        params = SimpleParams(**parameters)
        result = self.session.model.llm.invoke(
            model_config=params.model,
            prompt_messages=[UserPromptMessage(content=params.query)],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
'''


class ParametersModelField(Rule):
    code = "DPL703"
    name = "parameters-model-field-undeclared"
    summary = "A required field of the pydantic model built from the parameters is not declared in the YAML"
    explanation = """
    Agent strategies (and some tools) turn their parameters into a pydantic model:
    `Params(**parameters)`. Dify sends only the parameters the YAML declares, so a field without a
    default (and not Optional) whose name the YAML never declares makes that line raise a
    ValidationError (`Field required`) on every call. Declare the parameter, give the field a
    default, or fix the name.
    """
    invalid = (
        Example({"strategies/simple.py": _STRATEGY_PY.format(extra="    max_rounds: int\n")}, base="agent"),
    )
    valid = (
        Example({}, base="agent"),
        Example({"strategies/simple.py": _STRATEGY_PY.format(extra="    max_rounds: int = 3\n    note: str | None\n")}, base="agent"),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for contract in analysis(plugin).contracts:
            if contract.dynamic or not contract.first:
                continue
            doc = contract.declaration.doc
            declared = contract.all_declared()
            seen: set[int] = set()
            for use in contract.flow.models:
                if id(use.cls) in seen:
                    continue
                seen.add(id(use.cls))
                for model_field in model_fields_of(use).values():
                    if not model_field.required or model_field.name in declared or model_field.name in contract.flow.stores:
                        continue
                    near = near_names(model_field.name, declared)
                    hint = f"; did you mean `{near[0]}`?" if near else ""
                    yield Finding(
                        model_field.module.path,
                        node_span(model_field.module, model_field.node),
                        f"`{model_field.cls}.{model_field.name}` is required, but {contract.where(model_field.name)}:"
                        " building the model raises ValidationError (`Field required`) on every"
                        f" call{hint}",
                        related=_parameters_related(doc, declared, near[:1]),
                    )


class OptionalParameterIndexed(Rule):
    code = "DPL704"
    name = "optional-parameter-indexed"
    summary = "An optional parameter without a default is read with [...]"
    severity = Severity.WARNING
    explanation = """
    A `form: llm` parameter with `required: false` and no `default` is left out of the call when
    the model (in an agent) or the workflow does not fill it, so `tool_parameters["x"]` raises
    KeyError exactly then. Read it with `tool_parameters.get("x")`, give it a default, or make it
    required. (`form: form` parameters are always sent, as None when left empty.)
    """
    invalid = (
        Example(
            {
                "tools/echo.py": _tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": _tool_yaml(_parameter("text") + "\n" + _parameter("suffix", required="false")),
            }
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.py": _tool(
                    '        suffix = tool_parameters.get("suffix", "")\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": _tool_yaml(_parameter("text") + "\n" + _parameter("suffix", required="false")),
            }
        ),
        Example(
            {
                "tools/echo.py": _tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": _tool_yaml(
                    _parameter("text") + "\n" + _parameter("suffix", required="false", form="form", extra="\n    default: '!'")
                ),
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for contract in analysis(plugin).contracts:
            if contract.declaration.kind != "tool" or contract.dynamic or contract.shared:
                continue
            doc = contract.declaration.doc
            for read in contract.flow.reads:
                if read.how != "index" or read.guarded or read.key not in contract.declared or read.key in contract.flow.stores:
                    continue
                index, item = contract.declared[read.key]
                if item.get("required") is True or item.get("default") is not None:
                    continue
                if item.get("form", "llm") != "llm":
                    continue  # form and schema parameters are always sent (None when left empty)
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{_dict_expr(read)}: `{read.key}` is an optional llm parameter in {doc.path} (required: false, no"
                    f" default), so it is left out when the model or the workflow does not fill it and this raises"
                    f" KeyError; use `.get(\"{read.key}\")`",
                    related=(_yaml_related(doc, ("parameters", index, "required"), f"`{read.key}` is optional here"),),
                )


_MESSAGE_FACTORIES = re.compile(r"^create_\w*message$")


def _non_generator_return(value: ast.AST | None) -> bool:
    """A return value that `yield from` cannot use: None, a single message, a str or dict literal."""
    if value is None:
        return True
    if isinstance(value, ast.Constant):
        return not isinstance(value.value, bytes)
    if isinstance(value, (ast.JoinedStr, ast.Dict)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and _MESSAGE_FACTORIES.match(value.func.attr):
        return isinstance(value.func.value, ast.Name) and value.func.value.id == "self"
    return False


class InvokeNotGenerator(Rule):
    code = "DPL705"
    name = "invoke-not-generator"
    summary = "A tool's or agent strategy's `_invoke` is not a generator"
    explanation = """
    The SDK runs `yield from tool.invoke(parameters)`: `_invoke` must yield its messages (or return
    a generator). An `_invoke` without `yield` that returns one message, a string or nothing fails
    with TypeError (or sends garbage) on every call; an `async def _invoke` returns a coroutine the
    SDK cannot iterate. Write `yield self.create_text_message(...)` instead of `return`.
    """
    invalid = (
        Example(
            {
                "tools/echo.py": _TOOL_PY.replace(
                    "{body}", '        return self.create_text_message(tool_parameters["text"])'
                )
            }
        ),
    )
    valid = (
        Example({}),
        Example(
            {
                "tools/echo.py": _tool(
                    "        return self._run(tool_parameters)\n\n"
                    "    def _run(self, tool_parameters):\n"
                    '        yield self.create_text_message(tool_parameters["text"])'
                )
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for contract in analysis(plugin).contracts:
            invoke = contract.invoke
            if invoke is None or not contract.first:
                continue
            what = "Tool" if contract.declaration.kind == "tool" else "AgentStrategy"
            if isinstance(invoke, ast.AsyncFunctionDef):
                yield Finding(
                    contract.module.path,
                    name_span(contract.module, invoke),
                    "`async def _invoke`: the SDK iterates the result with `yield from`, which a coroutine or async"
                    " generator does not support (TypeError on every call); make `_invoke` a plain generator",
                )
                continue
            if is_generator(invoke):
                continue
            returns = [n for n in own_nodes(invoke) if isinstance(n, ast.Return)]
            statements = [s for s in invoke.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]  # type: ignore[attr-defined]
            if not returns and (not statements or all(isinstance(s, (ast.Raise, ast.Pass)) for s in statements)):
                continue  # a stub that only raises
            if not all(_non_generator_return(r.value) for r in returns):
                continue
            shown = next((r for r in returns if r.value is not None), None)
            got = "returns a single value" if shown is not None else "returns None"
            yield Finding(
                contract.module.path,
                name_span(contract.module, invoke),
                f"this {what}'s `_invoke` has no `yield` and {got}: the SDK runs `yield from` on it, which fails"
                " on every call; `yield` each message instead",
            )


def _plain_value(value: ast.AST) -> str | None:
    """"a string", "a dict" or "a list" when an expression surely is one, else None."""
    if isinstance(value, ast.JoinedStr) or str_const(value) is not None:
        return "a string"
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return "a dict"
    if isinstance(value, (ast.List, ast.ListComp)):
        return "a list"
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mod)):
        if _plain_value(value.left) == "a string" or (isinstance(value.op, ast.Add) and _plain_value(value.right) == "a string"):
            return "a string"
    if isinstance(value, ast.Call):
        name = dotted_name(value.func)
        if name in ("str", "json.dumps", "repr"):
            return "a string"
        if name == "dict":
            return "a dict"
        if isinstance(value.func, ast.Attribute):
            if value.func.attr == "get_text_content" and not value.args:
                return "a string"
            if value.func.attr in ("join", "format") and str_const(value.func.value) is not None:
                return "a string"
    return None


class InvokeYieldsNonMessage(Rule):
    code = "DPL706"
    name = "invoke-yields-non-message"
    summary = "`_invoke` yields a plain string or dict instead of a message"
    explanation = """
    Each item `_invoke` yields is sent to Dify as a message object. A plain `str`, f-string or dict
    yielded by a tool or agent strategy is not one: the plugin fails when the item is serialised or
    Dify rejects the response. Yield `self.create_text_message(...)` / `self.create_json_message(...)`.
    """
    invalid = (
        Example(
            {
                "strategies/simple.py": _STRATEGY_PY.format(extra="").replace(
                    "yield self.create_text_message(result.message.get_text_content())",
                    "yield result.message.get_text_content()\n        yield {\"answer\": \"done\"}",
                )
            },
            base="agent",
        ),
    )
    valid = (Example({}, base="agent"), Example({}))

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for contract in analysis(plugin).contracts:
            invoke = contract.invoke
            if invoke is None or not contract.first:
                continue
            what = "tool" if contract.declaration.kind == "tool" else "agent strategy"
            for node in own_nodes(invoke):
                if not isinstance(node, ast.Yield) or node.value is None:
                    continue
                literal = _plain_value(node.value)
                if literal is None:
                    continue
                yield Finding(
                    contract.module.path,
                    node_span(contract.module, node),
                    f"this {what} yields {literal}, not a message object: "
                    + ("Dify cannot read it as a message" if literal == "a dict" else "the SDK fails to send it (ValidationError)")
                    + f"; yield `self.create_{'json' if literal != 'a string' else 'text'}_message(...)` instead",
                )


_DYNAMIC_YAML = _parameter("text") + "\n" + _parameter("channel", "dynamic-select", form="form")

_DYNAMIC_PY = _tool(
    '        yield self.create_text_message(tool_parameters["text"] + tool_parameters["channel"])\n\n'
    "    def _fetch_parameter_options(self, parameter: str) -> list:\n"
    "        return []"
)


class DynamicSelectWithoutOptions(Rule):
    code = "DPL707"
    name = "dynamic-select-without-options"
    summary = "A `dynamic-select` parameter, but the tool does not implement `_fetch_parameter_options`"
    explanation = """
    Dify asks the tool for the options of a `dynamic-select` parameter by calling
    `_fetch_parameter_options`; the SDK's default raises NotImplementedError, so the user sees an
    empty, failing dropdown. Implement it in the tool class (or a base class of the plugin).
    """
    invalid = (Example({"tools/echo.yaml": _tool_yaml(_DYNAMIC_YAML), "tools/echo.py": _tool('        yield self.create_text_message(tool_parameters["text"] + tool_parameters["channel"])')}),)
    valid = (Example({"tools/echo.yaml": _tool_yaml(_DYNAMIC_YAML), "tools/echo.py": _DYNAMIC_PY}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for contract in analysis(plugin).contracts:
            if contract.declaration.kind != "tool" or not contract.chain.sdk_only:
                continue
            if contract.chain.method("_fetch_parameter_options") or contract.chain.method("fetch_parameter_options"):
                continue
            doc = contract.declaration.doc
            for name, (index, item) in contract.declared.items():
                if item.get("type") != "dynamic-select":
                    continue
                yield self.at(
                    doc,
                    ("parameters", index, "type"),
                    f"`{name}` is a dynamic-select, but `{contract.cls.name}` in {contract.module.path} does not implement"
                    " `_fetch_parameter_options`: the SDK's default raises NotImplementedError, so the options never load",
                    related=(Related(contract.module.path, name_span(contract.module, contract.cls), "the tool class"),),
                )


_NO_VALIDATE_PY = '''\
from dify_plugin import ToolProvider


class ExampleProvider(ToolProvider):
    pass
'''


class ValidateCredentialsMissing(Rule):
    code = "DPL708"
    name = "validate-credentials-missing"
    summary = "The provider declares credentials but does not implement `_validate_credentials`"
    explanation = """
    When a user saves the provider's credentials, Dify asks the plugin to validate them; the SDK's
    `ToolProvider._validate_credentials` raises NotImplementedError, so the credentials can never be
    saved. Implement `_validate_credentials` in the provider class (or a base class of the plugin);
    `credentials_schema:` counts as declaring credentials (the daemon reads it as an alias).
    """
    invalid = (Example({"provider/example.yaml": _PROVIDER_YAML, "provider/example.py": _NO_VALIDATE_PY}),)
    valid = (
        Example({"provider/example.yaml": _PROVIDER_YAML, "provider/example.py": _PROVIDER_PY.format(key="api_key")}),
        Example({"provider/example.py": _NO_VALIDATE_PY}),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for provider in plugin.declarations_of("tool_provider"):
            if not provider.doc.usable:
                continue
            keys = [k for k in ("credentials_for_provider", "credentials_schema") if provider.doc.get(k)]
            if not keys:
                continue
            found = entry_class(plugin, provider)
            if found is None:
                continue
            module, cls, chain = found
            if not chain.sdk_only or chain.method("_validate_credentials") or chain.method("validate_credentials"):
                continue
            yield Finding(
                module.path,
                name_span(module, cls),
                f"`{cls.name}` does not implement `_validate_credentials`, but {provider.doc.path} declares credentials:"
                " the SDK's default raises NotImplementedError, so users can never save them",
                related=(_yaml_related(provider.doc, (keys[0],), "credentials are declared here"),),
            )


_OAUTH_YAML = _PROVIDER_YAML.replace(
    "tools:\n",
    "oauth_schema:\n  client_schema:\n    - name: client_id\n      type: secret-input\n      required: true\n      label:\n"
    "        en_US: Client ID\n  credentials_schema:\n    - name: access_token\n      type: secret-input\n      label:\n"
    "        en_US: Access token\ntools:\n",
)

_OAUTH_PY = _PROVIDER_PY.format(key="api_key") + '''
    def _oauth_get_authorization_url(self, redirect_uri: str, system_credentials: dict) -> str:
        return "https://example.com/authorize?client_id=" + system_credentials["client_id"]

    def _oauth_get_credentials(self, redirect_uri: str, system_credentials: dict, request) -> dict:
        return {"access_token": request.args.get("code", "")}
'''


class OAuthMethodsMissing(Rule):
    code = "DPL709"
    name = "oauth-methods-missing"
    summary = "The provider declares an `oauth_schema` but does not implement the OAuth methods"
    explanation = """
    With an `oauth_schema`, Dify drives the OAuth flow through the provider's
    `_oauth_get_authorization_url` and `_oauth_get_credentials` (and `_oauth_refresh_credentials` for
    tokens that expire). The SDK's defaults raise NotImplementedError, so the "authorize" button
    fails. Implement both in the provider class.
    """
    invalid = (Example({"provider/example.yaml": _OAUTH_YAML, "provider/example.py": _PROVIDER_PY.format(key="api_key")}),)
    valid = (Example({"provider/example.yaml": _OAUTH_YAML, "provider/example.py": _OAUTH_PY}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for provider in plugin.declarations_of("tool_provider"):
            if not provider.doc.usable or not isinstance(provider.doc.get("oauth_schema"), dict):
                continue
            found = entry_class(plugin, provider)
            if found is None:
                continue
            module, cls, chain = found
            if not chain.sdk_only:
                continue
            missing = [m for m in ("_oauth_get_authorization_url", "_oauth_get_credentials") if not chain.method(m)]
            if not missing:
                continue
            names = " and ".join(f"`{m}`" for m in missing)
            yield Finding(
                module.path,
                name_span(module, cls),
                f"{provider.doc.path} declares an `oauth_schema`, but `{cls.name}` does not implement {names}: the"
                " SDK's default raises NotImplementedError, so authorizing fails",
                related=(_yaml_related(provider.doc, ("oauth_schema",), "the OAuth schema is declared here"),),
            )


def _option_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _select_tool(default: str) -> str:
    """The echo tool with a `style` select parameter whose options are plain and shout."""
    options = (
        f"\n    default: {default}\n    options:\n      - value: plain\n        label:\n          en_US: Plain\n"
        "      - value: shout\n        label:\n          en_US: Shout"
    )
    return _tool_yaml(_parameter("text") + "\n" + _parameter("style", "select", "false", "form", options))


class SelectDefaultNotInOptions(Rule):
    code = "DPL710"
    name = "select-default-not-in-options"
    summary = "A `select` parameter's default is not one of its options"
    severity = Severity.WARNING
    explanation = """
    Dify checks a `select` value against the option values (`tool parameter X value Y not in
    options`); a default that is not among them fails whenever the user keeps it, and the form
    shows no selection. Make the default one of the `options[*].value`.
    """
    invalid = (
        Example(
            {
                "tools/echo.yaml": _select_tool("loud")
            }
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.yaml": _select_tool("shout")
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for parameter in yaml_parameters(plugin):
            data = parameter.data
            if data.get("type") != "select" or "default" not in data:
                continue
            default, options = data.get("default"), data.get("options")
            if default is None or default == "" or not isinstance(options, list) or not options:
                continue
            values = {_option_text(o.get("value")) for o in options if isinstance(o, dict) and o.get("value") is not None}
            if not values:
                continue
            defaults = default if isinstance(default, list) else [default]
            wrong = [d for d in defaults if _option_text(d) not in values]
            if not wrong:
                continue
            shown = ", ".join(f"`{v}`" for v in sorted(values)[:6])
            yield self.at(
                parameter.declaration.doc,
                (*parameter.at, "default"),
                f"the default `{_option_text(wrong[0])}` of `{data.get('name')}` is not one of its options ({shown});"
                " Dify rejects it when the user keeps the default",
            )


RULES = [
    UndeclaredParameter,
    UndeclaredCredential,
    ParametersModelField,
    OptionalParameterIndexed,
    InvokeNotGenerator,
    InvokeYieldsNonMessage,
    DynamicSelectWithoutOptions,
    ValidateCredentialsMissing,
    OAuthMethodsMissing,
    SelectDefaultNotInOptions,
]
