"""Which files the daemon leaves out of a package: its `.difyignore` (or `.gitignore`) rules.

The daemon's behaviour (`decoder/fs.go`, with go-git v5's `gitignore.Pattern`) is not git's: every
line is trimmed, a pattern without a slash matches a name at any depth, any matching pattern
excludes, and `!negation` never re-includes; character classes follow Go's `path.Match`. A
gitignore library (pathspec) implements git's rules and would give the wrong answer, so this is
written here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IgnorePattern:
    line: int  # 1-based line in the ignore file
    text: str  # the line as the daemon keeps it (trimmed)
    inclusion: bool
    dir_only: bool
    anchored: bool  # holds a "/" (other than a trailing one): matched from the root
    parts: tuple[str, ...]

    def match(self, parts: list[str], is_dir: bool) -> bool:
        """go-git v5 `pattern.Match` (domain-less) returning Exclude or Include."""
        if self.anchored:
            return _glob_match(self, parts, is_dir)
        return _simple_name_match(self, parts, is_dir)


class IgnoreFile:
    """`.difyignore` (or `.gitignore` when there is none) read as the daemon reads it."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.patterns: list[IgnorePattern] = []
        for number, raw in enumerate(text.split("\n"), 1):
            line = raw.strip(" \t\r\n\v\f\x85\xa0")
            if not line or line.startswith("#"):
                continue
            body = line
            inclusion = body.startswith("!")
            if inclusion:
                body = body[1:]
            if not body.endswith("\\ "):
                body = body.rstrip(" ")
            dir_only = body.endswith("/")
            if dir_only:
                body = body[:-1]
            self.patterns.append(IgnorePattern(number, line, inclusion, dir_only, "/" in body, tuple(body.split("/"))))
        # A pattern without a slash matches a path when it matches one of its names, so which of
        # those match a name is worked out once per name, not once per path that holds it (the
        # packaging walk asks about every entry, and `.difyignore` files run to a hundred lines).
        self._by_name = [(i, p) for i, p in enumerate(self.patterns) if not p.inclusion and not p.anchored]
        self._anchored = [(i, p) for i, p in enumerate(self.patterns) if not p.inclusion and p.anchored]
        self._name_hits: dict[str, list[int]] = {}

    def match(self, relative: str, is_dir: bool) -> IgnorePattern | None:
        """The first pattern that excludes this path itself (not counting its folders): what
        trying each exclusion's `IgnorePattern.match` in order gives."""
        parts = relative.split("/")
        first = len(self.patterns)
        last = len(parts) - 1
        for index, name in enumerate(parts):
            hits = self._name_hits.get(name)
            if hits is None:
                hits = self._name_hits[name] = [i for i, p in self._by_name if go_match(p.parts[0], name)]
            for i in hits:
                if i >= first:
                    break
                if not (index == last and not is_dir and self.patterns[i].dir_only):
                    first = i
                    break
        for i, pattern in self._anchored:
            if i >= first:
                break
            if _glob_match(pattern, parts, is_dir):
                first = i
                break
        return self.patterns[first] if first < len(self.patterns) else None

    def excluded_by(self, relative: str, is_dir: bool = False) -> IgnorePattern | None:
        """The pattern that keeps `relative` out of the package: on it or on a folder above it."""
        parts = relative.split("/")
        for depth in range(1, len(parts) + 1):
            found = self.match("/".join(parts[:depth]), is_dir if depth == len(parts) else True)
            if found is not None:
                return found
        return None

    def negations(self) -> list[IgnorePattern]:
        return [p for p in self.patterns if p.inclusion]


def _simple_name_match(pattern: IgnorePattern, parts: list[str], is_dir: bool) -> bool:
    for index, name in enumerate(parts):
        if not go_match(pattern.parts[0], name):
            continue
        if pattern.dir_only and not is_dir and index == len(parts) - 1:
            return False
        return True
    return False


def _glob_match(pattern: IgnorePattern, parts: list[str], is_dir: bool) -> bool:
    matched = False
    traverse = False
    rest = list(parts)
    for index, part in enumerate(pattern.parts):
        if part == "":
            traverse = False
            continue
        if part == "**":
            if index == len(pattern.parts) - 1:
                break
            traverse = True
            continue
        if "**" in part:
            return False
        if not rest:
            return False
        if traverse:
            traverse = False
            while rest:
                element = rest.pop(0)
                if go_match(part, element):
                    matched = True
                    break
                if not rest:
                    matched = False
        else:
            if not go_match(part, rest[0]):
                return False
            matched = True
            rest = rest[1:]
    if matched and pattern.dir_only and not is_dir and not rest:
        matched = False
    return matched


_STAR, _ANY = object(), object()  # `*` and `?`; a literal character is itself
_GO_PATTERNS: dict[str, "list | None"] = {}
#: (pattern, name) -> whether it matches: the same few patterns meet the same names in every
#: folder of every plugin (`__pycache__`, `*.pyc` against `tools`, `main.py`)
_GO_MATCHES: dict[tuple[str, str], bool] = {}
_MAX_MATCHES = 100_000


def go_match(pattern: str, name: str) -> bool:
    """Go's `filepath.Match` on one path element; a malformed pattern matches nothing.

    Matched without regular expressions: a star remembers only the last place it could have
    stopped, so a line of a stranger's `.difyignore` such as `*a*a*a*a…b` takes time in proportion
    to the pattern times the name, never exponential backtracking."""
    key = (pattern, name)
    found = _GO_MATCHES.get(key)
    if found is None:
        if pattern not in _GO_PATTERNS:
            _GO_PATTERNS[pattern] = _go_tokens(pattern)
        tokens = _GO_PATTERNS[pattern]
        if len(_GO_MATCHES) >= _MAX_MATCHES:
            _GO_MATCHES.clear()
        found = _GO_MATCHES[key] = tokens is not None and _match_tokens(tokens, name)
    return found


def _match_tokens(tokens: list, name: str) -> bool:
    t = n = 0
    star_t = star_n = -1  # the token after the last star, and where in the name it was tried
    while n < len(name):
        if t < len(tokens) and tokens[t] is _STAR:
            star_t, star_n = t + 1, n
            t += 1
            continue
        if t < len(tokens) and _one(tokens[t], name[n]):
            t += 1
            n += 1
            continue
        if star_t < 0 or name[star_n] == "/":
            return False
        star_n += 1  # let the last star take one more character, and try again after it
        t, n = star_t, star_n
    while t < len(tokens) and tokens[t] is _STAR:
        t += 1
    return t == len(tokens)


def _one(token, char: str) -> bool:
    if token is _ANY:
        return char != "/"
    if isinstance(token, str):
        return token == char
    negated, ranges = token
    inside = any(low <= char <= high for low, high in ranges)
    return inside != negated


def _go_tokens(pattern: str) -> "list | None":
    """The pattern as tokens: a star, any one character, a literal character, or a class
    (negated, its ranges)."""
    out: list = []
    i, n = 0, len(pattern)

    def escaped(j: int) -> tuple[str, int] | None:
        if j >= n or pattern[j] in "-]":
            return None
        if pattern[j] == "\\":
            j += 1
            if j >= n:
                return None
        return pattern[j], j + 1

    while i < n:
        c = pattern[i]
        if c == "*":
            if not out or out[-1] is not _STAR:  # `**` in one element is one star
                out.append(_STAR)
            i += 1
        elif c == "?":
            out.append(_ANY)
            i += 1
        elif c == "\\":
            if i + 1 >= n:
                return None
            out.append(pattern[i + 1])
            i += 2
        elif c == "[":
            i += 1
            negated = i < n and pattern[i] == "^"
            if negated:
                i += 1
            items: list[tuple[str, str]] = []
            while True:
                if i < n and pattern[i] == "]" and items:
                    i += 1
                    break
                low = escaped(i)
                if low is None:
                    return None
                lo, i = low
                if i < n and pattern[i] == "-":
                    high = escaped(i + 1)
                    if high is None:
                        return None
                    hi, i = high
                    if hi < lo:
                        return None
                    items.append((lo, hi))
                else:
                    items.append((lo, lo))
            out.append((negated, tuple(items)))
        else:
            out.append(c)
            i += 1
    return out
