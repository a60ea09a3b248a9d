"""DPL402 llm-config-missing-mode."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import MODEL_CALLS, SELECTORS
from dify_lint.diagnostics import Severity
from dify_lint.python.astutil import name_text, node_span, string_value
from dify_lint.rule import Example, Finding, Rule
from dify_lint.sdk import LLM_MODES

from ._common import add_key_fix, built_label, llm_configs, llm_tool, related_call


class LlmConfigMissingMode(Rule):
    code = "DPL402"
    name = "llm-config-missing-mode"
    summary = "An LLM config built in code has no `mode`, or a literal mode Dify does not know"
    grades = {
        Severity.ERROR: "the config has no `mode`, or `mode` is None or empty",
        Severity.WARNING: "`mode` is a string that is not an LLM mode Dify's models declare",
    }
    explanation = """
    `LLMModelConfig` requires `mode` (`chat` or `completion`, as the model's
    `model_properties.mode` says). Without it pydantic raises `mode Field required` before
    anything is sent; a dict passed to `session.model.llm.invoke` is turned into
    `LLMModelConfig(**d)` and fails the same way, and the daemon refuses an empty mode. A value
    from a model-selector carries `mode` (the UI fills it), so only configs built in code are
    checked; a `**spread` whose keys cannot be known keeps the rule silent.
    """
    invalid = (
        Example(
            llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", completion_params={})'),
            expect=(
                (
                    "tools/echo.py:12:26-12:102",
                    '`LLMModelConfig(...)` has no `mode`: pydantic raises `mode Field required` before the request is sent. Add `mode="chat"` (or "completion", as the model\'s model_properties.mode says), or let the user pick the model with a model-selector parameter',
                ),
            ),
            note='The fix (unsafe: the model may be a completion model) adds `mode="chat"`.',
            fixed={
                "tools/echo.py": llm_tool(
                    'LLMModelConfig(provider="openai", model="gpt-4o-mini", completion_params={}, mode="chat")'
                )["tools/echo.py"]
            },
        ),
        Example(
            llm_tool('{"provider": "openai", "model": "gpt-4o-mini", "mode": "chatt", "completion_params": {}}'),
            expect=(
                (
                    "tools/echo.py:12:81-12:88",
                    '`mode` is \'chatt\', not an LLM mode: Dify\'s models declare `chat` or `completion`; write `mode="chat"` or `mode="completion"`',
                ),
            ),
        ),
    )
    valid = (
        Example(llm_tool('LLMModelConfig(provider="openai", model="gpt-4o-mini", mode="chat", completion_params={})')),
        Example(llm_tool('tool_parameters["model"]', scope="llm")),
    )

    requires = (MODEL_CALLS, SELECTORS)
    fixable = "unsafe"

    def check(self, ctx) -> Iterable[Finding]:
        for mc, built, keys in llm_configs(ctx.get(MODEL_CALLS), ctx.get(SELECTORS)):
            if "mode" not in keys.present:
                if not keys.complete:
                    continue
                what = (
                    f"{built_label(built)} has no `mode`: pydantic raises `mode Field required` before the request is sent"
                    if built.class_name
                    else f"this dict has no `mode`: `{mc.name}` turns it into `LLMModelConfig(**config)`, which raises"
                    " `mode Field required`"
                )
                yield Finding(
                    built.module.path,
                    node_span(built.module, built.node),
                    what + '. Add `mode="chat"` (or "completion", as the model\'s model_properties.mode says),'
                    " or let the user pick the model with a model-selector parameter",
                    related=related_call(mc, built),
                    fix=add_key_fix(built, "mode", '"chat"', 'Add `mode="chat"` (check the model\'s mode)'),
                )
                continue
            node = keys.present["mode"]
            if node is None:
                continue
            value = string_value(node)
            if value is None and name_text(node) == "None":
                message = "`mode` is None: `LLMModelConfig` needs a string, so pydantic raises before the request is sent"
                severity = None
            elif value is None:
                continue
            elif not value.strip():
                message = "`mode` is empty: the daemon refuses the request (`mode` is required)"
                severity = None
            elif value in LLM_MODES:
                continue
            else:
                message = f"`mode` is {value!r}, not an LLM mode: Dify's models declare `chat` or `completion`"
                severity = Severity.WARNING
            yield Finding(
                built.module.path,
                node_span(built.module, node),
                message + '; write `mode="chat"` or `mode="completion"`',
                severity=severity,
                related=related_call(mc, built),
            )
