"""Ask the real Dify SDK which YAML files of a plugin it would refuse at start-up.

Run with a Python (>= 3.12) that can import `dify_plugin`, never inside the test process:

    python tests/sdk_oracle.py [--timeout SECONDS] PLUGIN_ROOT [PLUGIN_ROOT ...]

For each root it changes into that folder (the SDK resolves every path against the working
directory), loads manifest.yaml into the SDK's manifest model and each provider file listed there
into the configuration model of its category; the providers' own validators load their sub-files
(tools, strategies, endpoints, datasources, events, and the model files their globs match). Only
YAML goes through the SDK's pydantic models: no Python file of the plugin is imported or run.

Unlike the SDK, which stops at the first failure, this keeps going so that every refused file is
listed. A sub-file is blamed when loading its provider with that sub-file alone fails in a way the
provider without sub-files does not; otherwise the provider file is blamed.

Prints one JSON object on stdout, keyed by each root as given:

    {ROOT: [{"file": "tools/echo.yaml",          # relative to ROOT, "/" separated
             "error": "...",                      # the SDK's error, on one line
             "missing": false,                    # the file does not exist (inside ROOT)
             "referenced_from": "provider/x.yaml" # the file that names it (null for manifest.yaml)
            }, ...]}

Any exception, from the SDK or from this script, becomes an entry; so does a root the SDK takes
longer than `--timeout` seconds (default 30) to load, or runs out of memory on (each root is loaded
in a forked child where the platform allows it, blaming the file it was reading when it stopped).
The script itself exits 0 unless `dify_plugin` cannot be imported (exit 3, reason on stderr).
"""

from __future__ import annotations

import copy
import glob
import json
import os
import re
import select
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

MANIFEST = "manifest.yaml"

#: manifest key under `plugins` -> (SDK class name, module, key of its sub-file list or None)
CATEGORIES = (
    ("tools", "ToolProviderConfiguration", "dify_plugin.entities.tool", "tools"),
    ("models", "ModelProviderConfiguration", "dify_plugin.entities.model.provider", None),
    ("endpoints", "EndpointProviderConfiguration", "dify_plugin.entities.endpoint", "endpoints"),
    ("agent_strategies", "AgentStrategyProviderConfiguration", "dify_plugin.entities.agent", "strategies"),
    ("datasources", "DatasourceProviderManifest", "dify_plugin.entities.datasource_manifest", "datasources"),
    ("triggers", "TriggerProviderConfiguration", "dify_plugin.entities.trigger", "events"),
)

MODEL_TYPES = ("llm", "text_embedding", "rerank", "tts", "speech2text", "moderation")

DEFAULT_TIMEOUT = 30.0  # seconds per plugin root
MEMORY_LIMIT = 2 << 30  # bytes of address space for each forked child

_NOISE = re.compile(r"^\s*For further information visit\s+\S+\s*$")


# -- describing errors -----------------------------------------------------------------------


def _one_line(text: str, limit: int = 600) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip() and not _NOISE.match(line)]
    joined = " | ".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def _issues(error: BaseException) -> list[tuple[str, str]]:
    """(where, message) for each problem an exception reports; pydantic errors give several."""
    errors = getattr(error, "errors", None)
    if callable(errors) and type(error).__name__ == "ValidationError":
        try:
            found = [
                (".".join(str(part) for part in item.get("loc", ())), _one_line(item.get("msg", "")))
                for item in errors(include_url=False)
            ]
        except Exception:  # noqa: BLE001 - fall back to the plain text
            found = []
        if found:
            return found
    return [("", _one_line(f"{type(error).__name__}: {error}"))]


def _describe(issues: list[tuple[str, str]]) -> str:
    where, message = issues[0]
    more = f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


# -- loading through the SDK -----------------------------------------------------------------


class Oracle:
    def __init__(self, sdk: dict[str, Any]):
        self.sdk = sdk

    def run(self, root: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        previous = os.getcwd()
        try:
            os.chdir(root)
            self._plugin(entries)
        except BaseException as error:  # noqa: BLE001 - an oracle crash is still an answer
            if isinstance(error, KeyboardInterrupt):
                raise
            entries.append(self._entry(MANIFEST, f"oracle crashed: {_one_line(traceback.format_exc())}", None))
        finally:
            os.chdir(previous)
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in entries:
            unique.setdefault((entry["file"], entry["error"]), entry)
        return list(unique.values())

    # one plugin ---------------------------------------------------------------------------

    def _plugin(self, entries: list[dict[str, Any]]) -> None:
        data, problem = self._read(MANIFEST)
        if problem is None:
            problem = self._validate(self.sdk["PluginConfiguration"], data)
        if problem is not None:
            entries.append(self._entry(MANIFEST, _describe(problem), None))
        # The SDK stops at a broken manifest; the provider lists are still read from the raw YAML
        # so that a broken provider file is not hidden behind a broken manifest.
        plugins = data.get("plugins") if isinstance(data, dict) else None
        if not isinstance(plugins, dict):
            return
        for key, class_name, module, child_key in CATEGORIES:
            listed = plugins.get(key)
            if not isinstance(listed, list):
                continue
            cls = self.sdk[class_name]
            for provider in listed:
                if not isinstance(provider, str):
                    continue
                if child_key is None:
                    self._model_provider(cls, provider, entries)
                else:
                    self._provider(cls, provider, child_key, entries)

    def _provider(self, cls: type, path: str, child_key: str, entries: list[dict[str, Any]]) -> None:
        data, problem = self._read(path)
        if problem is not None:
            entries.append(self._entry(path, _describe(problem), MANIFEST))
            return
        full = self._validate(cls, data)
        if full is None:
            return
        children = data.get(child_key) if isinstance(data, dict) else None
        if not isinstance(children, list) or not any(isinstance(c, str) for c in children):
            entries.append(self._entry(path, _describe(full), MANIFEST))
            return

        def with_children(items: list[Any]) -> Callable[[], Any]:
            return lambda: {**copy.deepcopy(data), child_key: items}

        self._blame(
            cls,
            path,
            with_children([c for c in children if not isinstance(c, str)]),
            [(child, with_children([child])) for child in dict.fromkeys(c for c in children if isinstance(c, str))],
            full,
            entries,
        )

    def _model_provider(self, cls: type, path: str, entries: list[dict[str, Any]]) -> None:
        data, problem = self._read(path)
        if problem is not None:
            entries.append(self._entry(path, _describe(problem), MANIFEST))
            return
        full = self._validate(cls, data)
        if full is None:
            return
        models = data.get("models") if isinstance(data, dict) else None
        children: list[tuple[str, Callable[[], Any]]] = []
        if isinstance(models, dict):
            seen = set()
            for model_type in MODEL_TYPES:
                entry = models.get(model_type)
                patterns = entry.get("predefined") if isinstance(entry, dict) else None
                if not isinstance(patterns, list):
                    continue
                for pattern in patterns:
                    for match in self._glob(pattern):
                        if (model_type, match) in seen:
                            continue
                        seen.add((model_type, match))
                        only = {model_type: {"predefined": [glob.escape(match)]}}
                        children.append((match, lambda only=only: {**copy.deepcopy(data), "models": only}))
        if not children:
            entries.append(self._entry(path, _describe(full), MANIFEST))
            return
        self._blame(cls, path, lambda: {**copy.deepcopy(data), "models": {}}, children, full, entries)

    def _blame(
        self,
        cls: type,
        path: str,
        alone: Callable[[], Any],
        children: list[tuple[str, Callable[[], Any]]],
        full: list[tuple[str, str]],
        entries: list[dict[str, Any]],
    ) -> None:
        """Split the provider's failure between the provider file and its sub-files."""
        base = self._validate(cls, alone())
        known = set(base or ())
        blamed = False
        for child, build in children:
            problem = self._validate(cls, build())
            new = [issue for issue in problem or () if issue not in known]
            if new:
                blamed = True
                entries.append(self._entry(_normal(child), _describe(new), path))
        if base is not None:
            entries.append(self._entry(path, _describe(base), MANIFEST))
        elif not blamed:
            entries.append(self._entry(path, _describe(full), MANIFEST))

    # helpers ------------------------------------------------------------------------------

    def _read(self, path: str) -> tuple[Any, list[tuple[str, str]] | None]:
        """The YAML as the SDK reads it (a missing file reads as an empty mapping)."""
        try:
            return self.sdk["load_yaml_file"](path), None
        except Exception as error:  # noqa: BLE001
            return None, _issues(error)

    @staticmethod
    def _validate(cls: type, data: Any) -> list[tuple[str, str]] | None:
        """None when the SDK accepts `data` (what it does: `cls(**data)`), else its issues."""
        try:
            cls(**data)
        except Exception as error:  # noqa: BLE001 - whatever the SDK raises is a refusal
            return _issues(error)
        return None

    @staticmethod
    def _glob(pattern: Any) -> list[str]:
        if not isinstance(pattern, str):
            return []
        try:
            cwd = Path.cwd()
            return sorted({p.relative_to(cwd).as_posix() for p in cwd.glob(pattern) if p.is_file()})
        except Exception:  # noqa: BLE001 - a bad pattern is the provider's problem
            return []

    @staticmethod
    def _entry(file: str, error: str, referenced_from: str | None) -> dict[str, Any]:
        file = _normal(file)
        inside = not file.startswith("../") and not os.path.isabs(file)
        return {
            "file": file,
            "error": error,
            "missing": not (inside and os.path.isfile(file)),
            "referenced_from": referenced_from and _normal(referenced_from),
        }


def _normal(path: str) -> str:
    if os.path.isabs(path):
        try:
            path = os.path.relpath(path, os.getcwd())
        except ValueError:
            return Path(path).as_posix()
    text = os.path.normpath(path).replace(os.sep, "/")
    return text


#: called with each path the SDK's YAML loader is asked for (set in a forked child)
_READ_HOOKS: list[Callable[[str], None]] = []


def _observed(load: Callable[..., Any]) -> Callable[..., Any]:
    """The SDK's YAML loader, telling the hooks first which file it reads; nothing else changes."""

    def load_yaml_file(file_path: Any, *args: Any, **kwargs: Any) -> Any:
        for hook in _READ_HOOKS:
            hook(str(file_path))
        return load(file_path, *args, **kwargs)

    return load_yaml_file


def _load_sdk() -> dict[str, Any]:
    import importlib

    from dify_plugin.core.entities.plugin.setup import PluginConfiguration
    from dify_plugin.core.utils import yaml_loader

    original = yaml_loader.load_yaml_file
    observed = _observed(original)
    sdk: dict[str, Any] = {"PluginConfiguration": PluginConfiguration, "load_yaml_file": observed}
    for _key, class_name, module_name, _child in CATEGORIES:
        module = importlib.import_module(module_name)
        sdk[class_name] = getattr(module, class_name)
        if getattr(module, "load_yaml_file", None) is original:  # what the providers' validators call
            module.load_yaml_file = observed
    return sdk


# -- one child process per root --------------------------------------------------------------


def _limit_memory() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except Exception:  # noqa: BLE001 - best effort
        pass


def run_all(oracle: Oracle, roots: list[str], timeout: float) -> dict[str, list[dict[str, Any]]]:
    """The oracle's answer for each root, loaded in forked children that cannot hang or kill this one.

    A child goes through the roots in turn, reporting each root it starts, each file the SDK reads
    and each answer. When one stops answering for `timeout` seconds or dies, that root gets an
    entry blaming the file being read, and a new child carries on with the roots after it.
    """
    if not hasattr(os, "fork"):
        return {root: oracle.run(root) for root in roots}
    answers: dict[str, list[dict[str, Any]]] = {}
    pending = list(roots)
    while pending:
        current, reading, ended = _child(oracle, pending, timeout, answers)
        pending = [root for root in pending if root not in answers]
        if current is None or current not in pending:
            if pending and current is None:  # the child died before starting anything
                current = pending[0]
            else:
                continue
        answers[current] = [_stopped(current, reading, ended)]
        pending.remove(current)
    return answers


def _child(
    oracle: Oracle, roots: list[str], timeout: float, answers: dict[str, list[dict[str, Any]]]
) -> tuple[str | None, str, str]:
    """Run one child over `roots`, filling `answers`; return the root it stopped in, if any."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(read_end)
            _limit_memory()
            out = os.fdopen(write_end, "w", encoding="utf-8")

            def say(tag: str, value: Any) -> None:
                out.write(f"{tag} {json.dumps(value)}\n")
                out.flush()

            _READ_HOOKS.append(lambda path: say("P", _normal(path)))
            for root in roots:
                say("S", root)
                say("R", oracle.run(root))
        except BaseException:  # noqa: BLE001 - the parent reports the root that has no answer
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    current: str | None = None
    reading = MANIFEST
    buffer = b""
    finished = False
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([read_end], [], [], left)[0] if left > 0 else []
            if not ready:
                break
            chunk = os.read(read_end, 65536)
            if not chunk:
                finished = True
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                tag, value = line[:1], json.loads(line[2:].decode("utf-8"))
                if tag == b"S":
                    current, reading = value, MANIFEST
                    deadline = time.monotonic() + timeout
                elif tag == b"P":
                    reading = value
                elif tag == b"R" and current is not None:
                    answers[current] = value
                    current = None
    finally:
        os.close(read_end)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not finished:
        ended = f"the SDK did not finish loading it within {timeout:g} s"
    elif os.WIFSIGNALED(status):
        ended = f"the SDK process died (signal {os.WTERMSIG(status)}) while loading it, maybe out of memory"
    else:
        ended = f"the SDK process stopped (exit status {os.WEXITSTATUS(status)}) while loading it"
    return current, reading, ended


def _stopped(root: str, reading: str, why: str) -> dict[str, Any]:
    inside = not reading.startswith("../") and not os.path.isabs(reading)
    return {
        "file": reading,
        "error": why,
        "missing": not (inside and os.path.isfile(os.path.join(root, reading))),
        "referenced_from": None,
    }


def main(argv: list[str]) -> int:
    timeout = DEFAULT_TIMEOUT
    if argv[:1] == ["--timeout"] and len(argv) >= 2:
        timeout, argv = float(argv[1]), argv[2:]
    # The SDK logs to stdout; keep stdout for the answer alone.
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Never let a plugin folder shadow a module: drop the script's folder and the working directory.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != here]
    try:
        sdk = _load_sdk()
    except Exception as error:  # noqa: BLE001
        print(f"sdk_oracle: cannot import the Dify SDK with {sys.executable}: {error!r}", file=sys.stderr)
        return 3
    oracle = Oracle(sdk)
    answers = run_all(oracle, [os.path.abspath(given) for given in argv], timeout)
    result = {given: answers[os.path.abspath(given)] for given in argv}
    json.dump(result, answer, indent=1, sort_keys=True)
    answer.write("\n")
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
