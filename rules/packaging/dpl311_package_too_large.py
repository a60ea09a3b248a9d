"""DPL311 package-too-large."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import IGNORE_FILE, PACKAGED_FILES, VIRTUAL_ENVS
from dify_lint.analysis.package import VirtualEnv
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
        Severity.ERROR: "the packaged files would exceed 50 MB, or a packaged virtual environment holds a link to a"
        " folder or to nothing, which stops `dify plugin package`",
        Severity.WARNING: "a packaged virtual environment links out of the plugin to its interpreter: packaging fails"
        " where that interpreter is missing",
        Severity.INFO: "a packaged virtual environment without links: dead weight only",
    }
    explanation = """
    `dify plugin package` refuses a plugin whose files add up to more than 50 MB uncompressed (its
    default `--max-size`), counting everything the ignore file does not exclude, `.git/` included.

    A virtual environment at the plugin root (a `venv*/` or `.venv*/` folder, or any folder holding
    `pyvenv.cfg`) that the ignore file does not exclude is packaged too, and it is made of symbolic
    links. The packager reads every file through its links: a link to a folder (`lib64 -> lib`, which
    `python -m venv` makes on 64-bit Linux) stops it with "is a directory" (an error); a link to the
    interpreter the environment was made with (`bin/python3.12 -> /usr/bin/python3.12`) makes it fail
    wherever that interpreter is missing, a CI runner or another machine, and copy the interpreter
    into the package elsewhere (a warning). Without links the folder is dead weight only: Dify
    installs the dependencies into an environment of its own (info). Exclude such folders in
    `.difyignore`.

    A `.difypkg` is checked the same way: the daemon refuses, at upload, a package whose files add
    up to more than 50 MB unpacked (its default `MAX_PLUGIN_PACKAGE_SIZE`); a virtual environment
    it holds is dead weight (info).
    """
    invalid = (
        Example(
            {".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/lib/site.py": "# site\n"},
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "the virtual environment `.venv/` (2 files, 1 kB) would be packaged, although Dify installs the plugin's dependencies into an environment of its own; add `.venv/` to .difyignore",
                ),
            ),
        ),
    )
    valid = (Example({".venv/pyvenv.cfg": "home = /usr/bin\n", ".difyignore": ".venv/\n"}),)

    requires = (PACKAGED_FILES, VIRTUAL_ENVS, IGNORE_FILE)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        ignore_file = ctx.get(IGNORE_FILE)
        ignore = ignore_file.name if ignore_file is not None else ".difyignore"
        for venv in ctx.get(VIRTUAL_ENVS):
            yield self._venv(venv, ignore, plugin.is_package)
        packaged = ctx.get(PACKAGED_FILES)
        total = sum(size for _, size in packaged)
        if total > MAX_PACKAGE_BYTES:
            largest = ", ".join(f"{p} ({_mb(s)})" for p, s in packaged[:3])
            if plugin.is_package:
                yield file_start(
                    f"the package's files add up to {_mb(total)} unpacked, over the 50 MB the daemon accepts by default"
                    f" (`MAX_PLUGIN_PACKAGE_SIZE`), so uploading it fails; largest: {largest}. Exclude what the plugin"
                    " does not need in .difyignore and package it again"
                )
                return
            yield file_start(
                f"the files `dify plugin package` would include add up to {_mb(total)}, over the 50 MB limit;"
                f" largest: {largest}. Exclude what the plugin does not need in .difyignore"
            )

    def _venv(self, venv: VirtualEnv, ignore: str, package: bool) -> Finding:
        size = f"({venv.files} files, {_mb(venv.size)})"
        if package:  # packaging went through; the links (if any) were copied or kept as plain files
            return Finding(
                MANIFEST,
                Span.file_start(),
                f"the package holds the virtual environment `{venv.folder}/` {size}, although Dify installs the"
                f" plugin's dependencies into an environment of its own; add `{venv.folder}/` to .difyignore and package"
                " it again",
                Severity.INFO,
            )
        what = f"the virtual environment `{venv.folder}/` {size} would be packaged"
        fix = f"add `{venv.folder}/` to {ignore}"
        if venv.folder_links or venv.dangling_links:
            link = (venv.folder_links or venv.dangling_links)[0]
            why = "to a folder" if venv.folder_links else "to nothing"
            failure = '"is a directory"' if venv.folder_links else '"no such file or directory"'
            return Finding(
                MANIFEST,
                Span.file_start(),
                f"{what}, and its `{link}` is a symbolic link {why}: `dify plugin package` reads every file through"
                f" its links and stops with {failure}; {fix}",
                Severity.ERROR,
            )
        if venv.outside_links:
            link = venv.outside_links[0]
            return Finding(
                MANIFEST,
                Span.file_start(),
                f"{what}, and its `{link}` is a symbolic link out of the plugin (to the interpreter it was made"
                " with): `dify plugin package` reads every file through its links, so it fails wherever that"
                f" interpreter is missing (a CI runner, another machine) and copies it into the package elsewhere; {fix}",
                Severity.WARNING,
            )
        return Finding(
            MANIFEST,
            Span.file_start(),
            f"{what}, although Dify installs the plugin's dependencies into an environment of its own; {fix}",
            Severity.INFO,
        )


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)) if size else 0} kB"
    return f"{size / (1024 * 1024):.1f} MB"
