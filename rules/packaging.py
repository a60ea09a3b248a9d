"""DPL3xx: files and packaging.

What `dify plugin package` and the SDK's start-up need to find on disk: the YAML and Python files
the declarations name, exactly one class of the right kind in each source, icons in `_assets/`,
the entrypoint module, a dependency file that installs the SDK, an ignore file that keeps all of
it, and a package under the size limit.

The ignore-file rules are the daemon's, in `dify_lint.source.ignorefile`. The class counter here mirrors `get_subclasses_from_module` in the SDK: every module-level name bound
  to a subclass counts, including classes imported from the plugin's own modules.
"""

from __future__ import annotations

import builtins
import re
import sys
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Iterable, Iterator

from dify_lint.diagnostics import Position, Related, Severity, Span
from dify_lint.examples import BASE_PLUGINS
from dify_lint.source.ignorefile import IgnoreFile, IgnorePattern
from dify_lint.source.fs import Kind
from dify_lint.model.plugin import MANIFEST, Declaration, Plugin, Reference
from dify_lint.rule import Example, Finding, Rule
from dify_lint.model.yamldoc import PathItem, YamlDoc

MAX_PACKAGE_BYTES = 50 * 1024 * 1024  # `dify plugin package --max-size` default, in MB of 1024*1024
ASSETS = "_assets"


# == shared facts about one plugin ==============================================================


def _is_checked(plugin: Plugin) -> bool:
    """A usable plugin manifest (a `type: bundle` manifest is not a plugin)."""
    manifest = plugin.manifest
    if manifest is None or not manifest.usable or not isinstance(manifest.data, dict):
        return False
    kind = manifest.data.get("type")
    return not (isinstance(kind, str) and kind != "plugin")


class _Facts:
    """What several DPL3xx rules need, computed once per plugin."""

    def __init__(self, plugin: Plugin):
        self.plugin = plugin
        self._listings: dict[str, dict[str, bool] | None] = {}

    # -- exact-case file lookups (Dify runs on Linux; a Mac finds `Icon.svg` for `icon.svg`) ----

    def listing(self, relative_dir: str) -> dict[str, bool] | None:
        """Names in a folder inside the root -> is a directory; None if it is no folder."""
        if relative_dir not in self._listings:
            entries = self.plugin.listdir(relative_dir)
            self._listings[relative_dir] = None if entries is None else {n: e.kind is Kind.DIR for n, e in entries.items()}
        return self._listings[relative_dir]

    def exact(self, relative: str) -> tuple[bool, str | None]:
        """(exists with exactly this spelling, a path differing only in case if there is one)."""
        parts = [p for p in relative.split("/") if p not in ("", ".")]
        folder, fixed, exact = "", [], True
        for part in parts:
            names = self.listing(folder)
            if names is None:
                return False, None
            if part in names:
                chosen = part
            else:
                exact = False
                matches = [n for n in names if n.lower() == part.lower()]
                if not matches:
                    return False, None
                chosen = matches[0]
            fixed.append(chosen)
            folder = "/".join(fixed)
        return exact, (None if exact else "/".join(fixed))

    # -- _assets --------------------------------------------------------------------------------

    @cached_property
    def assets_dir(self) -> bool:
        names = self.listing("")
        return bool(names and names.get(ASSETS))

    @cached_property
    def assets(self) -> set[str]:
        """Every file under `_assets/` by its name relative to it, as the daemon's asset map."""
        if not self.assets_dir:
            return set()
        return {path[len(ASSETS) + 1 :] for path in self.plugin.fs.walk(start=ASSETS)}

    # -- the ignore file ------------------------------------------------------------------------

    @cached_property
    def ignore(self) -> "IgnoreFile | None":
        for name in (".difyignore", ".gitignore"):
            text = self.plugin.text(name)
            if text is None:  # missing, or a folder: the daemon falls back / reads nothing
                continue
            return IgnoreFile(name, text)
        return None

    def excluded_by(self, relative: str, is_dir: bool = False) -> "IgnorePattern | None":
        ignore = self.ignore
        return ignore.excluded_by(relative, is_dir) if ignore is not None else None

    # -- what `dify plugin package` would put in the package -----------------------------------

    @cached_property
    def packaged(self) -> list[tuple[str, int]]:
        """(path, size) of each file the daemon's walk keeps, largest first."""
        fs = self.plugin.fs
        ignore = self.ignore
        found: list[tuple[str, int]] = []
        pending = [""]
        while pending:
            folder = pending.pop()
            entries = fs.listdir(folder) or {}
            prefix = folder + "/" if folder else ""
            for name, entry in sorted(entries.items()):
                relative = prefix + name
                if entry.kind is Kind.DIR and not entry.link:
                    if ignore is None or ignore.match(relative, True) is None:
                        pending.append(relative)
                    continue
                # WalkDir does not descend into a link; it is read as a file
                if ignore is not None and ignore.match(relative, False) is not None:
                    continue
                found.append((relative, fs.size(relative)))
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    # -- Python classes -------------------------------------------------------------------------

    @cached_property
    def classes(self) -> "ClassIndex":
        return ClassIndex(self.plugin, self)


_FACTS: "weakref.WeakKeyDictionary[Plugin, _Facts]" = weakref.WeakKeyDictionary()


def facts(plugin: Plugin) -> _Facts:
    found = _FACTS.get(plugin)
    if found is None:
        found = _FACTS[plugin] = _Facts(plugin)
    return found


def _where(at: tuple[PathItem, ...]) -> str:
    """`plugins.tools` for ("plugins", "tools", 0)."""
    keys = [str(item) for item in at if not isinstance(item, int)]
    return ".".join(keys)


def _listed(reference: Reference, owner: bool = False) -> str:
    """`listed in `plugins.tools``: where a reference is written (with its file when `owner`)."""
    verb = "listed in" if reference.at and isinstance(reference.at[-1], int) else "named in"
    if reference.kind in ("model", "model_position") and reference.role == "declaration":
        verb = "matched by"
    where = _where(reference.at)
    if not owner:
        return f"{verb} `{where}`"
    return f"{verb} {reference.owner.path} `{where}`"


def _file_start(message: str) -> Finding:
    return Finding(MANIFEST, Span.file_start(), message)


# == counting classes like the SDK ==============================================================

#: SDK classes a plugin may subclass or import -> their SDK parent classes.
SDK_CLASSES: dict[str, tuple[str, ...]] = {
    "ToolProvider": (),
    "AgentProvider": ("ToolProvider",),
    "Tool": (),
    "AgentStrategy": (),
    "Endpoint": (),
    "DatasourceProvider": (),
    "OnlineDocumentDatasource": (),
    "WebsiteCrawlDatasource": (),
    "OnlineDriveDatasource": (),
    "Trigger": (),
    "Event": (),
    "TriggerSubscriptionConstructor": (),
    "ModelProvider": (),
    "OAICompatProvider": ("ModelProvider",),
    "AIModel": (),
    "LargeLanguageModel": ("AIModel",),
    "TextEmbeddingModel": ("AIModel",),
    "RerankModel": ("AIModel",),
    "TTSModel": ("AIModel",),
    "Speech2TextModel": ("AIModel",),
    "ModerationModel": ("AIModel",),
    "OAICompatLargeLanguageModel": ("LargeLanguageModel",),
    "OAICompatEmbeddingModel": ("TextEmbeddingModel",),
    "OAICompatRerankModel": ("RerankModel",),
    "OAICompatText2SpeechModel": ("TTSModel",),
    "OAICompatSpeech2TextModel": ("Speech2TextModel",),
}

#: `from dify_plugin import *` binds these (the package's `__all__`, classes of the table only).
SDK_STAR = (
    "AgentProvider", "AgentStrategy", "Endpoint", "LargeLanguageModel", "ModelProvider", "ModerationModel",
    "OAICompatEmbeddingModel", "OAICompatLargeLanguageModel", "OAICompatProvider", "OAICompatRerankModel",
    "OAICompatSpeech2TextModel", "OAICompatText2SpeechModel", "RerankModel", "Speech2TextModel", "TTSModel",
    "TextEmbeddingModel", "Tool", "ToolProvider",
)  # fmt: skip

#: The model-type classes: a model source registers strict subclasses of these.
MODEL_TYPE_CLASSES = ("LargeLanguageModel", "TextEmbeddingModel", "RerankModel", "TTSModel", "Speech2TextModel", "ModerationModel")


def sdk_ancestors(name: str) -> set[str]:
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(SDK_CLASSES.get(current, ()))
    return seen


@dataclass(frozen=True)
class Target:
    """What a source must define: subclasses of `roots`, not counting the roots themselves."""

    roots: frozenset[str]
    label: str

    @classmethod
    def of(cls, base: str) -> "Target":
        if base == "AIModel":
            return cls(frozenset(MODEL_TYPE_CLASSES), "a model type class (LargeLanguageModel, TextEmbeddingModel, ...)")
        return cls(frozenset({base}), f"`{base}`")

    def accepts(self, sdk_name: str) -> bool:
        """The SDK class is, or descends from, a root."""
        return bool(sdk_ancestors(sdk_name) & self.roots)

    def counts(self, sdk_name: str) -> bool:
        """The SDK class itself would be counted (a strict subclass of a root)."""
        return sdk_name not in self.roots and self.accepts(sdk_name)


# A bound value: ("sdk", name) | ("sdkmod", dotted) | ("sdkother",) | ("class", path, name)
#   | ("mod", path-or-"", dir-or-"") | ("foreign", stdlib or builtin) | ("func",) | ("const",) | ("unknown",)
Value = tuple

_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*([^\n#]*)", re.MULTILINE)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_STAR_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*\*", re.MULTILINE)
_ALL = re.compile(r"^__all__\s*(?::[^=]*)?=\s*[\[(]([^\])]*)[\])]", re.MULTILINE)
#: Modules whose classes are known not to descend from the SDK's: the standard library and a few others.
_NOT_DIFY = set(getattr(sys, "stdlib_module_names", ())) | {"typing_extensions", "pydantic", "werkzeug", "requests", "httpx"}


@dataclass
class Count:
    """Module-level names bound to subclasses of a target, as `vars(module)` would show them."""

    definite: list[tuple[str, Value]] = field(default_factory=list)
    maybe: int = 0


class ClassIndex:
    """Module-level names of the plugin's Python files, resolved across its own imports."""

    def __init__(self, plugin: Plugin, facts: _Facts):
        self.plugin = plugin
        self.facts = facts
        self._bindings: dict[str, dict[str, Value] | None] = {}
        self._busy: set[str] = set()
        self._status: dict[tuple[str, str, frozenset[str]], str] = {}
        self.modules_used: dict[str, set[str]] = {}  # local module file -> files importing it

    # -- finding local modules ------------------------------------------------------------------

    def _locate(self, parts: list[str], base: str = "") -> Value | None:
        if not parts or any(not p for p in parts):
            return None
        stem = "/".join(([base] if base else []) + parts)
        listing_dir, _, leaf = stem.rpartition("/")
        names = self.facts.listing(listing_dir)
        if names is None:
            return None
        init = f"{stem}/__init__.py"
        if names.get(leaf) and self.plugin.is_file(init):
            return ("mod", init, stem)  # a package
        if f"{leaf}.py" in names and not names[f"{leaf}.py"]:
            return ("mod", f"{stem}.py", "")  # a module: it wins over a folder without __init__.py
        if names.get(leaf):
            return ("mod", "", stem)  # a namespace package
        return None

    def module(self, dotted: str, importer: str) -> Value:
        """Resolve an imported module name from the file `importer`."""
        level = len(dotted) - len(dotted.lstrip("."))
        name = dotted[level:]
        parts = name.split(".") if name else []
        if level:
            package = importer.split("/")[:-1]
            if level > 1:
                if level - 1 > len(package):
                    return ("unknown",)
                package = package[: len(package) - (level - 1)]
            if not parts:
                if not package:
                    return ("unknown",)  # a relative import in a top-level module fails
                init = "/".join(package + ["__init__.py"])
                return ("mod", init if self.plugin.is_file(init) else "", "/".join(package))
            found = self._locate(parts, "/".join(package))
            return found or ("unknown",)
        if not parts:
            return ("unknown",)
        if parts[0] == "dify_plugin":
            return ("sdkmod", name)
        found = self._locate(parts)  # `python -m main` puts the plugin root on sys.path, nothing else
        if found is not None:
            return found
        top = parts[0]
        if self._locate([top]) is not None:
            return ("unknown",)  # a local package without this submodule
        return ("foreign", top in _NOT_DIFY or top in sys.builtin_module_names)

    def attribute(self, value: Value, name: str, importer: str) -> Value:
        """`value.name`, for a module value (what `from M import name` binds)."""
        kind = value[0]
        if kind == "sdkmod":
            if name in SDK_CLASSES:
                return ("sdk", name)
            return ("sdkmod", f"{value[1]}.{name}") if name.islower() else ("sdkother",)
        if kind == "mod":
            path, folder = value[1], value[2]
            if path:
                self.modules_used.setdefault(path, set()).add(importer)
                bound = self.bindings(path)
                if bound is not None and name in bound:
                    return bound[name]
            if folder:
                sub = self._locate([name], folder)
                if sub is not None:
                    if sub[1]:
                        self.modules_used.setdefault(sub[1], set()).add(importer)
                    return sub
            return ("unknown",)  # not found there: an ImportError, a star import, or something dynamic
        if kind == "foreign":
            return value
        if kind in ("func", "const"):
            return ("const",)  # an attribute of a function or an instance
        return ("unknown",)

    # -- module-level names ---------------------------------------------------------------------

    def bindings(self, path: str) -> dict[str, Value] | None:
        """Module-level names of a plugin file, or None when it cannot be read or parsed."""
        if path in self._bindings:
            return self._bindings[path]
        if path in self._busy:
            return None  # an import cycle: what it binds is not known yet
        self._busy.add(path)
        try:
            result = self._compute_bindings(path)
        finally:
            self._busy.discard(path)
        self._bindings[path] = result
        return result

    def _compute_bindings(self, path: str) -> dict[str, Value] | None:
        module = self.plugin.python(path)
        outline = module.outline if module is not None else None
        if module is None or outline is None:
            return None
        bound: dict[str, Value] = {}
        for match in _STAR_IMPORT.finditer(module.text):
            source = self.module(match.group(1), path)
            if source[0] == "sdkmod":
                if source[1] == "dify_plugin":
                    bound.update({name: ("sdk", name) for name in SDK_STAR})
                else:
                    bound["*"] = ("unknown",)
            elif source[0] == "mod":
                if source[1]:
                    self.modules_used.setdefault(source[1], set()).add(path)
                exported = self._exports(source[1]) if source[1] else {}
                if exported is None:
                    bound["*"] = ("unknown",)
                else:
                    bound.update(exported)
            elif source[0] == "unknown":
                bound["*"] = ("unknown",)
        for name, imported in outline.imports.items():
            source = self.module(imported.module, path)
            if imported.name is None:
                if source[0] == "mod" and source[1]:
                    self.modules_used.setdefault(source[1], set()).add(path)
                bound[name] = source
            else:
                bound[name] = self.attribute(source, imported.name, path)
        for name in outline.functions:
            bound[name] = ("func",)
        for outlined in outline.classes:
            bound[outlined.name] = ("class", path, outlined.name)
        for match in _ASSIGNMENT.finditer(module.text):
            name, value = match.group(1), match.group(2).strip()
            if name in bound or name == "__all__":
                continue
            if _DOTTED.fullmatch(value):
                bound[name] = self._lookup(bound, value, path)  # an alias: `MyTool = tools.BaseTool`
            else:
                bound[name] = ("const",)  # a literal, an instance, a call: not a class
        return bound

    def _exports(self, path: str) -> dict[str, Value] | None:
        bound = self.bindings(path)
        if bound is None:
            return None
        module = self.plugin.python(path)
        listed = _ALL.search(module.text) if module is not None else None
        if listed is not None:
            names = re.findall(r"""['"]([A-Za-z_]\w*)['"]""", listed.group(1))
            return {n: bound.get(n, ("unknown",)) for n in names}
        exported = {n: v for n, v in bound.items() if not n.startswith("_")}
        if "*" in bound:
            exported["*"] = bound["*"]
        return exported

    def resolve(self, dotted: str, path: str, skip_class: str | None = None) -> Value:
        """The value of a (dotted) name used in the module at `path`."""
        bound = self.bindings(path)
        if bound is None or not dotted:
            return ("unknown",)
        return self._lookup(bound, dotted, path, skip_class)

    def _lookup(self, bound: dict[str, Value], dotted: str, path: str, skip_class: str | None = None) -> Value:
        head, *rest = dotted.split(".")
        value = bound.get(head)
        if value is not None and value == ("class", path, skip_class):
            module = self.plugin.python(path)
            imported = module.outline.imports.get(head) if module is not None and module.outline else None
            value = self.attribute(self.module(imported.module, path), imported.name, path) if imported and imported.name else None
        if value is None:
            if "*" in bound:
                return ("unknown",)
            if head in vars(builtins):
                return ("foreign", True)
            return ("unknown",)
        for name in rest:
            if value[0] == "class":
                return ("unknown",)  # a nested class: not followed
            value = self.attribute(value, name, path)
        return value

    # -- inheritance ----------------------------------------------------------------------------

    def status(self, value: Value, target: Target) -> str:
        """"yes", "no" or "maybe": is this value a class descending from the target's roots?"""
        kind = value[0]
        if kind == "sdk":
            return "yes" if target.accepts(value[1]) else "no"
        if kind in ("sdkother", "sdkmod", "mod", "func", "const"):
            return "no"
        if kind == "foreign":
            return "no" if value[1] else "maybe"
        if kind == "class":
            return self._class_status(value[1], value[2], target)
        return "maybe"

    def _class_status(self, path: str, name: str, target: Target) -> str:
        key = (path, name, target.roots)
        if key in self._status:
            return self._status[key]
        self._status[key] = "maybe"  # an inheritance cycle stays undecided
        module = self.plugin.python(path)
        outline = module.outline if module is not None else None
        found = [c for c in outline.classes if c.name == name] if outline is not None else []
        if not found:
            return "maybe"
        result = "no"
        for base in found[-1].bases:
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
        bound = self.bindings(path)
        if bound is None:
            return None
        result = Count()
        for name, value in bound.items():
            if name == "*":
                result.maybe += 1
                continue
            if value[0] == "sdk":
                if target.counts(value[1]):
                    result.definite.append((name, value))
                continue
            if value[0] in ("foreign", "sdkother", "sdkmod", "mod", "func", "const"):
                continue  # not classes, or imported from elsewhere: not of the plugin's kind
            answer = self.status(value, target)
            if answer == "yes":
                result.definite.append((name, value))
            elif answer == "maybe":
                result.maybe += 1
        return result

    def class_line(self, path: str, name: str) -> int:
        module = self.plugin.python(path)
        outline = module.outline if module is not None else None
        for outlined in reversed(outline.classes if outline else []):
            if outlined.name == name:
                return outlined.line
        return 1


# == the rules ==================================================================================

_BASE_MANIFEST = (BASE_PLUGINS / "tool" / "manifest.yaml").read_text("utf-8")
_BASE_PROVIDER = (BASE_PLUGINS / "tool" / "provider" / "example.yaml").read_text("utf-8")
_BASE_MODEL_PROVIDER = (BASE_PLUGINS / "model" / "provider" / "example.yaml").read_text("utf-8")
_BASE_TRIGGER_PROVIDER = (BASE_PLUGINS / "trigger" / "provider" / "example.yaml").read_text("utf-8")
_ECHO_TOOL = (BASE_PLUGINS / "tool" / "tools" / "echo.py").read_text("utf-8")


def _manifest_with(old: str, new: str) -> str:
    assert old in _BASE_MANIFEST
    return _BASE_MANIFEST.replace(old, new, 1)


class _PackagingRule(Rule):
    def check(self, plugin: Plugin) -> Iterable[Finding]:
        if not _is_checked(plugin):
            return ()
        return self.findings(plugin, facts(plugin))

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterable[Finding]:  # pragma: no cover
        raise NotImplementedError


def loaded_source(plugin: Plugin, facts: "_Facts", reference: Reference) -> str | None:
    """The .py file the SDK imports for a source reference, if any.

    The SDK turns the path into a module name (`tools/search.yaml` -> `tools.search`) and asks the
    import system for that module first, so `tools/search.py` is what runs whenever it exists.
    """
    relative = reference.target.relative
    if reference.target.problem or not relative:
        return None
    try:
        sibling = PurePosixPath(relative).with_suffix("").as_posix() + ".py"
    except ValueError:  # "." or a name the path cannot take a suffix off
        return None
    if facts.exact(sibling)[0] and plugin.is_file(sibling):
        return sibling
    return None


class MissingFile(_PackagingRule):
    code = "DPL301"
    name = "missing-file"
    summary = "A YAML or Python file named in the declarations does not exist"
    explanation = """
    The daemon reads every provider, tool, endpoint, strategy, datasource and event YAML the
    manifest leads to, and every model `position` file, when it packages the plugin; a missing one
    stops `dify plugin package`. The SDK imports every `extra.python.source` (and model
    `provider_source` / `model_sources`) at start-up, so a missing source stops the plugin.
    Paths are case-sensitive where Dify runs (Linux), even when your own disk is not.

    A source must be a Python file. The SDK imports it by module name (`tools/search.yaml` becomes
    the module `tools.search`), so a source written with the wrong extension works only by luck,
    when `tools/search.py` happens to exist; it is reported as a warning then.
    """
    invalid = (
        Example({"provider/example.yaml": _BASE_PROVIDER.replace("tools/echo.yaml", "tools/search.yaml")}),
        Example({"tools/echo.py": None}, note="The tool's `extra.python.source` is gone."),
        Example(
            {"tools/echo.yaml": (BASE_PLUGINS / "tool/tools/echo.yaml").read_text().replace("source: tools/echo.py", "source: tools/echo.yaml")},
            note="The source names the YAML file, not the Python file.",
        ),
    )
    valid = (Example({}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        for reference in plugin.references:
            if reference.role not in ("declaration", "source", "position") or reference.target.problem:
                continue
            target = reference.target
            relative = target.relative or target.written
            if reference.role == "source":
                loaded = loaded_source(plugin, facts, reference)
                if loaded == relative:
                    continue
                if loaded is not None:
                    what = "is not a Python file" if target.is_file else "does not exist"
                    yield self.at(
                        reference.owner,
                        reference.at,
                        f"`{target.written}` {what}; the SDK imports `{loaded}` instead, only because the module"
                        f" names match: write `{loaded}`",
                        severity=Severity.WARNING,
                    )
                    continue
            exact, other = facts.exact(relative)
            if not exact:
                hint = f"; `{other}` differs only in letter case, and Dify runs on a case-sensitive file system" if other else ""
                yield self.at(reference.owner, reference.at, f"`{target.written}` does not exist ({_listed(reference)}){hint}")
                continue
            if not target.is_file:
                yield self.at(reference.owner, reference.at, f"`{target.written}` is a folder, not a file ({_listed(reference)})")
                continue
            if reference.role == "source":
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{target.written}` is not a Python file; the SDK cannot import it: name the .py source",
                )


class PathOutsidePlugin(_PackagingRule):
    code = "DPL302"
    name = "path-outside-plugin"
    summary = "A path in the YAML is absolute, climbs out of the plugin with `..`, or is a link leading out"
    explanation = """
    Every path a plugin's YAML holds is read relative to the plugin root, and only the files under
    that root are packaged. An absolute path, a `../` that climbs above the root, or a symbolic link
    that leads outside works on your machine at best and is missing from the package. dify-lint
    reports such paths and never reads what they point at.
    """
    invalid = (
        Example({"provider/example.yaml": _BASE_PROVIDER.replace("tools/echo.yaml", "../../etc/passwd")}),
        Example({"tools/echo.yaml": (BASE_PLUGINS / "tool/tools/echo.yaml").read_text().replace("source: tools/echo.py", "source: /usr/lib/echo.py")}),
    )
    valid = (Example({}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        for reference in plugin.references:
            problem = reference.target.problem
            if problem:
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{reference.target.written}` {problem} ({_listed(reference)}); it is not packaged and was not read",
                )
        manifest = plugin.manifest
        privacy = manifest.get("privacy") if manifest is not None else None
        if isinstance(privacy, str) and privacy.strip() and not _is_url(privacy):
            resolved = plugin.resolve(privacy)
            if resolved.problem:
                yield self.at(manifest, ("privacy",), f"`{privacy}` {resolved.problem}; it is not packaged and was not read")
        for doc, at, value in _icons(plugin):
            resolved = plugin.resolve(f"{ASSETS}/{value}")
            if resolved.problem and "link" in resolved.problem:
                yield self.at(doc, at, f"icon `{value}` in `_assets/` {resolved.problem}; the package would hold the file it points at")


def _is_url(value: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value))


class SourceClassCount(_PackagingRule):
    code = "DPL303"
    name = "source-class-count"
    summary = "A Python source does not define exactly one subclass of the class the SDK loads from it"
    explanation = """
    The SDK imports each `extra.python.source` and collects every module-level name bound to a
    subclass of the expected base class (`Tool`, `ToolProvider`, `Endpoint`, `AgentStrategy`,
    `ModelProvider`, `DatasourceProvider`, the datasource type's class, `Trigger`, `Event`). It
    needs exactly one: none stops the plugin with "Missing subclass of X", two or more with
    "Multiple subclasses of X". Imported classes count too, so `from tools.base import BaseTool`
    next to `class SearchTool(BaseTool)` is two; import the module (`from tools import base`) and
    write `class SearchTool(base.BaseTool)` instead. An SDK class that is itself a subclass (such as
    `OAICompatProvider` for `ModelProvider`) counts when it is imported by name.

    A model source may hold several model classes; one with none registers nothing (a warning). A
    trigger provider source may hold at most one `TriggerSubscriptionConstructor`, and must hold
    one when the YAML declares `subscription_constructor`. dify-lint stays silent when a class
    derives from something it cannot follow (a third-party or dynamic base).
    """
    invalid = (
        Example(
            {
                "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    def helper(self):\n        return 1\n",
                "tools/echo.py": _ECHO_TOOL.replace("from dify_plugin import Tool\n", "from dify_plugin import Tool\nfrom tools.base import BaseTool\n").replace("class EchoTool(Tool)", "class EchoTool(BaseTool)"),
            },
            note="The imported base class is a second `Tool` subclass in the module.",
        ),
        Example({"tools/echo.py": "from dify_plugin import Tool\n\n\ndef make():\n    class EchoTool(Tool):\n        pass\n    return EchoTool\n"}, note="A class defined inside a function is not at module level."),
        Example(
            {"provider/example.yaml": _BASE_TRIGGER_PROVIDER.replace("events:\n", "subscription_constructor:\n  parameters: []\nevents:\n")},
            base="trigger",
            note="The YAML declares a subscription constructor the source does not implement.",
        ),
    )
    valid = (
        Example(
            {
                "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    def helper(self):\n        return 1\n",
                "tools/echo.py": _ECHO_TOOL.replace("from dify_plugin import Tool\n", "from tools import base\n").replace("class EchoTool(Tool)", "class EchoTool(base.BaseTool)"),
            },
            note="Importing the module keeps the base class out of the source's names.",
        ),
        Example({}, base="model"),
        Example({}, base="trigger"),
        Example({}, base="datasource"),
    )

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        index = facts.classes
        for reference in plugin.references:
            if reference.role != "source":
                continue
            path = loaded_source(plugin, facts, reference)
            if path is None:
                continue
            target = Target.of(reference.kind)
            counted = index.count(path, target)
            if counted is None:
                continue
            yield from self._judge(plugin, index, reference, path, target, counted)
            if reference.kind == "Trigger":
                yield from self._constructor(index, reference.owner, path)

    def _judge(self, plugin, index, reference: Reference, path: str, target: Target, counted: Count) -> Iterator[Finding]:
        if reference.multiple:
            if not counted.definite and not counted.maybe:
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{path}` defines no subclass of {target.label}; the SDK registers no model from it",
                    severity=Severity.WARNING,
                )
            return
        if len(counted.definite) > 1:
            yield self._multiple(index, reference, path, target, counted)
        elif not counted.definite and not counted.maybe:
            yield self.at(
                reference.owner,
                reference.at,
                f"`{path}` defines no module-level subclass of {target.label}; the SDK stops with"
                f' "Missing subclass of {reference.kind}"',
            )

    def _multiple(self, index: ClassIndex, reference: Reference, path: str, target: Target, counted: Count) -> Finding:
        names = []
        related = []
        for name, value in counted.definite:
            if value[0] == "class" and value[1] == path and value[2] == name:
                line = index.class_line(path, name)
                names.append(f"`{name}` (line {line})")
                related.append(Related(path, Span.point(line, 1), f"`{name}` is a subclass of {target.label}"))
            elif value[0] == "class":
                line = index.class_line(value[1], value[2])
                names.append(f"`{name}` (imported from {value[1]})")
                related.append(Related(value[1], Span.point(line, 1), f"`{value[2]}`, imported into {path}"))
            else:
                names.append(f"`{name}` (imported from dify_plugin)")
        return self.at(
            reference.owner,
            reference.at,
            f"`{path}` binds {len(counted.definite)} subclasses of {target.label} at module level: {', '.join(names)};"
            f' the SDK needs exactly one and stops with "Multiple subclasses of {reference.kind}"'
            f"{_fix_hint(path, counted)}",
            related=tuple(related),
        )

    def _constructor(self, index: ClassIndex, doc: YamlDoc, path: str) -> Iterator[Finding]:
        target = Target.of("TriggerSubscriptionConstructor")
        counted = index.count(path, target)
        if counted is None:
            return
        if len(counted.definite) > 1:
            names = ", ".join(f"`{name}`" for name, _ in counted.definite)
            yield self.at(
                doc,
                ("extra", "python", "source"),
                f"`{path}` binds {len(counted.definite)} subclasses of `TriggerSubscriptionConstructor` ({names});"
                " the SDK supports only one and stops",
            )
        elif doc.get("subscription_constructor") is not None and not counted.definite and not counted.maybe:
            yield self.at(
                doc,
                ("subscription_constructor",),
                f"`subscription_constructor` is declared but `{path}` defines no `TriggerSubscriptionConstructor`"
                " subclass; the SDK stops at start-up",
                key=True,
            )


def _fix_hint(path: str, counted: Count) -> str:
    """How to keep a base class out of the module's names, for the first imported one."""
    for name, value in counted.definite:
        if value[0] == "sdk":
            return f"; `import dify_plugin` and subclass `dify_plugin.{value[1]}` instead of importing the class"
        if value[0] == "class" and value[1] != path:
            module = value[1][: -len("/__init__.py")] if value[1].endswith("/__init__.py") else value[1][:-3]
            parent, _, leaf = module.replace("/", ".").rpartition(".")
            statement = f"from {parent} import {leaf}" if parent else f"import {leaf}"
            return f"; write `{statement}` and subclass `{leaf}.{value[2]}` instead of importing the class"
        if value[0] == "class" and value[2] != name:
            return f"; `{name}` is a second name for `{value[2]}`: remove it"
    return ""


def _icons(plugin: Plugin) -> Iterator[tuple[YamlDoc, tuple[PathItem, ...], str]]:
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


class MissingIcon(_PackagingRule):
    code = "DPL304"
    name = "missing-icon"
    summary = "An icon named in the YAML is not a file in `_assets/`"
    explanation = """
    Icons are file names inside the plugin's `_assets/` folder: the manifest's `icon` and
    `icon_dark`, the `identity.icon` (and `icon_dark`) of tool, agent strategy and trigger
    providers, the `identity.icon` of datasource providers and datasources, and every locale of a
    model provider's `icon_small` / `icon_large` (and their `_dark` variants). `dify plugin package`
    refuses a missing one ("plugin icon not found") and installing a package fails with
    "file not found". Write the name relative to `_assets/` (`icon.svg`, not `_assets/icon.svg`);
    URLs and emoji are not accepted. An icon in a subfolder of `_assets/` works once packaged, but
    the SDK uploads only the top-level files in remote debugging, so it is a warning.
    """
    invalid = (
        Example({"provider/example.yaml": _BASE_PROVIDER.replace("icon: icon.svg", "icon: search.svg")}),
        Example({"manifest.yaml": _manifest_with("icon: icon.svg", "icon: _assets/icon.svg")}),
        Example({"provider/example.yaml": _BASE_MODEL_PROVIDER.replace("icon_large:\n  en_US: icon.svg", "icon_large:\n  en_US: icon.svg\n  zh_Hans: icon-zh.svg")}, base="model"),
    )
    valid = (Example({}), Example({}, base="model"), Example({}, base="datasource"))

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        assets = facts.assets
        top = facts.listing(ASSETS) if facts.assets_dir else None
        for doc, at, value in _icons(plugin):
            if top is not None and value in top and not top[value]:
                continue
            if value in assets:
                yield self.at(
                    doc,
                    at,
                    f"icon `{value}` is in a subfolder of `_assets/`: packaged plugins find it, but in remote"
                    " debugging the SDK uploads only the top-level files and the icon is missing; move it up",
                    severity=Severity.WARNING,
                )
                continue
            yield self.at(doc, at, self._message(value, assets, facts))

    @staticmethod
    def _message(value: str, assets: set[str], facts: _Facts) -> str:
        if not facts.assets_dir:
            return f"icon `{value}` is not in `_assets/`: the plugin has no `_assets/` folder"
        stripped = value.removeprefix("./").removeprefix("_assets/")
        if stripped != value and stripped in assets:
            return f"icon `{value}` is not found: icon names are relative to `_assets/`, write `{stripped}`"
        if _is_url(value):
            return f"icon `{value}` is a URL; Dify accepts only a file name in `_assets/`"
        lowered = [name for name in assets if name.lower() == value.lower()]
        if lowered:
            return f"icon `{value}` is not in `_assets/`; `{lowered[0]}` differs only in letter case (Dify's file names are case-sensitive)"
        return f"icon `{value}` is not a file in `_assets/`; `dify plugin package` and installing both fail"


class MissingAssetsDir(_PackagingRule):
    code = "DPL305"
    name = "missing-assets-dir"
    summary = "The plugin has no `_assets/` folder"
    explanation = """
    At start-up the SDK lists `_assets/` (with `os.scandir`) to upload the plugin's icons, and
    `dify plugin package` reads it to check them; without the folder the plugin does not start and
    cannot be packaged. Create `_assets/` at the plugin root and put the icons there.
    """
    invalid = (Example({"_assets": None}),)
    valid = (Example({}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        names = facts.listing("")
        if names is None or names.get(ASSETS):
            return
        if ASSETS in names:
            yield _file_start("`_assets` is a file, not a folder; the SDK lists `_assets/` at start-up and fails")
            return
        other = [n for n in names if n.lower() == ASSETS and names[n]]
        hint = f" (`{other[0]}/` differs only in letter case)" if other else ""
        yield _file_start(
            f"the plugin has no `_assets/` folder{hint}; the SDK lists it at start-up and `dify plugin package`"
            " reads the icons from it: create it and put the icons there"
        )


class InvalidEntrypoint(_PackagingRule):
    code = "DPL306"
    name = "invalid-entrypoint"
    summary = "`meta.runner.entrypoint` is not a module name, or its file is missing"
    explanation = """
    The daemon starts the plugin with `python -m <entrypoint>` from the plugin root, so the
    entrypoint is a module name (`main`), not a file name (`main.py`) or a path (`src/main`), and
    `<entrypoint>.py` (or a package with `__main__.py`) must exist at the root, spelled with the
    same letter case.
    """
    invalid = (
        Example({"manifest.yaml": _manifest_with("entrypoint: main", "entrypoint: main.py")}),
        Example({"main.py": None}),
        Example({"manifest.yaml": _manifest_with("entrypoint: main", "entrypoint: src/main")}),
    )
    valid = (Example({}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        manifest = plugin.manifest
        at = ("meta", "runner", "entrypoint")
        entry = manifest.get(*at)
        if not isinstance(entry, str):
            return  # missing or not a string: the manifest schema rule reports it
        text = entry.strip()
        if not text:
            yield self.at(manifest, at, "the entrypoint is empty; write the module name, usually `main`")
            return
        if "/" in text or "\\" in text:
            module = re.sub(r"\.py$", "", text.replace("\\", "/")).strip("/").replace("/", ".")
            yield self.at(manifest, at, f"`{entry}` is a path; Dify runs `python -m <entrypoint>`, so write the module name `{module}`")
            return
        if text.endswith(".py"):
            yield self.at(manifest, at, f"`{entry}` is a file name; Dify runs `python -m <entrypoint>`, so write `{text[:-3]}`")
            return
        if text != entry:
            yield self.at(manifest, at, f"`{entry}` has spaces around the module name; write `{text}`")
            return
        stem = text.replace(".", "/")
        for candidate in (f"{stem}.py", f"{stem}/__main__.py"):
            exact, _ = facts.exact(candidate)
            if exact and plugin.is_file(candidate):
                return
        exact, other = facts.exact(f"{stem}.py")
        hint = f"; `{other}` differs only in letter case" if other else ""
        yield self.at(manifest, at, f"`{stem}.py` does not exist at the plugin root, so `python -m {text}` fails{hint}")


# -- dependency files ----------------------------------------------------------------------------

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names_sdk(requirement: str) -> bool:
    match = _REQUIREMENT_NAME.match(requirement)
    return match is not None and _normalise(match.group(1)) == "dify-plugin"


def _requirements_state(text: str) -> str:
    """"yes" (dify-plugin required), "no", or "unknown" (includes, editable or URL lines)."""
    unknown = False
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            if re.search(r"egg=dify[-_.]plugin\b", line, re.I):
                return "yes"
            if re.match(r"-(r|c|e)\b|--(requirement|constraint|editable)\b", line):
                unknown = True
            continue
        if _names_sdk(line):
            return "yes"
        if "://" in line and "@" not in line:
            unknown = True  # a bare URL to a wheel or an archive
    return "unknown" if unknown else "no"


def _pyproject_state(text: str) -> tuple[str, str]:
    """(state, detail) for pyproject.toml, as `uv sync --no-dev` installs it."""
    try:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        data = tomllib.loads(text)
    except Exception as error:  # noqa: BLE001 - any TOML problem
        return "invalid", str(error).splitlines()[0] if str(error) else "invalid TOML"
    project = data.get("project")
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    tool_uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    if tool_uv.get("default-groups") not in (None, ["dev"]):
        return "unknown", ""  # uv installs other groups too
    if not isinstance(project, dict):
        return "no-project", "poetry" if "poetry" in tool else ""
    if "dependencies" in (project.get("dynamic") or []):
        return "unknown", ""
    dependencies = project.get("dependencies") or []
    if not isinstance(dependencies, list):
        return "unknown", ""
    if any(isinstance(d, str) and _names_sdk(d) for d in dependencies):
        return "yes", ""
    groups = data.get("dependency-groups")
    in_dev = isinstance(groups, dict) and any(
        isinstance(d, str) and _names_sdk(d) for d in (groups.get("dev") or []) if isinstance(groups.get("dev"), list)
    )
    return "no", "dev" if in_dev else ""


class DependencyFile(_PackagingRule):
    code = "DPL307"
    name = "dependency-file"
    summary = "No dependency file, or the one Dify installs from does not name dify_plugin"
    explanation = """
    The daemon installs a plugin's dependencies from `pyproject.toml` (with `uv sync --no-dev`,
    `--frozen` when `uv.lock` exists) or, when there is none, from `requirements.txt`; with neither
    the install fails ("neither pyproject.toml nor requirements.txt found"). When a pip mirror is
    configured it prefers `requirements.txt`. The plugin imports `dify_plugin` before anything
    else, so the file used must require `dify_plugin` (or `dify-plugin`) in the project's own
    dependencies, not only in a dev group. Official plugins ship `pyproject.toml` and `uv.lock`.
    """
    invalid = (
        Example({"requirements.txt": "requests>=2\n"}),
        Example({"requirements.txt": None}),
        Example({"pyproject.toml": '[project]\nname = "example"\nversion = "0.0.1"\ndependencies = ["requests"]\n'}),
    )
    valid = (
        Example({}),
        Example(
            {
                "requirements.txt": None,
                "pyproject.toml": '[project]\nname = "example"\nversion = "0.0.1"\ndependencies = ["dify-plugin>=0.5.0"]\n',
                "uv.lock": "version = 1\n",
            }
        ),
    )

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        names = facts.listing("") or {}
        has_requirements = "requirements.txt" in names and not names["requirements.txt"]
        has_pyproject = "pyproject.toml" in names and not names["pyproject.toml"]
        if not has_requirements and not has_pyproject:
            yield _file_start(
                "there is no requirements.txt or pyproject.toml at the plugin root; Dify cannot install the"
                " plugin's dependencies (add pyproject.toml and uv.lock, or requirements.txt)"
            )
            return
        if has_pyproject:
            state, detail = _pyproject_state(self._read(plugin, "pyproject.toml"))
            if state == "invalid":
                yield _file_start(f"pyproject.toml is not valid TOML ({detail}); `uv sync` fails when Dify installs the plugin")
            elif state == "no-project":
                poetry = " ([tool.poetry] is not read by uv)" if detail == "poetry" else ""
                yield _file_start(
                    f"pyproject.toml has no [project] table{poetry}, so `uv sync`, which Dify runs when pyproject.toml"
                    " exists, installs nothing; declare the dependencies, with dify_plugin, under [project]"
                )
            elif state == "no":
                where = " (it is only in the dev group, which `uv sync --no-dev` skips)" if detail == "dev" else ""
                yield _file_start(
                    f"pyproject.toml does not require dify_plugin in [project].dependencies{where}; Dify installs from it"
                    " and the plugin fails on `import dify_plugin`"
                )
        if has_requirements:
            state = _requirements_state(self._read(plugin, "requirements.txt"))
            if state == "no":
                if has_pyproject:
                    yield _file_start(
                        "requirements.txt does not name dify_plugin; Dify uses it instead of pyproject.toml when a"
                        " pip mirror is configured, and the plugin then fails on `import dify_plugin`",
                    )
                else:
                    yield _file_start("requirements.txt does not name dify_plugin; the plugin fails on `import dify_plugin`")

    @staticmethod
    def _read(plugin: Plugin, name: str) -> str:
        return plugin.text(name) or ""


# -- the ignore file -----------------------------------------------------------------------------


def _needed_files(plugin: Plugin, facts: _Facts) -> Iterator[tuple[str, bool, str]]:
    """(path, is a folder, why Dify needs it) for everything the package must contain."""
    yield MANIFEST, False, "the manifest"
    if facts.assets_dir:
        yield ASSETS, True, "the SDK lists it at start-up"
        top = facts.listing(ASSETS) or {}
        for doc, at, value in _icons(plugin):
            if value in facts.assets or value in top:
                yield f"{ASSETS}/{value}", False, f"icon named in {doc.path} `{_where(at)}`"
    for reference in plugin.references:
        if reference.role in ("declaration", "position") and reference.target.is_file:
            yield reference.target.relative or "", False, _listed(reference, owner=True)
    entry = plugin.entrypoint_path()
    if entry and plugin.is_file(entry):
        yield entry, False, "the entrypoint `meta.runner.entrypoint`"
    names = facts.listing("") or {}
    if "requirements.txt" in names:
        yield "requirements.txt", False, "the dependency file Dify installs from"
    elif "pyproject.toml" in names and "uv.lock" not in names:
        yield "pyproject.toml", False, "the dependency file Dify installs from"
    index = facts.classes
    for reference in plugin.references:
        loaded = loaded_source(plugin, facts, reference) if reference.role == "source" else None
        if loaded is not None:
            yield loaded, False, _listed(reference, owner=True)
            index.bindings(loaded)
    for module, importers in sorted(index.modules_used.items()):
        yield module, False, f"imported by {sorted(importers)[0]}"


class IgnoredRequiredFile(_PackagingRule):
    code = "DPL308"
    name = "ignored-required-file"
    summary = "`.difyignore` (or `.gitignore`) leaves out of the package a file the plugin needs"
    explanation = """
    `dify plugin package` skips what the plugin's `.difyignore` excludes, or, when there is no
    `.difyignore`, what its `.gitignore` excludes (only the file at the plugin root is read). It
    checks the manifest and icons before it applies the ignore file, so packaging succeeds, but the
    package lacks the file: installing fails, or the plugin fails at start-up.

    The daemon does not follow git's rules exactly. Every line is trimmed; a pattern without a
    slash matches a file or folder of that name at any depth; a pattern with a slash is matched from
    the plugin root; any matching pattern excludes, and a `!negation` never brings a file back. So
    `*.yaml` followed by `!manifest.yaml` still leaves out the manifest. Character classes follow
    Go: `[^a]` negates, while `[!a]` means "`!` or `a`".
    """
    invalid = (
        Example({".difyignore": ".venv/\ntools/\n"}),
        Example({".gitignore": "*.yaml\n!manifest.yaml\n"}, note="The negation does not re-include anything for Dify."),
        Example({".gitignore": "_assets\n"}),
    )
    valid = (
        Example({".difyignore": ".venv/\n__pycache__/\n*.py[cod]\n.env\n*.difypkg\n"}),
        Example({".difyignore": "/provider/*.md\ndocs/\n", ".gitignore": "tools/\n"}, note="With a .difyignore, .gitignore is not read."),
    )

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        ignore = facts.ignore
        if ignore is None or not ignore.patterns:
            return
        by_pattern: dict[int, list[tuple[str, str]]] = {}
        seen: set[str] = set()
        for path, is_dir, why in _needed_files(plugin, facts):
            if not path or path in seen:
                continue
            seen.add(path)
            pattern = ignore.excluded_by(path, is_dir)
            if pattern is not None:
                by_pattern.setdefault(pattern.line, []).append((path, why))
        patterns = {p.line: p for p in ignore.patterns}
        negations = ignore.negations()
        for line, hits in sorted(by_pattern.items()):
            pattern = patterns[line]
            path, why = hits[0]
            more = f" and {len(hits) - 1} more file{'s' if len(hits) > 2 else ''} the plugin needs" if len(hits) > 1 else ""
            rescued = [n for n in negations if n.text[1:].strip().strip("/") in {h[0] for h in hits}]
            note = (
                f"; `{rescued[0].text}` does not bring `{rescued[0].text[1:].strip().strip('/')}` back:"
                " the daemon ignores negations"
                if rescued
                else ""
            )
            fallback = " (read because there is no .difyignore)" if ignore.name == ".gitignore" else ""
            text = _ignore_line(plugin, ignore.name, line)
            column = 1 + len(text) - len(text.lstrip())
            yield Finding(
                ignore.name,
                Span(Position(line, column), Position(line, column + len(pattern.text))),
                f"`{pattern.text}` in {ignore.name}{fallback} leaves `{path}` ({why}){more} out of the package,"
                f" so the installed plugin lacks it{note}",
            )


def _ignore_line(plugin: Plugin, name: str, line: int) -> str:
    lines = (plugin.text(name) or "").split("\n")
    return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""


# -- models --------------------------------------------------------------------------------------


class ModelGlobUnmatched(_PackagingRule):
    code = "DPL309"
    name = "model-glob-unmatched"
    summary = "A model `predefined` glob matches no file, or a position file names a model no YAML declares"
    severity = Severity.WARNING
    explanation = """
    A model provider lists its predefined model YAML files with globs under
    `models.<type>.predefined`, resolved from the plugin root. A glob that matches nothing adds no
    model, usually because of a typo or a moved folder. The position file (`models.<type>.position`,
    or a `_position.yaml` the glob matches) is meant to order the models by their `model` name, as
    the SDK documents it; a name no model YAML of that type declares (a removed or renamed model, or
    a file name written instead of the model name) orders nothing. Current Dify versions list models
    in file order without reading the positions, so such entries are dead weight rather than a
    failure, so they are reported as info. Providers that offer only `customizable-model` are not
    checked.
    """
    invalid = (
        Example({"provider/example.yaml": _BASE_MODEL_PROVIDER.replace('"models/llm/*.yaml"', '"models/chat/*.yaml"')}, base="model"),
        Example({"models/llm/_position.yaml": "- example-chat\n- example-old\n"}, base="model"),
    )
    valid = (Example({}, base="model"),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        for declaration in plugin.declarations_of("model_provider"):
            yield from self._provider(plugin, declaration)

    def _provider(self, plugin: Plugin, declaration: Declaration) -> Iterator[Finding]:
        doc = declaration.doc
        methods = doc.get("configurate_methods")
        if isinstance(methods, list) and "predefined-model" not in methods:
            return  # no predefined models by design: leftover globs and positions do nothing
        by_type: dict[str, set[str]] = {}
        stems: dict[str, dict[str, tuple[str, str]]] = {}  # type -> file stem -> (file, model name)
        position_files: dict[str, list[tuple[str, Reference]]] = {}
        for reference in plugin.references:
            if reference.owner is not doc:
                continue
            if reference.role == "glob" and reference.target.problem is None:
                model_type = reference.kind
                matches = plugin.glob(reference.target)
                by_type.setdefault(model_type, set())
                if not matches:
                    yield self.at(doc, reference.at, f"`{reference.target.written}` matches no file; no {model_type} model is loaded from it")
                for match in matches:
                    if match.endswith("_position.yaml"):
                        position_files.setdefault(model_type, []).append((match, reference))
                        continue
                    model = plugin.yaml(match)
                    name = model.get("model") if model is not None and model.usable else None
                    if isinstance(name, str):
                        by_type[model_type].add(name)
                        stem = match.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                        stems.setdefault(model_type, {})[stem] = (match, name)
                    elif model is None or not model.usable:
                        by_type[model_type].add("\0unknown")
            elif reference.role == "position" and reference.target.is_file:
                position_files.setdefault(reference.kind, []).append((reference.target.relative or "", reference))
        for model_type, files in position_files.items():
            declared = by_type.get(model_type)
            if not declared or "\0unknown" in declared:
                continue  # no model of this type at all (reported above), or a model file that cannot be read
            for path in dict.fromkeys(p for p, _ in files):
                position = plugin.yaml(path)
                if position is None or not position.usable or not isinstance(position.data, list):
                    continue
                for index, name in enumerate(position.data):
                    if not isinstance(name, str) or name.strip() in declared:
                        continue
                    span = position.span((index,))
                    by_stem = stems.get(model_type, {}).get(name.strip())
                    if by_stem is not None:
                        detail = (
                            f"; it is the file name of {by_stem[0]}, whose `model` is `{by_stem[1]}`:"
                            " position files list `model` names"
                        )
                    elif span.end.line > span.start.line:
                        detail = "; the entries below it are indented, so YAML reads them all as this one string"
                    else:
                        detail = " (removed or renamed?)"
                    yield Finding(
                        position.path,
                        span,
                        f"`{_short(name)}` is listed in the {model_type} position file but no {model_type} model YAML"
                        f" declares it{detail}",
                        severity=Severity.INFO,  # current Dify lists models in file order: no failure
                    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- README, size, privacy ------------------------------------------------------------------------


class MissingReadme(_PackagingRule):
    code = "DPL310"
    name = "missing-readme"
    summary = "There is no README.md at the plugin root"
    severity = Severity.WARNING
    explanation = """
    The daemon serves a plugin's English readme from `README.md` at the plugin root (other
    languages go in `readme/README_<lang>.md`); without it the plugin's readme page fails with
    "en_US readme not found", and the Marketplace expects one.
    """
    invalid = (Example({"README.md": None}),)
    valid = (Example({}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        names = facts.listing("") or {}
        if "README.md" in names and not names["README.md"]:
            return
        other = [n for n in names if n.lower() == "readme.md" and not names[n]]
        if other:
            yield _file_start(f"the readme is `{other[0]}`; Dify reads `README.md` exactly (case-sensitive): rename it")
        else:
            yield _file_start("there is no README.md at the plugin root; Dify shows it as the plugin's readme")


class PackageTooLarge(_PackagingRule):
    code = "DPL311"
    name = "package-too-large"
    summary = "The packaged files exceed 50 MB, or a virtual environment would be packaged"
    explanation = """
    `dify plugin package` refuses a plugin whose files add up to more than 50 MB uncompressed (its
    default `--max-size`), counting everything the ignore file does not exclude, `.git/` included.
    A `.venv/` or `venv*/` folder at the plugin root that the ignore file does not exclude ends up
    in the package: it is large, holds binaries for the wrong platform, and the official plugin CI
    rejects it. Exclude such folders in `.difyignore`.
    """
    invalid = (Example({".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/lib/site.py": "# site\n"}),)
    valid = (Example({".venv/pyvenv.cfg": "home = /usr/bin\n", ".difyignore": ".venv/\n"}),)

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        names = facts.listing("") or {}
        for name in sorted(names):
            if names[name] and (name.startswith("venv") or name.startswith(".venv")):
                if (plugin.listdir("") or {})[name].link or facts.excluded_by(name, True) is not None:
                    continue
                inside = [s for p, s in facts.packaged if p.startswith(name + "/")]
                ignore = facts.ignore.name if facts.ignore is not None else ".difyignore"
                yield Finding(
                    MANIFEST,
                    Span.file_start(),
                    f"the virtual environment `{name}/` ({len(inside)} files, {_mb(sum(inside))}) would be packaged,"
                    f" and the official plugin CI rejects it; add `{name}/` to {ignore}",
                    Severity.WARNING,
                )
        total = sum(size for _, size in facts.packaged)
        if total > MAX_PACKAGE_BYTES:
            largest = ", ".join(f"{p} ({_mb(s)})" for p, s in facts.packaged[:3])
            yield _file_start(
                f"the files `dify plugin package` would include add up to {_mb(total)}, over the 50 MB limit;"
                f" largest: {largest}. Exclude what the plugin does not need in .difyignore"
            )


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)) if size else 0} kB"
    return f"{size / (1024 * 1024):.1f} MB"


class PrivacyFileMissing(_PackagingRule):
    code = "DPL312"
    name = "privacy-file-missing"
    summary = "`privacy` names a file that does not exist"
    severity = Severity.WARNING
    explanation = """
    The manifest's `privacy` key points the Marketplace at the plugin's privacy policy: a file in
    the plugin (usually `PRIVACY.md`) or a URL. Neither the daemon nor the SDK reads it, so a
    wrong name goes unnoticed until the plugin is reviewed or published.
    """
    invalid = (
        Example({"manifest.yaml": _manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: PRIVACY.md\n")}),
        Example({"manifest.yaml": _manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: ''\n")}),
    )
    valid = (
        Example({"manifest.yaml": _manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: PRIVACY.md\n"), "PRIVACY.md": "# Privacy\n"}),
        Example({"manifest.yaml": _manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: https://example.com/privacy\n")}),
    )

    def findings(self, plugin: Plugin, facts: _Facts) -> Iterator[Finding]:
        manifest = plugin.manifest
        privacy = manifest.get("privacy")
        if not isinstance(privacy, str):
            return
        if not privacy.strip():
            yield self.at(manifest, ("privacy",), "`privacy` is empty; name the policy file (such as PRIVACY.md) or a URL, or remove the key", key=True)
            return
        if _is_url(privacy):
            return
        resolved = plugin.resolve(privacy.strip())
        if resolved.problem:
            return  # DPL302
        exact, other = facts.exact(resolved.relative or "")
        if exact and resolved.is_file:
            return
        hint = f"; `{other}` differs only in letter case" if other else ""
        yield self.at(manifest, ("privacy",), f"privacy policy `{privacy}` does not exist{hint}")


RULES = [
    MissingFile,
    PathOutsidePlugin,
    SourceClassCount,
    MissingIcon,
    MissingAssetsDir,
    InvalidEntrypoint,
    DependencyFile,
    IgnoredRequiredFile,
    ModelGlobUnmatched,
    MissingReadme,
    PackageTooLarge,
    PrivacyFileMissing,
]
