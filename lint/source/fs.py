"""The plugin's files, read only through here: a folder on disk (`DiskFS`), the same folder with
an editor's unsaved buffers laid over it (`OverlayFS`), or a zipped package in memory (`ZipFS`).

Paths are "/"-separated and relative to the plugin root. Whatever the backing store, the promises
are the same:

* only regular files are opened: a FIFO, a device or a socket behind a plugin file's name is
  reported, never opened (a FIFO blocks its reader; `/dev/zero` never ends);
* nothing outside the root is opened, listed or walked: a symbolic link that leaves the root is
  reported as such (it could lead to `/etc/passwd` or `/proc/self/environ`, which would end up in
  a CI log), and `..` or an absolute path never reaches the disk;
* the size cap is checked before reading, and reading stops at the cap if the file grows;
* walks and globs never follow links, and stop after a bounded number of entries.
"""

from __future__ import annotations

import enum
import errno
import fnmatch
import hashlib
import io
import os
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple

#: Entries a walk or a glob visits at the most (the official plugins hold a few hundred each).
MAX_ENTRIES = 200_000


class Kind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    MISSING = "missing"
    OUTSIDE = "outside"  # a symbolic link leading out of the root
    SPECIAL = "special"  # a FIFO, a device, a socket, or a link inside a zip
    BROKEN = "broken"  # cannot be resolved: a link loop, no permission


class Entry(NamedTuple):
    kind: Kind
    link: bool  # a symbolic link (walks and `**` do not descend into linked folders)


class ReadFailure(Exception):
    """Why a file could not be read. `limit`: it is over the size cap (as opposed to unreadable)."""

    def __init__(self, message: str, limit: bool = False):
        super().__init__(message)
        self.message = message
        self.limit = limit

    def __reduce__(self):  # to a worker process with `limit`
        return (type(self), (self.message, self.limit))


def too_large(size: int, limit: int) -> ReadFailure:
    return ReadFailure(f"file is {size / 1048576:.1f} MiB; files over {limit / 1048576:.0f} MiB are not parsed", limit=True)


_KIND_WORDS = {
    Kind.OUTSIDE: "is a symbolic link that points outside the plugin root; it was not read",
    Kind.SPECIAL: "is not a regular file (a FIFO, a device, a socket or a link); only regular files are read",
    Kind.MISSING: "cannot read file: No such file or directory",
    Kind.DIR: "cannot read file: Is a directory",
    Kind.BROKEN: "cannot read file: it cannot be resolved (a link loop, or no permission)",
}


@dataclass(frozen=True)
class Resolved:
    """A path written in a plugin's YAML, checked against the plugin root."""

    written: str
    relative: str | None  # normalised, "/" separated, when inside the root
    kind: Kind = Kind.MISSING
    problem: str | None = None  # why it may not be read

    @property
    def exists(self) -> bool:
        return self.kind in (Kind.FILE, Kind.DIR, Kind.SPECIAL)

    @property
    def is_file(self) -> bool:
        return self.kind is Kind.FILE

    @property
    def unresolvable(self) -> bool:
        """There is something by this name, but it cannot be looked at (a link loop, no permission)."""
        return self.kind is Kind.BROKEN


def normalise(written: str) -> tuple[str | None, str | None]:
    """(the path relative to the root, or None; why it is refused, or None)."""
    text = written.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None, "is an absolute path; paths in a plugin are relative to its root"
    if "\x00" in text:
        return None, "holds a NUL character"
    relative = posixpath.normpath(text)
    if relative == ".." or relative.startswith("../"):
        return None, "points outside the plugin root"
    return relative, None


class PluginFS:
    """A read-only view of one plugin's files."""

    #: how the plugin's files are named for people (a folder, or an archive)
    label: str = ""
    #: a package: what `dify plugin package` made, so ignore files were applied already
    packaged: bool = False
    #: a package that could not be opened at all, and why
    failure: "ReadFailure | None" = None
    #: package members never read (named out of the root, or links), by name as stored
    refused: "Mapping[str, Refusal]" = MappingProxyType({})

    def entry(self, relative: str) -> Entry:  # pragma: no cover - abstract
        raise NotImplementedError

    def kind(self, relative: str) -> Kind:
        return self.entry(relative).kind

    def read(self, relative: str, limit: int) -> bytes:
        """The bytes of a regular file inside the root, at most `limit` of them; raises ReadFailure."""
        raise NotImplementedError  # pragma: no cover - abstract

    def listdir(self, relative: str) -> dict[str, Entry] | None:
        """The entries of a folder inside the root, or None when it is not one (shared between
        callers: not to be modified)."""
        raise NotImplementedError  # pragma: no cover - abstract

    # -- derived, the same for every store ---------------------------------------------------

    def resolve(self, written: str) -> Resolved:
        relative, problem = normalise(written)
        if relative is None:
            return Resolved(written, None, Kind.MISSING, problem)
        kind = self.kind(relative)
        if kind is Kind.OUTSIDE:
            return Resolved(written, None, kind, "is a symbolic link that points outside the plugin root")
        return Resolved(written, relative, kind)

    def size(self, relative: str) -> int:
        """The size of a regular file inside the root, 0 for anything else."""
        raise NotImplementedError  # pragma: no cover - abstract

    def source_bytes(self, suffixes: tuple[str, ...], skip_dir: Callable[[str], bool] = lambda name: False) -> int:
        """The bytes of the files whose names end in `suffixes`: how much there is to parse, a cheap
        measure to start the largest plugins first."""
        return sum(self.size(relative) for relative in self.walk(skip_dir) if relative.endswith(suffixes))

    def walk(self, skip_dir: Callable[[str], bool] = lambda name: False, start: str = "") -> list[str]:
        """Every non-folder entry under `start` (the root by default), sorted folder by folder,
        without entering linked folders or the folders `skip_dir` names."""
        found: list[str] = []
        for relative, entry in self.walk_entries(skip_dir, start):
            if entry.kind is not Kind.DIR:
                found.append(relative)
        return found

    def walk_entries(self, skip_dir: Callable[[str], bool] = lambda name: False, start: str = "") -> Iterator[tuple[str, Entry]]:
        """(path, entry) of everything under `start`, depth first, names sorted; a linked folder
        is yielded but not entered."""
        pending = [start]
        visited = 0
        while pending:
            folder = pending.pop()
            names = self.listdir(folder)
            if names is None:
                continue
            subfolders = []
            for name in sorted(names):
                entry = names[name]
                relative = f"{folder}/{name}" if folder else name
                visited += 1
                if visited > MAX_ENTRIES:
                    return
                if entry.kind is Kind.DIR and not entry.link:
                    if not skip_dir(name):
                        subfolders.append(relative)
                        yield relative, entry
                    continue
                yield relative, entry
            pending.extend(reversed(subfolders))

    def glob(self, pattern: str) -> list[str]:
        """Paths inside the root matching a glob (`*`, `?`, `[...]`, `**` for any folders), sorted.

        Like pathlib's glob: a wildcard matches names starting with a dot too, `**` does not
        enter linked folders, and a pattern ending in `**` gives folders."""
        parts = [p for p in pattern.split("/") if p not in ("", ".")]
        collapsed: list[str] = []
        for part in parts:
            if not (part == "**" and collapsed and collapsed[-1] == "**"):
                collapsed.append(part)
        if not collapsed:
            return []
        found: set[str] = set()
        pending: list[tuple[str, int]] = [("", 0)]
        seen: set[tuple[str, int]] = set()
        visited = 0
        while pending:
            folder, index = pending.pop()
            if (folder, index) in seen:
                continue
            seen.add((folder, index))
            if index == len(collapsed):
                if folder:
                    found.add(folder)
                continue
            part = collapsed[index]
            names = self.listdir(folder)
            if names is None:
                continue
            visited += len(names)
            if visited > MAX_ENTRIES:
                break
            if part == "**":
                pending.append((folder, index + 1))
                for name, entry in names.items():
                    if entry.kind is Kind.DIR and not entry.link:
                        pending.append((f"{folder}/{name}" if folder else name, index))
                continue
            last = index == len(collapsed) - 1
            for name, entry in names.items():
                if not fnmatch.fnmatchcase(name, part):
                    continue
                relative = f"{folder}/{name}" if folder else name
                if last:
                    if entry.kind in (Kind.FILE, Kind.DIR, Kind.SPECIAL):
                        found.add(relative)
                elif entry.kind is Kind.DIR:
                    pending.append((relative, index + 1))
        return sorted(found)


class Stamp(NamedTuple):
    mode: int
    size: int
    mtime_ns: int


def digest(data: bytes) -> str:
    """A file's content, as a result cache compares it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class DiskFS(PluginFS):
    """A plugin folder on disk."""

    def __init__(self, root: str | os.PathLike, hidden: Iterable[str] = ()):
        """`hidden`: folders (real paths) that are not part of the plugin even when inside it:
        dify-lint's own result cache, so that findings never depend on whether it exists."""
        self.root = Path(root)
        self.label = str(root)
        self._root_real = os.path.realpath(root)
        self._entries: dict[str, Entry] = {}
        #: where entries met in a listing, with no link on the way from the root, are: resolving
        #: them again would cost a system call per folder above them (a square in a deep tree)
        self._plain: dict[str, str] = {}
        #: the real path of each folder found, to look at what is inside without resolving again
        self._real_dirs: dict[str, str] = {}
        #: each folder listed, as listed first: a lint is of one moment of the folder, and the
        #: exact-case lookups list the same folders thousands of times over a plugin
        self._listings: dict[str, dict[str, Entry] | None] = {}
        self.hidden = frozenset(hidden)
        self._hidden_names: dict[str, set[str]] = {}
        for path in self.hidden:
            parent, _, name = path.rpartition(os.sep)
            self._hidden_names.setdefault(parent or os.sep, set()).add(name)

    def __getstate__(self) -> dict:  # sent to worker processes without what it has looked up
        return {"root": self.root, "hidden": self.hidden}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["root"], state.get("hidden", ()))

    def _real(self, relative: str) -> str:
        if relative in ("", "."):
            return self._root_real
        known = self._plain.get(relative)
        if known is not None:
            return known
        return os.path.realpath(os.path.join(self._root_real, *relative.split("/")))

    def _joined(self, relative: str) -> str:
        """The path on disk of a path of the plugin, links not resolved."""
        return self._root_real + os.sep + (relative if os.sep == "/" else relative.replace("/", os.sep))

    def _inside(self, real: str) -> bool:
        return real == self._root_real or real.startswith(self._root_real.rstrip(os.sep) + os.sep)

    def entry(self, relative: str) -> Entry:
        found = self._entries.get(relative)
        if found is not None:
            return found
        normal, problem = normalise(relative)
        if normal is None or problem:
            found = Entry(Kind.OUTSIDE if problem and "outside" in problem else Kind.MISSING, False)
        else:
            found = self._entry_in_known_folder(normal) or self._resolved_entry(normal)
        self._entries[relative] = found
        return found

    def _resolved_entry(self, normal: str) -> Entry:
        """The entry of a path, its links resolved and checked against the root."""
        path = os.path.join(self._root_real, *normal.split("/")) if normal != "." else self._root_real
        link = os.path.islink(path)
        real = self._real(normal)
        if not self._inside(real):
            return Entry(Kind.OUTSIDE, link)
        if self._hidden(real):
            return Entry(Kind.MISSING, False)
        found = Entry(_stat_kind(real), link)
        if found.kind is Kind.DIR:
            self._real_dirs[normal] = real
        return found

    def _entry_in_known_folder(self, normal: str) -> Entry | None:
        """The entry of a path that is not a link, in a folder already known to lie inside the
        root: one `lstat`, no resolving (most entries are such). None: resolve it."""
        parent, _, name = normal.rpartition("/")
        if normal == "." or self.entry(parent).kind is not Kind.DIR:
            return None
        folder = self._real_dirs.get(parent or ".") if parent else self._root_real
        if folder is None:
            return None
        real = os.path.join(folder, name)
        try:
            mode = os.lstat(real).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return Entry(Kind.MISSING, False)
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
        if self._hidden(real):
            return Entry(Kind.MISSING, False)
        if stat.S_ISDIR(mode):
            self._real_dirs[normal] = real
            return Entry(Kind.DIR, False)
        return Entry(Kind.FILE if stat.S_ISREG(mode) else Kind.SPECIAL, False)

    def _hidden(self, real: str) -> bool:
        return bool(self.hidden) and any(real == folder or real.startswith(folder + os.sep) for folder in self.hidden)

    def read(self, relative: str, limit: int) -> bytes:
        kind = self.kind(relative)
        if kind is not Kind.FILE:
            raise ReadFailure(_KIND_WORDS[kind])
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(self._real(relative), flags)
        except OSError as error:
            raise ReadFailure(f"cannot read file: {error.strerror or error}") from None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):  # replaced since it was looked at
                raise ReadFailure(_KIND_WORDS[Kind.SPECIAL])
            if info.st_size > limit:
                raise too_large(info.st_size, limit)
            chunks = []
            remaining = limit + 1
            while remaining > 0:
                chunk = os.read(descriptor, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError as error:
            raise ReadFailure(f"cannot read file: {error.strerror or error}") from None
        finally:
            os.close(descriptor)
        data = b"".join(chunks)
        if len(data) > limit:  # it grew between fstat and read
            raise ReadFailure("file is too large to parse", limit=True)
        return data

    def size(self, relative: str) -> int:
        if self.kind(relative) is not Kind.FILE:
            return 0
        try:  # a regular file inside the root (`kind` checked where its links lead): no need to resolve them again
            return os.stat(self._joined(relative)).st_size
        except OSError:
            return 0

    def source_bytes(self, suffixes: tuple[str, ...], skip_dir: Callable[[str], bool] = lambda name: False) -> int:
        # straight from the directory entries: no path is resolved, no link followed
        total, pending, visited = 0, [self._root_real], 0
        while pending and visited <= MAX_ENTRIES:
            try:
                with os.scandir(pending.pop()) as scanned:
                    for entry in scanned:
                        visited += 1
                        if entry.is_dir(follow_symlinks=False):
                            if not skip_dir(entry.name):
                                pending.append(entry.path)
                        elif entry.name.endswith(suffixes) and entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
        return total

    def listdir(self, relative: str) -> dict[str, Entry] | None:
        if relative in self._listings:
            return self._listings[relative]
        found = self._listings[relative] = self._list(relative)
        return found

    def _list(self, relative: str) -> dict[str, Entry] | None:
        if self.kind(relative) is not Kind.DIR:
            return None
        folder = self._real(relative)
        try:
            with os.scandir(folder) as scanned:
                raw = [(e.name, e.is_symlink(), _dirent_kind(e)) for e in scanned]
        except OSError:
            return None
        entries: dict[str, Entry] = {}
        if self._hidden_names:
            hidden = self._hidden_names.get(folder, ())
            raw = [item for item in raw if item[0] not in hidden]
        for name, link, kind in raw:
            child = f"{relative}/{name}" if relative not in ("", ".") else name
            if link:
                entries[name] = self.entry(child)  # where the link leads, checked against the root
            else:
                entries[name] = self._entries.setdefault(child, Entry(kind, False))
                self._plain.setdefault(child, os.path.join(folder, name))
                if kind is Kind.DIR:
                    self._real_dirs.setdefault(posixpath.normpath(child), os.path.join(folder, name))
        return entries

    def stamp(self, relative: str) -> Stamp | None:
        """What a later run compares to tell whether a file may have changed: its mode, size and
        modification time (links followed; the probes of `entry` see the links themselves)."""
        try:
            info = os.stat(self._joined(relative))
        except (OSError, ValueError):
            return None
        return Stamp(info.st_mode, info.st_size, info.st_mtime_ns)


def _stat_kind(real: str) -> Kind:
    try:
        mode = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return Kind.MISSING
    except OSError as error:
        return Kind.MISSING if error.errno == errno.ENAMETOOLONG else Kind.BROKEN
    if stat.S_ISREG(mode):
        return Kind.FILE
    if stat.S_ISDIR(mode):
        return Kind.DIR
    return Kind.SPECIAL


def _dirent_kind(entry: os.DirEntry) -> Kind:
    try:
        if entry.is_dir(follow_symlinks=False):
            return Kind.DIR
        if entry.is_file(follow_symlinks=False):
            return Kind.FILE
    except OSError:
        return Kind.BROKEN
    return Kind.SPECIAL


class OverlayFS(PluginFS):
    """A plugin with some files replaced (or added) by unsaved editor buffers."""

    def __init__(self, base: PluginFS, buffers: Mapping[str, bytes]):
        self.base = base
        self.label = base.label
        self.packaged = base.packaged
        self.failure = base.failure
        self.refused = base.refused
        self.buffers = {normalise(k)[0] or k: v for k, v in buffers.items()}
        self._folders: set[str] = set()
        for path in self.buffers:
            parts = path.split("/")[:-1]
            for end in range(len(parts)):
                self._folders.add("/".join(parts[: end + 1]))
        self._listings: dict[str, dict[str, Entry] | None] = {}

    def entry(self, relative: str) -> Entry:
        if relative in self.buffers:
            return Entry(Kind.FILE, False)
        found = self.base.entry(relative)
        if found.kind is Kind.MISSING and relative in self._folders:
            return Entry(Kind.DIR, False)
        return found

    def read(self, relative: str, limit: int) -> bytes:
        data = self.buffers.get(relative)
        if data is None:
            return self.base.read(relative, limit)
        if len(data) > limit:
            raise too_large(len(data), limit)
        return data

    def size(self, relative: str) -> int:
        data = self.buffers.get(relative)
        return len(data) if data is not None else self.base.size(relative)

    def listdir(self, relative: str) -> dict[str, Entry] | None:
        if relative not in self._listings:
            self._listings[relative] = self._merged(relative)
        return self._listings[relative]

    def _merged(self, relative: str) -> dict[str, Entry] | None:
        folder = "" if relative in ("", ".") else relative
        entries = self.base.listdir(relative)
        if entries is None and folder and folder not in self._folders:
            return None
        merged = dict(entries or {})
        prefix = folder + "/" if folder else ""
        for path in self.buffers:
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                merged[path[len(prefix) :]] = Entry(Kind.FILE, False)
        for sub in self._folders:
            if sub.startswith(prefix) and "/" not in sub[len(prefix) :] and sub[len(prefix) :] not in merged:
                merged[sub[len(prefix) :]] = Entry(Kind.DIR, False)
        return merged


@dataclass
class Record:
    """Everything one lint learnt from a folder on disk: each entry looked at, each folder listed,
    each size asked for and each file read (with its stamp before the read, and its digest; no
    digest when the read failed). The same answers, asked again, give the same result."""

    probes: dict[str, Entry] = field(default_factory=dict)
    listings: dict[str, "dict[str, Entry] | None"] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    reads: dict[str, "tuple[Stamp | None, str | None]"] = field(default_factory=dict)
    #: a file changed while it was read: what was read matches no stamp
    unstable: bool = False


class RecordingFS(PluginFS):
    """A folder on disk that writes down what was asked of it and what it answered (`record`)."""

    def __init__(self, base: DiskFS):
        self.base = base
        self.label = base.label
        self.record = Record()

    @property
    def root(self) -> Path:
        return self.base.root

    def entry(self, relative: str) -> Entry:
        found = self.base.entry(relative)
        self.record.probes.setdefault(relative, found)
        return found

    def read(self, relative: str, limit: int) -> bytes:
        self.entry(relative)  # what the path is (a file, a link, nothing) matters as much as its bytes
        before = self.base.stamp(relative)
        try:
            data = self.base.read(relative, limit)
        except ReadFailure:
            self.record.reads.setdefault(relative, (before, None))
            raise
        if self.base.stamp(relative) != before:
            self.record.unstable = True
        self.record.reads.setdefault(relative, (before, digest(data)))
        return data

    def size(self, relative: str) -> int:
        self.entry(relative)
        found = self.base.size(relative)
        self.record.sizes.setdefault(relative, found)
        return found

    def listdir(self, relative: str) -> dict[str, Entry] | None:
        found = self.base.listdir(relative)
        if relative not in self.record.listings:
            self.record.listings[relative] = dict(found) if found is not None else None
        return found


def unchanged(fs: DiskFS, record: Record) -> bool:
    """Whether `fs` (a fresh view of the same folder) answers everything `record` holds the same
    way: listings compared name by name, entries and sizes again, and a file whose stamp differs
    only by its modification time read again and compared by digest."""
    if record.unstable:
        return False
    for folder in sorted(record.listings, key=lambda path: (path.count("/"), path)):  # parents first: children come from them
        if fs.listdir(folder) != record.listings[folder]:
            return False
    for relative, entry in record.probes.items():
        if fs.entry(relative) != entry:
            return False
    stamps: dict[str, Stamp | None] = {}  # one stat a file, for its size and its read alike

    def stamp_of(relative: str) -> Stamp | None:
        if relative not in stamps:
            stamps[relative] = fs.stamp(relative)
        return stamps[relative]

    for relative, size in record.sizes.items():
        if fs.kind(relative) is not Kind.FILE:  # `size` gives 0 for anything but a regular file
            now = 0
        else:
            found = stamp_of(relative)
            now = found.size if found is not None and stat.S_ISREG(found.mode) else 0
        if now != size:
            return False
    for relative, (stamp, seen) in record.reads.items():
        now = stamp_of(relative)
        if now == stamp:
            continue
        if now is None or stamp is None or seen is None or (now.mode, now.size) != (stamp.mode, stamp.size):
            return False
        try:
            if digest(fs.read(relative, now.size)) != seen:
                return False
        except ReadFailure:
            return False
    return True


#: Members a package may hold, and bytes it may expand to, before it is refused as a zip bomb.
MAX_MEMBERS = 50_000
MAX_EXPANDED_BYTES = 1 << 30
#: The largest package file read into memory (Dify accepts 50 MB by default).
MAX_PACKAGE_BYTES = 256 << 20


class Refusal(enum.Enum):
    """Why a package member is never read."""

    CLIMBS_OUT = "climbs-out"  # `../x`: it would land outside the plugin when unpacked
    ABSOLUTE = "absolute"  # `/x` or `C:/x`
    LINK = "link"  # a symbolic link stored in the zip: never followed


class ZipFS(PluginFS):
    """A zipped plugin package (`.difypkg`), read in memory; nothing is extracted.

    Members named with `..` or an absolute path are never read, and links stored in the zip are
    never followed: both are listed in `refused`. A package that cannot be opened, or that would
    expand to more than the caps allow (a zip bomb), has no members and `failure` says why; every
    read then fails with it. A member is decompressed only up to the size cap of the read."""

    packaged = True

    def __init__(self, data: bytes, label: str = "<package>"):
        self.label = label
        self.failure: ReadFailure | None = None
        #: member name as stored -> why it is never read
        self.refused: dict[str, Refusal] = {}
        self._data = data
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._folders: set[str] = {""}
        self._links: set[str] = set()
        self._children: dict[str, dict[str, Entry]] | None = None
        declared = _declared_members(data)
        if declared is not None and declared > MAX_MEMBERS:  # refused before its directory is parsed into memory
            self.failure = ReadFailure(
                f"the package declares {declared} members, over the cap of {MAX_MEMBERS} (a zip bomb?); it was not read",
                limit=True,
            )
            return
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self._archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
            self.failure = ReadFailure(
                f"the package is not a zip archive Dify can open ({error}): uploading it fails; it was not read"
            )
            return
        expanded = sum(i.file_size for i in infos)
        if len(infos) > MAX_MEMBERS or expanded > MAX_EXPANDED_BYTES:
            self.failure = ReadFailure(
                f"the package holds {len(infos)} members expanding to {expanded / 1048576:.0f} MiB, over the caps of"
                f" {MAX_MEMBERS} members and {MAX_EXPANDED_BYTES >> 20} MiB (a zip bomb?); it was not read",
                limit=True,
            )
            return
        for info in infos:
            self._add(info)

    @classmethod
    def failed(cls, failure: ReadFailure, label: str) -> "ZipFS":
        """A package that could not even be read from disk: no members, and why."""
        fs = cls(b"", label)
        fs.failure = failure
        return fs

    def _add(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        relative, problem = normalise(name.rstrip("/"))
        if relative is None or problem:
            outside = problem is not None and "outside" in problem
            self.refused[name] = Refusal.CLIMBS_OUT if outside else Refusal.ABSOLUTE
            return
        if relative == ".":
            return  # the root itself, stored as `./`
        parts = relative.split("/")
        for end in range(1, len(parts)):
            self._folders.add("/".join(parts[:end]))
        if info.is_dir():
            self._folders.add(relative)
        elif stat.S_ISLNK(info.external_attr >> 16):
            self._links.add(relative)
            self.refused[name] = Refusal.LINK
        else:
            self._members[relative] = info

    def __getstate__(self) -> dict:  # a worker process gets the bytes and opens them again
        return {"data": self._data, "label": self.label, "failure": self.failure}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["data"], state["label"])
        if state["failure"] is not None:
            self.failure = state["failure"]

    def entry(self, relative: str) -> Entry:
        relative = "" if relative in ("", ".") else relative
        if relative in self._members:
            return Entry(Kind.FILE, False)
        if relative in self._links:
            return Entry(Kind.SPECIAL, True)
        if relative in self._folders:
            return Entry(Kind.DIR, False)
        return Entry(Kind.MISSING, False)

    def read(self, relative: str, limit: int) -> bytes:
        if self.failure is not None:
            raise self.failure
        info = self._members.get(relative)
        if info is None:
            if relative in self._links:
                raise ReadFailure(
                    "is a symbolic link stored in the package; it was not followed, and the daemon unpacks it as a plain"
                    " file holding the link's target path"
                )
            kind = self.kind(relative)
            wrapped = [f"{top}/{relative}" for top in sorted(self._folders) if top and "/" not in top]
            wrapped = [path for path in wrapped if path in self._members]
            if kind is Kind.MISSING and wrapped:
                raise ReadFailure(
                    f"no such file at the package's root, but the package holds `{wrapped[0]}`: it was made from the"
                    " plugin's folder instead of its contents; Dify looks only at the root"
                )
            raise ReadFailure(_KIND_WORDS[kind])
        if info.file_size > limit:
            raise too_large(info.file_size, limit)
        try:
            with self._archive.open(info) as member:
                data = member.read(limit + 1)  # never more, whatever the header claims
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError) as error:
            raise ReadFailure(f"cannot read file from the package: {error}") from None
        if len(data) > limit:
            raise ReadFailure("file is too large to parse", limit=True)
        return data

    def size(self, relative: str) -> int:
        info = self._members.get(relative)
        return info.file_size if info is not None else 0

    def listdir(self, relative: str) -> dict[str, Entry] | None:
        folder = "" if relative in ("", ".") else relative
        if folder not in self._folders:
            return None
        if self._children is None:  # indexed once: a walk then costs one pass over the members
            self._children = {}
            for collection in (self._members, self._links, self._folders):
                for path in collection:
                    if path:
                        parent, _, name = path.rpartition("/")
                        self._children.setdefault(parent, {})[name] = self.entry(path)
        return dict(self._children.get(folder, {}))


def _declared_members(data: bytes) -> int | None:
    """How many members the archive's end record says it holds (None if there is no such record);
    for a zip64 archive, the count its zip64 end record gives."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count != 0xFFFF:
        return count
    locator = end - 20
    if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
        return None
    record = int.from_bytes(data[locator + 8 : locator + 16], "little")
    if data[record : record + 4] != b"PK\x06\x06" or record + 40 > len(data):
        return None
    return int.from_bytes(data[record + 32 : record + 40], "little")


def read_package(path: str | os.PathLike, label: str) -> ZipFS:
    """The package file at `path`, read into memory (a regular file under the cap only)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        return ZipFS.failed(ReadFailure(f"cannot read the package: {error.strerror or error}"), label)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return ZipFS.failed(ReadFailure("the package is not a regular file; it was not read"), label)
        if info.st_size > MAX_PACKAGE_BYTES:
            return ZipFS.failed(
                ReadFailure(
                    f"the package is {info.st_size / 1048576:.0f} MiB, over the {MAX_PACKAGE_BYTES >> 20} MiB dify-lint"
                    " reads (Dify accepts 50 MB by default); it was not read",
                    limit=True,
                ),
                label,
            )
        chunks, remaining = [], MAX_PACKAGE_BYTES + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        return ZipFS.failed(ReadFailure(f"cannot read the package: {error.strerror or error}"), label)
    finally:
        os.close(descriptor)
    if remaining <= 0:  # it grew while being read
        return ZipFS.failed(ReadFailure("the package is too large to read", limit=True), label)
    return ZipFS(b"".join(chunks), label)
