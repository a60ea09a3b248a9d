"""DPL201 declaration-invalid."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import DECLARATION_ISSUES
from dify_lint.rule import Example, Finding, Rule

from ._common import text_parameter, tool_yaml


class DeclarationInvalid(Rule):
    code = "DPL201"
    name = "declaration-invalid"
    summary = "A provider, tool, model, endpoint, strategy, datasource or trigger YAML breaks Dify's schema"
    explanation = """
    Each YAML file the manifest leads to is parsed by the SDK's pydantic models when the plugin
    starts and, on remote debugging, by the daemon's validator. A missing required key (every tool
    parameter needs `human_description`, for example), a wrong type, a value outside its allowed
    set (`form` is one of schema, form, llm) or an I18n text without `en_US` stops the plugin. Where
    the SDK and the daemon disagree, dify-lint accepts only what both accept and says which side
    refuses.
    """
    requires = (DECLARATION_ISSUES,)
    invalid = (
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter("llmm"))},
            expect=(("tools/echo.yaml:14:11-14:15", "`form` must be one of schema, form, llm; got `llmm`; did you mean `llm`?"),),
        ),
    )
    valid = (Example({"tools/echo.yaml": tool_yaml(text_parameter("form"))}),)

    def check(self, ctx) -> Iterable[Finding]:
        for found in ctx.get(DECLARATION_ISSUES):
            for issue in found.issues:
                if not issue.unknown_key:
                    yield self.at(found.declaration.doc, issue.at, issue.message, key=issue.key)
