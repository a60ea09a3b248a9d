"""What the results rules share: reporting the result analysis's facts, and the example tools."""

from __future__ import annotations

from typing import ClassVar, Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, RESULT_EVENTS
from dify_lint.analysis.results import Event
from dify_lint.diagnostics import Fix, Related, Severity
from dify_lint.model.declarations import is_model_plugin
from dify_lint.python.astutil import node_span
from dify_lint.rule import Finding, Rule

_HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.model.message import UserPromptMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator:
"""

_LLM_CALL = """\
        response = self.session.model.llm.invoke(
            model_config=tool_parameters["model"],
            prompt_messages=[UserPromptMessage(content=tool_parameters["text"])],
{stream}        )
"""


def tool(body: str, imports: str = "") -> dict[str, str]:
    """An example tool whose `_invoke` runs `body` (indented by eight spaces already)."""
    head = _HEAD if not imports else _HEAD.replace("from dify_plugin import Tool\n", f"from dify_plugin import Tool\n{imports}")
    return {"tools/echo.py": head + body}


def llm(stream: str = "") -> str:
    """The start of `_invoke`: an LLM call, with `stream=<stream>` when given."""
    return _LLM_CALL.format(stream=f"            stream={stream},\n" if stream else "")


def describe(types: Iterable[str]) -> str:
    """What chunk content may be, in words: "a list of content parts or None"."""
    words = {"list": "a list of content parts", "str": "a str", "none": "None"}
    found = [words[t] for t in ("list", "str", "none") if t in set(types)]
    return " or ".join(found) or "not a str"


def handed_over(event: Event) -> tuple[Related, ...]:
    """The calls that passed the value to the function where it is misused, outermost first."""
    return tuple(
        Related(site.module.path, node_span(site.module, site.node), f"the value reaches `{site.callee}` through this call")
        for site in event.via
    )


def read_text(read: str) -> str:
    """The SDK's way to read a chunk's text, at the message the content was read from."""
    message = read[: -len(".content")] if read.endswith(".content") else "chunk.delta.message"
    return f'`{message}.get_text_content()` (a `PromptMessage` method: the text parts joined, "" for None)'


class ResultRule(Rule):
    """A rule that words the result analysis's facts of one kind (`key`)."""

    key: ClassVar[str]
    requires = (PYTHON_MODULES, RESULT_EVENTS)

    def check(self, ctx) -> Iterable[Finding]:
        # A model plugin builds its own chunks (and may not call the session at all, DPL603).
        if is_model_plugin(ctx.plugin):
            return
        events = ctx.get(RESULT_EVENTS)
        for module in ctx.get(PYTHON_MODULES):
            for event in events.of(module.path):
                if event.rule == self.key:
                    yield Finding(
                        module.path,
                        node_span(module, event.node),
                        self.render(event.fact),
                        Severity.WARNING if event.warning and self.severity != Severity.WARNING else None,
                        handed_over(event),
                        self.fix(module, event),
                    )

    def render(self, fact: object) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def fix(self, module, event: Event) -> Fix | None:
        """The fix for one fact, if the rule offers one."""
        return None
