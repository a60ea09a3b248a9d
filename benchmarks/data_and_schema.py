"""How long the YAML data pass and schema validation take on a tree of plugins, each done the
fast way and the general way, in one process.

    python benchmarks/data_and_schema.py PATH [--runs N]

Every declaration of every plugin under PATH is read once (not timed). Then, each figure the
median of N runs over the whole tree:

* the data pass: building data and positions from the composed nodes, by the plain builder
  (the general pass where it declines) and by the general pass alone;
* validation: every declaration against its schema as `dify-lint check` does, deciding validity
  with the compiled check (jsonschema only for the invalid ones), and with jsonschema alone;
* compiling every schema's check, in a fresh process.

Both ways must give the same data and the same issues; the script stops if they do not.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from dify_lint.discovery import find_plugin_roots
from dify_lint.model import schema
from dify_lint.model.plugin import KIND_LABELS
from dify_lint.model.yamldoc import YamlDoc, _Loader

_COMPILE_ALL = (
    "import time; from dify_lint.model import schema; start = time.perf_counter();"
    " [schema.fast_check(p.stem) for p in sorted(schema.SCHEMA_DIR.glob('*.json'))];"
    " print(time.perf_counter() - start)"
)


def median_time(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    declarations = []
    for plugin in find_plugin_roots([str(args.path)]):
        for declaration in plugin.declarations:
            if declaration.doc.usable and schema.has_schema(declaration.kind):
                declarations.append((declaration.kind, declaration.doc))
    texts = [doc.text for _, doc in declarations]
    print(f"tree: {args.path} ({len(declarations)} declarations with a schema)")

    # -- the data pass: each document composed (not timed), built, and let go, as in a real run --
    def data_pass(general: bool) -> tuple[float, list]:
        spent = 0.0
        data = []
        for text in texts:
            loader = _Loader(text)
            root = loader.get_single_node()
            loader.dispose()
            doc = YamlDoc(path="x.yaml", text=text, root=root)
            start = time.perf_counter()
            (doc._build_general if general else doc._build)(loader)
            spent += time.perf_counter() - start
            data.append(doc.data)
        return spent, data

    if data_pass(False)[1] != data_pass(True)[1]:
        sys.exit("the two data passes disagree")
    plain = statistics.median(data_pass(False)[0] for _ in range(args.runs))
    general = statistics.median(data_pass(True)[0] for _ in range(args.runs))
    print(f"data pass, plain builder:          {plain:7.3f} s")
    print(f"data pass, general pass only:      {general:7.3f} s   ({general / plain:.1f}x)")

    # -- validation -----------------------------------------------------------------------------
    def validate() -> list:
        return [schema.check(doc, kind, KIND_LABELS[kind]) for kind, doc in declarations]

    fast_issues = validate()  # compiles every check and builds every validator before timing
    with mock.patch.object(schema, "is_valid", lambda kind, data: False):
        slow_issues = validate()
        if fast_issues != slow_issues:
            sys.exit("the compiled check and jsonschema disagree")
        slow = median_time(validate, args.runs)
    fast = median_time(validate, args.runs)
    invalid = sum(1 for kind, doc in declarations if not schema.is_valid(kind, doc.data))
    print(f"validation, compiled check:        {fast:7.3f} s   (jsonschema for the {invalid} invalid documents)")
    print(f"validation, jsonschema alone:      {slow:7.3f} s   ({slow / fast:.1f}x)")
    compiles = [
        float(subprocess.run([sys.executable, "-c", _COMPILE_ALL], capture_output=True, text=True, check=True).stdout)
        for _ in range(args.runs)
    ]
    print(f"compiling every schema's check:    {statistics.median(compiles):7.3f} s   (fresh process)")


if __name__ == "__main__":
    main()
