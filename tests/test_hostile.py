"""Any file content, however broken or hostile, gives diagnostics and exit 0 or 1, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from dify_lint.examples import BASE_PLUGINS
from dify_lint.python.module import MAX_TREE_DEPTH
from helpers import build, tree_depth

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

HOSTILE = {
    "empty": b"",
    "only-comment": b"# nothing here\n",
    "binary": bytes(range(256)) * 4,
    "invalid-utf8": b"identity:\n  name: caf\xe9\n",
    "utf16": "identity:\n  name: x\n".encode("utf-16"),
    "bom": b"\xef\xbb\xbfidentity:\n  name: x\n",
    "control-char": b"identity:\n  name: \x07\n",
    "alias-bomb": BILLION_LAUGHS.encode(),
    "recursive-alias": b"a: &a [*a]\nidentity: *a\n",
    "deep-block": ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 10_000))).encode(),
    "deep-flow": ("[" * 10_000 + "]" * 10_000).encode(),
    "deep-sequence": ("- " * 10_000 + "x\n").encode(),
    "list-not-mapping": b"- identity\n- parameters\n",
    "scalar": b"just a string\n",
    "lists-everywhere": b"identity: []\ndescription: []\nparameters: {}\nextra: []\n",
    "null-everywhere": b"identity:\ndescription:\nparameters:\nextra:\n",
    "wrong-types": b"identity: {name: 5, author: [1], label: 3}\nparameters: [1, 'x', null, [2]]\nextra: {python: {source: 7}}\n",
    "unknown-tag": b"identity: !include other.yaml\n",
    "two-documents": b"a: 1\n---\nb: 2\n",
    "tabs": b"identity:\n\tname: x\n",
    "unclosed-quote": b'identity:\n  name: "x\n',
    "merge-keys": b"base: &base {author: x}\nidentity:\n  <<: *base\n  name: y\n",
    "complex-keys": b"? [a, b]\n: 1\nidentity: {name: x}\n",
    "binary-tag": b"identity: !!binary aGVsbG8=\n",
    "set-tag": b"identity: !!set {a, b}\n",
    "huge-int": b"identity:\n  name: " + b"9" * 5000 + b"\n",
}


def _plugin_with(tmp_path: Path, relative: str, content: bytes) -> Path:
    return build(tmp_path, {relative: content})


@pytest.mark.parametrize("target", ["tools/echo.yaml", "manifest.yaml", "provider/example.yaml"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml_never_crashes(name, target, tmp_path, run_cli):
    root = _plugin_with(tmp_path, target, HOSTILE[name])
    result = run_cli("check", str(root), "--output-format", "json")
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)
    assert all(f["code"] != "DPL005" for f in findings), findings
    if name in ("binary", "invalid-utf8", "utf16"):
        assert any(f["code"] == "DPL003" for f in findings)
    if name in ("alias-bomb", "recursive-alias", "deep-block", "deep-flow", "deep-sequence"):
        assert any(f["code"] == "DPL006" for f in findings)


HOSTILE_PYTHON = {
    "empty": b"",
    "binary": bytes(range(256)),
    "latin1-no-cookie": b"x = 'caf\xe9'\n",
    "latin1-with-cookie": b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n",
    "bogus-cookie": b"# -*- coding: klingon -*-\nx = 1\n",
    "syntax-error": b"class A(\n",
    "deep-nesting": b"x = " + b"(" * 5000 + b")" * 5000 + b"\n",
    "pep701": b'x = f"{"nested"}"\n',
    "null-byte": b"x = 1\x00\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PYTHON))
def test_hostile_python_never_crashes(name, tmp_path, run_cli):
    root = _plugin_with(tmp_path, "tools/echo.py", HOSTILE_PYTHON[name])
    result = run_cli("check", str(root), "--output-format", "json")
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)
    assert all(f["code"] != "DPL005" for f in findings), findings
    codes = {f["code"] for f in findings if f["filename"].endswith("echo.py")}
    if name in ("binary", "latin1-no-cookie", "bogus-cookie", "null-byte"):
        assert "DPL003" in codes
    if name == "syntax-error":
        assert "DPL002" in codes
    if name in ("latin1-with-cookie", "pep701"):
        assert not codes & {"DPL002", "DPL003"}


def test_fifty_megabyte_yaml_is_skipped_not_parsed(tmp_path, run_cli):
    root = _plugin_with(tmp_path, "tools/echo.yaml", b"")
    with open(root / "tools/echo.yaml", "wb") as handle:
        line = b"key_%08d: some value that pads the line out\n"
        for i in range(50 * 1024 * 1024 // len(line % 0) + 1):
            handle.write(line % i)
    result = run_cli("check", str(root), "--output-format", "json")
    findings = json.loads(result.stdout)
    assert result.exit_code == 1
    assert any(f["code"] == "DPL006" and "MiB" in f["message"] for f in findings)


def test_unreadable_file(tmp_path, run_cli, monkeypatch):
    import os

    root = _plugin_with(tmp_path, "tools/echo.yaml", b"identity: {}\n")
    original = os.open

    def refuse(path, *args, **kwargs):  # root reads files whatever their mode: refuse instead
        if str(path).endswith("echo.yaml"):
            raise PermissionError(13, "Permission denied")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    findings = json.loads(run_cli("check", str(root), "--output-format", "json").stdout)
    (unreadable,) = [f for f in findings if f["code"] == "DPL003"]
    assert unreadable["filename"].endswith("tools/echo.yaml")
    assert unreadable["message"] == "cannot read file: Permission denied"


def test_manifest_that_is_a_directory(tmp_path, run_cli):
    root = tmp_path / "plugin"
    (root / "manifest.yaml").mkdir(parents=True)
    result = run_cli("check", str(root))
    assert result.exit_code == 0  # not a plugin: nothing to lint
    assert "no plugin found" in result.stderr


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "1+" * 100_000 + "1\n",
        "x = " + "-" * 100_000 + "1\n",
        "x = " + "not " * 50_000 + "1\n",
        "x = " + "a." * 100_000 + "b\n",
        "x = " + "(" * 5_000 + ")" * 5_000 + "\n",
        "class A(\n" + "[" * 3_000 + "\n",
    ],
    ids=["long-sum", "unary-chain", "not-chain", "attribute-chain", "deep-parens", "deep-and-broken"],
)
@pytest.mark.parametrize("mentions_session", [False, True], ids=["plain", "with-session"])
def test_python_bombs_do_not_reach_the_native_parser(source, mentions_session, tmp_path, run_cli):
    # libcst's native parser would overflow the C stack (a segfault) on these; a file that says
    # `session` is one the session analyses would want a libcst tree for
    import ast

    text = ("session = self.session\n" if mentions_session else "") + source
    root = _plugin_with(tmp_path, "tools/echo.py", text.encode())
    result = run_cli("check", str(root), "--output-format", "json")
    assert result.exit_code in (0, 1)
    findings = json.loads(result.stdout)
    assert not [f for f in findings if f["code"] == "DPL005"]
    codes = {f["code"] for f in findings if f["filename"].endswith("echo.py")}
    try:
        tree = ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError):
        assert codes & {"DPL002", "DPL006"}  # this interpreter cannot compile it either
    else:  # Python 3.10 reads some of these: too deep to analyse, which is said
        assert ("DPL006" in codes) == (tree_depth(tree, MAX_TREE_DEPTH) > MAX_TREE_DEPTH)


def _mapping_paths(data, path=()):
    if isinstance(data, dict):
        yield path
        for key, value in data.items():
            yield from _mapping_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _mapping_paths(value, (*path, index))


def _replaced(data, path, value):
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replaced(data[path[0]], path[1:], value)
    return copy


def _yaml_files(base: str) -> list[str]:
    root = BASE_PLUGINS / base
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml"))


@pytest.mark.parametrize("base", ["tool", "model", "agent", "endpoint", "datasource", "trigger", "bundle"])
@pytest.mark.parametrize("replacement", [[], "text", None], ids=["list", "string", "null"])
def test_every_mapping_replaced_never_crashes(base, replacement, tmp_path):
    """Each mapping of each YAML file of a base plugin, in turn, becomes a list, a string or null."""
    import yaml

    from dify_lint.discovery import find_plugin_roots
    from dify_lint.engine import lint_plugin
    from dify_lint.registry import all_rules

    rules = all_rules()
    for relative in _yaml_files(base):
        original = yaml.safe_load((BASE_PLUGINS / base / relative).read_text("utf-8"))
        for number, path in enumerate(_mapping_paths(original)):
            root = tmp_path / f"{relative.replace('/', '_')}-{number}"
            shutil.copytree(BASE_PLUGINS / base, root)
            (root / relative).write_text(yaml.safe_dump(_replaced(original, path, replacement)), "utf-8")
            (plugin,) = find_plugin_roots([str(root)])
            crashes = [d for d in lint_plugin(plugin, rules) if d.code == "DPL005"]
            assert not crashes, (relative, path, crashes[0].message)


# -- the file system: links out of the plugin, FIFOs, devices ---------------------------------------


def test_a_helper_linked_to_a_file_outside_is_reported_and_never_read(tmp_path, run_cli):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2\n", "utf-8")
    root = build(tmp_path, {})
    os.symlink(secret, root / "tools" / "helper.py")
    os.symlink(secret, root / "tools" / "notes.yaml")
    result = run_cli("check", str(root), "--output-format", "text", "--color", "never")
    assert "hunter2" not in result.stdout + result.stderr
    assert "tools/helper.py:1:1: DPL003 is a symbolic link that points outside the plugin root; it was not read" in result.stdout


def test_a_manifest_linked_outside_is_not_read(tmp_path, run_cli):
    root = build(tmp_path, {})
    (root / "manifest.yaml").unlink()
    os.symlink("/etc/passwd", root / "manifest.yaml")
    result = run_cli("check", str(root), "--output-format", "concise")
    assert "root:" not in result.stdout
    assert "manifest.yaml:1:1: DPL003 is a symbolic link that points outside the plugin root" in result.stdout


def test_a_fifo_behind_a_source_name_does_not_hang(tmp_path, run_cli):
    root = build(tmp_path, {"tools/echo.py": None})
    os.mkfifo(root / "tools" / "echo.py")  # opening it for reading would block forever
    result = run_cli("check", str(root), "--output-format", "concise")
    assert "tools/echo.py:1:1: DPL003 is not a regular file" in result.stdout


def test_a_device_behind_a_yaml_name_is_not_read(tmp_path, run_cli):
    root = build(tmp_path, {"tools/echo.yaml": None})
    os.symlink("/dev/zero", root / "tools" / "echo.yaml")  # reading it would never end
    result = run_cli("check", str(root), "--output-format", "concise")
    assert "tools/echo.yaml" in result.stdout and result.exit_code == 1


def test_assets_linked_to_the_root_of_the_machine_are_not_walked(tmp_path, run_cli):
    root = build(tmp_path, {"_assets": None})
    os.symlink("/", root / "_assets")
    result = run_cli("check", str(root), "--output-format", "concise")
    assert result.exit_code == 1 and "DPL005" not in result.stdout
