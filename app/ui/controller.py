"""The tray itself: icon, tooltip, menu, dialogs and notifications around one CoreFacade.

It renders the latest snapshot and turns clicks into facade commands. Every command returns a
Future that completes on the core's worker thread; the bridge hops its result back here, so
nothing on this (GUI) thread ever waits on the network, a lock or SQLite.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.facade import CommandResult, CoreFacade, LogEntry, OutboxEntry
from app.core.snapshot import Notice, Snapshot
from app.settings_schema import needs_restart
from app.ui.bridge import Bridge
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.manual_entry import ManualEntryDialog
from app.ui.dialogs.notes import BreakDialog, CheckoutReasonDialog, StopNotesDialog
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import SyncWindow
from app.ui.fallback_window import FallbackWindow
from app.ui.geometry import WindowPlaces, safe_rect
from app.ui.icon import build_icon, is_dark
from app.ui.menu import build_menu
from app.ui.notifier import Notifier
from app.ui.qt import (
    QApplication,
    QCursor,
    QIcon,
    QMenu,
    QMessageBox,
    QObject,
    QSystemTrayIcon,
    QTimer,
    QWidget,
    Signal,
)
from app.ui.settings_port import SettingsPort
from app.ui.text import (
    IconView,
    attendance_text,
    checkout_requirement,
    header_text,
    human_duration,
    icon_view,
    local_day_start,
    quit_warning,
    retry_after_text,
    sync_text,
    tooltip_text,
    week_start,
)

log = logging.getLogger(__name__)

# Commands whose rejection is told at once and whose parked item holds nothing the user typed:
# retrying them later would be meaningless, so their parked item is discarded right away.
DISCARD_ON_REJECT = frozenset(
    {"start", "switch", "pause", "resume", "check_in", "end_break", "start_break"}
)
TRAY_POLL_MS = 250


def utc_now() -> datetime:
    return datetime.now(UTC)


class TrayController(QObject):
    """Owns the tray icon (or its fallback window) for one core."""

    quit_requested = Signal()
    message_shown = Signal(str, str)  # title, text (also for tests and the fallback window)

    def __init__(
        self,
        core: CoreFacade,
        settings: SettingsPort | None = None,
        *,
        wait_for_tray: bool = True,
        tray_timeout_ms: int = 10_000,
        clock: Callable[[], datetime] = utc_now,
        data_dir: Path | None = None,
        autostart_apply: Callable[[bool], None] | None = None,
        on_quit: Callable[[], None] | None = None,
        tray: QSystemTrayIcon | None = None,
        on_shown: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.core = core
        self.settings = settings or SettingsPort()
        self.clock = clock
        self.wait_for_tray = wait_for_tray
        self.tray_timeout_ms = tray_timeout_ms
        self._autostart_apply = autostart_apply
        self._on_quit = on_quit
        self.places = WindowPlaces(data_dir / "windows.json" if data_dir else None)
        self.snapshot: Snapshot = core.snapshot()
        self.recent_ids: list[str] = []
        self.dialogs: dict[str, QWidget] = {}
        self.window: FallbackWindow | None = None
        self.last_message: tuple[str, str] | None = None
        self._message_target: str | None = None
        self._recent_messages: dict[str, datetime] = {}
        self._drawn: tuple[IconView, bool] | None = None
        self._tooltip = ""
        self._quitting = False

        self.notifier = Notifier()
        self.apply_settings()

        self.bridge = Bridge(core, self)
        self.bridge.snapshot_changed.connect(self.on_snapshot)
        self.bridge.notice.connect(self.on_notice)
        self.bridge.command_done.connect(self._log_command)

        self.menu = QMenu()
        self.menu.setObjectName("tray_menu")
        self.menu.aboutToShow.connect(self.rebuild_menu)
        # ``tray``: an icon already shown while the core was loading (see tray_app), adopted
        # so the panel never sees the icon disappear and come back.
        self.tray = tray if tray is not None else QSystemTrayIcon(self)
        self.tray.setParent(self)
        self._on_shown = on_shown
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)
        self.tray.messageClicked.connect(self._on_message_clicked)
        self.rebuild_menu()

        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.refresh)
        self._tray_wait = QTimer(self)
        self._tray_wait.setInterval(TRAY_POLL_MS)
        self._tray_wait.timeout.connect(self._poll_tray)
        self._tray_waited_ms = 0
        self.bridge.attach()
        self.refresh()

    # --- showing ---------------------------------------------------------------------------

    def show(self) -> None:
        """Show the tray icon, waiting (without blocking) up to the timeout for a tray host."""
        self.ticker.start()
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
            self.show_fallback_window()

    def _show_tray(self) -> None:
        self.refresh(force=True)
        self.tray.show()
        self._shown_once()

    def _shown_once(self) -> None:
        if self._on_shown is not None:
            callback, self._on_shown = self._on_shown, None
            callback()

    @property
    def shown(self) -> bool:
        return self.tray.isVisible() or (self.window is not None and self.window.isVisible())

    def show_fallback_window(self) -> FallbackWindow:
        if self.window is None:
            self.window = FallbackWindow(self.menu, self.quit)
            self.window.primary.clicked.connect(self._primary_clicked)
            self.window.stop_button.clicked.connect(self.stop)
            self._restore_place(self.window, "main")
        self.refresh(force=True)
        self.window.show()
        self._shown_once()
        return self.window

    def bring_forward(self) -> None:
        """A second launch asked for us: show the window, or pop the menu at the cursor."""
        if self.window is not None:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()
        else:
            self.menu.popup(QCursor.pos())

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger and sys.platform != "darwin":
            self.menu.popup(QCursor.pos())

    # --- rendering -------------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()
        sync = self.dialogs.get("sync")
        if isinstance(sync, SyncWindow) and sync.isVisible():
            sync.set_status(snapshot.sync)
            self._load_outbox()

    def refresh(self, force: bool = False) -> None:
        """The once-a-second tick: redraw only when the icon's model or tooltip changed."""
        now = self.clock()
        snapshot = self.snapshot
        view = icon_view(snapshot, now)
        dark = is_dark(QApplication.palette())
        if force or self._drawn != (view, dark):
            self._drawn = (view, dark)
            icon = build_icon(view, dark)
            self.tray.setIcon(icon)
            if self.window is not None:
                self.window.setWindowIcon(icon)
        tip = tooltip_text(snapshot, now)
        if force or tip != self._tooltip:
            self._tooltip = tip
            self.tray.setToolTip(tip)
        if self.menu.isVisible():
            header = self.menu.actions()[0] if self.menu.actions() else None
            if header is not None and header.objectName() == "header":
                header.setText(header_text(snapshot, now))
        if self.window is not None and self.window.isVisible():
            self._refresh_window(now)

    def current_icon(self) -> QIcon:
        return self.tray.icon()

    def _refresh_window(self, now: datetime) -> None:
        window = self.window
        assert window is not None
        snap = self.snapshot
        window.header.setText(header_text(snap, now))
        window.details.setText(f"{attendance_text(snap.attendance)}\n{sync_text(snap.sync)}")
        timer = snap.timer
        if not snap.signed_in:
            window.primary.setText("Sign in…")
        elif timer is None:
            window.primary.setText("Start…")
        elif timer.state == "running":
            window.primary.setText("Pause")
        else:
            window.primary.setText("Resume")
        window.stop_button.setEnabled(timer is not None)

    def _primary_clicked(self) -> None:
        snap = self.snapshot
        if not snap.signed_in:
            self.sign_in()
        elif snap.timer is None:
            assert self.window is not None
            self.window.menu_button.showMenu()
        elif snap.timer.state == "running":
            self.pause()
        else:
            self.resume()

    def rebuild_menu(self) -> None:
        build_menu(self.menu, self.snapshot, self.clock(), self, self.recent_ids)

    # --- messages and notices --------------------------------------------------------------

    def show_message(self, title: str, text: str, target: str | None = None) -> None:
        """One user-facing message: a tray bubble, or the fallback window's message line."""
        now = self.clock()
        key = f"{title}\n{text}"
        last = self._recent_messages.get(key)
        if last is not None and now - last < timedelta(seconds=10):
            return  # the core and the command result told the same thing
        self._recent_messages = {
            k: t for k, t in self._recent_messages.items() if now - t < timedelta(seconds=10)
        }
        self._recent_messages[key] = now
        log.info("message: %s: %s", title, text)
        self.last_message = (title, text)
        self._message_target = target
        self.message_shown.emit(title, text)
        if self.window is not None:
            self.window.message.setText(f"{title}: {text}")
        if self.tray.isVisible():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def on_notice(self, notice: Notice) -> None:
        shown = self.notifier.filter(notice, self.clock())
        if shown is not None:
            self.show_message(shown.title, shown.message, shown.target)

    def _on_message_clicked(self) -> None:
        self.open_target(self._message_target)

    def open_target(self, target: str | None) -> None:
        if target == "sync":
            self.open_sync()
        elif target == "today":
            self.open_logs("today")
        elif target == "settings":
            self.open_settings()
        elif target == "sign_in":
            self.sign_in()
        elif target == "menu":
            self.bring_forward()

    def _log_command(self, label: str, result: CommandResult) -> None:
        log.info("command %s -> %s %s", label, result.status, result.message)

    # --- commands --------------------------------------------------------------------------

    def _run(
        self,
        label: str,
        make: Callable[[], Any],
        on_result: Callable[[CommandResult], None] | None = None,
    ) -> None:
        """Call the facade and watch its Future; a core method that raises becomes a "failed"
        result told in words, never an exception loose in the Qt event loop."""
        try:
            future = make()
        except Exception as exc:
            log.exception("command %s raised before returning a Future", label)
            future = Future()
            future.set_result(
                CommandResult(status="failed", message=str(exc) or type(exc).__name__)
            )

        def done(result: CommandResult) -> None:
            if on_result is not None:
                on_result(result)
            else:
                self._report(label, result)

        self.bridge.command(label, future, done)

    def _report(self, label: str, result: CommandResult) -> None:
        """Say in words what went wrong; a success speaks through the icon itself."""
        if result.status == "rejected":
            if label in DISCARD_ON_REJECT and result.item_id:
                self.bridge.command("discard", self.core.discard_parked(result.item_id))
                self.show_message(f"Could not {label.replace('_', ' ')}", result.message)
            else:
                self.show_message(
                    f"Could not {label.replace('_', ' ')}",
                    f"{result.message} (kept under Sync > Parked items)",
                    "sync",
                )
        elif result.status == "failed":
            self.show_message(f"Could not {label.replace('_', ' ')}", result.message)
        elif result.status == "sign_in_needed":
            self.show_message("Please sign in again", result.message or "Session ended.", "sign_in")

    def start_task(self, task_id: str) -> None:
        self._remember(task_id)
        self._run("start", lambda: self.core.start(task_id))

    def switch_task(self, task_id: str) -> None:
        timer = self.snapshot.timer
        if timer is None:
            self.start_task(task_id)
            return
        target = next((t.title for t in self.snapshot.tasks if t.id == task_id), "the new task")
        dialog = StopNotesDialog(
            "Switch task",
            f"Stop “{timer.task_title}” and start “{target}”. Notes for “{timer.task_title}”:",
            "Switch",
            self.notes_max,
        )

        def go(notes: object) -> None:
            self._remember(task_id)
            self._run("switch", lambda: self.core.switch(task_id, _text(notes)))

        dialog.submitted.connect(go)
        self._open("switch", dialog)

    def pause(self) -> None:
        self._run("pause", lambda: self.core.pause())

    def resume(self) -> None:
        self._run("resume", lambda: self.core.resume())

    def stop(self) -> None:
        timer = self.snapshot.timer
        if timer is None:
            return
        dialog = StopNotesDialog(
            "Stop timer",
            f"Stop “{timer.task_title}” and log the time. Notes:",
            "Stop",
            self.notes_max,
        )
        dialog.submitted.connect(
            lambda notes: self._run("stop", lambda: self.core.stop(_text(notes)))
        )
        self._open("stop", dialog)

    def log_manual(self) -> None:
        now = self.clock()
        default = (
            self.snapshot.timer.task_id
            if self.snapshot.timer
            else (self.recent_ids[0] if self.recent_ids else None)
        )
        dialog = ManualEntryDialog(
            self.snapshot.tasks, now=now, notes_max=self.notes_max, default_task_id=default
        )
        self.bridge.watch(
            self.core.logs(now - timedelta(days=31)),
            lambda fut: dialog.set_known_logs(_logs_or_empty(fut)),
        )

        def submit(task_id: str, started: object, ended: object, notes: object) -> None:
            assert isinstance(started, datetime) and isinstance(ended, datetime)
            note = _text(notes)

            def done(result: CommandResult) -> None:
                if result.ok:
                    dialog.finish()
                    tail = (
                        " It will sync when the server is reachable."
                        if result.status == "queued"
                        else ""
                    )
                    self.show_message(
                        "Time logged",
                        f"{human_duration((ended - started).total_seconds())} logged.{tail}",
                    )
                    return
                if result.status == "rejected" and result.item_id:
                    # Fixed here in the dialog, so the parked copy would only be a duplicate.
                    self.bridge.command("discard", self.core.discard_parked(result.item_id))
                dialog.show_failure(result.message or "The entry was not saved.")

            self._run(
                "log_manual", lambda: self.core.log_manual(task_id, started, ended, note), done
            )

        dialog.submitted.connect(submit)
        self._open("manual", dialog)

    def check_in(self, work_mode: str) -> None:
        self._run("check_in", lambda: self.core.check_in(work_mode))

    def start_break(self) -> None:
        dialog = BreakDialog()
        dialog.submitted.connect(
            lambda kind, note: self._run(
                "start_break", lambda: self.core.start_break(kind, _text(note))
            )
        )
        self._open("break", dialog)

    def end_break(self) -> None:
        self._run("end_break", lambda: self.core.end_break())

    def check_out(
        self,
        early: str | None = None,
        after_reason: str | None = None,
        after_note: str | None = None,
    ) -> None:
        def done(result: CommandResult) -> None:
            kind = checkout_requirement(result.message) if result.status == "rejected" else None
            if kind is None:
                self._report("check_out", result)
                return
            if result.item_id:
                # Asked again with the reason as a fresh check-out: the parked one is replaced.
                self.bridge.command("discard", self.core.discard_parked(result.item_id))
            dialog = CheckoutReasonDialog(kind, result.message)
            dialog.submitted.connect(
                lambda e, r, n: self.check_out(
                    _text(e),
                    _text(r),
                    _text(n),
                )
            )
            self._open("checkout_reason", dialog)

        self._run("check_out", lambda: self.core.check_out(early, after_reason, after_note), done)

    def sync_now(self) -> None:
        self._run("sync", lambda: self.core.sync_now())

    # --- windows ---------------------------------------------------------------------------

    def open_logs(self, which: str | None = None) -> None:
        """Show the logs window; ``which`` ("today" or "week") picks its range, e.g. when a
        notification about today's time is clicked while the window showed the week."""
        window = self.dialogs.get("logs")
        if not isinstance(window, LogsWindow):
            window = LogsWindow()
            window.range_changed.connect(lambda _r: self._load_logs())
            window.refresh_requested.connect(self._load_logs)
            self._restore_place(window, "logs")
            self.dialogs["logs"] = window
        if which is not None:
            window.set_range(which)
        window.show()
        window.raise_()
        self._load_logs()

    def _load_logs(self) -> None:
        window = self.dialogs.get("logs")
        if not isinstance(window, LogsWindow):
            return
        now = self.clock()
        since = local_day_start(now) if window.current_range() == "today" else week_start(now)
        window.set_loading()
        wanted = window.current_range()

        def done(fut: Any) -> None:
            if window.current_range() != wanted:
                return  # the user switched range meanwhile; that load will answer
            try:
                window.set_logs(fut.result())
            except Exception as exc:
                window.set_failed(f"Could not load the logs: {exc}")

        self.bridge.watch(self.core.logs(since.astimezone(UTC)), done)

    def open_sync(self) -> None:
        window = self.dialogs.get("sync")
        if not isinstance(window, SyncWindow):
            window = SyncWindow()
            window.sync_requested.connect(self.sync_now)
            window.retry_requested.connect(self._retry_parked)
            window.discard_requested.connect(self._confirm_discard)
            self._restore_place(window, "sync")
            self.dialogs["sync"] = window
        window.set_status(self.snapshot.sync)
        window.show()
        window.raise_()
        self._load_outbox()

    def _load_outbox(self) -> None:
        window = self.dialogs.get("sync")
        if isinstance(window, SyncWindow):
            self.bridge.in_background(
                self.core.outbox, lambda items: window.set_items(_entries_or_empty(items))
            )

    def _retry_parked(self, item_id: str, payload: object) -> None:
        data = payload if isinstance(payload, dict) and payload else None
        self._run("retry", lambda: self.core.retry_parked(item_id, data), self._after_outbox_change)

    def _confirm_discard(self, item_id: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Discard entry",
            "Discard this entry? It will never reach the server.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda code: (
                self._run(
                    "discard", lambda: self.core.discard_parked(item_id), self._after_outbox_change
                )
                if code == QMessageBox.StandardButton.Discard
                else None
            )
        )
        self._open("confirm_discard", box)

    def _after_outbox_change(self, result: CommandResult) -> None:
        if not result.ok:
            self._report("retry", result)
        self._load_outbox()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings)
        dialog.submitted.connect(self._save_settings)
        self._open("settings", dialog)

    def _save_settings(self, changes: object) -> None:
        if not isinstance(changes, dict) or not changes:
            return
        try:
            self.settings.apply(changes)
        except Exception as exc:
            log.exception("saving settings failed")
            self.show_message("Settings not saved", str(exc), "settings")
            return
        if "autostart" in changes and self._autostart_apply is not None:
            try:
                self._autostart_apply(bool(changes["autostart"]))
            except Exception as exc:
                log.exception("start at login could not be changed")
                self.show_message("Start at login", f"Could not change it: {exc}", "settings")
        self.apply_settings()
        if needs_restart(changes):  # the settings table says what the core reads at start
            self.show_message("Settings saved", "Some changes apply after Timetray restarts.")

    def apply_settings(self) -> None:
        self.notifier.enabled = bool(self.settings.get("notifications"))

    @property
    def notes_max(self) -> int:
        return int(self.settings.get("notes_max_length") or 0)

    # --- session ---------------------------------------------------------------------------

    def sign_in(self) -> None:
        existing = self.dialogs.get("sign_in")
        if isinstance(existing, SignInDialog) and existing.isVisible():
            existing.raise_()
            return
        dialog = SignInDialog(
            self.snapshot.server_url or self.settings.get("server_url"),
            self.snapshot.email or self.settings.get("last_email"),
            server_locked="server_url" in self.settings.locked,
            allow_insecure_http=bool(self.settings.get("allow_insecure_http")),
        )

        def submit(server: str, email: str, password: str) -> None:
            def done(result: CommandResult) -> None:
                if result.ok:
                    dialog.finish()
                    changes: dict[str, Any] = {"last_email": email}
                    if server != self.settings.get("server_url"):
                        changes["server_url"] = server
                    try:
                        self.settings.apply(changes)
                    except Exception:
                        log.exception("could not remember the sign-in details")
                    return
                if result.http_status == 429:
                    retry = result.data.get("retry_after") if result.data else None
                    if retry is None and result.message:
                        dialog.show_failure(result.message)  # the core's text has the wait
                    else:
                        dialog.show_failure(
                            retry_after_text(float(retry) if retry is not None else None)
                        )
                else:
                    dialog.show_failure(result.message or "Sign-in failed.")

            self._run("login", lambda: self.core.login(server, email, password), done)

        dialog.submitted.connect(submit)
        self._open("sign_in", dialog)

    def sign_out(self) -> None:
        waiting = self.snapshot.sync.pending + self.snapshot.sync.parked
        if not waiting:
            self._run("logout", lambda: self.core.logout())
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign out",
            f"{sync_text(self.snapshot.sync)}. They stay saved on this computer and are sent "
            "after you sign in again. Sign out now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        )
        box.finished.connect(
            lambda code: (
                self._run("logout", lambda: self.core.logout())
                if code == QMessageBox.StandardButton.Yes
                else None
            )
        )
        self._open("confirm_sign_out", box)

    def quit(self) -> None:
        warning = quit_warning(self.snapshot, self.clock())
        if warning is None:
            self.really_quit()
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Quit Timetray",
            warning,
            QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        )
        box.button(QMessageBox.StandardButton.Close).setText("Quit")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda code: self.really_quit() if code == QMessageBox.StandardButton.Close else None
        )
        self._open("confirm_quit", box)

    def really_quit(self) -> None:
        """Stop drawing, let the core finish its current write off the GUI thread, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.ticker.stop()
        self._tray_wait.stop()
        self.tray.hide()
        for widget in list(self.dialogs.values()):
            widget.close()
        if self.window is not None:
            self._save_place(self.window, "main")
            self.window.hide()
        self.bridge.close()
        worker = threading.Thread(target=self._shutdown_core, name="core-shutdown", daemon=True)
        worker.start()
        waited = [0]

        def check() -> None:
            waited[0] += 50
            if worker.is_alive() and waited[0] < 5000:
                QTimer.singleShot(50, check)
                return
            self.quit_requested.emit()
            if self._on_quit is not None:
                self._on_quit()

        QTimer.singleShot(0, check)

    def _shutdown_core(self) -> None:
        try:
            self.core.shutdown()
        except Exception:
            log.exception("core shutdown failed")

    # --- helpers ---------------------------------------------------------------------------

    def _remember(self, task_id: str) -> None:
        if task_id in self.recent_ids:
            self.recent_ids.remove(task_id)
        self.recent_ids.insert(0, task_id)
        del self.recent_ids[10:]

    def _open(self, name: str, widget: QWidget) -> None:
        old = self.dialogs.get(name)
        if old is not None and old is not widget:
            old.close()
        self.dialogs[name] = widget
        widget.setObjectName(name)
        if isinstance(widget, (QMessageBox,)) or hasattr(widget, "open"):
            widget.open()
        else:
            widget.show()
        widget.raise_()
        widget.activateWindow()

    def _restore_place(self, widget: QWidget, name: str) -> None:
        saved = self.places.get(name)
        if saved is None:
            return
        screens = [
            (g.x(), g.y(), g.width(), g.height())
            for g in (screen.availableGeometry() for screen in QApplication.screens())
        ]
        rect = safe_rect(saved, screens)
        if rect is not None:
            widget.setGeometry(*rect)

    def _save_place(self, widget: QWidget, name: str) -> None:
        g = widget.geometry()
        self.places.put(name, (g.x(), g.y(), g.width(), g.height()))


def _text(value: object) -> str | None:
    """Signals carry "" for "no text" (never None, which PySide6 mis-counts); the facade
    wants None."""
    return value if isinstance(value, str) and value else None


def _logs_or_empty(fut: Any) -> list[LogEntry]:
    try:
        return list(fut.result())
    except Exception:
        log.warning("could not load logs for the overlap check", exc_info=True)
        return []


def _entries_or_empty(items: object) -> list[OutboxEntry]:
    return list(items) if isinstance(items, list) else []
