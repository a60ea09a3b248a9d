"""Where a value comes from: a small origin analysis of the plugin's Python.

Given an expression at a call, `ValueFlow.origins(...)` answers with a set of *origins*: a value
Dify fills (a tool's `tool_parameters`, an agent strategy's `parameters`, an endpoint's
`settings`, `self.runtime.credentials`), one key read from it, a field of such a value, a model
config or dict built in code (with the keys it is given), a literal, or UNKNOWN. The analysis
follows, within the plugin and without importing anything:

* local variables, flow-sensitively: statements in order, both arms of a branch (a name assigned
  differently in two branches has both origins), loops twice, `return`/`raise` ending a path,
  and `isinstance(x, dict)`, `if x` and `x is None` narrowing a name in the arms of an `if`;
* a dict filled key by key (`d["mode"] = ...`, `d.update({...})`, `d.setdefault(...)`); a dict
  handed to an unknown function, or a `self` attribute filled in another method, may have gained
  any key;
* `x[...]`, `x.get(...)`, `x or default`, `a if c else b`, `copy`/`deepcopy`/`dict(x)`,
  `.copy()`, `.model_dump()`, `cast(T, x)`;
* config classes (`LLMModelConfig(...)`, `XModelConfig.model_validate(x)`) and dicts (`{...}`,
  `dict(...)`, `a | b`), with their `**spreads`;
* attributes of `self`, assigned in any method of the class (or a base class in the plugin),
  and of instances of the plugin's own classes;
* the plugin's own pydantic parameters models (`Params(**parameters).model`,
  `Params.model_validate(parameters).model`), a field's annotation deciding its form;
* calls into the plugin's own functions and methods, both ways: a call's value is what the
  callee returns with the arguments bound to its parameters, and a parameter's value is what
  its callers pass (bounded depth, memoized); nested functions see their enclosing function.

The mappings Dify fills enter at the entry points of the plugin's declarations (the `_invoke` of
a tool, strategy or endpoint class, a tool provider's `_validate_credentials`), the same ones the
contract rules start from, found by the plugin's one resolver.

What it does not follow: values stored in containers other than dicts built in code, attributes
of objects other than `self` and parameters models, globals rebound inside functions,
comprehension variables, `getattr`/`setattr` with computed names, decorators, inheritance from
classes outside the plugin, and anything imported from outside the plugin. Those are UNKNOWN,
and a rule that meets UNKNOWN says nothing.
"""

from .evaluator import Frame, Root, ValueFlow
from .kinds import DICT, UNKNOWN, Built, Const, Instance, Item, Origin, Read, Source, Unknown, flatten

__all__ = [
    "DICT", "UNKNOWN", "Built", "Const", "Frame", "Instance", "Item", "Origin", "Read", "Root", "Source", "Unknown",
    "ValueFlow", "flatten",
]  # fmt: skip
