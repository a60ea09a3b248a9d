"""What a non-editable install ships: every package and every data file read at run time."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

from helpers import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
FOLDERS = {"dify_lint": REPO / "lint", "dify_lint.rules": REPO / "rules"}


def _packages() -> dict[str, Path]:
    """Every importable package of the source tree, by its installed name."""
    found = {}
    for name, top in FOLDERS.items():
        for init in top.rglob("__init__.py"):
            relative = init.parent.relative_to(top)
            if "baseplugins" in relative.parts:
                continue
            found[".".join((name, *relative.parts))] = init.parent
    return found


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


def test_every_package_is_listed():
    listed = set(SETUPTOOLS["packages"])
    missing = sorted(set(_packages()) - listed)
    assert not missing, f"not installed by a `pip install .` (add to [tool.setuptools] packages): {missing}"
    assert not listed - set(_packages()), "pyproject lists a package that does not exist"


def test_package_data_covers_every_data_file():
    packages = _packages()
    data_patterns = SETUPTOOLS["package-data"]
    missing = []
    for name, folder in packages.items():
        nested = [p for other, p in packages.items() if other != name and p != folder and folder in p.parents]
        for path in folder.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py" and (path.parent / "__init__.py").is_file():
                continue  # a module of the package
            if any(n in path.parents for n in nested):
                continue  # belongs to a nested package
            relative = path.relative_to(folder).as_posix()
            if not _shipped(relative, data_patterns.get(name, [])):
                missing.append(f"{name}: {relative}")
    assert not missing, f"not shipped by a `pip install .`: {missing[:10]}"
