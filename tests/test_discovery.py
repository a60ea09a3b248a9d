"""From paths to plugin roots: nested roots, bundles, the innermost owner of a file, and what
the search passes over."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dify_lint.analysis import Context
from dify_lint.analysis.keys import PYTHON_MODULES
from dify_lint.config import Pattern
from dify_lint.discovery import discover, find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import BASE_PLUGINS
from dify_lint.registry import all_rules
from helpers import load

#: an endpoint whose code reads storage without the permission: DPL601 in the plugin that holds it
STORAGE_CALL = "        self.session.storage.get('key')\n"


def _tree(tmp_path: Path) -> Path:
    """outer/ (a tool plugin) holding inner/ (an endpoint plugin), and bundle/ holding a plugin."""
    outer = tmp_path / "repo" / "outer"
    shutil.copytree(BASE_PLUGINS / "tool", outer)
    shutil.copytree(BASE_PLUGINS / "endpoint", outer / "inner")
    hello = outer / "inner" / "endpoints" / "hello.py"
    text = hello.read_text("utf-8")
    marker = "    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:\n"
    assert marker in text
    hello.write_text(text.replace(marker, marker + STORAGE_CALL), "utf-8")
    bundle = tmp_path / "repo" / "bundle"
    shutil.copytree(BASE_PLUGINS / "bundle", bundle)
    shutil.copytree(BASE_PLUGINS / "tool", bundle / "member")
    (tmp_path / "repo" / "notes.md").write_text("# notes\n", "utf-8")
    shutil.copytree(BASE_PLUGINS / "tool", tmp_path / "repo" / ".venv" / "hidden")
    return tmp_path / "repo"


def _roots(paths, **kwargs) -> list[str]:
    return [Path(p.fs.root).name for p in find_plugin_roots([str(p) for p in paths], **kwargs)]


def test_nested_roots_below_a_plugin_and_a_bundle_are_found(tmp_path):
    repo = _tree(tmp_path)
    assert _roots([repo]) == ["bundle", "member", "outer", "inner"]
    assert _roots([repo / "outer"]) == ["outer", "inner"]  # a plugin root is searched too
    assert _roots([repo / "bundle"]) == ["bundle", "member"]


def test_a_file_maps_to_the_innermost_root(tmp_path):
    repo = _tree(tmp_path)
    assert _roots([repo / "outer" / "inner" / "endpoints" / "hello.py"]) == ["inner"]
    assert _roots([repo / "outer" / "tools" / "echo.yaml", repo / "outer" / "inner" / "manifest.yaml"]) == ["outer", "inner"]
    assert _roots([repo / "bundle" / "README.md"]) == ["bundle"]


def test_a_nested_plugins_files_are_not_the_outer_plugins(tmp_path):
    repo = _tree(tmp_path)
    outer = load(repo / "outer")
    assert outer.nested_roots == ["inner"]
    assert not [p for p in outer.all_files if p.startswith("inner/")]
    ctx = Context(outer)
    assert not [m.path for m in ctx.get(PYTHON_MODULES) if m.path.startswith("inner/")]
    ctx.close()
    # the storage call is the inner plugin's alone: reported once, there
    found = [d for p in find_plugin_roots([str(repo)]) for d in lint_plugin(p, all_rules()) if d.code == "DPL601"]
    assert [d.path.split("repo/")[-1] for d in found] == ["outer/inner/endpoints/hello.py"]


def test_a_bundle_is_linted_by_bundle_rules_only(tmp_path):
    repo = _tree(tmp_path)
    bundle = load(repo / "bundle")
    assert bundle.is_bundle
    assert lint_plugin(bundle, all_rules()) == []
    manifest = repo / "bundle" / "manifest.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "name: again\n", "utf-8")
    codes = {d.code for d in lint_plugin(load(repo / "bundle"), all_rules())}
    assert codes == {"DPL004"}  # no plugin-manifest rule runs on a bundle


def test_what_the_search_passes_over(tmp_path):
    repo = _tree(tmp_path)
    found = discover([str(repo), str(repo / "notes.md")], exclude=[Pattern("bundle", str(repo))])
    assert [Path(p.fs.root).name for p in found.plugins] == ["outer", "inner"]
    assert found.skipped_dirs == {".venv": 1}
    assert [Path(p).name for p in found.outside] == ["notes.md"]
    assert [Path(p).name for p in found.excluded] == ["bundle"]


def test_summary_counts_bundles_and_says_what_was_skipped(tmp_path, run_cli):
    repo = _tree(tmp_path)
    result = run_cli("check", ".", "notes.md", "--output-format", "json", cwd=repo)
    assert "in 3 plugins and 1 bundle." in result.stderr
    assert "Skipped 1 folder by name (.venv: " in result.stderr
    assert "1 file in no plugin (notes.md: no manifest.yaml above)" in result.stderr
    assert {f["filename"].split("/")[0] for f in json.loads(result.stdout)} == {"outer"}
    quiet = run_cli("check", ".", "-q", cwd=repo)
    assert quiet.stderr == ""


def test_stdin_filename_inside_a_nested_plugin(tmp_path, run_cli):
    repo = _tree(tmp_path)
    buffer = (repo / "outer" / "inner" / "endpoints" / "hello.py").read_text("utf-8")
    result = run_cli(
        "check", "--stdin-filename", "outer/inner/endpoints/hello.py", "--output-format", "json", cwd=repo, input=buffer
    )
    findings = json.loads(result.stdout)
    assert {f["code"] for f in findings} == {"DPL601"}
    assert {f["filename"] for f in findings} == {"outer/inner/endpoints/hello.py"}
    assert "in 1 plugin." in result.stderr


def test_stdin_filename_of_a_file_not_saved_yet(tmp_path, run_cli):
    repo = _tree(tmp_path)
    buffer = "from dify_plugin import Tool\n\n\nclass Draft(Tool):\n    pass\n"
    result = run_cli("check", "--stdin-filename", "outer/tools/draft.py", "--output-format", "json", cwd=repo, input=buffer)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert [(f["code"], f["filename"]) for f in findings] == [("DPL313", "outer/tools/draft.py")]
    assert run_cli("check", "outer/tools/draft.py", cwd=repo).exit_code == 2  # only an editor's buffer may be new
