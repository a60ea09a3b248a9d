"""What is reported for the paths named: findings located in them, or pointing into them (their
related location), while cross-file rules still see the whole plugin. The same rule serves file
arguments (pre-commit) and `--stdin-filename` (an editor)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from dify_lint.diagnostics import Diagnostic, Related, Severity, Span
from dify_lint.examples import BASE_PLUGINS, LLM_INVOKE, llm_tool_example, materialize
from dify_lint.scope import Scope

SELECTOR_BODY = LLM_INVOKE + "        yield self.create_text_message(result.message.content)\n"


def _finding(path: str, *related: str, plugin: str = "p") -> Diagnostic:
    return Diagnostic(
        "DPL999",
        "test",
        Severity.ERROR,
        "m",
        path,
        Span.file_start(),
        tuple(Related(r, Span.file_start(), "r") for r in related),
        plugin=plugin,
    )


def test_a_file_covers_what_lies_in_it_and_what_points_into_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "tools").mkdir(parents=True)
    scope = Scope.of(["p/tools/echo.yaml"])
    assert scope.covers(_finding("p/tools/echo.yaml"))
    assert scope.covers(_finding(str(tmp_path / "p" / "tools" / "echo.yaml")))  # however it is written
    assert scope.covers(_finding("p/tools/echo.py", "p/tools/echo.yaml"))
    assert not scope.covers(_finding("p/tools/echo.py", "p/manifest.yaml"))
    assert not scope.covers(_finding("p/tools/echo.yaml.bak"))


def test_a_folder_covers_everything_under_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "tools").mkdir(parents=True)
    scope = Scope.of(["p/tools"])
    assert scope.covers(_finding("p/tools/echo.yaml")) and scope.covers(_finding("p/tools/deep/x.py"))
    assert not scope.covers(_finding("p/manifest.yaml")) and not scope.covers(_finding("p/tools2/x.py"))
    kept, hidden = Scope.of(["."]).narrow([_finding("p/manifest.yaml"), _finding("p/tools/echo.py")])
    assert len(kept) == 2 and hidden == 0


def test_a_package_covers_its_members(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "echo.difypkg").write_bytes(b"")
    scope = Scope.of(["dist/echo.difypkg"])
    assert scope.covers(_finding("dist/echo.difypkg!/tools/echo.yaml", plugin="dist/echo.difypkg!"))
    kept, hidden = scope.narrow([_finding("dist/echo.difypkg", plugin="dist/echo.difypkg!"), _finding("p/x.yaml")])
    assert [d.path for d in kept] == ["dist/echo.difypkg"] and hidden == 1


def test_a_link_to_a_file_is_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yaml").write_text("a: 1\n", "utf-8")
    os.symlink(tmp_path / "real", tmp_path / "linked")
    assert Scope.of(["linked/a.yaml"]).covers(_finding("real/a.yaml"))


@pytest.fixture
def selector_plugin(tmp_path) -> Path:
    """A tool whose model-selector parameter's value reaches an LLM call (clean as it is)."""
    return materialize(llm_tool_example(SELECTOR_BODY), tmp_path / "plugin")


def test_a_yaml_file_named_reports_what_it_breaks_in_the_python(selector_plugin, run_cli):
    tool = selector_plugin / "tools" / "echo.yaml"
    tool.write_text(tool.read_text("utf-8").replace("scope: llm", "scope: text-embedding"), "utf-8")
    result = run_cli("check", "tools/echo.yaml", "--isolated", "--output-format", "json", cwd=selector_plugin)
    findings = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["code"], f["filename"], f["related"][0]["filename"]) for f in findings] == [
        ("DPL401", "tools/echo.py", "tools/echo.yaml")
    ]


def test_a_file_named_leaves_out_old_findings_elsewhere_in_its_plugin(tmp_path, run_cli):
    plugin = tmp_path / "p"
    shutil.copytree(BASE_PLUGINS / "tool", plugin)
    tool = plugin / "tools" / "echo.yaml"
    tool.write_text(tool.read_text("utf-8").replace("form: llm", "form: llmm"), "utf-8")
    result = run_cli("check", "p/requirements.txt", "p/README.md", "--isolated", cwd=tmp_path)
    assert result.exit_code == 0 and result.stdout == ""
    assert "Not shown: 1 finding in other files of these plugins" in result.stderr
    assert run_cli("check", "p/tools", "--isolated", cwd=tmp_path).exit_code == 1  # a folder covers what is in it


def test_files_in_no_plugin_are_summarised_not_listed(tmp_path, run_cli):
    names = [f"note{i}.txt" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text("x\n", "utf-8")
    result = run_cli("check", *names, cwd=tmp_path)
    assert result.exit_code == 0
    assert "note0.txt, note1.txt, note2.txt, and 9 more" in result.stderr


# -- an editor's buffer ----------------------------------------------------------------------


def test_a_buffer_reports_what_it_breaks_in_other_files(selector_plugin, run_cli):
    buffer = (selector_plugin / "tools" / "echo.yaml").read_text("utf-8").replace("scope: llm", "scope: text-embedding")
    args = ("check", "--stdin-filename", "tools/echo.yaml", "--isolated", "--output-format", "json")
    result = run_cli(*args, cwd=selector_plugin, input=buffer)
    findings = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["code"], f["filename"]) for f in findings] == [("DPL401", "tools/echo.py")]
    assert findings[0]["related"][0]["filename"] == "tools/echo.yaml"
    assert (selector_plugin / "tools" / "echo.yaml").read_text("utf-8").count("scope: llm") == 1  # nothing written


def test_a_buffer_path_is_echoed_as_given(selector_plugin, run_cli):
    buffer = (selector_plugin / "tools" / "echo.yaml").read_text("utf-8").replace("scope: llm", "scope: text-embedding")
    absolute = str(selector_plugin / "tools" / "echo.yaml")
    args = ("check", "--isolated", "--output-format", "json", "--stdin-filename")
    (finding,) = json.loads(run_cli(*args, absolute, cwd=selector_plugin, input=buffer).stdout)
    assert finding["filename"] == str(selector_plugin / "tools" / "echo.py")
    assert finding["related"][0]["filename"] == absolute
    (finding,) = json.loads(run_cli(*args, "../tools/echo.yaml", cwd=selector_plugin / "provider", input=buffer).stdout)
    assert finding["filename"] == "../tools/echo.py" and finding["related"][0]["filename"] == "../tools/echo.yaml"


def test_a_buffer_for_a_file_not_written_yet(tmp_path, run_cli):
    plugin = tmp_path / "p"
    shutil.copytree(BASE_PLUGINS / "tool", plugin)
    args = ("check", "--isolated", "--output-format", "concise", "--stdin-filename")
    result = run_cli(*args, "p/tools/helpers/text.py", cwd=tmp_path, input="def shout(text:\n")
    assert result.exit_code == 1
    assert result.stdout.startswith("p/tools/helpers/text.py:1:"), result.stdout
    assert " DPL002 " in result.stdout
    assert not (plugin / "tools" / "helpers").exists()
    fresh = run_cli(*args, str(plugin / "new.py"), cwd=tmp_path, input="x = 1\n")
    assert fresh.exit_code == 0 and "All checks passed" in fresh.stderr


def test_a_crash_is_reported_whatever_the_files_named(tmp_path, run_cli, monkeypatch):
    from dify_lint import registry

    shutil.copytree(BASE_PLUGINS / "tool", tmp_path / "p")
    broken = next(r for r in registry.all_rules() if r.code == "DPL203")

    def explode(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "check", explode)
    result = run_cli("check", "p/README.md", "--isolated", "--output-format", "concise", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout.startswith("p/manifest.yaml:1:1: DPL005 rule DPL203 (invalid-scope) crashed")
