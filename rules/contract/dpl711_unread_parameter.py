"""DPL711 unread-parameter."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from dify_lint.analysis.contracts import Contract
from dify_lint.analysis.keys import CONTRACTS, FIXED_MODELS
from dify_lint.diagnostics import Related, Severity
from dify_lint.examples import FIXED_LLM_CALL, llm_tool_example
from dify_lint.python.astutil import name_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.textmatch import related_names

from ._common import parameter, tool, tool_yaml


class UnreadParameter(Rule):
    code = "DPL711"
    name = "unread-parameter"
    summary = "A parameter the YAML declares is never read by the code"
    severity = Severity.WARNING
    explanation = """
    Users (or the model) fill in the parameters a tool's or agent strategy's YAML declares and Dify
    sends them, but a parameter the code never reads is silently ignored: its value has no effect.
    Often the code reads another name (`statusId` for the declared `status`), or the parameter was
    meant to be passed on and never was. Read it, or remove it from the YAML.

    Reported only when every read is seen: the parameters dict is followed through `_invoke`, the
    class's methods, the plugin's functions and pydantic models built from it; when it is passed
    whole to code dify-lint cannot see, spread with `**`, iterated, or read with a computed key,
    nothing is reported. Parameters that another parameter's `show_on` refers to (they steer the
    form) and tools with runtime parameters are left out.
    """
    invalid = (
        Example(
            {
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("style", required="false")),
                "tools/echo.py": tool('        yield self.create_text_message(tool_parameters["text"])'),
            },
            expect=(
                (
                    "tools/echo.yaml:20:11-20:16",
                    '`style` is declared, but tools/echo.py never reads it, so whatever users or the model give it is ignored; read it (`tool_parameters.get("style")`) or remove it from the YAML',
                ),
            ),
        ),
        Example(
            {
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("status", required="false")),
                "tools/echo.py": tool(
                    '        state = tool_parameters.get("statusId")\n'
                    '        yield self.create_text_message(tool_parameters["text"] + str(state))'
                ),
            },
            expect=(
                (
                    "tools/echo.yaml:20:11-20:17",
                    "`status` is declared, but tools/echo.py never reads it (it reads `statusId`, which is not declared), so whatever users or the model give it is ignored; make the names match",
                ),
            ),
        ),
    )
    valid = (
        Example({}),
        replace(
            llm_tool_example(FIXED_LLM_CALL),
            note="the model-selector `model` is unread beside a model fixed in code: DPL406 reports that call instead",
        ),
        Example(
            {
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("style", required="false")),
                "tools/echo.py": tool("        yield self.create_text_message(render(**tool_parameters))"),
            },
            note="the dict is spread into code dify-lint does not follow: it cannot tell `style` is unread",
        ),
    )

    requires = (CONTRACTS, FIXED_MODELS)

    def check(self, ctx) -> Iterable[Finding]:
        # A model-selector left unread beside a model fixed in code is reported at that code (DPL406).
        beside_fixed = {
            (id(f.ignored_selector.contract), f.ignored_selector.name) for f in ctx.get(FIXED_MODELS) if f.ignored_selector
        }
        for contract in ctx.get(CONTRACTS).contracts:
            if contract.dynamic or contract.dict_name is None or not contract.flow.complete or contract.entry is None:
                continue
            yield from self._contract(contract, {name for key, name in beside_fixed if key == id(contract)})

    def _contract(self, contract: Contract, reported_elsewhere: set[str]) -> Iterator[Finding]:
        doc = contract.declaration.doc
        flow = contract.flow
        read_keys = flow.read_keys() | flow.stores
        steering = _show_on_variables(contract.declared)
        undeclared = [key for key in sorted(read_keys) if key not in contract.all_declared()]
        entry = contract.entry
        assert entry is not None
        where = entry.path
        module = entry.entry.module if entry.path == entry.entry.module.path else None
        related = (Related(where, name_span(module, entry.method), "the parameters enter the code here"),) if module else ()
        for name, (index, _) in contract.declared.items():
            if name in read_keys or name in steering or name in reported_elsewhere:
                continue
            meant = related_names(name, undeclared)
            instead = f" (it reads `{meant[0]}`, which is not declared)" if meant else ""
            fix = (
                "make the names match" if meant else f'read it (`{contract.dict_name}.get("{name}")`) or remove it from the YAML'
            )
            yield self.at(
                doc,
                ("parameters", index, "name"),
                f"`{name}` is declared, but {contract.module.path} never reads it{instead}, so whatever users or the model"
                f" give it is ignored; {fix}",
                related=related,
            )


def _show_on_variables(declared: dict[str, tuple[int, dict]]) -> set[str]:
    """Parameters that steer the form: another parameter's (or option's) `show_on` names them."""
    names: set[str] = set()
    for _, item in declared.values():
        conditions = list(item.get("show_on") or []) if isinstance(item.get("show_on"), list) else []
        for option in item.get("options") or [] if isinstance(item.get("options"), list) else []:
            if isinstance(option, dict) and isinstance(option.get("show_on"), list):
                conditions.extend(option["show_on"])
        for condition in conditions:
            if isinstance(condition, dict) and isinstance(condition.get("variable"), str):
                names.add(condition["variable"])
    return names
