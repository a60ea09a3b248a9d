"""DPL509 session-call-after-response."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import BACKGROUND_WORK
from dify_lint.diagnostics import Related
from dify_lint.examples import base_file
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule

_MANIFEST_STORAGE = "  permission:\n    endpoint:\n      enabled: true\n    storage:\n      enabled: true\n      size: 1048576\n"

_HEAD = """\
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from dify_plugin import Endpoint
from werkzeug import Request, Response

"""


def _endpoint(body: str, class_body: str = "") -> dict[str, str]:
    """The example endpoint (with storage permission) whose `_invoke` runs `body`; `_remember`
    stores a text through the session."""
    manifest = base_file("manifest.yaml", "endpoint").replace(
        "  permission:\n    endpoint:\n      enabled: true\n", _MANIFEST_STORAGE
    )
    code = (
        _HEAD
        + "class HelloEndpoint(Endpoint):\n"
        + class_body
        + "    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:\n"
        + body
        + "\n    def _remember(self, text: str) -> None:\n"
        + '        self.session.storage.set("last", text.encode())\n'
    )
    return {"endpoints/hello.py": code, "manifest.yaml": manifest}


class SessionCallAfterResponse(Rule):
    code = "DPL509"
    name = "session-call-after-response"
    summary = "An endpoint starts work in another thread that calls back into Dify after the response is sent"
    explanation = """
    The daemon keeps an endpoint's session open only while the request is being served: when
    `_invoke` has returned its response (and a streamed body has been read), the SDK ends the
    session and the daemon closes it and drops whatever the plugin sends for it afterwards. A
    `session.*` call made from a thread or executor that `_invoke` started and did not wait for
    therefore fails, usually unseen, in the background: a local or remote-debugging runtime never
    gets an answer and gives up after `MAX_INVOCATION_TIMEOUT` (250 seconds by default); a
    serverless one is refused at once (`failed to get session info from cache`). Do the work before returning, wait for it (`thread.join()`, `future.result()`, a
    `with ThreadPoolExecutor()` block), or return a streaming `Response` whose generator does it
    while the request is still open. Only work started from the endpoint's `_invoke` (and the
    plugin's own functions it calls) whose target reaches a session call is reported.
    """
    invalid = (
        Example(
            _endpoint(
                "        threading.Thread(target=self._remember, args=(r.get_data(as_text=True),)).start()\n"
                '        return Response("accepted", status=202)\n'
            ),
            base="endpoint",
            expect=(
                (
                    "endpoints/hello.py:10:9-10:82",
                    "this thread calls `session.storage.set` after `_invoke` may have returned (it is not joined): the daemon closes the endpoint's session with the response, then drops or refuses that call, so it fails; do the work before returning, `join()` the thread first, or return a streaming Response whose generator does it",
                ),
            ),
        ),
        Example(
            _endpoint(
                "        self.pool.submit(self._remember, r.get_data(as_text=True))\n"
                '        return Response("accepted", status=202)\n',
                class_body="    pool = ThreadPoolExecutor(max_workers=2)\n\n",
            ),
            base="endpoint",
            expect=(
                (
                    "endpoints/hello.py:12:9-12:67",
                    "this work submitted to an executor calls `session.storage.set` after `_invoke` may have returned (its future is dropped): the daemon closes the endpoint's session with the response, then drops or refuses that call, so it fails; do the work before returning, wait for `future.result()` (or submit inside a `with ThreadPoolExecutor()` block), or return a streaming Response whose generator does it",
                ),
            ),
        ),
    )
    valid = (
        # joined before the response
        Example(
            _endpoint(
                "        worker = threading.Thread(target=self._remember, args=(r.get_data(as_text=True),))\n"
                "        worker.start()\n"
                "        worker.join()\n"
                '        return Response("stored", status=200)\n'
            ),
            base="endpoint",
        ),
        # the `with` block's exit waits for what was submitted in it
        Example(
            _endpoint(
                "        with ThreadPoolExecutor(max_workers=2) as pool:\n"
                "            pool.submit(self._remember, r.get_data(as_text=True))\n"
                '        return Response("stored", status=200)\n'
            ),
            base="endpoint",
        ),
        # a streamed body: the request stays open while the generator runs
        Example(
            _endpoint(
                "        worker = threading.Thread(target=self._remember, args=(r.get_data(as_text=True),))\n"
                "        worker.start()\n"
                "\n"
                "        def body():\n"
                "            worker.join()\n"
                '            yield "stored"\n'
                "\n"
                "        return Response(body(), status=200)\n"
            ),
            base="endpoint",
        ),
        # background work that never calls back into Dify
        Example(
            _endpoint(
                '        threading.Thread(target=print, args=("received",)).start()\n'
                '        return Response("accepted", status=202)\n'
            ),
            base="endpoint",
        ),
    )

    requires = (BACKGROUND_WORK,)

    def check(self, ctx) -> Iterable[Finding]:
        for start in ctx.get(BACKGROUND_WORK):
            call = start.session_call
            if start.how in ("thread", "timer"):
                what = "this thread" if start.how == "thread" else "this timer"
                why = "it is not joined"
                wait = "`join()` the thread first"
            else:
                what = "this work submitted to an executor"
                why = "its future is dropped" if start.how == "submit" else "its results are never read"
                wait = "wait for `future.result()` (or submit inside a `with ThreadPoolExecutor()` block)"
            related = [Related(call.module.path, node_span(call.module, call.node.func), f"`{call.dotted}` is called here")]
            if start.via:
                target = start.via[0]
                if target.node is not None and target.module.path != start.module.path:
                    related.append(Related(target.module.path, node_span(target.module, target.node), "the work it runs"))
            yield Finding(
                start.module.path,
                node_span(start.module, start.node),
                f"{what} calls `{call.dotted}` after `_invoke` may have returned ({why}): the daemon closes the"
                f" endpoint's session with the response, then drops or refuses that call, so it fails; do the work before"
                f" returning, {wait}, or return a streaming Response whose generator does it",
                related=tuple(related),
            )
