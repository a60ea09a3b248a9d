"""The origins a value may have: what the origin analysis answers about an expression."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ...sdk import CONFIG_CLASSES

if TYPE_CHECKING:
    from ...python.scopes import ClassInfo
    from .evaluator import Frame

#: the form of a value: a plain dict, or an instance of a config class (its name)
DICT = "dict"


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
    could have been added that the analysis cannot name. `frame` and `env` are where the value
    expressions are evaluated (`ValueFlow.key_origins`).
    """

    node: Any = field(repr=False)
    class_name: str | None
    keys: tuple = field(repr=False)  # ((key, expression or None), ...)
    spreads: tuple  # (frozenset[Origin], ...)
    opened: bool
    frame: "Frame" = field(repr=False)
    env: Any = field(repr=False)
    added: tuple = field(default=(), repr=False)  # ((key, value expression or None), ...) put in afterwards

    @property
    def form(self) -> str | None:  # type: ignore[override]
        return self.class_name or DICT

    @property
    def module(self):
        """The module the value is built in."""
        return self.frame.func.module

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.keys) or any(name == key for name, _ in self.added)

    def key_node(self, key: str) -> Any:
        for name, node in (*reversed(self.added), *reversed(self.keys)):
            if name == key:
                return node
        return None


@dataclass(frozen=True, eq=False)
class Instance(Origin):
    """An instance of one of the plugin's own classes, e.g. a pydantic parameters model."""

    cls: "ClassInfo"
    validated_from: frozenset  # origins of the mapping it was built from (`**x`, model_validate(x))
    keywords: tuple  # ((name, frozenset[Origin]), ...)
    form: str | None = None


def as_dict(origin: Origin) -> Origin:
    """The origin after `.model_dump()` / `dict(x)`: the same value as a plain dict."""
    if isinstance(origin, Read):
        return replace(origin, form=DICT)
    if isinstance(origin, Built) and origin.class_name is not None:
        cls = CONFIG_CLASSES.get(origin.class_name)
        defaults = tuple((k, None) for k in (cls.optional if cls else ()) if not origin.has(k))
        return replace(origin, class_name=None, keys=origin.keys + defaults)
    return origin if origin.form == DICT else UNKNOWN


def with_keys(origin: Origin, added: frozenset, opened: bool) -> Origin:
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


def literal_of(node: Any) -> str | None:
    """The kind of literal a node is ("str", "number", ...), as Const reports it, or None."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, (str, bytes)):
            return "str"
        if isinstance(value, (int, float, complex)):
            return "number"
        return None
    if isinstance(node, ast.JoinedStr):
        return "str"
    if isinstance(node, (ast.List, ast.ListComp)):
        return "list"
    if isinstance(node, ast.Tuple):
        return "tuple"
    if isinstance(node, (ast.Set, ast.SetComp)):
        return "set"
    return None
