"""DPL301 missing-file."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.package import exact, loaded_source
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_PROVIDER, ECHO_YAML, is_checked, listed


class MissingFile(Rule):
    code = "DPL301"
    name = "missing-file"
    summary = "A YAML or Python file named in the declarations does not exist"
    grades = {
        Severity.ERROR: "the named file does not exist, or is not a file",
        Severity.WARNING: "the named source does not exist, but the SDK imports a module of the same name instead",
    }
    explanation = """
    The daemon reads every provider, tool, endpoint, strategy, datasource and event YAML the
    manifest leads to, and every model `position` file, when it packages the plugin; a missing one
    stops `dify plugin package`. The SDK imports every `extra.python.source` (and model
    `provider_source` / `model_sources`) at start-up, so a missing source stops the plugin.
    Paths are case-sensitive where Dify runs (Linux), even when your own disk is not.

    A source must be a Python file. The SDK imports it by module name (`tools/search.yaml` becomes
    the module `tools.search`), so a source written with the wrong extension works only by luck,
    when `tools/search.py` happens to exist; it is reported as a warning then.
    """
    invalid = (
        Example(
            {"provider/example.yaml": BASE_PROVIDER.replace("tools/echo.yaml", "tools/search.yaml")},
            expect=(("provider/example.yaml:10:5-10:22", "`tools/search.yaml` does not exist (listed in `tools`)"),),
        ),
        Example(
            {"tools/echo.py": None},
            note="The tool's `extra.python.source` is gone.",
            expect=(("tools/echo.yaml:22:13-22:26", "`tools/echo.py` does not exist (named in `extra.python.source`)"),),
        ),
        Example(
            {"tools/echo.yaml": ECHO_YAML.replace("source: tools/echo.py", "source: tools/echo.yaml")},
            note="The source names the YAML file, not the Python file.",
            expect=(
                (
                    "tools/echo.yaml:22:13-22:28",
                    "`tools/echo.yaml` is not a Python file; the SDK imports `tools/echo.py` instead, only because the module names match: write `tools/echo.py`",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        for reference in plugin.references:
            if reference.role not in ("declaration", "source", "position") or reference.target.problem:
                continue
            target = reference.target
            relative = target.relative or target.written
            if reference.role == "source":
                loaded = loaded_source(plugin, reference)
                if loaded == relative:
                    continue
                if loaded is not None:
                    what = "is not a Python file" if target.is_file else "does not exist"
                    yield self.at(
                        reference.owner,
                        reference.at,
                        f"`{target.written}` {what}; the SDK imports `{loaded}` instead, only because the module"
                        f" names match: write `{loaded}`",
                        severity=Severity.WARNING,
                    )
                    continue
            if target.unresolvable:
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{target.written}` cannot be read: it cannot be resolved (a link loop, or a folder without"
                    f" permission) ({listed(reference)})",
                )
                continue
            is_exact, other = exact(plugin, relative)
            if not is_exact:
                hint = f"; `{other}` differs only in letter case, and Dify runs on a case-sensitive file system" if other else ""
                yield self.at(reference.owner, reference.at, f"`{target.written}` does not exist ({listed(reference)}){hint}")
                continue
            if not target.is_file:
                yield self.at(reference.owner, reference.at, f"`{target.written}` is a folder, not a file ({listed(reference)})")
                continue
            if reference.role == "source":
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{target.written}` is not a Python file; the SDK cannot import it: name the .py source",
                )
