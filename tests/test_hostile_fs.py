"""A stranger's plugin on disk: links out of it, FIFOs and devices, unreadable folders, ignore
patterns built to backtrack, sources built to make analyses slow or deep, odd line breaks. Each
gives a finding that says what is wrong, never a hang, a crash, a wrong finding or a leak."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pytest

from dify_lint.examples import base_file
from helpers import TOOL_HEAD, build, tool_source

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
needs_links = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")


def _findings(run_cli, root: Path, *args: str) -> list[dict]:
    result = run_cli("check", str(root), "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _at(findings: list[dict], name: str) -> list[dict]:
    return [f for f in findings if f["filename"].endswith("/" + name)]


def _replace_with_link(root: Path, relative: str, target: str) -> None:
    path = root / relative
    if path.exists() or path.is_symlink():
        path.unlink()
    os.symlink(target, path)


# -- 1. links out of the plugin: reported, never read ------------------------------------------


@needs_links
@pytest.mark.parametrize("name", ["requirements.txt", "pyproject.toml", "README.md", ".difyignore", ".gitignore"])
def test_a_root_text_file_linked_outside_is_reported_not_read(name, tmp_path, run_cli):
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:hunter2\n", "utf-8")
    root = build(tmp_path, {})
    _replace_with_link(root, name, str(secret))
    result = run_cli("check", str(root), "--output-format", "text", "--color", "never")
    assert "hunter2" not in result.stdout + result.stderr
    findings = _findings(run_cli, root)
    (finding,) = _at(findings, name)
    assert finding["code"] == "DPL003"
    assert finding["message"] == (
        "is a symbolic link that points outside the plugin root; it was not read, so dify-lint does not check it"
        " (`dify plugin package` follows the link)"
    )
    assert finding["severity"] == "warning"  # the packager reads through the link; only the check is lost
    # nothing claims to know what is in it
    assert not [f for f in findings if "does not name dify_plugin" in f["message"] or "[project]" in f["message"]]


# -- 2. walks and globs stay inside the root ------------------------------------------------------


@needs_links
def test_a_predefined_model_glob_through_a_link_to_the_root_of_the_machine(tmp_path, run_cli):
    root = build(tmp_path, {}, base="model")
    provider = (root / "provider" / "example.yaml").read_text("utf-8")
    assert "models/llm/*.yaml" in provider or "models" in provider
    os.symlink("/", root / "machine")
    (root / "provider" / "example.yaml").write_text(
        provider.replace("predefined:\n", "predefined:\n      - machine/**/**/**/**/**/*.yaml\n", 1), "utf-8"
    )
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]
    assert not [f for f in findings if "/etc/" in f["filename"] or "/usr/" in f["filename"]]


@needs_links
def test_link_loops_inside_the_plugin(tmp_path, run_cli):
    root = build(tmp_path, {})
    os.symlink("loop", root / "tools" / "loop")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    findings = _findings(run_cli, root)
    assert findings == [], findings


@needs_links
def test_a_plugin_root_that_is_a_link_loop(tmp_path, run_cli):
    os.symlink("loop", tmp_path / "loop")
    result = run_cli("check", str(tmp_path / "loop"))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("loop: a symbolic link loop; it leads nowhere")
    assert "DPL" not in result.stdout  # no findings about files it cannot have


@needs_links
def test_declared_files_that_are_link_loops_are_not_called_missing(tmp_path, run_cli):
    root = build(tmp_path, {})
    _replace_with_link(root, "tools/echo.yaml", "echo.yaml")
    _replace_with_link(root, "requirements.txt", "requirements.txt")
    findings = _findings(run_cli, root)
    (declared,) = [f for f in findings if f["code"] == "DPL301"]
    assert "cannot be resolved (a link loop" in declared["message"]
    assert not [f for f in findings if "does not exist" in f["message"] or "no requirements.txt" in f["message"]]
    assert not [f for f in findings if f["code"] == "DPL005"]


# -- 3. FIFOs and devices, configuration files and standard input ----------------------------------


@needs_fifo
@pytest.mark.parametrize("name", ["requirements.txt", "pyproject.toml", ".difyignore", ".gitignore"])
def test_a_fifo_behind_a_root_text_file_is_reported_without_blocking(name, tmp_path, run_cli):
    root = build(tmp_path, {name: None})
    if (root / name).exists():
        (root / name).unlink()
    os.mkfifo(root / name)  # opening it for reading would block forever
    (finding,) = _at(_findings(run_cli, root), name)
    assert finding["code"] == "DPL003" and finding["message"].startswith("is not a regular file")


@needs_links
@pytest.mark.parametrize("name", ["requirements.txt", "pyproject.toml"])
def test_dev_zero_behind_a_dependency_file(name, tmp_path, run_cli):
    root = build(tmp_path, {})
    _replace_with_link(root, name, "/dev/zero")
    findings = _findings(run_cli, root)
    assert [f["code"] for f in _at(findings, name)] == ["DPL003"]
    assert not [f for f in findings if f["code"] == "DPL307"]


@needs_fifo
def test_a_fifo_given_as_config_is_refused(tmp_path, run_cli):
    root = build(tmp_path, {})
    os.mkfifo(tmp_path / "dify-lint.toml")
    result = run_cli("check", str(root), "--config", str(tmp_path / "dify-lint.toml"))
    assert result.exit_code == 2
    assert "cannot read: not a regular file" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_given_as_config_is_refused(tmp_path, run_cli):
    root = build(tmp_path, {})
    result = run_cli("check", str(root), "--config", "/dev/zero")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_standard_input_over_the_cap_is_refused(tmp_path, run_cli):
    from dify_lint.source.files import MAX_YAML_BYTES

    root = build(tmp_path, {})
    result = run_cli("check", "--stdin-filename", str(root / "tools" / "echo.py"), input="x" * (MAX_YAML_BYTES + 10))
    assert result.exit_code == 2
    assert "standard input holds more than 2 MiB" in result.stderr


def test_standard_input_is_read_no_further_than_the_cap(tmp_path, monkeypatch):
    """What is asked of stdin: never all of it (a pipe may not end)."""
    from click.testing import CliRunner

    from dify_lint.cli import main
    from dify_lint.source.files import MAX_YAML_BYTES

    asked: list[int] = []

    class Endless:
        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            assert size >= 0, "read to the end of an endless stream"
            return b"#" * size

    root = build(tmp_path, {})
    runner = CliRunner()
    with runner.isolation():
        monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": Endless()})())
        with pytest.raises(SystemExit) as stopped:
            main(["check", "--stdin-filename", str(root / "tools" / "echo.py")])
    assert stopped.value.code == 2
    assert asked == [MAX_YAML_BYTES + 1]


# -- 4. ignore patterns that would backtrack ------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    ["*" * 30 + "a" + "*" * 30 + "b", "*a" * 2000 + "b", "tools/**/" + "*a" * 40 + "b", "[a-z]*" * 500 + "!"],
    ids=["stars", "star-a-chain", "anchored", "classes"],
)
def test_ignore_patterns_that_would_backtrack_finish(pattern, tmp_path, run_cli):
    name = "a" * 200
    root = build(tmp_path, {".difyignore": pattern + "\n", f"tools/{name}.txt": "x\n", f"tools/{name}/x.txt": "x\n"})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]


@pytest.mark.parametrize(
    ("pattern", "name", "matched"),
    [
        ("*.py", "a.py", True),
        ("*.py", "a.pyc", False),
        ("a?c", "abc", True),
        ("a*b*c", "axxbyyc", True),
        ("a*b*c", "axxbyy", False),
        ("*a*a*a*b", "a" * 60, False),
        ("[a-c]x", "bx", True),
        ("[^a-c]x", "bx", False),
        ("\\*", "*", True),
        ("\\*", "a", False),  # an escaped star is a literal star
        ("\\?", "a", False),
        ("**", "anything", True),
        ("[", "[", False),  # malformed: matches nothing, as in Go
        ("[]]", "]", False),
    ],
)
def test_ignore_pattern_matching_follows_go(pattern, name, matched):
    from dify_lint.source.ignorefile import go_match

    assert go_match(pattern, name) is matched


# -- 5. analyses that grew with the square of the input, and the time budget ----------------------


def test_many_checks_by_helper_before_reads(tmp_path, run_cli):
    """A thousand `if not self._ok(p): return` before reads: each check used to collect every
    node after it (68 s and 650 MB for this file); the reads after the checks stay guarded."""
    body = "".join(
        "if not self._ok(tool_parameters):\n    return\nyield self.create_text_message(tool_parameters['text'])\n"
        for _ in range(1000)
    )
    helper = "\n    def _ok(self, p):\n        if not p.get('text'):\n            return False\n        return True\n"
    root = build(tmp_path, {"tools/echo.py": tool_source(body, helper)})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] in ("DPL005", "DPL006")]
    assert not [f for f in findings if f["code"] == "DPL704"]  # the reads are guarded: no KeyError warning


def test_a_read_before_a_helper_check_is_not_guarded_by_it(tmp_path):
    from helpers import lint

    body = """\
    text = tool_parameters["text"]
    if not self._ok(tool_parameters):
        return
    yield self.create_text_message(text + tool_parameters["text"])
    """
    helper = "\n    def _ok(self, p):\n        if not p.get('text'):\n            return False\n        return True\n"
    yaml = base_file("tools/echo.yaml").replace("    required: true\n", "    required: false\n")
    found = lint(tmp_path, {"tools/echo.py": tool_source(body, helper), "tools/echo.yaml": yaml}, select=["DPL704"])
    assert [d.span.start.line for d in found] == [10]  # the first read only


def test_thousands_of_unknown_keys_in_one_file(tmp_path, run_cli):
    yaml = base_file("tools/echo.yaml") + "".join(f"bogus_key_{i}: 1\n" for i in range(3000))
    root = build(tmp_path, {"tools/echo.yaml": yaml})
    findings = [f for f in _findings(run_cli, root) if f["code"] == "DPL202"]
    assert len(findings) == 3000
    assert findings[-1]["location"]["row"] == 22 + 3000


def test_a_plugin_past_its_time_budget_gets_a_resource_limit_finding(tmp_path, run_cli, monkeypatch):
    import dify_lint.engine

    monkeypatch.setattr(dify_lint.engine, "plugin_time_budget", lambda: -1.0)  # over before it starts
    root = build(tmp_path, {})
    findings = _findings(run_cli, root)
    assert [f["code"] for f in findings] == ["DPL006"]
    assert "budget" in findings[0]["message"] and "did not run" in findings[0]["message"]


def test_the_time_budget_is_read_from_the_environment(monkeypatch):
    from dify_lint.engine import PLUGIN_SECONDS, plugin_time_budget

    monkeypatch.setenv("DIFY_LINT_PLUGIN_SECONDS", "2.5")
    assert plugin_time_budget() == 2.5
    monkeypatch.setenv("DIFY_LINT_PLUGIN_SECONDS", "soon")
    assert plugin_time_budget() == PLUGIN_SECONDS


def test_a_plugin_past_its_memory_budget_gets_a_resource_limit_finding_and_the_others_are_linted(tmp_path, run_cli, monkeypatch):
    import dify_lint.analysis
    import dify_lint.engine

    roots = [build(tmp_path, {"tools/echo.yaml": "identity: [\n"}) for _ in range(3)]
    before = _findings(run_cli, tmp_path, "--jobs", "1")
    assert {f["filename"].split(os.sep)[-3] for f in before} == {root.name for root in roots}

    # the middle plugin's lint grows the resident memory by 1 MiB at each reading; the others' not at all
    hungry, growth = roots[1].name, {"linting": False, "reads": 0}

    def resident_bytes():
        if not growth["linting"]:
            return 0
        growth["reads"] += 1
        return growth["reads"] << 20

    def context(plugin, *budgets):
        growth["linting"] = plugin.display.endswith(hungry)
        return dify_lint.analysis.Context(plugin, *budgets)

    monkeypatch.setattr(dify_lint.analysis, "resident_bytes", resident_bytes)
    monkeypatch.setattr(dify_lint.engine, "Context", context)
    monkeypatch.setenv("DIFY_LINT_PLUGIN_MEGABYTES", "1")
    after = _findings(run_cli, tmp_path, "--jobs", "1")

    (limit,) = [f for f in after if hungry in f["filename"] and f["code"] == "DPL006"]
    assert "memory budget (DIFY_LINT_PLUGIN_MEGABYTES)" in limit["message"] and "did not run" in limit["message"]
    assert "took more than" not in limit["message"]
    assert [f for f in after if hungry not in f["filename"]] == [f for f in before if hungry not in f["filename"]]


def test_the_memory_budget_is_read_from_the_environment(monkeypatch):
    from dify_lint.engine import PLUGIN_MEGABYTES, plugin_memory_budget

    monkeypatch.setenv("DIFY_LINT_PLUGIN_MEGABYTES", "300")
    assert plugin_memory_budget() == 300
    for wrong in ("lots", "0", "-5"):
        monkeypatch.setenv("DIFY_LINT_PLUGIN_MEGABYTES", wrong)
        assert plugin_memory_budget() == PLUGIN_MEGABYTES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the current resident size is read on Linux only")
def test_the_resident_size_is_the_current_one_not_the_peak():
    from dify_lint.analysis import resident_bytes

    start = resident_bytes()
    block = b"x" * (64 << 20)
    held = resident_bytes()
    assert held - start >= 48 << 20
    del block
    assert resident_bytes() <= held - (48 << 20)  # freed memory counts no more


# -- 6. depth: recursion in walks and in sources -------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "x = tool_parameters.get('text')\nif x == 0:\n    pass\n"
        + "".join(f"elif x == {i}:\n    pass\n" for i in range(1, 1000)),
        "x = " + " + ".join(f"a{i}" for i in range(1000)) + "\n",
    ],
    ids=["elif-chain", "long-sum"],
)
def test_long_chains_in_a_source_are_a_resource_limit(body, tmp_path, run_cli):
    root = build(tmp_path, {"tools/echo.py": tool_source(body)})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]
    assert [f["code"] for f in _at(findings, "tools/echo.py")] == ["DPL006"]


def test_a_folder_tree_deeper_than_the_stack(tmp_path, run_cli):
    root = build(tmp_path, {})
    levels = 1200
    previous = os.getcwd()
    os.chdir(root)
    try:  # one level at a time: the full path may be longer than the OS allows
        for _ in range(levels):
            os.mkdir("d")
            os.chdir("d")
        Path("deep.py").write_text("x = 1\n", "utf-8")
    finally:
        os.chdir(previous)
    try:
        findings = _findings(run_cli, root)
        assert not [f for f in findings if f["code"] == "DPL005"]
    finally:  # removed here: removing tmp_path later would recurse as deep
        _remove_deep(root, levels)


def _remove_deep(root: Path, levels: int) -> None:
    previous = os.getcwd()
    os.chdir(root)
    try:
        depth = 0
        while depth < levels and os.path.isdir("d"):
            os.chdir("d")
            depth += 1
        for name in os.listdir("."):
            os.unlink(name)
        while depth > 0:
            os.chdir("..")
            os.rmdir("d")
            depth -= 1
    finally:
        os.chdir(previous)


# -- 7. answers that were wrong --------------------------------------------------------------------


def test_a_large_document_without_aliases_is_not_called_an_alias_bomb(tmp_path, run_cli, monkeypatch):
    import dify_lint.model.yamldoc

    monkeypatch.setattr(dify_lint.model.yamldoc, "MAX_EXPANDED_NODES", 1000)
    yaml = base_file("tools/echo.yaml") + "many: [" + "0, " * 2000 + "0]\n"
    findings = _at(_findings(run_cli, build(tmp_path, {"tools/echo.yaml": yaml})), "tools/echo.yaml")
    assert [(f["code"], f["message"]) for f in findings] == [
        ("DPL006", "this document holds more than 1,000 nodes; it is not checked")
    ]


def test_an_alias_bomb_is_still_called_one(tmp_path, run_cli, monkeypatch):
    import dify_lint.model.yamldoc

    monkeypatch.setattr(dify_lint.model.yamldoc, "MAX_EXPANDED_NODES", 1000)
    yaml = base_file("tools/echo.yaml") + "a: &a [" + ", ".join(["x"] * 40) + "]\nb: [" + ", ".join(["*a"] * 40) + "]\n"
    (finding,) = _at(_findings(run_cli, build(tmp_path, {"tools/echo.yaml": yaml})), "tools/echo.yaml")
    assert "(an alias bomb)" in finding["message"]


def test_a_nul_in_a_path_written_in_yaml_is_an_invalid_path(tmp_path, run_cli):
    manifest = base_file("manifest.yaml").replace("- provider/example.yaml", '- "provider/ex\\0ample.yaml"')
    findings = _findings(run_cli, build(tmp_path, {"manifest.yaml": manifest}))
    (finding,) = [f for f in findings if "ample.yaml" in f["message"]]
    assert "holds a NUL character" in finding["message"]
    assert "symbolic link" not in finding["message"]


def _refusing(monkeypatch, locked: Path) -> None:
    """Make `locked` a folder that cannot be listed, nor anything in it looked at (as chmod 000
    does for anyone but root, who runs these tests in containers)."""
    locked_text = str(locked)

    def guard(function, itself: bool):
        def refused(path, *args, **kwargs):
            if not isinstance(path, int):
                text = os.path.abspath(os.fsdecode(path))
                if text.startswith(locked_text + os.sep) or (itself and text == locked_text):
                    raise PermissionError(errno.EACCES, "Permission denied", text)
            return function(path, *args, **kwargs)

        return refused

    for name, itself in (("stat", False), ("lstat", False), ("open", False), ("scandir", True), ("listdir", True)):
        monkeypatch.setattr(os, name, guard(getattr(os, name), itself))


def test_an_unreadable_folder_is_a_finding_not_a_crash(tmp_path, run_cli, monkeypatch):
    root = build(tmp_path, {})
    _refusing(monkeypatch, root / "tools")
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]
    (declared,) = [f for f in findings if f["code"] == "DPL301"]
    assert "`tools/echo.yaml` cannot be read" in declared["message"]


def test_a_file_name_longer_than_the_os_allows(tmp_path, run_cli):
    long = "e" * 300 + ".yaml"
    manifest = base_file("manifest.yaml").replace("- provider/example.yaml", f"- provider/{long}")
    findings = _findings(run_cli, build(tmp_path, {"manifest.yaml": manifest}))
    assert not [f for f in findings if f["code"] == "DPL005"]
    assert [f for f in findings if f["code"] == "DPL301" and long in f["message"]]


@pytest.mark.parametrize("codec", ["rot13", "hex", "base64", "zlib", "undefined"])
def test_a_coding_cookie_naming_a_codec_that_is_not_text(codec, tmp_path, run_cli):
    root = build(tmp_path, {"tools/echo.py": f"# -*- coding: {codec} -*-\nx = 1\n"})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]
    (finding,) = _at(findings, "tools/echo.py")
    assert finding["code"] == "DPL003" and f"`{codec}`" in finding["message"]


@pytest.mark.parametrize("scope", ["[llm, text-embedding]", "{model: llm}", "[[1]]"])
def test_a_scope_that_is_not_a_string(scope, tmp_path, run_cli):
    yaml = base_file("tools/echo.yaml").replace("    type: string\n", f"    type: model-selector\n    scope: {scope}\n")
    body = "model = tool_parameters['text']\nself.session.model.llm.invoke(model_config=model, prompt_messages=[])\n"
    root = build(tmp_path, {"tools/echo.yaml": yaml, "tools/echo.py": tool_source(body)})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] == "DPL005"]
    assert [f["code"] for f in findings if "`scope` must be" in f["message"]] == ["DPL201"]


def test_libcst_is_never_asked_about_a_file_ast_parses(tmp_path, run_cli, monkeypatch):
    import libcst

    def refuse(*args, **kwargs):
        raise AssertionError("libcst consulted")

    monkeypatch.setattr(libcst, "parse_module", refuse)
    body = "".join(f"value_{i} = tool_parameters.get('text', '') + str({i})\n" for i in range(3000))
    root = build(tmp_path, {"tools/echo.py": tool_source(body + "yield self.create_text_message(value_0)\n")})
    findings = _findings(run_cli, root)
    assert not [f for f in findings if f["code"] in ("DPL002", "DPL303", "DPL005")]


# -- 8. line breaks: positions agree with the file's own parser ----------------------------------


@pytest.mark.parametrize("char", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_python_lines_are_counted_as_ast_counts_them(char, tmp_path, run_cli):
    source = TOOL_HEAD + f"        # a{char}b\n        x = tool_parameters['nope']\n        yield self.create_text_message(x)\n"
    root = build(tmp_path, {"tools/echo.py": source})
    (finding,) = [f for f in _at(_findings(run_cli, root), "tools/echo.py") if f["code"] == "DPL701"]
    assert finding["location"]["row"] == 11
    text = run_cli("check", str(root), "--output-format", "text", "--color", "never").stdout
    assert "11 |         x = tool_parameters['nope']" in text
    silenced = source.replace("['nope']\n", "['nope']  # noqa: DPL701\n")
    root = build(tmp_path, {"tools/echo.py": silenced})
    assert not [f for f in _findings(run_cli, root) if f["code"] in ("DPL701", "DPL010")]


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_yaml_lines_are_counted_as_the_yaml_parser_counts_them(char, tmp_path, run_cli):
    yaml = base_file("tools/echo.yaml").replace("extra:\n", f"# a{char}# b\nbogus: 1\nextra:\n")
    root = build(tmp_path, {"tools/echo.yaml": yaml})
    (finding,) = [f for f in _findings(run_cli, root) if f["code"] == "DPL202"]
    assert finding["location"]["row"] == 22  # the YAML parser breaks the comment in two
    text = run_cli("check", str(root), "--output-format", "text", "--color", "never").stdout
    assert "22 | bogus: 1" in text
    root = build(tmp_path, {"tools/echo.yaml": yaml.replace("bogus: 1\n", "bogus: 1  # noqa: DPL202\n")})
    assert not [f for f in _findings(run_cli, root) if f["code"] in ("DPL202", "DPL010")]
