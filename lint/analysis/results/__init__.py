"""Following what the session's calls return, one function at a time, through its branches.

`session.model.llm.invoke` gives a generator of chunks or an `LLMResult` depending on `stream`;
a chunk's `delta.message.content` is a str, a list of content parts or None; `delta.usage` is
usually None; `tts.invoke` and `tool.invoke` are lazy generators. The rules of the DPL5xx family
ask what each expression holds at the point where it is used, so this analysis interprets a
function's body abstractly: an environment maps names (and attribute paths such as
`chunk.delta.message.content`) to the set of abstract values they may hold; `if`/`elif`/`else`,
loops, `try` and early exits fork and join environments; `isinstance`, `hasattr`, truthiness,
`is None`, `part.type == "text"`, `assert` and `if stream:` narrow them.

What it follows: assignments (names, attribute paths, the walrus), branches, loops (to a fixed
point), comprehensions, `x or ""`, conditional expressions, `cast(...)`, `next(...)`,
`enumerate(...)`, lists filled with `.append` and later joined. What it deliberately does not:
calls into other functions (a result passed to a helper, returned or stored on `self` is someone
else's business), aliasing through containers, attributes set in other methods. A value whose
origin is not known is `UNKNOWN`, and no rule reports a use of it.

The result is a list of `facts.Event`, each tagged with the rule family member it is for.
"""

from __future__ import annotations

import ast

from ...python.module import PyModule
from ...python.scopes import Func, FunctionIndex
from ..session import SessionCall
from .facts import Event
from .interpreter import Interpreter

#: text that must appear in a module for any DPL5xx rule to have something to say
TRIGGERS = ("session", ".delta")


def result_events(module: PyModule, functions: FunctionIndex, session_calls: list[SessionCall]) -> list[Event]:
    """Every DPL5xx fact in the module."""
    found: list[Event] = []
    if module.tree is None or not any(t in module.text for t in TRIGGERS):
        return found
    calls = {id(c.node): c for c in session_calls}
    if not calls and ".delta" not in module.text:
        return found
    for function in functions.ordered:
        if not _relevant(module, function, calls):
            continue
        try:
            found.extend(Interpreter(module, function, calls).run())
        except RecursionError:  # pragma: no cover - absurdly deep expressions
            continue
    return found


def _relevant(module: PyModule, function: Func, calls: dict[int, SessionCall]) -> bool:
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
        stack.extend(ast.iter_child_nodes(node))
    return False
