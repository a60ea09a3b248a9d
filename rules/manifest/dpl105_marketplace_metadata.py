"""DPL105 marketplace-metadata."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest
from dify_lint.rule import Example, Finding, Rule

from ._common import EMAIL, MARKETPLACE, SOURCE_URL, hosts_text, marketplace_value

_PUBLISHED = "repo: https://github.com/example/echo\ncontact: dev@example.com\nprivacy: PRIVACY.md\n"

#: what to write for each key the Marketplace requires, when it is missing
_HOW_TO_ADD = {
    "privacy": "add `privacy: PRIVACY.md` at the top level and write the policy in PRIVACY.md (or give the policy's https:// URL)",
    "repo": "add `repo:` at the top level with the URL of the plugin's source repository (on {hosts})",
    "contact": "add `contact:` at the top level with an email address the Marketplace can reach you at",
}


class MarketplaceMetadata(Rule):
    code = "DPL105"
    name = "marketplace-metadata"
    summary = "manifest.yaml lacks what the Marketplace requires of a submitted plugin (privacy, repo, contact)"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "what the Marketplace's submission check refuses",
        Severity.INFO: "what its reviewers only note: no `meta.minimum_dify_version`",
    }
    default_off = True
    explanation = """
    Publishing on the Dify Marketplace runs the Marketplace's own checks on the package, and they
    ask more of the manifest than Dify does: a top-level `privacy` (the policy's file in the plugin,
    or its http(s) URL), `repo` (the source repository's URL on github.com, gitlab.com,
    bitbucket.org, gitee.com, codeberg.org or git.sr.ht), `contact` (an email address), and an
    `author` that does not contain `dify` or `langgenius`. Neither the SDK nor the daemon reads these
    keys, so the plugin installs and runs without them; the submission is refused. A missing
    `meta.minimum_dify_version` only draws a reviewer's note (info).

    The rule is opt-in: select it by its code or name for plugins meant for the Marketplace. A key
    written under `meta` instead of at the top level is reported by DPL102, and a `privacy` file
    that does not exist by DPL312.
    """
    invalid = (
        Example(
            {
                "manifest.yaml": manifest() + "repo: https://example.com/echo\ncontact: dev@example.com\nprivacy: PRIVACY.md\n",
                "PRIVACY.md": "We collect nothing.\n",
            },
            note="`repo` must be on a source host the Marketplace knows; the `meta.minimum_dify_version` note is info.",
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "the Marketplace reviewers expect `meta.minimum_dify_version` (the oldest Dify the plugin works"
                    " with, such as 1.0.0)",
                ),
                (
                    "manifest.yaml:26:7-26:31",
                    "`repo` must be the URL of the plugin's source repository on github.com, gitlab.com, bitbucket.org,"
                    " gitee.com, codeberg.org or git.sr.ht for the Marketplace's submission check; got"
                    " `https://example.com/echo`",
                ),
            ),
        ),
        Example(
            {"manifest.yaml": manifest().replace("  version: 0.0.1\n", "  version: 0.0.1\n  minimum_dify_version: 1.0.0\n")},
            note="None of the Marketplace's keys.",
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "the Marketplace's submission check requires `contact`: add `contact:` at the top level with an email"
                    " address the Marketplace can reach you at",
                ),
                (
                    "manifest.yaml:1:1-1:2",
                    "the Marketplace's submission check requires `privacy`: add `privacy: PRIVACY.md` at the top level and"
                    " write the policy in PRIVACY.md (or give the policy's https:// URL)",
                ),
                (
                    "manifest.yaml:1:1-1:2",
                    "the Marketplace's submission check requires `repo`: add `repo:` at the top level with the URL of the"
                    " plugin's source repository (on github.com, gitlab.com, bitbucket.org, gitee.com, codeberg.org or git.sr.ht)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "manifest.yaml": manifest().replace("  version: 0.0.1\n", "  version: 0.0.1\n  minimum_dify_version: 1.0.0\n")
                + _PUBLISHED,
                "PRIVACY.md": "This plugin does not collect any user data.\n",
            }
        ),
        Example(
            {
                "manifest.yaml": manifest().replace(
                    "  version: 0.0.1\n",
                    "  version: 0.0.1\n  minimum_dify_version: 1.0.0\n  repo: https://github.com/example/echo\n",
                )
                + "contact: dev@example.com\nprivacy: PRIVACY.md\n",
                "PRIVACY.md": "This plugin does not collect any user data.\n",
            },
            note="`repo` under `meta` is DPL102's to report (move it up), not a missing key.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict) or doc.data.get("type") == "bundle":
            return
        meta = doc.data.get("meta") if isinstance(doc.data.get("meta"), dict) else {}
        for key in ("contact", "privacy", "repo"):
            if marketplace_value(plugin, key) or key in meta:
                continue  # present, or written under `meta` (DPL102 says to move it)
            how = _HOW_TO_ADD[key].format(hosts=_or_list())
            where = (key,) if doc.exact((key,)) else ()
            yield self.at(doc, where, f"{MARKETPLACE} requires `{key}`: {how}", key=True)

        repo = marketplace_value(plugin, "repo")
        if repo and _scheme(repo) and not SOURCE_URL.search(repo):  # not a URL at all: DPL101
            yield self.at(
                doc,
                ("repo",),
                f"`repo` must be the URL of the plugin's source repository on {_or_list()} for {MARKETPLACE}; got `{repo}`",
            )
        contact = marketplace_value(plugin, "contact")
        if contact and not EMAIL.match(contact):
            yield self.at(doc, ("contact",), f"`contact` must be an email address for {MARKETPLACE}; got `{contact}`")
        privacy = marketplace_value(plugin, "privacy")
        if privacy and _scheme(privacy) and not privacy.startswith(("http://", "https://")):
            yield self.at(
                doc, ("privacy",), f"a `privacy` URL must start with http:// or https:// for {MARKETPLACE}; got `{privacy}`"
            )

        author = marketplace_value(plugin, "author")
        for word in ("langgenius", "dify"):
            if word in author:
                yield self.at(
                    doc,
                    ("author",),
                    f"{MARKETPLACE} refuses an `author` containing `{word}`, which would pass the plugin off as Dify's own;"
                    " use your own name",
                )
                break

        minimum = meta.get("minimum_dify_version")
        if minimum is None or minimum is False or minimum == "":
            yield self.at(
                doc,
                ("meta", "minimum_dify_version") if "minimum_dify_version" in meta else (),
                "the Marketplace reviewers expect `meta.minimum_dify_version` (the oldest Dify the plugin works with,"
                " such as 1.0.0)",
                key=True,
                severity=Severity.INFO,
            )


def _or_list() -> str:
    hosts = hosts_text().split(", ")
    return ", ".join(hosts[:-1]) + f" or {hosts[-1]}"


def _scheme(value: str) -> bool:
    """Written as a URL (`mailto:...`, `ftp://...`), not as a path in the plugin."""
    head, colon, _ = value.partition(":")
    return bool(colon) and head[:1].isalpha() and all(c.isalnum() or c in "+.-" for c in head) and len(head) > 1
