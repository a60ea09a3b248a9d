"""Shared analyses: facts about a plugin that several rules need, computed once per plugin lint.

An `Analysis` is a named fact about the whole plugin, a `ModuleAnalysis` one about a single Python
module, computed from that module's content alone (so a long-running process may keep it for as
long as the file does not change). Both are computed on first use through the plugin's `Context`,
memoised there, and dropped with it: nothing is written onto the plugin, its modules or their
syntax trees. Every key lives in `dify_lint.analysis.keys`.

A rule names the analyses it reads in `requires`; the context refuses it any other one, so the
documentation ("depends on") and the code cannot drift apart, and a rule's findings never depend
on which other rules run.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Generic, Iterable, TypeVar

from .. import profile
from ..model.plugin import Plugin
from ..python.module import ModuleCache, PyModule

T = TypeVar("T")


class Analysis(Generic[T]):
    """A fact about one plugin: `compute(ctx)` may read other analyses through `ctx`."""

    def __init__(self, name: str, compute: Callable[["Context"], T], summary: str):
        self.name = name
        self.compute = compute
        self.summary = summary

    def __repr__(self) -> str:
        return f"<analysis {self.name}>"


class ModuleAnalysis(Generic[T]):
    """A fact about one Python module, from its content alone: `compute(ctx, module)` may read other
    module analyses of the same module only."""

    def __init__(self, name: str, compute: Callable[["ModuleContext", PyModule], T], summary: str):
        self.name = name
        self.compute = compute
        self.summary = summary

    def __repr__(self) -> str:
        return f"<module analysis {self.name}>"


def _module_analysis(cache: ModuleCache, key: ModuleAnalysis[T], module: PyModule) -> T:
    def compute() -> T:
        with profile.timed("analysis", key.name):
            return key.compute(ModuleContext(cache, module), module)

    return cache.analysis(key.name, module, compute)


class UndeclaredAnalysis(RuntimeError):
    """A rule read an analysis it does not list in `requires`."""


class CyclicAnalysis(RuntimeError):
    pass


class OutOfBudget(Exception):
    """The plugin's lint went past its budget; what was not yet computed is not computed."""

    resource = ""


class OutOfTime(OutOfBudget):
    """The plugin's lint went past its deadline."""

    resource = "time"


class OutOfMemory(OutOfBudget):
    """The process's resident memory grew past the plugin's memory budget."""

    resource = "memory"


def resident_bytes() -> int | None:
    """The process's resident memory now (Linux: /proc/self/statm); None where it cannot be read
    cheaply (`getrusage` gives only the peak, which never falls after a large plugin)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        descriptor = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            pages = int(os.read(descriptor, 256).split()[1])
        finally:
            os.close(descriptor)
    except (OSError, ValueError, IndexError):
        return None
    return pages * _PAGE_SIZE


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: calls of `check_budget` between two reads of the resident memory (one read costs ~20 µs)
MEMORY_CHECK_EVERY = 32


class ModuleContext:
    """What a module analysis may read: other module analyses of the module it is computing."""

    def __init__(self, cache: ModuleCache, module: PyModule):
        self._cache = cache
        self._module = module

    def get(self, key: ModuleAnalysis[T]) -> T:
        return _module_analysis(self._cache, key, self._module)


class Context:
    """One plugin lint: the plugin, and the analyses computed for it so far."""

    def __init__(self, plugin: Plugin, deadline: float | None = None, memory_budget: int | None = None):
        self.plugin = plugin
        #: `time.monotonic()` after which no analysis starts (None: no limit)
        self.deadline = deadline
        #: bytes the resident memory may grow by from now on (None: no limit, or not measurable)
        self.memory_budget = memory_budget
        start = resident_bytes() if memory_budget is not None else None
        self._memory_ceiling = None if start is None or memory_budget is None else start + memory_budget
        self._until_memory_check = 0
        self._values: dict[Analysis, Any] = {}
        self._computing: list[Analysis] = []
        self._allowed: frozenset | None = None  # the analyses the running rule declared
        self.reads: set = set()  # what the running rule has read so far

    # -- for rules and analyses ---------------------------------------------------------------

    def get(self, key: Analysis[T]) -> T:
        """The value of a plugin analysis, computed on first use."""
        self._check(key)
        if key in self._values:
            return self._values[key]
        if key in self._computing:
            chain = " -> ".join(a.name for a in (*self._computing, key))
            raise CyclicAnalysis(f"analyses depend on each other: {chain}")
        self.check_budget()
        self._computing.append(key)
        try:
            with profile.timed("analysis", key.name):
                value = key.compute(self)
        finally:
            self._computing.pop()
        self._values[key] = value
        return value

    def module(self, key: ModuleAnalysis[T], module: PyModule) -> T:
        """The value of a module analysis for one of the plugin's modules."""
        self._check(key)
        self.check_budget()
        return _module_analysis(self.plugin.modules, key, module)

    def check_budget(self) -> None:
        """Raise OutOfTime once the deadline has passed, OutOfMemory once the resident memory has
        grown past the budget (analyses with long loops call it as they go)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime
        if self._memory_ceiling is not None:
            self._until_memory_check -= 1
            if self._until_memory_check <= 0:  # reading /proc costs more than a loop step: not every call
                self._until_memory_check = MEMORY_CHECK_EVERY
                now = resident_bytes()
                if now is not None and now > self._memory_ceiling:
                    raise OutOfMemory

    # -- for the engine -----------------------------------------------------------------------

    @property
    def unchecked(self) -> "Unchecked":
        """For analyses that hand out lazy helpers (a resolver that reads outlines when asked):
        reads through it are the analysis's own, not the rule's that calls the helper."""
        return Unchecked(self)

    def running(self, requires: Iterable[Any] | None) -> "Context":
        """Enforce that what follows reads only `requires` (None: anything, for the engine)."""
        self._allowed = None if requires is None else frozenset(requires)
        self.reads = set()
        return self

    def close(self) -> None:
        """Drop every analysis, so that the plugin's memory is freed with it."""
        for value in self._values.values():
            close = getattr(value, "close", None)
            if callable(close):
                close()  # an analysis that memoises into itself breaks its own cycles
        self._values.clear()
        self._computing.clear()

    def _check(self, key: Any) -> None:
        # Only a rule's own reads are checked: analyses read what they need.
        if self._allowed is not None and not self._computing:
            if key not in self._allowed:
                raise UndeclaredAnalysis(f"the rule reads `{key.name}` but does not list it in `requires`")
            self.reads.add(key)


class Unchecked:
    """A context's analyses without the check of what the running rule declared."""

    def __init__(self, ctx: Context):
        self._ctx = ctx

    def get(self, key: Analysis[T]) -> T:
        ctx = self._ctx
        ctx._computing.append(_LAZY)
        try:
            return ctx.get(key)
        finally:
            ctx._computing.pop()

    def module(self, key: ModuleAnalysis[T], module: PyModule) -> T:
        ctx = self._ctx
        ctx._computing.append(_LAZY)
        try:
            return ctx.module(key, module)
        finally:
            ctx._computing.pop()


#: stands on the stack of analyses being computed while a lazy helper reads
_LAZY = Analysis("lazy helper", lambda ctx: None, "")
