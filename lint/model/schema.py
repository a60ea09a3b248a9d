"""Checking YAML documents against the JSON Schemas shipped in `schemas/`, in words people use.

The schemas are data: following a new Dify release is an edit there, not here. Annotation
keywords carry what a plain schema cannot say:

* `x-rejected-by`: "sdk", "daemon" or "both": which side of Dify refuses a value that fails the
  subschema it sits on (where they disagree, dify-lint accepts only what both accept);
* `x-stage: "decode"`: the daemon refuses the value already when it reads the YAML into its
  types, at packaging and install (a `type` mismatch always is); other daemon constraints are its
  validator's, which checks the manifest at packaging and every other declaration only in remote
  debugging, on what the SDK sends;
* `x-sdk`: what the SDK does to a property before it sends a declaration to the daemon:
  "dropped" (never sent, so the daemon's validator never sees it) or "str" (sent as `str(value)`);
* `x-ignored`: a reason; the property is read by nobody who shows or uses it, and is reported
  like an unknown key;
* `x-also-written-as`: `{key: "who"}`: the name other declaration kinds give this property, so
  that the key written by mistake can be pointed here;
* `x-shape`: how the property is written, for advice that renames a block onto it;
* `x-hint`: one sentence added to the message;
* `x-message`: the message itself, with `{subject}` and `{got}` filled in;
* `x-unknown-keys: "typos-only"` on an object schema: report an unknown key only when it is a
  near miss of a known one (`ja_Jp` for `ja_JP`); other extra keys there are deliberate and
  harmless (an I18n object may carry locales Dify does not show).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ..diagnostics import Fix, Severity
from . import keyhints
from .schemacheck import anchored, is_dify_datetime, predicate
from .yamldoc import PathItem, Timestamp, YamlDoc

SCHEMA_DIR = Path(__file__).parent / "schemas"
BASE_URI = "https://dify-lint.invalid/schemas/"

#: who refuses a value only one side refuses, and when
REJECTED_BY = {
    "sdk": "the Dify SDK rejects it at start-up, although the daemon accepts it",
    # the daemon reads the YAML into its types when the plugin is packaged and installed
    "decode": "the Dify daemon cannot read it when the plugin is packaged or installed, although the SDK accepts it",
    # the daemon's validator runs on manifest.yaml when the plugin is packaged...
    "package": "the Dify daemon rejects it when the plugin is packaged, although the SDK accepts it",
    # ...and on every other declaration only in remote debugging, on what the SDK sends it
    "debug": "remote debugging rejects it: the daemon validates what the SDK sends, although the SDK itself accepts it",
}

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
    "timestamp": "a date",
}


@dataclass(frozen=True)
class SchemaIssue:
    at: tuple[PathItem, ...]  # where in the document
    message: str
    key: bool = False  # point at the key rather than the value
    unknown_key: bool = False
    near_miss: bool = False  # an unknown key with a likely right place: a typo or a misplaced key
    rename_to: str | None = None  # a misspelling of this known key, absent from the same mapping
    side: str | None = None  # a key of REJECTED_BY when only that side rejects the value
    hint: str = ""


def unknown_key_severity(issue: SchemaIssue) -> Severity:
    """How much an unknown key matters: a typo of a known key, or a known key in the wrong place,
    loses a setting (a warning); any other extra key is inert (info)."""
    return Severity.WARNING if issue.near_miss else Severity.INFO


def rename_fix(doc: YamlDoc, issue: SchemaIssue) -> Fix | None:
    """Renaming a misspelt key to the known key it misspells (one that the mapping does not
    already hold): what it was meant to set is then read, and nothing else moves."""
    if issue.rename_to is None:
        return None
    edit = doc.rename_key(issue.at, issue.rename_to)
    if edit is None:
        return None
    return Fix(f"Rename `{issue.at[-1]}` to `{issue.rename_to}`", (edit,), "safe")


@lru_cache(maxsize=None)
def _registry():
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((BASE_URI + path.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def _validator_class(pruned: bool = True):
    """Draft 2020-12 as Dify's parsers see YAML data.

    * `string` excludes unquoted YAML dates (the SDK receives a datetime there), which the
      schemas accept only where they name the extra type `timestamp`;
    * `pattern` anchors `$` at the very end, as pydantic does: Python's `re` would let `$` match
      before a trailing newline (`name: |` block scalars end with one);
    * the format `dify-datetime` is what pydantic accepts for a datetime or a date;
    * `x-ignored` fails on any value present, with its reason as the message.

    `pruned`: descend only into the properties and items the compiled check rejects (the same
    errors, found faster; False gives plain jsonschema, for the tests to compare against).
    """
    from jsonschema import Draft202012Validator, FormatChecker, validators
    from jsonschema.exceptions import ValidationError

    from .yamldoc import Timestamp

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {
            "string": lambda _, value: isinstance(value, str) and not isinstance(value, Timestamp),
            "timestamp": lambda _, value: isinstance(value, Timestamp),
        }
    )

    def pattern(validator, expected, instance, schema):
        if isinstance(instance, str) and not re.search(anchored(expected), instance):
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    def ignored(validator, reason, instance, schema):
        yield ValidationError(str(reason))

    # Only what fails is descended into: a property or item the compiled check finds valid would
    # give jsonschema nothing to report, and most of an invalid document is valid.
    descend_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties(validator, properties, instance, schema):
        if isinstance(instance, dict):
            failing = {name: sub for name, sub in properties.items() if name in instance and not _passes(sub, instance[name])}
            if failing:
                yield from descend_properties(validator, failing, instance, schema)

    descend_items = Draft202012Validator.VALIDATORS["items"]

    def items(validator, items, instance, schema):
        if isinstance(items, bool) or "prefixItems" in schema:
            yield from descend_items(validator, items, instance, schema)
        elif isinstance(instance, list):
            for index, item in enumerate(instance):
                if not _passes(items, item):
                    yield from validator.descend(item, items, path=index)

    formats = FormatChecker()
    formats.checks("dify-datetime")(is_dify_datetime)
    keywords = {"pattern": pattern, "x-ignored": ignored}
    if pruned:
        keywords.update(properties=properties, items=items)
    cls = validators.extend(Draft202012Validator, keywords, type_checker=checker)
    return cls, formats


#: id(subschema) -> (the subschema, its compiled check); the schemas live as long as the process
_SUBSCHEMA_CHECKS: dict[int, tuple[Any, Any]] = {}


def _passes(subschema: Any, value: Any) -> bool:
    """Whether `value` is valid under a subschema, by the compiled check (False when unsure)."""
    known = _SUBSCHEMA_CHECKS.get(id(subschema))
    if known is None or known[0] is not subschema:
        known = _SUBSCHEMA_CHECKS[id(subschema)] = (subschema, predicate(subschema))
    try:
        return known[1](value)
    except Exception:  # noqa: BLE001 - e.g. data nested near the depth cap: jsonschema judges it
        return False


@lru_cache(maxsize=None)
def _schema_files() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text("utf-8")) for path in sorted(SCHEMA_DIR.glob("*.json"))}


def _inline_refs(node: Any, base: str, seen: tuple = ()) -> Any:
    """The schema with every `$ref` replaced by what it points to (recursive ones are kept).

    Resolving a reference costs a URL join and a registry lookup each time a document passes it;
    inlining once makes validation of the whole official tree about 40% faster.
    """
    if isinstance(node, list):
        return [_inline_refs(item, base, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        file, _, fragment = ref.partition("#")
        file = file or base
        key = (file, fragment)
        if file in _schema_files() and key not in seen:
            target: Any = _schema_files()[file]
            for part in filter(None, fragment.split("/")):
                target = target[part]
            inlined = _inline_refs(target, file, (*seen, key))
            rest = {k: _inline_refs(v, base, seen) for k, v in node.items() if k != "$ref"}
            return {"allOf": [inlined], **rest} if rest else inlined
    return {k: _inline_refs(v, base, seen) for k, v in node.items()}


@lru_cache(maxsize=None)
def _schema(kind: str) -> dict:
    name = f"{kind}.json"
    schema = _inline_refs(_schema_files()[name], name)
    schema["$id"] = BASE_URI + name  # recursive references left in place resolve against it
    return schema


@lru_cache(maxsize=None)
def validator(kind: str):
    """One prebuilt validator per schema, reused for every document of that kind: it finds and
    explains the errors of a document the fast check has found invalid."""
    cls, formats = _validator_class()
    return cls(_schema(kind), registry=_registry(), format_checker=formats)


@lru_cache(maxsize=None)
def fast_check(kind: str):
    """The schema compiled into a yes/no check (see schemacheck.py), built once per process."""
    return predicate(_schema(kind))


def is_valid(kind: str, data: Any) -> bool:
    """Whether a document is valid, decided by the compiled check; jsonschema is not imported."""
    try:
        return fast_check(kind)(data)
    except Exception:  # noqa: BLE001 - e.g. data nested near the depth cap: jsonschema judges it, as before
        return False


def has_schema(kind: str) -> bool:
    return (SCHEMA_DIR / f"{kind}.json").is_file()


def check(doc: YamlDoc, kind: str, label: str) -> list[SchemaIssue]:
    """Every schema issue of a usable document, sorted by position in the file."""
    if _schema(kind).get("type") == "object":
        if doc.data is None:
            return [SchemaIssue((), f"the file is empty; a {label} file must hold a mapping")]
        if not isinstance(doc.data, dict):
            return [SchemaIssue((), f"a {label} file must hold a mapping; got {_describe(doc.data)}")]
    if is_valid(kind, doc.data):
        return []  # most documents: no need to ask jsonschema what is wrong
    checker = validator(kind)
    issues: list[SchemaIssue] = []
    translator = _Translator(checker, doc.data, sent_by_sdk=kind != "manifest")
    try:
        for error in checker.iter_errors(doc.data):
            issues.extend(translator.translate(error))
    except RecursionError:  # a schema that recurses with the data, on data near the depth cap
        issues.append(SchemaIssue((), f"the {label} file is nested too deeply to check"))
    return sorted(_merge_sides(issues), key=lambda i: (doc.span(i.at, key=i.key).start, i.message))


#: when only the daemon refuses something, the earliest moment it does so
_DAEMON_MOMENTS = ("decode", "package", "debug")


def _merge_sides(issues: list[SchemaIssue]) -> list[SchemaIssue]:
    """One issue per place and problem: when the SDK and the daemon both reject it, say neither."""
    groups: dict[tuple, list[SchemaIssue]] = {}
    for issue in issues:
        groups.setdefault((issue.at, issue.message, issue.key, issue.unknown_key), []).append(issue)
    merged = []
    for group in groups.values():
        sides = {issue.side for issue in group}
        if len(sides) == 1:
            side = sides.pop()
        elif None in sides or "sdk" in sides:
            side = None
        else:
            side = next(moment for moment in _DAEMON_MOMENTS if moment in sides)
        hint = next((issue.hint for issue in group if issue.hint), "")
        message = group[0].message
        if side in REJECTED_BY:
            message += f" ({REJECTED_BY[side]})"
        if hint:
            message += f". {hint.rstrip('.')}"
        merged.append(replace(group[0], message=message, side=side, hint=hint))
    return merged


# -- translation -----------------------------------------------------------------------------


class _Translator:
    """Validation errors of one document, as issues; `data` is the whole document."""

    def __init__(self, checker, data: Any, sent_by_sdk: bool):
        self.checker = checker
        self.data = data
        #: a declaration reaches the daemon's validator only as the SDK sends it (remote debugging)
        self.sent_by_sdk = sent_by_sdk

    def translate(self, error) -> Iterator[SchemaIssue]:
        at = tuple(error.absolute_path)
        validator = error.validator
        schema = error.schema if isinstance(error.schema, dict) else {}
        instance = error.instance
        subject = _subject(at, instance)

        if validator == "additionalProperties":
            yield from self._unknown_keys(error, at, schema, instance, subject)
            return
        if validator == "unevaluatedProperties":
            return  # reported through additionalProperties where the schema uses it
        if validator == "x-ignored":
            message = f"{subject} is not read here: {error.validator_value}; remove it"
            yield SchemaIssue(at, message, key=True, unknown_key=True)
            return

        if validator in ("anyOf", "oneOf") and error.context:
            best = _best_context(error)
            if best is not None:
                yield from self.translate(best)
                return

        side = self._side(error, schema)
        if side == "unseen":
            return
        if validator == "required":
            missing = [name for name in error.validator_value if name not in instance]
            for name in missing:
                where = f"{subject} is missing" if at else "missing"
                yield SchemaIssue(at, f"{where} the required key `{name}`", key=True, side=side, hint=_hint(schema))
            return

        template = schema.get("x-message")
        if isinstance(template, str):
            message = template.format(subject=subject, got=_describe(instance))
        else:
            message = _message(validator, error.validator_value, instance, subject)
        yield SchemaIssue(at, message, key=instance is None, side=side, hint=_hint(schema))

    def _side(self, error, schema: dict) -> str | None:
        """Who refuses the value, and when; "unseen" when the daemon alone would, but never sees it."""
        side = schema.get("x-rejected-by")
        if side == "sdk":
            return "sdk"
        if side != "daemon":
            return None
        if schema.get("x-stage") == "decode" or error.validator == "type":
            return "decode"
        if not self.sent_by_sdk:
            return "package"
        # The daemon validates a declaration as the SDK sends it: what the SDK drops it never
        # sees, and what the SDK turns into a string it sees as one.
        coerced = None
        for node in _schema_trail(self.checker.schema, error.absolute_schema_path):
            sdk = node.get("x-sdk")
            if sdk == "dropped":
                return "unseen"
            if sdk == "str":
                coerced = node
        if coerced is not None and self.checker.evolve(schema=error.schema).is_valid(_sdk_str(error.instance)):
            return "unseen"
        return "debug"

    def _unknown_keys(self, error, at, schema, instance, subject) -> Iterator[SchemaIssue]:
        known = set(schema.get("properties", {}))  # what `additionalProperties` measures against
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        typos_only = schema.get("x-unknown-keys") == "typos-only"
        here = keyhints.Place(schema, instance)
        parent, parent_label = self._parent(error, at)
        for key in instance:
            if not isinstance(key, str) or key in known or any(p.search(key) for p in patterns):
                continue
            suggestion = keyhints.suggest(key, instance[key], here, parent, parent_label, self._fits)
            if suggestion is None and typos_only:
                continue
            if typos_only and suggestion is not None and not suggestion.typo:
                continue  # in an I18n object only a misspelt locale is worth a word
            where = f" in {subject}" if at else ""
            hint = f"; {suggestion.advice}" if suggestion is not None else "; Dify ignores it"
            yield SchemaIssue(
                (*at, key),
                f"unknown key `{key}`{where}{hint}",
                key=True,
                unknown_key=True,
                near_miss=suggestion is not None,
                rename_to=suggestion.target if suggestion is not None and suggestion.typo else None,
            )

    def _parent(self, error, at) -> tuple[keyhints.Place | None, str]:
        """The mapping that holds the one with the unknown key, when it holds it under a known key."""
        if not at or not isinstance(at[-1], str):
            return None, ""
        trail = list(_schema_trail(self.checker.schema, error.absolute_schema_path, with_keys=True))
        owner = None  # the object schema whose `properties` lead to the mapping
        for index in range(1, len(trail) - 1):
            if trail[index][0] == "properties" and trail[index + 1][0] == at[-1]:
                owner = trail[index - 1][1]
        mapping = _get(self.data, at[:-1])
        if owner is None or not isinstance(mapping, dict):
            return None, ""
        label = "the top level" if len(at) == 1 else _subject(at[:-1], mapping)
        return keyhints.Place(owner, mapping), label

    def _fits(self, value: Any, schema: dict) -> bool:
        """Whether a value suits a property: valid as it is, or, for a block, of the right kind
        and sharing a key with what the property knows (its own mistakes are reported once moved)."""
        if self.checker.evolve(schema=schema).is_valid(value):
            return True
        types = keyhints.accepted_types(schema)
        if isinstance(value, dict):
            if types is not None and "object" not in types:
                return False
            return keyhints.entry_schema(schema) is not None or _shares_a_key(value, schema)
        if isinstance(value, list):
            if types is not None and "array" not in types:
                return False
            first = next((item for item in value if isinstance(item, dict)), None)
            items = keyhints.item_schema(schema)
            return first is None or items is None or _shares_a_key(first, items)
        return False


def _shares_a_key(mapping: dict, schema: dict) -> bool:
    known = keyhints.properties(schema)
    names = [k for k in mapping if isinstance(k, str)]
    return not known or not names or any(name in known for name in names)


def _schema_trail(root: Any, path, with_keys: bool = False) -> Iterator:
    """The schema nodes (dicts) a validation error passed through, from the root down."""
    node = root
    if isinstance(node, dict):
        yield (None, node) if with_keys else node
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return  # a `$ref` left in place (a recursive schema): stop where the path leaves the tree
        if isinstance(node, dict):
            yield (step, node) if with_keys else node


def _get(data: Any, path: tuple[PathItem, ...]) -> Any:
    for item in path:
        if isinstance(data, dict) and isinstance(item, str):
            data = data.get(item)
        elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
            data = data[item]
        else:
            return None
    return data


def _sdk_str(value: Any) -> str:
    """What the SDK's `str()` makes of a YAML value (a date stays the text written)."""
    return value if isinstance(value, str) else str(value)


def _hint(schema: dict) -> str:
    return schema.get("x-hint") or ""


def _best_context(error):
    """The sub-error of an anyOf/oneOf that says most: the deepest, and not a type mismatch."""
    candidates = [e for e in error.context if e.validator != "type"] or list(error.context)
    if not candidates:
        return None
    # If every branch failed on type alone, a combined "must be A or B" reads best.
    if all(e.validator == "type" for e in error.context):
        return None
    return max(candidates, key=lambda e: (len(e.absolute_path), e.validator != "required"))


def _message(validator: str, expected: Any, instance: Any, subject: str) -> str:
    got = _describe(instance)
    if validator == "type":
        if isinstance(instance, Timestamp):
            return f"{subject} must be {_type_words(expected)}; got {got}, which YAML reads as a date: quote it"
        return f"{subject} must be {_type_words(expected)}; got {got}"
    if validator == "enum":
        options = ", ".join(str(o) for o in expected)
        close = difflib.get_close_matches(str(instance), [str(o) for o in expected], n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close and str(instance) != close[0] else ""
        return f"{subject} must be one of {options}; got {got}{hint}"
    if validator == "const":
        return f"{subject} must be `{expected}`; got {got}"
    if validator == "pattern":
        return f"{subject} must match `{expected}`; got {got}"
    if validator == "format":
        if expected == "dify-datetime":
            return f"{subject} must be a real date and time in ISO 8601 (like 2024-05-01T09:00:00Z); got {got}"
        return f"{subject} must be a valid {expected}; got {got}"
    if validator == "minLength":
        if expected == 1:
            return f"{subject} must not be empty"
        return f"{subject} must be at least {expected} characters long; got {len(instance)}"
    if validator == "maxLength":
        return f"{subject} must be at most {expected} characters long; got {len(instance)}"
    if validator in ("minimum", "exclusiveMinimum"):
        word = "at least" if validator == "minimum" else "more than"
        return f"{subject} must be {word} {expected}; got {got}"
    if validator in ("maximum", "exclusiveMaximum"):
        word = "at most" if validator == "maximum" else "less than"
        return f"{subject} must be {word} {expected}; got {got}"
    if validator == "minItems":
        return f"{subject} must have at least {expected} item{'s' if expected != 1 else ''}"
    if validator == "maxItems":
        return f"{subject} must have at most {expected} items; got {len(instance)}"
    if validator == "uniqueItems":
        return f"{subject} must not repeat an item"
    if validator in ("minProperties",):
        return f"{subject} must not be empty"
    if validator == "anyOf" or validator == "oneOf":
        return f"{subject} does not match any allowed form; got {got}"
    if validator == "not":
        if instance == "":
            return f"{subject} must not be empty"
        if isinstance(expected, dict) and "type" in expected:
            return f"{subject} must not be {_type_words(expected['type'])}; got {got}"
        if isinstance(expected, dict) and "enum" in expected:
            return f"{subject} must not be {got}"
        if isinstance(expected, dict) and "const" in expected:
            return f"{subject} must not be `{expected['const']}`"
        return f"{subject} is not allowed here; got {got}"
    if validator == "contains":
        return f"{subject} lacks a required item"
    if validator == "propertyNames":
        return f"{subject} has a key that is not allowed"
    return f"{subject} is not valid ({validator})"


def _subject(at: tuple[PathItem, ...], instance: Any = None) -> str:
    """How a message names the value at `at`: its key, or a list item by its `name`."""
    if not at:
        return "the document"
    last = at[-1]
    if isinstance(last, int):
        parent = next((p for p in reversed(at[:-1]) if isinstance(p, str)), None)
        name = instance.get("name") if isinstance(instance, dict) else None
        if isinstance(name, str) and name and parent:
            return f"`{parent}` item `{name}`"
        return f"item {last + 1} of `{parent}`" if parent else f"item {last + 1}"
    return f"`{last}`"


def _type_words(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    words = [_TYPE_WORDS.get(n, n) for n in names if n != "null"]
    text = " or ".join(words) if words else "empty"
    if "null" in names and words:
        text += " (or empty)"
    return text


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"`{value}`"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"`{shown}`"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
