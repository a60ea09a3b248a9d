"""DPL104 multiple-providers."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest
from dify_lint.rule import Example, Finding, Rule

from ._common import CATEGORIES

_OTHER_PROVIDER = (
    "identity:\n  author: example\n  name: other\n  label:\n    en_US: Other\n  description:\n    en_US: Other tools.\n"
    "  icon: icon.svg\ntools: []\nextra:\n  python:\n    source: provider/example.py\n"
)


class MultipleProviders(Rule):
    code = "DPL104"
    name = "multiple-providers"
    summary = "More than one provider file of one kind: the daemon keeps only the last"
    severity = Severity.WARNING
    explanation = """
    The daemon's declaration holds one tool provider, one model provider, one endpoint group and so
    on; when `plugins.tools` (or another list) names several files, each one loaded replaces the
    previous, so only the last is installed while the SDK serves them all. Put every tool under
    one provider, or publish separate plugins.
    """
    invalid = (
        Example(
            {
                "manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n    - provider/other.yaml"),
                "provider/other.yaml": _OTHER_PROVIDER,
            },
            expect=(("manifest.yaml:17:7-17:26", "`plugins.tools` lists 2 files; the daemon installs only the last one"),),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        doc = ctx.plugin.manifest
        if doc is None or not doc.usable:
            return
        for key in CATEGORIES:
            entries = doc.get("plugins", key)
            if isinstance(entries, list) and len(entries) > 1:
                yield self.at(
                    doc,
                    ("plugins", key, len(entries) - 1),
                    f"`plugins.{key}` lists {len(entries)} files; the daemon installs only the last one",
                )
