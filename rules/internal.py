"""DPL0xx: the linter's own findings: files that cannot be read, decoded or parsed."""

from __future__ import annotations

from typing import Iterable

from dify_lint.diagnostics import Severity
from dify_lint.examples import BASE_PLUGINS
from dify_lint.model.plugin import Plugin
from dify_lint.rule import Example, Finding, Rule


class _FileRule(Rule):
    runs_last = True  # report on every file the other rules caused to be read

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        plugin.load_all()
        return self.findings(plugin)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError


_ECHO_YAML = (BASE_PLUGINS / "tool" / "tools" / "echo.yaml").read_text("utf-8")
_CAFE_YAML = _ECHO_YAML.replace("en_US: Echo", "en_US: Caf\xe9")


def _yaml_problems(plugin: Plugin, kind: str) -> Iterable[Finding]:
    for doc in plugin.loaded_yaml():
        for problem in doc.problems:
            if problem.kind == kind:
                yield Finding(doc.path, problem.span, problem.message)


class YamlSyntaxError(_FileRule):
    code = "DPL001"
    name = "yaml-syntax-error"
    summary = "A YAML file Dify reads does not parse"
    explanation = """
    The manifest and every YAML file it leads to are parsed when the plugin is packaged and again
    when it starts; a syntax error stops both. The finding points at the line and column where the
    parser gave up, which is sometimes just after the real mistake (an unclosed bracket or quote).
    Unknown tags such as `!include` are errors too: Dify loads YAML with a safe loader.
    """
    invalid = (Example({"tools/echo.yaml": _ECHO_YAML.replace("en_US: Echo", "en_US: [Echo")}, note="An unclosed bracket."),)
    valid = (Example({"tools/echo.yaml": _ECHO_YAML.replace("en_US: Echo", "en_US: \"[Echo\"")}, note="Quoted, it is text."),)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:
        return _yaml_problems(plugin, "syntax")


class PythonSyntaxError(_FileRule):
    code = "DPL002"
    name = "python-syntax-error"
    summary = "A Python source referenced from YAML does not parse"
    explanation = """
    Dify imports every `extra.python.source` and the entrypoint when the plugin starts, so a
    syntax error in any of them stops the plugin. The source is parsed with libcst, whatever Python
    runs dify-lint, so Python 3.12 syntax is accepted.
    """
    invalid = (Example({"tools/echo.py": "from dify_plugin import Tool\n\nclass EchoTool(Tool)\n    pass\n"}),)
    valid = (Example({"tools/echo.py": 'from dify_plugin import Tool\n\n\nclass EchoTool(Tool):\n    def _invoke(self, tool_parameters):\n        yield self.create_text_message(f"{tool_parameters["text"]}")\n'}),)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:
        for module in plugin.loaded_python():
            error = module.syntax_error
            if error is not None and not error.limit:
                yield Finding(module.path, error.span, error.message)


class UnreadableFile(_FileRule):
    code = "DPL003"
    name = "unreadable-file"
    summary = "A file Dify reads cannot be read or is not UTF-8 text"
    explanation = """
    Dify reads YAML as UTF-8 (a byte-order mark is accepted). A file in another encoding, a binary
    file, or one that cannot be opened fails at packaging or start-up. Python sources may declare
    another encoding with a PEP 263 coding comment.
    """
    invalid = (Example({"tools/echo.yaml": _CAFE_YAML.encode("latin-1")}, note="The file is written in Latin-1."),)
    valid = (Example({"tools/echo.yaml": _CAFE_YAML}, note="The same file written in UTF-8."),)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:
        for path, problem in plugin.read_problems.items():
            if problem.limit == (self.code == "DPL006"):
                yield Finding(path, problem.span, problem.message)


class DuplicateKey(_FileRule):
    code = "DPL004"
    name = "duplicate-key"
    summary = "A YAML mapping repeats a key; only the last value is kept"
    explanation = """
    PyYAML (used by the Dify SDK) silently keeps the last of two equal keys, so the first value is
    lost without a word, while the daemon (Go yaml.v3) refuses the file outright ("mapping key already defined"). Remove or rename
    one of them.
    """
    invalid = (Example({"provider/example.yaml": "identity:\n  author: example\n  name: example\n  name: other\n  label:\n    en_US: Example\n  description:\n    en_US: Example tools.\n  icon: icon.svg\ntools:\n  - tools/echo.yaml\nextra:\n  python:\n    source: provider/example.py\n"}),)
    valid = (Example({}),)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:
        return _yaml_problems(plugin, "duplicate-key")


class InternalError(Rule):
    code = "DPL005"
    name = "internal-error"
    summary = "A dify-lint rule crashed on this plugin (the other rules still ran)"
    explanation = """
    A rule raised an exception. Its findings for this plugin are missing, the other rules ran as
    usual, and dify-lint exits with status 2. Please report it with the plugin that caused it.
    """

    def check(self, plugin: Plugin) -> Iterable[Finding]:
        return ()  # the engine reports crashes under this code


class ResourceLimit(_FileRule):
    code = "DPL006"
    name = "resource-limit"
    summary = "A file is too large, too deeply nested or expands too far to be checked"
    explanation = """
    dify-lint does not parse files above its size caps (2 MiB of YAML, 1 MiB of Python), YAML
    nested more than 200 levels deep, YAML whose aliases expand to more than a million nodes (an
    "alias bomb"), or YAML whose aliases refer to themselves. Such files also strain Dify; real
    plugin files are far below every cap.
    """
    severity = Severity.ERROR
    invalid = (Example({"tools/echo.yaml": "a: &a [*a]\n"}),)
    valid = (Example({}),)

    def findings(self, plugin: Plugin) -> Iterable[Finding]:
        for path, problem in plugin.read_problems.items():
            if problem.limit == (self.code == "DPL006"):
                yield Finding(path, problem.span, problem.message)
        yield from _yaml_problems(plugin, "limit")
        for module in plugin.loaded_python():
            error = module.syntax_error
            if error is not None and error.limit:
                yield Finding(module.path, error.span, error.message)


RULES = [YamlSyntaxError, PythonSyntaxError, UnreadableFile, DuplicateKey, InternalError, ResourceLimit]
