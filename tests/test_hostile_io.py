"""A plugin from a stranger, run as a real process: nothing of it is imported, nothing it holds
reaches the terminal as a control sequence, the output streams, signals and dying workers end
in a clear status, and its configuration or arguments never end in a traceback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dify_lint.examples import BASE_PLUGINS as BASE_PLUGINS_DIR
from dify_lint.examples import base_file
from dify_lint.report import FORMATS
from helpers import REPO, build

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
FLAWED = REPO / "examples" / "flawed-plugin"


def dify_lint(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120, **kwargs):
    """`python -m dify_lint ARGS` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "dify_lint", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        timeout=timeout,
        **kwargs,
    )


def no_traceback(process) -> None:
    stderr = process.stderr.decode("utf-8", "replace") if isinstance(process.stderr, bytes) else process.stderr
    assert "Traceback" not in stderr, stderr


# -- nothing of the plugin is imported ---------------------------------------------------------------

#: the modules dify-lint and its dependencies import by name
SHADOWED = (
    "yaml", "_yaml", "click", "jsonschema", "jsonschema_specifications", "referencing", "rpds", "attrs", "attr",
    "libcst", "tomli", "tomllib", "pygls", "typing_extensions", "json", "difflib", "colorama",
)  # fmt: skip


def test_python_m_inside_a_plugin_imports_none_of_its_files(tmp_path):
    root = build(tmp_path, {})
    for name in SHADOWED:
        (root / f"{name}.py").write_text(f"raise SystemExit('imported the plugin\\'s {name}.py')\n", "utf-8")
    process = dify_lint("check", ".", "--output-format", "json", cwd=root)
    assert b"imported the plugin" not in process.stdout + process.stderr
    assert process.returncode in (0, 1), process.stderr
    assert isinstance(json.loads(process.stdout), list)
    no_traceback(process)


def test_the_command_inside_a_plugin_that_shadows_the_package_itself(tmp_path):
    """`python -m dify_lint` inside a folder holding dify_lint.py would run that file: Python finds
    the module before dify-lint runs (SECURITY.md says so); the `dify-lint` command does not."""
    command = Path(sys.executable).parent / "dify-lint"
    if not command.is_file():
        pytest.skip("the dify-lint command is not installed next to this interpreter")
    root = build(tmp_path, {})
    (root / "dify_lint.py").write_text("raise SystemExit('imported the plugin\\'s dify_lint.py')\n", "utf-8")
    (root / "yaml.py").write_text("raise SystemExit('imported the plugin\\'s yaml.py')\n", "utf-8")
    process = subprocess.run([str(command), "check", "."], cwd=root, capture_output=True, timeout=120)
    assert b"imported the plugin" not in process.stdout + process.stderr
    assert process.returncode in (0, 1)


# -- no control sequence reaches the terminal ------------------------------------------------------

FORGED = "src/evil.py:1:1: DPL999 forged finding"
#: a title-setting OSC sequence, a screen-clearing CSI, a single-byte CSI, a bidi override, a NUL,
#: and a new line that starts a forged finding (and, in `github`, a forged annotation)
HOSTILE_TEXT = f"ev\x1b]0;owned\x07il\x1b[2J\x9b31m\u202e\x00\n{FORGED}\n::error file=x.py::forged"


@pytest.fixture
def injecting(tmp_path):
    """A plugin whose folder name and manifest values hold control characters and forged lines."""
    manifest = base_file("manifest.yaml", "tool")
    hostile = json.dumps(HOSTILE_TEXT)  # a YAML double-quoted scalar holds any character escaped
    manifest = manifest.replace("author: example", f"author: {hostile}").replace("icon: icon.svg", f"icon: {hostile}")
    parent = tmp_path / "plugin\x1b[31m\nsrc_x.py:1:1: DPL998 forged"
    parent.mkdir()
    root = build(parent, {"manifest.yaml": manifest})
    return root


UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_of_values_and_paths_are_escaped(fmt, injecting):
    process = dify_lint("check", str(injecting), "--output-format", fmt, "--color", "always")
    assert process.returncode == 1, process.stderr
    out = process.stdout.decode("utf-8")
    shown = out
    for ours in ("\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[1m", "\x1b[2m", "\x1b[0m"):  # text's own colours
        shown = shown.replace(ours, "")
    for char in UNSAFE:
        assert char not in shown, (fmt, char)
    for line in shown.splitlines():
        assert not line.startswith(("src/", "src_x", "::error file=x.py")), line
    assert "forged finding" in out  # shown, escaped, on the line of the finding that quotes it
    if fmt == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in out.splitlines())
    if fmt in ("json", "sarif", "gitlab"):  # the escapes are JSON's own: the value reads back whole
        assert any(HOSTILE_TEXT in str(found) for found in _strings(json.loads(out)))
    if fmt == "json-lines":
        assert any(HOSTILE_TEXT in f["message"] for f in map(json.loads, out.splitlines()))
    if fmt == "junit":
        root = ElementTree.fromstring(out)
        texts = [case.text or "" for case in root.iter("failure")]
        assert all(len(text.splitlines()) <= 3 for text in texts)  # the finding, notes (none here), the URL


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_escapes_in_the_code_frame_and_in_the_summary(tmp_path):
    root = build(tmp_path, {"tools/ev\x1b]0;x\x07il.yaml": "identity: {name: x}\n", "tools/echo.yaml": None})
    (root / "tools" / "echo.yaml").write_bytes(b'identity:\n  name: "\x1b]0;x\x07"\n')
    process = dify_lint("check", str(root), "--output-format", "text")
    assert b"\x1b" not in process.stdout + process.stderr and b"\x07" not in process.stdout + process.stderr
    no_traceback(process)


# -- file names that are not UTF-8 --------------------------------------------------------------------


@pytest.fixture
def latin1_named(tmp_path):
    parent = tmp_path / os.fsdecode(b"caf\xe9 #1")
    parent.mkdir()
    return build(parent, {"tools/echo.yaml": "identity: {}\n"})


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8_on_a_strict_stream(fmt, latin1_named):
    env = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C"}
    process = dify_lint("check", os.fsdecode(latin1_named), "--output-format", fmt, env=env)
    no_traceback(process)
    assert process.returncode == 1, process.stderr
    out = process.stdout.decode("utf-8")  # strict: it is UTF-8
    # escaped as text shows it; in JSON, the code point Python gives the byte (it reads back as the same path)
    assert {"text": "caf\\xe9", "sarif": "caf%E9"}.get(
        fmt, "caf\\udce9" if "json" in fmt or fmt == "gitlab" else "caf\\xe9"
    ) in out


def test_sarif_uris_with_spaces_hashes_and_other_bytes_validate_and_lead_back(latin1_named):
    from urllib.parse import unquote_to_bytes, urlparse

    from jsonschema import Draft7Validator

    parent = latin1_named.parent.parent
    process = dify_lint("check", os.fsdecode(latin1_named.relative_to(parent)), "--output-format", "sarif", cwd=parent)
    log = json.loads(process.stdout)
    assert not list(Draft7Validator(json.loads(SCHEMA.read_text("utf-8"))).iter_errors(log))
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("caf%E9%20%231/") and " " not in uri and "#" not in uri
        target = Path(os.fsdecode(unquote_to_bytes(urlparse(base + uri).path)))
        assert target.exists(), target


# -- output streams ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flawed_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("streams") / "flawed"
    shutil.copytree(FLAWED, target)
    return target


def test_stdout_closed_is_an_error_said_on_stderr(flawed_copy):
    process = subprocess.run(
        ["bash", "-c", 'exec "$@" >&-', "bash", sys.executable, "-m", "dify_lint", "check", str(flawed_copy)],
        capture_output=False,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    assert process.returncode == 2
    assert b"standard output is closed" in process.stderr
    no_traceback(process)


def test_stdout_full_is_an_error_said_on_stderr(flawed_copy):
    with open("/dev/full", "wb") as full:
        process = subprocess.run(
            [sys.executable, "-m", "dify_lint", "check", str(flawed_copy)], stdout=full, stderr=subprocess.PIPE, timeout=120
        )
    assert process.returncode == 2
    assert b"cannot write the report to standard output: No space left on device" in process.stderr
    no_traceback(process)


@pytest.mark.parametrize("stdout", ["closed", "full"])
def test_a_fixed_buffer_that_cannot_be_written_is_an_error_said_on_stderr(stdout, tmp_path):
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "p")
    buffer = (tmp_path / "p" / "tools" / "echo.yaml").read_bytes()
    command = [sys.executable, "-m", "dify_lint", "check", "--isolated", "--fix", "--stdin-filename", "p/tools/echo.yaml"]
    if stdout == "closed":
        command = ["bash", "-c", 'exec "$@" >&-', "bash", *command]
    with open("/dev/full", "wb") as full:
        process = subprocess.run(
            command, input=buffer, stdout=full if stdout == "full" else None, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120
        )
    assert process.returncode == 2, process.stderr
    said = {
        "closed": b"standard output is closed; the fixed buffer cannot be written",
        "full": b"cannot write the fixed buffer to standard output: No space left on device",
    }
    assert said[stdout] in process.stderr, process.stderr
    no_traceback(process)


def test_a_reader_that_stops_reading_is_no_error(tmp_path):
    many = tmp_path / "many"
    for number in range(30):
        shutil.copytree(FLAWED, many / f"p{number}")
    process = subprocess.Popen(
        [sys.executable, "-m", "dify_lint", "check", str(many)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1  # the findings' status
    assert b"Traceback" not in stderr and b"Broken pipe" not in stderr and b"Exception ignored" not in stderr


def test_output_file_that_cannot_be_written(flawed_copy, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    for target in (blocker / "report.txt", "/proc/no/such/place.txt", tmp_path / ("x" * 300) / "r.txt"):
        process = dify_lint("check", str(flawed_copy), "--output-file", str(target))
        assert process.returncode == 2, target
        assert b"dify-lint: error: cannot write " in process.stderr
        no_traceback(process)


# -- interrupts and workers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_plugins(tmp_path_factory):
    many = tmp_path_factory.mktemp("interrupts") / "many"
    for number in range(120):
        shutil.copytree(FLAWED, many / f"p{number}")
    return many


def _children_of(pid: int) -> set[int]:
    """Every living process whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    "signum, whole_group, status",
    [(signal.SIGINT, False, 130), (signal.SIGINT, True, 130), (signal.SIGTERM, False, 143), (signal.SIGTERM, True, 143)],
    ids=["sigint-parent", "sigint-group", "sigterm-parent", "sigterm-group"],
)
def test_an_interrupt_ends_every_worker_with_the_conventional_status(signum, whole_group, status, many_plugins):
    process = subprocess.Popen(
        [sys.executable, "-m", "dify_lint", "check", str(many_plugins), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(_children_of(process.pid)) < 2 and time.monotonic() < deadline:  # workers started
        time.sleep(0.05)
    workers = _children_of(process.pid)
    assert workers, "no worker started"
    if whole_group:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    try:
        _, stderr = process.communicate(timeout=30)  # the workers hold the pipes until they end
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == status, stderr
    assert b"Traceback" not in stderr and b"interrupted" in stderr
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "Z"
    return stat[stat.rindex(")") + 2 :].split()[0]


def _segfault_on(marker: str):
    """`_lint_one` that kills its own process the way a crash in native code does, for one plugin."""
    from dify_lint import engine

    real = engine._lint_one

    def lint_one(plugin, rules, config):
        if marker in plugin.display:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(plugin, rules, config)

    return lint_one


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked (they see the patched function)")
def test_a_worker_that_dies_costs_only_its_own_plugin(tmp_path, monkeypatch):
    import multiprocessing

    from dify_lint import engine
    from dify_lint.discovery import find_plugin_roots
    from dify_lint.registry import all_rules

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers are not forked")
    for number in range(12):
        shutil.copytree(FLAWED, tmp_path / f"p{number:02d}")
    plugins = sorted(find_plugin_roots([str(tmp_path)]), key=lambda p: p.display)
    expected = engine.lint_plugins(plugins, all_rules(), jobs=1)
    monkeypatch.setattr(engine, "_lint_one", _segfault_on("p05"))
    result = engine.lint_plugins(plugins, all_rules(), jobs=2)
    crashed = [d for d in result.diagnostics if d.code == "DPL005"]
    assert [d.path for d in crashed] == [str(tmp_path / "p05" / "manifest.yaml")]
    assert "died" in crashed[0].message and result.internal_errors == 1
    others = [d for d in expected.diagnostics if "/p05/" not in d.path]
    assert [d for d in result.diagnostics if d.code != "DPL005"] == others


# -- configuration and arguments --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x" * 5000, "x/" * 3000 + "y", "tools/" + "x" * 300])
def test_a_path_longer_than_the_system_allows(name, tmp_path, run_cli):
    root = build(tmp_path, {})
    result = run_cli("check", name, cwd=root)
    assert result.exit_code == 2
    assert result.stderr.startswith("dify-lint: error: ") and "File name too long" in result.stderr
    assert len(result.stderr) < 400  # the path is shortened


NOT_OURS = {
    "deeply-nested-array": "[tool.other]\nx = " + "[" * 5000 + "]" * 5000 + "\n",
    "deeply-nested-table": "[tool.other]\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    "invalid": "[tool\n",
    "tool-not-a-table": "tool = 3\n",
    "not-utf8": '[tool.dify-lint]\nselect = ["\xff"]\n',
}


@pytest.mark.parametrize("name", sorted(NOT_OURS))
def test_a_pyproject_above_the_plugin_that_is_not_ours_is_passed_over(name, tmp_path, run_cli):
    root = build(tmp_path, {})
    data = NOT_OURS[name].encode("latin-1" if name == "not-utf8" else "utf-8")
    (tmp_path / "pyproject.toml").write_bytes(data)
    result = run_cli("check", str(root), "--output-format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("dify-lint.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("dify-lint.toml", "select = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n", "nested too deeply"),
        ("pyproject.toml", "tool = 3\n", "[tool] must be a table"),  # named by --config (found, it is not ours)
        ("pyproject.toml", "[tool]\ndify-lint = 3\n", "[tool.dify-lint] must be a table"),
        ("pyproject.toml", '[tool.dify-lint]\noutput-format = "xml"\n', "output-format must be one of"),
        ("dify-lint.toml", 'output-format = "xml"\n', "output-format must be one of"),
    ],
)
def test_a_broken_configuration_of_ours_is_refused_before_linting(name, content, message, tmp_path, run_cli, monkeypatch):
    from dify_lint import engine

    def never(*args, **kwargs):
        raise AssertionError("linted despite a broken configuration")

    monkeypatch.setattr(engine, "lint_plugins", never)
    root = build(tmp_path, {})
    config = tmp_path / name
    config.write_text(content, "utf-8")
    found = [] if content == "tool = 3\n" else [("check", str(root))]
    for args in (*found, ("check", str(root), "--config", str(config))):
        result = run_cli(*args)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith(f"dify-lint: error: {config}: ") and message in result.stderr


#: scalars PyYAML's resolver reads as something other than text, or fails to
ODD_SCALARS = [
    "2024-13-45",
    "2024-02-30T00:00:00Z",
    "2024-01-01T25:61:61Z",
    "0000-00-00",
    "2024-01-01 00:00:00 +99:99",
    "9999-12-31T23:59:59.9999999999-23:59",
    ".inf",
    "-.nan",
    "1e400",
    "9" * 40,
    "0o999",
    "0x_",
    "190:20:30",
    "yes",
    "off",
    "~",
    "!!timestamp 2024-13-45",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!timestamp soon",
    "!!binary '%%%'",
    "!!null x",
    "!!str",
    "!!set {a}",
    "!!omap [a]",
    "!!pairs [1]",
    "!!python/name:os.system x",
]


@pytest.mark.parametrize("key", ["created_at", "version", "author", "resource.memory", "meta.runner.version"])
@pytest.mark.parametrize("scalar", ODD_SCALARS)
def test_odd_manifest_scalars_are_findings_not_tracebacks(key, scalar, tmp_path):
    import yaml

    from dify_lint.engine import lint_plugin
    from dify_lint.registry import all_rules
    from helpers import load

    manifest = yaml.safe_load(base_file("manifest.yaml", "tool"))
    *parents, last = key.split(".")
    table = manifest
    for part in parents:
        table = table[part]
    table[last] = "@@"
    text = yaml.safe_dump(manifest, sort_keys=False).replace("'@@'", scalar)
    root = build(tmp_path, {"manifest.yaml": text})
    crashes = [d for d in lint_plugin(load(root), all_rules()) if d.code == "DPL005"]
    assert not crashes, crashes[0].message


BROKEN_BUFFER = "identity: {name: [unclosed\n"


@pytest.mark.parametrize(
    "given, shown",
    [
        ("p/tools/echo.yaml", "p/tools/echo.yaml"),
        ("link/tools/echo.yaml", "link/tools/echo.yaml"),
        ("p/tools/../tools/echo.yaml", "p/tools/echo.yaml"),
        ("p/tools/../../p/tools/echo.yaml", "p/tools/echo.yaml"),
    ],
)
def test_a_buffer_named_through_links_or_parent_steps_is_linted(given, shown, tmp_path, run_cli):
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "p")
    os.symlink("p", tmp_path / "link")
    result = run_cli(
        "check", "--isolated", "--output-format", "concise", "--stdin-filename", given, cwd=tmp_path, input=BROKEN_BUFFER
    )
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{shown}:2:1: DPL001 YAML syntax error"), result.stdout


@pytest.mark.parametrize("given", ["p/tools/../../elsewhere/x.yaml", "elsewhere/x.yaml", "/nonexistent/place/x.yaml"])
def test_a_buffer_in_no_plugin_is_a_usage_error_not_a_pass(given, tmp_path, run_cli):
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "p")
    (tmp_path / "elsewhere").mkdir()
    result = run_cli("check", "--isolated", "--stdin-filename", given, cwd=tmp_path, input=BROKEN_BUFFER)
    assert result.exit_code == 2
    assert "All checks passed" not in result.stderr
    assert "no plugin (manifest.yaml) in its folder or above; nothing linted" in result.stderr


def test_a_file_named_through_parent_steps_out_of_a_plugin_is_in_no_plugin(tmp_path, run_cli):
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "p")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.yaml").write_text(BROKEN_BUFFER, "utf-8")
    result = run_cli("check", "p/tools/../../elsewhere/x.yaml", cwd=tmp_path)
    assert "no findings in 0 plugins" in result.stderr and "no manifest.yaml above" in result.stderr


@pytest.mark.parametrize(
    "given, linted",
    [
        ("p/tools/../../elsewhere", "elsewhere/q"),
        ("p/tools/../../elsewhere/q", "elsewhere/q"),
        ("p/tools/..", "p"),
        ("link/..", "p"),  # link -> p/tools, so link/.. is p, as for `ls link/..`
    ],
)
def test_a_folder_named_through_parent_steps_lints_only_the_plugins_where_it_leads(given, linted, tmp_path, run_cli):
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "p")
    shutil.copytree(BASE_PLUGINS_DIR / "tool", tmp_path / "elsewhere" / "q")
    for root in ("p", "elsewhere/q"):  # a finding in each, to see which were linted
        (tmp_path / root / "tools" / "echo.yaml").write_text(BROKEN_BUFFER, "utf-8")
    os.symlink(os.path.join("p", "tools"), tmp_path / "link")
    result = run_cli("check", "--isolated", "--output-format", "json", given, cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    assert "in 1 plugin" in result.stderr, result.stderr
    reported = {os.path.realpath(tmp_path / f["filename"]) for f in json.loads(result.stdout)}
    assert reported == {os.path.realpath(tmp_path / linted / "tools" / "echo.yaml")}
