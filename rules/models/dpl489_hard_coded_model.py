"""DPL489 hard-coded-model (opt-in)."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.diagnostics import Severity
from dify_lint.examples import LLM_INVOKE, llm_tool_example
from dify_lint.python.astutil import call_arguments, dotted, node_span, own_nodes, string_value, target_names
from dify_lint.python.scopes import Func
from dify_lint.rule import Finding, Rule
from dify_lint.sdk import CONFIG_CLASSES


def _single_binding(function: Func, name: str) -> ast.expr | None:
    """The value of the one plain assignment of `name` in the function, if it is the only binding."""
    found: list[ast.expr | None] = []
    scope = function.node if function.node is not None else function.module.tree
    for node in own_nodes(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if name in target_names(target):
                    found.append(node.value if isinstance(target, ast.Name) else None)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and name in target_names(node.target):
            found.append(node.value if isinstance(node, ast.AnnAssign) else None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and name in target_names(node.target):
            found.append(None)
    if any(p.name == name for p in function.params):
        return None
    return found[0] if len(found) == 1 else None


def _literal_provider(config: ast.expr) -> tuple[ast.expr, str] | None:
    """The literal provider of a config built in place: `XModelConfig(provider="openai", ...)` or a dict."""
    if isinstance(config, ast.Call):
        name = dotted(config.func).split(".")[-1]
        if name not in CONFIG_CLASSES and name != "dict":
            return None
        for arg in call_arguments(config):
            if arg.keyword == "provider":
                value = string_value(arg.value)
                return (arg.value, value) if value else None
        return None
    if isinstance(config, ast.Dict):
        for key, value_node in zip(config.keys, config.values):
            if key is not None and string_value(key) == "provider":
                value = string_value(value_node)
                return (value_node, value) if value else None
    return None


class HardCodedModel(Rule):
    code = "DPL489"
    name = "hard-coded-model"
    summary = "A reverse model call names a fixed provider instead of letting the user choose (opt-in)"
    severity = Severity.WARNING
    default_off = True
    explanation = """
    A config such as `LLMModelConfig(provider="openai", model="gpt-4o-mini", ...)` only works in
    a workspace where that provider is installed and configured (and that model enabled); anywhere
    else every call fails. Declare a `model-selector` parameter (with the scope of the endpoint you
    call) and pass its value, so the user picks a model their workspace has.
    It is opt-in (`--extend-select DPL489`): Dify's own documentation builds such configs in its
    examples, and a plugin made for one workspace may do so on purpose.
    """
    invalid = (
        llm_tool_example(
            "        result = self.session.model.llm.invoke(\n"
            '            model_config=LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={}),\n'
            '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())",
            selector=False,
            expect=(
                (
                    "tools/echo.py:11:50-11:58",
                    "the provider `openai` is hard-coded: `session.model.llm.invoke` fails in every workspace without it (or without that model); declare a `model-selector` parameter (scope: llm) and pass its value",
                ),
            ),
        ),
    )
    valid = (llm_tool_example(LLM_INVOKE + "        yield self.create_text_message(result.message.get_text_content())"),)

    requires = (PYTHON_MODULES, SESSION_CALLS)

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                endpoint = call.endpoint
                if endpoint is None or endpoint.config_class is None:
                    continue
                parameter = "model" if endpoint.path[0] == "workflow_node" else "model_config"
                config = call.arguments.get(parameter)
                if config is None:
                    continue
                if isinstance(config, ast.Name):
                    config = _single_binding(call.function, config.id)
                found = _literal_provider(config) if config is not None else None
                if found is None:
                    continue
                node, provider = found
                scope = endpoint.scope_type or "llm"
                yield Finding(
                    module.path,
                    node_span(module, node),
                    f"the provider `{provider}` is hard-coded: `{endpoint.dotted}` fails in every workspace without it"
                    f" (or without that model); declare a `model-selector` parameter (scope: {scope}) and pass its value",
                )
