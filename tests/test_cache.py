"""The result cache: a warm run prints exactly what a fresh one does, and any change to what a
plugin's lint read, listed or looked for, or to the settings, is seen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dify_lint.engine
from helpers import FIXTURES, REPO

CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())
BASE = REPO / "lint" / "baseplugins" / "tool"


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv("DIFY_LINT_NO_CACHE", raising=False)
    monkeypatch.delenv("DIFY_LINT_CACHE_DIR", raising=False)


@pytest.fixture
def no_lint(monkeypatch):
    """Fails the run if any plugin is linted (every one must come from the cache)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a plugin was linted; its cache entry should have been used")

    def install():
        monkeypatch.setattr(dify_lint.engine, "lint_plugins", refuse)

    return install


def _entries(cache: Path) -> list[Path]:
    """The plugins' entries (not the stored table of rules)."""
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache and not p.name.startswith("rules-"))


def _args(case: Path) -> list[str]:
    return (case / "args.txt").read_text("utf-8").split() if (case / "args.txt").is_file() else []


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_every_fixture_cold_warm_and_uncached_print_the_same(fmt, run_cli, tmp_path, monkeypatch, no_lint):
    cache = tmp_path / "cache"
    outputs = {}
    for case in CASES:
        common = ("check", ".", "--isolated", "--color", "never", "--output-format", fmt, *_args(case))
        uncached = run_cli(*common, "--no-cache", cwd=case)
        cold = run_cli(*common, "--cache-dir", str(cache), cwd=case)
        outputs[case] = (uncached, cold)
        assert (cold.stdout, cold.stderr, cold.exit_code) == (uncached.stdout, uncached.stderr, uncached.exit_code), case.name
    no_lint()
    for case in CASES:
        common = ("check", ".", "--isolated", "--color", "never", "--output-format", fmt, *_args(case))
        warm = run_cli(*common, "--cache-dir", str(cache), cwd=case)
        uncached, _ = outputs[case]
        assert (warm.stdout, warm.stderr, warm.exit_code) == (uncached.stdout, uncached.stderr, uncached.exit_code), case.name
    assert len(_entries(cache)) == len(CASES) or len(_entries(cache)) > len(CASES)  # nested roots have entries of their own


def test_whole_tree_in_worker_processes(run_cli, tmp_path, no_lint):
    """Many plugins: linted in worker processes, whose reads come back to be cached."""
    cache = tmp_path / "cache"
    common = ("check", str(FIXTURES), "--isolated", "--output-format", "json", "--jobs", "2")
    uncached = run_cli(*common, "--no-cache")
    cold = run_cli(*common, "--cache-dir", str(cache))
    no_lint()
    warm = run_cli(*common, "--cache-dir", str(cache))
    assert cold.stdout == uncached.stdout == warm.stdout
    assert json.loads(warm.stdout)  # findings, not an empty report


# -- invalidation ---------------------------------------------------------------------------------


@pytest.fixture
def plugin(tmp_path) -> Path:
    target = tmp_path / "project" / "echo"
    shutil.copytree(BASE, target)
    return target


def _check(run_cli, cwd: Path, *extra: str):
    return run_cli("check", ".", "--isolated", "--output-format", "concise", *extra, cwd=cwd)


def _same_as_uncached(run_cli, cwd: Path, *extra: str) -> str:
    cached = _check(run_cli, cwd, *extra)
    fresh = _check(run_cli, cwd, "--no-cache", *extra)
    assert (cached.stdout, cached.exit_code) == (fresh.stdout, fresh.exit_code)
    return cached.stdout


def test_editing_a_file_invalidates(run_cli, plugin):
    before = _same_as_uncached(run_cli, plugin)
    manifest = plugin / "manifest.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("version: 0.0.1", "version: not-a-version", 1), "utf-8")
    after = _same_as_uncached(run_cli, plugin)
    assert after != before


def test_same_size_edit_with_a_new_time_is_caught_by_the_digest(run_cli, plugin):
    before = _same_as_uncached(run_cli, plugin)
    source = plugin / "tools" / "echo.py"
    text = source.read_text("utf-8")
    edited = text.replace("tool_parameters", "tool_parameterz", 1)
    assert len(edited) == len(text) and edited != text
    stat = source.stat()
    source.write_text(edited, "utf-8")
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert _same_as_uncached(run_cli, plugin) != before


def test_a_missing_icon_that_appears_invalidates(run_cli, plugin):
    icon = plugin / "_assets" / "icon.svg"
    saved = icon.read_bytes()
    icon.unlink()
    missing = _same_as_uncached(run_cli, plugin)
    assert "icon.svg" in missing
    icon.write_bytes(saved)
    assert "icon.svg" not in _same_as_uncached(run_cli, plugin)


def test_a_new_file_in_a_listed_folder_invalidates(run_cli, plugin):
    before = _same_as_uncached(run_cli, plugin)
    (plugin / "venv").mkdir()
    (plugin / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", "utf-8")
    assert _same_as_uncached(run_cli, plugin) != before


def test_deleting_a_file_invalidates(run_cli, plugin):
    before = _same_as_uncached(run_cli, plugin)
    (plugin / "tools" / "echo.py").unlink()
    assert _same_as_uncached(run_cli, plugin) != before


def test_touching_without_change_keeps_the_entry(run_cli, plugin, no_lint):
    before = _check(run_cli, plugin).stdout
    for path in plugin.rglob("*"):
        if path.is_file():
            info = path.stat()
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    no_lint()
    assert _check(run_cli, plugin).stdout == before


def test_select_and_configuration_are_part_of_the_key(run_cli, plugin, no_lint):
    manifest = plugin / "manifest.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("version: 0.0.1", "version: x", 1), "utf-8")
    every = _same_as_uncached(run_cli, plugin)
    assert "manifest.yaml:1:10: DPL101 " in every
    only = _same_as_uncached(run_cli, plugin, "--select", "DPL3")
    assert only != every and "DPL101" not in only
    # per-file-ignores in a configuration file above the plugin (one inside would change its listing)
    (plugin.parent / "dify-lint.toml").write_text('[per-file-ignores]\n"manifest.yaml" = ["DPL101"]\n', "utf-8")
    configured = run_cli("check", ".", "--output-format", "concise", cwd=plugin)
    fresh = run_cli("check", ".", "--output-format", "concise", "--no-cache", cwd=plugin)
    assert configured.stdout == fresh.stdout and "DPL101" not in configured.stdout
    no_lint()  # each settings' entry is still there
    assert _check(run_cli, plugin).stdout == every
    assert _check(run_cli, plugin, "--select", "DPL3").stdout == only


def test_a_file_named_reports_from_the_whole_plugins_entry(run_cli, plugin, no_lint):
    """Scope is narrowed after the cache: naming one file gives what a fresh run of it gives."""
    (plugin / "tools" / "echo.yaml").write_text("identity: {}\n", "utf-8")
    fresh = run_cli("check", "tools/echo.yaml", "--isolated", "--no-cache", cwd=plugin)
    _check(run_cli, plugin)
    no_lint()
    warm = run_cli("check", "tools/echo.yaml", "--isolated", cwd=plugin)
    assert (warm.stdout, warm.stderr) == (fresh.stdout, fresh.stderr)


# -- the cache folder ---------------------------------------------------------------------------


def test_default_folder_is_the_working_directory_with_a_gitignore(run_cli, plugin):
    _check(run_cli, plugin)
    cache = plugin / ".dify_lint_cache"
    assert (cache / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    assert len(_entries(cache)) == 1


def test_default_folder_is_beside_the_configuration_file(run_cli, plugin):
    project = plugin.parent
    (project / "dify-lint.toml").write_text("select = ['ALL']\n", "utf-8")
    run_cli("check", ".", cwd=plugin)
    assert _entries(project / ".dify_lint_cache") and not (plugin / ".dify_lint_cache").exists()


def test_cache_dir_option_environment_and_configuration(run_cli, plugin, tmp_path, monkeypatch):
    _check(run_cli, plugin, "--cache-dir", str(tmp_path / "option"))
    assert _entries(tmp_path / "option")
    monkeypatch.setenv("DIFY_LINT_CACHE_DIR", str(tmp_path / "environment"))
    _check(run_cli, plugin)
    assert _entries(tmp_path / "environment")
    monkeypatch.delenv("DIFY_LINT_CACHE_DIR")
    (plugin / "dify-lint.toml").write_text("cache-dir = 'build/lint-cache'\n", "utf-8")
    run_cli("check", ".", cwd=plugin)
    assert _entries(plugin / "build" / "lint-cache")
    assert not (plugin / ".dify_lint_cache").exists()


def test_nothing_written_without_cache(run_cli, plugin, monkeypatch):
    _check(run_cli, plugin, "--no-cache")
    monkeypatch.setenv("DIFY_LINT_NO_CACHE", "1")
    _check(run_cli, plugin)
    run_cli("check", "tools/echo.py", "--isolated", "--stdin-filename", "tools/echo.py", input="x = 1\n", cwd=plugin)
    assert not (plugin / ".dify_lint_cache").exists()


def test_the_cache_folder_inside_a_plugin_changes_no_finding(run_cli, plugin, no_lint):
    """The cache is not part of the plugin: its own entries never invalidate it."""
    first = _check(run_cli, plugin).stdout  # written inside the plugin's folder
    _check(run_cli, plugin, "--select", "DPL3")  # a second entry in the same folder
    assert len(_entries(plugin / ".dify_lint_cache")) == 2
    fresh = _check(run_cli, plugin, "--no-cache").stdout
    no_lint()
    assert _check(run_cli, plugin).stdout == first == fresh


def test_corrupt_truncated_and_foreign_entries_are_ignored_and_rewritten(run_cli, plugin):
    expected = _check(run_cli, plugin).stdout
    (entry,) = _entries(plugin / ".dify_lint_cache")
    good = entry.read_bytes()
    for damaged in (
        good[: len(good) // 2],
        b"\x00\xff garbage",
        b"[]",
        json.dumps({**json.loads(good), "key": "other"}).encode(),
    ):
        entry.write_bytes(damaged)
        assert _check(run_cli, plugin).stdout == expected
        assert json.loads(entry.read_bytes())["key"] == json.loads(good)["key"]  # rewritten whole
    damaged = json.loads(good)
    damaged["diagnostics"] = [{"code": 1}]
    entry.write_text(json.dumps(damaged), "utf-8")
    assert _check(run_cli, plugin).stdout == expected


def test_two_processes_sharing_a_cache(tmp_path):
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "dify_lint", "check", str(FIXTURES), "--isolated", "--output-format", "json", "-j", "1"]
    env = {k: v for k, v in os.environ.items() if k != "DIFY_LINT_NO_CACHE"}
    fresh = subprocess.run([*command, "--no-cache"], capture_output=True, env=env, cwd=tmp_path).stdout
    runs = [
        subprocess.Popen([*command, "--cache-dir", str(cache)], stdout=subprocess.PIPE, env=env, cwd=tmp_path) for _ in range(2)
    ]
    outputs = [run.communicate()[0] for run in runs]
    assert outputs == [fresh, fresh]
    warm = subprocess.run([*command, "--cache-dir", str(cache)], capture_output=True, env=env, cwd=tmp_path).stdout
    assert warm == fresh
    assert not [p for p in cache.rglob(".tmp-*")]  # no temporary file left behind


def test_a_warm_run_imports_no_rule_and_parses_nothing(tmp_path):
    """All plugins from the cache: no rule, analysis, model, YAML or schema module is loaded."""
    heavy = ("dify_lint.rules", "dify_lint.analysis", "dify_lint.model", "dify_lint.python", "yaml", "jsonschema", "libcst")
    script = (
        "import sys\nfrom dify_lint.cli import main\n"
        f"try:\n    main({['check', str(FIXTURES), '--isolated', '-q', '--cache-dir', str(tmp_path / 'cache')]!r})\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DIFY_LINT_NO_CACHE"}
    cold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "dify_lint.rules" in cold.stdout.splitlines()[-1]
    warm = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert warm.stdout.splitlines()[-1] == "[]"
    rules_table = next((tmp_path / "cache").rglob("rules-*.json"))
    rules_table.write_text("[1, 2", "utf-8")  # damaged: the rules are imported again, and the table rewritten
    again = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "dify_lint.rules" in again.stdout.splitlines()[-1] and json.loads(rules_table.read_text("utf-8"))


def test_an_entry_keeps_every_field_of_a_diagnostic():
    from dify_lint.cache import _diagnostic_from, _diagnostic_to
    from dify_lint.diagnostics import Diagnostic, Edit, Fix, Position, Related, Severity, Span

    span = Span(Position(3, 5), Position(3, 9))
    diagnostic = Diagnostic(
        code="DPL999",
        name="some-rule",
        severity=Severity.WARNING,
        message="a message with unicode: é, 漢",
        path="echo/tools/echo.yaml",
        span=span,
        related=(Related("echo/tools/echo.py", Span.point(7, 1), "the other side"),),
        fix=Fix("rename it", (Edit("echo/tools/echo.yaml", 10, 14, "name", Position(3, 5), Position(3, 9)),), "unsafe"),
        plugin="echo",
        url="https://example.invalid/rule",
        line_text="  name: x",
    )
    assert _diagnostic_from(json.loads(json.dumps(_diagnostic_to(diagnostic)))) == diagnostic
    bare = Diagnostic("DPL001", "yaml-syntax-error", Severity.ERROR, "m", "p", span)
    assert _diagnostic_from(json.loads(json.dumps(_diagnostic_to(bare)))) == bare
