"""The model configs `session.model.*` calls (and workflow nodes) receive, traced back to where
they were built or to the model-selector that supplied them."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ..model.declarations import Parameter, parameter_name, parameters
from ..model.plugin import Plugin
from ..sdk import Endpoint
from .entries import source_path
from .origins import DICT, Built, Item, Origin, Read, ValueFlow, flatten
from .session import SessionCall


class Selectors:
    """The model-selector parameters each entry point's mapping can hold."""

    def __init__(self, plugin: Plugin):
        by_declaration: dict[int, list[Parameter]] = {}
        self._credential_selectors: list[Parameter] = []
        for parameter in parameters(plugin):
            if parameter.data.get("type") == "model-selector":
                by_declaration.setdefault(id(parameter.declaration), []).append(parameter)
        self._index: dict[tuple[str, str], dict[str, list[Parameter]]] = {}

        def add(kind: str, module: str, declaration: Any, context: str) -> None:
            for parameter in by_declaration.get(id(declaration), ()):
                name = parameter_name(parameter)
                if name and parameter.context == context:
                    self._index.setdefault((kind, module), {}).setdefault(name, []).append(parameter)

        providers = plugin.declarations_of("tool_provider")
        for declaration in plugin.declarations:
            source = source_path(plugin, declaration)
            if declaration.kind == "tool" and source:
                add("tool", source, declaration, "tool")
                if declaration.parent is not None and declaration.parent.kind == "tool_provider":
                    add("credentials", source, declaration.parent, "credential")
            elif declaration.kind == "agent_strategy" and source:
                add("strategy", source, declaration, "strategy")
            elif declaration.kind == "endpoint" and source and declaration.parent is not None:
                add("endpoint", source, declaration.parent, "setting")
            elif declaration.kind == "tool_provider" and source:
                add("credentials", source, declaration, "credential")
        if len(providers) == 1:
            provider = providers[0]
            self._credential_selectors = [p for p in by_declaration.get(id(provider), ()) if p.context == "credential"]

    def of(self, read: Read) -> list[Parameter]:
        """The model-selector parameters a Read may be the value of (empty: not a model-selector)."""
        found = self._index.get((read.source.kind, read.source.module), {}).get(read.key)
        if found is None and read.source.kind == "credentials":
            found = [p for p in self._credential_selectors if parameter_name(p) == read.key]
        return list(found or ())


@dataclass
class ModelCall:
    call: SessionCall
    endpoint: Endpoint
    argument: ast.expr  # the expression given as the config
    origins: frozenset

    @property
    def name(self) -> str:
        return self.endpoint.dotted


def config_parameter(endpoint: Endpoint) -> str | None:
    if endpoint.config_class is None:
        return None
    return "model_config" if endpoint.param("model_config") is not None else "model"


def model_calls(calls: Iterable[SessionCall], flow: ValueFlow) -> list[ModelCall]:
    found: list[ModelCall] = []
    for call in calls:
        endpoint = call.endpoint
        name = config_parameter(endpoint) if endpoint is not None else None
        argument = call.arguments.get(name) if name else None
        if argument is None or endpoint is None:
            continue
        found.append(ModelCall(call, endpoint, argument, flow.origins(call.function, call.node, argument)))
    return found


# -- which keys a config or dict is given -------------------------------------------------------

#: keys every model-selector value carries; an llm one also mode and completion_params
SELECTOR_KEYS = ("provider", "model", "model_type")
LLM_SELECTOR_KEYS = ("mode", "completion_params")
STRATEGY_KEYS = ("history_prompt_messages", "entity")


@dataclass
class Keys:
    present: dict[str, Any]  # key -> its value expression when one literal place gives it, else None
    complete: bool  # False: some key may come from where the analysis cannot see


def keys_of(selectors: Selectors, origin: Origin, depth: int = 0) -> Keys:
    if depth > 6:
        return Keys({}, False)
    if isinstance(origin, Built):
        present: dict[str, Any] = {}
        complete = not origin.opened
        for spread in origin.spreads:
            if not spread:
                complete = False
                continue
            parts = [keys_of(selectors, o, depth + 1) for o in spread]
            if not all(p.complete for p in parts):
                complete = False
            common = set.intersection(*(set(p.present) for p in parts))
            for key in common:
                values = {id(p.present[key]) for p in parts}
                present[key] = parts[0].present[key] if len(values) == 1 else None
        for key, node in (*origin.keys, *origin.added):
            present[key] = node
        return Keys(present, complete)
    if isinstance(origin, Read) and origin.form == DICT:
        if not selectors.of(origin):
            return Keys({}, False)
        present = dict.fromkeys(SELECTOR_KEYS)
        # an llm selector's value also has mode and completion_params; when another scope's value
        # reaches an LLM config, that is DPL401's finding, so it is not reported twice
        present.update(dict.fromkeys(LLM_SELECTOR_KEYS))
        if origin.source.kind == "strategy":
            present.update(dict.fromkeys(STRATEGY_KEYS))
        for key, node in origin.added:
            present[key] = node
        return Keys(present, not origin.opened)
    return Keys({}, False)


def selector_reads(selectors: Selectors, flow: ValueFlow, origins: Iterable[Origin]) -> Iterator[Read]:
    """The model-selector values an expression's value is made of: itself, spread into a
    config, or its provider and model copied one by one."""
    seen: set[Read] = set()
    for origin in flatten(origins):
        candidates: list[Read] = []
        if isinstance(origin, Read):
            candidates.append(origin)
        elif isinstance(origin, Built):
            for key in ("provider", "model", "name"):
                for value in flow.key_origins(origin, key):
                    if isinstance(value, Item) and value.key in ("provider", "model"):
                        candidates.append(value.read)
        for read in candidates:
            base = Read(read.source, read.key)
            if base not in seen and selectors.of(read):
                seen.add(base)
                yield read


def fields_from_selector(selectors: Selectors, flow: ValueFlow, built: Built) -> Read | None:
    """The selector a config copies its provider or model from, field by field."""
    for key in ("model", "provider", "name"):
        for value in flow.key_origins(built, key):
            if isinstance(value, Item) and selectors.of(value.read):
                return value.read
    return None
