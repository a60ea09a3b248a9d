"""The hooks of .pre-commit-hooks.yaml, driven by the real `pre-commit` in a scratch repository.

The hooks are installed from a snapshot of this checkout (committed to a scratch repository that
the configuration's `repo:` names), so what runs is what .pre-commit-hooks.yaml declares and what
pre-commit's own environment for it installs. pre-commit builds that environment once for this
module with pip, which inherits the configuration and indexes of the pip that installed this (its
settings file and PIP_* variables are left alone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dify_lint.examples import BASE_PLUGINS, LLM_INVOKE, llm_tool_example, materialize
from helpers import REPO

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="driving pre-commit needs git, and git is not installed")

#: what building the distribution reads
_SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "lint", "rules")


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = _run(["git", *args], cwd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """An environment for git and pre-commit: no user git configuration, pre-commit's cache kept
    for the module (the hook environment is built once), pip's settings inherited."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    variables.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return variables


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    """This checkout, as it is now, committed to a scratch repository: (its path, the commit)."""
    source = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in _SNAPSHOT:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    _git(source, env, "init", "-q")
    _git(source, env, "add", "-A")
    _git(source, env, "commit", "-q", "-m", "snapshot")
    return source, _git(source, env, "rev-parse", "HEAD")


def _plugin_repo(
    tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str], hooks: tuple[str, ...], plugin: Path = BASE_PLUGINS / "tool"
) -> Path:
    """A repository holding `plugin` at `echo/` (committed) with `hooks` installed."""
    repo = tmp_path / "plugins"
    shutil.copytree(plugin, repo / "echo", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "notes.txt").write_text("not a plugin\n", "utf-8")
    source, commit = hook_repo
    listed = "".join(f"      - id: {hook}\n" for hook in hooks)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source.as_posix()}\n    rev: {commit}\n    hooks:\n{listed}", "utf-8"
    )
    _git(repo, env, "init", "-q")
    installed = _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "the plugin")
    return repo


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _commit(repo: Path, env: dict[str, str], message: str, stage: bool = True) -> subprocess.CompletedProcess:
    """`git commit`, with what the hooks print (git sends it to standard error) in `stdout`."""
    if stage:
        _git(repo, env, "add", "-A")
    args = ["git", "commit", "-m", message]
    return subprocess.run(args, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def test_the_hook_blocks_a_bad_commit_and_passes_a_good_one(tmp_path, env, hook_repo):
    repo = _plugin_repo(tmp_path, env, hook_repo, ("dify-lint",))
    tool = repo / "echo" / "tools" / "echo.yaml"

    _edit(tool, "form: llm", "form: llmm")
    blocked = _commit(repo, env, "a typo")
    output = blocked.stdout
    assert blocked.returncode != 0, output
    assert "dify-lint" in output and "Failed" in output
    assert "echo/tools/echo.yaml:14:11: DPL201 `form` must be one of schema, form, llm; got `llmm`" in output
    assert _git(repo, env, "rev-list", "--count", "HEAD") == "1"  # nothing was committed

    _edit(tool, "form: llmm", "form: llm")
    _edit(repo / "echo" / "README.md", "\n", "\nSays back what it is given.\n")
    passed = _commit(repo, env, "a good change")
    assert passed.returncode == 0, passed.stdout
    assert "dify-lint" in passed.stdout and "Passed" in passed.stdout


def test_a_change_elsewhere_in_a_plugin_with_old_warnings_passes(tmp_path, env, hook_repo):
    repo = _plugin_repo(tmp_path, env, hook_repo, ("dify-lint",))
    _edit(repo / "echo" / "tools" / "echo.yaml", "llm_description:", "llm_descripton:")  # a warning (DPL202)
    _git(repo, env, "commit", "-q", "-a", "--no-verify", "-m", "an old warning")

    (repo / "echo" / "requirements.txt").write_text("dify_plugin>=0.4.0,<0.7.0\nrequests\n", "utf-8")
    passed = _commit(repo, env, "a dependency")
    assert passed.returncode == 0, passed.stdout
    ran = [line for line in passed.stdout.splitlines() if line.startswith("dify-lint")]
    assert ran and ran[0].endswith("Passed"), passed.stdout  # it ran on requirements.txt, and passed

    _edit(repo / "echo" / "manifest.yaml", "  memory: 268435456", "  memory: 1048576")
    passed = _commit(repo, env, "less memory")
    assert passed.returncode == 0, passed.stdout


def test_a_yaml_change_is_blocked_for_what_it_breaks_in_the_python(tmp_path, env, hook_repo):
    plugin = materialize(
        llm_tool_example(LLM_INVOKE + "        yield self.create_text_message(result.message.content)\n"), tmp_path / "llm"
    )
    repo = _plugin_repo(tmp_path, env, hook_repo, ("dify-lint",), plugin)
    _edit(repo / "echo" / "tools" / "echo.yaml", "scope: llm", "scope: text-embedding")
    blocked = _commit(repo, env, "embeddings instead")
    assert blocked.returncode != 0, blocked.stdout
    assert "echo/tools/echo.py:11:26: DPL401 the model-selector tool parameter `model`" in blocked.stdout, blocked.stdout
    assert "(echo/tools/echo.yaml:22:12)" in blocked.stdout  # the related location: the line changed


def test_every_plugin_hook_blocks_a_deletion(tmp_path, env, hook_repo):
    repo = _plugin_repo(tmp_path, env, hook_repo, ("dify-lint", "dify-lint-all"))
    _git(repo, env, "rm", "-q", "echo/_assets/icon.svg")
    blocked = _commit(repo, env, "no icon", stage=False)
    output = blocked.stdout
    assert blocked.returncode != 0, output
    lines = output.splitlines()
    assert any(line.startswith("dify-lint.") and line.endswith("(no files to check)Skipped") for line in lines), output
    assert any(line.startswith("dify-lint (every plugin)") and line.endswith("Failed") for line in lines), output
    assert "echo/manifest.yaml" in output and "DPL304" in output

    _git(repo, env, "reset", "-q", "--hard")
    (repo / "notes.txt").write_text("still not a plugin\n", "utf-8")
    passed = _commit(repo, env, "notes")
    assert passed.returncode == 0, passed.stdout
