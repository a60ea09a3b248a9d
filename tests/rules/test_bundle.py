"""DPL120: a `type: bundle` manifest, beyond the rule's own examples."""

from __future__ import annotations

import pytest

from dify_lint.examples import base_file
from helpers import lint, only

BUNDLE = base_file("manifest.yaml", "bundle")
GITHUB = "example/example-plugins:0.0.1/example_tool.difypkg"


def findings(tmp_path, manifest: str, files: dict | None = None):
    return only(lint(tmp_path, {"manifest.yaml": manifest, **(files or {})}, ["DPL120"], base="bundle"), "DPL120")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("tags: []\n", "tags: search\n", "`tags` must be a list, not `search`"),
        ("tags: []\n", "tags:\n  - [a]\n", "`tags` must be a single tag, not a list"),
        ("name: example_bundle\n", "name: [a, b]\n", "`name` must be a single value, not a list"),
        ("  en_US: Example bundle\n", "  en_US:\n    text: Example bundle\n", "`labels.en_US` must be text, not a mapping"),
        ("dependencies:\n", "dependencies: {}\nold:\n", "`dependencies` must be a list, not a mapping"),
        ("  - type: marketplace\n", "  - marketplace\n  - type: marketplace\n", "`dependencies` must be a mapping with"),
        ("      marketplace_pattern: example/example_tool:0.0.1\n", "      marketplace_pattern: [a]\n", "must be a single value"),
        (
            "    value:\n      marketplace_pattern: example/example_tool:0.0.1\n",
            "    value: example/example_tool:0.0.1\n",
            "`dependencies.value` must be a mapping with `marketplace_pattern`",
        ),
    ],
    ids=["tags", "tag", "name", "label", "dependencies", "dependency", "pattern", "value"],
)
def test_shapes_go_cannot_decode_are_errors(tmp_path, old, new, expected):
    assert old in BUNDLE
    found = [d for d in findings(tmp_path, BUNDLE.replace(old, new, 1)) if d.severity.value == "error"]
    assert len(found) == 1, [d.message for d in found]
    assert expected in found[0].message and found[0].message.endswith("cannot read the manifest")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("example/example-plugins:0.0.1", "has no package file"),
        ("example/example-plugins", "has no release and no package file"),
        ("example/example-plugins:0.0.1/dist/example_tool.difypkg", "the daemon keeps `dist` as the package file"),
    ],
)
def test_github_patterns_the_daemon_splits_short(tmp_path, pattern, expected):
    (found,) = findings(tmp_path, BUNDLE.replace(GITHUB, pattern))
    assert found.severity.value == "error" and expected in found.message


def test_a_pattern_without_colons_still_splits(tmp_path):
    """The daemon splits at `:` and then at `/`: four parts any way round are enough for it."""
    assert findings(tmp_path, BUNDLE.replace(GITHUB, GITHUB.replace(":", "/"))) == []


def test_missing_value_and_type(tmp_path):
    manifest = BUNDLE.replace(
        "  - type: github\n    value:\n      repo_pattern: " + GITHUB + "\n", "  - type: github\n  - value: {}\n"
    )
    messages = [d.message for d in findings(tmp_path, manifest)]
    assert messages[0].startswith("the github dependency has no `value.repo_pattern`")
    assert messages[1].startswith("dependency no type is not github, marketplace or package")


def test_package_path_missing(tmp_path):
    manifest = BUNDLE + "dependencies_note: x\n"
    manifest = manifest.replace("  - type: marketplace\n", "  - type: package\n    value: {}\n  - type: marketplace\n", 1)
    found = {d.severity.value: d.message for d in findings(tmp_path, manifest)}
    assert sorted(found) == ["error", "info"]
    assert "has no `value.path`" in found["error"]


def test_near_miss_of_a_known_key(tmp_path):
    manifest = BUNDLE.replace("dependencies:\n", "dependancies:\n")
    messages = [(d.severity.value, d.message) for d in findings(tmp_path, manifest)]
    assert (
        "warning",
        "unknown key `dependancies`; did you mean `dependencies`? The daemon ignores it and `dify bundle package` leaves it out",
    ) in messages
    assert any(m.startswith("the bundle lists no dependencies") for _, m in messages)


def test_package_under_a_subfolder_of_assets(tmp_path):
    manifest = BUNDLE.replace(
        "  - type: marketplace\n", "  - type: package\n    value:\n      path: packages/tool.difypkg\n  - type: marketplace\n", 1
    )
    assert findings(tmp_path, manifest, {"_assets/packages/tool.difypkg": b"PK\x05\x06" + bytes(18)}) == []
    assert (
        len(
            findings(
                tmp_path / "again",
                manifest.replace("path: packages/", "path: ./packages/"),
                {"_assets/packages/tool.difypkg": b"x"},
            )
        )
        == 1
    )
