"""What the model-selection rules share: the words for model types and places, the LLM configs
built in code, and the example tools."""

from __future__ import annotations

import ast
import re
from typing import Iterator

from dify_lint.analysis.model_calls import Keys, ModelCall, Selectors, keys_of
from dify_lint.analysis.origins import Built
from dify_lint.diagnostics import Edit, Fix, Related
from dify_lint.examples import manifest, tool_yaml
from dify_lint.model.declarations import Parameter, parameter_name
from dify_lint.model.plugin import Plugin
from dify_lint.python.astutil import node_offsets, node_span

TYPE_WORDS = {
    "llm": "an LLM",
    "text-embedding": "a text-embedding model",
    "rerank": "a rerank model",
    "tts": "a TTS model",
    "speech2text": "a speech2text model",
    "moderation": "a moderation model",
}


def where(parameter: Parameter) -> str:
    name = parameter_name(parameter)
    kinds = {
        "tool": "tool parameter",
        "strategy": "strategy parameter",
        "setting": "endpoint setting",
        "credential": "provider credential",
    }
    return f"{kinds.get(parameter.context, 'parameter')} `{name}` ({parameter.declaration.doc.path})"


def scope_related(parameter: Parameter, message: str) -> Related:
    doc = parameter.declaration.doc
    at = (*parameter.at, "scope") if "scope" in parameter.data else (*parameter.at, "type")
    return Related(doc.path, doc.span(at), message)


def built_label(built: Built) -> str:
    return f"`{built.class_name}(...)`" if built.class_name else "this dict"


def related_call(mc: ModelCall, built: Built) -> tuple[Related, ...]:
    """The call a config built elsewhere is passed to."""
    if built.node is mc.argument:
        return ()
    return (Related(mc.call.module.path, node_span(mc.call.module, mc.call.node.func), f"passed to `{mc.name}` here"),)


def llm_configs(calls: list[ModelCall], selectors: Selectors) -> Iterator[tuple[ModelCall, Built, Keys]]:
    """Each LLM config built in code (a config class call or a dict) that reaches llm or
    llm_structured_output, once, with the keys it is given."""
    seen: set[int] = set()
    for mc in calls:
        if mc.endpoint.config_class != "LLMModelConfig":
            continue
        for origin in mc.origins:
            if not isinstance(origin, Built) or origin.class_name not in (None, "LLMModelConfig", "AgentModelConfig"):
                continue
            if id(origin.node) in seen:
                continue
            seen.add(id(origin.node))
            yield mc, origin, keys_of(selectors, origin)


def add_key_fix(built: Built, key: str, value: str, message: str) -> Fix | None:
    """Give a config built in code one more key: `key=value` at the end of a config class's
    arguments, or `"key": value` at the end of a dict, written as the config's own lines are
    (one line, or one argument per line at the same indentation, its trailing comma kept).
    `value` is Python source; a str written in it takes the quotes the config already uses."""
    module, node = built.module, built.node
    if isinstance(node, ast.Call) and not any(k.arg is None for k in node.keywords):
        items: list[ast.AST] = [*node.args, *node.keywords]
        entry = f"{key}={value}"
    elif isinstance(node, ast.Dict) and None not in node.keys:
        items = [item for pair in zip(node.keys, node.values) for item in pair]
        entry = f'"{key}": {value}'
    else:
        return None
    whole = node_offsets(module, node)
    if whole is None:
        return None
    text = module.text
    quote = _quote_of(module, node)
    entry = entry.replace('"', quote)
    closing = whole[1] - 1
    if text[closing] not in ")}":
        return None
    if not items:
        edit = Edit(module.path, closing, closing, entry)
    else:
        last = node_offsets(module, items[-1])
        if last is None:
            return None
        first = node_offsets(module, items[0])
        lines = module.lines
        last_line = lines.position(last[1]).line
        if first is None or last_line == lines.position(whole[0]).line or lines.position(first[0]).line == last_line:
            edit = Edit(module.path, last[1], last[1], f", {entry}")
        else:  # one entry per line: a new line at the indentation of the last one's line
            last_entry = node_offsets(module, items[-2] if isinstance(node, ast.Dict) else items[-1])
            if last_entry is None:
                return None
            line_start = lines.starts[lines.position(last_entry[0]).line - 1]
            indent = text[line_start : last_entry[0]]
            if indent.strip():
                return None
            edit = Edit(module.path, last[1], last[1], f",\n{indent}{entry}")
    return Fix(message, (edit,), "unsafe")


def _quote_of(module, node: ast.AST) -> str:
    """The quote the config's first string literal is written with (double when it has none)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            offsets = node_offsets(module, child)
            if offsets is not None:
                written = module.text[offsets[0] : offsets[1]].lstrip("rRbBuU")
                if written[:1] in ("'", '"'):
                    return written[0]
    return '"'


# -- configs that name a fixed provider ----------------------------------------------------------


def named_after(plugin: Plugin, provider: str) -> bool:
    """Whether the plugin is named after the provider (`openai_tools` calling `openai`): it is then
    made for that provider, and needs it by design."""
    doc = plugin.manifest
    name = doc.get("name") if doc is not None and doc.usable else None
    if not isinstance(name, str) or not provider:
        return False
    return re.search(rf"(^|[_-]){re.escape(provider.lower())}($|[_-])", name.lower()) is not None


# -- examples ------------------------------------------------------------------------------------

_MODEL_PARAMETER = """\
  - name: model
    type: model-selector
    scope: {scope}
    required: true
    form: form
    label:
      en_US: Model
    human_description:
      en_US: The model to use.
  - name: text
    type: string
    required: true
    form: llm
    label:
      en_US: Text
    human_description:
      en_US: The text.
    llm_description: The text."""


def tool(code: str, scope: str | None = None, permission: str = "llm") -> dict[str, str]:
    files = {
        "tools/echo.py": code,
        "manifest.yaml": manifest().replace(
            "  permission: {}", f"  permission:\n    model:\n      enabled: true\n      {permission}: true"
        ),
    }
    if scope is not None:
        files["tools/echo.yaml"] = tool_yaml(_MODEL_PARAMETER.format(scope=scope))
    return files


_HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMModelConfig
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
"""

_LLM_CALL = """\
        result = self.session.model.llm.invoke(
            model_config={config},
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
"""


def llm_tool(config: str, scope: str | None = None) -> dict[str, str]:
    return tool(_HEAD + _LLM_CALL.format(config=config), scope)


EMBED_TOOL = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
        result = self.session.model.text_embedding.invoke(
            model_config={config},
            texts=[tool_parameters["text"]],
        )
        yield self.create_json_message({{"embedding": result.embeddings[0]}})
"""

RERANK_TOOL = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.rerank import RerankModelConfig


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
        config = RerankModelConfig(**tool_parameters["model"]{fields})
        result = self.session.model.rerank.invoke({arguments})
        yield self.create_json_message({{"docs": [d.text for d in result.docs]}})
"""


def rerank_tool(fields: str = ", score_threshold=0.5, top_n=3", arguments: str = "config, docs, query") -> str:
    return RERANK_TOOL.format(fields=fields, arguments=arguments)
