"""DPL001 yaml-syntax-error."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import READ_FILES
from dify_lint.examples import base_file
from dify_lint.rule import Example, Finding, Rule

from ._common import yaml_problems

_ECHO_YAML = base_file("tools/echo.yaml")


class YamlSyntaxError(Rule):
    code = "DPL001"
    name = "yaml-syntax-error"
    summary = "A YAML file Dify reads does not parse"
    explanation = """
    The manifest and every YAML file it leads to are parsed when the plugin is packaged and again
    when it starts; a syntax error stops both. The finding points at the line and column where the
    parser gave up, which is sometimes just after the real mistake (an unclosed bracket or quote).
    Unknown tags such as `!include` are errors too: Dify loads YAML with a safe loader.
    """
    requires = (READ_FILES,)
    invalid = (
        Example(
            {"tools/echo.yaml": _ECHO_YAML.replace("en_US: Echo", "en_US: [Echo")},
            note="An unclosed bracket.",
            expect=(
                (
                    "tools/echo.yaml:6:12-6:13",
                    "YAML syntax error: while parsing a flow sequence (started at line 5): did not find expected ',' or ']'",
                ),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": _ECHO_YAML.replace("en_US: Echo", 'en_US: "[Echo"')}, note="Quoted, it is text."),)

    def check(self, ctx) -> Iterable[Finding]:
        return yaml_problems(ctx.get(READ_FILES), "syntax")
