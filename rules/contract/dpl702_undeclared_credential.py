"""DPL702 undeclared-credential."""

from __future__ import annotations

from typing import Iterable, Iterator

from dify_lint.analysis.contracts import Contract, Contracts, CredentialContract
from dify_lint.analysis.keys import CONTRACTS
from dify_lint.analysis.params import KeyRead
from dify_lint.diagnostics import Related, Severity, Span
from dify_lint.model.yamldoc import PathItem, YamlDoc
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.textmatch import related_names, typos

from ._common import PROVIDER_PY, PROVIDER_YAML, dict_expr, outcome, position, tool, yaml_related

#: the provider with a second credential, an optional base URL
_WITH_BASE_URL = PROVIDER_YAML.replace(
    "tools:\n",
    "  base_url:\n    type: text-input\n    required: false\n    label:\n      en_US: Base URL\ntools:\n",
)


class UndeclaredCredential(Rule):
    code = "DPL702"
    name = "undeclared-credential"
    summary = "The code reads a provider credential the provider's YAML does not declare"
    grades = {
        Severity.ERROR: "an undeclared credential read with `[...]` or `.pop()` and no check first: KeyError on every call",
        Severity.WARNING: (
            "an undeclared credential read with `.get()` (or checked first) whose name is one of the tool's"
            " parameters, or is related to a declared credential the code never reads"
        ),
        Severity.INFO: "any other undeclared credential read with `.get()` (or checked first): the default is always used",
    }
    explanation = """
    A tool's `self.runtime.credentials` (and the `credentials` a provider's
    `_validate_credentials` receives) hold exactly the credentials the provider YAML declares
    under `credentials_for_provider` (or `credentials_schema`, the daemon's alias). A name read with
    `[...]` that is not declared raises KeyError on every call (in each tool that reads it); with
    `.get` it is always None, graded as for DPL701: a warning when a declared credential that is
    never read looks like the name meant, otherwise info. A name that is one of the tool's own
    parameters is said to be one: it is read from `tool_parameters`, not from the credentials.
    Providers with an `oauth_schema` are skipped: their credentials come from the OAuth flow.
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
        Example(
            {
                "provider/example.yaml": PROVIDER_YAML,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        key = self.runtime.credentials["api_key"]\n'
                    '        yield self.create_text_message(self.runtime.credentials["text"] + key)'
                ),
            },
            note="`text` is one of the tool's parameters, not a credential",
            expect=(
                (
                    "tools/echo.py:11:40-11:72",
                    '`self.runtime.credentials["text"]`: provider/example.yaml declares no credential `text`, so this raises KeyError on every call; `text` is a parameter of tools/echo.yaml: read it with `tool_parameters["text"]`',
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": _WITH_BASE_URL,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        url = self.runtime.credentials.get("base_uri") or "https://api.example.com"\n'
                    '        yield self.create_text_message(tool_parameters["text"] + url)'
                ),
            },
            note="`base_url` is declared and never read: what the user enters there is ignored.",
            expect=(
                (
                    "tools/echo.py:10:15-10:55",
                    '`self.runtime.credentials.get("base_uri")`: provider/example.yaml declares no credential `base_uri`, so it is always None; did you mean `base_url` (declared, never read)?',
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": PROVIDER_YAML,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        proxy = self.runtime.credentials.get("proxy")\n'
                    '        yield self.create_text_message(tool_parameters["text"] + (proxy or ""))'
                ),
            },
            note="Nothing declared resembles `proxy`: it is always None.",
            expect=(
                (
                    "tools/echo.py:10:17-10:54",
                    '`self.runtime.credentials.get("proxy")`: provider/example.yaml declares no credential `proxy`, so it is always None and users cannot set it; declare it or drop the read',
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
            tools = [c for c in result.contracts if c.declaration.parent is contract.provider]
            yield from self._provider(result, contract, tools, parameter_groups)

    def _provider(
        self, result: Contracts, contract: CredentialContract, tools: list[Contract], parameter_groups: set[int]
    ) -> Iterator[Finding]:
        doc = contract.provider.doc
        flow = contract.flow
        declared = contract.declared
        read_keys = flow.read_keys()
        reported: set[tuple[str, bool, int]] = set()
        for read in sorted(flow.reads, key=position):
            key = read.key
            if key in declared or key in flow.stores or flow.opaque:
                continue
            if read.group is not None and (read.group in result.satisfied_groups or read.group in parameter_groups):
                continue
            raises = read.how == "index" and not read.guarded
            marker = (key, raises, id(read.function))  # each function (each tool) fails on its own
            if marker in reported:
                continue
            reported.add(marker)
            related = [n for n in related_names(key, declared, flow.complete) if n not in read_keys]
            owner = _parameter_of(key, read, tools)
            where = f"{doc.path} declares no credential `{key}`"
            expr = dict_expr(read)
            span = node_span(read.module, read.node)
            if owner is not None:
                index = owner.declared[key][0]
                see = (yaml_related(owner.declaration.doc, ("parameters", index, "name"), f"`{key}` is a parameter here"),)
                what = "this raises KeyError on every call" if raises else outcome(read)
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {what}; `{key}` is a parameter of {owner.declaration.doc.path}: read it with"
                    f' `{owner.dict_name or "tool_parameters"}["{key}"]`',
                    Severity.ERROR if raises else Severity.WARNING,
                    see,
                )
                continue
            see = _credentials_related(doc, declared, related[:1])
            if raises:
                close = related or typos(key, declared)
                hint = f"; did you mean `{close[0]}`?" if close else "; declare it under `credentials_for_provider`"
                yield Finding(
                    read.module.path, span, f"{expr}: {where}, so this raises KeyError on every call{hint}", Severity.ERROR, see
                )
            elif related:
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {outcome(read)}; did you mean `{related[0]}` (declared, never read)?",
                    Severity.WARNING,
                    see,
                )
            else:
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {outcome(read)} and users cannot set it; declare it or drop the read",
                    Severity.INFO,
                    see,
                )


def _parameter_of(key: str, read: KeyRead, tools: list[Contract]) -> Contract | None:
    """The tool (preferably the one whose code made the read) that declares `key` as a parameter."""
    declaring = [t for t in tools if key in t.declared]
    own = [t for t in declaring if any(path == read.module.path for path, _ in t.chain.items)]
    if own:
        return own[0]
    if getattr(read.function, "name", "") in ("_validate_credentials", "validate_credentials"):
        return None  # the provider's validation has no tool parameters to read instead
    return declaring[0] if declaring else None


def _credentials_related(doc: YamlDoc, declared: dict[str, tuple[PathItem, ...]], names: list[str]) -> tuple[Related, ...]:
    if names and names[0] in declared:
        return (yaml_related(doc, declared[names[0]], f"`{names[0]}` is declared here"),)
    for key in ("credentials_for_provider", "credentials_schema"):
        if doc.exact((key,)):
            return (yaml_related(doc, (key,), "the credentials are declared here"),)
    return (Related(doc.path, Span.file_start(), "this provider declares no credentials"),)
