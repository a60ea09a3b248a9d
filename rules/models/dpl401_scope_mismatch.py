"""DPL401 scope-mismatch."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from dify_lint.analysis.keys import MODEL_CALLS, SELECTORS, VALUE_ORIGINS
from dify_lint.analysis.model_calls import ModelCall, selector_reads
from dify_lint.diagnostics import Edit, Fix
from dify_lint.model.declarations import Parameter
from dify_lint.model.yamledit import ensure
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import MODEL_TYPE_TOKENS, selector_model_type

from ._common import TYPE_WORDS, llm_tool, scope_related, where


def fitting_scope(scope: object, need: str, *, single: bool = False) -> str:
    """`scope` with its model type made `need`: the model-type tokens give way to `need`, and the
    feature tokens (`vision`, `tool-call`, which filter LLMs) stay when `need` is llm and the
    place takes more than one token (`single`: an endpoint setting takes one)."""
    tokens = [t.strip() for t in scope.split("&")] if isinstance(scope, str) and scope.strip() else []
    kept = [need]
    if need == "llm" and not single:
        kept += [t for t in tokens if t and t not in MODEL_TYPE_TOKENS and t != "all"]
    return "&".join(kept)


def scope_fix(parameter: Parameter, need: str) -> Fix | None:
    """Set the selector's `scope` in its YAML to the one that fits the endpoint its value reaches."""
    doc = parameter.declaration.doc
    scope = parameter.data.get("scope")
    wanted = fitting_scope(scope, need, single=parameter.context == "setting")
    message = f"Set `scope: {wanted}` on the model-selector `{parameter.data.get('name')}`"
    if "scope" not in parameter.data:
        edits = ensure(doc, {"scope": wanted}, at=parameter.at)
        return Fix(message, tuple(edits), "unsafe") if edits else None
    written = doc.scalar_source((*parameter.at, "scope"))
    if written is None or not isinstance(scope, str):
        return None
    start, end, text = written
    if text[:1] in ("'", '"'):
        start, end = start + 1, end - 1
    return Fix(message, (Edit(doc.path, start, end, wanted),), "unsafe")


class ScopeMismatch(Rule):
    code = "DPL401"
    name = "scope-mismatch"
    summary = "A model-selector's scope offers one model type, and its value is sent to an endpoint for another"
    explanation = """
    A model-selector's `scope` decides which models the user can pick: its first model-type token
    (`llm`, `text-embedding`, `rerank`, `moderation`, `speech2text`, `tts`; `llm` when `scope` is
    absent; other tokens such as `tool-call` or `vision` only filter). The endpoint the code calls
    decides how Dify looks the model up: `session.model.text_embedding` asks for a text-embedding
    model whatever the config says, so a chosen LLM is not found there and the call fails (the
    daemon drops the config's `model_type`). dify-lint follows the selector's value from
    `tool_parameters`, an agent strategy's `parameters`, an endpoint group's `settings` or
    `self.runtime.credentials` through variables, config classes, `self` attributes, pydantic
    parameters models and the plugin's own functions to the call, and reports the call with the
    YAML `scope` beside it.
    """
    invalid = (
        Example(
            llm_tool('tool_parameters["model"]', scope="text-embedding"),
            expect=(
                (
                    "tools/echo.py:12:26-12:50",
                    "the model-selector tool parameter `model` (tools/echo.yaml) has scope `text-embedding`: users pick a text-embedding model, but the value reaches `session.model.llm.invoke`, which needs an LLM, so Dify looks the model up as llm and fails to find it. Set `scope: llm` (feature tokens such as `&vision` may stay) or call the endpoint that fits the model",
                ),
            ),
            note="The fix (unsafe: the endpoint may be the mistake) sets the scope the endpoint needs.",
            fixed={"tools/echo.yaml": llm_tool('tool_parameters["model"]', scope="llm")["tools/echo.yaml"]},
        ),
    )
    valid = (
        Example(llm_tool('tool_parameters["model"]', scope="llm")),
        Example(llm_tool('tool_parameters.get("model")', scope="tool-call&llm")),
    )

    requires = (MODEL_CALLS, SELECTORS, VALUE_ORIGINS)
    fixable = "unsafe"

    def check(self, ctx) -> Iterable[Finding]:
        # every model type each selector's value is sent to, the calls that fit its scope included
        needs: dict[int, set[str]] = {}
        for _, parameter, need in self._reaches(ctx):
            needs.setdefault(id(parameter.data), set()).add(need)
        for finding, parameter, need in self._mismatches(ctx):
            # a selector whose value reaches endpoints for different types has no one scope that fits
            fix = scope_fix(parameter, need) if needs[id(parameter.data)] == {need} else None
            yield replace(finding, fix=fix) if fix is not None else finding

    def _reaches(self, ctx) -> Iterable[tuple[ModelCall, Parameter, str]]:
        selectors, flow = ctx.get(SELECTORS), ctx.get(VALUE_ORIGINS)
        for mc in ctx.get(MODEL_CALLS):
            need = mc.endpoint.scope_type
            if need is None:
                continue
            for read in selector_reads(selectors, flow, mc.origins):
                for parameter in selectors.of(read):
                    yield mc, parameter, need

    def _mismatches(self, ctx) -> Iterable[tuple[Finding, Parameter, str]]:
        reported: set[tuple[int, int]] = set()
        for mc, parameter, need in self._reaches(ctx):
            scope = parameter.data.get("scope")
            offered = selector_model_type(scope)
            if offered in ("all", need) or (id(mc.call.node), id(parameter.data)) in reported:
                continue
            reported.add((id(mc.call.node), id(parameter.data)))
            scope_text = f"scope `{scope}`" if isinstance(scope, str) and scope.strip() else "no `scope` (so llm)"
            yield (
                Finding(
                    mc.call.module.path,
                    node_span(mc.call.module, mc.argument),
                    f"the model-selector {where(parameter)} has {scope_text}: users pick"
                    f" {TYPE_WORDS.get(offered, offered)}, but the value reaches `{mc.name}`, which needs"
                    f" {TYPE_WORDS[need]}, so Dify looks the model up as {need} and fails to find it."
                    f" Set `scope: {need}` (feature tokens such as `&vision` may stay) or call the endpoint that"
                    " fits the model",
                    related=(scope_related(parameter, f"the selector offers {TYPE_WORDS.get(offered, offered)} here"),),
                ),
                parameter,
                need,
            )
