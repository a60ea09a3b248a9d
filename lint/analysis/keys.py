"""Every shared analysis, one line each: what rules may list in `requires`."""

from __future__ import annotations

from ..python.module import PyModule
from ..python.outline import build_outline, parent_map
from ..python.scopes import FunctionIndex
from ..python.symbols import Resolver
from . import Analysis, Context, ModuleAnalysis, package, reading, unlisted
from .background import background_work
from .contracts import build_contracts
from .entries import entry_classes, entry_roots
from .fixed_models import fixed_providers
from .model_calls import Selectors, model_calls
from .origins import ValueFlow
from .results import follow_results
from .session import session_calls

# -- files and declarations -----------------------------------------------------------------------

READ_FILES = Analysis(
    "read-files",
    lambda ctx: reading.read_files(ctx.plugin),
    "the YAML and Python files Dify reads, and why any could not be read",
)
PYTHON_MODULES = Analysis(
    "python-modules", lambda ctx: reading.python_modules(ctx.plugin), "the plugin's Python modules, test code left out"
)
MANIFEST_ISSUES = Analysis(
    "manifest-issues", lambda ctx: reading.schema_issues(ctx.plugin, manifest=True), "manifest.yaml against Dify's schema"
)
DECLARATION_ISSUES = Analysis(
    "declaration-issues",
    lambda ctx: reading.schema_issues(ctx.plugin, manifest=False),
    "every other declaration against Dify's schema",
)

# -- one module at a time -------------------------------------------------------------------------

OUTLINE = ModuleAnalysis(
    "outline", lambda mctx, m: build_outline(m.tree) if m.tree is not None else None, "what a module defines and imports"
)
FUNCTIONS = ModuleAnalysis(
    "functions", lambda mctx, m: FunctionIndex(m), "a module's functions and classes, with what encloses each"
)
PARENTS = ModuleAnalysis("parents", lambda mctx, m: parent_map(m.tree) if m.tree is not None else {}, "each syntax node's parent")
SESSION_CALLS = ModuleAnalysis(
    "session-calls",
    lambda mctx, m: session_calls(m, lambda: mctx.get(FUNCTIONS)),
    "a module's `session.*` calls, bound to the SDK's signatures",
)

# -- the plugin's Python ------------------------------------------------------------------------


def _module_at(ctx: Context):
    def module_at(path: str) -> PyModule | None:
        module = ctx.plugin.python(path) if path.endswith(".py") else None
        return module if module is not None and module.tree is not None else None

    return module_at


def _symbols(ctx: Context) -> Resolver:
    unchecked = ctx.unchecked
    module_at = _module_at(ctx)

    def outline_of(path: str):
        module = module_at(path)
        return unchecked.module(OUTLINE, module) if module is not None else None

    return Resolver(outline_of, ctx.plugin.listdir)


def _value_origins(ctx: Context) -> ValueFlow:
    unchecked = ctx.unchecked
    return ValueFlow(
        ctx.get(PYTHON_MODULES),
        entry_roots(ctx.plugin, ctx.get(ENTRY_CLASSES)),
        ctx.get(SYMBOLS),
        lambda module: unchecked.module(FUNCTIONS, module),
        _module_at(ctx),
    )


def _model_calls(ctx: Context):
    calls = [call for module in ctx.get(PYTHON_MODULES) for call in ctx.module(SESSION_CALLS, module)]
    if not any(call.endpoint is not None and call.endpoint.config_class for call in calls):
        return []  # no call takes a model config: nothing to follow
    return model_calls(calls, ctx.get(VALUE_ORIGINS))


def _contracts(ctx: Context):
    return build_contracts(ctx.plugin, ctx.get(ENTRY_CLASSES), ctx.get(SYMBOLS), _module_at(ctx))


def _result_events(ctx: Context):
    unchecked = ctx.unchecked
    roots = entry_roots(ctx.plugin, ctx.get(ENTRY_CLASSES))
    entries = {key: root.kind for key, listed in roots.items() for root in listed if root.kind in ("tool", "strategy")}
    return follow_results(
        ctx.get(PYTHON_MODULES),
        lambda module: unchecked.module(FUNCTIONS, module),
        lambda module: unchecked.module(SESSION_CALLS, module),
        entries,
        lambda: ctx.get(VALUE_ORIGINS),
        _module_at(ctx),
    )


def _background_work(ctx: Context):
    if not ctx.plugin.declarations_of("endpoint"):
        return []  # only an endpoint's session ends with its response
    modules = ctx.get(PYTHON_MODULES)
    if not any("Thread" in m.text or "Timer" in m.text or "Executor" in m.text for m in modules):
        return []  # nothing is started in another thread
    unchecked = ctx.unchecked
    return background_work(
        ctx.get(ENTRY_CLASSES),
        ctx.get(VALUE_ORIGINS),
        lambda module: unchecked.module(SESSION_CALLS, module),
        lambda module: unchecked.module(PARENTS, module),
        _module_at(ctx),
    )


SYMBOLS = Analysis("symbols", _symbols, "what each name in the plugin's Python refers to")
ENTRY_CLASSES = Analysis(
    "entry-classes", lambda ctx: entry_classes(ctx.plugin, ctx.get(SYMBOLS)), "the class the SDK loads for each declaration"
)
VALUE_ORIGINS = Analysis(
    "value-origins", _value_origins, "where a value comes from: a parameter Dify fills, a config built in code"
)
SELECTORS = Analysis("selectors", lambda ctx: Selectors(ctx.plugin), "the model-selectors each entry point receives")
MODEL_CALLS = Analysis("model-calls", _model_calls, "the model config each model call receives, and its origins")
RESULT_EVENTS = Analysis(
    "result-events",
    _result_events,
    "how the plugin uses what its session calls return, followed into its own functions",
)
CONTRACTS = Analysis(
    "contracts", _contracts, "what each tool, strategy, provider and endpoint group declares against what its code reads"
)
FIXED_MODELS = Analysis(
    "fixed-models",
    lambda ctx: (
        fixed_providers(calls, ctx.get(SELECTORS), ctx.get(VALUE_ORIGINS), ctx.get(CONTRACTS))
        if (calls := ctx.get(MODEL_CALLS))
        else []
    ),
    "model configs built in code with one literal provider, and the model-selector the same tool never reads",
)
BACKGROUND_WORK = Analysis(
    "background-work",
    _background_work,
    "work an endpoint starts in another thread without waiting for it, and the session calls that work makes",
)

# -- the package ----------------------------------------------------------------------------------

ASSETS = Analysis("assets", lambda ctx: package.assets(ctx.plugin), "the files under `_assets/`")
IGNORE_FILE = Analysis(
    "ignore-file", lambda ctx: package.ignore_file(ctx.plugin), "`.difyignore` or `.gitignore`, as the daemon reads it"
)
PACKAGED_FILES = Analysis(
    "packaged-files",
    lambda ctx: package.packaged_files(ctx.plugin, ctx.get(IGNORE_FILE)),
    "the files a package would hold, with their sizes",
)

VIRTUAL_ENVS = Analysis(
    "virtual-envs",
    lambda ctx: package.virtual_environments(ctx.plugin, ctx.get(IGNORE_FILE)),
    "virtual environments at the plugin root that a package would hold, with their links",
)
UNLISTED_TOOLS = Analysis(
    "unlisted-tools",
    lambda ctx: unlisted.unlisted_tools(ctx.plugin, ctx.get(IGNORE_FILE), ctx.get(SYMBOLS), ctx.get(PYTHON_MODULES)),
    "tool YAML and tool classes that no provider lists",
)

ALL = (
    READ_FILES, PYTHON_MODULES, MANIFEST_ISSUES, DECLARATION_ISSUES, OUTLINE, FUNCTIONS, PARENTS, SESSION_CALLS,
    RESULT_EVENTS, SYMBOLS, ENTRY_CLASSES, VALUE_ORIGINS, SELECTORS, MODEL_CALLS, CONTRACTS, FIXED_MODELS, BACKGROUND_WORK, ASSETS, IGNORE_FILE,
    PACKAGED_FILES, VIRTUAL_ENVS, UNLISTED_TOOLS,
)  # fmt: skip
