"""DPL406 model-selector-ignored."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS, MODEL_CALLS, SELECTORS, VALUE_ORIGINS
from dify_lint.diagnostics import Related, Severity
from dify_lint.examples import llm_tool_example
from dify_lint.python.astutil import node_span
from dify_lint.rule import Finding, Rule

from ._common import fixed_providers, ignored_selector_of, ignored_selectors, related_call

_FIXED_CALL = (
    "        result = self.session.model.llm.invoke(\n"
    '            model_config=LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={}),\n'
    '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
    "            stream=False,\n"
    "        )\n"
    "        yield self.create_text_message(result.message.get_text_content())"
)


class ModelSelectorIgnored(Rule):
    code = "DPL406"
    name = "model-selector-ignored"
    summary = "A tool declares a model-selector it never reads, and calls a model fixed in code instead"
    severity = Severity.WARNING
    explanation = """
    The tool (or agent strategy) shows the user a model-selector, but its code never reads that
    parameter and sends a config built in code, with a fixed provider and model, instead: the
    model the user picks is silently ignored, and the call fails in every workspace without the
    fixed provider. Pass the selector's value (`tool_parameters["model"]`) as the model config,
    or remove the parameter. Reported only when every read of the parameters was seen: a
    parameters dict handed to code dify-lint cannot follow may be read there.
    """
    invalid = (
        llm_tool_example(
            _FIXED_CALL,
            expect=(
                (
                    "tools/echo.py:11:50-11:58",
                    'the provider `openai` (model `gpt-4o-mini`) is fixed in code, while tools/echo.yaml declares the model-selector `model`, which the code never reads: the model the user picks is ignored, and the call fails in workspaces without this provider; pass the selector\'s value (`tool_parameters["model"]`) as the model config',
                ),
            ),
        ),
    )
    valid = (
        # the selector is read (for another call): the fixed config is DPL489's finding
        llm_tool_example(
            _FIXED_CALL.replace(
                "        yield self.create_text_message(result.message.get_text_content())",
                "        checked = self.session.model.llm.invoke(\n"
                '            model_config=tool_parameters["model"],\n'
                "            prompt_messages=[UserPromptMessage(content=result.message.get_text_content())],\n"
                "            stream=False,\n"
                "        )\n"
                "        yield self.create_text_message(checked.message.get_text_content())",
            )
        ),
        # the parameters go to code that is not followed: the selector may be read there
        llm_tool_example(
            "        settings = external_settings(tool_parameters)\n"
            + _FIXED_CALL.replace('tool_parameters["text"]', 'settings["text"]')
        ),
    )

    requires = (MODEL_CALLS, SELECTORS, VALUE_ORIGINS, CONTRACTS)

    def check(self, ctx) -> Iterable[Finding]:
        calls = ctx.get(MODEL_CALLS)
        if not calls:
            return
        ignored = ignored_selectors(ctx.get(CONTRACTS))
        if not ignored:
            return
        for fixed in fixed_providers(calls, ctx.get(SELECTORS), ctx.get(VALUE_ORIGINS)):
            selector = ignored_selector_of(fixed, ignored)
            if selector is None:
                continue
            contract = selector.contract
            doc = contract.declaration.doc
            read = f'{contract.dict_name or "tool_parameters"}["{selector.name}"]'
            module = fixed.built.module
            yield Finding(
                module.path,
                node_span(module, fixed.node),
                f"the provider {fixed.described()} is fixed in code, while {doc.path} declares the model-selector"
                f" `{selector.name}`, which the code never reads: the model the user picks is ignored, and the call"
                f" fails in workspaces without this provider; pass the selector's value (`{read}`) as the model config",
                related=(
                    Related(doc.path, doc.span(("parameters", selector.index, "name")), "the model-selector users fill"),
                    *related_call(fixed.mc, fixed.built),
                ),
            )
