"""One table of the Dify SDK: its reverse invocations (`self.session.*`), their config classes
and results, and the classes a plugin subclasses.

Every rule about calls back into Dify reads this table; a new SDK endpoint is one new row. The
facts come from dify-plugin-sdks (`core/runtime.py`, `invocations/**`, `interfaces/**`,
`entities/**`, `__init__.py`), the daemon's permission table
(`internal/core/io_tunnel/backwards_invocation/task.go`) and its request validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    name: str
    required: bool = True


@dataclass(frozen=True)
class Endpoint:
    """One callable reached from the session, e.g. `session.model.llm.invoke`."""

    path: tuple[str, ...]  # attribute names after `session`, the method last
    params: tuple[Param, ...]  # in positional order, `self` left out
    #: the manifest flags the daemon checks, under resource.permission (e.g. ("model", "llm"))
    permission: tuple[str, ...] | None
    #: what comes back: "llm" (stream-dependent), "str", "bool", "bytes-stream", "message-stream",
    #: "app" (depends on response_mode), "embedding", "rerank", "node", "bytes", "none", "file", "mapping"
    returns: str
    config_class: str | None = None  # the ModelConfig class `model_config` must be
    accepts_dict: bool = False  # whether a plain dict works as `model_config`
    scope_type: str | None = None  # the model-selector scope model type this endpoint fits
    #: a generator function: nothing is sent until the result is iterated
    lazy: bool = False
    #: fields the config class requires beyond provider and model
    config_required: tuple[str, ...] = ()
    notes: str = ""

    @property
    def dotted(self) -> str:
        return "session." + ".".join(self.path)

    @property
    def owner(self) -> tuple[str, ...]:
        """The object the method is called on, e.g. ("model", "llm")."""
        return self.path[:-1]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _p(*names: str, optional: tuple[str, ...] = ()) -> tuple[Param, ...]:
    return tuple(Param(n) for n in names) + tuple(Param(n, required=False) for n in optional)


LLM_PERMISSION = ("model", "llm")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        ("model", "llm", "invoke"),
        _p("model_config", "prompt_messages", optional=("tools", "stop", "stream")),
        LLM_PERMISSION,
        "llm",
        config_class="LLMModelConfig",
        accepts_dict=True,
        scope_type="llm",
        config_required=("mode",),
    ),
    Endpoint(
        ("model", "llm_structured_output", "invoke"),
        _p("model_config", "prompt_messages", "structured_output_schema", optional=("tools", "stop", "stream")),
        LLM_PERMISSION,
        "llm",
        config_class="LLMModelConfig",
        accepts_dict=True,
        scope_type="llm",
        config_required=("mode",),
    ),
    Endpoint(
        ("model", "summary", "invoke"),
        _p("text", "instruction", optional=("min_summarize_length",)),
        LLM_PERMISSION,
        "str",
        notes="uses the workspace's system model; no call is made for text shorter than min_summarize_length",
    ),
    Endpoint(
        ("model", "text_embedding", "invoke"),
        _p("model_config", "texts", optional=("input_type",)),
        ("model", "text_embedding"),
        "embedding",
        config_class="TextEmbeddingModelConfig",
        scope_type="text-embedding",
    ),
    Endpoint(
        ("model", "text_embedding", "invoke_multimodal"),
        _p("model_config", "documents", optional=("input_type",)),
        ("model", "text_embedding"),
        "embedding",
        config_class="MultiModalEmbeddingModelConfig",
        scope_type="text-embedding",
        config_required=("tenant_id",),
    ),
    Endpoint(
        ("model", "rerank", "invoke"),
        _p("model_config", "docs", "query"),
        ("model", "rerank"),
        "rerank",
        config_class="RerankModelConfig",
        scope_type="rerank",
        config_required=("score_threshold", "top_n"),
    ),
    Endpoint(
        ("model", "rerank", "invoke_multimodal"),
        _p("model_config", "query", "docs"),
        ("model", "rerank"),
        "rerank",
        config_class="MultiModalRerankModelConfig",
        scope_type="rerank",
    ),
    Endpoint(
        ("model", "tts", "invoke"),
        _p("model_config", "content_text"),
        ("model", "tts"),
        "bytes-stream",
        config_class="TTSModelConfig",
        scope_type="tts",
        lazy=True,
        config_required=("voice",),
    ),
    Endpoint(
        ("model", "speech2text", "invoke"),
        _p("model_config", "file"),
        ("model", "speech2text"),
        "str",
        config_class="Speech2TextModelConfig",
        scope_type="speech2text",
    ),
    Endpoint(
        ("model", "moderation", "invoke"),
        _p("model_config", "text"),
        ("model", "moderation"),
        "bool",
        config_class="ModerationModelConfig",
        scope_type="moderation",
        notes="True means the text is flagged",
    ),
    Endpoint(
        ("tool", "invoke"),
        _p("provider_type", "provider", "tool_name", "parameters", optional=("credential_id",)),
        ("tool",),
        "message-stream",
        lazy=True,
    ),
    Endpoint(("tool", "invoke_builtin_tool"), _p("provider", "tool_name", "parameters"), ("tool",), "message-stream", lazy=True),
    Endpoint(("tool", "invoke_workflow_tool"), _p("provider", "tool_name", "parameters"), ("tool",), "message-stream", lazy=True),
    Endpoint(("tool", "invoke_api_tool"), _p("provider", "tool_name", "parameters"), ("tool",), "message-stream", lazy=True),
    Endpoint(
        ("app", "chat", "invoke"),
        _p("app_id", "query", "inputs", optional=("response_mode", "conversation_id", "user")),
        ("app",),
        "app-streaming",
    ),
    Endpoint(
        ("app", "completion", "invoke"), _p("app_id", "inputs", optional=("response_mode", "user")), ("app",), "app-blocking"
    ),
    Endpoint(("app", "workflow", "invoke"), _p("app_id", "inputs", optional=("response_mode", "user")), ("app",), "app-blocking"),
    Endpoint(("app", "fetch_app"), _p("app_id"), ("app",), "mapping"),
    Endpoint(
        ("workflow_node", "question_classifier", "invoke"),
        _p("classes", "model", "query", optional=("instruction",)),
        ("node",),
        "node",
        config_class="ModelConfig",
        accepts_dict=True,
        scope_type="llm",
        notes="`model` is sent as given: a dict works if it has provider, name and mode (the daemon requires all three)",
    ),
    Endpoint(
        ("workflow_node", "parameter_extractor", "invoke"),
        _p("parameters", "model", "query", optional=("instruction",)),
        ("node",),
        "node",
        config_class="ModelConfig",
        accepts_dict=True,
        scope_type="llm",
        notes="`model` is sent as given: a dict works if it has provider, name and mode (the daemon requires all three)",
    ),
    Endpoint(("storage", "set"), _p("key", "val"), ("storage",), "none"),
    Endpoint(("storage", "get"), _p("key"), ("storage",), "bytes"),
    Endpoint(("storage", "delete"), _p("key"), ("storage",), "none"),
    Endpoint(("storage", "exist"), _p("key"), ("storage",), "bool"),
    Endpoint(("file", "upload"), _p("filename", "content", "mimetype"), None, "file"),
)

BY_PATH: dict[tuple[str, ...], Endpoint] = {e.path: e for e in ENDPOINTS}

#: Every attribute chain below `session` that leads to endpoints, e.g. ("model",), ("model", "llm").
OWNERS: frozenset[tuple[str, ...]] = frozenset(e.path[:i] for e in ENDPOINTS for i in range(1, len(e.path)))

#: manifest permission flag -> the daemon's error text when it is missing
PERMISSION_TEXT = {
    ("model", "llm"): "llm",
    ("model", "text_embedding"): "text-embedding",
    ("model", "rerank"): "rerank",
    ("model", "tts"): "tts",
    ("model", "speech2text"): "speech2text",
    ("model", "moderation"): "moderation",
    ("tool",): "tool",
    ("app",): "app",
    ("node",): "node",
    ("storage",): "storage",
}

#: scope model-type token -> session.model endpoints that fit it
SCOPE_ENDPOINTS = {
    "llm": ("llm", "llm_structured_output"),
    "text-embedding": ("text_embedding",),
    "rerank": ("rerank",),
    "tts": ("tts",),
    "speech2text": ("speech2text",),
    "moderation": ("moderation",),
}

MODEL_TYPE_TOKENS = ("llm", "text-embedding", "rerank", "moderation", "speech2text", "tts")


def selector_model_type(scope: object) -> str:
    """The model type a model-selector offers: the first model-type token in the web UI's order.

    An absent scope means llm (the UI's default); `all` offers every type and fits any endpoint.
    """
    if not isinstance(scope, str) or not scope.strip():
        return "llm"
    tokens = {t.strip() for t in scope.split("&")}
    if "all" in tokens:
        return "all"
    for token in MODEL_TYPE_TOKENS:
        if token in tokens:
            return token
    return "llm"


@dataclass(frozen=True)
class ConfigClass:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    model_type: str | None = None
    fields_extra: dict = field(default_factory=dict)


CONFIG_CLASSES: dict[str, ConfigClass] = {
    c.name: c
    for c in (
        ConfigClass("LLMModelConfig", ("provider", "model", "mode"), ("completion_params", "model_type"), "llm"),
        ConfigClass(
            "AgentModelConfig",
            ("provider", "model", "mode"),
            ("completion_params", "model_type", "entity", "history_prompt_messages"),
            "llm",
        ),
        ConfigClass("TextEmbeddingModelConfig", ("provider", "model"), ("model_type",), "text-embedding"),
        ConfigClass("MultiModalEmbeddingModelConfig", ("provider", "model", "tenant_id"), ("model_type",), "text-embedding"),
        ConfigClass("RerankModelConfig", ("provider", "model", "score_threshold", "top_n"), ("model_type",), "rerank"),
        ConfigClass("MultiModalRerankModelConfig", ("provider", "model"), ("score_threshold", "top_n", "model_type"), "rerank"),
        ConfigClass("TTSModelConfig", ("provider", "model", "voice"), ("model_type",), "tts"),
        ConfigClass("Speech2TextModelConfig", ("provider", "model"), ("model_type",), "speech2text"),
        ConfigClass("ModerationModelConfig", ("provider", "model"), ("model_type",), "moderation"),
        ConfigClass("ModelConfig", ("provider", "name"), ("mode", "completion_params"), None),
    )
}

#: config classes an endpoint accepts besides its own (subclasses)
CONFIG_SUBCLASSES = {"LLMModelConfig": ("AgentModelConfig",)}

LLM_MODES = ("chat", "completion")


# -- what results look like -----------------------------------------------------------------

#: what every pydantic model has (v2 and the v1 compatibility names)
PYDANTIC_ATTRIBUTES = frozenset(
    {
        "model_dump",
        "model_dump_json",
        "model_copy",
        "model_fields",
        "model_fields_set",
        "model_config",
        "model_extra",
        "model_computed_fields",
        "model_json_schema",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "model_construct",
        "model_post_init",
        "model_rebuild",
        "model_parametrized_name",
        "dict",
        "json",
        "copy",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "from_orm",
        "construct",
        "schema",
        "schema_json",
        "validate",
        "update_forward_refs",
    }
)
GENERATOR_ATTRIBUTES = frozenset({"send", "throw", "close", "gi_frame", "gi_running", "gi_code", "gi_yieldfrom", "gi_suspended"})

#: result kind -> (its attributes, attribute -> kind of what it gives); from the SDK's
#: entities/model/llm.py, message.py, text_embedding.py and rerank.py
LLM_RESULT_ATTRIBUTES = {
    "model",
    "prompt_messages",
    "message",
    "usage",
    "system_fingerprint",
    "to_llm_result_chunk",
    "transform_prompt_messages",
}
RESULT_SHAPES: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "llm": (
        frozenset(LLM_RESULT_ATTRIBUTES) | GENERATOR_ATTRIBUTES | PYDANTIC_ATTRIBUTES,
        {"message": "message", "usage": "usage"},
    ),
    "llm-so": (
        frozenset(LLM_RESULT_ATTRIBUTES | {"structured_output", "to_llm_result_chunk_with_structured_output"})
        | GENERATOR_ATTRIBUTES
        | PYDANTIC_ATTRIBUTES,
        {"message": "message", "usage": "usage"},
    ),
    "chunk": (
        frozenset({"model", "prompt_messages", "system_fingerprint", "delta", "transform_prompt_messages"}) | PYDANTIC_ATTRIBUTES,
        {"delta": "delta"},
    ),
    "chunk-so": (
        frozenset({"model", "prompt_messages", "system_fingerprint", "delta", "structured_output", "transform_prompt_messages"})
        | PYDANTIC_ATTRIBUTES,
        {"delta": "delta"},
    ),
    "delta": (
        frozenset({"index", "message", "usage", "finish_reason"}) | PYDANTIC_ATTRIBUTES,
        {"message": "message", "usage": "usage"},
    ),
    "message": (
        frozenset({"role", "content", "name", "tool_calls", "opaque_body", "get_text_content", "is_empty", "transform_content"})
        | PYDANTIC_ATTRIBUTES,
        {},
    ),
    "usage": (
        frozenset(
            {
                "prompt_tokens",
                "prompt_unit_price",
                "prompt_price_unit",
                "prompt_price",
                "completion_tokens",
                "completion_unit_price",
                "completion_price_unit",
                "completion_price",
                "total_tokens",
                "total_price",
                "currency",
                "latency",
                "empty_usage",
            }
        )
        | PYDANTIC_ATTRIBUTES,
        {},
    ),
    "embedding": (frozenset({"model", "embeddings", "usage"}) | PYDANTIC_ATTRIBUTES, {"usage": "embedding-usage"}),
    "embedding-usage": (
        frozenset({"tokens", "total_tokens", "unit_price", "price_unit", "total_price", "currency", "latency"})
        | PYDANTIC_ATTRIBUTES,
        {},
    ),
    "rerank": (frozenset({"model", "docs"}) | PYDANTIC_ATTRIBUTES, {"docs": "rerank-docs"}),
    "rerank-docs": (frozenset(a for a in dir(list) if not a.startswith("__")), {}),
    "rerank-doc": (frozenset({"index", "text", "score"}) | PYDANTIC_ATTRIBUTES, {}),
    "str": (frozenset(a for a in dir(str) if not a.startswith("__")), {}),
    "bool": (frozenset(a for a in dir(bool) if not a.startswith("__")), {}),
    "bytes": (frozenset(a for a in dir(bytes) if not a.startswith("__")), {}),
}
RESULT_ITERATES = {"llm": "chunk", "llm-so": "chunk-so", "rerank-docs": "rerank-doc"}
RESULT_INDEXES = {"rerank-docs": "rerank-doc"}
NOT_SUBSCRIPTABLE = {
    "llm",
    "llm-so",
    "chunk",
    "chunk-so",
    "delta",
    "message",
    "usage",
    "embedding",
    "embedding-usage",
    "rerank",
    "rerank-doc",
}
RESULT_LABELS = {
    "llm": "an LLM result (`LLMResult`, or a stream of chunks)",
    "llm-so": "a structured-output LLM result",
    "chunk": "an `LLMResultChunk`",
    "chunk-so": "an `LLMResultChunkWithStructuredOutput`",
    "delta": "an `LLMResultChunkDelta`",
    "message": "an `AssistantPromptMessage`",
    "usage": "an `LLMUsage`",
    "embedding": "a `TextEmbeddingResult`",
    "embedding-usage": "an `EmbeddingUsage`",
    "rerank": "a `RerankResult`",
    "rerank-docs": "a list of `RerankDocument`",
    "rerank-doc": "a `RerankDocument`",
    "str": "a `str`",
    "bool": "a `bool`",
    "bytes": "`bytes`",
}


# -- the classes a plugin subclasses ------------------------------------------------------------

#: SDK classes a plugin may subclass or import -> their SDK parent classes.
SDK_CLASSES: dict[str, tuple[str, ...]] = {
    "ToolProvider": (),
    "AgentProvider": ("ToolProvider",),
    "Tool": (),
    "AgentStrategy": (),
    "Endpoint": (),
    "DatasourceProvider": (),
    "OnlineDocumentDatasource": (),
    "WebsiteCrawlDatasource": (),
    "OnlineDriveDatasource": (),
    "Trigger": (),
    "Event": (),
    "TriggerSubscriptionConstructor": (),
    "ModelProvider": (),
    "OAICompatProvider": ("ModelProvider",),
    "AIModel": (),
    "LargeLanguageModel": ("AIModel",),
    "TextEmbeddingModel": ("AIModel",),
    "RerankModel": ("AIModel",),
    "TTSModel": ("AIModel",),
    "Speech2TextModel": ("AIModel",),
    "ModerationModel": ("AIModel",),
    "OAICompatLargeLanguageModel": ("LargeLanguageModel",),
    "OAICompatEmbeddingModel": ("TextEmbeddingModel",),
    "OAICompatRerankModel": ("RerankModel",),
    "OAICompatText2SpeechModel": ("TTSModel",),
    "OAICompatSpeech2TextModel": ("Speech2TextModel",),
}

#: The SDK package's top-level module, and the classes of the table that `from dify_plugin import *`
#: binds (its `__all__`).
SDK_PACKAGE = "dify_plugin"
SDK_STAR = (
    "AgentProvider", "AgentStrategy", "Endpoint", "LargeLanguageModel", "ModelProvider", "ModerationModel",
    "OAICompatEmbeddingModel", "OAICompatLargeLanguageModel", "OAICompatProvider", "OAICompatRerankModel",
    "OAICompatSpeech2TextModel", "OAICompatText2SpeechModel", "RerankModel", "Speech2TextModel", "TTSModel",
    "TextEmbeddingModel", "Tool", "ToolProvider",
)  # fmt: skip

#: The model-type classes: a model source registers strict subclasses of these.
MODEL_TYPE_CLASSES = (
    "LargeLanguageModel",
    "TextEmbeddingModel",
    "RerankModel",
    "TTSModel",
    "Speech2TextModel",
    "ModerationModel",
)

#: Base classes outside the plugin that hide no method dify-lint needs to see (SDK and standard ones).
SDK_TERMINALS = frozenset(
    {"Tool", "ToolProvider", "AgentStrategy", "AgentProvider", "ABC", "object", "Generic", "BaseModel", "Protocol", "ABCMeta"}
)

#: declaration kind -> the SDK base class its `extra.python.source` must subclass exactly once
#: (the SDK's `get_subclasses_from_module` on the imported source)
SOURCE_BASES: dict[str, str] = {
    "tool_provider": "ToolProvider",
    "tool": "Tool",
    "endpoint": "Endpoint",
    "agent_strategy": "AgentStrategy",
    "datasource_provider": "DatasourceProvider",
    "trigger_provider": "Trigger",
    "trigger_event": "Event",
}

#: a datasource provider's `provider_type` -> the base class of its datasources
DATASOURCE_BASES = {
    "online_document": "OnlineDocumentDatasource",
    "website_crawl": "WebsiteCrawlDatasource",
    "online_drive": "OnlineDriveDatasource",
}


def sdk_ancestors(name: str) -> set[str]:
    """The SDK class and every SDK class it derives from."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(SDK_CLASSES.get(current, ()))
    return seen
