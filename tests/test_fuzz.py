"""A short run of the fuzzer (tests/fuzz): mutated real plugins lint without a traceback, a hang,
an exit status other than 0 or 1, or an internal error. The long run is `python -m tests.fuzz`."""

from __future__ import annotations

from fuzz.property import fuzz_test

#: enough to pass through every kind of mutation a few times (about 20 s); the seed keeps the
#: suite deterministic, the long run draws new ones
SMOKE_EXAMPLES = 10


def test_mutated_plugins_lint_cleanly():
    fuzz_test(SMOKE_EXAMPLES, seed_value=0)()
