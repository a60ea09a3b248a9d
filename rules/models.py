"""DPL4xx: model selection. The model config a `session.model.*` call (or a workflow node)
receives, traced back to where it was built or to the model-selector that supplied it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from dify_lint.diagnostics import Related, Severity
from dify_lint.model.plugin import Plugin
from dify_lint.pyflow import SessionCall, plugin_modules, session_calls, span_of, string_value
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import CONFIG_CLASSES, CONFIG_SUBCLASSES, LLM_MODES, Endpoint, selector_model_type
from dify_lint.values import DICT, Built, Const, Flow, Item, Origin, Read, flatten

from .declarations import Parameter, parameters, tool_yaml
from .manifest import manifest

# -- what the analysis needs from the plugin ---------------------------------------------------

_ROOT_KINDS = {"tool": "tool", "agent_strategy": "strategy", "endpoint": "endpoint", "tool_provider": "tool_provider"}


def _source_of(plugin: Plugin, declaration: Any) -> str | None:
    source = declaration.doc.get("extra", "python", "source")
    if not isinstance(source, str):
        return None
    resolved = plugin.resolve(source)
    return resolved.relative if resolved.problem is None else None


def flow_of(plugin: Plugin) -> Flow:
    """The value analysis of the plugin, shared by the rules of a run."""
    cached = getattr(plugin, "_value_flow", None)
    if cached is None:
        roots: dict[str, set[str]] = {}
        for declaration in plugin.declarations:
            kind = _ROOT_KINDS.get(declaration.kind)
            source = _source_of(plugin, declaration) if kind else None
            if kind and source:
                roots.setdefault(source, set()).add(kind)
        cached = Flow(plugin, roots, plugin_modules(plugin))
        plugin._value_flow = cached  # type: ignore[attr-defined]
    return cached


def _parameter_name(parameter: Parameter) -> str | None:
    name = parameter.data.get("name")
    if isinstance(name, str):
        return name
    last = parameter.at[-1]
    return last if isinstance(last, str) else None


def _selector_index(plugin: Plugin) -> dict[tuple[str, str], dict[str, list[Parameter]]]:
    """(source kind, module) -> parameter name -> the model-selectors the code there can read."""
    cached = getattr(plugin, "_selector_index", None)
    if cached is not None:
        return cached
    by_declaration: dict[int, list[Parameter]] = {}
    for parameter in parameters(plugin):
        if parameter.data.get("type") == "model-selector":
            by_declaration.setdefault(id(parameter.declaration), []).append(parameter)
    index: dict[tuple[str, str], dict[str, list[Parameter]]] = {}

    def add(kind: str, module: str, declaration: Any, context: str) -> None:
        for parameter in by_declaration.get(id(declaration), ()):
            name = _parameter_name(parameter)
            if name and parameter.context == context:
                index.setdefault((kind, module), {}).setdefault(name, []).append(parameter)

    providers = plugin.declarations_of("tool_provider")
    for declaration in plugin.declarations:
        source = _source_of(plugin, declaration)
        if declaration.kind == "tool" and source:
            add("tool", source, declaration, "tool")
            if declaration.parent is not None and declaration.parent.kind == "tool_provider":
                add("credentials", source, declaration.parent, "credential")
        elif declaration.kind == "agent_strategy" and source:
            add("strategy", source, declaration, "strategy")
        elif declaration.kind == "endpoint" and source and declaration.parent is not None:
            add("endpoint", source, declaration.parent, "setting")
        elif declaration.kind == "tool_provider" and source:
            add("credentials", source, declaration, "credential")
    plugin._selector_index = index  # type: ignore[attr-defined]
    plugin._single_provider = providers[0] if len(providers) == 1 else None  # type: ignore[attr-defined]
    return index


def selectors_for(plugin: Plugin, read: Read) -> list[Parameter]:
    """The model-selector parameters a Read may be the value of (empty: not a model-selector)."""
    index = _selector_index(plugin)
    found = index.get((read.source.kind, read.source.module), {}).get(read.key)
    if found is None and read.source.kind == "credentials":
        provider = getattr(plugin, "_single_provider", None)
        if provider is not None:
            found = [
                p
                for p in parameters(plugin)
                if p.declaration is provider and p.context == "credential" and p.data.get("type") == "model-selector" and _parameter_name(p) == read.key
            ]
    return list(found or ())


def _is_strategy(read: Read) -> bool:
    return read.source.kind == "strategy"


# -- the calls that take a model config ---------------------------------------------------------


@dataclass
class ModelCall:
    call: SessionCall
    endpoint: Endpoint
    argument: Any  # the expression given as the config
    origins: frozenset

    @property
    def name(self) -> str:
        return "session." + ".".join(self.endpoint.path)


def config_parameter(endpoint: Endpoint) -> str | None:
    if endpoint.config_class is None:
        return None
    return "model_config" if endpoint.param("model_config") is not None else "model"


def model_calls(plugin: Plugin) -> list[ModelCall]:
    cached = getattr(plugin, "_model_calls", None)
    if cached is not None:
        return cached
    found: list[ModelCall] = []
    flow = None
    for module in plugin_modules(plugin):
        for call in session_calls(module):
            endpoint = call.endpoint
            name = config_parameter(endpoint) if endpoint is not None else None
            argument = call.arguments.get(name) if name else None
            if argument is None:
                continue
            flow = flow or flow_of(plugin)
            origins = flow.origins(module, call.function.node, call.node, argument)
            found.append(ModelCall(call, endpoint, argument, origins))  # type: ignore[arg-type]
    plugin._model_calls = found  # type: ignore[attr-defined]
    return found


# -- which keys a config or dict is given -------------------------------------------------------

#: keys every model-selector value carries; an llm one also mode and completion_params
_SELECTOR_KEYS = ("provider", "model", "model_type")
_LLM_SELECTOR_KEYS = ("mode", "completion_params")
_STRATEGY_KEYS = ("history_prompt_messages", "entity")


@dataclass
class Keys:
    present: dict[str, Any]  # key -> its value expression when one literal place gives it, else None
    complete: bool  # False: some key may come from where the analysis cannot see


def keys_of(plugin: Plugin, origin: Origin, depth: int = 0) -> Keys:
    if depth > 6:
        return Keys({}, False)
    if isinstance(origin, Built):
        present: dict[str, Any] = {}
        complete = not origin.opened
        for spread in origin.spreads:
            if not spread:
                complete = False
                continue
            parts = [keys_of(plugin, o, depth + 1) for o in spread]
            if not all(p.complete for p in parts):
                complete = False
            common = set.intersection(*(set(p.present) for p in parts))
            for key in common:
                values = {id(p.present[key]) for p in parts}
                present[key] = parts[0].present[key] if len(values) == 1 else None
        for key, node in (*origin.keys, *origin.added):
            present[key] = node
        return Keys(present, complete)
    if isinstance(origin, Read) and origin.form == DICT:
        selectors = selectors_for(plugin, origin)
        if not selectors:
            return Keys({}, False)
        present = dict.fromkeys(_SELECTOR_KEYS)
        # an llm selector's value also has mode and completion_params; when another scope's value
        # reaches an LLM config, that is DPL401's finding, so it is not reported twice
        present.update(dict.fromkeys(_LLM_SELECTOR_KEYS))
        if _is_strategy(origin):
            present.update(dict.fromkeys(_STRATEGY_KEYS))
        for key, node in origin.added:
            present[key] = node
        return Keys(present, not origin.opened)
    return Keys({}, False)


def selector_reads(plugin: Plugin, origins: Iterable[Origin]) -> Iterator[Read]:
    """The model-selector values an expression's value is made of: itself, spread into a
    config, or its provider and model copied one by one."""
    seen: set[Read] = set()
    for origin in flatten(origins):
        candidates: list[Read] = []
        if isinstance(origin, Read):
            candidates.append(origin)
        elif isinstance(origin, Built):
            for key in ("provider", "model", "name"):
                for value in origin.key_origins(key):
                    if isinstance(value, Item) and value.key in ("provider", "model"):
                        candidates.append(value.read)
        for read in candidates:
            base = Read(read.source, read.key)
            if base not in seen and selectors_for(plugin, read):
                seen.add(base)
                yield read


def _fields_from_selector(plugin: Plugin, built: Built) -> Read | None:
    """The selector a config copies its provider or model from, field by field."""
    for key in ("model", "provider", "name"):
        for value in built.key_origins(key):
            if isinstance(value, Item) and selectors_for(plugin, value.read):
                return value.read
    return None


# -- shared wording ------------------------------------------------------------------------------

_TYPE_WORDS = {
    "llm": "an LLM",
    "text-embedding": "a text-embedding model",
    "rerank": "a rerank model",
    "tts": "a TTS model",
    "speech2text": "a speech2text model",
    "moderation": "a moderation model",
}


def _where(parameter: Parameter) -> str:
    name = _parameter_name(parameter)
    kinds = {"tool": "tool parameter", "strategy": "strategy parameter", "setting": "endpoint setting", "credential": "provider credential"}
    return f"{kinds.get(parameter.context, 'parameter')} `{name}` ({parameter.declaration.doc.path})"


def _scope_related(parameter: Parameter, message: str) -> Related:
    doc = parameter.declaration.doc
    at = (*parameter.at, "scope") if "scope" in parameter.data else (*parameter.at, "type")
    return Related(doc.path, doc.span(at), message)


def _built_label(built: Built) -> str:
    return f"`{built.class_name}(...)`" if built.class_name else "this dict"


def _span(call: ModelCall, node: Any):
    return span_of(call.call.module, node)


def _related_call(mc: ModelCall, built: Built) -> tuple[Related, ...]:
    """The call a config built elsewhere is passed to."""
    if built.node is mc.argument:
        return ()
    return (Related(mc.call.module.path, _span(mc, mc.call.node.func), f"passed to `{mc.name}` here"),)


# -- examples ------------------------------------------------------------------------------------

_MODEL_PARAMETER = """\
  - name: model
    type: model-selector
    scope: {scope}
    required: true
    form: form
    label:
      en_US: Model
    human_description:
      en_US: The model to use.
  - name: text
    type: string
    required: true
    form: llm
    label:
      en_US: Text
    human_description:
      en_US: The text.
    llm_description: The text."""


def _tool(code: str, scope: str | None = None, permission: str = "llm") -> dict[str, str]:
    files = {
        "tools/echo.py": code,
        "manifest.yaml": manifest().replace(
            "  permission: {}", f"  permission:\n    model:\n      enabled: true\n      {permission}: true"
        ),
    }
    if scope is not None:
        files["tools/echo.yaml"] = tool_yaml(_MODEL_PARAMETER.format(scope=scope))
    return files


_HEAD = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.llm import LLMModelConfig
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
'''

_LLM_CALL = '''\
        result = self.session.model.llm.invoke(
            model_config={config},
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
            stream=False,
        )
        yield self.create_text_message(result.message.get_text_content())
'''


def _llm_tool(config: str, scope: str | None = None) -> dict[str, str]:
    return _tool(_HEAD + _LLM_CALL.format(config=config), scope)


_EMBED_TOOL = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.text_embedding import TextEmbeddingModelConfig


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
        result = self.session.model.text_embedding.invoke(
            model_config={config},
            texts=[tool_parameters["text"]],
        )
        yield self.create_json_message({{"embedding": result.embeddings[0]}})
'''

_RERANK_TOOL = '''\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.rerank import RerankModelConfig


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
        config = RerankModelConfig(**tool_parameters["model"]{fields})
        result = self.session.model.rerank.invoke({arguments})
        yield self.create_json_message({{"docs": [d.text for d in result.docs]}})
'''


def _rerank_tool(fields: str = ", score_threshold=0.5, top_n=3", arguments: str = "config, docs, query") -> str:
    return _RERANK_TOOL.format(fields=fields, arguments=arguments)


# -- DPL401 --------------------------------------------------------------------------------------


class ScopeMismatch(Rule):
    code = "DPL401"
    name = "scope-mismatch"
    summary = "A model-selector's scope offers one model type, and its value is sent to an endpoint for another"
    explanation = """
    A model-selector's `scope` decides which models the user can pick: its first model-type token
    (`llm`, `text-embedding`, `rerank`, `moderation`, `speech2text`, `tts`; `llm` when `scope` is
    absent; other tokens such as `tool-call` or `vision` only filter). The endpoint the code calls
    decides how Dify looks the model up: `session.model.text_embedding` asks for a text-embedding
    model whatever the config says, so a chosen LLM is not found there and the call fails (the
    daemon drops the config's `model_type`). dify-lint follows the selector's value from
    `tool_parameters`, an agent strategy's `parameters`, an endpoint group's `settings` or
    `self.runtime.credentials` through variables, config classes, `self` attributes, pydantic
    parameters models and the plugin's own functions to the call, and reports the call with the
    YAML `scope` beside it.
    """
    invalid = (Example(_llm_tool('tool_parameters["model"]', scope="text-embedding")),)
    valid = (
        Example(_llm_tool('tool_parameters["model"]', scope="llm")),
        Example(_llm_tool('tool_parameters.get("model")', scope="tool-call&llm")),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        reported: set[tuple[int, int]] = set()
        for mc in model_calls(plugin):
            need = mc.endpoint.scope_type
            if need is None:
                continue
            for read in selector_reads(plugin, mc.origins):
                for parameter in selectors_for(plugin, read):
                    scope = parameter.data.get("scope")
                    offered = selector_model_type(scope)
                    if offered in ("all", need) or (id(mc.call.node), id(parameter.data)) in reported:
                        continue
                    reported.add((id(mc.call.node), id(parameter.data)))
                    scope_text = f"scope `{scope}`" if isinstance(scope, str) and scope.strip() else "no `scope` (so llm)"
                    yield Finding(
                        mc.call.module.path,
                        _span(mc, mc.argument),
                        f"the model-selector {_where(parameter)} has {scope_text}: users pick"
                        f" {_TYPE_WORDS.get(offered, offered)}, but the value reaches `{mc.name}`, which needs"
                        f" {_TYPE_WORDS[need]}, so Dify looks the model up as {need} and fails to find it."
                        f" Set `scope: {need}` (feature tokens such as `&vision` may stay) or call the endpoint that"
                        " fits the model",
                        related=(_scope_related(parameter, f"the selector offers {_TYPE_WORDS.get(offered, offered)} here"),),
                    )


# -- DPL402 / DPL403 -------------------------------------------------------------------------------


def _llm_configs(plugin: Plugin) -> Iterator[tuple[ModelCall, Built, Keys]]:
    """Each LLM config built in code (a config class call or a dict) that reaches llm or
    llm_structured_output, once, with the keys it is given."""
    seen: set[int] = set()
    for mc in model_calls(plugin):
        if mc.endpoint.config_class != "LLMModelConfig":
            continue
        for origin in mc.origins:
            if not isinstance(origin, Built) or origin.class_name not in (None, "LLMModelConfig", "AgentModelConfig"):
                continue
            if id(origin.node) in seen:
                continue
            seen.add(id(origin.node))
            yield mc, origin, keys_of(plugin, origin)


class LlmConfigMissingMode(Rule):
    code = "DPL402"
    name = "llm-config-missing-mode"
    summary = "An LLM config built in code has no `mode`, or a literal mode Dify does not know"
    explanation = """
    `LLMModelConfig` requires `mode` (`chat` or `completion`, as the model's
    `model_properties.mode` says). Without it pydantic raises `mode Field required` before
    anything is sent; a dict passed to `session.model.llm.invoke` is turned into
    `LLMModelConfig(**d)` and fails the same way, and the daemon refuses an empty mode. A value
    from a model-selector carries `mode` (the UI fills it), so only configs built in code are
    checked; a `**spread` whose keys cannot be known keeps the rule silent.
    """
    invalid = (
        Example(_llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", completion_params={})')),
        Example(_llm_tool('{"provider": "openai", "model": "gpt-4o-mini", "mode": "chatt", "completion_params": {}}')),
    )
    valid = (
        Example(_llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})')),
        Example(_llm_tool('tool_parameters["model"]', scope="llm")),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for mc, built, keys in _llm_configs(plugin):
            if "mode" not in keys.present:
                if not keys.complete:
                    continue
                what = (
                    f"{_built_label(built)} has no `mode`: pydantic raises `mode Field required` before the request is sent"
                    if built.class_name
                    else f"this dict has no `mode`: `{mc.name}` turns it into `LLMModelConfig(**config)`, which raises"
                    " `mode Field required`"
                )
                yield Finding(
                    built.frame.func.module.path,
                    span_of(built.frame.func.module, built.node),
                    what + '. Add `mode="chat"` (or "completion", as the model\'s model_properties.mode says),'
                    " or let the user pick the model with a model-selector parameter",
                    related=_related_call(mc, built),
                )
                continue
            node = keys.present["mode"]
            if node is None:
                continue
            value = string_value(node)
            if value is None and getattr(node, "value", None) == "None":
                value = None
                message = "`mode` is None: `LLMModelConfig` needs a string, so pydantic raises before the request is sent"
                severity = None
            elif value is None:
                continue
            elif not value.strip():
                message = "`mode` is empty: the daemon refuses the request (`mode` is required)"
                severity = None
            elif value in LLM_MODES:
                continue
            else:
                message = f"`mode` is {value!r}, not an LLM mode: Dify's models declare `chat` or `completion`"
                severity = Severity.WARNING
            yield Finding(
                built.frame.func.module.path,
                span_of(built.frame.func.module, node),
                message + '; write `mode="chat"` or `mode="completion"`',
                severity=severity,
                related=_related_call(mc, built),
            )


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
    invalid = (Example(_llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat")')),)
    valid = (
        Example(_llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})')),
        Example(_llm_tool('LLMModelConfig(**tool_parameters["model"])', scope="llm")),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for mc, built, keys in _llm_configs(plugin):
            if "completion_params" in keys.present or not keys.complete:
                continue
            selector = _fields_from_selector(plugin, built)
            if selector is not None:
                tail = (
                    f" it copies the model from the model-selector `{selector.key}`, so the parameters the user set there"
                    f' are lost; pass `completion_params={selector.key}.get("completion_params", {{}})`-style values'
                    " from the selector, or give the selector's value as the whole config"
                )
            else:
                tail = " the model runs with its provider defaults; pass `completion_params={...}` (or `{}` to keep the defaults on purpose)"
            yield Finding(
                built.frame.func.module.path,
                span_of(built.frame.func.module, built.node),
                f"{_built_label(built)} has no `completion_params`, so the SDK sends `{{}}`:" + tail,
                related=_related_call(mc, built),
            )


# -- DPL404 -----------------------------------------------------------------------------------------


def _class_fits(endpoint: Endpoint, class_name: str) -> bool:
    wanted = endpoint.config_class or ""
    return class_name == wanted or class_name in CONFIG_SUBCLASSES.get(wanted, ())


_WORKFLOW_KEYS = ("provider", "name", "mode")


class WrongModelConfig(Rule):
    code = "DPL404"
    name = "wrong-model-config"
    summary = "The model config does not fit the endpoint: a dict, the wrong class, or a required field missing"
    explanation = """
    Only `session.model.llm` and `llm_structured_output` accept a plain dict; every other model
    endpoint calls `model_config.model_dump()` and fails with `'dict' object has no attribute
    'model_dump'`, so a model-selector's value must be wrapped: `TextEmbeddingModelConfig(**value)`.
    Some classes need fields a model-selector never carries: `RerankModelConfig` needs
    `score_threshold` and `top_n`, `TTSModelConfig` needs `voice` (the selector has it only after
    the user opens the voice panel), `MultiModalEmbeddingModelConfig` needs `tenant_id`. A workflow
    node (`session.workflow_node.question_classifier` / `parameter_extractor`) takes a
    `ModelConfig` whose field is `name`, not `model`, so a model-selector's dict does not fit it.
    An `AgentModelConfig` passed to llm is fine: it is an `LLMModelConfig`.
    """
    invalid = (
        Example({**_tool(_EMBED_TOOL.format(config='tool_parameters["model"]'), "text-embedding", "text_embedding")}),
        Example(_tool(_rerank_tool("", 'model_config=config, docs=["a", "b"], query="q"'), "rerank", "rerank")),
    )
    valid = (
        Example(_tool(_EMBED_TOOL.format(config='TextEmbeddingModelConfig(**tool_parameters["model"])'), "text-embedding", "text_embedding")),
        Example(_llm_tool('tool_parameters["model"]', scope="llm")),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        reported: set[int] = set()
        for mc in model_calls(plugin):
            for finding, node in self._problems(plugin, mc):
                if id(node) not in reported:
                    reported.add(id(node))
                    yield finding

    def _problems(self, plugin: Plugin, mc: ModelCall) -> Iterator[tuple[Finding, Any]]:
        endpoint = mc.endpoint
        wanted = endpoint.config_class or ""
        workflow = endpoint.path[0] == "workflow_node"
        for origin in mc.origins:
            if isinstance(origin, Read):
                selectors = selectors_for(plugin, origin)
                if not selectors:
                    continue
                if origin.form == DICT:
                    if workflow:
                        yield self._at_argument(
                            mc,
                            f"a model-selector's value (`{origin.key}`) is a dict with `model`, but `{mc.name}` needs a"
                            " workflow `ModelConfig`, whose field is `name`: the daemon refuses it (`name` is required)."
                            f' Write `ModelConfig(provider=v["provider"], name=v["model"], mode=v.get("mode", "chat"),'
                            ' completion_params=v.get("completion_params"))`',
                        )
                    elif not endpoint.accepts_dict:
                        yield self._at_argument(
                            mc,
                            f"the model-selector `{origin.key}` gives a plain dict, but `{mc.name}` needs a `{wanted}`: it"
                            " calls `model_config.model_dump()` and fails with `'dict' object has no attribute 'model_dump'`."
                            f" Wrap it: `{wanted}(**value{_extra_fields(wanted)})`",
                        )
                elif origin.form in CONFIG_CLASSES and not _class_fits(endpoint, origin.form):
                    yield self._wrong_class(mc, origin.form, mc.argument)
            elif isinstance(origin, Built):
                if origin.class_name is None:
                    if workflow:
                        yield from self._workflow_dict(plugin, mc, origin)
                    elif not endpoint.accepts_dict:
                        yield self._at_argument(
                            mc,
                            f"a dict is passed where `{mc.name}` needs a `{wanted}`: it calls `model_config.model_dump()`"
                            f" and fails with `'dict' object has no attribute 'model_dump'`. Build a `{wanted}(...)` instead",
                        )
                    else:
                        yield from self._missing(plugin, mc, origin, "LLMModelConfig", dict_for=True)
                elif not _class_fits(endpoint, origin.class_name):
                    yield self._wrong_class(mc, origin.class_name, origin.node)
                else:
                    yield from self._missing(plugin, mc, origin, origin.class_name)

    def _at_argument(self, mc: ModelCall, message: str) -> tuple[Finding, Any]:
        return Finding(mc.call.module.path, _span(mc, mc.argument), message), mc.argument

    def _wrong_class(self, mc: ModelCall, class_name: str, node: Any) -> tuple[Finding, Any]:
        wanted = mc.endpoint.config_class
        cls = CONFIG_CLASSES.get(class_name)
        kind = f" (the config of {cls.model_type} models)" if cls is not None and cls.model_type else ""
        own = [k for k in CONFIG_CLASSES[wanted].required if k not in ("provider", "model")] if wanted in CONFIG_CLASSES else []
        fields = f", and its own fields ({', '.join(f'`{k}`' for k in own)}) are never set" if own else ""
        return (
            Finding(
                mc.call.module.path,
                _span(mc, mc.argument),
                f"`{mc.name}` needs a `{wanted}`, but it is given a `{class_name}`{kind}: the endpoint, not the config,"
                f" decides which kind of model Dify looks up{fields}. Build a `{wanted}(...)`",
            ),
            node,
        )

    def _missing(self, plugin: Plugin, mc: ModelCall, built: Built, class_name: str, dict_for: bool = False) -> Iterator[tuple[Finding, Any]]:
        keys = keys_of(plugin, built)
        if not keys.complete:
            return
        cls = CONFIG_CLASSES[class_name]
        missing = [k for k in cls.required if k != "mode" and k not in keys.present]
        if not missing:
            return
        from_selector = any(isinstance(o, Read) and selectors_for(plugin, o) for spread in built.spreads for o in spread)
        fields = ", ".join(f"`{k}`" for k in missing)
        if dict_for:
            message = f"this dict has no {fields}: `{mc.name}` turns it into `LLMModelConfig(**config)`, which raises `Field required`"
        else:
            message = f"`{class_name}(...)` has no {fields}: pydantic raises `Field required` before the request is sent"
        if class_name == "ModelConfig" and "name" in missing and (built.has("model") or from_selector):
            message += '; a workflow `ModelConfig` names the model in `name`, not `model`: write `name=value["model"]`'
        elif from_selector and "voice" in missing:
            message += (
                "; a model-selector's value has `voice` only after the user opens the voice panel:"
                ' pass `voice=value.get("voice") or "<default voice>"` and copy provider and model'
            )
        elif from_selector:
            message += f"; a model-selector's value never carries {fields}: pass {'it' if len(missing) == 1 else 'them'} as keywords beside `**value`"
        else:
            message += f"; pass {fields}"
        yield (
            Finding(
                built.frame.func.module.path,
                span_of(built.frame.func.module, built.node),
                message,
                related=_related_call(mc, built),
            ),
            built.node,
        )

    def _workflow_dict(self, plugin: Plugin, mc: ModelCall, built: Built) -> Iterator[tuple[Finding, Any]]:
        keys = keys_of(plugin, built)
        if not keys.complete:
            return
        missing = [k for k in _WORKFLOW_KEYS if k not in keys.present]
        if not missing:
            return
        fields = ", ".join(f"`{k}`" for k in missing)
        message = f"this dict has no {fields}, which `{mc.name}`'s `ModelConfig` needs (the daemon requires provider, name and mode)"
        if "name" in missing and "model" in keys.present:
            message += "; its field is `name`, not `model`"
        yield (
            Finding(built.frame.func.module.path, span_of(built.frame.func.module, built.node), message, related=_related_call(mc, built)),
            built.node,
        )


def _extra_fields(class_name: str) -> str:
    cls = CONFIG_CLASSES.get(class_name)
    if cls is None:
        return ""
    extra = [k for k in cls.required if k not in ("provider", "model")]
    samples = {"score_threshold": "0.5", "top_n": "5", "voice": '"alloy"', "tenant_id": "tenant_id"}
    return "".join(f", {k}={samples.get(k, '...')}" for k in extra)


# -- DPL405 -----------------------------------------------------------------------------------------


class SessionCallSignature(Rule):
    code = "DPL405"
    name = "session-call-signature"
    summary = "A session call's arguments do not fit the SDK's signature"
    explanation = """
    Every `self.session.*` method has a fixed signature (`dify-lint` keeps them in one table). An
    unknown keyword, a missing required argument, too many positional arguments or an argument
    given twice raise `TypeError` when the call runs; an argument order mistake, such as rerank's
    `invoke(model_config, docs, query)` called with the query first, sends the wrong values.
    """
    invalid = (
        Example(_tool(_rerank_tool(arguments='config, "what is dify?", ["a", "b"]'), "rerank", "rerank")),
        Example(_llm_tool('tool_parameters["model"], prompt=[]', scope="llm")),
    )
    valid = (Example(_tool(_rerank_tool(arguments='config, ["a", "b"], "what is dify?"'), "rerank", "rerank")),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin_modules(plugin):
            for call in session_calls(module):
                if call.endpoint is not None:
                    yield from self._check_call(plugin, module, call)

    def _check_call(self, plugin: Plugin, module: Any, call: SessionCall) -> Iterator[Finding]:
        endpoint = call.endpoint
        assert endpoint is not None
        name = "session." + ".".join(endpoint.path)
        names = [p.name for p in endpoint.params]
        signature = f"{name}({', '.join(names)})"
        suggested: set[str] = set()
        starred = call.has_star_args  # *args / **kwargs: positions and completeness cannot be known
        for arg in call.unknown_keywords:
            keyword = arg.keyword.value
            close = difflib.get_close_matches(keyword, names, n=1, cutoff=0.6)
            suggested.update(close)
            hint = f"; did you mean `{close[0]}`?" if close else f"; its parameters are {', '.join(f'`{n}`' for n in names)}"
            yield Finding(
                module.path,
                span_of(module, arg.keyword),
                f"`{name}` has no parameter `{keyword}`: the call raises TypeError (unexpected keyword argument){hint}",
            )
        if starred:
            return
        if call.extra_positional:
            yield Finding(
                module.path,
                span_of(module, call.extra_positional[0].value),
                f"`{name}` takes at most {len(names)} positional arguments ({signature}): the call raises TypeError",
            )
        positional = [a for a in call.node.args if a.keyword is None and not a.star]
        given_positionally = set(names[: len(positional)])
        for arg in call.node.args:
            if arg.keyword is not None and arg.keyword.value in given_positionally:
                yield Finding(
                    module.path,
                    span_of(module, arg.keyword),
                    f"`{arg.keyword.value}` is given twice, by position and by keyword: the call raises TypeError"
                    f" (got multiple values); the signature is {signature}",
                )
        missing = [m for m in call.missing if m not in suggested]  # a misspelt keyword is reported once
        if missing:
            yield Finding(
                module.path,
                span_of(module, call.node.func),
                f"`{name}` is called without {', '.join(f'`{m}`' for m in missing)}: the call raises TypeError"
                f" (missing required argument); the signature is {signature}",
            )
        yield from self._order(plugin, module, call, name, positional)

    def _order(self, plugin: Plugin, module: Any, call: SessionCall, name: str, positional: list[Any]) -> Iterator[Finding]:
        endpoint = call.endpoint
        assert endpoint is not None
        if endpoint.path[0] != "model" or endpoint.path[1] != "rerank":
            return
        slots = {p.name: i for i, p in enumerate(endpoint.params)}
        docs_at, query_at = slots["docs"], slots["query"]

        def kind(index: int) -> str | None:
            if index >= len(positional):
                return None
            return _literal_kind(plugin, module, call, positional[index].value)

        docs_kind, query_kind = kind(docs_at), kind(query_at)
        if docs_kind == "str" or query_kind == "list":
            order = "docs, query" if docs_at < query_at else "query, docs"
            wrong = positional[docs_at].value if docs_kind == "str" else positional[query_at].value
            yield Finding(
                module.path,
                span_of(module, wrong),
                f"`{name}` takes `({', '.join(p.name for p in endpoint.params)})`: the arguments are in the wrong order"
                f" ({'a string is given where `docs` goes' if docs_kind == 'str' else 'a list is given where `query` goes'});"
                f" pass them by keyword (`docs=..., query=...`) or as {order}",
            )


def _literal_kind(plugin: Plugin, module: Any, call: SessionCall, value: Any) -> str | None:
    """"str" or "list" when the expression is (on every path) such a literal."""
    import libcst as cst

    if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return "str"
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, cst.Name):
        origins = flow_of(plugin).origins(module, call.function.node, call.node, value)
        kinds = {o.kind if isinstance(o, Const) else None for o in origins}
        if len(kinds) == 1:
            only = kinds.pop()
            return only if only in ("str", "list") else None
    return None


RULES = [ScopeMismatch, LlmConfigMissingMode, LlmConfigMissingCompletionParams, WrongModelConfig, SessionCallSignature]
