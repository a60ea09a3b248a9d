"""One function interpreted abstractly: what each expression holds where it is used.

The interpreter is assembled from three parts: the statements and narrowing (here), the
expressions (`expressions.py`), the calls (`calls.py`) and the uses that fail (`uses.py`)."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any, Callable, Iterable

from ...python.astutil import (
    TryNode,
    call_arguments,
    children,
    dotted,
    name_text,
    short_text,
    source_text,
    string_value,
    walk,
)
from ...python.module import PyModule
from ...python.scopes import Func
from ..session import SessionCall
from . import facts
from .calls import Calls
from .expressions import Expressions
from .uses import Uses
from .values import (
    BYTES,
    SAFE_NAMES,
    STR,
    UNK,
    Val,
    chunk_shape,
    content_kind,
    hasattr_split,
    is_lazy,
    isinstance_split,
    none_split,
    part_split,
    part_type_subject,
    truthy_split,
    type_names,
)

Env = dict  # str -> frozenset[Val]


def join(*envs: Env | None) -> Env | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return dict(live[0])
    out: Env = {}
    keys = set().union(*live)
    for key in keys:
        present = [e[key] for e in live if key in e]
        if "." in key and len(present) < len(live):
            continue  # a narrowed path on one side only: derive it again from its base
        value = present[0]
        for other in present[1:]:
            if other is not value:  # most names hold the same set on every branch
                value = value | other
        out[key] = value
    return out


class Interpreter(Expressions, Calls, Uses):
    MAX_ROUNDS = 3
    #: a loop's first round reports, taken back unless it was already the fixed point (`loop`);
    #: False interprets every loop silently to its fixed point first, then once more to report
    SPECULATE = True

    def __init__(
        self,
        module: PyModule,
        function: Func,
        calls: dict[int, SessionCall],
        bindings: dict[str, frozenset] | None = None,
        entry: str | None = None,
    ):
        """`calls`: the plugin's session calls by id(node); `bindings`: what a caller passes to some
        of the function's parameters; `entry`: "tool" or "strategy" when the function is the
        `_invoke` Dify calls (what it yields must be a message)."""
        self.module = module
        self.function = function
        self.calls = calls
        self.bindings = bindings or {}
        self.entry = entry
        self.handoffs: dict[int, tuple[ast.Call, dict[int, frozenset]]] = {}  # calls passing a result on
        self.events: dict[tuple[str, Any], facts.Event] = {}
        self.reporting = True
        self.quiet = 0
        self.loops: list[tuple[list, list]] = []
        self.read: set[int] = set()  # id() of session call nodes whose lazy result was read
        self.candidates: dict[int, tuple[Any, Val, str | None]] = {}  # lazy results bound to a name or dropped
        self._nested: set[str] | None = None
        self._codes: dict[int, str] = {}
        self._paths: dict[int, set[str]] = {}
        self.seen: dict[int, frozenset] = {}  # the values an expression had when last evaluated
        self.aliases: dict[str, set[str]] = {}  # name -> the expressions assigned to it (for `if stream:`)
        self.loop_nodes: list[Any] = []  # the loops being interpreted, innermost last

    # helpers ---------------------------------------------------------------------------------

    def code(self, node: ast.AST) -> str:
        key = id(node)
        text = self._codes.get(key)
        if text is None:
            text = self._codes[key] = source_text(self.module, node).strip()
        return text

    def short(self, node: ast.AST, limit: int = 60) -> str:
        return short_text(self.module, node, limit)

    def emit(self, rule: str, node: ast.AST, fact: object, warning: bool = False, key: Any = None, rank: int = 0) -> None:
        """Record a fact; with a `key`, one per key: the highest rank, else the first."""
        if self.reporting and not self.quiet:
            slot = (rule, key if key is not None else id(node))
            current = self.events.get(slot)
            if current is None or rank > current.rank:
                self.events[slot] = facts.Event(rule, node, fact, warning, rank)

    def paths(self, node: Any) -> set[str]:
        key = id(node)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = attribute_paths(node)
        return found

    @property
    def nested_loads(self) -> set[str]:
        """Names used inside nested functions and lambdas: a closure may iterate a generator."""
        if self._nested is None:
            names: set[str] = set()
            if self.function.node is not None:
                stack = [(stmt, False) for stmt in self.function.body]
                while stack:
                    node, nested = stack.pop()
                    if nested:
                        names.update(_names_of(node))
                    inner = nested or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
                    if inner and not nested:
                        names.update(_names_of(node, own=True))
                    stack.extend((child, inner) for child in children(node))
            self._nested = names
        return self._nested

    def mark(self, vals: frozenset) -> None:
        for v in vals:
            if v.call is not None:
                self.read.add(id(v.call))

    # running ---------------------------------------------------------------------------------

    def run(self) -> list[facts.Event]:
        env: Env = {}
        for param in self.function.params:
            env[param.name] = self.bindings.get(param.name, UNK)
        self.block(self.function.body, env)
        for key, (node, value, name) in self.candidates.items():
            if key not in self.read:
                self.emit("lazy", node, self._lazy_fact(value, name))
        return list(self.events.values())

    def block(self, stmts: list[ast.stmt], env: Env | None) -> Env | None:
        for index, stmt in enumerate(stmts):
            if env is None:
                return None
            if isinstance(stmt, ast.If):
                env = self.if_(stmt, env, stmts[index + 1 :])
            else:
                env = self.stmt(stmt, env)
        return env

    def stmt(self, node: ast.stmt, env: Env) -> Env | None:
        if isinstance(node, ast.If):
            return self.if_(node, env, [])
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return self.for_(node, env)
        if isinstance(node, ast.While):
            return self.while_(node, env)
        if isinstance(node, TryNode):
            return self.try_(node, env)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            env = dict(env)
            for item in node.items:
                vals = self.eval(item.context_expr, env)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, vals, env)
            return self.block(node.body, env)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            env = dict(env)
            self._set(node.name, UNK, env)
            return env
        if isinstance(node, ast.Match):
            env = dict(env)
            self.eval(node.subject, env)
            outs = [self.block(case.body, dict(env)) for case in node.cases]
            return join(env, *outs)
        return self.small(node, env)

    def small(self, node: ast.stmt, env: Env) -> Env | None:
        env = dict(env)
        if isinstance(node, ast.Expr):
            vals = self.eval(node.value, env)
            if isinstance(node.value, ast.Call) and id(node.value) in self.calls:
                for v in vals:
                    if is_lazy(v) and v.call is node.value:
                        self.candidates[id(v.call)] = (node.value, v, None)
            return env
        if isinstance(node, ast.Assign):
            vals = self.eval(node.value, env)
            if isinstance(node.value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.aliases.setdefault(target.id, set()).add(self.code(node.value))
            for target in node.targets:
                self.assign(target, vals, env)
                self._bound(target, node.value, vals)
            return env
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                vals = self.eval(node.value, env)
                self.assign(node.target, vals, env)
                self._bound(node.target, node.value, vals)
            return env
        if isinstance(node, ast.AugAssign):
            current = self.eval(node.target, env)
            vals = self.eval(node.value, env)
            result = UNK
            if isinstance(node.op, ast.Add):
                self.check_add(current, vals, node.target, node.value, augmented=True)
                if current and all(v.kind == "str" for v in current):
                    result = STR
                elif current and all(v.kind == "bytes" for v in current):
                    result = BYTES
            self.assign(node.target, result, env)
            return env
        if isinstance(node, ast.Return):
            if node.value is not None:
                self.eval(node.value, env)
            return None
        if isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc, env)
            return None
        if isinstance(node, ast.Assert):
            self.eval(node.test, env)
            self.check_assert(node.test, env)
            return self.narrow(node.test, env, True)
        if isinstance(node, ast.Continue):
            if self.loops:
                self.loops[-1][0].append(env)
            return None
        if isinstance(node, ast.Break):
            if self.loops:
                self.loops[-1][1].append(env)
            return None
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            self.nested_loads.update(node.names)  # shared with other scopes: treat as read
            return env
        return env

    def _bound(self, target: ast.expr, value: ast.expr, vals: frozenset) -> None:
        """A lazy session result bound straight to a name: a candidate for never-iterated."""
        if not isinstance(target, ast.Name):
            return
        if target.id.lower() in SAFE_NAMES and vals and all(v.kind == "moderation" for v in vals):
            self.emit("moderation", target, facts.ModerationNamedSafe(target.id))
        if not isinstance(value, ast.Call) or id(value) not in self.calls or target.id in self.nested_loads:
            return
        for v in vals:
            if is_lazy(v) and v.call is value:
                self.candidates.setdefault(id(value), (target, v, target.id))

    def _lazy_fact(self, v: Val, name: str | None) -> facts.LazyNeverIterated:
        call = self.calls[id(v.call)]
        kind = v.kind if v.kind in ("llm", "app", "tts") else "tool"
        return facts.LazyNeverIterated(call.dotted, kind, name)

    # assignment ------------------------------------------------------------------------------

    def assign(self, target: ast.expr, vals: frozenset, env: Env) -> None:
        if isinstance(target, ast.Name):
            self._set(target.id, vals, env)
        elif isinstance(target, ast.Attribute):
            key = dotted(target)
            self.eval(target.value, env)
            if key:
                self._set(key, vals, env)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign(element, UNK, env)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNK, env)
        elif isinstance(target, ast.Subscript):
            self.eval(target.value, env)

    @staticmethod
    def _set(key: str, vals: frozenset, env: Env) -> None:
        prefix = key + "."
        for k in [k for k in env if k.startswith(prefix)]:
            del env[k]
        env[key] = vals

    # loops -----------------------------------------------------------------------------------

    def loop(self, env: Env, body: Callable[[Env], Env | None]) -> tuple[Env, list[Env]]:
        saved = self.reporting
        head = dict(env)
        rounds = self.MAX_ROUNDS
        if saved and self.SPECULATE:
            # The first round reports: when its head is already the fixed point (most loops), it is
            # the reporting pass, and the body is evaluated once instead of twice. Otherwise what
            # it reported is taken back, and it counts as the first of the silent rounds (the
            # values do not depend on reporting).
            events, handoffs = dict(self.events), dict(self.handoffs)
            self.loops.append(([], []))
            out = body(dict(head))
            continues, breaks = self.loops.pop()
            new_head = join(env, out, *continues)
            if new_head == head:
                return join(env, head, out, *continues), breaks
            self.events, self.handoffs = events, handoffs
            head = new_head
            rounds -= 1
        self.reporting = False
        for _ in range(rounds):
            self.loops.append(([], []))
            out = body(dict(head))
            continues, _breaks = self.loops.pop()
            new_head = join(env, out, *continues)
            if new_head == head:
                break
            head = new_head
        self.reporting = saved
        self.loops.append(([], []))
        out = body(dict(head))
        continues, breaks = self.loops.pop()
        return join(env, head, out, *continues), breaks

    def for_(self, node: ast.For | ast.AsyncFor, env: Env) -> Env | None:
        env = dict(env)
        target = node.target
        iterable = node.iter
        if (
            isinstance(iterable, ast.Call)
            and dotted(iterable.func) == "enumerate"
            and (iterable.args or iterable.keywords)
            and isinstance(target, ast.Tuple)
            and len(target.elts) == 2
        ):
            arguments = call_arguments(iterable)
            vals = self.eval(arguments[0].value, env)
            for arg in arguments[1:]:
                self.eval(arg.value, env)
            elems = self.iterate(vals, arguments[0].value, env)
            item_target = target.elts[1]
            index_target = target.elts[0]
        else:
            vals = self.eval(iterable, env)
            pairs = isinstance(target, (ast.Tuple, ast.List))
            elems = self.iterate(vals, iterable, env, pairs=pairs)
            item_target = target
            index_target = None
        if isinstance(item_target, ast.Name) and elems <= UNK and self._reads_chunk_shape(node.body, item_target.id):
            elems = frozenset({Val("chunk", mode="shape", label=item_target.id)})

        def body(e: Env) -> Env | None:
            if index_target is not None:
                self.assign(index_target, UNK, e)
            self.assign(item_target, elems, e)
            self.loop_nodes.append(node)
            try:
                return self.block(node.body, e)
            finally:
                self.loop_nodes.pop()

        head, breaks = self.loop(env, body)
        after = head
        if node.orelse:
            after = self.block(node.orelse, dict(head))
        return join(after, *breaks)

    def while_(self, node: ast.While, env: Env) -> Env | None:
        def body(e: Env) -> Env | None:
            self.eval(node.test, e)
            inside = self.narrow(node.test, e, True)
            self.loop_nodes.append(node)
            try:
                return self.block(node.body, inside) if inside is not None else None
            finally:
                self.loop_nodes.pop()

        head, breaks = self.loop(dict(env), body)
        after = self.narrow(node.test, head, False)
        if node.orelse and after is not None:
            after = self.block(node.orelse, after)
        return join(after, *breaks)

    def try_(self, node: ast.stmt, env: Env) -> Env | None:
        body_out = self.block(node.body, dict(env))  # type: ignore[attr-defined]
        handler_in = join(env, body_out)
        outs = []
        if node.orelse:  # type: ignore[attr-defined]
            outs.append(self.block(node.orelse, body_out) if body_out is not None else None)  # type: ignore[attr-defined]
        else:
            outs.append(body_out)
        for handler in node.handlers:  # type: ignore[attr-defined]
            h_env = dict(handler_in)
            if handler.type is not None:
                self.eval(handler.type, h_env)
            if handler.name:
                self._set(handler.name, UNK, h_env)
            outs.append(self.block(handler.body, h_env))
        out = join(*outs)
        if node.finalbody:  # type: ignore[attr-defined]
            final_out = self.block(node.finalbody, join(out, handler_in))  # type: ignore[attr-defined]
            return final_out if out is not None else None
        return out

    def _reads_chunk_shape(self, body: list[ast.stmt], name: str) -> bool:
        """Whether `<name>.delta.message.content` is read in this loop: the shape of a chunk."""
        return chunk_shape(self.paths(body), name)

    # if --------------------------------------------------------------------------------------

    def if_(self, node: ast.If, env: Env, rest: list[ast.stmt]) -> Env | None:
        env = dict(env)
        self.eval(node.test, env)
        self.check_drop(node, env, rest)
        self.check_moderation_if(node, env)
        true_env = self.narrow(node.test, env, True)
        false_env = self.narrow(node.test, env, False)
        out_true = self.block(node.body, true_env) if true_env is not None else None
        if not node.orelse:
            out_false = false_env
        else:
            out_false = self.block(node.orelse, false_env) if false_env is not None else None
        return join(out_true, out_false)

    # narrowing -------------------------------------------------------------------------------

    def narrow(self, test: ast.expr, env: Env | None, truth: bool) -> Env | None:
        if env is None:
            return None
        env = dict(env)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.narrow(test.operand, env, not truth)
        if isinstance(test, ast.BoolOp):
            return self._narrow_bool(test.op, test.values, env, truth)
        if isinstance(test, ast.NamedExpr):
            return self.narrow(test.target, env, truth)
        env = self._narrow_stream_test(test, env, truth)
        if env is None:
            return None
        if isinstance(test, ast.Call):
            name = dotted(test.func)
            args = [a for a in test.args if not isinstance(a, ast.Starred)]
            if name == "isinstance" and len(args) == 2:
                types = type_names(args[1])
                return self.narrow_key(args[0], env, lambda v: isinstance_split(v, types, truth))
            if name == "hasattr" and len(args) == 2:
                attr = string_value(args[1])
                return self.narrow_key(args[0], env, lambda v: hasattr_split(v, attr, truth))
            return env
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op = test.ops[0]
            left, right = test.left, test.comparators[0]
            if name_text(right) == "None" or name_text(left) == "None":
                subject = left if name_text(right) == "None" else right
                if isinstance(op, (ast.Is, ast.Eq)):
                    return self.narrow_key(subject, env, lambda v: none_split(v, truth))
                if isinstance(op, (ast.IsNot, ast.NotEq)):
                    return self.narrow_key(subject, env, lambda v: none_split(v, not truth))
                return env
            if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                positive = truth if isinstance(op, (ast.Eq, ast.Is)) else not truth
                # `type(x) is str`
                if isinstance(left, ast.Call) and dotted(left.func) == "type" and len(left.args) == 1:
                    types = type_names(right)
                    return self.narrow_key(left.args[0], env, lambda v: isinstance_split(v, types, positive))
                # `part.type == "text"` / `part.type == PromptMessageContentType.TEXT`
                subject = part_type_subject(left)
                if subject is not None:
                    kind = content_kind(right)
                    if kind is not None:
                        return self.narrow_key(subject, env, lambda v: part_split(v, kind, positive))
            return env
        if isinstance(test, (ast.Name, ast.Attribute)):
            env = self.narrow_key(test, env, lambda v: truthy_split(v, truth))
            key = dotted(test)
            if env is not None and key and self.peek(test, env) == UNK:
                # remembered so that a call below it with `stream=<this>` knows the literal
                env[key] = frozenset({Val("const", mode="True" if truth else "False")})
            return env
        return env

    def _narrow_bool(self, op: ast.boolop, values: list[ast.expr], env: Env | None, truth: bool) -> Env | None:
        """`a and b and c` read as `(a and b) and c`, as the grammar nests it."""
        if len(values) == 1:
            return self.narrow(values[0], env, truth)
        left, right = values[:-1], values[-1]

        def narrow_left(e: Env | None, t: bool) -> Env | None:
            return self._narrow_bool(op, left, e, t) if e is not None else None

        if isinstance(op, ast.And):
            if truth:
                return self.narrow(right, narrow_left(env, True), True)
            return join(narrow_left(env, False), self.narrow(right, narrow_left(env, True), False))
        if truth:
            return join(narrow_left(env, True), self.narrow(right, narrow_left(env, False), True))
        return self.narrow(right, narrow_left(env, False), False)

    def peek(self, node: ast.expr, env: Env) -> frozenset:
        """A value without reporting anything about it."""
        self.quiet += 1
        try:
            return self.eval(node, dict(env))
        finally:
            self.quiet -= 1

    def _narrow_stream_test(self, test: ast.expr, env: Env, truth: bool) -> Env | None:
        """`if stream:` (the same expression as the call's `stream=`) decides which shape the result has."""
        code = None
        positive = truth
        if isinstance(test, (ast.Name, ast.Attribute, ast.Call)):
            code = self.code(test)
        elif isinstance(test, ast.Compare) and len(test.ops) == 1:
            literal = string_value(test.comparators[0])
            operator = test.ops[0]
            if literal in ("streaming", "blocking") and isinstance(operator, (ast.Eq, ast.NotEq)):
                code = self.code(test.left)
                positive = truth if literal == "streaming" else not truth
                if isinstance(operator, ast.NotEq):
                    positive = not positive
        if not code:
            return env
        decided = {}
        for key, vals in env.items():  # plain loops: every `if` of an interpreted function comes here
            for v in vals:
                if v.mode == "either" and code in v.stream_code.split("\n"):
                    decided[key] = frozenset(
                        replace(v, mode="stream" if positive else "result")
                        if v.mode == "either" and code in v.stream_code.split("\n")
                        else v
                        for v in vals
                    )
                    break
        env.update(decided)
        return env

    def narrow_key(self, node: ast.expr, env: Env, split: Callable[[Val], frozenset]) -> Env | None:
        if isinstance(node, ast.NamedExpr):
            node = node.target
        key = dotted(node)
        if not key:
            return env
        vals = env[key] if key in env else self.peek(node, env)
        new = frozenset().union(*(split(v) for v in vals)) if vals else frozenset()
        if not new:
            return None
        if new != vals:
            env[key] = new
        return env


def _names_of(node: ast.AST, own: bool = False) -> Iterable[str]:
    """The names a node spells: a name, an attribute, a parameter, a keyword, a def (`own`: only
    the def's own name, for the def that opens the nested scope)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
        return
    if own:
        return
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute):
        yield node.attr
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.keyword) and node.arg:
        yield node.arg


def attribute_paths(node: Any) -> set[str]:
    """Every dotted name path read in a subtree (`a`, `a.b`, `a.b.c`, ...)."""
    paths: set[str] = set()
    for root in node if isinstance(node, (list, tuple)) else (node,):
        for n in walk(root):
            if isinstance(n, ast.Attribute):
                name = dotted(n)
                if name:
                    paths.add(name)
                paths.add(n.attr)
            elif isinstance(n, ast.Name):
                paths.add(n.id)
    return paths
