"""Model configs fixed in code: a config built with one literal provider that is the only value a
model call receives, and the model-selector the same tool or strategy declares and never reads.

A call that may also receive another value (a model-selector's, a parameter's, one that cannot be
followed) is left out: the built config is then a fallback, not the only choice. A selector counts
as unread only where every read of the parameters was seen (a dict handed to unknown code may be
read there).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator

from ..python.astutil import string_value
from .contracts import Contract, Contracts
from .model_calls import ModelCall, Selectors, selector_reads
from .origins import Built, Const, ValueFlow, flatten


@dataclass
class IgnoredSelector:
    """A model-selector a tool or strategy declares and its code never reads."""

    contract: Contract
    name: str
    index: int


@dataclass
class FixedProvider:
    """A config built in code whose provider is one literal string, and the call it reaches."""

    mc: ModelCall
    built: Built
    node: ast.expr  # the provider's expression, in `built.module`
    provider: str
    model: str | None  # the literal model name, when there is one
    ignored_selector: IgnoredSelector | None  # the selector the same tool declares and never reads

    @property
    def short_name(self) -> str:
        """`openai` for `langgenius/openai/openai` as for `openai`."""
        return self.provider.rsplit("/", 1)[-1]

    def described(self) -> str:
        return f"`{self.provider}`" + (f" (model `{self.model}`)" if self.model else "")


def fixed_providers(calls: list[ModelCall], selectors: Selectors, flow: ValueFlow, contracts: Contracts) -> list[FixedProvider]:
    """Each config built in code with a literal provider, once."""
    ignored = _ignored_selectors(contracts)
    return [
        FixedProvider(mc, built, node, provider, model, ignored.get(built.module.path) or ignored.get(mc.call.module.path))
        for mc, built, node, provider, model in _fixed(calls, selectors, flow)
    ]


def _fixed(calls: list[ModelCall], selectors: Selectors, flow: ValueFlow) -> Iterator[tuple]:
    seen: set[int] = set()
    for mc in calls:
        if not mc.origins or not all(isinstance(o, Built) for o in mc.origins):
            continue
        if next(selector_reads(selectors, flow, mc.origins), None) is not None:
            continue
        model_key = "name" if mc.endpoint.path[0] == "workflow_node" else "model"
        for origin in flatten(mc.origins):
            if not isinstance(origin, Built):
                continue
            node = origin.key_node("provider")
            if node is None or id(node) in seen:
                continue
            provider = _literal(flow, origin, "provider")
            if provider is None:
                continue
            seen.add(id(node))
            yield mc, origin, node, provider, _literal(flow, origin, model_key)


def _literal(flow: ValueFlow, built: Built, key: str) -> str | None:
    """The one string a built config is given for `key`, when every origin of it is that literal."""
    values = flow.key_origins(built, key)
    if not values or not all(isinstance(v, Const) and v.kind == "str" for v in values):
        return None
    strings = {string_value(v.node) for v in values}
    found = strings.pop() if len(strings) == 1 else None
    return found if found and found.strip() else None


def _ignored_selectors(contracts: Contracts) -> dict[str, IgnoredSelector]:
    """By source path: the first model-selector each tool or strategy declares and never reads."""
    found: dict[str, IgnoredSelector] = {}
    for contract in contracts.contracts:
        if contract.dynamic or not contract.flow.complete or contract.module.path in found:
            continue
        read = contract.flow.read_keys()
        for name, (index, item) in contract.declared.items():
            if item.get("type") == "model-selector" and name not in read:
                found[contract.module.path] = IgnoredSelector(contract, name, index)
                break
    return found
