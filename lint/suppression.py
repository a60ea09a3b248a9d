"""What the user silenced: per-file ignores from the configuration, and `# noqa` /
`# dify-lint: ignore[...]` comments on the line of a finding."""

from __future__ import annotations

import fnmatch
import re

from .config import Config
from .diagnostics import Diagnostic

INTERNAL_ERROR = "DPL005"

_SUPPRESSION = re.compile(r"#\s*(?:noqa|dify-lint:\s*ignore)(?::|\[)?\s*(?P<codes>[A-Z0-9_,\s\-\]]*)", re.IGNORECASE)


def suppressed(diagnostic: Diagnostic, relative: str, config: Config) -> bool:
    """Whether a finding is silenced; `relative` is its path inside the plugin."""
    for pattern, codes in config.per_file_ignores.items():
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(diagnostic.path, pattern):
            if any(_code_matches(diagnostic, c) for c in codes):
                return True
    if diagnostic.code == INTERNAL_ERROR:
        return False
    line = diagnostic.line_text
    if line is None or "#" not in line:
        return False
    match = _SUPPRESSION.search(line)
    if not match:
        return False
    codes = [c for c in re.split(r"[\s,\]]+", match.group("codes")) if c]
    return not codes or any(_code_matches(diagnostic, c) for c in codes)


def _code_matches(diagnostic: Diagnostic, token: str) -> bool:
    token = token.strip()
    return diagnostic.code.startswith(token.upper()) or diagnostic.name == token.lower() or token.upper() == "ALL"
