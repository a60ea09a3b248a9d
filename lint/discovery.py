"""From the paths a user gives to the plugin roots that own them.

A plugin root is a directory holding manifest.yaml. A file or folder inside a plugin lints that
plugin; a folder above plugins is searched for them, skipping VCS and environment folders.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Iterable

from .model.plugin import MANIFEST, Plugin, is_skipped_dir
from .source.fs import DiskFS


class PathNotFound(ValueError):
    pass


def find_plugin_roots(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[Plugin]:
    exclude = list(exclude)
    roots: dict[Path, str] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise PathNotFound(f"{given}: no such file or directory")
        owner = _owning_root(path)
        if owner is not None:
            roots.setdefault(owner.resolve(), _display(owner))
            continue
        if path.is_dir():
            for root in _search(path, exclude):
                roots.setdefault(root.resolve(), _display(root))
    return [
        Plugin(DiskFS(resolved), display)
        for resolved, display in sorted(roots.items(), key=lambda item: item[1])
        if not _excluded(display, exclude)
    ]


def _owning_root(path: Path) -> Path | None:
    """The nearest directory at or above `path` that holds a manifest."""
    start = path if path.is_dir() else path.parent
    absolute = start.absolute()
    for folder in (absolute, *absolute.parents):
        if (folder / MANIFEST).is_file():
            return _relative_if_possible(folder)
    return None


def _search(top: Path, exclude: list[str]) -> Iterable[Path]:
    for directory, subdirs, files in os.walk(top):
        folder = Path(directory)
        if MANIFEST in files and (folder / MANIFEST).is_file():
            subdirs[:] = []  # a plugin's own subfolders belong to it
            yield folder
            continue
        subdirs[:] = sorted(d for d in subdirs if not is_skipped_dir(d) and not _excluded(_display(folder / d), exclude))


def _relative_if_possible(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _display(path: Path) -> str:
    shown = _relative_if_possible(path.absolute()) if path.is_absolute() else path
    text = shown.as_posix()
    return "." if text in ("", ".") else text.removeprefix("./")


def _excluded(display: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(display, p) or fnmatch.fnmatch(Path(display).name, p) for p in patterns)
