"""What the user silenced, and which of those silences do nothing.

Three ways to silence a finding:

* `per-file-ignores` in the configuration: globs (relative to the configuration file) -> codes;
* a comment on the line where the finding starts: `# dify-lint: ignore[DPL201]`, or `# noqa: DPL201`
  (without codes, every finding on that line);
* a comment anywhere in the file, for every finding in that file: `# dify-lint: file-ignore[DPL310]`
  (without codes, every finding in it).

Codes are rule codes, code prefixes (`DPL2`) or rule names, separated by commas or spaces. The
same comments work in YAML, Python and other `#`-commented files (requirements.txt). Comments are
found as their own language's parser sees them, so text in a string or a YAML scalar is not one.

`unused` finds, for the rule that reports them, the directives that silence nothing: a code no
rule has, a directive with a misspelled word, or codes with no finding to silence. The engine
judges them against the findings of every rule a directive names, selected or not, so what it
says does not depend on `--select`.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from .config import Pattern
from .diagnostics import Diagnostic, Position, Span
from .source.text import PYTHON_BREAKS, YAML_BREAKS, LineIndex

INTERNAL_ERROR = "DPL005"
UNUSED_SUPPRESSION = "DPL010"

#: a code (DPL201, E501), a code prefix (DPL2), a rule name (unknown-key), or ALL
_TOKEN = r"(?:[A-Za-z][A-Za-z0-9]*\d[A-Za-z0-9]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)+|ALL)(?![\w-])"
_NOQA = re.compile(rf"#\s*noqa\b(?:\s*:?\s*(?P<codes>{_TOKEN}(?:\s*[,\s]\s*{_TOKEN})*))?", re.IGNORECASE)
_OURS = re.compile(r"#\s*dify-lint\s*:\s*(?P<word>[A-Za-z][\w-]*)?")
_BRACKETS = re.compile(r"\s*\[(?P<codes>[^\]#]*)\]?")
_BARE = re.compile(rf"\s*:?\s*(?P<codes>{_TOKEN}(?:\s*[,\s]\s*{_TOKEN})*)")
_SPLIT = re.compile(r"[^\s,\]]+")

WORDS = ("ignore", "file-ignore")


@dataclass(frozen=True)
class Token:
    text: str
    span: Span


@dataclass(frozen=True)
class Directive:
    """One suppression comment (or a `# dify-lint:` comment of no known form)."""

    style: str  # "noqa", "ignore", "file-ignore", or "unknown"
    span: Span  # from `#` to the end of what was understood
    tokens: tuple[Token, ...] = ()  # empty: every rule
    word: str = ""  # the word after `dify-lint:`, as written

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def whole_file(self) -> bool:
        return self.style == "file-ignore"

    @property
    def ours(self) -> bool:
        """A `# dify-lint:` comment: every code in it must name a rule. A `# noqa` may name other
        linters' codes too (E501), and a bare `# noqa` is often meant for them."""
        return self.style != "noqa"


@dataclass
class FileDirectives:
    by_line: dict[int, list[Directive]] = field(default_factory=dict)
    whole_file: list[Directive] = field(default_factory=list)

    def __iter__(self):
        for directives in self.by_line.values():
            yield from directives
        yield from self.whole_file


NONE = FileDirectives()


def parse_directives(text: str, language: str, parsed: bool = False) -> FileDirectives:
    """Every suppression comment of a file; `language` is "yaml", "python" or "text". `parsed`:
    the Python text is known to parse with this interpreter (its comments are then found without
    the tokenizer, the same ones)."""
    found = FileDirectives()
    # "noqa" in any case needs a q (no other character lowers to one): most files are left at once
    if "dify-lint" not in text and not (("q" in text or "Q" in text) and "noqa" in text.lower()):
        return found
    breaks = PYTHON_BREAKS if language == "python" else YAML_BREAKS
    index = LineIndex(text, breaks)
    for offset in _comment_offsets(text, language, parsed):
        start = index.position(offset)
        comment = (index.line(start.line) or "")[start.column - 1 :]
        for directive in _parse_comment(comment, start.line, start.column):
            (found.whole_file if directive.whole_file else found.by_line.setdefault(directive.line, [])).append(directive)
    return found


def _parse_comment(comment: str, line: int, column: int) -> Iterable[Directive]:
    def span(start: int, end: int) -> Span:
        return Span(Position(line, column + start), Position(line, column + max(end, start + 1)))

    def tokens(codes: str, offset: int) -> tuple[Token, ...]:
        return tuple(Token(m.group(), span(offset + m.start(), offset + m.end())) for m in _SPLIT.finditer(codes))

    for match in _NOQA.finditer(comment):
        codes = match.group("codes") or ""
        yield Directive("noqa", span(match.start(), match.end()), tokens(codes, match.start("codes")) if codes else ())
    for match in _OURS.finditer(comment):
        word = match.group("word") or ""
        style = word.lower() if word.lower() in WORDS else "unknown"
        rest = comment[match.end() :]
        args = _BRACKETS.match(rest) or _BARE.match(rest)
        found: tuple[Token, ...] = ()
        end = match.end()
        if args and style != "unknown":
            found = tokens(args.group("codes"), match.end() + args.start("codes"))
            end = match.end() + args.end()
        yield Directive(style, span(match.start(), end), found, word)


def _comment_offsets(text: str, language: str, parsed: bool) -> list[int]:
    if language == "python":
        found = _scanned_comments(text) if parsed and _SCAN_PARSED_PYTHON and "\r" not in text else None
        if found is None:
            found = _python_comments(text)
        if found is not None:
            return found
    scalars = yaml_scalars(text) if language == "yaml" else []
    offsets = []
    for match in re.finditer(r"(?:^|(?<=[ \t]))#", text, re.MULTILINE):
        if not any(start <= match.start() < end for start, end in scalars):
            offsets.append(match.start())
    return offsets


def _python_comments(text: str) -> list[int] | None:
    """Offsets of the comments the tokenizer finds; None when it cannot read the file."""
    starts = [0]
    for match in re.finditer("\n", text):
        starts.append(match.end())
    offsets = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                offsets.append(starts[token.start[0] - 1] + token.start[1])
    except (tokenize.TokenError, SyntaxError, IndexError):
        return None
    return offsets


#: Before Python 3.12 an f-string is one token, like any string: in a file that parses, a `#`
#: outside every string literal starts a comment, and a scan for quotes and `#` finds exactly the
#: tokenizer's comments, several times faster. From 3.12 on an f-string may hold strings in its own
#: quotes, which only the tokenizer follows.
_SCAN_PARSED_PYTHON = sys.version_info < (3, 12)
_CODE_MARK = re.compile(r"""#|'''|\"\"\"|'|\"""")
_STRING_END = {
    "'": re.compile(r"(?:[^'\\\n]|\\.)*'", re.S),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"', re.S),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
}


def _scanned_comments(text: str) -> list[int] | None:
    """Offsets of the comments of a Python text that parses and has no carriage return (see
    `_SCAN_PARSED_PYTHON`); None where the scan meets what such a text cannot hold."""
    offsets: list[int] = []
    position = 0
    while True:
        mark = _CODE_MARK.search(text, position)
        if mark is None:
            return offsets
        if mark.group() == "#":
            offsets.append(mark.start())
            end = text.find("\n", mark.end())
            if end < 0:
                return offsets
            position = end + 1
            continue
        closing = _STRING_END[mark.group()].match(text, mark.end())
        if closing is None:
            return None
        position = closing.end()


def yaml_scalars(text: str) -> list[tuple[int, int]]:
    """Where the scalars of a YAML text are (a `#` inside one is text, not a comment); as far
    as the text scans."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spans = []
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass
    return spans


# -- applying them ----------------------------------------------------------------------------------


def code_matches(diagnostic: Diagnostic, token: str) -> bool:
    token = token.strip()
    return (
        token.upper() == "ALL"
        or (bool(re.fullmatch(r"DPL\d{0,3}", token.upper())) and diagnostic.code.startswith(token.upper()))
        or diagnostic.name == token.lower()
    )


def silences(directive: Directive, diagnostic: Diagnostic) -> bool:
    """Whether the directive silences the finding (at its place: the caller checks the line)."""
    if diagnostic.code == INTERNAL_ERROR and not directive.whole_file:
        return False
    if directive.style == "unknown":
        return False
    if diagnostic.code == UNUSED_SUPPRESSION:  # only when named: a blanket one must not hide its own report
        return any(code_matches(diagnostic, t.text) and t.text.upper() != "ALL" for t in directive.tokens)
    return not directive.tokens or any(code_matches(diagnostic, t.text) for t in directive.tokens)


def suppressed_by_config(diagnostic: Diagnostic, per_file: Sequence[tuple[Pattern, Sequence[str]]]) -> bool:
    """Whether `per-file-ignores` (`Config.per_file_patterns()`) silences the finding (its path as
    displayed: relative to the working directory, or absolute)."""
    for pattern, codes in per_file:
        if pattern.matches(diagnostic.path) and any(code_matches(diagnostic, c) for c in codes):
            return True
    return False


def silencing(diagnostic: Diagnostic, directives: FileDirectives) -> list[Directive]:
    """The comments of the finding's file that silence it."""
    line = directives.by_line.get(diagnostic.span.start.line, ())
    return [d for d in (*line, *directives.whole_file) if silences(d, diagnostic)]


# -- judging them -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Useless:
    """A directive, or one code in it, that silences nothing; for the rule that reports it."""

    path: str  # relative to the plugin root
    directive: Directive
    token: Token | None  # None: the directive as a whole
    reason: str  # "unknown-code", "unknown-directive", "unused"
    suggestion: str = ""


def judged_tokens(directive: Directive, is_ours: Callable[[str], bool]) -> list[Token]:
    """The codes of a directive that this linter answers for (a `# noqa` may hold others')."""
    if directive.ours:
        return list(directive.tokens)
    return [t for t in directive.tokens if t.text.upper().startswith("DPL") or is_ours(t.text)]


def unused(
    directives: dict[str, FileDirectives],
    findings: Sequence[tuple[str, Diagnostic]],
    *,
    names_rule: Callable[[str], bool],
    judged: Callable[[str], bool],
    suggest: Callable[[str], str],
) -> list[Useless]:
    """The directives of `directives` (path -> comments) that silence none of `findings`
    ((path, finding) before any silencing), and codes in them that name no rule.

    `names_rule(token)`: whether a code names some rule; `judged(token)`: whether every rule it
    names ran (a crashed rule's findings are unknown); `suggest(token)`: a close rule code or name."""
    by_place: dict[tuple[str, int], list[Diagnostic]] = {}
    by_file: dict[str, list[Diagnostic]] = {}
    for path, finding in findings:
        by_place.setdefault((path, finding.span.start.line), []).append(finding)
        by_file.setdefault(path, []).append(finding)
    useless: list[Useless] = []
    for path, found in sorted(directives.items()):
        for directive in found:
            if directive.style == "unknown":
                useless.append(Useless(path, directive, None, "unknown-directive", _closest_word(directive.word)))
                continue
            reach = by_file.get(path, []) if directive.whole_file else by_place.get((path, directive.line), [])
            reach = [f for f in reach if f.code != UNUSED_SUPPRESSION and (f.code != INTERNAL_ERROR or directive.whole_file)]
            if not directive.tokens:
                if directive.ours and not reach:
                    useless.append(Useless(path, directive, None, "unused"))
                continue
            for token in judged_tokens(directive, names_rule):
                if not names_rule(token.text):
                    useless.append(Useless(path, directive, token, "unknown-code", suggest(token.text)))
                elif token.text.upper() == "ALL" or _names_the_check_itself(token.text) or not judged(token.text):
                    continue
                elif not any(code_matches(f, token.text) for f in reach):
                    useless.append(Useless(path, directive, token, "unused"))
    return useless


def _names_the_check_itself(token: str) -> bool:
    return token.upper() == UNUSED_SUPPRESSION or token.lower() == "unused-suppression"


def _closest_word(word: str) -> str:
    import difflib

    if "file" in word.lower():  # ignore-file, file_ignore, fileignore
        return "file-ignore"
    close = difflib.get_close_matches(word.lower(), WORDS, n=1, cutoff=0.5)
    return close[0] if close else ""
