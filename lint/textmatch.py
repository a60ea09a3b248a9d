"""Near misses between names: a typo (`temprature` for `temperature`), another spelling of the
same name (`userId` for `user_id`), or a shared stem (`file_path` and `filename`)."""

from __future__ import annotations

import re
from typing import Iterable


def normal(name: str) -> str:
    """The name in lower case without separators: `user_id`, `userId` and `UserID` agree."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def tokens(name: str) -> list[str]:
    """The words of a name: `fileName` and `file_name` give `file`, `name`."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, 3 for anything farther apart."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def strong_near(a: str, b: str) -> bool:
    """A typo or a spelling of the same name: `temprature`/`temperature`, `userId`/`user_id`."""
    na, nb = normal(a), normal(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    shortest = min(len(na), len(nb))
    apart = distance(na, nb)
    return (apart == 1 and shortest >= 4) or (apart == 2 and shortest >= 8)


def stem_near(a: str, b: str) -> bool:
    """Names that share their stem: `file_path`/`filename`, `query`/`query_text`."""
    if strong_near(a, b):
        return True
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return False
    na, nb = normal(a), normal(b)
    stem = ta[0] if len(ta[0]) <= len(tb[0]) else tb[0]
    return len(stem) >= 4 and na.startswith(stem) and nb.startswith(stem)


def typos(key: str, candidates: Iterable[str]) -> list[str]:
    """Short names one edit apart (`txt` for `text`): good enough for a hint, not for grading."""
    return sorted(c for c in candidates if c != key and distance(normal(key), normal(c)) == 1 and min(len(key), len(c)) >= 3)


def near_names(key: str, candidates: Iterable[str], strong_only: bool = False) -> list[str]:
    test = strong_near if strong_only else stem_near
    return sorted(c for c in candidates if c != key and test(key, c))


def contains_name(a: str, b: str) -> bool:
    """One name is the other with words added: `range` and `num_range`, `query` and `search_query`."""
    ta, tb = tokens(a), tokens(b)
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if not short or len(short) == len(long) or len("".join(short)) < 3:
        return False
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def related_names(key: str, candidates: Iterable[str], weak: bool = True) -> list[str]:
    """Candidates that may be what `key` meant, best first: a name the other contains, then a typo
    or another spelling, then a shared stem. Without `weak`, typos and spellings only."""
    ranked = []
    for candidate in candidates:
        if candidate == key:
            continue
        if weak and contains_name(key, candidate):
            ranked.append((0, candidate))
        elif strong_near(key, candidate):
            ranked.append((1, candidate))
        elif weak and stem_near(key, candidate):
            ranked.append((2, candidate))
    return [c for _, c in sorted(ranked)]
