"""A loop's first round reporting (taken back unless it was the fixed point) finds exactly what
interpreting every loop silently to its fixed point first finds."""

from __future__ import annotations

import pytest

from dify_lint.analysis.results.interpreter import Interpreter
from dify_lint.registry import all_rules
from helpers import FIXTURES, build, lint_root

#: loops whose first round is not the fixed point: a value that changes in the body is used
#: before it changes, so the first round sees less than the last
SHIFTING_LOOPS = {
    "tools/echo.py": """from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
        model = tool_parameters["model"]
        text = "start"
        for chunk in self.session.model.llm.invoke(model_config=model, prompt_messages=[], stream=True):
            yield self.create_text_message(text.upper())
            text = chunk.delta.message.content
        while True:
            part = text
            text = part.strip()
            yield self.create_text_message(text)
            if not text:
                break
        stream = False
        for _ in range(2):
            result = self.session.model.llm.invoke(model_config=model, prompt_messages=[], stream=stream)
            for chunk in result:
                yield self.create_text_message(str(chunk))
            stream = True
""",
}


def _findings(run) -> list[tuple]:
    return [(d.code, d.path, d.span.start.line, d.span.start.column, d.message) for d in run()]


def _both(run) -> tuple[list, list]:
    speculative = _findings(run)
    Interpreter.SPECULATE = False
    try:
        silent = _findings(run)
    finally:
        Interpreter.SPECULATE = True
    return speculative, silent


@pytest.mark.parametrize(
    "root",
    sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(("results", "models", "docs"))),
    ids=lambda p: p.name,
)
def test_every_result_fixture_finds_the_same(root):
    speculative, silent = _both(lambda: lint_root(root))
    assert speculative == silent


def test_every_results_rule_example_finds_the_same(tmp_path):
    compared = 0
    for rule in all_rules():
        if not rule.code.startswith("DPL5"):
            continue
        for index, example in enumerate((*rule.invalid, *rule.valid)):
            root = build(tmp_path / f"{rule.code}-{index}", example.files, example.base)
            speculative, silent = _both(lambda: lint_root(root))
            assert speculative == silent, f"{rule.code} example {index + 1}"
            compared += 1
    assert compared > 20


def test_a_loop_whose_first_round_is_not_its_fixed_point(tmp_path):
    root = build(tmp_path, SHIFTING_LOOPS)
    speculative, silent = _both(lambda: lint_root(root))
    assert speculative == silent
    assert any(code == "DPL501" for code, *_ in speculative)  # the content reaches `text.upper()` only after a round
