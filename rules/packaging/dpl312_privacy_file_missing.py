"""DPL312 privacy-file-missing."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.package import exact
from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest_with
from dify_lint.rule import Example, Finding, Rule

from ._common import is_checked, is_url


class PrivacyFileMissing(Rule):
    code = "DPL312"
    name = "privacy-file-missing"
    summary = "`privacy` names a file that does not exist"
    severity = Severity.WARNING
    explanation = """
    The manifest's `privacy` key points the Marketplace at the plugin's privacy policy: a file in
    the plugin (usually `PRIVACY.md`) or a URL. Neither the daemon nor the SDK reads it, so a
    wrong name goes unnoticed until the plugin is reviewed or published.
    """
    invalid = (
        Example(
            {"manifest.yaml": manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: PRIVACY.md\n")},
            expect=(("manifest.yaml:10:10-10:20", "privacy policy `PRIVACY.md` does not exist"),),
        ),
        Example(
            {"manifest.yaml": manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: ''\n")},
            expect=(
                (
                    "manifest.yaml:10:1-10:8",
                    "`privacy` is empty; name the policy file (such as PRIVACY.md) or a URL, or remove the key",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "manifest.yaml": manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: PRIVACY.md\n"),
                "PRIVACY.md": "# Privacy\n",
            }
        ),
        Example({"manifest.yaml": manifest_with("icon: icon.svg\n", "icon: icon.svg\nprivacy: https://example.com/privacy\n")}),
    )

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        manifest = plugin.manifest
        privacy = manifest.get("privacy")
        if not isinstance(privacy, str):
            return
        if not privacy.strip():
            yield self.at(
                manifest,
                ("privacy",),
                "`privacy` is empty; name the policy file (such as PRIVACY.md) or a URL, or remove the key",
                key=True,
            )
            return
        if is_url(privacy):
            return
        resolved = plugin.resolve(privacy.strip())
        if resolved.problem:
            return  # DPL302
        is_exact, other = exact(plugin, resolved.relative or "")
        if is_exact and resolved.is_file:
            return
        hint = f"; `{other}` differs only in letter case" if other else ""
        yield self.at(manifest, ("privacy",), f"privacy policy `{privacy}` does not exist{hint}")
