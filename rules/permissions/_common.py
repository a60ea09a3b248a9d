"""What the permission rules share: whether the manifest grants a permission, and example tools."""

from __future__ import annotations

from dify_lint.diagnostics import Fix, Related
from dify_lint.model.plugin import Plugin
from dify_lint.model.yamldoc import YamlDoc
from dify_lint.model.yamledit import ensure

#: the storage size a new storage permission gets (the daemon wants one: 1 KiB to 1 GiB)
DEFAULT_STORAGE_SIZE = "1048576"

LLM_TOOL = """\
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
"""

STORAGE_TOOL = """\
from dify_plugin import Tool


class EchoTool(Tool):
    def _invoke(self, tool_parameters):
        self.session.storage.set("last", tool_parameters["text"].encode())
        yield self.create_text_message("saved")
"""


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


def manifest_related(plugin: Plugin) -> tuple[Related, ...]:
    doc = plugin.manifest
    for path in (("resource", "permission"), ("resource",), ()):
        if doc.exact(path):
            return (Related(doc.path, doc.span(path, key=True), "permissions are declared here"),)
    return ()


def yaml_of(flags: tuple[str, ...]) -> str:
    if len(flags) == 1:
        return f"resource.permission.{flags[0]}.enabled: true"
    return f"resource.permission.{flags[0]}.enabled: true and {flags[0]}.{flags[1]}: true"


def grant_fix(doc: YamlDoc, flags: tuple[str, ...]) -> Fix | None:
    """Set the permission's flags to true in manifest.yaml, writing the `permission` block (or
    the group within it) when there is none; a new storage permission gets a size of 1 MiB."""
    group: dict[str, str] = {"enabled": "true"}
    if len(flags) > 1:
        group[flags[1]] = "true"
    if flags[0] == "storage" and doc.get("resource", "permission", "storage", "size") is None:
        group["size"] = DEFAULT_STORAGE_SIZE
    edits = ensure(doc, {"resource": {"permission": {flags[0]: group}}})
    if not edits:
        return None
    return Fix(f"Grant {yaml_of(flags)} in manifest.yaml", tuple(edits), "safe")
