"""Output formats for CI: JUnit XML, GitLab Code Quality, SARIF's base URI, statistics in JSON,
and writing the report to a file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dify_lint.examples import BASE_PLUGINS, base_file
from helpers import REPO

FLAWED = REPO / "examples" / "flawed-plugin"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def flawed(tmp_path):
    target = tmp_path / "flawed plugin, #1"  # a space, a comma and a `#`: URIs must encode them
    shutil.copytree(FLAWED, target)
    return target


def _json(result):
    return json.loads(result.stdout)


def test_junit_is_well_formed_and_one_case_per_finding(flawed, run_cli):
    findings = _json(run_cli("check", str(flawed), "--output-format", "json"))
    result = run_cli("check", str(flawed), "--output-format", "junit")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout)
    assert root.tag == "testsuites" and root.get("name") == "dify-lint"
    suites = root.findall("testsuite")
    assert {suite.get("name") for suite in suites} == {f["filename"] for f in findings}
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(findings) == int(root.get("tests"))
    failing = [f for f in findings if f["severity"] in ("error", "warning")]
    assert int(root.get("failures")) == len(failing) == len(root.findall("testsuite/testcase/failure"))
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    form = next(case for case in cases if case.get("name") == "DPL201 declaration-invalid at 24:11")
    assert form.get("classname") == form.get("file") and form.get("file").endswith("tools/forecast.yaml")
    assert form.get("line") == "24"
    failure = form.find("failure")
    assert failure.get("type") == "DPL201 error" and "llmm" in failure.get("message")
    assert failure.text.startswith(f"{form.get('file')}:24:11: DPL201 [error] ")


def test_junit_below_the_threshold_passes_and_no_findings_is_one_passing_case(tmp_path, run_cli):
    root_dir = tmp_path / "p"
    shutil.copytree(BASE_PLUGINS / "tool", root_dir)
    (root_dir / "tools" / "echo.yaml").write_text(base_file("tools/echo.yaml") + "colour: blue\n", "utf-8")
    report = ElementTree.fromstring(run_cli("check", str(root_dir), "--output-format", "junit").stdout)
    (case,) = report.findall("testsuite/testcase")
    assert case.find("failure") is None and "DPL202 [info]" in case.find("system-out").text
    assert report.get("failures") == "0"
    failing = ElementTree.fromstring(run_cli("check", str(root_dir), "--output-format", "junit", "--fail-on", "info").stdout)
    assert failing.get("failures") == "1"
    (root_dir / "tools" / "echo.yaml").write_text(base_file("tools/echo.yaml"), "utf-8")
    clean = ElementTree.fromstring(run_cli("check", str(root_dir), "--output-format", "junit").stdout)
    assert clean.get("tests") == "1" and clean.get("failures") == "0"
    assert [case.get("name") for case in clean.iter("testcase")] == ["no findings"]


def test_junit_escapes_what_xml_cannot_hold(tmp_path, run_cli):
    root_dir = tmp_path / "p"
    shutil.copytree(BASE_PLUGINS / "tool", root_dir)
    text = base_file("tools/echo.yaml").replace("  name: echo\n", '  name: echo\n  "a<b>&\\x01": 1\n')
    (root_dir / "tools" / "echo.yaml").write_text(text, "utf-8")
    result = run_cli("check", str(root_dir), "--output-format", "junit", "--fail-on", "info")
    (failure,) = ElementTree.fromstring(result.stdout).iter("failure")
    assert "a<b>&\\x01" in failure.get("message")


def test_gitlab_code_quality(flawed, run_cli):
    findings = _json(run_cli("check", str(flawed), "--output-format", "json"))
    result = run_cli("check", str(flawed), "--output-format", "gitlab")
    issues = _json(result)
    assert len(issues) == len(findings)
    for issue, finding in zip(issues, findings):
        assert set(issue) == {"type", "description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == finding["code"]
        assert issue["description"] == f"{finding['code']} {finding['message']}"
        assert issue["severity"] == {"error": "critical", "warning": "major", "info": "info"}[finding["severity"]]
        assert issue["location"] == {
            "path": finding["filename"],
            "lines": {"begin": finding["location"]["row"], "end": finding["end_location"]["row"]},
        }
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    # a line added above every finding moves them, but keeps their identity
    for path in flawed.rglob("*.yaml"):
        path.write_text("# a comment\n" + path.read_text("utf-8"), "utf-8")
    moved = _json(run_cli("check", str(flawed), "--output-format", "gitlab"))
    yaml_issues = [issue for issue in issues if issue["location"]["path"].endswith(".yaml")]
    assert yaml_issues
    moved_by_fingerprint = {issue["fingerprint"]: issue for issue in moved}
    for issue in yaml_issues:
        assert moved_by_fingerprint[issue["fingerprint"]]["location"]["lines"]["begin"] == issue["location"]["lines"]["begin"] + 1


def test_sarif_paths_are_relative_to_srcroot(flawed, run_cli):
    from jsonschema import Draft7Validator

    parent = flawed.parent
    log = _json(run_cli("check", flawed.name, "--output-format", "sarif", cwd=parent))
    assert not list(Draft7Validator(json.loads(SCHEMA.read_text("utf-8"))).iter_errors(log))
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base == parent.resolve().as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uriBaseId"] == "SRCROOT"
    assert location["uri"].startswith("flawed%20plugin%2C%20%231/")
    # the file is found where SRCROOT + uri leads
    from urllib.parse import unquote, urlparse

    target = Path(unquote(urlparse(base + location["uri"]).path))
    assert target.is_file()


def test_sarif_path_outside_the_working_directory_is_an_absolute_uri(flawed, run_cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log = _json(run_cli("check", str(flawed), "--output-format", "sarif", cwd=elsewhere))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in location and location["uri"].startswith("file:///")
    from urllib.parse import unquote, urlparse

    assert Path(unquote(urlparse(location["uri"]).path)).is_file()


def test_statistics_in_json_and_text(flawed, run_cli):
    findings = _json(run_cli("check", str(flawed), "--output-format", "json"))
    result = run_cli("check", str(flawed), "--statistics", "--output-format", "json")
    assert result.exit_code == 1
    rows = _json(result)
    assert sum(row["count"] for row in rows) == len(findings)
    assert [row["count"] for row in rows] == sorted((row["count"] for row in rows), reverse=True)
    graded = next(row for row in rows if row["code"] == "DPL202")
    assert set(graded) == {"code", "name", "count", "fixable", "severities"}
    assert sum(graded["severities"].values()) == graded["count"]
    text = run_cli("check", str(flawed), "--statistics").stdout.splitlines()
    assert len(text) == len(rows)
    assert text[0].split()[:3] == [str(rows[0]["count"]), rows[0]["code"], rows[0]["name"]]


def test_output_file(flawed, run_cli, tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("check", str(flawed), "--output-format", "json", "--output-file", str(target))
    assert result.stdout == "" and result.exit_code == 1
    assert "Found " in result.stderr
    assert _json(run_cli("check", str(flawed), "--output-format", "json")) == json.loads(target.read_text("utf-8"))
    run_cli("check", str(flawed), "--color", "always", "-o", str(tmp_path / "report.txt"))
    assert "\x1b[" not in (tmp_path / "report.txt").read_text("utf-8")  # no colour in a file
    stats = tmp_path / "stats.json"
    run_cli("check", str(flawed), "--statistics", "--output-format", "json", "-o", str(stats))
    assert json.loads(stats.read_text("utf-8"))[0]["count"] >= 1
    nested = tmp_path / "reports" / "ci" / "report.txt"
    assert run_cli("check", str(flawed), "-o", str(nested)).exit_code == 1 and nested.is_file()  # folders are made
    unwritable = run_cli("check", str(flawed), "-o", str(target / "report.txt"))  # under a file
    assert unwritable.exit_code == 2 and "cannot write" in unwritable.stderr


def test_a_machine_report_is_written_when_no_plugin_is_found(tmp_path, run_cli):
    assert _json(run_cli("check", str(tmp_path), "--output-format", "json")) == []
    assert _json(run_cli("check", str(tmp_path), "--output-format", "sarif"))["runs"][0]["results"] == []
    assert ElementTree.fromstring(run_cli("check", str(tmp_path), "--output-format", "junit").stdout).get("failures") == "0"


def _ci_block(name: str) -> dict:
    import yaml

    readme = (REPO / "README.md").read_text("utf-8")
    block = readme.split(f"<!-- ci:{name} -->")[1].split(f"<!-- /ci:{name} -->")[0]
    return yaml.safe_load(block.split("```yaml")[1].split("```")[0])


def _commands(steps: list) -> list[str]:
    return [line.split("#")[0].strip() for line in steps if line.startswith("dify-lint ")]


@pytest.mark.parametrize("name", ["github", "gitlab"])
def test_the_readme_ci_jobs_run_as_written(name, tmp_path, run_cli):
    """Each `dify-lint` command of the README's CI jobs, run in a repository holding the flawed
    example plugin: the reports they write parse, and only the last command fails the job."""
    import shlex

    job = _ci_block(name)
    if name == "github":
        steps = job["jobs"]["dify-lint"]["steps"]
        commands = _commands([step["run"] for step in steps if "run" in step])
        uploaded = next(step["with"]["sarif_file"] for step in steps if "upload-sarif" in step.get("uses", ""))
        reports = {uploaded: "sarif"}
    else:
        commands = _commands(job["dify-lint"]["script"])
        reports = {path: kind for kind, path in job["dify-lint"]["artifacts"]["reports"].items()}
    assert len(commands) >= 2
    repo = tmp_path / "repo"
    shutil.copytree(FLAWED, repo / "plugins" / "weather")
    statuses = [run_cli(*shlex.split(command)[1:], cwd=repo).exit_code for command in commands]
    assert statuses == [0] * (len(commands) - 1) + [1]
    for path, kind in reports.items():
        text = (repo / path).read_text("utf-8")
        if kind == "junit":
            assert ElementTree.fromstring(text).findall("testsuite/testcase/failure")
        elif kind == "codequality":
            assert all(issue["location"]["path"].startswith("plugins/weather/") for issue in json.loads(text))
        else:
            assert json.loads(text)["runs"][0]["results"]
