"""Work an endpoint starts in another thread and does not wait for, and the `session.*` calls that
work makes.

The daemon closes an endpoint's session when `_invoke` has returned its response (a streaming
response keeps it open until its body is consumed), so a call back into Dify made later from a
thread gets no answer. This analysis finds, in an endpoint's `_invoke` and the plugin's own
functions it calls:

* `threading.Thread(target=...)` / `threading.Timer(interval, function)` started and never
  joined in the function that starts it;
* `executor.submit(fn, ...)` / `executor.map(fn, ...)` on a `ThreadPoolExecutor` that is not
  the one of an enclosing `with` block (whose exit waits), whose future is dropped, and which
  the function does not shut down (waiting);

and follows the target through the plugin's own functions (the origin analysis's resolver) to
the session calls it makes. Anything it cannot see (a handle stored where it may be joined
later, a target it cannot resolve, a response whose body may stream) counts as waited.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterator

from ..python.astutil import dotted, is_generator, own_nodes
from ..python.module import PyModule
from ..python.scopes import Func
from ..sdk import BY_PATH
from .entries import EntryClass
from .origins import Frame, ValueFlow
from .session import SessionCall

MAX_DEPTH = 4  # calls followed from `_invoke`, and from a thread's target

_THREADS = {"Thread": "target", "Timer": "function"}  # class -> keyword of the callable
_EXECUTORS = {"ThreadPoolExecutor"}


@dataclass(eq=False)
class BackgroundStart:
    """Work started in another thread, not waited for, that calls back into Dify."""

    entry: EntryClass  # the endpoint whose request starts it
    module: PyModule
    node: ast.Call  # `Thread(...)`, `Timer(...)`, `executor.submit(...)` or `executor.map(...)`
    how: str  # "thread", "timer", "submit", "map"
    session_call: SessionCall  # the first session call the work makes
    via: tuple[Func, ...]  # the target, then the functions that lead to the session call


def background_work(
    entries: dict[int, EntryClass],
    flow: ValueFlow,
    session_calls_of: Callable[[PyModule], list[SessionCall]],
    parents_of: Callable[[PyModule], dict[int, ast.AST]],
    module_at: Callable[[str], PyModule | None],
) -> list[BackgroundStart]:
    finder = _Finder(flow, session_calls_of, parents_of)
    found: list[BackgroundStart] = []
    seen: set[int] = set()
    for entry in entries.values():
        if entry.declaration.kind != "endpoint":
            continue
        located = entry.chain.method("_invoke")
        if located is None:
            continue
        module = module_at(located[0])
        invoke = flow.index(module).funcs.get(id(located[1])) if module is not None else None
        if invoke is None:
            continue
        reached = finder.reached(invoke)
        if any(finder.may_stream(func) for func in reached):
            continue  # the request stays open while a streamed body is read
        for func in reached:
            for start in finder.starts(entry, func):
                if id(start.node) not in seen:
                    seen.add(id(start.node))
                    found.append(start)
    return found


class _Finder:
    def __init__(
        self,
        flow: ValueFlow,
        session_calls_of: Callable[[PyModule], list[SessionCall]],
        parents_of: Callable[[PyModule], dict[int, ast.AST]],
    ):
        self.flow = flow
        self.session_calls_of = session_calls_of
        self.parents_of = parents_of
        self._session: dict[int, tuple[SessionCall, tuple[Func, ...]] | None] = {}

    # what `_invoke` runs ----------------------------------------------------------------------

    def callees(self, func: Func) -> Iterator[Func]:
        result = self.flow.flow(func)
        for call in result.calls:
            target = self.flow.resolve_callable(call.func, Frame(func), result.call_env.get(id(call)) or {})
            if isinstance(target, Func):
                yield target

    def reached(self, start: Func) -> list[Func]:
        """`start` and the plugin's functions it calls, synchronously, a few calls deep."""
        order = [start]
        seen = {id(start)}
        frontier = [start]
        for _ in range(MAX_DEPTH):
            following: list[Func] = []
            for func in frontier:
                for callee in self.callees(func):
                    if id(callee) not in seen:
                        seen.add(id(callee))
                        order.append(callee)
                        following.append(callee)
            frontier = following
        return order

    def may_stream(self, func: Func) -> bool:
        """Whether the function returns a `Response` whose body may be a generator."""
        if func.node is None:
            return False
        for node in own_nodes(func.node):
            if not (isinstance(node, ast.Return) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if dotted(call.func).split(".")[-1] != "Response":
                continue
            body = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "response"), None)
            if body is not None and not self._plain_body(func, body):
                return True
        return False

    def _plain_body(self, func: Func, body: ast.expr, depth: int = 0) -> bool:
        """A body that is surely not a generator: a literal, an f-string, `json.dumps(...)`, a name
        bound once to one of these."""
        if isinstance(body, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Dict, ast.List)):
            return True
        if isinstance(body, ast.Call):
            name = dotted(body.func)
            if name.split(".")[-1] in ("dumps", "encode", "format", "str", "bytes", "jsonify", "join"):
                return True
            result = self.flow.flow(func)
            target = self.flow.resolve_callable(body.func, Frame(func), result.call_env.get(id(body)) or {})
            return isinstance(target, Func) and target.node is not None and not is_generator(target.node)
        if isinstance(body, ast.Name) and depth < 3 and func.node is not None:
            values = [
                n.value
                for n in own_nodes(func.node)
                if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == body.id for t in n.targets)
            ]
            return bool(values) and all(self._plain_body(func, v, depth + 1) for v in values)
        return False

    # threads and executors ------------------------------------------------------------------

    def starts(self, entry: EntryClass, func: Func) -> Iterator[BackgroundStart]:
        if func.node is None:
            return
        module = func.module
        text = module.text
        if "Thread" not in text and "Timer" not in text and "Executor" not in text:
            return
        parents = self.parents_of(module)
        nodes = list(own_nodes(func.node))
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            started = self._thread(func, node, nodes, parents) or self._submitted(func, node, nodes, parents)
            if started is None:
                continue
            how, target = started
            reached = self._reaches_session(func, node, target)
            if reached is not None:
                yield BackgroundStart(entry, module, node, how, reached[0], reached[1])

    def _thread(self, func: Func, node: ast.Call, nodes: list[ast.AST], parents: dict[int, ast.AST]):
        kind = self._thread_class(func, node.func)
        if kind is None:
            return None
        keyword = _THREADS[kind]
        target = next((k.value for k in node.keywords if k.arg == keyword), None)
        if target is None and len(node.args) >= 2:
            target = node.args[1]  # Thread(group, target), Timer(interval, function)
        if target is None:
            return None
        how = "timer" if kind == "Timer" else "thread"
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr == "start":
            return how, target  # `Thread(...).start()`: nothing is left to join
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            name = parent.targets[0].id
            started = False
            for use in nodes:
                if not (isinstance(use, ast.Name) and use.id == name and isinstance(use.ctx, ast.Load)):
                    continue
                user = parents.get(id(use))
                if isinstance(user, ast.Attribute):
                    if user.attr == "join":
                        return None
                    started = started or user.attr == "start"
                elif not _is_harmless(parents.get(id(user)) if isinstance(user, ast.FormattedValue) else user):
                    return None  # the handle goes elsewhere (a list, an attribute): it may be joined there
            return (how, target) if started else None
        return None

    def _thread_class(self, func: Func, callee: ast.expr) -> str | None:
        name = dotted(callee)
        last = name.split(".")[-1]
        if last not in _THREADS:
            return None
        if name == f"threading.{last}":
            return last
        if name == last:
            outline = self.flow.resolver.outline(func.module.path)
            binding = outline.imports.get(last) if outline is not None else None
            if binding is not None and binding.module == "threading":
                return last
        return None

    def _submitted(self, func: Func, node: ast.Call, nodes: list[ast.AST], parents: dict[int, ast.AST]):
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("submit", "map") and node.args):
            return None
        receiver = node.func.value
        if not self._unmanaged_executor(func, receiver, node, parents):
            return None
        if not isinstance(parents.get(id(node)), ast.Expr):
            return None  # the future (or the results) is kept: it may be waited for
        executor = dotted(receiver)
        for other in nodes:
            if (
                isinstance(other, ast.Call)
                and isinstance(other.func, ast.Attribute)
                and other.func.attr == "shutdown"
                and dotted(other.func.value) == executor
                and not any(
                    k.arg == "wait" and isinstance(k.value, ast.Constant) and k.value.value is False for k in other.keywords
                )
            ):
                return None
        if any(isinstance(n, ast.Call) and dotted(n.func).split(".")[-1] in ("wait", "as_completed") for n in nodes):
            return None
        return node.func.attr, node.args[0]

    def _unmanaged_executor(self, func: Func, receiver: ast.expr, call: ast.Call, parents: dict[int, ast.AST]) -> bool:
        """Whether `receiver` is a ThreadPoolExecutor no enclosing `with` block waits for."""
        name = dotted(receiver)
        if not name:
            return False
        # inside `with ThreadPoolExecutor() as name:` (or `with name:`) the exit waits
        node: ast.AST | None = call
        while node is not None and node is not func.node:
            node = parents.get(id(node))
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if dotted(item.optional_vars) == name or dotted(item.context_expr) == name:
                        return False
        return self._executor_binding(func, name)

    def _executor_binding(self, func: Func, name: str) -> bool:
        """Whether `name` is bound to a `ThreadPoolExecutor(...)` in the function, at module
        level, or (`self.x`) in a method or the body of the class."""

        def builds(value: ast.AST | None) -> bool:
            return isinstance(value, ast.Call) and dotted(value.func).split(".")[-1] in _EXECUTORS

        def assigned(scope: ast.AST, target: str) -> bool:
            for n in own_nodes(scope):
                if isinstance(n, ast.Assign) and builds(n.value) and any(dotted(t) == target for t in n.targets):
                    return True
                if isinstance(n, ast.AnnAssign) and builds(n.value) and dotted(n.target) == target:
                    return True
            return False

        if "." not in name:
            if func.node is not None and assigned(func.node, name):
                return True
            tree = func.module.tree
            return tree is not None and assigned(tree, name)
        head, _, attr = name.partition(".")
        cls = func.cls
        if cls is None or head != func.self_name or "." in attr:
            return False
        for info in self.flow.class_chain(cls):
            if assigned(info.node, attr):
                return True
            for method in info.methods.values():
                if method.node is not None and method.self_name and assigned(method.node, f"{method.self_name}.{attr}"):
                    return True
        return False

    # the target's session calls -------------------------------------------------------------

    def _targets(self, func: Func, call: ast.Call, target: ast.expr) -> list[Func]:
        env = self.flow.env_at(func, call) or {}
        frame = Frame(func)
        if isinstance(target, ast.Call) and dotted(target.func).split(".")[-1] == "partial" and target.args:
            target = target.args[0]
        if isinstance(target, ast.Lambda):
            found = []
            for node in ast.walk(target.body):
                if isinstance(node, ast.Call):
                    resolved = self.flow.resolve_callable(node.func, frame, env)
                    if isinstance(resolved, Func):
                        found.append(resolved)
            return found
        resolved = self.flow.resolve_callable(target, frame, env)
        return [resolved] if isinstance(resolved, Func) else []

    def _reaches_session(self, func: Func, call: ast.Call, target: ast.expr):
        if isinstance(target, ast.Lambda):
            direct = self._lambda_session_call(func, target)
            if direct is not None:
                return direct, ()
        for start in self._targets(func, call, target):
            found = self._session_from(start, 0, set())
            if found is not None:
                return found
        return None

    def _lambda_session_call(self, func: Func, target: ast.Lambda) -> SessionCall | None:
        """A session call written in the lambda itself (`lambda: self.session.storage.set(...)`)."""
        for node in ast.walk(target.body):
            if not isinstance(node, ast.Call):
                continue
            parts = dotted(node.func).split(".")
            for index, part in enumerate(parts[:-1]):
                if part == "session" or part.endswith("_session"):
                    path = tuple(parts[index + 1 :])
                    endpoint = BY_PATH.get(path)
                    if endpoint is not None:
                        return SessionCall(func.module, node, path, endpoint, func)
        return None

    def _session_from(self, func: Func, depth: int, seen: set[int]) -> tuple[SessionCall, tuple[Func, ...]] | None:
        if id(func) in self._session:
            return self._session[id(func)]
        if depth > MAX_DEPTH or id(func) in seen:
            return None
        seen.add(id(func))
        found: tuple[SessionCall, tuple[Func, ...]] | None = None
        for session_call in self.session_calls_of(func.module):
            if session_call.function.node is func.node and session_call.endpoint is not None:
                found = (session_call, (func,))
                break
        if found is None:
            for callee in self.callees(func):
                deeper = self._session_from(callee, depth + 1, seen)
                if deeper is not None:
                    found = (deeper[0], (func, *deeper[1]))
                    break
        if depth == 0 or found is not None:
            self._session[id(func)] = found
        return found


def _is_harmless(node: ast.AST | None) -> bool:
    """A use of a thread handle that cannot join it later: logging or printing it."""
    return isinstance(node, (ast.Call, ast.JoinedStr)) and (
        isinstance(node, ast.JoinedStr)
        or dotted(node.func).split(".")[-1] in ("print", "info", "debug", "warning", "error", "str", "repr")
    )
