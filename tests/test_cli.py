"""The `dify-lint` command as users and CI systems call it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dify_lint.examples import BASE_PLUGINS
from helpers import REPO

FLAWED = REPO / "examples" / "flawed-plugin"


@pytest.fixture
def flawed(tmp_path):
    target = tmp_path / "flawed"
    shutil.copytree(FLAWED, target)
    return target


@pytest.fixture
def clean(tmp_path):
    target = tmp_path / "clean"
    shutil.copytree(BASE_PLUGINS / "tool", target)
    return target


def test_clean_plugin_exits_zero(clean, run_cli):
    result = run_cli("check", str(clean))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no findings in 1 plugin" in result.stderr


def test_findings_exit_one_with_summary(flawed, run_cli):
    result = run_cli("check", str(flawed))
    assert result.exit_code == 1
    assert "errors" in result.stderr and "in 1 plugin" in result.stderr


def test_text_output_has_code_frame_and_caret(flawed, run_cli):
    result = run_cli("check", ".", "--select", "DPL201", cwd=flawed)
    lines = result.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "`form` must be one of schema, form, llm; got `llmm`" in line)
    assert lines[head].startswith("tools/forecast.yaml:24:11: DPL201 ")
    assert lines[head + 1] == "24 |     form: llmm"
    assert lines[head + 2] == "   |           ^^^^"
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_colour_can_be_forced(flawed, run_cli):
    result = run_cli("check", str(flawed), "--color", "always")
    assert "\x1b[31m" in result.stdout


def test_concise_output_is_one_line_per_finding(flawed, run_cli):
    result = run_cli("check", ".", "--output-format", "concise", cwd=flawed)
    lines = result.stdout.splitlines()
    assert lines and all(line.count(": DPL") == 1 for line in lines)
    assert "tools/forecast.yaml:34:5: DPL004 duplicate key `default`" in result.stdout


def test_json_output_uses_ruff_field_names(flawed, run_cli):
    result = run_cli("check", ".", "--output-format", "json", cwd=flawed)
    findings = json.loads(result.stdout)
    assert findings
    for finding in findings:
        assert {"code", "name", "severity", "message", "filename", "location", "end_location", "fix", "url", "noqa_row"} <= set(
            finding
        )
        assert finding["fix"] is None or {"applicability", "message", "edits"} == set(finding["fix"])
        assert finding["location"]["row"] >= 1 and finding["location"]["column"] >= 1
    form = next(f for f in findings if "llmm" in f["message"])
    assert form == {
        **form,
        "code": "DPL201",
        "name": "declaration-invalid",
        "severity": "error",
        "filename": "tools/forecast.yaml",
        "location": {"row": 24, "column": 11},
        "end_location": {"row": 24, "column": 15},
        "noqa_row": 24,
    }


def test_json_lines(flawed, run_cli):
    result = run_cli("check", str(flawed), "--output-format", "json-lines")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all("code" in row for row in rows)


def test_github_annotations_escape_properties(tmp_path, run_cli):
    root = tmp_path / "a,b:c"
    shutil.copytree(BASE_PLUGINS / "tool", root)
    (root / "tools" / "echo.yaml").write_text("identity: [\n", "utf-8")
    result = run_cli("check", ".", "--output-format", "github", cwd=tmp_path)
    line = result.stdout.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac/tools/echo.yaml,line=2,")
    assert "title=DPL001 yaml-syntax-error::DPL001 " in line


def test_sarif_output_is_valid_sarif(flawed, run_cli):
    from jsonschema import Draft7Validator

    result = run_cli("check", ".", "--output-format", "sarif", cwd=flawed)
    log = json.loads(result.stdout)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    errors = list(Draft7Validator(schema).iter_errors(log))
    assert not errors, errors[:3]
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "dify-lint"
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result_ in run["results"]:
        assert ids[result_["ruleIndex"]] == result_["ruleId"]
        assert not result_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
    descriptors = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    graded = descriptors["DPL202"]  # a near miss is a warning, any other unknown key a note
    assert graded["defaultConfiguration"]["level"] == "warning"
    assert graded["properties"]["severities"] == ["warning", "note"]
    assert "warning: a typo of a known key" in graded["fullDescription"]["text"]
    assert descriptors["DPL001"]["properties"]["severities"] == ["error"]
    assert "fullDescription" not in descriptors["DPL001"]


@pytest.mark.parametrize(
    ("selector", "present", "absent"),
    [
        (("--select", "DPL201"), {"DPL201"}, {"DPL202", "DPL004"}),
        (("--select", "DPL2"), {"DPL201", "DPL202", "DPL203"}, {"DPL004", "DPL101"}),
        (("--select", "unknown-key,duplicate-key"), {"DPL202", "DPL004"}, {"DPL201"}),
        (("--ignore", "DPL2"), {"DPL004", "DPL101"}, {"DPL201", "DPL202"}),
        (("--select", "DPL2", "--ignore", "DPL202"), {"DPL201"}, {"DPL202"}),
        (("--ignore", "DPL2", "--select", "DPL202"), {"DPL202"}, {"DPL201"}),
    ],
)
def test_select_and_ignore(flawed, run_cli, selector, present, absent):
    result = run_cli("check", str(flawed), "--output-format", "json", *selector)
    codes = {f["code"] for f in json.loads(result.stdout)}
    assert present <= codes
    assert not absent & codes


def test_unknown_selector_is_a_usage_error(flawed, run_cli):
    result = run_cli("check", str(flawed), "--select", "DPL9x,unknwn-key")
    assert result.exit_code == 2
    assert "names no rule" in result.stderr


def test_missing_path_is_a_usage_error(tmp_path, run_cli):
    result = run_cli("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def test_directory_without_plugins_is_not_an_error(tmp_path, run_cli):
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 0
    assert "no plugin found" in result.stderr


def test_exit_zero(flawed, run_cli):
    assert run_cli("check", str(flawed), "--exit-zero").exit_code == 0


def test_no_cache_is_accepted(clean, run_cli):
    assert run_cli("check", str(clean), "--no-cache").exit_code == 0


def test_statistics(flawed, run_cli):
    result = run_cli("check", str(flawed), "--statistics")
    assert result.exit_code == 1
    assert any(line.split()[1:3] == ["DPL201", "declaration-invalid"] for line in result.stdout.splitlines())


def test_monorepo_discovery_skips_environments(tmp_path, run_cli):
    for name in ("plugins/one", "plugins/two", "plugins/.venv/lib/three", "node_modules/four", "venv-old/five"):
        shutil.copytree(BASE_PLUGINS / "tool", tmp_path / name)
        (tmp_path / name / "tools" / "echo.yaml").write_text("identity: [\n", "utf-8")
    result = run_cli("check", ".", "--output-format", "concise", cwd=tmp_path)
    files = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert files == {"plugins/one/tools/echo.yaml", "plugins/two/tools/echo.yaml"}
    assert "in 2 plugins" in result.stderr


def test_files_inside_a_plugin_lint_it_once_and_report_what_lies_in_them(flawed, run_cli):
    whole = json.loads(run_cli("check", str(flawed), "--output-format", "json").stdout)
    named = (str(flawed / "tools" / "forecast.yaml"), str(flawed / "manifest.yaml"))
    twice = run_cli("check", *named, "--output-format", "json")
    assert "in 1 plugin" in twice.stderr
    located = [f for f in whole if f["filename"] in named or any(r["filename"] in named for r in f["related"])]
    assert located and len(located) < len(whole)
    assert json.loads(twice.stdout) == located
    assert f"Not shown: {len(whole) - len(located)} findings in other files" in twice.stderr


def test_config_in_pyproject(flawed, run_cli):
    (flawed / "pyproject.toml").write_text('[tool.dify-lint]\nignore = ["DPL2"]\n', "utf-8")
    codes = {f["code"] for f in json.loads(run_cli("check", ".", "--output-format", "json", cwd=flawed).stdout)}
    assert codes and not any(c.startswith("DPL2") for c in codes)
    isolated = {f["code"] for f in json.loads(run_cli("check", ".", "--output-format", "json", "--isolated", cwd=flawed).stdout)}
    assert "DPL201" in isolated


def test_per_file_ignores(flawed, run_cli):
    (flawed / "dify-lint.toml").write_text('[per-file-ignores]\n"tools/*.yaml" = ["DPL201"]\n', "utf-8")
    findings = json.loads(run_cli("check", ".", "--output-format", "json", cwd=flawed).stdout)
    assert not [f for f in findings if f["code"] == "DPL201" and f["filename"].startswith("tools/")]
    assert [f for f in findings if f["code"] == "DPL201"]  # the provider's still shows


def test_bad_config_is_a_usage_error(flawed, run_cli):
    (flawed / "dify-lint.toml").write_text("selct = ['DPL2']\n", "utf-8")
    result = run_cli("check", ".", cwd=flawed)
    assert result.exit_code == 2
    assert "unknown setting" in result.stderr
    (flawed / "dify-lint.toml").write_text("select = [\n", "utf-8")
    assert run_cli("check", ".", cwd=flawed).exit_code == 2


def test_inline_suppression(flawed, run_cli):
    path = flawed / "tools" / "forecast.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("form: llmm", "form: llmm  # dify-lint: ignore[DPL201]"), "utf-8")
    findings = json.loads(run_cli("check", str(flawed), "--output-format", "json").stdout)
    assert not [f for f in findings if "llmm" in f["message"]]
    path.write_text(text.replace("scope: llm&text-embedding", "scope: llm&text-embedding  # noqa: DPL201"), "utf-8")
    findings = json.loads(run_cli("check", str(flawed), "--output-format", "json").stdout)
    assert [f for f in findings if f["code"] == "DPL203"], "a noqa for another code must not silence DPL203"


def test_crashing_rule_is_reported_and_others_still_run(flawed, run_cli, monkeypatch):
    from dify_lint import registry

    rules = registry.all_rules()
    broken = next(r for r in rules if r.code == "DPL203")

    def explode(plugin):
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "check", explode)
    result = run_cli("check", str(flawed), "--output-format", "json")
    findings = json.loads(result.stdout)
    assert result.exit_code == 2
    crash = [f for f in findings if f["code"] == "DPL005"]
    assert len(crash) == 1 and "DPL203" in crash[0]["message"] and "boom" in crash[0]["message"]
    assert any(f["code"] == "DPL201" for f in findings)


def test_rule_list_and_explain(run_cli):
    listing = run_cli("rule")
    assert listing.exit_code == 0
    assert "DPL001  yaml-syntax-error" in listing.stdout
    assert "DPL202  unknown-key" in listing.stdout and " warning/info " in listing.stdout  # a graded rule's range
    rows = listing.stdout.splitlines()
    # the columns line up, however wide the widest name or severity range is
    for column in (2, 3):
        starts = {row.index(row.split()[column], len(" ".join(row.split()[:column]))) for row in rows}
        assert len(starts) == 1, f"column {column} starts at {sorted(starts)}"
    by_code = run_cli("rule", "DPL203")
    by_name = run_cli("rule", "invalid-scope")
    assert by_code.stdout == by_name.stdout
    assert by_code.stdout.startswith("# DPL203 invalid-scope")
    assert "**Example** (reported):" in by_code.stdout and "**Use instead**:" in by_code.stdout
    missing = run_cli("rule", "DPL999")
    assert missing.exit_code == 2
    data = json.loads(run_cli("rule", "--output-format", "json").stdout)
    assert {d["code"] for d in data} >= {"DPL001", "DPL101", "DPL201"}
    graded = next(d for d in data if d["code"] == "DPL202")
    assert list(graded["severities"]) == ["warning", "info"] and graded["severities"]["info"]
    explained = run_cli("rule", "DPL202").stdout
    assert "*warning/info*" in explained and "- *info*: any other key" in explained


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0 and "dify-lint" in result.stdout


def test_stdin_filename_lints_an_unsaved_buffer(flawed, run_cli):
    buffer = (flawed / "tools" / "forecast.yaml").read_text("utf-8").replace("form: llmm", "form: llm")
    result = run_cli("check", "--stdin-filename", "tools/forecast.yaml", "--output-format", "json", cwd=flawed, input=buffer)
    findings = json.loads(result.stdout)
    for f in findings:  # in the buffer, or caused by it: pointing into it
        assert f["filename"] == "tools/forecast.yaml" or "tools/forecast.yaml" in {r["filename"] for r in f["related"]}
    assert {f["filename"] for f in findings} == {"tools/forecast.yaml", "tools/forecast.py"}
    assert any("human_descripton" in f["message"] for f in findings)  # the buffer was read
    assert not [f for f in findings if "llmm" in f["message"]]  # the buffer, not the file on disk
    assert (flawed / "tools" / "forecast.yaml").read_text("utf-8").count("llmm") == 1  # nothing written
