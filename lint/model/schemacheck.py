"""A JSON Schema compiled into a yes/no check, for deciding quickly that a document is valid.

Most documents are valid, and for them the words of an error are never needed; jsonschema,
which finds and explains every error, is then much slower than the question needs. `predicate`
turns a schema (its `$ref`s already inlined) into Python source, compiled once per process, that
answers only "valid or not" with the meaning jsonschema gives each keyword under the dialect
`schema.py` sets up (Draft 2020-12; `string` excludes YAML dates; `timestamp`; `pattern` with
`$` at the very end; the format `dify-datetime`). Only when it says "invalid" does `schema.py`
ask jsonschema what is wrong.

Exactly the keywords the shipped schemas use are understood. Any other keyword (or an unknown
type or format) makes compiling fail loudly, so that a schema edit cannot silently make the two
disagree: teach this module the keyword, and tests/model/test_schemacheck.py checks they agree.
"""

from __future__ import annotations

import json
import numbers
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Callable

from .yamldoc import Timestamp

#: keywords that constrain a value; anything else must be an annotation below
VALIDATING = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "maxItems",
        "items",
        "required",
        "minProperties",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "allOf",
        "anyOf",
        "not",
        "if",
        "then",
        "else",
        "x-ignored",
    }
)

#: keywords that say something about a value without constraining it (schema.py reads them)
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "description",
        "x-rejected-by",
        "x-stage",
        "x-sdk",
        "x-hint",
        "x-message",
        "x-also-written-as",
        "x-shape",
        "x-unknown-keys",
    }
)

FORMATS = frozenset({"dify-datetime"})


class UnsupportedSchema(ValueError):
    """The schema uses something the compiled check does not know the meaning of."""


# -- the meaning of the dialect, shared with schema.py's jsonschema validator ----------------


@lru_cache(maxsize=None)
def anchored(pattern: str) -> str:
    """`pattern` with a final `$` meaning the very end, as pydantic reads it (Python's `re` would
    let `$` match before a trailing newline, which `name: |` block scalars end with)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


_FRACTION = re.compile(r"\.(\d+)")


def is_dify_datetime(value: object) -> bool:
    """A datetime or a date as pydantic parses one: ISO 8601 with real calendar values."""
    if not isinstance(value, str):
        return True  # other keywords judge other types
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python before 3.11 reads only 3 or 6 fractional digits; Dify writes nanoseconds (9)
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text)
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        pass
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema's `enum` and `const` mean it: `true` is not `1`, `false` not `0`,
    inside lists and mappings too; `1` and `1.0` are equal."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and json_equal(value, two[key]) for key, value in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return one == two


def _in_enum(value: Any, options: tuple) -> bool:
    return any(json_equal(option, value) for option in options)


# -- compiling -------------------------------------------------------------------------------

#: per JSON type, an expression true when `{v}` is of that type (as schema.py's validator sees it)
_TYPE_TESTS = {
    "string": "({v}.__class__ is str or is_string({v}))",
    "timestamp": "isinstance({v}, Timestamp)",
    "integer": "({v}.__class__ is int or is_integer({v}))",
    "number": "({v}.__class__ is int or {v}.__class__ is float or is_number({v}))",
    "boolean": "{v}.__class__ is bool",
    "null": "{v} is None",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
}


# the rarer cases of the type tests above, whose common case is written inline
def _is_string(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, Timestamp)


def _is_integer(value: Any) -> bool:  # Draft 2020-12: 1.0 is an integer; JSON has no true/false as 1/0
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


#: a subschema is written inline, rather than as a function of its own, up to this many conditions
#: and characters (compiling long expressions costs more than the calls they save)
_INLINE_CONDITIONS = 3
_INLINE_LENGTH = 160


class _Compiler:
    """Emits one Python function per distinct (sub)schema that needs statements, into one
    namespace shared by every schema compiled in this process."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "Timestamp": Timestamp,
            "is_string": _is_string,
            "is_integer": _is_integer,
            "is_number": _is_number,
            "json_equal": json_equal,
            "in_enum": _in_enum,
            "is_dify_datetime": is_dify_datetime,
        }
        self.functions: dict[str, str] = {}  # canonical schema -> function name
        self.keys: dict[int, tuple[Any, str]] = {}  # id(schema) -> (schema, canonical), while compiling
        self.constants: dict[tuple, str] = {}  # (kind, value) -> name
        self.pending: list[str] = []  # source not yet executed
        self.lock = threading.Lock()

    def compile(self, schema: Any) -> Callable[[Any], bool]:
        with self.lock:
            _check_keywords(schema, "#")
            try:
                name = self.function(schema)
            finally:
                self.keys.clear()
            if self.pending:
                source = "\n".join(self.pending)
                self.pending = []
                exec(compile(source, "<dify-lint schema check>", "exec"), self.namespace)
            return self.namespace[name]

    # -- names -----------------------------------------------------------------------------

    def constant(self, kind: str, key: Any, make: Callable[[], Any]) -> str:
        name = self.constants.get((kind, key))
        if name is None:
            name = f"_{kind}{len(self.constants)}"
            self.constants[(kind, key)] = name
            self.namespace[name] = make()
        return name

    def function(self, schema: Any) -> str:
        """The name of a function `(value) -> bool` for `schema`, emitted on first need."""
        canonical = self.canonical(schema)
        name = self.functions.get(canonical)
        if name is not None:
            return name
        name = f"_valid{len(self.functions)}"
        self.functions[canonical] = name
        body: list[str] = []
        _Emitter(self, body).emit(schema, "x", {}, 1)
        self.pending.append("\n".join([f"def {name}(x):", *body, "    return True", ""]))
        return name

    def canonical(self, schema: Any) -> str:
        """The schema as text, as far as validity goes (annotations left out), each node once.

        Two schemas with the same text share a function; `repr` tells apart what JSON equality
        would not (`1` and `true`, `1` and `1.0`), which only costs a duplicate function."""
        if not isinstance(schema, dict):
            return repr(schema)
        known = self.keys.get(id(schema))
        if known is not None:
            return known[1]
        parts = []
        for key, value in schema.items():
            if key in ANNOTATIONS:
                continue
            if key in _SCHEMA_VALUED:
                text = self.canonical(value)
            elif key in _SCHEMA_LISTS:
                text = "[" + ",".join([self.canonical(sub) for sub in value]) + "]"
            elif key in _SCHEMA_MAPS:
                text = "{" + ",".join([f"{name!r}:{self.canonical(sub)}" for name, sub in value.items()]) + "}"
            else:
                text = repr(value)
            parts.append(f"{key!r}:{text}")
        parts.sort()
        canonical = "{" + ",".join(parts) + "}"
        self.keys[id(schema)] = (schema, canonical)
        return canonical

    def valid(self, schema: Any, var: str) -> str:
        """An expression true when `var` is valid under `schema`."""
        if schema is True or schema == {}:
            return "True"
        if schema is False:
            return "False"
        conditions = _Emitter(self, None).conditions(schema, var)
        if conditions is not None and "True" in conditions:
            return "False"
        if conditions is not None and len(conditions) <= _INLINE_CONDITIONS:
            if not conditions:
                return "True"
            expression = "not (" + " or ".join(conditions) + ")"
            if len(expression) <= _INLINE_LENGTH:
                return expression
        return f"{self.function(schema)}({var})"


class _Emitter:
    """The statements (or, when it can, the failure conditions) of one schema on one variable.

    With `lines` None, only conditions are wanted: `conditions` returns None for a schema that
    needs statements (a loop, a branch)."""

    def __init__(self, compiler: _Compiler, lines: list[str] | None):
        self.compiler = compiler
        self.lines = lines
        self.counter = 0

    # every failure is `return False`; what is known of a variable's type narrows later tests

    def emit(self, schema: Any, var: str, known: dict[str, str], depth: int) -> None:
        pad = "    " * depth
        assert self.lines is not None
        if schema is True:
            return
        if schema is False:
            self.lines.append(f"{pad}return False")
            return
        for condition in self._simple(schema, var, known):
            self.lines.append(f"{pad}if {condition}: return False")
        types = _types(schema)
        if types is not None and len(types) == 1:
            known = {**known, var: types[0]}
        self._structural(schema, var, known, depth)

    def conditions(self, schema: dict, var: str) -> list[str] | None:
        if any(key in schema for key in ("items", "properties", "patternProperties", "propertyNames", "if")):
            return None
        additional = schema.get("additionalProperties", True)
        if additional is not True and (additional is not False or schema.get("patternProperties")):
            return None
        found = list(self._simple(schema, var, {}))
        for sub in schema.get("allOf", ()):
            if not isinstance(sub, dict):
                found.append("False" if sub is True else "True")
                continue
            more = self.conditions(sub, var)
            if more is None:
                return None
            found.extend(more)
        return found

    def _simple(self, schema: dict, var: str, known: dict[str, str]):
        """Failure conditions that need no statements, the type test first."""
        compiler = self.compiler
        if "x-ignored" in schema:
            yield "True"
            return
        types = _types(schema)
        known_type = known.get(var)
        if types is not None:
            if known_type not in types:
                yield "not (" + " or ".join(_TYPE_TESTS[t].format(v=var) for t in types) + ")"
            if len(types) == 1:
                known_type = types[0]

        def guarded(kind: str, test: str) -> str:
            return test if known_type == kind else f"{_TYPE_TESTS[kind].format(v=var)} and {test}"

        if "enum" in schema:
            options = schema["enum"]
            if all(isinstance(option, str) for option in options):
                name = compiler.constant("enum", tuple(options), lambda: frozenset(options))
                if known_type == "string":
                    yield f"{var} not in {name}"
                else:
                    yield f"not (isinstance({var}, str) and {var} in {name})"
            else:
                name = compiler.constant("options", json.dumps(options), lambda: tuple(options))
                yield f"not in_enum({var}, {name})"
        if "const" in schema:
            expected = schema["const"]
            name = compiler.constant("const", json.dumps(expected), lambda: expected)
            if isinstance(expected, str):
                yield f"not (isinstance({var}, str) and {var} == {name})"
            else:
                yield f"not json_equal({var}, {name})"
        if "pattern" in schema:
            pattern = schema["pattern"]
            name = compiler.constant("pattern", pattern, lambda: re.compile(anchored(pattern)))
            # unlike the length keywords, `pattern` reads a date as the text written
            yield f"isinstance({var}, str) and not {name}.search({var})"
        if "format" in schema:
            yield f"not is_dify_datetime({var})"
        if "minLength" in schema:
            yield guarded("string", f"len({var}) < {schema['minLength']!r}")
        if "maxLength" in schema:
            yield guarded("string", f"len({var}) > {schema['maxLength']!r}")
        if "minimum" in schema:
            yield guarded("number", f"{var} < {schema['minimum']!r}")
        if "maximum" in schema:
            yield guarded("number", f"{var} > {schema['maximum']!r}")
        if "maxItems" in schema:
            yield guarded("array", f"len({var}) > {schema['maxItems']!r}")
        if "required" in schema and schema["required"]:
            present = " and ".join(f"{name!r} in {var}" for name in schema["required"])
            yield guarded("object", f"not ({present})")
        if "minProperties" in schema:
            yield guarded("object", f"len({var}) < {schema['minProperties']!r}")
        additional = schema.get("additionalProperties", True)
        if additional is False and not schema.get("patternProperties"):
            names = schema.get("properties", {})
            name = compiler.constant("names", tuple(sorted(names)), lambda: frozenset(names))
            yield guarded("object", f"not ({var}.keys() <= {name})")
        if "anyOf" in schema:
            yield "not (" + " or ".join(f"({compiler.valid(sub, var)})" for sub in schema["anyOf"]) + ")"
        if "not" in schema:
            yield f"({compiler.valid(schema['not'], var)})"

    def _structural(self, schema: dict, var: str, known: dict[str, str], depth: int) -> None:
        """Loops, branches and the subschemas of `allOf`, as statements."""
        assert self.lines is not None
        compiler = self.compiler
        lines = self.lines
        pad = "    " * depth
        if "x-ignored" in schema:
            return  # already false
        known_type = known.get(var)

        def block(kind: str) -> tuple[str, int]:
            """A guard for the value's type unless it is known, and the depth inside it."""
            if known_type == kind:
                return pad, depth
            lines.append(f"{pad}if {_TYPE_TESTS[kind].format(v=var)}:")
            return pad + "    ", depth + 1

        if "items" in schema and schema["items"] is not True:
            inner, _ = block("array")
            if schema["items"] is False:
                lines.append(f"{inner}if {var}: return False")
            else:
                item = self._name()
                lines.append(f"{inner}for {item} in {var}:")
                lines.append(f"{inner}    if not ({compiler.valid(schema['items'], item)}): return False")
        properties = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames", True)
        checked = [(key, sub) for key, sub in properties.items() if sub is not True and sub != {}]
        loops_keys = bool(patterns) or (additional is not True and not (additional is False and not patterns))
        if checked or loops_keys or names is not True:
            inner, _ = block("object")
            for key, sub in checked:
                value = self._name()
                lines.append(f"{inner}if {key!r} in {var}:")
                lines.append(f"{inner}    {value} = {var}[{key!r}]")
                lines.append(f"{inner}    if not ({compiler.valid(sub, value)}): return False")
            key, value = self._name(), self._name()
            tests = []
            for pattern, sub in patterns.items():
                test = compiler.valid(sub, value)
                if test != "True":
                    name = compiler.constant("search", pattern, lambda pattern=pattern: re.compile(pattern))
                    tests.append(f"{inner}    if {name}.search({key}) and not ({test}): return False")
            if tests:
                lines.append(f"{inner}for {key}, {value} in {var}.items():")
                lines.extend(tests)
            if additional is not True and (additional is not False or patterns):
                known_names = compiler.constant("names", tuple(sorted(properties)), lambda: frozenset(properties))
                key = self._name()
                lines.append(f"{inner}for {key} in {var}:")
                # additional: not a property, and matching no pattern (jsonschema joins them with |)
                test = f"{key} not in {known_names}"
                if patterns:
                    joined = "|".join(patterns)
                    name = compiler.constant("search", joined, lambda: re.compile(joined))
                    test += f" and not {name}.search({key})"
                lines.append(f"{inner}    if {test} and not ({compiler.valid(additional, f'{var}[{key}]')}): return False")
            if names is not True:
                key = self._name()
                lines.append(f"{inner}for {key} in {var}:")
                lines.append(f"{inner}    if not ({compiler.valid(names, key)}): return False")
        for sub in schema.get("allOf", ()):
            self.emit(sub, var, known, depth)
        if "if" in schema and ("then" in schema or "else" in schema):
            lines.append(f"{pad}if {compiler.valid(schema['if'], var)}:")
            size = len(lines)
            self.emit(schema.get("then", True), var, known, depth + 1)
            if len(lines) == size:
                lines.append(f"{pad}    pass")
            if "else" in schema:
                lines.append(f"{pad}else:")
                size = len(lines)
                self.emit(schema["else"], var, known, depth + 1)
                if len(lines) == size:
                    lines.append(f"{pad}    pass")

    def _name(self) -> str:
        self.counter += 1
        return f"v{self.counter}"


def _types(schema: dict) -> list[str] | None:
    types = schema.get("type")
    if types is None:
        return None
    return [types] if isinstance(types, str) else list(types)


_SCHEMA_VALUED = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf")
_SCHEMA_MAPS = ("properties", "patternProperties")


def _check_keywords(schema: Any, where: str) -> None:
    """Refuse, before anything is compiled, a schema with something this module cannot decide."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"{where}: a schema must be a mapping or a boolean, not {schema!r}")
    for key, value in schema.items():
        here = f"{where}/{key}"
        if key in ANNOTATIONS:
            continue
        if key not in VALIDATING:
            raise UnsupportedSchema(f"{here}: the keyword {key!r} is not understood by the compiled check")
        if key == "type":
            for name in [value] if isinstance(value, str) else value:
                if name not in _TYPE_TESTS:
                    raise UnsupportedSchema(f"{here}: unknown type {name!r}")
        elif key == "format" and value not in FORMATS:
            raise UnsupportedSchema(f"{here}: unknown format {value!r}")
        elif key in ("pattern",) and not isinstance(value, str):
            raise UnsupportedSchema(f"{here}: a pattern must be a string")
        elif key in ("minLength", "maxLength", "maxItems", "minProperties") and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise UnsupportedSchema(f"{here}: must be an integer")
        elif key in ("minimum", "maximum") and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise UnsupportedSchema(f"{here}: must be a number")
        elif key == "required" and not all(isinstance(name, str) for name in value):
            raise UnsupportedSchema(f"{here}: must list strings")
        elif key == "enum" and not isinstance(value, list):
            raise UnsupportedSchema(f"{here}: must be a list")
        elif key in _SCHEMA_VALUED:
            _check_keywords(value, here)
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                raise UnsupportedSchema(f"{here}: must be a non-empty list of schemas")
            for index, sub in enumerate(value):
                _check_keywords(sub, f"{here}/{index}")
        elif key in _SCHEMA_MAPS:
            if not isinstance(value, dict):
                raise UnsupportedSchema(f"{here}: must map names to schemas")
            for name, sub in value.items():
                _check_keywords(sub, f"{here}/{name}")


_COMPILER = _Compiler()


def predicate(schema: Any) -> Callable[[Any], bool]:
    """A function telling whether a value is valid under `schema`, exactly as jsonschema would
    under schema.py's dialect. Raises UnsupportedSchema for a keyword it does not know."""
    return _COMPILER.compile(schema)
