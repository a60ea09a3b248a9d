"""DPL304 missing-icon."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import ASSETS as ASSETS_FILES
from dify_lint.analysis.package import ASSETS, has_assets_dir, listing
from dify_lint.diagnostics import Severity
from dify_lint.examples import manifest_with
from dify_lint.model.declarations import icons
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_MODEL_PROVIDER, BASE_PROVIDER, is_checked, is_url


class MissingIcon(Rule):
    code = "DPL304"
    name = "missing-icon"
    summary = "An icon named in the YAML is not a file in `_assets/`"
    grades = {
        Severity.ERROR: "the icon is not in `_assets/`",
        Severity.WARNING: "the icon is in a subfolder of `_assets/`: found once packaged, missing in remote debugging",
    }
    explanation = """
    Icons are file names inside the plugin's `_assets/` folder: the manifest's `icon` and
    `icon_dark`, the `identity.icon` (and `icon_dark`) of tool, agent strategy and trigger
    providers, the `identity.icon` of datasource providers and datasources, and every locale of a
    model provider's `icon_small` / `icon_large` (and their `_dark` variants). `dify plugin package`
    refuses a missing one ("plugin icon not found") and installing a package fails with
    "file not found". Write the name relative to `_assets/` (`icon.svg`, not `_assets/icon.svg`);
    URLs and emoji are not accepted. An icon in a subfolder of `_assets/` works once packaged, but
    the SDK uploads only the top-level files in remote debugging, so it is a warning.
    """
    invalid = (
        Example(
            {"provider/example.yaml": BASE_PROVIDER.replace("icon: icon.svg", "icon: search.svg")},
            expect=(
                (
                    "provider/example.yaml:8:9-8:19",
                    "icon `search.svg` is not a file in `_assets/`; `dify plugin package` and installing both fail",
                ),
            ),
        ),
        Example(
            {"manifest.yaml": manifest_with("icon: icon.svg", "icon: _assets/icon.svg")},
            expect=(
                (
                    "manifest.yaml:9:7-9:23",
                    "icon `_assets/icon.svg` is not found: icon names are relative to `_assets/`, write `icon.svg`",
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": BASE_MODEL_PROVIDER.replace(
                    "icon_large:\n  en_US: icon.svg", "icon_large:\n  en_US: icon.svg\n  zh_Hans: icon-zh.svg"
                )
            },
            base="model",
            expect=(
                (
                    "provider/example.yaml:10:12-10:23",
                    "icon `icon-zh.svg` is not a file in `_assets/`; `dify plugin package` and installing both fail",
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": BASE_PROVIDER.replace("icon: icon.svg", "icon: tools/search.svg"),
                "_assets/tools/search.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n',
            },
            note="Packaged, the icon is found; remote debugging uploads only the top level of `_assets/`.",
            expect=(
                (
                    "provider/example.yaml:8:9-8:25",
                    "icon `tools/search.svg` is in a subfolder of `_assets/`: packaged plugins find it, but in remote"
                    " debugging the SDK uploads only the top-level files and the icon is missing; move it up",
                ),
            ),
        ),
    )
    valid = (Example({}), Example({}, base="model"), Example({}, base="datasource"))

    requires = (ASSETS_FILES,)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        assets = ctx.get(ASSETS_FILES)
        assets_dir = has_assets_dir(plugin)
        top = listing(plugin, ASSETS) if assets_dir else None
        for doc, at, value in icons(plugin):
            if top is not None and value in top and not top[value]:
                continue
            if value in assets:
                yield self.at(
                    doc,
                    at,
                    f"icon `{value}` is in a subfolder of `_assets/`: packaged plugins find it, but in remote"
                    " debugging the SDK uploads only the top-level files and the icon is missing; move it up",
                    severity=Severity.WARNING,
                )
                continue
            yield self.at(doc, at, self._message(value, assets, assets_dir))

    @staticmethod
    def _message(value: str, assets: set[str], assets_dir: bool) -> str:
        if not assets_dir:
            return f"icon `{value}` is not in `_assets/`: the plugin has no `_assets/` folder"
        stripped = value.removeprefix("./").removeprefix("_assets/")
        if stripped != value and stripped in assets:
            return f"icon `{value}` is not found: icon names are relative to `_assets/`, write `{stripped}`"
        if is_url(value):
            return f"icon `{value}` is a URL; Dify accepts only a file name in `_assets/`"
        lowered = [name for name in assets if name.lower() == value.lower()]
        if lowered:
            return f"icon `{value}` is not in `_assets/`; `{lowered[0]}` differs only in letter case (Dify's file names are case-sensitive)"
        return f"icon `{value}` is not a file in `_assets/`; `dify plugin package` and installing both fail"
