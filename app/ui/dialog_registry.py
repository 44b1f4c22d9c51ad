"""The open dialogs and windows by name, and where each one was last placed on screen.

One registry so that opening a dialog a second time replaces the first (two Stop dialogs for one
timer would log it twice), a notification click finds the window it names, and Quit closes
everything it opened. Tests find dialogs here by the same names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from app.ui.geometry import WindowPlaces, safe_rect
from app.ui.qt import QApplication, QMessageBox, QWidget

log = logging.getLogger(__name__)


class DialogRegistry(Mapping[str, QWidget]):
    """The only writer of "which dialog is open under which name" and of saved positions."""

    def __init__(self, data_dir: Path | None) -> None:
        self._open: dict[str, QWidget] = {}
        self._places = WindowPlaces(data_dir / "windows.json" if data_dir else None)

    def __getitem__(self, name: str) -> QWidget:
        return self._open[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._open)

    def __len__(self) -> int:
        return len(self._open)

    def open(self, name: str, widget: QWidget) -> None:
        """Show ``widget`` as ``name``, closing whatever was open under that name."""
        old = self._open.get(name)
        if old is not None and old is not widget:
            old.close()
        self._open[name] = widget
        widget.setObjectName(name)
        if isinstance(widget, QMessageBox) or hasattr(widget, "open"):
            widget.open()
        else:
            widget.show()
        widget.raise_()
        widget.activateWindow()

    def keep(self, name: str, widget: QWidget) -> None:
        """Register a window that shows itself (the logs and sync windows are reused)."""
        self._open[name] = widget

    def close_all(self) -> None:
        for widget in list(self._open.values()):
            widget.close()

    def restore_place(self, widget: QWidget, name: str) -> None:
        saved = self._places.get(name)
        if saved is None:
            return
        screens = [
            (g.x(), g.y(), g.width(), g.height())
            for g in (screen.availableGeometry() for screen in QApplication.screens())
        ]
        rect = safe_rect(saved, screens)
        if rect is not None:
            widget.setGeometry(*rect)

    def save_place(self, widget: QWidget, name: str) -> None:
        g = widget.geometry()
        self._places.put(name, (g.x(), g.y(), g.width(), g.height()))
