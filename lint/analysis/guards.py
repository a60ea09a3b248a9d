"""Checks that end a call early when a key of a mapping is missing, so that reads of the key after
them cannot raise KeyError.

A check is either written in place (`if not p.get("x"): return`) or made by a helper the mapping
is passed to, whose result decides an early return:

    problem = self._validate(action, params)   # returns a message when `x` is missing
    if problem:
        yield self.create_text_message(problem)
        return
    ... params["x"] ...                       # guarded

What the helper checks is read from its code: an `if` that tests the key as missing or empty and
returns a value of the right truthiness (a message for `if problem:`, False for `if not ok:`) or
raises. A check that only applies under some condition (`if action == "click": if
p.get("x") is None: return "..."`) still counts: the reads it guards sit under the same condition.
"""

from __future__ import annotations

import ast
from typing import Iterator

from ..python.astutil import FunctionNode, children, string_value

#: how the caller reacts to the helper's result: "truthy" (`if result: return`), "falsy" (`if not
#: result: return`) or "raise" (a bare call: only an exception stops what follows)
Ending = str


def exits(body: list[ast.stmt]) -> bool:
    """Whether a block ends the call: a `return` or `raise` among its own statements."""
    return any(isinstance(statement, (ast.Return, ast.Raise)) for statement in body)


def truthiness(value: ast.expr | None) -> str | None:
    """ "truthy", "falsy", or None when it cannot be told, for a returned expression."""
    if value is None:
        return "falsy"
    if isinstance(value, ast.Constant):
        return "truthy" if value.value else "falsy"
    if isinstance(value, ast.JoinedStr):
        return "truthy" if value.values else "falsy"
    if isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return "truthy" if (value.keys if isinstance(value, ast.Dict) else value.elts) else "falsy"
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mod)):
        sides = {truthiness(value.left), truthiness(value.right)}
        return "truthy" if "truthy" in sides else None
    return None


def _ends_with(body: list[ast.stmt], ending: Ending) -> bool:
    for statement in body:
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.Return) and ending != "raise" and truthiness(statement.value) == ending:
            return True
    return False


def _literal_strings(node: ast.expr) -> list[str] | None:
    if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return None
    values = [string_value(e) for e in node.elts]
    return values if values and all(v is not None for v in values) else None  # type: ignore[return-value]


class _Check:
    """Reads one helper's tests of the mapping `name`."""

    def __init__(self, name: str, function: ast.AST):
        self.name = name
        self.locals: dict[str, str] = {}
        self.locals = self._local_reads(function)

    def _local_reads(self, function: ast.AST) -> dict[str, str]:
        """Names bound once to a key of the mapping: `text = params.get("text")`."""
        bound: dict[str, list[str | None]] = {}
        for node in _own_walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                key = self.key_of(node.value, {})
                bound.setdefault(node.targets[0].id, []).append(key[0] if key else None)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
                bound.setdefault(node.target.id, []).append(None)
        return {name: keys[0] for name, keys in bound.items() if len(keys) == 1 and keys[0] is not None}

    def is_mapping(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == self.name

    def key_of(self, node: ast.expr, loop: dict[str, list[str]]) -> list[str] | None:
        """The keys a value reads: `p.get("x")`, `p["x"]`, a local bound to one, or `p.get(k)` for
        `k` running over literal keys."""
        if isinstance(node, ast.Name) and node.id in self.locals:
            return [self.locals[node.id]]
        if isinstance(node, ast.Subscript) and self.is_mapping(node.value):
            return self._keys(node.slice, loop)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and self.is_mapping(node.func.value)
            and node.args
            and (len(node.args) == 1 or (isinstance(node.args[1], ast.Constant) and node.args[1].value in (None, "")))
            and not node.keywords
        ):
            return self._keys(node.args[0], loop)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("strip", "lower"):
            return self.key_of(node.func.value, loop)  # `p.get("x", "").strip()` is empty exactly when "x" is
        return None

    @staticmethod
    def _keys(node: ast.expr, loop: dict[str, list[str]]) -> list[str] | None:
        key = string_value(node)
        if key is not None:
            return [key]
        if isinstance(node, ast.Name) and node.id in loop:
            return loop[node.id]
        return None

    def present(self, node: ast.expr, loop: dict[str, list[str]]) -> list[str]:
        """Keys that must be present (and non-empty) for `node` to be true."""
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            return [k for value in node.values for k in self.present(value, loop)]
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In):
            if self.is_mapping(node.comparators[0]):
                return self._keys(node.left, loop) or []
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.IsNot, ast.NotEq)):
            right = node.comparators[0]
            if isinstance(right, ast.Constant) and right.value in (None, ""):
                return self.key_of(node.left, loop) or []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "all":
            inner = self._generator(node, loop)
            if inner is not None:
                return self.present(*inner)
        return self.key_of(node, loop) or []

    def missing(self, node: ast.expr, loop: dict[str, list[str]] | None = None) -> list[str]:
        """Keys whose absence (or emptiness) makes `node` true."""
        loop = loop or {}
        if isinstance(node, ast.BoolOp):  # `a or b`, and `cond and not p.get("x")`: a check under a condition
            return [k for value in node.values for k in self.missing(value, loop)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.present(node.operand, loop)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            op, right = node.ops[0], node.comparators[0]
            if isinstance(op, ast.NotIn) and self.is_mapping(right):
                return self._keys(node.left, loop) or []
            if isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant) and right.value in (None, ""):
                return self.key_of(node.left, loop) or []
            if isinstance(op, ast.In) and _literal_none(right):
                return self.key_of(node.left, loop) or []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "any":
            inner = self._generator(node, loop)
            if inner is not None:
                return self.missing(*inner)
        return []

    @staticmethod
    def _generator(call: ast.Call, loop: dict[str, list[str]]) -> tuple[ast.expr, dict[str, list[str]]] | None:
        """`any(<elt> for k in ("a", "b"))`: the element, with `k` running over the literal keys."""
        if len(call.args) != 1 or not isinstance(call.args[0], (ast.GeneratorExp, ast.ListComp)):
            return None
        comprehension = call.args[0]
        if len(comprehension.generators) != 1:
            return None
        generator = comprehension.generators[0]
        keys = _literal_strings(generator.iter)
        if keys is None or not isinstance(generator.target, ast.Name) or generator.ifs:
            return None
        return comprehension.elt, {**loop, generator.target.id: keys}


def _literal_none(node: ast.expr) -> bool:
    return isinstance(node, (ast.List, ast.Tuple, ast.Set)) and any(
        isinstance(e, ast.Constant) and e.value in (None, "") for e in node.elts
    )


def _own_walk(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, nested functions left out (their returns are not its own)."""
    stack = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        yield node
        for child in children(node):
            if not isinstance(child, (*FunctionNode, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def checked_keys(function: ast.AST, name: str, ending: Ending) -> set[str]:
    """The keys of the mapping `name`, a parameter of `function`, whose absence makes `function`
    end in the way the caller treats as a problem (`ending`)."""
    check = _Check(name, function)
    keys: set[str] = set()
    for node in _own_walk(function):
        if isinstance(node, ast.If) and _ends_with(node.body, ending):
            keys.update(check.missing(node.test))
        elif isinstance(node, ast.Assert):
            keys.update(check.present(node.test, {}))
    return keys


#: a block of statements, by id, and the index in it after which statements run only once a
#: check has passed (-1: the whole block)
Stretch = tuple[int, int]

_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def block_places(function: ast.AST) -> dict[int, Stretch]:
    """Each statement of `function` (by id) -> (the id of the block holding it, its index there)."""
    places: dict[int, Stretch] = {}
    pending = [function]
    while pending:
        node = pending.pop()
        for name in _BLOCK_FIELDS:
            block = getattr(node, name, None)
            if isinstance(block, list):
                for index, statement in enumerate(block):
                    places[id(statement)] = (id(block), index)
        pending.extend(children(node))
    return places


def following(statement: ast.stmt, parents: dict[int, ast.AST], places: dict[int, Stretch], function: ast.AST) -> list[Stretch]:
    """Where the statements of `function` that run only once `statement` has completed normally
    are: the rest of its block, and after a `with` (or a `try` whose handlers all end the call)
    the rest of the enclosing block. Given as stretches of blocks rather than the statements
    themselves, so that many checks in one long block cost no more than the block."""
    found: list[Stretch] = []
    current: ast.AST = statement
    while current is not function:
        parent = parents.get(id(current))
        place = places.get(id(current))
        if parent is None or place is None:
            break
        found.append(place)
        if parent is function:
            break
        if isinstance(parent, (ast.With, ast.AsyncWith)):
            current = parent
            continue
        if isinstance(parent, ast.Try) and place[0] == id(parent.body):
            found.append((id(parent.orelse), -1))
            if all(exits(handler.body) for handler in parent.handlers):
                current = parent
                continue
        break
    return found


def stretches_holding(
    node: ast.AST, parents: dict[int, ast.AST], places: dict[int, Stretch], function: ast.AST
) -> Iterator[Stretch]:
    """(block id, index) of each statement that holds `node` (itself included), innermost first,
    up to `function`: a node lies in a stretch (block, start) when one of these is (block, i > start)."""
    current: ast.AST | None = node
    while current is not None and current is not function:
        place = places.get(id(current))
        if place is not None:
            yield place
        current = parents.get(id(current))
