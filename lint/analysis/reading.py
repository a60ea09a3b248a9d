"""Which files Dify reads, and what reading them found; the plugin's Python modules; the
declarations checked against Dify's schemas."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Span
from ..model import schema
from ..model.plugin import KIND_LABELS, MANIFEST, Declaration, Plugin
from ..model.yamldoc import YamlDoc
from ..python.module import PyModule
from ..source.files import ReadProblem
from ..source.fs import Refusal, normalise  # Refusal: the rules read it from here (they do not import `source`)


@dataclass
class ReadFiles:
    """The YAML and Python files Dify reads, parsed, and the problems of those (and of the other text
    files Dify reads) that could not be."""

    yaml: list[YamlDoc] = field(default_factory=list)
    python: list[PyModule] = field(default_factory=list)
    problems: list[tuple[str, ReadProblem]] = field(default_factory=list)
    #: package members never read (named out of the package, or links) that no problem above
    #: already covers, by name as stored; a package that could not be opened is a problem at ""
    refused: list[tuple[str, Refusal]] = field(default_factory=list)


#: other files at the root that Dify or its installers read, as text
TEXT_FILES = ("requirements.txt", "pyproject.toml", "README.md", ".difyignore", ".gitignore")


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


def yaml_paths(plugin: Plugin) -> list[str]:
    """The manifest, every declaration the manifest leads to, and every model position file."""
    paths = [MANIFEST]
    for reference in plugin.references:
        if reference.role in ("declaration", "position") and reference.target.is_file and reference.target.relative:
            paths.append(reference.target.relative)
    return list(dict.fromkeys(paths))


def python_paths(plugin: Plugin) -> list[str]:
    """Every Python file the SDK may import: the sources the declarations name, the entrypoint,
    and every module of the plugin that is not test code."""
    paths = [
        r.target.relative
        for r in plugin.references
        if r.role == "source" and r.target.is_file and (r.target.relative or "").endswith(".py")
    ]
    entry = plugin.entrypoint_path()
    if entry and plugin.is_file(entry):
        paths.append(entry)
    paths.extend(p for p in plugin.all_files if p.endswith(".py") and not is_test_file(p))
    return list(dict.fromkeys(p for p in paths if p))


def read_files(plugin: Plugin) -> ReadFiles:
    found = ReadFiles()
    failure = plugin.fs.failure
    if failure is not None:  # a package that could not be opened: it has no files to read
        found.problems.append(("", ReadProblem(failure.message, Span.file_start(), failure.limit)))
        return found
    for path in yaml_paths(plugin):
        doc = plugin.yaml(path)
        if doc is not None:
            found.yaml.append(doc)
        elif plugin.read_problem(path) is not None:
            found.problems.append((path, plugin.read_problem(path)))  # type: ignore[arg-type]
    for path in python_paths(plugin):
        module = plugin.python(path)
        if module is not None:
            found.python.append(module)
        elif plugin.read_problem(path) is not None:
            found.problems.append((path, plugin.read_problem(path)))  # type: ignore[arg-type]
    for path in TEXT_FILES:
        if plugin.text(path) is None and plugin.read_problem(path) is not None:
            found.problems.append((path, plugin.read_problem(path)))  # type: ignore[arg-type]
    reported = {path for path, _ in found.problems}
    found.refused = [(name, why) for name, why in plugin.fs.refused.items() if normalise(name)[0] not in reported]
    return found


def python_modules(plugin: Plugin) -> list[PyModule]:
    """The plugin's Python modules that are not test code and could be read, in file order."""
    modules = []
    for path in plugin.all_files:
        if path.endswith(".py") and not is_test_file(path):
            module = plugin.python(path)
            if module is not None:
                modules.append(module)
    return modules


@dataclass(frozen=True)
class DeclarationIssues:
    declaration: Declaration
    issues: list


def schema_issues(plugin: Plugin, manifest: bool) -> list[DeclarationIssues]:
    """The JSON Schema issues of the manifest (`manifest`) or of every other declaration."""
    found = []
    for declaration in plugin.declarations:
        if (declaration.kind == "manifest") != manifest:
            continue
        doc = declaration.doc
        if not doc.usable or not schema.has_schema(declaration.kind):
            continue
        kind = declaration.kind
        issues = (
            plugin.documents.result(f"schema:{kind}", doc, lambda: schema.check(doc, kind, KIND_LABELS[kind]))
            if plugin.documents is not None
            else schema.check(doc, kind, KIND_LABELS[kind])
        )
        found.append(DeclarationIssues(declaration, issues))
    return found
