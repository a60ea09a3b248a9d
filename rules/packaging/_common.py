"""What the packaging rules share: which plugins they look at, and how they name places."""

from __future__ import annotations

import re

from dify_lint.diagnostics import Span
from dify_lint.examples import base_file
from dify_lint.model.plugin import MANIFEST, Plugin, Reference
from dify_lint.model.yamldoc import PathItem
from dify_lint.rule import Finding

BASE_PROVIDER = base_file("provider/example.yaml")
BASE_MODEL_PROVIDER = base_file("provider/example.yaml", "model")
BASE_TRIGGER_PROVIDER = base_file("provider/example.yaml", "trigger")
ECHO_TOOL = base_file("tools/echo.py")
ECHO_YAML = base_file("tools/echo.yaml")


def is_checked(plugin: Plugin) -> bool:
    """A usable plugin manifest (a `type: bundle` manifest is not a plugin)."""
    manifest = plugin.manifest
    if manifest is None or not manifest.usable or not isinstance(manifest.data, dict):
        return False
    kind = manifest.data.get("type")
    return not (isinstance(kind, str) and kind != "plugin")


def where(at: tuple[PathItem, ...]) -> str:
    """`plugins.tools` for ("plugins", "tools", 0)."""
    return ".".join(str(item) for item in at if not isinstance(item, int))


def listed(reference: Reference, owner: bool = False) -> str:
    """`listed in `plugins.tools``: where a reference is written (with its file when `owner`)."""
    verb = "listed in" if reference.at and isinstance(reference.at[-1], int) else "named in"
    if reference.kind in ("model", "model_position") and reference.role == "declaration":
        verb = "matched by"
    written = where(reference.at)
    if not owner:
        return f"{verb} `{written}`"
    return f"{verb} {reference.owner.path} `{written}`"


def file_start(message: str) -> Finding:
    """A finding about the plugin as a whole, at the start of its manifest."""
    return Finding(MANIFEST, Span.file_start(), message)


def is_url(value: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value))
