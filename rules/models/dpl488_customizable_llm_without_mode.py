"""DPL488 customizable-llm-without-mode."""

from __future__ import annotations

import ast
from functools import partial
from typing import Callable, Iterable, Iterator

from dify_lint.analysis.keys import PARENTS, PYTHON_MODULES
from dify_lint.model.declarations import is_model_plugin
from dify_lint.python.astutil import children, dotted_base, lines_with, node_span, spans_a_line, string_value
from dify_lint.rule import Example, Finding, Rule

_MODEL_LLM = """\
from dify_plugin import LargeLanguageModel
from dify_plugin.entities import I18nObject
from dify_plugin.entities.model import AIModelEntity, FetchFrom, ModelPropertyKey, ModelType
from dify_plugin.entities.model.llm import LLMMode


class ExampleLargeLanguageModel(LargeLanguageModel):
    def _invoke(self, model, credentials, prompt_messages, model_parameters, tools=None, stop=None, stream=True, user=None):
        raise NotImplementedError

    def get_num_tokens(self, model, credentials, prompt_messages, tools=None):
        return 0

    def validate_credentials(self, model, credentials):
        pass

    def get_customizable_model_schema(self, model, credentials):
        return AIModelEntity(
            model=model,
            label=I18nObject(en_US=model),
            model_type=ModelType.LLM,
            fetch_from=FetchFrom.CUSTOMIZABLE_MODEL,
            model_properties={
{properties}
            },
        )

    @property
    def _invoke_error_mapping(self):
        return {}
"""


def _is_llm_type(node: ast.AST) -> bool:
    return dotted_base(node).endswith("ModelType.LLM") or string_value(node) == "llm"


def _property_keys(node: ast.AST, scope: ast.AST | None, up: Callable[[], dict[int, ast.AST]]) -> set[str] | None:
    """The keys of a `model_properties` dict, or None when they cannot be known. `up`: the
    module's parent map, built only when a variable holds the dict."""
    if isinstance(node, ast.Dict):
        keys: set[str] = set()
        for key in node.keys:
            if key is None:
                return None
            text = string_value(key)
            name = dotted_base(key)
            if text is not None:
                keys.add(text)
            elif name:
                keys.add(name.split(".")[-1].lower())
            else:
                return None
        return keys
    if isinstance(node, ast.Name) and scope is not None:
        values = [
            n for n in ast.walk(scope) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.id in _ast_targets(n)
        ]
        if len(values) != 1 or not isinstance(values[0], (ast.Assign, ast.AnnAssign)) or values[0].value is None:
            return None
        keys = _property_keys(values[0].value, None, up)
        if keys is None:
            return None
        for other in ast.walk(scope):
            if isinstance(other, ast.Name) and other.id == node.id and other is not node:
                # filled key by key, or passed somewhere: only `name[key] = ...` is understood
                parent = up().get(id(other))
                if isinstance(parent, ast.Subscript) and parent.value is other and isinstance(parent.ctx, ast.Store):
                    text = string_value(parent.slice)
                    name = dotted_base(parent.slice)
                    if text is not None:
                        keys.add(text)
                    elif name:
                        keys.add(name.split(".")[-1].lower())
                    else:
                        return None
                elif isinstance(parent, (ast.Assign, ast.AnnAssign)) and other in _ast_target_nodes(parent):
                    continue
                elif isinstance(parent, ast.keyword) and parent.arg == "model_properties":
                    continue
                else:
                    return None
        return keys
    return None


def _ast_target_nodes(node: ast.AST) -> list[ast.AST]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    return [n for t in targets for n in ast.walk(t)]


def _ast_targets(node: ast.AST) -> set[str]:
    return {n.id for n in _ast_target_nodes(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


class CustomizableLLMWithoutMode(Rule):
    code = "DPL488"
    name = "customizable-llm-without-mode"
    summary = "An LLM schema built in code (`AIModelEntity`) has no `mode` in `model_properties`"
    explanation = """
    A model-selector copies `mode` from the model's `model_properties`, and every LLM call made
    with its value needs it: without it tools and agents using this model fail with
    `model.mode Field required`. A customizable model's schema is built in code
    (`get_customizable_model_schema` returning an `AIModelEntity` with `model_type=ModelType.LLM`):
    put `ModelPropertyKey.MODE: LLMMode.CHAT.value` (or the mode from the credentials) in its
    `model_properties`.
    """
    invalid = (
        Example(
            {"models/llm/llm.py": _MODEL_LLM.replace("{properties}", "                ModelPropertyKey.CONTEXT_SIZE: 4096,")},
            base="model",
            expect=(
                (
                    "models/llm/llm.py:23:30-25:14",
                    "this LLM schema's `model_properties` has no `ModelPropertyKey.MODE`: a model-selector then gives no `mode`, and tools and agents calling this model fail with `model.mode Field required`; add `ModelPropertyKey.MODE: LLMMode.CHAT.value` (or the mode the user configured)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "models/llm/llm.py": _MODEL_LLM.replace(
                    "{properties}",
                    "                ModelPropertyKey.MODE: LLMMode.CHAT.value,\n                ModelPropertyKey.CONTEXT_SIZE: 4096,",
                )
            },
            base="model",
        ),
        Example({}, base="model"),
    )

    requires = (PYTHON_MODULES, PARENTS)

    def check(self, ctx) -> Iterable[Finding]:
        if not is_model_plugin(ctx.plugin):
            return
        for module in ctx.get(PYTHON_MODULES):
            if "AIModelEntity(" not in module.text:
                continue
            tree = module.tree
            if tree is None:
                continue
            up = partial(ctx.module, PARENTS, module)
            for scope, node in self._entity_calls(tree, lines_with(module, "AIModelEntity")):
                keywords = {k.arg: k.value for k in node.keywords if k.arg}
                if (
                    any(k.arg is None for k in node.keywords)
                    or "model_type" not in keywords
                    or "model_properties" not in keywords
                ):
                    continue
                if not _is_llm_type(keywords["model_type"]):
                    continue
                keys = _property_keys(keywords["model_properties"], scope, up)
                if keys is None or "mode" in keys:
                    continue
                yield Finding(
                    module.path,
                    node_span(module, keywords["model_properties"]),
                    "this LLM schema's `model_properties` has no `ModelPropertyKey.MODE`: a model-selector then gives no"
                    " `mode`, and tools and agents calling this model fail with `model.mode Field required`; add"
                    " `ModelPropertyKey.MODE: LLMMode.CHAT.value` (or the mode the user configured)",
                )

    @staticmethod
    def _entity_calls(tree: ast.Module, lines: list[int]) -> Iterator[tuple[ast.AST, ast.Call]]:
        """Each `AIModelEntity(...)` call with the innermost function around it (or the module).
        `lines`: where the name is written; a statement or expression spanning none of them holds
        no such call and is not entered."""
        stack: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]
        while stack:
            node, scope = stack.pop()
            for child in children(node):
                if not spans_a_line(lines, child):
                    continue
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    stack.append((child, child))
                    continue
                if isinstance(child, ast.Call) and dotted_base(child.func).split(".")[-1] == "AIModelEntity":
                    yield scope, child
                stack.append((child, scope))
