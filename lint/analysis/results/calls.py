"""Calls: the session's (what each endpoint returns), builtins and library functions whose
result or argument matters (`len`, `str`, `json.dumps`, `io.BytesIO`, ...), message builders."""

from __future__ import annotations

import ast
import builtins
from dataclasses import replace
from typing import Any

from ...python.astutil import (
    call_arguments,
    dotted,
    name_text,
    string_value,
)
from ..session import SessionCall
from . import facts
from .values import (
    BYTES,
    CONTENT_TYPES,
    FILE,
    HTTP,
    PATH,
    RE_STRING_ARG,
    STR,
    STR_METHODS,
    UNK,
    Val,
    isinstance_split,
    last_name,
    type_names,
)

#: message builders whose argument must be text: name -> (position, keyword, use, check nested values)
MESSAGE_BUILDERS = {
    "create_text_message": (0, "text", "text_message", False),
    "create_json_message": (0, "json", "json_message", True),
    "create_stream_variable_message": (1, "variable_value", "variable_message", False),
}

#: the values worth following into a function they are passed to
FOLLOWED = frozenset({"llm", "app", "chunk", "delta", "amsg", "content", "part", "tts", "opt", "moderation"})


#: module-level functions of `requests` and `httpx` that answer with a response
HTTP_CALLS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


def _encoding_only(node: ast.Call) -> bool:
    """`x.encode()` with no argument but an encoding (and errors) written as a literal."""
    arguments = call_arguments(node)
    return len(arguments) <= 2 and all(
        not arg.star and arg.keyword in (None, "encoding", "errors") and string_value(arg.value) is not None for arg in arguments
    )


#: calls that never reach the plugin's own code: builtins, and methods of lists, str and the SDK
BUILTIN_NAMES = frozenset(dir(builtins))
NOT_THE_PLUGINS = frozenset(
    {"append", "extend", "insert", "join", "get", "dumps", "loads", "format", "cast"}
    | set(MESSAGE_BUILDERS)
    | {"create_blob_message", "create_image_message", "create_link_message", "create_variable_message"}
)


def handed(vals: frozenset) -> bool:
    """Whether these values carry a result a callee could misuse."""
    return any(v.kind in FOLLOWED or (v.kind == "list" and handed(v.elems)) for v in vals)


Env = dict  # str -> frozenset[Val]


class Calls:
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
        self.hand_off(node, positional, keywords)

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
        if name.split(".")[0] in ("requests", "httpx") and last in HTTP_CALLS:
            return HTTP
        if isinstance(func, ast.Attribute):
            if last == "get_text_content":
                return STR
            if last == "read":
                return BYTES
            if last == "encode" and _encoding_only(node):
                return BYTES  # `text.encode()`, `text.encode("utf-8")`: a tokenizer's `encode(text)` is not this
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

    def hand_off(self, node: ast.Call, positional: list, keywords: dict) -> None:
        """A call that passes a session result (or a piece of one) on: the plugin's own function
        it reaches is interpreted with it (`flow.py`)."""
        if not self.reporting or self.quiet or not isinstance(node.func, (ast.Name, ast.Attribute)):
            return
        name = dotted(node.func)
        if name in BUILTIN_NAMES or last_name(name) in NOT_THE_PLUGINS:
            return
        passed = {id(expr): vals for expr, vals in (*positional, *keywords.values()) if handed(vals)}
        if passed:
            self.handoffs[id(node)] = (node, passed)

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
