"""Output formats: text (with a code frame), concise, json, json-lines, github, sarif."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from . import __version__
from .diagnostics import Diagnostic, Severity
from .rule import Rule

FORMATS = ("text", "concise", "json", "json-lines", "github", "sarif")

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(fmt: str, diagnostics: Sequence[Diagnostic], *, colour: bool = False, rules: Sequence[Rule] = ()) -> str:
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
        "fix": None,
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


def _sarif_location(path: str, span) -> dict:
    uri = Path(path).as_posix()
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": span.start.line,
                "startColumn": span.start.column,
                "endLine": span.end.line,
                "endColumn": span.end.column,
            },
        }
    }


def summary_line(diagnostics: Sequence[Diagnostic], plugins: int, bundles: int = 0) -> str:
    """`plugins` counts every root linted, the `bundles` among them included."""
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    linted = _count(plugins - bundles, "plugin") + (f" and {_count(bundles, 'bundle')}" if bundles else "")
    if not diagnostics:
        return f"All checks passed: no findings in {linted}."
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}" for s in Severity if counts[s]]
    return f"Found {', '.join(parts)} in {linted}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
