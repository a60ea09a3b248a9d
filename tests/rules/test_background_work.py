"""DPL509: work an endpoint starts in another thread, does not wait for, and that calls back into
Dify after the response; and the ways of waiting (or streaming) that must stay silent."""

from __future__ import annotations

import textwrap

import pytest

import helpers
from dify_lint.examples import base_file

MANIFEST = base_file("manifest.yaml", "endpoint").replace(
    "  permission:\n    endpoint:\n      enabled: true\n",
    "  permission:\n    endpoint:\n      enabled: true\n    storage:\n      enabled: true\n      size: 1048576\n"
    "    app:\n      enabled: true\n",
)

HEAD = """\
import functools
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from threading import Thread, Timer

from dify_plugin import Endpoint
from werkzeug import Request, Response

EXECUTOR = ThreadPoolExecutor(max_workers=2)


class HelloEndpoint(Endpoint):
    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
{body}

    def _remember(self, text: str) -> None:
        self.session.storage.set("last", text.encode())

    def _relay(self, text: str) -> None:
        self._remember(text.strip())

    def _log(self, text: str) -> None:
        print(text)
{extra}
"""


def endpoint(body: str, extra: str = "") -> str:
    indented = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return HEAD.format(body=indented, extra=textwrap.indent(textwrap.dedent(extra), " " * 4) if extra else "")


def lint(tmp_path, code: str, more: dict | None = None):
    files = {"manifest.yaml": MANIFEST, "endpoints/hello.py": code, **(more or {})}
    return helpers.lint(tmp_path, files, ["DPL509"], base="endpoint")


REPLY = '\nreturn Response("accepted", status=202)'


@pytest.mark.parametrize(
    ("body", "extra", "start"),
    [
        ('Thread(target=self._remember, args=("x",)).start()' + REPLY, "", "Thread("),
        (
            'worker = threading.Thread(target=self._remember, args=("x",))\nworker.daemon = True\nworker.start()' + REPLY,
            "",
            "threading.Thread(",
        ),
        ('Timer(5.0, self._remember, args=("x",)).start()' + REPLY, "", "Timer("),
        ('EXECUTOR.submit(self._remember, "x")' + REPLY, "", "EXECUTOR.submit("),
        ('pool = ThreadPoolExecutor()\npool.submit(self._remember, "x")' + REPLY, "", "pool.submit("),
        ('pool = ThreadPoolExecutor()\npool.map(self._remember, ["x", "y"])' + REPLY, "", "pool.map("),
        # the target reaches the session call through another method
        ('Thread(target=self._relay, args=("x",)).start()' + REPLY, "", "Thread("),
        # started in a helper `_invoke` calls
        ("self._start()" + REPLY, 'def _start(self):\n    Thread(target=self._remember, args=("x",)).start()\n', "Thread("),
        # a function defined in `_invoke`
        ('def work():\n    self.session.storage.set("k", b"v")\n\nThread(target=work).start()' + REPLY, "", "Thread("),
        # a lambda, a partial
        ('Thread(target=lambda: self.session.storage.set("k", b"v")).start()' + REPLY, "", "Thread("),
        ('Thread(target=functools.partial(self._remember, "x")).start()' + REPLY, "", "Thread("),
        # an executor kept on the instance
        ('self.pool.submit(self._remember, "x")' + REPLY, "pool = ThreadPoolExecutor()\n", "self.pool.submit("),
        # a plain body bound to a name first
        (
            'Thread(target=self._remember, args=("x",)).start()\nbody = "accepted"\nreturn Response(body, status=202)',
            "",
            "Thread(",
        ),
    ],
)
def test_reported(tmp_path, body, extra, start):
    found = lint(tmp_path, endpoint(body, extra))
    assert helpers.codes(found) == ["DPL509"], body
    assert found[0].severity.value == "error"
    assert found[0].line_text[found[0].span.start.column - 1 :].startswith(start)
    assert "session.storage.set" in found[0].message


def test_target_in_another_module_receives_the_session(tmp_path):
    jobs = """\
def forward(session, app_id, query):
    session.app.chat.invoke(app_id=app_id, query=query, inputs={}, response_mode="blocking")
"""
    code = endpoint('Thread(target=forward, args=(self.session, settings["app_id"], "hi")).start()' + REPLY).replace(
        "from dify_plugin import Endpoint\n", "from dify_plugin import Endpoint\n\nfrom .jobs import forward\n"
    )
    found = lint(tmp_path, code, {"endpoints/jobs.py": jobs, "endpoints/__init__.py": ""})
    assert helpers.codes(found) == ["DPL509"]
    assert "session.app.chat.invoke" in found[0].message
    assert [r.message for r in found[0].related] == ["`session.app.chat.invoke` is called here", "the work it runs"]


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        ('worker = Thread(target=self._remember, args=("x",))\nworker.start()\nworker.join()' + REPLY, ""),
        ('with ThreadPoolExecutor() as pool:\n    pool.submit(self._remember, "x")' + REPLY, ""),
        ('future = EXECUTOR.submit(self._remember, "x")\nfuture.result()' + REPLY, ""),
        ('pool = ThreadPoolExecutor()\npool.submit(self._remember, "x")\npool.shutdown()' + REPLY, ""),
        ('futures = [EXECUTOR.submit(self._remember, t) for t in ("x", "y")]\nwait(futures)' + REPLY, ""),
        ('results = list(EXECUTOR.map(self._remember, ["x"]))' + REPLY, ""),
        # threads kept in a list and joined in a loop
        (
            'workers = []\nfor t in ("x", "y"):\n    w = Thread(target=self._remember, args=(t,))\n    w.start()\n    workers.append(w)\n'
            "for w in workers:\n    w.join()" + REPLY,
            "",
        ),
        # a handle kept on the instance may be joined later: not known
        ('self.worker = Thread(target=self._remember, args=("x",))\nself.worker.start()' + REPLY, ""),
        # the work never calls back into Dify
        ('Thread(target=self._log, args=("x",)).start()' + REPLY, ""),
        # a streamed body keeps the request open while it is read
        (
            'Thread(target=self._remember, args=("x",)).start()\nreturn Response(self._stream(), status=200)',
            'def _stream(self):\n    yield "accepted"\n',
        ),
        ('Thread(target=self._remember, args=("x",)).start()\nreturn Response((c for c in "ok"), status=200)', ""),
        # a target that cannot be resolved
        ('Thread(target=settings["callback"]).start()' + REPLY, ""),
    ],
)
def test_silent(tmp_path, body, extra):
    assert not lint(tmp_path, endpoint(body, extra)), body


def test_a_class_of_the_plugin_named_thread_is_not_threading(tmp_path):
    code = (
        endpoint('Thread(target=self._remember, args=("x",)).start()' + REPLY)
        .replace("from threading import Thread, Timer\n", "from threading import Timer\n")
        .replace(
            "EXECUTOR = ThreadPoolExecutor(max_workers=2)\n",
            "EXECUTOR = ThreadPoolExecutor(max_workers=2)\n\n\nclass Thread:\n    def __init__(self, target, args=()):\n"
            "        self.run = lambda: target(*args)\n\n    def start(self):\n        self.run()\n",
        )
    )
    assert not lint(tmp_path, code)


def test_a_tool_is_not_an_endpoint(tmp_path):
    tool = helpers.tool_source(
        'Thread(target=self._remember, args=("x",)).start()\nyield self.create_text_message("ok")',
        '\n    def _remember(self, text):\n        self.session.storage.set("last", text.encode())\n',
        helpers.TOOL_HEAD.replace("from typing import Any\n", "from threading import Thread\nfrom typing import Any\n"),
    )
    assert not helpers.lint(tmp_path, {"tools/echo.py": tool}, ["DPL509"])


@pytest.mark.parametrize(
    "body",
    [
        "Thread(target=).start()",
        "Thread().start()",
        "Thread(None, None).start()",
        "EXECUTOR.submit()",
        "x = Thread\nx(target=self._remember).start()",
        "Thread(target=self._remember)",
        "t = Thread(target=self._remember)\nt = None",
        "(yield)",
    ],
)
def test_odd_shapes_do_not_crash(tmp_path, body):
    lint(tmp_path, endpoint(body + REPLY))
