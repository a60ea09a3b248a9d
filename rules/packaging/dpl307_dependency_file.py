"""DPL307 dependency-file."""

from __future__ import annotations

import re
import sys
from typing import Iterator

from dify_lint.analysis.keys import IGNORE_FILE
from dify_lint.analysis.package import listing
from dify_lint.rule import Example, Finding, Rule

from ._common import file_start, is_checked

DEPENDENCY_FILES = ("pyproject.toml", "requirements.txt")

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names_sdk(requirement: str) -> bool:
    match = _REQUIREMENT_NAME.match(requirement)
    return match is not None and _normalise(match.group(1)) == "dify-plugin"


def _requirements_state(text: str) -> str:
    """ "yes" (dify-plugin required), "no", or "unknown" (includes, editable or URL lines)."""
    unknown = False
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            if re.search(r"egg=dify[-_.]plugin\b", line, re.I):
                return "yes"
            if re.match(r"-(r|c|e)\b|--(requirement|constraint|editable)\b", line):
                unknown = True
            continue
        if _names_sdk(line):
            return "yes"
        if "://" in line and "@" not in line:
            unknown = True  # a bare URL to a wheel or an archive
    return "unknown" if unknown else "no"


def _pyproject_state(text: str) -> tuple[str, str]:
    """(state, detail) for pyproject.toml, as `uv sync --no-dev` installs it."""
    try:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        data = tomllib.loads(text)
    except Exception as error:  # noqa: BLE001 - any TOML problem
        return "invalid", str(error).splitlines()[0] if str(error) else "invalid TOML"
    project = data.get("project")
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    tool_uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    if tool_uv.get("default-groups") not in (None, ["dev"]):
        return "unknown", ""  # uv installs other groups too
    if not isinstance(project, dict):
        return "no-project", "poetry" if "poetry" in tool else ""
    if "dependencies" in (project.get("dynamic") or []):
        return "unknown", ""
    dependencies = project.get("dependencies") or []
    if not isinstance(dependencies, list):
        return "unknown", ""
    if any(isinstance(d, str) and _names_sdk(d) for d in dependencies):
        return "yes", ""
    groups = data.get("dependency-groups")
    in_dev = isinstance(groups, dict) and any(
        isinstance(d, str) and _names_sdk(d) for d in (groups.get("dev") or []) if isinstance(groups.get("dev"), list)
    )
    return "no", "dev" if in_dev else ""


class DependencyFile(Rule):
    code = "DPL307"
    name = "dependency-file"
    summary = "No dependency file, or the one Dify installs from does not name dify_plugin"
    explanation = """
    The daemon installs a plugin's dependencies from `pyproject.toml` (with `uv sync --no-dev`,
    `--frozen` when `uv.lock` exists) or, when there is none, from `requirements.txt`; with neither
    the install fails ("neither pyproject.toml nor requirements.txt found"). When a pip mirror is
    configured it prefers `requirements.txt`. The plugin imports `dify_plugin` before anything
    else, so the file used must require `dify_plugin` (or `dify-plugin`) in the project's own
    dependencies, not only in a dev group. Official plugins ship `pyproject.toml` and `uv.lock`.
    """
    invalid = (
        Example(
            {"requirements.txt": "requests>=2\n"},
            expect=(
                ("manifest.yaml:1:1-1:2", "requirements.txt does not name dify_plugin; the plugin fails on `import dify_plugin`"),
            ),
        ),
        Example(
            {"requirements.txt": None},
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "there is no requirements.txt or pyproject.toml at the plugin root; Dify cannot install the plugin's dependencies (add pyproject.toml and uv.lock, or requirements.txt)",
                ),
            ),
        ),
        Example(
            {"pyproject.toml": '[project]\nname = "example"\nversion = "0.0.1"\ndependencies = ["requests"]\n'},
            expect=(
                (
                    "manifest.yaml:1:1-1:2",
                    "pyproject.toml does not require dify_plugin in [project].dependencies; Dify installs from it and the plugin fails on `import dify_plugin`",
                ),
            ),
        ),
    )
    valid = (
        Example({}),
        Example(
            {
                "requirements.txt": None,
                "pyproject.toml": '[project]\nname = "example"\nversion = "0.0.1"\ndependencies = ["dify-plugin>=0.5.0"]\n',
                "uv.lock": "version = 1\n",
            }
        ),
    )

    requires = (IGNORE_FILE,)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        names = listing(plugin, "") or {}
        ignore = ctx.get(IGNORE_FILE)
        present = [name for name in DEPENDENCY_FILES if name in names and not names[name]]
        # the daemon installs from what the package holds; one the ignore file leaves out is DPL308's
        packaged = [name for name in present if ignore is None or ignore.excluded_by(name) is None]
        if present and not packaged:
            return
        has_requirements = "requirements.txt" in packaged
        has_pyproject = "pyproject.toml" in packaged
        if any(plugin.text(name) is None for name in packaged):
            return  # there but unreadable (a link out of the plugin, a FIFO...): DPL003 says so
        if not has_requirements and not has_pyproject:
            yield file_start(
                "there is no requirements.txt or pyproject.toml at the plugin root; Dify cannot install the"
                " plugin's dependencies (add pyproject.toml and uv.lock, or requirements.txt)"
            )
            return
        if has_pyproject:
            state, detail = _pyproject_state(self._read(plugin, "pyproject.toml"))
            if state == "invalid":
                yield file_start(f"pyproject.toml is not valid TOML ({detail}); `uv sync` fails when Dify installs the plugin")
            elif state == "no-project":
                poetry = " ([tool.poetry] is not read by uv)" if detail == "poetry" else ""
                yield file_start(
                    f"pyproject.toml has no [project] table{poetry}; Dify installs from pyproject.toml when it exists, with"
                    ' `uv sync`, which stops with "No `project` table found", so installing the plugin fails; declare the'
                    " dependencies, with dify_plugin, under [project]"
                )
            elif state == "no":
                where = " (it is only in the dev group, which `uv sync --no-dev` skips)" if detail == "dev" else ""
                yield file_start(
                    f"pyproject.toml does not require dify_plugin in [project].dependencies{where}; Dify installs from it"
                    " and the plugin fails on `import dify_plugin`"
                )
        if has_requirements:
            state = _requirements_state(self._read(plugin, "requirements.txt"))
            if state == "no":
                if has_pyproject:
                    yield file_start(
                        "requirements.txt does not name dify_plugin; Dify uses it instead of pyproject.toml when a"
                        " pip mirror is configured, and the plugin then fails on `import dify_plugin`",
                    )
                else:
                    yield file_start("requirements.txt does not name dify_plugin; the plugin fails on `import dify_plugin`")

    @staticmethod
    def _read(plugin, name: str) -> str:
        return plugin.text(name) or ""
