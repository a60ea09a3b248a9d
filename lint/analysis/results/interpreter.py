"""One function interpreted abstractly: what each expression holds where it is used."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any, Callable, Iterable

from ...python.astutil import (
    TryNode,
    call_arguments,
    dotted,
    else_block,
    name_text,
    only,
    short_text,
    source_text,
    string_value,
)
from ...python.module import PyModule
from ...python.scopes import Func
from ..session import SessionCall
from . import facts
from .values import (
    BYTES,
    BYTES_METHODS,
    CONTENT_TYPES,
    DICT_METHODS,
    FILE,
    FLAGGED_WORDS,
    LIST_ONLY_USES,
    NONE,
    PATH,
    RE_STRING_ARG,
    RESULT_ATTRS,
    SAFE_NAMES,
    STR,
    STR_METHODS,
    SUCCESS_WORDS,
    UNK,
    UNKNOWN,
    Val,
    bad_content,
    chunk_shape,
    content_kind,
    content_types,
    hasattr_split,
    is_lazy,
    isinstance_split,
    last_name,
    none_split,
    part_split,
    part_type_subject,
    truthy_split,
    type_names,
)

Env = dict  # str -> frozenset[Val]

#: message builders whose argument must be text: name -> (position, keyword, use, check nested values)
MESSAGE_BUILDERS = {
    "create_text_message": (0, "text", "text_message", False),
    "create_json_message": (0, "json", "json_message", True),
    "create_stream_variable_message": (1, "variable_value", "variable_message", False),
}
#: uses after which the content is reported before a larger use of it (`len(x)` before `str(x)`)
_SPECIFIC_USES = ("len", "str", "fstring", "percent", "compare", "contains", "yield")


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
        out[key] = frozenset().union(*present)
    return out


class Interpreter:
    MAX_ROUNDS = 3

    def __init__(self, module: PyModule, function: Func, calls: dict[int, SessionCall]):
        self.module = module
        self.function = function
        self.calls = calls
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
                    stack.extend((child, inner) for child in ast.iter_child_nodes(node))
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
            env[param.name] = UNK
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
        self.reporting = False
        head = dict(env)
        for _ in range(self.MAX_ROUNDS):
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
        for key, vals in list(env.items()):
            if any(v.mode == "either" and code in v.stream_code.split("\n") for v in vals):
                env[key] = frozenset(
                    replace(v, mode="stream" if positive else "result")
                    if v.mode == "either" and code in v.stream_code.split("\n")
                    else v
                    for v in vals
                )
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

    # expressions -----------------------------------------------------------------------------

    def eval(self, node: ast.AST, env: Env) -> frozenset:
        vals = self._eval(node, env)
        self.seen[id(node)] = vals
        return vals

    def _eval(self, node: ast.AST, env: Env) -> frozenset:
        if isinstance(node, ast.Constant):
            value = node.value
            if value is True or value is False:
                return frozenset({Val("const", mode=repr(value))})
            if value is None:
                return NONE
            if isinstance(value, bytes):
                return BYTES
            if isinstance(value, str):
                return STR
            return UNK
        if isinstance(node, ast.Name):
            vals = env.get(node.id, UNK)
            self.mark(vals)
            return vals
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value, env)
            key = dotted(node)
            if key and key in env:
                vals = env[key]
                self.mark(vals)
                return vals
            return self.attribute(base, node, env)
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    vals = self.eval(part.value, env)
                    self.content_use(vals, part.value, "fstring")
                    self.optional_use(vals, part.value, "fstring")
            return STR
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left, env)
            right = self.eval(node.right, env)
            if isinstance(node.op, ast.Add):
                self.check_add(left, right, node.left, node.right)
                if any(v.kind == "str" for v in left | right):
                    return STR
                if any(v.kind == "bytes" for v in left | right):
                    return BYTES
            elif isinstance(node.op, ast.Mod) and left and all(v.kind == "str" for v in left):
                self.content_use(right, node.right, "percent")
                return STR
            return UNK
        if isinstance(node, ast.BoolOp):
            return self._eval_bool(node.op, node.values, env)
        if isinstance(node, ast.UnaryOp):
            self.eval(node.operand, env)
            return UNK
        if isinstance(node, ast.Compare):
            left = self.eval(node.left, env)
            previous, previous_node = left, node.left
            for op, comparator in zip(node.ops, node.comparators):
                vals = self.eval(comparator, env)
                self.check_compare(previous, vals, previous_node, comparator, op)
                previous, previous_node = vals, comparator
            return UNK
        if isinstance(node, ast.IfExp):
            self.eval(node.test, env)
            true_env = self.narrow(node.test, dict(env), True)
            false_env = self.narrow(node.test, dict(env), False)
            body = self.eval(node.body, true_env) if true_env is not None else frozenset()
            orelse = self.eval(node.orelse, false_env) if false_env is not None else frozenset()
            return (body | orelse) or UNK
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elems: frozenset = frozenset()
            for element in node.elts:
                vals = self.eval(element.value if isinstance(element, ast.Starred) else element, env)
                elems |= vals
            return frozenset({Val("list", elems=elems)})
        if isinstance(node, ast.Dict):
            elems = frozenset()
            for key_node, value in zip(node.keys, node.values):
                if key_node is not None:
                    self.eval(key_node, env)
                    vals = self.eval(value, env)
                    elems |= vals
                    key = string_value(key_node)
                    if key is not None and key.lower() in SAFE_NAMES and vals and all(v.kind == "moderation" for v in vals):
                        self.emit("moderation", value, facts.ModerationNamedSafe(key))
                else:
                    self.eval(value, env)
            return frozenset({Val("list", elems=elems)})
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return frozenset({Val("list", elems=self.comprehension(node.generators, node.elt, env))})
        if isinstance(node, ast.DictComp):
            return frozenset({Val("list", elems=self.comprehension(node.generators, node.value, env))})
        if isinstance(node, ast.NamedExpr):
            vals = self.eval(node.value, env)
            self.assign(node.target, vals, env)
            return vals
        if isinstance(node, ast.YieldFrom):
            vals = self.eval(node.value, env)
            self.iterate(vals, node.value, env, passing=True)
            return UNK
        if isinstance(node, ast.Yield):
            if node.value is None:
                return UNK
            vals = self.eval(node.value, env)
            self.content_use(vals, node.value, "yield")
            return UNK
        if isinstance(node, ast.Await):
            return self.eval(node.value, env)
        if isinstance(node, ast.Starred):
            self.eval(node.value, env)
            return UNK
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value, env)
            if not isinstance(node.slice, ast.Slice):
                if isinstance(node.slice, ast.Tuple):
                    for element in node.slice.elts:
                        if not isinstance(element, ast.Slice):
                            self.eval(element, env)
                else:
                    self.eval(node.slice, env)
            if base and all(v.kind == "app" and v.mode == "stream" for v in base):
                self.emit("stream", node.value, facts.AppStreamAsResult(self.short(node.value), self._endpoint(base), "[...]"))
            self.optional_use(base, node.value, "subscript")
            return UNK
        return UNK

    def _eval_bool(self, op: ast.boolop, values: list[ast.expr], env: Env) -> frozenset:
        """`a or b or c` read as `(a or b) or c`."""
        if len(values) == 1:
            return self.eval(values[0], env)
        left_values, right_node = values[:-1], values[-1]
        left = self._eval_bool(op, left_values, env)
        narrow_left = (
            (lambda e, t: self._narrow_bool(op, left_values, e, t))
            if len(left_values) > 1
            else (lambda e, t: self.narrow(left_values[0], e, t))
        )
        if isinstance(op, ast.And):
            right_env = narrow_left(dict(env), True)
            keep = frozenset().union(*(truthy_split(v, False) for v in left)) if left else frozenset()
        else:
            right_env = narrow_left(dict(env), False)
            keep = frozenset().union(*(truthy_split(v, True) for v in left)) if left else frozenset()
        right = self.eval(right_node, right_env) if right_env is not None else frozenset()
        return (keep | right) or UNK

    def comprehension(self, generators: list[ast.comprehension], elt: ast.expr, env: Env) -> frozenset:
        env = dict(env)
        for clause in generators:
            vals = self.eval(clause.iter, env)
            pairs = isinstance(clause.target, (ast.Tuple, ast.List))
            elems = self.iterate(vals, clause.iter, env, pairs=pairs)
            if isinstance(clause.target, ast.Name) and elems <= UNK:
                paths = self.paths(elt).union(*(self.paths(i) for i in clause.ifs))
                if chunk_shape(paths, clause.target.id):
                    elems = frozenset({Val("chunk", mode="shape", label=clause.target.id)})
            self.assign(clause.target, elems, env)
            for condition in clause.ifs:
                self.eval(condition, env)
                narrowed = self.narrow(condition, env, True)
                if narrowed is None:
                    return frozenset()
                env = narrowed
        return self.eval(elt, env)

    # attribute access ------------------------------------------------------------------------

    def attribute(self, base: frozenset, node: ast.Attribute, env: Env) -> frozenset:
        name = node.attr
        out: set[Val] = set()
        # uses that fail on the receiver
        if name in RESULT_ATTRS and base and all(v.kind == "llm" for v in base):
            if all(v.mode == "stream" for v in base):
                self.emit("stream", node, facts.StreamedAsResult(self.short(node), self._endpoint(base), name))
            elif all(v.mode in ("stream", "either") for v in base):
                self.emit("mode", node, self._either(base, node.value, f"`.{name}`"))
        if name in DICT_METHODS and base and all(v.kind == "app" for v in base):
            if all(v.mode == "stream" for v in base):
                self.emit(
                    "stream", node.value, facts.AppStreamAsResult(self.short(node.value), self._endpoint(base), f".{name}(...)")
                )
            elif all(v.mode in ("stream", "either") for v in base):
                self.emit("mode", node, self._either(base, node.value, f"`.{name}(...)`"))
        if name in STR_METHODS:
            self.content_use(base, node.value, "method", name)
        self.optional_use(base, node.value, "attribute", name)
        if name in BYTES_METHODS and base and all(v.kind == "tts" for v in base):
            self.emit("tts", node.value, facts.TtsAsBytes(self.short(node.value), f"`.{name}()`", "attribute"))
        for v in base:
            out |= self._attr_value(v, name, node)
        return frozenset(out) or UNK

    def _attr_value(self, v: Val, name: str, node: ast.AST | None) -> frozenset:
        if v.kind == "llm" and v.mode in ("result", "either"):
            if name == "message":
                return frozenset({Val("rmsg")})
            if name == "structured_output" and v.structured:
                return frozenset({Val("opt", mode="structured_output", label=self.short(node))})
            return UNK
        if v.kind == "chunk":
            if name == "delta":
                return frozenset({Val("delta", mode=v.mode, structured=v.structured, label=v.label)})
            if name == "structured_output" and v.structured:
                return frozenset({Val("opt", mode="structured_output", label=self.short(node))})
            return UNK
        if v.kind == "delta":
            if name == "message":
                return frozenset({Val("amsg", label=v.label)})
            if name in ("usage", "finish_reason") and v.mode != "shape":  # only the content's shape is evidence
                return frozenset({Val("opt", mode=name, label=self.short(node) if node is not None else name)})
            return UNK
        if v.kind == "amsg":
            if name == "content":
                return frozenset({Val("content", types=CONTENT_TYPES, label=self.short(node), at=node)})
            return UNK
        if v.kind == "rmsg" and name == "content":
            return STR  # the SDK builds a stream=False result's content from str chunks only
        if v.kind == "part" and name == "data":
            if v.mode == "any" and node is not None:
                self.emit("content", node, facts.PartDataUnchecked(self.short(node)), warning=True, key=("part", id(v.at)))
            return STR if v.mode == "text" else UNK
        if v.kind == "bytes" or v.kind == "str":
            return UNK
        if name == "blob":
            return BYTES  # dify_plugin File.blob
        return UNK

    # calls -----------------------------------------------------------------------------------

    def call(self, node: ast.Call, env: Env) -> frozenset:
        session_call = self.calls.get(id(node))
        if session_call is not None:
            return self.session_call(session_call, env)
        func = node.func
        name = dotted(func)
        last = last_name(name) if name else (func.attr if isinstance(func, ast.Attribute) else "")
        receiver = self.eval(func.value, env) if isinstance(func, ast.Attribute) else frozenset()
        if isinstance(func, ast.Attribute):
            self.attribute(receiver, func, env)
        elif not isinstance(func, ast.Name):
            self.eval(func, env)
        positional: list[tuple[Any, frozenset]] = []
        keywords: dict[str, tuple[Any, frozenset]] = {}
        for arg in call_arguments(node):
            vals = self.eval(arg.value, env)
            if arg.star:
                continue
            if arg.keyword is None:
                positional.append((arg.value, vals))
            else:
                keywords[arg.keyword] = (arg.value, vals)

        def argument(index: int, keyword: str | None = None) -> tuple[Any, frozenset] | None:
            if keyword and keyword in keywords:
                return keywords[keyword]
            return positional[index] if index < len(positional) else None

        first = argument(0)
        if name in ("isinstance", "hasattr", "callable", "type", "id", "print", "repr", "bool"):
            return UNK
        if name == "getattr" and len(positional) >= 2:
            attr = string_value(positional[1][0])
            if attr is not None:
                return frozenset().union(*(self._structural_attr(v, attr, node) for v in positional[0][1])) or UNK
            return UNK
        if name == "len" and first:
            self.content_use(first[1], first[0], "len")
            self.optional_use(first[1], first[0], "len")
            if first[1] and all(v.kind == "tts" for v in first[1]):
                self.emit(
                    "tts",
                    first[0],
                    facts.TtsAsBytes(self.short(first[0]), "`len()`", "len"),
                )
            return UNK
        if name == "str" and first:
            self.content_use(first[1], first[0], "str")
            return STR
        if name in ("next", "iter") and first:
            elems = self.iterate(first[1], first[0], env, how=name)
            return elems if name == "next" else first[1]
        if name in ("list", "tuple", "set", "sorted", "reversed", "frozenset") and first:
            return frozenset({Val("list", elems=self.iterate(first[1], first[0], env, how=name))})
        if name in ("json.dumps", "dumps") and first:
            self.content_use(first[1], first[0], "json", deep=True)
            return STR
        if name in ("json.loads", "loads") and first:
            self.content_use(first[1], first[0], "loads")
            return UNK
        if name.startswith("re.") and last in RE_STRING_ARG:
            target = argument(RE_STRING_ARG[last], "string")
            if target:
                self.content_use(target[1], target[0], "re", last)
            return UNK
        if name in ("cast", "typing.cast") and len(positional) >= 2:
            types = type_names(positional[0][0])
            return frozenset().union(*(isinstance_split(v, types, True) for v in positional[1][1])) or UNK
        if name in (
            "open",
            "io.open",
            "io.BytesIO",
            "BytesIO",
            "io.BufferedReader",
            "tempfile.NamedTemporaryFile",
            "NamedTemporaryFile",
            "tempfile.TemporaryFile",
        ):
            if first and last == "BytesIO":
                self._tts_bytes_arg(first, "`io.BytesIO()`")
            return FILE
        if name in ("bytes", "bytearray"):
            if first:
                self._tts_bytes_arg(first, f"`{name}()`")
            return BYTES
        if (
            name.endswith("b64encode")
            or name.endswith("b64decode")
            or name in ("binascii.hexlify", "hexlify", "binascii.unhexlify", "unhexlify")
        ):
            if first:
                self._tts_bytes_arg(first, f"`{name}()`")
            return BYTES
        if name in ("os.path.join", "os.path.abspath", "os.path.expanduser", "Path", "pathlib.Path", "PurePath"):
            return PATH
        if isinstance(func, ast.Attribute):
            if last == "get_text_content":
                return STR
            if last == "read":
                return BYTES
            if last == "join" and receiver and all(v.kind in ("str", "bytes") for v in receiver) and first:
                self.content_use(first[1], first[0], "join", deep=True)
                return STR if all(v.kind == "str" for v in receiver) else BYTES
            if last in ("append", "extend", "add", "insert") and first:
                key = dotted(func.value)
                item = argument(1) if last == "insert" else first
                if key and key in env and item is not None and any(v.kind == "list" for v in env[key]):
                    new_items = item[1] if last != "extend" else self.iterate(item[1], item[0], env)
                    env[key] = frozenset(replace(v, elems=v.elems | new_items) if v.kind == "list" else v for v in env[key])
                return UNK
            if last in MESSAGE_BUILDERS:
                position, keyword, use, deep = MESSAGE_BUILDERS[last]
                given = argument(position, keyword)
                if given:
                    self.content_use(given[1], given[0], use, deep=deep)
                return UNK
            if last == "create_blob_message":
                blob = argument(0, "blob")
                if blob:
                    self._tts_bytes_arg(blob, "`create_blob_message()`")
                return UNK
            if last == "write" and first:
                self._tts_bytes_arg(first, "`.write()`")
                return UNK
            if receiver and all(v.kind == "str" for v in receiver) and last in STR_METHODS:
                return (
                    STR
                    if last not in ("split", "splitlines", "partition", "rpartition", "rsplit", "encode")
                    else (BYTES if last == "encode" else UNK)
                )
            if receiver and all(v.kind == "bytes" for v in receiver) and last == "decode":
                return STR
        return UNK

    def _structural_attr(self, v: Val, attr: str, node: ast.AST) -> frozenset:
        """getattr(x, "name", default) on chunk structure: the value, without judging the access."""
        if v.kind in ("chunk", "delta", "amsg"):
            if attr == "content" and v.kind == "amsg":
                return frozenset({Val("content", types=CONTENT_TYPES, label=self.short(node), at=node)})
            return self._attr_value(v, attr, None)
        return UNK

    def session_call(self, call: SessionCall, env: Env) -> frozenset:
        node = call.node
        values: dict[str, frozenset] = {}
        if isinstance(node.func, ast.Attribute):
            self.eval(node.func.value, env)
        for arg in call_arguments(node):
            vals = self.eval(arg.value, env)
            for pname, expr in call.arguments.items():
                if expr is arg.value:
                    values[pname] = vals
        endpoint = call.endpoint
        if endpoint is None or call.has_star_args:
            return UNK  # `**kwargs` may hold stream, response_mode or the file: say nothing
        path = call.path
        if endpoint.returns == "llm":
            structured = path[1] == "llm_structured_output"
            mode, code = self._mode(call, "stream", values, {"True": "stream", "False": "result"}, "stream")
            return frozenset({Val("llm", mode=mode, call=node, stream_code=code, structured=structured)})
        if path[0] == "app" and endpoint.returns.startswith("app-"):
            default = "stream" if endpoint.returns == "app-streaming" else "result"
            mode, code = self._mode(call, "response_mode", values, {"streaming": "stream", "blocking": "result"}, default)
            return frozenset({Val("app", mode=mode, call=node, stream_code=code)})
        if path == ("model", "tts", "invoke"):
            return frozenset({Val("tts", call=node)})
        if path[0] == "tool":
            return frozenset({Val("tool", call=node)})
        if path == ("model", "moderation", "invoke"):
            return frozenset({Val("moderation", call=node)})
        if path == ("model", "speech2text", "invoke"):
            expr = call.arguments.get("file")
            vals = values.get("file")
            if expr is not None and vals and all(v.kind in ("bytes", "str", "path") for v in vals):
                self.emit("s2t", expr, facts.Speech2TextNotFile(self.short(expr), all(v.kind == "bytes" for v in vals)))
            return STR
        if path == ("model", "summary", "invoke"):
            return STR
        if path == ("storage", "get"):
            return BYTES
        if path == ("storage", "set"):
            expr = call.arguments.get("val")
            if expr is not None:
                self._tts_bytes_arg((expr, values.get("val", UNK)), "`session.storage.set()`")
            return UNK
        if path == ("file", "upload"):
            expr = call.arguments.get("content")
            if expr is not None:
                self._tts_bytes_arg((expr, values.get("content", UNK)), "`session.file.upload()`")
            return UNK
        return UNK

    def _mode(self, call: SessionCall, param: str, values: dict, literals: dict, default: str) -> tuple[str, str]:
        expr = call.arguments.get(param)
        if expr is None:
            return default, ""
        if name_text(expr) in literals and not isinstance(expr, ast.Attribute):
            return literals[name_text(expr)], ""
        literal = string_value(expr)
        if literal in literals:
            return literals[literal], ""
        vals = values.get(param, UNK)
        consts = {v.mode for v in vals if v.kind == "const"}
        if vals and all(v.kind == "const" for v in vals) and len(consts) == 1 and consts <= set(literals):
            return literals[consts.pop()], ""
        code = self.code(expr)
        codes = {code} | self.aliases.get(code, set()) | {name for name, sources in self.aliases.items() if code in sources}
        return "either", "\n".join([code, *sorted(codes - {code})])  # the argument's own text first

    # uses ------------------------------------------------------------------------------------

    def iterate(
        self, vals: frozenset, node: ast.AST, env: Env, pairs: bool = False, how: str = "for", passing: bool = False
    ) -> frozenset:
        """What iterating these values gives, reporting iteration of what cannot be iterated."""
        if vals and all(v.kind == "llm" for v in vals):
            if all(v.mode == "result" for v in vals) and not pairs:
                self.emit("stream", node, facts.ResultIterated(self.short(node), how))
            elif all(v.mode in ("result", "either") for v in vals) and any(v.mode == "either" for v in vals) and not pairs:
                self.emit("mode", node, self._either(vals, node, "" if how == "for" else f"`{how}()`"))
        if not passing:
            self.content_use(vals, node, "iterate")
        self.optional_use(vals, node, "iterate")
        out: set[Val] = set()
        for v in vals:
            if v.kind == "llm" and v.mode in ("stream", "either"):
                out.add(Val("chunk", structured=v.structured, label=self.short(node)))
            elif v.kind == "tts":
                out |= BYTES
            elif v.kind == "content" and "list" in v.types:
                out.add(Val("part", mode="any", label=v.label, at=v.at))
            elif v.kind == "list":
                out |= v.elems or UNK
            elif v.kind == "str":
                out |= STR
            else:
                out.add(UNKNOWN)
        return frozenset(out) or UNK

    def content_use(self, vals: frozenset, node: ast.AST, use: str, detail: str = "", deep: bool = False) -> None:
        """A chunk's content used where only a str works."""
        bad = sorted(bad_content(vals, use, deep), key=lambda v: v.label)
        if not bad:
            return
        key = ("use", id(bad[0].at))  # one finding per place the content is read: the fix goes there
        if deep:
            node = self._locate(node, use) or node
        if use == "iterate":
            self.emit(
                "content",
                node,
                facts.ContentIterated(self.short(node), content_types(bad, ("str", "none"))),
                key=("iterate", id(bad[0].at)),
            )
            return
        relevant = ("list",) if use in LIST_ONLY_USES else ("list", "none")
        label = self.short(node)
        inner = next((v.label for v in bad if v.label and v.label != label), None)
        fact = facts.ContentUse(
            label, use, detail, content_types(bad, relevant), inner if inner and (deep or use == "join") else None
        )
        self.emit("content", node, fact, key=key, rank=1 if use in _SPECIFIC_USES else 2)

    def _locate(self, node: ast.AST, use: str) -> ast.AST | None:
        """The element of a literal list, tuple or dict that holds the offending content."""
        if isinstance(node, ast.Dict):
            children = list(node.values)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            children = [e.value if isinstance(e, ast.Starred) else e for e in node.elts]
        else:
            return None
        for child in children:
            if bad_content(self.seen.get(id(child), frozenset()), use, False):
                return child
            found = self._locate(child, use)
            if found is not None:
                return found
        return None

    def optional_use(self, vals: frozenset, node: ast.AST, use: str, detail: str = "") -> None:
        if use == "fstring":
            return  # an f-string prints None as "None": untidy, not a failure
        for v in vals:
            if v.kind == "opt" and not v.nonnull:
                if v.mode == "finish_reason" and use == "attribute" and detail not in STR_METHODS:
                    continue
                self.emit("optional", node, facts.OptionalUnchecked(v.label, self.short(node), v.mode, use, detail))
                return

    def check_add(
        self, left: frozenset, right: frozenset, left_node: ast.AST, right_node: ast.AST, augmented: bool = False
    ) -> None:
        use = "augadd" if augmented else "add"
        if left and all(v.kind == "str" for v in left):
            self.content_use(right, right_node, use)
        if right and all(v.kind == "str" for v in right):
            self.content_use(left, left_node, use)
        for vals, node in ((left, left_node), (right, right_node)):
            if vals and all(v.kind == "tts" for v in vals):
                self.emit("tts", node, facts.TtsAsBytes(self.short(node), "`+`", "add"))

    def check_compare(self, left: frozenset, right: frozenset, left_node: ast.AST, right_node: ast.AST, op: ast.cmpop) -> None:
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if right and all(v.kind == "str" for v in right):
                self.content_use(left, left_node, "compare")
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "compare")
        elif isinstance(op, (ast.In, ast.NotIn)):
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "contains")
            self.optional_use(right, right_node, "iterate")

    def _tts_bytes_arg(self, arg: tuple[Any, frozenset], where: str) -> None:
        node, vals = arg
        if vals and all(v.kind == "tts" for v in vals):
            self.emit("tts", node, facts.TtsAsBytes(self.short(node), where, "argument"))

    # moderation and dropped list content --------------------------------------------------------

    def check_moderation_if(self, node: ast.If, env: Env) -> None:
        test = node.test
        negated = False
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negated = not negated
            test = test.operand
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            literal = name_text(test.comparators[0])
            operator = test.ops[0]
            if literal in ("True", "False") and isinstance(operator, (ast.Eq, ast.Is, ast.NotEq, ast.IsNot)):
                if literal == "False":
                    negated = not negated
                if isinstance(operator, (ast.NotEq, ast.IsNot)):
                    negated = not negated
                test = test.left
            else:
                return
        self.quiet += 1
        try:
            vals = self.eval(test, dict(env))
        finally:
            self.quiet -= 1
        if not vals or not all(v.kind == "moderation" for v in vals):
            return
        orelse = else_block(self.module, node)
        flagged_branch = (orelse or []) if negated else node.body
        clean_branch = node.body if negated else (orelse or [])
        if _says(flagged_branch, SUCCESS_WORDS, FLAGGED_WORDS) or _says(clean_branch, FLAGGED_WORDS, SUCCESS_WORDS):
            self.emit("moderation", node.test, facts.ModerationBranchInverted())

    def check_drop(self, node: ast.If, env: Env, rest: list[ast.stmt]) -> None:
        """A non-str branch that only continues or passes drops list content silently."""
        test = node.test
        negated = False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negated, test = True, test.operand
        if not (isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 and not test.keywords):
            return
        types = type_names(test.args[1])
        if types not in (["str"], ["list"]):
            return
        subject = test.args[0]
        self.quiet += 1
        try:
            vals = self.eval(subject, dict(env))
        finally:
            self.quiet -= 1
        if not any(v.kind == "content" and "list" in v.types for v in vals):
            return
        exits = (ast.Pass, ast.Continue)
        orelse = else_block(self.module, node)
        # the branch that does not see a str: the else of `isinstance(c, str)`, the body of the others
        if types == ["str"] and not negated:
            if not node.orelse:
                if only(node.body, (ast.Continue, ast.Return, ast.Break, ast.Raise, ast.Pass)):
                    return
                # no `else` at all: a drop only when nothing else in the loop looks at the content
                key = dotted(subject)
                if not key or not self.loop_nodes or self._looked_at_elsewhere(node, subject, key, rest):
                    return
                handled = "nothing"
            elif orelse is not None and only(orelse, exits):
                handled = "skips"
            else:
                return
        elif ((types == ["str"] and negated) or (types == ["list"] and not negated)) and only(node.body, exits):
            handled = "skips"
        else:
            return
        self.emit("content", node.test, facts.ContentDropped(self.short(subject), handled), warning=True)

    def _looked_at_elsewhere(self, if_node: ast.If, subject: ast.expr, key: str, rest: list[ast.stmt]) -> bool:
        """Whether the loop around `if isinstance(<key>, str):` reads the content (or hands its
        message on) anywhere but in that `if`, the tests of the `if`s around it and the line that
        binds it."""
        contents = {key}
        for v in self.seen.get(id(subject), frozenset()):
            if v.kind == "content" and v.label:
                contents.add(v.label)
        messages = {k[: -len(".content")] for k in contents if k.endswith(".content")}

        def reads(path: str) -> bool:
            if any(path == k or path.startswith(k + ".") for k in contents):
                return True
            return any(path in (m, m + ".content", m + ".get_text_content") for m in messages)

        stack: list[ast.AST] = list(self.loop_nodes[-1].body) + list(rest)
        while stack:
            node = stack.pop()
            if node is if_node:
                continue
            if isinstance(node, ast.If) and any(n is if_node for n in ast.walk(node)):
                stack.extend(node.body)  # an enclosing `if content:` only guards it
                stack.extend(node.orelse)
                continue
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in contents for t in node.targets):
                continue  # `content = chunk.delta.message.content` binds it
            if isinstance(node, (ast.Name, ast.Attribute)):
                path = dotted(node)
                if path:
                    if reads(path):
                        return True
                    continue
                if isinstance(node, ast.Attribute) and reads(node.attr):
                    return True
            stack.extend(ast.iter_child_nodes(node))
        return False

    # wording helpers that are facts: which endpoint, which argument -------------------------------

    def _endpoint(self, vals: frozenset) -> str:
        for v in vals:
            if v.call is not None and id(v.call) in self.calls:
                return self.calls[id(v.call)].dotted
        return "session.model.llm.invoke"

    def _either(self, vals: frozenset, node: ast.AST, use: str) -> facts.ModeUnchecked:
        code = next((v.stream_code.split("\n")[0] for v in vals if v.mode == "either" and v.stream_code), "")
        param = "response_mode" if any(v.kind == "app" for v in vals) else "stream"
        return facts.ModeUnchecked(self.short(node), param, code, use)


# -- helpers over trees ---------------------------------------------------------------------------


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


def _says(stmts: list[ast.stmt], wanted, unwanted) -> bool:
    """Whether a branch yields or returns text that says `wanted` (and not `unwanted`)."""
    texts: list[str] = []
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            for inner in ast.walk(node.value):
                value = string_value(inner)
                if value:
                    texts.append(value)
            continue
        stack.extend(ast.iter_child_nodes(node))
    text = " ".join(texts)
    return bool(text) and bool(wanted.search(text)) and not unwanted.search(text)


def attribute_paths(node: Any) -> set[str]:
    """Every dotted name path read in a subtree (`a`, `a.b`, `a.b.c`, ...)."""
    paths: set[str] = set()
    for root in node if isinstance(node, (list, tuple)) else (node,):
        for n in ast.walk(root):
            if isinstance(n, ast.Attribute):
                name = dotted(n)
                if name:
                    paths.add(name)
                paths.add(n.attr)
            elif isinstance(n, ast.Name):
                paths.add(n.id)
    return paths
