"""DPL406 model-selector-ignored."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import FIXED_MODELS
from dify_lint.diagnostics import Related, Severity
from dify_lint.examples import FIXED_LLM_CALL, llm_tool_example
from dify_lint.python.astutil import node_span
from dify_lint.rule import Finding, Rule

from ._common import related_call


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
            FIXED_LLM_CALL,
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
            FIXED_LLM_CALL.replace(
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
            + FIXED_LLM_CALL.replace('tool_parameters["text"]', 'settings["text"]')
        ),
    )

    requires = (FIXED_MODELS,)

    def check(self, ctx) -> Iterable[Finding]:
        for fixed in ctx.get(FIXED_MODELS):
            selector = fixed.ignored_selector
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
