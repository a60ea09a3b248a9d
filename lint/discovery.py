"""From the paths a user gives to the plugin roots that own them.

A plugin root is a directory holding manifest.yaml; a `type: bundle` manifest's root is linted as
a bundle. A file lints the innermost root above it. A folder lints the root that owns it and every
root below it, nested ones included: a root inside another root is a plugin of its own. VCS and
environment folders are skipped by name, and what was skipped is kept for the run's summary.

A `.difypkg` file named on the command line is a plugin of its own, read into memory (folders
are not searched for packages: they are build output beside the sources).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

from .config import Pattern
from .source.fs import DiskFS, PluginFS, read_package
from .source.layout import MANIFEST, PACKAGE_MARK, is_skipped_dir

if TYPE_CHECKING:
    from .model.plugin import Plugin

PACKAGE_SUFFIX = ".difypkg"


class PathNotFound(ValueError):
    pass


class Root(NamedTuple):
    """A plugin found: its files, and how its root is shown."""

    fs: PluginFS
    display: str


@dataclass
class Discovery:
    """The plugin roots found, and what was passed over on the way."""

    roots: list[Root] = field(default_factory=list)
    #: folder name -> how many folders of that name the search skipped (`.git`, `.venv`, ...)
    skipped_dirs: dict[str, int] = field(default_factory=dict)
    #: given files that no plugin root owns (pre-commit passes every changed file)
    outside: list[str] = field(default_factory=list)
    #: plugin roots, and folders not searched, that `exclude` (configuration or command line) leaves out
    excluded: list[str] = field(default_factory=list)

    @cached_property
    def plugins(self) -> list[Plugin]:
        """The roots as plugins, read on demand (a run answered from the cache reads none of them)."""
        from .model.plugin import Plugin

        return [Plugin(root.fs, root.display) for root in self.roots]


def find_plugin_roots(
    paths: Iterable[str], exclude: Iterable[Pattern | str] = (), *, may_be_missing: bool = False
) -> list[Plugin]:
    return discover(paths, exclude, may_be_missing=may_be_missing).plugins


def discover(
    paths: Iterable[str], exclude: Iterable[Pattern | str] = (), *, may_be_missing: bool = False, hidden: Iterable[str] = ()
) -> Discovery:
    """The plugins at `paths`, but those `exclude` matches (a glob given as a string is relative
    to the working directory). `may_be_missing`: a path that does not exist yet (an editor's new,
    unsaved file, perhaps in a new folder) is looked up through the folders above it instead of
    being refused; it is never read as a package. `hidden`: folders no plugin on disk shows (the
    result cache)."""
    cwd = os.path.realpath(os.getcwd())
    exclude = [p if isinstance(p, Pattern) else Pattern(p, cwd) for p in exclude]
    found = Discovery()
    roots: dict[Path, str] = {}
    packages: dict[Path, str] = {}
    excluded: dict[str, None] = {}

    def add(root: Path) -> None:
        display = _display(root)
        if _excluded(display, exclude):
            excluded.setdefault(display)
        else:
            roots.setdefault(root.resolve(), display)

    for given in paths:
        path = Path(given)
        if not path.exists() and not may_be_missing:
            raise PathNotFound(f"{given}: {_why_missing(path)}")
        if not may_be_missing and is_package(path):
            display = _display(path)
            if _excluded(display, exclude):
                excluded.setdefault(display)
            else:
                packages.setdefault(path.resolve(), display)
            continue
        owner = _owning_root(path)
        if owner is not None:
            add(owner)
        if path.is_dir():
            for root in _search(path, exclude, found.skipped_dirs, excluded):
                add(root)
        elif owner is None:
            found.outside.append(_display(path))
    hidden = [os.path.realpath(path) for path in hidden]
    found.roots = [Root(DiskFS(resolved, hidden), display) for resolved, display in roots.items()]
    found.roots += [Root(read_package(resolved, display), display + PACKAGE_MARK) for resolved, display in packages.items()]
    found.roots.sort(key=lambda root: root.display)
    found.excluded = sorted(excluded)
    return found


def is_package(path: Path) -> bool:
    """A `.difypkg` file (not a folder named so)."""
    return path.suffix.lower() == PACKAGE_SUFFIX and not path.is_dir()


def _owning_root(path: Path) -> Path | None:
    """The nearest directory at or above `path` that holds a manifest (the innermost root)."""
    start = path if path.is_dir() else path.parent
    absolute = start.absolute()
    # where the path leads, `..` resolved as the OS does (after links): its owner must hold that
    real = os.path.realpath(start) if ".." in start.parts else None
    for folder in (absolute, *absolute.parents):
        if (folder / MANIFEST).is_file():
            # `a/b/../../c` is not inside `a`, though `a/b/..` and `a` are among its parents as written
            if real is not None and os.path.commonpath([os.path.realpath(folder), real]) != os.path.realpath(folder):
                continue
            return _relative_if_possible(folder)
    return None


def _search(top: Path, exclude: list[Pattern], skipped: dict[str, int], excluded: dict[str, None]) -> Iterator[Path]:
    """Every root at or below `top`; a root's subfolders are searched too, for nested roots.
    Folders skipped by name are counted in `skipped`, those the configuration excludes noted in
    `excluded`."""
    for directory, subdirs, files in _walk(str(top)):
        folder = Path(directory)
        if MANIFEST in files and (folder / MANIFEST).is_file():
            yield folder
        kept = []
        for name in sorted(subdirs):
            if is_skipped_dir(name):
                skipped[name] = skipped.get(name, 0) + 1
            elif exclude and _excluded(_display(folder / name), exclude):  # its display costs more than the walk
                excluded.setdefault(_display(folder / name))
            else:
                kept.append(name)
        subdirs[:] = kept


def _walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top)`, top down, without following links, and without recursion (os.walk recurses
    before Python 3.12, and a tree a thousand folders deep would exhaust the stack); the caller
    may prune the subfolder list as with os.walk."""
    pending = [top]
    while pending:
        directory = pending.pop()
        subdirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    (subdirs if is_dir else files).append(entry.name)
        except OSError:
            continue
        yield directory, subdirs, files
        pending.extend(os.path.join(directory, name) for name in reversed(subdirs))


def _why_missing(path: Path) -> str:
    """Why a path named on the command line cannot be linted: nothing there, or what stops it."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link loop; it leads nowhere"
        if error.errno not in (errno.ENOENT, errno.ENOTDIR) and error.strerror:
            return f"cannot be looked at: {error.strerror}"
    return "no such file or directory"


def _relative_if_possible(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _display(path: Path) -> str:
    shown = _relative_if_possible(path.absolute()) if path.is_absolute() else path
    text = shown.as_posix()
    return "." if text in ("", ".") else text.removeprefix("./")


def _excluded(display: str, patterns: list[Pattern]) -> bool:
    return any(pattern.matches(display) for pattern in patterns)
