"""DPL308 ignored-required-file."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import ASSETS as ASSETS_FILES
from dify_lint.analysis.keys import IGNORE_FILE, SYMBOLS
from dify_lint.analysis.package import ASSETS, IgnoreFile, has_assets_dir, imported_closure, listing, loaded_source
from dify_lint.diagnostics import Position, Span
from dify_lint.model.declarations import icons
from dify_lint.model.plugin import MANIFEST, Plugin
from dify_lint.python.symbols import Resolver
from dify_lint.rule import Example, Finding, Rule

from ._common import is_checked, listed, where


def _dependency_file(plugin: Plugin, ignore: IgnoreFile) -> Iterator[tuple[str, bool, str]]:
    """The dependency file the package needs: the daemon installs from pyproject.toml when the
    package has one, else from requirements.txt (and prefers the latter with a pip mirror), so
    either will do. `dify plugin package` writes requirements.txt itself from pyproject.toml and
    uv.lock when there is none, even if the ignore file leaves pyproject.toml out."""
    names = listing(plugin, "") or {}
    present = [name for name in ("requirements.txt", "pyproject.toml") if name in names and not names[name]]
    if "pyproject.toml" in present and "uv.lock" in names and "requirements.txt" not in present:
        return
    if present and all(ignore.excluded_by(name) is not None for name in present):
        yield present[0], False, "the dependency file Dify installs from"


def _needed_files(plugin: Plugin, assets: set[str], resolver: Resolver, ignore: IgnoreFile) -> Iterator[tuple[str, bool, str]]:
    """(path, is a folder, why Dify needs it) for everything the package must contain."""
    yield MANIFEST, False, "the manifest"
    if has_assets_dir(plugin):
        yield ASSETS, True, "the SDK lists it at start-up"
        top = listing(plugin, ASSETS) or {}
        for doc, at, value in icons(plugin):
            if value in assets or value in top:
                yield f"{ASSETS}/{value}", False, f"icon named in {doc.path} `{where(at)}`"
    for reference in plugin.references:
        if reference.role in ("declaration", "position") and reference.target.is_file:
            yield reference.target.relative or "", False, listed(reference, owner=True)
    entry = plugin.entrypoint_path()
    if entry and plugin.is_file(entry):
        yield entry, False, "the entrypoint `meta.runner.entrypoint`"
    yield from _dependency_file(plugin, ignore)
    sources = []
    for reference in plugin.references:
        loaded = loaded_source(plugin, reference)
        if loaded is not None:
            yield loaded, False, listed(reference, owner=True)
            sources.append(loaded)
    for module, importers in sorted(imported_closure(resolver, list(dict.fromkeys(sources))).items()):
        yield module, False, f"imported by {sorted(importers)[0]}"


class IgnoredRequiredFile(Rule):
    code = "DPL308"
    name = "ignored-required-file"
    summary = "`.difyignore` (or `.gitignore`) leaves out of the package a file the plugin needs"
    explanation = """
    `dify plugin package` skips what the plugin's `.difyignore` excludes, or, when there is no
    `.difyignore`, what its `.gitignore` excludes (only the file at the plugin root is read). It
    checks the manifest and icons before it applies the ignore file, so packaging succeeds, but the
    package lacks the file: installing fails, or the plugin fails at start-up.

    The daemon does not follow git's rules exactly. Every line is trimmed; a pattern without a
    slash matches a file or folder of that name at any depth; a pattern with a slash is matched from
    the plugin root; any matching pattern excludes, and a `!negation` never brings a file back. So
    `*.yaml` followed by `!manifest.yaml` still leaves out the manifest. Character classes follow
    Go: `[^a]` negates, while `[!a]` means "`!` or `a`".

    A `.difypkg` is not checked: packaging applied its ignore file already, and what it left out
    is missing from the package, which the other rules report.
    """
    invalid = (
        Example(
            {".difyignore": ".venv/\ntools/\n"},
            expect=(
                (
                    ".difyignore:2:1-2:7",
                    "`tools/` in .difyignore leaves `tools/echo.yaml` (listed in provider/example.yaml `tools`) and 1 more file the plugin needs out of the package, so the installed plugin lacks it",
                ),
            ),
        ),
        Example(
            {".gitignore": "*.yaml\n!manifest.yaml\n"},
            note="The negation does not re-include anything for Dify.",
            expect=(
                (
                    ".gitignore:1:1-1:7",
                    "`*.yaml` in .gitignore (read because there is no .difyignore) leaves `manifest.yaml` (the manifest) and 2 more files the plugin needs out of the package, so the installed plugin lacks it; `!manifest.yaml` does not bring `manifest.yaml` back: the daemon ignores negations",
                ),
            ),
        ),
        Example(
            {".gitignore": "_assets\n"},
            expect=(
                (
                    ".gitignore:1:1-1:8",
                    "`_assets` in .gitignore (read because there is no .difyignore) leaves `_assets` (the SDK lists it at start-up) and 1 more file the plugin needs out of the package, so the installed plugin lacks it",
                ),
            ),
        ),
    )
    valid = (
        Example({".difyignore": ".venv/\n__pycache__/\n*.py[cod]\n.env\n*.difypkg\n"}),
        Example(
            {".difyignore": "/provider/*.md\ndocs/\n", ".gitignore": "tools/\n"},
            note="With a .difyignore, .gitignore is not read.",
        ),
    )

    requires = (IGNORE_FILE, ASSETS_FILES, SYMBOLS)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        ignore = ctx.get(IGNORE_FILE)
        if ignore is None or not ignore.patterns:
            return
        by_pattern: dict[int, list[tuple[str, str]]] = {}
        seen: set[str] = set()
        for path, is_dir, why in _needed_files(plugin, ctx.get(ASSETS_FILES), ctx.get(SYMBOLS), ignore):
            if not path or path in seen:
                continue
            seen.add(path)
            pattern = ignore.excluded_by(path, is_dir)
            if pattern is not None:
                by_pattern.setdefault(pattern.line, []).append((path, why))
        patterns = {p.line: p for p in ignore.patterns}
        negations = ignore.negations()
        for line, hits in sorted(by_pattern.items()):
            pattern = patterns[line]
            path, why = hits[0]
            more = f" and {len(hits) - 1} more file{'s' if len(hits) > 2 else ''} the plugin needs" if len(hits) > 1 else ""
            rescued = [n for n in negations if n.text[1:].strip().strip("/") in {h[0] for h in hits}]
            note = (
                f"; `{rescued[0].text}` does not bring `{rescued[0].text[1:].strip().strip('/')}` back:"
                " the daemon ignores negations"
                if rescued
                else ""
            )
            fallback = " (read because there is no .difyignore)" if ignore.name == ".gitignore" else ""
            text = _ignore_line(plugin, ignore.name, line)
            column = 1 + len(text) - len(text.lstrip())
            yield Finding(
                ignore.name,
                Span(Position(line, column), Position(line, column + len(pattern.text))),
                f"`{pattern.text}` in {ignore.name}{fallback} leaves `{path}` ({why}){more} out of the package,"
                f" so the installed plugin lacks it{note}",
            )


def _ignore_line(plugin: Plugin, name: str, line: int) -> str:
    lines = (plugin.text(name) or "").split("\n")
    return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""
