"""Worker processes change how fast a run is, never what it finds or says: every fixture linted
in one process and in two gives byte-identical output, and the largest plugins are started first."""

from __future__ import annotations

from dify_lint.discovery import discover
from dify_lint.engine import WORKER_COST_BYTES, lint_plugins, pays_for_workers
from dify_lint.registry import all_rules
from dify_lint.source.fs import DiskFS
from helpers import FIXTURES


def _roots() -> list[str]:
    return sorted(str(p.parent) for p in FIXTURES.rglob("manifest.yaml"))


def test_one_process_and_two_give_identical_output(run_cli):
    roots = _roots()
    for fmt in ("concise", "json"):
        args = ("check", "--isolated", "--extend-select", "ALL", "--output-format", fmt, *roots)
        serial = run_cli(*args, "--jobs", "1")
        parallel = run_cli(*args, "--jobs", "2")
        assert serial.stdout.count("DPL") > 100  # the fixtures are full of findings
        assert (parallel.exit_code, parallel.stdout, parallel.stderr) == (serial.exit_code, serial.stdout, serial.stderr)


def test_source_bytes_counts_the_parsed_files_only(tmp_path):
    (tmp_path / "manifest.yaml").write_text("a: 1\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "t.py").write_text("x = 1\n" * 10)
    (tmp_path / "README.md").write_text("#" * 1000)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "big.py").write_text("y = 2\n" * 1000)
    fs = DiskFS(tmp_path)
    assert fs.source_bytes((".yaml", ".py"), lambda name: name == ".venv") == 5 + 60
    assert fs.source_bytes((".yaml", ".py")) == 5 + 60 + 6000


def test_a_number_of_jobs_starts_workers_and_automatic_starts_them_only_when_they_pay():
    plugins = discover(_roots()[:6]).plugins
    rules = all_rules()
    assert lint_plugins(plugins, rules, jobs=2).workers == 2
    assert lint_plugins(plugins, rules, jobs=1).workers == 1
    assert lint_plugins(plugins[:1], rules, jobs=2).workers == 1  # one plugin: nothing to share
    small = sum(p.fs.source_bytes((".yaml", ".py")) for p in plugins) < WORKER_COST_BYTES
    assert small and lint_plugins(plugins, rules, jobs=0).workers == 1


def test_workers_pay_when_the_work_can_be_shared():
    cost = WORKER_COST_BYTES
    assert not pays_for_workers([cost // 4] * 4, 2)  # little to do
    assert pays_for_workers([cost] * 8, 2)  # a lot, in even pieces
    assert not pays_for_workers([20 * cost, cost // 2], 2)  # one plugin is nearly all of it
    assert pays_for_workers([20 * cost, 20 * cost], 2)
    assert not pays_for_workers([], 2)
