"""DPL704 optional-parameter-indexed."""

from __future__ import annotations

from typing import Iterable, Iterator

from dify_lint.analysis.contracts import Contract, CredentialContract, SettingsContract
from dify_lint.analysis.keys import CONTRACTS
from dify_lint.analysis.params import KeyRead
from dify_lint.diagnostics import Severity
from dify_lint.model.declarations import sent_when_unset
from dify_lint.python.astutil import node_span
from dify_lint.rule import Example, Finding, Rule

from ._common import PROVIDER_PY, dict_expr, parameter, position, tool, tool_yaml, yaml_related

_ENDPOINT_PY = """\
from collections.abc import Mapping

from dify_plugin import Endpoint
from werkzeug import Request, Response


class HelloEndpoint(Endpoint):
    def _invoke(self, r: Request, values: Mapping, settings: Mapping) -> Response:
        greeting = settings["{key}"]
        return Response(greeting, status=200, content_type="text/plain")
"""

_GROUP_YAML = """\
settings:
  - name: greeting
    type: text-input
    required: false{extra}
    label:
      en_US: Greeting
endpoints:
  - endpoints/hello.yaml
"""

_PROVIDER_YAML = """\
identity:
  author: example
  name: example
  label:
    en_US: Example
  description:
    en_US: Example tools.
  icon: icon.svg
credentials_for_provider:
  api_key:
    type: secret-input
    required: true
    label:
      en_US: API key
  region:
    type: text-input
    required: false
    label:
      en_US: Region
tools:
  - tools/echo.yaml
extra:
  python:
    source: provider/example.py
"""


def _validated(body: str) -> str:
    """The echo tool checking its parameters with a helper before it reads them."""
    return tool(
        "        problem = self._check(tool_parameters)\n"
        "        if problem:\n"
        "            yield self.create_text_message(problem)\n"
        "            return\n"
        "        yield self.create_text_message(self._render(tool_parameters))\n\n"
        "    def _check(self, params: dict) -> str:\n"
        f"{body}"
        '        return ""\n\n'
        "    def _render(self, params: dict) -> str:\n"
        '        return params["text"] + params["suffix"]'
    )


class OptionalParameterIndexed(Rule):
    code = "DPL704"
    name = "optional-parameter-indexed"
    summary = "An optional parameter, credential or setting without a default is read with [...]"
    severity = Severity.WARNING
    explanation = """
    Dify leaves an optional value without a default out of the mapping when nobody fills it, so
    reading it with `[...]` raises KeyError exactly then:

    * a tool's `form: llm` parameter with `required: false` and no `default`, when the model (in an
      agent) or the workflow does not fill it (`form: form` parameters are always sent, as None
      when left empty);
    * a tool provider's credential with `required: false` and no `default`, read from
      `self.runtime.credentials` or in `_validate_credentials`, when the user leaves it empty (the
      credentials form sends only the fields that have a value or a default);
    * an endpoint group's setting with `required: false` and no `default`, read from `settings`,
      when the user leaves it empty (the daemon checks only the required ones).

    Read it with `.get("x")`, give it a default, or make it required. A read after a check that
    the key is there (`if "x" in p`, `p.get("x")`, a `try` catching KeyError, or a helper the
    mapping is passed to that returns a problem, or raises, when the key is missing, followed by
    an early return) is fine. Each key is reported once per function.
    """
    invalid = (
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix + tool_parameters["suffix"])'
                ),
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false")),
            },
            expect=(
                (
                    "tools/echo.py:10:18-10:43",
                    '`tool_parameters["suffix"]`: `suffix` is an optional llm parameter in tools/echo.yaml (required: false, no default), so it is left out when the model or the workflow does not fill it and this raises KeyError; use `.get("suffix")`',
                ),
            ),
        ),
        Example(
            {"tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false"))}
            | {"tools/echo.py": _validated('        if not params.get("text"):\n            return "text is required"\n')},
            note="the helper checks `text` only, so `suffix` may still be missing",
            expect=(
                (
                    "tools/echo.py:22:33-22:49",
                    '`params["suffix"]`: `suffix` is an optional llm parameter in tools/echo.yaml (required: false, no default), so it is left out when the model or the workflow does not fill it and this raises KeyError; use `.get("suffix")`',
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": _PROVIDER_YAML,
                "provider/example.py": PROVIDER_PY.format(key="api_key"),
                "tools/echo.py": tool(
                    '        region = self.runtime.credentials["region"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + region)'
                ),
            },
            expect=(
                (
                    "tools/echo.py:10:18-10:52",
                    '`self.runtime.credentials["region"]`: `region` is an optional credential in provider/example.yaml (required: false, no default), so Dify leaves it out of the credentials when the user does not fill it in and this raises KeyError; use `.get("region")`',
                ),
            ),
        ),
        Example(
            {"group/example.yaml": _GROUP_YAML.format(extra=""), "endpoints/hello.py": _ENDPOINT_PY.format(key="greeting")},
            base="endpoint",
            expect=(
                (
                    "endpoints/hello.py:9:20-9:40",
                    '`settings["greeting"]`: `greeting` is an optional setting in group/example.yaml (required: false, no default), so Dify leaves it out of the settings when the user does not fill it in and this raises KeyError; use `.get("greeting")`',
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters.get("suffix", "")\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false")),
            }
        ),
        Example(
            {
                "tools/echo.py": tool(
                    '        suffix = tool_parameters["suffix"]\n'
                    '        yield self.create_text_message(tool_parameters["text"] + suffix)'
                ),
                "tools/echo.yaml": tool_yaml(
                    parameter("text") + "\n" + parameter("suffix", required="false", form="form", extra="\n    default: '!'")
                ),
            }
        ),
        Example(
            {"tools/echo.yaml": tool_yaml(parameter("text") + "\n" + parameter("suffix", required="false"))}
            | {
                "tools/echo.py": _validated(
                    '        if any(params.get(k) is None for k in ("text", "suffix")):\n'
                    '            return "text and suffix are required"\n'
                )
            },
            note="a helper returns a problem when `suffix` is missing, and `_invoke` returns early on it",
        ),
        Example(
            {
                "group/example.yaml": _GROUP_YAML.format(extra="\n    default: hello"),
                "endpoints/hello.py": _ENDPOINT_PY.format(key="greeting"),
            },
            base="endpoint",
            note="a setting with a default is always in the settings",
        ),
    )

    requires = (CONTRACTS,)

    def check(self, ctx) -> Iterable[Finding]:
        result = ctx.get(CONTRACTS)
        for contract in result.contracts:
            if contract.declaration.kind == "tool" and not contract.dynamic and contract.first:
                yield from self._parameters(contract)
        for credentials in result.credentials:
            yield from self._credentials(credentials)
        for settings in result.settings:
            yield from self._settings(settings)

    def _parameters(self, contract: Contract) -> Iterator[Finding]:
        for read in _unguarded(contract.flow.reads, contract.flow.stores):
            for sibling in contract.siblings or [contract]:
                declared = sibling.declared.get(read.key)
                if declared is None:
                    continue
                index, item = declared
                if item.get("required") is True or item.get("default") is not None:
                    continue
                if item.get("form", "llm") != "llm":
                    continue  # form and schema parameters are always sent (None when left empty)
                doc = sibling.declaration.doc
                yield Finding(
                    read.module.path,
                    node_span(read.module, read.node),
                    f"{dict_expr(read)}: `{read.key}` is an optional llm parameter in {doc.path} (required: false, no"
                    f" default), so it is left out when the model or the workflow does not fill it and this raises"
                    f' KeyError; use `.get("{read.key}")`',
                    related=(yaml_related(doc, _required_at(doc, ("parameters", index)), f"`{read.key}` is optional here"),),
                )
                break

    def _credentials(self, contract: CredentialContract) -> Iterator[Finding]:
        doc = contract.provider.doc
        for read in _unguarded(contract.flow.reads, contract.flow.stores):
            item = contract.items.get(read.key)
            if item is None or sent_when_unset(item):
                continue
            at = contract.declared[read.key]
            yield Finding(
                read.module.path,
                node_span(read.module, read.node),
                f"{dict_expr(read)}: `{read.key}` is an optional credential in {doc.path} (required: false, no default),"
                " so Dify leaves it out of the credentials when the user does not fill it in and this raises KeyError;"
                f' use `.get("{read.key}")`',
                related=(
                    yaml_related(doc, _required_at(doc, at[:-1] if len(at) == 3 else at), f"`{read.key}` is optional here"),
                ),
            )

    def _settings(self, contract: SettingsContract) -> Iterator[Finding]:
        doc = contract.group.doc
        for read in _unguarded(contract.flow.reads, contract.flow.stores):
            declared = contract.declared.get(read.key)
            if declared is None or sent_when_unset(declared[1]):
                continue
            yield Finding(
                read.module.path,
                node_span(read.module, read.node),
                f"{dict_expr(read)}: `{read.key}` is an optional setting in {doc.path} (required: false, no default),"
                " so Dify leaves it out of the settings when the user does not fill it in and this raises KeyError;"
                f' use `.get("{read.key}")`',
                related=(yaml_related(doc, _required_at(doc, declared[0][:-1]), f"`{read.key}` is optional here"),),
            )


def _unguarded(reads: list[KeyRead], stores: set[str]) -> Iterator[KeyRead]:
    """Index reads no check protects, the first of each key in each function."""
    seen: set[tuple[str, int]] = set()
    for read in sorted(reads, key=position):
        if read.how != "index" or read.guarded or read.key in stores:
            continue
        marker = (read.key, id(read.function))
        if marker not in seen:
            seen.add(marker)
            yield read


def _required_at(doc, item_at: tuple) -> tuple:
    """Where to point at an optional item: its `required: false`, or the item itself."""
    return (*item_at, "required") if doc.exact((*item_at, "required")) else item_at
