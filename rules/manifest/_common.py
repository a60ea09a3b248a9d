"""What the manifest family's rules share: the plugin kinds a manifest declares."""

from __future__ import annotations

from dify_lint.model.plugin import Plugin

#: `plugins` key -> the plugin kind the daemon calls it
CATEGORIES = {
    "tools": "tool",
    "models": "model",
    "endpoints": "endpoint",
    "agent_strategies": "agent_strategy",
    "datasources": "datasource",
    "triggers": "trigger",
}


def categories(plugin: Plugin) -> dict[str, str]:
    """The plugin kinds the manifest declares, by `plugins` key, in the daemon's sense."""
    doc = plugin.manifest
    plugins = doc.get("plugins") if doc is not None and doc.usable else None
    if not isinstance(plugins, dict):
        return {}
    return {key: CATEGORIES[key] for key in CATEGORIES if isinstance(plugins.get(key), list) and plugins.get(key)}
