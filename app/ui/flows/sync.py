"""Sync now, and the sync window: its status line, the outbox list, retry and discard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.facade import CommandResult
from app.core.snapshot import Snapshot
from app.ui.flows.context import FlowContext, list_or_empty
from app.ui.plain import plain_message_box
from app.ui.qt import QMessageBox

if TYPE_CHECKING:  # the dialogs load when first opened (see app/ui/flows/__init__.py)
    from app.ui.dialogs.sync_window import SyncWindow


class SyncFlow:
    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    def _window(self) -> SyncWindow | None:
        window = self._ctx.dialogs.get("sync")
        if window is None:
            return None
        from app.ui.dialogs.sync_window import SyncWindow

        return window if isinstance(window, SyncWindow) else None

    def sync_now(self) -> None:
        self._ctx.commands.run("sync", lambda: self._ctx.core.sync_now())

    def open(self) -> None:
        window = self._window()
        if window is None:
            from app.ui.dialogs.sync_window import SyncWindow

            window = SyncWindow()
            window.sync_requested.connect(self.sync_now)
            window.retry_requested.connect(self._retry_parked)
            window.discard_requested.connect(self._confirm_discard)
            self._ctx.dialogs.restore_place(window, "sync")
            self._ctx.dialogs.keep("sync", window)
        window.set_status(self._ctx.snapshot().sync)
        window.show()
        window.raise_()
        self._load_outbox()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """An open sync window follows the core: status line and list."""
        window = self._window()
        if window is not None and window.isVisible():
            window.set_status(snapshot.sync)
            self._load_outbox()

    def _load_outbox(self) -> None:
        window = self._window()
        if window is not None:
            self._ctx.bridge.in_background(
                self._ctx.core.outbox, lambda items: window.set_items(list_or_empty(items))
            )

    def _retry_parked(self, item_id: str, payload: object) -> None:
        data = payload if isinstance(payload, dict) and payload else None
        self._ctx.commands.run(
            "retry", lambda: self._ctx.core.retry_parked(item_id, data), self._after_change
        )

    def _confirm_discard(self, item_id: str) -> None:
        box = plain_message_box(
            QMessageBox.Icon.Warning,
            "Discard entry",
            "Discard this entry? It will never reach the server.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda code: (
                self._ctx.commands.run(
                    "discard", lambda: self._ctx.core.discard_parked(item_id), self._after_change
                )
                if code == QMessageBox.StandardButton.Discard
                else None
            )
        )
        self._ctx.dialogs.open("confirm_discard", box)

    def _after_change(self, result: CommandResult) -> None:
        if not result.ok:
            self._ctx.commands.report("retry", result)
        self._load_outbox()
