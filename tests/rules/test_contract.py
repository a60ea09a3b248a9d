"""DPL7xx: what the code reads and implements against what the YAML declares.

Each rule's examples run in test_rule_examples.py; these tests pin the grading of DPL701, the
paths the parameter dict is followed along, and the look-alikes (several of them found on real
plugins) that must stay silent.
"""

from __future__ import annotations

import pytest

import helpers
from dify_lint.diagnostics import Severity
from dify_lint.textmatch import near_names, stem_near, strong_near
from helpers import only, tool_source

HEAD = """\
from collections.abc import Generator
from typing import Any

from dify_plugin import Tool
from dify_plugin.entities.tool import ToolInvokeMessage


class EchoTool(Tool):
    def _invoke(self, tool_parameters: dict[str, Any]) -> Generator[ToolInvokeMessage, None, None]:
"""


def tool(body: str, after: str = "") -> str:
    return tool_source(body, after, HEAD)


def parameter(name: str, type: str = "string", required: str = "true", form: str = "llm", extra: str = "") -> str:
    return (
        f"  - name: {name}\n    type: {type}\n    required: {required}\n    form: {form}\n"
        f"    label:\n      en_US: {name}\n    human_description:\n      en_US: {name}.\n{extra}"
    )


def tool_yaml(*parameters: str, source: str = "tools/echo.py", name: str = "echo") -> str:
    return (
        f"identity:\n  author: example\n  name: {name}\n  label:\n    en_US: {name}\n"
        "description:\n  human:\n    en_US: A tool.\n  llm: A tool.\n"
        "parameters:\n" + "".join(parameters) + f"extra:\n  python:\n    source: {source}\n"
    )


def provider_yaml(tools=("tools/echo.yaml",), extra: str = "") -> str:
    listed = "".join(f"  - {t}\n" for t in tools)
    return (
        "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n"
        "    en_US: Example tools.\n  icon: icon.svg\n"
        + extra
        + "tools:\n"
        + listed
        + "extra:\n  python:\n    source: provider/example.py\n"
    )


CREDENTIALS = """\
credentials_for_provider:
  api_key:
    type: secret-input
    required: true
    label:
      en_US: API key
"""

PROVIDER_PY = """\
from typing import Any

from dify_plugin import ToolProvider


class ExampleProvider(ToolProvider):
    def _validate_credentials(self, credentials: dict[str, Any]) -> None:
        if not credentials.get("api_key"):
            raise ValueError("missing")
"""


@pytest.fixture
def lint(tmp_path):
    def run(files: dict, base: str = "tool", prefix: str = "DPL7"):
        return helpers.lint(tmp_path, files, prefix, base)

    return run


# -- near misses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [("temprature", "temperature"), ("userId", "user_id"), ("max_token", "max_tokens"), ("seed", "seeds")],
)
def test_strong_near_misses(a, b):
    assert strong_near(a, b)


@pytest.mark.parametrize(("a", "b"), [("file_path", "filename"), ("query", "query_text"), ("sampler", "sampler_name")])
def test_stem_near_misses(a, b):
    assert stem_near(a, b) and not strong_near(a, b)


@pytest.mark.parametrize(("a", "b"), [("query", "prompt"), ("days", "units"), ("url", "uri"), ("top", "topk")])
def test_not_near(a, b):
    assert not stem_near(a, b)


def test_near_names_sorted_and_without_itself():
    assert near_names("temprature", ["temperature", "temprature", "text"]) == ["temperature"]


# -- DPL701 grading ---------------------------------------------------------------------------


def test_index_read_of_undeclared_is_error(lint):
    found = only(lint({"tools/echo.py": tool('yield self.create_text_message(tool_parameters["txt"])')}), "DPL701")
    assert [d.severity for d in found] == [Severity.ERROR]
    assert "did you mean `text`?" in found[0].message
    assert found[0].related and found[0].related[0].path.endswith("tools/echo.yaml")


def test_get_of_near_miss_is_warning(lint):
    found = only(
        lint(
            {
                "tools/echo.yaml": tool_yaml(parameter("text"), parameter("temperature", "number", "false", "form")),
                "tools/echo.py": tool(
                    'text = tool_parameters["text"]\n'
                    't = tool_parameters.get("temprature", 0.7)\n'
                    'yield self.create_text_message(f"{text} {t}")'
                ),
            }
        ),
        "DPL701",
    )
    assert [d.severity for d in found] == [Severity.WARNING]
    assert "did you mean `temperature`" in found[0].message and "falls back to the default" in found[0].message


def test_get_of_a_contained_name_is_warning_and_ranked_first(lint):
    # `num_range` holds the declared `range`: that is the suggestion, before a name sharing a stem
    files = {
        "tools/echo.yaml": tool_yaml(
            parameter("text"), parameter("range", required="false"), parameter("num_rangers", required="false")
        ),
        "tools/echo.py": tool(
            'r = tool_parameters.get("num_range")\nyield self.create_text_message(tool_parameters["text"] + str(r))'
        ),
    }
    found = only(lint(files), "DPL701")
    assert [d.severity for d in found] == [Severity.WARNING]
    assert "did you mean `range` (declared, never read)?" in found[0].message


def test_get_with_an_unrelated_unread_parameter_is_info(lint):
    # regression (official comfyui txt2vid): knobs read with a default, while an unrelated declared
    # parameter is never read; the unread parameter gets its own finding at the YAML
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("model_name", required="false")),
        "tools/echo.py": tool(
            'steps = tool_parameters.get("steps", 20)\nsampler = tool_parameters.get("sampler_name")\n'
            'yield self.create_text_message(tool_parameters["text"] * steps + str(sampler))'
        ),
    }
    found = lint(files)
    assert [d.severity for d in only(found, "DPL701")] == [Severity.INFO, Severity.INFO]
    unread = only(found, "DPL711")
    assert [(d.path.endswith("tools/echo.yaml"), d.severity) for d in unread] == [(True, Severity.WARNING)]
    assert "`model_name`" in unread[0].message


def test_sibling_tools_with_the_same_reads_get_the_same_severity(lint):
    # regression (official linear tools): `teamId` is read by both tools; one declares `status`,
    # the other `includeArchived`, neither related to it
    body = 'team = tool_parameters.get("teamId", "")\nyield self.create_text_message(tool_parameters["text"] + team)'
    severities = []
    for other in ("status", "includeArchived"):
        files = {"tools/echo.yaml": tool_yaml(parameter("text"), parameter(other, required="false")), "tools/echo.py": tool(body)}
        severities.append([d.severity for d in only(lint(files), "DPL701")])
    assert severities == [[Severity.INFO], [Severity.INFO]]


def test_get_of_an_optional_knob_is_info(lint):
    found = only(
        lint(
            {
                "tools/echo.py": tool(
                    'n = tool_parameters.get("repeat", 1)\nyield self.create_text_message(tool_parameters["text"] * n)'
                )
            }
        ),
        "DPL701",
    )
    assert [d.severity for d in found] == [Severity.INFO]


def test_fallback_to_a_declared_name_is_fine(lint):
    body = 'text = tool_parameters.get("Text") or tool_parameters.get("text")\nyield self.create_text_message(text)'
    assert not only(lint({"tools/echo.py": tool(body)}), "DPL701")
    body = 'text = tool_parameters.get("content", tool_parameters.get("text"))\nyield self.create_text_message(text)'
    assert not only(lint({"tools/echo.py": tool(body)}), "DPL701")


def test_fallback_to_a_credential_is_fine(lint):
    body = (
        'key = tool_parameters.get("api_key") or self.runtime.credentials.get("api_key")\n'
        'yield self.create_text_message(tool_parameters["text"] + key)'
    )
    files = {
        "tools/echo.py": tool(body),
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY,
    }
    assert not only(lint(files), "DPL701")


def test_reading_a_credential_from_the_parameters_is_warning(lint):
    body = 'key = tool_parameters.get("api_key")\nyield self.create_text_message(tool_parameters["text"] + key)'
    files = {
        "tools/echo.py": tool(body),
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY,
    }
    found = only(lint(files), "DPL701")
    assert [d.severity for d in found] == [Severity.WARNING] and "self.runtime.credentials" in found[0].message


def test_guarded_index_read_is_not_an_error(lint):
    body = 'text = tool_parameters["text"]\nif "tone" in tool_parameters:\n    text = tool_parameters["tone"] + text\nyield self.create_text_message(text)'
    found = only(lint({"tools/echo.py": tool(body)}), "DPL701")
    assert found and all(d.severity == Severity.INFO for d in found)
    body = 'try:\n    text = tool_parameters["tone"]\nexcept KeyError:\n    text = tool_parameters["text"]\nyield self.create_text_message(text)'
    assert all(d.severity == Severity.INFO for d in only(lint({"tools/echo.py": tool(body)}), "DPL701"))


def test_keys_the_code_sets_itself(lint):
    body = 'tool_parameters["mode"] = "plain"\nparams = {**tool_parameters, "lang": "en"}\nparams.setdefault("tone", "calm")\nyield self.create_text_message(params["mode"] + params["lang"] + params["tone"] + params["text"])'
    assert not only(lint({"tools/echo.py": tool(body)}), "DPL701")


def test_one_finding_per_key(lint):
    # regression (official linear plugin): `x.get("k", "").strip() if x.get("k") else None` gave two findings
    body = 'team = tool_parameters.get("teamId", "").strip() if tool_parameters.get("teamId") else None\nyield self.create_text_message(tool_parameters["text"] + str(team))'
    assert len(only(lint({"tools/echo.py": tool(body)}), "DPL701")) == 1


# -- following the dict -----------------------------------------------------------------------


def test_followed_into_module_function_by_keyword(lint):
    after = '\n\ndef render(prefix: str, params: dict) -> str:\n    return prefix + params["txt"]\n'
    found = only(
        lint({"tools/echo.py": tool('yield self.create_text_message(render(">", params=tool_parameters))', after)}), "DPL701"
    )
    assert [d.severity for d in found] == [Severity.ERROR] and found[0].path.endswith("tools/echo.py")


def test_followed_into_an_imported_plugin_function(lint):
    files = {
        "tools/echo.py": HEAD.replace(
            "from dify_plugin import Tool", "from dify_plugin import Tool\n\nfrom tools.util import render"
        )
        + "        yield self.create_text_message(render(tool_parameters))\n",
        "tools/util.py": 'def render(values):\n    return values["txt"]\n',
    }
    found = only(lint(files), "DPL701")
    assert [(d.path.endswith("tools/util.py"), d.severity) for d in found] == [(True, Severity.ERROR)]


def test_followed_through_self_attribute_and_methods(lint):
    after = '\n    def _text(self) -> str:\n        return self.params["txt"]\n'
    body = "self.params = tool_parameters\nyield self.create_text_message(self._text())"
    found = only(lint({"tools/echo.py": tool(body, after)}), "DPL701")
    assert [d.severity for d in found] == [Severity.ERROR]


def test_comprehension_reads_are_seen(lint):
    body = 'parts = [tool_parameters.get(k) for k in ("text",)]\nwords = [tool_parameters.get("txt") for _ in range(2)]\nyield self.create_text_message(str(parts + words))'
    found = only(lint({"tools/echo.py": tool(body)}), "DPL701")
    assert [d.message.split(":")[0] for d in found] == ['`tool_parameters.get("txt")`']


def test_escape_keeps_get_reads_at_info(lint):
    # the dict goes to a third-party call that may read `prompt`: "never read" is not concluded
    body = 'requests.post("https://example.com", json=tool_parameters)\nyield self.create_text_message(tool_parameters.get("search_query") or "")'
    files = {"tools/echo.yaml": tool_yaml(parameter("query")), "tools/echo.py": tool(body)}
    found = only(lint(files), "DPL701")
    assert [d.severity for d in found] == [Severity.INFO]


@pytest.mark.parametrize(
    "escape",
    [
        "for key, value in tool_parameters.items():\n    print(key, value)",
        "client = Client(**tool_parameters)",
        'name = "pro" + "mpt"\nprint(tool_parameters[name])',
        "tool_parameters = normalise(tool_parameters)",
    ],
)
def test_escapes(lint, escape):
    body = escape + '\nyield self.create_text_message(tool_parameters.get("search_query") or "")'
    files = {"tools/echo.yaml": tool_yaml(parameter("query")), "tools/echo.py": tool(body)}
    found = lint(files)
    assert all(d.severity == Severity.INFO for d in only(found, "DPL701"))
    assert not only(found, "DPL711")  # the dict escapes: nobody can tell `query` is never read


def test_logging_the_dict_is_not_an_escape(lint):
    body = 'logger.info(f"params: {json.dumps(tool_parameters)}")\nyield self.create_text_message(tool_parameters.get("search_query") or "")'
    files = {"tools/echo.yaml": tool_yaml(parameter("query")), "tools/echo.py": tool(body)}
    assert [d.severity for d in only(lint(files), "DPL701")] == [Severity.WARNING]


def test_shared_source_uses_every_yaml(lint):
    # regression (community qdrant plugin): one class behind several tool YAML files
    files = {
        "provider/example.yaml": provider_yaml(("tools/echo.yaml", "tools/shout.yaml")),
        "tools/shout.yaml": tool_yaml(parameter("text"), parameter("loud", "boolean", "false", "form"), name="shout"),
        "tools/echo.py": tool(
            'loud = tool_parameters.get("loud", False)\nextra = tool_parameters.get("suffix")\nyield self.create_text_message(tool_parameters["text"] + str(loud) + str(extra))'
        ),
    }
    found = only(lint(files), "DPL701")
    assert len(found) == 1 and "`suffix`" in found[0].message and "none of the 2 YAML files" in found[0].message


def test_runtime_parameters_are_skipped(lint):
    after = "\n    def _get_runtime_parameters(self):\n        return []\n"
    assert not only(lint({"tools/echo.py": tool('yield self.create_text_message(tool_parameters["txt"])', after)}), "DPL701")


def test_tool_class_imported_inside_a_function_is_not_the_source(lint):
    files = {
        "provider/example.py": PROVIDER_PY.replace(
            '        if not credentials.get("api_key"):',
            '        from tools.echo import EchoTool\n\n        list(EchoTool.from_credentials(credentials).invoke({"text": "x"}))\n'
            '        if not credentials.get("api_key"):',
        ),
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
    }
    assert not lint(files)


# -- DPL702 ------------------------------------------------------------------------------------


def test_credentials(lint):
    body = 'key = self.runtime.credentials["apikey"]\nbase = self.runtime.credentials.get("base_url", "")\nyield self.create_text_message(base + key + tool_parameters["text"])'
    files = {
        "tools/echo.py": tool(body),
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY,
    }
    found = only(lint(files), "DPL702")
    assert [(d.severity, "apikey" in d.message) for d in found] == [(Severity.ERROR, True), (Severity.INFO, False)]


def test_credentials_schema_alias_declares_credentials(lint):
    extra = "credentials_schema:\n  - name: api_key\n    type: secret-input\n    label:\n      en_US: API key\n"
    body = 'yield self.create_text_message(self.runtime.credentials["api_key"] + tool_parameters["text"])'
    files = {"tools/echo.py": tool(body), "provider/example.yaml": provider_yaml(extra=extra), "provider/example.py": PROVIDER_PY}
    found = lint(files)
    assert not only(found, "DPL702") and not only(found, "DPL708")


def test_oauth_providers_are_skipped(lint):
    extra = (
        "oauth_schema:\n  client_schema:\n    - name: client_id\n      type: secret-input\n      label:\n        en_US: Client\n"
        "  credentials_schema:\n    - name: access_token\n      type: secret-input\n      label:\n        en_US: Token\n"
    )
    body = 'yield self.create_text_message(self.runtime.credentials["access_token"] + tool_parameters["text"])'
    files = {"tools/echo.py": tool(body), "provider/example.yaml": provider_yaml(extra=extra), "provider/example.py": PROVIDER_PY}
    found = lint(files)
    assert not only(found, "DPL702")
    assert [d.code for d in found] == ["DPL709"]


def test_provider_validate_reads(lint):
    files = {
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY.replace('credentials.get("api_key")', 'credentials["api_token"]'),
    }
    found = only(lint(files), "DPL702")
    assert [d.path.endswith("provider/example.py") for d in found] == [True] and found[0].severity == Severity.ERROR


# -- DPL703 ------------------------------------------------------------------------------------

STRATEGY = """\
from collections.abc import Generator
from typing import Any, Optional, Union

from pydantic import BaseModel, Field

from dify_plugin.interfaces.agent import AgentModelConfig, AgentStrategy


class Params(BaseModel):
    model: AgentModelConfig
    query: str
{fields}

class SimpleStrategy(AgentStrategy):
    def _invoke(self, parameters: dict[str, Any]) -> Generator:
        params = {build}
        yield self.create_text_message(params.query)
"""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("    rounds: int", ["rounds"]),
        ("    rounds: int = Field(..., ge=1)", ["rounds"]),
        ("    rounds: int = Field(description='x')", ["rounds"]),
        ("    rounds: int = 3", []),
        ("    rounds: int = Field(default=3)", []),
        # pydantic 2: an optional type without a default is still a required field
        ("    rounds: Optional[int]", ["rounds"]),
        ("    rounds: int | None", ["rounds"]),
        ("    rounds: Union[int, None]", ["rounds"]),
        ("    rounds: Any", ["rounds"]),
        ("    rounds: Optional[int] = None", []),
        ("    rounds: int | None = Field(None)", []),
        ("    rounds: list = Field(default_factory=list)", []),
        ("    text: str = Field(alias='query')", []),
    ],
)
def test_strategy_model_fields(lint, fields, expected):
    for build in ("Params(**parameters)", "Params.model_validate(parameters)"):
        found = only(lint({"strategies/simple.py": STRATEGY.format(fields=fields, build=build)}, base="agent"), "DPL703")
        assert [d.message.split("`")[1].split(".")[1] for d in found] == expected


def test_strategy_model_inherited_field(lint):
    source = STRATEGY.format(fields="", build="Child(**parameters)") + "\n\nclass Child(Params):\n    depth: int\n"
    found = only(lint({"strategies/simple.py": source}, base="agent"), "DPL703")
    assert len(found) == 1 and "`Child.depth`" in found[0].message


# -- DPL704 ------------------------------------------------------------------------------------


def test_optional_llm_parameter_indexed(lint):
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("suffix", required="false")),
        "tools/echo.py": tool('yield self.create_text_message(tool_parameters["text"] + tool_parameters["suffix"])'),
    }
    assert len(only(lint(files), "DPL704")) == 1


def test_optional_form_parameter_indexed_is_fine(lint):
    # regression (official telegraph plugin): form parameters are always sent, None when left empty
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("token", required="false", form="form")),
        "tools/echo.py": tool('t = tool_parameters["token"] or ""\nyield self.create_text_message(tool_parameters["text"] + t)'),
    }
    assert not only(lint(files), "DPL704")


def test_optional_parameter_pop_without_default(lint):
    # found on the official aliyuque plugin: `{**tool_parameters}.pop("token")`
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("token", "secret-input", "false")),
        "tools/echo.py": tool(
            'params = {**tool_parameters}\ntoken = params.pop("token")\nyield self.create_text_message(params["text"] + token)'
        ),
    }
    assert len(only(lint(files), "DPL704")) == 1
    files["tools/echo.py"] = tool(
        'params = {**tool_parameters}\ntoken = params.pop("token", None)\nyield self.create_text_message(params["text"] + str(token))'
    )
    assert not only(lint(files), "DPL704")


# -- DPL705 / DPL706 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ('return self.create_text_message(tool_parameters["text"])', True),
        ('print(tool_parameters["text"])', True),
        ('return "done"', True),
        ("return self._run(tool_parameters)", False),
        ('return [self.create_text_message(tool_parameters["text"])]', False),
        ("raise NotImplementedError", False),
        ('yield self.create_text_message(tool_parameters["text"])', False),
    ],
)
def test_invoke_not_generator(lint, body, expect):
    after = '\n    def _run(self, p):\n        yield self.create_text_message(p["text"])\n'
    assert bool(only(lint({"tools/echo.py": tool(body, after)}), "DPL705")) is expect


def test_async_invoke(lint):
    source = tool('yield self.create_text_message(tool_parameters["text"])').replace("def _invoke", "async def _invoke")
    assert len(only(lint({"tools/echo.py": source}), "DPL705")) == 1


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ('"done"', True),
        ('f"{1}"', True),
        ('{"a": 1}', True),
        ("json.dumps({})", True),
        ('"x" + tool_parameters["text"]', True),
        ('self.create_text_message("x")', False),
        ("message", False),
        ("result.message.get_text_content()", True),
    ],
)
def test_invoke_yields_non_message(lint, value, expect):
    body = f'message = self.create_text_message(tool_parameters["text"])\nyield {value}'
    assert bool(only(lint({"tools/echo.py": tool(body)}), "DPL706")) is expect


# -- DPL707 / DPL708 / DPL709 / DPL710 ----------------------------------------------------------


def test_dynamic_select_in_local_base_class(lint):
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("channel", "dynamic-select", "true", "form")),
        "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    def _fetch_parameter_options(self, parameter):\n        return []\n",
        "tools/echo.py": tool('yield self.create_text_message(tool_parameters["text"] + tool_parameters["channel"])')
        .replace("class EchoTool(Tool)", "class EchoTool(BaseTool)")
        .replace("from dify_plugin import Tool", "from dify_plugin import Tool\n\nfrom tools.base import BaseTool"),
    }
    assert not only(lint(files), "DPL707")


def test_dynamic_select_with_unknown_base_is_silent(lint):
    files = {
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("channel", "dynamic-select", "true", "form")),
        "tools/echo.py": tool('yield self.create_text_message(tool_parameters["text"])')
        .replace("class EchoTool(Tool)", "class EchoTool(Tool, SomeMixin)")
        .replace("from dify_plugin import Tool", "from dify_plugin import Tool\nfrom mixins import SomeMixin"),
    }
    assert not only(lint(files), "DPL707")


def test_validate_credentials_missing(lint):
    bare = "from dify_plugin import ToolProvider\n\n\nclass ExampleProvider(ToolProvider):\n    pass\n"
    assert only(lint({"provider/example.yaml": provider_yaml(extra=CREDENTIALS), "provider/example.py": bare}), "DPL708")
    assert not only(lint({"provider/example.py": bare}), "DPL708")  # no credentials, nothing to validate
    base = "from dify_plugin import ToolProvider\n\n\nclass Base(ToolProvider):\n    def _validate_credentials(self, credentials):\n        pass\n"
    files = {
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/base.py": base,
        "provider/example.py": "from .base import Base\n\n\nclass ExampleProvider(Base):\n    pass\n",
    }
    assert not only(lint(files), "DPL708")


@pytest.mark.parametrize(
    ("default", "options", "expect"),
    [
        ("loud", ["plain", "shout"], True),
        ("shout", ["plain", "shout"], False),
        ("1", [1, 2], False),
        ("true", [True, False], False),
        ("[plain, loud]", ["plain", "shout"], True),
    ],
)
def test_select_default(lint, default, options, expect):
    listed = "".join(
        f"      - value: {o if not isinstance(o, bool) else str(o).lower()}\n        label:\n          en_US: o\n"
        for o in options
    )
    multiple = "    multiple: true\n" if default.startswith("[") else ""
    extra = f"{multiple}    default: {default}\n    options:\n{listed}"
    files = {"tools/echo.yaml": tool_yaml(parameter("text"), parameter("style", "select", "false", "form", extra))}
    assert bool(only(lint(files), "DPL710")) is expect


def test_helper_shared_by_two_tools_is_judged_per_tool(lint):
    # regression (official gpustack plugin): a helper reads `negative_prompt` for every tool, one
    # tool declares it; the read must still count as undeclared for the tool that does not
    helper = 'def common(params):\n    return {"prompt": params["text"], "negative": params.get("negative_prompt", "").strip()}\n'
    body = "yield self.create_json_message(common(tool_parameters))"

    def head(source: str) -> str:
        return source.replace("from dify_plugin import Tool", "from dify_plugin import Tool\n\nfrom tools.util import common")

    files = {
        "provider/example.yaml": provider_yaml(("tools/echo.yaml", "tools/paint.yaml")),
        "tools/util.py": helper,
        "tools/echo.py": head(tool(body)),
        "tools/paint.yaml": tool_yaml(
            parameter("text"), parameter("negative_prompt", required="false"), source="tools/paint.py", name="paint"
        ),
        "tools/paint.py": head(tool(body)).replace("class EchoTool", "class PaintTool"),
    }
    found = only(lint(files), "DPL701")
    assert len(found) == 1 and "tools/echo.yaml does not declare `negative_prompt`" in found[0].message


@pytest.mark.parametrize(
    "passing",
    ["client = Client(self)", "client = Client(self.runtime)", "runtime = self.runtime"],
)
def test_credentials_read_through_self_elsewhere(lint, passing):
    # the declared `api_key` may be read where `self` (or its runtime) goes: not "never read"
    body = f'{passing}\nbase = self.runtime.credentials.get("key", "")\nyield self.create_text_message(base + tool_parameters["text"])'
    files = {
        "tools/echo.py": tool(body),
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY.replace('credentials.get("api_key")', "True"),
    }
    found = only(lint(files), "DPL702")
    assert [d.severity for d in found] == [Severity.INFO]
    files["tools/echo.py"] = tool(body.replace(passing, "client = None"))
    assert [d.severity for d in only(lint(files), "DPL702")] == [Severity.WARNING]


# -- checks before a read, in place or in a helper ----------------------------------------------

OPTIONAL_XY = tool_yaml(parameter("action"), parameter("x", "number", "false"), parameter("y", "number", "false"))


def _checked_tool(
    check: str,
    verdict: str = "problem = self._check(action, tool_parameters)\nif problem:\n    yield self.create_text_message(problem)\n    return",
) -> str:
    """A tool whose `_invoke` asks a helper about the parameters, then reads them in another method."""
    body = (
        'action = tool_parameters["action"]\n' + verdict + "\nyield self.create_text_message(self._run(action, tool_parameters))"
    )
    after = (
        "    def _check(self, action: str, params: dict):\n"
        + "".join(f"        {line}\n" for line in check.splitlines())
        + "\n    def _run(self, action: str, params: dict) -> str:\n"
        + '        if action == "click":\n'
        + "            return f\"{params['x']},{params['y']} {params['x']}\"\n"
        + '        return ""\n'
    )
    return tool(body, after)


@pytest.mark.parametrize(
    "check",
    [
        # regression (community agentbay plugin): the check applies to some actions only
        'if action in ("click", "move"):\n    if params.get("x") is None or params.get("y") is None:\n        return f"{action} needs x and y"\nreturn ""',
        'if any(params.get(k) is None for k in ["x", "y"]):\n    return "x and y are required"\nreturn ""',
        'missing = [k for k in ("x", "y") if k not in params]\nif "x" not in params or "y" not in params:\n    return "missing"\nreturn None',
        'x = params.get("x")\nif not x:\n    return "x is required"\nif "y" not in params:\n    return "y is required"\nreturn ""',
        'x = params.get("x")\nfirst = x\nif x is None or not params.get("y"):\n    return "x and y are required"\nreturn ""',
    ],
)
def test_a_helper_check_before_an_early_return_guards_later_reads(lint, check):
    assert not only(lint({"tools/echo.yaml": OPTIONAL_XY, "tools/echo.py": _checked_tool(check)}), "DPL704")


@pytest.mark.parametrize(
    ("check", "verdict"),
    [
        (
            'if params.get("x") is None or params.get("y") is None:\n    return False\nreturn True',
            "if not self._check(action, tool_parameters):\n    return",
        ),
        (
            'if "x" not in params or "y" not in params:\n    raise ValueError("x and y are required")',
            "self._check(action, tool_parameters)",
        ),
        (
            'if not params.get("x") or not params.get("y"):\n    return "x and y are required"\nreturn ""',
            "if problem := self._check(action, tool_parameters):\n    return",
        ),
    ],
)
def test_other_shapes_of_a_helper_check(lint, check, verdict):
    files = {"tools/echo.yaml": OPTIONAL_XY, "tools/echo.py": _checked_tool(check, verdict)}
    assert not only(lint(files), "DPL704")


@pytest.mark.parametrize(
    ("check", "verdict"),
    [
        # the helper checks another key only
        ('if params.get("x") is None:\n    return "x is required"\nreturn ""', None),
        # it returns the problem, but the caller does not return on it
        (
            'if params.get("x") is None or params.get("y") is None:\n    return "x and y are required"\nreturn ""',
            "problem = self._check(action, tool_parameters)\nprint(problem)",
        ),
        # the verdict is the other way round: a message is truthy, `if not` never returns on it
        (
            'if params.get("x") is None or params.get("y") is None:\n    return "x and y are required"\nreturn ""',
            "if not self._check(action, tool_parameters):\n    return",
        ),
    ],
)
def test_a_check_that_does_not_guard(lint, check, verdict):
    tool_py = _checked_tool(check, verdict) if verdict else _checked_tool(check)
    found = only(lint({"tools/echo.yaml": OPTIONAL_XY, "tools/echo.py": tool_py}), "DPL704")
    assert "`y`" in " ".join(d.message for d in found)


@pytest.mark.parametrize(
    "body",
    [
        # read before the check
        'x = tool_parameters["x"]\nself._check(tool_parameters)\nyield self.create_text_message(str(x))',
        # the check runs in one branch only; the read is after the branch
        'if tool_parameters["action"] == "go":\n    self._check(tool_parameters)\nyield self.create_text_message(str(tool_parameters["x"]))',
        # the check's result is not acted on
        'self._valid(tool_parameters)\nyield self.create_text_message(str(tool_parameters["x"]))',
    ],
)
def test_a_read_the_check_does_not_precede_is_not_guarded(lint, body):
    after = (
        "    def _check(self, params: dict) -> None:\n"
        '        if "x" not in params:\n            raise ValueError("x")\n\n'
        "    def _valid(self, params: dict) -> bool:\n"
        '        if "x" not in params:\n            return False\n        return True\n'
    )
    found = only(lint({"tools/echo.yaml": OPTIONAL_XY, "tools/echo.py": tool(body, after)}), "DPL704")
    assert ["`x`" in d.message for d in found] == [True]


def test_one_finding_per_key_and_function(lint):
    body = 'a = tool_parameters["x"]\nb = tool_parameters["x"]\nyield self.create_text_message(f"{a}{b}{self._more(tool_parameters)}")'
    after = '    def _more(self, params: dict) -> str:\n        return str(params["x"]) + str(params["x"])\n'
    found = only(lint({"tools/echo.yaml": OPTIONAL_XY, "tools/echo.py": tool(body, after)}), "DPL704")
    assert [d.span.start.line for d in found] == [10, 14]


ENDPOINT_PY = """\
from collections.abc import Mapping

from dify_plugin import Endpoint
from werkzeug import Request, Response


class HelloEndpoint(Endpoint):
    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
        return Response(self._greet(settings), status=200)

    def _greet(self, settings: Mapping) -> str:
        return {read}
"""


def _group(extra: str) -> str:
    return (
        "settings:\n  - name: greeting\n    type: text-input\n"
        + extra
        + "    label:\n      en_US: Greeting\nendpoints:\n  - endpoints/hello.yaml\n"
    )


@pytest.mark.parametrize(
    ("extra", "read", "expect"),
    [
        ("    required: false\n", 'settings["greeting"]', 1),
        ("", 'settings["greeting"]', 1),
        ("    required: true\n", 'settings["greeting"]', 0),
        ("    required: false\n    default: hi\n", 'settings["greeting"]', 0),
        ("    required: false\n", 'settings.get("greeting", "hi")', 0),
        ("    required: false\n", 'settings["greeting"] if "greeting" in settings else "hi"', 0),
    ],
)
def test_optional_endpoint_settings(lint, extra, read, expect):
    files = {"group/example.yaml": _group(extra), "endpoints/hello.py": ENDPOINT_PY.format(read=read)}
    assert len(only(lint(files, base="endpoint"), "DPL704")) == expect


OPTIONAL_REGION = CREDENTIALS + "  region:\n    type: text-input\n    required: false\n    label:\n      en_US: Region\n"


@pytest.mark.parametrize(
    ("credentials", "provider_read", "expect"),
    [
        (OPTIONAL_REGION, 'credentials["region"]', 1),
        (OPTIONAL_REGION.replace("required: false", "required: false\n    default: eu"), 'credentials["region"]', 0),
        (OPTIONAL_REGION, 'credentials.get("region")', 0),
    ],
)
def test_optional_credentials_read_in_validation(lint, credentials, provider_read, expect):
    provider = PROVIDER_PY.replace('credentials.get("api_key")', provider_read)
    files = {"provider/example.yaml": provider_yaml(extra=credentials), "provider/example.py": provider}
    found = only(lint(files), "DPL704")
    assert len(found) == expect
    assert all("optional credential" in d.message for d in found)


def test_optional_credentials_of_an_oauth_provider_are_not_judged(lint):
    oauth = "oauth_schema:\n  client_schema: []\n  credentials_schema: []\n"
    provider = PROVIDER_PY.replace('credentials.get("api_key")', 'credentials["region"]')
    files = {"provider/example.yaml": provider_yaml(extra=OPTIONAL_REGION + oauth), "provider/example.py": provider}
    assert not only(lint(files), "DPL704")


# -- DPL702: every tool, and names that are the tool's parameters ---------------------------------


def test_each_tool_reading_an_undeclared_credential_is_reported(lint):
    body = 'token = self.runtime.credentials["token"]\nyield self.create_text_message(tool_parameters["text"] + token)'
    files = {
        "provider/example.yaml": provider_yaml(("tools/echo.yaml", "tools/shout.yaml"), extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY,
        "tools/echo.py": tool(body),
        "tools/shout.yaml": tool_yaml(parameter("text"), source="tools/shout.py", name="shout"),
        "tools/shout.py": tool(body).replace("class EchoTool", "class ShoutTool"),
    }
    found = only(lint(files), "DPL702")
    assert sorted(d.path.rsplit("/", 1)[-1] for d in found) == ["echo.py", "shout.py"]
    assert all(d.severity == Severity.ERROR for d in found)


def test_a_credential_read_that_is_a_tool_parameter(lint):
    body = 'model = self.runtime.credentials.get("model")\nyield self.create_text_message(tool_parameters["text"] + str(model))'
    files = {
        "provider/example.yaml": provider_yaml(extra=CREDENTIALS),
        "provider/example.py": PROVIDER_PY,
        "tools/echo.yaml": tool_yaml(parameter("text"), parameter("model", required="false")),
        "tools/echo.py": tool(body),
    }
    found = only(lint(files), "DPL702")
    assert [d.severity for d in found] == [Severity.WARNING]
    assert "`model` is a parameter of tools/echo.yaml" in found[0].message


# -- DPL711 ------------------------------------------------------------------------------------


def test_a_parameter_that_steers_the_form_is_not_unread(lint):
    show_on = "    show_on:\n      - variable: mode\n        value: advanced\n"
    files = {
        "tools/echo.yaml": tool_yaml(
            parameter("text"), parameter("mode", "select", "false", "form"), parameter("depth", required="false", extra=show_on)
        ),
        "tools/echo.py": tool(
            'd = tool_parameters.get("depth")\nyield self.create_text_message(tool_parameters["text"] + str(d))'
        ),
    }
    assert not only(lint(files), "DPL711")


def test_unread_parameters_of_a_shared_class_are_reported_per_yaml(lint):
    files = {
        "provider/example.yaml": provider_yaml(("tools/echo.yaml", "tools/shout.yaml")),
        "tools/shout.yaml": tool_yaml(
            parameter("text"), parameter("volume", "number", "false"), source="tools/echo.py", name="shout"
        ),
    }
    found = only(lint(files), "DPL711")
    assert [(d.path.rsplit("/", 1)[-1], "`volume`" in d.message) for d in found] == [("shout.yaml", True)]


def test_strategy_model_fields_are_reads(lint):
    source = STRATEGY.format(fields="", build="Params(**parameters)")
    assert not only(lint({"strategies/simple.py": source}, base="agent"), "DPL711")


# -- one entry point for both dict followers ----------------------------------------------------


def test_an_inherited_invoke_is_followed(lint):
    # the origin analysis always started from an `_invoke` a plugin base class defines; the
    # contract rules now start from the same place
    base = tool('yield self.create_text_message(tool_parameters["querry"])').replace(
        "class EchoTool(Tool)", "class BaseEcho(Tool)"
    )
    files = {
        "tools/base.py": base,
        "tools/echo.py": "from tools.base import BaseEcho\n\n\nclass EchoTool(BaseEcho):\n    pass\n",
    }
    found = only(lint(files), "DPL701")
    assert [(d.path.rsplit("/", 1)[-1], d.severity) for d in found] == [("base.py", Severity.ERROR)]
