"""Fixes: each rule's fixes as its examples pin them, the promises every fix keeps on every
example and fixture plugin (the result parses, nothing new is reported, fixing twice changes
nothing, files without a fix and file modes are untouched), atomic writes, and the CLI."""

from __future__ import annotations

import ast
import codecs
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from dify_lint import fix as fixing
from dify_lint.diagnostics import Edit
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import lint_plugin
from dify_lint.examples import materialize
from dify_lint.fix import fix_plugin, write_atomically, write_changes
from dify_lint.registry import all_rules
from dify_lint.source.fs import DiskFS
from helpers import FIXTURES, build, load

RULES = all_rules()
FIXABLE = [rule for rule in RULES if rule.fixable]


def _fix(root: Path, rules=RULES, *, unsafe: bool = True):
    """Fix the plugin at `root` as `--fix` does (unsafe fixes too, by default) and write it."""
    plugin = load(root)
    outcome = fix_plugin(plugin, lambda p: lint_plugin(p, rules), unsafe=unsafe)
    assert write_changes(plugin.fs, list(outcome.changes.values())) == []
    return outcome


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
    }


#: The rules a plain run selects. An opt-in rule may rightly report what a fix brings about
#: (a permission key spelt right at last is a permission granted, and may be one nothing uses).
DEFAULT_RULES = [rule for rule in RULES if not rule.default_off]


def _found(root: Path) -> set[tuple[str, str]]:
    return {(d.code, d.path) for plugin in find_plugin_roots([str(root)]) for d in lint_plugin(plugin, DEFAULT_RULES)}


# -- each rule's fixes --------------------------------------------------------------------------

FIXED_EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.code}-invalid{index}")
    for rule in RULES
    for index, example in enumerate(rule.invalid)
    if example.fixed is not None
]


@pytest.mark.parametrize(("rule", "example"), FIXED_EXAMPLES)
def test_example_fixed_as_pinned(rule, example, tmp_path):
    root = materialize(example, tmp_path / "plugin")
    before = _snapshot(root)
    outcome = _fix(root, [rule])
    after = _snapshot(root)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == set(example.fixed), f"{rule.code} changed {sorted(changed)}"
    for path, text in example.fixed.items():
        assert after[path][0].decode("utf-8") == text, f"{rule.code} fixed {path} to:\n{after[path][0].decode()}"
    assert outcome.converged
    assert not [d for d in lint_plugin(load(root), [rule]) if d.fix is not None]


def test_every_fixable_rule_pins_a_fixed_example():
    missing = [rule.code for rule in FIXABLE if not any(e.fixed is not None for e in rule.invalid)]
    assert not missing


def test_fixed_only_on_invalid_examples_of_fixable_rules():
    misplaced = [rule.code for rule in RULES for e in rule.valid if e.fixed is not None]
    misplaced += [rule.code for rule in RULES if not rule.fixable for e in rule.invalid if e.fixed is not None]
    assert not misplaced


def _offered(rule, example, tmp_path) -> set[str]:
    root = materialize(example, tmp_path / f"p{id(example)}")
    return {d.fix.applicability for d in lint_plugin(load(root), [rule]) if d.fix is not None}


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_fixable_says_what_the_rule_offers(rule, tmp_path):
    """`fixable` is what the rule's fixes are: each fix it offers on its examples has that
    applicability, and a rule that says it fixes does so on at least one of them."""
    offered = set()
    for example in (*rule.invalid, *rule.valid):
        offered |= _offered(rule, example, tmp_path)
    assert offered == ({rule.fixable} if rule.fixable else set())


# -- promises every fix keeps, on every example and fixture ------------------------------------


def _parses(path: str, data: bytes) -> bool:
    try:
        if path.endswith(".py"):
            ast.parse(data)
        elif path.endswith((".yaml", ".yml")):
            yaml.safe_load(data.decode("utf-8-sig"))
    except Exception:
        return False
    return True


def _check_promises(root: Path) -> None:
    before = _snapshot(root)
    found_before = _found(root)
    outcomes = [(plugin_root, _fix(plugin_root)) for plugin_root in _roots(root)]
    after = _snapshot(root)
    changed = {path for path in after if after[path][0] != before[path][0]}
    claimed = {(plugin_root / c.relative).relative_to(root).as_posix() for plugin_root, o in outcomes for c in o.changes.values()}
    assert changed == claimed  # every other file is byte for byte what it was
    for path in changed:
        assert _parses(path, after[path][0]) or not _parses(path, before[path][0]), f"{path} no longer parses"
    assert {path: mode for path, (_, mode) in after.items()} == {path: mode for path, (_, mode) in before.items()}
    new = _found(root) - found_before
    assert not new, f"fixing made new findings: {sorted(new)}"
    for plugin_root, outcome in outcomes:
        assert outcome.converged
    # idempotence: a second run changes nothing
    again = [_fix(plugin_root) for plugin_root, _ in outcomes]
    assert all(not o.changes for o in again)
    assert _snapshot(root) == after


def _roots(root: Path) -> list[Path]:
    return [Path(p.fs.root) for p in find_plugin_roots([str(root)])]


EXAMPLES = [
    pytest.param(example, id=f"{rule.code}-{kind}{index}")
    for rule in RULES
    for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid))
    for index, example in enumerate(examples)
]
FIXTURE_CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("example", EXAMPLES)
def test_fixing_an_example_keeps_the_promises(example, tmp_path):
    _check_promises(materialize(example, tmp_path / "plugin"))


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c.name for c in FIXTURE_CASES])
def test_fixing_a_fixture_keeps_the_promises(case, tmp_path):
    root = tmp_path / case.name
    shutil.copytree(case, root, symlinks=True)
    _check_promises(root)


# -- applying edits -----------------------------------------------------------------------------


def _renames(tmp_path, text: bytes) -> bytes:
    root = build(tmp_path, {"tools/echo.yaml": text})
    _fix(root)
    return (root / "tools/echo.yaml").read_bytes()


def test_line_breaks_and_byte_order_mark_are_kept(tmp_path):
    from dify_lint.examples import tool_yaml

    text = tool_yaml().replace("required: true", "requried: true")
    fixed = tool_yaml()
    crlf = _renames(tmp_path, codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())
    assert crlf == codecs.BOM_UTF8 + fixed.replace("\n", "\r\n").encode()


def test_quoted_key_keeps_its_quotes(tmp_path):
    from dify_lint.examples import tool_yaml

    text = tool_yaml().replace("required: true", "'requried': true")
    assert _renames(tmp_path, text.encode()).decode() == tool_yaml().replace("required: true", "'required': true")


def test_no_rename_onto_a_key_already_there(tmp_path):
    from dify_lint.examples import tool_yaml

    text = tool_yaml().replace("required: true", "required: true\n    requried: false")
    assert _renames(tmp_path, text.encode()).decode() == text


def test_overlapping_fixes_wait_for_the_next_round():
    first = Edit("a.yaml", 0, 5, "x")
    second = Edit("a.yaml", 3, 8, "y")
    apart = Edit("a.yaml", 10, 12, "z")
    from dify_lint.diagnostics import Diagnostic, Fix, Severity, Span

    def finding(edit):
        return Diagnostic("DPL202", "unknown-key", Severity.WARNING, "m", "a.yaml", Span.file_start(), fix=Fix("f", (edit,)))

    taken = fixing._non_overlapping([finding(second), finding(first), finding(apart)])
    assert [d.fix.edits[0] for d in taken] == [first, apart]


def test_a_fix_that_breaks_parsing_is_undone():
    assert fixing._apply("a.yaml", b"key: value\n", [Edit("a.yaml", 0, 0, "[")]) is None
    assert fixing._apply("a.yaml", b"key: value\n", [Edit("a.yaml", 0, 3, "other")]) == b"other: value\n"
    assert fixing._apply("a.py", b"x = 1\n", [Edit("a.py", 2, 3, "=(")]) is None
    assert fixing._apply("a.py", b"x = 1\n", [Edit("a.py", 2, 3, "==")]) == b"x == 1\n"


# -- writing ------------------------------------------------------------------------------------


def test_write_keeps_the_mode(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    write_atomically(DiskFS(tmp_path), "a.yaml", b"new\n", expected=b"old\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_a_failed_write_leaves_the_original(tmp_path, monkeypatch):
    target = tmp_path / "a.yaml"
    target.write_bytes(b"old\n")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(fixing.os, "replace", broken)
    with pytest.raises(OSError):
        write_atomically(DiskFS(tmp_path), "a.yaml", b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_never_written_through_a_link_out_of_the_root(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"secret\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.yaml").symlink_to(outside)
    with pytest.raises(fixing.WriteRefused):
        write_atomically(DiskFS(root), "a.yaml", b"new\n")
    assert outside.read_bytes() == b"secret\n"


def test_a_file_changed_meanwhile_is_not_written(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"changed\n")
    problems = write_changes(DiskFS(tmp_path), [fixing.FileChange("a.yaml", "a.yaml", b"old\n", b"new\n")])
    assert problems and "changed on disk" in problems[0]
    assert (tmp_path / "a.yaml").read_bytes() == b"changed\n"


# -- the command line ---------------------------------------------------------------------------


def _typo_plugin(tmp_path):
    from dify_lint.examples import tool_yaml

    return build(tmp_path, {"tools/echo.yaml": tool_yaml().replace("required: true", "requried: true")})


def test_cli_diff_writes_nothing(tmp_path, run_cli):
    root = _typo_plugin(tmp_path)
    before = _snapshot(root)
    result = run_cli("check", str(root), "--diff", "--isolated")
    assert result.exit_code == 1
    assert "-    requried: true\n+    required: true\n" in result.stdout
    assert "Would fix 1 finding in 1 file." in result.stderr
    assert _snapshot(root) == before
    clean = run_cli("check", str(root), "--diff", "--isolated", "--ignore", "DPL202")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_cli_fix_writes_and_reports(tmp_path, run_cli):
    root = _typo_plugin(tmp_path)
    listed = run_cli("check", str(root), "--isolated", "--output-format", "concise")
    assert "[*] 1 fixable with --fix." in listed.stderr
    result = run_cli("check", str(root), "--fix", "--isolated", "--output-format", "concise")
    assert "Fixed 1 finding in 1 file." in result.stderr
    assert "DPL202" not in result.stdout
    assert "required: true" in (root / "tools/echo.yaml").read_text()
    again = run_cli("check", str(root), "--fix", "--isolated")
    assert "Fixed" not in again.stderr


def test_cli_json_carries_the_fix(tmp_path, run_cli):
    import json

    root = _typo_plugin(tmp_path)
    result = run_cli("check", str(root), "--isolated", "--output-format", "json", "--select", "DPL202")
    (finding,) = json.loads(result.stdout)
    assert finding["fix"] == {
        "applicability": "safe",
        "message": "Rename `requried` to `required`",
        "edits": [
            {
                "filename": f"{root}/tools/echo.yaml",
                "content": "required",
                "location": {"row": 13, "column": 5},
                "end_location": {"row": 13, "column": 13},
            }
        ],
    }


def test_cli_fix_of_a_buffer_prints_it(tmp_path, run_cli):
    root = _typo_plugin(tmp_path)
    text = (root / "tools/echo.yaml").read_text()
    result = run_cli("check", "--fix", "--isolated", "--stdin-filename", str(root / "tools/echo.yaml"), input=text)
    assert result.stdout == text.replace("requried", "required")
    assert (root / "tools/echo.yaml").read_text() == text  # nothing written


def test_cli_never_writes_a_package(tmp_path, run_cli):
    import zipfile

    root = _typo_plugin(tmp_path)
    package = tmp_path / "echo.difypkg"
    with zipfile.ZipFile(package, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    data = package.read_bytes()
    result = run_cli("check", str(package), "--fix", "--isolated")
    assert "is a package; fixes are only written to plugin folders" in result.stderr
    assert package.read_bytes() == data


# -- fixture plugins, end to end through the CLI ------------------------------------------------

FIX_CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected_fix.diff").is_file())


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_fixture_diff(case, run_cli):
    before = _snapshot(case)
    result = run_cli("check", ".", "--diff", "--unsafe-fixes", "--isolated", "-q", cwd=case)
    assert result.stdout == (case / "expected_fix.diff").read_text("utf-8")
    assert result.exit_code == 1
    assert _snapshot(case) == before


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_fixture_fixed_end_to_end(case, run_cli, tmp_path):
    import json

    root = tmp_path / case.name
    shutil.copytree(case, root)
    listed = json.loads(run_cli("check", ".", "--unsafe-fixes", "--isolated", "--output-format", "json", cwd=root).stdout)
    offered = {finding["code"] for finding in listed if finding["fix"]}
    assert offered >= {rule.code for rule in FIXABLE}, "the fixture shows every rule's fix"
    diff = run_cli("check", ".", "--diff", "--unsafe-fixes", "--isolated", "-q", cwd=root).stdout
    fixed = run_cli("check", ".", "--fix", "--unsafe-fixes", "--isolated", "--output-format", "json", cwd=root)
    assert f"Fixed {sum(1 for f in listed if f['fix'])} findings in {diff.count('+++ b/')} files." in fixed.stderr
    left = json.loads(fixed.stdout)
    assert not [f for f in left if f["fix"]]
    assert {(f["code"], f["filename"]) for f in left} <= {(f["code"], f["filename"]) for f in listed}
    assert run_cli("check", ".", "--diff", "--unsafe-fixes", "--isolated", "-q", cwd=root).stdout == ""
    again = run_cli("check", ".", "--fix", "--unsafe-fixes", "--isolated", cwd=root)
    assert "Fixed" not in again.stderr
    # what was written is what the diff showed
    for block in diff.split("--- a/")[1:]:
        path = block.split("\n", 1)[0]
        added = [line[1:] for line in block.splitlines()[2:] if line.startswith("+") and not line.startswith("+++")]
        text = (root / path).read_text("utf-8")
        assert all(line in text for line in added)


def test_safe_fixes_only_without_unsafe_fixes(tmp_path, run_cli):
    root = tmp_path / "fixes"
    shutil.copytree(FIXTURES / "fixes", root)
    result = run_cli("check", ".", "--fix", "--isolated", "--output-format", "concise", cwd=root)
    assert "hidden fixes can be enabled with --unsafe-fixes" in result.stderr
    assert "default: loud" in (root / "select_default/tools/echo.yaml").read_text()  # unsafe: left
    assert "required: true" in (root / "typos/tools/echo.yaml").read_text()  # safe: fixed
    assert "DPL710" in result.stdout and "DPL202" not in result.stdout


def test_suppressed_findings_are_not_fixed(tmp_path, run_cli):
    root = _typo_plugin(tmp_path)
    path = root / "tools/echo.yaml"
    path.write_text(path.read_text().replace("requried: true", "requried: true  # noqa: DPL202"))
    before = path.read_bytes()
    result = run_cli("check", str(root), "--fix", "--isolated")
    assert path.read_bytes() == before
    assert "Fixed" not in result.stderr


def test_a_buffer_whose_fix_changes_another_file_is_refused(tmp_path, run_cli):
    root = tmp_path / "chunk_content"
    shutil.copytree(FIXTURES / "fixes" / "chunk_content", root)
    source = root / "tools/echo.py"  # its call needs a permission in manifest.yaml
    result = run_cli("check", "--fix", "--isolated", "--stdin-filename", str(source), input=source.read_text())
    assert result.exit_code == 2
    assert "would also change" in result.stderr and "manifest.yaml" in result.stderr
    assert result.stdout == ""


def test_rule_says_whether_it_fixes(run_cli):
    import json

    assert "Fixable (safe)" in run_cli("rule", "DPL202").stdout
    assert "Fixable (unsafe)" in run_cli("rule", "select-default-not-in-options").stdout
    assert "Fixable" not in run_cli("rule", "DPL301").stdout
    assert json.loads(run_cli("rule", "DPL401", "--output-format", "json").stdout)["fixable"] == "unsafe"
    assert json.loads(run_cli("rule", "DPL301", "--output-format", "json").stdout)["fixable"] is None


def test_a_link_inside_the_root_writes_the_file_it_leads_to(tmp_path):
    (tmp_path / "real.yaml").write_bytes(b"old\n")
    (tmp_path / "a.yaml").symlink_to("real.yaml")
    write_atomically(DiskFS(tmp_path), "a.yaml", b"new\n")
    assert (tmp_path / "a.yaml").is_symlink()
    assert (tmp_path / "real.yaml").read_bytes() == b"new\n"


def _finding(path: str, edit: Edit, code: str = "DPL202"):
    from dify_lint.diagnostics import Diagnostic, Fix, Severity, Span

    return Diagnostic(code, "rule", Severity.WARNING, "m", path, Span.file_start(), fix=Fix("f", (edit,)))


def test_a_fix_that_would_break_a_file_is_undone_and_not_retried(tmp_path):
    root = _typo_plugin(tmp_path)
    plugin = load(root)
    breaking = _finding(plugin.display_path("tools/echo.yaml"), Edit(plugin.display_path("tools/echo.yaml"), 0, 0, "["))
    calls = []

    def lint(current):
        calls.append(current)
        return [breaking]

    outcome = fix_plugin(plugin, lint, unsafe=True)
    assert not outcome.changes and outcome.count == 0 and outcome.converged
    assert len(outcome.undone) == 1 and len(calls) == 2


def test_fixes_that_never_settle_stop_after_the_last_round(tmp_path):
    root = _typo_plugin(tmp_path)
    plugin = load(root)
    path = plugin.display_path("README.md")

    def lint(current):  # a fix that is always there again: one more line each round
        return [_finding(path, Edit(path, 0, 0, "again\n"))]

    outcome = fix_plugin(plugin, lint, unsafe=True, max_rounds=3)
    assert not outcome.converged and outcome.rounds == 3
    assert outcome.changes["README.md"].after.startswith(b"again\nagain\nagain\n")


def test_fixes_that_break_a_file_only_together_are_applied_one_round_apart(tmp_path):
    """Two fixes that each parse alone but together add the same key twice: the first is applied,
    the second is not undone but waits for the next round's lint (which recomputes it)."""
    root = _typo_plugin(tmp_path)
    plugin = load(root)
    manifest = plugin.display_path("manifest.yaml")
    source = (root / "manifest.yaml").read_bytes()
    end = len(source.decode())
    rounds = []

    def lint(current):
        rounds.append(current)
        if len(rounds) > 1:
            return []
        return [
            _finding(manifest, Edit(manifest, end, end, "extra: 1\n")),
            _finding(manifest, Edit(manifest, end, end, "extra: 2\n"), code="DPL601"),
        ]

    outcome = fix_plugin(plugin, lint, unsafe=True)
    assert outcome.undone == [] and outcome.count == 1 and len(rounds) == 2
    assert outcome.changes["manifest.yaml"].after == source + b"extra: 1\n"


def test_flawed_example_permission_fix_lands_in_the_renamed_block(tmp_path, run_cli):
    """The flawed example misspells `permission.model` as `models` and lacks `text_embedding`: the
    rename comes first, then the missing flag is added to the renamed block, not to a second one."""
    root = tmp_path / "flawed"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "flawed-plugin", root)
    result = run_cli("check", str(root), "--fix", "--isolated")
    assert "did not settle" not in result.stderr and "undone" not in result.stderr
    permission = yaml.safe_load((root / "manifest.yaml").read_text())["resource"]["permission"]
    assert "models" not in permission
    assert permission["model"] == {"enabled": True, "llm": True, "text_embedding": True}


def test_scope_fix_not_offered_when_the_selector_also_reaches_a_fitting_call(tmp_path, run_cli):
    """A selector sent to both the LLM and the text-embedding endpoints has no one scope that fits:
    the mismatch is reported without a fix, so unsafe fixing does not flip the scope back and forth."""
    root = tmp_path / "flawed"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "flawed-plugin", root)
    result = run_cli("check", str(root), "--fix", "--unsafe-fixes", "--isolated")
    assert "did not settle" not in result.stderr
    assert "scope: llm&text-embedding" in (root / "tools" / "forecast.yaml").read_text()
    assert "DPL401" in result.stdout
