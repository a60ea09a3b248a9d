"""The compiled check says "valid" exactly when jsonschema finds no error, under our dialect."""

from __future__ import annotations

import math
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dify_lint.model import schema
from dify_lint.model.schemacheck import UnsupportedSchema, predicate
from dify_lint.model.yamldoc import Timestamp, YamlDoc
from helpers import yaml_texts

KINDS = sorted(path.stem for path in schema.SCHEMA_DIR.glob("*.json"))


@lru_cache(maxsize=None)
def plain_validator(kind: str):
    """jsonschema alone under our dialect, without the pruning `schema.validator` does."""
    cls, formats = schema._validator_class(pruned=False)
    return cls(schema._schema(kind), registry=schema._registry(), format_checker=formats)


def error_tree(errors) -> list:
    """What a list of jsonschema errors says, the errors under each anyOf/oneOf branch included."""
    return [
        (tuple(e.absolute_path), tuple(e.absolute_schema_path), e.validator, e.message, error_tree(e.context)) for e in errors
    ]


def jsonschema_valid(subschema, value) -> bool:
    cls, formats = schema._validator_class(pruned=False)
    return cls(subschema, format_checker=formats).is_valid(value)


def agree(subschema, value) -> bool:
    """What both say of `value`, failing the test when they differ."""
    fast = predicate(subschema)(value)
    assert fast == jsonschema_valid(subschema, value), f"{value!r} under {subschema!r}"
    return fast


# -- the semantics where JSON and Python differ ---------------------------------------------


def test_booleans_are_not_numbers_and_whole_floats_are_integers():
    assert not agree({"type": "integer"}, True)
    assert not agree({"type": "number"}, False)
    assert agree({"type": "integer"}, 3)
    assert agree({"type": "integer"}, 3.0)
    assert not agree({"type": "integer"}, 3.5)
    assert not agree({"type": "integer"}, math.inf)
    assert agree({"type": "number"}, 3.5)
    assert agree({"type": "boolean"}, True)
    assert not agree({"type": "boolean"}, 1)
    assert not agree({"type": "object"}, [])
    assert agree({"type": ["array", "null"]}, None)


def test_enum_and_const_keep_true_apart_from_one():
    falsy = {"enum": ["", 0, False, [], {}]}
    assert agree(falsy, False)
    assert agree(falsy, 0)
    assert agree(falsy, 0.0)
    assert agree(falsy, [])
    assert not agree(falsy, None)
    assert not agree(falsy, [False, 0])
    assert not agree({"enum": [0, 1]}, True)
    assert agree({"enum": [0, 1]}, 1.0)
    assert not agree({"const": 0}, False)
    assert agree({"const": "a"}, "a")
    assert not agree({"enum": ["a", "b"]}, ["a"])  # unhashable values are compared, not looked up
    assert not agree({"enum": ["a", None]}, {"a": 1})
    assert agree({"enum": ["x", None]}, None)


def test_dates_are_text_to_pattern_but_not_strings():
    date = Timestamp("2024-01-01")
    assert not agree({"type": "string"}, date)
    assert agree({"type": ["string", "timestamp"]}, date)
    assert agree({"minLength": 20}, date)  # a length applies to strings only
    assert not agree({"pattern": "^x"}, date)  # a pattern reads the text written
    assert agree({"enum": ["2024-01-01"]}, date)


def test_pattern_dollar_is_the_very_end_and_matches_anywhere():
    assert agree({"pattern": "^[a-z]+$"}, "abc")
    assert not agree({"pattern": "^[a-z]+$"}, "abc\n")
    assert agree({"pattern": "b"}, "abc")
    assert agree({"pattern": "^x"}, 12)


def test_the_datetime_format():
    assert agree({"format": "dify-datetime"}, "2024-09-20T08:03:44.658609186Z")
    assert agree({"format": "dify-datetime"}, "2024-09-20")
    assert not agree({"format": "dify-datetime"}, "2024-02-30")
    assert agree({"format": "dify-datetime"}, 5)


def test_properties_patterns_and_additional_properties():
    locales = {
        "properties": {"en_US": {"type": "string"}},
        "patternProperties": {"^[a-z]{2}_[A-Z]{2}$": {"type": "string"}},
        "additionalProperties": False,
    }
    assert agree(locales, {"en_US": "a", "ja_JP": "b"})
    assert not agree(locales, {"ja_JP": 1})
    assert not agree(locales, {"ja_Jp": "b"})
    assert not agree(locales, {"en_US": 1})
    typed_rest = {"properties": {"a": True}, "additionalProperties": {"type": "integer"}}
    assert agree(typed_rest, {"a": "x", "b": 1})
    assert not agree(typed_rest, {"b": "x"})
    assert agree({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ab": 1})
    assert not agree({"propertyNames": {"pattern": "^[a-z]+$"}}, {"a b": 1})
    assert not agree({"required": ["a"], "minProperties": 2}, {"a": 1})
    assert agree({"required": ["a"]}, "not a mapping")


def test_combinators_and_conditions():
    assert agree({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "a")
    assert not agree({"not": {"enum": [""]}}, "")
    branch = {"if": {"properties": {"t": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}}
    assert agree(branch, {"t": "a", "x": 1})
    assert not agree(branch, {"t": "a", "y": 1})
    assert agree(branch, {"t": "b", "y": 1})
    assert agree({"then": {"required": ["x"]}}, {})  # without `if`, `then` says nothing
    assert not agree({"x-ignored": "read by nobody"}, 1)
    assert agree({"items": {"maxLength": 1}, "maxItems": 2}, ["a", "b"])
    assert not agree({"items": {"maxLength": 1}}, ["a", "bc"])
    assert not agree({"minimum": 2, "maximum": 3}, 4)
    assert agree({"minimum": 2, "maximum": 3}, True)  # not a number, so not measured


def test_an_unknown_keyword_type_or_format_is_refused_when_compiling():
    with pytest.raises(UnsupportedSchema, match="uniqueItems"):
        predicate({"properties": {"a": {"uniqueItems": True}}})
    with pytest.raises(UnsupportedSchema, match="decimal"):
        predicate({"type": "decimal"})
    with pytest.raises(UnsupportedSchema, match="email"):
        predicate({"format": "email"})
    with pytest.raises(UnsupportedSchema, match="oneOf"):
        predicate({"oneOf": [{"type": "integer"}, {"type": "number"}]})
    with pytest.raises(UnsupportedSchema, match=r"\$ref"):
        predicate({"$ref": "#/$defs/x"})


def test_every_shipped_schema_compiles():
    for kind in KINDS:
        assert callable(schema.fast_check(kind))


# -- agreement on every document the repository holds ---------------------------------------


@lru_cache(maxsize=None)
def _documents() -> tuple:
    docs = [YamlDoc.parse(origin, text) for origin, text in yaml_texts().items()]
    return tuple(doc for doc in docs if doc.usable)


def test_agreement_on_every_fixture_example_and_base_plugin_under_every_schema():
    documents = _documents()
    assert len(documents) > 200
    valid = 0
    for kind in KINDS:
        full = plain_validator(kind)
        for doc in documents:
            fast = schema.fast_check(kind)(doc.data)
            assert fast == full.is_valid(doc.data), f"{doc.path} as {kind}"
            valid += fast
    assert valid > 50  # both verdicts are exercised


def test_pruned_validation_finds_the_same_errors_on_every_document_under_every_schema():
    """jsonschema skipping what the compiled check accepts reports exactly what it reports alone."""
    documents = _documents()
    compared = 0
    for kind in KINDS:
        for doc in documents:
            plain = error_tree(plain_validator(kind).iter_errors(doc.data))
            assert error_tree(schema.validator(kind).iter_errors(doc.data)) == plain, f"{doc.path} as {kind}"
            compared += bool(plain)
    assert compared > 100  # documents with errors, under schemas they do not fit


def _subschemas(node, found: dict) -> None:
    """Every distinct schema inside `node` (itself included), by its text."""
    if isinstance(node, dict):
        found.setdefault(repr(node), node)
        for key, value in node.items():
            if key in ("properties", "patternProperties"):
                for sub in value.values():
                    _subschemas(sub, found)
            elif key in ("allOf", "anyOf"):
                for sub in value:
                    _subschemas(sub, found)
            elif key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
                _subschemas(value, found)


def _near_values(node: dict) -> list:
    """Values on either side of what a schema node asks: its own enum and const values and their
    lookalikes, every kind of scalar, and mappings holding its properties."""
    values: list = [*_EDGE_SCALARS, [], [1], ["a", "a"], {}, 2.0, -0.0, math.inf]
    for option in [*node.get("enum", ()), *([node["const"]] if "const" in node else [])]:
        values.append(option)
        if isinstance(option, str):
            values += [Timestamp(option), option + "\n", option.upper(), [option]]
        elif isinstance(option, (int, float)):
            values += [float(option), bool(option), str(option)]
    names = list(node.get("properties", {}))
    for name in names[:8]:
        for value in ("a", 1, True, None, [], {}):
            values.append({name: value})
    if "patternProperties" in node:
        for key in _PATTERN_KEYS:
            values += [{key: "a"}, {key: 1}]
    if node.get("required"):
        values.append(dict.fromkeys(node["required"], "a"))
        values.append({**dict.fromkeys(node["required"], "a"), "zz_unknown": 1})
    return values


def test_agreement_on_every_subschema_near_its_edges():
    """Each part of every schema on its own, against values it is most likely to misjudge."""
    found: dict = {}
    for kind in KINDS:
        _subschemas(schema._schema(kind), found)
    assert len(found) > 300
    cls, formats = schema._validator_class(pruned=False)
    for node in found.values():
        fast = predicate(node)
        full = cls(node, format_checker=formats)
        for value in _near_values(node):
            assert fast(value) == full.is_valid(value), f"{value!r} under {node!r}"


# -- agreement on generated documents ---------------------------------------------------------


def _schema_words(node, words: set, values: list) -> None:
    """Every property name and every enum/const value a schema mentions."""
    if isinstance(node, list):
        for item in node:
            _schema_words(item, words, values)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "properties":
                words.update(value)
                _schema_words(list(value.values()), words, values)
            elif key == "patternProperties":
                words.update(_PATTERN_KEYS)
                _schema_words(list(value.values()), words, values)
            elif key == "enum":
                values.extend(value)
            elif key == "const":
                values.append(value)
            elif key == "required":
                words.update(value)
            else:
                _schema_words(value, words, values)


#: keys that patterns in the schemas (locales) match or nearly match
_PATTERN_KEYS = ["fr_FR", "zh_Hant", "fr_fr", "fr_FR ", "de"]

_EDGE_SCALARS = [
    None, True, False, 0, 1, -1, 1.0, 0.5, 1024, 2**31, 1073741825, "", " ", "a", "x" * 300, "line\n",
    "ja_Jp", "en_US", "1.0.0", "0.0.1", "llm", "2024-02-30", Timestamp("2024-01-01"),
    Timestamp("2024-01-01T00:00:00Z"), "https://example.com", "icon.svg",
]  # fmt: skip


@lru_cache(maxsize=None)
def _vocabulary(kind: str) -> tuple[list, list]:
    words: set = set()
    values: list = []
    _schema_words(schema._schema(kind), words, values)
    return sorted(words), [v for v in values if not isinstance(v, (list, dict))] + _EDGE_SCALARS


@lru_cache(maxsize=None)
def _values(kind: str):
    words, scalars = _vocabulary(kind)
    leaves = st.one_of(
        st.sampled_from(scalars),
        st.integers(-5, 5),
        st.floats(allow_nan=False, width=32),
        st.text(max_size=4),
    )
    keys = (st.sampled_from(words) | st.text(max_size=4)) if words else st.text(max_size=4)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=6,
    )


def _paths(data, path=()):
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*path, index))


def _copy(data):
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    return data


def _mutate(data, draw, kind):
    """A document near a real one: a value replaced, a key or item removed, a key added."""
    data = _copy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        if not path:
            data = draw(_values(kind)) if draw(st.integers(0, 9)) == 0 else data
            continue
        parent = data
        for item in path[:-1]:
            parent = parent[item]
        last = path[-1]
        operation = draw(st.sampled_from(["replace", "remove", "add", "retype"]))
        if operation == "replace":
            parent[last] = draw(_values(kind))
        elif operation == "remove":
            del parent[last]
        elif operation == "add" and isinstance(parent[last], dict):
            words, _ = _vocabulary(kind)
            parent[last][draw(st.sampled_from(words or ["key"]))] = draw(_values(kind))
        elif operation == "retype":
            value = parent[last]
            if isinstance(value, str):
                parent[last] = Timestamp(value) if draw(st.booleans()) else [value]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                parent[last] = float(value) if draw(st.booleans()) else str(value)
            elif isinstance(value, list) and value:
                parent[last] = value[0]
            elif isinstance(value, dict):
                parent[last] = list(value.values())
    return data


@lru_cache(maxsize=None)
def _seeds(kind: str) -> list:
    """The documents valid under the schema (near them its branches are decided), else all."""
    valid = [doc.data for doc in _documents() if schema.fast_check(kind)(doc.data)]
    return valid or [doc.data for doc in _documents()]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(data=st.data())
def test_agreement_on_mutated_documents(kind, data):
    seed = data.draw(st.sampled_from(_seeds(kind)))
    document = _mutate(seed, data.draw, kind)
    assert schema.fast_check(kind)(document) == plain_validator(kind).is_valid(document)
    pruned = error_tree(schema.validator(kind).iter_errors(document))
    assert pruned == error_tree(plain_validator(kind).iter_errors(document))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data())
def test_agreement_on_generated_values(kind, data):
    document = data.draw(_values(kind))
    assert schema.fast_check(kind)(document) == plain_validator(kind).is_valid(document)
    pruned = error_tree(schema.validator(kind).iter_errors(document))
    assert pruned == error_tree(plain_validator(kind).iter_errors(document))
