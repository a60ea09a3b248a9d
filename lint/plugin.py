"""One plugin: its manifest, the declaration YAML reached from it, and its Python sources.

Everything is read lazily and at most once; rules share what earlier rules caused to be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

from .diagnostics import Span
from .files import MAX_PYTHON_BYTES, MAX_YAML_BYTES, ReadProblem, Resolved, TextFile, read_text, resolve_inside
from .pymodule import PyModule
from .yamldoc import PathItem, YamlDoc

MANIFEST = "manifest.yaml"

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

#: declaration kind -> the SDK base class its `extra.python.source` must subclass exactly once
SOURCE_BASES: dict[str, str] = {
    "tool_provider": "ToolProvider",
    "tool": "Tool",
    "endpoint": "Endpoint",
    "agent_strategy": "AgentStrategy",
    "datasource_provider": "DatasourceProvider",
    "trigger_provider": "Trigger",
    "trigger_event": "Event",
}

DATASOURCE_BASES = {
    "online_document": "OnlineDocumentDatasource",
    "website_crawl": "WebsiteCrawlDatasource",
    "online_drive": "OnlineDriveDatasource",
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
    kind: str
    doc: YamlDoc
    parent: "Declaration | None" = None
    via: Reference | None = None
    children: list["Declaration"] = field(default_factory=list)


class Plugin:
    def __init__(self, root: Path, display: str, unsaved: dict[str, str] | None = None):
        self.root = root
        self.display = display  # the root as the user should see it
        #: editor buffers not yet saved, by relative path: read instead of the file on disk
        self.unsaved = unsaved or {}
        self.read_problems: dict[str, ReadProblem] = {}
        self._yaml: dict[str, YamlDoc | None] = {}
        self._python: dict[str, PyModule | None] = {}
        self._schema_issues: dict[tuple[str, str], list] = {}

    # -- reading ---------------------------------------------------------------------------

    def display_path(self, relative: str) -> str:
        if self.display in ("", "."):
            return relative
        return f"{self.display.rstrip('/')}/{relative}"

    def yaml(self, relative: str) -> YamlDoc | None:
        """The parsed YAML file at `relative` (inside the root), or None if it cannot be read."""
        if relative not in self._yaml:
            loaded = self._read(relative, MAX_YAML_BYTES, python=False)
            if loaded.problem:
                self.read_problems[relative] = loaded.problem
                self._yaml[relative] = None
            else:
                self._yaml[relative] = YamlDoc.parse(relative, loaded.text or "")
        return self._yaml[relative]

    def python(self, relative: str) -> PyModule | None:
        if relative not in self._python:
            loaded = self._read(relative, MAX_PYTHON_BYTES, python=True)
            if loaded.problem:
                self.read_problems[relative] = loaded.problem
                self._python[relative] = None
            else:
                self._python[relative] = PyModule(relative, loaded.text or "")
        return self._python[relative]

    def _read(self, relative: str, limit: int, *, python: bool) -> TextFile:
        if relative in self.unsaved:
            return TextFile(self.unsaved[relative])
        return read_text(self.root / relative, limit, python=python)

    def loaded_yaml(self) -> Iterator[YamlDoc]:
        return (doc for doc in self._yaml.values() if doc is not None)

    def loaded_python(self) -> Iterator[PyModule]:
        return (module for module in self._python.values() if module is not None)

    def resolve(self, written: str) -> Resolved:
        return resolve_inside(self.root, written)

    # -- the declaration graph -------------------------------------------------------------

    @cached_property
    def manifest(self) -> YamlDoc | None:
        return self.yaml(MANIFEST)

    @property
    def is_bundle(self) -> bool:
        """A `type: bundle` manifest describes a bundle of plugins, not a plugin: it is not linted."""
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
                child = Declaration(reference.kind, doc, declaration, reference)
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

    def schema_issues(self, declaration: Declaration) -> list:
        """The declaration's JSON Schema issues, computed once and shared by the rules."""
        from . import schema  # jsonschema is imported only when a schema rule runs

        key = (declaration.kind, declaration.doc.path)
        if key not in self._schema_issues:
            doc = declaration.doc
            if not doc.usable or not schema.has_schema(declaration.kind):
                self._schema_issues[key] = []
            else:
                self._schema_issues[key] = schema.check(doc, declaration.kind, KIND_LABELS[declaration.kind])
        return self._schema_issues[key]

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
        if pattern.relative is None or not pattern.written.strip():
            return []
        try:
            matches = sorted(self.root.glob(pattern.relative))
        except (ValueError, OSError, NotImplementedError, IndexError):  # patterns pathlib refuses
            return []
        found = []
        for match in matches:
            relative = match.relative_to(self.root).as_posix()
            resolved = self.resolve(relative)
            if resolved.problem is None and relative != "." and (match.is_file() or not files_only):
                found.append(relative)
        return found

    def entrypoint_path(self) -> str | None:
        """The module file `meta.runner.entrypoint` names (`main` -> main.py), if it is well formed."""
        manifest = self.manifest
        entry = manifest.get("meta", "runner", "entrypoint") if manifest is not None else None
        if not isinstance(entry, str) or not entry or not all(part.isidentifier() for part in entry.split(".")):
            return None
        return entry.replace(".", "/") + ".py"

    def source_modules(self) -> list[PyModule]:
        """The Python files Dify imports: every referenced source and the entrypoint."""
        paths = [
            r.target.relative
            for r in self.references
            if r.role == "source" and r.target.is_file and (r.target.relative or "").endswith(".py")
        ]
        entry = self.entrypoint_path()
        if entry and (self.root / entry).is_file():
            paths.append(entry)
        modules = []
        for relative in dict.fromkeys(p for p in paths if p):
            module = self.python(relative)
            if module is not None:
                modules.append(module)
        return modules

    def load_all(self) -> None:
        """Read and parse everything Dify would: the rules about files report what this finds."""
        for module in self.source_modules():
            module.syntax_error  # noqa: B018 - parsing is the point

    def release(self) -> None:
        """Drop everything read and parsed, once the plugin's diagnostics are made."""
        self._yaml.clear()
        self._python.clear()
        self._schema_issues.clear()
        for name in ("manifest", "_graph", "all_files"):
            self.__dict__.pop(name, None)

    def text_of(self, relative: str) -> str | None:
        """The text of a file this run already read (for code frames and suppressions)."""
        doc = self._yaml.get(relative)
        if doc is not None:
            return doc.text
        module = self._python.get(relative)
        return module.text if module is not None else None

    # -- the plugin's own file list --------------------------------------------------------

    @cached_property
    def all_files(self) -> list[str]:
        """Every file under the root, "/" separated, without VCS and environment folders."""
        found: list[str] = []
        for directory, subdirs, files in os.walk(self.root, followlinks=False):
            subdirs[:] = sorted(d for d in subdirs if not is_skipped_dir(d))
            base = Path(directory).relative_to(self.root).as_posix()
            for name in sorted(files):
                found.append(name if base == "." else f"{base}/{name}")
        return found


SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".idea", ".vscode"}


def is_skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name == ".venv" or name.startswith("venv") or name.startswith(".venv")


def _strings(value: object) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item
