"""What is built from a file's text (a parsed module, a parsed YAML document) and what is computed
from that alone, kept by path and content digest.

A batch run gives each plugin caches of its own and drops them with the plugin; a long-running
process (the editor server) keeps them, so that a file that did not change is neither parsed nor
analysed again. One content is kept per path: a new one replaces the old (an editor's every
keystroke would otherwise keep a version of the file). With a `size`, at most that many files are
kept, the least recently used dropped first; it should exceed the largest plugin's count of such
files, since one dropped in the middle of a lint would be built again as a different object."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def content_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class ContentCache:
    def __init__(self, size: int | None = None):
        self.size = size
        self._entries: OrderedDict[tuple[str, str], tuple[Any, dict]] = OrderedDict()
        self._digests: dict[str, str] = {}  # path -> the digest of its content kept

    def built(self, path: str, digest: str, build: Callable[[], T]) -> T:
        """What `build` makes of the file at `path` with this content digest, built once."""
        key = (path, digest)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found[0]
        value = build()
        older = self._digests.get(path)
        if older is not None:
            self._entries.pop((path, older), None)
        self._entries[key] = (value, {})
        self._digests[path] = digest
        if self.size is not None and len(self._entries) > self.size:
            (dropped, _), _ = self._entries.popitem(last=False)
            self._digests.pop(dropped, None)
        return value

    def derived(self, name: str, path: str, digest: str, value: Any, compute: Callable[[], T]) -> T:
        """The result `name` computed from `value` (built here for `path` and `digest`) alone,
        computed once; a value not kept here is computed for without keeping the result."""
        entry = self._entries.get((path, digest))
        if entry is None or entry[0] is not value:
            return compute()
        results = entry[1]
        if name not in results:
            results[name] = _IN_PROGRESS
            try:
                results[name] = compute()
            except BaseException:
                del results[name]
                raise
        elif results[name] is _IN_PROGRESS:
            raise RecursionError(f"`{name}` depends on itself")
        return results[name]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._digests.clear()


_IN_PROGRESS = object()
