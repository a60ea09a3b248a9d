"""DPL305 missing-assets-dir."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.package import ASSETS, leaves_the_root, listing
from dify_lint.rule import Example, Finding, Rule

from ._common import file_start, is_checked


class MissingAssetsDir(Rule):
    code = "DPL305"
    name = "missing-assets-dir"
    summary = "The plugin has no `_assets/` folder"
    explanation = """
    At start-up the SDK lists `_assets/` (with `os.scandir`) to upload the plugin's icons, and
    `dify plugin package` reads it to check them; without the folder the plugin does not start and
    cannot be packaged. Create `_assets/` at the plugin root and put the icons there.
    """
    invalid = (
        Example(
            {"_assets": None},
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "the plugin has no `_assets/` folder; the SDK lists it at start-up and `dify plugin package` reads the icons from it: create it and put the icons there",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterator[Finding]:
        if not is_checked(ctx.plugin):
            return
        names = listing(ctx.plugin, "")
        if names is None or names.get(ASSETS):
            return
        if leaves_the_root(ctx.plugin, ASSETS):
            yield file_start(
                "`_assets` is a symbolic link that points outside the plugin root; it was not read, and the package"
                " would not hold the plugin's icons: make `_assets/` a folder inside the plugin"
            )
            return
        if ASSETS in names:
            yield file_start("`_assets` is a file, not a folder; the SDK lists `_assets/` at start-up and fails")
            return
        other = [n for n in names if n.lower() == ASSETS and names[n]]
        hint = f" (`{other[0]}/` differs only in letter case)" if other else ""
        yield file_start(
            f"the plugin has no `_assets/` folder{hint}; the SDK lists it at start-up and `dify plugin package`"
            " reads the icons from it: create it and put the icons there"
        )
