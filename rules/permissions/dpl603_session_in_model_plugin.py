"""DPL603 session-in-model-plugin."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS
from dify_lint.model.declarations import is_model_plugin
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule


class SessionInModelPlugin(Rule):
    code = "DPL603"
    name = "session-in-model-plugin"
    summary = "A model plugin calls back into Dify, which the daemon refuses"
    explanation = """
    While it serves a model request, a plugin may not call back into Dify: the daemon answers
    `you can not invoke dify from model`. Model providers and model classes must not use
    `self.session`.
    """
    invalid = (
        Example(
            {
                "models/llm/llm.py": """\
from dify_plugin import LargeLanguageModel


class ExampleLargeLanguageModel(LargeLanguageModel):
    def _invoke(self, model, credentials, prompt_messages, model_parameters, tools=None, stop=None, stream=True, user=None):
        summary = self.session.model.summary.invoke(text="x", instruction="shorten")
        raise NotImplementedError(summary)

    def get_num_tokens(self, model, credentials, prompt_messages, tools=None):
        return 0

    def validate_credentials(self, model, credentials):
        pass

    @property
    def _invoke_error_mapping(self):
        return {}
"""
            },
            base="model",
            expect=(
                (
                    "models/llm/llm.py:6:19-6:52",
                    "a model plugin cannot call `session.model.summary.invoke`: the daemon answers `you can not invoke dify from model`",
                ),
            ),
        ),
    )
    valid = (Example({}, base="model"),)

    requires = (PYTHON_MODULES, SESSION_CALLS)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        if not is_model_plugin(plugin):
            return
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                yield Finding(
                    module.path,
                    node_span(module, call.node.func),
                    f"a model plugin cannot call `{'.'.join(('session', *call.path))}`: the daemon answers"
                    " `you can not invoke dify from model`",
                )
