"""DPL404 wrong-model-config."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from dify_lint.analysis.keys import MODEL_CALLS, SELECTORS
from dify_lint.analysis.model_calls import ModelCall, Selectors, keys_of
from dify_lint.analysis.origins import DICT, Built, Read
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import CONFIG_CLASSES, CONFIG_SUBCLASSES, Endpoint

from ._common import EMBED_TOOL, llm_tool, related_call, rerank_tool, tool


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
        Example(
            {**tool(EMBED_TOOL.format(config='tool_parameters["model"]'), "text-embedding", "text_embedding")},
            expect=(
                (
                    "tools/echo.py:11:26-11:50",
                    "the model-selector `model` gives a plain dict, but `session.model.text_embedding.invoke` needs a `TextEmbeddingModelConfig`: it calls `model_config.model_dump()` and fails with `'dict' object has no attribute 'model_dump'`. Wrap it: `TextEmbeddingModelConfig(**value)`",
                ),
            ),
        ),
        Example(
            tool(rerank_tool("", 'model_config=config, docs=["a", "b"], query="q"'), "rerank", "rerank"),
            expect=(
                (
                    "tools/echo.py:10:18-10:63",
                    "`RerankModelConfig(...)` has no `score_threshold`, `top_n`: pydantic raises `Field required` before the request is sent; a model-selector's value never carries `score_threshold`, `top_n`: pass them as keywords beside `**value`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                EMBED_TOOL.format(config='TextEmbeddingModelConfig(**tool_parameters["model"])'),
                "text-embedding",
                "text_embedding",
            )
        ),
        Example(llm_tool('tool_parameters["model"]', scope="llm")),
    )

    requires = (MODEL_CALLS, SELECTORS)

    def check(self, ctx) -> Iterable[Finding]:
        selectors = ctx.get(SELECTORS)
        reported: set[int] = set()
        for mc in ctx.get(MODEL_CALLS):
            for finding, node in self._problems(selectors, mc):
                if id(node) not in reported:
                    reported.add(id(node))
                    yield finding

    def _problems(self, selectors: Selectors, mc: ModelCall) -> Iterator[tuple[Finding, Any]]:
        endpoint = mc.endpoint
        wanted = endpoint.config_class or ""
        workflow = endpoint.path[0] == "workflow_node"
        for origin in mc.origins:
            if isinstance(origin, Read):
                if not selectors.of(origin):
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
                        yield from self._workflow_dict(selectors, mc, origin)
                    elif not endpoint.accepts_dict:
                        yield self._at_argument(
                            mc,
                            f"a dict is passed where `{mc.name}` needs a `{wanted}`: it calls `model_config.model_dump()`"
                            f" and fails with `'dict' object has no attribute 'model_dump'`. Build a `{wanted}(...)` instead",
                        )
                    else:
                        yield from self._missing(selectors, mc, origin, "LLMModelConfig", dict_for=True)
                elif not _class_fits(endpoint, origin.class_name):
                    yield self._wrong_class(mc, origin.class_name, origin.node)
                else:
                    yield from self._missing(selectors, mc, origin, origin.class_name)

    def _at_argument(self, mc: ModelCall, message: str) -> tuple[Finding, Any]:
        return Finding(mc.call.module.path, node_span(mc.call.module, mc.argument), message), mc.argument

    def _wrong_class(self, mc: ModelCall, class_name: str, node: Any) -> tuple[Finding, Any]:
        wanted = mc.endpoint.config_class
        cls = CONFIG_CLASSES.get(class_name)
        kind = f" (the config of {cls.model_type} models)" if cls is not None and cls.model_type else ""
        own = [k for k in CONFIG_CLASSES[wanted].required if k not in ("provider", "model")] if wanted in CONFIG_CLASSES else []
        fields = f", and its own fields ({', '.join(f'`{k}`' for k in own)}) are never set" if own else ""
        return (
            Finding(
                mc.call.module.path,
                node_span(mc.call.module, mc.argument),
                f"`{mc.name}` needs a `{wanted}`, but it is given a `{class_name}`{kind}: the endpoint, not the config,"
                f" decides which kind of model Dify looks up{fields}. Build a `{wanted}(...)`",
            ),
            node,
        )

    def _missing(
        self, selectors: Selectors, mc: ModelCall, built: Built, class_name: str, dict_for: bool = False
    ) -> Iterator[tuple[Finding, Any]]:
        keys = keys_of(selectors, built)
        if not keys.complete:
            return
        cls = CONFIG_CLASSES[class_name]
        missing = [k for k in cls.required if k != "mode" and k not in keys.present]
        if not missing:
            return
        from_selector = any(isinstance(o, Read) and selectors.of(o) for spread in built.spreads for o in spread)
        fields = ", ".join(f"`{k}`" for k in missing)
        if dict_for:
            message = (
                f"this dict has no {fields}: `{mc.name}` turns it into `LLMModelConfig(**config)`, which raises `Field required`"
            )
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
                built.module.path,
                node_span(built.module, built.node),
                message,
                related=related_call(mc, built),
            ),
            built.node,
        )

    def _workflow_dict(self, selectors: Selectors, mc: ModelCall, built: Built) -> Iterator[tuple[Finding, Any]]:
        keys = keys_of(selectors, built)
        if not keys.complete:
            return
        missing = [k for k in _WORKFLOW_KEYS if k not in keys.present]
        if not missing:
            return
        fields = ", ".join(f"`{k}`" for k in missing)
        message = (
            f"this dict has no {fields}, which `{mc.name}`'s `ModelConfig` needs (the daemon requires provider, name and mode)"
        )
        if "name" in missing and "model" in keys.present:
            message += "; its field is `name`, not `model`"
        yield (
            Finding(built.module.path, node_span(built.module, built.node), message, related=related_call(mc, built)),
            built.node,
        )


def _extra_fields(class_name: str) -> str:
    cls = CONFIG_CLASSES.get(class_name)
    if cls is None:
        return ""
    extra = [k for k in cls.required if k not in ("provider", "model")]
    samples = {"score_threshold": "0.5", "top_n": "5", "voice": '"alloy"', "tenant_id": "tenant_id"}
    return "".join(f", {k}={samples.get(k, '...')}" for k in extra)
