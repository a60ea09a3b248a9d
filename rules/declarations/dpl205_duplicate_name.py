"""DPL205 duplicate-name."""

from __future__ import annotations

from typing import Iterable

from dify_lint.model.declarations import Parameter, parameters
from dify_lint.model.plugin import KIND_LABELS, Declaration
from dify_lint.rule import Example, Finding, Rule

from ._common import provider_yaml, tool_yaml


class DuplicateName(Rule):
    code = "DPL205"
    name = "duplicate-name"
    summary = "Two tools, strategies, datasources or events of one provider, or two parameters, share a name"
    explanation = """
    The SDK registers tools, strategies, datasources and events by `identity.name` in a dict, so a
    second one with the same name silently replaces the first. Two parameters of one declaration
    with the same name collide the same way in the arguments the code receives.
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
                    "tool name `echo` is already used by tools/echo.yaml; the SDK keeps only one of them",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        for declaration in ctx.plugin.declarations:
            seen: dict[str, Declaration] = {}
            for child in declaration.children:
                name = child.doc.get("identity", "name")
                if not isinstance(name, str) or child.kind in ("model", "model_position"):
                    continue
                if name in seen:
                    yield self.at(
                        child.doc,
                        ("identity", "name"),
                        f"{KIND_LABELS[child.kind]} name `{name}` is already used by {seen[name].doc.path};"
                        " the SDK keeps only one of them",
                    )
                else:
                    seen[name] = child
        by_declaration: dict[tuple[str, tuple], dict[str, Parameter]] = {}
        for parameter in parameters(ctx.plugin):
            name = parameter.data.get("name")
            if not isinstance(name, str) or not isinstance(parameter.at[-1], int):
                continue
            group = by_declaration.setdefault((parameter.declaration.doc.path, parameter.at[:-1]), {})
            if name in group:
                first = parameter.declaration.doc.span(group[name].at).start.line
                yield self.at(
                    parameter.declaration.doc,
                    (*parameter.at, "name"),
                    f"parameter name `{name}` is already used at line {first}",
                )
            else:
                group[name] = parameter
