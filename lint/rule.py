"""What a rule is: a code, a name, a severity, an explanation, examples, the analyses it reads,
and a check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping

from .diagnostics import Fix, Related, Severity, Span
from .model.yamldoc import PathItem, YamlDoc

if TYPE_CHECKING:
    from .analysis import Context

RULE_URL = "https://github.com/dify-lint/dify-lint/blob/main/docs/rules.md#{anchor}"


@dataclass(frozen=True)
class Example:
    """A plugin for the rule's tests and docs: a base plugin with some files replaced.

    `files` maps a path inside the plugin to its new text (or raw bytes), or to None to delete it.
    `base` names one of the plugins in `dify_lint.baseplugins`. `expect`, on an invalid example,
    pins what the rule reports on it, in order: `("path:line:column-line:column", message)`.
    `fixed`, on an invalid example of a fixable rule, pins the files its fixes change (safe and
    unsafe, applied until nothing changes), as `files` does: path -> the text after fixing.
    """

    files: Mapping[str, str | bytes | None]
    base: str = "tool"
    note: str = ""
    expect: tuple[tuple[str, str], ...] = ()
    fixed: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Finding:
    """What a rule reports; the engine turns it into a Diagnostic with the rule's code."""

    path: str  # relative to the plugin root
    span: Span
    message: str
    severity: Severity | None = None  # None: the rule's own severity
    related: tuple[Related, ...] = field(default=())  # paths relative to the plugin root
    fix: Fix | None = None  # edit paths relative to the plugin root


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    #: A rule that reports more than one severity: each severity it can report (its own `severity`
    #: among them) with what decides it. Empty: every finding has `severity`.
    grades: ClassVar[Mapping[Severity, str]] = {}
    #: Why it matters, and what Dify does; a few sentences of Markdown.
    explanation: ClassVar[str] = ""
    #: Opt-in: runs only when selected by its exact code or name (useful, but too chatty by default).
    default_off: ClassVar[bool] = False
    #: What the rule lints: "plugin" (a plugin root), "bundle" (a root whose manifest says
    #: `type: bundle`: a list of plugins to install, not a plugin) or "any".
    lints: ClassVar[str] = "plugin"
    #: The shared analyses (`dify_lint.analysis.keys`) the check reads; it may read no other.
    requires: ClassVar[tuple[Any, ...]] = ()
    #: The fixes the rule offers: "safe" (meaning kept; `--fix` applies them), "unsafe" (meaning
    #: may change; only with `--unsafe-fixes`), or None. Every fix a rule offers has this
    #: applicability (a test holds each rule to it).
    fixable: ClassVar[str | None] = None
    invalid: ClassVar[tuple[Example, ...]] = ()
    valid: ClassVar[tuple[Example, ...]] = ()

    def check(self, ctx: "Context") -> Iterable[Finding]:  # pragma: no cover - abstract
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
        fix: Fix | None = None,
    ) -> Finding:
        return Finding(doc.path, doc.span(path, key=key), message, severity, related, fix)

    @property
    def severities(self) -> tuple[Severity, ...]:
        """Every severity the rule can report, the gravest first."""
        return tuple(sorted(set(self.grades) | {self.severity}, key=lambda severity: severity.rank))

    @property
    def severity_label(self) -> str:
        """`error`, or the range a graded rule can report: `error/warning/info`."""
        return "/".join(s.value for s in self.severities)

    @property
    def url(self) -> str:
        return RULE_URL.format(anchor=f"{self.code.lower()}-{self.name}")

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"
