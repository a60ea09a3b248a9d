"""Which keys the code reads from a mapping Dify fills (a tool's parameters, a provider's
credentials, an endpoint's settings), followed forward from the entry point.

The dict is followed through aliases and copies (`p = dict(tool_parameters)`, `p or {}`,
`{**p}`), `self` attributes read in any method of the class chain, and the plugin's own functions
and methods it is passed to (bounded depth). A pydantic model built from it (`Params(**p)`,
`Params.model_validate(p)`) reads its fields. Where the dict escapes (a third-party call, a
`**spread` into anything else, iteration, a computed key), the reads that were seen are kept, and
the flow is marked incomplete so that nobody concludes "declared but never read". Keys named by a
loop over literal strings (`for k in ("a", "b")`) are read one by one. A read after a check that
the key is there (`guards`) is marked guarded.

The origin analysis (`origins/`) follows the same mappings the other way: from one expression back
to where its value comes from. Both start from the entry points `entries.entry_points` lists and
resolve names with the plugin's one `Resolver`; they stay two walkers because they answer
different questions: this one needs every key read anywhere and whether anything escaped (a set,
flow-insensitive), that one the possible values of one expression at one place (flow-sensitive,
per call).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..python.astutil import FunctionNode, decorator_names, dotted_base, string_value
from ..python.module import PyModule
from ..python.outline import ClassOutline, descendants
from ..python.symbols import Chain, Resolver
from .guards import block_places, checked_keys, exits, following, stretches_holding

MAX_DEPTH = 8

#: calls that look at a dict without using its keys
_HARMLESS_CALLS = {"len", "bool", "isinstance", "type", "id", "print", "hasattr", "callable"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"}
_STRINGIFY = {"str", "repr", "json.dumps", "pformat", "pprint.pformat"}
_COPY_CALLS = {"dict", "copy.copy", "copy.deepcopy", "deepcopy", "copy", "OrderedDict", "collections.OrderedDict"}
_KEY_ERRORS = {"KeyError", "LookupError", "Exception", "BaseException"}


@dataclass
class KeyRead:
    """One place the code reads a key of the mapping."""

    key: str
    how: str  # "index" ([...] or .pop without default), "get", "in"
    module: PyModule
    node: ast.AST
    function: ast.AST
    guarded: bool = False  # the key is tested in the function, checked before (here or by a helper), or a try catches it
    group: int | None = None  # the `or` / default chain it belongs to
    default: bool = False  # `.get(key, default)`


@dataclass(eq=False)
class ModelUse:
    """A pydantic model built from the dict: `Params(**parameters)`, `Params.model_validate(p)`."""

    module: PyModule
    node: ast.AST
    cls_path: str
    cls: ClassOutline
    chain: Chain


@dataclass(frozen=True)
class ModelField:
    name: str  # the key it is read from (its alias, if it has one)
    required: bool
    node: ast.AST
    module: PyModule
    cls: str


@dataclass
class DictFlow:
    """What following one dict found."""

    reads: list[KeyRead] = field(default_factory=list)
    stores: set[str] = field(default_factory=set)
    escapes: list[str] = field(default_factory=list)
    opaque: bool = False  # keys set with a computed name: reads may be of keys the code added
    models: list[ModelUse] = field(default_factory=list)
    fields: dict[int, dict[str, ModelField]] = field(default_factory=dict)  # id(class node) -> its fields

    @property
    def complete(self) -> bool:
        return not self.escapes and not self.opaque

    def settle(self) -> None:
        """One read per place: a function followed along several paths (with different checks
        before it) reads a key unguarded if it does on any of them."""
        merged: dict[tuple[int, str], KeyRead] = {}
        for read in self.reads:
            first = merged.setdefault((id(read.node), read.key), read)
            if first is not read:
                first.guarded = first.guarded and read.guarded
        self.reads = list(merged.values())

    def read_keys(self) -> set[str]:
        keys = {r.key for r in self.reads}
        for use in self.models:
            keys.update(self.model_fields(use).keys())
        return keys

    def model_fields(self, use: ModelUse) -> dict[str, ModelField]:
        return self.fields.get(id(use.cls.node), {})


class Tracker:
    """Follows one dict (parameters or credentials) from where it enters the code."""

    def __init__(
        self,
        resolver: Resolver,
        module_at: Callable[[str], PyModule | None],
        flow: DictFlow | None = None,
        bodies: dict[int, tuple[ast.AST, BodyNodes]] | None = None,
    ):
        """`bodies`: function bodies already indexed, shared by the trackers of one plugin."""
        self.resolver = resolver
        self.module_at = module_at
        self.flow = flow or DictFlow()
        self.visited: set[tuple] = set()
        self._bodies = bodies if bodies is not None else {}

    def follow(
        self,
        module: PyModule,
        chain: Chain | None,
        function: ast.AST,
        names: Iterable[str] = (),
        attrs: Iterable[str] = (),
        exprs: Iterable[str] = (),
        depth: int = 0,
        checked: frozenset[str] = frozenset(),
    ) -> None:
        """Follow the dict through `function`, where it is `names`, `self.<attrs>` or `exprs`;
        `checked` are keys the caller made sure of before the call."""
        key = (module.path, id(function), frozenset(names), frozenset(attrs), frozenset(exprs), checked)
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
        scope = _Scope(self, module, chain, function, set(names), set(attrs), set(exprs), depth, checked)
        scope.run()
        for attr in scope.new_attrs:
            if chain is None:
                self.flow.escapes.append(f"stored in `self.{attr}` outside a class")
                continue
            for path, cls in chain.items:
                where = self.module_at(path)
                if where is None:
                    continue
                for method in cls.methods.values():
                    self.follow(where, chain, method, attrs={attr}, depth=depth + 1)

    def body_nodes(self, function: ast.AST) -> BodyNodes:
        """Every node of a function's body (nested functions and lambdas included: closures see
        it), and the kinds each pass of a scope looks at, once per function however often it is
        followed."""
        known = self._bodies.get(id(function))
        if known is None or known[0] is not function:
            known = self._bodies[id(function)] = (function, BodyNodes(function))
        return known[1]

    def resolve(self, module: PyModule, name: str) -> tuple[PyModule, ast.AST, ClassOutline | None] | None:
        """The plugin's own class or function (or `Class.method`) a dotted name refers to:
        (its module, its node, the class it is defined in when it is a method)."""
        ref = self.resolver.resolve(name, module.path)
        if ref.kind == "class":
            cls = self.resolver.class_outline(ref)
            target = self.module_at(ref.path)
            return (target, cls.node, None) if cls is not None and target is not None else None
        if ref.kind == "func":
            node = self.resolver.function_node(ref)
            target = self.module_at(ref.path)
            return (target, node, None) if node is not None and target is not None else None
        head, _, method = name.rpartition(".")
        if head and ref.kind == "unknown":
            owner = self.resolver.resolve(head, module.path)
            cls = self.resolver.class_outline(owner)
            target = self.module_at(owner.path) if cls is not None else None
            if cls is not None and target is not None and method in cls.methods:
                return target, cls.methods[method], cls
        return None

    def model_fields(self, use: ModelUse) -> dict[str, ModelField]:
        """The fields of a pydantic model (and its bases in the plugin), by the key each reads."""
        cached = self.flow.fields.get(id(use.cls.node))
        if cached is not None:
            return cached
        fields: dict[str, ModelField] = {}
        for path, cls in reversed(use.chain.items):  # base classes first, so that a subclass overrides
            module = self.module_at(path)
            if module is None:
                continue
            for statement in cls.node.body:
                if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                    continue
                name = statement.target.id
                annotation = ast.unparse(statement.annotation)
                if name.startswith("_") or name == "model_config" or "ClassVar" in annotation:
                    continue
                key, required = name, statement.value is None
                value = statement.value
                if isinstance(value, ast.Call) and dotted_base(value.func).split(".")[-1] == "Field":
                    keywords = {k.arg: k.value for k in value.keywords if k.arg}
                    first = value.args[0] if value.args else keywords.get("default")
                    required = (
                        first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis)
                    ) and "default_factory" not in keywords
                    alias = string_value(keywords.get("alias")) or string_value(keywords.get("validation_alias"))
                    if alias:
                        key = alias
                # pydantic 2: `X | None`, `Optional[X]` and `Any` without a default are still required
                fields[key] = ModelField(key, required, statement.target, module, cls.name)
        self.flow.fields[id(use.cls.node)] = fields
        return fields


def function_text(module: PyModule, function: ast.AST) -> str:
    """The source lines of a function's body (cheap, for a text filter before walking it)."""
    lines = module.lines
    start = getattr(function, "lineno", 1)
    end = getattr(function, "end_lineno", None) or lines.count
    return "\n".join(lines.line(n) or "" for n in range(start, end + 1))


#: what each pass of a scope looks at (a pass skips every other kind of node)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.NamedExpr)
_BINDINGS = (
    *_ASSIGNMENTS,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.comprehension,
    ast.withitem,
    ast.ExceptHandler,
    *FunctionNode,
    ast.Lambda,
    ast.Global,
    ast.Nonlocal,
)
_GUARDS = (ast.Assign, ast.If, ast.Expr)
_REFERENCES = (ast.Name, ast.Attribute)


class BodyNodes:
    """The nodes of a function's body, depth first, the subsequences of them each pass of a scope
    looks at (in the same order), and the parent of each (the function, for its own statements)."""

    __slots__ = ("all", "assignments", "bindings", "guards", "references", "parents")

    def __init__(self, function: ast.AST):
        self.all, self.parents = descendants(function, function.body)  # type: ignore[attr-defined]
        buckets: tuple[list[ast.AST], ...] = ([], [], [], [])
        for node in self.all:
            # by exact type: parsed trees hold no subclasses of the node classes, and a dict
            # lookup is several times cheaper than isinstance with a tuple, on every node
            for index in _BUCKETS.get(type(node), ()):
                buckets[index].append(node)
        self.assignments, self.bindings, self.guards, self.references = buckets


#: node class -> which of `BodyNodes`' lists (assignments, bindings, guards, references) hold it
_BUCKETS: dict[type, tuple[int, ...]] = {}
for _index, _classes in enumerate((_ASSIGNMENTS, _BINDINGS, _GUARDS, _REFERENCES)):
    for _class in _classes:
        _BUCKETS[_class] = (*_BUCKETS.get(_class, ()), _index)


class _Scope:
    def __init__(
        self, tracker: Tracker, module: PyModule, chain: Chain | None, function: ast.AST, names, attrs, exprs, depth, checked
    ):
        self.tracker = tracker
        self.flow = tracker.flow
        self.module = module
        self.chain = chain
        self.function = function
        self.names: set[str] = names
        self.attrs: set[str] = attrs
        self.exprs: set[str] = exprs
        self.depth = depth
        #: the parents of the function's nodes: every node a scope asks about is in its body
        self.parents = tracker.body_nodes(function).parents
        self.new_attrs: set[str] = set()
        self.consumed: set[int] = set()
        self.reads: list[KeyRead] = []
        self.checked: frozenset[str] = checked  # keys the callers made sure of
        #: block id -> key -> the earliest index in the block after which a check made sure of the key
        self.guards: dict[int, dict[str, int]] = {}
        self._places: dict[int, tuple[int, int]] | None = None  # built with the first check found

    # -- what is the dict ----------------------------------------------------------------

    def tracked(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names and isinstance(node.ctx, ast.Load)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if self.attrs and isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.attrs:
                return True
            if self.exprs and dotted_base(node) in self.exprs:
                return True
        return False

    def alias_of(self, value: ast.AST) -> bool:
        """Whether `value` is the dict itself or a copy of it (`dict(p)`, `p.copy()`, `p or {}`, `{**p}`)."""
        if self.tracked(value):
            return True
        if isinstance(value, ast.Call):
            name = dotted_base(value.func)
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
            literal = all(k is None or string_value(k) is not None for k in value.keys)
            return len(spreads) == 1 and literal and self.alias_of(spreads[0])
        return False

    # -- the walk ----------------------------------------------------------------------

    def run(self) -> None:
        body = self.tracker.body_nodes(self.function)
        self._aliases(body.assignments)
        self._taint(body.bindings)
        self._find_guards(body.guards)
        if self.attrs or self.exprs:
            self._self_escapes(body.references)
        for node in body.references:
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
                    self.flow.stores.update(s for s in (string_value(k) for k in value.keys if k is not None) if s)
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
            elif (
                isinstance(node, (ast.AnnAssign, ast.NamedExpr))
                and node.value is not None
                and id(node.value) not in self.consumed
            ):
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
            key = string_value(parent.slice)
            if isinstance(parent.ctx, ast.Load):
                keys = self.keys_of(parent.slice)
                if keys is None:
                    self.flow.escapes.append("indexed with a computed key")
                for each in keys or ():
                    self.read(each, "index", parent)
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
            position = parent.comparators.index(node)  # type: ignore[arg-type]
            op = parent.ops[position]
            left = parent.left if position == 0 else parent.comparators[position - 1]
            if isinstance(op, (ast.In, ast.NotIn)):
                keys = self.keys_of(left)
                if keys is None:
                    self.flow.escapes.append("tested with a computed key")
                for key in keys or ():
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
                if any(isinstance(a, ast.Starred) for a in parent.args[: parent.args.index(node)]):  # type: ignore[arg-type]
                    self.flow.escapes.append("passed after *args")
                else:
                    self.call_argument(parent, parent.args.index(node), None)  # type: ignore[arg-type]
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
            keys = self.keys_of(args[0]) if args else None
            if keys is None:
                self.flow.escapes.append(f"`.{method}` with a computed key")
                return
            has_default = len(args) > 1 or "default" in keywords
            for key in keys:
                self.read(key, "get" if method == "get" or has_default else "index", call)
                if has_default and not (len(args) > 1 and isinstance(args[1], ast.Constant) and args[1].value is None):
                    self.reads[-1].default = True
        elif method == "setdefault":
            key = string_value(args[0]) if args else None
            if key is None:
                self.flow.opaque = True
            else:
                self.flow.stores.add(key)
        elif method == "update":
            if args and isinstance(args[0], ast.Dict) and all(string_value(k) is not None for k in args[0].keys if k is not None):
                if any(k is None for k in args[0].keys):
                    self.flow.opaque = True
                self.flow.stores.update(string_value(k) for k in args[0].keys if k is not None)  # type: ignore[misc]
            elif args:
                self.flow.opaque = True
            self.flow.stores.update(k for k in keywords)
            if any(k.arg is None for k in call.keywords):
                self.flow.opaque = True
        elif method in ("__contains__", "__len__"):
            return
        else:
            self.flow.escapes.append(f"`.{method}()` called")

    def keys_of(self, node: ast.AST) -> list[str] | None:
        """The keys an expression names: a string, or a loop variable running over literal
        strings (`for k in ("a", "b")`, `any(p.get(k) is None for k in [...])`); None if computed."""
        key = string_value(node)
        if key is not None:
            return [key]
        if not isinstance(node, ast.Name):
            return None
        current: ast.AST | None = node
        while current is not None and current is not self.function:
            loops: list[tuple[ast.AST, ast.AST]] = []
            if isinstance(current, (ast.For, ast.AsyncFor)):
                loops = [(current.target, current.iter)]
            elif isinstance(current, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
                loops = [(g.target, g.iter) for g in current.generators]
            for target, values in loops:
                if isinstance(target, ast.Name) and target.id == node.id:
                    keys = [string_value(v) for v in values.elts] if isinstance(values, (ast.List, ast.Tuple, ast.Set)) else []
                    return keys if keys and all(k is not None for k in keys) else None  # type: ignore[return-value]
            current = self.parent(current)
        return None

    def read(self, key: str, how: str, node: ast.AST) -> None:
        guarded = key in self.checked_at(node)
        self.reads.append(KeyRead(key, how, self.module, node, self.function, guarded, group=self.group_of(node)))

    # -- checks before a read ------------------------------------------------------------

    @property
    def places(self) -> dict[int, tuple[int, int]]:
        if self._places is None:
            self._places = block_places(self.function)
        return self._places

    def checked_at(self, node: ast.AST) -> frozenset[str]:
        """The keys made sure of before `node` runs: by the callers, or by a check earlier here."""
        keys = set(self.checked)
        if self.guards:
            for block, index in stretches_holding(node, self.parents, self.places, self.function):
                for key, start in self.guards.get(block, {}).items():
                    if index > start:
                        keys.add(key)
        return frozenset(keys)

    def _find_guards(self, nodes: list[ast.AST]) -> None:
        """Calls that pass the dict to a helper whose verdict ends this function early:
        `if problem := check(p): return`, `if not valid(p): return`, or `check(p)` that raises."""
        results: dict[str, list[ast.Call]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                results.setdefault(node.targets[0].id, []).append(node.value)  # type: ignore[arg-type]
        for node in nodes:
            if isinstance(node, ast.If) and exits(node.body):
                test, ending = node.test, "truthy"
                if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                    test, ending = test.operand, "falsy"
                if isinstance(test, ast.NamedExpr):
                    test = test.value
                elif isinstance(test, ast.Name):
                    values = results.get(test.id, [])
                    test = values[0] if len(values) == 1 else test
                if isinstance(test, ast.Call):
                    self._guard(node, test, ending)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                self._guard(node, node.value, "raise")

    def _guard(self, statement: ast.stmt, call: ast.Call, ending: str) -> None:
        for position, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                return
            if self.alias_of(arg):
                bound = self.bind(call, position, None)
                break
        else:
            keyword = next((k for k in call.keywords if k.arg and self.alias_of(k.value)), None)
            if keyword is None:
                return
            bound = self.bind(call, None, keyword.arg)
        if isinstance(bound, str):
            return
        _, function, _, name = bound
        keys = checked_keys(function, name, ending)
        if keys:
            for block, start in following(statement, self.parents, self.places, self.function):
                earliest = self.guards.setdefault(block, {})
                for key in keys:
                    earliest[key] = min(start, earliest.get(key, start))

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
            if read.how != "index" or read.guarded:
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
                    if any(dotted_base(t).split(".")[-1] in _KEY_ERRORS for t in types):
                        return True
            current = parent

    # -- calls ------------------------------------------------------------------------

    def _inside_log(self, node: ast.AST) -> bool:
        current = self.parent(node)
        while current is not None and current is not self.function:
            if isinstance(current, ast.Call):
                name = dotted_base(current.func)
                if name == "print" or (isinstance(current.func, ast.Attribute) and current.func.attr in _LOG_METHODS):
                    return True
            current = self.parent(current)
        return False

    def call_argument(self, call: ast.Call, position: int | None, keyword: str | None) -> None:
        func = call.func
        name = dotted_base(func)
        if name in _HARMLESS_CALLS or (isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS):
            return
        if name in _STRINGIFY and self._inside_log(call):
            return
        if isinstance(func, ast.Attribute) and func.attr == "from_credentials":
            return  # the tool's own reads of its credentials are checked where the tool is
        if isinstance(func, ast.Attribute) and func.attr in ("model_validate", "parse_obj") and position == 0:
            if self.model_use(dotted_base(func.value), call):
                return
        bound = self.bind(call, position, keyword)
        if isinstance(bound, str):
            self.flow.escapes.append(bound)
            return
        module, function, chain, parameter = bound
        self.tracker.follow(module, chain, function, names={parameter}, depth=self.depth + 1, checked=self.checked_at(call))

    def bind(
        self, call: ast.Call, position: int | None, keyword: str | None
    ) -> tuple[PyModule, ast.AST, Chain | None, str] | str:
        """The plugin's own function a call passes the dict to and the parameter that receives it,
        or why it cannot be followed."""
        name = dotted_base(call.func)
        callee = self.callee(call.func)
        if callee is None:
            return f"passed to `{name or 'a call'}`"
        module, function, chain, skip = callee
        args = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args][skip:]
        bound: str | None = None
        if keyword is not None:
            bound = next((a.arg for a in (*positional, *args.kwonlyargs) if a.arg == keyword), None)
        elif position is not None and position < len(positional):
            bound = positional[position].arg
        if bound is None:
            return f"passed to `{name}` through *args/**kwargs"
        return module, function, chain, bound

    def callee(self, func: ast.AST) -> tuple[PyModule, ast.AST, Chain | None, int] | None:
        """The plugin's own function or method a call reaches, and how many leading parameters to skip."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
            return self._method(func.attr, skip_first=False)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and dotted_base(func.value.func) == "super":
            return self._method(func.attr, skip_first=True)
        name = dotted_base(func)
        if not name:
            return None
        resolved = self.tracker.resolve(self.module, name)
        if resolved is None or not isinstance(resolved[1], FunctionNode):
            return None
        module, function, _ = resolved
        skip = 1 if "classmethod" in _decorators(function) else 0
        return module, function, None, skip

    def _method(self, name: str, skip_first: bool) -> tuple[PyModule, ast.AST, Chain | None, int] | None:
        if self.chain is None:
            return None
        found = self.chain.method(name, skip_first=skip_first)
        if found is None:
            return None
        path, method, _ = found
        module = self.tracker.module_at(path)
        if module is None:
            return None
        return module, method, self.chain, 0 if "staticmethod" in _decorators(method) else 1  # type: ignore[return-value]

    def spread(self, call: ast.Call) -> None:
        """`f(**p)`: a pydantic model built from the dict is checked field by field; anything else escapes."""
        if self.model_use(dotted_base(call.func), call):
            return
        self.flow.escapes.append(f"spread into `{dotted_base(call.func) or 'a call'}`")

    def model_use(self, name: str, call: ast.Call) -> bool:
        if not name:
            return False
        ref = self.tracker.resolver.resolve(name, self.module.path)
        cls = self.tracker.resolver.class_outline(ref)
        if cls is None:
            return False
        chain = self.tracker.resolver.chain(ref.path, cls)
        if not ({"BaseModel"} & chain.terminals) or not chain.sdk_only:
            return False
        use = ModelUse(self.module, call, ref.path, cls, chain)
        self.flow.models.append(use)
        self.tracker.model_fields(use)
        if _allows_extra(chain):
            self.flow.escapes.append("kept as extra fields of a model")
        return True


def _decorators(function: ast.AST) -> set[str]:
    return {name.split(".")[-1] for name in decorator_names(function)}


def _empty_dict(node: ast.AST) -> bool:
    return (isinstance(node, ast.Dict) and not node.keys) or (
        isinstance(node, ast.Call) and dotted_base(node.func) == "dict" and not node.args and not node.keywords
    )


def _allows_extra(chain: Chain) -> bool:
    for _, cls in chain.items:
        for statement in cls.node.body:
            text = ast.dump(statement) if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.ClassDef)) else ""
            if "extra" in text and "allow" in text:
                return True
    return False
