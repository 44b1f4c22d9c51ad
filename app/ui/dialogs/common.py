"""Small pieces shared by the dialogs."""

from __future__ import annotations

from app.ui.plain import plain_label
from app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QEvent,
    QKeyEvent,
    QLabel,
    QObject,
    QPlainTextEdit,
    Qt,
    QWidget,
)


class SubmitOnEnter(QObject):
    """Makes Enter in a multi-line notes box submit the dialog (Shift+Enter adds a line), so
    every dialog behaves the same: Enter submits, Esc cancels."""

    def __init__(self, edit: QPlainTextEdit, submit: object) -> None:
        super().__init__(edit)
        self._submit = submit
        edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                if callable(self._submit):
                    self._submit()
                return True
        return False


def error_label(parent: QWidget | None = None) -> QLabel:
    label = plain_label(parent=parent, wrap=True)
    label.setObjectName("error")
    label.setStyleSheet("color: #d93025;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK (renamed to what it does, the default button) and Cancel, wired to the dialog."""
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setDefault(True)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class CloseOnEscape(QObject):
    """Escape closes a plain window as it cancels a dialog. A filter on the window sees the
    key press after the focused child (a list, a button) passed it up, and it works whether or
    not the window manager made the window active."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self._window.close()
            return True
        return False


def close_controls(window: QWidget) -> QDialogButtonBox:
    """A Close button, and Escape closing the window, for the windows that are not dialogs
    (Sync, My time): every window of the app can then be left the same two ways."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.rejected.connect(window.close)
    CloseOnEscape(window)
    return box
