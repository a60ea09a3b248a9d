"""The rule catalogue: one module per family, collected into one table."""

from . import declarations, internal, manifest
from . import packaging, permissions

RULES = [
    *internal.RULES,
    *manifest.RULES,
    *declarations.RULES,
    *packaging.RULES,
    *permissions.RULES,
]
