"""Which findings belong to the paths a user named.

Cross-file rules always see the whole plugin, so linting one file of it finds problems in its
other files too. What is reported is narrowed to the paths named: a finding located in one of
them, or whose related location is in one of them (a YAML edit that breaks the Python is
reported at the Python, and belongs to the YAML file that caused it). A folder covers everything
under it, a package everything inside it. pre-commit (which passes the changed files), an
editor's `--stdin-filename` and a language server share this one rule.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Collection, Iterable, Sequence

from .diagnostics import Diagnostic

#: Between a package's file name and the path of a member: `dist/echo.difypkg!/tools/echo.yaml`.
_MEMBER = "!/"


def _key(path: str) -> str:
    """A path as a comparable key: absolute, links resolved, "/" separated; a package member
    keeps its path inside the package after the package's own key."""
    package, mark, member = path.partition(_MEMBER)
    if mark and package.lower().endswith(".difypkg"):
        return f"{_key(package)}{_MEMBER}{member.strip('/')}"
    key = os.path.realpath(os.path.abspath(path)).replace(os.sep, "/")
    return key.rstrip("/") or "/"


def _under(key: str, folder: str) -> bool:
    return key == folder or key.startswith(folder.rstrip("/") + "/")


@dataclass(frozen=True)
class Scope:
    """The files and folders (or packages) findings are reported for."""

    files: frozenset[str]
    folders: tuple[str, ...]

    @classmethod
    def of(cls, paths: Iterable[str], *, files: Iterable[str] = ()) -> "Scope":
        """The scope of paths as given on the command line: an existing folder or a `.difypkg`
        covers everything in it, anything else (a file, one not written yet) itself. `files`
        are files whatever is on disk (an editor's buffer)."""
        file_keys, folder_keys = {_key(p) for p in files}, []
        for path in paths:
            if os.path.isdir(path):
                folder_keys.append(_key(path))
            elif path.lower().endswith(".difypkg"):
                folder_keys.append(_key(path) + _MEMBER.rstrip("/"))
            else:
                file_keys.add(_key(path))
        return cls(frozenset(file_keys), tuple(folder_keys))

    def covers_path(self, path: str, _keys: dict[str, str] | None = None) -> bool:
        if _keys is None:
            key = _key(path)
        else:  # one lookup per distinct path within a run (the working directory stays put)
            key = _keys.get(path) or _keys.setdefault(path, _key(path))
        return key in self.files or any(_under(key, folder) for folder in self.folders)

    def covers(self, diagnostic: Diagnostic, _keys: dict[str, str] | None = None) -> bool:
        """Located in the scope, or pointing into it with a related location."""
        return self.covers_path(diagnostic.path, _keys) or any(self.covers_path(r.path, _keys) for r in diagnostic.related)

    def _covers_root(self, root: str) -> bool:
        """Every file of the plugin at `root` (its display) is in the scope."""
        if not root:
            return False
        package = root.endswith(_MEMBER[0])
        key = _key(root[:-1]) + _MEMBER.rstrip("/") if package else _key(root)
        return any(_under(key, folder) for folder in self.folders)

    def narrow(self, diagnostics: Sequence[Diagnostic], always: Collection[str] = ()) -> tuple[list[Diagnostic], int]:
        """(the diagnostics in the scope or with a code in `always`, how many others were left out)."""
        whole: dict[str, bool] = {}
        keys: dict[str, str] = {}
        kept = []
        for diagnostic in diagnostics:
            if diagnostic.plugin not in whole:
                whole[diagnostic.plugin] = self._covers_root(diagnostic.plugin)
            if whole[diagnostic.plugin] or diagnostic.code in always or self.covers(diagnostic, keys):
                kept.append(diagnostic)
        return kept, len(diagnostics) - len(kept)


def hidden_line(count: int) -> str:
    """The summary's note on what the narrowing left out."""
    what = f"{count} finding{'s' if count != 1 else ''}"
    return f"Not shown: {what} in other files of these plugins (name the plugin's folder to see every finding)."
