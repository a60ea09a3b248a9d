"""Expressions: what each one holds, and the uses an expression itself makes (an f-string,
`+`, a comparison, attribute access)."""

from __future__ import annotations

import ast

from ...python.astutil import (
    dotted,
    string_value,
)
from . import facts
from .values import (
    BYTES,
    BYTES_METHODS,
    CONTENT_TYPES,
    DICT_METHODS,
    NONE,
    RESULT_ATTRS,
    SAFE_NAMES,
    STR,
    STR_METHODS,
    UNK,
    Val,
    chunk_shape,
    truthy_split,
)

Env = dict  # str -> frozenset[Val]


class Expressions:
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
            if self.entry:
                self.yielded(node, vals, every=True)
            return UNK
        if isinstance(node, ast.Yield):
            if node.value is None:
                return UNK
            vals = self.eval(node.value, env)
            if self.entry:
                self.yielded(node, vals)  # what a tool or strategy yields must be a message
            else:
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
                self.emit(
                    "content", node, facts.PartDataUnchecked(self.short(node), v.label), warning=True, key=("part", id(v.at))
                )
            return STR if v.mode == "text" else UNK
        if v.kind == "http" and name in ("content", "text"):
            return BYTES if name == "content" else STR
        if v.kind == "bytes" or v.kind == "str":
            return UNK
        if name == "blob":
            return BYTES  # dify_plugin File.blob
        return UNK
