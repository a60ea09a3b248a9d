"""Tool declarations and tool classes the plugin holds but no provider lists: Dify never loads
them, and nothing else of dify-lint reads them, since every other check follows the lists from
the manifest down.

Only what is plainly a tool counts: a YAML with a tool's `identity` and `description` (human or
llm) that has `parameters` or a source, or sits beside tools a provider lists; a Python module
defining a `Tool` subclass that no YAML names, no plugin module imports and no other module even
mentions by name (helper modules are imported somewhere, if only inside a function). Test, docs
and example folders are not looked at, nor files the ignore file keeps out of the package.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..model.plugin import Plugin
from ..python.module import PyModule
from ..python.symbols import Resolver, Target
from ..source.ignorefile import IgnoreFile
from .package import imported_closure, loaded_source
from .reading import is_test_file

#: folders whose files are documentation, examples or tests, not the plugin's
ASIDE = {"test", "tests", "testing", "doc", "docs", "example", "examples", "sample", "samples", "demo", "demos", "fixtures"}


@dataclass(frozen=True)
class UnlistedYaml:
    """A tool YAML no reached provider lists."""

    path: str
    name: str  # identity.name
    #: the .py its source loads, when nothing the plugin loads names or imports it
    source: str | None = None
    #: the provider to list it in: the one whose tools sit in the same folder, or the only one
    provider: str | None = None
    #: a YAML the manifest does not reach that lists it (an unreached provider)
    listed_by: str | None = None


@dataclass(frozen=True)
class UnlistedSource:
    """A module defining a `Tool` subclass that nothing loads."""

    path: str
    classes: tuple[tuple[str, int], ...]  # (name, line) of each subclass defined there
    #: the tool YAML with the same name beside it, and the source that YAML names instead
    sibling: tuple[str, str] | None = None


@dataclass
class UnlistedTools:
    yaml: list[UnlistedYaml] = field(default_factory=list)
    sources: list[UnlistedSource] = field(default_factory=list)


def unlisted_tools(plugin: Plugin, ignore: IgnoreFile | None, resolver: Resolver, modules: list[PyModule]) -> UnlistedTools:
    found = UnlistedTools()
    providers = plugin.declarations_of("tool_provider")
    if not providers:
        return found  # not a tool plugin, or its provider cannot be read (DPL301 says so)
    reached = {r.target.relative.lower() for r in plugin.references if r.role == "declaration" and r.target.relative}
    listed_tools = [d.doc.path for d in plugin.declarations_of("tool")]
    tool_folders = {posixpath.dirname(path) for path in listed_tools}
    loaded = [path for r in plugin.references if (path := loaded_source(plugin, r))]
    entry = plugin.entrypoint_path()
    starts = list(dict.fromkeys([*loaded, *([entry] if entry and plugin.is_file(entry) else [])]))
    imported = set(imported_closure(resolver, starts))
    used = set(starts) | imported

    candidates = [p for p in plugin.all_files if _looked_at(p, ignore)]
    unreached_docs = {}
    unreadable_yaml = False  # a YAML that cannot be read may name any source
    named_sources: set[str] = set()  # the .py files any YAML names as its source
    for path in candidates:
        if not path.endswith((".yaml", ".yml")):
            continue
        doc = plugin.yaml(path)
        if doc is None or not doc.usable:
            unreadable_yaml = True
        elif isinstance(doc.data, dict):
            source = _source_of(plugin, path, doc.data)
            if source:
                named_sources.add(source)
            if path.lower() not in reached:
                unreached_docs[path] = doc.data
    for path, data in unreached_docs.items():
        source = _source_of(plugin, path, data)
        if not _is_tool(data, in_tool_folder=posixpath.dirname(path) in tool_folders):
            continue
        if _commented_out(providers, path):
            continue
        listed_by = next((other for other, d in unreached_docs.items() if other != path and _lists(d, path)), None)
        found.yaml.append(
            UnlistedYaml(
                path,
                str(data["identity"]["name"]),
                source if source and source not in used else None,
                _provider_for(providers, listed_tools, path),
                listed_by,
            )
        )
    for declaration in plugin.declarations:
        source = _source_of(plugin, declaration.doc.path, declaration.doc.data if isinstance(declaration.doc.data, dict) else {})
        if source:
            named_sources.add(source)
    if unreadable_yaml:
        return found
    texts = {module.path: module.text for module in modules}
    for path in candidates:
        if not path.endswith(".py") or path in used or path in named_sources or path == entry:
            continue
        classes = _tool_classes(resolver, path)
        if not classes or _mentioned_elsewhere(texts, path):
            continue
        found.sources.append(UnlistedSource(path, classes, _sibling(plugin, path)))
    return found


def _looked_at(path: str, ignore: IgnoreFile | None) -> bool:
    folders = path.split("/")[:-1]
    if is_test_file(path) or any(part.lower() in ASIDE or part.startswith(".") for part in folders):
        return False
    return ignore is None or ignore.excluded_by(path, False) is None


def _is_tool(data: dict, in_tool_folder: bool) -> bool:
    identity = data.get("identity")
    description = data.get("description")
    if not (isinstance(identity, dict) and isinstance(identity.get("name"), str) and isinstance(description, dict)):
        return False
    if "human" not in description and "llm" not in description:
        return False  # an agent strategy, datasource or event describes itself in languages
    if "tools" in data or "credentials_for_provider" in data:
        return False  # a provider
    return "parameters" in data or _source_written(data) is not None or in_tool_folder


def _source_written(data: dict) -> str | None:
    extra = data.get("extra")
    python = extra.get("python") if isinstance(extra, dict) else None
    source = python.get("source") if isinstance(python, dict) else None
    return source if isinstance(source, str) and source.strip() else None


def _source_of(plugin: Plugin, path: str, data: dict) -> str | None:
    """The .py file a declaration's `extra.python.source` loads, as the SDK finds it."""
    written = _source_written(data)
    if written is None:
        return None
    resolved = plugin.resolve(written)
    if resolved.problem or not resolved.relative:
        return None
    module = posixpath.splitext(resolved.relative)[0] + ".py"
    return module if plugin.is_file(module) else None


def _lists(data: dict, path: str) -> bool:
    tools = data.get("tools")
    return isinstance(tools, list) and any(isinstance(t, str) and posixpath.normpath(t) == path for t in tools)


def _commented_out(providers, path: str) -> bool:
    """A provider that lists the file in a comment has it switched off on purpose."""
    pattern = re.compile(r"^\s*#.*" + re.escape(path) + r"\b", re.M)
    return any(pattern.search(provider.doc.text) for provider in providers)


def _provider_for(providers, listed_tools: list[str], path: str) -> str | None:
    folder = posixpath.dirname(path)
    for provider in providers:
        if any(posixpath.dirname(child.doc.path) == folder for child in provider.children if child.kind == "tool"):
            return provider.doc.path
    return providers[0].doc.path if len(providers) == 1 else None


def _tool_classes(resolver: Resolver, path: str) -> tuple[tuple[str, int], ...]:
    counted = resolver.count(path, Target.of("Tool"))
    if counted is None:
        return ()
    return tuple(
        (name, resolver.class_line(path, name))
        for name, ref in counted.definite
        if ref.kind == "class" and ref.path == path and ref.name == name
    )


def _mentioned_elsewhere(texts: dict[str, str], path: str) -> bool:
    """Whether another module names this one at all: an import inside a function, importlib."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    if stem == "__init__":
        return True  # a package: imported through its folder's name
    word = re.compile(r"\b" + re.escape(stem) + r"\b")
    return any(other != path and word.search(text) for other, text in texts.items())


def _sibling(plugin: Plugin, path: str) -> tuple[str, str] | None:
    """The listed tool YAML named like this module, when it names another source."""
    stem = posixpath.splitext(path)[0]
    for declaration in plugin.declarations_of("tool"):
        if posixpath.splitext(declaration.doc.path)[0] != stem:
            continue
        written = _source_written(declaration.doc.data) if isinstance(declaration.doc.data, dict) else None
        if written is not None:
            return declaration.doc.path, written
    return None
