"""Rules' example plugins: the base plugins they start from, the builders several rule families
share, and turning an example into a plugin on disk (for the tests and anyone trying a rule).

Each example is a base plugin from `baseplugins/` with some files replaced or removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .rule import Example

BASE_PLUGINS = Path(__file__).parent / "baseplugins"


def base_names() -> list[str]:
    return sorted(p.name for p in BASE_PLUGINS.iterdir() if (p / "manifest.yaml").is_file())


def base_file(relative: str, base: str = "tool") -> str:
    """The text of a base plugin's file."""
    return (BASE_PLUGINS / base / relative).read_text("utf-8")


def materialize(example: Example, destination: Path) -> Path:
    """Write the example's plugin into `destination` (which must not exist) and return it."""
    base = BASE_PLUGINS / example.base
    if not (base / "manifest.yaml").is_file():
        raise ValueError(f"no base plugin `{example.base}`; known: {', '.join(base_names())}")
    shutil.copytree(base, destination, ignore=shutil.ignore_patterns("__pycache__"))
    for relative, text in example.files.items():
        target = destination / relative
        if text is None:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return destination


# -- the manifest ---------------------------------------------------------------------------------

_MANIFEST = """\
version: 0.0.1
type: plugin
author: example
name: example_tool
label:
  en_US: Example tool
description:
  en_US: A minimal, valid tool plugin.
icon: icon.svg
created_at: 2024-01-01T00:00:00Z
resource:
  memory: 268435456
  permission: {{}}
plugins:
{plugins}
meta:
  version: {meta_version}
  arch:
    - amd64
    - arm64
  runner:
    language: python
    version: "3.12"
    entrypoint: main
"""


def manifest(plugins: str = "  tools:\n    - provider/example.yaml", meta_version: str = "0.0.1") -> str:
    """A tool plugin's manifest with the given `plugins` block and `meta.version`."""
    return _MANIFEST.format(plugins=plugins, meta_version=meta_version)


def with_permission(block: str) -> str:
    """The example manifest with `resource.permission` set to `block` (indented four spaces)."""
    return manifest().replace("  permission: {}", "  permission:\n" + block)


def manifest_with(old: str, new: str) -> str:
    """The tool base plugin's manifest with one replacement."""
    text = base_file("manifest.yaml")
    assert old in text
    return text.replace(old, new, 1)


# -- a tool's YAML --------------------------------------------------------------------------------

_TOOL = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Repeats the text it is given.
  llm: Repeats the text it is given.
parameters:
{parameters}
extra:
  python:
    source: tools/echo.py
"""

TEXT_PARAMETER = """\
  - name: text
    type: string
    required: true
    form: {form}
    label:
      en_US: Text
    human_description:
      en_US: The text to repeat.
    llm_description: The text to repeat."""


def tool_yaml(parameters: str = TEXT_PARAMETER.format(form="llm")) -> str:
    """The echo tool's YAML with the given `parameters` list."""
    return _TOOL.format(parameters=parameters)


# -- a tool that calls an LLM with a model-selector ------------------------------------------------

_LLM_TOOL = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
{body}
"""

_SELECTOR_YAML = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Answers with a model.
  llm: Answers with a model.
parameters:
  - name: text
    type: string
    required: true
    form: llm
    label:
      en_US: Text
    human_description:
      en_US: The text.
    llm_description: The text.
  - name: model
    type: model-selector
    scope: llm
    required: true
    form: form
    label:
      en_US: Model
    human_description:
      en_US: The model to answer with.
extra:
  python:
    source: tools/echo.py
"""

#: the start of `_invoke` in `llm_tool_example`: a blocking LLM call on the selector's model
LLM_INVOKE = """\
        result = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
            stream=False,
        )
"""


#: The body of an `_invoke` that sends a config fixed in code (provider `openai`) and reads only
#: the `text` parameter of `llm_tool_example`'s YAML.
FIXED_LLM_CALL = (
    "        result = self.session.model.llm.invoke(\n"
    '            model_config=LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={}),\n'
    '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
    "            stream=False,\n"
    "        )\n"
    "        yield self.create_text_message(result.message.get_text_content())"
)


def llm_tool_example(body: str, *, selector: bool = True, expect: tuple = ()) -> Example:
    """The echo tool whose `_invoke` runs `body` (indented eight spaces), with LLM permission and,
    with `selector`, a `model` model-selector parameter (scope llm)."""
    files: dict[str, str] = {
        "tools/echo.py": _LLM_TOOL.format(body=body),
        "manifest.yaml": with_permission("    model:\n      enabled: true\n      llm: true\n"),
    }
    if selector:
        files["tools/echo.yaml"] = _SELECTOR_YAML
    return Example(files, expect=expect)
