"""DPL302 path-outside-plugin."""

from __future__ import annotations

from typing import Iterable

from dify_lint.analysis.package import ASSETS
from dify_lint.model.declarations import icons
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_PROVIDER, ECHO_YAML, is_checked, is_url, listed


class PathOutsidePlugin(Rule):
    code = "DPL302"
    name = "path-outside-plugin"
    summary = "A path in the YAML is absolute, climbs out of the plugin with `..`, or is a link leading out"
    explanation = """
    Every path a plugin's YAML holds is read relative to the plugin root, and only the files under
    that root are packaged. An absolute path, a `../` that climbs above the root, or a symbolic link
    that leads outside works on your machine at best and is missing from the package. dify-lint
    reports such paths and never reads what they point at.
    """
    invalid = (
        Example(
            {"provider/example.yaml": BASE_PROVIDER.replace("tools/echo.yaml", "../../etc/passwd")},
            expect=(
                (
                    "provider/example.yaml:10:5-10:21",
                    "`../../etc/passwd` points outside the plugin root (listed in `tools`); it is not packaged and was not read",
                ),
            ),
        ),
        Example(
            {"tools/echo.yaml": ECHO_YAML.replace("source: tools/echo.py", "source: /usr/lib/echo.py")},
            expect=(
                (
                    "tools/echo.yaml:22:13-22:29",
                    "`/usr/lib/echo.py` is an absolute path; paths in a plugin are relative to its root (named in `extra.python.source`); it is not packaged and was not read",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterable[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        for reference in plugin.references:
            problem = reference.target.problem
            if problem:
                yield self.at(
                    reference.owner,
                    reference.at,
                    f"`{reference.target.written}` {problem} ({listed(reference)}); it is not packaged and was not read",
                )
        manifest = plugin.manifest
        privacy = manifest.get("privacy") if manifest is not None else None
        if isinstance(privacy, str) and privacy.strip() and not is_url(privacy):
            resolved = plugin.resolve(privacy)
            if resolved.problem:
                yield self.at(manifest, ("privacy",), f"`{privacy}` {resolved.problem}; it is not packaged and was not read")
        for doc, at, value in icons(plugin):
            resolved = plugin.resolve(f"{ASSETS}/{value}")
            if resolved.problem and "link" in resolved.problem:
                yield self.at(
                    doc, at, f"icon `{value}` in `_assets/` {resolved.problem}; the package would hold the file it points at"
                )
