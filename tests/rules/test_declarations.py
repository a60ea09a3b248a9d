"""The scope grammar and the other declaration checks that are code, not schema."""

from __future__ import annotations

import pytest

from dify_lint.diagnostics import Severity
from dify_lint.rules import InvalidScope

RULE = InvalidScope()


def problems(kind: str, scope: str, context: str = "tool"):
    return list(RULE._problems(kind, scope, context))


@pytest.mark.parametrize(
    "scope", ["llm", "tool-call&llm", "llm&tool-call", "llm & vision", "text-embedding", "rerank", "tts&document"]
)
def test_valid_model_scopes(scope):
    assert problems("model-selector", scope) == []


@pytest.mark.parametrize(
    ("scope", "fragment", "severity"),
    [
        ("llm&tool_call", "did you mean `tool-call`?", None),
        ("llm&text-embedding", "2 model types", None),
        ("all", "not by the daemon", None),
        ("llm&video", "only the web UI knows", Severity.WARNING),
        ("llm&&vision", "empty token", None),
    ],
)
def test_invalid_model_scopes(scope, fragment, severity):
    found = problems("model-selector", scope)
    assert any(fragment in message and level == severity for message, level in found), found


def test_endpoint_settings_take_one_scope_value():
    assert problems("model-selector", "all", "setting") == []
    assert problems("model-selector", "llm", "setting") == []
    ((message, level),) = problems("model-selector", "llm&vision", "setting")
    assert "one value" in message and level is None
    ((message, level),) = problems("model-selector", "rerank", "setting")
    assert "score_threshold and top_n" in message and level is None  # never sent: setup always fails
    ((message, level),) = problems("model-selector", "tts", "setting")
    assert "`voice`" in message and level is Severity.WARNING  # sent once the user sets a voice


def test_app_and_variable_scopes():
    assert problems("app-selector", "chat") == []
    ((message, level),) = problems("app-selector", "chat&workflow")
    assert level is Severity.WARNING and "lists no app" in message
    assert "not one of" in problems("app-selector", "agent")[0][0]
    assert problems("any", "array[file]&string") == []
    assert "not a variable type" in problems("any", "array[files]")[0][0]
