"""Strategies that write a mutated plugin to disk: one real plugin, a few mutations."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml
from hypothesis import strategies as st

from dify_lint.examples import BASE_PLUGINS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def real_plugins() -> list[Path]:
    """Every plugin root among the base plugins and the test fixtures."""
    roots = sorted(p.parent for p in BASE_PLUGINS.glob("*/manifest.yaml"))
    roots += sorted(p.parent for p in FIXTURES.glob("**/manifest.yaml") if "__pycache__" not in p.parts)
    return roots


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "yes", "no", "on", "off", "~", "null", "2024-13-45", "1e400", ".inf", "0x1F", "0o17", "12:30:00"]),
    st.sampled_from(["llm", "text-embedding", "tool", "secret-input", "select", "model-selector", "en_US", "main"]),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12
)

#: text spliced into a YAML file: anchors, aliases, merges, tags, flow collections, odd scalars
YAML_SNIPPETS = [
    "&a ", "*a", "<<: *a\n", "<<: [*a, *a]\n", "!!str ", "!!int ", "!!bool ", "!!float ", "!!binary ", "!!timestamp ",
    "!!set ", "!!omap ", "!!python/object:os.system ", "!include ", "? ", ": ", "- ", "{", "}", "[", "]", ",", "'", '"',
    "|\n", ">-\n", "\t", "\n", "\n---\n", "\n...\n", "%YAML 1.1\n", "#", " # dify-lint: ignore\n", "\x00", "\x1b[31m",
    "\ufeff", "\u202e", "\udc80", "\r\n", "\x85", "\u2028", "key: value\n", "  nested:\n    - a\n",
]  # fmt: skip

#: odd but valid Python, spliced in at line starts
PYTHON_SNIPPETS = [
    "match x:\n    case {'a': [1, *rest]} if rest:\n        pass\n",
    "if (n := len(a)) > 10: pass\n",
    "f = lambda *a, b=1, **k: (yield)\n",
    "x = f'{f\"{1}\"}'\n",
    "async def g():\n    [i async for i in aiter()]\n",
    "@(lambda f: f)\ndef h(): ...\n",
    "class C(Tool, metaclass=type): _invoke = None\n",
    "from dify_plugin import *\n",
    "import dify_plugin as Tool\n",
    "def _invoke(self, tool_parameters, /, *args, **kw):\n    return tool_parameters['x']\n",
    "del self.session\n",
    "self.session.model.llm.invoke(**{})\n",
    "global session\n",
    "x: 'Tool' = Tool\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "\\\n",
    "# -*- coding: latin-1 -*-\n",
    "if 1:\n\tpass\n",
    "\x0c\n",
    "yield from ()\n",
    "return\n",
]


@st.composite
def mutated_plugin(draw, destination: Path) -> Path:
    """A real plugin copied to `destination`, then mutated 1 to 4 times."""
    source = draw(st.sampled_from(real_plugins()))
    shutil.copytree(source, destination, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "expected*.txt"))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        files = _regular_files(destination)
        kind = draw(st.sampled_from(["yaml-data", "yaml-text", "yaml-text", "python", "truncate", "file-system"]))
        if kind == "yaml-data":
            _mutate_yaml_data(draw, [p for p in files if p.suffix == ".yaml"])
        elif kind == "yaml-text":
            _splice(draw, [p for p in files if p.suffix == ".yaml"], YAML_SNIPPETS)
        elif kind == "python":
            _splice(draw, [p for p in files if p.suffix == ".py"], PYTHON_SNIPPETS)
        elif kind == "truncate" and files:
            target = draw(st.sampled_from(files))
            data = target.read_bytes()
            target.write_bytes(data[: draw(st.integers(min_value=0, max_value=len(data)))])
        elif kind == "file-system":
            _file_system_oddity(draw, destination, files)
    return destination


def _regular_files(root: Path) -> list[Path]:
    """The plugin's regular files; links are not followed (some lead out, or in loops)."""
    found = []
    for folder, _, names in os.walk(root):
        found += [
            Path(folder) / name
            for name in names
            if os.path.isfile(Path(folder) / name) and not os.path.islink(Path(folder) / name)
        ]
    return sorted(found)


def _mutate_yaml_data(draw, files: list[Path]) -> None:
    if not files:
        return
    target = draw(st.sampled_from(files))
    try:
        data = yaml.safe_load(target.read_text("utf-8"))
    except Exception:  # PyYAML's own constructors fail in many ways (2024-02-30); not the linter's
        return
    paths = list(_paths(data))
    if not paths:
        return
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1] if path else None
    if not path:
        data = draw(VALUES)
    elif action == "replace":
        parent[last] = draw(VALUES)
    elif action == "delete":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = parent.pop(last)
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = draw(VALUES)
    try:
        text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    except Exception:
        return
    target.write_text(text, "utf-8", errors="surrogateescape")


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in list(data.items())[:20]:
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:20]):
            yield from _paths(value, (*prefix, index))


def _splice(draw, files: list[Path], snippets: list[str]) -> None:
    if not files:
        return
    target = draw(st.sampled_from(files))
    data = target.read_bytes()
    lines = data.splitlines(keepends=True)
    at = draw(st.integers(min_value=0, max_value=len(lines)))
    snippet = draw(st.sampled_from(snippets))
    if draw(st.booleans()) and lines and at < len(lines):  # within a line, not at its start
        line = lines[at]
        cut = draw(st.integers(min_value=0, max_value=len(line)))
        lines[at] = line[:cut] + snippet.encode("utf-8", "surrogateescape") + line[cut:]
    else:
        indent = draw(st.sampled_from([b"", b"  ", b"    ", b"\t"]))
        lines.insert(at, indent + snippet.encode("utf-8", "surrogateescape"))
    target.write_bytes(b"".join(lines))


ODD_NAMES = ["new\nline.yaml", "esc\x1b[31m.py", os.fsdecode(b"caf\xe9.yaml"), "space name.yaml", "#hash.py", "x" * 250]


def _file_system_oddity(draw, root: Path, files: list[Path]) -> None:
    action = draw(st.sampled_from(["dir-for-file", "loop-link", "outside-link", "odd-name", "empty-file", "deep-folders"]))
    target = draw(st.sampled_from(files)) if files else root / "manifest.yaml"
    if action == "dir-for-file":
        if target.exists():
            target.unlink()
        target.mkdir(parents=True, exist_ok=True)
    elif action == "loop-link":
        link = target.parent / "loop"
        if not link.exists():
            os.symlink(".", link)
        if target.exists():
            target.unlink()
        os.symlink(target.name, target)  # a link to itself
    elif action == "outside-link":
        if target.exists():
            target.unlink()
        os.symlink(draw(st.sampled_from(["/etc/hostname", "/", "../../..", "/dev/null"])), target)
    elif action == "odd-name":
        name = draw(st.sampled_from(ODD_NAMES))
        (target.parent / name).write_bytes(target.read_bytes() if target.is_file() else b"x: 1\n")
    elif action == "empty-file":
        target.write_bytes(b"")
    elif action == "deep-folders":
        deep = root.joinpath(*["d"] * 60)
        deep.mkdir(parents=True, exist_ok=True)
        (deep / "manifest.yaml").write_bytes(b"type: plugin\n")
