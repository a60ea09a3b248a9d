"""A fuzzer for the command line: plugins mutated from real ones (the base plugins and the test
fixtures), linted through the CLI, which must never trace back, exit other than 0 or 1, hang, or
report an internal error (DPL005).

    python -m tests.fuzz --minutes 10        # from the repository root; outside CI
    python -m pytest tests/test_fuzz.py      # a short run, part of the normal suite

Mutations: YAML values replaced, keys dropped or renamed, anchors, aliases, merge keys and tags
spliced in, files truncated; Python truncated or given odd but valid syntax; file-system oddities
(folders where files are expected, links in loops or out of the plugin, names with control
characters or bytes that are not UTF-8). Hypothesis shrinks what fails and keeps it in its
example database (.hypothesis/), so the next run tries it first.
"""
