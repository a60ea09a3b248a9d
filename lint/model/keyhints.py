"""Where an unknown key most likely belongs: a typo of a known key, the name another declaration
kind gives the same setting, one level too deep or too shallow, or a block shaped like a known one.

Every suggestion must be safe to follow: the suggested key is absent from the mapping (renaming
onto an existing key would overwrite it), the SDK reads it (no key the SDK drops), and the value
fits what that key expects (`in: path` is no `min`, which takes a number).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

#: how close a key must be to a known one to count as a typo of it
TYPO_CUTOFF = 0.75
#: the share of a block's item keys that must be known keys of the suggested block
SHAPE_SHARE = 0.6


@dataclass(frozen=True)
class Suggestion:
    target: str  # the key (or dotted path) to use instead, as the user writes it
    advice: str  # what to do, as a clause: "did you mean `required`?"
    typo: bool = False  # a misspelling of a known key of the same mapping


@dataclass(frozen=True)
class Place:
    """An object schema and the mapping it describes."""

    schema: dict
    mapping: dict

    @cached_property
    def order(self) -> dict[Any, int]:
        """Each key of the mapping -> its place in it (counted once for all its unknown keys)."""
        return {k: i for i, k in enumerate(self.mapping)}


def suggest(key: str, value: Any, here: Place, parent: Place | None, parent_label: str, fits) -> Suggestion | None:
    """The best place for `key: value`, found unknown in `here` (`parent` holds `here`).

    `fits(value, schema)` says whether a value suits a property's schema.
    """
    known = properties(here.schema)
    usable = {name: sub for name, sub in known.items() if name not in here.mapping and _readable(sub)}

    for close in difflib.get_close_matches(key, sorted(usable), n=3, cutoff=TYPO_CUTOFF):
        if fits(value, usable[close]):
            return Suggestion(close, f"did you mean `{close}`?", typo=True)
    if value is None or value == "" or value == {} or value == []:
        return None  # an empty leftover loses nothing wherever it belongs

    for name, sub in usable.items():
        elsewhere = sub.get("x-also-written-as")
        if isinstance(elsewhere, dict) and key in elsewhere and fits(value, sub):
            why = f"`{key}` is what {elsewhere[key]} call it; here Dify ignores it"
            return Suggestion(name, f"did you mean `{name}`? ({why})")

    for sibling in _blocks_before(here, key, known):
        inner = known[sibling]
        below = here.mapping[sibling]
        if key in below:
            continue
        target = properties(inner).get(key)
        if target is not None and _readable(target) and fits(value, target):
            path = f"{sibling}.{key}"
            return Suggestion(path, f"did you mean `{path}`? (indent it under `{sibling}`; here Dify ignores it)")

    if parent is not None and key not in parent.mapping:
        target = properties(parent.schema).get(key)
        if target is not None and _readable(target) and fits(value, target):
            return Suggestion(key, f"move it up to {parent_label} (here Dify ignores it)")

    return _by_shape(value, usable)


def properties(schema: Any, depth: int = 0) -> dict[str, dict]:
    """The named properties an object schema knows, merged through allOf / anyOf / oneOf / if-then-else."""
    found: dict[str, dict] = {}
    if not isinstance(schema, dict) or depth > 6:
        return found
    props = schema.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            if isinstance(sub, dict):
                found.setdefault(name, sub)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(keyword) or ():
            for name, sub in properties(part, depth + 1).items():
                found.setdefault(name, sub)
    for keyword in ("then", "else"):
        for name, sub in properties(schema.get(keyword), depth + 1).items():
            found.setdefault(name, sub)
    return found


def accepted_types(schema: Any, depth: int = 0) -> set[str] | None:
    """The JSON types a schema allows at its top level (None: any)."""
    if not isinstance(schema, dict) or depth > 6:
        return None
    found: set[str] | None = None
    declared = schema.get("type")
    if isinstance(declared, str):
        found = {declared}
    elif isinstance(declared, list):
        found = set(declared)
    for part in schema.get("allOf") or ():
        inner = accepted_types(part, depth + 1)
        if inner is not None:
            found = inner if found is None else found & inner
    return found


def item_schema(schema: Any, depth: int = 0) -> dict | None:
    """The schema of a list's items, looked up through allOf and if-then-else."""
    if not isinstance(schema, dict) or depth > 6:
        return None
    items = schema.get("items")
    if isinstance(items, dict):
        return items
    for part in (*(schema.get("allOf") or ()), schema.get("then"), schema.get("else")):
        found = item_schema(part, depth + 1)
        if found is not None:
            return found
    return None


def entry_schema(schema: Any) -> dict | None:
    """The schema of each value of a name -> settings mapping (`additionalProperties`)."""
    if isinstance(schema, dict) and isinstance(schema.get("additionalProperties"), dict):
        return schema["additionalProperties"]
    return None


def _readable(schema: dict) -> bool:
    """The SDK reads this key (suggesting one it drops would only move the problem)."""
    return schema.get("x-sdk") != "dropped" and "x-ignored" not in schema


def _blocks_before(here: Place, key: str, known: dict[str, dict]) -> list[str]:
    """The known keys of `here` holding a mapping and written before `key`, nearest first. Only
    the schema's keys are looked at: a mapping of thousands of unknown keys costs no more."""
    order = here.order
    end = order.get(key, len(order))
    found = [name for name in known if order.get(name, end) < end and isinstance(here.mapping[name], dict)]
    return sorted(found, key=order.__getitem__, reverse=True)


def _block_items(value: Any) -> list[dict] | None:
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return value
    if isinstance(value, dict) and value and all(isinstance(item, dict) for item in value.values()):
        return list(value.values())
    return None


def _by_shape(value: Any, candidates: dict[str, dict]) -> Suggestion | None:
    """An unknown block whose items look like the items of a known block that is missing."""
    items = _block_items(value)
    if items is None:
        return None
    item_keys = {k for item in items for k in item if isinstance(k, str)}
    if len(item_keys) < 2:
        return None
    scored = []
    for name, sub in candidates.items():
        for each in _item_schemas(sub):
            known = set(properties(each))
            shared = len(item_keys & known)
            if shared >= 2 and shared / len(item_keys) >= SHAPE_SHARE:
                scored.append((shared / len(item_keys), name, sub))
                break
    scored.sort(key=lambda s: -s[0])
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None  # nothing alike, or no single best
    _, name, sub = scored[0]
    shape = sub.get("x-shape")
    written = f", written as {shape}" if isinstance(shape, str) and shape else ""
    why = f"its entries look like the ones Dify reads there{written}; here Dify ignores them"
    return Suggestion(name, f"did you mean `{name}`? ({why})")


def _item_schemas(schema: dict) -> Iterator[dict]:
    for each in (item_schema(schema), entry_schema(schema)):
        if each is not None:
            yield each
