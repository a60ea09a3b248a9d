"""DPL205 duplicate-name."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Related, Severity
from dify_lint.model.declarations import Parameter, parameters
from dify_lint.model.plugin import KIND_LABELS, Declaration
from dify_lint.rule import Example, Finding, Rule

from ._common import provider_yaml, text_parameter, tool_yaml

_NUMBER_PARAMETER = """
  - name: times
    type: number
    required: false
    form: form
    label:
      en_US: Times
    human_description:
      en_US: How often to repeat."""


class DuplicateName(Rule):
    code = "DPL205"
    name = "duplicate-name"
    summary = "Two tools, strategies, datasources or events of one provider, or two parameters, share a name"
    grades = {
        Severity.ERROR: "two tools, strategies, datasources or events: only the last one's code ever runs",
        Severity.WARNING: "two parameters, credentials or settings: the form shows the field twice",
    }
    explanation = """
    The SDK registers tools, strategies, datasources and events by `identity.name` in a dict, so of
    two with the same name only the last one's code ever runs: Dify lists both, and a call to
    either runs the last. That is an error.

    Two parameters (or credentials, or settings) of one declaration with the same name load
    without complaint: the form shows the field twice, both copies edit one value, and the code
    receives that one value. That is a warning, reported once per repeated block (a pasted copy
    of several parameters is one finding, the other repeats named as related locations).
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": provider_yaml(tools="  - tools/echo.yaml\n  - tools/echo_again.yaml\n"),
                "tools/echo_again.yaml": tool_yaml(),
            },
            expect=(
                (
                    "tools/echo_again.yaml:3:9-3:13",
                    "tool name `echo` is already used by tools/echo.yaml; the SDK registers them by name,"
                    " so a call to either runs the code of the last one",
                ),
            ),
        ),
        Example(
            {"tools/echo.yaml": tool_yaml(text_parameter() + _NUMBER_PARAMETER + "\n" + text_parameter() + _NUMBER_PARAMETER)},
            note="A pasted copy of two parameters: one finding for the block.",
            expect=(
                (
                    "tools/echo.yaml:28:11-28:15",
                    "parameters `text` and `times` repeat the ones at lines 11-20; the form shows each field twice"
                    " and both copies edit one value: remove the repeated block",
                ),
            ),
        ),
    )
    valid = (Example({"tools/echo.yaml": tool_yaml(text_parameter() + _NUMBER_PARAMETER)}),)

    def check(self, ctx) -> Iterable[Finding]:
        yield from self._declaration_names(ctx.plugin)
        yield from self._parameter_names(ctx.plugin)

    def _declaration_names(self, plugin) -> Iterable[Finding]:
        for declaration in plugin.declarations:
            seen: dict[str, Declaration] = {}
            for child in declaration.children:
                name = child.doc.get("identity", "name")
                if not isinstance(name, str) or child.kind in ("model", "model_position"):
                    continue
                if name not in seen:
                    seen[name] = child
                    continue
                label = KIND_LABELS[child.kind]
                first = seen[name].doc
                yield self.at(
                    child.doc,
                    ("identity", "name"),
                    f"{label} name `{name}` is already used by {first.path}; the SDK registers them by name,"
                    " so a call to either runs the code of the last one",
                    related=(Related(first.path, first.span(("identity", "name")), f"the first {label} named `{name}`"),),
                )

    def _parameter_names(self, plugin) -> Iterable[Finding]:
        groups: dict[tuple[str, tuple], list[Parameter]] = {}
        for parameter in parameters(plugin):
            if isinstance(parameter.data.get("name"), str) and isinstance(parameter.at[-1], int):
                groups.setdefault((parameter.declaration.doc.path, parameter.at[:-1]), []).append(parameter)
        for group in groups.values():
            for block, originals in _repeated_blocks(group):
                yield self._block_finding(block, originals)

    def _block_finding(self, block: list[Parameter], originals: list[Parameter]) -> Finding:
        doc = block[0].declaration.doc
        lines = sorted(doc.span((*p.at, "name")).start.line for p in originals)
        names = [p.data["name"] for p in block]
        if len(block) == 1:
            what = f"parameter name `{names[0]}` is already used at line {lines[0]}"
            advice = "remove or rename one"
            edit = "the form shows the field twice and both copies edit one value"
        else:
            shown = ", ".join(f"`{n}`" for n in names[:-1]) + f" and `{names[-1]}`"
            where = f"lines {lines[0]}-{lines[-1]}" if lines[0] != lines[-1] else f"line {lines[0]}"
            what = f"parameters {shown} repeat the ones at {where}"
            advice = "remove the repeated block"
            edit = "the form shows each field twice and both copies edit one value"
        related = tuple(Related(doc.path, doc.span((*p.at, "name")), f"`{p.data['name']}` repeated here") for p in block[1:])
        return self.at(doc, (*block[0].at, "name"), f"{what}; {edit}: {advice}", severity=Severity.WARNING, related=related)


def _repeated_blocks(group: list[Parameter]) -> list[tuple[list[Parameter], list[Parameter]]]:
    """Runs of consecutive parameters each repeating an earlier name, with the parameters they repeat."""
    first: dict[str, Parameter] = {}
    blocks: list[tuple[list[Parameter], list[Parameter]]] = []
    previous_repeated = False
    for parameter in group:
        name = parameter.data["name"]
        original = first.get(name)
        if original is None:
            first[name] = parameter
            previous_repeated = False
            continue
        if previous_repeated:
            blocks[-1][0].append(parameter)
            blocks[-1][1].append(original)
        else:
            blocks.append(([parameter], [original]))
        previous_repeated = True
    return blocks
