"""DPL310 missing-readme."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.package import listing
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example, Finding, Rule

from ._common import file_start, is_checked


class MissingReadme(Rule):
    code = "DPL310"
    name = "missing-readme"
    summary = "There is no README.md at the plugin root"
    severity = Severity.WARNING
    explanation = """
    The daemon serves a plugin's English readme from `README.md` at the plugin root (other
    languages go in `readme/README_<lang>.md`); without it the plugin's readme page fails with
    "en_US readme not found", and the Marketplace expects one.
    """
    invalid = (
        Example(
            {"README.md": None},
            expect=(("manifest.yaml:1:1-1:2", "there is no README.md at the plugin root; Dify shows it as the plugin's readme"),),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterator[Finding]:
        if not is_checked(ctx.plugin):
            return
        names = listing(ctx.plugin, "") or {}
        if "README.md" in names and not names["README.md"]:
            return
        other = [n for n in names if n.lower() == "readme.md" and not names[n]]
        if other:
            yield file_start(f"the readme is `{other[0]}`; Dify reads `README.md` exactly (case-sensitive): rename it")
        else:
            yield file_start("there is no README.md at the plugin root; Dify shows it as the plugin's readme")
