"""Applying fixes: the edits rules attach to their findings, applied round after round until the
plugin lints without a fix left to apply, then written atomically (or shown as a diff).

A round lints the plugin as it stands (the files changed so far laid over the disk, nothing
written yet), takes the fixes of the findings kept (suppressed findings have none to take), and
applies every fix whose edits overlap no fix taken before it in that round; the others wait for
the next round, which sees the text the first ones made. A fix that leaves a file that no longer
parses is undone and not tried again. Only when the rounds are over is anything written: each
changed file through a temporary file beside it, flushed to disk, then renamed over the original,
with the original's permissions, encoding, byte order mark and line breaks kept.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import os
import re
import stat
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Sequence

from .diagnostics import Diagnostic, Edit, Fix
from .source.files import MAX_PYTHON_BYTES, MAX_YAML_BYTES, decode, python_encoding
from .source.fs import DiskFS, OverlayFS, ReadFailure

if TYPE_CHECKING:  # imported where fixes are made: a run that only shows findings (`shown`) parses nothing
    from .model.plugin import Plugin

#: Rounds of lint-and-fix before giving up on reaching a plugin with nothing left to fix.
MAX_ROUNDS = 10

SAFE, UNSAFE = "safe", "unsafe"


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether `fix` is applied: safe fixes always, unsafe ones with `unsafe`."""
    return fix is not None and (fix.applicability == SAFE or (unsafe and fix.applicability == UNSAFE))


def shown(diagnostics: Sequence[Diagnostic], unsafe: bool) -> tuple[list[Diagnostic], int]:
    """The diagnostics with the fixes not on offer removed (unsafe ones, unless `unsafe`), and
    how many were removed."""
    kept, hidden = [], 0
    for diagnostic in diagnostics:
        if diagnostic.fix is not None and not applicable(diagnostic.fix, unsafe):
            diagnostic, hidden = replace(diagnostic, fix=None), hidden + 1
        kept.append(diagnostic)
    return kept, hidden


@dataclass
class FileChange:
    """One file the fixes change: its bytes before and after."""

    relative: str
    display: str
    before: bytes
    after: bytes

    def diff(self) -> str:
        """A unified diff of the change, as text (undecodable bytes escaped)."""
        was = self.before.decode("utf-8", "backslashreplace").splitlines(keepends=True)
        now = self.after.decode("utf-8", "backslashreplace").splitlines(keepends=True)
        lines = difflib.unified_diff(was, now, f"a/{self.display}", f"b/{self.display}")
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass
class Outcome:
    """What fixing one plugin came to."""

    changes: dict[str, FileChange] = field(default_factory=dict)  # by path relative to the root
    fixed: Counter = field(default_factory=Counter)  # findings fixed, by rule code
    diagnostics: list[Diagnostic] = field(default_factory=list)  # the findings of the last lint
    converged: bool = True
    rounds: int = 0
    undone: list[str] = field(default_factory=list)  # fixes undone because their file no longer parsed

    @property
    def count(self) -> int:
        return sum(self.fixed.values())


def fix_plugin(
    plugin: Plugin,
    lint: Callable[[Plugin], list[Diagnostic]],
    *,
    unsafe: bool = False,
    wanted: Callable[[Diagnostic], bool] = lambda diagnostic: True,
    max_rounds: int = MAX_ROUNDS,
) -> Outcome:
    """Fix `plugin` in memory: lint it with `lint`, apply the fixes of the findings `wanted`
    keeps, and again, until no fix is left or `max_rounds` rounds are done. Nothing is written."""
    outcome = Outcome()
    originals: dict[str, bytes] = {}
    buffers: dict[str, bytes] = {}
    refused: set[tuple[str, str, tuple[Edit, ...]]] = set()
    base = plugin.fs
    current = plugin
    while True:
        diagnostics = lint(current)
        outcome.diagnostics = diagnostics
        candidates = [
            d
            for d in diagnostics
            if applicable(d.fix, unsafe) and wanted(d) and (d.code, d.fix.message, d.fix.edits) not in refused  # type: ignore[union-attr]
        ]
        if not candidates:
            break
        if outcome.rounds >= max_rounds:
            outcome.converged = False
            break
        outcome.rounds += 1
        taken = _non_overlapping(candidates)
        by_file: dict[str, list[tuple[Diagnostic, list[Edit]]]] = {}
        for diagnostic in taken:
            edits = [replace(e, path=_relative(plugin, e.path)) for e in diagnostic.fix.edits]  # type: ignore[union-attr]
            for path in dict.fromkeys(e.path for e in edits):
                by_file.setdefault(path, []).append((diagnostic, [e for e in edits if e.path == path]))
        undone: set[int] = set()
        deferred: set[int] = set()
        new_texts: dict[str, bytes] = {}
        for relative, fixes in by_file.items():
            data = buffers.get(relative)
            if data is None:
                data = _read(base, relative)
            if data is None:
                undone.update(id(d) for d, _ in fixes)
                continue
            result = _apply(relative, data, [e for _, edits in fixes for e in edits])
            if result is None:
                # Together they break the file (two fixes adding the same key, say): the first fix
                # that works alone is applied, the others wait for the next round, which sees its
                # text; only a fix that breaks the file on its own is undone.
                for diagnostic, edits in fixes:
                    alone = _apply(relative, data, edits)
                    if alone is None:
                        undone.add(id(diagnostic))
                        outcome.undone.append(f"{diagnostic.path}: {diagnostic.code} {diagnostic.fix.message}")  # type: ignore[union-attr]
                    elif result is None:
                        result = alone
                    else:
                        deferred.add(id(diagnostic))
                if result is None:
                    continue
            originals.setdefault(relative, data)
            new_texts[relative] = result
        # a fix is applied whole or not at all: one of its files refused undoes it in the others
        for diagnostic in taken:
            if id(diagnostic) in undone:
                refused.add((diagnostic.code, diagnostic.fix.message, diagnostic.fix.edits))  # type: ignore[union-attr]
        applied = [d for d in taken if id(d) not in undone and id(d) not in deferred]
        if len(applied) != len(taken):
            kept = {id(d) for d in applied}
            new_texts = {}
            for relative, fixes in by_file.items():
                edits = [e for d, edits in fixes if id(d) in kept for e in edits]
                if edits:
                    result = _apply(relative, buffers.get(relative) or originals.get(relative) or b"", edits)
                    if result is not None:
                        new_texts[relative] = result
        buffers.update(new_texts)
        outcome.fixed.update(d.code for d in applied)
        if not new_texts:
            continue
        from .model.plugin import Plugin

        current = Plugin(OverlayFS(base, dict(buffers)), plugin.display, plugin.modules)
    for relative, after in buffers.items():
        before = originals[relative]
        if after != before:
            outcome.changes[relative] = FileChange(relative, plugin.display_path(relative), before, after)
    return outcome


def _relative(plugin: Plugin, display_path: str) -> str:
    prefix = plugin.display.rstrip("/") + "/"
    if plugin.display not in ("", ".") and display_path.startswith(prefix):
        return display_path[len(prefix) :]
    return display_path


def _read(fs, relative: str) -> bytes | None:
    limit = MAX_PYTHON_BYTES if relative.endswith(".py") else MAX_YAML_BYTES
    try:
        return fs.read(relative, limit)
    except ReadFailure:
        return None


def _non_overlapping(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The fixes to apply in one round, in the order of their first edit: each one whose edits
    touch none taken before it (the same fix twice, for two findings, is taken for both)."""
    ordered = sorted(diagnostics, key=lambda d: min((e.path, e.start, e.end) for e in d.fix.edits))  # type: ignore[union-attr]
    taken: list[Diagnostic] = []
    claimed: dict[str, list[tuple[int, int]]] = {}
    seen: set[tuple[Edit, ...]] = set()
    for diagnostic in ordered:
        edits = diagnostic.fix.edits  # type: ignore[union-attr]
        if edits in seen:
            taken.append(diagnostic)
            continue
        if any(_touches(e, claimed.get(e.path, ())) for e in edits) or _self_overlapping(edits):
            continue
        seen.add(edits)
        taken.append(diagnostic)
        for e in edits:
            claimed.setdefault(e.path, []).append((e.start, e.end))
    return taken


def _touches(edit: Edit, ranges) -> bool:
    return any(edit.start <= end and start <= edit.end for start, end in ranges)


def _self_overlapping(edits: tuple[Edit, ...]) -> bool:
    ordered = sorted(edits, key=lambda e: (e.path, e.start, e.end))
    return any(a.path == b.path and b.start < a.end for a, b in zip(ordered, ordered[1:]))


def _apply(relative: str, data: bytes, edits: list[Edit]) -> bytes | None:
    """The file's bytes with `edits` applied, in its own encoding, byte order mark and line
    breaks; None when the result no longer parses (or cannot be encoded) though the file did."""
    python = relative.endswith(".py")
    decoded = decode(data, python=python)
    if decoded.text is None:
        return None
    text = decoded.text
    newline = _newline(text)
    # from the end backwards, so that offsets stay valid; insertions at one point keep their order
    unique = [
        edit for _, edit in sorted(enumerate(dict.fromkeys(edits)), key=lambda p: (p[1].start, p[1].end, p[0]), reverse=True)
    ]
    if any(not 0 <= e.start <= e.end <= len(text) for e in unique):
        return None
    for edit in unique:
        replacement = edit.replacement.replace("\r\n", "\n")
        if newline != "\n":
            replacement = replacement.replace("\n", newline)
        text = text[: edit.start] + replacement + text[edit.end :]
    if _parses(relative, decoded.text) and not _parses(relative, text):
        return None
    encoding = python_encoding(data) if python else "utf-8"
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    try:
        return bom + text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return None


def _newline(text: str) -> str:
    """The file's line break: the first one it has, `\\n` when it has none."""
    match = re.search(r"\r\n|\r|\n", text)
    return match.group(0) if match else "\n"


def _parses(relative: str, text: str) -> bool:
    if relative.endswith(".py"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences and the like
                ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True
    if relative.endswith((".yaml", ".yml")):
        from .model.yamldoc import YamlDoc

        return not any(p.kind in ("syntax", "duplicate-key") for p in YamlDoc.parse(relative, text).problems)
    return True


# -- writing --------------------------------------------------------------------------------------


class WriteRefused(Exception):
    """A changed file that was not written, and why."""


def write_changes(fs: DiskFS, changes: Sequence[FileChange]) -> list[str]:
    """Write each change atomically into the plugin folder; the reasons any was not written."""
    problems = []
    for change in changes:
        try:
            write_atomically(fs, change.relative, change.after, expected=change.before)
        except (WriteRefused, OSError) as error:
            problems.append(f"{change.display}: not written: {error}")
    return problems


def write_atomically(fs: DiskFS, relative: str, data: bytes, *, expected: bytes | None = None) -> None:
    """Replace a regular file inside the plugin root with `data`: a temporary file in the same
    folder, flushed to disk, given the original's permissions, then renamed over it, so the file
    is at any moment either the old one or the new one. A link is followed only to a file inside
    the root (it is the file it leads to that is replaced); `expected`: the bytes the file must
    still hold (it changed since it was read: not written)."""
    root = os.path.realpath(fs.root)
    target = os.path.realpath(os.path.join(root, *relative.split("/")))
    if not target.startswith(root.rstrip(os.sep) + os.sep):
        raise WriteRefused("it leads outside the plugin root")
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused("it is not a regular file")
    if expected is not None:
        with open(target, "rb") as current:
            if current.read(len(expected) + 1) != expected:
                raise WriteRefused("it changed on disk while it was being fixed")
    folder, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".dify-lint-fix", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable, where the platform allows opening a folder."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
