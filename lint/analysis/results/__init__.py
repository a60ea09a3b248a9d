"""Following what the session's calls return, through each function's branches and into the
plugin's own functions the results are passed to.

`session.model.llm.invoke` gives a generator of chunks or an `LLMResult` depending on `stream`;
a chunk's `delta.message.content` is a str, a list of content parts or None; `delta.usage` is
usually None; `tts.invoke` and `tool.invoke` are lazy generators. The rules of the DPL5xx family
(and DPL706, on what an `_invoke` yields) ask what each expression holds at the point where it
is used, so this analysis interprets a function's body abstractly: an environment maps names
(and attribute paths such as `chunk.delta.message.content`) to the set of abstract values they
may hold; `if`/`elif`/`else`, loops, `try` and early exits fork and join environments;
`isinstance`, `hasattr`, truthiness, `is None`, `part.type == "text"`, `assert` and
`if stream:` narrow them.

What it follows: assignments (names, attribute paths, the walrus), branches, loops (to a fixed
point), comprehensions, `x or ""`, conditional expressions, `cast(...)`, `next(...)`,
`enumerate(...)`, lists filled with `.append` and later joined, and results passed as arguments
to the plugin's own functions and methods, in any module (`flow.py`). What it deliberately does
not: results returned from a function or stored on `self`, aliasing through containers. A value
whose origin is not known is `UNKNOWN`, and no rule reports a use of it.

The result is a list of `facts.Event` per module, each tagged with the rule it is for.
"""

from __future__ import annotations

from .facts import CallSite, Event
from .flow import ResultEvents, follow_results

__all__ = ["CallSite", "Event", "ResultEvents", "follow_results"]
