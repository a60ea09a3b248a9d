"""An editor's unsaved buffer (`--stdin-filename`): the plugin that owns the file, with the
buffer laid over what is on disk (the file may not exist yet, nor its folder), shown under the
path the editor gave: absolute stays absolute, relative stays relative."""

from __future__ import annotations

import os
from pathlib import Path

from .model.plugin import Plugin
from .source.fs import OverlayFS


def with_buffer(plugin: Plugin, filename: str, data: bytes) -> tuple[Plugin, str]:
    """The plugin with `filename` replaced by `data`, and how that file is shown."""
    display, relative = _split(filename, os.path.realpath(plugin.fs.root))
    if display is None:
        display = plugin.display
    buffered = Plugin(OverlayFS(plugin.fs, {relative: data}), display)
    return buffered, buffered.display_path(relative)


def _split(filename: str, root: str) -> tuple[str | None, str]:
    """(the plugin root written as in `filename`, the file's path inside the root). The root is
    found among the folders `filename` names, so the way it is written carries over."""
    given = Path(filename)
    for folder in given.parents:
        if os.path.realpath(folder) == root:
            return folder.as_posix(), given.relative_to(folder).as_posix()
    # reached through links the folders do not show: the path inside the resolved root
    return None, Path(os.path.relpath(os.path.realpath(filename), root)).as_posix()
