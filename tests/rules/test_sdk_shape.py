"""The SDK's shape: endpoint objects called, result attributes that do not exist, provider ids
taken apart or hard-coded, and LLM schemas built in code without `mode`."""

from __future__ import annotations

import pytest

import helpers
from dify_lint.engine import lint_plugin
from dify_lint.examples import base_file
from dify_lint.registry import select_rules
from helpers import tool_source

CODES = ("DPL590", "DPL589", "DPL490", "DPL489", "DPL488")  # DPL406 is named where a test needs it

MANIFEST_PERMISSIONS = (
    "  permission:\n    model:\n      enabled: true\n      llm: true\n      text_embedding: true\n      rerank: true\n"
    "      moderation: true\n      speech2text: true\n"
)

HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMModelConfig
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.entities.model.rerank import RerankModelConfig
from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
"""

CALL = (
    'response = self.session.model.llm.invoke(model_config=tool_parameters["model"], '
    'prompt_messages=[UserPromptMessage(content="hi")], stream={stream})\n'
)


def tool(body: str, after: str = "") -> str:
    return tool_source(body, after, HEAD)


@pytest.fixture
def lint(tmp_path):
    base_manifest = base_file("manifest.yaml")

    def run(files: dict, base: str = "tool"):
        if base == "tool":
            files = {"manifest.yaml": base_manifest.replace("  permission: {}\n", MANIFEST_PERMISSIONS), **files}
        return helpers.lint(tmp_path, files, CODES, base)

    return run


def codes(found):
    return [d.code for d in found]


# -- DPL590 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "fix"),
    [
        ('self.session.model.summary(text="x")', "session.model.summary.invoke(...)"),
        ("self.session.model.llm(model_config={}, prompt_messages=[])", "session.model.llm.invoke(...)"),
        ('session.storage("k")', "`session.storage.get(...)`"),
        ("self.session.model(x)", "session.model.llm.invoke(...)"),
    ],
)
def test_endpoint_object_called(lint, call, fix):
    body = f"session = self.session\ntry:\n    value = {call}\nexcept Exception:\n    value = None\nyield self.create_text_message(str(value))"
    found = lint({"tools/echo.py": tool(body)})
    assert codes(found) == ["DPL590"] and fix in found[0].message


@pytest.mark.parametrize(
    "body",
    [
        'llm = getattr(self.session.model, "llm")\nyield self.create_text_message(str(llm))',
        'text = self.session.model.summary.invoke(text="x", instruction="y")\nyield self.create_text_message(text)',
        'http = requests.Session()\nyield self.create_text_message(http.get("https://example.com").text)',
    ],
)
def test_endpoint_object_lookalikes(lint, body):
    assert not lint({"tools/echo.py": tool(body)})


# -- DPL589 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (CALL.format(stream="False") + "yield self.create_text_message(response.content)", ["content"]),
        (CALL.format(stream="False") + "yield self.create_text_message(response.choices[0])", ["choices"]),
        (CALL.format(stream="False") + "yield self.create_text_message(response.message.text)", ["text"]),
        (CALL.format(stream="True") + "for chunk in response:\n    yield self.create_text_message(chunk.content)", ["content"]),
        (
            CALL.format(stream="True") + "for chunk in response:\n    yield self.create_text_message(chunk.message.content)",
            ["message"],
        ),
        (CALL.format(stream="True") + "for chunk in response:\n    yield self.create_text_message(chunk.delta.text)", ["text"]),
        (
            CALL.format(stream="True")
            + "for chunk in response:\n    delta = chunk.delta\n    m = delta.message\n    yield self.create_text_message(m.text)",
            ["text"],
        ),
        (CALL.format(stream="False") + 'yield self.create_json_message(response["message"])', ["index"]),
        (
            'r = self.session.model.rerank.invoke(model_config=RerankModelConfig(**tool_parameters["model"], score_threshold=0, top_n=3), docs=["a"], query="q")\n'
            'for d in r.docs:\n    yield self.create_json_message({"s": d.relevance_score})',
            ["relevance_score"],
        ),
        (
            'e = self.session.model.text_embedding.invoke(model_config=TextEmbeddingModelConfig(**tool_parameters["model"]), texts=["a"])\n'
            'yield self.create_json_message({"v": e.data[0].embedding})',
            ["data"],
        ),
        (
            's = self.session.model.summary.invoke(text="x", instruction="y")\nyield self.create_text_message(s.summary)',
            ["summary"],
        ),
        (
            'flagged = self.session.model.moderation.invoke(model_config=tool_parameters["model"], text="x")\n'
            "yield self.create_text_message(str(flagged.flagged))",
            ["flagged"],
        ),
    ],
)
def test_result_attribute_missing(lint, body, expected):
    found = lint({"tools/echo.py": tool(body)})
    assert codes(found) == ["DPL589"] * len(expected)
    for diagnostic, attr in zip(found, expected):
        assert (f"`.{attr}`" in diagnostic.message) or (attr == "index" and "indexing" in diagnostic.message)


@pytest.mark.parametrize(
    "body",
    [
        CALL.format(stream="False") + "yield self.create_text_message(response.message.get_text_content())",
        CALL.format(stream="False") + "yield self.create_json_message(response.model_dump())",
        CALL.format(stream="True")
        + "for chunk in response:\n    yield self.create_text_message(chunk.delta.message.get_text_content())",
        # guarded by hasattr / getattr / isinstance: the code expects several shapes
        CALL.format(stream="False")
        + 'text = response.content if hasattr(response, "content") else response.message.content\nyield self.create_text_message(text)',
        CALL.format(stream="False") + 'yield self.create_text_message(getattr(response, "text", ""))',
        CALL.format(stream="False") + "if isinstance(response, dict):\n    yield self.create_json_message(response['choices'])",
        # one name, two kinds of value: not followed
        CALL.format(stream="False") + 'response = {"content": "x"}\nyield self.create_text_message(response["content"])',
        # structured output has it
        'r = self.session.model.llm_structured_output.invoke(model_config=tool_parameters["model"], prompt_messages=[], structured_output_schema={}, stream=False)\n'
        "yield self.create_json_message(r.structured_output or {})",
        # str results have str methods
        's = self.session.model.summary.invoke(text="x", instruction="y")\nyield self.create_text_message(s.strip().upper())',
    ],
)
def test_result_attribute_lookalikes(lint, body):
    assert not lint({"tools/echo.py": tool(body)})


def test_result_name_reused_in_branches(lint):
    body = (
        "if tool_parameters.get('stream'):\n"
        "    "
        + CALL.format(stream="True")
        + "    for chunk in response:\n        yield self.create_text_message(chunk.delta.message.get_text_content())\n"
        "else:\n"
        "    " + CALL.format(stream="False") + "    yield self.create_text_message(response.message.get_text_content())"
    )
    assert not lint({"tools/echo.py": tool(body)})


# -- DPL490 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        'tool_parameters["model"]["provider"].split("/")[-1]',
        'tool_parameters["model"].get("provider", "").rsplit("/", 1)[-1]',
        '"langgenius/" + name',
        'f"langgenius/{name}/{name}"',
    ],
)
def test_provider_rewritten(lint, rewrite):
    body = (
        'name = tool_parameters["model"]["model"]\n'
        f"provider = {rewrite}\n"
        'result = self.session.model.text_embedding.invoke(model_config=TextEmbeddingModelConfig(provider=provider, model=name), texts=["a"])\n'
        'yield self.create_json_message({"n": len(result.embeddings)})'
    )
    found = lint({"tools/echo.py": tool(body)})
    assert codes(found) == ["DPL490"]


def test_provider_rewritten_inline_and_in_dict(lint):
    body = (
        'selected = tool_parameters["model"]\n'
        'config = {"provider": selected["provider"].split("/")[-1], "model": selected["model"], "mode": "chat"}\n'
        "result = self.session.model.llm.invoke(model_config=config, prompt_messages=[], stream=False)\n"
        "yield self.create_text_message(result.message.get_text_content())"
    )
    assert codes(lint({"tools/echo.py": tool(body)})) == ["DPL490"]


@pytest.mark.parametrize(
    "body",
    [
        # only shown to the user
        'label = tool_parameters["model"]["provider"].split("/")[-1]\nyield self.create_text_message(label)',
        # a path split, not a provider
        'model = TextEmbeddingModelConfig(provider=tool_parameters["model"]["provider"], model=tool_parameters["path"].split("/")[-1])\n'
        'yield self.create_json_message({"n": len(self.session.model.text_embedding.invoke(model_config=model, texts=["a"]).embeddings)})',
        # the name is reassigned to the full id before use
        'provider = tool_parameters["model"]["provider"].split("/")[-1]\nprovider = tool_parameters["model"]["provider"]\n'
        'config = TextEmbeddingModelConfig(provider=provider, model="m")\nyield self.create_text_message(config.provider)',
    ],
)
def test_provider_rewrite_lookalikes(lint, body):
    assert not lint({"tools/echo.py": tool(body)})


# -- DPL489 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        'LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})',
        '{"provider": "openai", "model": "gpt-4o-mini", "mode": "chat", "completion_params": {}}',
        'dict(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})',
    ],
)
def test_hard_coded_model(lint, config):
    for body in (
        f"result = self.session.model.llm.invoke(model_config={config}, prompt_messages=[], stream=False)\n",
        f"config = {config}\nresult = self.session.model.llm.invoke(model_config=config, prompt_messages=[], stream=False)\n",
    ):
        found = lint({"tools/echo.py": tool(body + "yield self.create_text_message(result.message.get_text_content())")})
        assert codes(found) == ["DPL489"] and found[0].severity.value == "warning"


@pytest.mark.parametrize(
    "body",
    [
        'result = self.session.model.llm.invoke(model_config=tool_parameters["model"], prompt_messages=[], stream=False)\n',
        'result = self.session.model.llm.invoke(model_config=LLMModelConfig(**tool_parameters["model"]), prompt_messages=[], stream=False)\n',
        # the provider comes from somewhere dify-lint cannot see
        'result = self.session.model.llm.invoke(model_config=LLMModelConfig(provider=PROVIDER, model="m", mode="chat"), prompt_messages=[], stream=False)\n',
        # two assignments: which one reaches the call is not known
        'config = {"provider": "openai", "model": "m", "mode": "chat"}\nif tool_parameters.get("model"):\n    config = tool_parameters["model"]\n'
        "result = self.session.model.llm.invoke(model_config=config, prompt_messages=[], stream=False)\n",
    ],
)
def test_hard_coded_model_lookalikes(lint, body):
    assert not lint({"tools/echo.py": tool(body + "yield self.create_text_message(result.message.get_text_content())")})


SELECTOR_YAML = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Echo.
  llm: Echo.
parameters:
  - name: model
    type: model-selector
    scope: llm
    required: true
    form: form
    label:
      en_US: Model
    human_description:
      en_US: Model.
extra:
  python:
    source: tools/echo.py
"""

FIXED = 'LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})'
ANSWER = "yield self.create_text_message(result.message.get_text_content())"


@pytest.mark.parametrize(
    ("body", "after"),
    [
        # a helper returns the config
        (
            "result = self.session.model.llm.invoke(model_config=self._config(), prompt_messages=[], stream=False)\n",
            f"\n    def _config(self):\n        return {FIXED}\n",
        ),
        # a spread of a dict a helper returns
        (
            "result = self.session.model.llm.invoke(model_config=LLMModelConfig(**self._config()), prompt_messages=[], stream=False)\n",
            '\n    def _config(self):\n        return {"provider": "openai", "model": "m", "mode": "chat"}\n',
        ),
        # a module constant
        (
            'result = self.session.model.llm.invoke(model_config=LLMModelConfig(provider=PROVIDER, model="m", mode="chat"), prompt_messages=[], stream=False)\n',
            '\nPROVIDER = "openai"\n',
        ),
        # a key set afterwards
        (
            'config = {"model": "m", "mode": "chat"}\nconfig["provider"] = "openai"\nresult = self.session.model.llm.invoke(model_config=config, prompt_messages=[], stream=False)\n',
            "",
        ),
    ],
)
def test_hard_coded_model_followed(lint, body, after):
    found = lint({"tools/echo.py": tool(body + ANSWER, after)})
    assert codes(found) == ["DPL489"] and "`openai`" in found[0].message


def test_hard_coded_workflow_node_model(lint):
    body = (
        "from dify_plugin.entities.workflow_node import ModelConfig\n"
        'node = self.session.workflow_node.question_classifier.invoke(classes=[], model=ModelConfig(provider="openai", name="gpt-4o-mini", mode="chat"), query="q")\n'
        "yield self.create_json_message(node.outputs)"
    )
    found = lint({"tools/echo.py": tool(body)})
    assert codes(found) == ["DPL489"]
    assert "(model `gpt-4o-mini`)" in found[0].message and "build the config from its `provider` and `model`" in found[0].message


def test_hard_coded_model_in_a_plugin_named_after_the_provider(lint):
    manifest = base_file("manifest.yaml").replace("  permission: {}\n", MANIFEST_PERMISSIONS)
    manifest = manifest.replace("name: example_tool", "name: deepseek-helper")
    body = f"result = self.session.model.llm.invoke(model_config={FIXED.replace('openai', 'langgenius/deepseek/deepseek')}, prompt_messages=[], stream=False)\n"
    found = lint({"manifest.yaml": manifest, "tools/echo.py": tool(body + ANSWER)})
    assert codes(found) == ["DPL489"] and found[0].severity.value == "info" and "by design" in found[0].message


def test_hard_coded_model_with_an_unread_selector_is_dpl406(lint, tmp_path):
    body = f"result = self.session.model.llm.invoke(model_config={FIXED}, prompt_messages=[], stream=False)\n"
    files = {"tools/echo.py": tool(body + ANSWER), "tools/echo.yaml": SELECTOR_YAML}
    assert codes(lint(files)) == []  # DPL489 leaves it to DPL406
    manifest = base_file("manifest.yaml").replace("  permission: {}\n", MANIFEST_PERMISSIONS)
    found = helpers.lint(tmp_path, {"manifest.yaml": manifest, **files}, ["DPL406"])
    assert codes(found) == ["DPL406"] and "`model`, which the code never reads" in found[0].message
    assert found[0].related[0].message == "the model-selector users fill"


@pytest.mark.parametrize(
    "body",
    [
        # the selector is read as well: the fixed config is a second call (DPL489), not an ignored choice
        f"first = self.session.model.llm.invoke(model_config={FIXED}, prompt_messages=[], stream=False)\n"
        'result = self.session.model.llm.invoke(model_config=tool_parameters["model"], prompt_messages=[], stream=False)\n',
        # the selector's provider is kept, only the model name is fixed
        'result = self.session.model.llm.invoke(model_config=LLMModelConfig(provider=tool_parameters["model"]["provider"], model="m", mode="chat"), prompt_messages=[], stream=False)\n',
        # the parameters escape to code that is not followed
        f"unknown_helper(tool_parameters)\nresult = self.session.model.llm.invoke(model_config={FIXED}, prompt_messages=[], stream=False)\n",
    ],
)
def test_model_selector_ignored_lookalikes(tmp_path, body):
    manifest = base_file("manifest.yaml").replace("  permission: {}\n", MANIFEST_PERMISSIONS)
    files = {"manifest.yaml": manifest, "tools/echo.py": tool(body + ANSWER), "tools/echo.yaml": SELECTOR_YAML}
    assert not helpers.lint(tmp_path, files, ["DPL406"])


def test_documented_first_example_reports_only_its_fixed_provider():
    """The documentation's first reverse-model example builds `LLMModelConfig(provider='openai',
    ...)` by hand, which the same page calls not recommended: the one finding is DPL489's."""
    found = lint_plugin(helpers.load(helpers.FIXTURES / "docs_example_hardcoded_model"), select_rules(None, None))
    assert [(d.code, d.severity.value) for d in found] == [("DPL489", "warning")]
    assert "declare a `model-selector` parameter (scope: llm)" in found[0].message


# -- DPL488 ------------------------------------------------------------------------------------

MODEL = """\
from dify_plugin import LargeLanguageModel
from dify_plugin.entities.model import AIModelEntity, FetchFrom, ModelPropertyKey, ModelType


class ExampleLargeLanguageModel(LargeLanguageModel):
    def _invoke(self, model, credentials, prompt_messages, model_parameters, tools=None, stop=None, stream=True, user=None):
        raise NotImplementedError

    def get_num_tokens(self, model, credentials, prompt_messages, tools=None):
        return 0

    def validate_credentials(self, model, credentials):
        pass

    def get_customizable_model_schema(self, model, credentials):
{body}

    @property
    def _invoke_error_mapping(self):
        return {{}}
"""


def model_source(body: str) -> str:
    return MODEL.format(body="\n".join("        " + line for line in body.strip("\n").splitlines()))


ENTITY = "return AIModelEntity(model=model, label={{}}, model_type={type}, fetch_from=FetchFrom.CUSTOMIZABLE_MODEL, model_properties={props})"


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        (ENTITY.format(type="ModelType.LLM", props="{}"), True),
        (ENTITY.format(type='"llm"', props="{ModelPropertyKey.CONTEXT_SIZE: 4096}"), True),
        (ENTITY.format(type="ModelType.LLM", props='{ModelPropertyKey.MODE: credentials.get("mode")}'), False),
        (ENTITY.format(type="ModelType.LLM", props='{"mode": "chat"}'), False),
        (ENTITY.format(type="ModelType.TEXT_EMBEDDING", props="{}"), False),
        (ENTITY.format(type="ModelType.LLM", props="{**base}"), False),
        (ENTITY.format(type="ModelType.LLM", props="self._properties(credentials)"), False),
        ("props = {}\nprops[ModelPropertyKey.MODE] = 'chat'\n" + ENTITY.format(type="ModelType.LLM", props="props"), False),
        ("props = {}\nprops[ModelPropertyKey.CONTEXT_SIZE] = 1\n" + ENTITY.format(type="ModelType.LLM", props="props"), True),
        ("props = {}\nfill(props)\n" + ENTITY.format(type="ModelType.LLM", props="props"), False),
    ],
)
def test_customizable_llm_without_mode(lint, body, expect):
    found = lint({"models/llm/llm.py": model_source(body)}, base="model")
    assert codes(found) == (["DPL488"] if expect else [])


def test_customizable_llm_only_in_model_plugins(lint):
    source = "from dify_plugin.entities.model import AIModelEntity, ModelType\n\n\ndef schema(model):\n    return AIModelEntity(model=model, label={}, model_type=ModelType.LLM, model_properties={})\n"
    assert not lint({"tools/schema.py": source})


def test_result_shapes_come_from_the_sdk_table():
    from dify_lint import sdk

    assert {"message", "usage"} <= sdk.RESULT_SHAPES["llm"][0]
    assert "content" not in sdk.RESULT_SHAPES["llm"][0]  # LLMResult.content does not exist
