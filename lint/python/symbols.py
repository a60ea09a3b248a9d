"""What a name in the plugin's Python refers to, statically: one resolver per plugin.

It follows the plugin's own modules the way `python -m main` run from the plugin root imports
them (the root is the only entry on `sys.path` that holds plugin code; a package directory wins
over a module of the same name; a folder without `__init__.py` is a namespace package), and what
each module binds at module level as `vars(module)` would show it: imports (star imports through
`__all__`), functions, classes and aliases (`Base = tools.BaseTool`).

A name resolves to a `Ref`: an SDK class or module, a class or function of the plugin, a module
of the plugin, something foreign (the standard library, a builtin, a third-party package), a
constant, or `unknown`. From SDK classes it answers whether a class of the plugin descends from
one: yes, no, or maybe (when a base is foreign or dynamic). What it does not follow: names bound
inside functions, `sys.path` changes, `importlib`, and packages installed beside the plugin.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from ..sdk import SDK_CLASSES, SDK_PACKAGE, SDK_STAR, SDK_TERMINALS, sdk_ancestors
from ..source.fs import Entry, Kind
from .astutil import dotted
from .outline import ClassOutline, Outline

#: Modules whose classes are known not to descend from the SDK's: the standard library and a few others.
NOT_DIFY = set(getattr(sys, "stdlib_module_names", ())) | {"typing_extensions", "pydantic", "werkzeug", "requests", "httpx"}


class Ref(NamedTuple):
    """What a name refers to. `kind` is one of:

    sdk (`name`: an SDK class), sdkmod (`name`: a dotted module of the SDK), sdkother (anything
    else the SDK defines), class / func (`path` and `name` of a plugin class or function), mod
    (`path`: a module file, "" for a folder without `__init__.py`; `name`: the package folder, ""
    for a plain module), foreign (`known`: the standard library or a builtin), const, unknown."""

    kind: str
    path: str = ""
    name: str = ""
    known: bool = False


UNKNOWN = Ref("unknown")
CONST = Ref("const")
NOT_A_CLASS = ("sdkother", "sdkmod", "mod", "func", "const")


@dataclass(frozen=True)
class Target:
    """What a source must define: subclasses of `roots`, not counting the roots themselves."""

    roots: frozenset[str]
    label: str

    @classmethod
    def of(cls, base: str) -> "Target":
        from ..sdk import MODEL_TYPE_CLASSES

        if base == "AIModel":
            return cls(frozenset(MODEL_TYPE_CLASSES), "a model type class (LargeLanguageModel, TextEmbeddingModel, ...)")
        return cls(frozenset({base}), f"`{base}`")

    def accepts(self, sdk_name: str) -> bool:
        """The SDK class is, or descends from, a root."""
        return bool(sdk_ancestors(sdk_name) & self.roots)

    def counts(self, sdk_name: str) -> bool:
        """The SDK class itself would be counted (a strict subclass of a root)."""
        return sdk_name not in self.roots and self.accepts(sdk_name)


@dataclass
class Count:
    """Module-level names bound to subclasses of a target, as `vars(module)` would show them."""

    definite: list[tuple[str, Ref]] = field(default_factory=list)
    maybe: int = 0


@dataclass
class Chain:
    """A class and its base classes defined in the plugin, nearest first."""

    items: list[tuple[str, ClassOutline]]  # (module path, class)
    terminals: set[str]  # bases not defined in the plugin, by the name they were imported as

    @property
    def sdk_only(self) -> bool:
        """Every base outside the plugin is an SDK or standard one: no method can hide there."""
        return self.terminals <= SDK_TERMINALS

    def method(self, name: str, skip_first: bool = False) -> tuple[str, object, ClassOutline] | None:
        """(module path, def node, class) of the nearest definition of a method."""
        for path, cls in self.items[1 if skip_first else 0 :]:
            found = cls.methods.get(name)
            if found is not None:
                return path, found, cls
        return None


class Resolver:
    """Names of one plugin's Python, resolved across its own imports.

    `outline_of(path)` gives a module's outline (None when it cannot be read or parsed);
    `listdir(folder)` the entries of a folder of the plugin."""

    def __init__(self, outline_of: Callable[[str], Outline | None], listdir: Callable[[str], dict[str, Entry] | None]):
        self._outline_of = outline_of
        self._listdir = listdir
        self._listings: dict[str, dict[str, bool] | None] = {}
        self._bindings: dict[str, dict[str, Ref] | None] = {}
        self._busy: set[str] = set()
        self._status: dict[tuple[str, str, frozenset[str]], str] = {}
        self._chains: dict[tuple[str, str], Chain] = {}

    # -- finding the plugin's modules -----------------------------------------------------

    def outline(self, path: str) -> Outline | None:
        return self._outline_of(path) if path else None

    def _names(self, folder: str) -> dict[str, bool] | None:
        """Names in a folder of the plugin -> is a folder."""
        if folder not in self._listings:
            entries = self._listdir(folder)
            self._listings[folder] = None if entries is None else {n: e.kind is Kind.DIR for n, e in entries.items()}
        return self._listings[folder]

    def _is_file(self, path: str) -> bool:
        folder, _, name = path.rpartition("/")
        names = self._names(folder)
        return names is not None and name in names and not names[name]

    def locate(self, parts: list[str], base: str = "") -> Ref | None:
        """The plugin module `base/part/part...` names, or None."""
        if not parts or any(not p for p in parts):
            return None
        stem = "/".join(([base] if base else []) + parts)
        folder, _, leaf = stem.rpartition("/")
        names = self._names(folder)
        if names is None:
            return None
        init = f"{stem}/__init__.py"
        if names.get(leaf) and self._is_file(init):
            return Ref("mod", init, stem)  # a package
        if f"{leaf}.py" in names and not names[f"{leaf}.py"]:
            return Ref("mod", f"{stem}.py", "")  # a module: it wins over a folder without __init__.py
        if names.get(leaf):
            return Ref("mod", "", stem)  # a namespace package
        return None

    def module(self, written: str, importer: str) -> Ref:
        """Resolve an imported module name (`.utils`, `tools.base`, `dify_plugin`) from the file `importer`."""
        level = len(written) - len(written.lstrip("."))
        name = written[level:]
        parts = name.split(".") if name else []
        if level:
            package = importer.split("/")[:-1]
            if level > 1:
                if level - 1 > len(package):
                    return UNKNOWN
                package = package[: len(package) - (level - 1)]
            if not parts:
                if not package:
                    return UNKNOWN  # a relative import in a top-level module fails
                init = "/".join(package + ["__init__.py"])
                return Ref("mod", init if self._is_file(init) else "", "/".join(package))
            return self.locate(parts, "/".join(package)) or UNKNOWN
        if not parts:
            return UNKNOWN
        if parts[0] == SDK_PACKAGE:
            return Ref("sdkmod", name=name)
        found = self.locate(parts)  # `python -m main` puts the plugin root on sys.path, nothing else
        if found is not None:
            return found
        if self.locate([parts[0]]) is not None:
            return UNKNOWN  # a local package without this submodule
        top = parts[0]
        return Ref("foreign", known=top in NOT_DIFY or top in sys.builtin_module_names)

    def attribute(self, ref: Ref, name: str) -> Ref:
        """`ref.name`, for a module (what `from M import name` binds)."""
        kind = ref.kind
        if kind == "sdkmod":
            if name in SDK_CLASSES:
                return Ref("sdk", name=name)
            return Ref("sdkmod", name=f"{ref.name}.{name}") if name.islower() else Ref("sdkother")
        if kind == "mod":
            if ref.path:
                bound = self.namespace(ref.path)
                if bound is not None and name in bound:
                    return bound[name]
            if ref.name:
                sub = self.locate([name], ref.name)
                if sub is not None:
                    return sub
            return UNKNOWN  # not found there: an ImportError, a star import, or something dynamic
        if kind == "foreign":
            return ref
        if kind in ("func", "const"):
            return CONST  # an attribute of a function or an instance
        return UNKNOWN

    # -- module-level names -------------------------------------------------------------

    def namespace(self, path: str) -> dict[str, Ref] | None:
        """Module-level names of a plugin file, or None when it cannot be read or parsed. A star
        import of something that cannot be listed binds the name "*"."""
        if path in self._bindings:
            return self._bindings[path]
        if path in self._busy:
            return None  # an import cycle: what it binds is not known yet
        self._busy.add(path)
        try:
            result = self._compute_namespace(path)
        finally:
            self._busy.discard(path)
        self._bindings[path] = result
        return result

    def _compute_namespace(self, path: str) -> dict[str, Ref] | None:
        outline = self.outline(path)
        if outline is None:
            return None
        bound: dict[str, Ref] = {}
        for written in outline.star_imports:
            source = self.module(written, path)
            if source.kind == "sdkmod":
                if source.name == SDK_PACKAGE:
                    bound.update({name: Ref("sdk", name=name) for name in SDK_STAR})
                else:
                    bound["*"] = UNKNOWN
            elif source.kind == "mod":
                exported = self._exports(source.path) if source.path else {}
                if exported is None:
                    bound["*"] = UNKNOWN
                else:
                    bound.update(exported)
            elif source.kind == "unknown":
                bound["*"] = UNKNOWN
        for name, imported in outline.imports.items():
            source = self.module(imported.module, path)
            bound[name] = source if imported.name is None else self.attribute(source, imported.name)
        for name in outline.functions:
            bound[name] = Ref("func", path, name)
        for cls in outline.classes:
            bound[cls.name] = Ref("class", path, cls.name)
        for name, value in outline.assignments:
            if name in bound or name == "__all__":
                continue
            written = dotted(value)
            # an alias, `MyTool = tools.BaseTool`; a literal, an instance or a call is not a class
            bound[name] = self._lookup(bound, written, path) if written else CONST
        return bound

    def _exports(self, path: str) -> dict[str, Ref] | None:
        bound = self.namespace(path)
        if bound is None:
            return None
        outline = self.outline(path)
        if outline is not None and outline.all is not None:
            return {n: bound.get(n, UNKNOWN) for n in outline.all}
        exported = {n: v for n, v in bound.items() if not n.startswith("_")}
        if "*" in bound:
            exported["*"] = bound["*"]
        return exported

    def resolve(self, written: str, path: str, skip_class: str | None = None) -> Ref:
        """What a (dotted) name used in the module at `path` refers to. `skip_class`: the name is a
        base of that class, so the class itself (bound later) is not what it means."""
        bound = self.namespace(path)
        if bound is None or not written:
            return UNKNOWN
        return self._lookup(bound, written, path, skip_class)

    def _lookup(self, bound: dict[str, Ref], written: str, path: str, skip_class: str | None = None) -> Ref:
        head, *rest = written.split(".")
        ref = bound.get(head)
        if ref is not None and ref == Ref("class", path, skip_class or "\0"):
            outline = self.outline(path)
            imported = outline.imports.get(head) if outline is not None else None
            ref = self.attribute(self.module(imported.module, path), imported.name) if imported and imported.name else None
        if ref is None:
            if "*" in bound:
                return UNKNOWN
            if head in vars(builtins):
                return Ref("foreign", known=True)
            return UNKNOWN
        for name in rest:
            if ref.kind == "class":
                return UNKNOWN  # a nested class: not followed
            ref = self.attribute(ref, name)
        return ref

    # -- classes --------------------------------------------------------------------------

    def class_outline(self, ref: Ref) -> ClassOutline | None:
        if ref.kind != "class":
            return None
        outline = self.outline(ref.path)
        return outline.class_named(ref.name) if outline is not None else None

    def function_node(self, ref: Ref):
        if ref.kind != "func":
            return None
        outline = self.outline(ref.path)
        return outline.functions.get(ref.name) if outline is not None else None

    def status(self, ref: Ref, target: Target) -> str:
        """ "yes", "no" or "maybe": is this a class descending from the target's roots?"""
        kind = ref.kind
        if kind == "sdk":
            return "yes" if target.accepts(ref.name) else "no"
        if kind in NOT_A_CLASS:
            return "no"
        if kind == "foreign":
            return "no" if ref.known else "maybe"
        if kind == "class":
            return self._class_status(ref.path, ref.name, target)
        return "maybe"

    def _class_status(self, path: str, name: str, target: Target) -> str:
        key = (path, name, target.roots)
        if key in self._status:
            return self._status[key]
        self._status[key] = "maybe"  # an inheritance cycle stays undecided
        outline = self.outline(path)
        found = outline.class_named(name) if outline is not None else None
        if found is None:
            return "maybe"
        result = "no"
        for base in found.bases:
            answer = self.status(self.resolve(base, path, skip_class=name), target)
            if answer == "yes":
                result = "yes"
                break
            if answer == "maybe":
                result = "maybe"
        self._status[key] = result
        return result

    def count(self, path: str, target: Target) -> Count | None:
        """Module-level subclasses of the target in a source, or None if it cannot be read."""
        bound = self.namespace(path)
        if bound is None:
            return None
        result = Count()
        for name, ref in bound.items():
            if name == "*":
                result.maybe += 1
                continue
            if ref.kind == "sdk":
                if target.counts(ref.name):
                    result.definite.append((name, ref))
                continue
            if ref.kind in ("foreign", *NOT_A_CLASS):
                continue  # not classes, or imported from elsewhere: not of the plugin's kind
            answer = self.status(ref, target)
            if answer == "yes":
                result.definite.append((name, ref))
            elif answer == "maybe":
                result.maybe += 1
        return result

    def class_line(self, path: str, name: str) -> int:
        outline = self.outline(path)
        found = outline.class_named(name) if outline is not None else None
        return found.line if found is not None else 1

    def chain(self, path: str, cls: ClassOutline) -> Chain:
        """The class and its bases defined in the plugin, breadth first; bases from elsewhere
        are kept by name as terminals."""
        key = (path, cls.name)
        cached = self._chains.get(key)
        if cached is not None and cached.items[0][1] is cls:
            return cached
        items = [(path, cls)]
        terminals: set[str] = set()
        seen = {id(cls)}
        queue = [(path, cls)]
        while queue:
            where, current = queue.pop(0)
            for base in current.bases:
                if not base:
                    terminals.add("?")
                    continue
                ref = self.resolve(base, where, skip_class=current.name)
                found = self.class_outline(ref)
                if found is not None:
                    if id(found) not in seen:
                        seen.add(id(found))
                        items.append((ref.path, found))
                        queue.append((ref.path, found))
                else:
                    terminals.add(self._terminal_name(where, base, ref))
        result = Chain(items, terminals)
        self._chains[key] = result
        return result

    def _terminal_name(self, path: str, written: str, ref: Ref) -> str:
        """The name a base from outside the plugin goes by: its SDK name, else the name it was
        imported as (`from x import Tool as T` gives `Tool`), else its last part."""
        if ref.kind == "sdk":
            return ref.name
        outline = self.outline(path)
        binding = outline.imports.get(written.split(".")[0]) if outline is not None else None
        if binding is not None and binding.name is not None and "." not in written:
            return binding.name
        return written.split(".")[-1]

    def imported_modules(self, path: str) -> set[str]:
        """The plugin's module files that the module-level imports of `path` load: every package
        on the way (`import a.b` loads a/__init__.py and a/b.py) and submodules imported by name
        (`from a import b`)."""
        outline = self.outline(path)
        if outline is None:
            return set()
        found: set[str] = set()
        for module, names in outline.import_statements:
            level = len(module) - len(module.lstrip("."))
            parts = module[level:].split(".") if module[level:] else []
            steps = [module] if not parts else ["." * level + ".".join(parts[:end]) for end in range(1, len(parts) + 1)]
            ref = UNKNOWN
            for step in steps:
                ref = self.module(step, path)
                if ref.kind == "mod" and ref.path:
                    found.add(ref.path)
            if ref.kind == "mod" and ref.name:
                for name in names:
                    sub = self.locate([name], ref.name) if name != "*" else None
                    if sub is not None and sub.path:
                        found.add(sub.path)
        found.discard(path)
        return found
