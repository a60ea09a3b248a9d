"""DPL201 declaration-invalid."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import DECLARATION_ISSUES
from dify_lint.rule import Example, Finding, Rule

from ._common import select_parameter, text_parameter, tool_yaml, with_credential_keys


class DeclarationInvalid(Rule):
    code = "DPL201"
    name = "declaration-invalid"
    summary = "A provider, tool, model, endpoint, strategy, datasource or trigger YAML breaks Dify's schema"
    explanation = """
    Each YAML file the manifest leads to is parsed by the SDK's pydantic models when the plugin
    starts. A missing required key (every tool parameter needs `human_description`, for example),
    a wrong type, a value outside its allowed set (`form` is one of schema, form, llm) or an I18n
    text without `en_US` stops the plugin. The daemon reads the same files into its own types when
    the plugin is packaged and installed (a value of the wrong kind fails there), and validates
    them further only in remote debugging, on the declaration the SDK sends: a key the SDK drops
    never reaches that check, and a value the SDK turns into a string is checked as one. Where
    the SDK and the daemon disagree, dify-lint accepts only what both accept and says which side
    refuses, and when.
    """
    requires = (DECLARATION_ISSUES,)
    invalid = (
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter("llmm"))},
            expect=(("tools/echo.yaml:14:11-14:15", "`form` must be one of schema, form, llm; got `llmm`; did you mean `llm`?"),),
        ),
        Example(
            {"tools/echo.yaml": tool_yaml(select_parameter('""'))},
            note="The SDK keeps an empty option value; the daemon requires one.",
            expect=(
                (
                    "tools/echo.yaml:20:16-20:18",
                    "`value` must not be empty (remote debugging rejects it: the daemon validates what the SDK sends,"
                    " although the SDK itself accepts it)",
                ),
            ),
        ),
    )
    valid = (
        Example({"tools/echo.yaml": tool_yaml(text_parameter("form"))}),
        Example(
            {"tools/echo.yaml": tool_yaml(select_parameter(""))},
            note="An option `value:` left empty reaches the daemon as the string `None`.",
        ),
        Example(
            {
                "provider/example.yaml": with_credential_keys(
                    "      help:\n        text:\n          en_US: Where to find the key.\n"
                )
            },
            base="model",
            note="The SDK drops `help` from a model credential form, so the daemon never validates its shape.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(DECLARATION_ISSUES):
            for issue in found.issues:
                if not issue.unknown_key:
                    yield self.at(found.declaration.doc, issue.at, issue.message, key=issue.key)
