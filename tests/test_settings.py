"""Which findings fail a run, and settings: where they are read from, what their path patterns are
relative to, and `--show-settings`."""

from __future__ import annotations

import json
import shutil

import pytest

from dify_lint.config import Pattern
from dify_lint.examples import BASE_PLUGINS, base_file
from helpers import REPO

#: an unknown key nothing resembles: DPL202 reports it as info
INFO_ONLY = base_file("tools/echo.yaml").replace("  name: echo\n", "  name: echo\n  colour: blue\n")
#: a near miss of a known key: DPL202 reports it as a warning
WARNING = base_file("tools/echo.yaml") + "output_shema:\n  type: object\n"


def _plugin(root, echo_yaml: str | None = None):
    shutil.copytree(BASE_PLUGINS / "tool", root)
    if echo_yaml is not None:
        (root / "tools" / "echo.yaml").write_text(echo_yaml, "utf-8")
    return root


def test_infos_do_not_fail_the_run_by_default(tmp_path, run_cli):
    plugin = _plugin(tmp_path / "p", INFO_ONLY)
    result = run_cli("check", str(plugin), "--output-format", "concise")
    assert "DPL202 [info]" in result.stdout
    assert result.exit_code == 0
    assert "Found 0 errors, 0 warnings and 1 info in 1 plugin; infos do not fail the run (--fail-on warning)." in result.stderr


def test_fail_on_chooses_the_threshold(tmp_path, run_cli):
    info = _plugin(tmp_path / "info", INFO_ONLY)
    warning = _plugin(tmp_path / "warning", WARNING)
    assert run_cli("check", str(info), "--fail-on", "info").exit_code == 1
    assert run_cli("check", str(warning)).exit_code == 1
    quiet = run_cli("check", str(warning), "--fail-on", "error")
    assert quiet.exit_code == 0
    assert "; warnings and infos do not fail the run (--fail-on error)." in quiet.stderr
    assert run_cli("check", str(warning), "--fail-on", "info", "--exit-zero").exit_code == 0
    assert run_cli("check", str(warning), "--fail-on", "fatal").exit_code == 2  # not a severity


def test_fail_on_in_the_configuration(tmp_path, run_cli):
    plugin = _plugin(tmp_path / "p", INFO_ONLY)
    (plugin / "dify-lint.toml").write_text('fail-on = "info"\n', "utf-8")
    assert run_cli("check", ".", cwd=plugin).exit_code == 1
    assert run_cli("check", ".", "--fail-on", "warning", cwd=plugin).exit_code == 0  # the option wins
    (plugin / "dify-lint.toml").write_text('fail-on = "infos"\n', "utf-8")
    broken = run_cli("check", ".", cwd=plugin)
    assert broken.exit_code == 2 and "fail-on must be one of error, warning, info" in broken.stderr


def test_summary_counts_every_severity(run_cli):
    result = run_cli("check", str(REPO / "examples" / "flawed-plugin"))
    assert result.exit_code == 1
    summary = result.stderr.splitlines()[0]
    assert summary.startswith("Found ") and " errors, " in summary and " warnings and " in summary and " infos in " in summary
    assert "do not fail" not in summary


# -- path patterns ------------------------------------------------------------------------------


def _monorepo(tmp_path):
    """Two plugins under plugins/, each with a near-miss key (a warning) in tools/echo.yaml."""
    for name in ("one", "two"):
        _plugin(tmp_path / "plugins" / name, WARNING)
    return tmp_path


def _files(result) -> set[str]:
    return {f["filename"] for f in json.loads(result.stdout)}


def test_per_file_ignores_are_relative_to_the_configuration_file(tmp_path, run_cli):
    repo = _monorepo(tmp_path)
    (repo / "dify-lint.toml").write_text('[per-file-ignores]\n"plugins/one/tools/*.yaml" = ["DPL202"]\n', "utf-8")
    from_root = run_cli("check", ".", "--output-format", "json", cwd=repo)
    assert _files(from_root) == {"plugins/two/tools/echo.yaml"}
    # the same from inside the plugin, and from inside another: the pattern names the same file
    inside = run_cli("check", ".", "--output-format", "json", cwd=repo / "plugins" / "one")
    assert _files(inside) == set()
    beside = run_cli("check", "../one", "../two", "--output-format", "json", cwd=repo / "plugins" / "two")
    assert _files(beside) == {"../two/tools/echo.yaml"}  # plugins/two's own; plugins/one's is silenced


def test_exclude_is_relative_to_the_configuration_file(tmp_path, run_cli):
    repo = _monorepo(tmp_path)
    (repo / "pyproject.toml").write_text('[tool.dify-lint]\nexclude = ["plugins/two"]\n', "utf-8")
    for cwd, path in ((repo, "."), (repo / "plugins", "."), (repo / "plugins" / "two", "..")):
        result = run_cli("check", path, "--output-format", "json", cwd=cwd)
        plugins = {(cwd / f).resolve().relative_to(repo.resolve()).parts[1] for f in _files(result)}
        assert plugins == {"one"}, cwd
        assert "excluded by `exclude` (" in result.stderr


def test_exclude_on_the_command_line(tmp_path, run_cli):
    repo = _monorepo(tmp_path)
    (repo / "dify-lint.toml").write_text('exclude = ["plugins/two"]\n', "utf-8")
    replaced = run_cli("check", ".", "--exclude", "plugins/one", "--output-format", "json", cwd=repo)
    assert _files(replaced) == {"plugins/two/tools/echo.yaml"}  # --exclude replaces the file's exclude
    extended = run_cli("check", ".", "--extend-exclude", "plugins/one", "--output-format", "json", cwd=repo)
    assert _files(extended) == set() and "no plugin found" in extended.stderr
    # relative to the working directory, not to the configuration file
    two = repo / "plugins" / "two"
    nested = run_cli("check", "..", "--exclude", "../one", "--output-format", "json", cwd=two)
    assert _files(nested) == {"../two/tools/echo.yaml"}  # found under `..`, shown as reached from it
    # a bare name matches below the working directory only: plugins/one is not below plugins/two
    below = run_cli("check", "..", "--exclude", "one", "--output-format", "json", cwd=two)
    assert _files(below) == {"../two/tools/echo.yaml", "../one/tools/echo.yaml"}


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tools/*.yaml", "/r/tools/a.yaml", True),
        ("tools/*.yaml", "/r/tools/sub/a.yaml", False),  # `*` stays within a folder
        ("tools/**/*.yaml", "/r/tools/sub/deeper/a.yaml", True),
        ("**/tools/*.yaml", "/r/tools/a.yaml", True),
        ("examples", "/r/a/examples/plugin/manifest.yaml", True),  # a name, at any depth below
        ("examples", "/examples/plugin/manifest.yaml", False),  # but not above the directory
        ("legacy/", "/r/legacy/tools/a.py", True),  # a folder covers what is in it
        ("../shared/*", "/shared/x", True),
        ("[!a]*.py", "/r/a.py", False),
    ],
)
def test_pattern_semantics(pattern, path, matches):
    assert Pattern(pattern, "/r").matches(path) is matches


def test_a_directory_with_glob_characters_is_taken_literally():
    assert Pattern("tools/*", "/we[ir]d").matches("/we[ir]d/tools/a")
    assert not Pattern("tools/*", "/we[ir]d").matches("/wed/tools/a")


def test_show_settings_says_where_each_came_from(tmp_path, run_cli):
    repo = _monorepo(tmp_path)
    config = repo / "dify-lint.toml"
    config.write_text('ignore = ["DPL310"]\nexclude = ["plugins/two"]\n[per-file-ignores]\n"*.py" = ["DPL7"]\n', "utf-8")
    result = run_cli(
        "check", ".", "--show-settings", "--select", "DPL2", "--extend-exclude", "build", "--fail-on", "error", cwd=repo
    )
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    real = str(config.resolve())
    assert f"# configuration file: {real} (the nearest to .)" in out
    assert 'select = ["DPL2"]\n    # from --select\n' in out
    assert f'ignore = ["DPL310"]\n    # from {real}\n' in out
    assert f'    "plugins/two",  # relative to {repo.resolve()} ({real})' in out
    assert f'    "build",  # relative to {repo.resolve()} (--extend-exclude)' in out
    assert f"    # from {real} (extended by --extend-exclude)" in out
    assert f'    "*.py" = ["DPL7"],  # relative to {repo.resolve()}' in out
    assert 'output-format = "text"\n    # from default\n' in out
    assert 'fail-on = "error"\n    # from --fail-on\n' in out
    assert "rules selected: DPL201, DPL202," in out
    isolated = run_cli("check", ".", "--show-settings", "--isolated", cwd=repo)
    assert "# configuration file: none (--isolated)" in isolated.stdout and "ignore = []\n    # from default" in isolated.stdout
