"""DPL4xx (model selection) and the value analysis behind it: what must trigger, and the
look-alikes that must stay silent."""

from __future__ import annotations

import textwrap

import pytest

from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.rule import Example
from dify_lint.sdk import selector_model_type
from helpers import build, lint_root, rules_of

MODEL_CODES = ("DPL401", "DPL402", "DPL403", "DPL404", "DPL405")
MODEL_RULES = rules_of(MODEL_CODES)

PERMISSION = """\
  permission:
    model:
      enabled: true
      llm: true
      text_embedding: true
      rerank: true
      tts: true
      speech2text: true
      moderation: true
    node:
      enabled: true
    storage:
      enabled: true
      size: 1048576
"""

HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMModelConfig
from dify_plugin.entities.model.message import UserPromptMessage
from dify_plugin.entities.model.rerank import RerankModelConfig
from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig
from dify_plugin.entities.model.tts import TTSModelConfig
from dify_plugin.entities.workflow_node import ModelConfig

"""


def _parameter(name: str, kind: str, scope: str | None) -> str:
    lines = [f"  - name: {name}", f"    type: {kind}"]
    if scope is not None:
        lines.append(f"    scope: {scope}")
    lines += [
        "    required: true",
        "    form: form",
        "    label:",
        f"      en_US: {name}",
        "    human_description:",
        f"      en_US: {name}",
    ]
    return "\n".join(lines)


def tool_files(code: str, *params: tuple[str, str, str | None], credentials: str = "") -> dict[str, str]:
    """A tool plugin whose tools/echo.py is `code` (after HEAD) and whose YAML declares `params`."""
    declared = params or (("model", "model-selector", "llm"),)
    parameters = "\n".join(_parameter(*p) for p in (*declared, ("text", "string", None)))
    yaml = (
        "identity:\n  author: example\n  name: echo\n  label:\n    en_US: Echo\ndescription:\n  human:\n    en_US: Echo.\n"
        f"  llm: Echo.\nparameters:\n{parameters}\nextra:\n  python:\n    source: tools/echo.py\n"
    )
    files = {"tools/echo.yaml": yaml, "tools/echo.py": HEAD + textwrap.dedent(code)}
    if credentials:
        files["provider/example.yaml"] = (
            "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n    en_US: Example.\n"
            f"  icon: icon.svg\ncredentials_for_provider:\n{credentials}tools:\n  - tools/echo.yaml\n"
            "extra:\n  python:\n    source: provider/example.py\n"
        )
    return files


def lint(files: dict[str, str], tmp_path, base: str = "tool") -> list[tuple[str, str, int]]:
    root = build(tmp_path, files, base)
    manifest = (root / "manifest.yaml").read_text()
    if "  permission: {}\n" in manifest:
        (root / "manifest.yaml").write_text(manifest.replace("  permission: {}\n", PERMISSION))
    diagnostics = lint_root(root, MODEL_CODES)
    return sorted((d.code, d.path[len(d.plugin) + 1 :], d.span.start.line) for d in diagnostics)


def codes(files, tmp_path, base="tool") -> list[str]:
    return [c for c, _, _ in lint(files, tmp_path, base)]


def tool(body: str) -> str:
    """`body` as the statements of EchoTool._invoke."""
    return (
        "class EchoTool(Tool):\n"
        "    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:\n"
        + textwrap.indent(textwrap.dedent(body), "        ")
        + "        yield self.create_text_message('done')\n"
    )


def llm_call(config: str) -> str:
    return (
        f"self.session.model.llm.invoke(model_config={config}, prompt_messages=[UserPromptMessage(content='hi')], stream=False)\n"
    )


def embed_call(config: str) -> str:
    return f"self.session.model.text_embedding.invoke(model_config={config}, texts=['hi'])\n"


# -- the scope table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (None, "llm"),
        ("", "llm"),
        ("llm", "llm"),
        ("tool-call&llm", "llm"),
        ("llm&vision", "llm"),
        ("vision", "llm"),
        ("text-embedding", "text-embedding"),
        ("rerank&vision", "rerank"),
        ("all", "all"),
        (" tts ", "tts"),
    ],
)
def test_selector_model_type(scope, expected):
    assert selector_model_type(scope) == expected


# -- DPL401 ---------------------------------------------------------------------------------------


def test_scope_mismatch_reported_at_the_call_with_the_scope_related(tmp_path):
    files = tool_files(tool(llm_call('tool_parameters["model"]')), ("model", "model-selector", "text-embedding"))
    root = materialize(Example(files), tmp_path / "plugin")
    (plugin,) = find_plugin_roots([str(root)])
    (finding,) = [d for d in lint_plugin(plugin, MODEL_RULES) if d.code == "DPL401"]
    assert finding.path.endswith("tools/echo.py") and finding.span.start.line == 14
    assert "text-embedding" in finding.message and "session.model.llm.invoke" in finding.message
    (related,) = finding.related
    assert related.path.endswith("tools/echo.yaml") and related.span.start.line == 13  # the `scope:` line


def test_absent_scope_means_llm_and_points_at_type(tmp_path):
    files = tool_files(
        tool(
            "from dify_plugin.entities.model.moderation import ModerationModelConfig\n"
            'self.session.model.moderation.invoke(model_config=ModerationModelConfig(**tool_parameters["model"]), text="x")\n'
        ),
        ("model", "model-selector", None),
    )
    root = materialize(Example(files), tmp_path / "plugin")
    (plugin,) = find_plugin_roots([str(root)])
    (finding,) = [d for d in lint_plugin(plugin, MODEL_RULES) if d.code == "DPL401"]
    assert "no `scope`" in finding.message
    assert finding.related[0].span.start.line == 12  # the `type:` line


@pytest.mark.parametrize("scope", ["llm", "tool-call&llm", "llm&vision", "all", "vision"])
def test_scopes_that_fit_llm_are_silent(tmp_path, scope):
    assert codes(tool_files(tool(llm_call('tool_parameters.get("model")')), ("model", "model-selector", scope)), tmp_path) == []


def test_scope_followed_through_branches(tmp_path):
    code = tool(
        """\
        if tool_parameters["text"]:
            chosen = tool_parameters["fast"]
        else:
            chosen = tool_parameters["model"]
        """
        + llm_call("chosen")
    )
    files = tool_files(code, ("model", "model-selector", "llm"), ("fast", "model-selector", "rerank"))
    assert codes(files, tmp_path) == ["DPL401"]


def test_scope_followed_through_fields_copied_one_by_one(tmp_path):
    code = tool(
        """\
        selected = tool_parameters["model"]
        config = TextEmbeddingModelConfig(provider=selected["provider"], model=selected.get("model"))
        """
        + embed_call("config")
    )
    assert codes(tool_files(code, ("model", "model-selector", "llm")), tmp_path) == ["DPL401"]


def test_scope_followed_through_self_attributes_and_methods(tmp_path):
    code = (
        "class EchoTool(Tool):\n"
        "    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:\n"
        "        self.selected = tool_parameters['model']\n"
        "        yield self.create_json_message({'v': self._vectors(['a'])})\n"
        "\n"
        "    def _vectors(self, texts):\n"
        "        return self.session.model.text_embedding.invoke(model_config=self._config(), texts=texts).embeddings\n"
        "\n"
        "    def _config(self):\n"
        "        return TextEmbeddingModelConfig(**self.selected)\n"
    )
    assert codes(tool_files(code, ("model", "model-selector", "rerank")), tmp_path) == ["DPL401"]


def test_scope_followed_into_an_invoke_inherited_from_another_module(tmp_path):
    """The tool class the SDK loads inherits `_invoke` from a base class in another file: its
    `tool_parameters` are still the tool's."""
    files = tool_files("class EchoTool(BaseEcho):\n    pass\n", ("model", "model-selector", "llm"))
    files["tools/echo.py"] = files["tools/echo.py"].replace(
        "class EchoTool", "from tools.base import BaseEcho\n\n\nclass EchoTool"
    )
    files["tools/base.py"] = textwrap.dedent(
        """\
        from dify_plugin import Tool
        from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


        class BaseEcho:
            def _invoke(self, tool_parameters):
                config = TextEmbeddingModelConfig(**tool_parameters["model"])
                yield self.session.model.text_embedding.invoke(model_config=config, texts=["a"])
        """
    )
    files["tools/echo.py"] = files["tools/echo.py"].replace("class EchoTool(BaseEcho)", "class EchoTool(BaseEcho, Tool)")
    assert lint(files, tmp_path) == [("DPL401", "tools/base.py", 8)]


def test_scope_followed_into_a_helper_module(tmp_path):
    files = tool_files(
        "from tools.helpers import embed\n\n\n" + tool("embed(self.session, tool_parameters.get('model'), ['a'])\n"),
        ("model", "model-selector", "llm"),
    )
    files["tools/helpers.py"] = textwrap.dedent(
        """\
        from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


        def embed(session, selected, texts):
            config = TextEmbeddingModelConfig(**selected)
            return session.model.text_embedding.invoke(model_config=config, texts=texts)
        """
    )
    assert lint(files, tmp_path) == [("DPL401", "tools/helpers.py", 6)]


def test_scope_followed_through_a_pydantic_parameters_model(tmp_path):
    strategy = textwrap.dedent(
        """\
        from collections.abc import Generator
        from typing import Any

        from pydantic import BaseModel

        from dify_plugin.entities.model.message import UserPromptMessage
        from dify_plugin.interfaces.agent import AgentModelConfig, AgentStrategy


        class SimpleParams(BaseModel):
            model: AgentModelConfig
            query: str


        class SimpleStrategy(AgentStrategy):
            def _invoke(self, parameters: dict[str, Any]) -> Generator:
                params = SimpleParams.model_validate(parameters)
                result = self.session.model.llm.invoke(
                    model_config=params.model, prompt_messages=[UserPromptMessage(content=params.query)], stream=False
                )
                yield self.create_text_message(result.message.get_text_content())
        """
    )
    from dify_lint.examples import BASE_PLUGINS

    base_yaml = (BASE_PLUGINS / "agent/strategies/simple.yaml").read_text()
    wrong = {
        "strategies/simple.py": strategy,
        "strategies/simple.yaml": base_yaml.replace("scope: tool-call&llm", "scope: text-embedding"),
    }
    right = {"strategies/simple.py": strategy}
    assert codes(wrong, tmp_path / "wrong", base="agent") == ["DPL401"]
    # the look-alike: an AgentModelConfig passed to llm is an LLMModelConfig
    assert codes(right, tmp_path / "right", base="agent") == []
    # the base plugin's own form: SimpleParams(**parameters).model
    constructed = {"strategies/simple.yaml": wrong["strategies/simple.yaml"]}
    assert codes(constructed, tmp_path / "constructed", base="agent") == ["DPL401"]


def test_scope_of_endpoint_settings(tmp_path):
    group = textwrap.dedent(
        """\
        settings:
          - name: embedding
            type: model-selector
            scope: llm
            required: true
            label:
              en_US: Embedding
        endpoints:
          - endpoints/hello.yaml
        """
    )
    endpoint = textwrap.dedent(
        """\
        import json
        from collections.abc import Mapping

        from werkzeug import Request, Response

        from dify_plugin import Endpoint
        from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


        class HelloEndpoint(Endpoint):
            def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
                model = settings.get("embedding")
                result = self.session.model.text_embedding.invoke(model_config=TextEmbeddingModelConfig(**model), texts=["a"])
                return Response(json.dumps(result.embeddings), status=200)
        """
    )
    files = {"group/example.yaml": group, "endpoints/hello.py": endpoint}
    assert codes(files, tmp_path, base="endpoint") == ["DPL401"]
    files["group/example.yaml"] = group.replace("scope: llm", "scope: text-embedding")
    assert codes(files, tmp_path / "fixed", base="endpoint") == []


def test_scope_of_provider_credentials(tmp_path):
    credentials = "  judge:\n    type: model-selector\n    scope: rerank\n    required: true\n    label:\n      en_US: Judge\n"
    code = tool(llm_call('LLMModelConfig(**self.runtime.credentials["judge"])'))
    assert codes(tool_files(code, credentials=credentials), tmp_path) == ["DPL401"]


def test_unknown_origin_is_silent(tmp_path):
    code = "import json\n\n\n" + tool(
        """\
        config = json.loads(tool_parameters["text"])
        """
        + embed_call("TextEmbeddingModelConfig(**config)")
        + llm_call("LLMModelConfig(**config)")
    )
    assert codes(tool_files(code, ("model", "model-selector", "llm")), tmp_path) == []


def test_getattr_alias_of_the_endpoint(tmp_path):
    body = 'llm = getattr(self.session.model, "llm")\nllm.invoke(model_config=tool_parameters["model"], prompt_messages=[])\n'
    assert codes(tool_files(tool(body), ("model", "model-selector", "llm&vision")), tmp_path) == []
    assert codes(tool_files(tool(body), ("model", "model-selector", "tts")), tmp_path / "tts") == ["DPL401"]


def test_undeclared_key_is_not_a_selector(tmp_path):
    code = tool(embed_call('tool_parameters["other"]'))
    assert codes(tool_files(code, ("model", "model-selector", "llm")), tmp_path) == []


# -- DPL402 / DPL403 ------------------------------------------------------------------------------


def test_documented_llm_example_is_clean(tmp_path):
    config = 'LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})'
    assert codes(tool_files(tool(llm_call(config))), tmp_path) == []


def test_config_class_without_mode_and_completion_params(tmp_path):
    config = 'LLMModelConfig(provider="openai", model="gpt-4o-mini")'
    assert codes(tool_files(tool(llm_call(config))), tmp_path) == ["DPL402", "DPL403"]


def test_agent_model_config_built_without_mode(tmp_path):
    code = "from dify_plugin.interfaces.agent import AgentModelConfig\n\n\n" + tool(
        llm_call('AgentModelConfig(provider="openai", model="gpt-4o", completion_params={})')
    )
    assert codes(tool_files(code), tmp_path) == ["DPL402"]


def test_dict_filled_key_by_key(tmp_path):
    body = """\
    config = {}
    config["provider"] = "openai"
    config["model"] = "gpt-4o"
    """
    assert codes(tool_files(tool(body + llm_call("config"))), tmp_path) == ["DPL402", "DPL403"]
    body += 'config.update({"mode": "completion", "completion_params": {}})\n'
    assert codes(tool_files(tool(body + llm_call("config"))), tmp_path / "complete") == []


def test_dict_handed_to_unknown_code_may_have_gained_keys(tmp_path):
    body = 'config = {"provider": "openai", "model": "gpt-4o"}\nself._fill(config)\n'
    assert codes(tool_files(tool(body + llm_call("config"))), tmp_path) == []


@pytest.mark.parametrize(("mode", "severity_warning"), [('"Chat"', True), ('""', False), ("None", False)])
def test_literal_mode_values(tmp_path, mode, severity_warning):
    config = f'{{"provider": "openai", "model": "gpt-4o", "mode": {mode}, "completion_params": {{}}}}'
    files = tool_files(tool(llm_call(config)))
    root = materialize(Example(files), tmp_path / "plugin")
    (plugin,) = find_plugin_roots([str(root)])
    (finding,) = [d for d in lint_plugin(plugin, MODEL_RULES) if d.code == "DPL402"]
    assert (finding.severity.value == "warning") is severity_warning


def test_mode_from_a_variable_is_not_judged(tmp_path):
    body = 'mode = "chat" if tool_parameters["text"] else "completion"\n'
    config = 'LLMModelConfig(provider="openai", model="gpt-4o", mode=mode, completion_params={})'
    assert codes(tool_files(tool(body + llm_call(config))), tmp_path) == []


@pytest.mark.parametrize(
    "config",
    [
        'tool_parameters["model"]',  # a dict passed to llm: the UI fills mode
        'LLMModelConfig(**tool_parameters["model"])',
        '{**tool_parameters["model"], "completion_params": {"temperature": 0.2}}',
        "LLMModelConfig(**self._load())",  # a spread of unknown origin
    ],
)
def test_selector_and_unknown_spreads_are_not_built_in_code(tmp_path, config):
    assert codes(tool_files(tool(llm_call(config)), ("model", "model-selector", "tool-call&llm")), tmp_path) == []


def test_completion_params_lost_when_fields_are_copied(tmp_path):
    body = 'm = tool_parameters["model"]\n'
    config = 'LLMModelConfig(provider=m["provider"], model=m["model"], mode=m["mode"])'
    files = tool_files(tool(body + llm_call(config)))
    root = materialize(Example(files), tmp_path / "plugin")
    (plugin,) = find_plugin_roots([str(root)])
    (finding,) = lint_plugin(plugin, MODEL_RULES)
    assert finding.code == "DPL403" and "lost" in finding.message


def test_llm_structured_output_config(tmp_path):
    call = (
        "self.session.model.llm_structured_output.invoke(model_config={'provider': 'openai', 'model': 'gpt-4o'},"
        " prompt_messages=[], structured_output_schema={}, stream=False)\n"
    )
    assert codes(tool_files(tool(call)), tmp_path) == ["DPL402", "DPL403"]


# -- DPL404 ---------------------------------------------------------------------------------------


def test_selector_dict_to_text_embedding(tmp_path):
    code = tool(embed_call('tool_parameters["model"]'))
    assert codes(tool_files(code, ("model", "model-selector", "text-embedding")), tmp_path) == ["DPL404"]


def test_dict_literal_to_rerank(tmp_path):
    body = "self.session.model.rerank.invoke(model_config={'provider': 'cohere', 'model': 'rerank'}, docs=['a'], query='q')\n"
    assert codes(tool_files(tool(body)), tmp_path) == ["DPL404"]


def test_wrong_config_class(tmp_path):
    body = "self.session.model.rerank.invoke(model_config=TextEmbeddingModelConfig(**tool_parameters['model']), docs=['a'], query='q')\n"
    assert codes(tool_files(tool(body), ("model", "model-selector", "rerank")), tmp_path) == ["DPL404"]


def test_required_fields_the_selector_never_carries(tmp_path):
    body = "self.session.model.rerank.invoke(model_config=RerankModelConfig(**tool_parameters['model']), docs=['a'], query='q')\n"
    assert codes(tool_files(tool(body), ("model", "model-selector", "rerank")), tmp_path) == ["DPL404"]
    filled = "value = dict(tool_parameters['model'])\nvalue['score_threshold'] = 0.2\nvalue['top_n'] = 3\n"
    body = filled + "self.session.model.rerank.invoke(model_config=RerankModelConfig(**value), docs=['a'], query='q')\n"
    assert codes(tool_files(tool(body), ("model", "model-selector", "rerank")), tmp_path / "filled") == []


def test_tts_without_voice(tmp_path):
    body = "for chunk in self.session.model.tts.invoke(model_config=TTSModelConfig(**tool_parameters['model']), content_text='x'):\n    pass\n"
    assert codes(tool_files(tool(body), ("model", "model-selector", "tts")), tmp_path) == ["DPL404"]


def test_workflow_node_given_a_selector_or_model_keyword(tmp_path):
    call = "self.session.workflow_node.question_classifier.invoke(classes=[], model={}, query='q')\n"
    assert codes(tool_files(tool(call.replace("model={}", "model=tool_parameters['model']"))), tmp_path) == ["DPL404"]
    wrong = call.replace("model={}", "model=ModelConfig(provider='openai', model='gpt-4o')")
    assert codes(tool_files(tool(wrong)), tmp_path / "keyword") == ["DPL404"]
    right = call.replace("model={}", "model=ModelConfig(provider='openai', name='gpt-4o')")
    assert codes(tool_files(tool(right)), tmp_path / "right") == []
    as_dict = call.replace("model={}", "model={'provider': 'openai', 'name': 'gpt-4o', 'mode': 'chat'}")
    assert codes(tool_files(tool(as_dict)), tmp_path / "dict") == []


def test_isinstance_narrowing_keeps_the_else_branch_silent(tmp_path):
    body = """\
    selected = tool_parameters.get("model")
    if isinstance(selected, dict):
        config = TextEmbeddingModelConfig(**selected)
    else:
        config = selected
    """
    code = tool(body + embed_call("config"))
    assert codes(tool_files(code, ("model", "model-selector", "text-embedding")), tmp_path) == []


def test_early_exit_narrowing(tmp_path):
    body = """\
    selected = tool_parameters.get("model")
    if not isinstance(selected, dict):
        raise ValueError("pick a model")
    """
    code = tool(body + embed_call("selected"))
    assert codes(tool_files(code, ("model", "model-selector", "text-embedding")), tmp_path) == ["DPL404"]


def test_reassigned_before_the_call(tmp_path):
    body = """\
    config = {"provider": "openai", "model": "gpt-4o"}
    config = LLMModelConfig(**config, mode="chat", completion_params={})
    """
    assert codes(tool_files(tool(body + llm_call("config"))), tmp_path) == []


# -- DPL405 ---------------------------------------------------------------------------------------


def test_signature_problems(tmp_path):
    body = """\
    self.session.model.summary.invoke(text="x", instructions="short")
    self.session.storage.set("key")
    self.session.storage.get("a", "b")
    self.session.model.llm.invoke(tool_parameters["model"], [], model_config=tool_parameters["model"])
    self.session.model.text_embedding.invoke(**tool_parameters)
    """
    found = lint(tool_files(tool(body)), tmp_path)
    assert [c for c, _, _ in found] == ["DPL405"] * 4
    assert [line for _, _, line in found] == [14, 15, 16, 17]


def test_rerank_argument_order(tmp_path):
    config = "RerankModelConfig(provider='cohere', model='rerank', score_threshold=0.1, top_n=2)"
    swapped = f"self.session.model.rerank.invoke({config}, 'what?', ['a', 'b'])\n"
    assert codes(tool_files(tool(swapped)), tmp_path) == ["DPL405"]
    through_names = f"docs = ['a']\nquery = 'q'\nself.session.model.rerank.invoke({config}, query, docs)\n"
    assert codes(tool_files(tool(through_names)), tmp_path / "names") == ["DPL405"]
    right = f"self.session.model.rerank.invoke({config}, ['a', 'b'], 'what?')\n"
    assert codes(tool_files(tool(right)), tmp_path / "right") == []
    keywords = f"self.session.model.rerank.invoke(model_config={config}, query='what?', docs=['a'])\n"
    assert codes(tool_files(tool(keywords)), tmp_path / "keywords") == []


def test_self_attribute_filled_in_another_method_may_have_any_key(tmp_path):
    code = (
        "class EchoTool(Tool):\n"
        "    config = {'provider': 'openai', 'model': 'gpt-4o'}\n"
        "\n"
        "    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:\n"
        "        self._prepare()\n"
        "        self.session.model.llm.invoke(model_config=self.config, prompt_messages=[], stream=False)\n"
        "        yield self.create_text_message('done')\n"
        "\n"
        "    def _prepare(self):\n"
        "        config = self.config\n"
        "        config['mode'] = 'chat'\n"
        "        config['completion_params'] = {}\n"
    )
    assert codes(tool_files(code), tmp_path) == []
    plain = code.replace(
        "        config = self.config\n        config['mode'] = 'chat'\n        config['completion_params'] = {}\n",
        "        pass\n",
    )
    assert codes(tool_files(plain), tmp_path / "plain") == ["DPL402", "DPL403"]


def test_instance_of_the_plugins_own_class(tmp_path):
    code = tool(
        """\
        helper = Embedder(self.session, tool_parameters["model"])
        helper.run(["a"])
        """
    ) + textwrap.dedent(
        """\


        class Embedder:
            def __init__(self, session, selected):
                self.session = session
                self.selected = selected

            def run(self, texts):
                config = TextEmbeddingModelConfig(**self.selected)
                return self.session.model.text_embedding.invoke(model_config=config, texts=texts)
        """
    )
    assert codes(tool_files(code, ("model", "model-selector", "llm")), tmp_path) == ["DPL401"]


def test_nested_function_sees_the_enclosing_values(tmp_path):
    body = """\
    llm = tool_parameters.get("model")
    if "completion_params" not in llm:
        llm["completion_params"] = {}

    def generate():
        return self.session.model.llm.invoke(model_config=LLMModelConfig(**llm), prompt_messages=[], stream=False)

    generate()
    """
    assert codes(tool_files(tool(body), ("model", "model-selector", "llm")), tmp_path) == []
    assert codes(tool_files(tool(body), ("model", "model-selector", "rerank")), tmp_path / "rerank") == ["DPL401"]


def test_loops_and_try_blocks(tmp_path):
    body = """\
    config = None
    for attempt in range(3):
        try:
            config = {"provider": "openai", "model": "gpt-4o", "completion_params": {}}
            self.session.model.llm.invoke(model_config=config, prompt_messages=[], stream=False)
            break
        except Exception:
            continue
    """
    assert codes(tool_files(tool(body)), tmp_path) == ["DPL402"]


def test_value_analysis_api(tmp_path):
    """The origin analysis on its own: the origins of a call's argument."""
    from dify_lint.analysis import Context
    from dify_lint.analysis.keys import SESSION_CALLS, VALUE_ORIGINS
    from dify_lint.analysis.origins import Built, Read, Source

    body = """\
    chosen = tool_parameters.get("model")
    config = TextEmbeddingModelConfig(**chosen) if chosen else {"provider": "x", "model": "y"}
    """ + embed_call("config")
    root = materialize(Example(tool_files(tool(body))), tmp_path / "plugin")
    (plugin,) = find_plugin_roots([str(root)])
    ctx = Context(plugin)
    (call,) = ctx.module(SESSION_CALLS, plugin.python("tools/echo.py"))
    origins = ctx.get(VALUE_ORIGINS).origins(call.function, call.node, call.arguments["model_config"])
    built = sorted(origins, key=lambda o: o.class_name or "")
    assert [type(o) for o in built] == [Built, Built]
    assert [o.class_name for o in built] == [None, "TextEmbeddingModelConfig"]
    (spread,) = built[1].spreads
    assert spread == {Read(Source("tool", "tools/echo.py"), "model")}


def test_session_kept_under_another_attribute_name_is_followed(tmp_path):
    from dify_lint.analysis import Context
    from dify_lint.analysis.keys import SESSION_CALLS
    from dify_lint.discovery import find_plugin_roots

    root = tmp_path / "p"
    root.mkdir()
    (root / "manifest.yaml").write_text("version: 0.0.1\n", "utf-8")
    (root / "helper.py").write_text(
        "class Refiner:\n"
        "    def __init__(self, session):\n"
        "        self.llm_session = session\n"
        "        self.http_session = object()\n"
        "    def run(self, config, messages):\n"
        "        self.http_session.get('https://example.invalid')\n"
        "        return self.llm_session.model.llm.invoke(model_config=config, prompt_messages=messages)\n",
        "utf-8",
    )
    (plugin,) = find_plugin_roots([str(root)])
    calls = Context(plugin).module(SESSION_CALLS, plugin.python("helper.py"))
    assert [call.path for call in calls] == [("model", "llm", "invoke")]


def test_dpl488_finds_the_same_entity_calls_entering_only_the_lines_that_name_them():

    from dify_lint.python.astutil import lines_with
    from dify_lint.python.module import PyModule
    from dify_lint.rules.models.dpl488_customizable_llm_without_mode import CustomizableLLMWithoutMode
    from helpers import python_texts

    compared = 0
    texts = [
        *python_texts().values(),
        "@deco(AIModelEntity(model='m'))\ndef f():\n    pass\n\nclass A:\n    x = AIModelEntity(\n        model='n')\n",
    ]
    for text in texts:
        if "AIModelEntity" not in text:
            continue
        module = PyModule("m.py", text)
        if module.tree is None:
            continue
        every = list(range(1, text.count("\n") + 2))
        pruned = [
            (id(s), id(c)) for s, c in CustomizableLLMWithoutMode._entity_calls(module.tree, lines_with(module, "AIModelEntity"))
        ]
        whole = [(id(s), id(c)) for s, c in CustomizableLLMWithoutMode._entity_calls(module.tree, every)]
        assert pruned == whole
        compared += len(whole)
    assert compared >= 3
