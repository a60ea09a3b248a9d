"""The rule table, and choosing rules by code, code prefix or name."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence

if TYPE_CHECKING:
    from .rule import Rule


class Named(Protocol):
    """What choosing rules reads of one: a rule, or its row in a stored table of rules."""

    code: str
    name: str
    default_off: bool


_CODE = re.compile(r"^DPL\d{0,3}$")


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    from dify_lint.rules import RULES

    rules = tuple(cls() for cls in RULES)
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(set(codes)) == len(codes), "duplicate rule code"
    assert len(set(names)) == len(names), "duplicate rule name"
    return tuple(sorted(rules, key=lambda r: r.code))


class UnknownSelector(ValueError):
    pass


def find_rule(token: str) -> Rule | None:
    token = token.strip()
    for rule in all_rules():
        if token.upper() == rule.code or token.lower() == rule.name:
            return rule
    return None


def matches(rule: Named, token: str) -> bool:
    token = token.strip()
    if token.upper() == "ALL":
        return True
    if _CODE.match(token.upper()):
        return rule.code.startswith(token.upper())
    return rule.name == token.lower()


def check_selectors(tokens: Iterable[str], table: Sequence[Named] | None = None) -> None:
    """Raise UnknownSelector for a token that names no rule (of `table`, by default every
    rule), with a suggestion."""
    rules = all_rules() if table is None else table
    for token in tokens:
        if not any(matches(rule, token) for rule in rules):
            names = [r.name for r in rules] + [r.code for r in rules]
            close = difflib.get_close_matches(token, names, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise UnknownSelector(f"`{token}` names no rule{hint}")


def split_tokens(values: Sequence[str] | None) -> list[str]:
    tokens: list[str] = []
    for value in values or ():
        tokens.extend(t.strip() for t in str(value).split(",") if t.strip())
    return tokens


def select_rules(
    select: Sequence[str] | None, ignore: Sequence[str] | None, table: Sequence[Named] | None = None
) -> tuple[Rule, ...]:
    """Rules matching `select` (all when empty) and no `ignore` token, the more specific winning.

    `--select DPL3 --ignore DPL301` drops DPL301; `--ignore DPL3 --select DPL301` keeps it,
    because a full code is more specific than a prefix. Opt-in rules (`default_off`) run only
    when selected by their exact code or name. From `table` when given (then its rows).
    """
    chosen = []
    for rule in all_rules() if table is None else table:
        if rule.default_off and not any(t.strip().upper() == rule.code or t.strip().lower() == rule.name for t in select or ()):
            continue  # opt-in rules run only when named exactly
        best_select = _specificity(rule, select) if select else 0
        best_ignore = _specificity(rule, ignore or ())
        if best_select is None:
            continue
        if best_ignore is not None and best_ignore >= best_select:
            continue
        chosen.append(rule)
    return tuple(chosen)


def _specificity(rule: Named, tokens: Iterable[str]) -> int | None:
    best = None
    for token in tokens:
        if matches(rule, token):
            weight = 0 if token.upper() == "ALL" else len(token) if _CODE.match(token.upper()) else 10
            best = weight if best is None else max(best, weight)
    return best
