"""The tray icon, its menu, and the small window shown when no tray host ever appears.

It draws a snapshot (icon, tooltip, the open menu's header, the window's lines) and reports
clicks through callbacks; it decides nothing about what a click means. It waits, without
blocking, for a tray host (a panel can start after the session's autostart entries), and falls
back to :class:`FallbackWindow` after a timeout.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.core.snapshot import Snapshot
from app.ui.dialog_registry import DialogRegistry
from app.ui.icon import build_icon, is_dark
from app.ui.icon_view import IconView
from app.ui.plain import menu_text, tip, tray_text
from app.ui.qt import QApplication, QCursor, QMenu, QObject, QSystemTrayIcon, QTimer
from app.ui.text import attendance_text, header_text, icon_view, sync_text, tooltip_text

if TYPE_CHECKING:  # loaded only when no tray host shows up: most desktops never need it
    from app.ui.fallback_window import FallbackWindow

log = logging.getLogger(__name__)

TRAY_POLL_MS = 250
BUBBLE_MS = 8000


@dataclass(frozen=True)
class ViewCallbacks:
    fill_menu: Callable[[QMenu], None]  # rebuild the menu from the latest snapshot
    redraw: Callable[[], None]  # draw the latest snapshot now, everything (see render)
    primary: Callable[[], None]  # the window's main button (Sign in / Start / Pause / Resume)
    stop: Callable[[], None]
    close: Callable[[], None]  # the window's close box: quitting, with its warning
    message_clicked: Callable[[], None]
    shown: Callable[[], None] | None = None  # once, when the icon or window first appears


class TrayView(QObject):
    """Owns the tray icon, the menu, the fallback window and what was last drawn on them."""

    def __init__(
        self,
        callbacks: ViewCallbacks,
        dialogs: DialogRegistry,
        *,
        wait_for_tray: bool = True,
        tray_timeout_ms: int = 10_000,
        tray: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._callbacks = callbacks
        self._on_shown = callbacks.shown
        self._dialogs = dialogs
        self.wait_for_tray = wait_for_tray
        self.tray_timeout_ms = tray_timeout_ms
        self.window: FallbackWindow | None = None
        self.drawn: IconView | None = None  # the icon's model as last drawn
        self._drawn_dark: bool | None = None
        self._tooltip = ""

        self.menu = QMenu()
        self.menu.setObjectName("tray_menu")
        self.menu.aboutToShow.connect(self.fill_menu)
        # ``tray``: an icon already shown while the core was loading (see tray_app), adopted
        # so the panel never sees the icon disappear and come back.
        self.tray = tray if tray is not None else QSystemTrayIcon(self)
        self.tray.setParent(self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)
        self.tray.messageClicked.connect(callbacks.message_clicked)

        self._tray_wait = QTimer(self)
        self._tray_wait.setInterval(TRAY_POLL_MS)
        self._tray_wait.timeout.connect(self._poll_tray)
        self._tray_waited_ms = 0

    def fill_menu(self) -> None:
        self._callbacks.fill_menu(self.menu)

    # --- showing ---------------------------------------------------------------------------

    def show(self) -> None:
        """Show the tray icon, waiting (without blocking) up to the timeout for a tray host."""
        if not self.wait_for_tray or QSystemTrayIcon.isSystemTrayAvailable():
            self._show_tray()
            return
        log.info("no system tray yet; waiting up to %d ms", self.tray_timeout_ms)
        self._tray_wait.start()

    def _poll_tray(self) -> None:
        self._tray_waited_ms += TRAY_POLL_MS
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_wait.stop()
            self._show_tray()
        elif self._tray_waited_ms >= self.tray_timeout_ms:
            self._tray_wait.stop()
            log.warning(
                "no system tray after %d ms; showing a window instead", self._tray_waited_ms
            )
            self.show_window()

    def _show_tray(self) -> None:
        self._callbacks.redraw()
        self.tray.show()
        self._shown_once()

    def _shown_once(self) -> None:
        if self._on_shown is not None:
            callback, self._on_shown = self._on_shown, None
            callback()

    @property
    def shown(self) -> bool:
        return self.tray.isVisible() or (self.window is not None and self.window.isVisible())

    def show_window(self) -> FallbackWindow:
        if self.window is None:
            from app.ui.fallback_window import FallbackWindow

            self.window = FallbackWindow(self.menu, self._callbacks.close)
            self.window.primary.clicked.connect(self._callbacks.primary)
            self.window.stop_button.clicked.connect(self._callbacks.stop)
            self._dialogs.restore_place(self.window, "main")
        self._callbacks.redraw()
        self.window.show()
        self._shown_once()
        return self.window

    def bring_forward(self) -> None:
        """Show the window, or pop the menu at the cursor."""
        if self.window is not None:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()
        else:
            self.menu.popup(QCursor.pos())

    def open_window_menu(self) -> None:
        if self.window is not None:
            self.window.menu_button.showMenu()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger and sys.platform != "darwin":
            self.menu.popup(QCursor.pos())

    def hide(self) -> None:
        """Gone from the screen for good (quitting): the window's place is remembered."""
        self._tray_wait.stop()
        self.tray.hide()
        if self.window is not None:
            self._dialogs.save_place(self.window, "main")
            self.window.hide()

    # --- drawing ---------------------------------------------------------------------------

    def render(
        self, snapshot: Snapshot, now: datetime, force: bool = False, week_target: float = 0.0
    ) -> None:
        """Redraw only what changed: the icon's model, the tooltip, the open menu's header."""
        view = icon_view(snapshot, now)
        dark = is_dark(QApplication.palette())
        if force or (self.drawn, self._drawn_dark) != (view, dark):
            self.drawn, self._drawn_dark = view, dark
            icon = build_icon(view, dark)
            self.tray.setIcon(icon)
            if self.window is not None:
                self.window.setWindowIcon(icon)
        tooltip = tooltip_text(snapshot, now, week_target)
        if force or tooltip != self._tooltip:
            self._tooltip = tooltip
            self.tray.setToolTip(tray_text(tooltip))
        if self.menu.isVisible():
            header = self.menu.actions()[0] if self.menu.actions() else None
            if header is not None and header.objectName() == "header":
                header.setText(menu_text(header_text(snapshot, now)))
        if self.window is not None and self.window.isVisible():
            self._render_window(self.window, snapshot, now)

    def _render_window(self, window: FallbackWindow, snap: Snapshot, now: datetime) -> None:
        window.header.setText(header_text(snap, now))
        window.details.setText(f"{attendance_text(snap.attendance)}\n{sync_text(snap.sync)}")
        timer = snap.timer
        refusal = snap.resume_refusal if snap.signed_in else None
        if not snap.signed_in:
            window.primary.setText("Sign in…")
        elif timer is None:
            window.primary.setText("Start…")
        elif timer.state == "running":
            window.primary.setText("Pause")
        else:
            window.primary.setText(f"Resume ({refusal.hint})" if refusal else "Resume")
        # Greyed with the reason, as in the menu: End break stays one click away in "Menu".
        window.primary.setEnabled(refusal is None)
        window.primary.setToolTip(tip(refusal.reason if refusal else ""))
        window.stop_button.setEnabled(timer is not None)

    def display_message(self, title: str, text: str) -> None:
        """A tray bubble, and the window's message line when there is a window."""
        if self.window is not None:
            self.window.message.setText(f"{title}: {text}")
        if self.tray.isVisible():
            self.tray.showMessage(
                tray_text(title),
                tray_text(text),
                QSystemTrayIcon.MessageIcon.Information,
                BUBBLE_MS,
            )
