"""The class the SDK loads for each declaration, and the entry points where Dify's data enters
the plugin's code: a tool's, strategy's or endpoint's `_invoke`, a tool provider's
`_validate_credentials`. The origin analysis and the contract rules both start here."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..model.plugin import Declaration, Plugin
from ..python.module import PyModule
from ..python.outline import ClassOutline
from ..python.symbols import Chain, Resolver
from ..sdk import SOURCE_BASES
from .origins import Root


@dataclass(eq=False)
class EntryClass:
    declaration: Declaration
    module: PyModule  # the source file
    cls: ClassOutline  # the class the SDK registers from it
    chain: Chain  # the class and its bases in the plugin


def source_module(plugin: Plugin, declaration: Declaration) -> PyModule | None:
    """The Python file a declaration's `extra.python.source` names, if it is there and parses."""
    source = declaration.doc.get("extra", "python", "source")
    if not isinstance(source, str):
        return None
    resolved = plugin.resolve(source)
    if resolved.problem or resolved.relative is None or not resolved.relative.endswith(".py") or not resolved.is_file:
        return None
    module = plugin.python(resolved.relative)
    if module is None or module.tree is None:
        return None
    return module


def source_path(plugin: Plugin, declaration: Declaration) -> str | None:
    """The source a declaration names, relative to the root (whatever it is), if it stays inside."""
    source = declaration.doc.get("extra", "python", "source")
    if not isinstance(source, str):
        return None
    resolved = plugin.resolve(source)
    return resolved.relative if resolved.problem is None else None


def source_class(resolver: Resolver, path: str, base: str) -> tuple[ClassOutline, Chain] | None:
    """The one module-level class of a source that subclasses the SDK's `base` (the most derived
    one, when the module also defines its base classes)."""
    outline = resolver.outline(path)
    if outline is None:
        return None
    by_name = {c.name: c for c in outline.classes}  # the last class of a name is the one bound
    candidates = []
    for cls in by_name.values():
        chain = resolver.chain(path, cls)
        if base in chain.terminals:
            candidates.append((cls, chain))
    bases = {id(c) for _, chain in candidates for _, c in chain.items[1:]}
    leaves = [c for c in candidates if id(c[0]) not in bases]
    return leaves[0] if len(leaves) == 1 else None


def entry_classes(plugin: Plugin, resolver: Resolver) -> dict[int, EntryClass]:
    """id(declaration) -> its entry class, for every declaration whose source defines one."""
    found: dict[int, EntryClass] = {}
    for declaration in plugin.declarations:
        base = SOURCE_BASES.get(declaration.kind)
        if base is None or not declaration.doc.usable:
            continue
        module = source_module(plugin, declaration)
        if module is None:
            continue
        located = source_class(resolver, module.path, base)
        if located is not None:
            found[id(declaration)] = EntryClass(declaration, module, located[0], located[1])
    return found


#: declaration kind -> the methods Dify calls on its class, each with the mapping it passes: (method,
#: the mapping's kind, its position counting `self`, its name when the position may vary)
ENTRY_METHODS: dict[str, tuple[tuple[str, str, int, str | None], ...]] = {
    "tool": (("_invoke", "tool", 1, None),),
    "agent_strategy": (("_invoke", "strategy", 1, None),),
    "endpoint": (("_invoke", "endpoint", 3, "settings"),),
    # the SDK calls `validate_credentials`, whose default calls `_validate_credentials`
    "tool_provider": (("_validate_credentials", "credentials", 1, None), ("validate_credentials", "credentials", 1, None)),
}


@dataclass(eq=False)
class EntryPoint:
    """A method Dify calls with a mapping it fills: where the mapping enters the plugin's code.
    The method may be inherited from a base class in the plugin."""

    entry: EntryClass
    kind: str  # the mapping: "tool", "strategy", "endpoint", "credentials"
    method_name: str
    path: str  # the module that defines the method
    method: ast.AST  # its def
    index: int  # the mapping's position, counting `self`
    name: str | None  # the mapping's parameter name as the table gives it (an endpoint's `settings`)

    @property
    def parameter(self) -> str | None:
        """The name the def gives the mapping, if it takes one where Dify passes it."""
        args = self.method.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        if self.name is not None and any(a.arg == self.name for a in (*positional, *args.kwonlyargs)):
            return self.name
        return positional[self.index].arg if self.index < len(positional) else None


def entry_points(entries: dict[int, EntryClass]) -> list[EntryPoint]:
    """Every method Dify calls with a mapping, for every declaration whose class was found."""
    found: list[EntryPoint] = []
    for entry in entries.values():
        for method_name, kind, index, name in ENTRY_METHODS.get(entry.declaration.kind, ()):
            located = entry.chain.method(method_name)
            if located is not None:
                path, method, _ = located
                found.append(EntryPoint(entry, kind, method_name, path, method, index, name))
    return found


def entry_roots(plugin: Plugin, entries: dict[int, EntryClass]) -> dict[int, list[Root]]:
    """id(def node) -> the mappings Dify passes to it, for every entry point of the plugin."""
    roots: dict[int, list[Root]] = {}
    for point in entry_points(entries):
        source = source_path(plugin, point.entry.declaration)
        if source is None:
            continue
        root = Root(point.kind, source, point.index, point.name)
        listed = roots.setdefault(id(point.method), [])
        if root not in listed:
            listed.append(root)
    return roots
