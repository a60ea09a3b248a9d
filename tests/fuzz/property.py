"""The fuzzed property, shared by the long run (`python -m tests.fuzz`) and the suite's short one."""

from __future__ import annotations

import faulthandler
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from dify_lint.report import FORMATS

from .invariants import lint_and_check
from .plugins import mutated_plugin

faulthandler.enable()  # a crash in native code shows where it was


def mutated_plugins_lint_cleanly(data) -> None:
    with tempfile.TemporaryDirectory(prefix="dify-lint-fuzz-") as folder:
        root = data.draw(mutated_plugin(Path(folder) / "plugin"), label="plugin")
        fmt = data.draw(st.sampled_from(["json", "json"] + list(FORMATS)), label="format")
        lint_and_check(root, fmt)


def fuzz_test(examples: int, seed_value: int | None = None):
    """The property as a hypothesis test of `examples` examples, seeded if `seed_value` is given."""
    test = given(data=st.data())(mutated_plugins_lint_cleanly)
    test = settings(
        max_examples=examples,
        deadline=None,  # the time limit is the invariants' own (a hang), not hypothesis's
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        # no `explain` phase: it traces every line the linter runs, and takes minutes
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )(test)
    return seed(seed_value)(test) if seed_value is not None else test
