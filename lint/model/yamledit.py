"""Text edits to a YAML document that set keys, made from its node marks: only the characters
that must change are touched; comments, quoting, key order and the file's own indentation stay.

`ensure(doc, spec)` sets every leaf of `spec` (nested mappings of key -> YAML text) in the
document: a key already holding the value is left alone, a plain scalar holding another value
is replaced, missing keys are written together as a block in the file's indentation, and an
empty value (`key:`, `key: {}`, `key: null`) becomes a block. Where an edit could not keep the
document's shape (a flow mapping with content, a block scalar, an alias, a merge key), there is
no edit at all.
"""

from __future__ import annotations

from typing import Mapping, Union

import yaml

from ..diagnostics import Edit
from .yamldoc import PathItem, YamlDoc

Spec = Mapping[str, Union["Spec", str]]

_EMPTY = ("", "~", "null", "Null", "NULL")


def ensure(doc: YamlDoc, spec: Spec, at: tuple[PathItem, ...] = ()) -> list[Edit] | None:
    """The edits that give the mapping at `at` (the document by default) every value of `spec`;
    [] when it has them all; None when they cannot be written without reshaping the file."""
    if at and not doc.exact(at):
        return None
    _, mapping = doc.node_at(at)
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style:
        return None
    edits: list[Edit] = []
    return edits if _ensure(doc, mapping, spec, _indent_step(doc), edits) else None


def _ensure(doc: YamlDoc, mapping: yaml.MappingNode, spec: Spec, step: int, edits: list[Edit]) -> bool:
    pairs = {}
    for key, value in mapping.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            return False  # a merged-in mapping could hold the key: leave the file alone
        pairs[key.value] = (key, value)
    missing: dict[str, Spec | str] = {}
    for name, wanted in spec.items():
        if name not in pairs:
            missing[name] = wanted
            continue
        key, value = pairs[name]
        if isinstance(wanted, str):
            if not _set_scalar(doc, key, value, wanted, edits):
                return False
        elif isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            if not _ensure(doc, value, wanted, step, edits):
                return False
        elif _empty(value):
            if not _fill(doc, key, value, wanted, step, edits):
                return False
        else:
            return False
    if missing:
        return _add(doc, mapping, missing, step, edits)
    return True


def _set_scalar(doc: YamlDoc, key: yaml.Node, node: yaml.Node, wanted: str, edits: list[Edit]) -> bool:
    if not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
        return False
    if node.value == wanted and not node.style:
        return True
    start, end = doc.offset(node.start_mark), doc.offset(node.end_mark)
    if start == end:  # `key:` with nothing after it: the value goes after the colon
        key_end = doc.offset(key.end_mark)
        colon = doc.text.find(":", key_end)
        line_end = _line_end(doc, doc.lines.position(key_end).line)
        if colon < 0 or colon >= line_end:
            return False
        edits.append(Edit(doc.path, colon + 1, colon + 1, " " + wanted))
        return True
    if doc.lines.position(start).line != doc.lines.position(end).line:
        return False
    edits.append(Edit(doc.path, start, end, wanted))
    return True


def _empty(node: yaml.Node) -> bool:
    if isinstance(node, yaml.MappingNode):
        return not node.value
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value in _EMPTY


def _fill(doc: YamlDoc, key: yaml.Node, value: yaml.Node, wanted: Spec, step: int, edits: list[Edit]) -> bool:
    """Turn an empty value (`key:`, `key: {}`, `key: ~`) into a block holding `wanted`."""
    key_start = doc.offset(key.start_mark)
    key_line = doc.lines.position(key_start).line
    start, end = doc.offset(value.start_mark), doc.offset(value.end_mark)
    if start != end and doc.lines.position(end).line != key_line:
        return False
    indent = doc.lines.position(key_start).column - 1
    if not _only_indent_before(doc, key_start):
        return False  # a key after `- ` or on a line of its own making: its column is no indentation
    if start != end:
        edits.append(Edit(doc.path, _space_before(doc, start), end, ""))
    line_end = _line_end(doc, key_line)
    edits.append(Edit(doc.path, line_end, line_end, "\n" + _block(wanted, indent + step, step)))
    return True


def _add(doc: YamlDoc, mapping: yaml.MappingNode, missing: Spec, step: int, edits: list[Edit]) -> bool:
    """Write the missing keys into a block mapping: after its last entry when that ends on a
    line of its own, else before its first key."""
    if mapping.flow_style or not mapping.value:
        return False
    first = doc.offset(mapping.value[0][0].start_mark)
    indent = doc.lines.position(first).column - 1
    after = _after_last_entry(doc, mapping)
    if after is not None:
        edits.append(Edit(doc.path, after, after, "\n" + _block(missing, indent, step)))
        return True
    if not _only_indent_before(doc, first):
        return False
    edits.append(Edit(doc.path, first, first, _block(missing, indent, step)[indent:] + "\n" + " " * indent))
    return True


def _after_last_entry(doc: YamlDoc, mapping: yaml.MappingNode) -> int | None:
    """The end of the line the mapping's last scalar ends on, when that is safe to write after."""
    node: yaml.Node = mapping
    key: yaml.Node | None = None
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if not node.value or node.flow_style:
            break
        if isinstance(node, yaml.MappingNode):
            key, node = node.value[-1]
        else:
            key, node = None, node.value[-1]
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if not node.flow_style:
            return None
    elif node.style in ("|", ">"):
        return None
    start, end = doc.offset(node.start_mark), doc.offset(node.end_mark)
    if start == end:  # an empty value (`key:`): its mark may lie on a later line; its key's does not
        if key is None:
            return None
        start, end = doc.offset(key.start_mark), doc.offset(key.end_mark)
    last = doc.lines.position(end).line
    if doc.lines.position(start).line != last:
        return None
    return _line_end(doc, last)


def _block(spec: Spec, indent: int, step: int) -> str:
    """`spec` as block YAML at `indent`, without a final line break."""
    lines = []
    for name, value in spec.items():
        if isinstance(value, str):
            lines.append(f"{' ' * indent}{name}: {value}")
        else:
            lines.append(f"{' ' * indent}{name}:")
            lines.append(_block(value, indent + step, step))
    return "\n".join(lines)


def _indent_step(doc: YamlDoc) -> int:
    """How far the file indents a nested mapping (its first one), 2 when it has none."""
    stack = [doc.root]
    while stack:
        node = stack.pop()
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            continue
        for key, value in node.value:
            if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
                outer = doc.lines.position(doc.offset(key.start_mark)).column
                inner = doc.lines.position(doc.offset(value.value[0][0].start_mark)).column
                if inner > outer and _only_indent_before(doc, doc.offset(key.start_mark)):
                    return inner - outer
        stack.extend(reversed([value for _, value in node.value]))
    return 2


def _only_indent_before(doc: YamlDoc, offset: int) -> bool:
    line = doc.lines.position(offset).line
    return doc.text[doc.lines.starts[line - 1] : offset].strip(" ") == ""


def _line_end(doc: YamlDoc, line: int) -> int:
    return doc.lines.starts[line - 1] + len(doc.lines.line(line) or "")


def _space_before(doc: YamlDoc, offset: int) -> int:
    while offset > 0 and doc.text[offset - 1] in " \t":
        offset -= 1
    return offset
