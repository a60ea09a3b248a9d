"""What reading the files Dify reads found, as findings."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.reading import ReadFiles
from dify_lint.rule import Finding


def yaml_problems(files: ReadFiles, kind: str) -> Iterator[Finding]:
    """The problems of one kind ("syntax", "duplicate-key", "limit") found loading the YAML."""
    for doc in files.yaml:
        for problem in doc.problems:
            if problem.kind == kind:
                yield Finding(doc.path, problem.span, problem.message)


def read_problems(files: ReadFiles, limit: bool) -> Iterator[Finding]:
    """Files that could not be read (`limit`: because they are over a size cap)."""
    for path, problem in files.problems:
        if problem.limit == limit:
            yield Finding(path, problem.span, problem.message)
