"""What `dify plugin package` and the SDK's start-up find on disk: exact-case file lookups (Dify
runs on Linux; a Mac finds `Icon.svg` for `icon.svg`), `_assets/`, the ignore file and what the
package would hold, the source each reference really loads, and the plugin modules they import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

from ..model.plugin import Plugin, Reference
from ..python.symbols import Resolver
from ..source.fs import Entry, Kind
from ..source.ignorefile import IgnoreFile

ASSETS = "_assets"
IGNORE_FILES = (".difyignore", ".gitignore")


def listing(plugin: Plugin, folder: str) -> dict[str, bool] | None:
    """Names in a folder inside the root -> is a folder; None if it is no folder."""
    entries = plugin.listdir(folder)
    return None if entries is None else {n: e.kind is Kind.DIR for n, e in entries.items()}


def exact(plugin: Plugin, relative: str) -> tuple[bool, str | None]:
    """(exists with exactly this spelling, a path differing only in case if there is one)."""
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    folder, fixed, is_exact = "", [], True
    for part in parts:
        names = plugin.listdir(folder)
        if names is None:
            return False, None
        if part in names:
            chosen = part
        else:
            is_exact = False
            matches = [n for n in names if n.lower() == part.lower()]
            if not matches:
                return False, None
            chosen = matches[0]
        fixed.append(chosen)
        folder = "/".join(fixed)
    return is_exact, (None if is_exact else "/".join(fixed))


def leaves_the_root(plugin: Plugin, relative: str) -> bool:
    """Whether the path is a symbolic link that leads outside the plugin (never followed)."""
    return plugin.kind(relative) is Kind.OUTSIDE


def has_assets_dir(plugin: Plugin) -> bool:
    names = listing(plugin, "")
    return bool(names and names.get(ASSETS))


def assets(plugin: Plugin) -> set[str]:
    """Every file under `_assets/` by its name relative to it, as the daemon's asset map."""
    if not has_assets_dir(plugin):
        return set()
    return {path[len(ASSETS) + 1 :] for path in plugin.fs.walk(start=ASSETS)}


def ignore_file(plugin: Plugin) -> IgnoreFile | None:
    """`.difyignore`, or `.gitignore` when there is none, as the daemon reads it. A package has
    none that counts: packaging applied it already, and installing reads none."""
    if plugin.is_package:
        return None
    for name in IGNORE_FILES:
        text = plugin.text(name)
        if text is None:  # missing, or a folder: the daemon falls back / reads nothing
            continue
        return IgnoreFile(name, text)
    return None


def _packaged_entries(plugin: Plugin, ignore: IgnoreFile | None, start: str = "") -> Iterator[tuple[str, Entry]]:
    """(path, entry) of each non-folder the daemon's packaging walk reads, under `start`.

    The walk (Go's WalkDir) does not enter a symbolic link; the packager then reads every entry
    it met with os.ReadFile, which follows links: a link is packaged as a copy of its target."""
    fs = plugin.fs
    pending = [start]
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
            if ignore is not None and ignore.match(relative, False) is not None:
                continue
            yield relative, entry


def packaged_files(plugin: Plugin, ignore: IgnoreFile | None) -> list[tuple[str, int]]:
    """(path, size) of each file the daemon's packaging walk keeps, largest first."""
    found = [(relative, plugin.fs.size(relative)) for relative, _ in _packaged_entries(plugin, ignore)]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found


@dataclass(frozen=True)
class VirtualEnv:
    """A Python virtual environment at the plugin root that packaging would take in."""

    folder: str
    files: int
    size: int
    #: links to folders (`lib64 -> lib`): the packager reads them as files and stops
    folder_links: tuple[str, ...] = ()
    #: links leading out of the plugin (`bin/python3.12 -> /usr/bin/python3.12`) or nowhere
    outside_links: tuple[str, ...] = ()
    dangling_links: tuple[str, ...] = ()


def looks_like_venv(plugin: Plugin, name: str) -> bool:
    """A root folder named like a virtual environment, or holding the `pyvenv.cfg` every one has."""
    return name.startswith(("venv", ".venv")) or plugin.is_file(f"{name}/pyvenv.cfg")


def virtual_environments(plugin: Plugin, ignore: IgnoreFile | None) -> list[VirtualEnv]:
    """Each virtual environment folder at the root the ignore file does not exclude, with its links."""
    found = []
    for name, entry in sorted((plugin.listdir("") or {}).items()):
        if entry.kind is not Kind.DIR or entry.link or not looks_like_venv(plugin, name):
            continue
        if ignore is not None and ignore.excluded_by(name, True) is not None:
            continue
        files = size = 0
        folders, outside, dangling = [], [], []
        for relative, inner in _packaged_entries(plugin, ignore, name):
            files += 1
            size += plugin.fs.size(relative)
            if inner.link and inner.kind is Kind.DIR:
                folders.append(relative)
            elif inner.link and inner.kind is Kind.OUTSIDE:
                outside.append(relative)
            elif inner.link and inner.kind in (Kind.MISSING, Kind.BROKEN):
                dangling.append(relative)
        found.append(VirtualEnv(name, files, size, tuple(folders), tuple(outside), tuple(dangling)))
    return found


def loaded_source(plugin: Plugin, reference: Reference) -> str | None:
    """The .py file the SDK imports for a source reference, if any.

    The SDK turns the path into a module name (`tools/search.yaml` -> `tools.search`) and asks the
    import system for that module first, so `tools/search.py` is what runs whenever it exists.
    """
    relative = reference.target.relative
    if reference.role != "source" or reference.target.problem or not relative:
        return None
    try:
        sibling = PurePosixPath(relative).with_suffix("").as_posix() + ".py"
    except ValueError:  # "." or a name the path cannot take a suffix off
        return None
    if exact(plugin, sibling)[0] and plugin.is_file(sibling):
        return sibling
    return None


def imported_closure(resolver: Resolver, starts: list[str]) -> dict[str, set[str]]:
    """The plugin modules the given sources import, directly or through each other:
    module -> the files (of the closure) importing it."""
    found: dict[str, set[str]] = {}
    pending = list(starts)
    seen = set(starts)
    while pending:
        path = pending.pop(0)
        for module in sorted(resolver.imported_modules(path)):
            found.setdefault(module, set()).add(path)
            if module not in seen:
                seen.add(module)
                pending.append(module)
    return found
