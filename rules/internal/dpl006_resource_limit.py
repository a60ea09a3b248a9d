"""DPL006 resource-limit."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import READ_FILES
from dify_lint.rule import Example, Finding, Rule

from ._common import read_problems, yaml_problems


class ResourceLimit(Rule):
    code = "DPL006"
    name = "resource-limit"
    summary = (
        "A file is too large, too deeply nested or expands too far to be checked, or a plugin takes too long or too much memory"
    )
    explanation = """
    dify-lint does not parse files above its size caps (2 MiB of YAML, 1 MiB of Python), YAML
    nested more than 200 levels deep, YAML whose aliases expand to more than a million nodes (an
    "alias bomb"), or YAML whose aliases refer to themselves. Such files also strain Dify; real
    plugin files are far below every cap. A `.difypkg` over 256 MiB, or whose members claim to
    expand to more than 1 GiB or number more than 50,000 (a zip bomb), is not read at all; the
    finding is at the package itself.

    Each plugin also has a time budget, 60 seconds by default (real plugins take well under
    one); the environment variable `DIFY_LINT_PLUGIN_SECONDS` sets another. It has a memory
    budget too: the process's resident memory may grow by 1024 MiB while the plugin is checked
    (real plugins need tens); `DIFY_LINT_PLUGIN_MEGABYTES` sets another. The memory budget
    applies where the system reports current memory use cheaply (Linux); elsewhere only the time
    budget does. Past either budget, the rules not yet run are skipped, one finding at the
    manifest names them and says which budget ran out, and the next plugin starts afresh.
    """
    requires = (READ_FILES,)
    invalid = (
        Example(
            {"tools/echo.yaml": "a: &a [*a]\n"},
            expect=(
                ("tools/echo.yaml:1:4-1:11", "recursive alias: this node contains itself, so the document has no finite value"),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        files = ctx.get(READ_FILES)
        yield from read_problems(files, limit=True)
        yield from yaml_problems(files, "limit")
        for module in files.python:
            error = module.syntax_error
            if error is not None and error.limit:
                yield Finding(module.path, error.span, error.message)
