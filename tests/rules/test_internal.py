"""The linter's own findings (rules/internal.py) end to end: they name the file and stay alone."""

from __future__ import annotations

import json
import shutil

from dify_lint.examples import BASE_PLUGINS
from dify_lint.registry import all_rules


def test_internal_family_codes():
    assert [rule.code for rule in all_rules() if rule.code.startswith("DPL0")] == [
        "DPL001",
        "DPL002",
        "DPL003",
        "DPL004",
        "DPL005",
        "DPL006",
        "DPL010",
    ]


def test_a_broken_file_is_reported_once_and_other_files_are_still_checked(tmp_path, run_cli):
    root = tmp_path / "plugin"
    shutil.copytree(BASE_PLUGINS / "tool", root)
    (root / "tools" / "echo.yaml").write_text("identity: [\n", "utf-8")
    (root / "provider" / "example.py").write_text("class Broken(:\n", "utf-8")
    findings = json.loads(run_cli("check", str(root), "--output-format", "json").stdout)
    by_file = {}
    for finding in findings:
        by_file.setdefault(finding["filename"].split("plugin/")[-1], []).append(finding["code"])
    assert by_file["tools/echo.yaml"] == ["DPL001"]  # no schema noise from a file that did not parse
    assert by_file["provider/example.py"] == ["DPL002"]
