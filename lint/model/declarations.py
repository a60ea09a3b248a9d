"""Typed views of what declarations hold: their parameters, credentials and icons, read one way
for every rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .plugin import Declaration, Plugin
from .yamldoc import PathItem, YamlDoc


@dataclass(frozen=True)
class Parameter:
    """A parameter, credential or setting with a `type` (and maybe a `scope`), wherever a
    declaration holds one. `context` says which: tool, strategy, credential, setting,
    datasource, trigger."""

    declaration: Declaration
    at: tuple[PathItem, ...]
    data: dict
    context: str


#: declaration kind -> (path to a list or name->item mapping of parameters, context)
PARAMETER_PLACES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "tool": ((("parameters",), "tool"),),
    "tool_provider": (
        (("credentials_for_provider",), "credential"),
        (("credentials_schema",), "credential"),
        (("oauth_schema", "client_schema"), "credential"),
        (("oauth_schema", "credentials_schema"), "credential"),
    ),
    "agent_strategy": ((("parameters",), "strategy"),),
    "endpoint_group": ((("settings",), "setting"),),
    "datasource_provider": (
        (("credentials_schema",), "credential"),
        (("oauth_schema", "client_schema"), "credential"),
        (("oauth_schema", "credentials_schema"), "credential"),
    ),
    "datasource": ((("parameters",), "datasource"),),
    "trigger_provider": (
        (("subscription_schema",), "trigger"),
        (("subscription_constructor", "parameters"), "trigger"),
        (("subscription_constructor", "credentials_schema"), "credential"),
        (("subscription_constructor", "oauth_schema", "client_schema"), "credential"),
        (("subscription_constructor", "oauth_schema", "credentials_schema"), "credential"),
    ),
    "trigger_event": ((("parameters",), "trigger"),),
}


def parameters(plugin: Plugin) -> Iterator[Parameter]:
    """Every parameter-like item of every declaration, in declaration order."""
    for declaration in plugin.declarations:
        for path, context in PARAMETER_PLACES.get(declaration.kind, ()):
            container = declaration.doc.get(*path)
            if isinstance(container, list):
                items = enumerate(container)
            elif isinstance(container, dict):  # credentials_for_provider: {name: item}
                items = container.items()
            else:
                continue
            for key, item in items:
                if isinstance(item, dict):
                    yield Parameter(declaration, (*path, key), item, context)


def parameter_name(parameter: Parameter) -> str | None:
    """A parameter's `name`, or its key in a name -> settings mapping."""
    name = parameter.data.get("name")
    if isinstance(name, str):
        return name
    last = parameter.at[-1]
    return last if isinstance(last, str) else None


def declared_parameters(doc: YamlDoc) -> dict[str, tuple[int, dict]] | None:
    """A tool's or strategy's parameters by name: (index in `parameters`, the item); None when
    `parameters` is not a list."""
    items = doc.get("parameters")
    if items is None:
        return {}
    if not isinstance(items, list):
        return None
    declared = {}
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            declared.setdefault(item["name"], (index, item))
    return declared


def _named_items(doc: YamlDoc, keys: tuple[str, ...]) -> dict[str, tuple[tuple[PathItem, ...], dict]]:
    """Items declared under `keys` (a name -> item mapping, or a list of items with a `name`), by
    name -> (where the name is, the item); the first declaration of a name wins."""
    declared: dict[str, tuple[tuple[PathItem, ...], dict]] = {}
    for key in keys:
        container = doc.get(key)
        if isinstance(container, dict):
            for name, item in container.items():
                if isinstance(name, str):
                    declared.setdefault(name, ((key, name), item if isinstance(item, dict) else {}))
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    declared.setdefault(item["name"], ((key, index, "name"), item))
    return declared


def declared_credentials(doc: YamlDoc) -> dict[str, tuple[PathItem, ...]]:
    """A tool provider's credentials by name -> where each is declared (`credentials_for_provider`,
    or `credentials_schema`, the daemon's alias)."""
    return {name: at for name, (at, _) in credential_items(doc).items()}


def credential_items(doc: YamlDoc) -> dict[str, tuple[tuple[PathItem, ...], dict]]:
    """A tool provider's credentials by name -> (where the name is, the item)."""
    return _named_items(doc, ("credentials_for_provider", "credentials_schema"))


def declared_settings(doc: YamlDoc) -> dict[str, tuple[tuple[PathItem, ...], dict]]:
    """An endpoint group's settings by name -> (where the name is, the item)."""
    return _named_items(doc, ("settings",))


def sent_when_unset(item: dict) -> bool:
    """Whether Dify puts a credential or setting into the mapping when the user leaves it empty:
    only a required one (it cannot be left empty) or one with a default (the form and the API
    fill the default in). An optional one without a default is left out: its key is absent. (An
    explicit `default: null` counts as a default: the endpoint form sends it as null.)"""
    return item.get("required") is True or "default" in item


def provider_credentials(declaration: Declaration) -> set[str]:
    """The credentials the tool provider above a tool declares."""
    parent = declaration.parent
    if parent is None or parent.kind != "tool_provider" or not parent.doc.usable:
        return set()
    return set(declared_credentials(parent.doc))


def icons(plugin: Plugin) -> Iterator[tuple[YamlDoc, tuple[PathItem, ...], str]]:
    """Every icon value the daemon looks up in `_assets/` (string values only)."""

    def pick(doc: YamlDoc, *path: PathItem) -> Iterator[tuple[YamlDoc, tuple[PathItem, ...], str]]:
        value = doc.get(*path)
        if isinstance(value, str) and value:
            yield doc, tuple(path), value

    for declaration in plugin.declarations:
        doc, kind = declaration.doc, declaration.kind
        if kind == "manifest":
            yield from pick(doc, "icon")
            yield from pick(doc, "icon_dark")
        elif kind in ("tool_provider", "agent_strategy_provider", "trigger_provider"):
            yield from pick(doc, "identity", "icon")
            yield from pick(doc, "identity", "icon_dark")
        elif kind in ("datasource_provider", "datasource"):
            yield from pick(doc, "identity", "icon")
        elif kind == "model_provider":
            for key in ("icon_small", "icon_large", "icon_small_dark", "icon_large_dark"):
                for locale in ("en_US", "zh_Hans", "ja_JP", "pt_BR"):
                    yield from pick(doc, key, locale)


def is_model_plugin(plugin: Plugin) -> bool:
    """The manifest declares model providers (a model plugin may not call back into Dify)."""
    doc = plugin.manifest
    models = doc.get("plugins", "models") if doc is not None and doc.usable else None
    return isinstance(models, list) and bool(models)
