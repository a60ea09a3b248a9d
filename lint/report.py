"""Output formats: text (with a code frame), concise, json, json-lines, github, sarif, junit,
gitlab (Code Quality); the statistics table; the summary line."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence
from urllib.parse import quote

from . import __version__
from .diagnostics import Diagnostic, Fix, Position, Severity

if TYPE_CHECKING:  # the CLI reads FORMATS before any rule is needed (`--version` loads no rule)
    from .rule import Rule

FORMATS = ("text", "concise", "json", "json-lines", "github", "sarif", "junit", "gitlab")
#: the severities, gravest first, and what each fails at: `fail_on="warning"` fails on errors and warnings
SEVERITY_ORDER = ("error", "warning", "info")

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    *,
    colour: bool = False,
    rules: Sequence[Rule] = (),
    fail_on: str = "info",
) -> str:
    """The findings in format `fmt`. `fail_on`: the least severity that fails the run (JUnit
    reports the findings below it as passing test cases, so the report agrees with the exit status)."""
    if fmt == "text":
        return text(diagnostics, colour=colour)
    if fmt == "concise":
        return "".join(_head(d, colour) + "\n" for d in diagnostics)
    if fmt == "json":
        return json.dumps([_as_json(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
    if fmt == "json-lines":
        return "".join(json.dumps(_as_json(d), ensure_ascii=False) + "\n" for d in diagnostics)
    if fmt == "github":
        return "".join(_github(d) + "\n" for d in diagnostics)
    if fmt == "sarif":
        return json.dumps(sarif(diagnostics, rules), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        return junit(diagnostics, fail_on)
    if fmt == "gitlab":
        return json.dumps(gitlab(diagnostics), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown output format {fmt}")


def _head(d: Diagnostic, colour: bool) -> str:
    where = f"{d.path}:{d.span.start.line}:{d.span.start.column}:"
    label = f"{d.code}" if d.severity is Severity.ERROR else f"{d.code} [{d.severity.value}]"
    if colour:
        return f"{_BOLD}{where}{_RESET} {_COLOURS[d.severity.value]}{_BOLD}{label}{_RESET} {d.message}"
    return f"{where} {label} {d.message}"


def text(diagnostics: Sequence[Diagnostic], *, colour: bool) -> str:
    out: list[str] = []
    for d in diagnostics:
        out.append(_head(d, colour))
        frame = _frame(d.line_text, d.span.start.line, d.span.start.column, d.span.end, colour)
        out.extend(frame)
        for related in d.related:
            note = f"  = note: {related.message} ({related.path}:{related.span.start.line}:{related.span.start.column})"
            out.append(f"{_DIM}{note}{_RESET}" if colour else note)
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def _frame(content: str | None, line: int, column: int, end, colour: bool) -> list[str]:
    if content is None:
        return []
    content = content.replace("\t", " ")
    if len(content) > 200:  # very long lines (minified data) would drown the message
        return []
    width = max(1, (end.column - column) if end.line == line else len(content) - column + 1)
    width = max(1, min(width, len(content) - column + 1)) if content else 1
    gutter = f"{line} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * width
    if colour:
        caret = f"{_BOLD}{caret}{_RESET}"
    return [gutter + content, caret]


def _as_json(d: Diagnostic) -> dict:
    # Field names follow ruff's JSON output, so existing tooling can read it.
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "message": d.message,
        "filename": d.path,
        "location": {"row": d.span.start.line, "column": d.span.start.column},
        "end_location": {"row": d.span.end.line, "column": d.span.end.column},
        "fix": _fix_json(d.fix),
        "url": d.url or None,
        "noqa_row": d.span.start.line,
        "related": [
            {
                "filename": r.path,
                "location": {"row": r.span.start.line, "column": r.span.start.column},
                "message": r.message,
            }
            for r in d.related
        ],
    }


def _fix_json(fix: Fix | None) -> dict | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "filename": e.path,
                "content": e.replacement,
                "location": _position_json(e.location),
                "end_location": _position_json(e.end_location),
            }
            for e in fix.edits
        ],
    }


def _position_json(position: Position | None) -> dict | None:
    return {"row": position.line, "column": position.column} if position is not None else None


def _escape_property(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github(d: Diagnostic) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.value]
    props = ",".join(
        [
            f"file={_escape_property(d.path)}",
            f"line={d.span.start.line}",
            f"endLine={d.span.end.line}",
            f"col={d.span.start.column}",
            f"endColumn={d.span.end.column}",
            f"title={_escape_property(f'{d.code} {d.name}')}",
        ]
    )
    return f"::{level} {props}::{_escape_data(f'{d.code} {d.message}')}"


def sarif(diagnostics: Sequence[Diagnostic], rules: Sequence[Rule]) -> dict:
    index = {rule.code: i for i, rule in enumerate(rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    results = []
    for d in diagnostics:
        result = {
            "ruleId": d.code,
            "level": level[d.severity.value],
            "message": {"text": d.message},
            "locations": [_sarif_location(d.path, d.span)],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.related:
            result["relatedLocations"] = [
                {**_sarif_location(r.path, r.span), "id": i, "message": {"text": r.message}} for i, r in enumerate(d.related)
            ]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dify-lint",
                        "version": __version__,
                        "informationUri": "https://github.com/dify-lint/dify-lint",
                        "rules": [_sarif_rule(rule, level) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(os.getcwd())}},
                "results": results,
            }
        ],
    }


def _sarif_rule(rule: Rule, level: dict[str, str]) -> dict:
    """A rule's descriptor. A graded rule's default level is only its usual one: the levels it can
    report, and what decides each, are in the full description and the property bag."""
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": level[rule.severity.value]},
        "properties": {"severities": [level[severity.value] for severity in rule.severities]},
    }
    if rule.grades:
        grading = " ".join(f"{level[severity.value]}: {rule.grades[severity]}." for severity in rule.severities)
        descriptor["fullDescription"] = {"text": f"{rule.summary}. {grading}"}
    return descriptor


#: Relative paths in SARIF are relative to this base, the working directory dify-lint ran in.
SRCROOT = "SRCROOT"


def _directory_uri(directory: str) -> str:
    return Path(directory).absolute().as_uri().rstrip("/") + "/"


def _artifact(path: str) -> dict:
    """A file's location: relative to SRCROOT (percent-encoded), or an absolute file URI."""
    posix = Path(path)
    if posix.is_absolute():
        return {"uri": posix.as_uri()}
    return {"uri": quote(posix.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _sarif_location(path: str, span) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(path),
            "region": {
                "startLine": span.start.line,
                "startColumn": span.start.column,
                "endLine": span.end.line,
                "endColumn": span.end.column,
            },
        }
    }


def fails(diagnostic: Diagnostic, fail_on: str) -> bool:
    """Whether the finding fails a run that fails on `fail_on` and anything graver."""
    return fails_at(diagnostic.severity.value, fail_on)


def summary_line(diagnostics: Sequence[Diagnostic], plugins: int, bundles: int = 0, fail_on: str = "warning") -> str:
    """`plugins` counts every root linted, the `bundles` among them included. Every severity is
    counted; findings below `fail_on` are said not to fail the run."""
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    linted = _count(plugins - bundles, "plugin") + (f" and {_count(bundles, 'bundle')}" if bundles else "")
    if not diagnostics:
        return f"All checks passed: no findings in {linted}."
    parts = [_count(counts[s], s.value) for s in Severity]
    line = f"Found {', '.join(parts[:-1])} and {parts[-1]} in {linted}"
    passing = [f"{s.value}s" for s in Severity if not fails_at(s.value, fail_on)]
    if passing and not any(fails(d, fail_on) for d in diagnostics):
        line += f"; {' and '.join(passing)} do not fail the run (--fail-on {fail_on})"
    return line + "."


def fails_at(severity: str, fail_on: str) -> bool:
    return SEVERITY_ORDER.index(severity) <= SEVERITY_ORDER.index(fail_on)


def exit_fails(diagnostics: Sequence[Diagnostic], fail_on: str) -> bool:
    """Whether the findings fail the run."""
    return any(fails(d, fail_on) for d in diagnostics)


# -- statistics ---------------------------------------------------------------------------------------


def statistics(diagnostics: Sequence[Diagnostic], fmt: str = "text") -> str:
    """How many findings each rule has, most first: a table, or a JSON array with `fmt="json"`
    (ruff's fields `code`, `name`, `count`, `fixable`, plus the count of each severity)."""
    rows: dict[tuple[str, str], dict] = {}
    for d in diagnostics:
        row = rows.setdefault((d.code, d.name), {"code": d.code, "name": d.name, "count": 0, "fixable": False, "severities": {}})
        row["count"] += 1
        row["fixable"] = row["fixable"] or d.fix is not None
        row["severities"][d.severity.value] = row["severities"].get(d.severity.value, 0) + 1
    ordered = sorted(rows.values(), key=lambda row: (-row["count"], row["code"]))
    for row in ordered:
        row["severities"] = {s: row["severities"][s] for s in SEVERITY_ORDER if s in row["severities"]}
    if fmt == "json":
        return json.dumps(ordered, indent=2) + "\n"
    width = max((len(row["name"]) for row in ordered), default=0)
    lines = []
    for row in ordered:
        graded = ", ".join(f"{count} {severity}" for severity, count in row["severities"].items())
        lines.append(f"{row['count']:6d}  {row['code']}  {row['name']:<{width}}  {graded}")
    return "".join(line + "\n" for line in lines)


# -- JUnit XML ----------------------------------------------------------------------------------------


def junit(diagnostics: Sequence[Diagnostic], fail_on: str = "info") -> str:
    """One test suite per file with findings, one test case per finding: a failure when the
    finding fails the run, a passing case with its text otherwise. No findings: one passing case."""
    from xml.etree import ElementTree

    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    failures = sum(1 for d in diagnostics if fails(d, fail_on))
    root = ElementTree.Element(
        "testsuites", name="dify-lint", tests=str(max(1, len(diagnostics))), failures=str(failures), errors="0"
    )
    if not diagnostics:
        suite = ElementTree.SubElement(root, "testsuite", name="dify-lint", tests="1", failures="0", errors="0", skipped="0")
        ElementTree.SubElement(suite, "testcase", name="no findings", classname="dify-lint")
    for path, found in by_file.items():
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=_xml_text(path),
            tests=str(len(found)),
            failures=str(sum(1 for d in found if fails(d, fail_on))),
            errors="0",
            skipped="0",
        )
        for d in found:
            where = f"{d.span.start.line}:{d.span.start.column}"
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=f"{d.code} {d.name} at {where}",
                classname=_xml_text(path),
                file=_xml_text(path),
                line=str(d.span.start.line),
            )
            detail = "\n".join(
                [f"{d.path}:{where}: {d.code} [{d.severity.value}] {d.message}"]
                + [f"note: {r.message} ({r.path}:{r.span.start.line}:{r.span.start.column})" for r in d.related]
                + ([d.url] if d.url else [])
            )
            if fails(d, fail_on):
                failure = ElementTree.SubElement(
                    case, "failure", message=_xml_text(d.message), type=f"{d.code} {d.severity.value}"
                )
                failure.text = _xml_text(detail)
            else:
                ElementTree.SubElement(case, "system-out").text = _xml_text(detail)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: characters it forbids (control characters a message may quote) are shown escaped."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


# -- GitLab Code Quality ------------------------------------------------------------------------------

_LINE_NUMBER = re.compile(r"\bline \d+")
_GITLAB_SEVERITY = {"error": "critical", "warning": "major", "info": "info"}


def gitlab(diagnostics: Sequence[Diagnostic]) -> list[dict]:
    """GitLab's Code Quality report (a subset of the Code Climate issue format). The fingerprint
    hashes the rule, file and message but no line number (not even one the message names), so a
    finding keeps its identity when lines above it move; identical findings in one file are told
    apart by their order."""
    import hashlib

    seen: dict[str, int] = {}
    issues = []
    for d in diagnostics:
        key = f"{d.code}\0{d.path}\0{_LINE_NUMBER.sub('line', d.message)}"
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8")).hexdigest()[:32]
        issues.append(
            {
                "type": "issue",
                "description": f"{d.code} {d.message}",
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[d.severity.value],
                "location": {"path": d.path, "lines": {"begin": d.span.start.line, "end": d.span.end.line}},
            }
        )
    return issues


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
