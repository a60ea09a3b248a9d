"""Uses that fail: content used as a str or iterated, optional fields read, TTS bytes, a
moderation flag read backwards, list content dropped by a non-str branch."""

from __future__ import annotations

import ast
from typing import Any

from ...python.astutil import (
    children,
    dotted,
    else_block,
    name_text,
    only,
    string_value,
)
from . import facts
from .values import (
    BYTES,
    FLAGGED_WORDS,
    LIST_ONLY_USES,
    STR,
    STR_METHODS,
    SUCCESS_WORDS,
    UNK,
    UNKNOWN,
    Val,
    bad_content,
    content_types,
    type_names,
)

#: uses after which the content is reported before a larger use of it (`len(x)` before `str(x)`)
_SPECIFIC_USES = ("len", "str", "fstring", "percent", "compare", "contains", "yield")

Env = dict  # str -> frozenset[Val]


class Uses:
    # uses ------------------------------------------------------------------------------------

    def iterate(
        self, vals: frozenset, node: ast.AST, env: Env, pairs: bool = False, how: str = "for", passing: bool = False
    ) -> frozenset:
        """What iterating these values gives, reporting iteration of what cannot be iterated."""
        if vals and all(v.kind == "llm" for v in vals):
            if all(v.mode == "result" for v in vals) and not pairs:
                self.emit("stream", node, facts.ResultIterated(self.short(node), how))
            elif all(v.mode in ("result", "either") for v in vals) and any(v.mode == "either" for v in vals) and not pairs:
                self.emit("mode", node, self._either(vals, node, "" if how == "for" else f"`{how}()`"))
        if not passing:
            self.content_use(vals, node, "iterate")
        self.optional_use(vals, node, "iterate")
        out: set[Val] = set()
        for v in vals:
            if v.kind == "llm" and v.mode in ("stream", "either"):
                out.add(Val("chunk", structured=v.structured, label=self.short(node)))
            elif v.kind == "tts":
                out |= BYTES
            elif v.kind == "content" and "list" in v.types:
                out.add(Val("part", mode="any", label=v.label, at=v.at))
            elif v.kind == "list":
                out |= v.elems or UNK
            elif v.kind == "str":
                out |= STR
            else:
                out.add(UNKNOWN)
        return frozenset(out) or UNK

    def content_use(self, vals: frozenset, node: ast.AST, use: str, detail: str = "", deep: bool = False) -> None:
        """A chunk's content used where only a str works."""
        bad = sorted(bad_content(vals, use, deep), key=lambda v: v.label)
        if not bad:
            return
        key = ("use", id(bad[0].at))  # one finding per place the content is read: the fix goes there
        if deep:
            node = self._locate(node, use) or node
        if use == "iterate":
            self.emit(
                "content",
                node,
                facts.ContentIterated(self.short(node), content_types(bad, ("str", "none")), bad[0].label),
                key=("iterate", id(bad[0].at)),
            )
            return
        relevant = ("list",) if use in LIST_ONLY_USES else ("list", "none")
        label = self.short(node)
        inner = next((v.label for v in bad if v.label and v.label != label), None)
        fact = facts.ContentUse(
            label,
            use,
            detail,
            content_types(bad, relevant),
            inner if inner and (deep or use == "join") else None,
            bad[0].label,
        )
        self.emit("content", node, fact, key=key, rank=1 if use in _SPECIFIC_USES else 2)

    def yielded(self, node: ast.Yield | ast.YieldFrom, vals: frozenset, every: bool = False) -> None:
        """What a tool's or strategy's `_invoke` yields, when it surely is not a message (`every`:
        `yield from`, which yields each item)."""
        if not vals:
            return
        kinds = {v.kind for v in vals}
        what = None
        if every:
            if kinds == {"llm"} and all(v.mode == "stream" for v in vals):
                what = "chunks"
        elif kinds <= {"str", "content"}:
            what = "content" if any(v.kind == "content" and v.types - {"str"} for v in vals) else "str"
        elif kinds == {"chunk"} and all(v.mode != "shape" for v in vals):
            what = "chunk"  # a chunk only recognised by its shape may be the plugin's own object
        elif kinds == {"llm"} and all(v.mode == "result" for v in vals):
            what = "result"
        if what is not None:
            endpoint = self._endpoint(vals) if what in ("chunks", "chunk", "result") else ""
            read = min((v.label for v in vals if v.kind == "content"), default="")
            self.emit("yield", node, facts.YieldedNonMessage(self.short(node.value), what, self.entry, endpoint, read))

    def _locate(self, node: ast.AST, use: str) -> ast.AST | None:
        """The element of a literal list, tuple or dict that holds the offending content."""
        if isinstance(node, ast.Dict):
            parts = list(node.values)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            parts = [e.value if isinstance(e, ast.Starred) else e for e in node.elts]
        else:
            return None
        for child in parts:
            if bad_content(self.seen.get(id(child), frozenset()), use, False):
                return child
            found = self._locate(child, use)
            if found is not None:
                return found
        return None

    def optional_use(self, vals: frozenset, node: ast.AST, use: str, detail: str = "") -> None:
        if use == "fstring":
            return  # an f-string prints None as "None": untidy, not a failure
        for v in vals:
            if v.kind == "opt" and not v.nonnull:
                if v.mode == "finish_reason" and use == "attribute" and detail not in STR_METHODS:
                    continue
                self.emit("optional", node, facts.OptionalUnchecked(v.label, self.short(node), v.mode, use, detail))
                return

    def check_add(
        self, left: frozenset, right: frozenset, left_node: ast.AST, right_node: ast.AST, augmented: bool = False
    ) -> None:
        use = "augadd" if augmented else "add"
        if left and all(v.kind == "str" for v in left):
            self.content_use(right, right_node, use)
        if right and all(v.kind == "str" for v in right):
            self.content_use(left, left_node, use)
        for vals, node in ((left, left_node), (right, right_node)):
            if vals and all(v.kind == "tts" for v in vals):
                self.emit("tts", node, facts.TtsAsBytes(self.short(node), "`+`", "add"))

    def check_compare(self, left: frozenset, right: frozenset, left_node: ast.AST, right_node: ast.AST, op: ast.cmpop) -> None:
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if right and all(v.kind == "str" for v in right):
                self.content_use(left, left_node, "compare")
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "compare")
        elif isinstance(op, (ast.In, ast.NotIn)):
            if left and all(v.kind == "str" for v in left):
                self.content_use(right, right_node, "contains")
            self.optional_use(right, right_node, "iterate")

    def _tts_bytes_arg(self, arg: tuple[Any, frozenset], where: str) -> None:
        node, vals = arg
        if vals and all(v.kind == "tts" for v in vals):
            self.emit("tts", node, facts.TtsAsBytes(self.short(node), where, "argument"))

    # moderation and dropped list content --------------------------------------------------------

    def check_moderation_if(self, node: ast.If, env: Env) -> None:
        test = node.test
        negated = False
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negated = not negated
            test = test.operand
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            literal = name_text(test.comparators[0])
            operator = test.ops[0]
            if literal in ("True", "False") and isinstance(operator, (ast.Eq, ast.Is, ast.NotEq, ast.IsNot)):
                if literal == "False":
                    negated = not negated
                if isinstance(operator, (ast.NotEq, ast.IsNot)):
                    negated = not negated
                test = test.left
            else:
                return
        self.quiet += 1
        try:
            vals = self.eval(test, dict(env))
        finally:
            self.quiet -= 1
        if not vals or not all(v.kind == "moderation" for v in vals):
            return
        orelse = else_block(self.module, node)
        flagged_branch = (orelse or []) if negated else node.body
        clean_branch = node.body if negated else (orelse or [])
        if _says(flagged_branch, SUCCESS_WORDS, FLAGGED_WORDS) or _says(clean_branch, FLAGGED_WORDS, SUCCESS_WORDS):
            self.emit("moderation", node.test, facts.ModerationBranchInverted())

    def check_drop(self, node: ast.If, env: Env, rest: list[ast.stmt]) -> None:
        """A non-str branch that only continues or passes drops list content silently."""
        test = node.test
        negated = False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negated, test = True, test.operand
        if not (isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 and not test.keywords):
            return
        types = type_names(test.args[1])
        if types not in (["str"], ["list"]):
            return
        subject = test.args[0]
        self.quiet += 1
        try:
            vals = self.eval(subject, dict(env))
        finally:
            self.quiet -= 1
        lists = sorted(v.label for v in vals if v.kind == "content" and "list" in v.types)
        if not lists:
            return
        exits = (ast.Pass, ast.Continue)
        orelse = else_block(self.module, node)
        # the branch that does not see a str: the else of `isinstance(c, str)`, the body of the others
        if types == ["str"] and not negated:
            if not node.orelse:
                if only(node.body, (ast.Continue, ast.Return, ast.Break, ast.Raise, ast.Pass)):
                    return
                # no `else` at all: a drop only when nothing else in the loop looks at the content
                key = dotted(subject)
                if not key or not self.loop_nodes or self._looked_at_elsewhere(node, subject, key, rest):
                    return
                handled = "nothing"
            elif orelse is not None and only(orelse, exits):
                handled = "skips"
            else:
                return
        elif ((types == ["str"] and negated) or (types == ["list"] and not negated)) and only(node.body, exits):
            handled = "skips"
        else:
            return
        self.emit("content", node.test, facts.ContentDropped(self.short(subject), handled, lists[0]))

    def check_assert(self, test: ast.expr, env: Env) -> None:
        """`assert isinstance(content, str)` raises AssertionError on list content."""
        if not (isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2):
            return
        types = type_names(test.args[1])
        if not types or "str" not in types or "list" in types or "List" in types:
            return
        vals = self.peek(test.args[0], env)
        self.content_use(vals, test.args[0], "assert")

    def _looked_at_elsewhere(self, if_node: ast.If, subject: ast.expr, key: str, rest: list[ast.stmt]) -> bool:
        """Whether the loop around `if isinstance(<key>, str):` reads the content (or hands its
        message on) anywhere but in that `if`, the tests of the `if`s around it and the line that
        binds it."""
        contents = {key}
        for v in self.seen.get(id(subject), frozenset()):
            if v.kind == "content" and v.label:
                contents.add(v.label)
        messages = {k[: -len(".content")] for k in contents if k.endswith(".content")}

        def reads(path: str) -> bool:
            if any(path == k or path.startswith(k + ".") for k in contents):
                return True
            return any(path in (m, m + ".content", m + ".get_text_content") for m in messages)

        stack: list[ast.AST] = list(self.loop_nodes[-1].body) + list(rest)
        while stack:
            node = stack.pop()
            if node is if_node:
                continue
            if isinstance(node, ast.If) and any(n is if_node for n in ast.walk(node)):
                stack.extend(node.body)  # an enclosing `if content:` only guards it
                stack.extend(node.orelse)
                continue
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in contents for t in node.targets):
                continue  # `content = chunk.delta.message.content` binds it
            if isinstance(node, (ast.Name, ast.Attribute)):
                path = dotted(node)
                if path:
                    if reads(path):
                        return True
                    continue
                if isinstance(node, ast.Attribute) and reads(node.attr):
                    return True
            stack.extend(children(node))
        return False

    # wording helpers that are facts: which endpoint, which argument -------------------------------

    def _endpoint(self, vals: frozenset) -> str:
        for v in vals:
            if v.call is not None and id(v.call) in self.calls:
                return self.calls[id(v.call)].dotted
        return "session.model.llm.invoke"

    def _either(self, vals: frozenset, node: ast.AST, use: str) -> facts.ModeUnchecked:
        code = next((v.stream_code.split("\n")[0] for v in vals if v.mode == "either" and v.stream_code), "")
        param = "response_mode" if any(v.kind == "app" for v in vals) else "stream"
        return facts.ModeUnchecked(self.short(node), param, code, use)


# -- helpers over trees ---------------------------------------------------------------------------


def _says(stmts: list[ast.stmt], wanted, unwanted) -> bool:
    """Whether a branch yields or returns text that says `wanted` (and not `unwanted`)."""
    texts: list[str] = []
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            for inner in ast.walk(node.value):
                value = string_value(inner)
                if value:
                    texts.append(value)
            continue
        stack.extend(children(node))
    text = " ".join(texts)
    return bool(text) and bool(wanted.search(text)) and not unwanted.search(text)
