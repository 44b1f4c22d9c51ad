"""The tray application around one CoreFacade: it builds the pieces and routes between them.

Like vorta's ``VortaApp`` it holds the app-wide actions (show, bring forward, open what a
notification names, tell the user something, quit) and hands every menu entry to the flow that
owns it; the pieces do the work:

* :class:`~app.ui.tray_view.TrayView` draws the icon, tooltip, menu and fallback window;
* :class:`~app.ui.messages.Messages` shows messages once and routes their clicks;
* :class:`~app.ui.commands.CommandRunner` runs facade commands and reports failures;
* :class:`~app.ui.dialog_registry.DialogRegistry` holds the open dialogs and their places;
* ``app/ui/flows/*`` one flow per part of the menu (timer, attendance, session, sync, logs,
  settings);
* :class:`~app.ui.shutdown.QuitSequence` ends the tray, however the end came.

Every command returns a Future that completes on the core's worker thread; the bridge hops its
result back here, so nothing on this (GUI) thread ever waits on the network, a lock or SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.clock import utc_now
from app.core.facade import CommandResult, CoreFacade
from app.core.snapshot import Snapshot
from app.ui.bridge import Bridge
from app.ui.commands import CommandRunner
from app.ui.dialog_registry import DialogRegistry
from app.ui.flows.attendance import AttendanceFlow
from app.ui.flows.away import AwayFlow
from app.ui.flows.context import FlowContext
from app.ui.flows.logs import LogsFlow
from app.ui.flows.session import SessionFlow
from app.ui.flows.settings import SettingsFlow
from app.ui.flows.sync import SyncFlow
from app.ui.flows.timer import TimerFlow
from app.ui.flows.week import WeekFlow
from app.ui.menu import build_menu
from app.ui.messages import Messages
from app.ui.notifier import Notifier
from app.ui.qt import QApplication, QMenu, QObject, QSystemTrayIcon, QTimer, Signal
from app.ui.settings_port import SettingsPort
from app.ui.shutdown import QuitSequence
from app.ui.tray_view import TrayView, ViewCallbacks

if TYPE_CHECKING:
    from app.ui.fallback_window import FallbackWindow

log = logging.getLogger(__name__)

TICK_MS = 1000


class TrayController(QObject):
    """Owns the latest snapshot and the once-a-second tick; implements ``MenuHandlers``."""

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
        self.snapshot: Snapshot = core.snapshot()
        self.dialogs = DialogRegistry(data_dir)
        self.view = TrayView(
            ViewCallbacks(
                fill_menu=self._menu_opening,
                redraw=lambda: self.refresh(force=True),
                primary=self._primary_clicked,
                stop=self.stop,
                close=self.quit,
                message_clicked=lambda: self.messages.clicked(),
                shown=on_shown,
            ),
            self.dialogs,
            wait_for_tray=wait_for_tray,
            tray_timeout_ms=tray_timeout_ms,
            tray=tray,
            parent=self,
        )
        self.messages = Messages(clock, self.view.display_message, self.open_target, self)
        self.messages.shown.connect(self.message_shown)
        self.bridge = Bridge(core, self)
        self.commands = CommandRunner(core, self.bridge, self.messages.show)
        ctx = FlowContext(
            core=core,
            bridge=self.bridge,
            commands=self.commands,
            dialogs=self.dialogs,
            settings=self.settings,
            tell=self.messages.show,
            clock=clock,
            snapshot=lambda: self.snapshot,
        )
        self.timer = TimerFlow(ctx)
        self.attendance = AttendanceFlow(ctx)
        self.session = SessionFlow(ctx)
        self.sync = SyncFlow(ctx)
        self.logs = LogsFlow(ctx)
        self.week = WeekFlow(ctx)
        self.away = AwayFlow(ctx)
        self.settings_flow = SettingsFlow(ctx, self.messages.notifier, autostart_apply)
        self.quitter = QuitSequence(core, self.dialogs, self._teardown, on_quit, parent=self)
        self.quitter.finished.connect(self.quit_requested)
        app = QApplication.instance()
        if app is not None:  # a session logout ends the loop without our Quit
            app.aboutToQuit.connect(self.quitter.finish_now)

        self.bridge.snapshot_changed.connect(self.on_snapshot)
        self.bridge.notice.connect(self.messages.on_notice)
        self.bridge.command_done.connect(_log_command)
        self.rebuild_menu()
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.refresh)
        self.bridge.attach()
        self.refresh()

    # --- what the pieces own, for tray_app and the tests -----------------------------------

    @property
    def tray(self) -> QSystemTrayIcon:
        return self.view.tray

    @property
    def menu(self) -> QMenu:
        return self.view.menu

    @property
    def window(self) -> FallbackWindow | None:
        return self.view.window

    @property
    def shown(self) -> bool:
        return self.view.shown

    @property
    def notifier(self) -> Notifier:
        return self.messages.notifier

    @property
    def last_message(self) -> tuple[str, str] | None:
        return self.messages.last

    @property
    def recent_ids(self) -> list[str]:
        return self.timer.recent_ids

    # --- app-wide actions ------------------------------------------------------------------

    def show(self) -> None:
        self.ticker.start()
        self.view.show()

    def show_fallback_window(self) -> FallbackWindow:
        return self.view.show_window()

    def bring_forward(self) -> None:
        """A second launch asked for us: show the window, or pop the menu at the cursor."""
        self.view.bring_forward()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()
        self.sync.on_snapshot(snapshot)
        self.away.on_snapshot(snapshot)

    def refresh(self, force: bool = False) -> None:
        """The once-a-second tick: the view redraws only what changed."""
        week_target = float(self.settings.get("weekly_target_hours") or 0)
        self.view.render(self.snapshot, self.clock(), force, week_target)

    def _menu_opening(self, menu: QMenu | None = None) -> None:
        """The person is here: the core leaves its quiet poll interval."""
        self.core.poll_soon()
        self.rebuild_menu(menu)

    def rebuild_menu(self, menu: QMenu | None = None) -> None:
        build_menu(
            menu if menu is not None else self.view.menu,
            self.snapshot,
            self.clock(),
            self,
            self.recent_ids,
        )

    def show_message(self, title: str, text: str, target: str | None = None) -> None:
        """One user-facing message: a tray bubble, or the fallback window's message line."""
        self.messages.show(title, text, target)

    def open_target(self, target: str | None) -> None:
        """Open the place a notification named (``Notice.target``)."""
        if target == "sync":
            self.open_sync()
        elif target == "today":
            self.logs.open("today")
        elif target == "settings":
            self.open_settings()
        elif target == "settings_problems":
            self.settings_flow.open_problems()
        elif target == "sign_in":
            self.sign_in()
        elif target == "away":
            self.away.open()
        elif target == "menu":
            self.bring_forward()

    def quit(self) -> None:
        self.quitter.request(self.snapshot, self.clock())

    def really_quit(self, reason: str = "quit") -> None:
        """End now, without asking (smoke test, SIGTERM)."""
        self.quitter.start(reason)

    def _teardown(self) -> None:
        self.ticker.stop()
        self.view.hide()
        self.dialogs.close_all()
        self.bridge.close()

    def _primary_clicked(self) -> None:
        snap = self.snapshot
        if not snap.signed_in:
            self.sign_in()
        elif snap.timer is None:
            self.view.open_window_menu()
        elif snap.timer.state == "running":
            self.pause()
        else:
            self.resume()

    # --- MenuHandlers: each entry goes to the flow that owns it ----------------------------

    def start_task(self, task_id: str) -> None:
        self.timer.start_task(task_id)

    def switch_task(self, task_id: str) -> None:
        self.timer.switch_task(task_id)

    def pause(self) -> None:
        self.timer.pause()

    def resume(self) -> None:
        self.timer.resume()

    def stop(self) -> None:
        self.timer.stop()

    def log_manual(self) -> None:
        self.timer.log_manual()

    def check_in(self, work_mode: str) -> None:
        self.attendance.check_in(work_mode)

    def start_break(self) -> None:
        self.attendance.start_break()

    def end_break(self) -> None:
        self.attendance.end_break()

    def check_out(self) -> None:
        self.attendance.check_out()

    def open_week(self) -> None:
        self.week.open()

    def open_logs(self, which: str | None = None) -> None:
        self.logs.open(which)

    def sync_now(self) -> None:
        self.sync.sync_now()

    def open_sync(self) -> None:
        self.sync.open()

    def open_away(self) -> None:
        self.away.open()

    def open_settings(self) -> None:
        self.settings_flow.open()

    def sign_in(self) -> None:
        self.session.sign_in()

    def sign_out(self) -> None:
        self.session.sign_out()


def _log_command(label: str, result: CommandResult) -> None:
    log.info("command %s -> %s %s", label, result.status, result.message)
