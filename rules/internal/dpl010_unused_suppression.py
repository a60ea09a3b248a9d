"""DPL010 unused-suppression: reported by the engine, which alone sees every rule's findings."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from dify_lint.diagnostics import Severity
from dify_lint.examples import base_file
from dify_lint.rule import Example, Finding, Rule


def _with(path: str, old: str, new: str) -> str:
    text = base_file(path)
    assert old in text
    return text.replace(old, new, 1)


class UnusedSuppression(Rule):
    code = "DPL010"
    name = "unused-suppression"
    summary = "A suppression comment silences nothing, or names no rule"
    severity = Severity.INFO
    explanation = """
    A `# dify-lint: ignore[...]` or `# noqa: DPL...` comment that silences no finding on its line,
    a `# dify-lint: file-ignore[...]` that silences none in its file, a code in one that names no
    rule (a typo such as `DPL2O1` or `unknwon-key`), or a `# dify-lint:` comment of no known form
    (`ignore-file`) does nothing. It is harmless to the plugin, but a misspelled one fails to
    silence what it meant to, and a stale one would hide a new finding of the same rule later.

    Each comment is judged against every rule it names, whether or not that rule is selected, so
    `--select` never changes what this rule reports. The comments looked at are those in the YAML
    and Python files Dify reads; other codes in a `# noqa` (`E501`, for other linters) and a bare
    `# noqa` are left alone, and so are the comments of a file that does not parse (or that is
    too large or too deep to be checked), in which no rule can report. To keep a comment anyway, add this rule to it
    (`# dify-lint: ignore[DPL201, unused-suppression]`), or ignore the rule in the configuration.
    """
    lints = "any"
    invalid = (
        Example(
            {"tools/echo.yaml": _with("tools/echo.yaml", "  name: echo\n", "  name: echo  # dify-lint: ignore[DPL202]\n")},
            expect=(
                (
                    "tools/echo.yaml:3:35-3:41",
                    "`DPL202` silences nothing: no DPL202 finding starts on this line; remove it from the comment",
                ),
            ),
        ),
        Example(
            {"manifest.yaml": "# dify-lint: file-ignore[missing-readme, DPL2O1]\n" + base_file("manifest.yaml")},
            note="`missing-readme` has nothing to silence (the plugin has a README), and `DPL2O1` has a letter O.",
            expect=(
                (
                    "manifest.yaml:1:26-1:40",
                    "`missing-readme` silences nothing: no missing-readme finding in this file; remove it from the comment",
                ),
                (
                    "manifest.yaml:1:42-1:48",
                    "`DPL2O1` names no dify-lint rule, so it silences nothing; did you mean `DPL201`? Write a rule code"
                    " (DPL201), a code prefix (DPL2) or a rule name (unknown-key)",
                ),
            ),
        ),
        Example(
            {
                "README.md": None,
                "manifest.yaml": "# dify-lint: ignore-file[DPL310]\n" + base_file("manifest.yaml"),
            },
            expect=(
                (
                    "manifest.yaml:1:1-1:25",
                    "`# dify-lint: ignore-file` is no dify-lint comment and silences nothing; did you mean `file-ignore`?"
                    " Write `# dify-lint: ignore[CODES]` for its line or `# dify-lint: file-ignore[CODES]` for the"
                    " whole file",
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": _with(
                    "tools/echo.py",
                    'tool_parameters["text"])\n',
                    'tool_parameters["text"])  # dify-lint: ignore\n',
                )
            },
            expect=(
                (
                    "tools/echo.py:10:66-10:85",
                    "this `# dify-lint: ignore` silences nothing: no finding starts on this line; remove it",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "tools/echo.yaml": _with(
                    "tools/echo.yaml", "  name: echo\n", "  name: echo\n  nmae: echo  # dify-lint: ignore[DPL202]\n"
                )
            },
            note="The comment silences the unknown key `nmae` (DPL202), even when DPL202 is not selected.",
        ),
        Example(
            {
                "README.md": None,
                "manifest.yaml": "# dify-lint: file-ignore[missing-readme]\n" + base_file("manifest.yaml"),
            },
            note="The plugin has no README.md, which the comment silences for the whole file.",
        ),
        Example(
            {"tools/echo.py": _with("tools/echo.py", "from typing import Any\n", "from typing import Any  # noqa: F401, E501\n")},
            note="Other linters' codes in a `# noqa` are theirs to judge.",
        ),
    )

    def check(self, ctx) -> Iterable[Finding]:
        return ()  # the engine judges suppressions: only it sees what every rule found

    def report(self, found: Iterable[Any]) -> Iterator[Finding]:
        """The findings for what the engine judged useless (`suppression.Useless` records)."""
        for useless in found:
            directive, token = useless.directive, useless.token
            span = token.span if token is not None else directive.span
            yield Finding(useless.path, span, self._message(useless))

    @staticmethod
    def _message(useless: Any) -> str:
        directive, token = useless.directive, useless.token
        hint = f"; did you mean `{useless.suggestion}`?" if useless.suggestion else "."
        if useless.reason == "unknown-directive":
            return (
                f"`# dify-lint: {directive.word}` is no dify-lint comment and silences nothing{hint}"
                " Write `# dify-lint: ignore[CODES]` for its line or `# dify-lint: file-ignore[CODES]` for the whole file"
            )
        if useless.reason == "unknown-code":
            return (
                f"`{token.text}` names no dify-lint rule, so it silences nothing{hint}"
                " Write a rule code (DPL201), a code prefix (DPL2) or a rule name (unknown-key)"
            )
        where = "in this file" if directive.whole_file else "starts on this line"
        if token is None:
            comment = "# dify-lint: file-ignore" if directive.whole_file else "# dify-lint: ignore"
            nothing = "there is no finding in this file" if directive.whole_file else "no finding starts on this line"
            return f"this `{comment}` silences nothing: {nothing}; remove it"
        return f"`{token.text}` silences nothing: no {token.text} finding {where}; remove it from the comment"
