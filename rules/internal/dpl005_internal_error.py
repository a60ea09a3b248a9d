"""DPL005 internal-error: reported by the engine when a rule crashes."""

from __future__ import annotations

from typing import Iterable

from dify_lint.rule import Finding, Rule


class InternalError(Rule):
    code = "DPL005"
    name = "internal-error"
    summary = "A dify-lint rule crashed on this plugin (the other rules still ran)"
    explanation = """
    A rule raised an exception. Its findings for this plugin are missing, the other rules ran as
    usual, and dify-lint exits with status 2. Please report it with the plugin that caused it.
    """

    def check(self, ctx) -> Iterable[Finding]:
        return ()  # the engine reports crashes under this code
