"""Setting keys in YAML text by minimal edits: every other character stays where it was."""

from __future__ import annotations

import pytest
import yaml

from dify_lint.fix import _apply
from dify_lint.model.yamldoc import YamlDoc
from dify_lint.model.yamledit import ensure

GRANT = {"resource": {"permission": {"model": {"enabled": "true", "llm": "true"}}}}


def _edited(text: str, spec=GRANT, at=()) -> str | None:
    doc = YamlDoc.parse("manifest.yaml", text)
    edits = ensure(doc, spec, at)
    if edits is None:
        return None
    if not edits:
        return text
    fixed = _apply("manifest.yaml", text.encode(), edits)  # as --fix applies them
    return fixed.decode() if fixed is not None else None


CASES = [
    pytest.param(
        "resource:\n  memory: 1\n  permission: {}\nplugins: []\n",
        "resource:\n  memory: 1\n  permission:\n    model:\n      enabled: true\n      llm: true\nplugins: []\n",
        id="empty-flow-mapping",
    ),
    pytest.param(
        "resource:\n  memory: 1\n  permission:  # none yet\nplugins: []\n",
        "resource:\n  memory: 1\n  permission:  # none yet\n    model:\n      enabled: true\n      llm: true\nplugins: []\n",
        id="empty-value-with-comment",
    ),
    pytest.param(
        "resource:\n  memory: 1\nplugins: []\n",
        "resource:\n  memory: 1\n  permission:\n    model:\n      enabled: true\n      llm: true\nplugins: []\n",
        id="no-permission-block",
    ),
    pytest.param(
        "resource:\n    memory: 1\n    permission:\n        model:\n            enabled: true\n            llm: false  # off\n",
        "resource:\n    memory: 1\n    permission:\n        model:\n            enabled: true\n            llm: true  # off\n",
        id="four-space-indent-value-replaced",
    ),
    pytest.param(
        "resource:\n    memory: 1\n    permission:\n        tool:\n            enabled: true\n",
        "resource:\n    memory: 1\n    permission:\n        tool:\n            enabled: true\n        model:\n"
        "            enabled: true\n            llm: true\n",
        id="four-space-indent-new-group",
    ),
    pytest.param(
        "resource:\n  permission:\n    model:\n      enabled:\n",
        "resource:\n  permission:\n    model:\n      enabled: true\n      llm: true\n",
        id="null-value-filled",
    ),
    pytest.param(
        "resource:\n  permission:\n    model:\n      enabled: true\n      llm: true\n",
        "resource:\n  permission:\n    model:\n      enabled: true\n      llm: true\n",
        id="already-there",
    ),
    pytest.param("resource: {memory: 1}\n", None, id="flow-mapping-with-content"),
    pytest.param("base: &b\n  permission: {}\nresource:\n  <<: *b\n", None, id="merge-key"),
    pytest.param(
        "resource:\n  memory: 1\n  note: |\n    text\n",
        "resource:\n  permission:\n    model:\n      enabled: true\n      llm: true\n  memory: 1\n  note: |\n    text\n",
        id="block-scalar-last-goes-first",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_ensure(text, expected):
    result = _edited(text)
    assert result == expected
    if result is not None:
        assert yaml.safe_load(result)["resource"]["permission"]["model"] == {"enabled": True, "llm": True}


def test_a_key_set_in_a_list_item():
    text = "parameters:\n  - name: model\n    type: model-selector\n    required: true\n"
    assert _edited(text, {"scope": "llm"}, at=("parameters", 0)) == (
        "parameters:\n  - name: model\n    type: model-selector\n    required: true\n    scope: llm\n"
    )


def test_crlf_offsets():
    text = "resource:\r\n  memory: 1\r\n  permission: {}\r\nplugins: []\r\n"
    result = _edited(text)
    assert result is not None and yaml.safe_load(result)["resource"]["permission"]["model"]["llm"] is True
    assert result.startswith("resource:\r\n  memory: 1\r\n  permission:")
