"""Suppression comments: where they are found, what they silence, and DPL010's judgement of those
that silence nothing."""

from __future__ import annotations

import json

import pytest

from dify_lint import suppression
from dify_lint.engine import lint_plugin
from dify_lint.examples import base_file
from dify_lint.registry import all_rules, find_rule
from dify_lint.suppression import parse_directives
from helpers import build, load, rules_of

ECHO = base_file("tools/echo.yaml")
UNKNOWN_KEY = ECHO.replace("  name: echo\n", "  name: echo\n  colour: blue{comment}\n")


def _lint(tmp_path, files, select=("DPL202", "DPL010")):
    return lint_plugin(load(build(tmp_path, files)), rules_of(select))


def _codes(found, code):
    return [(d.span.start.line, d.span.start.column, d.message) for d in found if d.code == code]


def test_directives_are_found_only_in_comments():
    yaml_text = (
        "a: 1  # noqa: DPL201\n"
        "b: 'it # noqa: DPL202'\n"  # in a quoted scalar
        "c: |\n"
        "  text # dify-lint: ignore[DPL203]\n"  # in a block scalar
        "d: x#noqa\n"  # no space before `#`: part of the plain scalar
        "# dify-lint: file-ignore[DPL310]\n"
    )
    found = list(parse_directives(yaml_text, "yaml"))
    assert [(d.style, d.line, [t.text for t in d.tokens]) for d in found] == [
        ("noqa", 1, ["DPL201"]),
        ("file-ignore", 6, ["DPL310"]),
    ]
    python_text = 'x = "# noqa: DPL201"  # noqa: DPL202\ny = """\n# dify-lint: ignore\n"""\n'
    found = list(parse_directives(python_text, "python"))
    assert [(d.style, d.line, [t.text for t in d.tokens]) for d in found] == [("noqa", 1, ["DPL202"])]


@pytest.mark.parametrize(
    ("comment", "style", "codes"),
    [
        ("# noqa", "noqa", []),
        ("# noqa: DPL201,DPL202", "noqa", ["DPL201", "DPL202"]),
        ("# NOQA:DPL201 E501", "noqa", ["DPL201", "E501"]),
        ("# noqa because the daemon is lenient", "noqa", []),
        ("# noqa: DPL2O1", "noqa", ["DPL2O1"]),  # a typo is a code that names no rule, not a bare noqa
        ("# dify-lint: ignore[DPL201, unknown-key]", "ignore", ["DPL201", "unknown-key"]),
        ("# dify-lint: ignore DPL201", "ignore", ["DPL201"]),
        ("# dify-lint:file-ignore[DPL310]", "file-ignore", ["DPL310"]),
        ("# dify-lint: ignore-file[DPL310]", "unknown", []),
    ],
)
def test_directive_forms(comment, style, codes):
    (directive,) = parse_directives(f"a: 1  {comment}\n", "yaml")
    assert directive.style == style
    assert [t.text for t in directive.tokens] == codes


def test_file_ignore_silences_a_whole_yaml_file(tmp_path):
    files = {"tools/echo.yaml": "# dify-lint: file-ignore[unknown-key]\n" + UNKNOWN_KEY.format(comment="")}
    found = _lint(tmp_path, files)
    assert not _codes(found, "DPL202") and not _codes(found, "DPL010")
    other = {"tools/echo.yaml": "# dify-lint: file-ignore[DPL201]\n" + UNKNOWN_KEY.format(comment="")}
    found = _lint(tmp_path, other, ("DPL201", "DPL202", "DPL010"))
    assert _codes(found, "DPL202"), "a file-ignore for another code silences nothing else"
    assert _codes(found, "DPL010") == [
        (1, 26, "`DPL201` silences nothing: no DPL201 finding in this file; remove it from the comment")
    ]


def test_file_ignore_in_other_commented_files(tmp_path):
    """An ignore file holds `#` comments too: a finding in it can be silenced there."""
    rule = find_rule("DPL308")
    plain = build(tmp_path, {".difyignore": "tools/\n"})
    assert [d.path for d in lint_plugin(load(plain), [rule])] == [f"{plain}/.difyignore"]
    silenced = build(tmp_path, {".difyignore": "# dify-lint: file-ignore[DPL308]\ntools/\n"})
    assert lint_plugin(load(silenced), [rule]) == []


def test_a_blanket_comment_does_not_hide_its_own_report(tmp_path):
    files = {"tools/echo.yaml": ECHO.replace("  name: echo\n", "  name: echo  # dify-lint: ignore\n")}
    assert _codes(_lint(tmp_path, files), "DPL010") == [
        (3, 15, "this `# dify-lint: ignore` silences nothing: no finding starts on this line; remove it")
    ]
    named = {"tools/echo.yaml": ECHO.replace("  name: echo\n", "  name: echo  # dify-lint: ignore[DPL202, DPL010]\n")}
    assert _codes(_lint(tmp_path, named), "DPL010") == []  # naming DPL010 keeps the comment quietly


def test_other_linters_codes_and_a_bare_noqa_are_left_alone(tmp_path):
    source = base_file("tools/echo.py").replace("from typing import Any\n", "from typing import Any  # noqa\n")
    source = source.replace("import Generator\n", "import Generator  # noqa: E501, F401\n")
    assert _codes(_lint(tmp_path, {"tools/echo.py": source}), "DPL010") == []
    mixed = source.replace("# noqa: E501, F401", "# noqa: E501, DPL999")
    (finding,) = _codes(_lint(tmp_path, {"tools/echo.py": mixed}), "DPL010")
    assert finding[2].startswith("`DPL999` names no dify-lint rule")


def test_unused_is_judged_against_every_rule_named_selected_or_not(tmp_path):
    """The comment silences DPL202, which is not selected: DPL010 still sees it is used, so a
    `--select` never changes what DPL010 reports."""
    files = {"tools/echo.yaml": UNKNOWN_KEY.format(comment="  # dify-lint: ignore[DPL202, DPL2]")}
    root = build(tmp_path, files)
    alone = lint_plugin(load(root), [find_rule("DPL010")])
    everything = lint_plugin(load(root), all_rules())
    assert _codes(alone, "DPL010") == _codes(everything, "DPL010") == []
    assert not _codes(everything, "DPL202")
    stale = {"tools/echo.yaml": ECHO.replace("  name: echo\n", "  name: echo  # dify-lint: ignore[DPL202, DPL2]\n")}
    root = build(tmp_path, stale)
    alone = _codes(lint_plugin(load(root), [find_rule("DPL010")]), "DPL010")
    assert alone == _codes(lint_plugin(load(root), all_rules()), "DPL010")
    assert [message.split("`")[1] for _, _, message in alone] == ["DPL202", "DPL2"]


def test_a_crashed_rule_is_not_judged(tmp_path, monkeypatch):
    files = {"tools/echo.yaml": ECHO.replace("  name: echo\n", "  name: echo  # dify-lint: ignore[DPL202]\n")}
    rule = find_rule("DPL202")

    def explode(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "check", explode)
    found = lint_plugin(load(build(tmp_path, files)), [find_rule("DPL010")])
    assert _codes(found, "DPL010") == []  # its findings are unknown, so the comment may be in use


def test_a_comment_in_a_file_that_does_not_parse_is_not_judged(tmp_path):
    commented = ECHO.replace("  name: echo\n", "  name: echo  # dify-lint: ignore[DPL202]\n")
    assert len(_codes(_lint(tmp_path, {"tools/echo.yaml": commented}), "DPL010")) == 1  # parsed: unused
    broken = commented + "description: [unclosed\n"
    found = _lint(tmp_path, {"tools/echo.yaml": broken}, select=("DPL001", "DPL202", "DPL010"))
    assert _codes(found, "DPL001") and _codes(found, "DPL010") == []  # no rule could report there
    source = base_file("tools/echo.py").replace("from typing import Any\n", "from typing import Any  # noqa: DPL701\n")
    assert len(_codes(_lint(tmp_path, {"tools/echo.py": source}), "DPL010")) == 1
    found = _lint(tmp_path, {"tools/echo.py": source + "def broken(:\n"}, select=("DPL002", "DPL010"))
    assert _codes(found, "DPL002") and _codes(found, "DPL010") == []


def test_unused_suppressions_through_the_cli(tmp_path, run_cli):
    root = build(tmp_path, {"tools/echo.yaml": ECHO.replace("  name: echo\n", "  name: echo  # noqa: DPL202\n")})
    result = run_cli("check", str(root), "--output-format", "json")
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "DPL010" and finding["severity"] == "info"
    assert result.exit_code == 0  # an info: it fails the run only with --fail-on info
    assert json.loads(run_cli("check", str(root), "--output-format", "json", "--ignore", "DPL010").stdout) == []
    assert run_cli("check", str(root), "--select", "DPL010", "--fail-on", "info").exit_code == 1


TRICKY_COMMENTS = [
    "x = 1  # noqa: DPL201\n",
    "s = '#not'  # noqa\n",
    's = "it\'s # not"  # dify-lint: ignore[DPL201]\n',
    "s = '''a\n# inside\n'''  # after\n",
    's = """a \\""" # still inside\n"""  # after\n',
    "s = r'\\'#'  # raw, escaped quote\n",
    "s = 'line \\\n# continued'  # end\n",
    "f = f'{x}#{y!r:>{w}}'  # f-string\n",
    "b = rb'#' + Rb\"#\" + u'#'  # prefixes\n",
    "x = ('a'  # between\n     'b')\n",
    "s = ''''quoted'''  # four quotes\n",
    's = \'\'  # empty\nt = """"""  # empty triple\n',
    "# first\n\n   # indented\nx = 1 # a # b\n",
    "x = 1\n# no newline at the end",
]


@pytest.mark.skipif(not suppression._SCAN_PARSED_PYTHON, reason="from Python 3.12 the tokenizer is used")
def test_the_comment_scan_finds_the_tokenizers_comments_in_every_file_that_parses():
    import ast

    from helpers import python_texts

    compared = 0
    for text in [*python_texts().values(), *TRICKY_COMMENTS]:
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        if "\r" in text:
            continue
        assert suppression._scanned_comments(text) == suppression._python_comments(text), text[:200]
        compared += 1
    assert compared > 100
