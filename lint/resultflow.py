"""Following what the session's calls return, one function at a time, through its branches.

`session.model.llm.invoke` gives a generator of chunks or an `LLMResult` depending on `stream`;
a chunk's `delta.message.content` is a str, a list of content parts or None; `delta.usage` is
usually None; `tts.invoke` and `tool.invoke` are lazy generators. The rules of the DPL5xx family
ask what each expression holds at the point where it is used, so this module interprets a
function's body abstractly: an environment maps names (and attribute paths such as
`chunk.delta.message.content`) to the set of abstract values they may hold; `if`/`elif`/`else`,
loops, `try` and early exits fork and join environments; `isinstance`, `hasattr`, truthiness,
`is None`, `part.type == "text"`, `assert` and `if stream:` narrow them.

What it follows: assignments (names, attribute paths, the walrus), branches, loops (to a fixed
point), comprehensions, `x or ""`, conditional expressions, `cast(...)`, `next(...)`,
`enumerate(...)`, lists filled with `.append` and later joined. What it deliberately does not:
calls into other functions (a result passed to a helper, returned or stored on `self` is someone
else's business), aliasing through containers, attributes set in other methods. A value whose
origin is not known is `UNKNOWN`, and no rule reports a use of it.

Rules read `events(module)`: one `Event` per finding, tagged with the rule family key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from .pyflow import Function, SessionCall, child_nodes as _kids, dotted, functions, session_calls, string_value


def _cst():
    import libcst

    return libcst


# -- abstract values ---------------------------------------------------------------------------


#: message builders whose argument must be text: name -> (position, keyword, use, check nested values)
_MESSAGE_BUILDERS = {
    "create_text_message": (0, "text", "text_message", False),
    "create_json_message": (0, "json", "json_message", True),
    "create_stream_variable_message": (1, "variable_value", "variable_message", False),
}

@dataclass(frozen=True)
class Val:
    kind: str
    #: llm / app: "stream" | "result" (app: blocking dict) | "either"; part: "any" | "text" | "other";
    #: opt: the field name; const: the literal
    mode: str = ""
    types: frozenset = frozenset()  # content: a subset of {"str", "list", "none"}
    label: str = ""  # the source text that produced the value, for messages
    call: Any = None  # the session call node a result came from
    stream_code: str = ""  # the source of a non-literal `stream` / `response_mode` argument
    structured: bool = False
    nonnull: bool = False  # opt: checked against None
    elems: frozenset = frozenset()  # list: what its items may be
    at: Any = None  # content, part: the expression the chunk content was read at


UNKNOWN = Val("unknown")
UNK = frozenset({UNKNOWN})
STR = frozenset({Val("str")})
BYTES = frozenset({Val("bytes")})
PATH = frozenset({Val("path")})
FILE = frozenset({Val("file")})
NONE = frozenset({Val("none")})
CONTENT_TYPES = frozenset({"str", "list", "none"})
LAZY = {"tts", "tool"}  # plus llm and app in stream mode


def _lazy(v: Val) -> bool:
    return v.kind in LAZY or (v.kind in ("llm", "app") and v.mode == "stream")


@dataclass
class Event:
    rule: str  # content | stream | mode | optional | lazy | tts | s2t | moderation
    node: Any
    message: str
    warning: bool = False
    rank: int = 0  # among findings about the same thing, the one that says the most


# -- names the analysis knows ------------------------------------------------------------------

STR_METHODS = frozenset(
    n for n in dir(str) if not n.startswith("_")
) | {"__add__", "__contains__", "__len__"}
RESULT_ATTRS = frozenset({"message", "usage", "structured_output", "prompt_messages", "system_fingerprint", "delta"})
DICT_METHODS = frozenset({"get", "keys", "items", "values"})
BYTES_METHODS = frozenset({"decode", "hex", "startswith", "endswith", "split", "strip", "find"})
GENERATOR_TYPES = {"Generator", "GeneratorType", "Iterator", "AsyncGenerator"}
RESULT_TYPES = {"LLMResult", "LLMResultWithStructuredOutput"}
CHUNK_TYPES = {"LLMResultChunk", "LLMResultChunkWithStructuredOutput"}
DICT_TYPES = {"dict", "Dict", "Mapping", "MutableMapping"}
#: isinstance type -> the content types it matches (None: cannot tell)
CONTENT_ISINSTANCE = {
    "str": {"str"},
    "list": {"list"},
    "List": {"list"},
    "NoneType": {"none"},
    "dict": set(),
    "int": set(),
    "float": set(),
    "bool": set(),
    "bytes": set(),
    "tuple": set(),
    "set": set(),
    "Mapping": set(),
}
PART_OTHER_TYPES = {
    "ImagePromptMessageContent",
    "AudioPromptMessageContent",
    "VideoPromptMessageContent",
    "DocumentPromptMessageContent",
    "MultiModalPromptMessageContent",
}
RE_STRING_ARG = {"search": 1, "match": 1, "fullmatch": 1, "findall": 1, "finditer": 1, "split": 1, "sub": 2, "subn": 2}
SAFE_NAMES = frozenset(
    {"safe", "is_safe", "issafe", "text_safe", "is_text_safe", "content_safe", "is_content_safe", "ok", "is_ok",
     "passed", "is_passed", "allowed", "is_allowed", "is_clean", "clean", "is_valid", "valid", "is_compliant",
     "compliant", "safe_flag", "is_appropriate", "appropriate", "approved", "is_approved"}
)
_SUCCESS = re.compile(
    r"\b(safe|passed|pass(es)?|ok|okay|allowed|approved|clean|compliant|appropriate|no (issues?|problems?|violations?))\b",
    re.I,
)
_FLAGGED = re.compile(
    r"(unsafe|not safe|flagged|blocked|violat|inappropriate|sensitive|harmful|rejected|not allowed|denied|forbidden|"
    r"prohibited|offensive|toxic|not pass|fail)",
    re.I,
)


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _type_names(node: Any) -> list[str] | None:
    """The class names an isinstance() second argument names, or None when it is not plain names."""
    cst = _cst()
    if isinstance(node, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in node.elements:
            inner = _type_names(element.value)
            if inner is None:
                return None
            names.extend(inner)
        return names
    if isinstance(node, cst.Call) and dotted(node.func) == "type" and len(node.args) == 1 and dotted(node.args[0].value) == "None":
        return ["NoneType"]
    if isinstance(node, cst.Subscript):  # Generator[...] in cast()
        return _type_names(node.value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = _type_names(node.left), _type_names(node.right)
        return None if left is None or right is None else left + right
    name = dotted(node)
    if name == "None":
        return ["NoneType"]
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return None if value is None else [_last(value.split("[")[0].strip())]
    return [_last(name)] if name else None


def _only(stmts: Iterable[Any], kinds: tuple) -> bool:
    """Whether a block holds only these small statements (e.g. Pass, Continue)."""
    cst = _cst()
    found = False
    for stmt in stmts:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in stmt.body:
                if not isinstance(small, kinds):
                    return False
                found = True
        else:
            return False
    return found


def _body(block: Any) -> list[Any]:
    """The statements of a block, an `else:`, a handler or a one-line suite."""
    cst = _cst()
    if block is None:
        return []
    if isinstance(block, (cst.Else, cst.Finally, cst.ExceptHandler)) or type(block).__name__ == "ExceptStarHandler":
        block = block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [block]
    return list(block.body)


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
        out[key] = frozenset().union(*present)
    return out


# -- the interpreter ---------------------------------------------------------------------------


class Flow:
    MAX_ROUNDS = 3

    def __init__(self, module: Any, function: Function, calls: dict[int, SessionCall]):
        self.module = module
        self.function = function
        self.calls = calls
        self.events: dict[tuple[str, int], Event] = {}
        self.reporting = True
        self.quiet = 0
        self.loops: list[tuple[list, list]] = []
        self.read: set[int] = set()  # id() of session call nodes whose lazy result was read
        self.candidates: dict[int, tuple[Any, str, Val]] = {}  # lazy results bound to a name or dropped
        self._nested: set[str] | None = None
        self._codes: dict[int, str] = {}
        self._paths: dict[int, set[str]] = {}
        self.seen: dict[int, frozenset] = {}  # the values an expression had when last evaluated
        self.aliases: dict[str, set[str]] = {}  # name -> the expressions assigned to it (for `if stream:`)
        self.loop_nodes: list[Any] = []  # the loops being interpreted, innermost last

    # helpers ---------------------------------------------------------------------------------

    def code(self, node: Any) -> str:
        key = id(node)
        text = self._codes.get(key)
        if text is None:
            try:
                text = self.module.tree.code_for_node(node).strip()
            except Exception:  # pragma: no cover - libcst renders every node it parsed
                text = ""
            self._codes[key] = text
        return text

    def short(self, node: Any, limit: int = 60) -> str:
        text = " ".join(self.code(node).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def emit(self, rule: str, node: Any, message: str, warning: bool = False, key: Any = None, rank: int = 0) -> None:
        """Record a finding; with a `key`, one per key: the highest rank, else the first."""
        if self.reporting and not self.quiet:
            slot = (rule, key if key is not None else id(node))
            current = self.events.get(slot)
            if current is None or rank > current.rank:
                self.events[slot] = Event(rule, node, message, warning, rank)

    def paths(self, node: Any) -> set[str]:
        key = id(node)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = _attribute_paths(node)
        return found

    @property
    def nested_loads(self) -> set[str]:
        """Names read inside nested functions and lambdas: a closure may iterate a generator."""
        if self._nested is None:
            cst = _cst()
            names: set[str] = set()
            if self.function.node is not None:
                stack = [(stmt, False) for stmt in _body(self.function.body)]
                while stack:
                    node, nested = stack.pop()
                    if nested and isinstance(node, cst.Name):
                        names.add(node.value)
                    inner = nested or isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))
                    stack.extend((child, inner) for child in _kids(node))
            self._nested = names
        return self._nested

    def mark(self, vals: frozenset) -> None:
        for v in vals:
            if v.call is not None:
                self.read.add(id(v.call))

    # running ---------------------------------------------------------------------------------

    def run(self) -> list[Event]:
        env: Env = {}
        for param in self.function.parameters():
            env[param.name.value] = UNK
        stmts = list(self.function.body.body) if self.function.node is None else _body(self.function.body)
        self.block(stmts, env)
        for key, (node, what, value) in self.candidates.items():
            if key not in self.read:
                self.emit("lazy", node, what)
        return list(self.events.values())

    def block(self, stmts: list[Any], env: Env | None) -> Env | None:
        cst = _cst()
        for index, stmt in enumerate(stmts):
            if env is None:
                return None
            if isinstance(stmt, cst.If):
                env = self.if_(stmt, env, stmts[index + 1 :])
            else:
                env = self.stmt(stmt, env)
        return env

    def stmt(self, node: Any, env: Env) -> Env | None:
        cst = _cst()
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                if env is None:
                    return None
                env = self.small(small, env)
            return env
        if isinstance(node, cst.IndentedBlock):
            return self.block(list(node.body), env)
        if isinstance(node, cst.If):
            return self.if_(node, env, [])
        if isinstance(node, cst.For):
            return self.for_(node, env)
        if isinstance(node, cst.While):
            return self.while_(node, env)
        if isinstance(node, (cst.Try, getattr(cst, "TryStar", cst.Try))):
            return self.try_(node, env)
        if isinstance(node, cst.With):
            env = dict(env)
            for item in node.items:
                vals = self.eval(item.item, env)
                if item.asname is not None:
                    self.assign(item.asname.name, vals, env)
            return self.block(_body(node.body), env)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            env = dict(env)
            self.assign(node.name, UNK, env)
            return env
        if isinstance(node, cst.Match):
            env = dict(env)
            self.eval(node.subject, env)
            outs = [self.block(_body(case.body), dict(env)) for case in node.cases]
            return join(env, *outs)
        return env

    def small(self, node: Any, env: Env) -> Env | None:
        cst = _cst()
        env = dict(env)
        if isinstance(node, cst.Expr):
            vals = self.eval(node.value, env)
            if isinstance(node.value, cst.Call) and id(node.value) in self.calls:
                for v in vals:
                    if _lazy(v) and v.call is node.value:
                        self.candidates[id(v.call)] = (node.value, self._lazy_text(v, None), v)
            return env
        if isinstance(node, cst.Assign):
            vals = self.eval(node.value, env)
            if isinstance(node.value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.aliases.setdefault(target.target.value, set()).add(self.code(node.value))
            for target in node.targets:
                self.assign(target.target, vals, env)
                self._bound(target.target, node.value, vals)
            return env
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                vals = self.eval(node.value, env)
                self.assign(node.target, vals, env)
                self._bound(node.target, node.value, vals)
            return env
        if isinstance(node, cst.AugAssign):
            current = self.eval(node.target, env)
            vals = self.eval(node.value, env)
            result = UNK
            if isinstance(node.operator, cst.AddAssign):
                self.check_add(current, vals, node.target, node.value, augmented=True)
                if current and all(v.kind == "str" for v in current):
                    result = STR
                elif current and all(v.kind == "bytes" for v in current):
                    result = BYTES
            self.assign(node.target, result, env)
            return env
        if isinstance(node, cst.Return):
            if node.value is not None:
                self.eval(node.value, env)
            return None
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self.eval(node.exc, env)
            return None
        if isinstance(node, cst.Assert):
            self.eval(node.test, env)
            return self.narrow(node.test, env, True)
        if isinstance(node, cst.Continue):
            if self.loops:
                self.loops[-1][0].append(env)
            return None
        if isinstance(node, cst.Break):
            if self.loops:
                self.loops[-1][1].append(env)
            return None
        if isinstance(node, cst.Del):
            return env
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                self.nested_loads.add(item.name.value)  # shared with other scopes: treat as read
            return env
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            return env
        return env

    def _bound(self, target: Any, value: Any, vals: frozenset) -> None:
        """A lazy session result bound straight to a name: a candidate for never-iterated."""
        cst = _cst()
        if not isinstance(target, cst.Name):
            return
        if target.value.lower() in SAFE_NAMES and vals and all(v.kind == "moderation" for v in vals):
            self.emit("moderation", target, self._moderation_name_text(target.value))
        if not isinstance(value, cst.Call) or id(value) not in self.calls or target.value in self.nested_loads:
            return
        for v in vals:
            if _lazy(v) and v.call is value:
                self.candidates.setdefault(id(value), (target, self._lazy_text(v, target.value), v))

    def _lazy_text(self, v: Val, name: str | None) -> str:
        call = self.calls[id(v.call)]
        what = "session." + ".".join(call.path)
        if v.kind == "llm":
            kind = "a generator of chunks (stream=True is the default)"
            fix = "iterate it, or pass stream=False for an LLMResult"
        elif v.kind == "app":
            kind = "a generator of events (response_mode=\"streaming\")"
            fix = "iterate it, or pass response_mode=\"blocking\""
        elif v.kind == "tts":
            kind = "a generator of audio chunks"
            fix = "iterate it, e.g. `b\"\".join(...)`"
        else:
            kind = "a generator of tool messages"
            fix = "iterate it or `yield from` it"
        holder = f"`{name}` holds" if name else "this statement drops"
        return (
            f"{holder} the result of `{what}`, {kind}, and it is never iterated: the SDK sends the request"
            f" only when the generator is iterated, so nothing is ever sent; {fix}"
        )

    def _moderation_name_text(self, name: str) -> str:
        return (
            f"`session.model.moderation.invoke` returns True when the text is flagged, so `{name}` is True for"
            " unsafe text; name it `flagged` and treat True as a violation"
        )

    # assignment ------------------------------------------------------------------------------

    def assign(self, target: Any, vals: frozenset, env: Env) -> None:
        cst = _cst()
        if isinstance(target, cst.Name):
            self._set(target.value, vals, env)
        elif isinstance(target, cst.Attribute):
            key = dotted(target)
            self.eval(target.value, env)
            if key:
                self._set(key, vals, env)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                self.assign(inner, UNK, env)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNK, env)
        elif isinstance(target, cst.Subscript):
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

    def for_(self, node: Any, env: Env) -> Env | None:
        cst = _cst()
        env = dict(env)
        target = node.target
        iterable = node.iter
        if (
            isinstance(iterable, cst.Call)
            and dotted(iterable.func) == "enumerate"
            and iterable.args
            and isinstance(target, cst.Tuple)
            and len(target.elements) == 2
        ):
            vals = self.eval(iterable.args[0].value, env)
            for arg in iterable.args[1:]:
                self.eval(arg.value, env)
            elems = self.iterate(vals, iterable.args[0].value, env)
            item_target = target.elements[1].value
            index_target = target.elements[0].value
        else:
            vals = self.eval(iterable, env)
            pairs = isinstance(target, (cst.Tuple, cst.List))
            elems = self.iterate(vals, iterable, env, pairs=pairs)
            item_target = target
            index_target = None
        if isinstance(item_target, cst.Name) and elems <= UNK and self._reads_chunk_shape(node.body, item_target.value):
            elems = frozenset({Val("chunk", mode="shape", label=item_target.value)})

        def body(e: Env) -> Env | None:
            if index_target is not None:
                self.assign(index_target, UNK, e)
            self.assign(item_target, elems, e)
            self.loop_nodes.append(node)
            try:
                return self.block(_body(node.body), e)
            finally:
                self.loop_nodes.pop()

        head, breaks = self.loop(env, body)
        after = head
        if node.orelse is not None:
            after = self.block(_body(node.orelse.body), dict(head))
        return join(after, *breaks)

    def while_(self, node: Any, env: Env) -> Env | None:
        def body(e: Env) -> Env | None:
            self.eval(node.test, e)
            inside = self.narrow(node.test, e, True)
            self.loop_nodes.append(node)
            try:
                return self.block(_body(node.body), inside) if inside is not None else None
            finally:
                self.loop_nodes.pop()

        head, breaks = self.loop(dict(env), body)
        after = self.narrow(node.test, head, False)
        if node.orelse is not None and after is not None:
            after = self.block(_body(node.orelse.body), after)
        return join(after, *breaks)

    def try_(self, node: Any, env: Env) -> Env | None:
        body_out = self.block(_body(node.body), dict(env))
        handler_in = join(env, body_out)
        outs = []
        if node.orelse is not None:
            outs.append(self.block(_body(node.orelse.body), body_out) if body_out is not None else None)
        else:
            outs.append(body_out)
        for handler in node.handlers:
            h_env = dict(handler_in)
            if handler.type is not None:
                self.eval(handler.type, h_env)
            if handler.name is not None:
                self.assign(handler.name.name, UNK, h_env)
            outs.append(self.block(_body(handler.body), h_env))
        out = join(*outs)
        if node.finalbody is not None:
            final_out = self.block(_body(node.finalbody.body), join(out, handler_in))
            return final_out if out is not None else None
        return out

    def _reads_chunk_shape(self, body: Any, name: str) -> bool:
        """Whether `<name>.delta.message.content` is read in this loop: the shape of a chunk."""
        return _chunk_shape(self.paths(body), name)

    # if --------------------------------------------------------------------------------------

    def if_(self, node: Any, env: Env, rest: list[Any]) -> Env | None:
        cst = _cst()
        env = dict(env)
        self.eval(node.test, env)
        self.check_drop(node, env, rest)
        self.check_moderation_if(node, env)
        true_env = self.narrow(node.test, env, True)
        false_env = self.narrow(node.test, env, False)
        out_true = self.block(_body(node.body), true_env) if true_env is not None else None
        if node.orelse is None:
            out_false = false_env
        elif isinstance(node.orelse, cst.If):
            out_false = self.if_(node.orelse, false_env, []) if false_env is not None else None
        else:
            out_false = self.block(_body(node.orelse.body), false_env) if false_env is not None else None
        return join(out_true, out_false)

    # narrowing -------------------------------------------------------------------------------

    def narrow(self, test: Any, env: Env | None, truth: bool) -> Env | None:
        if env is None:
            return None
        cst = _cst()
        env = dict(env)
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self.narrow(test.expression, env, not truth)
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.And):
                if truth:
                    return self.narrow(test.right, self.narrow(test.left, env, True), True)
                return join(self.narrow(test.left, env, False), self.narrow(test.right, self.narrow(test.left, env, True), False))
            if truth:
                return join(self.narrow(test.left, env, True), self.narrow(test.right, self.narrow(test.left, env, False), True))
            return self.narrow(test.right, self.narrow(test.left, env, False), False)
        if isinstance(test, cst.NamedExpr):
            return self.narrow(test.target, env, truth)
        env = self._narrow_stream_test(test, env, truth)
        if env is None:
            return None
        if isinstance(test, cst.Call):
            name = dotted(test.func)
            args = [a for a in test.args if a.keyword is None and not a.star]
            if name == "isinstance" and len(args) == 2:
                types = _type_names(args[1].value)
                return self.narrow_key(args[0].value, env, lambda v: _isinstance_split(v, types, truth))
            if name == "hasattr" and len(args) == 2:
                attr = string_value(args[1].value)
                return self.narrow_key(args[0].value, env, lambda v: _hasattr_split(v, attr, truth))
            if name == "callable":
                return env
            return env
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comparison = test.comparisons[0]
            op = comparison.operator
            left, right = test.left, comparison.comparator
            if dotted(right) == "None" or dotted(left) == "None":
                subject = left if dotted(right) == "None" else right
                if isinstance(op, (cst.Is, cst.Equal)):
                    return self.narrow_key(subject, env, lambda v: _none_split(v, truth))
                if isinstance(op, (cst.IsNot, cst.NotEqual)):
                    return self.narrow_key(subject, env, lambda v: _none_split(v, not truth))
                return env
            if isinstance(op, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
                positive = truth if isinstance(op, (cst.Equal, cst.Is)) else not truth
                # `type(x) is str`
                if isinstance(left, cst.Call) and dotted(left.func) == "type" and len(left.args) == 1:
                    types = _type_names(right)
                    return self.narrow_key(left.args[0].value, env, lambda v: _isinstance_split(v, types, positive))
                # `part.type == "text"` / `part.type == PromptMessageContentType.TEXT`
                subject = _part_type_subject(left)
                if subject is not None:
                    kind = _content_kind(right)
                    if kind is not None:
                        return self.narrow_key(subject, env, lambda v: _part_split(v, kind, positive))
            return env
        if isinstance(test, (cst.Name, cst.Attribute)):
            env = self.narrow_key(test, env, lambda v: _truthy_split(v, truth))
            key = dotted(test)
            if env is not None and key and self.peek(test, env) == UNK:
                # remembered so that a call below it with `stream=<this>` knows the literal
                env[key] = frozenset({Val("const", mode="True" if truth else "False")})
            return env
        return env

    def peek(self, node: Any, env: Env) -> frozenset:
        """A value without reporting anything about it."""
        self.quiet += 1
        try:
            return self.eval(node, dict(env))
        finally:
            self.quiet -= 1

    def _narrow_stream_test(self, test: Any, env: Env, truth: bool) -> Env | None:
        """`if stream:` (the same expression as the call's `stream=`) decides which shape the result has."""
        cst = _cst()
        code = None
        positive = truth
        if isinstance(test, (cst.Name, cst.Attribute, cst.Call)):
            code = self.code(test)
        elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comparison = test.comparisons[0]
            literal = string_value(comparison.comparator)
            if literal in ("streaming", "blocking") and isinstance(comparison.operator, (cst.Equal, cst.NotEqual)):
                code = self.code(test.left)
                positive = truth if literal == "streaming" else not truth
                if isinstance(comparison.operator, cst.NotEqual):
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

    def narrow_key(self, node: Any, env: Env, split: Callable[[Val], frozenset]) -> Env | None:
        cst = _cst()
        if isinstance(node, cst.NamedExpr):
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

    def eval(self, node: Any, env: Env) -> frozenset:
        vals = self._eval(node, env)
        self.seen[id(node)] = vals
        return vals

    def _eval(self, node: Any, env: Env) -> frozenset:
        cst = _cst()
        if isinstance(node, cst.Name):
            if node.value in ("True", "False"):
                return frozenset({Val("const", mode=node.value)})
            if node.value == "None":
                return NONE
            vals = env.get(node.value, UNK)
            self.mark(vals)
            return vals
        if isinstance(node, cst.Attribute):
            base = self.eval(node.value, env)
            key = dotted(node)
            if key and key in env:
                vals = env[key]
                self.mark(vals)
                return vals
            return self.attribute(base, node, env)
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = self.code(node) if isinstance(node, cst.SimpleString) else ""
            prefix = text.split("'")[0].split('"')[0].lower()
            return BYTES if "b" in prefix else STR
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    vals = self.eval(part.expression, env)
                    self.content_use(vals, part.expression, "fstring")
                    self.optional_use(vals, part.expression, "fstring")
            return STR
        if isinstance(node, cst.BinaryOperation):
            left = self.eval(node.left, env)
            right = self.eval(node.right, env)
            if isinstance(node.operator, cst.Add):
                self.check_add(left, right, node.left, node.right)
                if any(v.kind == "str" for v in left | right):
                    return STR
                if any(v.kind == "bytes" for v in left | right):
                    return BYTES
            elif isinstance(node.operator, cst.Modulo) and left and all(v.kind == "str" for v in left):
                self.content_use(right, node.right, "percent")
                return STR
            return UNK
        if isinstance(node, cst.BooleanOperation):
            left = self.eval(node.left, env)
            if isinstance(node.operator, cst.And):
                right_env = self.narrow(node.left, dict(env), True)
                keep = frozenset().union(*(_truthy_split(v, False) for v in left)) if left else frozenset()
            else:
                right_env = self.narrow(node.left, dict(env), False)
                keep = frozenset().union(*(_truthy_split(v, True) for v in left)) if left else frozenset()
            right = self.eval(node.right, right_env) if right_env is not None else frozenset()
            return (keep | right) or UNK
        if isinstance(node, cst.UnaryOperation):
            self.eval(node.expression, env)
            return UNK
        if isinstance(node, cst.Comparison):
            left = self.eval(node.left, env)
            previous, previous_node = left, node.left
            for comparison in node.comparisons:
                vals = self.eval(comparison.comparator, env)
                self.check_compare(previous, vals, previous_node, comparison.comparator, comparison.operator)
                previous, previous_node = vals, comparison.comparator
            return UNK
        if isinstance(node, cst.IfExp):
            self.eval(node.test, env)
            true_env = self.narrow(node.test, dict(env), True)
            false_env = self.narrow(node.test, dict(env), False)
            body = self.eval(node.body, true_env) if true_env is not None else frozenset()
            orelse = self.eval(node.orelse, false_env) if false_env is not None else frozenset()
            return (body | orelse) or UNK
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            elems: frozenset = frozenset()
            for element in node.elements:
                vals = self.eval(element.value, env)
                elems |= vals
            return frozenset({Val("list", elems=elems)})
        if isinstance(node, cst.Dict):
            elems = frozenset()
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    self.eval(element.key, env)
                    vals = self.eval(element.value, env)
                    elems |= vals
                    key = string_value(element.key)
                    if key is not None and key.lower() in SAFE_NAMES and vals and all(v.kind == "moderation" for v in vals):
                        self.emit("moderation", element.value, self._moderation_name_text(key))
                else:
                    self.eval(element.value, env)
            return frozenset({Val("list", elems=elems)})
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return frozenset({Val("list", elems=self.comprehension(node.for_in, node.elt, env))})
        if isinstance(node, cst.DictComp):
            return frozenset({Val("list", elems=self.comprehension(node.for_in, node.value, env))})
        if isinstance(node, cst.NamedExpr):
            vals = self.eval(node.value, env)
            self.assign(node.target, vals, env)
            return vals
        if isinstance(node, cst.Yield):
            if node.value is None:
                return UNK
            if isinstance(node.value, cst.From):
                vals = self.eval(node.value.item, env)
                self.iterate(vals, node.value.item, env, passing=True)
                return UNK
            vals = self.eval(node.value, env)
            self.content_use(vals, node.value, "yield")
            return UNK
        if isinstance(node, cst.Await):
            return self.eval(node.expression, env)
        if isinstance(node, cst.StarredElement):
            self.eval(node.value, env)
            return UNK
        if isinstance(node, cst.Subscript):
            base = self.eval(node.value, env)
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self.eval(element.slice.value, env)
            if base and all(v.kind == "app" and v.mode == "stream" for v in base):
                self.emit("stream", node.value, self._app_stream_text(base, node.value, "[...]"))
            self.optional_use(base, node.value, "subscript")
            return UNK
        if isinstance(node, cst.Lambda):
            return UNK
        return UNK

    def comprehension(self, for_in: Any, elt: Any, env: Env) -> frozenset:
        cst = _cst()
        env = dict(env)
        clause = for_in
        while clause is not None:
            vals = self.eval(clause.iter, env)
            pairs = isinstance(clause.target, (cst.Tuple, cst.List))
            elems = self.iterate(vals, clause.iter, env, pairs=pairs)
            if isinstance(clause.target, cst.Name) and elems <= UNK:
                paths = self.paths(elt).union(*(self.paths(i.test) for i in clause.ifs))
                if _chunk_shape(paths, clause.target.value):
                    elems = frozenset({Val("chunk", mode="shape", label=clause.target.value)})
            self.assign(clause.target, elems, env)
            for condition in clause.ifs:
                self.eval(condition.test, env)
                narrowed = self.narrow(condition.test, env, True)
                if narrowed is None:
                    return frozenset()
                env = narrowed
            clause = clause.inner_for_in
        return self.eval(elt, env)

    # attribute access ------------------------------------------------------------------------

    def attribute(self, base: frozenset, node: Any, env: Env) -> frozenset:
        name = node.attr.value
        out: set[Val] = set()
        # uses that fail on the receiver
        if name in RESULT_ATTRS and base and all(v.kind == "llm" for v in base):
            if all(v.mode == "stream" for v in base):
                self.emit("stream", node, self._stream_as_result_text(base, node))
            elif all(v.mode in ("stream", "either") for v in base):
                self.emit("mode", node, self._either_text(base, node.value, f"`.{name}`"))
        if name in DICT_METHODS and base and all(v.kind == "app" for v in base):
            if all(v.mode == "stream" for v in base):
                self.emit("stream", node.value, self._app_stream_text(base, node.value, f".{name}(...)"))
            elif all(v.mode in ("stream", "either") for v in base):
                self.emit("mode", node, self._either_text(base, node.value, f"`.{name}(...)`"))
        if name in STR_METHODS:
            self.content_use(base, node.value, "method", name)
        self.optional_use(base, node.value, "attribute", name)
        if name in BYTES_METHODS and base and all(v.kind == "tts" for v in base):
            self.emit("tts", node.value, self._tts_text(node.value, f"`.{name}()`", "raises AttributeError"))
        for v in base:
            out |= self._attr_value(v, name, node)
        return frozenset(out) or UNK

    def _attr_value(self, v: Val, name: str, node: Any) -> frozenset:
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
                self.emit("content", node, self._part_text(node), warning=True, key=("part", id(v.at)))
            return STR if v.mode == "text" else UNK
        if v.kind == "bytes" or v.kind == "str":
            return UNK
        if name == "blob":
            return BYTES  # dify_plugin File.blob
        return UNK

    # calls -----------------------------------------------------------------------------------

    def call(self, node: Any, env: Env) -> frozenset:
        cst = _cst()
        session_call = self.calls.get(id(node))
        if session_call is not None:
            return self.session_call(session_call, env)
        func = node.func
        name = dotted(func)
        last = _last(name) if name else (func.attr.value if isinstance(func, cst.Attribute) else "")
        receiver = self.eval(func.value, env) if isinstance(func, cst.Attribute) else frozenset()
        if isinstance(func, cst.Attribute):
            self.attribute(receiver, func, env)
        elif not isinstance(func, cst.Name):
            self.eval(func, env)
        positional: list[tuple[Any, frozenset]] = []
        keywords: dict[str, tuple[Any, frozenset]] = {}
        for arg in node.args:
            vals = self.eval(arg.value, env)
            if arg.star:
                continue
            if arg.keyword is None:
                positional.append((arg.value, vals))
            else:
                keywords[arg.keyword.value] = (arg.value, vals)

        def arg(index: int, keyword: str | None = None) -> tuple[Any, frozenset] | None:
            if keyword and keyword in keywords:
                return keywords[keyword]
            return positional[index] if index < len(positional) else None

        first = arg(0)
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
                self.emit("tts", first[0], self._tts_text(first[0], "`len()`", "raises TypeError (a generator has no length)"))
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
            target = arg(RE_STRING_ARG[last], "string")
            if target:
                self.content_use(target[1], target[0], "re", last)
            return UNK
        if name in ("cast", "typing.cast") and len(positional) >= 2:
            types = _type_names(positional[0][0])
            return frozenset().union(*(_isinstance_split(v, types, True) for v in positional[1][1])) or UNK
        if name in ("open", "io.open", "io.BytesIO", "BytesIO", "io.BufferedReader", "tempfile.NamedTemporaryFile", "NamedTemporaryFile", "tempfile.TemporaryFile"):
            if first and last == "BytesIO":
                self._tts_bytes_arg(first, "`io.BytesIO()`")
            return FILE
        if name in ("bytes", "bytearray"):
            if first:
                self._tts_bytes_arg(first, f"`{name}()`")
            return BYTES
        if name.endswith("b64encode") or name.endswith("b64decode") or name in ("binascii.hexlify", "hexlify", "binascii.unhexlify", "unhexlify"):
            if first:
                self._tts_bytes_arg(first, f"`{name}()`")
            return BYTES
        if name in ("os.path.join", "os.path.abspath", "os.path.expanduser", "Path", "pathlib.Path", "PurePath"):
            return PATH
        if isinstance(func, cst.Attribute):
            if last == "get_text_content":
                return STR
            if last == "read":
                return BYTES
            if last == "join" and receiver and all(v.kind in ("str", "bytes") for v in receiver) and first:
                self.content_use(first[1], first[0], "join", deep=True)
                return STR if all(v.kind == "str" for v in receiver) else BYTES
            if last in ("append", "extend", "add", "insert") and first:
                key = dotted(func.value)
                item = arg(1) if last == "insert" else first
                if key and key in env and item is not None and any(v.kind == "list" for v in env[key]):
                    new_items = item[1] if last != "extend" else self.iterate(item[1], item[0], env)
                    env[key] = frozenset(
                        replace(v, elems=v.elems | new_items) if v.kind == "list" else v for v in env[key]
                    )
                return UNK
            if last in _MESSAGE_BUILDERS:
                position, keyword, use, deep = _MESSAGE_BUILDERS[last]
                given = arg(position, keyword)
                if given:
                    self.content_use(given[1], given[0], use, deep=deep)
                return UNK
            if last == "create_blob_message":
                blob = arg(0, "blob")
                if blob:
                    self._tts_bytes_arg(blob, "`create_blob_message()`")
                return UNK
            if last == "write" and first:
                self._tts_bytes_arg(first, "`.write()`")
                return UNK
            if receiver and all(v.kind == "str" for v in receiver) and last in STR_METHODS:
                return STR if last not in ("split", "splitlines", "partition", "rpartition", "rsplit", "encode") else (BYTES if last == "encode" else UNK)
            if receiver and all(v.kind == "bytes" for v in receiver) and last == "decode":
                return STR
        return UNK

    def _structural_attr(self, v: Val, attr: str, node: Any) -> frozenset:
        """getattr(x, "name", default) on chunk structure: the value, without judging the access."""
        if v.kind in ("chunk", "delta", "amsg"):
            if attr == "content" and v.kind == "amsg":
                return frozenset({Val("content", types=CONTENT_TYPES, label=self.short(node), at=node)})
            return self._attr_value(v, attr, None)
        return UNK

    def session_call(self, call: SessionCall, env: Env) -> frozenset:
        cst = _cst()
        node = call.node
        values: dict[str, frozenset] = {}
        if isinstance(node.func, cst.Attribute):
            self.eval(node.func.value, env)
        for arg in node.args:
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
                self.emit("s2t", expr, self._s2t_text(expr, vals))
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
        cst = _cst()
        expr = call.arguments.get(param)
        if expr is None:
            return default, ""
        if isinstance(expr, cst.Name) and expr.value in literals:
            return literals[expr.value], ""
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

    def iterate(self, vals: frozenset, node: Any, env: Env, pairs: bool = False, how: str = "for", passing: bool = False) -> frozenset:
        """What iterating these values gives, reporting iteration of what cannot be iterated."""
        if vals and all(v.kind == "llm" for v in vals):
            if all(v.mode == "result" for v in vals) and not pairs:
                self.emit("stream", node, self._result_iterated_text(node, how))
            elif all(v.mode in ("result", "either") for v in vals) and any(v.mode == "either" for v in vals) and not pairs:
                self.emit("mode", node, self._either_text(vals, node, "iterating it" if how == "for" else f"`{how}()`"))
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

    USE_TEXT = {
        "add": ("is concatenated with a str", "raises TypeError"),
        "augadd": ("is appended to a str with `+=`", "raises TypeError"),
        "method": ("is used as a str (`.{detail}()`)", "raises AttributeError"),
        "fstring": ("is formatted into an f-string", "prints the parts' repr (or `None`) instead of text"),
        "percent": ("is formatted with `%`", "prints the parts' repr instead of text"),
        "json": ("is passed to `json.dumps`", "raises TypeError (content parts are not JSON serializable)"),
        "len": ("is measured with `len()`", "counts parts (or raises TypeError on None) instead of characters"),
        "str": ("is converted with `str()`", "gives the parts' repr instead of their text"),
        "loads": ("is parsed with `json.loads`", "raises TypeError"),
        "re": ("is searched with `re.{detail}`", "raises TypeError"),
        "compare": ("is compared with a str", "is never equal when it is a list"),
        "contains": ("is searched with `in`", "looks for a part, not a substring (None raises TypeError)"),
        "text_message": ("is passed to `create_text_message`", "fails validation (`text` must be a str)"),
        "json_message": ("is put in a `create_json_message` payload", "cannot be serialised"),
        "variable_message": ("is passed to `create_stream_variable_message`", "fails validation (the value must be a str)"),
        "yield": ("is yielded as text", "hands a list or None to code expecting a str"),
        "join": ("is joined as text", "raises TypeError (the items are parts, or None)"),
    }

    def content_use(self, vals: frozenset, node: Any, use: str, detail: str = "", deep: bool = False) -> None:
        """A chunk's content used where only a str works."""
        bad = sorted(_bad_content(vals, use, deep), key=lambda v: v.label)
        if not bad:
            return
        key = ("use", id(bad[0].at))  # one finding per place the content is read: the fix goes there
        if deep:
            node = self._locate(node, use) or node
        if use == "iterate":
            content = bad
            self.emit(
                "content",
                node,
                f"`{self.short(node)}` is iterated without an `isinstance(..., list)` guard, but chunk content may be"
                f" {_describe(content, ('str', 'none'))}: a str is walked character by character and None raises TypeError;"
                " check `isinstance(content, list)` first, or read `message.get_text_content()`",
                key=("iterate", id(bad[0].at)),
            )
            return
        what, consequence = self.USE_TEXT[use]
        what = what.format(detail=detail)
        relevant = ("list",) if use in ("str", "compare", "json", "json_message", "percent") else ("list", "none")
        label = self.short(node)
        inner = next((v.label for v in bad if v.label and v.label != label), None)
        source = f" (it holds `{inner}`)" if inner and (deep or use == "join") else ""
        self.emit(
            "content",
            node,
            f"`{label}`{source} {what}, but chunk content may be {_describe(bad, relevant)}: that {consequence}."
            " Narrow it with `isinstance(content, str)` or use `chunk.delta.message.get_text_content()`",
            key=key,
            rank=1 if use in ("len", "str", "fstring", "percent", "compare", "contains", "yield") else 2,
        )

    def _locate(self, node: Any, use: str) -> Any | None:
        """The element of a literal list, tuple or dict that holds the offending content."""
        cst = _cst()
        if isinstance(node, cst.Dict):
            children = [e.value for e in node.elements]
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            children = [e.value for e in node.elements]
        else:
            return None
        for child in children:
            if _bad_content(self.seen.get(id(child), frozenset()), use, False):
                return child
            found = self._locate(child, use)
            if found is not None:
                return found
        return None

    def optional_use(self, vals: frozenset, node: Any, use: str, detail: str = "") -> None:
        if use == "fstring":
            return  # an f-string prints None as "None": untidy, not a failure
        for v in vals:
            if v.kind == "opt" and not v.nonnull:
                if v.mode == "finish_reason" and use == "attribute" and detail not in STR_METHODS:
                    continue
                why = {
                    "usage": "is None on every chunk but (usually) the last",
                    "finish_reason": "is None until the last chunk",
                    "structured_output": "is None when the model returned no structured output (and on most chunks)",
                }[v.mode]
                how = {
                    "attribute": f"reading `.{detail}` on it raises AttributeError",
                    "subscript": "indexing it raises TypeError",
                    "len": "`len()` raises TypeError",
                    "iterate": "iterating it raises TypeError",
                }[use]
                self.emit(
                    "optional",
                    node,
                    f"`{v.label or self.short(node)}` {why}; {how}. Check it first (`if {v.label or 'value'}:`"
                    " or `is not None`)",
                )
                return

    def check_add(self, left: frozenset, right: frozenset, left_node: Any, right_node: Any, augmented: bool = False) -> None:
        use = "augadd" if augmented else "add"
        if left and all(v.kind == "str" for v in left):
            self.content_use(right, right_node, use)
        if right and all(v.kind == "str" for v in right):
            self.content_use(left, left_node, use)
        for vals, node in ((left, left_node), (right, right_node)):
            if vals and all(v.kind == "tts" for v in vals):
                self.emit("tts", node, self._tts_text(node, "`+`", "raises TypeError"))

    def check_compare(self, left: frozenset, right: frozenset, left_node: Any, right_node: Any, op: Any) -> None:
        cst = _cst()
        if isinstance(op, (cst.Equal, cst.NotEqual)):
            if right and all(v.kind == "str" for v in right):
                self.content_use(left, left_node, "compare")
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "compare")
        elif isinstance(op, (cst.In, cst.NotIn)):
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "contains")
            self.optional_use(right, right_node, "iterate")

    def _tts_bytes_arg(self, arg: tuple[Any, frozenset], where: str) -> None:
        node, vals = arg
        if vals and all(v.kind == "tts" for v in vals):
            self.emit("tts", node, self._tts_text(node, where, "needs bytes"))

    # moderation and dropped list content --------------------------------------------------------

    def check_moderation_if(self, node: Any, env: Env) -> None:
        cst = _cst()
        test = node.test
        negated = False
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            negated = not negated
            test = test.expression
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comparison = test.comparisons[0]
            literal = dotted(comparison.comparator)
            if literal in ("True", "False") and isinstance(comparison.operator, (cst.Equal, cst.Is, cst.NotEqual, cst.IsNot)):
                if literal == "False":
                    negated = not negated
                if isinstance(comparison.operator, (cst.NotEqual, cst.IsNot)):
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
        flagged_branch = _body(node.orelse) if negated and isinstance(node.orelse, cst.Else) else (_body(node.body) if not negated else [])
        clean_branch = _body(node.body) if negated else (_body(node.orelse) if isinstance(node.orelse, cst.Else) else [])
        if _says(flagged_branch, _SUCCESS, _FLAGGED) or _says(clean_branch, _FLAGGED, _SUCCESS):
            self.emit(
                "moderation",
                node.test,
                "`session.model.moderation.invoke` returns True when the text is flagged (unsafe), but this branch"
                " treats True as safe; invert the check",
            )

    def check_drop(self, node: Any, env: Env, rest: list[Any]) -> None:
        """A non-str branch that only continues or passes drops list content silently."""
        cst = _cst()
        test = node.test
        negated = False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            negated, test = True, test.expression
        if not (isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2):
            return
        types = _type_names(test.args[1].value)
        if types not in (["str"], ["list"]):
            return
        subject = test.args[0].value
        self.quiet += 1
        try:
            vals = self.eval(subject, dict(env))
        finally:
            self.quiet -= 1
        if not any(v.kind == "content" and "list" in v.types for v in vals):
            return
        exits = (cst.Pass, cst.Continue)
        # the branch that does not see a str: the else of `isinstance(c, str)`, the body of the others
        if types == ["str"] and not negated:
            if node.orelse is None:
                if _only(_body(node.body), (cst.Continue, cst.Return, cst.Break, cst.Raise, cst.Pass)):
                    return
                # no `else` at all: a drop only when nothing else in the loop looks at the content
                key = dotted(subject)
                if not key or not self.loop_nodes or self._looked_at_elsewhere(node, subject, key, rest):
                    return
                skipped = "nothing handles that case"
            elif isinstance(node.orelse, cst.Else) and _only(_body(node.orelse), exits):
                skipped = "that branch only `continue`s or `pass`es"
            else:
                return
        elif ((types == ["str"] and negated) or (types == ["list"] and not negated)) and _only(_body(node.body), exits):
            skipped = "that branch only `continue`s or `pass`es"
        else:
            return
        self.emit(
            "content",
            node.test,
            f"when `{self.short(subject)}` is not a str it is usually a list of content parts (models that stream"
            f" multimodal output send them), and {skipped}: the text is dropped silently; handle the"
            " list too, or use `message.get_text_content()`",
            warning=True,
        )

    def _looked_at_elsewhere(self, if_node: Any, subject: Any, key: str, rest: list[Any]) -> bool:
        """Whether the loop around `if isinstance(<key>, str):` reads the content (or hands its
        message on) anywhere but in that `if`, the tests of the `if`s around it and the line that
        binds it."""
        cst = _cst()
        contents = {key}
        for v in self.seen.get(id(subject), frozenset()):
            if v.kind == "content" and v.label:
                contents.add(v.label)
        messages = {k[: -len(".content")] for k in contents if k.endswith(".content")}

        def reads(path: str) -> bool:
            if any(path == k or path.startswith(k + ".") for k in contents):
                return True
            return any(path in (m, m + ".content", m + ".get_text_content") for m in messages)

        stack = list(_body(self.loop_nodes[-1].body)) + list(rest)
        while stack:
            node = stack.pop()
            if node is if_node:
                continue
            if isinstance(node, cst.If) and any(n is if_node for n in _walk(node)):
                stack.extend(_body(node.body))  # an enclosing `if content:` only guards it
                if node.orelse is not None:
                    stack.append(node.orelse)
                continue
            if isinstance(node, cst.Assign) and any(
                isinstance(t.target, cst.Name) and (t.target.value in contents) for t in node.targets
            ):
                continue  # `content = chunk.delta.message.content` binds it
            if isinstance(node, (cst.Name, cst.Attribute)):
                path = dotted(node)
                if path:
                    if reads(path):
                        return True
                    continue
            stack.extend(_kids(node))
        return False

    # message texts ---------------------------------------------------------------------------

    def _endpoint(self, vals: frozenset) -> str:
        for v in vals:
            if v.call is not None and id(v.call) in self.calls:
                return "session." + ".".join(self.calls[id(v.call)].path)
        return "session.model.llm.invoke"

    def _stream_as_result_text(self, vals: frozenset, node: Any) -> str:
        return (
            f"`{self.short(node)}`: `{self._endpoint(vals)}` with stream=True (the default) returns a generator of"
            f" chunks, which has no `.{node.attr.value}` (AttributeError); pass `stream=False` to get an LLMResult,"
            " or iterate the chunks"
        )

    def _result_iterated_text(self, node: Any, how: str) -> str:
        if how == "next":
            effect = "`next()` raises TypeError ('LLMResult' object is not an iterator)"
        else:
            effect = "iterating it yields (field, value) pairs, not chunks"
        return (
            f"`{self.short(node)}` comes from an LLM call with stream=False, which returns one LLMResult: {effect};"
            " read `.message` instead, or pass stream=True"
        )

    def _either_text(self, vals: frozenset, node: Any, use: str) -> str:
        code = next((v.stream_code.split("\n")[0] for v in vals if v.mode == "either" and v.stream_code), "")
        param = "response_mode" if any(v.kind == "app" for v in vals) else "stream"
        shapes = (
            "a generator of events or a dict"
            if param == "response_mode"
            else "a generator of chunks or an LLMResult"
        )
        guard = "isinstance(result, dict)" if param == "response_mode" else "isinstance(result, LLMResult)"
        which = f"`{param}={code}`" if code else f"`{param}`"
        return (
            f"{which} is not a literal, so `{self.short(node)}` is {shapes};"
            f" {use} works for only one of them. Branch on it first (`{guard}`, `isinstance(result, Generator)`"
            f"{f' or `if {code}:`' if code else ''})"
        )

    def _app_stream_text(self, vals: frozenset, node: Any, use: str) -> str:
        return (
            f"`{self.short(node)}{use}`: `{self._endpoint(vals)}` streams by default (response_mode=\"streaming\")"
            " and returns a generator of event dicts, not a dict; pass `response_mode=\"blocking\"` or iterate the"
            " events"
        )

    def _tts_text(self, node: Any, use: str, problem: str) -> str:
        return (
            f"`{self.short(node)}` is what `session.model.tts.invoke` returns, a generator of audio chunks, not"
            f" bytes: {use} {problem}; collect the audio first: `audio = b\"\".join(...)`"
        )

    def _s2t_text(self, node: Any, vals: frozenset) -> str:
        if all(v.kind == "bytes" for v in vals):
            return (
                f"`{self.short(node)}` is bytes, but `session.model.speech2text.invoke` calls `file.read()`"
                " (AttributeError); wrap it: `io.BytesIO(data)`"
            )
        return (
            f"`{self.short(node)}` is a str (a path?), but `session.model.speech2text.invoke` needs a file object"
            " and calls `file.read()` (AttributeError); open it: `with open(path, \"rb\") as f:` and pass `f`"
        )

    def _part_text(self, node: Any) -> str:
        return (
            f"`{self.short(node)}` on a content part not narrowed to text: an image, audio, video or document part's"
            " `.data` is its URL or a base64 data URI, not text; check `isinstance(part, TextPromptMessageContent)`"
            " (or `part.type == PromptMessageContentType.TEXT`) first"
        )


# -- splits used by narrowing -------------------------------------------------------------------


def _isinstance_split(v: Val, types: list[str] | None, truth: bool) -> frozenset:
    if v.kind == "unknown":
        return UNK
    if types is None:
        return UNK
    names = set(types)
    if v.kind == "content":
        matched: set[str] = set()
        for name in names:
            if name not in CONTENT_ISINSTANCE:
                return UNK
            matched |= CONTENT_ISINSTANCE[name]
        remaining = v.types & matched if truth else v.types - matched
        return frozenset({replace(v, types=frozenset(remaining))}) if remaining else frozenset()
    if v.kind == "part":
        if names & {"TextPromptMessageContent"}:
            if names - {"TextPromptMessageContent"} - PART_OTHER_TYPES:
                return UNK
            if names & PART_OTHER_TYPES:
                return frozenset({v}) if truth else frozenset()
            return frozenset({replace(v, mode="text" if truth else "other")})
        if names & PART_OTHER_TYPES:
            return frozenset({replace(v, mode="other")}) if truth else frozenset({v})
        if names <= {"PromptMessageContent", "PromptMessageContentUnionTypes"}:
            return frozenset({v}) if truth else frozenset()
        return UNK
    if v.kind in ("llm", "app"):
        shapes = set()
        for name in names:
            if name in GENERATOR_TYPES:
                shapes.add("stream")
            elif name in RESULT_TYPES and v.kind == "llm":
                shapes.add("result")
            elif name in DICT_TYPES and v.kind == "app":
                shapes.add("result")
            elif name in CHUNK_TYPES or name in ("str", "list", "bytes", "int", "NoneType") or (name in DICT_TYPES and v.kind == "llm"):
                continue
            else:
                return UNK
        if v.mode == "either":
            modes = shapes if truth else {"stream", "result"} - shapes
            return frozenset(replace(v, mode=m) for m in modes)
        return frozenset({v}) if (v.mode in shapes) == truth else frozenset()
    if v.kind == "chunk":
        if names <= CHUNK_TYPES:
            return frozenset({v}) if truth else frozenset()
        return UNK
    if v.kind == "opt":
        if names == {"NoneType"}:
            return frozenset({v}) if truth else frozenset({replace(v, nonnull=True)})
        return frozenset({replace(v, nonnull=True)}) if truth else frozenset({v})
    if v.kind == "tts":
        if names <= {"bytes", "bytearray", "str"}:
            return frozenset() if truth else frozenset({v})
        if names <= GENERATOR_TYPES:
            return frozenset({v}) if truth else frozenset()
        return UNK
    if v.kind == "none":
        if names == {"NoneType"}:
            return frozenset({v}) if truth else frozenset()
        return frozenset() if truth else frozenset({v})
    return frozenset({v})


def _hasattr_split(v: Val, attr: str | None, truth: bool) -> frozenset:
    if v.kind == "unknown" or attr is None:
        return UNK
    if v.kind == "llm":
        if attr in ("message", "usage", "model", "structured_output", "prompt_messages", "system_fingerprint"):
            has = {"stream": False, "result": True}
        elif attr in ("__next__", "send", "throw", "gi_frame", "close"):
            has = {"stream": True, "result": False}
        else:
            return frozenset({v})
        if v.mode == "either":
            return frozenset(replace(v, mode=m) for m, h in has.items() if h == truth)
        return frozenset({v}) if has[v.mode] == truth else frozenset()
    if v.kind == "app":
        if attr in DICT_METHODS:
            has = {"stream": False, "result": True}
        elif attr in ("__next__", "send", "throw", "gi_frame", "close"):
            has = {"stream": True, "result": False}
        else:
            return frozenset({v})
        if v.mode == "either":
            return frozenset(replace(v, mode=m) for m, h in has.items() if h == truth)
        return frozenset({v}) if has[v.mode] == truth else frozenset()
    if v.kind == "content" and attr in STR_METHODS:
        remaining = v.types & {"str"} if truth else v.types - {"str"}
        return frozenset({replace(v, types=frozenset(remaining))}) if remaining else frozenset()
    if v.kind == "opt":
        return frozenset({replace(v, nonnull=True)}) if truth else frozenset({v})
    return frozenset({v})


def _truthy_split(v: Val, truth: bool) -> frozenset:
    if v.kind == "content":
        if not truth:
            return frozenset({v})
        remaining = v.types - {"none"}
        return frozenset({replace(v, types=remaining)}) if remaining else frozenset()
    if v.kind == "opt":
        return frozenset({replace(v, nonnull=True)}) if truth else frozenset({v})
    if v.kind == "none":
        return frozenset() if truth else frozenset({v})
    if v.kind == "const":
        return frozenset({v}) if (v.mode == "True") == truth else frozenset()
    if v.kind in ("llm", "app", "tts", "tool", "chunk", "delta", "amsg", "rmsg", "file") and not truth:
        if v.kind == "app" and v.mode != "stream":
            return frozenset({v})
        return frozenset()  # generators and pydantic models are always truthy
    return frozenset({v})


def _none_split(v: Val, is_none: bool) -> frozenset:
    if v.kind == "content":
        remaining = v.types & {"none"} if is_none else v.types - {"none"}
        return frozenset({replace(v, types=frozenset(remaining))}) if remaining else frozenset()
    if v.kind == "opt":
        return frozenset({v}) if is_none else frozenset({replace(v, nonnull=True)})
    if v.kind == "none":
        return frozenset({v}) if is_none else frozenset()
    if v.kind in ("llm", "app", "tts", "tool", "chunk", "delta", "amsg", "rmsg", "str", "bytes", "list"):
        return frozenset() if is_none else frozenset({v})
    return frozenset({v})


def _part_split(v: Val, kind: str, positive: bool) -> frozenset:
    if v.kind != "part":
        return frozenset({v})
    if kind == "text":
        return frozenset({replace(v, mode="text" if positive else "other")})
    return frozenset({replace(v, mode="other")}) if positive else frozenset({v})


def _part_type_subject(node: Any) -> Any | None:
    """`part` in `part.type` or `part.type.value`."""
    cst = _cst()
    if isinstance(node, cst.Attribute) and node.attr.value == "value":
        node = node.value
    if isinstance(node, cst.Attribute) and node.attr.value == "type":
        return node.value
    return None


def _content_kind(node: Any) -> str | None:
    """"text" for `"text"` / `PromptMessageContentType.TEXT`, "other" for another part type, else None."""
    literal = string_value(node)
    if literal is not None:
        return "text" if literal == "text" else "other"
    name = dotted(node)
    if name.startswith("PromptMessageContentType.") or name.endswith("ContentType.TEXT"):
        return "text" if name.endswith(".TEXT") else "other"
    return None


def _bad_content(vals: frozenset, use: str, deep: bool) -> frozenset:
    """The content values for which this use fails."""
    relevant = {"list"} if use in ("str", "compare", "json", "json_message", "percent") else {"list", "none"}
    if use == "iterate":
        relevant = {"str", "none"}
    out: set[Val] = set()
    for v in vals:
        if v.kind == "content" and v.types & relevant:
            out.add(v)
        elif deep and v.kind == "list":
            out |= _bad_content(v.elems, use, deep)
    return frozenset(out)


def _describe(vals: Iterable[Val], relevant: tuple[str, ...]) -> str:
    types: set[str] = set()
    for v in vals:
        types |= set(v.types)
    words = {"list": "a list of content parts", "none": "None", "str": "a str"}
    found = [words[t] for t in ("list", "str", "none") if t in types and t in relevant]
    return " or ".join(found) or "not a str"


def _says(stmts: list[Any], wanted: re.Pattern, unwanted: re.Pattern) -> bool:
    """Whether a branch yields or returns text that says `wanted` (and not `unwanted`)."""
    cst = _cst()
    texts: list[str] = []
    stack = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, (cst.Return, cst.Yield)) and node.value is not None:
            for inner in _walk(node.value):
                if isinstance(inner, cst.SimpleString):
                    value = string_value(inner)
                    if value:
                        texts.append(value)
                elif isinstance(inner, cst.FormattedStringText):
                    texts.append(inner.value)
            continue
        stack.extend(_kids(node))
    text = " ".join(texts)
    return bool(text) and bool(wanted.search(text)) and not unwanted.search(text)




def _walk(node: Any) -> Iterable[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_kids(current))


def _chunk_shape(paths: set[str], name: str) -> bool:
    """`<name>.delta.message.content` is read: a Dify chunk, unless it looks like Cohere's
    (`chunk.type == "content-delta"`, `chunk.delta.message.content.text`)."""
    return (
        f"{name}.delta.message.content" in paths
        and f"{name}.delta.message.content.text" not in paths
        and f"{name}.type" not in paths
    )


def _attribute_paths(node: Any) -> set[str]:
    """Every dotted name path read in a subtree (`a`, `a.b`, `a.b.c`, ...)."""
    cst = _cst()
    paths: set[str] = set()
    for root in node if isinstance(node, (list, tuple)) else (node,):
        for n in _walk(root):
            if isinstance(n, cst.Attribute):
                name = dotted(n)
                if name:
                    paths.add(name)
            elif isinstance(n, cst.Name):
                paths.add(n.value)
    return paths


# -- entry point -------------------------------------------------------------------------------

#: text that must appear in a module for any DPL5xx rule to have something to say
TRIGGERS = ("session", ".delta")


def events(module: Any) -> list[Event]:
    """Every DPL5xx event in the module (cached on it)."""
    cached = getattr(module, "_result_events", None)
    if cached is not None:
        return cached
    found: list[Event] = []
    if any(t in module.text for t in TRIGGERS) and module.tree is not None:
        calls = {id(c.node): c for c in session_calls(module)}
        if not calls and ".delta" not in module.text:
            module._result_events = found  # type: ignore[attr-defined]
            return found
        for function in functions(module):
            if not _relevant(function, calls):
                continue
            try:
                found.extend(Flow(module, function, calls).run())
            except RecursionError:  # pragma: no cover - absurdly deep expressions
                continue
    module._result_events = found  # type: ignore[attr-defined]
    return found


def _relevant(function: Function, calls: dict[int, SessionCall]) -> bool:
    """Whether a function's own code holds a session call or reads a `.delta` (a chunk's shape)."""
    cst = _cst()
    skip = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    stack = list(function.body.body) if function.node is None else _body(function.body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in skip:
            continue
        if kind is cst.Call and id(node) in calls:
            return True
        if kind is cst.Attribute and node.attr.value == "delta":
            return True
        stack.extend(_kids(node))
    return False
