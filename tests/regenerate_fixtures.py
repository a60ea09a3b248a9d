"""Rewrite every tests/fixtures/<case>/expected.txt from the current output. Review the diff."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

for case in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
    extra = (case / "args.txt").read_text("utf-8").split() if (case / "args.txt").is_file() else []
    output = subprocess.run(
        [sys.executable, "-m", "dify_lint", "check", ".", "--output-format", "concise", "--isolated", "-q", *extra],
        cwd=case,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    (case / "expected.txt").write_text(output.stdout, encoding="utf-8")
    print(f"{case.name}: {len(output.stdout.splitlines())} findings")
