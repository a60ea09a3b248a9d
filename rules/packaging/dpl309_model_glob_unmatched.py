"""DPL309 model-glob-unmatched."""

from __future__ import annotations

from typing import Iterator

from dify_lint.diagnostics import Severity
from dify_lint.model.plugin import Declaration, Plugin, Reference
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_MODEL_PROVIDER, is_checked


class ModelGlobUnmatched(Rule):
    code = "DPL309"
    name = "model-glob-unmatched"
    summary = "A model `predefined` glob matches no file, or a position file names a model no YAML declares"
    severity = Severity.WARNING
    grades = {
        Severity.WARNING: "a `predefined` glob matches no model file",
        Severity.INFO: "a position file names a model no YAML declares; Dify lists the models anyway",
    }
    explanation = """
    A model provider lists its predefined model YAML files with globs under
    `models.<type>.predefined`, resolved from the plugin root. A glob that matches nothing adds no
    model, usually because of a typo or a moved folder. The position file (`models.<type>.position`,
    or a `_position.yaml` the glob matches) is meant to order the models by their `model` name, as
    the SDK documents it; a name no model YAML of that type declares (a removed or renamed model, or
    a file name written instead of the model name) orders nothing. Current Dify versions list models
    in file order without reading the positions, so such entries are dead weight rather than a
    failure, so they are reported as info. Providers that offer only `customizable-model` are not
    checked.
    """
    invalid = (
        Example(
            {"provider/example.yaml": BASE_MODEL_PROVIDER.replace('"models/llm/*.yaml"', '"models/chat/*.yaml"')},
            base="model",
            expect=(
                ("provider/example.yaml:24:9-24:29", "`models/chat/*.yaml` matches no file; no llm model is loaded from it"),
            ),
        ),
        Example(
            {"models/llm/_position.yaml": "- example-chat\n- example-old\n"},
            base="model",
            expect=(
                (
                    "models/llm/_position.yaml:2:3-2:14",
                    "`example-old` is listed in the llm position file but no llm model YAML declares it (removed or renamed?)",
                ),
            ),
        ),
    )
    valid = (Example({}, base="model"),)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        for declaration in plugin.declarations_of("model_provider"):
            yield from self._provider(plugin, declaration)

    def _provider(self, plugin: Plugin, declaration: Declaration) -> Iterator[Finding]:
        doc = declaration.doc
        methods = doc.get("configurate_methods")
        if isinstance(methods, list) and "predefined-model" not in methods:
            return  # no predefined models by design: leftover globs and positions do nothing
        by_type: dict[str, set[str]] = {}
        stems: dict[str, dict[str, tuple[str, str]]] = {}  # type -> file stem -> (file, model name)
        position_files: dict[str, list[tuple[str, Reference]]] = {}
        for reference in plugin.references:
            if reference.owner is not doc:
                continue
            if reference.role == "glob" and reference.target.problem is None:
                model_type = reference.kind
                matches = plugin.glob(reference.target)
                by_type.setdefault(model_type, set())
                if not matches:
                    yield self.at(
                        doc,
                        reference.at,
                        f"`{reference.target.written}` matches no file; no {model_type} model is loaded from it",
                    )
                for match in matches:
                    if match.endswith("_position.yaml"):
                        position_files.setdefault(model_type, []).append((match, reference))
                        continue
                    model = plugin.yaml(match)
                    name = model.get("model") if model is not None and model.usable else None
                    if isinstance(name, str):
                        by_type[model_type].add(name)
                        stem = match.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                        stems.setdefault(model_type, {})[stem] = (match, name)
                    elif model is None or not model.usable:
                        by_type[model_type].add("\0unknown")
            elif reference.role == "position" and reference.target.is_file:
                position_files.setdefault(reference.kind, []).append((reference.target.relative or "", reference))
        for model_type, files in position_files.items():
            declared = by_type.get(model_type)
            if not declared or "\0unknown" in declared:
                continue  # no model of this type at all (reported above), or a model file that cannot be read
            for path in dict.fromkeys(p for p, _ in files):
                position = plugin.yaml(path)
                if position is None or not position.usable or not isinstance(position.data, list):
                    continue
                for index, name in enumerate(position.data):
                    if not isinstance(name, str) or name.strip() in declared:
                        continue
                    span = position.span((index,))
                    by_stem = stems.get(model_type, {}).get(name.strip())
                    if by_stem is not None:
                        detail = (
                            f"; it is the file name of {by_stem[0]}, whose `model` is `{by_stem[1]}`:"
                            " position files list `model` names"
                        )
                    elif span.end.line > span.start.line:
                        detail = "; the entries below it are indented, so YAML reads them all as this one string"
                    else:
                        detail = " (removed or renamed?)"
                    yield Finding(
                        position.path,
                        span,
                        f"`{_short(name)}` is listed in the {model_type} position file but no {model_type} model YAML"
                        f" declares it{detail}",
                        severity=Severity.INFO,  # current Dify lists models in file order: no failure
                    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
