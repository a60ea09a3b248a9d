"""The walls between layers (DESIGN.md), checked over every import of every module, lazy and
type-checking ones included: each layer imports only the layers below it, rule families import
nothing of each other, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import REPO

#: layer -> the layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "diagnostics": set(),
    "profile": set(),
    "sdk": set(),
    "config": set(),
    "textmatch": set(),
    "source": {"diagnostics"},
    "python": {"diagnostics", "source", "sdk"},
    "model": {"diagnostics", "source", "python", "sdk", "profile"},
    "analysis": {"diagnostics", "source", "python", "model", "sdk", "profile"},
    "rule": {"diagnostics", "model", "analysis"},
    "examples": {"rule"},
    "rules": {"rule", "examples", "textmatch", "diagnostics", "model", "analysis", "python", "sdk"},
    "registry": {"rule", "catalogue"},
    "catalogue": {"rules"},
    "suppression": {"config", "diagnostics", "source"},
    "cache": {"diagnostics", "source", "package", "registry"},
    "engine": {"rule", "registry", "analysis", "model", "source", "diagnostics", "config", "suppression", "profile"},
    "discovery": {"model", "source", "config"},
    "scope": {"diagnostics"},
    "fix": {"rule", "registry", "analysis", "model", "source", "diagnostics"},
    "buffer": {"model", "source"},
    "report": {"diagnostics", "rule", "registry", "package"},
    "docs": {"diagnostics", "rule", "registry", "examples"},
    "cli": {"*"},
    "lsp": {"*"},
    "main": {"cli"},
    "package": set(),
}


def _layer(module: str) -> str:
    """The layer of a dotted module name below dify_lint (`analysis.keys` -> analysis)."""
    if module == "rules":
        return "catalogue"  # rules/__init__.py: the table of every rule
    if module.startswith("rules."):
        return "rules"
    head = module.split(".")[0]
    if head in ("__init__", "", "__version__"):
        return "package"  # dify_lint itself: its version
    return {"__main__": "main"}.get(head, head)


def _modules() -> list[tuple[str, Path]]:
    found = []
    for top, prefix in ((REPO / "lint", ""), (REPO / "rules", "rules")):
        for path in sorted(top.rglob("*.py")):
            if "baseplugins" in path.parts:
                continue
            parts = list(path.relative_to(top).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1] or ["__init__"] if not prefix else parts[:-1]
            found.append((".".join(([prefix] if prefix else []) + parts), path))
    return found


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module below dify_lint, line) for every import of the file."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [target] if node.module else [f"{target}.{a.name}".strip(".") for a in node.names]
                found.extend((name, node.lineno) for name in names)
            elif node.module and (node.module == "dify_lint" or node.module.startswith("dify_lint.")):
                target = node.module[len("dify_lint") :].lstrip(".")
                names = [target] if target else [a.name for a in node.names]
                found.extend((name, node.lineno) for name in names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("dify_lint."):
                    found.append((alias.name[len("dify_lint.") :], node.lineno))
    return found


MODULES = _modules()


def test_every_module_has_a_layer():
    unknown = sorted({_layer(m) for m, _ in MODULES} - set(ALLOWED))
    assert not unknown, f"modules of no layer in DESIGN.md's walls: {unknown}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_respect_the_walls(module, path):
    layer = _layer(module)
    allowed = ALLOWED[layer]
    for target, line in _imports(module, path):
        other = _layer(target)
        if other == layer and layer != "rules":
            continue
        if layer == "rules":
            family = module.split(".")[1] if module.count(".") else ""
            if other == "rules":
                target_family = target.split(".")[1] if target.count(".") else ""
                assert target_family == family, f"{path.name}:{line}: family `{family}` imports family `{target_family}`"
                continue
        assert "*" in allowed or other in allowed, f"{path.relative_to(REPO)}:{line}: {layer} imports {other} ({target})"
        assert other != "cli" or layer == "main", f"{path.relative_to(REPO)}:{line}: only `python -m` may import the CLI"
        assert other != "lsp" or layer == "cli", f"{path.relative_to(REPO)}:{line}: only the CLI may import the language server"


def test_only_the_newer_grammar_oracle_imports_libcst():
    importers = []
    for module, path in MODULES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(n == "libcst" or n.startswith("libcst.") for n in names):
                    importers.append(module)
    assert importers == ["python.module"]
