"""DPL203 invalid-scope."""

from __future__ import annotations

import difflib
from typing import Iterable, Iterator

from dify_lint.diagnostics import Severity
from dify_lint.model.declarations import parameters
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import MODEL_TYPE_TOKENS  # in the web UI's priority order

MODEL_FEATURE_TOKENS = {"vision", "document", "tool-call"}
UI_ONLY_FEATURE_TOKENS = {"multi-tool-call", "agent-thought", "stream-tool-call", "video", "audio", "structured-output"}
SETTING_MODEL_SCOPES = {"all", "llm", "text-embedding", "rerank", "tts", "speech2text", "moderation", "vision"}
APP_SCOPES = {"all", "chat", "workflow", "completion"}
VARIABLE_SCOPES = {"string", "number", "object", "array[number]", "array[string]", "array[object]", "array[file]"}
SCOPED_TYPES = {"model-selector", "app-selector", "any"}
#: where the daemon checks a model-selector scope token by token (`isModelConfigScope`): tool and
#: agent strategy parameters and provider credentials; it does not check trigger parameters
DAEMON_CHECKED = {"tool", "strategy", "credential"}


def _strategy_param(scope: str) -> str:
    return f"""\
  - name: model
    type: model-selector
    scope: {scope}
    required: true
    label:
      en_US: Model
  - name: query
    type: string
    required: true
    label:
      en_US: Query"""


_STRATEGY = """\
identity:
  name: simple
  author: example
  label:
    en_US: Simple
description:
  en_US: Answers with one model call.
parameters:
{parameters}
features:
  - history-messages
extra:
  python:
    source: strategies/simple.py
"""


class InvalidScope(Rule):
    code = "DPL203"
    name = "invalid-scope"
    summary = "A `scope` names an unknown token, two model types, or sits on a type that takes none"
    grades = {
        Severity.ERROR: (
            "a token or a combination the daemon or the web UI rejects, a scope on a type that takes none, or a"
            " rerank model as an endpoint setting (setup fails: the web UI never sends its score_threshold and top_n)"
        ),
        Severity.WARNING: "a scope the daemon accepts but the web UI narrows or cannot satisfy: a feature token only the web UI knows beside one the daemon knows, app-selector values combined, a tts model as an endpoint setting (its voice is sent only when the user sets one)",
    }
    explanation = """
    `scope` narrows what a selector offers. Only `model-selector`, `app-selector` and `any`
    parameters may have one (the daemon rejects it elsewhere). A model-selector scope joins tokens
    with `&`: at most one model type (llm, text-embedding, rerank, tts, speech2text, moderation;
    the web UI silently uses only the first) and feature filters (vision, document, tool-call).
    The daemon accepts a scope as soon as any one token is valid, so a typo such as `tool_call`
    slips through and the UI then filters on a feature no model has; dify-lint checks every token.
    Feature tokens only the web UI knows (`video`, `audio`, `structured-output`, ...) get a
    warning beside a token the daemon knows; without one, remote debugging rejects the scope.
    `all` is accepted only in endpoint settings, where a scope must be one single value.
    An app-selector scope is one of all, chat, workflow, completion: the UI compares it as a whole
    string, so `chat&workflow` lists no app. An `any` scope names variable types.
    """
    invalid = (
        Example(
            {"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("llm&tool_call"))},
            base="agent",
            expect=(
                (
                    "strategies/simple.yaml:11:12-11:25",
                    "scope token `tool_call` is not a model type or feature; did you mean `tool-call`?",
                ),
            ),
        ),
        Example(
            {
                "strategies/simple.yaml": _STRATEGY.format(
                    parameters=_strategy_param("llm")
                    + "\n  - name: app\n    type: app-selector\n    scope: chat&workflow\n    required: false\n"
                    "    label:\n      en_US: App"
                )
            },
            base="agent",
            note="The daemon accepts it (`chat` is a valid value), but the web UI then lists no app.",
            expect=(
                (
                    "strategies/simple.yaml:22:12-22:25",
                    "app-selector scope `chat&workflow` combines values; the web UI compares the scope as one string,"
                    " so it lists no app. Use one of all, chat, workflow, completion",
                ),
            ),
        ),
        Example(
            {"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("structured-output"))},
            base="agent",
            note="Beside `llm` the web-only token would be a warning; alone, no token is one the daemon knows.",
            expect=(
                (
                    "strategies/simple.yaml:11:12-11:29",
                    "scope token `structured-output` is a feature only the web UI knows, and no token of this scope is"
                    " one the daemon knows, so remote debugging rejects it (the daemon validates what the SDK sends);"
                    " add the model type (llm, text-embedding, ...) beside it",
                ),
            ),
        ),
    )
    valid = (
        Example({"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("tool-call&llm"))}, base="agent"),
        Example(
            {"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("llm& vision"))},
            base="agent",
            note="Tokens are trimmed.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for parameter in parameters(ctx.plugin):
            scope = parameter.data.get("scope")
            if scope is None or scope == "":
                continue
            doc = parameter.declaration.doc
            at = (*parameter.at, "scope")
            kind = parameter.data.get("type")
            if not isinstance(scope, str):
                continue  # the schema reports the type
            if kind not in SCOPED_TYPES:
                yield self.at(
                    doc,
                    at,
                    f"`scope` is allowed only on model-selector, app-selector and any parameters, not on `{kind}`;"
                    " the daemon rejects it",
                    key=True,
                )
                continue
            for message, severity in self._problems(kind, scope, parameter.context):
                yield self.at(doc, at, message, severity=severity)

    def _problems(self, kind: str, scope: str, context: str) -> Iterator[tuple[str, Severity | None]]:
        tokens = [t.strip() for t in scope.split("&")]
        if any(not t for t in tokens):
            yield f"scope `{scope}` has an empty token; join tokens with a single `&`", None
            tokens = [t for t in tokens if t]
        if kind == "model-selector":
            if context == "setting":
                if len(tokens) != 1 or tokens[0] not in SETTING_MODEL_SCOPES:
                    yield (
                        f"an endpoint setting's model scope must be one of {', '.join(sorted(SETTING_MODEL_SCOPES))}"
                        f" (one value, no `&`); got `{scope}`, which the daemon rejects at endpoint setup",
                        None,
                    )
                elif tokens[0] == "rerank":
                    yield (
                        "a `rerank` model setting needs score_threshold and top_n in its value, which the web UI's"
                        " selector never sends, so endpoint setup fails whenever a model is picked; read the model in"
                        " code and build the config there",
                        None,
                    )
                elif tokens[0] == "tts":
                    yield (
                        "a `tts` model setting needs `voice` in its value, which the web UI's selector sends only once"
                        " the user opens the model's voice settings, so endpoint setup fails otherwise; read the model"
                        " in code and build the config there",
                        Severity.WARNING,
                    )
                return
            yield from self._model_tokens(tokens, context in DAEMON_CHECKED)
        elif kind == "app-selector":
            unknown = [t for t in tokens if t not in APP_SCOPES]
            if unknown:
                yield f"app-selector scope `{unknown[0]}` is not one of {', '.join(sorted(APP_SCOPES))}", None
            elif len(tokens) > 1:
                yield (
                    f"app-selector scope `{scope}` combines values; the web UI compares the scope as one string, so it"
                    " lists no app. Use one of all, chat, workflow, completion",
                    Severity.WARNING,
                )
        else:  # any
            unknown = [t for t in tokens if t not in VARIABLE_SCOPES]
            if unknown:
                yield f"`any` scope `{unknown[0]}` is not a variable type: {', '.join(sorted(VARIABLE_SCOPES))}", None

    def _model_tokens(self, tokens: list[str], daemon_checks: bool) -> Iterator[tuple[str, Severity | None]]:
        known = [*MODEL_TYPE_TOKENS, *sorted(MODEL_FEATURE_TOKENS)]
        # the daemon accepts a scope as soon as one token is one it knows; with none, it rejects the scope
        daemon_rejects = daemon_checks and not any(t in known for t in tokens)
        for token in tokens:
            if token == "all":
                yield (
                    "scope `all` is accepted by the web UI but not by the daemon for tool and agent-strategy"
                    " parameters; name the model type (llm, text-embedding, ...)",
                    None,
                )
            elif token in UI_ONLY_FEATURE_TOKENS and daemon_rejects:
                yield (
                    f"scope token `{token}` is a feature only the web UI knows, and no token of this scope is one the"
                    " daemon knows, so remote debugging rejects it (the daemon validates what the SDK sends); add the"
                    " model type (llm, text-embedding, ...) beside it",
                    None,
                )
            elif token in UI_ONLY_FEATURE_TOKENS:
                yield (
                    f"scope token `{token}` is a feature only the web UI knows; the daemon does not, so keep at least"
                    " one daemon token (llm, vision, document, tool-call, ...) beside it",
                    Severity.WARNING,
                )
            elif token not in known:
                close = difflib.get_close_matches(token, known + sorted(UI_ONLY_FEATURE_TOKENS), n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else f"; known: {', '.join(known)}"
                yield f"scope token `{token}` is not a model type or feature{hint}", None
        types = [t for t in tokens if t in MODEL_TYPE_TOKENS]
        if len(types) > 1:
            first = min(types, key=MODEL_TYPE_TOKENS.index)
            yield (
                f"scope names {len(types)} model types ({', '.join(types)}); the web UI offers only `{first}` models."
                " Use one model type per selector",
                None,
            )
