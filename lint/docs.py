"""Rule documentation, generated from the rule objects: `dify-lint rule` and docs/rules.md."""

from __future__ import annotations

import difflib
import textwrap
from typing import Sequence

from .examples import BASE_PLUGINS
from .rule import Example, Rule

FAMILIES = {
    "DPL0": "The linter's own: files that cannot be read or parsed",
    "DPL1": "manifest.yaml",
    "DPL2": "Declaration YAML: providers, tools, models, endpoints, agent strategies, datasources, triggers",
    "DPL3": "Files and packaging",
    "DPL4": "Model selection and model configs",
    "DPL5": "Results and streaming",
    "DPL6": "Permissions",
    "DPL7": "The contract between a tool's YAML and its code",
}


FIXABLE = {
    "safe": "Fixable (safe): where the rule offers a fix, `--fix` applies it; what the plugin meant is kept.",
    "unsafe": "Fixable (unsafe): where the rule offers a fix, only `--fix --unsafe-fixes` applies it; review it, as it"
    " may change what the plugin does.",
}


def rule_json(rule: Rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "severities": {severity.value: rule.grades.get(severity, "") for severity in rule.severities},
        "summary": rule.summary,
        "explanation": textwrap.dedent(rule.explanation).strip(),
        "depends_on": [key.name for key in rule.requires],
        "fixable": rule.fixable,
    }


def _base_text(base: str, path: str) -> str | None:
    """A base plugin's file, or None when it has no such file."""
    target = BASE_PLUGINS / base / path
    return target.read_text("utf-8") if target.is_file() else None


def _as_text(content: str | bytes | None) -> str | None:
    return content.decode("utf-8", "backslashreplace") if isinstance(content, bytes) else content


def _fence(path: str) -> str:
    return "python" if path.endswith(".py") else "yaml" if path.endswith((".yaml", ".yml")) else ""


def _changes(before: dict[str, str | None], after: dict[str, str | None], old: str, new: str, base: str) -> list[str]:
    """Markdown for how the files `after` differ from `before` (path -> text, None: absent): a
    unified diff per changed file; a new file, or one rewritten more than kept, whole."""
    lines: list[str] = []
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path), after.get(path)
        if was == now:
            continue
        if now is None:
            lines += [f"`{path}` is removed.", ""]
            continue
        if was is None and now == _base_text(base, path):
            lines += [f"`{path}` is there, as in the {base} plugin.", ""]
            continue
        if was is None:
            lines += [f"`{path}` (new):", "", f"```{_fence(path)}", now.rstrip("\n"), "```", ""]
            continue
        diff = list(difflib.unified_diff(was.splitlines(), now.splitlines(), f"{path} ({old})", f"{path} ({new})", lineterm=""))
        changed = sum(1 for line in diff[2:] if line[:1] in "+-")
        if changed > len(now.splitlines()):  # rewritten: the file itself reads better
            lines += [f"`{path}`:", "", f"```{_fence(path)}", now.rstrip("\n"), "```", ""]
        else:
            lines += ["```diff", *diff, "```", ""]
    return lines


def _state(example: Example, paths: set[str]) -> dict[str, str | None]:
    """The text of each of `paths` in the example's plugin."""
    return {path: _as_text(example.files[path]) if path in example.files else _base_text(example.base, path) for path in paths}


def _example_block(example: Example, against: Example | None = None) -> list[str]:
    """An example as the lines it changes: in its base plugin, or (`against`, on the same base)
    in another example's plugin."""
    lines: list[str] = [example.note, ""] if example.note else []
    if against is not None and against.base == example.base:
        paths = set(example.files) | set(against.files)
        lines += _changes(_state(against, paths), _state(example, paths), "reported", "not reported", example.base)
    else:
        paths = set(example.files)
        base = {path: _base_text(example.base, path) for path in paths}
        if paths:
            lines += [f"In the {example.base} plugin of the examples:", ""]
        lines += _changes(base, _state(example, paths), f"{example.base} plugin", "example", example.base)
    return lines


def _fixed_block(example: Example) -> list[str]:
    """How `--fix --unsafe-fixes` changes an example's files, as a diff."""
    fixed = dict(example.fixed or {})
    return _changes(_state(example, set(fixed)), fixed, "reported", "fixed", example.base)


def rule_markdown(rule: Rule, heading: str = "##") -> str:
    lines = [
        f"{heading} {rule.code} {rule.name}",
        "",
        f"*{rule.severity_label}{', opt-in' if rule.default_off else ''}*: {rule.summary}",
        "",
        textwrap.dedent(rule.explanation).strip(),
        "",
    ]
    if rule.fixable:
        lines += [FIXABLE[rule.fixable], ""]
    if rule.grades:
        lines += ["Severity, by what is found:", ""]
        lines += [f"- *{severity.value}*: {rule.grades[severity]}" for severity in rule.severities]
        lines.append("")
    if rule.requires:
        lines += ["Depends on: " + ", ".join(f"`{key.name}` ({key.summary})" for key in rule.requires) + ".", ""]
    if rule.invalid:
        lines += ["**Example** (reported):", ""]
        lines += _example_block(rule.invalid[0])
        if rule.invalid[0].expect:
            lines += ["dify-lint reports:", "", "```text"]
            for location, message in rule.invalid[0].expect:
                lines.append(f"{location.rsplit('-', 1)[0]}: {rule.code} {message}")
            lines += ["```", ""]
        if rule.invalid[0].fixed is not None:
            lines += ["The fix:", ""]
            lines += _fixed_block(rule.invalid[0])
    if rule.valid:
        lines += ["**Use instead**:", ""]
        lines += _example_block(rule.valid[0], against=rule.invalid[0] if rule.invalid else None)
    return "\n".join(lines).rstrip() + "\n"


def rule_table(rules: Sequence[Rule]) -> str:
    """`dify-lint rule`: code, name, severity (a range for graded rules) and summary, in columns
    as wide as their widest entry."""
    rows = [(r.code, r.name, r.severity_label, r.summary) for r in rules]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    return "".join(
        f"{code:<{widths[0]}}  {name:<{widths[1]}}  {severity:<{widths[2]}}  {summary}\n"
        for code, name, severity, summary in rows
    )


def explain(rule: Rule) -> str:
    return rule_markdown(rule, heading="#")


def reference(rules: Sequence[Rule]) -> str:
    """The whole rules reference page (docs/rules.md)."""
    lines = [
        "# Rules reference",
        "",
        "<!-- Generated by `python -m dify_lint.docs > docs/rules.md`; a test keeps it in sync. -->",
        "",
        "Every rule has a code and a name; both work in `--select`, `--ignore`, configuration and",
        "suppression comments. Severity: *error* fails at packaging, install, start-up or call time;",
        "*warning* runs but misbehaves; *info* is worth knowing.",
        "",
        "| code | name | severity | summary |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        anchor = f"{rule.code.lower()}-{rule.name}"
        lines.append(f"| [{rule.code}](#{anchor}) | {rule.name} | {rule.severity_label} | {rule.summary} |")
    lines.append("")
    current = None
    for rule in rules:
        family = rule.code[:4]
        if family != current:
            current = family
            lines += [f"## {family}xx: {FAMILIES.get(family, '')}", ""]
        lines.append(rule_markdown(rule, heading="###"))
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - used to regenerate docs/rules.md
    import sys

    from .registry import all_rules

    sys.stdout.write(reference(all_rules()))
