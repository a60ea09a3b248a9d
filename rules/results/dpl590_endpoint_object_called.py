"""DPL590 endpoint-object-called."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.examples import llm_tool_example
from dify_lint.python.astutil import node_span
from dify_lint.rule import Finding, Rule
from dify_lint.sdk import ENDPOINTS


def _methods_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) == len(path) + 1})


def _objects_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) > len(path) + 1})


class EndpointObjectCalled(Rule):
    code = "DPL590"
    name = "endpoint-object-called"
    summary = "A session endpoint object is called instead of its `invoke` method"
    explanation = """
    `self.session.model.llm`, `self.session.model.summary` and the other session attributes are
    objects; the call is their method: `self.session.model.summary.invoke(text=..., instruction=...)`.
    Calling the object itself raises `TypeError: '...' object is not callable` on every call, and a
    broad `except` around it often hides that the model was never asked. `getattr(self.session.model,
    "llm")` (an access, not a call) is fine.
    """
    invalid = (
        llm_tool_example(
            '        summary = self.session.model.summary(text=tool_parameters["text"])\n'
            "        yield self.create_text_message(summary)",
            selector=False,
            expect=(
                (
                    "tools/echo.py:10:19-10:75",
                    "`session.model.summary` is an object, not a function: calling it raises TypeError ('object is not callable') on every call; call `session.model.summary.invoke(...)`",
                ),
            ),
        ),
    )
    valid = (
        llm_tool_example(
            '        summary = self.session.model.summary.invoke(text=tool_parameters["text"], instruction="shorten")\n'
            "        yield self.create_text_message(summary)",
            selector=False,
        ),
        llm_tool_example(
            '        llm = getattr(self.session.model, "llm")\n        yield self.create_text_message(type(llm).__name__)',
            selector=False,
        ),
    )

    requires = (PYTHON_MODULES, SESSION_CALLS)

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                if call.endpoint is not None:
                    continue
                path = call.path
                methods = _methods_below(path)
                where = ".".join(("session", *path))
                if "invoke" in methods:
                    fix = f"call `{where}.invoke(...)`"
                elif methods:
                    fix = "call one of its methods: " + ", ".join(f"`{where}.{m}(...)`" for m in methods)
                else:
                    fix = "call an endpoint below it: " + ", ".join(
                        f"`{where}.{o}.invoke(...)`" for o in _objects_below(path)[:4]
                    )
                yield Finding(
                    module.path,
                    node_span(module, call.node),
                    f"`{where}` is an object, not a function: calling it raises TypeError ('object is not callable')"
                    f" on every call; {fix}",
                )
