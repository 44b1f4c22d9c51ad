"""Clicking a notification opens the place it talks about, for every place a notice can name;
errors the user must act on are shown even with notifications turned off."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.core.snapshot import Notice
from app.ui.controller import TrayController
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import SyncWindow
from app.ui.qt import QApplication, QWidget
from tests.ui.fake_core import FakeCore

NOTICES = {
    "menu": Notice("long_timer", "Timer still running", "Forgot to stop it?", "menu"),
    "sync": Notice("parked", "Entry parked", "Cannot start timer on a blocked task", "sync"),
    "today": Notice("queued", "Time logged offline", "It will sync later.", "today"),
    "settings": Notice("store_reset", "Local data reset", "The store was damaged.", "settings"),
    "sign_in": Notice("sign_in_needed", "Please sign in again", "Session ended.", "sign_in"),
}
PLACES: dict[str, tuple[str, type[QWidget]]] = {
    "sync": ("sync", SyncWindow),
    "today": ("logs", LogsWindow),
    "settings": ("settings", SettingsDialog),
    "sign_in": ("sign_in", SignInDialog),
}


def show_notice(qtbot: QtBot, controller: TrayController, core: FakeCore, notice: Notice) -> None:
    core.emit_notice(notice)
    qtbot.waitUntil(lambda: controller.last_message == (notice.title, notice.message), timeout=2000)


@pytest.mark.parametrize("target", sorted(PLACES))
def test_clicking_a_notice_opens_its_window(
    qtbot: QtBot, controller: TrayController, core: FakeCore, target: str
) -> None:
    show_notice(qtbot, controller, core, NOTICES[target])
    name, kind = PLACES[target]
    assert name not in controller.dialogs
    controller.tray.messageClicked.emit()
    window = controller.dialogs.get(name)
    assert isinstance(window, kind)
    assert window.isVisible()


def test_clicking_a_notice_about_the_timer_opens_the_menu(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    show_notice(qtbot, controller, core, NOTICES["menu"])
    assert not controller.menu.isVisible()
    controller.tray.messageClicked.emit()
    qtbot.waitUntil(controller.menu.isVisible, timeout=2000)
    assert controller.menu.actions()[0].objectName() == "header"
    controller.menu.hide()


def test_notice_about_today_shows_today_even_after_the_week_was_picked(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    controller.open_logs()
    window = controller.dialogs["logs"]
    assert isinstance(window, LogsWindow)
    window.set_range("week")
    show_notice(qtbot, controller, core, NOTICES["today"])
    controller.tray.messageClicked.emit()
    assert window.current_range() == "today"


def test_a_later_message_without_a_place_clears_the_click_target(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    show_notice(qtbot, controller, core, NOTICES["sync"])
    controller.show_message("Time logged", "45 min logged.")
    controller.tray.messageClicked.emit()
    assert "sync" not in controller.dialogs


@pytest.mark.parametrize("kind", ["sync", "sign_in", "settings"])
def test_errors_to_act_on_are_shown_with_notifications_off(
    qtbot: QtBot, controller: TrayController, core: FakeCore, kind: str
) -> None:
    controller.notifier.enabled = False
    show_notice(qtbot, controller, core, NOTICES[kind])
    controller.tray.messageClicked.emit()
    name, window_kind = PLACES[kind]
    assert isinstance(controller.dialogs.get(name), window_kind)


def test_informational_notices_stay_quiet_with_notifications_off(
    qtbot: QtBot, controller: TrayController, core: FakeCore
) -> None:
    controller.notifier.enabled = False
    shown: list[str] = []
    controller.message_shown.connect(lambda title, _text: shown.append(title))
    core.emit_notice(Notice("online", "Back online", "Synced.", None))
    core.emit_notice(NOTICES["today"])
    core.emit_notice(NOTICES["sync"])
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    QApplication.sendPostedEvents()  # every notice emitted has been delivered
    assert shown == ["Entry parked"]
