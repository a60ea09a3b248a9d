"""DPL202 unknown-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import DECLARATION_ISSUES
from dify_lint.diagnostics import Severity
from dify_lint.model.schema import rename_fix, unknown_key_severity
from dify_lint.rule import Example, Finding, Rule

from ._common import strategy_yaml, text_parameter, tool_yaml, with_credential_keys


class UnknownKey(Rule):
    code = "DPL202"
    name = "unknown-key"
    summary = "A declaration YAML has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "a typo of a known key, or a known key in the wrong place (another declaration kind's"
        " name for the setting, a level too deep or too shallow): the setting it was meant for is lost",
        Severity.INFO: "any other key, or a known one nothing reads, which Dify ignores",
    }
    explanation = """
    The SDK's models and the daemon's structs drop keys they do not know, so a typo such as
    `requried` or `human_descripton` loses the setting without a word (and a misspelled required
    key then fails as missing). So does a known key in the wrong place: `human_description` (the
    tool parameter's key) on an agent strategy parameter, whose text goes in `help`; a `zh_Hans`
    one level too shallow, beside `label` instead of in it; a block of credentials under a name
    Dify does not read. These are warnings, with the key or place Dify reads suggested (only a key
    that is not already there, and that takes a value like the one written). Any other unknown
    key, or a known one that nothing reads (a leftover such as `icon` in a tool's `identity`, or
    `help` on a model credential form, which the SDK drops), is info.
    """
    fixable = "safe"
    requires = (DECLARATION_ISSUES,)
    invalid = (
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter().replace("required: true", "requried: true"))},
            expect=(
                ("tools/echo.yaml:13:5-13:13", "unknown key `requried` in `parameters` item `text`; did you mean `required`?"),
            ),
            fixed={"tools/echo.yaml": tool_yaml(text_parameter())},
        ),
        Example(
            {
                "strategies/simple.yaml": strategy_yaml(
                    "      en_US: Query\n", "      en_US: Query\n    human_description:\n      en_US: What to answer.\n"
                )
            },
            base="agent",
            note="Agent strategy parameters take their description in `help`.",
            expect=(
                (
                    "strategies/simple.yaml:20:5-20:22",
                    "unknown key `human_description` in `parameters` item `query`; did you mean `help`?"
                    " (`human_description` is what tool parameters call it; here Dify ignores it)",
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": with_credential_keys(
                    "      help:\n        text:\n          en_US: Where to find the key.\n"
                )
            },
            base="model",
            note="One finding for the whole `help`, which nothing reads, and none for what is inside it.",
            expect=(
                (
                    "provider/example.yaml:21:7-21:11",
                    "`help` is not read here: the SDK drops `help` from a model credential form and Dify has no help"
                    " text for one; only `label` and `placeholder` are shown; remove it",
                ),
            ),
        ),
    )
    valid = (
        Example({"tools/echo.yaml": tool_yaml()}),
        Example(
            {
                "strategies/simple.yaml": strategy_yaml(
                    "      en_US: Query\n", "      en_US: Query\n    help:\n      en_US: What to answer.\n"
                )
            },
            base="agent",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(DECLARATION_ISSUES):
            for issue in found.issues:
                if issue.unknown_key:
                    doc = found.declaration.doc
                    severity = unknown_key_severity(issue)
                    yield self.at(doc, issue.at, issue.message, key=True, severity=severity, fix=rename_fix(doc, issue))
