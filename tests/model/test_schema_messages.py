"""Schema errors become sentences at the node they are about, never a validator dump."""

from __future__ import annotations

from dify_lint.model.schema import check
from dify_lint.model.yamldoc import YamlDoc

TOOL = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Repeats.
  llm: Repeats.
parameters:
  - name: text
    type: string
    required: true
    form: {form}
    label:
      en_US: Text
    human_description:
      en_US: The text.
extra:
  python:
    source: tools/echo.py
"""


def issues(text: str, kind: str = "tool"):
    doc = YamlDoc.parse("t.yaml", text)
    return doc, check(doc, kind, kind)


def test_enum_message_with_suggestion_at_the_value():
    doc, found = issues(TOOL.format(form="llmm"))
    (issue,) = found
    assert issue.message == "`form` must be one of schema, form, llm; got `llmm`; did you mean `llm`?"
    assert doc.span(issue.at, key=issue.key).start.line == 14


def test_required_key_is_named_and_points_at_the_parent():
    doc, found = issues(TOOL.format(form="llm").replace("    human_description:\n      en_US: The text.\n", ""))
    (issue,) = found
    assert issue.message == "`parameters` item `text` is missing the required key `human_description`"
    assert issue.at == ("parameters", 0)


def test_unknown_key_with_did_you_mean():
    _, found = issues(TOOL.format(form="llm").replace("required: true", "requried: true"))
    unknown = [i for i in found if i.unknown_key]
    assert unknown and unknown[0].message.startswith("unknown key `requried`")
    assert "did you mean `required`?" in unknown[0].message


def test_empty_and_non_mapping_documents():
    _, found = issues("")
    assert found[0].message == "the file is empty; a tool file must hold a mapping"
    _, found = issues("- a\n- b\n")
    assert found[0].message == "a tool file must hold a mapping; got a list"


def test_side_that_rejects_is_named():
    manifest = YamlDoc.parse("manifest.yaml", "author: Example\n")
    found = check(manifest, "manifest", "manifest")
    author = next(i for i in found if i.at == ("author",))
    assert "daemon" in author.message


def test_messages_never_dump_the_validator():
    _, found = issues("identity: 5\ndescription: [1]\nparameters: {a: 1}\nextra: 7\n")
    assert found
    for issue in found:
        assert "is not of type" not in issue.message and "{" not in issue.message


def test_typos_are_near_misses_and_leftovers_are_not():
    _, found = issues(
        TOOL.format(form="llm")
        .replace("required: true", "requried: true")
        .replace("  name: echo\n", "  name: echo\n  icon: echo.svg\n")
    )
    unknown = {i.at[-1]: i for i in found if i.unknown_key}
    assert unknown["requried"].near_miss
    assert not unknown["icon"].near_miss and unknown["icon"].message == "unknown key `icon` in `identity`; Dify ignores it"
