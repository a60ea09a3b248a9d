"""DPL004 duplicate-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import DECLARATION_ISSUES, MANIFEST_ISSUES, READ_FILES
from dify_lint.diagnostics import Severity
from dify_lint.examples import base_file
from dify_lint.model.yamldoc import YamlProblem
from dify_lint.rule import Example, Finding, Rule

_PROVIDER = (
    "identity:\n  author: example\n  name: example\n  name: other\n  label:\n    en_US: Example\n  description:\n"
    "    en_US: Example tools.\n  icon: icon.svg\ntools:\n  - tools/echo.yaml\nextra:\n  python:\n    source: provider/example.py\n"
)


def _tool_with_extra(lines: str) -> str:
    text = base_file("tools/echo.yaml")
    anchor = "    source: tools/echo.py\n"
    assert anchor in text
    return text.replace(anchor, anchor + lines, 1)


class DuplicateKey(Rule):
    code = "DPL004"
    name = "duplicate-key"
    summary = "A YAML mapping repeats a key; only the last value is kept"
    grades = {
        Severity.ERROR: "the daemon reads the key: it refuses the file when the plugin is packaged or installed",
        Severity.WARNING: "the key is under `extra`, which only the SDK reads: the first value is lost",
        Severity.INFO: "the key is under one that nothing reads: neither value is used",
    }
    explanation = """
    The daemon (Go yaml.v3) refuses a file that repeats a key it reads ("field already set",
    "mapping key already defined") when the plugin is packaged or installed, while PyYAML (used by
    the SDK) silently keeps the last of the two values. That is an error. Under `extra`, which
    only the SDK reads, the first value is lost without a word: a warning. A repeated key that
    nothing reads at all (under a key Dify does not know) changes nothing: info, and the unknown
    key itself is reported by DPL102 / DPL202. Remove or rename one of them.
    """
    requires = (READ_FILES, MANIFEST_ISSUES, DECLARATION_ISSUES)
    lints = "any"  # the daemon refuses a bundle manifest with a repeated key too
    invalid = (
        Example(
            {"provider/example.yaml": _PROVIDER},
            expect=(
                (
                    "provider/example.yaml:4:3-4:7",
                    "duplicate key `name` (first defined at line 3); the daemon refuses the file when the plugin is"
                    " packaged or installed, and the SDK would keep only the last value",
                ),
            ),
        ),
        Example(
            {"tools/echo.yaml": _tool_with_extra("  help:\n    en_US: One.\n  help:\n    en_US: Two.\n")},
            note="`extra` holds only `python`: the repeated `help` is not read at all.",
            expect=(
                (
                    "tools/echo.yaml:25:3-25:7",
                    "duplicate key `help` (first defined at line 23); Dify does not read `extra.help` at all,"
                    " so neither value is used: remove it",
                ),
            ),
        ),
        Example(
            {
                "tools/echo.yaml": base_file("tools/echo.yaml").replace(
                    "    source: tools/echo.py\n", "    source: tools/old_echo.py\n    source: tools/echo.py\n"
                )
            },
            note="Only the SDK reads `extra`: it loads the second `source`, and the first is silently dropped.",
            expect=(
                (
                    "tools/echo.yaml:23:5-23:11",
                    "duplicate key `source` (first defined at line 22); only the SDK reads `extra`, and it keeps the"
                    " last value: the first is lost",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        unread: dict[str, list[tuple]] = {}
        for found in (*ctx.get(MANIFEST_ISSUES), *ctx.get(DECLARATION_ISSUES)):
            paths = unread.setdefault(found.declaration.doc.path, [])
            paths.extend(issue.at for issue in found.issues if issue.unknown_key)
        for doc in ctx.get(READ_FILES).yaml:
            for problem in doc.problems:
                if problem.kind == "duplicate-key":
                    yield self._finding(doc.path, problem, unread.get(doc.path, []))

    def _finding(self, path: str, problem: YamlProblem, unread: list[tuple]) -> Finding:
        at = problem.at or ()
        head, _, _ = problem.message.partition(";")
        unknown = next((u for u in unread if at[: len(u)] == u), None) if at else None
        if unknown is not None:
            dotted = ".".join(str(part) for part in unknown)
            message = f"{head}; Dify does not read `{dotted}` at all, so neither value is used: remove it"
            return Finding(path, problem.span, message, Severity.INFO)
        if at[:1] == ("extra",) or at[:2] == ("subscription_constructor", "extra"):
            message = f"{head}; only the SDK reads `extra`, and it keeps the last value: the first is lost"
            return Finding(path, problem.span, message, Severity.WARNING)
        message = (
            f"{head}; the daemon refuses the file when the plugin is packaged or installed, and the SDK would keep"
            " only the last value"
        )
        return Finding(path, problem.span, message)
