"""DPL1xx: manifest.yaml."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.model.plugin import Plugin
from dify_lint.rule import Example, Finding, Rule

CATEGORIES = {
    "tools": "tool",
    "models": "model",
    "endpoints": "endpoint",
    "agent_strategies": "agent_strategy",
    "datasources": "datasource",
    "triggers": "trigger",
}

_MANIFEST = """\
version: 0.0.1
type: plugin
author: example
name: example_tool
label:
  en_US: Example tool
description:
  en_US: A minimal, valid tool plugin.
icon: icon.svg
created_at: 2024-01-01T00:00:00Z
resource:
  memory: 268435456
  permission: {{}}
plugins:
{plugins}
meta:
  version: {meta_version}
  arch:
    - amd64
    - arm64
  runner:
    language: python
    version: "3.12"
    entrypoint: main
"""


def manifest(plugins: str = "  tools:\n    - provider/example.yaml", meta_version: str = "0.0.1") -> str:
    return _MANIFEST.format(plugins=plugins, meta_version=meta_version)


def _manifest_issues(plugin: Plugin):
    declarations = plugin.declarations
    if not declarations or declarations[0].kind != "manifest":
        return []
    return plugin.schema_issues(declarations[0])


class ManifestInvalid(Rule):
    code = "DPL101"
    name = "manifest-invalid"
    summary = "manifest.yaml breaks the shape Dify requires: a missing key, a wrong type, value or format"
    explanation = """
    The SDK parses manifest.yaml with pydantic when the plugin starts, and the daemon validates it
    when the plugin is packaged and installed. A required key that is missing, a value of the wrong
    type, a value outside its allowed set or format (for example a `version` that is not
    `x.y.z`, an `author` with capitals, an unknown `tags` entry) stops one of them. Where the SDK
    and the daemon disagree, dify-lint accepts only what both accept and says which side refuses.
    """
    invalid = (Example({"manifest.yaml": manifest(meta_version="1.0")}, note="`meta.version` has two parts; the daemon requires three."),)
    valid = (Example({"manifest.yaml": manifest(meta_version="1.0.0")}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        for issue in _manifest_issues(plugin):
            if not issue.unknown_key:
                yield self.at(doc, issue.at, issue.message, key=issue.key)


class ManifestUnknownKey(Rule):
    code = "DPL102"
    name = "manifest-unknown-key"
    summary = "manifest.yaml has a key Dify does not know; it is silently ignored"
    severity = Severity.WARNING
    explanation = """
    Neither the SDK nor the daemon complains about a key it does not know: they drop it. A typo
    therefore loses the setting without a word: a key close to a known one is a warning, with the
    known key suggested; any other unknown key is reported as info, since it changes nothing. Under `resource.permission` this is worse: a
    `models:` instead of `model:` means the plugin has no model permission at all, and its calls
    fail at run time.
    """
    invalid = (
        Example(
            {"manifest.yaml": manifest().replace("  permission: {}", "  permission:\n    models:\n      enabled: true\n      llm: true")},
            note="`models` is not a permission; the key is `model`.",
        ),
    )
    valid = (
        Example({"manifest.yaml": manifest().replace("  permission: {}", "  permission:\n    model:\n      enabled: true\n      llm: true")}),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        for issue in _manifest_issues(plugin):
            if issue.unknown_key:
                yield self.at(doc, issue.at, issue.message, key=True, severity=unknown_key_severity(issue))


def unknown_key_severity(issue) -> Severity:
    """A near miss of a known key is a typo that loses a setting; any other extra key is inert."""
    return Severity.WARNING if issue.near_miss else Severity.INFO


def _categories(plugin: Plugin) -> dict[str, str]:
    """The plugin kinds the manifest declares, by `plugins` key, in the daemon's sense."""
    doc = plugin.manifest
    plugins = doc.get("plugins") if doc is not None and doc.usable else None
    if not isinstance(plugins, dict):
        return {}
    return {key: CATEGORIES[key] for key in CATEGORIES if isinstance(plugins.get(key), list) and plugins.get(key)}


class PluginCategoryConflict(Rule):
    code = "DPL103"
    name = "plugin-category-conflict"
    summary = "The manifest declares no plugin kind, or kinds that cannot be combined"
    explanation = """
    The daemon accepts a plugin only if it declares at least one of tools, models, endpoints,
    agent strategies, datasources or triggers, and it refuses most combinations: a model plugin
    stands alone, and so do agent-strategy, datasource and trigger plugins. Tools and endpoints are
    the one pair allowed together. Split the plugin in two.
    """
    invalid = (
        Example(
            {
                "manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n  models:\n    - provider/example.yaml"),
            },
            note="A tool plugin that also declares a model provider.",
        ),
    )
    valid = (
        Example(
            {"manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n  endpoints: []")},
            note="Tools with endpoints are allowed; an empty list declares nothing.",
        ),
    )

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict):
            return
        found = _categories(plugin)
        if not found:
            where = ("plugins",) if doc.exact(("plugins",)) else ()
            yield self.at(
                doc,
                where,
                "the manifest declares no plugin: list at least one of tools, models, endpoints,"
                " agent_strategies, datasources or triggers under `plugins`",
                key=True,
            )
            return
        kinds = set(found.values())
        for loner in ("model", "agent_strategy", "datasource", "trigger"):
            others = sorted(kinds - {loner})
            if loner in kinds and others:
                key = next(k for k, v in found.items() if v == loner)
                yield self.at(
                    doc,
                    ("plugins", key),
                    f"a {loner.replace('_', '-')} plugin cannot also declare {', '.join(o.replace('_', '-') for o in others)};"
                    " the daemon refuses the combination (only tools and endpoints may be combined)",
                    key=True,
                )
                return


class MultipleProviders(Rule):
    code = "DPL104"
    name = "multiple-providers"
    summary = "More than one provider file of one kind: the daemon keeps only the last"
    severity = Severity.WARNING
    explanation = """
    The daemon's declaration holds one tool provider, one model provider, one endpoint group and so
    on; when `plugins.tools` (or another list) names several files, each one loaded replaces the
    previous, so only the last is installed while the SDK serves them all. Put every tool under
    one provider, or publish separate plugins.
    """
    invalid = (
        Example(
            {
                "manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n    - provider/other.yaml"),
                "provider/other.yaml": "identity:\n  author: example\n  name: other\n  label:\n    en_US: Other\n  description:\n    en_US: Other tools.\n  icon: icon.svg\ntools: []\nextra:\n  python:\n    source: provider/example.py\n",
            }
        ),
    )
    valid = (Example({}),)

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        doc = plugin.manifest
        if doc is None or not doc.usable:
            return
        for key in CATEGORIES:
            entries = doc.get("plugins", key)
            if isinstance(entries, list) and len(entries) > 1:
                yield self.at(
                    doc,
                    ("plugins", key, len(entries) - 1),
                    f"`plugins.{key}` lists {len(entries)} files; the daemon installs only the last one",
                )


RULES = [ManifestInvalid, ManifestUnknownKey, PluginCategoryConflict, MultipleProviders]
