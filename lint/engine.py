"""Running the selected rules over plugins and turning findings into diagnostics."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import profile
from .analysis import Context, OutOfBudget
from .config import Config
from .diagnostics import Diagnostic, Edit, Fix, Related, Severity, Span
from .model.plugin import Plugin
from .rule import Finding, Rule
from .source.fs import DiskFS, Record, RecordingFS
from .suppression import INTERNAL_ERROR, UNUSED_SUPPRESSION, FileDirectives, parse_directives, silencing, suppressed_by_config


def lint_plugin(plugin: Plugin, rules: Sequence[Rule], config: Config | None = None) -> list[Diagnostic]:
    """Every finding of `rules` on one plugin, filtered by the config and inline suppressions.

    Each rule reads the plugin and the analyses it declares through one context; the context
    is closed (its analyses dropped) before this returns, whatever happened. A `type: bundle`
    manifest is linted by the rules written for bundles only."""
    config = config or Config()
    kind = "bundle" if plugin.is_bundle else "plugin"
    rules = [rule for rule in rules if rule.lints in (kind, "any")]
    ctx = Context(plugin, time.monotonic() + plugin_time_budget(), plugin_memory_budget() << 20)
    try:
        diagnostics, crashed = _run(ctx, plugin, rules)
        checker = next((rule for rule in rules if rule.code == UNUSED_SUPPRESSION), None)
        if checker is not None and checker.code not in crashed:
            try:
                with profile.timed("rule", checker.code):
                    diagnostics += _useless_suppressions(ctx, plugin, rules, kind, checker, diagnostics, crashed)
            except OutOfBudget as error:
                diagnostics.append(_out_of_budget(plugin, [checker], error))
            except Exception as error:
                diagnostics.append(_crash(plugin, checker, error))
    finally:
        ctx.close()
    with profile.timed("suppression"):
        return _dedupe(_unsilenced(plugin, diagnostics, config))


def _run(ctx: Context, plugin: Plugin, rules: Sequence[Rule]) -> tuple[list[Diagnostic], set[str]]:
    """The findings of `rules`, a crashed rule's as DPL005; and the codes of the rules that crashed."""
    diagnostics: list[Diagnostic] = []
    crashed: set[str] = set()
    for number, rule in enumerate(rules):
        try:
            ctx.check_budget()
            with profile.timed("rule", rule.code):
                findings = list(rule.check(ctx.running(rule.requires)))
        except OutOfBudget as error:  # the rules not run are as good as crashed: their findings are unknown
            diagnostics.append(_out_of_budget(plugin, rules[number:], error))
            crashed.update(r.code for r in rules[number:])
            break
        except Exception as error:  # a broken rule must not hide what the others find
            diagnostics.append(_crash(plugin, rule, error))
            crashed.add(rule.code)
            continue
        finally:
            ctx.running(None)
        for finding in findings:
            diagnostics.append(_diagnostic(plugin, rule, finding))
    return diagnostics, crashed


def _unsilenced(plugin: Plugin, diagnostics: list[Diagnostic], config: Config) -> list[Diagnostic]:
    """The findings that neither the configuration nor a comment in their file silences."""
    comments: dict[str, FileDirectives] = {}
    per_file = config.per_file_patterns()
    kept = []
    for diagnostic in diagnostics:
        if per_file and suppressed_by_config(diagnostic, per_file):
            continue
        relative = _relative_to_plugin(plugin, diagnostic.path)
        if relative not in comments:
            comments[relative] = _comments_of(plugin, relative)
        if not silencing(diagnostic, comments[relative]):
            kept.append(diagnostic)
    return kept


#: other files whose `#` comments may hold suppressions (a finding in requirements.txt)
_COMMENTED_TEXT = (".txt", ".toml", ".cfg", ".ini", ".difyignore", ".gitignore")


def _comments_of(plugin: Plugin, relative: str) -> FileDirectives:
    """The suppression comments of one of the plugin's files, read as its language reads comments."""
    text, language, parsed = None, "text", False
    if relative.endswith((".yaml", ".yml")):
        doc = plugin.yaml(relative)
        text, language = (doc.text if doc is not None else None), "yaml"
    elif relative.endswith(".py"):
        module = plugin.python(relative)
        text, language = (module.text if module is not None else None), "python"
        parsed = module is not None and module.tree is not None
    elif relative.endswith(_COMMENTED_TEXT):
        text = plugin.text(relative)
    return parse_directives(text, language, parsed) if text else FileDirectives()


def _useless_suppressions(
    ctx: Context,
    plugin: Plugin,
    rules: Sequence[Rule],
    kind: str,
    checker: Rule,
    diagnostics: list[Diagnostic],
    crashed: set[str],
) -> list[Diagnostic]:
    """DPL010's findings: suppression comments in the YAML and Python files Dify reads that
    silence nothing. Each is judged against every rule it names, selected or not (the rules not
    selected run here only for that, their findings dropped), so the result never depends on
    which rules are selected."""
    from .analysis.keys import READ_FILES
    from .registry import all_rules, matches
    from .suppression import judged_tokens, unused

    read = ctx.running(None).get(READ_FILES)
    # in a file that did not parse (or is not analysed) no rule could report: its comments are not judged
    comments = {doc.path: parse_directives(doc.text, "yaml") for doc in read.yaml if doc.usable}
    comments.update(
        {module.path: parse_directives(module.text, "python", parsed=True) for module in read.python if module.tree is not None}
    )
    comments = {path: found for path, found in comments.items() if found.by_line or found.whole_file}
    if not comments:
        return []
    every = all_rules()

    def known(token: str) -> bool:
        return any(matches(rule, token) for rule in every)

    named = {"ALL"} if any(d.ours and not d.tokens for f in comments.values() for d in f) else set()
    named |= {t.text for f in comments.values() for d in f if d.style != "unknown" for t in judged_tokens(d, known)}
    selected = {rule.code for rule in rules}
    extra = [
        rule
        for rule in every
        if rule.code not in selected and rule.lints in (kind, "any") and any(matches(rule, token) for token in named)
    ]
    extra_found, extra_crashed = _run(ctx, plugin, extra)
    crashed = crashed | extra_crashed

    def judged(token: str) -> bool:  # a crashed rule's findings are unknown: its codes are not judged
        return not any(rule.code in crashed and matches(rule, token) for rule in every)

    findings = [(_relative_to_plugin(plugin, d.path), d) for d in (*diagnostics, *extra_found) if d.code != INTERNAL_ERROR]
    found = unused(comments, findings, names_rule=known, judged=judged, suggest=_closest_rule)
    return [_diagnostic(plugin, checker, finding) for finding in checker.report(found)]


def _closest_rule(token: str) -> str:
    import difflib

    from .registry import all_rules

    names = [rule.code for rule in all_rules()] + [rule.name for rule in all_rules()]
    close = difflib.get_close_matches(token.upper() if token.upper().startswith("DPL") else token.lower(), names, n=1)
    return close[0] if close else ""


#: What a second worker costs, in bytes of YAML and Python linted. Starting one, building its
#: schema validators and sending plugins and findings back and forth took 0.1-0.25 s of CPU in
#: paired runs on a 2-core machine, what linting 50-120 kB takes (about 2 µs a byte over the
#: official plugins); 150 kB leaves a margin.
WORKER_COST_BYTES = 150_000
#: the files whose bytes estimate how long a plugin takes: what is parsed
_PARSED = (".yaml", ".yml", ".py")


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plugins: int = 0  # roots linted, bundles included
    bundles: int = 0  # of which `type: bundle` manifests
    internal_errors: int = 0
    workers: int = 1  # processes that linted (1: this one)
    #: per plugin, in the order given: its diagnostics, whether it is a bundle, and (when asked
    #: to record) what its lint read from its folder on disk
    per_plugin: list[tuple[list[Diagnostic], bool, Record | None]] = field(default_factory=list)


def lint_plugins(
    plugins: Sequence[Plugin], rules: Sequence[Rule], config: Config | None = None, jobs: int = 0, record: bool = False
) -> Result:
    """Lint every plugin (a `Plugin`, or anything with its `fs` and `display`), in up to `jobs`
    worker processes: 0 (automatic) starts one per CPU when the plugins are large enough to pay
    for them, a number of 2 or more starts them whenever there are two plugins. The result is the
    same whichever way it ran. `record`: note what each plugin on disk was read for
    (`Result.per_plugin`), for the result cache. When a profile is being taken
    (`dify_lint.profile`), the workers' figures are added to it."""
    result = Result(plugins=len(plugins))
    workers, sizes = plan_workers(plugins, jobs)
    result.workers = workers
    sources = [RecordingFS(p.fs) if record and type(p.fs) is DiskFS else p.fs for p in plugins]
    with no_cyclic_gc():
        if workers > 1:
            linted = _lint_in_processes(plugins, sources, sizes, rules, config, workers)
        else:
            # a plugin of its own for each lint, dropped with everything it read once it is done
            linted = (_lint_one(Plugin(fs, plugin.display), rules, config) for plugin, fs in zip(plugins, sources))
        for diagnostics, bundle, read in linted:
            result.diagnostics.extend(diagnostics)
            result.bundles += bundle
            result.per_plugin.append((diagnostics, bundle, read))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    result.internal_errors = sum(1 for d in result.diagnostics if d.code == INTERNAL_ERROR)
    return result


def plan_workers(plugins: Sequence[Plugin], jobs: int) -> tuple[int, list[int]]:
    """How many processes should lint `plugins` for `--jobs jobs` (see `lint_plugins`), and the
    plugins' sizes when they were needed to decide."""
    workers = min(jobs or os.cpu_count() or 1, len(plugins))
    sizes: list[int] = []
    if workers > 1:
        from .model.plugin import is_skipped_dir

        sizes = [p.fs.source_bytes(_PARSED, is_skipped_dir) for p in plugins]
        if not jobs and not pays_for_workers(sizes, workers):
            workers = 1
    return workers, sizes


def pays_for_workers(sizes: Sequence[int], workers: int) -> bool:
    """Whether `workers` processes would finish plugins of these sizes sooner than one: what they
    save (the whole less the longer of an even share and the largest plugin, which one worker
    must lint alone) against what each extra worker costs."""
    total = sum(sizes)
    saved = total - max(total / workers, max(sizes, default=0))
    return saved > WORKER_COST_BYTES * (workers - 1)


def _lint_one(plugin: Plugin, rules: Sequence[Rule], config: Config | None) -> tuple[list[Diagnostic], bool, Record | None]:
    """The plugin's diagnostics, whether it is a bundle (for the summary), and what was read."""
    diagnostics = lint_plugin(plugin, rules, config)
    return diagnostics, plugin.is_bundle, plugin.fs.record if isinstance(plugin.fs, RecordingFS) else None


def _lint_in_processes(
    plugins: Sequence[Plugin], sources: Sequence, sizes: Sequence[int], rules: Sequence[Rule], config: Config | None, workers: int
) -> list[tuple[list[Diagnostic], bool, Record | None]]:
    """Each plugin's diagnostics, linted in `workers` processes, in the order of `plugins`. The
    largest plugins go first and one at a time, so that no worker is left with a large one at the
    end while the others wait. A worker that dies (a crash in native code) takes down only the
    plugins it had not finished: those are linted again, each in a process of its own, and the one
    that kills its process again becomes a DPL005 finding."""
    codes = tuple(rule.code for rule in rules)
    profiled = profile.active() is not None
    tasks = [(fs, p.display, codes, config, profiled) for p, fs in zip(plugins, sources)]
    order = sorted(range(len(plugins)), key=lambda i: -sizes[i])  # stable: equal sizes keep their order
    results: list = [None] * len(tasks)
    lost = _run_in_pool(tasks, order, min(workers, len(tasks)), results)
    for index in lost:
        if _run_in_pool(tasks, [index], 1, results):
            results[index] = ([_worker_died(Plugin(plugins[index].fs, plugins[index].display))], False, None, None)
    linted = []
    for diagnostics, bundle, read, taken in results:
        linted.append((diagnostics, bundle, read))
        if taken is not None and profile.active() is not None:
            profile.active().add(taken)
    return linted


def _run_in_pool(tasks: list, indexes: Sequence[int], workers: int, results: list) -> list[int]:
    """Run `tasks[indexes]` in a pool of `workers` processes, filling `results`; the indexes
    whose worker died. An interrupt (Ctrl-C, SIGTERM) ends the workers before it goes on: they
    would otherwise keep running, holding the output streams open."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_started)
    lost = []
    try:
        # workers are forked while the tasks are submitted: an interrupt then would land inside
        # fork's handlers and be lost; it waits until they are started
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS) if hasattr(signal, "pthread_sigmask") else None
        try:
            futures = {index: pool.submit(_lint_task, tasks[index]) for index in indexes}
        finally:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for index, future in futures.items():
            try:
                results[index] = future.result()
            except BrokenProcessPool:
                lost.append(index)
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return lost


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def _end_workers(pool) -> None:
    # the executor has no public way to stop a running worker (3.14 adds one); its processes are
    # in `_processes`, a dict from pid to process since 3.2
    processes = list(getattr(pool, "_processes", None) or {})
    for pid in processes:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_started() -> None:
    """A worker leaves interrupts to its parent, which ends it, and dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while its parent held interrupts back
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTS)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _lint_task(task: tuple) -> tuple[list[Diagnostic], bool, Record | None, "profile.Profile | None"]:
    from .registry import all_rules

    fs, display, codes, config, profiled = task
    rules = [rule for rule in all_rules() if rule.code in codes]
    taken = profile.Profile() if profiled else None
    with no_cyclic_gc(), profile.profiling(taken):
        diagnostics, bundle, read = _lint_one(Plugin(fs, display), rules, config)
    return diagnostics, bundle, read, taken


def _worker_died(plugin: Plugin) -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR,
        name="internal-error",
        severity=Severity.ERROR,
        message="the process linting this plugin died (a crash in native code), twice; its findings are unknown,"
        " the other plugins' are reported. Please report this.",
        path=plugin.display_path("manifest.yaml"),
        span=Span.file_start(),
        plugin=plugin.display,
        url="",
    )


@contextmanager
def no_cyclic_gc():
    """Syntax trees and YAML node trees hold millions of objects; the cyclic collector would walk
    them again and again (it tripled the time on large trees). Analyses hold no cycles once their
    context is closed, so reference counting frees each plugin's data when it is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _diagnostic(plugin: Plugin, rule: Rule, finding: Finding) -> Diagnostic:
    related = tuple(Related(plugin.display_path(r.path), r.span, r.message) for r in finding.related)
    return Diagnostic(
        code=rule.code,
        name=rule.name,
        severity=finding.severity or rule.severity,
        message=finding.message,
        path=plugin.display_path(finding.path),
        span=finding.span,
        related=related,
        fix=_displayed_fix(plugin, finding.fix),
        plugin=plugin.display,
        url=rule.url,
        line_text=plugin.line_text(finding.path, finding.span.start.line),
    )


#: Seconds one plugin may take (real plugins take well under one): past it, the rules not yet run
#: are skipped and a DPL006 finding says so. `DIFY_LINT_PLUGIN_SECONDS` sets another budget.
PLUGIN_SECONDS = 60.0


def plugin_time_budget() -> float:
    return _budget("DIFY_LINT_PLUGIN_SECONDS", float, PLUGIN_SECONDS)


#: MiB the process's resident memory may grow by while one plugin is linted (real plugins need
#: tens): past it, the rules not yet run are skipped and a DPL006 finding says so.
#: `DIFY_LINT_PLUGIN_MEGABYTES` sets another budget. Measured where the system tells the current
#: resident size cheaply (Linux); elsewhere only the time budget applies.
PLUGIN_MEGABYTES = 1024


def plugin_memory_budget() -> int:
    return _budget("DIFY_LINT_PLUGIN_MEGABYTES", int, PLUGIN_MEGABYTES)


def _budget(variable: str, kind, default):
    """A budget from the environment; the default when it is unset, not a number, or not positive."""
    try:
        value = kind(os.environ.get(variable, default))
    except ValueError:
        return default
    return value if value > 0 else default


def _out_of_budget(plugin: Plugin, skipped: Sequence[Rule], error: OutOfBudget) -> Diagnostic:
    from .registry import find_rule

    limit = find_rule("DPL006")
    names = ", ".join(rule.code for rule in skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
    if error.resource == "memory":
        spent = f"checking this plugin used more than its {plugin_memory_budget()} MiB memory budget (DIFY_LINT_PLUGIN_MEGABYTES)"
    else:
        spent = f"checking this plugin took more than its {plugin_time_budget():g} s budget (DIFY_LINT_PLUGIN_SECONDS)"
    return Diagnostic(
        code=limit.code,
        name=limit.name,
        severity=Severity.ERROR,
        message=f"{spent}; {names} did not run, so their findings are missing",
        path=plugin.display_path("manifest.yaml"),
        span=Span.file_start(),
        plugin=plugin.display,
        url=limit.url,
    )


def _displayed_fix(plugin: Plugin, fix: Fix | None) -> Fix | None:
    if fix is None:
        return None
    edits = tuple(
        Edit(
            plugin.display_path(e.path),
            e.start,
            e.end,
            e.replacement,
            plugin.position(e.path, e.start),
            plugin.position(e.path, e.end),
        )
        for e in fix.edits
    )
    return Fix(fix.message, edits, fix.applicability)


def _crash(plugin: Plugin, rule: Rule, error: Exception) -> Diagnostic:
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return Diagnostic(
        code=INTERNAL_ERROR,
        name="internal-error",
        severity=Severity.ERROR,
        message=f"rule {rule.code} ({rule.name}) crashed on this plugin: {type(error).__name__}: {error}{where};"
        " the other rules still ran. Please report this.",
        path=plugin.display_path("manifest.yaml"),
        span=Span.file_start(),
        plugin=plugin.display,
        url="",
    )


def _relative_to_plugin(plugin: Plugin, display_path: str) -> str:
    prefix = plugin.display.rstrip("/") + "/"
    if plugin.display not in ("", ".") and display_path.startswith(prefix):
        return display_path[len(prefix) :]
    return display_path


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen = set()
    unique = []
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.path, diagnostic.span, diagnostic.message)
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique
