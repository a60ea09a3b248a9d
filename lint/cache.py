"""The result cache: each plugin's findings, kept until a file its lint read changes.

One entry file per plugin, named by a digest of everything that changes the result: the linter
itself (its version, the Python that runs it, the size and time of each of its own files, so an
edited rule invalidates too), the effective settings (the rules selected, `per-file-ignores` and
the folder they are relative to), the working directory (findings are shown relative to it) and
the plugin's folder. The entry repeats that key in full, and an entry whose key differs is
foreign: ignored, then overwritten.

What an entry holds is what the lint of the whole plugin produced after `per-file-ignores`,
`# noqa` comments and DPL010, before the findings are narrowed to the paths named: so a cached
plugin gives the same findings whichever of its files are named. With them, the answers the lint
got from the folder (`source.fs.Record`): each file read (stamp and digest), each entry looked
at, each size, each folder listed. An entry is used only when the folder gives the same answers
again: a new file in a listed folder, an icon that appears, a file edited, removed or replaced
all invalidate; a file touched without change is read again and its digest compared.

Entries are written whole (a temporary file, then a rename), so processes sharing a cache see an
entry complete or not at all; an unreadable, truncated or malformed entry is a miss. Only folders
on disk are cached: an editor's unsaved buffer and a `.difypkg` read in memory are linted afresh.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from . import __version__
from .diagnostics import Diagnostic, Edit, Fix, Position, Related, Severity, Span
from .source.fs import DiskFS, Entry, Kind, Record, Stamp, unchanged

#: The layout of an entry; a change makes every older entry foreign.
FORMAT = 1
DEFAULT_DIR = ".dify_lint_cache"
ENV_DIR = "DIFY_LINT_CACHE_DIR"
ENV_OFF = "DIFY_LINT_NO_CACHE"


def cache_dir(option: str | None, configured: str | None, config_dir: str | None) -> Path:
    """Where the cache lives: `--cache-dir` (or DIFY_LINT_CACHE_DIR), else the configuration's
    `cache-dir` (relative to the file's folder), else `.dify_lint_cache` in the project root: the
    folder of the configuration file in effect, or the working directory without one."""
    chosen = option or os.environ.get(ENV_DIR)
    if chosen:
        return Path(chosen)
    root = Path(config_dir) if config_dir else Path.cwd()
    return root / configured if configured else root / DEFAULT_DIR


def disabled_by_environment() -> bool:
    return os.environ.get(ENV_OFF, "").strip().lower() not in ("", "0", "false", "no")


class ResultCache:
    """The entries under `directory` for one set of `settings` (anything JSON can hold that
    changes the findings: the rule codes selected, the per-file ignores, ...)."""

    def __init__(self, directory: str | os.PathLike, settings: Any):
        self.directory = Path(directory)
        self._entries = self.directory / __version__  # one folder a version: an old one can be deleted whole
        self._base = {
            "format": FORMAT,
            "version": __version__,
            "linter": linter_fingerprint(),
            "python": list(sys.version_info[:2]),
            "settings": settings,
            "cwd": os.path.realpath(os.getcwd()),
        }
        self._ready = False

    @staticmethod
    def handles(fs: object) -> bool:
        """Only a plain folder on disk: unsaved buffers and packages in memory are not cached."""
        return type(fs) is DiskFS

    def _key(self, fs: DiskFS, display: str) -> tuple[str, Path]:
        material = json.dumps({**self._base, "root": os.path.realpath(fs.root), "display": display}, sort_keys=True)
        name = hashlib.blake2b(material.encode("utf-8"), digest_size=20).hexdigest()
        return material, self._entries / name

    def lookup(self, fs: DiskFS, display: str) -> tuple[list[Diagnostic], bool] | None:
        """(the plugin's findings, whether it is a bundle) when a valid entry holds them."""
        material, path = self._key(fs, display)
        try:
            with open(path, "rb") as stream:
                entry = json.loads(stream.read())
            if not isinstance(entry, dict) or entry.get("key") != material:
                return None
            record = _record_from(entry["record"])
            diagnostics = [_diagnostic_from(item) for item in entry["diagnostics"]]
            bundle = bool(entry["bundle"])
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # missing, unreadable, truncated or malformed: linted again and rewritten
        return (diagnostics, bundle) if unchanged(fs, record) else None

    def store(self, fs: DiskFS, display: str, diagnostics: Sequence[Diagnostic], bundle: bool, record: Record) -> None:
        """Keep the plugin's findings with what its lint read; a cache that cannot be written is
        simply not written (the findings are right either way)."""
        if record.unstable:
            return
        material, path = self._key(fs, display)
        entry = {
            "key": material,
            "bundle": bundle,
            "record": _record_to(record),
            "diagnostics": [_diagnostic_to(d) for d in diagnostics],
        }
        try:
            self._prepare()
            _write_whole(path, json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        except (OSError, ValueError):  # not writable; or text that cannot be encoded (a lone surrogate)
            return

    def _prepare(self) -> None:
        if not self._ready:
            prepare_folder(self.directory)
            self._ready = True


def prepare_folder(directory: Path) -> None:
    """The cache folder and the folder of this version's entries, with a `.gitignore` that keeps
    them out of version control and a CACHEDIR.TAG that keeps them out of backups."""
    (directory / __version__).mkdir(parents=True, exist_ok=True)
    for name, text in (
        (".gitignore", "# Created by dify-lint automatically.\n*\n"),
        (
            "CACHEDIR.TAG",
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dify-lint.\n",
        ),
    ):
        target = directory / name
        if not target.exists():
            _write_whole(target, text.encode("utf-8"))


class RuleRow(NamedTuple):
    """A rule as choosing rules reads it (`registry.Named`), kept so that a run whose plugins
    all come from the cache chooses its rules without importing them."""

    code: str
    name: str
    default_off: bool


def rule_rows(directory: str | os.PathLike) -> list[RuleRow]:
    """Every rule's row: stored beside the entries for this very linter, else taken from the
    rules themselves (and stored, when the folder can be written)."""
    path = Path(directory) / __version__ / f"rules-{linter_fingerprint()}.json"
    try:
        with open(path, "rb") as stream:
            rows = [RuleRow(str(code), str(name), bool(off)) for code, name, off in json.loads(stream.read())]
        if rows:
            return rows
    except (OSError, ValueError, TypeError):
        pass
    from .registry import all_rules

    rows = [RuleRow(rule.code, rule.name, bool(rule.default_off)) for rule in all_rules()]
    try:
        prepare_folder(Path(directory))
        _write_whole(path, json.dumps(rows).encode("utf-8"))
    except (OSError, ValueError):
        pass
    return rows


def _write_whole(path: Path, data: bytes) -> None:
    """`data` at `path`, written beside it and renamed into place: readers see all or nothing."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@lru_cache(maxsize=1)
def linter_fingerprint() -> str:
    """The size and time of every file of dify-lint itself (code, schemas, data): an edited
    installation (an editable one above all) never meets results of its former self."""
    stamps = []
    for package in ("dify_lint", "dify_lint.rules"):
        spec = importlib.util.find_spec(package)
        for top in (spec.submodule_search_locations or ()) if spec is not None else ():
            stamps.extend(_stamps_under(top))
    return hashlib.blake2b(json.dumps(sorted(stamps)).encode("utf-8"), digest_size=16).hexdigest()


def _stamps_under(top: str) -> Iterable[tuple[str, int, int]]:
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name == "__pycache__" or entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file():
                        info = entry.stat()
                        yield os.path.relpath(entry.path, top), info.st_size, info.st_mtime_ns
        except OSError:
            continue


# -- entries as JSON ---------------------------------------------------------------------------


def _entry_to(entry: Entry) -> list:
    return [entry.kind.value, entry.link]


#: every entry there can be, by its stored form (entries are many; one lookup each)
_ENTRIES = {(kind.value, link): Entry(kind, link) for kind in Kind for link in (False, True)}


def _entry_from(item: list) -> Entry:
    kind, link = item
    return _ENTRIES[kind, bool(link)]


def _record_to(record: Record) -> dict:
    return {
        "probes": {path: _entry_to(entry) for path, entry in record.probes.items()},
        "listings": {
            path: None if found is None else {name: _entry_to(entry) for name, entry in found.items()}
            for path, found in record.listings.items()
        },
        "sizes": record.sizes,
        "reads": {path: [list(stamp) if stamp else None, seen] for path, (stamp, seen) in record.reads.items()},
    }


def _record_from(data: dict) -> Record:
    record = Record()
    record.probes = {str(path): _entry_from(item) for path, item in data["probes"].items()}
    record.listings = {
        str(path): None if found is None else {str(name): _entry_from(item) for name, item in found.items()}
        for path, found in data["listings"].items()
    }
    record.sizes = {str(path): int(size) for path, size in data["sizes"].items()}
    record.reads = {
        str(path): (Stamp(*map(int, stamp)) if stamp is not None else None, None if seen is None else str(seen))
        for path, (stamp, seen) in data["reads"].items()
    }
    return record


def _position_to(position: Position | None) -> list[int] | None:
    return None if position is None else [position.line, position.column]


def _position_from(item: list | None) -> Position | None:
    return None if item is None else Position(int(item[0]), int(item[1]))


def _span_to(span: Span) -> list[int]:
    return [span.start.line, span.start.column, span.end.line, span.end.column]


def _span_from(item: list) -> Span:
    line, column, end_line, end_column = map(int, item)
    return Span(Position(line, column), Position(end_line, end_column))


def _diagnostic_to(diagnostic: Diagnostic) -> dict:
    fix = diagnostic.fix
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "span": _span_to(diagnostic.span),
        "related": [[r.path, _span_to(r.span), r.message] for r in diagnostic.related],
        "fix": None
        if fix is None
        else [
            fix.message,
            fix.applicability,
            [[e.path, e.start, e.end, e.replacement, _position_to(e.location), _position_to(e.end_location)] for e in fix.edits],
        ],
        "plugin": diagnostic.plugin,
        "url": diagnostic.url,
        "line_text": diagnostic.line_text,
    }


def _diagnostic_from(item: dict) -> Diagnostic:
    fix = item["fix"]
    line_text = item["line_text"]
    return Diagnostic(
        code=str(item["code"]),
        name=str(item["name"]),
        severity=Severity(item["severity"]),
        message=str(item["message"]),
        path=str(item["path"]),
        span=_span_from(item["span"]),
        related=tuple(Related(str(path), _span_from(span), str(message)) for path, span, message in item["related"]),
        fix=None
        if fix is None
        else Fix(
            str(fix[0]),
            tuple(
                Edit(str(p), int(s), int(e), str(r), _position_from(at), _position_from(end)) for p, s, e, r, at, end in fix[2]
            ),
            str(fix[1]),
        ),
        plugin=str(item["plugin"]),
        url=str(item["url"]),
        line_text=None if line_text is None else str(line_text),
    )
