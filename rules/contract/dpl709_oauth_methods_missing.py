"""DPL709 oauth-methods-missing."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import ENTRY_CLASSES
from dify_lint.python.astutil import name_span
from dify_lint.rule import Example, Finding, Rule

from ._common import PROVIDER_PY, PROVIDER_YAML, yaml_related

_OAUTH_YAML = PROVIDER_YAML.replace(
    "tools:\n",
    "oauth_schema:\n  client_schema:\n    - name: client_id\n      type: secret-input\n      required: true\n      label:\n"
    "        en_US: Client ID\n  credentials_schema:\n    - name: access_token\n      type: secret-input\n      label:\n"
    "        en_US: Access token\ntools:\n",
)

_OAUTH_PY = (
    PROVIDER_PY.format(key="api_key")
    + """
    def _oauth_get_authorization_url(self, redirect_uri: str, system_credentials: dict) -> str:
        return "https://example.com/authorize?client_id=" + system_credentials["client_id"]

    def _oauth_get_credentials(self, redirect_uri: str, system_credentials: dict, request) -> dict:
        return {"access_token": request.args.get("code", "")}
"""
)


class OAuthMethodsMissing(Rule):
    code = "DPL709"
    name = "oauth-methods-missing"
    summary = "The provider declares an `oauth_schema` but does not implement the OAuth methods"
    explanation = """
    With an `oauth_schema`, Dify drives the OAuth flow through the provider's
    `_oauth_get_authorization_url` and `_oauth_get_credentials` (and `_oauth_refresh_credentials` for
    tokens that expire). The SDK's defaults raise NotImplementedError, so the "authorize" button
    fails. Implement both in the provider class.
    """
    invalid = (
        Example(
            {"provider/example.yaml": _OAUTH_YAML, "provider/example.py": PROVIDER_PY.format(key="api_key")},
            expect=(
                (
                    "provider/example.py:7:1-7:22",
                    "provider/example.yaml declares an `oauth_schema`, but `ExampleProvider` does not implement `_oauth_get_authorization_url` and `_oauth_get_credentials`: the SDK's default raises NotImplementedError, so authorizing fails",
                ),
            ),
        ),
    )
    valid = (Example({"provider/example.yaml": _OAUTH_YAML, "provider/example.py": _OAUTH_PY}),)

    requires = (ENTRY_CLASSES,)

    def check(self, ctx) -> Iterable[Finding]:
        entries = ctx.get(ENTRY_CLASSES)
        for provider in ctx.plugin.declarations_of("tool_provider"):
            if not provider.doc.usable or not isinstance(provider.doc.get("oauth_schema"), dict):
                continue
            found = entries.get(id(provider))
            if found is None:
                continue
            module, cls, chain = found.module, found.cls, found.chain
            if not chain.sdk_only:
                continue
            missing = [m for m in ("_oauth_get_authorization_url", "_oauth_get_credentials") if not chain.method(m)]
            if not missing:
                continue
            names = " and ".join(f"`{m}`" for m in missing)
            yield Finding(
                module.path,
                name_span(module, cls.node),
                f"{provider.doc.path} declares an `oauth_schema`, but `{cls.name}` does not implement {names}: the"
                " SDK's default raises NotImplementedError, so authorizing fails",
                related=(yaml_related(provider.doc, ("oauth_schema",), "the OAuth schema is declared here"),),
            )
