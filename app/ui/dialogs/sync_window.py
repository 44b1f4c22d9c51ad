"""Sync: what is waiting, and the parked items the server refused, each with its message."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from app.core.facade import OutboxEntry
from app.core.snapshot import SyncView
from app.ui.dialogs.common import close_controls, error_label, ok_cancel, show_error
from app.ui.plain import plain_label, tip
from app.ui.qt import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.text import sync_text


class SyncWindow(QWidget):
    sync_requested = Signal()
    retry_requested = Signal(str, object)  # item id, edited payload ({} = unchanged)
    discard_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_window")
        self.setWindowTitle("Sync")
        self.status = plain_label(wrap=True)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(self.sync_requested.emit)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.edit_button = QPushButton("Edit and retry…")
        self.retry_button = QPushButton("Retry")
        self.discard_button = QPushButton("Discard")
        self.edit_button.clicked.connect(self._edit)
        self.retry_button.clicked.connect(self._retry)
        self.discard_button.clicked.connect(self._discard)
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.sync_button)
        actions = QHBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.retry_button)
        actions.addStretch(1)
        actions.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(plain_label("Refused by the server (fix and retry, or discard):"))
        layout.addWidget(self.list)
        layout.addLayout(actions)
        layout.addWidget(close_controls(self))
        self.items: list[OutboxEntry] = []
        self.editor: ParkedEditDialog | None = None
        self._update_buttons()
        self.resize(560, 360)

    def set_status(self, sync: SyncView) -> None:
        text = sync_text(sync)
        if sync.last_success_at:
            text += f"\nLast synced {sync.last_success_at.astimezone():%H:%M:%S}"
        self.status.setText(text)

    def set_items(self, entries: Sequence[OutboxEntry]) -> None:
        selected = self.selected()
        self.items = [e for e in entries if e.state == "parked"]
        self.list.clear()
        for entry in self.items:
            item = QListWidgetItem(f"{entry.summary}\n    {entry.last_error or 'Refused'}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(tip(entry.last_error or ""))
            self.list.addItem(item)
            if selected and selected.id == entry.id:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.items:
            self.list.setCurrentRow(0)
        if not self.items:
            self.list.addItem(QListWidgetItem("Nothing parked."))
        self._update_buttons()

    def selected(self) -> OutboxEntry | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for button in (self.edit_button, self.retry_button, self.discard_button):
            button.setEnabled(has)

    def _retry(self) -> None:
        entry = self.selected()
        if entry:
            self.retry_requested.emit(entry.id, {})

    def _discard(self) -> None:
        entry = self.selected()
        if entry:
            self.discard_requested.emit(entry.id)

    def _edit(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        self.editor = ParkedEditDialog(entry, self)
        self.editor.submitted.connect(lambda payload: self.retry_requested.emit(entry.id, payload))
        self.editor.open()


class ParkedEditDialog(QDialog):
    """Edits a parked item's payload field by field (text fields as text, others as JSON)."""

    submitted = Signal(object)  # the new payload

    def __init__(self, entry: OutboxEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit and retry")
        self.entry = entry
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        message = plain_label(entry.last_error or "", wrap=True)
        for key, value in entry.payload.items():
            text = value if isinstance(value, str) else json.dumps(value)
            edit = QLineEdit("" if value is None else text)
            self.fields[key] = edit
            form.addRow(plain_label(key.replace("_", " ")), edit)
        self.error = error_label()
        buttons = ok_cancel(self, "Retry")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(entry.summary, wrap=True))
        layout.addWidget(message)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, edit in self.fields.items():
            original = self.entry.payload.get(key)
            text = edit.text()
            if isinstance(original, str) or original is None:
                out[key] = text if text or original is not None else None
            else:
                out[key] = json.loads(text)
        return out

    def accept(self) -> None:
        try:
            payload = self.payload()
        except ValueError as exc:
            show_error(self.error, f"Not a valid value: {exc}")
            return
        self.submitted.emit(payload)
        super().accept()
