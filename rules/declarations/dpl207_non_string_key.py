"""DPL207 non-string-key."""

from __future__ import annotations

from typing import Any, Iterable

import yaml

from dify_lint.model.yamldoc import mark_span
from dify_lint.rule import Example, Finding, Rule

from ._common import tool_yaml

#: Below the first level of these, Dify passes data through untouched (any key type works).
FREE_FORM = {"output_schema", "input_schema", "default", "json_schema"}

_TAG_WORDS = {"int": "an integer", "float": "a number", "bool": "a boolean", "null": "null", "timestamp": "a date"}


class NonStringKey(Rule):
    code = "DPL207"
    name = "non-string-key"
    summary = "A YAML key reads as a number, boolean, null or date, not as a string"
    explanation = """
    YAML reads an unquoted `1:`, `true:`, `null:` or `2024-01-01:` key as an integer, a boolean,
    null or a date. The SDK passes these mappings to its models as keyword arguments, and Python
    refuses a key that is not a string (`keywords must be strings`), so the plugin does not start.
    Quote the key. Inside free-form data (below the first level of `output_schema`, `input_schema`,
    `default`) any key is fine.
    """
    invalid = (
        Example(
            {
                "tools/echo.yaml": tool_yaml().replace(
                    "  llm: Repeats the text it is given.", "  llm: Repeats the text it is given.\n  1: legacy"
                )
            },
            expect=(
                (
                    "tools/echo.yaml:10:3-10:4",
                    "key `1` is read by YAML as an integer, not a string; the SDK fails with `keywords must be strings`: quote it",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {"tools/echo.yaml": tool_yaml() + "output_schema:\n  type: object\n  properties:\n    200:\n      type: string\n"}
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        for declaration in ctx.plugin.declarations:
            doc = declaration.doc
            if not doc.typed_keys or doc.root is None:
                continue
            stack: list[tuple[Any, tuple[str, ...]]] = [(doc.root, ())]
            while stack:
                node, path = stack.pop()
                if isinstance(node, yaml.SequenceNode):
                    stack.extend((item, path) for item in node.value)
                    continue
                if not isinstance(node, yaml.MappingNode):
                    continue
                # the first level of `output_schema` is still a model's mapping; below it, anything goes
                free = any(key in FREE_FORM for key in path[:-1])
                for key_node, value_node in node.value:
                    if id(key_node) in doc.typed_keys and not free:
                        kind = key_node.tag.rsplit(":", 1)[-1]
                        yield Finding(
                            doc.path,
                            mark_span(key_node.start_mark, key_node.end_mark),
                            f"key `{key_node.value}` is read by YAML as {_TAG_WORDS.get(kind, kind)}, not a string;"
                            " the SDK fails with `keywords must be strings`: quote it",
                        )
                    stack.append((value_node, (*path, str(key_node.value))))
