"""dify-lint's YAML schemas against the real Dify SDK.

Every plugin the tests know (each fixture under tests/fixtures/, each rule example, each base
plugin) goes through `sdk_oracle.py`, run by a Python that has the `dify-plugin` SDK, which loads
the plugin's YAML with the SDK's own models, as a plugin's start-up does. Then:

* every file the SDK refuses must carry at least one error from dify-lint (or, when the refused
  file does not exist, the file that names it must);
* the SDK must accept every rule's valid examples and every base plugin, so that the examples
  stay realistic.

tests/fixtures/sdk_categories/ holds SDK-refused mistakes in every plugin category that dify-lint
catches; tests/fixtures/sdk_gaps/ holds ones it did not catch when they were written (one plugin per
gap), which fail here until the engine or the schemas catch them.

The SDK needs Python >= 3.12. Point DIFY_LINT_SDK_PYTHON at such a Python with `dify-plugin`
installed, or run pytest under one; otherwise these tests are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dify_lint.diagnostics import Severity
from dify_lint.discovery import find_plugin_roots
from dify_lint.engine import INTERNAL_ERROR, lint_plugin
from dify_lint.examples import base_names, materialize
from dify_lint.model.plugin import Plugin
from dify_lint.registry import all_rules
from dify_lint.rule import Example

ENV = "DIFY_LINT_SDK_PYTHON"
ORACLE = Path(__file__).resolve().with_name("sdk_oracle.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ORACLE_TIMEOUT = 600  # seconds, for every plugin at once

HOW_TO_ENABLE = (
    f"set {ENV} to a Python >= 3.12 that can import the Dify SDK "
    "(e.g. `python3.12 -m venv /tmp/sdk && /tmp/sdk/bin/pip install dify-plugin`, then "
    f"`{ENV}=/tmp/sdk/bin/python pytest`), or run pytest under such a Python"
)


def find_sdk_python() -> tuple[str | None, str]:
    """The Python to run the oracle with, or None and why there is none."""
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return configured, f"{ENV}={configured}"
    if sys.version_info < (3, 12):
        return None, f"no Dify SDK: {ENV} is not set and this is Python {sys.version.split()[0]}; {HOW_TO_ENABLE}"
    if importlib.util.find_spec("dify_plugin") is None:
        return None, f"no Dify SDK: {ENV} is not set and `dify_plugin` is not importable here; {HOW_TO_ENABLE}"
    return sys.executable, "the current interpreter"


@dataclass(frozen=True)
class Case:
    name: str
    root: Path
    must_pass_sdk: bool  # a valid example or a base plugin


#: the SDK never reads a `type: bundle` manifest (the daemon's bundle code does): nothing to compare
BUNDLE = "bundle"


def _fixture_roots() -> list[tuple[str, Path]]:
    """Every plugin root of the fixtures, nested ones included, bundles left out."""
    if not FIXTURES.is_dir():
        return []
    return [
        (f"fixtures/{Path(p.fs.root).relative_to(FIXTURES).as_posix()}", Path(p.fs.root))
        for p in find_plugin_roots([str(FIXTURES)])
        if not p.is_bundle
    ]


def _build_cases(workdir: Path) -> list[Case]:
    cases = [Case(name, root, False) for name, root in _fixture_roots()]
    for rule in all_rules():
        for valid, examples in ((False, rule.invalid), (True, rule.valid)):
            for index, example in enumerate(examples):
                if example.base == BUNDLE:
                    continue
                label = f"{rule.code}-{rule.name}-{'valid' if valid else 'invalid'}{index}"
                cases.append(Case(f"example {label}", materialize(example, workdir / label), valid))
    for name in base_names():
        if name != BUNDLE:
            cases.append(Case(f"base plugin {name}", materialize(Example({}, base=name), workdir / f"base-{name}"), True))
    return cases


@pytest.fixture(scope="module")
def sdk_python() -> str:
    python, why = find_sdk_python()
    if python is None:
        pytest.skip(why)
    return python


@pytest.fixture(scope="module")
def verdicts(sdk_python, tmp_path_factory) -> list[tuple[Case, list[dict]]]:
    """Each case with the files the SDK refuses in it, from one oracle run over all of them."""
    cases = _build_cases(tmp_path_factory.mktemp("sdk-differential"))
    roots = [str(case.root) for case in cases]
    try:
        completed = subprocess.run(
            [sdk_python, str(ORACLE), *roots],
            capture_output=True,
            text=True,
            timeout=ORACLE_TIMEOUT,
            cwd=tmp_path_factory.getbasetemp(),
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"could not run the SDK oracle with {sdk_python}: {error}")
    if completed.returncode != 0:
        pytest.fail(
            f"the SDK oracle failed with {sdk_python} (exit {completed.returncode}); {HOW_TO_ENABLE}\n{completed.stderr[-4000:]}"
        )
    try:
        answer = json.loads(completed.stdout)
    except ValueError:
        pytest.fail(f"the SDK oracle printed no JSON:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
    missing = [root for root in roots if root not in answer]
    assert not missing, f"the SDK oracle gave no answer for {missing}"
    return [(case, answer[str(case.root)]) for case in cases]


def _lint(root: Path) -> tuple[Plugin, list]:
    (plugin,) = [p for p in find_plugin_roots([str(root)]) if Path(p.fs.root).resolve() == root.resolve()]
    return plugin, lint_plugin(plugin, all_rules())


def _relative(plugin: Plugin, shown: str) -> str:
    prefix = plugin.display.rstrip("/") + "/"
    if plugin.display not in ("", ".") and shown.startswith(prefix):
        return shown[len(prefix) :]
    return shown


def _where_lint_must_err(refusal: dict) -> list[str]:
    """The refused file; for a file that does not exist (or lies outside), also the file naming it."""
    places = [refusal["file"]]
    if refusal.get("missing") and refusal.get("referenced_from"):
        places.append(refusal["referenced_from"])
    return places


def _catches(diagnostic) -> bool:
    """An error that is a finding, not a rule crash."""
    return diagnostic.severity is Severity.ERROR and diagnostic.code != INTERNAL_ERROR


def test_dify_lint_reports_an_error_in_every_file_the_sdk_refuses(verdicts):
    gaps = []
    refused = 0
    for case, refusals in verdicts:
        if not refusals:
            continue
        refused += len(refusals)
        plugin, diagnostics = _lint(case.root)
        by_file: dict[str, list] = {}
        for diagnostic in diagnostics:
            by_file.setdefault(_relative(plugin, diagnostic.path), []).append(diagnostic)
        for refusal in refusals:
            places = _where_lint_must_err(refusal)
            if any(_catches(d) for place in places for d in by_file.get(place, ())):
                continue
            others = [f"{d.code} {d.severity.value}" for place in places for d in by_file.get(place, ())]
            said = f" (dify-lint there: {', '.join(others)})" if others else ""
            gaps.append(
                f"- {case.name}: the SDK refuses {' / '.join(places)}: {refusal['error']}\n"
                f"  but dify-lint reports no error there{said}"
            )
    assert refused, "the SDK refused nothing at all, not even the invalid examples: is the oracle broken?"
    assert not gaps, f"{len(gaps)} file(s) the Dify SDK refuses pass dify-lint without an error:\n" + "\n".join(gaps)


def test_sdk_accepts_valid_examples_and_base_plugins(verdicts):
    refused = [
        f"- {case.name}: the SDK refuses {refusal['file']}: {refusal['error']}"
        for case, refusals in verdicts
        if case.must_pass_sdk
        for refusal in refusals
    ]
    assert not refused, "the Dify SDK refuses plugins the tests treat as valid; make the examples realistic:\n" + "\n".join(
        refused
    )
