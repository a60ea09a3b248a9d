"""The plugin's calls back into Dify (`session.*`) in one module, statically.

The session is recognised however it is reached: `self.session`, any `<expr>.session` (or
`<expr>.<name>_session`), a local alias (`session = self.session`, `llm = self.session.model.llm`),
`getattr(obj, "session")`, or a function parameter named `session` or annotated `Session` (a
helper that receives it). Each call is bound to its row of the SDK table (`dify_lint.sdk`), its
arguments matched to the real signature. Calls inside lambdas and in class bodies (outside
methods) are not looked at.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable

from ..python.astutil import Arg, call_arguments, dotted, string_value
from ..python.module import PyModule
from ..python.scopes import Func, FunctionIndex
from ..sdk import BY_PATH, OWNERS, Endpoint

SessionPath = tuple  # attribute names below the session: () is the session itself


@dataclass(eq=False)
class SessionCall:
    module: PyModule
    node: ast.Call
    path: tuple[str, ...]  # e.g. ("model", "llm", "invoke")
    endpoint: Endpoint | None  # None: the chain stops at an object, not a method
    function: Func
    arguments: dict[str, ast.expr] = field(default_factory=dict)  # parameter name -> expression
    has_star_args: bool = False
    unknown_keywords: list[Arg] = field(default_factory=list)
    extra_positional: list[Arg] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        if self.endpoint is None or self.has_star_args:
            return []
        return [p.name for p in self.endpoint.params if p.required and p.name not in self.arguments]

    @property
    def dotted(self) -> str:
        return ".".join(("session", *self.path))


class _Scope:
    """Which local names hold the session or an object below it, inside one function."""

    def __init__(self, function: Func):
        self.names: dict[str, SessionPath] = {}
        for param in function.params:
            annotation = dotted(param.annotation) if param.annotation is not None else ""
            if param.name == "session" or annotation.split(".")[-1] == "Session":
                self.names[param.name] = ()

    def path_of(self, node: ast.AST) -> SessionPath | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            # `self.session`, or a session kept under another name (`self.llm_session`); only a
            # chain that continues into a real endpoint counts, so `http_session.get` stays out
            if node.attr == "session" or node.attr.endswith("_session"):
                return ()
            inner = self.path_of(node.value)
            return None if inner is None else (*inner, node.attr)
        if isinstance(node, ast.Call) and dotted(node.func) == "getattr" and len(node.args) >= 2:
            name = string_value(node.args[1])
            if name == "session":
                return ()
            inner = self.path_of(node.args[0])
            if inner is not None and name is not None:
                return (*inner, name)
        return None


#: A cheap look at the text first: most files never touch the session. Every way
#: `_Scope.path_of` recognises the session leaves one of these behind.
_MAY_REACH_SESSION = re.compile(r"\.session\b|\w_session\b|\bsession\s*[.:=,)]|\bSession\b|getattr\([^)]*session")


def session_calls(module: PyModule, functions: Callable[[], FunctionIndex]) -> list[SessionCall]:
    """Every call of a session endpoint (or of a session object) in the module, in source order.
    `functions`: the module's function index, asked for only when its text may reach the session
    (most modules' does not)."""
    calls: list[SessionCall] = []
    # every alternative holds "ession": a substring test is ten times faster than the pattern
    if module.tree is None or "ession" not in module.text or not _MAY_REACH_SESSION.search(module.text):
        return calls
    for function in functions().ordered:
        scope = _Scope(function)
        # aliases first (`llm = self.session.model.llm` anywhere in the function), then the
        # calls, in one pass over the function's nodes
        found: list[ast.Call] = []
        for node in function.nodes:
            if node.__class__ is ast.Call:
                found.append(node)  # type: ignore[arg-type]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    path = scope.path_of(node.value)
                    if path is not None and (path == () or path in OWNERS):
                        scope.names[target.id] = path
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                path = scope.path_of(node.value)
                if path is not None and (path == () or path in OWNERS):
                    scope.names[node.target.id] = path
        for node in found:
            call = _bind(module, function, scope, node)
            if call is not None:
                calls.append(call)
    return calls


def _bind(module: PyModule, function: Func, scope: _Scope, node: ast.Call) -> SessionCall | None:
    if dotted(node.func) == "getattr":
        return None  # getattr(self.session.model, "llm") is an access, not a call of it
    path = scope.path_of(node.func)
    if not path:
        return None
    endpoint = BY_PATH.get(path)
    if endpoint is None and path not in OWNERS:
        return None
    call = SessionCall(module, node, path, endpoint, function)
    if endpoint is None:
        return call
    names = [p.name for p in endpoint.params]
    position = 0
    for arg in call_arguments(node):
        if arg.star:
            call.has_star_args = True
        elif arg.keyword is None:
            if position < len(names):
                call.arguments[names[position]] = arg.value
            else:
                call.extra_positional.append(arg)
            position += 1
        elif arg.keyword in names:
            call.arguments[arg.keyword] = arg.value
        else:
            call.unknown_keywords.append(arg)
    return call
