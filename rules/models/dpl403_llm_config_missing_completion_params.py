"""DPL403 llm-config-missing-completion-params."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import MODEL_CALLS, SELECTORS, VALUE_ORIGINS
from dify_lint.analysis.model_calls import fields_from_selector
from dify_lint.diagnostics import Severity
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule

from ._common import add_key_fix, built_label, llm_configs, llm_tool, related_call


class LlmConfigMissingCompletionParams(Rule):
    code = "DPL403"
    name = "llm-config-missing-completion-params"
    summary = "An LLM config built in code has no `completion_params`; the SDK quietly sends `{}`"
    severity = Severity.WARNING
    explanation = """
    `completion_params` (temperature, max tokens and the like) defaults to `{}` in the SDK, so a
    config built in code without it runs the model with its provider defaults. When the config
    copies `provider` and `model` from a model-selector, the parameters the user set on that
    selector are lost. Pass `completion_params` explicitly (the selector's own, or `{}` to keep the
    defaults on purpose).
    """
    invalid = (
        Example(
            llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat")'),
            expect=(
                (
                    "tools/echo.py:12:26-12:93",
                    "`LLMModelConfig(...)` has no `completion_params`, so the SDK sends `{}`: the model runs with its provider defaults; pass `completion_params={...}` (or `{}` to keep the defaults on purpose)",
                ),
            ),
            note="The fix (unsafe: it settles for the provider's defaults) adds `completion_params={}`.",
            fixed={
                "tools/echo.py": llm_tool(
                    'LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})'
                )["tools/echo.py"]
            },
        ),
    )
    valid = (
        Example(llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})')),
        Example(llm_tool('LLMModelConfig(**tool_parameters["model"])', scope="llm")),
    )

    requires = (MODEL_CALLS, SELECTORS, VALUE_ORIGINS)
    fixable = "unsafe"

    def check(self, ctx) -> Iterable[Finding]:
        selectors, flow = ctx.get(SELECTORS), ctx.get(VALUE_ORIGINS)
        for mc, built, keys in llm_configs(ctx.get(MODEL_CALLS), selectors):
            if "completion_params" in keys.present or not keys.complete:
                continue
            selector = fields_from_selector(selectors, flow, built)
            if selector is not None:
                tail = (
                    f" it copies the model from the model-selector `{selector.key}`, so the parameters the user set there"
                    f' are lost; pass `completion_params={selector.key}.get("completion_params", {{}})`-style values'
                    " from the selector, or give the selector's value as the whole config"
                )
            else:
                tail = " the model runs with its provider defaults; pass `completion_params={...}` (or `{}` to keep the defaults on purpose)"
            yield Finding(
                built.module.path,
                node_span(built.module, built.node),
                f"{built_label(built)} has no `completion_params`, so the SDK sends `{{}}`:" + tail,
                related=related_call(mc, built),
                fix=add_key_fix(built, "completion_params", "{}", "Add `completion_params={}` (the provider's defaults)"),
            )
