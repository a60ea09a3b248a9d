"""The least any linter of these plugins must do: read every YAML and Python file once and parse it.

    python benchmarks/floor.py ROOT [ROOT ...]

YAML goes through PyYAML's C loader, Python through `ast.parse`; nothing else is done with the
result. The folders dify-lint skips (environments, caches, VCS data) are skipped here too, so both
read the same files. Prints how many files and bytes it read.
"""

from __future__ import annotations

import ast
import os
import sys
import warnings

import yaml

#: the folders dify-lint skips by name (dify_lint.model.plugin.is_skipped_dir; not imported, so
#: that this program's own start-up stays what it is)
SKIPPED = {
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox",
    ".idea", ".vscode",
}  # fmt: skip


def skipped(name: str) -> bool:
    return name in SKIPPED or name.startswith(("venv", ".venv"))


def main() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = size = 0
    warnings.simplefilter("ignore")  # invalid escapes in the plugins' sources: not ours to print
    for root in sys.argv[1:]:
        for folder, subdirs, names in os.walk(root):
            subdirs[:] = [d for d in subdirs if not skipped(d)]
            for name in names:
                if not name.endswith((".yaml", ".yml", ".py")):
                    continue
                try:
                    with open(os.path.join(folder, name), "rb") as handle:
                        data = handle.read()
                    text = data.decode("utf-8", "replace")
                    if name.endswith(".py"):
                        ast.parse(text)
                    else:
                        yaml.load(text, Loader=loader)
                except (SyntaxError, ValueError, yaml.YAMLError, OSError, RecursionError, MemoryError):
                    pass  # a broken file costs its reading and its failed parse, like any other
                files += 1
                size += len(data)
    print(f"{files} files, {size} bytes")


if __name__ == "__main__":
    main()
