"""The SDK's shape: calls and results the SDK does not have, and model ids taken apart or hard-coded.

* DPL590 endpoint-object-called: `session.model.llm(...)` calls the endpoint object, not `.invoke`.
* DPL589 result-attribute-missing: `LLMResult.content`, `chunk.text`, `RerankResult.results`, ...
* DPL490 provider-id-rewritten: `provider.split("/")[-1]` or `"langgenius/" + name` before use.
* DPL489 hard-coded-model: a literal provider in the config of a reverse call (a warning).
* DPL488 customizable-llm-without-mode: an LLM `AIModelEntity` built in code without `mode`.

The session calls come from `dify_lint.pyflow` (libcst); the checks that do not start from a
session call read the stdlib ast, like the DPL7xx rules.
"""

from __future__ import annotations

import ast
from typing import Any, Iterable, Iterator

from dify_lint.diagnostics import Severity
from dify_lint.model.plugin import Plugin
from dify_lint.pyflow import Function, SessionCall, dotted, plugin_modules, session_calls, span_of, string_value
from dify_lint.pymodule import PyModule
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import CONFIG_CLASSES, ENDPOINTS
from dify_lint.sdk import (
    RESULT_SHAPES as _SHAPES,
    RESULT_ITERATES as _ITERATES,
    RESULT_INDEXES as _INDEXES,
    NOT_SUBSCRIPTABLE as _NOT_SUBSCRIPTABLE,
    RESULT_LABELS as _LABELS,
)

from .contract import dotted_name, node_span, parents, str_const, syntax_tree
from .manifest import manifest


def _cst():
    import libcst

    return libcst


def _with_llm_permission() -> str:
    return manifest().replace("  permission: {}", "  permission:\n    model:\n      enabled: true\n      llm: true\n")


_LLM_TOOL = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
{body}
'''

_SELECTOR_YAML = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Answers with a model.
  llm: Answers with a model.
parameters:
  - name: text
    type: string
    required: true
    form: llm
    label:
      en_US: Text
    human_description:
      en_US: The text.
    llm_description: The text.
  - name: model
    type: model-selector
    scope: llm
    required: true
    form: form
    label:
      en_US: Model
    human_description:
      en_US: The model to answer with.
extra:
  python:
    source: tools/echo.py
"""


def _llm_example(body: str, *, selector: bool = True) -> Example:
    files: dict[str, str] = {"tools/echo.py": _LLM_TOOL.format(body=body), "manifest.yaml": _with_llm_permission()}
    if selector:
        files["tools/echo.yaml"] = _SELECTOR_YAML
    return Example(files)


_INVOKE = '''\
        result = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
            stream=False,
        )
'''

# -- DPL590 -------------------------------------------------------------------------------------


def _methods_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) == len(path) + 1})


def _objects_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) > len(path) + 1})


class EndpointObjectCalled(Rule):
    code = "DPL590"
    name = "endpoint-object-called"
    summary = "A session endpoint object is called instead of its `invoke` method"
    explanation = """
    `self.session.model.llm`, `self.session.model.summary` and the other session attributes are
    objects; the call is their method: `self.session.model.summary.invoke(text=..., instruction=...)`.
    Calling the object itself raises `TypeError: '...' object is not callable` on every call, and a
    broad `except` around it often hides that the model was never asked. `getattr(self.session.model,
    "llm")` (an access, not a call) is fine.
    """
    invalid = (
        _llm_example(
            "        summary = self.session.model.summary(text=tool_parameters[\"text\"])\n"
            "        yield self.create_text_message(summary)",
            selector=False,
        ),
    )
    valid = (
        _llm_example(
            "        summary = self.session.model.summary.invoke(text=tool_parameters[\"text\"], instruction=\"shorten\")\n"
            "        yield self.create_text_message(summary)",
            selector=False,
        ),
        _llm_example(
            "        llm = getattr(self.session.model, \"llm\")\n"
            "        yield self.create_text_message(type(llm).__name__)",
            selector=False,
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin_modules(plugin):
            for call in session_calls(module):
                if call.endpoint is not None:
                    continue
                path = call.path
                methods = _methods_below(path)
                where = ".".join(("session", *path))
                if "invoke" in methods:
                    fix = f"call `{where}.invoke(...)`"
                elif methods:
                    fix = "call one of its methods: " + ", ".join(f"`{where}.{m}(...)`" for m in methods)
                else:
                    fix = "call an endpoint below it: " + ", ".join(f"`{where}.{o}.invoke(...)`" for o in _objects_below(path)[:4])
                yield Finding(
                    module.path,
                    span_of(module, call.node),
                    f"`{where}` is an object, not a function: calling it raises TypeError ('object is not callable')"
                    f" on every call; {fix}",
                )


# -- DPL589 -------------------------------------------------------------------------------------

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


def _own_cst_nodes(function: Function) -> Iterator[Any]:
    cst = _cst()
    stack = [function.body]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(node.children):
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.append(child)


def _root_name(node: Any) -> str | None:
    cst = _cst()
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.value if not isinstance(node, cst.Call) else node.func
    return node.value if isinstance(node, cst.Name) else None


def _target_names(target: Any) -> list[str]:
    cst = _cst()
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


class _Kinds:
    """Which local names of one function hold a session result, and of what shape."""

    def __init__(self, function: Function, calls: dict[int, str], nodes: list[Any]):
        cst = _cst()
        self.calls = calls
        self.names: dict[str, str] = {}
        bindings: dict[str, list[tuple[str, Any]]] = {}
        invalid: set[str] = {p.name.value for p in function.parameters()}
        for node in nodes:
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        bindings.setdefault(target.target.value, []).append(("value", node.value))
                    else:
                        invalid.update(_target_names(target.target))
            elif isinstance(node, cst.AnnAssign):
                if isinstance(node.target, cst.Name) and node.value is not None:
                    bindings.setdefault(node.target.value, []).append(("value", node.value))
            elif isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
                bindings.setdefault(node.target.value, []).append(("value", node.value))
            elif isinstance(node, (cst.For, cst.CompFor)):
                if isinstance(node.target, cst.Name):
                    bindings.setdefault(node.target.value, []).append(("iter", node.iter))
                else:
                    invalid.update(_target_names(node.target))
            elif isinstance(node, cst.AugAssign):
                invalid.update(_target_names(node.target))
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                invalid.update(_target_names(node.asname.name))
            elif isinstance(node, cst.ExceptHandler) and node.name is not None:
                invalid.update(_target_names(node.name.name))
            elif isinstance(node, (cst.Global, cst.Nonlocal)):
                invalid.update(n.name.value for n in node.names)
            elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(getattr(node, "names", None), cst.ImportStar):
                for alias in node.names:
                    invalid.add((alias.asname.name.value if alias.asname else dotted(alias.name)).split(".")[0])
            elif isinstance(node, cst.Call) and dotted(node.func) in ("isinstance", "hasattr", "getattr", "type", "callable", "vars"):
                if node.args:
                    root = _root_name(node.args[0].value)
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

    def _binding_kind(self, binding: tuple[str, Any]) -> str | None:
        how, expr = binding
        kind = self.of(expr)
        if how == "iter":
            return _ITERATES.get(kind) if kind else None
        return kind

    def of(self, node: Any) -> str | None:
        cst = _cst()
        if isinstance(node, cst.Call):
            return self.calls.get(id(node))
        if isinstance(node, cst.Name):
            return self.names.get(node.value)
        if isinstance(node, cst.Attribute):
            inner = self.of(node.value)
            return _SHAPES[inner][1].get(node.attr.value) if inner else None
        if isinstance(node, cst.Subscript):
            inner = self.of(node.value)
            if inner in _INDEXES and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
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
        _llm_example(_INVOKE + "        yield self.create_text_message(result.content)"),
        _llm_example(
            _INVOKE.replace("stream=False", "stream=True")
            + "        for chunk in result:\n            yield self.create_text_message(chunk.delta.message.text)"
        ),
    )
    valid = (
        _llm_example(_INVOKE + "        yield self.create_text_message(result.message.get_text_content())"),
        _llm_example(
            _INVOKE
            + "        text = result.content if hasattr(result, \"content\") else result.message.get_text_content()\n"
            "        yield self.create_text_message(text)"
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin_modules(plugin):
            calls = session_calls(module)
            kinds_by_call = {id(c.node): k for c in calls if (k := _result_kind(c)) is not None}
            if not kinds_by_call:
                continue
            cst = _cst()
            by_function: dict[int, Function] = {}
            for call in calls:
                if id(call.node) in kinds_by_call:
                    by_function[id(call.function)] = call.function
            for function in by_function.values():
                nodes = list(_own_cst_nodes(function))
                kinds = _Kinds(function, kinds_by_call, nodes)
                for node in nodes:
                    if isinstance(node, cst.Attribute):
                        kind = kinds.of(node.value)
                        if kind is None:
                            continue
                        attr = node.attr.value
                        if attr in _SHAPES[kind][0] or (attr.startswith("__") and attr.endswith("__")):
                            continue
                        base = kind.replace("-so", "")
                        hint = _HINTS.get((base, attr))
                        yield Finding(
                            module.path,
                            span_of(module, node),
                            f"`.{attr}` does not exist on {_LABELS[kind]}: this raises AttributeError"
                            + (f"; use {hint}" if hint else ""),
                        )
                    elif isinstance(node, cst.Subscript):
                        kind = kinds.of(node.value)
                        if kind not in _NOT_SUBSCRIPTABLE:
                            continue
                        yield Finding(
                            module.path,
                            span_of(module, node),
                            f"{_LABELS[kind]} is not a dict or a list: indexing it raises TypeError; read its"
                            " attributes instead",
                        )


# -- DPL489 -------------------------------------------------------------------------------------


def _single_binding(function: Function, name: str) -> Any | None:
    """The value of the one plain assignment of `name` in the function, if it is the only binding."""
    cst = _cst()
    found = []
    for node in _own_cst_nodes(function):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if name in _target_names(target.target):
                    found.append(node.value if isinstance(target.target, cst.Name) else None)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)) and name in _target_names(node.target):
            found.append(node.value if isinstance(node, cst.AnnAssign) else None)
        elif isinstance(node, (cst.For, cst.CompFor)) and name in _target_names(node.target):
            found.append(None)
    if any(p.name.value == name for p in function.parameters()):
        return None
    return found[0] if len(found) == 1 else None


def _literal_provider(config: Any) -> tuple[Any, str] | None:
    """The literal provider of a config built in place: `XModelConfig(provider="openai", ...)` or a dict."""
    cst = _cst()
    if isinstance(config, cst.Call):
        name = dotted(config.func).split(".")[-1]
        if name not in CONFIG_CLASSES and name != "dict":
            return None
        for arg in config.args:
            if arg.keyword is not None and arg.keyword.value == "provider":
                value = string_value(arg.value)
                return (arg.value, value) if value else None
        return None
    if isinstance(config, cst.Dict):
        for element in config.elements:
            if isinstance(element, cst.DictElement) and string_value(element.key) == "provider":
                value = string_value(element.value)
                return (element.value, value) if value else None
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
        _llm_example(
            "        result = self.session.model.llm.invoke(\n"
            "            model_config=LLMModelConfig(provider=\"openai\", model=\"gpt-4o-mini\", mode=\"chat\", completion_params={}),\n"
            "            prompt_messages=[UserPromptMessage(content=tool_parameters[\"text\"])],\n"
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())",
            selector=False,
        ),
    )
    valid = (_llm_example(_INVOKE + "        yield self.create_text_message(result.message.get_text_content())"),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin_modules(plugin):
            for call in session_calls(module):
                endpoint = call.endpoint
                if endpoint is None or endpoint.config_class is None:
                    continue
                parameter = "model" if endpoint.path[0] == "workflow_node" else "model_config"
                config = call.arguments.get(parameter)
                if config is None:
                    continue
                cst = _cst()
                if isinstance(config, cst.Name):
                    config = _single_binding(call.function, config.value)
                found = _literal_provider(config) if config is not None else None
                if found is None:
                    continue
                node, provider = found
                scope = endpoint.scope_type or "llm"
                yield Finding(
                    module.path,
                    span_of(module, node),
                    f"the provider `{provider}` is hard-coded: `{endpoint.dotted}` fails in every workspace without it"
                    f" (or without that model); declare a `model-selector` parameter (scope: {scope}) and pass its value",
                )


# -- DPL490 -------------------------------------------------------------------------------------


def _provider_like(node: ast.AST) -> bool:
    """An expression that holds a provider id: `x["provider"]`, `x.get("provider")`, `x.provider`, `provider`."""
    while isinstance(node, ast.BoolOp):
        node = node.values[0]
    if isinstance(node, ast.Subscript):
        return str_const(node.slice) == "provider"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        return str_const(node.args[0]) == "provider"
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
            and str_const(call.args[0]) == "/"
            and _provider_like(call.func.value)
        ):
            return "drops the organization and plugin parts of the provider id"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = str_const(node.left)
        if left is not None and left.startswith("langgenius/"):
            return "rebuilds the provider id under `langgenius/`"
    if isinstance(node, ast.JoinedStr) and node.values:
        first = str_const(node.values[0])
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
        _llm_example(
            "        model = tool_parameters[\"model\"]\n"
            "        provider = model[\"provider\"].split(\"/\")[-1]\n"
            "        result = self.session.model.llm.invoke(\n"
            "            model_config=LLMModelConfig(provider=provider, model=model[\"model\"], mode=\"chat\"),\n"
            "            prompt_messages=[UserPromptMessage(content=tool_parameters[\"text\"])],\n"
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(result.message.get_text_content())"
        ),
    )
    valid = (
        _llm_example(
            "        model = tool_parameters[\"model\"]\n"
            "        short_name = model[\"provider\"].split(\"/\")[-1]\n"
            "        result = self.session.model.llm.invoke(\n"
            "            model_config=LLMModelConfig(provider=model[\"provider\"], model=model[\"model\"], mode=\"chat\"),\n"
            "            prompt_messages=[UserPromptMessage(content=tool_parameters[\"text\"])],\n"
            "            stream=False,\n"
            "        )\n"
            "        yield self.create_text_message(short_name + \": \" + result.message.get_text_content())"
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin_modules(plugin):
            text = module.text
            if "provider" not in text or not ("/" in text and ("split(" in text or "partition(" in text or "langgenius/" in text)):
                continue
            tree = syntax_tree(module)
            if tree is None:
                continue
            yield from self._module(module, tree)

    def _module(self, module: PyModule, tree: ast.Module) -> Iterator[Finding]:
        uses_session = "session" in module.text
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            rewritten: dict[str, tuple[ast.AST, str]] = {}
            nodes = [n for s in scope.body for n in ast.walk(s)]
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
            name = dotted_name(node.func).split(".")[-1]
            if name in CONFIG_CLASSES or (uses_session and name == "dict"):
                for keyword in node.keywords:
                    if keyword.arg == "provider":
                        return keyword.value
            return None
        if not uses_session:
            return None
        if isinstance(node, ast.Dict):
            keys = {str_const(k) for k in node.keys if k is not None}
            if "provider" in keys and "model" in keys:
                for key, value in zip(node.keys, node.values):
                    if key is not None and str_const(key) == "provider":
                        return value
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript) and str_const(target.slice) == "provider":
                return node.value
        return None


# -- DPL488 -------------------------------------------------------------------------------------

_MODEL_LLM = '''\
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
'''


def _is_llm_type(node: ast.AST) -> bool:
    return dotted_name(node).endswith("ModelType.LLM") or str_const(node) == "llm"


def _property_keys(node: ast.AST, scope: ast.AST | None, up: dict[int, ast.AST]) -> set[str] | None:
    """The keys of a `model_properties` dict, or None when they cannot be known."""
    if isinstance(node, ast.Dict):
        keys: set[str] = set()
        for key in node.keys:
            if key is None:
                return None
            text = str_const(key)
            name = dotted_name(key)
            if text is not None:
                keys.add(text)
            elif name:
                keys.add(name.split(".")[-1].lower())
            else:
                return None
        return keys
    if isinstance(node, ast.Name) and scope is not None:
        values = [
            n
            for n in ast.walk(scope)
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.id in _ast_targets(n)
        ]
        if len(values) != 1 or not isinstance(values[0], (ast.Assign, ast.AnnAssign)) or values[0].value is None:
            return None
        keys = _property_keys(values[0].value, None, up)
        if keys is None:
            return None
        for other in ast.walk(scope):
            if isinstance(other, ast.Name) and other.id == node.id and other is not node:
                # filled key by key, or passed somewhere: only `name[key] = ...` is understood
                parent = up.get(id(other))
                if isinstance(parent, ast.Subscript) and parent.value is other and isinstance(parent.ctx, ast.Store):
                    text = str_const(parent.slice)
                    name = dotted_name(parent.slice)
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

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        models = doc.get("plugins", "models") if doc is not None and doc.usable else None
        if not isinstance(models, list) or not models:
            return
        for module in plugin_modules(plugin):
            if "AIModelEntity(" not in module.text:
                continue
            tree = syntax_tree(module)
            if tree is None:
                continue
            for scope, node in self._entity_calls(tree):
                keywords = {k.arg: k.value for k in node.keywords if k.arg}
                if any(k.arg is None for k in node.keywords) or "model_type" not in keywords or "model_properties" not in keywords:
                    continue
                if not _is_llm_type(keywords["model_type"]):
                    continue
                keys = _property_keys(keywords["model_properties"], scope, parents(scope))
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
    def _entity_calls(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.Call]]:
        """Each `AIModelEntity(...)` call with the innermost function around it (or the module)."""
        stack: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]
        while stack:
            node, scope = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    stack.append((child, child))
                    continue
                if isinstance(child, ast.Call) and dotted_name(child.func).split(".")[-1] == "AIModelEntity":
                    yield scope, child
                stack.append((child, scope))


RULES = [EndpointObjectCalled, ResultAttributeMissing, ProviderIdRewritten, HardCodedModel, CustomizableLLMWithoutMode]
