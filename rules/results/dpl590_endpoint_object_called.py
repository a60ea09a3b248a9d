"""DPL590 endpoint-object-called."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.examples import llm_tool_example
from dify_lint.python.astutil import call_arguments, node_span
from dify_lint.rule import Finding, Rule
from dify_lint.sdk import BY_PATH, ENDPOINTS, Endpoint


def _methods_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) == len(path) + 1})


def _objects_below(path: tuple[str, ...]) -> list[str]:
    return sorted({e.path[len(path)] for e in ENDPOINTS if e.path[: len(path)] == path and len(e.path) > len(path) + 1})


def _invoke_fix(node, endpoint: Endpoint, where: str) -> str:
    """The `invoke` call to write instead, fitted to the arguments the call passes."""
    names = [p.name for p in endpoint.params]
    arguments = call_arguments(node)
    if any(arg.star for arg in arguments):
        return f"call `{where}.invoke(...)`"
    positional = sum(1 for arg in arguments if arg.keyword is None)
    given = set(names[:positional]) | {arg.keyword for arg in arguments if arg.keyword is not None}
    unknown = [arg.keyword for arg in arguments if arg.keyword is not None and arg.keyword not in names]
    missing = [p.name for p in endpoint.params if p.required and p.name not in given]
    if not unknown and not missing and positional <= len(names):
        return f"call `{where}.invoke(...)` with the same arguments"
    signature = ", ".join(f"{p.name}=..." for p in endpoint.params if p.required)
    problems = []
    if unknown:
        problems.append(
            " and ".join(f"`{k}=`" for k in unknown) + (" is not one of them" if len(unknown) == 1 else " are not among them")
        )
    if missing:
        problems.append(" and ".join(f"`{m}`" for m in missing) + (" is required" if len(missing) == 1 else " are required"))
    optional = [p.name for p in endpoint.params if not p.required]
    listed = ", ".join(f"`{n}`" for n in names if n not in optional)
    extra = f" (and optionally {', '.join(f'`{n}`' for n in optional)})" if optional else ""
    return f"call `{where}.invoke({signature})`: its parameters are {listed}{extra}; " + "; ".join(problems)


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
                    "`session.model.summary` is an object, not a function: calling it raises TypeError ('object is not callable') on every call; call `session.model.summary.invoke(text=..., instruction=...)`: its parameters are `text`, `instruction` (and optionally `min_summarize_length`); `instruction` is required",
                ),
            ),
        ),
        llm_tool_example(
            '        summary = self.session.model.summary(content=tool_parameters["text"])\n'
            "        yield self.create_text_message(summary)",
            selector=False,
            expect=(
                (
                    "tools/echo.py:10:19-10:78",
                    "`session.model.summary` is an object, not a function: calling it raises TypeError ('object is not callable') on every call; call `session.model.summary.invoke(text=..., instruction=...)`: its parameters are `text`, `instruction` (and optionally `min_summarize_length`); `content=` is not one of them; `text` and `instruction` are required",
                ),
            ),
        ),
        llm_tool_example(
            '        summary = self.session.model.summary(tool_parameters["text"], "Shorten it.")\n'
            "        yield self.create_text_message(summary)",
            selector=False,
            expect=(
                (
                    "tools/echo.py:10:19-10:85",
                    "`session.model.summary` is an object, not a function: calling it raises TypeError ('object is not callable') on every call; call `session.model.summary.invoke(...)` with the same arguments",
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
                    fix = _invoke_fix(call.node, BY_PATH[(*path, "invoke")], where)
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
