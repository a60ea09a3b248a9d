"""DPL120 bundle-manifest-invalid: a `type: bundle` manifest against what the daemon reads of it."""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from dify_lint.analysis.package import listing
from dify_lint.diagnostics import Severity, Span
from dify_lint.examples import base_file
from dify_lint.model.plugin import MANIFEST
from dify_lint.model.yamldoc import PathItem, YamlDoc
from dify_lint.rule import Example, Finding, Rule

BUNDLE = base_file("manifest.yaml", "bundle")
ASSETS = "_assets"

#: the daemon's bundle fields: one value each, a language -> text mapping, or a list
SINGLE = ("name", "icon", "version", "author", "type")
I18N = ("labels", "description")
LANGUAGES = ("en_US", "ja_JP", "zh_Hans", "pt_BR")
KNOWN = (*SINGLE, *I18N, "dependencies", "tags")

#: dependency type -> (the key of its value, the parts the daemon splits it into, the form)
PATTERNS = {
    "github": ("repo_pattern", ("owner", "repository", "release", "package file"), "owner/repo:release/file.difypkg"),
    "marketplace": ("marketplace_pattern", ("organization", "plugin", "version"), "organization/plugin:version"),
}
DEPENDENCY_TYPES = ("github", "marketplace", "package")

UNREADABLE = "`dify bundle package` and the daemon (when the bundle is uploaded) cannot read the manifest"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{value}`"


def _split(pattern: str) -> list[str]:
    """The parts the daemon reads out of a github or marketplace pattern: split at `:`, then `/`."""
    return [part for piece in pattern.split(":") for part in piece.split("/")]


class BundleManifestInvalid(Rule):
    code = "DPL120"
    name = "bundle-manifest-invalid"
    summary = "A `type: bundle` manifest the daemon cannot read, or one that installs less than it lists"
    lints = "bundle"
    grades = {
        Severity.ERROR: "Go's decoder refuses a field's shape; `_assets/` is missing; a github or marketplace pattern"
        " splits into empty parts; a package is not under `_assets/`",
        Severity.WARNING: "no dependencies; a dependency type the daemon skips; an unknown key close to a known one",
        Severity.INFO: "any other unknown key",
    }
    explanation = """
    A manifest with `type: bundle` describes a bundle: a list of plugins Dify installs together
    (`dependencies`), each from GitHub, from the Marketplace, or from a package inside the bundle.
    `dify bundle package` and the daemon read it with Go's YAML decoder into fixed fields: a value
    of the wrong shape (a list where one value belongs, text where `labels` needs languages) makes
    both fail. Nothing else of the manifest is validated. `dify bundle package` packs only the
    manifest, `README*` files and `_assets/` (it fails without that folder); plugin folders beside
    the manifest are not in the bundle, and are linted as plugins of their own.

    When the bundle is installed the daemon hands Dify, for each dependency, the parts it splits
    out of its pattern: `owner/repo:release/file.difypkg` for GitHub and
    `organization/plugin:version` for the Marketplace; a part left empty means Dify cannot find
    the plugin. A `package` dependency's `path` names a file under `_assets/`; when it is not
    there, uploading the bundle fails. A dependency of another type is skipped without a word, and
    a bundle without dependencies installs nothing (warnings). An unknown key is ignored, and
    left out of the package: a near miss of a known key is a warning, any other one info.
    """
    invalid = (
        Example(
            {"manifest.yaml": BUNDLE.replace("labels:\n  en_US: Example bundle\n", "labels: Example bundle\n")},
            base="bundle",
            note="`labels` needs one text per language.",
            expect=(
                (
                    "manifest.yaml:2:9-2:23",
                    "`labels` must be a mapping of languages to text (`en_US: ...`), not `Example bundle`; `dify bundle package` and the daemon (when the bundle is uploaded) cannot read the manifest",
                ),
            ),
        ),
        Example(
            {
                "manifest.yaml": BUNDLE.replace("example/example_tool:0.0.1", "example/example_tool").replace(
                    "  - type: github\n", "  - type: gitlab\n"
                )
            },
            base="bundle",
            note="The version is missing, and the daemon knows no `gitlab` dependencies.",
            expect=(
                (
                    "manifest.yaml:13:28-13:48",
                    "`example/example_tool` has no version (the daemon splits a marketplace pattern as `organization/plugin:version`), so Dify cannot find the plugin when the bundle is installed",
                ),
                (
                    "manifest.yaml:14:11-14:17",
                    "dependency type `gitlab` is not github, marketplace or package; the daemon skips it when the bundle is installed, so that plugin is never installed",
                ),
            ),
        ),
        Example(
            {
                "manifest.yaml": BUNDLE.replace("tags: []\n", "tags: []\ndependencies_extra: 1\n").replace(
                    "  - type: github\n    value:\n      repo_pattern: example/example-plugins:0.0.1/example_tool.difypkg\n",
                    "  - type: package\n    value:\n      path: _assets/example_tool.difypkg\n",
                ),
                "_assets/example_tool.difypkg": b"PK\x05\x06" + bytes(18),
            },
            base="bundle",
            note="A package's `path` is relative to `_assets/`.",
            expect=(
                (
                    "manifest.yaml:16:13-16:41",
                    'package `_assets/example_tool.difypkg` is not a file under `_assets/`, so uploading the bundle fails ("failed to fetch package from bundle"); the path is relative to `_assets/`: write `example_tool.difypkg`',
                ),
                (
                    "manifest.yaml:18:1-18:19",
                    "unknown key `dependencies_extra`; the daemon ignores it and `dify bundle package` leaves it out",
                ),
            ),
        ),
        Example(
            {"manifest.yaml": BUNDLE.split("dependencies:")[0] + "dependencies: []\n", "_assets": None},
            base="bundle",
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "there is no `_assets/` folder; `dify bundle package` reads the bundle's icon and packages from it and fails without it: create it",
                ),
                (
                    "manifest.yaml:10:1-10:13",
                    "the bundle lists no dependencies, so installing it installs nothing; add the plugins with `dify bundle append`",
                ),
            ),
        ),
    )
    valid = (
        Example({}, base="bundle"),
        Example(
            {
                "manifest.yaml": BUNDLE.replace("version: 0.0.1\n", "version: 1.0\n").replace(
                    "tags: []\n", "tags: []\ndependencies:\n  - type: package\n    value:\n      path: example_tool.difypkg\n"
                ),
                "_assets/example_tool.difypkg": b"PK\x05\x06" + bytes(18),
            },
            base="bundle",
            note="Any single value reads as text; a package is named relative to `_assets/`.",
        ),
    )

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        doc = plugin.manifest
        if doc is None or not doc.usable or not isinstance(doc.data, dict):
            return
        data = doc.data
        if not (listing(plugin, "") or {}).get(ASSETS):
            yield Finding(
                MANIFEST,
                Span.file_start(),
                f"there is no `{ASSETS}/` folder; `dify bundle package` reads the bundle's icon and packages from it"
                " and fails without it: create it",
            )
        yield from self._shapes(doc, data)
        yield from self._unknown_keys(doc, data)
        dependencies = data.get("dependencies")
        if dependencies is None or dependencies == []:
            at: tuple[PathItem, ...] = ("dependencies",) if "dependencies" in data else ()
            yield Finding(
                MANIFEST,
                doc.span(at, key=True) if at else Span.file_start(),
                "the bundle lists no dependencies, so installing it installs nothing; add the plugins with `dify bundle append`",
                Severity.WARNING,
            )
        elif isinstance(dependencies, list):
            for index, dependency in enumerate(dependencies):
                if isinstance(dependency, dict):
                    yield from self._dependency(plugin, doc, ("dependencies", index), dependency)

    # -- what Go's decoder refuses ------------------------------------------------------------

    def _shapes(self, doc: YamlDoc, data: dict) -> Iterator[Finding]:
        for key in SINGLE:
            if isinstance(data.get(key), (dict, list)):
                yield self._wrong(doc, (key,), "a single value", data[key])
        for key in I18N:
            value = data.get(key)
            if value is not None and not isinstance(value, dict):
                yield self._wrong(doc, (key,), "a mapping of languages to text (`en_US: ...`)", value)
            elif isinstance(value, dict):
                for language in LANGUAGES:
                    if isinstance(value.get(language), (dict, list)):
                        yield self._wrong(doc, (key, language), "text", value[language])
        tags = data.get("tags")
        if tags is not None and not isinstance(tags, list):
            yield self._wrong(doc, ("tags",), "a list", tags)
        elif isinstance(tags, list):
            for index, tag in enumerate(tags):
                if isinstance(tag, (dict, list)):
                    yield self._wrong(doc, ("tags", index), "a single tag", tag)
        dependencies = data.get("dependencies")
        if dependencies is not None and not isinstance(dependencies, list):
            yield self._wrong(doc, ("dependencies",), "a list", dependencies)
            return
        for index, dependency in enumerate(dependencies or ()):
            at = ("dependencies", index)
            if dependency is not None and not isinstance(dependency, dict):
                yield self._wrong(doc, at, "a mapping with `type` and `value`", dependency)
                continue
            if not isinstance(dependency, dict):
                continue
            kind = dependency.get("type")
            if isinstance(kind, (dict, list)):
                yield self._wrong(doc, (*at, "type"), "a single value", kind)
                continue
            value = dependency.get("value")
            field = PATTERNS[kind][0] if kind in PATTERNS else "path" if kind == "package" else None
            if field is None or value is None:
                continue  # the value of an unknown type is never decoded
            if not isinstance(value, dict):
                yield self._wrong(doc, (*at, "value"), f"a mapping with `{field}`", value)
            elif isinstance(value.get(field), (dict, list)):
                yield self._wrong(doc, (*at, "value", field), "a single value", value[field])

    def _wrong(self, doc: YamlDoc, at: tuple[PathItem, ...], expected: str, value: Any) -> Finding:
        where = ".".join(str(item) for item in at if not isinstance(item, int)) or "the manifest"
        return self.at(doc, at, f"`{where}` must be {expected}, not {_describe(value)}; {UNREADABLE}")

    def _unknown_keys(self, doc: YamlDoc, data: dict) -> Iterator[Finding]:
        for key in data:
            if key in KNOWN:
                continue
            close = [k for k in difflib.get_close_matches(str(key), KNOWN, n=1, cutoff=0.75) if k not in data]
            if close:
                yield self.at(
                    doc,
                    (key,),
                    f"unknown key `{key}`; did you mean `{close[0]}`? The daemon ignores it and `dify bundle package`"
                    " leaves it out",
                    key=True,
                    severity=Severity.WARNING,
                )
            else:
                yield self.at(
                    doc,
                    (key,),
                    f"unknown key `{key}`; the daemon ignores it and `dify bundle package` leaves it out",
                    key=True,
                    severity=Severity.INFO,
                )

    # -- what installing the bundle does with each dependency ------------------------------------

    def _dependency(self, plugin, doc: YamlDoc, at: tuple[PathItem, ...], dependency: dict) -> Iterator[Finding]:
        kind = dependency.get("type")
        if isinstance(kind, (dict, list)):
            return  # a shape error, reported above
        if kind not in DEPENDENCY_TYPES:
            written = "no type" if kind is None else f"type `{kind}`"
            close = difflib.get_close_matches(str(kind), DEPENDENCY_TYPES, n=1, cutoff=0.8) if kind is not None else []
            hint = f"; did you mean `{close[0]}`?" if close else ""
            place = (*at, "type") if "type" in dependency else at
            yield self.at(
                doc,
                place,
                f"dependency {written} is not github, marketplace or package; the daemon skips it when the bundle is"
                f" installed, so that plugin is never installed{hint}",
                severity=Severity.WARNING,
            )
            return
        value = dependency.get("value")
        if value is not None and not isinstance(value, dict):
            return  # a shape error, reported above
        value = value or {}
        if kind == "package":
            yield from self._package(plugin, doc, at, value)
            return
        field, parts, form = PATTERNS[kind]
        pattern = value.get(field)
        if isinstance(pattern, (dict, list)):
            return
        text = "" if pattern is None else str(pattern)
        split = _split(text)
        missing = [name for index, name in enumerate(parts) if index >= len(split) or not split[index].strip()]
        place = (*at, "value", field) if field in value else (*at, "value") if "value" in dependency else at
        if not text.strip():
            yield self.at(
                doc,
                place,
                f"the {kind} dependency has no `value.{field}` (`{form}`), so Dify cannot find the plugin when the"
                " bundle is installed",
            )
        elif missing:
            yield self.at(
                doc,
                place,
                f"`{text}` has no {' and no '.join(missing)} (the daemon splits a {kind} pattern as `{form}`), so Dify"
                " cannot find the plugin when the bundle is installed",
            )
        elif len(split) > len(parts):
            kept = split[len(parts) - 1]
            yield self.at(
                doc,
                place,
                f"`{text}` has more parts than `{form}`; the daemon keeps `{kept}` as the {parts[-1]}, so Dify cannot"
                " find the plugin when the bundle is installed",
            )

    def _package(self, plugin, doc: YamlDoc, at: tuple[PathItem, ...], value: dict) -> Iterator[Finding]:
        path = value.get("path")
        place = (*at, "value", "path") if "path" in value else (*at, "value") if value else at
        if path is None or not str(path).strip():
            yield self.at(
                doc,
                place,
                f"the package dependency has no `value.path` (a file under `{ASSETS}/`), so uploading the bundle fails"
                ' ("failed to fetch package from bundle")',
            )
            return
        written = str(path)
        if plugin.is_file(f"{ASSETS}/{written}") and not written.startswith(("/", "./", "../")) and "//" not in written:
            return
        if written.startswith(f"{ASSETS}/") and plugin.is_file(written):
            hint = f"; the path is relative to `{ASSETS}/`: write `{written[len(ASSETS) + 1 :]}`"
        else:
            hint = "; put the package file there, or correct the path"
        yield self.at(
            doc,
            place,
            f"package `{written}` is not a file under `{ASSETS}/`, so uploading the bundle fails"
            f' ("failed to fetch package from bundle"){hint}',
        )
