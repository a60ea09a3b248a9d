"""DPL602 unused-permission."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.diagnostics import Severity
from dify_lint.examples import with_permission
from dify_lint.python.astutil import dotted, string_value
from dify_lint.rule import Example, Finding, Rule

from ._common import STORAGE_TOOL, permission_flag


class UnusedPermission(Rule):
    code = "DPL602"
    name = "unused-permission"
    summary = "The manifest grants a permission no code uses (opt-in)"
    severity = Severity.INFO
    default_off = True
    explanation = """
    Permissions are shown to the workspace administrator who installs the plugin; asking for access
    the plugin never uses costs trust and widens what a compromised plugin could do. This is
    reported only when every Python file of the plugin parsed and no call reaches the session in a
    way dify-lint cannot follow. It is opt-in (`--extend-select DPL602`): the plugin template grants
    model and tool access by default, so most plugins would hear about it.
    """
    invalid = (
        Example(
            {"manifest.yaml": with_permission("    storage:\n      enabled: true\n      size: 1048576\n")},
            expect=(
                (
                    "manifest.yaml:15:7-15:14",
                    "the manifest grants `storage` but no code calls `session.storage`; drop the permission if nothing needs it",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.py": STORAGE_TOOL,
                "manifest.yaml": with_permission("    storage:\n      enabled: true\n      size: 1048576\n"),
            }
        ),
    )

    #: permission flags a call can use, as (group, sub-flag or None)
    FLAGS = (
        ("model", "llm"),
        ("model", "text_embedding"),
        ("model", "rerank"),
        ("model", "tts"),
        ("model", "speech2text"),
        ("model", "moderation"),
        ("tool", None),
        ("app", None),
        ("node", None),
        ("storage", None),
    )

    requires = (PYTHON_MODULES, SESSION_CALLS)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable:
            return
        used: set[tuple[str, ...]] = set()
        for module in ctx.get(PYTHON_MODULES):
            if module.syntax_error is not None or module.newer_grammar:
                return  # calls dify-lint cannot see may use any permission
            if "session" in module.text and _dynamic_session_use(module.tree):
                return
            for call in ctx.module(SESSION_CALLS, module):
                if call.endpoint is not None and call.endpoint.permission:
                    used.add(call.endpoint.permission)
                elif call.endpoint is None:
                    used.update(f for f in self.FLAGS if f[0] == call.path[0])  # type: ignore[misc]
        for group, flag in self.FLAGS:
            flags = (group, flag) if flag else (group,)
            if not permission_flag(plugin, flags) or flags in used:
                continue
            path = ("resource", "permission", group, flag) if flag else ("resource", "permission", group, "enabled")
            yield self.at(
                doc,
                path,
                f"the manifest grants `{group}{'.' + flag if flag else ''}` but no code calls"
                f" `session.{'model.' + flag if flag else {'node': 'workflow_node'}.get(group, group)}`;"
                " drop the permission if nothing needs it",
                key=True,
            )


def _dynamic_session_use(tree: ast.Module | None) -> bool:
    """Session access dify-lint cannot follow: `getattr(<...session...>, <a computed name>)`."""
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and dotted(node.func) == "getattr" and len(node.args) >= 2:
            subject = dotted(node.args[0])
            if "session" in subject and string_value(node.args[1]) is None:
                return True
    return False
