"""YAML loaded once with positions; hostile structures measured, never expanded."""

from __future__ import annotations

from dify_lint.diagnostics import Position
from dify_lint.model import yamldoc
from dify_lint.model.yamldoc import MAX_DEPTH, YamlDoc


def test_values_and_positions():
    doc = YamlDoc.parse("x.yaml", "identity:\n  name: echo\nparameters:\n  - name: text\n    form: llm\n  - name:\n")
    assert doc.usable
    assert doc.get("parameters", 0, "form") == "llm"
    assert doc.span(("parameters", 0, "form")).start == Position(5, 11)
    assert doc.span(("parameters", 0, "form"), key=True).start == Position(5, 5)
    # an empty value points at its key
    assert doc.span(("parameters", 1, "name")).start == Position(6, 5)
    # a block points at its key; a missing key at its deepest existing ancestor
    assert doc.span(("identity",)).start == Position(1, 1)
    assert doc.span(("identity", "label")).start == Position(1, 1)
    assert doc.exact(("identity", "name")) and not doc.exact(("identity", "label"))


def test_timestamps_stay_strings_and_yaml_11_booleans_stay_booleans():
    doc = YamlDoc.parse("m.yaml", "created_at: 2024-09-20T08:03:44.658609186Z\nenabled: yes\nsize: 1024\n")
    assert doc.data == {"created_at": "2024-09-20T08:03:44.658609186Z", "enabled": True, "size": 1024}


def test_keys_are_strings_as_written():
    doc = YamlDoc.parse("x.yaml", "on: 1\n1: 2\nnull: 3\n")
    assert doc.data == {"on": 1, "1": 2, "null": 3}


def test_duplicate_key_keeps_last_and_is_reported():
    doc = YamlDoc.parse("x.yaml", "a: 1\nb: 2\na: 3\n")
    assert doc.data == {"b": 2, "a": 3}
    (problem,) = doc.problems
    assert problem.kind == "duplicate-key"
    assert problem.span.start == Position(3, 1)
    assert "first defined at line 1" in problem.message


def test_merge_keys():
    doc = YamlDoc.parse("x.yaml", "base: &b {author: x, name: a}\nidentity:\n  <<: *b\n  name: y\n")
    assert doc.data["identity"] == {"author": "x", "name": "y"}


def test_aliases_are_shared_not_copied():
    doc = YamlDoc.parse("x.yaml", "a: &x {k: [1, 2]}\nb: *x\n")
    assert doc.data["a"] is doc.data["b"]


def test_alias_bomb_is_measured_not_expanded():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]")
    doc = YamlDoc.parse("bomb.yaml", "\n".join(levels) + "\n")
    assert not doc.usable
    assert doc.problems[0].kind == "limit" and "alias bomb" in doc.problems[0].message


def test_recursive_alias():
    doc = YamlDoc.parse("x.yaml", "a: &a [1, *a]\n")
    assert not doc.usable and "recursive alias" in doc.problems[0].message


def test_depth_limit():
    text = "".join("  " * i + "k:\n" for i in range(MAX_DEPTH + 5))
    doc = YamlDoc.parse("x.yaml", text)
    assert not doc.usable and "levels deep" in doc.problems[0].message


def test_syntax_error_position_and_message():
    doc = YamlDoc.parse("x.yaml", "a: [1,\nb: 2\n")
    (problem,) = doc.problems
    assert problem.kind == "syntax"
    assert problem.message.startswith("YAML syntax error:")
    assert problem.span.start.line == 3  # libyaml notices at the end of the stream
    assert "started at line 1" in problem.message


def test_control_character_position():
    doc = YamlDoc.parse("x.yaml", "a: 1\nb: \x07\n")
    (problem,) = doc.problems
    assert problem.span.start == Position(2, 4)
    assert "U+0007" in problem.message


def test_empty_document():
    doc = YamlDoc.parse("x.yaml", "# only a comment\n")
    assert doc.usable and doc.data is None and not doc.problems


def test_the_document_cache_keeps_a_document_and_its_results_by_content():
    from dify_lint.model.yamldoc import DocumentCache

    cache = DocumentCache(size=2)
    first = cache.document("a.yaml", "a: 1\n")
    assert cache.document("a.yaml", "a: 1\n") is first
    calls = []
    for _ in range(3):
        cache.result("count", first, lambda: calls.append(1) or len(calls))
    assert calls == [1]
    # a document parsed outside the cache is computed for, its result not kept
    assert cache.result("count", YamlDoc.parse("a.yaml", "a: 1\n"), lambda: "computed") == "computed"
    cache.document("b.yaml", "b: 1\n")
    cache.document("c.yaml", "c: 1\n")  # the third document: the least recently used goes
    assert len(cache) == 2
    assert cache.document("a.yaml", "a: 1\n") is not first
    # an edit replaces the document of its path
    edited = cache.document("a.yaml", "a: 2\n")
    assert len(cache) == 2 and cache.document("a.yaml", "a: 2\n") is edited


_SCALARS = """\
plain: word
quoted: 'yes'
double: "1"
booleans: [yes, No, ON, off, true, FALSE, y, n]
numbers: [1, -2, 0x1F, 0o17, 017, 1_000, 1:30, 1.5, .5, 1e3, -.inf, .NaN]
nulls: [~, null, Null, '', ]
empty:
dates: [2024-01-01, 2024-01-01 10:00:00, 2024-1-1]
long: a plain scalar that is longer than the remembered length, written as prose
?complex: [a, b]
key with spaces: =
<<: {merge: 1}
"""


def test_tags_are_pyyaml_s_own():
    """The resolver that remembers the tags of plain scalars gives every node of every YAML text
    the repository holds (and of odd scalars, twice, the second time from memory) the tag
    PyYAML's own resolver gives it."""
    import yaml

    from helpers import yaml_texts

    def tags(text: str, loader) -> list[str] | None:
        try:
            root = yaml.compose(text, Loader=loader)
        except yaml.YAMLError:
            return None
        found, stack, seen = [], [root] if root is not None else [], set()
        while stack:
            node = stack.pop()
            found.append(node.tag)
            if id(node) in seen:  # an alias, perhaps of a node that holds it
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                stack.extend(part for pair in node.value for part in pair)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return found

    class Remembering(yaml.SafeLoader, yamldoc._Resolver):
        pass

    texts = [_SCALARS, _SCALARS, *yaml_texts().values()]
    compared = 0
    for text in texts:
        expected = tags(text, yaml.SafeLoader)
        assert tags(text, Remembering) == expected
        compared += expected is not None
    assert compared > 100
    assert yamldoc._Resolver._plain_tags  # the memory was used
