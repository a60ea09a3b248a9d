"""Rewrite every tests/fixtures/<case>/expected.txt (concise) and expected_full.txt (the text
format: code frames and notes) from the current output, and expected_fix.diff (what
`--diff --unsafe-fixes` prints) where a case has one. Review the diff before committing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OUTPUTS = {"expected.txt": "concise", "expected_full.txt": "text"}

for case in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
    extra = (case / "args.txt").read_text("utf-8").split() if (case / "args.txt").is_file() else []
    for name, fmt in OUTPUTS.items():
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "dify_lint",
                "check",
                ".",
                "--output-format",
                fmt,
                "--isolated",
                "-q",
                "--color",
                "never",
                *extra,
            ],
            cwd=case,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        (case / name).write_text(output.stdout, encoding="utf-8")
    if (case / "expected_fix.diff").is_file():  # what the fixes change, safe and unsafe
        fixed = subprocess.run(
            [sys.executable, "-m", "dify_lint", "check", ".", "--diff", "--unsafe-fixes", "--isolated", "-q", *extra],
            cwd=case,
            capture_output=True,
            text=True,
        )
        (case / "expected_fix.diff").write_text(fixed.stdout, encoding="utf-8")
    print(f"{case.name}: {len((case / 'expected.txt').read_text('utf-8').splitlines())} findings")
