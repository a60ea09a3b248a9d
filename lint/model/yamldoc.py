"""YAML loaded once, with a position for every key and value.

PyYAML's composer gives the node tree with marks; the data is built from that same tree here
rather than by PyYAML's constructor, so that hostile input stays cheap: aliases are shared, never
expanded; cycles, duplicate keys, depth and alias expansion are measured on the way; every walk is
iterative, so 10,000 levels of nesting cannot exhaust the Python stack. The plain files nearly
all plugins hold (no aliases of collections, merge keys or duplicate keys, nesting well under
the cap) are built by a direct recursive pass instead, with the same values, several times faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar, Union

import yaml

from ..diagnostics import Edit, Position, Span
from ..source.content import ContentCache, content_digest
from ..source.text import YAML_BREAKS, LineIndex, offset_span

_STR = "tag:yaml.org,2002:str"


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 resolution, as the Dify SDK (PyYAML) sees it. The composer asks for the tag of
    every node, and the same plain words and keys recur in every file, so the tag of a short plain
    scalar is remembered; a quoted one is always a string, and a collection always gets its
    default tag (no path resolvers are added, the only thing that could change either)."""

    _plain_tags: dict[str, str] = {}
    #: longer plain scalars are mostly prose, each met once
    _REMEMBERED_LENGTH = 40
    _REMEMBERED_COUNT = 65_536

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= self._REMEMBERED_LENGTH:
                    if len(self._plain_tags) >= self._REMEMBERED_COUNT:
                        self._plain_tags.clear()
                    self._plain_tags[value] = tag
            return tag
        return self.DEFAULT_MAPPING_TAG if kind is yaml.MappingNode else self.DEFAULT_SEQUENCE_TAG


try:  # libyaml is ten times faster; fall back quietly where PyYAML was built without it
    from yaml.cyaml import CParser

    class _Loader(CParser, yaml.constructor.SafeConstructor, _Resolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, Composer, yaml.constructor.SafeConstructor, _Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)


class Timestamp(str):
    """A scalar YAML reads as a date or time: kept as the text written, but the SDK gets a datetime."""


def _construct_timestamp(loader, node):
    yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)  # raises on 2024-02-30
    return Timestamp(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)

Node = yaml.nodes.Node
PathItem = Union[str, int]

#: Nesting deeper than this is reported and not validated (validators recurse).
MAX_DEPTH = 200
#: Nodes a document may expand to through aliases ("billion laughs" stays far above real files).
MAX_EXPANDED_NODES = 1_000_000


@dataclass
class YamlProblem:
    """Something wrong with the file itself, found while loading it."""

    kind: str  # "syntax", "duplicate-key", "limit"
    message: str
    span: Span
    #: where the problem is in the data, when it has a place there (a duplicate key: its path)
    at: tuple[PathItem, ...] | None = None


def mark_span(start: yaml.Mark, end: yaml.Mark | None = None) -> Span:
    begin = Position(start.line + 1, start.column + 1)
    if end is None or (end.line, end.column) <= (start.line, start.column):
        return Span(begin, Position(begin.line, begin.column + 1))
    return Span(begin, Position(end.line + 1, end.column + 1))


@dataclass
class YamlDoc:
    path: str  # relative to the plugin root, "/" separated
    text: str = field(repr=False)
    root: Node | None = field(default=None, repr=False)
    data: Any = field(default=None, repr=False)
    problems: list[YamlProblem] = field(default_factory=list)
    #: False when the data must not be walked by validators (syntax error, cycle, bomb, depth).
    usable: bool = False
    #: key nodes that YAML reads as something other than a string (`1:`, `null:`, `true:`, a date):
    #: the data keeps them as the text written, the SDK gets an int, None, bool or date
    typed_keys: dict[int, Node] = field(default_factory=dict, repr=False)
    #: duplicate key nodes (by id) -> their problem, until their paths are known
    _duplicates: dict[int, YamlProblem] = field(default_factory=dict, repr=False)
    #: mapping nodes (by id) -> their string keys -> (key node, value node), built when first looked
    #: into, so that finding a position costs the depth of its path, not the size of each mapping
    _key_index: dict[int, dict[str, tuple[Node, Node]]] = field(default_factory=dict, repr=False)
    _lines: LineIndex | None = field(default=None, repr=False)
    #: the content digest of `text`, when a `DocumentCache` keeps the document
    digest: str = field(default="", repr=False, compare=False)

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def parse(cls, path: str, text: str, digest: str = "") -> "YamlDoc":
        doc = cls(path=path, text=text, digest=digest)
        loader = None
        try:
            loader = _Loader(text)
            doc.root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            span = mark_span(mark) if mark is not None else Span.file_start()
            kind = "limit" if "maximum nesting depth" in str(error.problem) else "syntax"
            doc.problems.append(YamlProblem(kind, _syntax_message(error), span))
            return doc
        except yaml.reader.ReaderError as error:
            doc.problems.append(
                YamlProblem(
                    "syntax",
                    f"character U+{error.character:04X} is not allowed in YAML ({error.reason})",
                    offset_span(text, error.position),
                )
            )
            return doc
        except yaml.YAMLError as error:  # any other parser complaint has no mark
            doc.problems.append(YamlProblem("syntax", f"YAML error: {error}", Span.file_start()))
            return doc
        except RecursionError:
            doc.problems.append(YamlProblem("limit", "YAML nesting is too deep to parse", Span.file_start()))
            return doc
        finally:
            if loader is not None:
                loader.dispose()
        if doc.root is None:  # an empty file or one holding only comments
            doc.usable = True
            return doc
        doc._build(loader)
        return doc

    def _build(self, loader: _Loader) -> None:
        """The data of the node tree: directly for the plain shapes nearly every file has, else
        by the general pass that measures what hostile input needs measured."""
        built = _build_plain(self.root, loader)
        if built is not None:
            self.data, self.typed_keys = built
            self.usable = True
            return
        self._build_general(loader)

    def _build_general(self, loader: _Loader) -> None:
        """One iterative, children-first pass: values, depth, alias expansion, cycles."""
        scalar = _scalar_constructor(loader)
        values: dict[int, Any] = {}
        depth: dict[int, int] = {}
        size: dict[int, int] = {}
        on_path: set[int] = {id(self.root)}
        stack: list[tuple[Node, Iterator[Node]]] = [(self.root, _children(self.root))]
        try:
            while stack:
                node, children = stack[-1]
                descended = False
                for child in children:
                    key = id(child)
                    if key in values:
                        continue  # an alias of a finished node: shared, not expanded
                    if key in on_path:
                        self.problems.append(
                            YamlProblem(
                                "limit",
                                "recursive alias: this node contains itself, so the document has no finite value",
                                mark_span(child.start_mark, child.end_mark),
                            )
                        )
                        return
                    on_path.add(key)
                    stack.append((child, _children(child)))
                    descended = True
                    break
                if descended:
                    continue
                stack.pop()
                key = id(node)
                on_path.discard(key)
                if isinstance(node, yaml.ScalarNode):
                    values[key] = scalar(node)
                    depth[key] = size[key] = 1
                    continue
                kids = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
                depth[key] = 1 + max((depth[id(c)] for c in kids), default=0)
                size[key] = min(MAX_EXPANDED_NODES + 1, 1 + sum(size[id(c)] for c in kids))
                values[key] = self._collection(node, values)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            span = mark_span(mark) if mark is not None else Span.file_start()
            self.problems.append(YamlProblem("syntax", _syntax_message(error), span))
            return
        root = id(self.root)
        if depth[root] > MAX_DEPTH:
            self.problems.append(
                YamlProblem(
                    "limit",
                    f"YAML is nested {depth[root]} levels deep; more than {MAX_DEPTH} is not checked",
                    mark_span(self.root.start_mark),
                )
            )
            return
        if size[root] > MAX_EXPANDED_NODES:
            written = len(values) > MAX_EXPANDED_NODES  # each distinct node has one value: no alias needed
            self.problems.append(
                YamlProblem(
                    "limit",
                    f"this document holds more than {MAX_EXPANDED_NODES:,} nodes; it is not checked"
                    if written
                    else f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb); it is not checked",
                    mark_span(self.root.start_mark),
                )
            )
            return
        self.data = values[root]
        self.usable = True
        self._place_duplicates()

    def _collection(self, node: Node, values: dict[int, Any]) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [values[id(item)] for item in node.value]
        result: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = values[id(value_node)]
                sources = merged if isinstance(merged, list) else [merged]
                if not all(isinstance(source, dict) for source in sources):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a merge key `<<` needs a mapping or a list of mappings", value_node.start_mark
                    )
                for source in sources:
                    for key, value in source.items():
                        result.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a list or mapping cannot be a key (PyYAML: found unhashable key)", key_node.start_mark
                )
            if key_node.tag != "tag:yaml.org,2002:str":
                self.typed_keys[id(key_node)] = key_node
            key = key_node.value
            if key in first_seen:
                problem = YamlProblem(
                    "duplicate-key",
                    f"duplicate key `{key}` (first defined at line {first_seen[key].start_mark.line + 1});"
                    " YAML loaders keep only the last value",
                    mark_span(key_node.start_mark, key_node.end_mark),
                )
                self.problems.append(problem)
                self._duplicates[id(key_node)] = problem
                result.pop(key, None)  # the later value wins, as in PyYAML
            first_seen[key] = key_node
            result[key] = values[id(value_node)]
        return result

    def _place_duplicates(self) -> None:
        """Give each duplicate key its path in the data (the path of the value that wins)."""
        if not self._duplicates:
            return
        seen: set[int] = set()
        stack: list[tuple[Node, tuple[PathItem, ...]]] = [(self.root, ())]
        while stack:
            node, path = stack.pop()
            if id(node) in seen:
                continue  # an alias: its subtree was walked where it is defined
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    here = (*path, key_node.value)
                    problem = self._duplicates.get(id(key_node))
                    if problem is not None:
                        problem.at = here
                    stack.append((value_node, here))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
        self._duplicates.clear()

    # -- positions -----------------------------------------------------------------------

    def node_at(self, path: tuple[PathItem, ...]) -> tuple[Node | None, Node | None]:
        """The (key node, value node) at `path`; the deepest existing ancestor if it is missing."""
        key_node: Node | None = None
        node = self.root
        for item in path:
            if isinstance(node, yaml.MappingNode):
                index = self._key_index.get(id(node))
                if index is None:  # the last of duplicate keys wins, as in the data
                    index = self._key_index[id(node)] = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
                found = index.get(str(item))
                if found is None:
                    return key_node, node
                key_node, node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                key_node, node = None, node.value[item]
            else:
                return key_node, node
        return key_node, node

    def span(self, path: tuple[PathItem, ...] = (), *, key: bool = False) -> Span:
        """Where `path` is written. With key=True, or for an empty value, the key is shown."""
        key_node, node = self.node_at(path)
        if node is None:
            return Span.file_start()
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            # a whole block: point at its key, or at its first character
            if key_node is not None:
                return mark_span(key_node.start_mark, key_node.end_mark)
            return mark_span(node.start_mark)
        empty = node.value == "" and not node.style  # libyaml gives "" where PyYAML gives None
        if key_node is not None and (key or empty):
            return mark_span(key_node.start_mark, key_node.end_mark)
        return mark_span(node.start_mark, node.end_mark)

    # -- edits (fixes) -------------------------------------------------------------------

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text, YAML_BREAKS)
        return self._lines

    def offset(self, mark: yaml.Mark) -> int:
        """The character offset into `text` of a node mark (its line and column, as libyaml counts them)."""
        return self.lines.offset(Position(mark.line + 1, mark.column + 1))

    def rename_key(self, path: tuple[PathItem, ...], new: str) -> Edit | None:
        """The edit that renames the key at `path` to `new`, quoting kept; None when the key is not
        written once, as itself, in its mapping (merged in, written with escapes, or duplicated)."""
        if not path or not isinstance(path[-1], str) or not _PLAIN_KEY.fullmatch(new):
            return None
        _, mapping = self.node_at(path[:-1])
        if not isinstance(mapping, yaml.MappingNode) or not self.exact(path):
            return None
        keys = [k for k, _ in mapping.value if isinstance(k, yaml.ScalarNode)]
        matching = [k for k in keys if k.value == path[-1]]
        if len(matching) != 1 or any(k.value == new for k in keys):
            return None
        key = matching[0]
        start, end = self.offset(key.start_mark), self.offset(key.end_mark)
        written = self.text[start:end]
        if key.style in ("'", '"') and written == f"{key.style}{key.value}{key.style}":
            return Edit(self.path, start + 1, end - 1, new)
        if not key.style and written == key.value:
            return Edit(self.path, start, end, new)
        return None

    def scalar_source(self, path: tuple[PathItem, ...]) -> tuple[int, int, str] | None:
        """(start, end, text as written) of the one-line scalar at `path`; None for anything else
        (a block, a block scalar, an alias, a value written over several lines)."""
        if not path or not self.exact(path):
            return None
        _, node = self.node_at(path)
        if not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
            return None
        start, end = self.offset(node.start_mark), self.offset(node.end_mark)
        if start >= end or self.lines.position(start).line != self.lines.position(end).line:
            return None
        if self.text[start] in "*&!":  # an alias, an anchor or a tag: not the value alone
            return None
        return start, end, self.text[start:end]

    def exact(self, path: tuple[PathItem, ...]) -> bool:
        """True when `path` exists in the document (as opposed to a fallback ancestor)."""
        data = self.data
        for item in path:
            if isinstance(data, dict) and isinstance(item, str) and item in data:
                data = data[item]
            elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
                data = data[item]
            else:
                return False
        return True

    def get(self, *path: PathItem, default: Any = None) -> Any:
        data = self.data
        for item in path:
            if isinstance(data, dict) and isinstance(item, str):
                data = data.get(item, default)
            elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
                data = data[item]
            else:
                return default
        return data


#: a key written plain that YAML reads back as the same string
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _syntax_message(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    problem_mark = getattr(error, "problem_mark", None)
    if context and context_mark is not None and problem_mark is not None and context_mark.line != problem_mark.line:
        context = f"{context} (started at line {context_mark.line + 1})"
    text = f"{context}: {problem}" if context else problem
    return f"YAML syntax error: {text}"


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


class _NotPlain(Exception):
    """The node tree has something the plain builder leaves to the general pass."""


_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"


def _build_plain(root: Node, loader: _Loader) -> tuple[Any, dict[int, Node]] | None:
    """The data and the typed keys of a tree without aliases of collections, merge keys,
    duplicate keys, complex keys, unreadable scalars or nesting near the cap, built in one
    recursive pass (ten times faster than the general one); None for any other tree, which the
    general pass then builds, with the same values for what both can build."""
    scalar = _scalar_constructor(loader)
    bool_values = loader.bool_values
    typed_keys: dict[int, Node] = {}
    seen: set[int] = set()  # collections met so far: one met twice is an alias
    #: the nodes the document expands to: without aliases of collections, the nodes written
    size = [1]
    scalar_node, sequence_node, mapping_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def value_of(node: Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            found = bool_values.get(node.value.lower())
            if found is not None:
                return found
        if tag == _INT:
            text = node.value
            if len(text) < 19 and text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
                return int(text)  # plain decimal; signs, 0x, 010, 1_000, 1:30 and 5,000 digits go the long way
        try:
            return scalar(node)
        except yaml.YAMLError:
            raise _NotPlain from None

    def build(node: Node, level: int) -> Any:
        kind = node.__class__
        if kind is scalar_node:
            return value_of(node)
        if level >= MAX_DEPTH or id(node) in seen:
            raise _NotPlain
        seen.add(id(node))
        level += 1
        size[0] += len(node.value) * (2 if kind is mapping_node else 1)
        if kind is sequence_node:
            return [
                item.value if item.tag == _STR and item.__class__ is scalar_node else build(item, level) for item in node.value
            ]
        if kind is not mapping_node:
            raise _NotPlain
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar_node:
                raise _NotPlain
            if key_node.tag != _STR:
                if key_node.tag == _MERGE:
                    raise _NotPlain
                value_of(key_node)  # a key YAML cannot read (`2024-02-30:`) is an error there
                typed_keys[id(key_node)] = key_node
            key = key_node.value
            if key in result:
                raise _NotPlain  # a duplicate: reported by the general pass
            if value_node.tag == _STR and value_node.__class__ is scalar_node:
                result[key] = value_node.value
            else:
                result[key] = build(value_node, level)
        return result

    try:
        data = build(root, 1)
    except _NotPlain:
        return None
    finally:
        build = None  # type: ignore[assignment]  # the recursive closure is a cycle: free the loader now, not at the next full collection
    if size[0] > MAX_EXPANDED_NODES:  # reported by the general pass
        return None
    return data, typed_keys


def _scalar_constructor(loader: _Loader):
    """Build scalars by tag directly; plain strings, the common case, skip the constructor."""
    constructors = loader.yaml_constructors

    def build(node: Node) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        if node.tag == "tag:yaml.org,2002:merge":
            return "<<"  # only a key; the mapping merges the value
        constructor = constructors.get(node.tag)
        if constructor is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
            )
        try:
            return constructor(loader, node)
        except (ValueError, TypeError, OverflowError) as error:  # 2024-02-30, an int of 5,000 digits
            reason = str(error)[:120]
        except (KeyError, AttributeError, IndexError):  # `!!bool maybe`, `!!timestamp soon`: PyYAML fails unkindly
            reason = "it is not written as one"
        kind = node.tag.rsplit(":", 1)[-1]
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"`{node.value[:40]}` cannot be read as a YAML {kind}: {reason}; quote it if it is text",
            node.start_mark,
        ) from None

    return build


T = TypeVar("T")


class DocumentCache(ContentCache):
    """Parsed YAML documents and what was computed from one alone (its schema issues), by path and
    content digest (`dify_lint.source.content`): kept by the editor server between lints."""

    def document(self, path: str, text: str) -> YamlDoc:
        digest = content_digest(text)
        return self.built(path, digest, lambda: YamlDoc.parse(path, text, digest))

    def result(self, name: str, doc: YamlDoc, compute: Callable[[], T]) -> T:
        """The result `name` computed from `doc` alone, computed once while the document is kept."""
        if not doc.digest:
            return compute()
        return self.derived(name, doc.path, doc.digest, doc, compute)
