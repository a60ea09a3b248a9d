"""Turning a rule's examples into plugins on disk, for the tests and for anyone trying a rule.

Each example is a base plugin from `baseplugins/` with some files replaced or removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .rule import Example

BASE_PLUGINS = Path(__file__).parent / "baseplugins"


def base_names() -> list[str]:
    return sorted(p.name for p in BASE_PLUGINS.iterdir() if (p / "manifest.yaml").is_file())


def materialize(example: Example, destination: Path) -> Path:
    """Write the example's plugin into `destination` (which must not exist) and return it."""
    base = BASE_PLUGINS / example.base
    if not (base / "manifest.yaml").is_file():
        raise ValueError(f"no base plugin `{example.base}`; known: {', '.join(base_names())}")
    shutil.copytree(base, destination, ignore=shutil.ignore_patterns("__pycache__"))
    for relative, text in example.files.items():
        target = destination / relative
        if text is None:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return destination
