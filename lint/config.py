"""Configuration: `[tool.dify-lint]` in pyproject.toml, or dify-lint.toml / .dify-lint.toml.

The nearest file above the first linted path wins; command-line options override it. Path
patterns (`exclude`, `per-file-ignores`) are relative to the directory of the file that declares
them, and those given on the command line to the working directory, so a result never depends on
where dify-lint is run from.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import textwrap
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("dify-lint.toml", ".dify-lint.toml", "pyproject.toml")
KNOWN_KEYS = {
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "output-format",
    "fail-on",
    "cache-dir",
}
#: The severities that can fail a run, from the gravest: `fail-on = "warning"` fails on errors and warnings.
FAIL_ON = ("error", "warning", "info")
DEFAULT_FAIL_ON = "warning"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    """A path glob and the directory it is relative to.

    `*` and `?` stay within one path segment, `**` spans any number of them, `[...]` is a class.
    A pattern without `/` matches a file or folder of that name anywhere below its directory; one
    with `/` is anchored there (`..` leads out of it; an absolute pattern is anchored nowhere). A path also matches when one of its folders does, so a pattern
    naming a folder covers everything in it."""

    text: str
    base: str  # absolute directory
    origin: str = ""  # where it was declared, for --show-settings

    @cached_property
    def _regex(self) -> re.Pattern:
        text = self.text.rstrip("/") or "/"
        base = self.base.replace(os.sep, "/").rstrip("/")
        if "/" not in text:  # a name, at any depth below the directory
            return re.compile(f"{re.escape(base)}/(?:.*/)?{_glob_regex(text)}")
        if os.path.isabs(text):
            return re.compile(_glob_regex(os.path.normpath(text).replace(os.sep, "/")))
        rest = os.path.normpath(text).replace(os.sep, "/")
        while rest == ".." or rest.startswith("../"):
            base, rest = base.rpartition("/")[0], rest[3:]
        literal = re.escape(base)  # the directory is a path, not a glob: `[` or `*` in it are literal
        return re.compile(literal if rest in ("", ".") else f"{literal}/{_glob_regex(rest)}")

    def matches(self, path: str | os.PathLike) -> bool:
        """Whether `path` (absolute, or relative to the working directory) or a folder above it matches."""
        absolute = absolute_path(path)
        if self._regex.fullmatch(absolute):
            return True
        parent = absolute
        while True:
            parent, _, _ = parent.rpartition("/")
            if not parent:
                return False
            if self._regex.fullmatch(parent):
                return True


def _glob_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            inner = glob[i + 1 : end]
            out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner).replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def absolute_path(path: str | os.PathLike) -> str:
    """`path` made absolute against the working directory (its real path), "/"-separated."""
    joined = os.path.join(os.path.realpath(os.getcwd()), os.fspath(path))
    return os.path.normpath(joined).replace(os.sep, "/")


@dataclass
class Config:
    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    #: glob -> codes; the globs are relative to `root`
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    #: globs relative to `root` (`extend-exclude` included)
    exclude: list[str] = field(default_factory=list)
    output_format: str | None = None
    fail_on: str | None = None
    #: where the result cache lives, relative to `root`
    cache_dir: str | None = None

    @property
    def root(self) -> str:
        """The directory the file's patterns are relative to: the file's own (without a file, the
        working directory)."""
        return str(self.path.absolute().parent) if self.path is not None else os.path.realpath(os.getcwd())

    def per_file_patterns(self) -> list[tuple[Pattern, list[str]]]:
        origin = str(self.path) if self.path else ""
        return [(Pattern(glob, self.root, origin), codes) for glob, codes in self.per_file_ignores.items()]

    def exclude_patterns(self) -> list[Pattern]:
        origin = str(self.path) if self.path else ""
        return [Pattern(glob, self.root, origin) for glob in self.exclude]


def find_config(start: Path) -> Path | None:
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        return "dify-lint" in tomllib.loads(_read_text(pyproject)).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


#: A configuration file is a few hundred bytes; a larger one is refused unread.
MAX_CONFIG_BYTES = 1024 * 1024


def _read_text(path: Path) -> str:
    """A configuration file's text: a regular file only (a FIFO would block, /dev/zero never
    ends), no larger than the cap. Raises OSError or UnicodeDecodeError."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise OSError(f"larger than {MAX_CONFIG_BYTES >> 20} MiB")
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_CONFIG_BYTES:
        raise OSError(f"larger than {MAX_CONFIG_BYTES >> 20} MiB")
    return data.decode("utf-8")


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    path = path.resolve()
    try:
        data = tomllib.loads(_read_text(path))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    table: Any = data.get("tool", {}).get("dify-lint", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dify-lint] must be a table")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOWN_KEYS))}")
    config = Config(path=path)
    config.select = _strings(path, table, "select")
    config.ignore = _strings(path, table, "ignore")
    config.extend_select = _strings(path, table, "extend-select")
    config.exclude = _strings(path, table, "exclude", "path patterns") + _strings(path, table, "extend-exclude", "path patterns")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(isinstance(v, list) for v in per_file.values()):
        raise ConfigError(f"{path}: per-file-ignores must map glob patterns to lists of codes")
    config.per_file_ignores = {str(k): [str(c) for c in v] for k, v in per_file.items()}
    fmt = table.get("output-format")
    if fmt is not None and not isinstance(fmt, str):
        raise ConfigError(f"{path}: output-format must be a string")
    config.output_format = fmt
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise ConfigError(f"{path}: fail-on must be one of {', '.join(FAIL_ON)}; got {fail_on!r}")
    config.fail_on = fail_on
    cache_dir = table.get("cache-dir")
    if cache_dir is not None and not (isinstance(cache_dir, str) and cache_dir):
        raise ConfigError(f"{path}: cache-dir must be a path")
    config.cache_dir = cache_dir
    return config


def _strings(path: Path, table: dict, key: str, what: str = "rule codes or names") -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be a list of {what}")
    return list(value)


# -- the settings of one run: the file's, overridden by the command line ---------------------------


@dataclass
class Settings:
    """What a run uses, and where each value came from (`origins`, shown by `--show-settings`)."""

    config: Config
    select: list[str]
    ignore: list[str]
    exclude: list[Pattern]
    output_format: str
    fail_on: str
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def per_file_ignores(self) -> list[tuple[Pattern, list[str]]]:
        return self.config.per_file_patterns()


@dataclass
class CommandLine:
    """The settings given as options; None (or empty) where an option was not given."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    output_format: str | None = None
    fail_on: str | None = None


def resolve_settings(config: Config, given: CommandLine) -> Settings:
    """The run's settings: an option replaces the file's value, `--ignore`, `--extend-select` and
    `--extend-exclude` add to it."""
    source = str(config.path) if config.path else ""
    origins: dict[str, str] = {}

    def origin(option: str, from_option: bool, from_file: bool) -> str:
        parts = ([option] if from_option else []) + ([source] if from_file else [])
        return " + ".join(parts) if parts else "default"

    select = given.select or list(config.select)
    origins["select"] = origin("--select", bool(given.select), bool(config.select and not given.select))
    extra = given.extend_select + config.extend_select
    if extra:
        select = (select or ["ALL"]) + extra
        origins["select"] += f" (extended by {origin('--extend-select', bool(given.extend_select), bool(config.extend_select))})"
    ignore = given.ignore + config.ignore
    origins["ignore"] = origin("--ignore", bool(given.ignore), bool(config.ignore))

    cwd = os.path.realpath(os.getcwd())
    exclude = [Pattern(p, cwd, "--exclude") for p in given.exclude] if given.exclude else config.exclude_patterns()
    exclude += [Pattern(p, cwd, "--extend-exclude") for p in given.extend_exclude]
    uses_file = bool(config.exclude and not given.exclude)
    origins["exclude"] = origin("--exclude", bool(given.exclude), uses_file)
    if given.extend_exclude:
        origins["exclude"] += " (extended by --extend-exclude)"
    origins["per-file-ignores"] = origin("", False, bool(config.per_file_ignores))

    output_format = given.output_format or config.output_format or "text"
    origins["output-format"] = origin("--output-format", bool(given.output_format), bool(config.output_format))
    fail_on = given.fail_on or config.fail_on or DEFAULT_FAIL_ON
    origins["fail-on"] = origin("--fail-on", bool(given.fail_on), bool(config.fail_on and not given.fail_on))
    return Settings(config, select, ignore, exclude, output_format, fail_on, origins)


def describe_settings(settings: Settings, how_found: str, rule_codes: list[str]) -> str:
    """`--show-settings`: every effective setting, where it came from, and the rules it selects."""
    config = settings.config
    lines = [f"# configuration file: {config.path if config.path else 'none'} ({how_found})", ""]

    def row(key: str, value: str) -> None:
        lines.append(f"{key} = {value}")
        lines.append(f"    # from {settings.origins.get(key, 'default')}")

    row("select", _toml_list(settings.select) if settings.select else '["ALL"]  # every rule but the opt-in ones')
    row("ignore", _toml_list(settings.ignore))
    if settings.exclude:
        lines.append("exclude = [")
        for pattern in settings.exclude:
            lines.append(f"    {_toml_string(pattern.text)},  # relative to {pattern.base} ({pattern.origin})")
        lines.append("]")
    else:
        lines.append("exclude = []")
    lines.append(f"    # from {settings.origins['exclude']}")
    if config.per_file_ignores:
        lines.append("per-file-ignores = {")
        for pattern, codes in settings.per_file_ignores:
            lines.append(f"    {_toml_string(pattern.text)} = {_toml_list(codes)},  # relative to {pattern.base}")
        lines.append("}")
    else:
        lines.append("per-file-ignores = {}")
    lines.append(f"    # from {settings.origins['per-file-ignores']}")
    row("output-format", _toml_string(settings.output_format))
    row("fail-on", _toml_string(settings.fail_on))
    chosen = textwrap.wrap(f"{len(rule_codes)} rules selected: {', '.join(rule_codes)}", 96)
    lines += ["", *(f"# {line}" for line in chosen)]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"
