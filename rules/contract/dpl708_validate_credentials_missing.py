"""DPL708 validate-credentials-missing."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.keys import ENTRY_CLASSES
from dify_lint.python.astutil import name_span
from dify_lint.rule import Example, Finding, Rule

from ._common import PROVIDER_PY, PROVIDER_YAML, yaml_related

_NO_VALIDATE_PY = """\
from dify_plugin import ToolProvider


class ExampleProvider(ToolProvider):
    pass
"""


class ValidateCredentialsMissing(Rule):
    code = "DPL708"
    name = "validate-credentials-missing"
    summary = "The provider declares credentials but does not implement `_validate_credentials`"
    explanation = """
    When a user saves the provider's credentials, Dify asks the plugin to validate them; the SDK's
    `ToolProvider._validate_credentials` raises NotImplementedError, so the credentials can never be
    saved. Implement `_validate_credentials` in the provider class (or a base class of the plugin);
    `credentials_schema:` counts as declaring credentials (the daemon reads it as an alias).
    """
    invalid = (
        Example(
            {"provider/example.yaml": PROVIDER_YAML, "provider/example.py": _NO_VALIDATE_PY},
            expect=(
                (
                    "provider/example.py:4:1-4:22",
                    "`ExampleProvider` does not implement `_validate_credentials`, but provider/example.yaml declares credentials: the SDK's default raises NotImplementedError, so users can never save them",
                ),
            ),
        ),
    )
    valid = (
        Example({"provider/example.yaml": PROVIDER_YAML, "provider/example.py": PROVIDER_PY.format(key="api_key")}),
        Example({"provider/example.py": _NO_VALIDATE_PY}),
    )

    requires = (ENTRY_CLASSES,)

    def check(self, ctx) -> Iterable[Finding]:
        entries = ctx.get(ENTRY_CLASSES)
        for provider in ctx.plugin.declarations_of("tool_provider"):
            if not provider.doc.usable:
                continue
            keys = [k for k in ("credentials_for_provider", "credentials_schema") if provider.doc.get(k)]
            if not keys:
                continue
            found = entries.get(id(provider))
            if found is None:
                continue
            module, cls, chain = found.module, found.cls, found.chain
            if not chain.sdk_only or chain.method("_validate_credentials") or chain.method("validate_credentials"):
                continue
            yield Finding(
                module.path,
                name_span(module, cls.node),
                f"`{cls.name}` does not implement `_validate_credentials`, but {provider.doc.path} declares credentials:"
                " the SDK's default raises NotImplementedError, so users can never save them",
                related=(yaml_related(provider.doc, (keys[0],), "credentials are declared here"),),
            )
