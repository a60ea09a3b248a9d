"""What marks a plugin on disk, known before anything of it is read: the manifest that makes a
folder a plugin root, the folders never searched or walked, and how a package member is named."""

from __future__ import annotations

MANIFEST = "manifest.yaml"
#: After a package's name, before the path of a file inside it: `dist/echo.difypkg!/tools/echo.yaml`.
PACKAGE_MARK = "!"

SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".idea",
    ".vscode",
}


def is_skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name == ".venv" or name.startswith("venv") or name.startswith(".venv")
