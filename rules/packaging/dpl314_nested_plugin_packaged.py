"""DPL314 nested-plugin-packaged."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import IGNORE_FILE
from dify_lint.diagnostics import Severity
from dify_lint.examples import base_file
from dify_lint.rule import Example, Finding, Rule

from ._common import file_start, is_checked

INNER = {
    f"inner/{path}": base_file(path, "endpoint")
    for path in ("manifest.yaml", "group/example.yaml", "endpoints/hello.yaml", "endpoints/hello.py")
}


class NestedPluginPackaged(Rule):
    code = "DPL314"
    name = "nested-plugin-packaged"
    summary = "A folder holding a plugin of its own would be packed into this plugin's package"
    severity = Severity.INFO
    explanation = """
    A folder inside the plugin that holds its own `manifest.yaml` is a plugin of its own: dify-lint
    lints it separately, and none of its files count as this plugin's. `dify plugin package` of the
    outer plugin does not know that: it packs the folder in as plain files, where nothing loads
    them, making the package larger. Exclude the folder in `.difyignore`, or move it out.
    """
    invalid = (
        Example(
            INNER,
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "`inner/` holds a plugin of its own (it has a manifest.yaml, and is linted on its own); `dify plugin package` of this plugin packs it in as plain files that nothing loads; add `inner/` to .difyignore",
                ),
            ),
        ),
    )
    valid = (Example({**INNER, ".difyignore": "inner/\n"}),)

    requires = (IGNORE_FILE,)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        ignore = ctx.get(IGNORE_FILE)
        name = ignore.name if ignore is not None else ".difyignore"
        for folder in plugin.nested_roots:
            if ignore is not None and ignore.excluded_by(folder, True) is not None:
                continue
            if plugin.is_package:
                yield file_start(
                    f"`{folder}/` holds a plugin of its own (it has a manifest.yaml); the package holds it as plain"
                    f" files that nothing loads; add `{folder}/` to .difyignore and package it again"
                )
                continue
            yield file_start(
                f"`{folder}/` holds a plugin of its own (it has a manifest.yaml, and is linted on its own);"
                f" `dify plugin package` of this plugin packs it in as plain files that nothing loads;"
                f" add `{folder}/` to {name}"
            )
