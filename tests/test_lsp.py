"""The language server, spoken to as an editor does: `python -m dify_lint server` in a subprocess,
JSON-RPC messages framed by Content-Length on its standard input and output. Every wait has a
timeout, so a server that hangs fails the test instead of the suite.

Also, without a server: LSP positions (0-based lines, UTF-16 columns) and the edits of the code
actions (suppression comments, fixes)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dify_lint.diagnostics import Diagnostic, Edit, Fix, Position, Severity, Span
from dify_lint.lsp.actions import fix_changes, suppress_change
from dify_lint.lsp.positions import DocumentPositions
from dify_lint.registry import find_rule
from helpers import REPO

TIMEOUT = 120  # seconds: a first lint loads every rule and schema, on a loaded machine too
BASE_TOOL = REPO / "lint" / "baseplugins" / "tool"


# -- positions -------------------------------------------------------------------------------


def test_columns_count_utf16_code_units():
    text = 'a = "🌤" + b\nnext\n'
    positions = DocumentPositions(text, "x.py")
    # `b` is the 11th character of line 1; the emoji before it takes two UTF-16 units
    assert positions.lsp_of(Position(1, 11)) == (0, 11)
    assert positions.lsp_of(Position(2, 1)) == (1, 0)
    assert positions.from_lsp(0, 11) == text.index("b")
    assert DocumentPositions(text, "x.py", "utf-32").lsp_of(Position(1, 11)) == (0, 10)
    assert DocumentPositions(text, "x.py", "utf-8").lsp_of(Position(1, 11)) == (0, 13)


def test_yaml_lines_broken_where_the_protocol_does_not_break_them():
    # libyaml breaks lines at U+2028 too, the protocol does not: line 2 for the linter is still
    # line 0 for the editor
    text = "a: x\u2028y\nb: 🌤z\n"
    positions = DocumentPositions(text, "x.yaml")
    assert positions.lsp_of(Position(2, 1)) == (0, 5)
    assert positions.lsp_of(Position(3, 5)) == (1, 5)  # `z`, after a two-unit emoji


# -- code action edits -----------------------------------------------------------------------


def _finding(path: str, line: int, column: int, code: str = "DPL701", fix: Fix | None = None) -> Diagnostic:
    return Diagnostic(code, "undeclared-parameter", Severity.ERROR, "m", path, Span.point(line, column), fix=fix)


def _apply(text: str, start: int, end: int, replacement: str) -> str:
    return text[:start] + replacement + text[end:]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("t.py", "x = p['a']\n", "x = p['a']  # dify-lint: ignore[DPL701]\n"),
        ("t.py", "x = p['a']   \n", "x = p['a']  # dify-lint: ignore[DPL701]\n"),
        ("t.py", "x = p['a']  # dify-lint: ignore[DPL702]\n", "x = p['a']  # dify-lint: ignore[DPL702, DPL701]\n"),
        ("t.py", "x = p['a']  # noqa: E501\n", "x = p['a']  # noqa: E501, DPL701\n"),
        ("t.py", "x = p['a']  # why\n", "x = p['a']  # why  # dify-lint: ignore[DPL701]\n"),
        ("t.yaml", "form: lm\r\nb: 1\r\n", "form: lm  # dify-lint: ignore[DPL701]\r\nb: 1\r\n"),
        ("t.yaml", "form: lm # dify-lint: ignore[DPL2]\n", "form: lm # dify-lint: ignore[DPL2, DPL701]\n"),
    ],
)
def test_suppressing_a_finding_on_its_line(path, text, expected):
    positions = DocumentPositions(text, path)
    change = suppress_change(_finding(path, 1, 5), positions)
    assert change is not None and change.path == path
    assert _apply(text, change.start, change.end, change.replacement) == expected


@pytest.mark.parametrize(
    ("path", "text", "line"),
    [
        ("t.py", 'x = """a\nb"""\n', 1),  # the line ends inside a string
        ("t.py", "x = 1 + \\\n  2\n", 1),  # a comment after a backslash breaks the continuation
        ("t.yaml", "a: |\n  text\n  more\n", 2),  # inside a block scalar a comment is text
    ],
)
def test_no_suppression_where_a_comment_would_change_the_file(path, text, line):
    assert suppress_change(_finding(path, line, 1), DocumentPositions(text, path)) is None


def test_a_suppression_comment_added_silences_the_finding(tmp_path):
    """The comment the action writes is one the engine reads."""
    root = tmp_path / "p"
    shutil.copytree(BASE_TOOL, root)
    (root / "tools" / "echo.py").write_text(
        (root / "tools" / "echo.py").read_text("utf-8").replace('tool_parameters["text"]', 'tool_parameters["txt"]'), "utf-8"
    )
    from dify_lint.lsp.workspace import Workspace

    workspace = Workspace()
    found = workspace.lint(str(root), {})
    (finding,) = [d for d in found.by_path[str(root / "tools" / "echo.py")] if d.code == "DPL701"]
    positions = found.positions[finding.path]
    change = suppress_change(finding, positions)
    edited = _apply(positions.text, change.start, change.end, change.replacement)
    again = workspace.lint(str(root), {"tools/echo.py": edited})
    assert not again.by_path.get(str(root / "tools" / "echo.py"))


def test_an_edit_reparses_only_the_file_it_changes(tmp_path, monkeypatch):
    from dify_lint.lsp.workspace import Workspace
    from dify_lint.model.yamldoc import YamlDoc
    from dify_lint.python.module import PyModule

    root = tmp_path / "p"
    shutil.copytree(BASE_TOOL, root)
    parsed: list[str] = []
    real_module, real_parse = PyModule.__init__, YamlDoc.parse.__func__

    def module(self, path, text, digest=None):
        parsed.append(path)
        real_module(self, path, text, digest)

    monkeypatch.setattr(PyModule, "__init__", module)
    monkeypatch.setattr(
        YamlDoc,
        "parse",
        classmethod(lambda cls, path, text, digest="": parsed.append(path) or real_parse(cls, path, text, digest)),
    )
    workspace = Workspace()
    workspace.lint(str(root), {})
    assert {"manifest.yaml", "tools/echo.yaml", "tools/echo.py", "main.py"} <= set(parsed)
    parsed.clear()
    source = (root / "tools" / "echo.py").read_text("utf-8")
    edited = workspace.lint(str(root), {"tools/echo.py": source.replace('["text"]', '["txt"]')})
    assert parsed == ["tools/echo.py"]
    assert "DPL701" in [d.code for d in edited.by_path[str(root / "tools" / "echo.py")]]
    parsed.clear()
    workspace.lint(str(root), {"tools/echo.yaml": (root / "tools" / "echo.yaml").read_text("utf-8") + "# more\n"})
    assert parsed == ["tools/echo.yaml", "tools/echo.py"]  # the Python file is back to its content on disk


def test_a_fix_becomes_text_changes():
    fix = Fix("rename", (Edit("/p/a.yaml", 3, 5, "ja_JP"), Edit("/p/a.yaml", 9, 9, "x")))
    changes = fix_changes(_finding("/p/a.yaml", 1, 1, fix=fix))
    assert [(c.path, c.start, c.end, c.replacement) for c in changes] == [("/p/a.yaml", 3, 5, "ja_JP"), ("/p/a.yaml", 9, 9, "x")]
    assert fix_changes(_finding("/p/a.yaml", 1, 1)) == []


def test_a_fix_becomes_a_workspace_edit_in_utf16_positions():
    pytest.importorskip("pygls")
    from dify_lint.lsp.server import DifyLintServer

    server = DifyLintServer()
    text = "a: 🌤\nja_Jp: x\n"
    server.positions["/p/a.yaml"] = DocumentPositions(text, "a.yaml")
    start = text.index("ja_Jp")
    finding = _finding("/p/a.yaml", 2, 1, fix=Fix("rename", (Edit("/p/a.yaml", start, start + 5, "ja_JP"),)))
    edit = server._workspace_edit(fix_changes(finding))
    ((uri, (text_edit,)),) = edit.changes.items()
    assert uri == "file:///p/a.yaml"
    assert (text_edit.range.start.line, text_edit.range.start.character) == (1, 0)
    assert (text_edit.range.end.line, text_edit.range.end.character) == (1, 5)
    assert text_edit.new_text == "ja_JP"
    # on the emoji's line, after it: two units
    late = server._workspace_edit(fix_changes(_finding("/p/a.yaml", 1, 1, fix=Fix("x", (Edit("/p/a.yaml", 4, 4, "!"),)))))
    assert late.changes["file:///p/a.yaml"][0].range.start.character == 5


# -- the server over stdio -------------------------------------------------------------------


class Client:
    """A minimal LSP client: requests wait for their response; notifications are queued."""

    def __init__(self, cwd: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dify_lint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.incoming: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.requests: list[dict] = []  # from the server
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.incoming.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.incoming.put(json.loads(stream.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def _next(self, deadline: float) -> dict:
        try:
            message = self.incoming.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("the server did not answer in time") from None
        if message is None:
            raise AssertionError(f"the server exited: {self.process.stderr.read().decode(errors='replace')[-2000:]}")
        if "method" in message and "id" in message:  # a request to the client: accept it
            self.requests.append(message)
            self.send({"id": message["id"], "result": None})
        return message

    def request(self, method: str, params: dict | None) -> object:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._next(deadline)
            if message.get("id") == wanted and "method" not in message:
                assert "error" not in message, message["error"]
                return message.get("result")
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def diagnostics(self, path: Path, until=lambda found: True, timeout: float = TIMEOUT) -> list[dict]:
        """The next diagnostics published for `path` that satisfy `until`."""
        uri = path.as_uri()
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.notifications):
                if message["method"] == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                    del self.notifications[index]
                    if until(message["params"]["diagnostics"]):
                        return message["params"]["diagnostics"]
                    break
            else:
                message = self._next(deadline)
                if "method" in message and "id" not in message:
                    self.notifications.append(message)

    def published_uris(self) -> set[str]:
        return {m["params"]["uri"] for m in self.notifications if m["method"] == "textDocument/publishDiagnostics"}

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture
def client(tmp_path):
    pytest.importorskip("pygls")
    started = Client(tmp_path)
    capabilities = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}
    result = started.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": capabilities})
    assert result["capabilities"]["codeActionProvider"]
    started.notify("initialized", {})
    yield started
    started.close()


def _open(client: Client, path: Path, text: str | None = None) -> None:
    text = path.read_text("utf-8") if text is None else text
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}}
    )


def _change(client: Client, path: Path, version: int, text: str) -> None:
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
    )


def _replace_in_line(client: Client, path: Path, version: int, line: int, start: int, end: int, text: str) -> None:
    """An incremental change, as most editors send them."""
    change = {"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}, "text": text}
    client.notify(
        "textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [change]}
    )


def _codes(found: list[dict]) -> list[str]:
    return sorted(d["code"] for d in found)


def _apply_lsp(text: str, edits: list[dict]) -> str:
    positions = DocumentPositions(text)
    spans = [
        (
            positions.from_lsp(e["range"]["start"]["line"], e["range"]["start"]["character"]),
            positions.from_lsp(e["range"]["end"]["line"], e["range"]["end"]["character"]),
            e["newText"],
        )
        for e in edits
    ]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.fixture
def plugin(tmp_path) -> Path:
    """The example tool plugin (clean), with a character outside the BMP before the parameter read."""
    root = tmp_path / "echo"
    shutil.copytree(BASE_TOOL, root)
    source = root / "tools" / "echo.py"
    source.write_text(source.read_text("utf-8").replace('(tool_parameters["text"])', '("🌤" + tool_parameters["text"])'), "utf-8")
    return root


def test_findings_follow_the_unsaved_buffers_across_files(client, plugin):
    yaml_path, py_path = plugin / "tools" / "echo.yaml", plugin / "tools" / "echo.py"
    yaml_text = yaml_path.read_text("utf-8")

    # an error in the opened buffer (not on disk)
    _open(client, yaml_path, yaml_text.replace("form: llm", "form: lm"))
    (found,) = client.diagnostics(yaml_path, lambda found: bool(found))
    rule = find_rule("DPL201")
    assert found["code"] == "DPL201" and found["source"] == "dify-lint"
    assert found["severity"] == 1  # Error
    assert found["codeDescription"]["href"] == rule.url and rule.url
    assert found["range"] == {"start": {"line": 13, "character": 10}, "end": {"line": 13, "character": 12}}
    assert "`lm`" in found["message"]

    # an edit that breaks the Python side: published for the .py, pointing back at the YAML
    _replace_in_line(client, yaml_path, 2, 13, 10, 12, "llm")
    _replace_in_line(client, yaml_path, 3, 10, 10, 14, "txt")  # `  - name: text` -> `txt`
    in_python = client.diagnostics(py_path, lambda found: "DPL701" in _codes(found))
    (undeclared,) = in_python
    line = py_path.read_text("utf-8").splitlines()[9]
    start = line.index('tool_parameters["text"]')
    assert undeclared["range"]["start"] == {"line": 9, "character": start + 1}  # the emoji counts two UTF-16 units
    assert undeclared["range"]["end"] == {"line": 9, "character": start + 1 + len('tool_parameters["text"]')}
    assert undeclared["severity"] == 1
    (related,) = undeclared["relatedInformation"]
    assert related["location"]["uri"] == yaml_path.as_uri()
    assert related["location"]["range"]["start"]["line"] == 9  # `parameters:`
    assert "DPL201" not in _codes(client.diagnostics(yaml_path))

    # the code actions at the finding: silence it on its line, an edit for the client to apply
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": py_path.as_uri()}, "range": undeclared["range"], "context": {"diagnostics": [undeclared]}},
    )
    (suppress,) = [a for a in actions if a["title"].startswith("Suppress DPL701")]
    assert suppress["kind"] == "quickfix"
    edits = suppress["edit"]["changes"][py_path.as_uri()]
    suppressed = _apply_lsp(py_path.read_text("utf-8"), edits)
    assert suppressed.splitlines()[9] == line + "  # dify-lint: ignore[DPL701]"
    assert py_path.read_text("utf-8").splitlines()[9] == line  # nothing written by the server

    # applied in the editor, the suppression silences the finding; closing the buffer brings it back
    _open(client, py_path, suppressed)
    assert client.diagnostics(py_path, lambda found: "DPL701" not in _codes(found)) == []
    client.notify("textDocument/didClose", {"textDocument": {"uri": py_path.as_uri()}})
    assert "DPL701" in _codes(client.diagnostics(py_path, lambda found: bool(found)))

    # the buffer fixed: every file's findings cleared
    _change(client, yaml_path, 4, yaml_text)
    assert client.diagnostics(py_path, lambda found: not found) == []
    assert client.diagnostics(yaml_path, lambda found: not found) == []

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=TIMEOUT) == 0


def test_a_rules_fix_is_offered_and_applies(client, plugin):
    yaml_path = plugin / "tools" / "echo.yaml"
    clean = yaml_path.read_text("utf-8")
    # a near-miss key after a character outside the BMP on its line: UTF-16 columns in the edit too
    text = clean.replace("  label:\n    en_US: Echo\n", '  label: {en_US: "🌤 Echo", ja_Jp: エコー}\n', 1)
    assert text != clean
    _open(client, yaml_path, text)
    (found,) = client.diagnostics(yaml_path, lambda found: bool(found))
    assert found["code"] == "DPL202" and found["severity"] == 2  # Warning
    column = text.splitlines()[3].index("ja_Jp") + 1  # the emoji takes two UTF-16 units
    assert found["range"] == {"start": {"line": 3, "character": column}, "end": {"line": 3, "character": column + 5}}

    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": yaml_path.as_uri()}, "range": found["range"], "context": {"diagnostics": [found]}},
    )
    (fix,) = [a for a in actions if "ja_JP" in a["title"]]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "DPL202"
    fixed = _apply_lsp(text, fix["edit"]["changes"][yaml_path.as_uri()])
    assert fixed == text.replace("ja_Jp", "ja_JP")
    (suppress,) = [a for a in actions if a["title"].startswith("Suppress DPL202")]
    suppressed = _apply_lsp(text, suppress["edit"]["changes"][yaml_path.as_uri()])
    assert suppressed.splitlines()[3] == text.splitlines()[3] + "  # dify-lint: ignore[DPL202]"
    assert yaml_path.read_text("utf-8") == clean  # the server wrote nothing

    _change(client, yaml_path, 2, fixed)
    assert client.diagnostics(yaml_path, lambda found: not found) == []


def test_edits_are_linted_once_typing_pauses(client, plugin):
    """A burst of edits gives the findings of the last one."""
    yaml_path = plugin / "tools" / "echo.yaml"
    text = yaml_path.read_text("utf-8")
    _open(client, yaml_path, text)
    for version, form in enumerate(("l", "lm", "llmm", "lxm"), start=2):
        _change(client, yaml_path, version, text.replace("form: llm", f"form: {form}"))
    found = client.diagnostics(yaml_path, lambda found: any("`lxm`" in d["message"] for d in found))
    assert _codes(found) == ["DPL201"]


def test_no_crash_on_what_is_not_a_plugin_or_is_broken(client, tmp_path, plugin):
    outside = tmp_path / "loose" / "script.py"
    outside.parent.mkdir()
    outside.write_text("x = (\n", "utf-8")
    _open(client, outside)

    # broken YAML and broken Python in a plugin: findings, not a crash
    manifest = plugin / "manifest.yaml"
    _open(client, manifest, manifest.read_text("utf-8") + "\n  bad: [\n")
    assert "DPL001" in _codes(client.diagnostics(manifest, lambda found: bool(found)))
    client.notify("textDocument/didClose", {"textDocument": {"uri": manifest.as_uri()}})
    source = plugin / "tools" / "echo.py"
    _open(client, source, "def broken(:\n")
    assert "DPL002" in _codes(client.diagnostics(source, lambda found: "DPL002" in _codes(found)))

    # a second plugin in the same workspace is linted on its own
    other = tmp_path / "other"
    shutil.copytree(BASE_TOOL, other)
    other_yaml = other / "tools" / "echo.yaml"
    _open(client, other_yaml, other_yaml.read_text("utf-8").replace("form: llm", "form: lm"))
    assert _codes(client.diagnostics(other_yaml, lambda found: bool(found))) == ["DPL201"]

    # a plugin deleted from disk (its buffer still open): its findings are cleared; the server
    # asked to hear of such changes
    assert any(
        r["method"] == "client/registerCapability"
        and r["params"]["registrations"][0]["method"] == "workspace/didChangeWatchedFiles"
        for r in client.requests
    )
    shutil.rmtree(other)
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": (other / "manifest.yaml").as_uri(), "type": 3}]})
    assert client.diagnostics(other_yaml, lambda found: not found) == []

    # the file outside every plugin never got any, and the server still answers
    assert (
        client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": outside.as_uri()}, "range": _range0(), "context": {"diagnostics": []}},
        )
        == []
    )
    assert outside.as_uri() not in client.published_uris()
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=TIMEOUT) == 0


def test_positions_in_the_encoding_the_client_prefers(tmp_path, plugin):
    pytest.importorskip("pygls")
    source = plugin / "tools" / "echo.py"
    source.write_text(source.read_text("utf-8").replace('["text"]', '["txt"]'), "utf-8")
    client = Client(tmp_path)
    try:
        capabilities = {"general": {"positionEncodings": ["utf-8", "utf-16"]}}
        result = client.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": capabilities})
        assert result["capabilities"]["positionEncoding"] == "utf-8"
        client.notify("initialized", {})
        _open(client, source)
        (found,) = client.diagnostics(source, lambda found: bool(found))
        line = source.read_text("utf-8").splitlines()[9]
        before = line[: line.index('tool_parameters["txt"]')]
        assert found["range"]["start"] == {"line": 9, "character": len(before.encode("utf-8"))}  # the emoji is 4 bytes
    finally:
        client.close()


def _range0() -> dict:
    return {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}


def test_the_server_command_says_what_to_install_without_pygls(monkeypatch):
    from click.testing import CliRunner

    from dify_lint.cli import main

    for name in [n for n in sys.modules if n == "dify_lint.lsp.server"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)  # import pygls now fails
    monkeypatch.setitem(sys.modules, "pygls.lsp", None)
    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert "dify-lint[lsp]" in result.output
