"""What a non-editable install ships: every data file the package reads at run time."""

from __future__ import annotations

import sys
from pathlib import PurePosixPath

from conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _shipped(relative: str, patterns: list[str]) -> bool:
    path = PurePosixPath(relative)
    for pattern in patterns:
        if "**" in pattern:
            prefix = pattern.split("**")[0].rstrip("/")
            if relative.startswith(prefix + "/"):
                return True
        elif path.match(pattern):
            return True
    return False


def test_package_data_covers_schemas_and_base_plugins():
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dify_lint"]
    package = REPO / "lint"
    data = [
        p.relative_to(package).as_posix()
        for folder in ("schemas", "baseplugins")
        for p in (package / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert data
    missing = [relative for relative in data if not _shipped(relative, patterns)]
    assert not missing, f"not shipped by a `pip install .`: {missing}"
