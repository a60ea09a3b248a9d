"""The rule catalogue: one module per family, collected into one table."""

from . import declarations, internal, manifest, packaging, permissions, results

RULES = [
    *internal.RULES,
    *manifest.RULES,
    *declarations.RULES,
    *packaging.RULES,
    *results.RULES,
    *permissions.RULES,
]
