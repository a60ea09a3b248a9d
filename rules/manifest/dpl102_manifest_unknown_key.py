"""DPL102 manifest-unknown-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import MANIFEST_ISSUES
from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest
from dify_lint.model.schema import unknown_key_severity
from dify_lint.rule import Example, Finding, Rule


class ManifestUnknownKey(Rule):
    code = "DPL102"
    name = "manifest-unknown-key"
    summary = "manifest.yaml has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "the key is a near miss of a known key, so the setting it was meant for is lost",
        Severity.INFO: "any other key, which Dify ignores",
    }
    explanation = """
    Neither the SDK nor the daemon complains about a key it does not know: they drop it. A typo
    therefore loses the setting without a word: a key close to a known one is a warning, with the
    known key suggested; any other unknown key is reported as info, since it changes nothing. Under `resource.permission` this is worse: a
    `models:` instead of `model:` means the plugin has no model permission at all, and its calls
    fail at run time.
    """
    requires = (MANIFEST_ISSUES,)
    invalid = (
        Example(
            {
                "manifest.yaml": manifest().replace(
                    "  permission: {}", "  permission:\n    models:\n      enabled: true\n      llm: true"
                )
            },
            note="`models` is not a permission; the key is `model`.",
            expect=(("manifest.yaml:14:5-14:11", "unknown key `models` in `permission`; did you mean `model`?"),),
        ),
    )
    valid = (
        Example(
            {
                "manifest.yaml": manifest().replace(
                    "  permission: {}", "  permission:\n    model:\n      enabled: true\n      llm: true"
                )
            }
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(MANIFEST_ISSUES):
            for issue in found.issues:
                if issue.unknown_key:
                    yield self.at(found.declaration.doc, issue.at, issue.message, key=True, severity=unknown_key_severity(issue))
