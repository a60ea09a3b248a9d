"""DPL6xx: the manifest's `resource.permission` against the `session.*` calls the code makes."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Related, Severity
from dify_lint.model.plugin import Plugin
from dify_lint.pyflow import plugin_modules, session_calls, span_of
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import PERMISSION_TEXT

from .manifest import manifest

_LLM_TOOL = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMModelConfig
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
        result = self.session.model.llm.invoke(
            model_config=LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={}),
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
'''

_STORAGE_TOOL = '''\
from dify_plugin import Tool


class EchoTool(Tool):
    def _invoke(self, tool_parameters):
        self.session.storage.set("last", tool_parameters["text"].encode())
        yield self.create_text_message("saved")
'''


def _with_permission(block: str) -> str:
    return manifest().replace("  permission: {}", "  permission:\n" + block)


def permission_flag(plugin: Plugin, flags: tuple[str, ...]) -> bool:
    """Whether the manifest grants a permission: `model.llm` needs `model.enabled` as well."""
    doc = plugin.manifest
    permission = doc.get("resource", "permission") if doc is not None else None
    if not isinstance(permission, dict):
        return False
    group = permission.get(flags[0])
    if not isinstance(group, dict) or group.get("enabled") is not True:
        return False
    return len(flags) == 1 or group.get(flags[1]) is True


def _manifest_related(plugin: Plugin) -> tuple[Related, ...]:
    doc = plugin.manifest
    for path in (("resource", "permission"), ("resource",), ()):
        if doc.exact(path):
            return (Related(doc.path, doc.span(path, key=True), "permissions are declared here"),)
    return ()


def _yaml_of(flags: tuple[str, ...]) -> str:
    if len(flags) == 1:
        return f"resource.permission.{flags[0]}.enabled: true"
    return f"resource.permission.{flags[0]}.enabled: true and {flags[0]}.{flags[1]}: true"


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
        Example({"tools/echo.py": _LLM_TOOL, "manifest.yaml": _with_permission("    model:\n      enabled: true\n")}),
        Example({"tools/echo.py": _STORAGE_TOOL}),
    )
    valid = (
        Example({"tools/echo.py": _LLM_TOOL, "manifest.yaml": _with_permission("    model:\n      enabled: true\n      llm: true\n")}),
        Example(
            {"tools/echo.py": _STORAGE_TOOL, "manifest.yaml": _with_permission("    storage:\n      enabled: true\n      size: 1048576\n")}
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        if doc is None or not doc.usable:
            return
        related = _manifest_related(plugin)
        endpoints = doc.get("plugins", "endpoints")
        if isinstance(endpoints, list) and endpoints and not permission_flag(plugin, ("endpoint",)):
            yield self.at(
                doc,
                ("plugins", "endpoints"),
                "an endpoint plugin needs `resource.permission.endpoint.enabled: true`; without it the daemon"
                " refuses to set the endpoints up",
                key=True,
            )
        for module in plugin_modules(plugin):
            for call in session_calls(module):
                flags = call.endpoint.permission if call.endpoint is not None else None
                if not flags or permission_flag(plugin, flags):
                    continue
                yield Finding(
                    module.path,
                    span_of(module, call.node.func),
                    f"`{'.'.join(('session', *call.path))}` needs {_yaml_of(flags)} in manifest.yaml;"
                    f" without it the daemon answers `permission denied, you need to enable {PERMISSION_TEXT[flags]}"
                    " access in plugin manifest`",
                    related=related,
                )


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
    invalid = (Example({"manifest.yaml": _with_permission("    storage:\n      enabled: true\n      size: 1048576\n")}),)
    valid = (
        Example(
            {"tools/echo.py": _STORAGE_TOOL, "manifest.yaml": _with_permission("    storage:\n      enabled: true\n      size: 1048576\n")}
        ),
    )

    #: permission flags a call can use, as (group, sub-flag or None)
    FLAGS = (("model", "llm"), ("model", "text_embedding"), ("model", "rerank"), ("model", "tts"), ("model", "speech2text"), ("model", "moderation"), ("tool", None), ("app", None), ("node", None), ("storage", None))

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        if doc is None or not doc.usable:
            return
        used: set[tuple[str, ...]] = set()
        for module in plugin_modules(plugin):
            if module.syntax_error is not None:
                return
            if "session" in module.text and _dynamic_session_use(module.text):
                return
            for call in session_calls(module):
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


def _dynamic_session_use(text: str) -> bool:
    """Session access dify-lint cannot follow: getattr with a computed name, the session passed on."""
    import re

    return bool(re.search(r"getattr\(\s*[\w.]*session[\w.]*\s*,\s*[^'\"\s]", text))


class SessionInModelPlugin(Rule):
    code = "DPL603"
    name = "session-in-model-plugin"
    summary = "A model plugin calls back into Dify, which the daemon refuses"
    explanation = """
    While it serves a model request, a plugin may not call back into Dify: the daemon answers
    `you can not invoke dify from model`. Model providers and model classes must not use
    `self.session`.
    """
    invalid = (
        Example(
            {
                "models/llm/llm.py": '''\
from dify_plugin import LargeLanguageModel


class ExampleLargeLanguageModel(LargeLanguageModel):
    def _invoke(self, model, credentials, prompt_messages, model_parameters, tools=None, stop=None, stream=True, user=None):
        summary = self.session.model.summary.invoke(text="x", instruction="shorten")
        raise NotImplementedError(summary)

    def get_num_tokens(self, model, credentials, prompt_messages, tools=None):
        return 0

    def validate_credentials(self, model, credentials):
        pass

    @property
    def _invoke_error_mapping(self):
        return {}
'''
            },
            base="model",
        ),
    )
    valid = (Example({}, base="model"),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        models = doc.get("plugins", "models") if doc is not None and doc.usable else None
        if not isinstance(models, list) or not models:
            return
        for module in plugin_modules(plugin):
            for call in session_calls(module):
                yield Finding(
                    module.path,
                    span_of(module, call.node.func),
                    f"a model plugin cannot call `{'.'.join(('session', *call.path))}`: the daemon answers"
                    " `you can not invoke dify from model`",
                )


RULES = [MissingPermission, UnusedPermission, SessionInModelPlugin]
