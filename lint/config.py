"""Configuration: `[tool.dify-lint]` in pyproject.toml, or dify-lint.toml / .dify-lint.toml.

The nearest file above the first linted path wins; command-line options override it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("dify-lint.toml", ".dify-lint.toml", "pyproject.toml")
KNOWN_KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "exclude", "output-format"}


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    output_format: str | None = None


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
        return "dify-lint" in tomllib.loads(pyproject.read_text("utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
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
    config.exclude = _strings(path, table, "exclude")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(isinstance(v, list) for v in per_file.values()):
        raise ConfigError(f"{path}: per-file-ignores must map glob patterns to lists of codes")
    config.per_file_ignores = {str(k): [str(c) for c in v] for k, v in per_file.items()}
    fmt = table.get("output-format")
    if fmt is not None and not isinstance(fmt, str):
        raise ConfigError(f"{path}: output-format must be a string")
    config.output_format = fmt
    return config


def _strings(path: Path, table: dict, key: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be a list of rule codes or names")
    return list(value)
