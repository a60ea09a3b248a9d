"""DPL311 package-too-large."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import IGNORE_FILE, PACKAGED_FILES
from dify_lint.analysis.package import listing
from dify_lint.diagnostics import Severity, Span
from dify_lint.model.plugin import MANIFEST
from dify_lint.rule import Example, Finding, Rule

from ._common import file_start, is_checked

MAX_PACKAGE_BYTES = 50 * 1024 * 1024  # `dify plugin package --max-size` default, in MB of 1024*1024


class PackageTooLarge(Rule):
    code = "DPL311"
    name = "package-too-large"
    summary = "The packaged files exceed 50 MB, or a virtual environment would be packaged"
    grades = {
        Severity.ERROR: "the packaged files would exceed 50 MB",
        Severity.WARNING: "a virtual environment folder would be packaged",
    }
    explanation = """
    `dify plugin package` refuses a plugin whose files add up to more than 50 MB uncompressed (its
    default `--max-size`), counting everything the ignore file does not exclude, `.git/` included.
    A `.venv/` or `venv*/` folder at the plugin root that the ignore file does not exclude ends up
    in the package: it is large, holds binaries for the wrong platform, and the official plugin CI
    rejects it. Exclude such folders in `.difyignore`.
    """
    invalid = (
        Example(
            {".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/lib/site.py": "# site\n"},
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "the virtual environment `.venv/` (2 files, 1 kB) would be packaged, and the official plugin CI rejects it; add `.venv/` to .difyignore",
                ),
            ),
        ),
    )
    valid = (Example({".venv/pyvenv.cfg": "home = /usr/bin\n", ".difyignore": ".venv/\n"}),)

    requires = (IGNORE_FILE, PACKAGED_FILES)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        ignore_file = ctx.get(IGNORE_FILE)
        packaged = ctx.get(PACKAGED_FILES)
        entries = plugin.listdir("") or {}
        names = listing(plugin, "") or {}
        for name in sorted(names):
            if names[name] and (name.startswith("venv") or name.startswith(".venv")):
                if entries[name].link or (ignore_file is not None and ignore_file.excluded_by(name, True) is not None):
                    continue
                inside = [s for p, s in packaged if p.startswith(name + "/")]
                ignore = ignore_file.name if ignore_file is not None else ".difyignore"
                yield Finding(
                    MANIFEST,
                    Span.file_start(),
                    f"the virtual environment `{name}/` ({len(inside)} files, {_mb(sum(inside))}) would be packaged,"
                    f" and the official plugin CI rejects it; add `{name}/` to {ignore}",
                    Severity.WARNING,
                )
        total = sum(size for _, size in packaged)
        if total > MAX_PACKAGE_BYTES:
            largest = ", ".join(f"{p} ({_mb(s)})" for p, s in packaged[:3])
            yield file_start(
                f"the files `dify plugin package` would include add up to {_mb(total)}, over the 50 MB limit;"
                f" largest: {largest}. Exclude what the plugin does not need in .difyignore"
            )


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)) if size else 0} kB"
    return f"{size / (1024 * 1024):.1f} MB"


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)) if size else 0} kB"
    return f"{size / (1024 * 1024):.1f} MB"
