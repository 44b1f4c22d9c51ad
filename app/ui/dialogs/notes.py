"""Short text prompts: notes when stopping, a break's type and note, a check-out reason."""

from __future__ import annotations

from typing import Literal

from app.ui.dialogs.common import SubmitOnEnter, error_label, ok_cancel, show_error
from app.ui.plain import plain_label
from app.ui.qt import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.text import BREAK_TYPES


class StopNotesDialog(QDialog):
    """Notes for the log a stop creates. Optional, but limited: the server keeps any length."""

    # Never None through a signal: PySide6 mis-counts its references (crash at exit).
    submitted = Signal(str)  # notes, "" for none

    def __init__(
        self, title: str, prompt: str, ok_text: str, notes_max: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.notes_max = notes_max
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("What did you do? (optional; Shift+Enter for a new line)")
        self.error = error_label()
        self.buttons = ok_cancel(self, ok_text)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(prompt, wrap=True))
        layout.addWidget(self.notes)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        SubmitOnEnter(self.notes, self.accept)
        self.notes.setFocus()

    def accept(self) -> None:
        text = self.notes.toPlainText().strip()
        if self.notes_max and len(text) > self.notes_max:
            show_error(self.error, f"Notes are too long ({len(text)} of {self.notes_max}).")
            return
        self.submitted.emit(text)
        super().accept()


class BreakDialog(QDialog):
    submitted = Signal(str, str)  # break type, note ("" = none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start a break")
        self.kind = QComboBox()
        for value, label in BREAK_TYPES:
            self.kind.addItem(label, value)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional (required for Other)")
        self.error = error_label()
        form = QFormLayout()
        form.addRow("Break", self.kind)
        form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(plain_label("A running timer pauses during the break."))
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "Start break"))

    def accept(self) -> None:
        kind = str(self.kind.currentData())
        note = self.note.text().strip()
        if kind == "other" and not note:
            show_error(self.error, "Please add a note for an “Other” break.")
            self.note.setFocus()
            return
        self.submitted.emit(kind, note)
        super().accept()


AFTER_SHIFT_REASONS = ("overtime", "meeting ran late", "deadline", "other")


class CheckoutReasonDialog(QDialog):
    """Asked only when the server refused a check-out for lack of a reason (shift rules)."""

    submitted = Signal(str, str, str)  # early_reason, after_reason, after_note ("" = none)

    def __init__(
        self,
        kind: Literal["early", "after_shift"],
        server_message: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle("Check out")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.note = QLineEdit()
        self.error = error_label()
        intro = plain_label(server_message, wrap=True)
        form = QFormLayout()
        if kind == "early":
            line = self.reason.lineEdit()
            if line is not None:
                line.setPlaceholderText("At least 5 characters")
            form.addRow("Reason", self.reason)
            self.note.hide()
        else:
            self.reason.addItems(AFTER_SHIFT_REASONS)
            form.addRow("Reason", self.reason)
            form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "Check out"))

    def accept(self) -> None:
        reason = self.reason.currentText().strip()
        if self.kind == "early":
            if len(reason) < 5:
                show_error(self.error, "The reason needs at least 5 characters.")
                return
            self.submitted.emit(reason, "", "")
        else:
            note = self.note.text().strip()
            if not reason or not note:
                show_error(self.error, "Both a reason and a note are required.")
                return
            self.submitted.emit("", reason, note)
        super().accept()
