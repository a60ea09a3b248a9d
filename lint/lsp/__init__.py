"""The language server (`dify-lint server`): diagnostics and code actions for the plugins an
editor has open, over the Language Server Protocol on standard input and output.

The protocol lives in `server` (pygls, an optional dependency: `dify-lint[lsp]`); what it serves
does not need pygls: `workspace` keeps the unsaved buffers and re-lints a plugin from memory,
`positions` turns the linter's 1-based character positions into the protocol's 0-based UTF-16
ones, and `actions` builds the edits of a code action (a fix, or a suppression comment).
"""
