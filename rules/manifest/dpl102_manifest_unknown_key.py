"""DPL102 manifest-unknown-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import MANIFEST_ISSUES
from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest
from dify_lint.model.schema import rename_fix, unknown_key_severity
from dify_lint.rule import Example, Finding, Rule


class ManifestUnknownKey(Rule):
    code = "DPL102"
    name = "manifest-unknown-key"
    summary = "manifest.yaml has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "a typo of a known key, or a known key in the wrong place (another declaration kind's"
        " name for the setting, a level too deep or too shallow): the setting it was meant for is lost",
        Severity.INFO: "any other key, which Dify ignores",
    }
    explanation = """
    Neither the SDK nor the daemon complains about a key it does not know: they drop it. A typo
    therefore loses the setting without a word, and so does a known key in the wrong place (`repo`
    or `contact` under `meta`, where the Marketplace does not look for them; `permission` beside
    `resource` instead of in it): these are warnings, with the key or place suggested. Any other
    unknown key is reported as info, since it changes nothing. Under `resource.permission` this is
    worse: a `models:` instead of `model:` means the plugin has no model permission at all, and its
    calls fail at run time. The Marketplace's own keys (`repo`, `contact`, `privacy`) are known keys.
    """
    fixable = "safe"
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
            fixed={
                "manifest.yaml": manifest().replace(
                    "  permission: {}", "  permission:\n    model:\n      enabled: true\n      llm: true"
                )
            },
        ),
        Example(
            {
                "manifest.yaml": manifest().replace(
                    "  version: 0.0.1\n", "  version: 0.0.1\n  repo: https://github.com/example/echo\n"
                )
            },
            note="The Marketplace reads `repo` at the top level only.",
            expect=(
                ("manifest.yaml:19:3-19:7", "unknown key `repo` in `meta`; move it up to the top level (here Dify ignores it)"),
            ),
        ),
        Example(
            {"manifest.yaml": manifest() + "build_notes: made by hand\n"},
            note="A key Dify does not know and no known key resembles: dropped, and nothing is lost.",
            expect=(("manifest.yaml:26:1-26:12", "unknown key `build_notes`; Dify ignores it"),),
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
        Example(
            {
                "manifest.yaml": manifest()
                + "repo: https://github.com/example/echo\ncontact: dev@example.com\nprivacy: https://example.com/privacy\n"
            },
            note="The Marketplace's keys are known keys.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(MANIFEST_ISSUES):
            for issue in found.issues:
                if issue.unknown_key:
                    doc = found.declaration.doc
                    severity = unknown_key_severity(issue)
                    yield self.at(doc, issue.at, issue.message, key=True, severity=severity, fix=rename_fix(doc, issue))
