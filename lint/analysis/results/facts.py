"""What the result analysis finds: one fact per misuse, with the source text a message quotes.
The rules of the DPL5xx family turn these into words."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import NamedTuple

from ...python.module import PyModule


class CallSite(NamedTuple):
    """A call of the plugin's own function that hands it a result (`callee`: its name as called)."""

    module: PyModule
    node: ast.Call
    callee: str


@dataclass(frozen=True)
class Event:
    """A fact at a node. `rule` names the family member it is for: content, stream, mode,
    optional, lazy, tts, s2t, moderation or yield. `rank` orders facts about one thing: the
    highest is kept. `via`: the calls that handed the value to the function the node is in,
    outermost first (empty when the function's own code shows it)."""

    rule: str
    node: ast.AST
    fact: object
    warning: bool = False
    rank: int = 0
    via: tuple[CallSite, ...] = ()


@dataclass(frozen=True)
class ContentUse:
    """Chunk content (`delta.message.content`) used where only a str works. `types`: what it may
    be that breaks this use ("list", "none"); `inner`: the content expression a larger value holds."""

    label: str
    use: str  # add, augadd, method, fstring, percent, json, len, str, loads, re, compare, contains, ...
    detail: str
    types: frozenset
    inner: str | None = None
    read: str = ""  # where the content was read (`chunk.delta.message.content`), "" when not known


@dataclass(frozen=True)
class ContentIterated:
    """Chunk content iterated without a list check (`types`: "str", "none")."""

    label: str
    types: frozenset
    read: str = ""


@dataclass(frozen=True)
class PartDataUnchecked:
    """`part.data` read on a content part not narrowed to text."""

    label: str
    read: str = ""


@dataclass(frozen=True)
class ContentDropped:
    """A non-str branch that drops list content: `handled` is "nothing" (no branch at all) or
    "skips" (the branch only continues or passes)."""

    subject: str
    handled: str
    read: str = ""


@dataclass(frozen=True)
class StreamedAsResult:
    """A streamed LLM result read as an LLMResult (`.message` on the generator)."""

    label: str
    endpoint: str
    attribute: str


@dataclass(frozen=True)
class AppStreamAsResult:
    """A streaming app result used as the blocking dict (`.get(...)`, `[...]`)."""

    label: str
    endpoint: str
    use: str


@dataclass(frozen=True)
class ResultIterated:
    """A blocking LLM result iterated (`for`) or passed to `next()`."""

    label: str
    how: str  # "for", "next", "iter", "list", ...


@dataclass(frozen=True)
class ModeUnchecked:
    """A result of a non-literal `stream=` / `response_mode=` used as one shape."""

    label: str
    param: str  # "stream" or "response_mode"
    code: str  # the argument's source, or ""
    use: str  # the use quoted (`.message`, `next()`), "" for a `for` loop over it


@dataclass(frozen=True)
class OptionalUnchecked:
    """`delta.usage`, `delta.finish_reason` or `structured_output` used without a None check.
    `label`: the field's expression where it was read ("" when not known); `expression`: the use."""

    label: str
    expression: str
    field: str
    use: str  # attribute, subscript, len, iterate
    detail: str


@dataclass(frozen=True)
class LazyNeverIterated:
    """A lazy session result dropped, or bound to `name` and never read."""

    endpoint: str
    kind: str  # llm, app, tts, tool
    name: str | None


@dataclass(frozen=True)
class TtsAsBytes:
    """A TTS result (a generator of audio chunks) used as bytes: `how` is "len", "add",
    "attribute" (a bytes method on it) or "argument" (passed where bytes are needed); `use` quotes it."""

    label: str
    use: str
    how: str


@dataclass(frozen=True)
class Speech2TextNotFile:
    label: str
    is_bytes: bool  # bytes (else a str, likely a path)


@dataclass(frozen=True)
class ModerationNamedSafe:
    name: str


@dataclass(frozen=True)
class ModerationBranchInverted:
    pass


@dataclass(frozen=True)
class YieldedNonMessage:
    """A tool's or agent strategy's `_invoke` yields something that is not a message: `what` is
    "str" (text, narrowed chunk content included), "content" (chunk content), "chunk" (an
    `LLMResultChunk`), "result" (an `LLMResult`) or "chunks" (`yield from` an LLM stream)."""

    label: str
    what: str
    entry: str  # "tool" or "strategy"
    endpoint: str = ""  # the session call the chunks or result come from
    read: str = ""  # chunk content: where it was read
