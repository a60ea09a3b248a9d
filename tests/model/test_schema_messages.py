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


# -- what the daemon checks is what the SDK sends it ------------------------------------------

MODEL_PROVIDER = """\
provider: demo
label:
  en_US: Demo
supported_model_types:
  - llm
configurate_methods:
  - customizable-model
model_credential_schema:
  model:
    label:
      en_US: Model name
  credential_form_schemas:
{forms}
extra:
  python:
    provider_source: provider/demo.py
"""

FORM = """\
    - variable: key_{n}
      label:
        en_US: Key {n}
      type: text-input
"""


def test_help_on_a_model_credential_form_is_one_inert_key():
    # The SDK drops `help` here, so the daemon never validates its shape: one info, nothing inside.
    forms = FORM.format(n=1) + "      help:\n        text:\n          en_US: Where to find it.\n"
    doc, found = issues(MODEL_PROVIDER.format(forms=forms), "model_provider")
    (issue,) = found
    assert issue.unknown_key and not issue.near_miss
    assert issue.message.startswith("`help` is not read here: the SDK drops `help` from a model credential form")
    assert doc.span(issue.at, key=issue.key).start.line == 17


def test_a_help_string_still_fails_the_daemon_reading_the_yaml():
    forms = FORM.format(n=1) + "      help: Where to find it.\n"
    _, found = issues(MODEL_PROVIDER.format(forms=forms), "model_provider")
    decode = [i for i in found if not i.unknown_key]
    assert [i.side for i in decode] == ["decode"]
    assert "cannot read it when the plugin is packaged or installed" in decode[0].message


def test_too_many_credential_forms_are_rejected_in_remote_debugging():
    forms = "".join(FORM.format(n=n) for n in range(33))
    _, found = issues(MODEL_PROVIDER.format(forms=forms), "model_provider")
    (issue,) = found
    assert issue.side == "debug"
    assert issue.message.startswith("`credential_form_schemas` must have at most 32 items; got 33 (remote debugging rejects it")


SELECT = TOOL.replace(
    "    type: string\n", "    type: select\n    options:\n      - value: {value}\n        label:\n          en_US: One\n"
)


def test_option_values_are_checked_as_the_sdk_sends_them():
    # `value:` empty becomes the string "None" in the SDK: neither side refuses it.
    for value in ("", "null", "3", "true"):
        _, found = issues(SELECT.format(value=value, form="llm"))
        assert found == [], value
    doc, found = issues(SELECT.format(value='""', form="llm"))
    (issue,) = found
    assert issue.side == "debug" and issue.message.startswith("`value` must not be empty (remote debugging rejects it")
    _, found = issues(SELECT.format(value="{a: 1}", form="llm"))
    assert [i.side for i in found] == ["decode"]


def test_a_quoted_boolean_fails_only_when_the_daemon_reads_the_yaml():
    _, found = issues(TOOL.format(form="llm").replace("required: true", 'required: "true"'))
    (issue,) = found
    assert issue.side == "decode"


def test_keys_the_sdk_drops_are_not_validated_for_the_daemon():
    provider = (
        "identity:\n  author: example\n  name: demo\n  label:\n    en_US: Demo\n  description:\n    en_US: Demo.\n"
        "  icon: icon.svg\ncredentials_schema:\n  - name: key\n    type: text-input\n"
        "tools: []\nextra:\n  python:\n    source: provider/demo.py\n"
    )
    _, found = issues(provider, "tool_provider")
    assert found == []  # the missing `label` would matter only if the SDK sent `credentials_schema`


def test_the_manifest_is_validated_when_packaged():
    manifest = YamlDoc.parse("manifest.yaml", "author: Example\n")
    found = check(manifest, "manifest", "manifest")
    author = next(i for i in found if i.at == ("author",))
    assert author.side == "package" and "when the plugin is packaged" in author.message


# -- where an unknown key belongs ---------------------------------------------------------------


def unknown(text: str, kind: str = "tool") -> dict:
    _, found = issues(text, kind)
    return {i.at[-1]: i for i in found if i.unknown_key}


def test_no_suggestion_of_a_key_already_present():
    found = unknown(TOOL.format(form="llm").replace("    required: true\n", "    required: true\n    requred: false\n"))
    assert not found["requred"].near_miss and found["requred"].message.endswith("; Dify ignores it")


def test_no_suggestion_whose_type_does_not_fit_the_value():
    found = unknown(TOOL.format(form="llm").replace("    required: true\n", "    required: true\n    in: path\n"))
    assert not found["in"].near_miss
    found = unknown(TOOL.format(form="llm").replace("    required: true\n", "    required: true\n    mn: 3\n"))
    assert found["mn"].near_miss and found["mn"].message.endswith("did you mean `min`?")


STRATEGY = """\
identity:
  name: plan
  author: example
  label:
    en_US: Plan
description:
  en_US: Plans.
parameters:
  - name: goal
    type: string
    required: true
    label:
      en_US: Goal
    {extra}
extra:
  python:
    source: strategies/plan.py
"""


def test_a_key_from_another_declaration_kind_points_at_the_local_name():
    found = unknown(STRATEGY.format(extra="human_description:\n      en_US: What to reach."), "agent_strategy")
    issue = found["human_description"]
    assert issue.near_miss
    assert issue.message == (
        "unknown key `human_description` in `parameters` item `goal`; did you mean `help`?"
        " (`human_description` is what tool parameters call it; here Dify ignores it)"
    )
    # ...but not when the local key is already there
    found = unknown(
        STRATEGY.format(extra="help:\n      en_US: Goal.\n    human_description:\n      en_US: What to reach."), "agent_strategy"
    )
    assert not found["human_description"].near_miss


def test_a_key_one_level_too_shallow():
    found = unknown(TOOL.format(form="llm").replace("    en_US: Echo\n", "    en_US: Echo\n  zh_Hans: Echo\n", 1))
    assert found["zh_Hans"].message == (
        "unknown key `zh_Hans` in `identity`; did you mean `label.zh_Hans`? (indent it under `label`; here Dify ignores it)"
    )


def test_a_key_one_level_too_deep():
    manifest = YamlDoc.parse("manifest.yaml", "meta:\n  version: 0.0.1\n  repo: https://github.com/example/demo\n")
    found = {i.at[-1]: i for i in check(manifest, "manifest", "manifest") if i.unknown_key}
    assert found["repo"].near_miss
    assert found["repo"].message == "unknown key `repo` in `meta`; move it up to the top level (here Dify ignores it)"


def test_a_block_shaped_like_a_missing_known_block():
    provider = (
        "identity:\n  author: example\n  name: demo\n  label:\n    en_US: Demo\n  description:\n    en_US: Demo.\n"
        "  icon: icon.svg\nsettings_for_user:\n  - name: key\n    type: secret-input\n    label:\n      en_US: Key\n"
        "tools: []\nextra:\n  python:\n    source: provider/demo.py\n"
    )
    found = unknown(provider, "tool_provider")
    assert found["settings_for_user"].near_miss
    assert "did you mean `credentials_for_provider`?" in found["settings_for_user"].message
    assert "written as a mapping from each credential's name to its settings" in found["settings_for_user"].message


def test_extra_holds_only_python():
    found = unknown(
        TOOL.format(form="llm").replace("    source: tools/echo.py\n", "    source: tools/echo.py\n  help:\n    en_US: x\n")
    )
    assert not found["help"].near_miss and found["help"].message == "unknown key `help` in `extra`; Dify ignores it"


def test_an_empty_leftover_is_not_moved():
    trigger = (
        "identity:\n  author: example\n  name: hooks\n  label:\n    en_US: Hooks\n  description:\n    en_US: Hooks.\n"
        "  icon: icon.svg\nsubscription_constructor:\n  parameters: []\noauth_schema: {}\nevents: []\n"
        "extra:\n  python:\n    source: provider/hooks.py\n"
    )
    found = unknown(trigger, "trigger_provider")
    assert not found["oauth_schema"].near_miss
    found = unknown(trigger.replace("oauth_schema: {}", "oauth_schema:\n  client_schema: []"), "trigger_provider")
    assert "did you mean `subscription_constructor.oauth_schema`?" in found["oauth_schema"].message
