"""One function's statements walked in order: which definitions of each local name reach each
call, return and nested def. Both arms of a branch are followed and joined; loops are walked
twice; `return`, `raise`, `break` and `continue` end a path; `isinstance(x, dict)`, `if x` and
`x is None` narrow a name in the arms of an `if`."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Any

from ...python.astutil import TryNode, call_arguments, children, dotted, name_text, string_value, target_names
from ...python.scopes import Func


@dataclass(frozen=True, eq=False)
class Def:
    """One way a name got its value: kind "assign" (node evaluated in env, inside func), "param"
    (the index-th parameter of func; node is its `Param`), "import" (node is the import
    statement), "def" (node is the def or class statement) or "unknown"."""

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
    narrow: str | None = None  # "dict" / "notdict" after an isinstance test, "truthy" after `if x`

    def merge(self, other: "Binding") -> "Binding":
        defs = self.defs + tuple(d for d in other.defs if all(d is not mine for mine in self.defs))
        return Binding(
            defs,
            self.added | other.added,
            self.opened or other.opened,
            self.narrow if self.narrow == other.narrow else None,
        )


Env = dict  # name -> Binding; None stands for "unreachable"


def merge(*envs: Env | None) -> Env | None:
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
class FlowResult:
    call_env: dict[int, Env] = field(default_factory=dict)  # id(ast.Call) -> env before it
    calls: list[ast.Call] = field(default_factory=list)
    returns: list[tuple[Any, Env]] = field(default_factory=list)  # (value expression, env)
    self_assigns: list[tuple[str, Any, Env]] = field(default_factory=list)  # self.X = value
    self_mutated: set[str] = field(default_factory=set)  # self.X[...] = v, self.X.update(...), an alias's
    nested_env: dict[int, Env] = field(default_factory=dict)  # id(def node) -> env at its def
    final: Env = field(default_factory=dict)
    generator: bool = False


PURE_CALLS = {
    "len", "str", "repr", "print", "isinstance", "bool", "int", "float", "list", "tuple", "sorted", "hasattr",
    "getattr", "json.dumps", "logger.info", "logger.debug", "logger.warning", "logger.error", "logger.exception",
    "logging.info", "logging.debug", "logging.warning", "logging.error", "id", "type", "iter", "next", "enumerate",
    "zip", "any", "all", "set", "min", "max", "range", "format",
}  # fmt: skip
DICT_TYPES = {
    "dict",
    "Dict",
    "Mapping",
    "MutableMapping",
    "typing.Dict",
    "typing.Mapping",
    "collections.abc.Mapping",
    "abc.Mapping",
}

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class FlowBuilder:
    """Walks one function's statements in order, recording the environment at each call."""

    def __init__(self, func: Func, start: Env):
        self.func = func
        self.result = FlowResult()
        self.self_name = func.self_name
        env = dict(start)
        for index, param in enumerate(func.params):
            env[param.name] = Binding((Def("param", param, None, func, index),))
        if func.node is not None:
            args = func.node.args  # type: ignore[attr-defined]
            for star in (args.vararg, args.kwarg):
                if star is not None:
                    env[star.arg] = Binding((UNKNOWN_DEF,))
        self.result.final = self.block(func.body, env) or {}

    # statements ------------------------------------------------------------------------------

    def block(self, statements: list[ast.stmt], env: Env | None) -> Env | None:
        for statement in statements:
            if env is None:
                return None
            env = self.statement(statement, env)
        return env

    def statement(self, s: ast.stmt, env: Env) -> Env | None:
        if isinstance(s, ast.If):
            self.record(s.test, env)
            yes, no = self.narrow(s.test, env)
            a = self.block(s.body, yes)
            b = no if not s.orelse else (self.block(s.orelse, no) if no is not None else None)
            return merge(a, b)
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            loop = not isinstance(s, ast.While)
            self.record(s.iter if loop else s.test, env)  # type: ignore[union-attr]
            first_in = self.bind_unknown(s.target, env) if loop else env  # type: ignore[union-attr]
            first = self.block(s.body, first_in)
            again_in = merge(env, first)
            if loop:
                again_in = self.bind_unknown(s.target, again_in)  # type: ignore[union-attr]
            second = self.block(s.body, again_in)
            after = merge(env, first, second)
            if s.orelse:
                after = self.block(s.orelse, after)
            return after
        if isinstance(s, TryNode):
            tried = self.block(s.body, env)
            anywhere = merge(env, tried)
            outs = []
            for handler in s.handlers:
                if handler.type is not None:
                    self.record(handler.type, anywhere)
                h_env = anywhere
                if handler.name:
                    h_env = dict(h_env)
                    h_env[handler.name] = Binding((UNKNOWN_DEF,))
                outs.append(self.block(handler.body, h_env))
            normal = self.block(s.orelse, tried) if s.orelse else tried
            merged = merge(normal, *outs)
            if s.finalbody:
                final = self.block(s.finalbody, merge(merged, anywhere) if merged is not None else anywhere)
                return final if merged is not None else None
            return merged
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                self.record(item.context_expr, env)
                if item.optional_vars is not None:
                    env = self.bind_unknown(item.optional_vars, env)
            return self.block(s.body, env)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in s.decorator_list:
                self.record(decorator, env)
            self.result.nested_env[id(s)] = env
            env = dict(env)
            env[s.name] = Binding((Def("def", s),))
            return env
        if isinstance(s, ast.ClassDef):
            env = dict(env)
            env[s.name] = Binding((Def("def", s),))
            return env
        if isinstance(s, ast.Match):
            self.record(s.subject, env)
            outs = [self.block(case.body, env) for case in s.cases]
            return merge(env, *outs)
        return self.small(s, env)

    def small(self, s: ast.stmt, env: Env) -> Env | None:
        if isinstance(s, ast.Assign):
            opened = self.record(s.value, env)
            new = dict(env)
            definition = Def("assign", s.value, env, self.func)
            for target in s.targets:
                self.assign(target, definition, s.value, new, env)
            return self.open(new, opened)
        if isinstance(s, ast.AnnAssign):
            if s.value is None:
                return env
            opened = self.record(s.value, env)
            new = dict(env)
            self.assign(s.target, Def("assign", s.value, env, self.func), s.value, new, env)
            return self.open(new, opened)
        if isinstance(s, ast.AugAssign):
            opened = self.record(s.value, env)
            new = dict(env)
            target = s.target
            if isinstance(target, ast.Name):
                binding = new.get(target.id)
                if isinstance(s.op, ast.BitOr) and binding is not None:
                    keys = literal_keys(s.value)
                    if keys is None:
                        new[target.id] = replace(binding, opened=True)
                    else:
                        new[target.id] = replace(binding, added=binding.added | keys)
                else:
                    new[target.id] = Binding((UNKNOWN_DEF,))
            return self.open(new, opened)
        if isinstance(s, ast.Expr):
            opened = self.record(s.value, env)
            new = self.mutation(s.value, env)
            return self.open(new, opened)
        if isinstance(s, ast.Return):
            if s.value is not None:
                self.record(s.value, env)
                self.result.returns.append((s.value, env))
            else:
                self.result.returns.append((None, env))
            return None
        if isinstance(s, ast.Raise):
            if s.exc is not None:
                self.record(s.exc, env)
            return None
        if isinstance(s, (ast.Break, ast.Continue)):
            return None
        if isinstance(s, ast.Delete):
            new = dict(env)
            for target in s.targets:
                for name in target_names(target):
                    new.pop(name, None)
            return new
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            new = dict(env)
            for alias in s.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                if "." not in local:  # `import a.b` binds nothing this analysis follows
                    new[local] = Binding((Def("import", s),))
            return new
        if isinstance(s, ast.Assert):
            self.record(s.test, env)
            yes, _ = self.narrow(s.test, env)
            return yes
        return env

    # helpers ---------------------------------------------------------------------------------

    def assign(self, target: ast.expr, definition: Def, value: ast.expr, new: Env, env: Env) -> None:
        if isinstance(target, ast.Name):
            new[target.id] = Binding((definition,))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for name in target_names(target):
                new[name] = Binding((UNKNOWN_DEF,))
        elif isinstance(target, ast.Subscript) and self._self_attribute_name(target.value, env):
            self.result.self_mutated.add(self._self_attribute_name(target.value, env))  # type: ignore[arg-type]
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            binding = new.get(target.value.id)
            if binding is not None:
                key = subscript_key(target)
                if key is None:
                    new[target.value.id] = replace(binding, opened=True)
                else:
                    new[target.value.id] = replace(binding, added=binding.added | {(key, value)})
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self.self_name:
            self.result.self_assigns.append((target.attr, value, env))

    def bind_unknown(self, target: ast.expr, env: Env | None) -> Env | None:
        if env is None:
            return None
        new = dict(env)
        for name in target_names(target):
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

    def _self_attribute_name(self, node: ast.expr, env: Env) -> str | None:
        """X when node is `self.X`, or a name bound only to `self.X` (an alias of it)."""
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == self.self_name
            and self.self_name
        ):
            return node.attr
        if isinstance(node, ast.Name) and node.id in env:
            defs = env[node.id].defs
            if len(defs) == 1 and defs[0].kind == "assign" and defs[0].node is not node:
                return (
                    self._self_attribute_name(defs[0].node, defs[0].env or {})
                    if isinstance(defs[0].node, ast.Attribute)
                    else None
                )
        return None

    def mutation(self, value: ast.expr, env: Env) -> Env:
        """`d.update({...})`, `d.setdefault("k", v)`: keys the dict named d gains."""
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in ("update", "setdefault", "__setitem__")
        ):
            attribute = self._self_attribute_name(value.func.value, env)
            if attribute is not None:
                self.result.self_mutated.add(attribute)
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name)):
            return env
        name = value.func.value.id
        binding = env.get(name)
        if binding is None:
            return env
        method = value.func.attr
        arguments = call_arguments(value)
        if method == "update":
            keys: frozenset | None = frozenset()
            for arg in arguments:
                if arg.keyword is not None:
                    keys = keys | {(arg.keyword, arg.value)} if keys is not None else None
                elif arg.star:
                    keys = None
                else:
                    found = literal_keys(arg.value)
                    keys = keys | found if keys is not None and found is not None else None
            new = dict(env)
            new[name] = replace(binding, opened=True) if keys is None else replace(binding, added=binding.added | keys)
            return new
        if method == "setdefault" and arguments:
            key = string_value(arguments[0].value)
            new = dict(env)
            if key is None:
                new[name] = replace(binding, opened=True)
            else:
                default = arguments[1].value if len(arguments) > 1 else None
                new[name] = replace(binding, added=binding.added | {(key, default)})
            return new
        return env

    def record(self, expression: ast.AST, env: Env) -> set[str]:
        """Remember the environment at every call inside the expression; return the names of
        dicts handed to code that may add keys to them."""
        opened: set[str] = set()
        stack: list[tuple[ast.AST, Env]] = [(expression, env)]
        while stack:
            node, current = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                self.result.generator = True
            if isinstance(node, _COMPREHENSIONS):
                shadowed = dict(current)
                for generator in node.generators:
                    for name in target_names(generator.target):
                        shadowed[name] = Binding((UNKNOWN_DEF,))
                current = shadowed
            elif isinstance(node, ast.Lambda):
                shadowed = dict(current)
                args = node.args
                for param in (*args.args, *args.posonlyargs, *args.kwonlyargs):
                    shadowed[param.arg] = Binding((UNKNOWN_DEF,))
                current = shadowed
            if isinstance(node, ast.Call):
                self.result.call_env[id(node)] = current
                self.result.calls.append(node)
                callee = dotted(node.func)
                if callee not in PURE_CALLS and not callee.endswith("ModelConfig") and not callee.startswith("self.session"):
                    for arg in call_arguments(node):
                        if not arg.star and isinstance(arg.value, ast.Name) and arg.value.id in current:
                            opened.add(arg.value.id)
            for child in children(node):
                stack.append((child, current))
        return opened

    def narrow(self, test: ast.expr, env: Env) -> tuple[Env | None, Env | None]:
        """The environments in the true and false arms of `if test`."""
        yes: dict[str, str] = {}
        no: dict[str, str] = {}
        self._narrowing(test, yes, no)
        return self._apply(env, yes), self._apply(env, no)

    def _narrowing(self, test: ast.expr, yes: dict[str, str], no: dict[str, str]) -> None:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self._narrowing(test.operand, no, yes)
            return
        if isinstance(test, ast.BoolOp):
            for value in test.values:
                inner_yes: dict[str, str] = {}
                inner_no: dict[str, str] = {}
                self._narrowing(value, inner_yes, inner_no)
                if isinstance(test.op, ast.And):
                    yes.update(inner_yes)
                else:
                    no.update(inner_no)
            return
        if isinstance(test, ast.Name):
            yes[test.id] = "truthy"
            return
        if isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 and not test.keywords:
            subject = test.args[0]
            if not isinstance(subject, ast.Name):
                return
            kinds = test.args[1]
            names = [dotted(e) for e in kinds.elts] if isinstance(kinds, ast.Tuple) else [dotted(kinds)]
            if names and all(n in DICT_TYPES for n in names):
                yes[subject.id] = "dict"
                no[subject.id] = "notdict"
            elif names and not any(n in DICT_TYPES or n == "" for n in names):
                yes[subject.id] = "notdict"
            return
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = test.left
            right = test.comparators[0]
            operator = test.ops[0]
            if isinstance(left, ast.Name) and name_text(right) == "None":
                if isinstance(operator, ast.Is):
                    no[left.id] = "truthy"
                elif isinstance(operator, ast.IsNot):
                    yes[left.id] = "truthy"
                return
            if (
                isinstance(left, ast.Call)
                and dotted(left.func) == "type"
                and len(left.args) == 1
                and not left.keywords
                and isinstance(left.args[0], ast.Name)
                and dotted(right) == "dict"
            ):
                name = left.args[0].id
                if isinstance(operator, (ast.Is, ast.Eq)):
                    yes[name], no[name] = "dict", "notdict"
                elif isinstance(operator, (ast.IsNot, ast.NotEq)):
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


def subscript_key(node: ast.Subscript) -> str | None:
    """The literal string key of `x["key"]`, else None."""
    return string_value(node.slice)


def literal_keys(node: ast.expr) -> frozenset | None:
    """The (key, value) pairs of a dict display without spreads, else None."""
    if not isinstance(node, ast.Dict):
        return None
    keys = set()
    for key_node, value in zip(node.keys, node.values):
        if key_node is None:
            return None
        key = string_value(key_node)
        if key is None:
            return None
        keys.add((key, value))
    return frozenset(keys)
