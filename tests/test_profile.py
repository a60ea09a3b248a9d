"""`check --profile` says where the time went: each phase, the analyses and the rules, with counts
that are the same whether the plugins were linted in one process or by workers."""

from __future__ import annotations

import re

from helpers import FIXTURES

_ROW = re.compile(r"^( +)(\S.*?)\s+(\d+\.\d{3})\s+(\d+\.\d%|-)\s+(\d+)$")


def _profile(stderr: str) -> dict[str, int]:
    """`phase` and `phase / key` -> count, from the profile table."""
    counts, phase = {}, ""
    for line in stderr.splitlines():
        row = _ROW.match(line)
        if row:
            indent, label, count = len(row.group(1)), row.group(2), int(row.group(5))
            if indent == 2:
                phase = label
                counts[label] = count
            else:
                counts[f"{phase} / {label}"] = count
    return counts


def _roots() -> list[str]:
    return sorted(str(p.parent) for p in FIXTURES.rglob("manifest.yaml"))


def test_profile_lists_phases_analyses_and_rules(run_cli):
    plugin = FIXTURES / "contract_undeclared_parameter"
    run = run_cli("check", "--isolated", "--profile", "--output-format", "concise", str(plugin))
    assert run.stdout.count("DPL") >= 1 and "Profile" not in run.stdout  # the profile goes to stderr only
    counts = _profile(run.stderr)
    for phase in ("discovery", "read/parse", "analyses", "rules", "suppressions", "report"):
        assert phase in counts, phase
    assert counts["read/parse / yaml"] >= 1 and counts["read/parse / python"] >= 1
    assert counts["analyses / contracts"] == 1
    assert "rules / DPL701" in counts


def test_no_profile_without_the_flag(run_cli):
    run = run_cli("check", "--isolated", str(FIXTURES / "contract_undeclared_parameter"))
    assert "Profile" not in run.stderr


def test_workers_send_their_figures_back(run_cli):
    roots = _roots()
    args = ("check", "--isolated", "--profile", "--output-format", "concise", *roots)
    serial = _profile(run_cli(*args, "--jobs", "1").stderr)
    run = run_cli(*args, "--jobs", "2")
    assert "in 2 processes" in run.stderr
    parallel = _profile(run.stderr)
    phases = {label: count for label, count in serial.items() if " / " not in label}  # keys are ranked by time
    assert phases["rules"] > 10 * len(roots)  # every rule, once per plugin
    assert {label: parallel.get(label) for label in phases} == phases
