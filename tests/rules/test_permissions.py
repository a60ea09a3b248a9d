"""Permissions: what the manifest grants against the session calls the code makes."""

from __future__ import annotations

import json

import pytest

from dify_lint.examples import base_file
from dify_lint.rules.permissions._common import permission_flag
from helpers import build

CALLS = {
    "self.session.model.llm.invoke(model_config={}, prompt_messages=[])": ("model", "llm"),
    "self.session.model.summary.invoke(text='x', instruction='y')": ("model", "llm"),
    "self.session.model.llm_structured_output.invoke(model_config={}, prompt_messages=[], structured_output_schema={})": (
        "model",
        "llm",
    ),
    "self.session.model.text_embedding.invoke_multimodal(model_config=cfg, documents=[])": ("model", "text_embedding"),
    "self.session.model.rerank.invoke(model_config=cfg, docs=[], query='q')": ("model", "rerank"),
    "self.session.tool.invoke_builtin_tool(provider='p', tool_name='t', parameters={})": ("tool",),
    "self.session.app.chat.invoke(app_id='a', query='q', inputs={})": ("app",),
    "self.session.workflow_node.question_classifier.invoke(classes=[], model=cfg, query='q')": ("node",),
    "self.session.storage.exist('k')": ("storage",),
}

GRANTS = {
    ("model", "llm"): "    model:\n      enabled: true\n      llm: true\n",
    ("model", "text_embedding"): "    model:\n      enabled: true\n      text_embedding: true\n",
    ("model", "rerank"): "    model:\n      enabled: true\n      rerank: true\n",
    ("tool",): "    tool:\n      enabled: true\n",
    ("app",): "    app:\n      enabled: true\n",
    ("node",): "    node:\n      enabled: true\n",
    ("storage",): "    storage:\n      enabled: true\n      size: 1048576\n",
}


def _plugin(tmp_path, call: str, grant: str | None):
    files = {
        "tools/echo.py": "from dify_plugin import Tool\n\n\nclass EchoTool(Tool):\n"
        "    def _invoke(self, tool_parameters):\n"
        "        cfg = None\n"
        f"        result = {call}\n"
        "        yield self.create_text_message(str(result))\n",
    }
    if grant is not None:
        files["manifest.yaml"] = base_file("manifest.yaml").replace("  permission: {}", "  permission:\n" + grant)
    return build(tmp_path, files)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_each_call_needs_its_permission(call, tmp_path, run_cli):
    flags = CALLS[call]
    missing = json.loads(
        run_cli("check", str(_plugin(tmp_path / "a", call, None)), "--select", "DPL601", "--output-format", "json").stdout
    )
    assert len(missing) == 1 and missing[0]["filename"].endswith("tools/echo.py")
    assert missing[0]["related"][0]["filename"].endswith("manifest.yaml")
    granted = json.loads(
        run_cli(
            "check", str(_plugin(tmp_path / "b", call, GRANTS[flags])), "--select", "DPL601", "--output-format", "json"
        ).stdout
    )
    assert granted == []


def test_a_model_flag_needs_model_enabled(tmp_path, run_cli):
    root = _plugin(
        tmp_path, "self.session.model.llm.invoke(model_config={}, prompt_messages=[])", "    model:\n      llm: true\n"
    )
    found = json.loads(run_cli("check", str(root), "--select", "DPL601", "--output-format", "json").stdout)
    assert len(found) == 1 and "model.enabled: true" in found[0]["message"]


def test_file_upload_needs_no_permission(tmp_path, run_cli):
    root = _plugin(tmp_path, "self.session.file.upload(filename='a', content=b'', mimetype='text/plain')", None)
    assert json.loads(run_cli("check", str(root), "--select", "DPL6", "--output-format", "json").stdout) == []


def test_permission_flag_reads_yaml_shapes():
    class Doc:
        def __init__(self, data):
            self.data = data

        def get(self, *path):
            value = self.data
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            return value

    class Plugin:
        def __init__(self, permission):
            self.manifest = Doc({"resource": {"permission": permission}})

    assert permission_flag(Plugin({"model": {"enabled": True, "llm": True}}), ("model", "llm"))
    assert not permission_flag(Plugin({"model": {"enabled": "true", "llm": True}}), ("model", "llm"))
    assert not permission_flag(Plugin({"models": {"enabled": True, "llm": True}}), ("model", "llm"))
    assert not permission_flag(Plugin(None), ("tool",))


def test_test_files_are_not_plugin_code(tmp_path, run_cli):
    root = _plugin(tmp_path, "self.session.file.upload(filename='a', content=b'', mimetype='text/plain')", None)
    (root / "tests").mkdir()
    (root / "tests" / "test_echo.py").write_text(
        "def test_echo(tool):\n    tool.session.model.llm.invoke(model_config={}, prompt_messages=[])\n", "utf-8"
    )
    assert json.loads(run_cli("check", str(root), "--select", "DPL6", "--output-format", "json").stdout) == []
