"""Where a run's time goes (`dify-lint check --profile`): seconds and counts per phase and key.

Each figure is self time: a phase started inside another (a file parsed while an analysis runs,
an analysis a rule asks for) is counted in its own row and taken out of the one that called it,
so the rows add up to the time measured. A profile is switched on for one run with `profiling()`;
while none is, `timed()` hands back one shared do-nothing context and the engine runs as fast as
without it. Worker processes each keep their own and send it back with their results.
"""

from __future__ import annotations

import time
from contextlib import contextmanager, nullcontext
from typing import Iterator

#: the phases in the order a run goes through them, and how the table names them
PHASES = {
    "setup": "settings and rule selection",
    "discovery": "discovery",
    "read": "read/parse",
    "analysis": "analyses",
    "rule": "rules",
    "suppression": "suppressions",
    "report": "report",
}

_NOTHING = nullcontext()


class Profile:
    """Seconds and counts by (phase, key), self time only."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, str], float] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self._stack: list[tuple[str, str]] = []
        self._mark = 0.0

    @contextmanager
    def timed(self, phase: str, key: str = "") -> Iterator[None]:
        now = time.perf_counter()
        if self._stack:  # the caller's clock stops while this runs
            outer = self._stack[-1]
            self.seconds[outer] = self.seconds.get(outer, 0.0) + now - self._mark
        entry = (phase, key)
        self._stack.append(entry)
        self.counts[entry] = self.counts.get(entry, 0) + 1
        self._mark = now
        try:
            yield
        finally:
            now = time.perf_counter()
            self._stack.pop()
            self.seconds[entry] = self.seconds.get(entry, 0.0) + now - self._mark
            self._mark = now

    def add(self, other: "Profile") -> None:
        """Sum another profile (a worker's) into this one."""
        for entry, seconds in other.seconds.items():
            self.seconds[entry] = self.seconds.get(entry, 0.0) + seconds
        for entry, count in other.counts.items():
            self.counts[entry] = self.counts.get(entry, 0) + count

    def __getstate__(self) -> dict:  # a worker sends its figures, never a half-open stack
        return {"seconds": self.seconds, "counts": self.counts}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.seconds, self.counts = state["seconds"], state["counts"]

    def table(self, wall: float, plugins: int, workers: int, shown: int = 12) -> str:
        """The profile as text: each phase's total, then its `shown` costliest keys."""
        total = sum(self.seconds.values())
        where = f"in {workers} processes" if workers > 1 else "in one process"
        lines = [
            f"Profile: {plugins} plugin{'s' if plugins != 1 else ''} {where}; {wall:.3f} s wall, {total:.3f} s measured"
            " (self time, summed over plugins and processes; the interpreter's start-up is outside it)",
            f"  {'phase / key':<44} {'seconds':>9} {'share':>6} {'count':>7}",
        ]
        for phase, title in PHASES.items():
            rows = {key: s for (p, key), s in self.seconds.items() if p == phase}
            if not rows:
                continue
            count = sum(c for (p, _), c in self.counts.items() if p == phase)
            lines.append(_row(title, sum(rows.values()), total, count, indent=2))
            if len(rows) > 1 or "" not in rows:
                ranked = sorted(rows.items(), key=lambda item: (-item[1], item[0]))
                for key, seconds in ranked[:shown]:
                    lines.append(_row(key or "(other)", seconds, total, self.counts.get((phase, key), 0), indent=4))
                rest = ranked[shown:]
                if rest:
                    count = sum(self.counts.get((phase, key), 0) for key, _ in rest)
                    lines.append(_row(f"({len(rest)} more)", sum(s for _, s in rest), total, count, indent=4))
        return "\n".join(lines) + "\n"


def _row(label: str, seconds: float, total: float, count: int, indent: int) -> str:
    share = f"{100 * seconds / total:5.1f}%" if total else "     -"
    return f"{' ' * indent}{label:<{46 - indent}} {seconds:9.3f} {share:>6} {count:7d}"


#: the profile of the run under way in this process, if one is being taken
_active: Profile | None = None


def timed(phase: str, key: str = ""):
    """A context that counts what runs inside it against (phase, key) when a profile is taken."""
    return _active.timed(phase, key) if _active is not None else _NOTHING


def active() -> Profile | None:
    return _active


@contextmanager
def profiling(profile: Profile | None) -> Iterator[Profile | None]:
    """Take `profile` (None: none) for what runs inside."""
    global _active
    previous, _active = _active, profile
    try:
        yield profile
    finally:
        _active = previous
