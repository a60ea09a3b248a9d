"""What the language server knows between requests: the editor's unsaved buffers, the plugin that
owns each file, and per plugin the parsed Python modules and their module analyses, kept by
content so that a lint after an edit parses and analyses only the file that changed.

Nothing here speaks the protocol, and nothing is written to disk: a lint reads the plugin through
an `OverlayFS` (the buffers laid over the files on disk) and returns its findings by file.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..config import CommandLine, Config, ConfigError, find_config, load_config, resolve_settings
from ..diagnostics import Diagnostic
from ..engine import lint_plugin, no_cyclic_gc
from ..model.plugin import MANIFEST, Plugin
from ..model.yamldoc import DocumentCache
from ..python.module import ModuleCache
from ..registry import UnknownSelector, check_selectors, select_rules
from ..source.files import MAX_YAML_BYTES, read_text
from ..source.fs import DiskFS, OverlayFS, PluginFS
from .positions import DocumentPositions

#: Python modules, and YAML documents, kept per plugin: more than the largest plugin holds, so
#: none is dropped in the middle of a lint.
FILES_KEPT = 4096
#: Plugins whose modules are kept at once (the least recently linted is dropped first).
PLUGINS_KEPT = 8


@dataclass
class Outcome:
    """The findings of one lint of one plugin, by the absolute path of the file each lies in, and
    how positions are counted in each file they mention."""

    root: str
    by_path: dict[str, list[Diagnostic]] = field(default_factory=dict)
    positions: dict[str, DocumentPositions | None] = field(default_factory=dict)
    problem: str = ""  # why the configuration was not used, if it was not


class Workspace:
    def __init__(self, files_kept: int = FILES_KEPT, plugins_kept: int = PLUGINS_KEPT):
        #: absolute path -> the text of an open document, saved or not
        self.buffers: dict[str, str] = {}
        self._caches: OrderedDict[str, tuple[ModuleCache, DocumentCache]] = OrderedDict()
        self._caches_lock = threading.Lock()  # lints run in a worker thread; `forget` is called from another
        self._files_kept = files_kept
        self._plugins_kept = plugins_kept
        #: root -> the files last given findings (to clear those that no longer have any)
        self._published: dict[str, set[str]] = {}
        #: the position encoding agreed with the client
        self.encoding = "utf-16"

    # -- documents -------------------------------------------------------------------------

    def open(self, path: str, text: str) -> None:
        self.buffers[_normal(path)] = text

    def close(self, path: str) -> None:
        self.buffers.pop(_normal(path), None)

    def root_of(self, path: str) -> str | None:
        """The nearest folder at or above the file that holds a manifest, on disk or in a buffer."""
        path = _normal(path)
        folder = os.path.dirname(path)
        while True:
            manifest = os.path.join(folder, MANIFEST)
            if manifest in self.buffers or os.path.isfile(manifest):
                return folder
            parent = os.path.dirname(folder)
            if parent == folder:
                return None
            folder = parent

    def snapshot(self, root: str) -> dict[str, str]:
        """The buffers inside `root`, by path relative to it (taken before a lint starts, so that
        edits arriving meanwhile do not change what it reads)."""
        prefix = root.rstrip(os.sep) + os.sep
        return {
            os.path.relpath(path, root).replace(os.sep, "/"): text
            for path, text in self.buffers.items()
            if path.startswith(prefix)
        }

    # -- linting ---------------------------------------------------------------------------

    def lint(self, root: str, buffers: Mapping[str, str]) -> Outcome:
        """Lint the plugin at `root` with `buffers` (relative path -> text) over its files."""
        outcome = Outcome(root)
        config, rules, outcome.problem = _settings(root)
        fs: PluginFS = DiskFS(root)
        if buffers:
            fs = OverlayFS(fs, {path: text.encode("utf-8") for path, text in buffers.items()})
        modules, documents = self._caches_of(root)
        plugin = Plugin(fs, root, modules=modules, documents=documents)
        with no_cyclic_gc():
            found = lint_plugin(plugin, rules, config)
        for diagnostic in found:
            path = os.path.join(root, MANIFEST) if diagnostic.path == root else diagnostic.path
            outcome.by_path.setdefault(path, []).append(diagnostic)
            for where in (path, *(related.path for related in diagnostic.related)):
                if where not in outcome.positions:
                    outcome.positions[where] = _positions(fs, root, where, self.encoding)
        return outcome

    def publication(self, outcome: Outcome) -> dict[str, list[Diagnostic]]:
        """What to publish for a lint about to be shown: its findings by file, and an empty list
        for each file that had findings from the plugin before and has none now."""
        before = self._published.get(outcome.root, set())
        now = {path for path, found in outcome.by_path.items() if found}
        self._published[outcome.root] = now
        shown = {path: outcome.by_path[path] for path in sorted(now)}
        shown.update({path: [] for path in sorted(before - now)})
        return shown

    def roots(self) -> list[str]:
        """The plugins that have findings shown."""
        return list(self._published)

    def positions_of(self, path: str) -> DocumentPositions | None:
        """How positions are counted in a file now: its buffer, or what is on disk."""
        path = _normal(path)
        if path in self.buffers:
            return DocumentPositions(self.buffers[path], path, self.encoding)
        root = self.root_of(path)
        return _positions(DiskFS(root), root, path, self.encoding) if root is not None else None

    def forget(self, root: str) -> list[str]:
        """Drop what is kept for a plugin (gone from disk); the files to clear."""
        with self._caches_lock:
            self._caches.pop(root, None)
        return sorted(self._published.pop(root, set()))

    def _caches_of(self, root: str) -> tuple[ModuleCache, DocumentCache]:
        with self._caches_lock:
            caches = self._caches.get(root)
            if caches is None:
                caches = self._caches[root] = (ModuleCache(self._files_kept), DocumentCache(self._files_kept))
                while len(self._caches) > self._plugins_kept:
                    self._caches.popitem(last=False)
            self._caches.move_to_end(root)
            return caches


def _normal(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _settings(root: str) -> tuple[Config, tuple, str]:
    """The configuration and rules for a plugin, as `dify-lint check` would find them from its
    root; the defaults, and why, when the configuration is broken."""
    try:
        config = load_config(find_config(Path(root)))
        settings = resolve_settings(config, CommandLine())
        check_selectors(settings.select + settings.ignore)
        for codes in config.per_file_ignores.values():
            check_selectors(codes)
        return config, select_rules(settings.select, settings.ignore), ""
    except (ConfigError, UnknownSelector) as error:
        return Config(), select_rules(None, None), f"dify-lint: the configuration is not used: {error}"


def _positions(fs: PluginFS, root: str, path: str, encoding: str) -> DocumentPositions | None:
    """How positions are counted in one of the plugin's files: over its text, decoded as the
    linter decodes it; None when it is not a text file (a folder, an image)."""
    relative = os.path.relpath(path, root).replace(os.sep, "/")
    if relative.startswith("../") or relative == "..":
        return None
    loaded = read_text(fs, relative, MAX_YAML_BYTES, python=relative.endswith(".py"))
    return DocumentPositions(loaded.text, relative, encoding) if loaded.text is not None else None
