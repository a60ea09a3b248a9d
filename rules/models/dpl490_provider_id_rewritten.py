"""DPL490 provider-id-rewritten."""

from __future__ import annotations

import ast
from typing import Iterable, Iterator

from dify_lint.analysis.keys import PYTHON_MODULES
from dify_lint.examples import llm_tool_example
from dify_lint.python.astutil import dotted_base, lines_with, node_span, spans_a_line, string_value, walk
from dify_lint.python.module import PyModule
from dify_lint.rule import Finding, Rule
from dify_lint.sdk import CONFIG_CLASSES


def _provider_like(node: ast.AST) -> bool:
    """An expression that holds a provider id: `x["provider"]`, `x.get("provider")`, `x.provider`, `provider`."""
    while isinstance(node, ast.BoolOp):
        node = node.values[0]
    if isinstance(node, ast.Subscript):
        return string_value(node.slice) == "provider"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        return string_value(node.args[0]) == "provider"
    if isinstance(node, ast.Attribute):
        return node.attr == "provider" or node.attr.endswith("_provider")
    if isinstance(node, ast.Name):
        return "provider" in node.id.lower()
    return False


def _rewritten(node: ast.AST) -> str | None:
    """What a provider-id rewrite does, or None: `p.split("/")[-1]`, `"langgenius/" + name`, f"langgenius/{x}"."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call):
        call = node.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in ("split", "rsplit", "rpartition", "partition")
            and call.args
            and string_value(call.args[0]) == "/"
            and _provider_like(call.func.value)
        ):
            return "drops the organization and plugin parts of the provider id"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = string_value(node.left)
        if left is not None and left.startswith("langgenius/"):
            return "rebuilds the provider id under `langgenius/`"
    if isinstance(node, ast.JoinedStr) and node.values:
        first = string_value(node.values[0])
        if first is not None and first.startswith("langgenius/") and any(isinstance(v, ast.FormattedValue) for v in node.values):
            return "rebuilds the provider id under `langgenius/`"
    return None


class ProviderIdRewritten(Rule):
    code = "DPL490"
    name = "provider-id-rewritten"
    summary = "A model-selector's provider id is cut down or rebuilt before it is used"
    explanation = """
    A model-selector gives the full provider id, `organization/plugin/provider` (e.g.
    `langgenius/openai/openai`). Dify reads a bare name such as `openai` as
    `langgenius/openai/openai`, so `provider.split("/")[-1]` (or rebuilding the id as
    `"langgenius/" + name`) happens to work for providers published by langgenius and breaks every
    other one: the call fails with a provider-not-found error. Pass the provider id unchanged.
    """
    invalid = (
        llm_tool_example(
            '        model = tool_parameters["model"]\n'
            '        provider = model["provider"].split("/")[-1]\n'
            "        result = self.session.model.llm.invoke(\n"
            '            model_config=LLMModelConfig(provider=provider, model=model["model"], mode="chat"),\n'
            '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())",
            expect=(
                (
                    "tools/echo.py:11:20-11:52",
                    "this drops the organization and plugin parts of the provider id before it is used as a model provider: Dify reads a bare name as `langgenius/<name>/<name>`, so every provider not published by langgenius fails; pass the model-selector's `provider` unchanged",
                ),
            ),
        ),
    )
    valid = (
        llm_tool_example(
            '        model = tool_parameters["model"]\n'
            '        short_name = model["provider"].split("/")[-1]\n'
            "        result = self.session.model.llm.invoke(\n"
            '            model_config=LLMModelConfig(provider=model["provider"], model=model["model"], mode="chat"),\n'
            '            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],\n'
            "            stream=False,\n"
            "        )\n"
            '        yield self.create_text_message(short_name + ": " + result.message.get_text_content())'
        ),
    )

    requires = (PYTHON_MODULES,)

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(PYTHON_MODULES):
            text = module.text
            if "provider" not in text or not (
                "/" in text and ("split(" in text or "partition(" in text or "langgenius/" in text)
            ):
                continue
            tree = module.tree
            if tree is None:
                continue
            yield from self._module(module, tree)

    def _module(self, module: PyModule, tree: ast.Module) -> Iterator[Finding]:
        named = lines_with(module, "provider")  # every use as a provider names it: `provider=`, `"provider"`
        if not named:
            return
        uses_session = "session" in module.text
        scopes = [n for n in walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            if not spans_a_line(named, scope):
                continue
            rewritten: dict[str, tuple[ast.AST, str]] = {}
            nodes = [n for s in scope.body for n in walk(s)]
            bound: dict[str, int] = {}
            for node in nodes:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            bound[target.id] = bound.get(target.id, 0) + 1
                            what = _rewritten(node.value)
                            if what:
                                rewritten[target.id] = (node.value, what)
            reported: set[int] = set()
            for node in nodes:
                value = self._provider_value(node, uses_session)
                if value is None:
                    continue
                what = _rewritten(value)
                origin = value
                if what is None and isinstance(value, ast.Name) and value.id in rewritten and bound.get(value.id) == 1:
                    origin, what = rewritten[value.id]
                if what is None or id(origin) in reported:
                    continue
                reported.add(id(origin))
                yield Finding(
                    module.path,
                    node_span(module, origin),
                    f"this {what} before it is used as a model provider: Dify reads a bare name as"
                    " `langgenius/<name>/<name>`, so every provider not published by langgenius fails; pass the"
                    " model-selector's `provider` unchanged",
                )

    @staticmethod
    def _provider_value(node: ast.AST, uses_session: bool) -> ast.AST | None:
        """The expression used as a model provider at `node`, if `node` is such a use."""
        if isinstance(node, ast.Call):
            name = dotted_base(node.func).split(".")[-1]
            if name in CONFIG_CLASSES or (uses_session and name == "dict"):
                for keyword in node.keywords:
                    if keyword.arg == "provider":
                        return keyword.value
            return None
        if not uses_session:
            return None
        if isinstance(node, ast.Dict):
            keys = {string_value(k) for k in node.keys if k is not None}
            if "provider" in keys and "model" in keys:
                for key, value in zip(node.keys, node.values):
                    if key is not None and string_value(key) == "provider":
                        return value
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript) and string_value(target.slice) == "provider":
                return node.value
        return None
