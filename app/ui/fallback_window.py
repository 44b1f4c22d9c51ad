"""The small window shown when no system tray appears: the same state and the same menu."""

from __future__ import annotations

from collections.abc import Callable

from app.ui.plain import plain_label
from app.ui.qt import (
    QCloseEvent,
    QEvent,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class FallbackWindow(QWidget):
    def __init__(self, menu: QMenu, on_close: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("fallback_window")
        self.setWindowTitle("Timetray")
        self._on_close = on_close
        self.header = plain_label(wrap=True)
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.header.setFont(font)
        self.details = plain_label(wrap=True)
        self.message = plain_label(wrap=True)
        self.message.setObjectName("message")
        self.primary = QPushButton()
        self.primary.setObjectName("primary")
        self.stop_button = QPushButton("Stop…")
        self.menu_button = QPushButton("Menu")
        self.menu_button.setMenu(menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self.primary)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.menu_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(320)

    def event(self, event: QEvent) -> bool:
        """Wrapped labels change height with their text and the width, which a top-level
        window's minimum size does not follow by itself: without this a two-line title pushed
        the sync line ("All synced") out of the bottom."""
        handled = super().event(event)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            layout = self.layout()
            needed = layout.totalHeightForWidth(self.width()) if layout is not None else 0
            if needed > 0 and needed != self.minimumHeight():
                self.setMinimumHeight(needed)
        return handled

    def closeEvent(self, event: QCloseEvent) -> None:
        """With no tray, closing the window is quitting (which warns about a running timer)."""
        event.ignore()
        self._on_close()
