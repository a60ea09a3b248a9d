"""The rule catalogue: one module per family, collected into one table."""

from . import internal

RULES = [
    *internal.RULES,
]
