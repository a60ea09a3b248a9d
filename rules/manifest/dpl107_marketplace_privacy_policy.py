"""DPL107 marketplace-privacy-policy."""

from __future__ import annotations

import re
from typing import Iterable

from dify_lint.diagnostics import Severity, Span
from dify_lint.examples import manifest
from dify_lint.rule import Example, Finding, Rule

from ._common import MARKETPLACE, marketplace_value

POLICY = "PRIVACY.md"

#: the sentence the plugin scaffold leaves in its privacy policy
_TEMPLATE = "please fill in the privacy policy"
#: words that show a policy says what happens to users' data (the Marketplace's sweep)
_DISCLOSURE = (
    "collect", "collection", "personal data", "user data", "data collected", "store", "storage", "retain",
    "retention", "persist", "log", "logging", "third party", "third-party", "share", "send", "transmit",
    "external service", "no user data collected", "does not collect", "do not collect", "not collect any user data",
)  # fmt: skip
#: a disclosure word at the start of a word: "logged" counts, "blog" and "technology" do not
_DISCLOSES = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in _DISCLOSURE) + ")")


class MarketplacePrivacyPolicy(Rule):
    code = "DPL107"
    name = "marketplace-privacy-policy"
    summary = "The privacy policy is missing, empty or still the template the Marketplace refuses"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "what the Marketplace's submission check refuses",
        Severity.INFO: "what its reviewers only note: a policy that never says what happens to users' data",
    }
    default_off = True
    explanation = """
    The Marketplace's submission check requires a `PRIVACY.md` file at the plugin root, and reads
    the policy the manifest's `privacy` names when it is a file in the plugin: an empty policy, or
    one that still holds the scaffold's "Please fill in the privacy policy", is refused. A policy
    that never says what happens to users' data (collected, stored, logged, shared, or not at all)
    draws a reviewer's note (info). The plugin installs and runs either way.

    The rule is opt-in: select it by its code or name for plugins meant for the Marketplace. A
    missing `privacy` key is reported by DPL105, a `privacy` file that does not exist by DPL312.
    """
    invalid = (
        Example(
            {
                "manifest.yaml": manifest() + "privacy: PRIVACY.md\n",
                "PRIVACY.md": "## Privacy\n\nPlease fill in the privacy policy of the plugin.\n",
            },
            expect=(
                (
                    "PRIVACY.md:1:1-1:2",
                    "PRIVACY.md still holds the scaffold's \"Please fill in the privacy policy\"; the Marketplace's"
                    " submission check refuses it: say what the plugin does with users' data",
                ),
            ),
        ),
        Example(
            {"manifest.yaml": manifest() + "privacy: https://example.com/privacy\n"},
            note="Even with a policy URL, the Marketplace wants the file.",
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "there is no PRIVACY.md at the plugin root; the Marketplace's submission check requires one,"
                    " even when `privacy` is a URL",
                ),
            ),
        ),
        Example(
            {
                "manifest.yaml": manifest() + "privacy: PRIVACY.md\n",
                "PRIVACY.md": "## Privacy\n\nWe respect your privacy.\n",
            },
            note="Accepted by the submission check, but it never says what happens to users' data.",
            expect=(
                (
                    "PRIVACY.md:1:1-1:2",
                    "PRIVACY.md never says what happens to users' data (collected, stored, logged, shared, or not at"
                    " all); the Marketplace reviewers look for that",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "manifest.yaml": manifest() + "privacy: PRIVACY.md\n",
                "PRIVACY.md": "This plugin does not collect any user data.\n",
            }
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict) or doc.data.get("type") == "bundle":
            return
        privacy = marketplace_value(plugin, "privacy")
        named = privacy[2:] if privacy.startswith("./") else privacy
        if not plugin.is_file(POLICY) and named != POLICY:  # a missing named file is DPL312's
            yield Finding(
                doc.path,
                Span.file_start(),
                f"there is no {POLICY} at the plugin root; {MARKETPLACE} requires one, even when `privacy` is a URL"
                if privacy.startswith(("http://", "https://"))
                else f"there is no {POLICY} at the plugin root; {MARKETPLACE} requires one",
            )
        if not named or ":" in named.split("/")[0]:
            return  # no policy file named, or a URL
        resolved = plugin.resolve(named)
        if resolved.problem or not resolved.is_file or not resolved.relative:
            return  # outside the plugin (DPL302) or missing (DPL312)
        text = plugin.text(resolved.relative)
        if text is None:
            return
        yield from self._policy(resolved.relative, text)

    def _policy(self, path: str, text: str) -> Iterable[Finding]:
        start = Span.file_start()
        lowered = text.lower()
        if not lowered.strip():
            yield Finding(path, start, f"{path} is empty; {MARKETPLACE} refuses an empty privacy policy")
        elif _TEMPLATE in lowered:
            yield Finding(
                path,
                start,
                f'{path} still holds the scaffold\'s "Please fill in the privacy policy"; {MARKETPLACE} refuses it:'
                " say what the plugin does with users' data",
            )
        elif not _DISCLOSES.search(lowered):
            yield Finding(
                path,
                start,
                f"{path} never says what happens to users' data (collected, stored, logged, shared, or not at all);"
                " the Marketplace reviewers look for that",
                Severity.INFO,
            )
