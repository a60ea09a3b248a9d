"""python -m tests.fuzz [--minutes N] [--seed S]: fuzz the CLI for a bounded time (see __init__)."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))  # the tests' helpers, as pytest's `pythonpath` gives them


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--seed", type=int, default=None, help="the first round's seed (default: random)")
    parser.add_argument("--examples", type=int, default=200, help="examples per round (each round has a new seed)")
    args = parser.parse_args()

    from .property import fuzz_test

    deadline = time.monotonic() + args.minutes * 60
    rounds = examples = 0
    failures: list[str] = []
    first = args.seed if args.seed is not None else int(time.time())
    while time.monotonic() < deadline:
        round_seed = first + rounds
        run = fuzz_test(args.examples, round_seed)
        started = time.monotonic()
        try:
            run()
        except Exception as error:  # shrunk by hypothesis; reported, and the run goes on
            failures.append(f"seed {round_seed}: {type(error).__name__}: {error}")
            traceback.print_exc()
        rounds += 1
        examples += args.examples
        print(
            f"round {rounds} (seed {round_seed}): {time.monotonic() - started:.0f} s, {len(failures)} failure(s) so far",
            flush=True,
        )
    print(f"{rounds} rounds, about {examples} examples, {len(failures)} failure(s)")
    for failure in failures:
        print(" -", failure.splitlines()[0][:300])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
