"""DPL103 plugin-category-conflict."""

from __future__ import annotations

from typing import Iterable

from dify_lint.examples import manifest
from dify_lint.rule import Example, Finding, Rule

from ._common import categories


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
            {"manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n  models:\n    - provider/example.yaml")},
            note="A tool plugin that also declares a model provider.",
            expect=(
                (
                    "manifest.yaml:17:3-17:9",
                    "a model plugin cannot also declare tool; the daemon refuses the combination (only tools and endpoints may be combined)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {"manifest.yaml": manifest("  tools:\n    - provider/example.yaml\n  endpoints: []")},
            note="Tools with endpoints are allowed; an empty list declares nothing.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict):
            return
        found = categories(plugin)
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
