"""What a rule is: a code, a name, a severity, an explanation, examples, and a check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable, Mapping

from .diagnostics import Related, Severity, Span
from .model.yamldoc import PathItem, YamlDoc

if TYPE_CHECKING:
    from .model.plugin import Plugin


@dataclass(frozen=True)
class Example:
    """A plugin for the rule's tests and docs: a base plugin with some files replaced.

    `files` maps a path inside the plugin to its new text (or raw bytes), or to None to delete it.
    `base` names one of the plugins in `dify_lint.baseplugins`.
    """

    files: Mapping[str, str | bytes | None]
    base: str = "tool"
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """What a rule reports; the engine turns it into a Diagnostic with the rule's code."""

    path: str  # relative to the plugin root
    span: Span
    message: str
    severity: Severity | None = None  # None: the rule's own severity
    related: tuple[Related, ...] = field(default=())  # paths relative to the plugin root


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    #: Why it matters, and what Dify does; a few sentences of Markdown.
    explanation: ClassVar[str] = ""
    #: Opt-in: runs only when selected by its exact code or name (useful, but too chatty by default).
    default_off: ClassVar[bool] = False
    invalid: ClassVar[tuple[Example, ...]] = ()
    valid: ClassVar[tuple[Example, ...]] = ()

    def check(self, plugin: "Plugin") -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    # helpers for rules -------------------------------------------------------------------

    def at(
        self,
        doc: YamlDoc,
        path: tuple[PathItem, ...],
        message: str,
        *,
        key: bool = False,
        severity: Severity | None = None,
        related: tuple[Related, ...] = (),
    ) -> Finding:
        return Finding(doc.path, doc.span(path, key=key), message, severity, related)

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"
