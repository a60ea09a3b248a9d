"""DPL701 undeclared-parameter."""

from __future__ import annotations

from typing import Iterable, Iterator

from dify_lint.analysis.contracts import Contract, Contracts
from dify_lint.analysis.keys import CONTRACTS
from dify_lint.diagnostics import Severity
from dify_lint.model.declarations import provider_credentials
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.textmatch import related_names, typos

from ._common import dict_expr, not_declared, outcome, parameter, parameters_related, position, tool, tool_yaml


class UndeclaredParameter(Rule):
    code = "DPL701"
    name = "undeclared-parameter"
    summary = "The code reads a tool parameter the tool's YAML does not declare"
    grades = {
        Severity.ERROR: "an undeclared name read with `[...]` or `.pop()` and no check first: KeyError on every call",
        Severity.WARNING: (
            "an undeclared name read with `.get()` (or checked first) that is related to a declared parameter the"
            " code never reads, or that is a provider credential: the value the user sets is ignored"
        ),
        Severity.INFO: "any other undeclared name read with `.get()` (or checked first): the default is always used",
    }
    explanation = """
    Dify sends a tool (or agent strategy) only the parameters its YAML declares. A key read with
    `tool_parameters["x"]` that the YAML does not declare raises KeyError on every call; read with
    `.get("x")` it is always None. Reads with `.get` are graded by evidence, because real plugins
    read optional knobs on purpose (a parameter taken out of the YAML, a default kept in code): a
    warning when a declared parameter that is never read looks like the name meant (one contains
    the other, `range` for `num_range`; a typo or another spelling, `temprature`, `userId` for
    `user_id`; a shared stem), otherwise info. A declared parameter that is never read is reported
    on its own, at the YAML (DPL711). A fallback such as `.get("x") or .get("X")` where one of the
    names is declared is fine. The dict is followed into the class's own methods and the plugin's
    functions it is passed to; where it escapes (a third-party call, `**spread`, iteration) the
    reads that were seen are still checked.
    """
    invalid = (
        Example(
            {"tools/echo.py": tool('        yield self.create_text_message(tool_parameters["txt"])')},
            expect=(
                (
                    "tools/echo.py:10:40-10:62",
                    '`tool_parameters["txt"]`: tools/echo.yaml does not declare `txt`, so Dify never sends it and this raises KeyError on every call; did you mean `text`?',
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": tool('        yield self.create_text_message(tool_parameters.get("search_query") or "")'),
                "tools/echo.yaml": tool_yaml(parameter("query")),
            },
            expect=(
                (
                    "tools/echo.py:10:40-10:75",
                    '`tool_parameters.get("search_query")`: tools/echo.yaml does not declare `search_query`, so it is always None; did you mean `query` (declared, never read)?',
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": tool(
                    '        text = tool_parameters["text"]\n'
                    '        t = tool_parameters.get("temprature", 0.7)\n'
                    '        yield self.create_text_message(f"{text} {t}")'
                ),
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("temperature", "number", "false")),
            },
            expect=(
                (
                    "tools/echo.py:11:13-11:51",
                    '`tool_parameters.get("temprature", 0.7)`: tools/echo.yaml does not declare `temprature`, so it always falls back to the default; did you mean `temperature` (declared, never read)?',
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": tool(
                    '        times = tool_parameters.get("times", 1)\n'
                    '        yield self.create_text_message(tool_parameters["text"] * times)'
                )
            },
            note="Nothing declared resembles `times`: a knob kept in code, which users cannot set.",
            expect=(
                (
                    "tools/echo.py:10:17-10:48",
                    '`tool_parameters.get("times", 1)`: tools/echo.yaml does not declare `times`, so it always falls back to the default and users cannot set it; declare it in the tool\'s YAML or drop the read',
                ),
            ),
        ),
    )
    valid = (
        Example({}),
        Example(
            {
                "tools/echo.py": tool(
                    '        text = tool_parameters.get("text") or tool_parameters.get("Text")\n'
                    "        yield self.create_text_message(text)"
                )
            }
        ),
        Example(
            {
                "tools/echo.py": tool(
                    "        yield self.create_text_message(render(tool_parameters))\n\n\n"
                    "def render(params: dict) -> str:\n"
                    '    return params["text"]'
                )
            }
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        result = ctx.get(CONTRACTS)
        for contract in result.contracts:
            if contract.dynamic or contract.dict_name is None or not contract.first:
                continue
            yield from self._contract(result, contract)

    def _contract(self, result: Contracts, contract: Contract) -> Iterator[Finding]:
        doc = contract.declaration.doc
        flow = contract.flow
        declared = contract.all_declared()
        read_keys = flow.read_keys()
        weak = flow.complete and not contract.shared  # a shared stem or a contained name counts only when every read is seen
        credentials = provider_credentials(contract.declaration)
        reported: set[tuple[str, bool]] = set()
        what = "tool" if contract.declaration.kind == "tool" else "agent strategy"
        for read in sorted(flow.reads, key=position):
            key = read.key
            if read.group is not None and (read.group in contract.satisfied_groups or read.group in result.satisfied_groups):
                continue
            if key in declared or key in flow.stores:
                continue
            if flow.opaque:
                continue
            marker = (key, read.how == "index" and not read.guarded)
            if marker in reported:
                continue
            reported.add(marker)
            related = [n for n in related_names(key, declared, weak) if n not in read_keys]
            where = not_declared(contract, key)
            expr = dict_expr(read)
            span = node_span(read.module, read.node)
            see = parameters_related(doc, declared, related[:1])
            if read.how == "index" and not read.guarded:
                close = related or typos(key, declared)
                hint = (
                    f"; did you mean `{close[0]}`?"
                    if close
                    else (
                        "; it is a provider credential: read it from `self.runtime.credentials`"
                        if key in credentials
                        else "; declare it or read it with `.get()`"
                    )
                )
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so Dify never sends it and this raises KeyError on every call{hint}",
                    Severity.ERROR,
                    see,
                )
            elif related:
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {outcome(read)}; did you mean `{related[0]}` (declared, never read)?",
                    Severity.WARNING,
                    see,
                )
            elif key in credentials:
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {outcome(read)}; `{key}` is a provider credential: read it from"
                    " `self.runtime.credentials`",
                    Severity.WARNING,
                    see,
                )
            else:
                yield Finding(
                    read.module.path,
                    span,
                    f"{expr}: {where}, so {outcome(read)} and users cannot set it; declare it in the {what}'s"
                    " YAML or drop the read",
                    Severity.INFO,
                    see,
                )
