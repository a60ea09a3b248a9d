"""What the contract rules share: how they quote a read and point at the YAML, and example plugins."""

from __future__ import annotations

from dify_lint.analysis.params import KeyRead
from dify_lint.diagnostics import Related, Span
from dify_lint.examples import tool_yaml
from dify_lint.model.yamldoc import PathItem, YamlDoc
from dify_lint.python.astutil import source_text

TOOL_PY = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
{body}
"""


def tool(body: str) -> str:
    """The echo tool whose `_invoke` runs `body` (indented eight spaces)."""
    return TOOL_PY.format(body=body)


_PARAMETER = """\
  - name: {name}
    type: {type}
    required: {required}
    form: {form}
    label:
      en_US: {label}
    human_description:
      en_US: {label}.
    llm_description: {label}.{extra}"""


def parameter(name: str, type: str = "string", required: str = "true", form: str = "llm", extra: str = "") -> str:
    """One tool parameter's YAML."""
    return _PARAMETER.format(
        name=name, type=type, required=required, form=form, label=name.replace("_", " ").title(), extra=extra
    )


def position(read: KeyRead) -> tuple[str, int, int]:
    return (read.module.path, getattr(read.node, "lineno", 0), getattr(read.node, "col_offset", 0))


def outcome(read: KeyRead) -> str:
    """What a read gives when its key is never sent."""
    if read.how == "in":
        return "the test is always false"
    if read.how == "index":
        return "it is never set"
    return "it always falls back to the default" if read.default else "it is always None"


def dict_expr(read: KeyRead) -> str:
    """The read as written (`tool_parameters["query"]`), or its key when that is long."""
    segment = source_text(read.module, read.node) if read.node is not None else None
    if segment and len(segment) <= 60 and "\n" not in segment:
        return f"`{segment}`"
    return f"`{read.key}`"


def yaml_related(doc: YamlDoc, path: tuple[PathItem, ...], message: str) -> Related:
    return Related(doc.path, doc.span(path, key=True), message)


def parameters_related(doc: YamlDoc, declared: dict[str, tuple[int, dict]], names: list[str]) -> tuple[Related, ...]:
    if names and names[0] in declared:
        index = declared[names[0]][0]
        return (yaml_related(doc, ("parameters", index, "name"), f"`{names[0]}` is declared here"),)
    if doc.exact(("parameters",)):
        return (yaml_related(doc, ("parameters",), "the parameters are declared here"),)
    return (Related(doc.path, Span.file_start(), "this YAML declares no parameters"),)


def not_declared(contract, key: str) -> str:
    """Who does not declare `key`: the tool's YAML, or every YAML using its class."""
    if contract.shared:
        return f"none of the {len(contract.siblings)} YAML files using `{contract.cls.name}` declares `{key}`"
    return f"{contract.declaration.doc.path} does not declare `{key}`"


PROVIDER_YAML = """\
identity:
  author: example
  name: example
  label:
    en_US: Example
  description:
    en_US: Example tools.
  icon: icon.svg
credentials_for_provider:
  api_key:
    type: secret-input
    required: true
    label:
      en_US: API key
tools:
  - tools/echo.yaml
extra:
  python:
    source: provider/example.py
"""


PROVIDER_PY = """\
from typing import Any

from dify_plugin import ToolProvider
from dify_plugin.errors.tool import ToolProviderCredentialValidationError


class ExampleProvider(ToolProvider):
    def _validate_credentials(self, credentials: dict[str, Any]) -> None:
        if not credentials.get("{key}"):
            raise ToolProviderCredentialValidationError("{key} is required")
"""

STRATEGY_PY = """\
from collections.abc import Generator
from typing import Any

from pydantic import BaseModel

from dify_plugin.entities.agent import AgentInvokeMessage
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.interfaces.agent import AgentModelConfig, AgentStrategy


class SimpleParams(BaseModel):
    model: AgentModelConfig
    query: str
{extra}

class SimpleStrategy(AgentStrategy):
    def _invoke(self, parameters: dict[str, Any]) -> Generator[AgentInvokeMessage, None, None]:
        params = SimpleParams(**parameters)
        result = self.session.model.llm.invoke(
            model_config=params.model,
            prompt_messages=[UserPromptMessage(content=params.query)],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
"""

__all__ = [
    "PROVIDER_PY", "PROVIDER_YAML", "STRATEGY_PY", "TOOL_PY", "dict_expr", "outcome", "parameter", "parameters_related", "position",
    "tool", "tool_yaml", "not_declared", "yaml_related",
]  # fmt: skip
