"""DPL508 moderation-flag-inverted."""

from __future__ import annotations

from dify_lint.analysis.results import facts
from dify_lint.diagnostics import Severity
from dify_lint.rule import Example

from ._common import ResultRule, tool


class ModerationFlagInverted(ResultRule):
    code = "DPL508"
    name = "moderation-flag-inverted"
    key = "moderation"
    severity = Severity.WARNING
    summary = 'A moderation result is read as "safe when True"; True means the text is flagged'
    explanation = """
    `session.model.moderation.invoke` returns True when the text violates the moderation policy
    ("false if text is safe, true otherwise"). Binding it to `is_safe`, `safe` or `ok`, or answering
    with a success text in the branch where it is True, lets flagged text through. Name it `flagged`
    and treat True as a violation.
    """
    invalid = (
        Example(
            tool(
                """\
        is_safe = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        yield self.create_text_message(tool_parameters["text"] if is_safe else "blocked")
""",
                "from dify_plugin.entities.model.moderation import ModerationModelConfig\n",
            ),
            expect=(
                (
                    "tools/echo.py:11:9-11:16",
                    "`session.model.moderation.invoke` returns True when the text is flagged, so `is_safe` is True for unsafe text; name it `flagged` and treat True as a violation",
                ),
            ),
        ),
        Example(
            tool(
                """\
        result = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        if result:
            yield self.create_text_message("The text is safe.")
        else:
            yield self.create_text_message("The text was flagged.")
""",
                "from dify_plugin.entities.model.moderation import ModerationModelConfig\n",
            ),
            expect=(
                (
                    "tools/echo.py:14:12-14:18",
                    "`session.model.moderation.invoke` returns True when the text is flagged (unsafe), but this branch treats True as safe; invert the check",
                ),
            ),
        ),
    )
    valid = (
        Example(
            tool(
                """\
        flagged = self.session.model.moderation.invoke(
            model_config=ModerationModelConfig(**tool_parameters["model"]), text=tool_parameters["text"]
        )
        if flagged:
            yield self.create_text_message("The text was flagged.")
        else:
            yield self.create_text_message("The text is safe.")
""",
                "from dify_plugin.entities.model.moderation import ModerationModelConfig\n",
            )
        ),
    )

    def render(self, fact: object) -> str:
        if isinstance(fact, facts.ModerationNamedSafe):
            return (
                f"`session.model.moderation.invoke` returns True when the text is flagged, so `{fact.name}` is True for"
                " unsafe text; name it `flagged` and treat True as a violation"
            )
        return (
            "`session.model.moderation.invoke` returns True when the text is flagged (unsafe), but this branch"
            " treats True as safe; invert the check"
        )
