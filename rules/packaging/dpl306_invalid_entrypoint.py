"""DPL306 invalid-entrypoint."""

from __future__ import annotations

import re
from typing import Iterator

from dify_lint.analysis.package import exact
from dify_lint.examples import manifest_with
from dify_lint.rule import Example, Finding, Rule

from ._common import is_checked


class InvalidEntrypoint(Rule):
    code = "DPL306"
    name = "invalid-entrypoint"
    summary = "`meta.runner.entrypoint` is not a module name, or its file is missing"
    explanation = """
    The daemon starts the plugin with `python -m <entrypoint>` from the plugin root, so the
    entrypoint is a module name (`main`), not a file name (`main.py`) or a path (`src/main`), and
    `<entrypoint>.py` (or a package with `__main__.py`) must exist at the root, spelled with the
    same letter case.
    """
    invalid = (
        Example(
            {"manifest.yaml": manifest_with("entrypoint: main", "entrypoint: main.py")},
            expect=(
                ("manifest.yaml:25:17-25:24", "`main.py` is a file name; Dify runs `python -m <entrypoint>`, so write `main`"),
            ),
        ),
        Example(
            {"main.py": None},
            expect=(("manifest.yaml:25:17-25:21", "`main.py` does not exist at the plugin root, so `python -m main` fails"),),
        ),
        Example(
            {"manifest.yaml": manifest_with("entrypoint: main", "entrypoint: src/main")},
            expect=(
                (
                    "manifest.yaml:25:17-25:25",
                    "`src/main` is a path; Dify runs `python -m <entrypoint>`, so write the module name `src.main`",
                ),
            ),
        ),
    )
    valid = (Example({}),)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        manifest = plugin.manifest
        at = ("meta", "runner", "entrypoint")
        entry = manifest.get(*at)
        if not isinstance(entry, str):
            return  # missing or not a string: the manifest schema rule reports it
        text = entry.strip()
        if not text:
            yield self.at(manifest, at, "the entrypoint is empty; write the module name, usually `main`")
            return
        if "/" in text or "\\" in text:
            module = re.sub(r"\.py$", "", text.replace("\\", "/")).strip("/").replace("/", ".")
            yield self.at(
                manifest, at, f"`{entry}` is a path; Dify runs `python -m <entrypoint>`, so write the module name `{module}`"
            )
            return
        if text.endswith(".py"):
            yield self.at(manifest, at, f"`{entry}` is a file name; Dify runs `python -m <entrypoint>`, so write `{text[:-3]}`")
            return
        if text != entry:
            yield self.at(manifest, at, f"`{entry}` has spaces around the module name; write `{text}`")
            return
        stem = text.replace(".", "/")
        for candidate in (f"{stem}.py", f"{stem}/__main__.py"):
            is_exact, _ = exact(plugin, candidate)
            if is_exact and plugin.is_file(candidate):
                return
        _, other = exact(plugin, f"{stem}.py")
        hint = f"; `{other}` differs only in letter case" if other else ""
        yield self.at(manifest, at, f"`{stem}.py` does not exist at the plugin root, so `python -m {text}` fails{hint}")
