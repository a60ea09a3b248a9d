"""DPL101 manifest-invalid."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import MANIFEST_ISSUES
from dify_lint.examples import manifest
from dify_lint.rule import Example, Finding, Rule


class ManifestInvalid(Rule):
    code = "DPL101"
    name = "manifest-invalid"
    summary = "manifest.yaml breaks the shape Dify requires: a missing key, a wrong type, value or format"
    explanation = """
    The SDK parses manifest.yaml with pydantic when the plugin starts, and the daemon validates it
    when the plugin is packaged and installed. A required key that is missing, a value of the wrong
    type, a value outside its allowed set or format (for example a `version` that is not
    `x.y.z`, an `author` with capitals, an unknown `tags` entry) stops one of them. Where the SDK
    and the daemon disagree, dify-lint accepts only what both accept and says which side refuses.
    """
    requires = (MANIFEST_ISSUES,)
    invalid = (
        Example(
            {"manifest.yaml": manifest(meta_version="1.0")},
            note="`meta.version` has two parts; the daemon requires three.",
            expect=(
                (
                    "manifest.yaml:18:12-18:15",
                    "`version` must not be a number or true or false; got `1.0`. The SDK does not turn numbers or booleans into strings; quote the value",
                ),
            ),
        ),
    )
    valid = (Example({"manifest.yaml": manifest(meta_version="1.0.0")}),)

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(MANIFEST_ISSUES):
            for issue in found.issues:
                if not issue.unknown_key:
                    yield self.at(found.declaration.doc, issue.at, issue.message, key=issue.key)
