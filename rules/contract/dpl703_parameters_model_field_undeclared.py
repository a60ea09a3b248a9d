"""DPL703 parameters-model-field-undeclared."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import CONTRACTS
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.textmatch import near_names

from ._common import STRATEGY_PY, not_declared, parameters_related


class ParametersModelField(Rule):
    code = "DPL703"
    name = "parameters-model-field-undeclared"
    summary = "A required field of the pydantic model built from the parameters is not declared in the YAML"
    explanation = """
    Agent strategies (and some tools) turn their parameters into a pydantic model:
    `Params(**parameters)`. Dify sends only the parameters the YAML declares, so a field without a
    default whose name the YAML never declares makes that line raise a ValidationError (`Field
    required`) on every call. In pydantic 2 an optional type is not a default: `note: str | None`
    (or `Optional[str]`) without `= None` is required too. Declare the parameter, give the field a
    default, or fix the name.
    """
    invalid = (
        Example(
            {"strategies/simple.py": STRATEGY_PY.format(extra="    max_rounds: int\n")},
            base="agent",
            expect=(
                (
                    "strategies/simple.py:14:5-14:15",
                    "`SimpleParams.max_rounds` is required, but strategies/simple.yaml does not declare `max_rounds`: building the model raises ValidationError (`Field required`) on every call",
                ),
            ),
        ),
        Example(
            {"strategies/simple.py": STRATEGY_PY.format(extra="    note: str | None\n")},
            base="agent",
            note="in pydantic 2 an optional type without `= None` is still a required field",
            expect=(
                (
                    "strategies/simple.py:14:5-14:9",
                    "`SimpleParams.note` is required, but strategies/simple.yaml does not declare `note`: building the model raises ValidationError (`Field required`) on every call",
                ),
            ),
        ),
    )
    valid = (
        Example({}, base="agent"),
        Example(
            {"strategies/simple.py": STRATEGY_PY.format(extra="    max_rounds: int = 3\n    note: str | None = None\n")},
            base="agent",
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        for contract in ctx.get(CONTRACTS).contracts:
            if contract.dynamic or not contract.first:
                continue
            doc = contract.declaration.doc
            declared = contract.all_declared()
            seen: set[int] = set()
            for use in contract.flow.models:
                if id(use.cls) in seen:
                    continue
                seen.add(id(use.cls))
                for model_field in contract.flow.model_fields(use).values():
                    if not model_field.required or model_field.name in declared or model_field.name in contract.flow.stores:
                        continue
                    near = near_names(model_field.name, declared)
                    hint = f"; did you mean `{near[0]}`?" if near else ""
                    yield Finding(
                        model_field.module.path,
                        node_span(model_field.module, model_field.node),
                        f"`{model_field.cls}.{model_field.name}` is required, but {not_declared(contract, model_field.name)}:"
                        " building the model raises ValidationError (`Field required`) on every"
                        f" call{hint}",
                        related=parameters_related(doc, declared, near[:1]),
                    )
