"""One plugin: its manifest, the declaration YAML reached from it, and its Python sources.

Everything is read through the plugin's file system (`dify_lint.source.fs`), lazily and at most
once. The declaration graph is the model's own; analyses built on it live in `dify_lint.analysis`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from .. import profile
from ..diagnostics import Position, Span
from ..python.module import ModuleCache, PyModule
from ..sdk import DATASOURCE_BASES, SOURCE_BASES
from ..source.files import MAX_PYTHON_BYTES, MAX_TEXT_BYTES, MAX_YAML_BYTES, ReadProblem, read_text
from ..source.fs import Entry, Kind, PluginFS, ReadFailure, Resolved
from ..source.layout import MANIFEST, PACKAGE_MARK, SKIPPED_DIRS, is_skipped_dir  # noqa: F401 - the model's names too
from ..source.text import YAML_BREAKS, LineIndex
from .yamldoc import DocumentCache, PathItem, YamlDoc

#: declaration kind -> (list key in its YAML, kind of each file listed there)
CHILD_LISTS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "manifest": (
        (("plugins", "tools"), "tool_provider"),
        (("plugins", "models"), "model_provider"),
        (("plugins", "endpoints"), "endpoint_group"),
        (("plugins", "agent_strategies"), "agent_strategy_provider"),
        (("plugins", "datasources"), "datasource_provider"),
        (("plugins", "triggers"), "trigger_provider"),
    ),
    "tool_provider": ((("tools",), "tool"),),
    "endpoint_group": ((("endpoints",), "endpoint"),),
    "agent_strategy_provider": ((("strategies",), "agent_strategy"),),
    "datasource_provider": ((("datasources",), "datasource"),),
    "trigger_provider": ((("events",), "trigger_event"),),
}


MODEL_TYPES = ("llm", "text_embedding", "rerank", "tts", "speech2text", "moderation")

KIND_LABELS = {
    "manifest": "manifest",
    "tool_provider": "tool provider",
    "tool": "tool",
    "model_provider": "model provider",
    "model": "model",
    "model_position": "model position list",
    "endpoint_group": "endpoint group",
    "endpoint": "endpoint",
    "agent_strategy_provider": "agent strategy provider",
    "agent_strategy": "agent strategy",
    "datasource_provider": "datasource provider",
    "datasource": "datasource",
    "trigger_provider": "trigger provider",
    "trigger_event": "trigger event",
}


@dataclass
class Reference:
    """A path written in a YAML file, and what it should lead to."""

    owner: YamlDoc
    at: tuple[PathItem, ...]  # where the path is written in `owner`
    target: Resolved
    role: str  # "declaration", "source", "position", "glob"
    kind: str  # the declaration kind for YAML, the base class for sources
    multiple: bool = False  # a model source may define several classes

    @property
    def span(self) -> Span:
        return self.owner.span(self.at)


@dataclass
class Declaration:
    """A declaration YAML and its place in the graph. The link to the parent is weak (the plugin's
    list holds every declaration), so the graph has no cycle and is freed with the plugin."""

    kind: str
    doc: YamlDoc
    parent_ref: "weakref.ReferenceType[Declaration] | None" = field(default=None, repr=False)
    via: Reference | None = field(default=None, repr=False)
    children: list["Declaration"] = field(default_factory=list, repr=False)

    @property
    def parent(self) -> "Declaration | None":
        return self.parent_ref() if self.parent_ref is not None else None


class Plugin:
    """One plugin, read through its file system: the manifest, the declarations it leads to, and
    the Python sources. Each file is read and parsed at most once, when first asked for."""

    def __init__(self, fs: PluginFS, display: str, modules: ModuleCache | None = None, documents: DocumentCache | None = None):
        self.fs = fs
        self.display = display  # the root as the user should see it
        #: parsed Python modules and their module analyses, by content (shared by an editor server)
        self.modules = modules if modules is not None else ModuleCache()
        #: parsed YAML documents and their schema issues, by content, when an editor server keeps
        #: them between lints (a single lint parses each document once anyway)
        self.documents = documents
        self._yaml: dict[str, YamlDoc | None] = {}
        self._python: dict[str, PyModule | None] = {}
        self._texts: dict[str, str | None] = {}
        self._problems: dict[str, ReadProblem] = {}
        self._resolved: dict[str, Resolved] = {}
        self._lines: dict[str, LineIndex] = {}

    # -- reading ---------------------------------------------------------------------------

    @property
    def is_package(self) -> bool:
        """A `.difypkg` read in memory: what `dify plugin package` made, ignore files applied."""
        return self.fs.packaged

    def display_path(self, relative: str) -> str:
        """How a file of the plugin is shown; "" is the root itself (a folder or a package)."""
        if not relative:
            return self.display.removesuffix(PACKAGE_MARK) if self.is_package else self.display
        if self.display in ("", "."):
            return relative
        return f"{self.display.rstrip('/')}/{relative}"

    def yaml(self, relative: str) -> YamlDoc | None:
        """The parsed YAML file at `relative` (inside the root), or None if it cannot be read."""
        if relative not in self._yaml:
            with profile.timed("read", "yaml"):
                loaded = read_text(self.fs, relative, MAX_YAML_BYTES)
                if loaded.problem:
                    self._yaml[relative] = None
                elif self.documents is not None:
                    self._yaml[relative] = self.documents.document(relative, loaded.text or "")
                else:
                    self._yaml[relative] = YamlDoc.parse(relative, loaded.text or "")
            if loaded.problem:
                self._problems[relative] = loaded.problem
        return self._yaml[relative]

    def python(self, relative: str) -> PyModule | None:
        """The Python file at `relative`, or None if it cannot be read (it may still not parse)."""
        if relative not in self._python:
            with profile.timed("read", "python"):
                loaded = read_text(self.fs, relative, MAX_PYTHON_BYTES, python=True)
                self._python[relative] = None if loaded.problem else self.modules.module(relative, loaded.text or "")
            if loaded.problem:
                self._problems[relative] = loaded.problem
        return self._python[relative]

    def text(self, relative: str) -> str | None:
        """Another text file of the plugin (an ignore file, requirements.txt), decoded leniently
        as the daemon and uv do, or None when it is not a readable regular file."""
        if relative not in self._texts:
            try:
                self._texts[relative] = self.fs.read(relative, MAX_TEXT_BYTES).decode("utf-8", "replace")
            except ReadFailure as failure:
                self._texts[relative] = None
                if self.fs.kind(relative) not in (Kind.MISSING, Kind.DIR):  # there, but not to be read
                    self._problems[relative] = ReadProblem(failure.message, Span.file_start(), failure.limit)
        return self._texts[relative]

    def read_problem(self, relative: str) -> ReadProblem | None:
        """Why a file asked for could not be read, if it could not (a missing text file has no problem)."""
        return self._problems.get(relative)

    def resolve(self, written: str) -> Resolved:
        found = self._resolved.get(written)
        if found is None:
            found = self._resolved[written] = self.fs.resolve(written)
        return found

    def kind(self, relative: str) -> Kind:
        return self.fs.kind(relative)

    def is_file(self, relative: str) -> bool:
        return self.fs.kind(relative) is Kind.FILE

    def listdir(self, relative: str = "") -> dict[str, Entry] | None:
        return self.fs.listdir(relative)

    def line_text(self, relative: str, line: int) -> str | None:
        """A line of a file this plugin already read (for code frames and suppressions)."""
        index = self._line_index(relative)
        return index.line(line) if index is not None else None

    def position(self, relative: str, offset: int) -> Position | None:
        """The line and column of a character offset into a file this plugin already read."""
        index = self._line_index(relative)
        return index.position(offset) if index is not None else None

    def _line_index(self, relative: str) -> LineIndex | None:
        index = self._lines.get(relative)
        if index is None:
            doc = self._yaml.get(relative)
            module = self._python.get(relative)
            if doc is not None:
                index = LineIndex(doc.text, YAML_BREAKS)
            elif module is not None:
                index = module.lines
            elif self._texts.get(relative) is not None:
                index = LineIndex(self._texts[relative] or "")
            else:
                return None
            self._lines[relative] = index
        return index

    # -- the declaration graph -------------------------------------------------------------

    @cached_property
    def manifest(self) -> YamlDoc | None:
        return self.yaml(MANIFEST)

    @property
    def is_bundle(self) -> bool:
        """A `type: bundle` manifest describes a bundle (a list of plugins to install), not a
        plugin: only the rules written for bundles lint it."""
        doc = self.manifest
        return doc is not None and doc.usable and isinstance(doc.data, dict) and doc.data.get("type") == "bundle"

    @cached_property
    def _graph(self) -> tuple[list[Declaration], list[Reference]]:
        declarations: list[Declaration] = []
        references: list[Reference] = []
        if self.manifest is None or not self.manifest.usable:
            return declarations, references
        top = Declaration("manifest", self.manifest)
        pending = [top]
        seen: set[tuple[str, str]] = set()
        while pending:
            declaration = pending.pop(0)
            declarations.append(declaration)
            for reference in self._references_of(declaration):
                references.append(reference)
                if reference.role != "declaration" or not reference.target.is_file:
                    continue
                relative = reference.target.relative or ""
                if (reference.kind, relative) in seen:
                    continue
                seen.add((reference.kind, relative))
                doc = self.yaml(relative)
                if doc is None:
                    continue
                child = Declaration(reference.kind, doc, weakref.ref(declaration), reference)
                declaration.children.append(child)
                if doc.usable:
                    pending.append(child)
        return declarations, references

    @property
    def declarations(self) -> list[Declaration]:
        """The manifest first, then every declaration reached from it, breadth first."""
        return self._graph[0]

    @property
    def references(self) -> list[Reference]:
        return self._graph[1]

    def declarations_of(self, *kinds: str) -> list[Declaration]:
        return [d for d in self.declarations if d.kind in kinds]

    def _references_of(self, declaration: Declaration) -> Iterator[Reference]:
        doc = declaration.doc
        for list_path, kind in CHILD_LISTS.get(declaration.kind, ()):
            for index, item in _strings(doc.get(*list_path)):
                yield Reference(doc, (*list_path, index), self.resolve(item), "declaration", kind)
        base = SOURCE_BASES.get(declaration.kind)
        if declaration.kind == "datasource" and declaration.parent is not None:
            base = DATASOURCE_BASES.get(str(declaration.parent.doc.get("provider_type")))
        source = doc.get("extra", "python", "source")
        if base and isinstance(source, str):
            yield Reference(doc, ("extra", "python", "source"), self.resolve(source), "source", base)
        if declaration.kind == "model_provider":
            yield from self._model_references(doc)

    def _model_references(self, doc: YamlDoc) -> Iterator[Reference]:
        source = doc.get("extra", "python", "provider_source")
        if isinstance(source, str):
            yield Reference(doc, ("extra", "python", "provider_source"), self.resolve(source), "source", "ModelProvider")
        for index, item in _strings(doc.get("extra", "python", "model_sources")):
            yield Reference(
                doc, ("extra", "python", "model_sources", index), self.resolve(item), "source", "AIModel", multiple=True
            )
        models = doc.get("models")
        if not isinstance(models, dict):
            return
        for model_type in MODEL_TYPES:
            entry = models.get(model_type)
            if not isinstance(entry, dict):
                continue
            for index, pattern in _strings(entry.get("predefined")):
                at = ("models", model_type, "predefined", index)
                target = self.resolve(pattern)
                yield Reference(doc, at, target, "glob", model_type)
                for match in self.glob(target, files_only=False):
                    # a folder matched here is read as a model file by the SDK, and fails: DPL301 says so
                    kind = "model_position" if match.endswith("_position.yaml") else "model"
                    yield Reference(doc, at, self.resolve(match), "declaration", kind)
            position = entry.get("position")
            if isinstance(position, str):
                yield Reference(doc, ("models", model_type, "position"), self.resolve(position), "position", model_type)

    def glob(self, pattern: Resolved, *, files_only: bool = True) -> list[str]:
        """Files (and folders, unless files_only) inside the root matching a glob from YAML, sorted."""
        if pattern.relative is None or not pattern.written.strip() or pattern.relative == ".":
            return []
        found = []
        for relative in self.fs.glob(pattern.relative):
            resolved = self.resolve(relative)
            if resolved.problem is None and (resolved.is_file or not files_only):
                found.append(relative)
        return found

    def entrypoint_path(self) -> str | None:
        """The module file `meta.runner.entrypoint` names (`main` -> main.py), if it is well formed."""
        manifest = self.manifest
        entry = manifest.get("meta", "runner", "entrypoint") if manifest is not None else None
        if not isinstance(entry, str) or not entry or not all(part.isidentifier() for part in entry.split(".")):
            return None
        return entry.replace(".", "/") + ".py"

    # -- the plugin's own file list --------------------------------------------------------

    @cached_property
    def _walked(self) -> list[str]:
        return self.fs.walk(is_skipped_dir)

    @cached_property
    def nested_roots(self) -> list[str]:
        """Folders below the root that hold a manifest.yaml of their own, outermost first: each is a
        plugin (or bundle) of its own, and its files are not this plugin's."""
        folders = sorted(path[: -len(MANIFEST) - 1] for path in self._walked if path.endswith("/" + MANIFEST))
        outermost: list[str] = []
        for folder in folders:
            if not any(folder.startswith(outer + "/") for outer in outermost) and self.is_file(f"{folder}/{MANIFEST}"):
                outermost.append(folder)
        return outermost

    @cached_property
    def all_files(self) -> list[str]:
        """Every file of this plugin, "/" separated: under the root, without VCS and environment
        folders, and without the folders of nested plugin roots."""
        nested = tuple(folder + "/" for folder in self.nested_roots)
        if not nested:
            return self._walked
        return [path for path in self._walked if not path.startswith(nested)]


def _strings(value: object) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item
