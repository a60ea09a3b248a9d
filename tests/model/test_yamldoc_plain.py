"""The plain builder gives exactly the data and typed keys of the general pass, or declines."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dify_lint.model.yamldoc import YamlDoc, _build_plain, _Loader
from helpers import yaml_texts


def typed(value):
    """A value with the type of every part spelled out, so that True == 1 or "a" == Timestamp("a")
    cannot hide a difference."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def both(text: str):
    """(plain result or None, the general pass's doc), or None when the text does not compose."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except Exception:  # noqa: BLE001 - not YAML: neither builder runs
        return None
    finally:
        loader.dispose()
    if root is None:
        return None
    plain = _build_plain(root, loader)
    general = YamlDoc(path="x.yaml", text=text, root=root)
    general._build_general(loader)
    return plain, general


def assert_same(text: str) -> bool:
    """True when the plain builder took the text (and agreed), False when it declined."""
    result = both(text)
    if result is None:
        return False
    plain, general = result
    if plain is None:
        return False
    data, typed_keys = plain
    assert general.usable and not general.problems, text
    assert typed(data) == typed(general.data), text
    assert set(typed_keys) == set(general.typed_keys), text
    return True


def test_plain_builder_agrees_on_every_fixture_example_and_base_plugin():
    texts = yaml_texts()
    taken = sum(assert_same(text) for text in texts.values())
    assert taken > 0.9 * len(texts)  # the general pass is for the unusual file


def test_yaml_11_scalars_and_typed_keys():
    text = (
        "a: yes\nb: No\nc: ~\nd: 0x1F\ne: 010\nf: 1_000\ng: +5\nh: 1.5\ni: .inf\nj: 2024-01-01\n"
        "k: 2024-01-01 10:00:00\nl: 190:20:30\nm: !!str 12\nn: !!int '7'\no: !!binary aGk=\np:\n"
        "q: 0\nr: 12\n1: x\ntrue: y\nnull: z\n2024-05-01: w\n"
    )
    assert assert_same(text)
    doc = YamlDoc.parse("x.yaml", text)
    assert doc.data["a"] is True and doc.data["d"] == 31 and doc.data["e"] == 8 and doc.data["p"] is None
    assert len(doc.typed_keys) == 4


def test_unusual_trees_go_to_the_general_pass():
    for text in (
        "a: &x [1]\nb: *x\n",  # an alias of a collection
        "base: &b {k: 1}\nc:\n  <<: *b\n",  # a merge key
        "a: 1\na: 2\n",  # a duplicate key
        "? [a]\n: 1\n",  # a complex key
        "a: !!bool maybe\n",  # an unreadable scalar
        "2024-02-30: 1\n",  # an unreadable key
        "".join("  " * i + "k:\n" for i in range(210)),  # nesting past the cap
        "a: " + "9" * 5000 + "\n",  # an int Python will not read from so many digits
    ):
        result = both(text)
        assert result is not None and result[0] is None, text
    # a shared scalar is no reason to decline
    assert assert_same("a: &x 1\nb: *x\n")


_PLAIN_SCALARS = [
    "a", "yes", "No", "ON", "off", "y", "n", "true", "True", "TRUE", "tRue", "~", "null", "Null", "",
    "0", "1", "01", "010", "08", "-1", "+1", "0x1F", "0o17", "0b101", "1_000", "190:20:30", "1.5", "1e3", ".inf",
    "-.INF", ".NaN", "1.", "2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00.5Z", "2024-02-30",
    "12:30", "'quoted'", '"dq\\n"', "!!str 1", "!!int 2", "!!bool yes", "!!float 1", "!!null ''",
    "!!binary aGk=", "!!bool maybe", "!!timestamp soon", "=", "a b", "é", "'1'", "0.0.1",
]  # fmt: skip
_KEYS = ["a", "b", "name", "1", "yes", "null", "2024-01-01", "<<", "'a'", "~", "on"]


@st.composite
def yaml_text(draw) -> str:
    """YAML written with block and flow collections, anchors, aliases and merge keys, from
    scalars that YAML 1.1 reads in every way it can."""
    anchors: list[str] = []

    def node(depth: int, indent: int) -> tuple[str, bool]:
        """(text, is block): a block is written on the lines after its key or dash."""
        choice = draw(st.integers(0, 9 if depth < 4 else 3))
        if choice <= 2 or (choice == 3 and not anchors):
            return draw(st.sampled_from(_PLAIN_SCALARS)), False
        if choice == 3:
            return "*" + draw(st.sampled_from(anchors)), False
        prefix = ""
        if draw(st.integers(0, 4)) == 0:
            name = f"n{len(anchors)}"
            prefix = f"&{name} "
        if choice == 4:
            items = [node(depth + 1, 0)[0] for _ in range(draw(st.integers(0, 3)))]
            text = prefix + "[" + ", ".join(item for item in items) + "]"
        elif choice == 5:
            pairs = [f"{draw(st.sampled_from(_KEYS))}: {node(depth + 1, 0)[0]}" for _ in range(draw(st.integers(0, 3)))]
            text = prefix + "{" + ", ".join(pairs) + "}"
        else:
            pad = " " * indent
            lines = []
            mapping = choice != 9
            for _ in range(draw(st.integers(1, 3))):
                head = f"{pad}{draw(st.sampled_from(_KEYS))}:" if mapping else f"{pad}-"
                child, block = node(depth + 1, indent + 2)
                lines.append(f"{head}\n{child}" if block else f"{head} {child}")
            return "\n".join(lines), True  # anchors are written on flow collections only
        if prefix:
            anchors.append(prefix[1:-1])
        return text, False

    text, block = node(0, 0)
    return text + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(yaml_text())
def test_plain_builder_agrees_on_generated_yaml(text):
    assert_same(text)
