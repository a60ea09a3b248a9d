"""DPL405 session-call-signature."""

from __future__ import annotations

import ast
import difflib
from typing import Iterable, Iterator

from dify_lint.analysis.keys import PYTHON_MODULES, SESSION_CALLS, VALUE_ORIGINS
from dify_lint.analysis.origins import Const
from dify_lint.analysis.session import SessionCall
from dify_lint.python.astutil import Arg, call_arguments, keyword_span, node_span
from dify_lint.python.module import PyModule
from dify_lint.rule import Example, Finding, Rule

from ._common import llm_tool, rerank_tool, tool


class SessionCallSignature(Rule):
    code = "DPL405"
    name = "session-call-signature"
    summary = "A session call's arguments do not fit the SDK's signature"
    explanation = """
    Every `self.session.*` method has a fixed signature (`dify-lint` keeps them in one table). An
    unknown keyword, a missing required argument, too many positional arguments or an argument
    given twice raise `TypeError` when the call runs; an argument order mistake, such as rerank's
    `invoke(model_config, docs, query)` called with the query first, sends the wrong values.
    """
    invalid = (
        Example(
            tool(rerank_tool(arguments='config, "what is dify?", ["a", "b"]'), "rerank", "rerank"),
            expect=(
                (
                    "tools/echo.py:11:59-11:74",
                    "`session.model.rerank.invoke` takes `(model_config, docs, query)`: the arguments are in the wrong order (a string is given where `docs` goes); pass them by keyword (`docs=..., query=...`) or as docs, query",
                ),
            ),
        ),
        Example(
            llm_tool('tool_parameters["model"], prompt=[]', scope="llm"),
            expect=(
                (
                    "tools/echo.py:12:52-12:58",
                    "`session.model.llm.invoke` has no parameter `prompt`: the call raises TypeError (unexpected keyword argument); its parameters are `model_config`, `prompt_messages`, `tools`, `stop`, `stream`",
                ),
            ),
        ),
    )
    valid = (Example(tool(rerank_tool(arguments='config, ["a", "b"], "what is dify?"'), "rerank", "rerank")),)

    requires = (PYTHON_MODULES, SESSION_CALLS, VALUE_ORIGINS)

    def check(self, ctx) -> Iterable[Finding]:
        for module in ctx.get(PYTHON_MODULES):
            for call in ctx.module(SESSION_CALLS, module):
                if call.endpoint is not None:
                    yield from self._check_call(ctx, module, call)

    def _check_call(self, ctx, module: PyModule, call: SessionCall) -> Iterator[Finding]:
        endpoint = call.endpoint
        assert endpoint is not None
        name = "session." + ".".join(endpoint.path)
        names = [p.name for p in endpoint.params]
        signature = f"{name}({', '.join(names)})"
        suggested: set[str] = set()
        starred = call.has_star_args  # *args / **kwargs: positions and completeness cannot be known
        for arg in call.unknown_keywords:
            keyword = arg.keyword
            close = difflib.get_close_matches(keyword, names, n=1, cutoff=0.6)
            suggested.update(close)
            hint = f"; did you mean `{close[0]}`?" if close else f"; its parameters are {', '.join(f'`{n}`' for n in names)}"
            yield Finding(
                module.path,
                keyword_span(module, arg.node),
                f"`{name}` has no parameter `{keyword}`: the call raises TypeError (unexpected keyword argument){hint}",
            )
        if starred:
            return
        if call.extra_positional:
            yield Finding(
                module.path,
                node_span(module, call.extra_positional[0].value),
                f"`{name}` takes at most {len(names)} positional arguments ({signature}): the call raises TypeError",
            )
        arguments = call_arguments(call.node)
        positional = [a for a in arguments if a.keyword is None and not a.star]
        given_positionally = set(names[: len(positional)])
        for arg in arguments:
            if arg.keyword is not None and arg.keyword in given_positionally:
                yield Finding(
                    module.path,
                    keyword_span(module, arg.node),
                    f"`{arg.keyword}` is given twice, by position and by keyword: the call raises TypeError"
                    f" (got multiple values); the signature is {signature}",
                )
        missing = [m for m in call.missing if m not in suggested]  # a misspelt keyword is reported once
        if missing:
            yield Finding(
                module.path,
                node_span(module, call.node.func),
                f"`{name}` is called without {', '.join(f'`{m}`' for m in missing)}: the call raises TypeError"
                f" (missing required argument); the signature is {signature}",
            )
        yield from self._order(ctx, module, call, name, positional)

    def _order(self, ctx, module: PyModule, call: SessionCall, name: str, positional: list[Arg]) -> Iterator[Finding]:
        endpoint = call.endpoint
        assert endpoint is not None
        if endpoint.path[0] != "model" or endpoint.path[1] != "rerank":
            return
        slots = {p.name: i for i, p in enumerate(endpoint.params)}
        docs_at, query_at = slots["docs"], slots["query"]

        def kind(index: int) -> str | None:
            if index >= len(positional):
                return None
            return _literal_kind(ctx, call, positional[index].value)

        docs_kind, query_kind = kind(docs_at), kind(query_at)
        if docs_kind == "str" or query_kind == "list":
            order = "docs, query" if docs_at < query_at else "query, docs"
            wrong = positional[docs_at].value if docs_kind == "str" else positional[query_at].value
            yield Finding(
                module.path,
                node_span(module, wrong),
                f"`{name}` takes `({', '.join(p.name for p in endpoint.params)})`: the arguments are in the wrong order"
                f" ({'a string is given where `docs` goes' if docs_kind == 'str' else 'a list is given where `query` goes'});"
                f" pass them by keyword (`docs=..., query=...`) or as {order}",
            )


def _literal_kind(ctx, call: SessionCall, value: ast.expr) -> str | None:
    """ "str" or "list" when the expression is (on every path) such a literal."""
    if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes))):
        return "str"
    if isinstance(value, (ast.List, ast.ListComp)):
        return "list"
    if isinstance(value, ast.Name):
        origins = ctx.get(VALUE_ORIGINS).origins(call.function, call.node, value)
        kinds = {o.kind if isinstance(o, Const) else None for o in origins}
        if len(kinds) == 1:
            only = kinds.pop()
            return only if only in ("str", "list") else None
    return None
