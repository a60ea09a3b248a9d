"""DPL002 python-syntax-error."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import READ_FILES
from dify_lint.rule import Example, Finding, Rule


class PythonSyntaxError(Rule):
    code = "DPL002"
    name = "python-syntax-error"
    summary = "A Python source of the plugin does not parse"
    explanation = """
    Dify imports every `extra.python.source` and the entrypoint when the plugin starts, and with
    them the plugin's modules they import, so a syntax error in any of them stops the plugin.
    Every Python file of the plugin except test code is checked. Syntax newer than the Python
    running dify-lint (up to Python 3.12) is accepted; such a file then gets no other Python check.
    """
    requires = (READ_FILES,)
    invalid = (
        Example(
            {"tools/echo.py": "from dify_plugin import Tool\n\nclass EchoTool(Tool)\n    pass\n"},
            expect=(("tools/echo.py:3:21-3:22", "Python syntax error: expected ':'"),),
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.py": "from dify_plugin import Tool\n\n\nclass EchoTool(Tool):\n    def _invoke(self, tool_parameters):\n"
                '        yield self.create_text_message(f"{tool_parameters["text"]}")\n'
            }
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(READ_FILES).python:
            error = module.syntax_error
            if error is not None and not error.limit:
                yield Finding(module.path, error.span, error.message)
