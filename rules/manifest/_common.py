"""What the manifest family's rules share: the plugin kinds a manifest declares, and what the
Marketplace's submission check accepts."""

from __future__ import annotations

import re

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


# -- the Marketplace's submission checks --------------------------------------------------------

#: hosts the Marketplace accepts for a plugin's source repository (`repo`, and a README link)
SOURCE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org", "git.sr.ht")

_HOSTS = "|".join(re.escape(host) for host in SOURCE_HOSTS)
#: a whole `repo` value: nothing but a repository URL on one of those hosts
SOURCE_URL = re.compile(rf"^https?://(?:www\.)?(?:{_HOSTS})/[^\s)>\"]+$", re.IGNORECASE)
#: a repository link anywhere in a README
SOURCE_LINK = re.compile(rf"https?://(?:www\.)?(?:{_HOSTS})/[^\s)>\"]+", re.IGNORECASE)
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")

MARKETPLACE = "the Marketplace's submission check"


def hosts_text() -> str:
    return ", ".join(SOURCE_HOSTS)


def marketplace_value(plugin: Plugin, key: str) -> str:
    """A top-level manifest value as the Marketplace's check reads it: empty when missing, null or false."""
    doc = plugin.manifest
    value = doc.get(key) if doc is not None and doc.usable else None
    if value is None or value is False:
        return ""
    return str(value).strip()
