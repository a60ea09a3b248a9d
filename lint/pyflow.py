"""Finding the plugin's calls back into Dify (`session.*`) in its Python, statically.

The session is recognised however it is reached: `self.session`, any `<expr>.session` (or
`<expr>.<name>_session`), a local
alias (`session = self.session`, `llm = self.session.model.llm`), `getattr(obj, "session")`, or
a function parameter named `session` or annotated `Session` (a helper that receives it). Each call
is bound to its row of the SDK table (`dify_lint.sdk`), its arguments matched to the real
signature. Nothing is imported or run; the libcst tree is walked, and positions are computed only
for modules that have something to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from .diagnostics import Position, Span
from .sdk import BY_PATH, OWNERS, Endpoint

if TYPE_CHECKING:
    from .model.plugin import Plugin
    from .pymodule import PyModule

SessionPath = tuple  # attribute names below the session: () is the session itself


@dataclass
class Function:
    """A function or method (or the module body, with node None) and where it sits."""

    node: Any  # cst.FunctionDef | None
    class_name: str | None
    body: Any  # what to walk: the function's body, or the module

    @property
    def name(self) -> str:
        return self.node.name.value if self.node is not None else "<module>"

    def parameters(self) -> list[Any]:
        if self.node is None:
            return []
        params = self.node.params
        return [*params.posonly_params, *params.params, *params.kwonly_params]


@dataclass
class SessionCall:
    module: "PyModule"
    node: Any  # cst.Call
    path: tuple[str, ...]  # e.g. ("model", "llm", "invoke")
    endpoint: Endpoint | None  # None: the chain stops at an object, not a method
    function: Function
    arguments: dict[str, Any] = field(default_factory=dict)  # parameter name -> expression
    has_star_args: bool = False
    unknown_keywords: list[Any] = field(default_factory=list)  # cst.Arg
    extra_positional: list[Any] = field(default_factory=list)  # cst.Arg

    @property
    def missing(self) -> list[str]:
        if self.endpoint is None or self.has_star_args:
            return []
        return [p.name for p in self.endpoint.params if p.required and p.name not in self.arguments]


def _cst():
    import libcst

    return libcst


def dotted(node: Any) -> str:
    """`a.b.c` for a chain of names, else ""."""
    cst = _cst()
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else ""
    return ""


def string_value(node: Any) -> str | None:
    """The value of a plain string literal (no f-string, no concatenation), else None."""
    cst = _cst()
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - malformed literals do not parse
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_NODE: dict[type, bool] = {}


def child_nodes(node: Any) -> Iterator[Any]:
    """A node's child nodes, read from its fields (libcst's `.children` and visitors rebuild nodes)."""
    import dataclasses

    names = _FIELDS.get(type(node))
    if names is None:
        cst = _cst()
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
        for name in names:
            _IS_NODE.setdefault(type(getattr(node, name)), isinstance(getattr(node, name), cst.CSTNode))
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                flag = _IS_NODE.get(type(item))
                if flag is None:
                    flag = _IS_NODE[type(item)] = isinstance(item, _cst().CSTNode)
                if flag:
                    yield item
        else:
            flag = _IS_NODE.get(kind)
            if flag is None:
                flag = _IS_NODE[kind] = isinstance(value, _cst().CSTNode)
            if flag:
                yield value


def functions(module: "PyModule") -> list[Function]:
    """Every function and method of the module, nested ones included, and the module body."""
    cached = getattr(module, "_functions", None)
    if cached is not None:
        return cached
    cst = _cst()
    tree = module.tree
    found: list[Function] = []
    if tree is not None:
        found.append(Function(None, None, tree))
        stack: list[tuple[Any, str | None]] = [(tree, None)]
        while stack:
            node, class_name = stack.pop()
            if isinstance(node, cst.FunctionDef):
                found.append(Function(node, class_name, node.body))
            elif isinstance(node, cst.ClassDef):
                class_name = node.name.value
            stack.extend((child, class_name) for child in reversed(list(child_nodes(node))))
    module._functions = found  # type: ignore[attr-defined]
    return found


class _Scope:
    """Which local names hold the session or an object below it, inside one function."""

    def __init__(self, function: Function):
        self.names: dict[str, SessionPath] = {}
        for param in function.parameters():
            annotation = dotted(param.annotation.annotation) if param.annotation is not None else ""
            if param.name.value == "session" or annotation.split(".")[-1] == "Session":
                self.names[param.name.value] = ()

    def path_of(self, node: Any) -> SessionPath | None:
        cst = _cst()
        if isinstance(node, cst.Name):
            return self.names.get(node.value)
        if isinstance(node, cst.Attribute):
            # `self.session`, or a session kept under another name (`self.llm_session`); only a
            # chain that continues into a real endpoint counts, so `http_session.get` stays out
            if node.attr.value == "session" or node.attr.value.endswith("_session"):
                return ()
            inner = self.path_of(node.value)
            return None if inner is None else (*inner, node.attr.value)
        if isinstance(node, cst.Call) and dotted(node.func) == "getattr" and len(node.args) >= 2:
            name = string_value(node.args[1].value)
            if name == "session":
                return ()
            inner = self.path_of(node.args[0].value)
            if inner is not None and name is not None:
                return (*inner, name)
        return None


def _own_nodes(function: Function) -> Iterator[Any]:
    """The nodes of a function's body, without descending into nested functions or classes."""
    cst = _cst()
    stack = [function.body]
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(child_nodes(node))):
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.append(child)


#: A cheap look at the text first: parsing with libcst is the cost, and most files never touch
#: the session. Every way `_Scope.path_of` recognises the session leaves one of these behind.
_MAY_REACH_SESSION = re.compile(
    r"\.session\b|\w_session\b|\bsession\s*[.:=,)]|\bSession\b|getattr\([^)]*session"
)


def session_calls(module: "PyModule") -> list[SessionCall]:
    """Every call of a session endpoint (or of a session object) in the module, in source order."""
    cached = getattr(module, "_session_calls", None)
    if cached is not None:
        return cached
    calls: list[SessionCall] = []
    if _MAY_REACH_SESSION.search(module.text) and module.tree is not None:
        cst = _cst()
        for function in functions(module):
            scope = _Scope(function)
            nodes = list(_own_nodes(function))
            # aliases first: `llm = self.session.model.llm` anywhere in the function
            for node in nodes:
                if isinstance(node, cst.Assign) and len(node.targets) == 1:
                    target = node.targets[0].target
                    if isinstance(target, cst.Name):
                        path = scope.path_of(node.value)
                        if path is not None and (path == () or path in OWNERS):
                            scope.names[target.value] = path
                elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name) and node.value is not None:
                    path = scope.path_of(node.value)
                    if path is not None and (path == () or path in OWNERS):
                        scope.names[node.target.value] = path
            for node in nodes:
                if isinstance(node, cst.Call):
                    call = _bind(module, function, scope, node)
                    if call is not None:
                        calls.append(call)
    module._session_calls = calls  # type: ignore[attr-defined]
    return calls


def _bind(module: "PyModule", function: Function, scope: _Scope, node: Any) -> SessionCall | None:
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
    for arg in node.args:
        if arg.star:
            call.has_star_args = True
        elif arg.keyword is None:
            if position < len(names):
                call.arguments[names[position]] = arg.value
            else:
                call.extra_positional.append(arg)
            position += 1
        elif arg.keyword.value in names:
            call.arguments[arg.keyword.value] = arg.value
        else:
            call.unknown_keywords.append(arg)
    return call


def is_test_file(path: str) -> bool:
    """Test code never runs inside Dify: what it does with mocked sessions is not a defect."""
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def plugin_modules(plugin: "Plugin") -> list["PyModule"]:
    """Every Python file of the plugin that can run inside Dify (not only referenced sources;
    test files left out), parsed lazily."""
    modules = []
    for relative in plugin.all_files:
        if relative.endswith(".py") and not is_test_file(relative):
            module = plugin.python(relative)
            if module is not None:
                modules.append(module)
    return modules


def span_of(module: "PyModule", node: Any) -> Span:
    """The source range of a node; positions are computed once per module, on first use."""
    positions = getattr(module, "_positions", None)
    if positions is None:
        import libcst.metadata as metadata

        wrapper = metadata.MetadataWrapper(module.tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(metadata.PositionProvider)
        module._positions = positions  # type: ignore[attr-defined]
    code_range = positions.get(node)
    if code_range is None:
        return Span.file_start()
    return Span(
        Position(code_range.start.line, code_range.start.column + 1),
        Position(code_range.end.line, code_range.end.column + 1),
    )
