"""DPL202 unknown-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import DECLARATION_ISSUES
from dify_lint.diagnostics import Severity
from dify_lint.model.schema import unknown_key_severity
from dify_lint.rule import Example, Finding, Rule

from ._common import text_parameter, tool_yaml


class UnknownKey(Rule):
    code = "DPL202"
    name = "unknown-key"
    summary = "A declaration YAML has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "the key is a near miss of a known key, so the setting it was meant for is lost",
        Severity.INFO: "any other key, which Dify ignores",
    }
    explanation = """
    The SDK's models and the daemon's structs drop keys they do not know, so a typo such as
    `requried` or `human_descripton` loses the setting without a word (and a misspelled required
    key then fails as missing). A key close to a known one is a warning, with the known key
    suggested; any other unknown key (a leftover such as `icon` in a tool's `identity`, which Dify
    never read) is info.
    """
    requires = (DECLARATION_ISSUES,)
    invalid = (
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter().replace("required: true", "requried: true"))},
            expect=(
                ("tools/echo.yaml:13:5-13:13", "unknown key `requried` in `parameters` item `text`; did you mean `required`?"),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": tool_yaml()}),)

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(DECLARATION_ISSUES):
            for issue in found.issues:
                if issue.unknown_key:
                    yield self.at(found.declaration.doc, issue.at, issue.message, key=True, severity=unknown_key_severity(issue))
