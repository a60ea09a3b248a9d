"""The abstract values the result analysis tracks, and how tests narrow them."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from ...python.astutil import dotted, name_text, string_value


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
HTTP = frozenset({Val("http")})  # a `requests` / `httpx` response: `.content` is bytes, `.text` a str
NONE = frozenset({Val("none")})
CONTENT_TYPES = frozenset({"str", "list", "none"})
LAZY = {"tts", "tool"}  # plus llm and app in stream mode


def is_lazy(v: Val) -> bool:
    return v.kind in LAZY or (v.kind in ("llm", "app") and v.mode == "stream")


# -- names the analysis knows ------------------------------------------------------------------

STR_METHODS = frozenset(n for n in dir(str) if not n.startswith("_")) | {"__add__", "__contains__", "__len__"}
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
)  # fmt: skip
SUCCESS_WORDS = re.compile(
    r"\b(safe|passed|pass(es)?|ok|okay|allowed|approved|clean|compliant|appropriate|no (issues?|problems?|violations?))\b",
    re.I,
)
FLAGGED_WORDS = re.compile(
    r"(unsafe|not safe|flagged|blocked|violat|inappropriate|sensitive|harmful|rejected|not allowed|denied|forbidden|"
    r"prohibited|offensive|toxic|not pass|fail)",
    re.I,
)
#: uses of content that fail only on a list (a None prints or compares harmlessly)
LIST_ONLY_USES = ("str", "compare", "json", "json_message", "percent", "assert")


def last_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def type_names(node: ast.AST) -> list[str] | None:
    """The class names an isinstance() second argument names, or None when it is not plain names."""
    if isinstance(node, (ast.Tuple, ast.List)):
        names: list[str] = []
        for element in node.elts:
            inner = type_names(element)
            if inner is None:
                return None
            names.extend(inner)
        return names
    if isinstance(node, ast.Call) and dotted(node.func) == "type" and len(node.args) == 1 and name_text(node.args[0]) == "None":
        return ["NoneType"]
    if isinstance(node, ast.Subscript):  # Generator[...] in cast()
        return type_names(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = type_names(node.left), type_names(node.right)
        return None if left is None or right is None else left + right
    name = name_text(node)
    if name == "None":
        return ["NoneType"]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [last_name(node.value.split("[")[0].strip())]
    return [last_name(name)] if name else None


# -- splits used by narrowing -------------------------------------------------------------------


def isinstance_split(v: Val, types: list[str] | None, truth: bool) -> frozenset:
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
            elif (
                name in CHUNK_TYPES
                or name in ("str", "list", "bytes", "int", "NoneType")
                or (name in DICT_TYPES and v.kind == "llm")
            ):
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


def hasattr_split(v: Val, attr: str | None, truth: bool) -> frozenset:
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


def truthy_split(v: Val, truth: bool) -> frozenset:
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


def none_split(v: Val, is_none: bool) -> frozenset:
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


def part_split(v: Val, kind: str, positive: bool) -> frozenset:
    if v.kind != "part":
        return frozenset({v})
    if kind == "text":
        return frozenset({replace(v, mode="text" if positive else "other")})
    return frozenset({replace(v, mode="other")}) if positive else frozenset({v})


def part_type_subject(node: ast.AST) -> ast.AST | None:
    """`part` in `part.type` or `part.type.value`."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "type":
        return node.value
    return None


def content_kind(node: ast.AST) -> str | None:
    """ "text" for `"text"` / `PromptMessageContentType.TEXT`, "other" for another part type, else None."""
    literal = string_value(node)
    if literal is not None:
        return "text" if literal == "text" else "other"
    name = dotted(node)
    if name.startswith("PromptMessageContentType.") or name.endswith("ContentType.TEXT"):
        return "text" if name.endswith(".TEXT") else "other"
    return None


def bad_content(vals: frozenset, use: str, deep: bool) -> frozenset:
    """The content values for which this use fails."""
    relevant = {"list"} if use in LIST_ONLY_USES else {"list", "none"}
    if use == "iterate":
        relevant = {"str", "none"}
    out: set[Val] = set()
    for v in vals:
        if v.kind == "content" and v.types & relevant:
            out.add(v)
        elif deep and v.kind == "list":
            out |= bad_content(v.elems, use, deep)
    return frozenset(out)


def content_types(vals: Iterable[Val], relevant: tuple[str, ...]) -> frozenset:
    """What these content values may be, among `relevant`."""
    types: set[str] = set()
    for v in vals:
        types |= set(v.types)
    return frozenset(t for t in types if t in relevant)


def chunk_shape(paths: set[str], name: str) -> bool:
    """`<name>.delta.message.content` is read: a Dify chunk, unless it looks like Cohere's
    (`chunk.type == "content-delta"`, `chunk.delta.message.content.text`)."""
    return (
        f"{name}.delta.message.content" in paths
        and f"{name}.delta.message.content.text" not in paths
        and f"{name}.type" not in paths
    )
