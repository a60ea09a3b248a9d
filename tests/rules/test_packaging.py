"""DPL3xx: the parts the rules' own examples do not reach."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import BASE_PLUGINS
from dify_lint.registry import find_rule
from dify_lint.source.ignorefile import IgnoreFile, go_match
from helpers import build as build_plugin
from helpers import lint, load, only

ECHO_YAML = (BASE_PLUGINS / "tool" / "tools" / "echo.yaml").read_text("utf-8")
PROVIDER_YAML = (BASE_PLUGINS / "tool" / "provider" / "example.yaml").read_text("utf-8")
MODEL_PROVIDER_YAML = (BASE_PLUGINS / "model" / "provider" / "example.yaml").read_text("utf-8")
TRIGGER_PROVIDER_YAML = (BASE_PLUGINS / "trigger" / "provider" / "example.yaml").read_text("utf-8")
MANIFEST_YAML = (BASE_PLUGINS / "tool" / "manifest.yaml").read_text("utf-8")

TOOL_BODY = "    def _invoke(self, tool_parameters):\n        yield self.create_text_message('x')\n"
BASE_TOOL = "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    pass\n"


def build(tmp_path: Path, files: dict, base: str = "tool"):
    return load(build_plugin(tmp_path, files, base))


def run(tmp_path: Path, code: str, files: dict, base: str = "tool"):
    return only(lint(tmp_path, files, [code], base), code)


def messages(diagnostics) -> list[str]:
    return [d.message for d in diagnostics]


# -- DPL303: counting classes like the SDK -----------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "from tools.base import BaseTool\n",
        "from .base import BaseTool\n",
        "from tools.base import BaseTool as Parent\nBaseTool = Parent\n",
    ],
    ids=["absolute", "relative", "aliased"],
)
def test_imported_local_subclass_counts(tmp_path, header):
    source = header + "\n\nclass EchoTool(BaseTool):\n" + TOOL_BODY
    found = run(tmp_path, "DPL303", {"tools/base.py": BASE_TOOL, "tools/echo.py": source})
    assert len(found) == 1
    assert "Multiple subclasses of Tool" in found[0].message
    assert "imported from tools/base.py" in found[0].message
    assert any(r.path.endswith("tools/base.py") for r in found[0].related)


def test_module_import_does_not_count(tmp_path):
    source = "import tools.base\nfrom tools import base as b\n\n\nclass EchoTool(tools.base.BaseTool):\n" + TOOL_BODY
    assert run(tmp_path, "DPL303", {"tools/base.py": BASE_TOOL, "tools/echo.py": source}) == []
    source = "from tools import base\n\n\nclass EchoTool(base.BaseTool):\n" + TOOL_BODY
    assert run(tmp_path / "again", "DPL303", {"tools/base.py": BASE_TOOL, "tools/echo.py": source}) == []


def test_transitive_local_base(tmp_path):
    files = {
        "lib/__init__.py": "",
        "lib/a.py": BASE_TOOL,
        "lib/b.py": "from lib.a import BaseTool\n\n\nclass Middle(BaseTool):\n    pass\n",
        "tools/echo.py": "from lib import b\nfrom lib.b import Middle\n\n\nclass EchoTool(b.Middle):\n" + TOOL_BODY,
    }
    found = run(tmp_path, "DPL303", files)
    assert len(found) == 1 and "`Middle` (imported from lib/b.py)" in found[0].message
    files["tools/echo.py"] = "from lib import b\n\n\nclass EchoTool(b.Middle):\n" + TOOL_BODY
    assert run(tmp_path / "again", "DPL303", files) == []


def test_imports_and_classes_inside_functions_are_ignored(tmp_path):
    source = (
        "from dify_plugin import Tool\n\n\ndef helper():\n    from tools.base import BaseTool\n\n"
        "    class Inner(Tool):\n        pass\n    return BaseTool, Inner\n\n\nclass EchoTool(Tool):\n" + TOOL_BODY
    )
    assert run(tmp_path, "DPL303", {"tools/base.py": BASE_TOOL, "tools/echo.py": source}) == []


def test_unresolvable_base_with_no_subclass_is_silent(tmp_path):
    source = "from some_toolkit import MagicTool\n\n\nclass EchoTool(MagicTool):\n" + TOOL_BODY
    assert run(tmp_path, "DPL303", {"tools/echo.py": source}) == []
    source = "import factory\n\nEchoTool = factory.make()\n\n\nclass Helper(factory.Base):\n    pass\n"
    assert run(tmp_path / "again", "DPL303", {"tools/echo.py": source}) == []


def test_stdlib_and_builtin_bases_are_known(tmp_path):
    source = "import enum\n\n\nclass Mode(enum.Enum):\n    A = 1\n\n\nclass Failure(Exception):\n    pass\n"
    found = run(tmp_path, "DPL303", {"tools/echo.py": source})
    assert messages(found) == [
        '`tools/echo.py` defines no module-level subclass of `Tool`; the SDK stops with "Missing subclass of Tool"'
    ]


def test_sdk_subclass_imported_by_name_counts(tmp_path):
    source = "from dify_plugin import *\n\n\nclass ExampleModelProvider(ModelProvider):\n    def validate_provider_credentials(self, credentials):\n        pass\n"
    found = run(tmp_path, "DPL303", {"provider/example.py": source}, base="model")
    assert len(found) == 1 and "`OAICompatProvider` (imported from dify_plugin)" in found[0].message
    source = "from dify_plugin import OAICompatProvider\n\n\nclass ExampleModelProvider(OAICompatProvider):\n    pass\n"
    assert len(run(tmp_path / "again", "DPL303", {"provider/example.py": source}, base="model")) == 1


def test_star_import_from_local_module(tmp_path):
    files = {
        "src/common.py": BASE_TOOL + "\n\ndef helper():\n    return 1\n",
        "tools/echo.py": "from src.common import *\n\n\nclass EchoTool(BaseTool):\n" + TOOL_BODY,
    }
    assert len(run(tmp_path, "DPL303", files)) == 1
    files["src/common.py"] = "__all__ = ['helper']\n" + files["src/common.py"]
    files["tools/echo.py"] = "from dify_plugin import Tool\nfrom src.common import *\n\n\nclass EchoTool(Tool):\n" + TOOL_BODY
    assert run(tmp_path / "again", "DPL303", files) == []


def test_a_star_import_written_in_a_docstring_is_not_one(tmp_path):
    """A star import of something unknown could bind the class; one in a docstring binds nothing."""
    source = '"""Usage:\n\nfrom tools.missing import *\n"""\n\n\ndef helper():\n    return 1\n'
    (found,) = run(tmp_path, "DPL303", {"tools/echo.py": source})
    assert "defines no module-level subclass of `Tool`" in found.message


def test_model_source_without_model_class_is_a_warning(tmp_path):
    source = "from dify_plugin import LargeLanguageModel\n\n\ndef nothing():\n    pass\n"
    found = run(tmp_path, "DPL303", {"models/llm/llm.py": source}, base="model")
    assert [d.severity.value for d in found] == ["warning"]
    source = "from dify_plugin import OAICompatLargeLanguageModel\n"
    assert run(tmp_path / "again", "DPL303", {"models/llm/llm.py": source}, base="model") == []


def test_trigger_subscription_constructor(tmp_path):
    declared = TRIGGER_PROVIDER_YAML.replace("events:\n", "subscription_constructor:\n  parameters: []\nevents:\n")
    found = run(tmp_path, "DPL303", {"provider/example.yaml": declared}, base="trigger")
    assert len(found) == 1 and "`subscription_constructor` is declared" in found[0].message
    source = (BASE_PLUGINS / "trigger" / "provider" / "example.py").read_text("utf-8")
    source = source.replace(
        "from dify_plugin.interfaces.trigger import Trigger",
        "from dify_plugin.interfaces.trigger import Trigger, TriggerSubscriptionConstructor",
    )
    two = (
        source
        + "\n\nclass A(TriggerSubscriptionConstructor):\n    pass\n\n\nclass B(TriggerSubscriptionConstructor):\n    pass\n"
    )
    found = run(tmp_path / "two", "DPL303", {"provider/example.py": two}, base="trigger")
    assert len(found) == 1 and "only one" in found[0].message
    one = source + "\n\nclass A(TriggerSubscriptionConstructor):\n    pass\n"
    assert run(tmp_path / "one", "DPL303", {"provider/example.py": one, "provider/example.yaml": declared}, base="trigger") == []


def test_syntax_error_source_is_left_to_dpl002(tmp_path):
    assert run(tmp_path, "DPL303", {"tools/echo.py": "class EchoTool(Tool)\n    pass\n"}) == []


# -- DPL301 / DPL302: paths ---------------------------------------------------------------------


def test_parent_and_absolute_paths_are_reported_not_read(tmp_path):
    provider = PROVIDER_YAML.replace("  - tools/echo.yaml\n", "  - ../../etc/passwd\n  - /etc/passwd\n")
    plugin = build(tmp_path, {"provider/example.yaml": provider})
    found = lint_plugin(plugin, [find_rule("DPL302"), find_rule("DPL301")])
    assert [d.code for d in found] == ["DPL302", "DPL302"]
    assert "points outside the plugin root" in found[0].message
    assert "absolute path" in found[1].message
    assert not any("passwd" in path for path in plugin._yaml)


def test_symlink_out_of_the_root(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(ECHO_YAML, "utf-8")
    plugin = build(tmp_path, {})
    link = plugin.fs.root / "tools" / "linked.yaml"
    os.symlink(outside, link)
    (plugin.fs.root / "provider" / "example.yaml").write_text(
        PROVIDER_YAML.replace("tools/echo.yaml", "tools/linked.yaml"), "utf-8"
    )
    (plugin,) = find_plugin_roots([str(plugin.fs.root)])
    found = lint_plugin(plugin, [find_rule("DPL302"), find_rule("DPL301")])
    assert [d.code for d in found] == ["DPL302"]
    assert "symbolic link" in found[0].message
    assert "tools/linked.yaml" not in plugin._yaml


def test_letter_case_mismatch(tmp_path):
    found = run(tmp_path, "DPL301", {"provider/example.yaml": PROVIDER_YAML.replace("tools/echo.yaml", "tools/Echo.yaml")})
    assert len(found) == 1 and "`tools/echo.yaml` differs only in letter case" in found[0].message


def test_folder_instead_of_file(tmp_path):
    found = run(tmp_path, "DPL301", {"provider/example.yaml": PROVIDER_YAML.replace("tools/echo.yaml", "tools")})
    assert len(found) == 1 and "is a folder" in found[0].message


# -- DPL308: the daemon's ignore-file rules -----------------------------------------------------


def excluded(text: str, path: str, is_dir: bool = False) -> str | None:
    pattern = IgnoreFile(".difyignore", text).excluded_by(path, is_dir)
    return pattern.text if pattern else None


@pytest.mark.parametrize(
    ("text", "path", "is_dir", "expected"),
    [
        ("tools/", "tools/echo.py", False, "tools/"),  # a folder pattern excludes what is inside
        ("tools/", "tools", False, None),  # ... but not a file of that name
        ("echo.py", "tools/echo.py", False, "echo.py"),  # no slash: any depth
        ("/echo.py", "tools/echo.py", False, None),  # leading slash: anchored
        ("tools/echo.py", "tools/echo.py", False, "tools/echo.py"),
        ("sub/echo.py", "tools/sub/echo.py", False, None),  # a middle slash anchors too
        ("**/echo.py", "a/b/echo.py", False, "**/echo.py"),
        ("tools/**", "tools/x/y.py", False, "tools/**"),
        ("*.py[cod]", "main.pyc", False, "*.py[cod]"),
        ("*.py[cod]", "main.py", False, None),
        ("[^m]*.py", "main.py", False, None),  # Go's class negation is ^
        ("[!m]*.py", "main.py", False, "[!m]*.py"),  # ... and `!` is a literal inside a class
        ("  tools/  ", "tools/echo.py", False, "tools/"),  # lines are trimmed
        ("# tools/", "tools/echo.py", False, None),
        ("*.yaml\n!manifest.yaml", "manifest.yaml", False, "*.yaml"),  # negation never re-includes
        ("\ufefftools/", "tools/echo.py", False, None),  # a BOM stays part of the first pattern
        ("[", "[", False, None),  # a malformed pattern matches nothing
        ("tools/\r\n", "tools/echo.py", False, "tools/"),
    ],
)
def test_ignore_matching(text, path, is_dir, expected):
    assert excluded(text, path, is_dir) == expected


_MANY_PATTERNS = """\
__pycache__/
*.py[cod]
.env
!keep.py
tools/
/main.py
docs/*.md
**/fixtures
build
sub/echo.py
*.yaml/
[a-c]*
"""


def test_the_first_excluding_pattern_is_the_one_each_pattern_s_own_match_finds():
    """`IgnoreFile.match` works out the slash-less patterns once per name; over every path made
    of these names, as a file and as a folder, it gives the first exclusion whose own `match` is
    true, as the daemon tries them in order."""
    import itertools

    ignore = IgnoreFile(".difyignore", _MANY_PATTERNS)
    names = [
        "tools",
        "main.py",
        "x.pyc",
        "__pycache__",
        "docs",
        "a.md",
        "fixtures",
        "build",
        "keep.py",
        "sub",
        "echo.py",
        "m.yaml",
        "bee",
    ]
    checked = matched = 0
    for depth in (1, 2, 3):
        for parts in itertools.product(names, repeat=depth):
            for is_dir in (False, True):
                expected = next(
                    (p for p in ignore.patterns if not p.inclusion and p.match(list(parts), is_dir)),
                    None,
                )
                assert ignore.match("/".join(parts), is_dir) == expected, (parts, is_dir)
                checked += 1
                matched += expected is not None
    assert checked > 4000 and 0 < matched < checked


def test_go_match():
    assert go_match("*.yaml", "a.yaml") and not go_match("*.yaml", "a.yml")
    assert go_match("a?c", "abc") and not go_match("a?c", "ac")
    assert go_match(r"\*", "*") and not go_match(r"\*", "a")
    assert go_match("[a-c]x", "bx") and not go_match("[a-c]x", "dx")
    assert not go_match("[]a]", "a")  # Go rejects the pattern


def test_negation_is_named_in_the_message(tmp_path):
    found = run(tmp_path, "DPL308", {".difyignore": "tools/*\n!tools/echo.py\n"})
    assert len(found) == 1
    assert found[0].path.endswith(".difyignore") and found[0].span.start.line == 1
    assert "`!tools/echo.py` does not bring `tools/echo.py` back" in found[0].message


def test_difyignore_replaces_gitignore(tmp_path):
    assert run(tmp_path, "DPL308", {".difyignore": "docs/\n", ".gitignore": "*.py\n"}) == []
    found = run(tmp_path / "again", "DPL308", {".gitignore": "*.py\n"})
    assert len(found) == 1 and "read because there is no .difyignore" in found[0].message
    assert "`main.py`" in found[0].message or "`provider/example.py`" in found[0].message


def test_ignored_local_module_is_reported(tmp_path):
    files = {
        ".difyignore": "lib/\n",
        "lib/helpers.py": "def shout(text):\n    return text.upper()\n",
        "tools/echo.py": "from dify_plugin import Tool\nfrom lib.helpers import shout\n\n\nclass EchoTool(Tool):\n" + TOOL_BODY,
    }
    found = run(tmp_path, "DPL308", files)
    assert len(found) == 1 and "`lib/helpers.py` (imported by tools/echo.py)" in found[0].message


def test_a_module_imported_through_a_package_import_is_needed(tmp_path):
    """`import lib.text` loads lib/__init__.py and lib/text.py, and what lib/text.py imports in turn."""
    files = {
        ".difyignore": "lib/deep.py\n",
        "lib/__init__.py": "",
        "lib/text.py": "from lib.deep import upper\n",
        "lib/deep.py": "def upper(text):\n    return text.upper()\n",
        "tools/echo.py": "import lib.text\nfrom dify_plugin import Tool\n\n\nclass EchoTool(Tool):\n" + TOOL_BODY,
    }
    (found,) = run(tmp_path, "DPL308", files)
    assert "`lib/deep.py` (imported by lib/text.py)" in found.message


def test_ignored_model_yaml(tmp_path):
    found = run(tmp_path, "DPL308", {".gitignore": "models/\n"}, base="model")
    assert len(found) == 1 and "and 2 more files" in found[0].message


# -- DPL311: size --------------------------------------------------------------------------------


def test_package_over_50_mb(tmp_path):
    plugin = build(tmp_path, {})
    with open(plugin.fs.root / "data.bin", "wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: no real disk use
    found = lint_plugin(plugin, [find_rule("DPL311")])
    assert len(found) == 1 and "51.0 MB" in found[0].message and "data.bin" in found[0].message
    assert found[0].severity.value == "error"
    (plugin.fs.root / ".difyignore").write_text("*.bin\n", "utf-8")
    (plugin,) = find_plugin_roots([str(plugin.fs.root)])
    assert lint_plugin(plugin, [find_rule("DPL311")]) == []


def test_venv_ignored_by_gitignore_fallback(tmp_path):
    assert run(tmp_path, "DPL311", {"venv/pyvenv.cfg": "home = /usr\n", ".gitignore": "venv/\n"}) == []


# -- DPL307, DPL309, DPL312 ------------------------------------------------------------------------


def test_dify_plugin_only_in_dev_group(tmp_path):
    pyproject = (
        '[project]\nname = "x"\nversion = "0.0.1"\ndependencies = ["requests"]\n\n'
        '[dependency-groups]\ndev = ["dify-plugin>=0.5"]\n'
    )
    found = run(tmp_path, "DPL307", {"requirements.txt": None, "pyproject.toml": pyproject, "uv.lock": ""})
    assert len(found) == 1 and "only in the dev group" in found[0].message


@pytest.mark.parametrize(
    "requirements",
    ["Dify-Plugin==0.6.0\n", "dify_plugin @ git+https://github.com/langgenius/dify-plugin-sdks\n", "-r base.txt\n"],
)
def test_requirements_spellings(tmp_path, requirements):
    assert run(tmp_path, "DPL307", {"requirements.txt": requirements}) == []


def test_position_lists_file_names(tmp_path):
    model = (BASE_PLUGINS / "model" / "models" / "llm" / "example-chat.yaml").read_text("utf-8")
    files = {
        "models/llm/example-chat.yaml": model.replace("model: example-chat", "model: vendor/example-chat-v1"),
        "models/llm/_position.yaml": "- example-chat\n",
    }
    found = run(tmp_path, "DPL309", files, base="model")
    assert len(found) == 1 and "whose `model` is `vendor/example-chat-v1`" in found[0].message


def test_customizable_model_provider_globs_are_not_checked(tmp_path):
    provider = MODEL_PROVIDER_YAML.replace("  - predefined-model", "  - customizable-model").replace(
        '"models/llm/*.yaml"', '"models/none/*.yaml"'
    )
    assert run(tmp_path, "DPL309", {"provider/example.yaml": provider}, base="model") == []


def test_privacy_outside_root(tmp_path):
    manifest = MANIFEST_YAML.replace("icon: icon.svg\n", "icon: icon.svg\nprivacy: ../PRIVACY.md\n")
    assert run(tmp_path, "DPL312", {"manifest.yaml": manifest}) == []
    assert len(run(tmp_path / "again", "DPL302", {"manifest.yaml": manifest})) == 1


def test_packaging_rules_leave_a_bundle_alone(tmp_path):
    """A bundle holds no code, icon list or dependency file of its own: only DPL120 reads it."""
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "manifest.yaml").write_text("name: b\ntype: bundle\nicon: icon.svg\nversion: 1.0.0\n", "utf-8")
    (root / "stray.py").write_text("from dify_plugin import Tool\n\n\nclass Stray(Tool):\n    pass\n", "utf-8")
    (plugin,) = find_plugin_roots([str(root)])
    from dify_lint.registry import all_rules

    assert [d.code for d in lint_plugin(plugin, all_rules())] == ["DPL120", "DPL120"]  # no _assets/, no dependencies


def test_poetry_pyproject_installs_nothing(tmp_path):
    pyproject = '[tool.poetry]\nname = "x"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\ndify_plugin = "^0.5"\n'
    found = run(tmp_path, "DPL307", {"pyproject.toml": pyproject})
    assert len(found) == 1 and "[tool.poetry] is not read by uv" in found[0].message


@pytest.mark.parametrize("written", ["tools/echo.yml", "tools/echo"])
def test_source_found_through_its_module_name(tmp_path, written):
    tool = ECHO_YAML.replace("source: tools/echo.py", f"source: {written}")
    found = run(tmp_path, "DPL301", {"tools/echo.yaml": tool})
    assert [d.severity.value for d in found] == ["warning"]
    assert "does not exist; the SDK imports `tools/echo.py` instead" in found[0].message
    two = "from dify_plugin import Tool\n\n\nclass A(Tool):\n    pass\n\n\nclass B(Tool):\n    pass\n"
    assert len(run(tmp_path / "count", "DPL303", {"tools/echo.yaml": tool, "tools/echo.py": two})) == 1


# -- DPL311: a virtual environment's links ------------------------------------------------------


def _venv(root: Path, name: str = ".venv") -> Path:
    venv = root / name
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", "utf-8")
    return venv


def test_venv_with_a_folder_link_fails_packaging(tmp_path):
    root = build_plugin(tmp_path, {})
    venv = _venv(root)
    os.symlink("lib", venv / "lib64")  # what `python -m venv` makes on 64-bit Linux
    (found,) = only(lint_plugin(load(root), [find_rule("DPL311")]), "DPL311")
    assert found.severity.value == "error"
    assert "`.venv/lib64` is a symbolic link to a folder" in found.message and '"is a directory"' in found.message


def test_venv_with_a_link_to_its_interpreter(tmp_path):
    root = build_plugin(tmp_path, {})
    venv = _venv(root, "env")  # found by its pyvenv.cfg, whatever its name
    os.symlink("/nonexistent/python3.12", venv / "bin" / "python3.12")
    os.symlink("python3.12", venv / "bin" / "python")
    (found,) = only(lint_plugin(load(root), [find_rule("DPL311")]), "DPL311")
    assert found.severity.value == "warning"
    assert "is a symbolic link out of the plugin (to the interpreter it was made with)" in found.message
    assert "add `env/` to .difyignore" in found.message


def test_venv_link_inside_the_plugin_that_leads_nowhere(tmp_path):
    root = build_plugin(tmp_path, {})
    venv = _venv(root, "venv")
    os.symlink("python3.99", venv / "bin" / "python")
    (found,) = only(lint_plugin(load(root), [find_rule("DPL311")]), "DPL311")
    assert found.severity.value == "error" and '"no such file or directory"' in found.message


def test_ignored_parts_of_a_venv_are_not_read(tmp_path):
    root = build_plugin(tmp_path, {".difyignore": "lib64\n"})
    venv = _venv(root)
    os.symlink("lib", venv / "lib64")
    (found,) = only(lint_plugin(load(root), [find_rule("DPL311")]), "DPL311")
    assert found.severity.value == "info"
    assert "add `.venv/` to .difyignore" in found.message


def test_folder_that_is_no_venv(tmp_path):
    assert run(tmp_path, "DPL311", {"envoy/config.txt": "x\n"}) == []


def test_nested_plugin_counts_toward_the_package_size(tmp_path):
    """`dify plugin package` packs a nested plugin's folder in: its files count."""
    root = build_plugin(tmp_path, {})
    shutil.copytree(BASE_PLUGINS / "endpoint", root / "inner")
    with open(root / "inner" / "data.bin", "wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    found = only(lint_plugin(load(root), [find_rule("DPL311")]), "DPL311")
    assert len(found) == 1 and "inner/data.bin (51.0 MB)" in found[0].message
    assert only(lint_plugin(load(root / "inner"), [find_rule("DPL311")]), "DPL311")  # and its own package too


# -- DPL313: tools no provider lists --------------------------------------------------------------

SEARCH_YAML = ECHO_YAML.replace("name: echo", "name: search").replace("tools/echo.py", "tools/search.py")
SEARCH_TOOL = "from dify_plugin import Tool\n\n\nclass SearchTool(Tool):\n" + TOOL_BODY


def test_listing_that_differs_in_case_is_not_an_unlisted_tool(tmp_path):
    """DPL301 reports the case; the file is the listed one, and its source is named."""
    provider = PROVIDER_YAML.replace("  - tools/echo.yaml\n", "  - tools/echo.yaml\n  - tools/Search.yaml\n")
    files = {"provider/example.yaml": provider, "tools/search.yaml": SEARCH_YAML, "tools/search.py": SEARCH_TOOL}
    assert run(tmp_path, "DPL313", files) == []


def test_tool_module_imported_inside_a_function_is_a_helper(tmp_path):
    helper = "from dify_plugin import Tool\n\n\nclass SubTool(Tool):\n" + TOOL_BODY
    caller = (BASE_PLUGINS / "tool" / "tools" / "echo.py").read_text("utf-8") + (
        "\n\ndef sub_tool():\n    from tools.sub_tool import SubTool\n\n    return SubTool\n"
    )
    assert run(tmp_path, "DPL313", {"tools/sub_tool.py": helper, "tools/echo.py": caller}) == []


def test_unreadable_yaml_may_name_any_source(tmp_path):
    files = {"tools/search.yaml": "identity: [\n", "tools/search.py": SEARCH_TOOL}
    assert run(tmp_path, "DPL313", files) == []


@pytest.mark.parametrize(
    "files",
    [
        {"tests/tools/search.yaml": SEARCH_YAML},
        {"examples/search.yaml": SEARCH_YAML},
        {"tools/search.yaml": SEARCH_YAML, ".difyignore": "tools/search.yaml\n"},
        {"strategies/plan.yaml": "identity:\n  name: plan\ndescription:\n  en_US: Plans.\nparameters: []\n"},
        {"tools/search.yaml": "identity:\n  name: search\ndescription:\n  en_US: Searches.\nparameters: []\n"},
    ],
    ids=["tests", "examples", "ignored", "strategy", "not-a-tool-description"],
)
def test_what_is_not_an_unlisted_tool(tmp_path, files):
    assert run(tmp_path, "DPL313", files) == []


def test_tool_listed_by_a_provider_the_manifest_does_not_reach(tmp_path):
    spare = PROVIDER_YAML.replace("  - tools/echo.yaml\n", "  - tools/search.yaml\n")
    files = {"provider/spare.yaml": spare, "tools/search.yaml": SEARCH_YAML, "tools/search.py": SEARCH_TOOL}
    (found,) = run(tmp_path, "DPL313", files)
    assert found.message.startswith(
        "`tools/search.yaml` is listed only by provider/spare.yaml, which the manifest does not lead to"
    )


def test_no_tool_provider_no_unlisted_tools(tmp_path):
    """Without a readable tool provider, DPL301 and others say what is wrong; no cascade here."""
    files = {"provider/example.yaml": None, "tools/search.yaml": SEARCH_YAML, "tools/search.py": SEARCH_TOOL}
    assert run(tmp_path, "DPL313", files) == []


# -- DPL314: a nested plugin inside the package ---------------------------------------------------


def test_nested_plugin_excluded_by_gitignore(tmp_path):
    root = build_plugin(tmp_path, {".gitignore": "/inner/\n"})
    shutil.copytree(BASE_PLUGINS / "endpoint", root / "inner")
    assert only(lint_plugin(load(root), [find_rule("DPL314")]), "DPL314") == []


# -- DPL303: a model source without a model class --------------------------------------------------


def test_helper_beside_model_sources_is_info_and_a_lone_empty_source_a_warning(tmp_path):
    provider = MODEL_PROVIDER_YAML.replace("      - models/llm/llm.py\n", "      - models/llm/llm.py\n      - models/common.py\n")
    (found,) = run(tmp_path, "DPL303", {"provider/example.yaml": provider, "models/common.py": "TIMEOUT = 30\n"}, base="model")
    assert found.severity.value == "info" and "harmless if it only helps the other model sources" in found.message
    lone = {"models/llm/llm.py": "from dify_plugin.interfaces.model import helpers\n"}
    (found,) = run(tmp_path / "lone", "DPL303", lone, base="model")
    assert found.severity.value == "warning" and "no other model source of this provider registers one" in found.message


def test_tool_class_with_an_import_fallback_counts_once(tmp_path):
    source = (
        "try:\n    from dify_plugin import Tool\nexcept ImportError:\n    class Tool:\n        pass\n\n\n"
        "class EchoTool(Tool):\n" + TOOL_BODY
    )
    assert run(tmp_path, "DPL303", {"tools/echo.py": source}) == []


# -- DPL307 / DPL308: the dependency file the package holds ----------------------------------------

TOOL_CONFIG_PYPROJECT = "[tool.ruff]\nline-length = 100\n"
PROJECT_PYPROJECT = '[project]\nname = "x"\nversion = "0.1.0"\ndependencies = ["dify_plugin>=0.5"]\n'


def test_pyproject_left_out_of_the_package_is_not_installed_from(tmp_path):
    files = {"pyproject.toml": TOOL_CONFIG_PYPROJECT, ".difyignore": "pyproject.toml\n"}
    assert run(tmp_path, "DPL307", files) == []
    assert run(tmp_path / "kept", "DPL307", {"pyproject.toml": TOOL_CONFIG_PYPROJECT})  # packaged: uv sync fails


def test_either_dependency_file_will_do(tmp_path):
    files = {"pyproject.toml": PROJECT_PYPROJECT, ".difyignore": "requirements.txt\n"}
    assert run(tmp_path, "DPL308", files) == []
    both = {"pyproject.toml": PROJECT_PYPROJECT, ".difyignore": "requirements.txt\npyproject.toml\n"}
    (found,) = run(tmp_path / "both", "DPL308", both)
    assert "leaves `requirements.txt` (the dependency file Dify installs from)" in found.message
