"""DPL106 marketplace-readme."""

from __future__ import annotations

import re
from typing import Iterable

from dify_lint.diagnostics import Position, Severity, Span
from dify_lint.rule import Example, Finding, Rule

from ._common import MARKETPLACE, SOURCE_LINK, hosts_text

README = "README.md"

#: the subjects a README should cover, and words that show it does (the Marketplace's sweep)
_TOPICS = {
    "how to set it up": ("setup", "install", "installation", "configure", "configuration", "getting started"),
    "how to use it": ("usage", "use", "example", "examples", "workflow", "chatflow"),
    "which API keys or credentials it needs": (
        "api key", "apikey", "credential", "credentials", "token", "secret", "auth", "authentication", "authorization",
    ),
    "what it connects to": ("connection", "connect", "endpoint", "base url", "host", "proxy", "network"),
}  # fmt: skip

_FENCED = re.compile(r"```.*?```", re.DOTALL)
_CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]")

_GOOD = (
    "# Echo\n\nRepeats text. Source: https://github.com/example/echo\n\n## Setup\n\nInstall the plugin and"
    " configure the API key (a token from the service).\n\n## Usage\n\nUse it in a workflow; it connects to the"
    " service's endpoint.\n"
)


class MarketplaceReadme(Rule):
    code = "DPL106"
    name = "marketplace-readme"
    summary = "README.md lacks what the Marketplace requires of a submitted plugin"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "what the Marketplace's submission check refuses",
        Severity.INFO: "what its reviewers only note: a README that names no setup, usage, credentials or connections",
    }
    default_off = True
    explanation = """
    The Marketplace's submission check reads the plugin's README.md and refuses one that is empty,
    that links no source repository (on github.com, gitlab.com, bitbucket.org, gitee.com,
    codeberg.org or git.sr.ht), or whose text outside fenced code blocks holds CJK characters:
    README.md is the English readme, and Dify reads translations from `readme/README_<lang>.md`. A
    README that never mentions setup, usage, credentials or connections draws a reviewer's note
    (info). The plugin installs and runs either way.

    The rule is opt-in: select it by its code or name for plugins meant for the Marketplace. A
    missing README.md is reported by DPL310.
    """
    invalid = (
        Example(
            {"README.md": "# Echo\n\n重复文本。\n\n```\n示例\n```\n"},
            note="Chinese text outside code blocks, no repository link, no setup or usage.",
            expect=(
                (
                    "README.md:1:1-1:2",
                    "README.md mentions no source repository; the Marketplace's submission check requires a link to"
                    " it (on github.com, gitlab.com, bitbucket.org, gitee.com, codeberg.org or git.sr.ht)",
                ),
                (
                    "README.md:1:1-1:2",
                    "README.md never mentions how to set it up, how to use it, which API keys or credentials it needs"
                    " or what it connects to; the Marketplace reviewers look for them",
                ),
                (
                    "README.md:3:1-3:2",
                    "README.md holds 4 CJK characters outside code blocks; the Marketplace's submission check"
                    " requires English there: move translations to `readme/README_<lang>.md` (such as"
                    " readme/README_zh_Hans.md), where Dify reads localized readmes",
                ),
            ),
        ),
    )
    valid = (Example({"README.md": _GOOD}),)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict) or doc.data.get("type") == "bundle":
            return
        text = plugin.text(README)
        if text is None:
            return  # DPL310
        start = Span.file_start()
        if not text.strip():
            yield Finding(README, start, f"README.md is empty; {MARKETPLACE} refuses an empty readme")
            return
        if not SOURCE_LINK.search(text):
            hosts = hosts_text().rsplit(", ", 1)
            yield Finding(
                README,
                start,
                f"README.md mentions no source repository; {MARKETPLACE} requires a link to it (on {hosts[0]} or {hosts[1]})",
            )
        lowered = text.lower()
        missing = [topic for topic, words in _TOPICS.items() if not any(word in lowered for word in words)]
        if missing:
            listed = ", ".join(missing[:-1]) + f" or {missing[-1]}" if len(missing) > 1 else missing[0]
            yield Finding(
                README,
                start,
                f"README.md never mentions {listed}; the Marketplace reviewers look for them",
                Severity.INFO,
            )
        yield from _chinese_text(text)


def _chinese_text(text: str) -> Iterable[Finding]:
    """CJK characters outside fenced code blocks, reported once, at the first of them."""
    outside = _FENCED.sub(lambda m: "\n" * m.group(0).count("\n"), text)  # keep line numbers
    found = list(_CJK.finditer(outside))
    if not found:
        return
    first = found[0].start()
    line = outside.count("\n", 0, first) + 1
    column = first - (outside.rfind("\n", 0, first) + 1) + 1
    yield Finding(
        README,
        Span(Position(line, column), Position(line, column + 1)),
        f"README.md holds {len(found)} CJK characters outside code blocks; {MARKETPLACE} requires English"
        " there: move translations to `readme/README_<lang>.md` (such as readme/README_zh_Hans.md), where Dify"
        " reads localized readmes",
    )
