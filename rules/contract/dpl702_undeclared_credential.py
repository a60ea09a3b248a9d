"""DPL702 undeclared-credential."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.diagnostics import Related, Severity, Span
from dify_lint.model.yamldoc import PathItem, YamlDoc
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.textmatch import near_names, typos

from ._common import PROVIDER_PY, PROVIDER_YAML, dict_expr, outcome, position, tool, yaml_related


class UndeclaredCredential(Rule):
    code = "DPL702"
    name = "undeclared-credential"
    summary = "The code reads a provider credential the provider's YAML does not declare"
    grades = {
        Severity.ERROR: "an undeclared credential read with `[...]`: KeyError on every call",
        Severity.WARNING: "an undeclared credential read with `.get()` that is close to a declared one, or while a declared credential is never read",
        Severity.INFO: "any other undeclared credential read with `.get()`: the default is always used",
    }
    explanation = """
    A tool's `self.runtime.credentials` (and the `credentials` a provider's
    `_validate_credentials` receives) hold exactly the credentials the provider YAML declares
    under `credentials_for_provider` (or `credentials_schema`, the daemon's alias). A name read with
    `[...]` that is not declared raises KeyError on every call; with `.get` it is always None, graded
    as for DPL701. Providers with an `oauth_schema` are skipped: their credentials come from the
    OAuth flow.
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": PROVIDER_YAML,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        key = self.runtime.credentials["apikey"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + key)'
                ),
            },
            expect=(
                (
                    "tools/echo.py:10:15-10:49",
                    '`self.runtime.credentials["apikey"]`: provider/example.yaml declares no credential `apikey`, so this raises KeyError on every call; declare it under `credentials_for_provider`',
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "provider/example.yaml": PROVIDER_YAML,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        key = self.runtime.credentials["api_key"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + key)'
                ),
            }
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        result = ctx.get(CONTRACTS)
        parameter_groups = {g for c in result.contracts for g in c.satisfied_groups}
        for contract in result.credentials:
            doc = contract.provider.doc
            flow = contract.flow
            declared = contract.declared
            read_keys = flow.read_keys()
            unread = [n for n in declared if n not in read_keys] if flow.complete else []
            reported: set[tuple[str, bool]] = set()
            for read in sorted(flow.reads, key=position):
                key = read.key
                if key in declared or key in flow.stores or flow.opaque:
                    continue
                if read.group is not None and (read.group in result.satisfied_groups or read.group in parameter_groups):
                    continue
                marker = (key, read.how == "index" and not read.guarded)
                if marker in reported:
                    continue
                reported.add(marker)
                near_strong = [n for n in near_names(key, declared, strong_only=True) if n not in read_keys]
                near_stem = [n for n in near_names(key, declared) if n in unread]
                near = near_strong or near_stem
                related = _credentials_related(doc, declared, (near or unread)[:1])
                where = f"{doc.path} declares no credential `{key}`"
                expr = dict_expr(read)
                span = node_span(read.module, read.node)
                if read.how == "index" and not read.guarded:
                    close = near or typos(key, declared)
                    hint = f"; did you mean `{close[0]}`?" if close else "; declare it under `credentials_for_provider`"
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so this raises KeyError on every call{hint}",
                        Severity.ERROR,
                        related,
                    )
                elif near:
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so {outcome(read)}; did you mean `{near[0]}`?",
                        Severity.WARNING,
                        related,
                    )
                elif unread:
                    names = ", ".join(f"`{n}`" for n in unread[:3])
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so {outcome(read)}, while the declared credential"
                        f"{'s' if len(unread) > 1 else ''} {names} {'are' if len(unread) > 1 else 'is'} never read",
                        Severity.WARNING,
                        related,
                    )
                else:
                    yield Finding(
                        read.module.path,
                        span,
                        f"{expr}: {where}, so {outcome(read)} and users cannot set it; declare it or drop the read",
                        Severity.INFO,
                        related,
                    )


def _credentials_related(doc: YamlDoc, declared: dict[str, tuple[PathItem, ...]], names: list[str]) -> tuple[Related, ...]:
    if names and names[0] in declared:
        return (yaml_related(doc, declared[names[0]], f"`{names[0]}` is declared here"),)
    for key in ("credentials_for_provider", "credentials_schema"):
        if doc.exact((key,)):
            return (yaml_related(doc, (key,), "the credentials are declared here"),)
    return (Related(doc.path, Span.file_start(), "this provider declares no credentials"),)
