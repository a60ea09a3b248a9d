"""DPL2xx: the declaration YAML reached from the manifest.

Tool providers and tools, model providers and models, endpoint groups and endpoints, agent
strategy providers and strategies, datasource providers and datasources, trigger providers and
events. Their shape is checked against the JSON Schemas in `dify_lint/schemas/`; what a schema
cannot say well (scope grammar, `multiple`, names that must be unique) is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from dify_lint.diagnostics import Severity
from dify_lint.model.plugin import KIND_LABELS, Declaration, Plugin
from dify_lint.rule import Example, Finding, Rule

from .manifest import unknown_key_severity
from dify_lint.model.yamldoc import PathItem, mark_span

# -- parameters with a `type` and maybe a `scope`, wherever a declaration holds them ----------


@dataclass(frozen=True)
class Parameter:
    declaration: Declaration
    at: tuple[PathItem, ...]
    data: dict
    context: str  # "tool", "strategy", "credential", "setting", "datasource", "trigger"


#: declaration kind -> (path to a list or name->item mapping of parameters, context)
PARAMETER_PLACES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "tool": ((("parameters",), "tool"),),
    "tool_provider": (
        (("credentials_for_provider",), "credential"),
        (("credentials_schema",), "credential"),
        (("oauth_schema", "client_schema"), "credential"),
        (("oauth_schema", "credentials_schema"), "credential"),
    ),
    "agent_strategy": ((("parameters",), "strategy"),),
    "endpoint_group": ((("settings",), "setting"),),
    "datasource_provider": (
        (("credentials_schema",), "credential"),
        (("oauth_schema", "client_schema"), "credential"),
        (("oauth_schema", "credentials_schema"), "credential"),
    ),
    "datasource": ((("parameters",), "datasource"),),
    "trigger_provider": (
        (("subscription_schema",), "trigger"),
        (("subscription_constructor", "parameters"), "trigger"),
        (("subscription_constructor", "credentials_schema"), "credential"),
        (("subscription_constructor", "oauth_schema", "client_schema"), "credential"),
        (("subscription_constructor", "oauth_schema", "credentials_schema"), "credential"),
    ),
    "trigger_event": ((("parameters",), "trigger"),),
}


def parameters(plugin: Plugin) -> Iterator[Parameter]:
    for declaration in plugin.declarations:
        for path, context in PARAMETER_PLACES.get(declaration.kind, ()):
            container = declaration.doc.get(*path)
            if isinstance(container, list):
                items = enumerate(container)
            elif isinstance(container, dict):  # credentials_for_provider: {name: item}
                items = container.items()
            else:
                continue
            for key, item in items:
                if isinstance(item, dict):
                    yield Parameter(declaration, (*path, key), item, context)


# -- schema rules -------------------------------------------------------------------------------

_TOOL = """\
identity:
  author: example
  name: echo
  label:
    en_US: Echo
description:
  human:
    en_US: Repeats the text it is given.
  llm: Repeats the text it is given.
parameters:
{parameters}
extra:
  python:
    source: tools/echo.py
"""

_TEXT_PARAMETER = """\
  - name: text
    type: string
    required: true
    form: {form}
    label:
      en_US: Text
    human_description:
      en_US: The text to repeat.
    llm_description: The text to repeat."""


def tool_yaml(parameters: str = _TEXT_PARAMETER.format(form="llm")) -> str:
    return _TOOL.format(parameters=parameters)


def _declaration_issues(plugin: Plugin) -> Iterator[tuple[Declaration, Any]]:
    for declaration in plugin.declarations:
        if declaration.kind == "manifest":
            continue
        for issue in plugin.schema_issues(declaration):
            yield declaration, issue


class DeclarationInvalid(Rule):
    code = "DPL201"
    name = "declaration-invalid"
    summary = "A provider, tool, model, endpoint, strategy, datasource or trigger YAML breaks Dify's schema"
    explanation = """
    Each YAML file the manifest leads to is parsed by the SDK's pydantic models when the plugin
    starts and, on remote debugging, by the daemon's validator. A missing required key (every tool
    parameter needs `human_description`, for example), a wrong type, a value outside its allowed
    set (`form` is one of schema, form, llm) or an I18n text without `en_US` stops the plugin. Where
    the SDK and the daemon disagree, dify-lint accepts only what both accept and says which side
    refuses.
    """
    invalid = (Example({"tools/echo.yaml": tool_yaml(_TEXT_PARAMETER.format(form="llmm"))}),)
    valid = (Example({"tools/echo.yaml": tool_yaml(_TEXT_PARAMETER.format(form="form"))}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for declaration, issue in _declaration_issues(plugin):
            if not issue.unknown_key:
                yield self.at(declaration.doc, issue.at, issue.message, key=issue.key)


class UnknownKey(Rule):
    code = "DPL202"
    name = "unknown-key"
    summary = "A declaration YAML has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    explanation = """
    The SDK's models and the daemon's structs drop keys they do not know, so a typo such as
    `requried` or `human_descripton` loses the setting without a word (and a misspelled required
    key then fails as missing). A key close to a known one is a warning, with the known key
    suggested; any other unknown key (a leftover such as `icon` in a tool's `identity`, which Dify
    never read) is info.
    """
    invalid = (Example({"tools/echo.yaml": tool_yaml(_TEXT_PARAMETER.format(form="llm").replace("required: true", "requried: true"))}),)
    valid = (Example({"tools/echo.yaml": tool_yaml()}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for declaration, issue in _declaration_issues(plugin):
            if issue.unknown_key:
                yield self.at(declaration.doc, issue.at, issue.message, key=True, severity=unknown_key_severity(issue))


# -- scope grammar ---------------------------------------------------------------------------

MODEL_TYPE_TOKENS = ("llm", "text-embedding", "rerank", "moderation", "speech2text", "tts")  # web UI priority order
MODEL_FEATURE_TOKENS = {"vision", "document", "tool-call"}
UI_ONLY_FEATURE_TOKENS = {"multi-tool-call", "agent-thought", "stream-tool-call", "video", "audio", "structured-output"}
SETTING_MODEL_SCOPES = {"all", "llm", "text-embedding", "rerank", "tts", "speech2text", "moderation", "vision"}
APP_SCOPES = {"all", "chat", "workflow", "completion"}
VARIABLE_SCOPES = {"string", "number", "object", "array[number]", "array[string]", "array[object]", "array[file]"}
SCOPED_TYPES = {"model-selector", "app-selector", "any"}


def _strategy_param(scope: str) -> str:
    return f"""\
  - name: model
    type: model-selector
    scope: {scope}
    required: true
    label:
      en_US: Model
  - name: query
    type: string
    required: true
    label:
      en_US: Query"""


_STRATEGY = """\
identity:
  name: simple
  author: example
  label:
    en_US: Simple
description:
  en_US: Answers with one model call.
parameters:
{parameters}
features:
  - history-messages
extra:
  python:
    source: strategies/simple.py
"""


class InvalidScope(Rule):
    code = "DPL203"
    name = "invalid-scope"
    summary = "A `scope` names an unknown token, two model types, or sits on a type that takes none"
    explanation = """
    `scope` narrows what a selector offers. Only `model-selector`, `app-selector` and `any`
    parameters may have one (the daemon rejects it elsewhere). A model-selector scope joins tokens
    with `&`: at most one model type (llm, text-embedding, rerank, tts, speech2text, moderation;
    the web UI silently uses only the first) and feature filters (vision, document, tool-call).
    The daemon accepts a scope as soon as any one token is valid, so a typo such as `tool_call`
    slips through and the UI then filters on a feature no model has; dify-lint checks every token.
    Feature tokens only the web UI knows (`video`, `audio`, `structured-output`, ...) get a
    warning. `all` is accepted only in endpoint settings, where a scope must be one single value.
    An app-selector scope is one of all, chat, workflow, completion: the UI compares it as a whole
    string, so `chat&workflow` lists no app. An `any` scope names variable types.
    """
    invalid = (Example({"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("llm&tool_call"))}, base="agent"),)
    valid = (
        Example({"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("tool-call&llm"))}, base="agent"),
        Example({"strategies/simple.yaml": _STRATEGY.format(parameters=_strategy_param("llm& vision"))}, base="agent", note="Tokens are trimmed."),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for parameter in parameters(plugin):
            scope = parameter.data.get("scope")
            if scope is None or scope == "":
                continue
            doc = parameter.declaration.doc
            at = (*parameter.at, "scope")
            kind = parameter.data.get("type")
            if not isinstance(scope, str):
                continue  # the schema reports the type
            if kind not in SCOPED_TYPES:
                yield self.at(
                    doc,
                    at,
                    f"`scope` is allowed only on model-selector, app-selector and any parameters, not on `{kind}`;"
                    " the daemon rejects it",
                    key=True,
                )
                continue
            for message, severity in self._problems(kind, scope, parameter.context):
                yield self.at(doc, at, message, severity=severity)

    def _problems(self, kind: str, scope: str, context: str) -> Iterator[tuple[str, Severity | None]]:
        tokens = [t.strip() for t in scope.split("&")]
        if any(not t for t in tokens):
            yield f"scope `{scope}` has an empty token; join tokens with a single `&`", None
            tokens = [t for t in tokens if t]
        if kind == "model-selector":
            if context == "setting":
                if len(tokens) != 1 or tokens[0] not in SETTING_MODEL_SCOPES:
                    yield (
                        f"an endpoint setting's model scope must be one of {', '.join(sorted(SETTING_MODEL_SCOPES))}"
                        f" (one value, no `&`); got `{scope}`, which the daemon rejects at endpoint setup",
                        None,
                    )
                elif tokens[0] in ("rerank", "tts"):
                    needed = "score_threshold and top_n" if tokens[0] == "rerank" else "voice"
                    yield (
                        f"a `{tokens[0]}` model setting needs {needed} in its value, which the web UI's selector does not"
                        " send, so endpoint setup fails; read the model in code and build the config there",
                        Severity.WARNING,
                    )
                return
            yield from self._model_tokens(tokens)
        elif kind == "app-selector":
            unknown = [t for t in tokens if t not in APP_SCOPES]
            if unknown:
                yield f"app-selector scope `{unknown[0]}` is not one of {', '.join(sorted(APP_SCOPES))}", None
            elif len(tokens) > 1:
                yield (
                    f"app-selector scope `{scope}` combines values; the web UI compares the scope as one string, so it"
                    " lists no app. Use one of all, chat, workflow, completion",
                    Severity.WARNING,
                )
        else:  # any
            unknown = [t for t in tokens if t not in VARIABLE_SCOPES]
            if unknown:
                yield f"`any` scope `{unknown[0]}` is not a variable type: {', '.join(sorted(VARIABLE_SCOPES))}", None

    def _model_tokens(self, tokens: list[str]) -> Iterator[tuple[str, Severity | None]]:
        import difflib

        known = [*MODEL_TYPE_TOKENS, *sorted(MODEL_FEATURE_TOKENS)]
        for token in tokens:
            if token == "all":
                yield (
                    "scope `all` is accepted by the web UI but not by the daemon for tool and agent-strategy"
                    " parameters; name the model type (llm, text-embedding, ...)",
                    None,
                )
            elif token in UI_ONLY_FEATURE_TOKENS:
                yield (
                    f"scope token `{token}` is a feature only the web UI knows; the daemon does not, so keep at least"
                    " one daemon token (llm, vision, document, tool-call, ...) beside it",
                    Severity.WARNING,
                )
            elif token not in known:
                close = difflib.get_close_matches(token, known + sorted(UI_ONLY_FEATURE_TOKENS), n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else f"; known: {', '.join(known)}"
                yield f"scope token `{token}` is not a model type or feature{hint}", None
        types = [t for t in tokens if t in MODEL_TYPE_TOKENS]
        if len(types) > 1:
            first = min(types, key=MODEL_TYPE_TOKENS.index)
            yield (
                f"scope names {len(types)} model types ({', '.join(types)}); the web UI offers only `{first}` models."
                " Use one model type per selector",
                None,
            )


# -- multiple / default ------------------------------------------------------------------------


def _select_param(multiple: str, default: str) -> str:
    return f"""\
  - name: colour
    type: select
    required: false
    form: form
    multiple: {multiple}
    default: {default}
    options:
      - value: red
        label:
          en_US: Red
      - value: blue
        label:
          en_US: Blue
    label:
      en_US: Colour
    human_description:
      en_US: Colours to use."""


class InvalidMultiple(Rule):
    code = "DPL204"
    name = "invalid-multiple"
    summary = "`multiple` on a tool parameter that is not a select, or a default that does not fit it"
    explanation = """
    The SDK accepts `multiple: true` only on `select` and `dynamic-select` tool parameters, and
    then requires the `default` to be a list exactly when `multiple` is true. Anything else fails
    when the plugin starts.
    """
    invalid = (Example({"tools/echo.yaml": tool_yaml(_TEXT_PARAMETER.format(form="llm") + "\n" + _select_param("true", "red"))}),)
    valid = (Example({"tools/echo.yaml": tool_yaml(_TEXT_PARAMETER.format(form="llm") + "\n" + _select_param("true", "[red]"))}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for parameter in parameters(plugin):
            if parameter.context != "tool":
                continue
            data, doc = parameter.data, parameter.declaration.doc
            multiple = data.get("multiple")
            selectable = data.get("type") in ("select", "dynamic-select")
            if multiple is True and not selectable:
                yield self.at(
                    doc,
                    (*parameter.at, "multiple"),
                    f"`multiple` is allowed only on select and dynamic-select parameters, not on `{data.get('type')}`;"
                    " the SDK refuses it at start-up",
                    key=True,
                )
            elif selectable and data.get("default") is not None:
                is_list = isinstance(data["default"], list)
                if is_list != (multiple is True):
                    wanted = "a list, because `multiple` is true" if multiple is True else "a single value, because `multiple` is not true"
                    yield self.at(
                        doc,
                        (*parameter.at, "default"),
                        f"`default` must be {wanted}; the SDK refuses it at start-up",
                    )


# -- unique names ------------------------------------------------------------------------------


class DuplicateName(Rule):
    code = "DPL205"
    name = "duplicate-name"
    summary = "Two tools, strategies, datasources or events of one provider, or two parameters, share a name"
    explanation = """
    The SDK registers tools, strategies, datasources and events by `identity.name` in a dict, so a
    second one with the same name silently replaces the first. Two parameters of one declaration
    with the same name collide the same way in the arguments the code receives.
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n    en_US: Example tools.\n  icon: icon.svg\ntools:\n  - tools/echo.yaml\n  - tools/echo_again.yaml\nextra:\n  python:\n    source: provider/example.py\n",
                "tools/echo_again.yaml": tool_yaml(),
            }
        ),
    )
    valid = (Example({}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for declaration in plugin.declarations:
            seen: dict[str, Declaration] = {}
            for child in declaration.children:
                name = child.doc.get("identity", "name")
                if not isinstance(name, str) or child.kind in ("model", "model_position"):
                    continue
                if name in seen:
                    yield self.at(
                        child.doc,
                        ("identity", "name"),
                        f"{KIND_LABELS[child.kind]} name `{name}` is already used by {seen[name].doc.path};"
                        " the SDK keeps only one of them",
                    )
                else:
                    seen[name] = child
        by_declaration: dict[tuple[str, tuple], dict[str, Parameter]] = {}
        for parameter in parameters(plugin):
            name = parameter.data.get("name")
            if not isinstance(name, str) or not isinstance(parameter.at[-1], int):
                continue
            group = by_declaration.setdefault((parameter.declaration.doc.path, parameter.at[:-1]), {})
            if name in group:
                first = parameter.declaration.doc.span(group[name].at).start.line
                yield self.at(
                    parameter.declaration.doc,
                    (*parameter.at, "name"),
                    f"parameter name `{name}` is already used at line {first}",
                )
            else:
                group[name] = parameter


# -- credentials the SDK never reads ---------------------------------------------------------------


class IgnoredCredentials(Rule):
    code = "DPL206"
    name = "credentials-schema-ignored"
    summary = "A tool provider declares `credentials_schema`, which the SDK ignores"
    severity = Severity.WARNING
    explanation = """
    The daemon reads a tool provider's credentials from `credentials_schema` (preferred) or
    `credentials_for_provider`, but the SDK reads only `credentials_for_provider`. With
    `credentials_schema` alone the plugin's own code sees no declared credentials and the
    provider's validation receives nothing it expects. Rename the key to
    `credentials_for_provider`, written as a mapping from credential name to its settings.
    """
    invalid = (
        Example(
            {
                "provider/example.yaml": "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n    en_US: Example tools.\n  icon: icon.svg\ncredentials_schema:\n  - name: api_key\n    type: secret-input\n    required: true\n    label:\n      en_US: API key\ntools:\n  - tools/echo.yaml\nextra:\n  python:\n    source: provider/example.py\n"
            }
        ),
    )
    valid = (
        Example(
            {
                "provider/example.yaml": "identity:\n  author: example\n  name: example\n  label:\n    en_US: Example\n  description:\n    en_US: Example tools.\n  icon: icon.svg\ncredentials_for_provider:\n  api_key:\n    type: secret-input\n    required: true\n    label:\n      en_US: API key\ntools:\n  - tools/echo.yaml\nextra:\n  python:\n    source: provider/example.py\n"
            }
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        for declaration in plugin.declarations_of("tool_provider"):
            doc = declaration.doc
            if doc.exact(("credentials_schema",)) and doc.get("credentials_schema") and not doc.get("credentials_for_provider"):
                yield self.at(
                    doc,
                    ("credentials_schema",),
                    "`credentials_schema` is read by the daemon but ignored by the SDK; name it"
                    " `credentials_for_provider` (a mapping of credential name to settings)",
                    key=True,
                )


# -- keys that are not strings ---------------------------------------------------------------------

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
    invalid = (Example({"tools/echo.yaml": tool_yaml().replace("  llm: Repeats the text it is given.", "  llm: Repeats the text it is given.\n  1: legacy")}),)
    valid = (Example({"tools/echo.yaml": tool_yaml() + "output_schema:\n  type: object\n  properties:\n    200:\n      type: string\n"}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        import yaml

        for declaration in plugin.declarations:
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


RULES = [DeclarationInvalid, UnknownKey, InvalidScope, InvalidMultiple, DuplicateName, IgnoredCredentials, NonStringKey]
