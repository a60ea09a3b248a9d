"""The `dify-lint` command."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__
from .config import FAIL_ON
from .report import FORMATS, printable, printable_lines

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it ends as an interrupt does: workers stopped, no traceback."""


def _terminated(signum, frame):
    raise Terminated()


class _Group(click.Group):
    def main(self, *args, **kwargs):  # click's own usage errors already exit 2
        _escape_unencodable()
        previous = signal.signal(signal.SIGTERM, _terminated) if threading.current_thread() is threading.main_thread() else None
        try:
            return super().main(*args, **kwargs)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:  # conventional statuses: 128 + the signal's number
            click.echo("dify-lint: interrupted", err=True)
            sys.exit(143 if isinstance(interrupt, Terminated) else 130)


def _escape_unencodable() -> None:
    """A stream whose encoding cannot show a character (LC_ALL=C, PYTHONIOENCODING=ascii) gets
    an escape for it, not an error."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a closed stream
                pass


def _say(text: str) -> None:
    """A line on standard error; what it quotes from the plugin is escaped."""
    click.echo(printable(text), err=True)


def _write_report(output: str, colour: bool) -> None:
    """The report on standard output (see `_to_stdout`)."""
    _to_stdout(lambda: click.echo(output, nl=False, color=colour), "the report", "; use --output-file to write it to a file")


def _write_fixed_buffer(data: bytes) -> None:
    """The fixed buffer on standard output, byte for byte (see `_to_stdout`)."""

    def write() -> None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)

    _to_stdout(write, "the fixed buffer")


def _to_stdout(write, what: str, hint: str = "") -> None:
    """`write()` to standard output. A reader that stops reading (`| head`) is not an error; an
    output that cannot be written (closed, full) is, said on standard error (exit 2)."""
    if sys.stdout is None:
        _say(f"dify-lint: error: standard output is closed; {what} cannot be written{hint}")
        sys.exit(EXIT_FAILURE)
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
    except (OSError, ValueError) as error:  # ValueError: the stream was closed under us
        _discard_stdout()
        _say(f"dify-lint: error: cannot write {what} to standard output: {getattr(error, 'strerror', None) or error}")
        sys.exit(EXIT_FAILURE)


def _discard_stdout() -> None:
    """Point standard output at the null device, so what is still buffered does not fail again at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # pragma: no cover - no descriptor to replace
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dify-lint")
def main() -> None:
    """Static linter and manifest validator for Dify plugins."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default=None,
    help="How findings are printed (default: text; github under GitHub Actions is not automatic).",
)
@click.option(
    "--select", multiple=True, metavar="CODES", help="Only these rules: codes, code prefixes (DPL3) or names; comma-separated."
)
@click.option(
    "--ignore", multiple=True, metavar="CODES", help="Skip these rules: codes, code prefixes or names; comma-separated."
)
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add rules to those selected by the configuration.")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Read settings from this file instead of the nearest one."
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOBS",
    help="Skip these paths (globs relative to the working directory), instead of the configuration's.",
)
@click.option(
    "--extend-exclude", multiple=True, metavar="GLOBS", help="Skip these paths too (globs relative to the working directory)."
)
@click.option("--show-settings", is_flag=True, help="Print the settings in effect and where each came from, and lint nothing.")
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the result cache (also: DIFY_LINT_NO_CACHE=1 in the environment)."
)
@click.option(
    "--cache-dir",
    "cache_dir_option",
    type=click.Path(file_okay=False),
    envvar="DIFY_LINT_CACHE_DIR",
    help="Keep the result cache here (default: .dify_lint_cache beside the configuration file, else in the working directory).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=None,
    help="The least severity that fails the run (exit 1); default: warning (errors and warnings fail, infos never do).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, instead of the findings (text or json).")
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False),
    help="Write the findings (or statistics) to this file, not standard output.",
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", help="Colour in text output.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary line.")
@click.option(
    "--stdin-filename",
    type=click.Path(dir_okay=False),
    help="Read this file's content from standard input (an editor's unsaved buffer; the file need not exist)"
    " and report its findings, and those it causes in other files.",
)
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply the safe fixes, write the files, and report what is left.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Offer the unsafe fixes too (they may change what the code does): shown in the output, applied with --fix or --diff.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print what the fixes would change, as a unified diff, and write nothing (exit 1 if anything would change).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (0: one per CPU when the plugins are large enough to pay for them).",
)
@click.option(
    "--profile",
    "take_profile",
    is_flag=True,
    help="Print to standard error where the time went: each phase, analysis and rule, summed over plugins.",
)
def check(
    paths,
    output_format,
    select,
    ignore,
    extend_select,
    config_path,
    isolated,
    exclude,
    extend_exclude,
    show_settings,
    no_cache,
    cache_dir_option,
    fail_on,
    exit_zero,
    statistics,
    output_file,
    color,
    quiet,
    jobs,
    stdin_filename,
    apply_fixes,
    unsafe_fixes,
    show_diff,
    take_profile,
):
    """Lint the plugins at PATHS (default: the current directory).

    The whole plugin of each path is linted; what is reported is what lies in PATHS, or points
    into them (a file named reports its own findings and those it causes in other files). A
    .difypkg is linted in memory."""
    from . import profile
    from .cache import cache_dir, disabled_by_environment, rule_rows
    from .config import CommandLine, ConfigError, describe_settings, find_config, load_config, resolve_settings
    from .discovery import PathNotFound, discover
    from .registry import UnknownSelector, check_selectors, select_rules, split_tokens
    from .report import exit_fails, render, summary_line
    from .report import statistics as statistics_of
    from .scope import Scope, hidden_line
    from .suppression import INTERNAL_ERROR

    paths = paths or (".",)
    started = time.perf_counter()
    taken = profile.Profile() if take_profile else None
    with profile.profiling(taken), profile.timed("setup"):
        try:
            if isolated:
                config, how_found = load_config(None), "--isolated"
            else:
                found = Path(config_path) if config_path else find_config(Path(paths[0]))
                config = load_config(found)
                how_found = "--config" if config_path else f"the nearest to {paths[0]}" if found else f"none above {paths[0]}"
            given = CommandLine(
                select=split_tokens(select),
                ignore=split_tokens(ignore),
                extend_select=split_tokens(extend_select),
                exclude=split_tokens(exclude),
                extend_exclude=split_tokens(extend_exclude),
                output_format=output_format,
                fail_on=fail_on,
            )
            settings = resolve_settings(config, given)
            if settings.output_format not in FORMATS:
                raise ConfigError(
                    f"{config.path}: output-format must be one of {', '.join(FORMATS)}; got {settings.output_format!r}"
                )
            # the warm path: rules chosen from the stored table, imported only if a plugin is linted
            cache_folder = cache_dir(cache_dir_option, config.cache_dir, config.root if config.path else None)
            use_cache = not (no_cache or stdin_filename or disabled_by_environment())
            table = rule_rows(cache_folder) if use_cache else None
            check_selectors(settings.select + settings.ignore, table)
            for codes in config.per_file_ignores.values():
                check_selectors(codes, table)
            rules = select_rules(settings.select, settings.ignore, table)
            if show_settings:
                click.echo(describe_settings(settings, how_found, [rule.code for rule in rules]), nl=False)
                sys.exit(EXIT_CLEAN)
            if stdin_filename:
                stdin_filename = _without_parent_steps(stdin_filename)
                paths = (stdin_filename,)
            with profile.timed("discovery"):
                found = discover(paths, settings.exclude, may_be_missing=bool(stdin_filename), hidden=(cache_folder,))
            plugins = found.roots  # (files, display) each: what the cache needs; parsed only if linted
        except (ConfigError, UnknownSelector, PathNotFound) as error:
            _say(f"dify-lint: error: {error}")
            sys.exit(EXIT_FAILURE)
        except OSError as error:  # a path the system refuses to look up (too long, ...)
            _say(f"dify-lint: error: {_shortened(error.filename or '')}: {error.strerror or error}")
            sys.exit(EXIT_FAILURE)

    if stdin_filename and not plugins:  # the buffer would go unlinted: "no findings" would be untrue
        _say(
            f"dify-lint: error: --stdin-filename {stdin_filename}: no plugin (manifest.yaml) in its folder or above; nothing linted"
        )
        sys.exit(EXIT_FAILURE)
    if not plugins:  # not an error; a report with no findings is still written in the format asked for
        _say(f"dify-lint: warning: no plugin found (no manifest.yaml) under {_first(list(paths))}")

    buffer_path = None
    if stdin_filename and plugins:
        from .buffer import with_buffer
        from .source.files import MAX_YAML_BYTES as largest  # the largest file any parser takes

        data = sys.stdin.buffer.read(largest + 1)  # never more: a pipe may not end
        if len(data) > largest:
            click.echo(
                f"dify-lint: error: standard input holds more than {largest >> 20} MiB, more than any file dify-lint"
                " parses; it was not linted",
                err=True,
            )
            sys.exit(EXIT_FAILURE)
        buffered, buffer_path = with_buffer(found.plugins[0], stdin_filename, data)
        plugins = [buffered]
        scope = Scope.of((), files=(buffer_path,))
    else:
        scope = Scope.of(paths)
    fixing = None
    if apply_fixes or show_diff:  # files change as they are fixed: the cache is neither read nor written
        as_plugins = plugins if buffer_path else found.plugins
        with profile.profiling(taken):
            fixing = _Fixing.run(as_plugins, _rules(rules), config, scope, unsafe=unsafe_fixes, buffer=buffer_path, jobs=jobs)
        result = fixing.result
        if fixing.refusal:
            _say(f"dify-lint: error: {fixing.refusal}")
            sys.exit(EXIT_FAILURE)
    else:
        cache = _open_cache(cache_folder, config, rules) if use_cache else None
        with profile.profiling(taken):
            result = _lint(plugins, rules, config, jobs, cache)
    result.diagnostics, hidden = scope.narrow(result.diagnostics, always=(INTERNAL_ERROR,))  # a crash hides findings anywhere
    hidden_fixes = 0
    if any(d.fix is not None for d in result.diagnostics):
        from .fix import shown

        result.diagnostics, hidden_fixes = shown(result.diagnostics, unsafe_fixes)
    if fixing is not None and show_diff:
        _write_report(printable_lines(fixing.diff()), False)  # the plugin's own lines: no escape sequence gets through
        if not quiet:
            _say(fixing.would_fix_line())
            for line in fixing.notes():
                _say(line)
            if hidden_fixes:
                click.echo(_fixable_line([], hidden_fixes, unsafe_fixes), err=True)
        if result.internal_errors:
            sys.exit(EXIT_FAILURE)
        sys.exit(EXIT_FINDINGS if fixing.changes else EXIT_CLEAN)
    if fixing is not None and not buffer_path:
        fixing.write()
    fmt = settings.output_format
    with profile.profiling(taken), profile.timed("report"):
        if statistics:
            output, colour = statistics_of(result.diagnostics, "json" if fmt == "json" else "text"), False
        else:
            colour = not output_file and (
                color == "always"
                or (color == "auto" and sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
            )
            output = render(
                fmt, result.diagnostics, colour=colour, rules=_rules(rules) if fmt == "sarif" else (), fail_on=settings.fail_on
            )
    if fixing is not None and buffer_path:  # the fixed buffer is the output; the findings go to stderr
        _write_fixed_buffer(fixing.buffer_text())
    if output_file:
        try:
            Path(output_file).parent.mkdir(parents=True, exist_ok=True)
            Path(output_file).write_text(output, encoding="utf-8")
        except OSError as error:
            _say(f"dify-lint: error: cannot write {output_file}: {error.strerror or error}")
            sys.exit(EXIT_FAILURE)
    elif fixing is not None and buffer_path:
        click.echo(output, nl=False, color=colour, err=True)
    else:
        _write_report(output, colour)
    if not quiet:
        click.echo(summary_line(result.diagnostics, result.plugins, result.bundles, settings.fail_on), err=True)
        if fixing is not None:
            for line in (fixing.fixed_line(), *fixing.notes()):
                if line:
                    _say(line)
        if _fixable_line(result.diagnostics, hidden_fixes, unsafe_fixes):
            click.echo(_fixable_line(result.diagnostics, hidden_fixes, unsafe_fixes), err=True)
        if hidden:
            _say(hidden_line(hidden))
        if _skipped_line(found):
            _say(_skipped_line(found))
    if taken is not None:
        click.echo(taken.table(time.perf_counter() - started, len(plugins), result.workers), err=True, nl=False)
    if result.internal_errors:
        sys.exit(EXIT_FAILURE)
    failed = exit_fails(result.diagnostics, settings.fail_on)
    sys.exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_CLEAN)


@dataclass
class _Linted:
    diagnostics: list
    plugins: int
    bundles: int
    internal_errors: int
    workers: int = 1  # processes that linted (1: this one, or every plugin came from the cache)


def _open_cache(directory, config, rules):
    """The result cache for this run's settings."""
    from .cache import ResultCache

    settings = {
        "rules": sorted(rule.code for rule in rules),
        "per-file-ignores": sorted([glob, sorted(codes)] for glob, codes in config.per_file_ignores.items()),
        "relative-to": config.root,
    }
    return ResultCache(directory, settings)


def _rules(chosen) -> tuple:
    """The rules themselves for rows of the stored table (their modules imported only now)."""
    from .registry import all_rules

    codes = {row.code for row in chosen}
    return tuple(rule for rule in all_rules() if rule.code in codes)


def _lint(plugins, rules, config, jobs, cache) -> _Linted:
    """Every plugin's findings: from the cache where its entry is still valid, the others
    linted (and their entries written). Merged in the plugins' order, then sorted, so a cached
    run prints exactly what a fresh one does."""
    from .suppression import INTERNAL_ERROR

    found: list = [None] * len(plugins)
    workers = 1
    if cache is not None:
        for index, plugin in enumerate(plugins):
            if cache.handles(plugin.fs):
                found[index] = cache.lookup(plugin.fs, plugin.display)
    missing = [index for index, hit in enumerate(found) if hit is None]
    if missing:
        from .engine import lint_plugins

        linted = lint_plugins([plugins[i] for i in missing], _rules(rules), config, jobs=jobs, record=cache is not None)
        workers = linted.workers
        for index, (diagnostics, bundle, record) in zip(missing, linted.per_plugin):
            found[index] = (diagnostics, bundle)
            crashed = any(d.code == INTERNAL_ERROR for d in diagnostics)  # a crash may not happen again
            if record is not None and not crashed:
                cache.store(plugins[index].fs, plugins[index].display, diagnostics, bundle, record)
    diagnostics = sorted((d for ds, _ in found for d in ds), key=lambda d: d.sort_key())
    return _Linted(
        diagnostics=diagnostics,
        plugins=len(plugins),
        bundles=sum(bundle for _, bundle in found),
        internal_errors=sum(1 for d in diagnostics if d.code == INTERNAL_ERROR),
        workers=workers,
    )


class _Fixing:
    """`--fix` and `--diff`: each plugin folder fixed in memory, then written or shown."""

    def __init__(self, result, outcomes, packages, refusal=""):
        self.result = result
        self.outcomes = outcomes  # (plugin, Outcome) of each plugin folder
        self.packages = packages  # the packages linted but never written
        self.refusal = refusal
        self.problems: list[str] = []

    @classmethod
    def run(cls, plugins, rules, config, scope, *, unsafe: bool, buffer: str | None, jobs: int = 0) -> "_Fixing":
        from .engine import Result, lint_plugin, plan_workers
        from .suppression import INTERNAL_ERROR

        result = Result(plugins=len(plugins))
        packages = []
        for plugin in plugins:
            result.bundles += plugin.is_bundle
            if plugin.is_package:
                packages.append(plugin.display_path(""))
                result.diagnostics.extend(lint_plugin(plugin, rules, config))
        folders = [plugin for plugin in plugins if not plugin.is_package]
        codes = tuple(rule.code for rule in rules)
        tasks = [(plugin.fs, plugin.display, codes, config, unsafe, scope) for plugin in folders]
        workers, _ = plan_workers(folders, jobs)
        if workers > 1 and buffer is None:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                fixed = list(pool.map(_fix_task, tasks, chunksize=2))
        else:
            fixed = [_fix_task(task, plugin) for task, plugin in zip(tasks, folders)]
        outcomes = list(zip(folders, fixed))
        for _, outcome in outcomes:
            result.diagnostics.extend(outcome.diagnostics)
        result.diagnostics.sort(key=lambda d: d.sort_key())
        result.internal_errors = sum(1 for d in result.diagnostics if d.code == INTERNAL_ERROR)
        fixing = cls(result, outcomes, packages)
        if buffer is not None:
            others = [change.display for change in fixing.changes if change.display != buffer]
            if others:
                fixing.refusal = (
                    f"--fix with --stdin-filename prints the fixed buffer only, but the fixes would also change"
                    f" {_first(others)}; run `dify-lint check --fix` on the plugin folder instead"
                )
        return fixing

    @property
    def changes(self) -> list:
        return [change for _, outcome in self.outcomes for change in outcome.changes.values()]

    @property
    def fixed(self) -> int:
        return sum(outcome.count for _, outcome in self.outcomes)

    def diff(self) -> str:
        return "".join(change.diff() for change in self.changes)

    def write(self) -> None:
        from .fix import write_changes

        for plugin, outcome in self.outcomes:
            self.problems += write_changes(plugin.fs, list(outcome.changes.values()))

    def buffer_text(self) -> bytes:
        """The fixed buffer: the one file of the overlay the editor sent."""
        for plugin, outcome in self.outcomes:
            buffers = getattr(plugin.fs, "buffers", {})
            for relative, data in buffers.items():
                change = outcome.changes.get(relative)
                return change.after if change is not None else data
        return b""

    def fixed_line(self) -> str:
        files = len(self.changes)
        if not self.fixed:
            return ""
        return f"Fixed {_plural(self.fixed, 'finding')} in {_plural(files, 'file')}."

    def would_fix_line(self) -> str:
        if not self.changes:
            return "No fixes to apply."
        return f"Would fix {_plural(self.fixed, 'finding')} in {_plural(len(self.changes), 'file')}."

    def notes(self) -> list[str]:
        lines = [f"Not fixed: {package} is a package; fixes are only written to plugin folders." for package in self.packages]
        for plugin, outcome in self.outcomes:
            if not outcome.converged:
                lines.append(
                    f"Fixes did not settle in {plugin.display_path('') or '.'} after {outcome.rounds} rounds;"
                    " the files hold the last round's result."
                )
            lines += [f"Fix undone (the file would no longer parse): {what}" for what in outcome.undone]
        return lines + self.problems


def _fix_task(task: tuple, plugin=None):
    """Fix one plugin folder in memory (in a worker process, when there are many)."""
    from .engine import lint_plugin
    from .fix import fix_plugin
    from .model.plugin import Plugin
    from .registry import all_rules

    fs, display, codes, config, unsafe, scope = task
    rules = [rule for rule in all_rules() if rule.code in codes]
    return fix_plugin(plugin or Plugin(fs, display), lambda p: lint_plugin(p, rules, config), unsafe=unsafe, wanted=scope.covers)


def _fixable_line(diagnostics, hidden: int, unsafe: bool) -> str:
    """How many findings a fix is on offer for, and how many unsafe fixes are not."""
    offered = sum(1 for d in diagnostics if d.fix is not None)
    option = "--fix --unsafe-fixes" if unsafe else "--fix"
    parts = [f"{offered} fixable with {option}"] if offered else []
    if hidden:
        parts.append(f"{_plural(hidden, 'hidden fix', 'hidden fixes')} can be enabled with --unsafe-fixes")
    return f"[*] {'; '.join(parts)}." if parts else ""


def _plural(count: int, noun: str, plural: str = "") -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _skipped_line(found) -> str:
    """What discovery passed over, and why, in one line (empty when nothing was)."""
    parts = []
    if found.skipped_dirs:
        count = sum(found.skipped_dirs.values())
        names = ", ".join(sorted(found.skipped_dirs))
        parts.append(f"{count} folder{'s' if count != 1 else ''} by name ({names}: environments, caches, VCS data)")
    if found.outside:
        count = len(found.outside)
        parts.append(f"{count} file{'s' if count != 1 else ''} in no plugin ({_first(found.outside)}: no manifest.yaml above)")
    if found.excluded:
        count = len(found.excluded)
        parts.append(f"{count} path{'s' if count != 1 else ''} excluded by `exclude` ({_first(found.excluded)})")
    return f"Skipped {'; '.join(parts)}." if parts else ""


def _without_parent_steps(filename: str) -> str:
    """`filename` with its `..` resolved where they lead (through links), relative if it was:
    the buffer belongs to the file it names, not to a folder it passes through."""
    if ".." not in Path(filename).parts:
        return filename
    real = os.path.realpath(filename)
    return real if os.path.isabs(filename) else os.path.relpath(real)


def _shortened(path: object, keep: int = 120) -> str:
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    return text if len(text) <= keep else f"{text[: keep // 2]}...{text[-keep // 2 :]} ({len(text)} characters)"


def _first(items: list[str], shown: int = 3) -> str:
    more = f", and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


@main.command()
@click.argument("rule", required=False)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def rule(rule, output_format):
    """List every rule, or explain RULE (a code such as DPL301, or a name)."""
    from .docs import explain, rule_json, rule_table
    from .registry import all_rules, find_rule

    if rule is None:
        rules = all_rules()
        if output_format == "json":
            click.echo(json.dumps([rule_json(r) for r in rules], indent=2))
            return
        click.echo(rule_table(rules), nl=False)
        return
    found = find_rule(rule)
    if found is None:
        click.echo(f"dify-lint: error: no rule `{rule}`; `dify-lint rule` lists them all", err=True)
        sys.exit(EXIT_FAILURE)
    if output_format == "json":
        click.echo(json.dumps(rule_json(found), indent=2))
    else:
        click.echo(explain(found), nl=False)


@main.command()
def server():
    """Run the language server on standard input and output, for editors (needs `dify-lint[lsp]`).

    It reports the findings of the plugins of the files open in the editor as they are edited,
    unsaved changes included, and offers quick fixes and suppression comments."""
    try:
        from .lsp.server import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs"):
            raise
        click.echo(
            f"dify-lint: error: the language server needs pygls ({error}); install it with: pip install 'dify-lint[lsp]'",
            err=True,
        )
        sys.exit(EXIT_FAILURE)
    serve()
