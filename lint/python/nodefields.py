"""Which fields of an `ast` node can hold other nodes, by node class.

Every analysis walks trees, and a walk that reads every field of every node (as
`ast.iter_child_nodes` does) spends much of its time on fields that only ever hold a name, a
number or a constant: `Name.id`, `Attribute.attr`, `Constant.value`, `keyword.arg`. The grammar
says which those are (Parser/Python.asdl: the fields of type identifier, int, string and
constant); they are listed here and every other field is read as before, so a node class or field
that a later Python adds is still walked.

`ctx` is left out too: it holds the `Load`, `Store` or `Del` marker, one object shared by every
node of the tree, with no position and nothing below it. The analyses read it as `node.ctx`;
a walk that yielded it would give them nothing to use and the same object thousands of times.
"""

from __future__ import annotations

#: fields that hold an identifier, int, string or constant in every node class that has them
_SCALAR_FIELDS = frozenset(
    {
        "id", "attr", "name", "arg", "asname", "module", "level", "simple", "is_async", "conversion",
        "kind", "type_comment", "rest", "kwd_attrs", "tag", "ctx",
    }
)  # fmt: skip
#: and the exceptions, both ways: `Constant.value` and `Global.names` hold no node, Python 3.12's
#: `TypeAlias.name` is one
_NODE_FIELDS_OF = {"TypeAlias": frozenset({"name"})}
_SCALAR_FIELDS_OF = {
    "Constant": frozenset({"value"}),
    "MatchSingleton": frozenset({"value"}),
    "Global": frozenset({"names"}),
    "Nonlocal": frozenset({"names"}),
}


class _ChildFields(dict):
    """node class -> the fields of its nodes that may hold a node or a list of nodes, in field
    order; worked out at a class's first lookup."""

    def __missing__(self, cls: type) -> tuple[str, ...]:
        name = cls.__name__
        scalar = (_SCALAR_FIELDS - _NODE_FIELDS_OF.get(name, frozenset())) | _SCALAR_FIELDS_OF.get(name, frozenset())
        fields = self[cls] = tuple(f for f in getattr(cls, "_fields", ()) if f not in scalar)
        return fields


#: `CHILD_FIELDS[type(node)]`: what a walk reads of `node`
CHILD_FIELDS: dict[type, tuple[str, ...]] = _ChildFields()


def has_context(cls: type) -> bool:
    """Whether nodes of class `cls` hold a `ctx` marker, a node one level below them."""
    return "ctx" in getattr(cls, "_fields", ())
