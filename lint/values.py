"""Where a value comes from: a small origin analysis of the plugin's Python, over libcst.

Given an expression in a function, `Flow.origins(...)` answers with a set of *origins*: a value
Dify fills (a tool's `tool_parameters`, an agent strategy's `parameters`, an endpoint's
`settings`, `self.runtime.credentials`), one key read from it, a field of such a value, a model
config or dict built in code (with the keys it is given), a literal, or UNKNOWN. The analysis
follows, within the plugin and without importing anything:

* local variables, flow-sensitively: statements in order, both arms of a branch (a name assigned
  differently in two branches has both origins), loops twice, `return`/`raise` ending a path,
  and `isinstance(x, dict)`, `if x` and `x is None` narrowing a name in the arms of an `if`;
* a dict filled key by key (`d["mode"] = ...`, `d.update({...})`, `d.setdefault(...)`); a dict
  handed to an unknown function, or a `self` attribute filled in another method, may have gained
  any key;
* `x[...]`, `x.get(...)`, `x or default`, `a if c else b`, `copy`/`deepcopy`/`dict(x)`,
  `.copy()`, `.model_dump()`, `cast(T, x)`;
* config classes (`LLMModelConfig(...)`, `XModelConfig.model_validate(x)`) and dicts (`{...}`,
  `dict(...)`, `a | b`), with their `**spreads`;
* attributes of `self`, assigned in any method of the class (or a base class in the plugin),
  and of instances of the plugin's own classes;
* the plugin's own pydantic parameters models (`Params(**parameters).model`,
  `Params.model_validate(parameters).model`), a field's annotation deciding its form;
* calls into the plugin's own functions and methods, both ways: a call's value is what the
  callee returns with the arguments bound to its parameters, and a parameter's value is what
  its callers pass (bounded depth, memoized); nested functions see their enclosing function.

What it does not follow: values stored in containers other than dicts built in code, attributes
of objects other than `self` and parameters models, globals rebound inside functions,
comprehension variables, `getattr`/`setattr` with computed names, decorators, inheritance from
classes outside the plugin, and anything imported from outside the plugin. Those are UNKNOWN,
and a rule that meets UNKNOWN says nothing.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .pyflow import dotted, string_value
from .sdk import CONFIG_CLASSES

if TYPE_CHECKING:
    from .model.plugin import Plugin
    from .pymodule import PyModule

MAX_DEPTH = 4  # calls followed into callees or back to callers, from one starting point
MAX_ORIGINS = 32  # beyond this many, a value is UNKNOWN

#: the form of a value: a plain dict, or an instance of a config class (its name)
DICT = "dict"


def _cst():
    import libcst

    return libcst


# -- origins -----------------------------------------------------------------------------------


class Origin:
    """Where a value may come from."""

    form: str | None = None  # DICT, a class name, or None when it is neither


@dataclass(frozen=True)
class Unknown(Origin):
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Const(Origin):
    """A literal: kind is "str", "number", "bool", "none", "list", "tuple", "set"."""

    kind: str
    node: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Source(Origin):
    """A mapping Dify fills: kind "tool" (tool_parameters), "strategy" (an agent strategy's
    parameters), "endpoint" (an endpoint group's settings) or "credentials"; `module` is the
    source file whose entry point receives it."""

    kind: str
    module: str
    form: str | None = DICT


@dataclass(frozen=True)
class Read(Origin):
    """The value under one key of a Source, e.g. `tool_parameters["model"]`.

    `form` is DICT as Dify sends it, or a class name once a pydantic field converted it.
    `added` holds keys the code put into it afterwards, `opened` that unknown code may have.
    """

    source: Source
    key: str
    form: str | None = DICT
    added: frozenset = field(default=frozenset(), repr=False)
    opened: bool = False


@dataclass(frozen=True)
class Item(Origin):
    """A field of a Read value, e.g. `tool_parameters["model"]["provider"]`."""

    read: Read
    key: str


@dataclass(frozen=True, eq=False)
class Built(Origin):
    """A config object or dict built in code.

    `class_name` is the config class (None for a dict); `keys` maps each literal key or keyword
    to its value expression; `spreads` are the origin sets of `**x`; `opened` is set when a key
    could have been added that the analysis cannot name.
    """

    node: Any = field(repr=False)
    class_name: str | None
    keys: tuple = field(repr=False)  # ((key, expression or None), ...)
    spreads: tuple  # (frozenset[Origin], ...)
    opened: bool
    flow: "Flow" = field(repr=False)
    frame: "Frame" = field(repr=False)
    env: Any = field(repr=False)
    added: tuple = field(default=(), repr=False)  # ((key, value expression or None), ...) put in afterwards

    @property
    def form(self) -> str | None:  # type: ignore[override]
        return self.class_name or DICT

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.keys) or any(name == key for name, _ in self.added)

    def key_node(self, key: str) -> Any:
        for name, node in (*reversed(self.added), *reversed(self.keys)):
            if name == key:
                return node
        return None

    def key_origins(self, key: str) -> frozenset:
        """The origins of the value given for `key` (UNKNOWN when it came from elsewhere)."""
        for name, node in reversed(self.added):
            if name == key:
                return frozenset({Const("str", node)}) if string_value(node) is not None else frozenset({UNKNOWN})
        for name, node in reversed(self.keys):
            if name == key:
                return self.flow.evaluate(node, self.frame, self.env) if node is not None else frozenset({UNKNOWN})
        return frozenset()


@dataclass(frozen=True, eq=False)
class Instance(Origin):
    """An instance of one of the plugin's own classes, e.g. a pydantic parameters model."""

    cls: "ClassInfo"
    validated_from: frozenset  # origins of the mapping it was built from (`**x`, model_validate(x))
    keywords: tuple  # ((name, frozenset[Origin]), ...)
    form: str | None = None


# -- the plugin's functions and classes --------------------------------------------------------


@dataclass(eq=False)
class ClassInfo:
    module: "PyModule"
    node: Any  # cst.ClassDef
    methods: dict[str, "Func"] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)  # annotated class-level names -> annotation
    values: dict[str, Any] = field(default_factory=dict)  # class-level assignments -> value

    @property
    def name(self) -> str:
        return self.node.name.value

    def __repr__(self) -> str:
        return f"<class {self.name} in {self.module.path}>"

    @property
    def base_names(self) -> list[str]:
        return [dotted(arg.value) for arg in self.node.bases if arg.keyword is None]


@dataclass(eq=False)
class Func:
    module: "PyModule"
    node: Any  # cst.FunctionDef, or None for the module body
    cls: ClassInfo | None  # the class whose body holds this def
    parent: "Func | None"  # the enclosing function (the module body for top-level code)
    _flow: "_FlowResult | None" = None

    @property
    def name(self) -> str:
        return self.node.name.value if self.node is not None else "<module>"

    def __repr__(self) -> str:
        return f"<def {self.name} in {self.module.path}>"

    def params(self) -> list[Any]:
        if self.node is None:
            return []
        p = self.node.params
        return [*p.posonly_params, *p.params, *p.kwonly_params]

    @property
    def positional(self) -> list[Any]:
        p = self.node.params
        return [*p.posonly_params, *p.params]

    @property
    def is_static(self) -> bool:
        return any(dotted(d.decorator) == "staticmethod" for d in self.node.decorators) if self.node is not None else False

    @property
    def is_method(self) -> bool:
        return self.cls is not None and not self.is_static

    @property
    def self_name(self) -> str | None:
        if not self.is_method:
            return None
        positional = self.positional
        return positional[0].name.value if positional else None


class _ModuleIndex:
    def __init__(self, module: "PyModule"):
        cst = _cst()
        self.module = module
        self.funcs: dict[int, Func] = {}
        self.functions: dict[str, Func] = {}  # module-level defs
        self.classes: dict[str, ClassInfo] = {}  # module-level classes
        self.all_classes: list[ClassInfo] = []
        self.body = Func(module, None, None, None)
        tree = module.tree
        if tree is None:
            return

        def visit(statements: Iterable[Any], parent: Func, cls: ClassInfo | None, top: bool) -> None:
            for statement in statements:
                if isinstance(statement, cst.FunctionDef):
                    func = Func(module, statement, cls, parent)
                    self.funcs[id(statement)] = func
                    if cls is not None:
                        cls.methods[statement.name.value] = func
                    elif top:
                        self.functions[statement.name.value] = func
                    visit(_block(statement.body), func, None, False)
                elif isinstance(statement, cst.ClassDef):
                    info = ClassInfo(module, statement)
                    self.all_classes.append(info)
                    if top:
                        self.classes[statement.name.value] = info
                    for item in _block(statement.body):
                        if isinstance(item, cst.SimpleStatementLine):
                            for small in item.body:
                                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                                    info.fields[small.target.value] = small.annotation.annotation
                                    if small.value is not None:
                                        info.values[small.target.value] = small.value
                                elif isinstance(small, cst.Assign):
                                    for target in small.targets:
                                        if isinstance(target.target, cst.Name):
                                            info.values[target.target.value] = small.value
                    visit(_block(statement.body), parent, info, False)
                else:
                    # defs inside if/try/with at this level
                    for child in _child_blocks(statement):
                        visit(child, parent, cls, top)

        visit(tree.body, self.body, None, True)


def _block(body: Any) -> list[Any]:
    """The statements of an IndentedBlock or a one-line suite."""
    cst = _cst()
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    return []


def _child_blocks(statement: Any) -> Iterator[list[Any]]:
    cst = _cst()
    if isinstance(statement, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
        yield _block(statement.body)
        orelse = getattr(statement, "orelse", None)
        while orelse is not None:
            if isinstance(orelse, cst.If):
                yield _block(orelse.body)
                orelse = orelse.orelse
            else:
                yield _block(orelse.body)
                orelse = None
        for handler in getattr(statement, "handlers", ()) or ():
            yield _block(handler.body)
        final = getattr(statement, "finalbody", None)
        if final is not None:
            yield _block(final.body)
    elif isinstance(statement, cst.Match):
        for case in statement.cases:
            yield _block(case.body)


# -- environments ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Def:
    """One way a name got its value: kind "assign" (node evaluated in env, inside func), "param"
    (the index-th parameter of func), "import" (node is the import statement), "def" (node is
    the def or class statement) or "unknown"."""

    kind: str
    node: Any = field(default=None, repr=False)
    env: Any = field(default=None, repr=False)
    func: "Func | None" = field(default=None, repr=False)
    index: int = 0


UNKNOWN_DEF = Def("unknown")


@dataclass(frozen=True)
class Binding:
    defs: tuple
    added: frozenset = frozenset()  # keys put into the (dict) value afterwards
    opened: bool = False  # unknown code may have added keys
    narrow: str | None = None  # "dict" / "notdict" after an isinstance test

    def merge(self, other: "Binding") -> "Binding":
        defs = self.defs + tuple(d for d in other.defs if all(d is not mine for mine in self.defs))
        return Binding(
            defs,
            self.added | other.added,
            self.opened or other.opened,
            self.narrow if self.narrow == other.narrow else None,
        )


Env = dict  # name -> Binding; None stands for "unreachable"


def _merge(*envs: Env | None) -> Env | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    merged = dict(live[0])
    for env in live[1:]:
        if env is live[0]:
            continue
        for name, binding in env.items():
            mine = merged.get(name)
            merged[name] = binding if mine is None or mine is binding else mine.merge(binding)
    return merged


@dataclass
class _FlowResult:
    call_env: dict[int, Env] = field(default_factory=dict)  # id(cst.Call) -> env before it
    calls: list[Any] = field(default_factory=list)
    returns: list[tuple[Any, Env]] = field(default_factory=list)  # (value expression, env)
    self_assigns: list[tuple[str, Any, Env]] = field(default_factory=list)  # self.X = value
    self_mutated: set[str] = field(default_factory=set)  # self.X[...] = v, self.X.update(...), an alias's
    nested_env: dict[int, Env] = field(default_factory=dict)  # id(FunctionDef) -> env at its def
    final: Env = field(default_factory=dict)
    generator: bool = False


_PURE_CALLS = {
    "len", "str", "repr", "print", "isinstance", "bool", "int", "float", "list", "tuple", "sorted", "hasattr",
    "getattr", "json.dumps", "logger.info", "logger.debug", "logger.warning", "logger.error", "logger.exception",
    "logging.info", "logging.debug", "logging.warning", "logging.error", "id", "type", "iter", "next", "enumerate",
    "zip", "any", "all", "set", "min", "max", "range", "format",
}
_DICT_TYPES = {"dict", "Dict", "Mapping", "MutableMapping", "typing.Dict", "typing.Mapping", "collections.abc.Mapping", "abc.Mapping"}


class _FlowBuilder:
    """Walks one function's statements in order, recording the environment at each call."""

    def __init__(self, func: Func, start: Env):
        self.func = func
        self.result = _FlowResult()
        self.self_name = func.self_name
        cst = _cst()
        self.cst = cst
        body = func.node.body if func.node is not None else func.module.tree
        statements = _block(body) if func.node is not None else list(body.body)
        env = dict(start)
        for index, param in enumerate(func.params()):
            env[param.name.value] = Binding((Def("param", param, None, func, index),))
        p = func.node.params if func.node is not None else None
        if p is not None:
            for star in (p.star_arg, p.star_kwarg):
                if isinstance(star, cst.Param):
                    env[star.name.value] = Binding((UNKNOWN_DEF,))
        self.result.final = self.block(statements, env) or {}

    # statements ------------------------------------------------------------------------------

    def block(self, statements: list[Any], env: Env | None) -> Env | None:
        for statement in statements:
            if env is None:
                return None
            env = self.statement(statement, env)
        return env

    def body(self, node: Any, env: Env | None) -> Env | None:
        cst = self.cst
        if env is None:
            return None
        if isinstance(node, cst.SimpleStatementSuite):
            for small in node.body:
                if env is None:
                    return None
                env = self.small(small, env)
            return env
        return self.block(_block(node), env)

    def statement(self, s: Any, env: Env) -> Env | None:
        cst = self.cst
        if isinstance(s, cst.BaseSmallStatement):
            return self.small(s, env)
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                if env is None:
                    return None
                env = self.small(small, env)
            return env
        if isinstance(s, cst.If):
            self.record(s.test, env)
            yes, no = self.narrow(s.test, env)
            a = self.body(s.body, yes)
            if s.orelse is None:
                b = no
            elif isinstance(s.orelse, cst.If):
                b = self.statement(s.orelse, no) if no is not None else None
            else:
                b = self.body(s.orelse.body, no)
            return _merge(a, b)
        if isinstance(s, (cst.For, cst.While)):
            if isinstance(s, cst.For):
                self.record(s.iter, env)
            else:
                self.record(s.test, env)
            first_in = self.bind_unknown(s.target, env) if isinstance(s, cst.For) else env
            first = self.body(s.body, first_in)
            again_in = _merge(env, first)
            if isinstance(s, cst.For):
                again_in = self.bind_unknown(s.target, again_in)
            second = self.body(s.body, again_in)
            after = _merge(env, first, second)
            if s.orelse is not None:
                after = self.body(s.orelse.body, after)
            return after
        if isinstance(s, (cst.Try, cst.TryStar)):
            tried = self.body(s.body, env)
            anywhere = _merge(env, tried)
            outs = []
            for handler in s.handlers:
                if handler.type is not None:
                    self.record(handler.type, anywhere)
                h_env = anywhere
                if handler.name is not None and isinstance(handler.name.name, cst.Name):
                    h_env = dict(h_env)
                    h_env[handler.name.name.value] = Binding((UNKNOWN_DEF,))
                outs.append(self.body(handler.body, h_env))
            normal = self.body(s.orelse.body, tried) if s.orelse is not None else tried
            merged = _merge(normal, *outs)
            if s.finalbody is not None:
                final = self.body(s.finalbody.body, _merge(merged, anywhere) if merged is not None else anywhere)
                return final if merged is not None else None
            return merged
        if isinstance(s, cst.With):
            for item in s.items:
                self.record(item.item, env)
                if item.asname is not None:
                    env = self.bind_unknown(item.asname.name, env)
            return self.body(s.body, env)
        if isinstance(s, cst.FunctionDef):
            for decorator in s.decorators:
                self.record(decorator.decorator, env)
            self.result.nested_env[id(s)] = env
            env = dict(env)
            env[s.name.value] = Binding((Def("def", s),))
            return env
        if isinstance(s, cst.ClassDef):
            env = dict(env)
            env[s.name.value] = Binding((Def("def", s),))
            return env
        if isinstance(s, cst.Match):
            self.record(s.subject, env)
            outs = [self.body(case.body, env) for case in s.cases]
            return _merge(env, *outs)
        return env

    def small(self, s: Any, env: Env) -> Env | None:
        cst = self.cst
        if isinstance(s, cst.Assign):
            opened = self.record(s.value, env)
            new = dict(env)
            definition = Def("assign", s.value, env, self.func)
            for target in s.targets:
                self.assign(target.target, definition, s.value, new, env)
            return self.open(new, opened)
        if isinstance(s, cst.AnnAssign):
            if s.value is None:
                return env
            opened = self.record(s.value, env)
            new = dict(env)
            self.assign(s.target, Def("assign", s.value, env, self.func), s.value, new, env)
            return self.open(new, opened)
        if isinstance(s, cst.AugAssign):
            opened = self.record(s.value, env)
            new = dict(env)
            target = s.target
            if isinstance(target, cst.Name):
                binding = new.get(target.value)
                if isinstance(s.operator, cst.BitOrAssign) and binding is not None:
                    keys = _literal_keys(s.value)
                    if keys is None:
                        new[target.value] = replace(binding, opened=True)
                    else:
                        new[target.value] = replace(binding, added=binding.added | keys)
                else:
                    new[target.value] = Binding((UNKNOWN_DEF,))
            return self.open(new, opened)
        if isinstance(s, cst.Expr):
            opened = self.record(s.value, env)
            new = self.mutation(s.value, env)
            return self.open(new, opened)
        if isinstance(s, cst.Return):
            if s.value is not None:
                self.record(s.value, env)
                self.result.returns.append((s.value, env))
            else:
                self.result.returns.append((None, env))
            return None
        if isinstance(s, cst.Raise):
            if s.exc is not None:
                self.record(s.exc, env)
            return None
        if isinstance(s, (cst.Break, cst.Continue)):
            return None
        if isinstance(s, cst.Del):
            new = dict(env)
            for name in _names_in_target(s.target):
                new.pop(name, None)
            return new
        if isinstance(s, (cst.Import, cst.ImportFrom)):
            new = dict(env)
            names = s.names if not isinstance(s.names, cst.ImportStar) else ()
            for alias in names:
                local = alias.asname.name if alias.asname is not None else alias.name
                for name in _names_in_target(local):
                    new[name.split(".")[0]] = Binding((Def("import", s),))
            return new
        if isinstance(s, cst.Assert):
            self.record(s.test, env)
            yes, _ = self.narrow(s.test, env)
            return yes
        return env

    # helpers ---------------------------------------------------------------------------------

    def assign(self, target: Any, definition: Def, value: Any, new: Env, env: Env) -> None:
        cst = self.cst
        if isinstance(target, cst.Name):
            new[target.value] = Binding((definition,))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for name in _names_in_target(target):
                new[name] = Binding((UNKNOWN_DEF,))
        elif isinstance(target, cst.Subscript) and self._self_attribute_name(target.value, env):
            self.result.self_mutated.add(self._self_attribute_name(target.value, env))  # type: ignore[arg-type]
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            binding = new.get(target.value.value)
            if binding is not None:
                key = _subscript_key(target)
                if key is None:
                    new[target.value.value] = replace(binding, opened=True)
                else:
                    new[target.value.value] = replace(binding, added=binding.added | {(key, value)})
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == self.self_name:
            self.result.self_assigns.append((target.attr.value, value, env))

    def bind_unknown(self, target: Any, env: Env | None) -> Env | None:
        if env is None:
            return None
        new = dict(env)
        for name in _names_in_target(target):
            new[name] = Binding((UNKNOWN_DEF,))
        return new

    def open(self, env: Env, names: set[str]) -> Env:
        if not names:
            return env
        new = dict(env)
        for name in names:
            binding = new.get(name)
            if binding is not None and not binding.opened:
                new[name] = replace(binding, opened=True)
        return new

    def _self_attribute_name(self, node: Any, env: Env) -> str | None:
        """X when node is `self.X`, or a name bound only to `self.X` (an alias of it)."""
        cst = self.cst
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self.self_name and self.self_name:
            return node.attr.value
        if isinstance(node, cst.Name) and node.value in env:
            defs = env[node.value].defs
            if len(defs) == 1 and defs[0].kind == "assign" and defs[0].node is not node:
                return self._self_attribute_name(defs[0].node, defs[0].env or {}) if isinstance(defs[0].node, cst.Attribute) else None
        return None

    def mutation(self, value: Any, env: Env) -> Env:
        """`d.update({...})`, `d.setdefault("k", v)`: keys the dict named d gains."""
        cst = self.cst
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("update", "setdefault", "__setitem__")
        ):
            attribute = self._self_attribute_name(value.func.value, env)
            if attribute is not None:
                self.result.self_mutated.add(attribute)
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Name)):
            return env
        name = value.func.value.value
        binding = env.get(name)
        if binding is None:
            return env
        method = value.func.attr.value
        if method == "update":
            keys: frozenset | None = frozenset()
            for arg in value.args:
                if arg.keyword is not None:
                    keys = keys | {(arg.keyword.value, arg.value)} if keys is not None else None
                elif arg.star:
                    keys = None
                else:
                    found = _literal_keys(arg.value)
                    keys = keys | found if keys is not None and found is not None else None
            new = dict(env)
            new[name] = replace(binding, opened=True) if keys is None else replace(binding, added=binding.added | keys)
            return new
        if method == "setdefault" and value.args:
            key = string_value(value.args[0].value)
            new = dict(env)
            if key is None:
                new[name] = replace(binding, opened=True)
            else:
                default = value.args[1].value if len(value.args) > 1 else None
                new[name] = replace(binding, added=binding.added | {(key, default)})
            return new
        return env

    def record(self, expression: Any, env: Env) -> set[str]:
        """Remember the environment at every call inside the expression; return the names of
        dicts handed to code that may add keys to them."""
        cst = self.cst
        opened: set[str] = set()
        stack: list[tuple[Any, Env]] = [(expression, env)]
        while stack:
            node, current = stack.pop()
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(node, cst.Yield):
                self.result.generator = True
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                shadowed = dict(current)
                comp = node.for_in
                while comp is not None:
                    for name in _names_in_target(comp.target):
                        shadowed[name] = Binding((UNKNOWN_DEF,))
                    comp = comp.inner_for_in
                current = shadowed
            elif isinstance(node, cst.Lambda):
                shadowed = dict(current)
                for param in [*node.params.params, *node.params.posonly_params, *node.params.kwonly_params]:
                    shadowed[param.name.value] = Binding((UNKNOWN_DEF,))
                current = shadowed
            if isinstance(node, cst.Call):
                self.result.call_env[id(node)] = current
                self.result.calls.append(node)
                callee = dotted(node.func)
                if callee not in _PURE_CALLS and not callee.endswith("ModelConfig") and not callee.startswith("self.session"):
                    for arg in node.args:
                        if not arg.star and isinstance(arg.value, cst.Name) and arg.value.value in current:
                            opened.add(arg.value.value)
            for child in node.children:
                stack.append((child, current))
        return opened

    def narrow(self, test: Any, env: Env) -> tuple[Env | None, Env | None]:
        """The environments in the true and false arms of `if test`."""
        yes: dict[str, str] = {}
        no: dict[str, str] = {}
        self._narrowing(test, yes, no)
        return self._apply(env, yes), self._apply(env, no)

    def _narrowing(self, test: Any, yes: dict[str, str], no: dict[str, str]) -> None:
        cst = self.cst
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self._narrowing(test.expression, no, yes)
            return
        if isinstance(test, cst.BooleanOperation):
            inner_yes: dict[str, str] = {}
            inner_no: dict[str, str] = {}
            left_yes: dict[str, str] = {}
            left_no: dict[str, str] = {}
            self._narrowing(test.left, left_yes, left_no)
            self._narrowing(test.right, inner_yes, inner_no)
            if isinstance(test.operator, cst.And):
                yes.update(left_yes)
                yes.update(inner_yes)
            else:
                no.update(left_no)
                no.update(inner_no)
            return
        if isinstance(test, cst.Name):
            yes[test.value] = "truthy"
            return
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2:
            subject = test.args[0].value
            if not isinstance(subject, cst.Name):
                return
            kinds = test.args[1].value
            names = [dotted(e.value) for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [dotted(kinds)]
            if names and all(n in _DICT_TYPES for n in names):
                yes[subject.value] = "dict"
                no[subject.value] = "notdict"
            elif names and not any(n in _DICT_TYPES or n == "" for n in names):
                yes[subject.value] = "notdict"
            return
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            left = test.left
            right = test.comparisons[0].comparator
            operator = test.comparisons[0].operator
            if isinstance(left, cst.Name) and dotted(right) == "None":
                if isinstance(operator, cst.Is):
                    no[left.value] = "truthy"
                elif isinstance(operator, cst.IsNot):
                    yes[left.value] = "truthy"
                return
            if (
                isinstance(left, cst.Call)
                and dotted(left.func) == "type"
                and len(left.args) == 1
                and isinstance(left.args[0].value, cst.Name)
                and dotted(right) == "dict"
            ):
                name = left.args[0].value.value
                if isinstance(operator, (cst.Is, cst.Equal)):
                    yes[name], no[name] = "dict", "notdict"
                elif isinstance(operator, (cst.IsNot, cst.NotEqual)):
                    yes[name], no[name] = "notdict", "dict"

    @staticmethod
    def _apply(env: Env, narrows: dict[str, str]) -> Env:
        if not narrows:
            return env
        new = dict(env)
        for name, kind in narrows.items():
            binding = new.get(name)
            if binding is not None:
                new[name] = replace(binding, narrow=kind)
        return new


def _names_in_target(target: Any) -> list[str]:
    cst = _cst()
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names.extend(_names_in_target(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _names_in_target(target.value)
    if isinstance(target, cst.Attribute):
        return [dotted(target)] if dotted(target) and "." not in dotted(target) else []
    return []


def _subscript_key(node: Any) -> str | None:
    cst = _cst()
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return string_value(node.slice[0].slice.value)


def _literal_keys(node: Any) -> frozenset | None:
    """The (key, value) pairs of a dict display without spreads, else None."""
    cst = _cst()
    if not isinstance(node, cst.Dict):
        return None
    keys = set()
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = string_value(element.key)
        if key is None:
            return None
        keys.add((key, element.value))
    return frozenset(keys)


# -- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Frame:
    func: Func
    bindings: tuple = ()  # ((parameter name, frozenset[Origin]), ...) when called from a known place
    depth: int = 0

    @property
    def key(self) -> tuple:
        return (id(self.func), self.bindings)

    def bound(self, name: str) -> frozenset | None:
        for bound_name, origins in self.bindings:
            if bound_name == name:
                return origins
        return None


_IN_PROGRESS = object()
_DEFAULT = "<default>"  # what _argument_for answers for a parameter left to its default
_SELF = "<self>"  # ... for the `self` a bound method call supplies


class Flow:
    """The origin analysis for one plugin. `roots` maps a source file to the kinds of entry
    point it holds ("tool", "strategy", "endpoint", "tool_provider")."""

    def __init__(self, plugin: "Plugin", roots: dict[str, set[str]], modules: list["PyModule"]):
        self.plugin = plugin
        self.roots = roots
        self.modules = {m.path: m for m in modules}
        self._index: dict[str, _ModuleIndex] = {}
        self._memo: dict[tuple, Any] = {}
        self._callers: dict[int, list] = {}

    # indexes ---------------------------------------------------------------------------------

    def index(self, module: "PyModule") -> _ModuleIndex:
        found = self._index.get(module.path)
        if found is None:
            found = self._index[module.path] = _ModuleIndex(module)
        return found

    def func_of(self, module: "PyModule", node: Any) -> Func:
        """The Func for a pyflow Function's node (None: the module body)."""
        index = self.index(module)
        return index.body if node is None else index.funcs.get(id(node), index.body)

    def flow(self, func: Func) -> _FlowResult:
        if func._flow is None:
            func._flow = _FlowResult()  # a guard against re-entry while it is built
            func._flow = _FlowBuilder(func, self._def_env(func)).result
        return func._flow

    def env_at(self, func: Func, call: Any) -> Env | None:
        return self.flow(func).call_env.get(id(call))

    # public entry ----------------------------------------------------------------------------

    def origins(self, module: "PyModule", function_node: Any, call: Any, expression: Any) -> frozenset:
        """The origins of `expression`, an argument of `call` inside the given function."""
        func = self.func_of(module, function_node)
        env = self.env_at(func, call)
        if env is None:
            return frozenset({UNKNOWN})
        return self.evaluate(expression, Frame(func), env)

    # the evaluator ---------------------------------------------------------------------------

    def evaluate(self, node: Any, frame: Frame, env: Env | None) -> frozenset:
        key = (id(node), id(env), frame.key)
        memo = self._memo.get(key)
        if memo is _IN_PROGRESS:
            return frozenset()
        if memo is not None:
            return memo
        self._memo[key] = _IN_PROGRESS
        try:
            result = self._evaluate(node, frame, env or {})
        except RecursionError:
            result = frozenset({UNKNOWN})
        if len(result) > MAX_ORIGINS:
            result = frozenset({UNKNOWN})
        self._memo[key] = result
        return result

    def _evaluate(self, node: Any, frame: Frame, env: Env) -> frozenset:
        cst = _cst()
        if isinstance(node, cst.Name):
            if node.value == "None":
                return frozenset({Const("none", node)})
            if node.value in ("True", "False"):
                return frozenset({Const("bool", node)})
            return self._name(node.value, frame, env)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return frozenset({Const("str", node)})
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return frozenset({Const("number", node)})
        if isinstance(node, (cst.List, cst.ListComp)):
            return frozenset({Const("list", node)})
        if isinstance(node, (cst.Tuple,)):
            return frozenset({Const("tuple", node)})
        if isinstance(node, (cst.Set, cst.SetComp)):
            return frozenset({Const("set", node)})
        if isinstance(node, cst.Dict):
            return frozenset({self._dict_display(node, frame, env)})
        if isinstance(node, cst.BooleanOperation):
            return self.evaluate(node.left, frame, env) | self.evaluate(node.right, frame, env)
        if isinstance(node, cst.IfExp):
            return self.evaluate(node.body, frame, env) | self.evaluate(node.orelse, frame, env)
        if isinstance(node, cst.Await):
            return self.evaluate(node.expression, frame, env)
        if isinstance(node, cst.NamedExpr):
            return self.evaluate(node.value, frame, env)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            left = self.evaluate(node.left, frame, env)
            right = self.evaluate(node.right, frame, env)
            if any(o.form == DICT for o in left | right):
                return frozenset({Built(node, None, (), (left, right), False, self, frame, env)})
            return frozenset({UNKNOWN})
        if isinstance(node, cst.Subscript):
            key = _subscript_key(node)
            if key is None:
                return frozenset({UNKNOWN})
            return self._key(self.evaluate(node.value, frame, env), key, node, frame)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, frame, env)
        if isinstance(node, cst.Call):
            return self._call(node, frame, env)
        return frozenset({UNKNOWN})

    # names -------------------------------------------------------------------------------

    def _name(self, name: str, frame: Frame, env: Env) -> frozenset:
        binding = env.get(name)
        if binding is None:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        for definition in binding.defs:
            origins |= self._definition(definition, frame)
        if binding.added or binding.opened:
            origins = {_with_keys(o, binding.added, binding.opened) for o in origins}
        if binding.narrow == "dict":
            origins = {o for o in origins if o.form == DICT or isinstance(o, (Unknown, Item, Instance))}
        elif binding.narrow == "notdict":
            origins = {o for o in origins if o.form != DICT}
        elif binding.narrow == "truthy":
            origins = {o for o in origins if not (isinstance(o, Const) and o.kind == "none")}
        return frozenset(origins)

    def _definition(self, definition: Def, frame: Frame) -> frozenset:
        if definition.func is not None and definition.func is not frame.func:
            frame = Frame(definition.func, (), frame.depth)  # a name of an enclosing scope
        if definition.kind == "assign":
            return self.evaluate(definition.node, frame, definition.env)
        if definition.kind == "param":
            return self._parameter(frame, definition.node, definition.index)
        return frozenset({UNKNOWN})

    def _parameter(self, frame: Frame, param: Any, index: int) -> frozenset:
        name = param.name.value
        bound = frame.bound(name)
        if bound is not None:
            return bound
        func = frame.func
        root = self._root(func, param, index)
        if root is not None:
            return frozenset({root})
        if frame.depth >= MAX_DEPTH:
            return frozenset({UNKNOWN})
        sites = self.call_sites(func)
        if not sites:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        for call, caller, skip_self in sites:
            env = self.env_at(caller, call)
            argument = _argument_for(func, call, param, index, skip_self)
            caller_frame = Frame(caller, (), frame.depth + 1)
            if argument is None:
                origins.add(UNKNOWN)
            elif argument is _SELF:
                origins |= self.evaluate(call.func.value, caller_frame, env) if hasattr(call.func, "value") else {UNKNOWN}
            elif argument is _DEFAULT:
                origins |= self.evaluate(param.default, Frame(func.parent or func, (), frame.depth + 1), self._def_env(func))
            else:
                origins |= self.evaluate(argument, caller_frame, env)
        return frozenset(origins)

    def _def_env(self, func: Func) -> Env:
        """The environment a function starts from: its enclosing function's at the def, or the
        module's names."""
        if func.parent is None:
            return {}
        flow = self.flow(func.parent)
        return flow.nested_env.get(id(func.node), flow.final) if func.parent.node is not None else flow.final

    def _root(self, func: Func, param: Any, index: int) -> Source | None:
        """The mapping Dify passes to an entry point, by the kind of source file it is in."""
        kinds = self.roots.get(func.module.path)
        if not kinds or func.cls is None or func.node is None:
            return None
        name = func.name
        path = func.module.path
        if name == "_invoke":
            if "tool" in kinds and index == 1:
                return Source("tool", path)
            if "strategy" in kinds and index == 1:
                return Source("strategy", path)
            if "endpoint" in kinds and (param.name.value == "settings" or index == 3):
                return Source("endpoint", path)
        if name == "_validate_credentials" and "tool_provider" in kinds and index == 1:
            return Source("credentials", path)
        return None

    # keys and attributes ----------------------------------------------------------------------

    def _key(self, receivers: frozenset, key: str, node: Any, frame: Frame) -> frozenset:
        origins: set[Origin] = set()
        for receiver in receivers:
            if isinstance(receiver, Source):
                origins.add(Read(receiver, key))
            elif isinstance(receiver, Read):
                if any(name == key for name, _ in receiver.added):
                    origins.add(UNKNOWN)  # a value the code put in
                else:
                    origins.add(Item(receiver, key))
            elif isinstance(receiver, Built) and receiver.class_name is None:
                if receiver.has(key):
                    origins |= receiver.key_origins(key)
                else:
                    origins.add(UNKNOWN)
            elif isinstance(receiver, Instance) and key in receiver.cls.fields:
                origins |= self._field(receiver, key)
            else:
                origins.add(UNKNOWN)
        return frozenset(origins)

    def _attribute(self, node: Any, frame: Frame, env: Env) -> frozenset:
        name = dotted(node)
        if name.endswith("runtime.credentials"):
            return frozenset({Source("credentials", frame.func.module.path)})
        owner = self._self_of(node.value, env)
        if owner is not None:  # self.X, also from a function nested in the method
            bound = frame.bound(node.value.value) if owner is frame.func else None
            if bound is not None and any(isinstance(o, Instance) for o in bound):
                return self._attribute_of(bound, node.attr.value, frame)
            return self._self_attribute(owner.cls, node.attr.value, frame)
        receivers = self.evaluate(node.value, frame, env)
        return self._attribute_of(receivers, node.attr.value, frame)

    @staticmethod
    def _self_of(node: Any, env: Env) -> Func | None:
        """The method whose `self` the name is, or None."""
        cst = _cst()
        if not isinstance(node, cst.Name):
            return None
        binding = env.get(node.value)
        if binding is None or len(binding.defs) != 1:
            return None
        definition = binding.defs[0]
        func = definition.func
        if definition.kind == "param" and definition.index == 0 and func is not None and func.is_method:
            return func
        return None

    def _attribute_of(self, receivers: frozenset, attribute: str, frame: Frame) -> frozenset:
        origins: set[Origin] = set()
        for receiver in receivers:
            if isinstance(receiver, Instance):
                if attribute in receiver.cls.fields:
                    origins |= self._field(receiver, attribute)
                else:
                    origins |= self._self_attribute(receiver.cls, attribute, frame)
            elif isinstance(receiver, Read) and receiver.form not in (DICT, None):
                origins.add(Item(receiver, attribute))
            else:
                origins.add(UNKNOWN)
        return frozenset(origins)

    def _field(self, instance: Instance, name: str) -> frozenset:
        for keyword, origins in instance.keywords:
            if keyword == name:
                return origins
        form = _annotation_form(instance.cls.fields.get(name))
        origins: set[Origin] = set()
        for source in instance.validated_from:
            if isinstance(source, Source):
                origins.add(Read(source, name, form))
            elif isinstance(source, Read):
                origins.add(Item(source, name))
            else:
                origins.add(UNKNOWN)
        return frozenset(origins) or frozenset({UNKNOWN})

    def _self_attribute(self, cls: ClassInfo | None, attribute: str, frame: Frame) -> frozenset:
        if cls is None:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        found = False
        for info in self._class_chain(cls):
            for method in info.methods.values():
                flow = self.flow(method)
                for name, value, env in flow.self_assigns:
                    if name == attribute:
                        found = True
                        origins |= self.evaluate(value, Frame(method, (), frame.depth), env)
            if not found and attribute in info.values:
                found = True
                origins |= self.evaluate(info.values[attribute], Frame(self.index(info.module).body), self.flow(self.index(info.module).body).final)
        if not found:
            return frozenset({UNKNOWN})
        if any(attribute in self.flow(m).self_mutated for info in self._class_chain(cls) for m in info.methods.values()):
            origins = {_with_keys(o, frozenset(), True) for o in origins}  # keys put in elsewhere
        return frozenset(origins)

    def _class_chain(self, cls: ClassInfo) -> list[ClassInfo]:
        chain = [cls]
        pending = [cls]
        while pending and len(chain) < 8:
            current = pending.pop(0)
            for base in current.base_names:
                resolved = self.resolve_class(current.module, base)
                if resolved is not None and resolved not in chain:
                    chain.append(resolved)
                    pending.append(resolved)
        return chain

    # calls -------------------------------------------------------------------------------

    def _call(self, node: Any, frame: Frame, env: Env) -> frozenset:
        cst = _cst()
        func_node = node.func
        callee = dotted(func_node)
        args = node.args
        if isinstance(func_node, cst.Attribute):
            method = func_node.attr.value
            if method in ("get", "pop") and args and not args[0].keyword and not args[0].star:
                key = string_value(args[0].value)
                if key is None:
                    return frozenset({UNKNOWN})
                receivers = self.evaluate(func_node.value, frame, env)
                found = self._key(receivers, key, node, frame)
                if len(args) > 1:
                    found |= self.evaluate(args[1].value, frame, env)
                return found
            if method in ("copy", "model_copy") and not args:
                return self.evaluate(func_node.value, frame, env)
            if method in ("model_dump", "dict", "to_dict"):
                return frozenset(_as_dict(o) for o in self.evaluate(func_node.value, frame, env))
        if callee in ("copy.copy", "copy.deepcopy", "deepcopy", "copy") and len(args) == 1:
            return self.evaluate(args[0].value, frame, env)
        if callee in ("cast", "typing.cast") and len(args) == 2:
            return self.evaluate(args[1].value, frame, env)
        if callee == "dict":
            if len(args) == 1 and not args[0].keyword and not args[0].star:
                return frozenset(_as_dict(o) for o in self.evaluate(args[0].value, frame, env))
            return frozenset({self._built(node, None, frame, env)})
        config = self.config_class(frame.func.module, func_node, env)
        if config is not None:
            class_name, how = config
            if how == "call":
                return frozenset({self._built(node, class_name, frame, env)})
            if how == "validate" and len(args) == 1 and not args[0].keyword:
                spread = self.evaluate(args[0].value, frame, env)
                return frozenset({Built(node, class_name, (), (spread,), False, self, frame, env)})
            return frozenset({UNKNOWN})
        if frame.depth >= MAX_DEPTH:
            return frozenset({UNKNOWN})
        # the plugin's own classes and functions
        target = self.resolve_callable(func_node, frame, env)
        if isinstance(target, tuple):  # (ClassInfo, how)
            cls, how = target
            return frozenset({self._instance(cls, how, node, frame, env)})
        if isinstance(target, Func):
            return self._returns(target, node, frame, env, skip_self=_skips_self(target, func_node))
        return frozenset({UNKNOWN})

    def _instance(self, cls: ClassInfo, how: str, node: Any, frame: Frame, env: Env) -> Instance:
        validated: set[Origin] = set()
        keywords = []
        if how == "validate":
            if len(node.args) >= 1:
                validated |= self.evaluate(node.args[0].value, frame, env)
        else:
            for arg in node.args:
                if arg.star == "**":
                    validated |= self.evaluate(arg.value, frame, env)
                elif arg.keyword is not None:
                    keywords.append((arg.keyword.value, self.evaluate(arg.value, frame, env)))
        return Instance(cls, frozenset(validated), tuple(keywords))

    def _built(self, node: Any, class_name: str | None, frame: Frame, env: Env) -> Built:
        keys = []
        spreads = []
        opened = False
        for arg in node.args:
            if arg.star == "**":
                spreads.append(self.evaluate(arg.value, frame, env))
            elif arg.star:
                opened = True
            elif arg.keyword is not None:
                keys.append((arg.keyword.value, arg.value))
            else:
                opened = True  # a positional argument: dict(x) is handled before, a model takes none
        return Built(node, class_name, tuple(keys), tuple(spreads), opened, self, frame, env)

    def _dict_display(self, node: Any, frame: Frame, env: Env) -> Built:
        cst = _cst()
        keys = []
        spreads = []
        opened = False
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spreads.append(self.evaluate(element.value, frame, env))
                continue
            key = string_value(element.key)
            if key is None:
                opened = True
            else:
                keys.append((key, element.value))
        return Built(node, None, tuple(keys), tuple(spreads), opened, self, frame, env)

    def _returns(self, callee: Func, call: Any, frame: Frame, env: Env, skip_self: bool) -> frozenset:
        flow = self.flow(callee)
        if flow.generator or callee.node is None:
            return frozenset({UNKNOWN})
        bindings = []
        for index, param in enumerate(callee.params()):
            argument = _argument_for(callee, call, param, index, skip_self)
            if argument is None:
                origins = frozenset({UNKNOWN})
            elif argument is _DEFAULT:
                origins = self.evaluate(param.default, Frame(callee.parent or callee, (), frame.depth + 1), self._def_env(callee))
            elif argument is _SELF:
                receiver = call.func.value
                if isinstance(receiver, _cst().Name) and receiver.value == frame.func.self_name:
                    continue  # self calling its own method: `self` stays the class's
                origins = self.evaluate(receiver, frame, env)
            else:
                origins = self.evaluate(argument, frame, env)
            bindings.append((param.name.value, origins))
        callee_frame = Frame(callee, tuple(bindings), frame.depth + 1)
        origins: set[Origin] = set()
        if not flow.returns:
            return frozenset({Const("none")})
        for value, return_env in flow.returns:
            if value is None:
                origins.add(Const("none"))
            else:
                origins |= self.evaluate(value, callee_frame, return_env)
        return frozenset(origins)

    # resolution --------------------------------------------------------------------------

    def config_class(self, module: "PyModule", func_node: Any, env: Env | None = None) -> tuple[str, str] | None:
        """(config class name, "call" | "validate" | "other") when `func_node` names an SDK config class."""
        cst = _cst()
        how = "call"
        if isinstance(func_node, cst.Attribute) and func_node.attr.value in ("model_validate", "parse_obj", "model_construct", "construct"):
            how = "validate" if func_node.attr.value in ("model_validate", "parse_obj") else "other"
            func_node = func_node.value
        name = dotted(func_node)
        last = name.split(".")[-1]
        if last not in CONFIG_CLASSES:
            return None
        index = self.index(module)
        if last in index.classes:
            return None  # the plugin's own class of that name
        if last == "ModelConfig" and "workflow_node." not in name:
            # a name this common counts only when imported from the SDK's workflow_node module
            head = name.split(".")[0]
            local = env.get(head) if env else None
            if local is not None:
                imports = [d.node for d in local.defs if d.kind == "import"]
                from_sdk = any(getattr(i, "module", None) is not None and "workflow_node" in dotted(i.module) for i in imports)
            else:
                binding = module.outline.imports.get(head) if module.outline else None
                from_sdk = binding is not None and "workflow_node" in binding.module
            if not from_sdk:
                return None
        return last, how

    def resolve_callable(self, func_node: Any, frame: Frame, env: Env) -> Any:
        """A Func, or (ClassInfo, "call" | "validate"), for a call of the plugin's own code."""
        cst = _cst()
        module = frame.func.module
        if isinstance(func_node, cst.Name):
            name = func_node.value
            binding = env.get(name)
            if binding is None:
                return self.resolve_name(module, name)
            targets = {id(t): t for t in (self._def_target(module, d, name) for d in binding.defs)}
            if len(targets) != 1:
                return None
            return next(iter(targets.values()))
        if isinstance(func_node, cst.Attribute):
            method = func_node.attr.value
            receiver = func_node.value
            if method in ("model_validate", "parse_obj"):
                if not isinstance(receiver, cst.Name):
                    return None
                found = self.resolve_callable(receiver, frame, env)
                return (found[0], "validate") if isinstance(found, tuple) else None
            func = frame.func
            if isinstance(receiver, cst.Name) and receiver.value == func.self_name and func.cls is not None:
                bound = frame.bound(receiver.value)
                classes = {o.cls for o in bound if isinstance(o, Instance)} if bound is not None else set()
                if not classes:
                    return self.method(func.cls, method)
                return self.method(classes.pop(), method) if len(classes) == 1 else None
            if isinstance(receiver, cst.Call) and dotted(receiver.func) == "super" and func.cls is not None:
                chain = self._class_chain(func.cls)[1:]
                for info in chain:
                    if method in info.methods:
                        return info.methods[method]
                return None
            if isinstance(receiver, cst.Name):
                binding = env.get(receiver.value)
                if binding is None:
                    target = self.resolve_name(module, receiver.value)
                elif len(binding.defs) == 1:
                    target = self._def_target(module, binding.defs[0], receiver.value)
                else:
                    target = None
                if isinstance(target, tuple):
                    return self.method(target[0], method)
            origins = self.evaluate(receiver, frame, env)
            classes = {o.cls for o in origins if isinstance(o, Instance)}
            if len(classes) == 1 and all(isinstance(o, Instance) for o in origins):
                return self.method(classes.pop(), method)
        return None

    def _def_target(self, module: "PyModule", definition: Def, name: str) -> Any:
        """What a name bound by a def, class or import statement refers to (None: unknown)."""
        cst = _cst()
        index = self.index(module)
        if definition.kind == "def":
            node = definition.node
            if isinstance(node, cst.FunctionDef):
                return index.funcs.get(id(node))
            for info in index.all_classes:
                if info.node is node:
                    return (info, "call")
            return None
        if definition.kind == "import":
            statement = definition.node
            if isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
                for alias in statement.names:
                    local = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(local, cst.Name) and local.value == name and isinstance(alias.name, cst.Name):
                        written = "." * len(statement.relative) + (dotted(statement.module) if statement.module else "")
                        target = self.module_for(module, written)
                        return self.resolve_name(target, alias.name.value) if target is not None else None
            return self.resolve_name(module, name) if statement is None else None
        return None

    def method(self, cls: ClassInfo, name: str) -> Func | None:
        for info in self._class_chain(cls):
            if name in info.methods:
                return info.methods[name]
        return None

    def resolve_name(self, module: "PyModule", name: str, hops: int = 0) -> Any:
        """A module-level def or class of the plugin that `name` refers to in `module`."""
        if not name or "." in name or hops > 3:
            return None
        index = self.index(module)
        if name in index.functions:
            return index.functions[name]
        if name in index.classes:
            return (index.classes[name], "call")
        outline = module.outline
        binding = outline.imports.get(name) if outline is not None else None
        if binding is None or binding.name is None:
            return None
        target = self.module_for(module, binding.module)
        if target is None:
            return None
        return self.resolve_name(target, binding.name, hops + 1)

    def resolve_class(self, module: "PyModule", name: str) -> ClassInfo | None:
        found = self.resolve_name(module, name)
        return found[0] if isinstance(found, tuple) else None

    def module_for(self, module: "PyModule", written: str) -> "PyModule | None":
        level = len(written) - len(written.lstrip("."))
        dotted_name = written[level:]
        if level:
            base = posixpath.dirname(module.path)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
        else:
            base = ""
        stem = posixpath.join(base, *dotted_name.split(".")) if dotted_name else base
        for candidate in (stem + ".py", posixpath.join(stem, "__init__.py")):
            candidate = posixpath.normpath(candidate).lstrip("./") if candidate.startswith("./") else posixpath.normpath(candidate)
            found = self.modules.get(candidate)
            if found is not None:
                return found
        return None

    # callers -----------------------------------------------------------------------------

    def call_sites(self, func: Func) -> list[tuple[Any, Func, bool]]:
        """Every call of `func` in the plugin: (call node, calling Func, whether `self` is implicit)."""
        cached = self._callers.get(id(func))
        if cached is not None:
            return cached
        self._callers[id(func)] = []
        cst = _cst()
        sites: list[tuple[Any, Func, bool]] = []
        name = func.name
        is_init = name == "__init__"
        wanted = func.cls.name if is_init and func.cls is not None else name
        for module in self.modules.values():
            if wanted not in module.text or module.tree is None:
                continue
            index = self.index(module)
            for caller in [index.body, *index.funcs.values()]:
                flow = self.flow(caller)
                for call in flow.calls:
                    callee = call.func
                    last = callee.attr.value if isinstance(callee, cst.Attribute) else callee.value if isinstance(callee, cst.Name) else None
                    if last != wanted:
                        continue
                    env = flow.call_env.get(id(call)) or {}
                    if is_init:
                        target = self.resolve_callable(callee, Frame(caller, (), MAX_DEPTH), env)
                        if isinstance(target, tuple) and target[0] is func.cls:
                            sites.append((call, caller, True))
                        continue
                    target = self.resolve_callable(callee, Frame(caller, (), MAX_DEPTH - 1), env)
                    if target is func:
                        sites.append((call, caller, _skips_self(func, callee)))
        self._callers[id(func)] = sites
        return sites


def _skips_self(func: Func, callee_node: Any) -> bool:
    """Whether a call supplies `self` implicitly (a bound method call)."""
    cst = _cst()
    if not func.is_method:
        return False
    if func.name == "__init__":
        return True
    if isinstance(callee_node, cst.Attribute):
        is_classmethod = any(dotted(d.decorator) == "classmethod" for d in func.node.decorators)
        receiver = callee_node.value
        if isinstance(receiver, cst.Name) and func.cls is not None and receiver.value == func.cls.name and not is_classmethod:
            return False
        return True
    return False


def _argument_for(func: Func, call: Any, param: Any, index: int, skip_self: bool) -> Any:
    """The expression a call passes for a parameter, _DEFAULT, _SELF, or None when unknown."""
    name = param.name.value
    positional = func.positional
    offset = 1 if skip_self else 0
    if skip_self and index == 0 and positional and positional[0] is param:
        return _SELF
    position = 0
    for arg in call.args:
        if arg.star:
            return None  # *args or **kwargs might supply it
        if arg.keyword is None:
            slot = position + offset
            if slot < len(positional) and positional[slot] is param:
                return arg.value
            position += 1
        elif arg.keyword.value == name:
            return arg.value
    if param.default is not None:
        return _DEFAULT
    return None


def _annotation_form(annotation: Any) -> str:
    """The form of a pydantic field's value: a config class name, or DICT."""
    cst = _cst()
    if annotation is None:
        return DICT
    if isinstance(annotation, cst.Subscript):  # Optional[X], Union[...], dict[str, Any]
        base = dotted(annotation.value).split(".")[-1]
        if base in ("Optional",) and annotation.slice:
            inner = annotation.slice[0].slice
            return _annotation_form(inner.value) if isinstance(inner, cst.Index) else DICT
        return DICT if base in ("dict", "Dict", "Mapping") else "other"
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        left = _annotation_form(annotation.left)
        right = _annotation_form(annotation.right)
        return left if dotted(annotation.right) == "None" else right if dotted(annotation.left) == "None" else "other"
    if isinstance(annotation, cst.SimpleString):
        return "other"
    name = dotted(annotation).split(".")[-1]
    if name in CONFIG_CLASSES:
        return name
    if name in ("dict", "Dict", "Mapping", "Any"):
        return DICT
    return "other"


def _as_dict(origin: Origin) -> Origin:
    """The origin after `.model_dump()` / `dict(x)`: the same value as a plain dict."""
    if isinstance(origin, Read):
        return replace(origin, form=DICT)
    if isinstance(origin, Built) and origin.class_name is not None:
        cls = CONFIG_CLASSES.get(origin.class_name)
        defaults = tuple((k, None) for k in (cls.optional if cls else ()) if not origin.has(k))
        return replace(origin, class_name=None, keys=origin.keys + defaults)
    return origin if origin.form == DICT else UNKNOWN


def _with_keys(origin: Origin, added: frozenset, opened: bool) -> Origin:
    if isinstance(origin, Read):
        return replace(origin, added=origin.added | added, opened=origin.opened or opened)
    if isinstance(origin, Built) and origin.class_name is None:
        return replace(origin, added=origin.added + tuple(sorted(added, key=lambda kv: kv[0])), opened=origin.opened or opened)
    return origin


def flatten(origins: Iterable[Origin]) -> Iterator[Origin]:
    """The origins and, recursively, those of every `**spread` of a built dict or config."""
    seen: set[int] = set()
    pending = list(origins)
    while pending:
        origin = pending.pop()
        if id(origin) in seen:
            continue
        seen.add(id(origin))
        yield origin
        if isinstance(origin, Built):
            for spread in origin.spreads:
                pending.extend(spread)
