import os
import sys

# `python -m` puts the working directory first on the module path: inside a plugin, its own
# yaml.py or click.py would be imported (run) in place of the real ones. Nothing is imported from it.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from dify_lint.cli import main  # noqa: E402

main()
