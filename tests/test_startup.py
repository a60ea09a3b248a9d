"""What a start-up loads: `--version` answers without the YAML parser, the schema validator, the
concrete-syntax-tree library or any rule; linting one plugin never loads libcst (only --fix does)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from helpers import FIXTURES

_HEAVY = ("jsonschema", "libcst", "yaml", "dify_lint.rules", "dify_lint.registry", "dify_lint.analysis")


def _imported(*args: str) -> set[str]:
    """The modules a fresh `python -X importtime -m dify_lint ARGS` imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dify_lint", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    return {m.group(1).strip() for m in re.finditer(r"^import time:\s*\d+ \|\s*\d+ \|(.*)$", done.stderr, re.M)}


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_version_imports_no_parser_validator_or_rule():
    modules = _imported("--version")
    assert "dify_lint.cli" in modules  # the listing is real
    assert not [name for name in _HEAVY if _loaded(modules, name)]


def test_checking_a_plugin_never_imports_libcst():
    plugin = next(p.parent for p in sorted(FIXTURES.rglob("manifest.yaml")) if (p.parent / "main.py").exists())
    modules = _imported("check", "--isolated", "--output-format", "concise", str(plugin))
    assert _loaded(modules, "dify_lint.rules") and _loaded(modules, "yaml")  # the plugin was really linted
    assert not _loaded(modules, "libcst")
