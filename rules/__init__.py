"""The rule catalogue: one module per family, collected into one table."""

from . import contract, declarations, internal, manifest, models, packaging, permissions, results, sdkshape

RULES = [
    *internal.RULES,
    *manifest.RULES,
    *declarations.RULES,
    *packaging.RULES,
    *models.RULES,
    *results.RULES,
    *permissions.RULES,
    *contract.RULES,
    *sdkshape.RULES,
]
