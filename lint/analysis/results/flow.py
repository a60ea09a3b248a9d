"""Results followed across the plugin's own calls.

Each function that calls the session (or reads a chunk's `.delta`) is interpreted on its own
first. Where it passes a result, or a piece of one (a chunk, its message, its content, `usage`),
to a function or method of the plugin, that function is interpreted again with the values bound
to the parameters they reach, in whatever module it is: a stream handed to a parser in another
module is iterated there as the stream it is. What the callee's code then does wrong is reported
where it does it, with the calls that handed the value over. Calls are resolved the way the
origin analysis resolves them (the plugin's one resolver, `self` methods, base classes, imports);
the chain is followed three calls deep, each function once per set of values it receives.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Callable

from ...python.astutil import children, dotted, lines_with, short_text, spans_a_line
from ...python.module import PyModule
from ...python.scopes import Func, FunctionIndex
from ..origins import Frame, ValueFlow
from ..origins.evaluator import MAX_DEPTH as ORIGIN_DEPTH
from ..origins.evaluator import argument_for, skips_self
from ..session import SessionCall
from .facts import CallSite, Event
from .interpreter import Interpreter

#: text that must appear in a module for any DPL5xx rule to have something to say
TRIGGERS = ("session", ".delta")
MAX_DEPTH = 3  # calls followed from the function that holds the result
MAX_RUNS = 200  # functions interpreted again with what they receive, per plugin


@dataclass
class ResultEvents:
    """Every DPL5xx fact of the plugin, by module path, in source order of the functions."""

    by_path: dict[str, list[Event]] = field(default_factory=dict)

    def of(self, path: str) -> list[Event]:
        return self.by_path.get(path, [])


def follow_results(
    modules: list[PyModule],
    functions_of: Callable[[PyModule], FunctionIndex],
    session_calls_of: Callable[[PyModule], list[SessionCall]],
    entries: dict[int, str],
    value_flow: Callable[[], ValueFlow],
    module_at: Callable[[str], PyModule | None],
) -> ResultEvents:
    """`entries`: id(def) -> "tool" / "strategy" for each `_invoke` Dify calls; `value_flow` gives
    the origin analysis, whose resolution of calls is reused (asked only when a result is passed on);
    `module_at` the plugin's module at a path."""
    modules = [m for m in modules if m.tree is not None]
    calls = {id(c.node): c for m in modules for c in session_calls_of(m)}
    found: dict[str, dict[tuple, Event]] = {}
    pending: list[tuple[Func, ast.Call, dict[int, frozenset], tuple[CallSite, ...]]] = []

    def record(module: PyModule, events: list[Event], via: tuple[CallSite, ...]) -> None:
        slot = found.setdefault(module.path, {})
        for event in events:
            key = (event.rule, id(event.node))
            known = slot.get(key)
            if known is None:
                slot[key] = replace(event, via=via) if via else event
            elif via and not known.via:  # the function's own code showed it: say where the value came from
                slot[key] = replace(known, via=via)

    for module in modules:
        if not any(t in module.text for t in TRIGGERS):
            continue
        own = {c.node.lineno for c in calls.values() if c.module is module}
        if not own and ".delta" not in module.text:
            continue
        # a function with neither a session call nor a `delta` written inside has nothing to interpret
        lines = sorted(own.union(lines_with(module, "delta")))
        for function in functions_of(module).ordered:
            if function.node is not None and not spans_a_line(lines, function.node):
                continue
            if not _relevant(function, calls):
                continue
            interpreter = Interpreter(module, function, calls, entry=entries.get(id(function.node)))
            record(module, _run(interpreter), ())
            pending.extend((function, call, passed, ()) for call, passed in interpreter.handoffs.values())

    flow: ValueFlow | None = None
    done: set[tuple] = set()
    while pending and len(done) < MAX_RUNS:
        caller, call, passed, via = pending.pop(0)
        if len(via) >= MAX_DEPTH:
            continue
        flow = flow or value_flow()
        callee = _callee(flow, module_at, caller, call)
        if callee is None or callee.node is None:
            continue
        bindings = _bindings(callee, call, passed)
        key = (id(callee.node), frozenset(bindings.items()))
        if not bindings or key in done:
            continue
        done.add(key)
        site = CallSite(caller.module, call, dotted(call.func) or short_text(caller.module, call.func, 40))
        interpreter = Interpreter(callee.module, callee, calls, bindings, entry=entries.get(id(callee.node)))
        record(callee.module, _run(interpreter), (*via, site))
        pending.extend((callee, inner, values, (*via, site)) for inner, values in interpreter.handoffs.values())

    result = ResultEvents()
    for module in modules:
        if module.path in found:
            result.by_path[module.path] = list(found[module.path].values())
    return result


def _run(interpreter: Interpreter) -> list[Event]:
    try:
        return interpreter.run()
    except RecursionError:  # pragma: no cover - absurdly deep expressions
        return []


def _callee(flow: ValueFlow, module_at: Callable[[str], PyModule | None], caller: Func, call: ast.Call) -> Func | None:
    """The plugin's own function or method a call reaches, if it is one."""
    env = flow.env_at(caller, call) or {}
    target = flow.resolve_callable(call.func, Frame(caller, (), ORIGIN_DEPTH - 1), env)
    if isinstance(target, Func):
        return target
    name = dotted(call.func)
    head = env.get(name.split(".")[0])
    if target is None and "." in name and (head is None or all(d.kind == "import" for d in head.defs)):
        ref = flow.resolver.resolve(name, caller.module.path)  # `helpers.collect(...)`: a module's function
        module = module_at(ref.path) if ref.kind == "func" else None
        if module is not None:
            return flow.index(module).functions.get(ref.name)
    return None


def _bindings(callee: Func, call: ast.Call, passed: dict[int, frozenset]) -> dict[str, frozenset]:
    """The callee's parameters that receive one of the values passed on."""
    skip_self = skips_self(callee, call.func)
    bound: dict[str, frozenset] = {}
    for index, param in enumerate(callee.params):
        argument = argument_for(callee, call, param, index, skip_self)
        if isinstance(argument, ast.AST) and id(argument) in passed:
            vals = passed[id(argument)]
            if any(v.mode == "either" and v.kind in ("llm", "app") for v in vals):
                continue  # its shape hangs on a `stream` test the callee spells its own way
            bound[param.name] = vals
    return bound


def _relevant(function: Func, calls: dict[int, SessionCall]) -> bool:
    """Whether a function's own code holds a session call or reads a `.delta` (a chunk's shape)."""
    skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, skip):
            continue
        if isinstance(node, ast.Call) and id(node) in calls:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "delta":
            return True
        stack.extend(children(node))
    return False
