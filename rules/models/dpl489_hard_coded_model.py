"""DPL489 hard-coded-model."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.fixed_models import FixedProvider
from dify_lint.analysis.keys import FIXED_MODELS
from dify_lint.diagnostics import Severity
from dify_lint.examples import LLM_INVOKE, llm_tool_example
from dify_lint.model.declarations import is_model_plugin
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule

from ._common import named_after, related_call

_FIXED_CALL = (
    "        result = self.session.model.llm.invoke(\n"
    '            model_config=LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={}),\n'
    '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
    "            stream=False,\n"
    "        )\n"
    "        yield self.create_text_message(result.message.get_text_content())"
)

_FIXED_BY_CONSTANT = (
    "        config = dict(DEFAULT_MODEL)\n"
    '        config["completion_params"] = {"temperature": 0.2}\n'
    "        result = self.session.model.llm.invoke(\n"
    "            model_config=config,\n"
    '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
    "            stream=False,\n"
    "        )\n"
    "        yield self.create_text_message(result.message.get_text_content())"
)


def _with_constant(example: Example) -> Example:
    files = dict(example.files)
    files["tools/echo.py"] = files["tools/echo.py"].replace(
        "\n\nclass EchoTool",
        '\n\nDEFAULT_MODEL = {"provider": "langgenius/deepseek/deepseek", "model": "deepseek-chat", "mode": "chat"}\n\n\nclass EchoTool',
    )
    return Example(files, expect=example.expect)


def _renamed(example: Example, name: str) -> Example:
    files = dict(example.files)
    files["manifest.yaml"] = files["manifest.yaml"].replace("name: example_tool", f"name: {name}")
    return Example(files, expect=example.expect)


class HardCodedModel(Rule):
    code = "DPL489"
    name = "hard-coded-model"
    summary = "A reverse model call names a fixed provider instead of letting the user choose"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "a provider the plugin is not named after: the call fails in workspaces without it",
        Severity.INFO: "the plugin is named after the provider (`deepseek_tools` calling `deepseek`): it needs it by design",
    }
    explanation = """
    A config such as `LLMModelConfig(provider="openai", model="gpt-4o-mini", ...)` only works in
    a workspace where that provider is installed and configured and that model enabled; in every
    other workspace the call fails, and the user cannot pick another model. Dify's documentation
    calls hand-built configs not recommended: declare a `model-selector` parameter (with the
    scope of the endpoint you call) and pass its value, so the user picks a model their
    workspace has. dify-lint follows the config from where it is built (a literal, a module
    constant, a helper that returns it) to the call.

    A plugin named after the provider it calls (`deepseek_tools` calling `deepseek`) needs that
    provider by design: that is reported as info. A call that may also receive a model-selector's
    value (a fixed config as the fallback) is not reported, and a tool that declares a
    model-selector and never reads it is DPL406's finding. A model plugin cannot call back at all
    (DPL603).
    """
    invalid = (
        llm_tool_example(
            _FIXED_CALL,
            selector=False,
            expect=(
                (
                    "tools/echo.py:11:50-11:58",
                    "the provider `openai` (model `gpt-4o-mini`) is fixed in code: `session.model.llm.invoke` works only in workspaces where this provider is installed and configured, and fails in every other one, and users cannot choose their model; declare a `model-selector` parameter (scope: llm) and pass its value as the model config",
                ),
            ),
        ),
        _with_constant(
            llm_tool_example(
                _FIXED_BY_CONSTANT,
                selector=False,
                expect=(
                    (
                        "tools/echo.py:8:30-8:60",
                        "the provider `langgenius/deepseek/deepseek` (model `deepseek-chat`) is fixed in code: `session.model.llm.invoke` works only in workspaces where this provider is installed and configured, and fails in every other one, and users cannot choose their model; declare a `model-selector` parameter (scope: llm) and pass its value as the model config",
                    ),
                ),
            )
        ),
        _renamed(
            llm_tool_example(
                _FIXED_CALL,
                selector=False,
                expect=(
                    (
                        "tools/echo.py:11:50-11:58",
                        "the provider `openai` (model `gpt-4o-mini`) is fixed in code; this plugin is named after it, so it needs this provider by design, but users still cannot choose another of its models; a `model-selector` parameter (scope: llm) would let them",
                    ),
                ),
            ),
            "openai_tools",
        ),
    )
    valid = (
        llm_tool_example(LLM_INVOKE + "        yield self.create_text_message(result.message.get_text_content())"),
        # a fixed config only as the fallback of the user's choice
        llm_tool_example(
            '        config = tool_parameters.get("model") or {"provider": "openai", "model": "gpt-4o-mini", "mode": "chat"}\n'
            "        result = self.session.model.llm.invoke(\n"
            "            model_config=config,\n"
            '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())"
        ),
        # the provider comes from the tool's credentials, not from the code
        llm_tool_example(
            "        credentials = self.runtime.credentials\n"
            "        result = self.session.model.llm.invoke(\n"
            '            model_config=LLMModelConfig(provider=credentials["provider"], model="m", mode="chat"),\n'
            '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())",
            selector=False,
        ),
        # a model plugin cannot call back at all: DPL603 reports the call
        Example(
            {
                "models/llm/llm.py": """\
from dify_plugin import LargeLanguageModel
from dify_plugin.entities.model.llm import LLMModelConfig


class ExampleLargeLanguageModel(LargeLanguageModel):
    def _invoke(self, model, credentials, prompt_messages, model_parameters, tools=None, stop=None, stream=True, user=None):
        config = LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})
        return self.session.model.llm.invoke(model_config=config, prompt_messages=prompt_messages, stream=stream)

    def get_num_tokens(self, model, credentials, prompt_messages, tools=None):
        return 0

    def validate_credentials(self, model, credentials):
        pass

    @property
    def _invoke_error_mapping(self):
        return {}
"""
            },
            base="model",
        ),
    )

    requires = (FIXED_MODELS,)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        if is_model_plugin(plugin):
            return  # a model plugin cannot call back at all (DPL603)
        for fixed in ctx.get(FIXED_MODELS):
            if fixed.ignored_selector is not None:
                continue  # the tool declares a selector it never reads: DPL406
            yield self._finding(fixed, named_after(plugin, fixed.short_name))

    def _finding(self, fixed: FixedProvider, by_design: bool) -> Finding:
        endpoint = fixed.mc.endpoint
        scope = endpoint.scope_type or "llm"
        recipe = (
            f"declare a `model-selector` parameter (scope: {scope}) and build the config from its `provider` and `model`"
            if endpoint.path[0] == "workflow_node"
            else f"declare a `model-selector` parameter (scope: {scope}) and pass its value as the model config"
        )
        if by_design:
            message = (
                f"the provider {fixed.described()} is fixed in code; this plugin is named after it, so it needs this"
                f" provider by design, but users still cannot choose another of its models; a `model-selector`"
                f" parameter (scope: {scope}) would let them"
            )
        else:
            message = (
                f"the provider {fixed.described()} is fixed in code: `{endpoint.dotted}` works only in workspaces"
                f" where this provider is installed and configured, and fails in every other one, and users cannot"
                f" choose their model; {recipe}"
            )
        module = fixed.built.module
        return Finding(
            module.path,
            node_span(module, fixed.node),
            message,
            severity=Severity.INFO if by_design else None,
            related=related_call(fixed.mc, fixed.built),
        )
