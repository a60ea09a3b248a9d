"""The protocol side of the language server, on pygls: documents in, diagnostics and code actions
out. A lint runs in one worker thread, after a short pause while the user types; a newer edit
supersedes a pending or running lint of the same plugin, whose findings are then dropped."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..diagnostics import Diagnostic, Severity, Span
from .actions import TextChange, fix_changes, suppress_change
from .positions import DocumentPositions
from .workspace import Outcome, Workspace

#: seconds to wait after an edit before linting, so that typing does not lint every keystroke
DEBOUNCE = 0.2

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

log = logging.getLogger(__name__)


class DifyLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("dify-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.plugins = Workspace()
        #: one thread lints, one plugin at a time: the module caches are not shared between threads
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dify-lint")
        self.pending: dict[str, asyncio.Task] = {}
        #: path -> the findings last published there, with their LSP form
        self.shown: dict[str, list[tuple[Diagnostic, types.Diagnostic]]] = {}
        #: path -> how positions were counted in it when its findings were published
        self.positions: dict[str, DocumentPositions | None] = {}
        #: root -> the last word on its configuration, so that it is said once, not every lint
        self.config_problems: dict[str, str] = {}

    # -- linting ---------------------------------------------------------------------------

    def schedule(self, path: str, delay: float = 0.0) -> None:
        """Lint the plugin of `path` after `delay`, superseding a lint of it not yet published."""
        root = self.plugins.root_of(path)
        if root is None:
            return
        earlier = self.pending.pop(root, None)
        if earlier is not None:
            earlier.cancel()
        self.pending[root] = asyncio.ensure_future(self._lint_later(root, delay))

    async def _lint_later(self, root: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            buffers = self.plugins.snapshot(root)
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(self.linter, self.plugins.lint, root, buffers)
        except asyncio.CancelledError:
            return  # superseded by a newer edit
        except Exception as error:  # never take the editor's server down
            log.exception("linting %s failed", root)
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"dify-lint: linting {root} failed: {error}"))
            return
        finally:
            if self.pending.get(root) is asyncio.current_task():
                del self.pending[root]
        if outcome.problem and self.config_problems.get(root) != outcome.problem:
            self.window_log_message(types.LogMessageParams(types.MessageType.Warning, outcome.problem))
        self.config_problems[root] = outcome.problem
        self.publish(outcome)

    def publish(self, outcome: Outcome) -> None:
        for path, found in self.plugins.publication(outcome).items():
            self.publish_file(path, [(d, to_lsp(d, outcome.positions)) for d in found], outcome.positions.get(path))

    def publish_file(
        self, path: str, pairs: list[tuple[Diagnostic, types.Diagnostic]], positions: DocumentPositions | None = None
    ) -> None:
        if pairs:
            self.shown[path] = pairs
            self.positions[path] = positions
        else:
            self.shown.pop(path, None)
            self.positions.pop(path, None)
        uri = from_fs_path(path) or path
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[p[1] for p in pairs]))

    def forget_missing(self) -> None:
        """Clear the findings of plugins whose manifest is gone."""
        for root in [root for root in self.plugins.roots() if self.plugins.root_of(os.path.join(root, "x")) != root]:
            pending = self.pending.pop(root, None)
            if pending is not None:
                pending.cancel()
            for path in self.plugins.forget(root):
                self.publish_file(path, [])

    # -- code actions ----------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        path = _path(params.text_document.uri)
        if path is None:
            return []
        actions: list[types.CodeAction] = []
        for diagnostic, shown in self.shown.get(path, []):
            if not _overlaps(shown.range, params.range):
                continue
            if diagnostic.fix is not None:
                title = f"{diagnostic.fix.message} ({diagnostic.code})"
                preferred = diagnostic.fix.applicability == "safe"
                actions.extend(self._quick_fix(title, shown, fix_changes(diagnostic), preferred))
            positions = self.positions.get(path)
            change = suppress_change(diagnostic, positions) if positions is not None else None
            if change is not None:
                title = f"Suppress {diagnostic.code} ({diagnostic.name}) on this line"
                actions.extend(self._quick_fix(title, shown, [change]))
        return actions

    def _quick_fix(self, title: str, shown, changes, preferred: bool | None = None) -> list[types.CodeAction]:
        """The quick fix making `changes` for one shown diagnostic (none when they cannot be sent)."""
        edit = self._workspace_edit(changes)
        if edit is None:
            return []
        kind = types.CodeActionKind.QuickFix
        return [types.CodeAction(title=title, kind=kind, diagnostics=[shown], edit=edit, is_preferred=preferred)]

    def _workspace_edit(self, changes: list[TextChange]) -> types.WorkspaceEdit | None:
        by_uri: dict[str, list[types.TextEdit]] = {}
        for change in changes:
            positions = self.positions.get(change.path) or self.plugins.positions_of(change.path)
            if positions is None:
                return None  # a file that cannot be read as text: no edit rather than a wrong one
            by_uri.setdefault(from_fs_path(change.path) or change.path, []).append(
                types.TextEdit(range=_range(positions, change.start, change.end), new_text=change.replacement)
            )
        return types.WorkspaceEdit(changes=by_uri) if by_uri else None


def to_lsp(diagnostic: Diagnostic, positions: dict[str, DocumentPositions | None]) -> types.Diagnostic:
    """The protocol's form of a finding."""
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=from_fs_path(r.path) or r.path, range=span_range(r.span, positions.get(r.path))),
            message=r.message,
        )
        for r in diagnostic.related
    ]
    return types.Diagnostic(
        range=span_range(diagnostic.span, positions.get(diagnostic.path)),
        message=diagnostic.message,
        severity=SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=types.CodeDescription(href=diagnostic.url) if diagnostic.url else None,
        source="dify-lint",
        related_information=related or None,
    )


def span_range(span: Span, positions: DocumentPositions | None) -> types.Range:
    """A linter span as an LSP range; without the file's text, its lines and columns less one."""
    if positions is None:
        start = (span.start.line - 1, span.start.column - 1)
        end = (span.end.line - 1, span.end.column - 1)
    else:
        start, end = positions.lsp_of(span.start), positions.lsp_of(span.end)
    return types.Range(start=types.Position(*start), end=types.Position(*max(start, end)))


def _range(positions: DocumentPositions, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(*positions.lsp(start)), end=types.Position(*positions.lsp(end)))


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _path(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return os.path.normpath(path) if path else None


def build() -> DifyLintServer:
    server = DifyLintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: DifyLintServer, params: types.InitializedParams) -> None:
        encoding = ls.workspace.position_encoding
        ls.plugins.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
        watching = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watching and watching.dynamic_registration:  # to hear of files changed or deleted outside the editor
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="dify-lint-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
                            ),
                        )
                    ]
                )
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DifyLintServer, params: types.DidOpenTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.plugins.open(path, params.text_document.text)
            ls.schedule(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DifyLintServer, params: types.DidChangeTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.plugins.open(path, ls.workspace.get_text_document(params.text_document.uri).source)
            ls.schedule(path, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DifyLintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.schedule(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DifyLintServer, params: types.DidCloseTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.plugins.close(path)  # what is on disk counts again
            ls.schedule(path)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: DifyLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.forget_missing()
        for change in params.changes:
            path = _path(change.uri)
            if path is not None:
                ls.schedule(path, DEBOUNCE)  # a checkout changes many files at once

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: DifyLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        try:
            return ls.code_actions(params)
        except Exception:  # a broken action must not break the editor's menu
            log.exception("code actions failed")
            return []

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: DifyLintServer, params: None) -> None:
        for task in ls.pending.values():
            task.cancel()
        ls.pending.clear()
        ls.linter.shutdown(wait=False, cancel_futures=True)

    return server


def serve() -> None:
    """Serve over standard input and output until the client says exit."""
    build().start_io()
