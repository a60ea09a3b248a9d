"""DPL303 source-class-count: counted as the SDK's `get_subclasses_from_module` counts, every
module-level name bound to a subclass, classes imported from the plugin's own modules included."""

from __future__ import annotations

from typing import Iterator

from dify_lint.analysis.keys import SYMBOLS
from dify_lint.analysis.package import loaded_source
from dify_lint.diagnostics import Related, Severity, Span
from dify_lint.model.plugin import Reference
from dify_lint.model.yamldoc import YamlDoc
from dify_lint.python.symbols import Count, Resolver, Target
from dify_lint.rule import Example, Finding, Rule

from ._common import BASE_MODEL_PROVIDER, BASE_TRIGGER_PROVIDER, ECHO_TOOL, is_checked


class SourceClassCount(Rule):
    code = "DPL303"
    name = "source-class-count"
    summary = "A Python source does not define exactly one subclass of the class the SDK loads from it"
    grades = {
        Severity.ERROR: "a source the SDK loads one class from defines none, or several",
        Severity.WARNING: "a model source defines no model class, and no other model source of the provider does",
        Severity.INFO: "a model source defines no model class while the provider's other model sources do (a helper)",
    }
    explanation = """
    The SDK imports each `extra.python.source` and collects every module-level name bound to a
    subclass of the expected base class (`Tool`, `ToolProvider`, `Endpoint`, `AgentStrategy`,
    `ModelProvider`, `DatasourceProvider`, the datasource type's class, `Trigger`, `Event`). It
    needs exactly one: none stops the plugin with "Missing subclass of X", two or more with
    "Multiple subclasses of X". Imported classes count too, so `from tools.base import BaseTool`
    next to `class SearchTool(BaseTool)` is two; import the module (`from tools import base`) and
    write `class SearchTool(base.BaseTool)` instead. An SDK class that is itself a subclass (such as
    `OAICompatProvider` for `ModelProvider`) counts when it is imported by name.

    A model source may hold several model classes. One with none registers nothing: a warning when
    no other model source of the provider registers a model either, info when they do (a helper
    module listed among them is imported and harmless). A
    trigger provider source may hold at most one `TriggerSubscriptionConstructor`, and must hold
    one when the YAML declares `subscription_constructor`. dify-lint stays silent when a class
    derives from something it cannot follow (a third-party or dynamic base).
    """
    invalid = (
        Example(
            {
                "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    def helper(self):\n        return 1\n",
                "tools/echo.py": ECHO_TOOL.replace(
                    "from dify_plugin import Tool\n", "from dify_plugin import Tool\nfrom tools.base import BaseTool\n"
                ).replace("class EchoTool(Tool)", "class EchoTool(BaseTool)"),
            },
            note="The imported base class is a second `Tool` subclass in the module.",
            expect=(
                (
                    "tools/echo.yaml:22:13-22:26",
                    '`tools/echo.py` binds 2 subclasses of `Tool` at module level: `BaseTool` (imported from tools/base.py), `EchoTool` (line 9); the SDK needs exactly one and stops with "Multiple subclasses of Tool"; write `from tools import base` and subclass `base.BaseTool` instead of importing the class',
                ),
            ),
        ),
        Example(
            {
                "tools/echo.py": "from dify_plugin import Tool\n\n\ndef make():\n    class EchoTool(Tool):\n        pass\n    return EchoTool\n"
            },
            note="A class defined inside a function is not at module level.",
            expect=(
                (
                    "tools/echo.yaml:22:13-22:26",
                    '`tools/echo.py` defines no module-level subclass of `Tool`; the SDK stops with "Missing subclass of Tool"',
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": BASE_TRIGGER_PROVIDER.replace(
                    "events:\n", "subscription_constructor:\n  parameters: []\nevents:\n"
                )
            },
            base="trigger",
            note="The YAML declares a subscription constructor the source does not implement.",
            expect=(
                (
                    "provider/example.yaml:15:1-15:25",
                    "`subscription_constructor` is declared but `provider/example.py` defines no `TriggerSubscriptionConstructor` subclass; the SDK stops at start-up",
                ),
            ),
        ),
        Example(
            {"models/llm/llm.py": "from dify_plugin import LargeLanguageModel\n\n\ndef unused():\n    pass\n"},
            base="model",
            note="The provider's only model source defines no model class: the provider has no model to serve.",
            expect=(
                (
                    "provider/example.yaml:30:9-30:26",
                    "`models/llm/llm.py` defines no subclass of a model type class (LargeLanguageModel,"
                    " TextEmbeddingModel, ...); the SDK registers no model from it, and no other model source of this"
                    " provider registers one either",
                ),
            ),
        ),
        Example(
            {
                "provider/example.yaml": BASE_MODEL_PROVIDER.replace(
                    "      - models/llm/llm.py\n", "      - models/llm/llm.py\n      - models/common.py\n"
                ),
                "models/common.py": "TIMEOUT = 30\n",
            },
            base="model",
            note="A helper listed beside a model source that does define one: imported, and harmless.",
            expect=(
                (
                    "provider/example.yaml:31:9-31:25",
                    "`models/common.py` defines no subclass of a model type class (LargeLanguageModel,"
                    " TextEmbeddingModel, ...); the SDK imports it and registers no model from it, which is harmless"
                    " if it only helps the other model sources: it need not be listed",
                ),
            ),
        ),
    )
    valid = (
        Example(
            {
                "tools/base.py": "from dify_plugin import Tool\n\n\nclass BaseTool(Tool):\n    def helper(self):\n        return 1\n",
                "tools/echo.py": ECHO_TOOL.replace("from dify_plugin import Tool\n", "from tools import base\n").replace(
                    "class EchoTool(Tool)", "class EchoTool(base.BaseTool)"
                ),
            },
            note="Importing the module keeps the base class out of the source's names.",
        ),
        Example({}, base="model"),
        Example({}, base="trigger"),
        Example({}, base="datasource"),
    )

    requires = (SYMBOLS,)

    def check(self, ctx) -> Iterator[Finding]:
        plugin = ctx.plugin
        if not is_checked(plugin):
            return
        index = ctx.get(SYMBOLS)
        for reference in plugin.references:
            if reference.role != "source":
                continue
            path = loaded_source(plugin, reference)
            if path is None:
                continue
            target = Target.of(reference.kind)
            counted = index.count(path, target)
            if counted is None:
                continue
            helped = reference.multiple and _other_model_source_registers(plugin, index, reference, target)
            yield from self._judge(index, reference, path, target, counted, helped)
            if reference.kind == "Trigger":
                yield from self._constructor(index, reference.owner, path)

    def _judge(
        self, index: Resolver, reference: Reference, path: str, target: Target, counted: Count, helped: bool
    ) -> Iterator[Finding]:
        if reference.multiple:
            if not counted.definite and not counted.maybe:
                if helped:
                    # a helper module listed beside the model files: imported, nothing registered, no harm
                    yield self.at(
                        reference.owner,
                        reference.at,
                        f"`{path}` defines no subclass of {target.label}; the SDK imports it and registers no model"
                        " from it, which is harmless if it only helps the other model sources: it need not be listed",
                        severity=Severity.INFO,
                    )
                else:
                    yield self.at(
                        reference.owner,
                        reference.at,
                        f"`{path}` defines no subclass of {target.label}; the SDK registers no model from it, and no"
                        " other model source of this provider registers one either",
                        severity=Severity.WARNING,
                    )
            return
        if len(counted.definite) > 1:
            yield self._multiple(index, reference, path, target, counted)
        elif not counted.definite and not counted.maybe:
            yield self.at(
                reference.owner,
                reference.at,
                f"`{path}` defines no module-level subclass of {target.label}; the SDK stops with"
                f' "Missing subclass of {reference.kind}"',
            )

    def _multiple(self, index: Resolver, reference: Reference, path: str, target: Target, counted: Count) -> Finding:
        names = []
        related = []
        for name, ref in counted.definite:
            if ref.kind == "class" and ref.path == path and ref.name == name:
                line = index.class_line(path, name)
                names.append(f"`{name}` (line {line})")
                related.append(Related(path, Span.point(line, 1), f"`{name}` is a subclass of {target.label}"))
            elif ref.kind == "class":
                line = index.class_line(ref.path, ref.name)
                names.append(f"`{name}` (imported from {ref.path})")
                related.append(Related(ref.path, Span.point(line, 1), f"`{ref.name}`, imported into {path}"))
            else:
                names.append(f"`{name}` (imported from dify_plugin)")
        return self.at(
            reference.owner,
            reference.at,
            f"`{path}` binds {len(counted.definite)} subclasses of {target.label} at module level: {', '.join(names)};"
            f' the SDK needs exactly one and stops with "Multiple subclasses of {reference.kind}"'
            f"{_fix_hint(path, counted)}",
            related=tuple(related),
        )

    def _constructor(self, index: Resolver, doc: YamlDoc, path: str) -> Iterator[Finding]:
        target = Target.of("TriggerSubscriptionConstructor")
        counted = index.count(path, target)
        if counted is None:
            return
        if len(counted.definite) > 1:
            names = ", ".join(f"`{name}`" for name, _ in counted.definite)
            yield self.at(
                doc,
                ("extra", "python", "source"),
                f"`{path}` binds {len(counted.definite)} subclasses of `TriggerSubscriptionConstructor` ({names});"
                " the SDK supports only one and stops",
            )
        elif doc.get("subscription_constructor") is not None and not counted.definite and not counted.maybe:
            yield self.at(
                doc,
                ("subscription_constructor",),
                f"`subscription_constructor` is declared but `{path}` defines no `TriggerSubscriptionConstructor`"
                " subclass; the SDK stops at start-up",
                key=True,
            )


def _other_model_source_registers(plugin, index: Resolver, reference: Reference, target: Target) -> bool:
    """Whether another model source of the same provider defines (or may define) a model class."""
    for other in plugin.references:
        if other is reference or other.owner is not reference.owner or not other.multiple:
            continue
        path = loaded_source(plugin, other)
        counted = index.count(path, target) if path is not None else None
        if counted is not None and (counted.definite or counted.maybe):
            return True
    return False


def _fix_hint(path: str, counted: Count) -> str:
    """How to keep a base class out of the module's names, for the first imported one."""
    for name, ref in counted.definite:
        if ref.kind == "sdk":
            return f"; `import dify_plugin` and subclass `dify_plugin.{ref.name}` instead of importing the class"
        if ref.kind == "class" and ref.path != path:
            module = ref.path[: -len("/__init__.py")] if ref.path.endswith("/__init__.py") else ref.path[:-3]
            parent, _, leaf = module.replace("/", ".").rpartition(".")
            statement = f"from {parent} import {leaf}" if parent else f"import {leaf}"
            return f"; write `{statement}` and subclass `{leaf}.{ref.name}` instead of importing the class"
        if ref.kind == "class" and ref.name != name:
            return f"; `{name}` is a second name for `{ref.name}`: remove it"
    return ""
