"""DPL004 duplicate-key."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import READ_FILES
from dify_lint.rule import Example, Finding, Rule

from ._common import yaml_problems

_PROVIDER = (
    "identity:\n  author: example\n  name: example\n  name: other\n  label:\n    en_US: Example\n  description:\n"
    "    en_US: Example tools.\n  icon: icon.svg\ntools:\n  - tools/echo.yaml\nextra:\n  python:\n    source: provider/example.py\n"
)


class DuplicateKey(Rule):
    code = "DPL004"
    name = "duplicate-key"
    summary = "A YAML mapping repeats a key; only the last value is kept"
    explanation = """
    PyYAML (used by the Dify SDK) silently keeps the last of two equal keys, so the first value is
    lost without a word, while the daemon (Go yaml.v3) refuses the file outright ("mapping key already defined"). Remove or rename
    one of them.
    """
    requires = (READ_FILES,)
    lints = "any"  # the daemon refuses a bundle manifest with a repeated key too
    invalid = (
        Example(
            {"provider/example.yaml": _PROVIDER},
            expect=(
                (
                    "provider/example.yaml:4:3-4:7",
                    "duplicate key `name` (first defined at line 3); YAML loaders keep only the last value",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        return yaml_problems(ctx.get(READ_FILES), "duplicate-key")
