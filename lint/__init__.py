"""dify-lint: a static linter and manifest validator for Dify plugins."""

__version__ = "0.1.0"
