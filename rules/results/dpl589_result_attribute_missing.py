"""DPL589 result-attribute-missing."""

from __future__ import annotations

import ast
from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.analysis.session import SessionCall
from dify_lint.examples import LLM_INVOKE, llm_tool_example
from dify_lint.python.astutil import dotted, node_span, target_names
from dify_lint.python.scopes import Func
from dify_lint.rule import Finding, Rule
from dify_lint.sdk import NOT_SUBSCRIPTABLE as _NOT_SUBSCRIPTABLE
from dify_lint.sdk import RESULT_INDEXES as _INDEXES
from dify_lint.sdk import RESULT_ITERATES as _ITERATES
from dify_lint.sdk import RESULT_LABELS as _LABELS
from dify_lint.sdk import RESULT_SHAPES as _SHAPES

_HINTS = {
    ("llm", "content"): "`result.message.content` (or `result.message.get_text_content()`)",
    ("llm", "text"): "`result.message.get_text_content()`",
    ("llm", "choices"): "`result.message` (this is not the OpenAI client)",
    ("chunk", "content"): "`chunk.delta.message.content` (or `chunk.delta.message.get_text_content()`)",
    ("chunk", "text"): "`chunk.delta.message.get_text_content()`",
    ("chunk", "message"): "`chunk.delta.message`",
    ("chunk", "choices"): "`chunk.delta.message` (this is not the OpenAI client)",
    ("chunk", "usage"): "`chunk.delta.usage`",
    ("chunk", "finish_reason"): "`chunk.delta.finish_reason`",
    ("message", "text"): "`message.get_text_content()`",
    ("rerank", "results"): "`result.docs`",
    ("rerank-doc", "relevance_score"): "`doc.score`",
    ("rerank-doc", "document"): "`doc.text`",
    ("embedding", "data"): "`result.embeddings`",
    ("embedding", "embedding"): "`result.embeddings[0]`",
}


def _result_kind(call: SessionCall) -> str | None:
    endpoint = call.endpoint
    if endpoint is None:
        return None
    if endpoint.returns == "llm":
        return "llm-so" if endpoint.path[1] == "llm_structured_output" else "llm"
    return {"embedding": "embedding", "rerank": "rerank", "str": "str", "bool": "bool", "bytes": "bytes"}.get(endpoint.returns)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


class _Kinds:
    """Which local names of one function hold a session result, and of what shape."""

    def __init__(self, function: Func, calls: dict[int, str], nodes: list[ast.AST]):
        self.calls = calls
        self.names: dict[str, str] = {}
        bindings: dict[str, list[tuple[str, ast.AST]]] = {}
        invalid: set[str] = {p.name for p in function.params}
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bindings.setdefault(target.id, []).append(("value", node.value))
                    else:
                        invalid.update(target_names(target))
            elif isinstance(node, ast.AnnAssign):
                if isinstance(node.target, ast.Name) and node.value is not None:
                    bindings.setdefault(node.target.id, []).append(("value", node.value))
            elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                bindings.setdefault(node.target.id, []).append(("value", node.value))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                if isinstance(node.target, ast.Name):
                    bindings.setdefault(node.target.id, []).append(("iter", node.iter))
                else:
                    invalid.update(target_names(node.target))
            elif isinstance(node, ast.AugAssign):
                invalid.update(target_names(node.target))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                invalid.update(target_names(node.optional_vars))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                invalid.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                invalid.update(node.names)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        invalid.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.Call) and dotted(node.func) in (
                "isinstance",
                "hasattr",
                "getattr",
                "type",
                "callable",
                "vars",
            ):
                if node.args:
                    root = _root_name(node.args[0])
                    if root:
                        invalid.add(root)
        for _ in range(4):
            changed = False
            for name, binds in bindings.items():
                if name in invalid:
                    continue
                kinds = {self._binding_kind(b) for b in binds}
                kind = kinds.pop() if len(kinds) == 1 else None
                if kind is not None and self.names.get(name) != kind:
                    self.names[name] = kind
                    changed = True
                elif kind is None and name in self.names:
                    del self.names[name]
                    changed = True
            if not changed:
                break

    def _binding_kind(self, binding: tuple[str, ast.AST]) -> str | None:
        how, expr = binding
        kind = self.of(expr)
        if how == "iter":
            return _ITERATES.get(kind) if kind else None
        return kind

    def of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call):
            return self.calls.get(id(node))
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self.of(node.value)
            return _SHAPES[inner][1].get(node.attr) if inner else None
        if isinstance(node, ast.Subscript):
            inner = self.of(node.value)
            if inner in _INDEXES and not isinstance(node.slice, (ast.Slice, ast.Tuple)):
                return _INDEXES[inner]
            return None
        return None


class ResultAttributeMissing(Rule):
    code = "DPL589"
    name = "result-attribute-missing"
    summary = "An attribute the SDK's result objects do not have"
    explanation = """
    The results of `session.model.*` are the SDK's pydantic models, not the OpenAI client's: an
    `LLMResult` has `message` and `usage` (the text is `result.message.content`, best read with
    `get_text_content()`), a streamed `LLMResultChunk` has `delta` (`chunk.delta.message`), an
    `AssistantPromptMessage` has `content` and `tool_calls`, a `RerankResult` has `docs`
    (`index`, `text`, `score`), a `TextEmbeddingResult` has `embeddings`. Reading anything else
    (`result.content`, `chunk.text`, `result.choices`, `result.results`) raises AttributeError, and
    pydantic models cannot be indexed like dicts. Names guarded by `isinstance`/`hasattr`/`getattr`
    are left alone.
    """
    invalid = (
        llm_tool_example(
            LLM_INVOKE + "        yield self.create_text_message(result.content)",
            expect=(
                (
                    "tools/echo.py:15:40-15:54",
                    "`.content` does not exist on an LLM result (`LLMResult`, or a stream of chunks): this raises AttributeError; use `result.message.content` (or `result.message.get_text_content()`)",
                ),
            ),
        ),
        llm_tool_example(
            LLM_INVOKE.replace("stream=False", "stream=True")
            + "        for chunk in result:\n            yield self.create_text_message(chunk.delta.message.text)",
            expect=(
                (
                    "tools/echo.py:16:44-16:68",
                    "`.text` does not exist on an `AssistantPromptMessage`: this raises AttributeError; use `message.get_text_content()`",
                ),
            ),
        ),
    )
    valid = (
        llm_tool_example(LLM_INVOKE + "        yield self.create_text_message(result.message.get_text_content())"),
        llm_tool_example(
            LLM_INVOKE + '        text = result.content if hasattr(result, "content") else result.message.get_text_content()\n'
            "        yield self.create_text_message(text)"
        ),
    )

    requires = (PYTHON_MODULES, SESSION_CALLS)

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(PYTHON_MODULES):
            calls = ctx.module(SESSION_CALLS, module)
            kinds_by_call = {id(c.node): k for c in calls if (k := _result_kind(c)) is not None}
            if not kinds_by_call:
                continue
            by_function: dict[int, Func] = {}
            for call in calls:
                if id(call.node) in kinds_by_call:
                    by_function[id(call.function)] = call.function
            for function in by_function.values():
                nodes = function.nodes
                kinds = _Kinds(function, kinds_by_call, nodes)
                for node in nodes:
                    if isinstance(node, ast.Attribute):
                        kind = kinds.of(node.value)
                        if kind is None:
                            continue
                        attr = node.attr
                        if attr in _SHAPES[kind][0] or (attr.startswith("__") and attr.endswith("__")):
                            continue
                        base = kind.replace("-so", "")
                        hint = _HINTS.get((base, attr))
                        yield Finding(
                            module.path,
                            node_span(module, node),
                            f"`.{attr}` does not exist on {_LABELS[kind]}: this raises AttributeError"
                            + (f"; use {hint}" if hint else ""),
                        )
                    elif isinstance(node, ast.Subscript):
                        kind = kinds.of(node.value)
                        if kind not in _NOT_SUBSCRIPTABLE:
                            continue
                        yield Finding(
                            module.path,
                            node_span(module, node),
                            f"{_LABELS[kind]} is not a dict or a list: indexing it raises TypeError; read its attributes instead",
                        )
