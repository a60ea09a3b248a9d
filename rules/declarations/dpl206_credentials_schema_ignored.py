"""DPL206 credentials-schema-ignored."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.rule import Example, Finding, Rule

from ._common import provider_yaml


class IgnoredCredentials(Rule):
    code = "DPL206"
    name = "credentials-schema-ignored"
    summary = "A tool provider declares `credentials_schema`, which the SDK ignores"
    severity = Severity.WARNING
    explanation = """
    The daemon reads a tool provider's credentials from `credentials_schema` (preferred) or
    `credentials_for_provider` when it reads the YAML of a packaged plugin, but the SDK reads only
    `credentials_for_provider`. In remote debugging the daemon gets the declaration the SDK sends,
    so with `credentials_schema` alone the provider asks users for no credentials there, and the
    plugin's own code sees none declared. Rename the key to `credentials_for_provider`, written as
    a mapping from credential name to its settings.
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": provider_yaml(
                    "credentials_schema:\n  - name: api_key\n    type: secret-input\n    required: true\n    label:\n      en_US: API key\n"
                )
            },
            expect=(
                (
                    "provider/example.yaml:9:1-9:19",
                    "`credentials_schema` is read by the daemon from the YAML but not by the SDK, so in remote debugging,"
                    " where the daemon gets the SDK's declaration, the provider asks for no credentials; name it"
                    " `credentials_for_provider` (a mapping of credential name to settings)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "provider/example.yaml": provider_yaml(
                    "credentials_for_provider:\n  api_key:\n    type: secret-input\n    required: true\n    label:\n      en_US: API key\n"
                )
            }
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for declaration in ctx.plugin.declarations_of("tool_provider"):
            doc = declaration.doc
            if doc.exact(("credentials_schema",)) and doc.get("credentials_schema") and not doc.get("credentials_for_provider"):
                yield self.at(
                    doc,
                    ("credentials_schema",),
                    "`credentials_schema` is read by the daemon from the YAML but not by the SDK, so in remote debugging,"
                    " where the daemon gets the SDK's declaration, the provider asks for no credentials; name it"
                    " `credentials_for_provider` (a mapping of credential name to settings)",
                    key=True,
                )
