"""DPL601 missing-permission."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.examples import with_permission
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import PERMISSION_TEXT

from ._common import LLM_TOOL, STORAGE_TOOL, grant_fix, manifest_related, permission_flag, yaml_of


class MissingPermission(Rule):
    code = "DPL601"
    name = "missing-permission"
    summary = "The code calls a session endpoint whose permission the manifest does not grant"
    explanation = """
    The daemon checks every call back into Dify against the manifest's `resource.permission` and
    refuses what is not granted (`permission denied, you need to enable llm access in plugin
    manifest`). A model call needs `model.enabled` and the flag of its model type (`llm` also
    covers `llm_structured_output` and `summary`); `session.tool`, `session.app`,
    `session.workflow_node` and `session.storage` need `tool`, `app`, `node` and `storage`. An
    endpoint plugin needs `endpoint.enabled` to register its endpoints at all. The SDK checks
    nothing, so the mistake shows only when a user runs the plugin.
    """
    invalid = (
        Example(
            {"tools/echo.py": LLM_TOOL, "manifest.yaml": with_permission("    model:\n      enabled: true\n")},
            expect=(
                (
                    "tools/echo.py:11:18-11:47",
                    "`session.model.llm.invoke` needs resource.permission.model.enabled: true and model.llm: true in manifest.yaml; without it the daemon answers `permission denied, you need to enable llm access in plugin manifest`",
                ),
            ),
            fixed={"manifest.yaml": with_permission("    model:\n      enabled: true\n      llm: true\n")},
        ),
        Example(
            {"tools/echo.py": STORAGE_TOOL},
            expect=(
                (
                    "tools/echo.py:6:9-6:33",
                    "`session.storage.set` needs resource.permission.storage.enabled: true in manifest.yaml; without it the daemon answers `permission denied, you need to enable storage access in plugin manifest`",
                ),
            ),
            note="The fix writes the `storage` permission with a size of 1 MiB, which the daemon requires.",
            fixed={"manifest.yaml": with_permission("    storage:\n      enabled: true\n      size: 1048576")},
        ),
    )
    valid = (
        Example(
            {"tools/echo.py": LLM_TOOL, "manifest.yaml": with_permission("    model:\n      enabled: true\n      llm: true\n")}
        ),
        Example(
            {
                "tools/echo.py": STORAGE_TOOL,
                "manifest.yaml": with_permission("    storage:\n      enabled: true\n      size: 1048576\n"),
            }
        ),
    )

    requires = (PYTHON_MODULES, SESSION_CALLS)
    fixable = "safe"

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable:
            return
        related = manifest_related(plugin)
        endpoints = doc.get("plugins", "endpoints")
        if isinstance(endpoints, list) and endpoints and not permission_flag(plugin, ("endpoint",)):
            yield self.at(
                doc,
                ("plugins", "endpoints"),
                "an endpoint plugin needs `resource.permission.endpoint.enabled: true`; without it the daemon"
                " refuses to set the endpoints up",
                key=True,
                fix=grant_fix(doc, ("endpoint",)),
            )
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                flags = call.endpoint.permission if call.endpoint is not None else None
                if not flags or permission_flag(plugin, flags):
                    continue
                yield Finding(
                    module.path,
                    node_span(module, call.node.func),
                    f"`{'.'.join(('session', *call.path))}` needs {yaml_of(flags)} in manifest.yaml;"
                    f" without it the daemon answers `permission denied, you need to enable {PERMISSION_TEXT[flags]}"
                    " access in plugin manifest`",
                    related=related,
                    fix=grant_fix(doc, flags),
                )
