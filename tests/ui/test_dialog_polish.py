"""What a person meets in the dialogs and windows themselves: where typing goes, what fits,
how a window is left, and what the manual-entry dialog suggests (issue 14, items 4, 5, 8, 9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from app.core.facade import LogEntry, LogsView
from app.core.snapshot import TaskView
from app.ui.dialogs.logs_window import LogsWindow
from app.ui.dialogs.manual_entry import ManualEntryDialog, free_slot
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.dialogs.sync_window import SyncWindow
from app.ui.fallback_window import FallbackWindow
from app.ui.qt import QDialogButtonBox, QMenu, Qt, QTime, QWidget

SERVER = "http://127.0.0.1:34637"
TASK = TaskView(
    id="t1",
    title="Review API spec",
    project_title="Desktop Tray Client",
    status="approved",
    startable=True,
    reason=None,
)


def local(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Today's local wall-clock time, as the dialog's fields show it."""
    now = datetime.now().astimezone()
    return now.replace(hour=hour, minute=minute, second=second, microsecond=0)


def logged(start: datetime, end: datetime, *, pending: bool = False) -> LogEntry:
    return LogEntry(
        task_id="t1",
        task_title="Implement tray sync",
        started_at=start.astimezone(UTC),
        ended_at=end.astimezone(UTC),
        duration_minutes=int((end - start).total_seconds() // 60),
        notes=None,
        source="timer",
        pending=pending,
    )


# --------------------------------------------------------------------------- sign in (item 5)


def test_with_a_preset_server_typing_goes_to_the_email_and_keeps_the_address(
    qtbot: QtBot,
) -> None:
    dialog = SignInDialog(SERVER, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is not None)
    assert dialog.focusWidget() is dialog.email
    assert not dialog.server.hasSelectedText()
    qtbot.keyClicks(dialog.focusWidget(), "emp1@example.com")
    assert dialog.server.text() == SERVER
    assert dialog.email.text() == "emp1@example.com"


def test_sign_in_focuses_the_first_empty_field() -> None:
    fresh = SignInDialog(None, None)
    assert fresh.first_empty_field() is fresh.server
    known = SignInDialog(SERVER, "emp1@example.com")
    assert known.first_empty_field() is known.password
    locked = SignInDialog("", None, server_locked=True)
    assert locked.first_empty_field() is locked.email


def test_the_whole_server_address_fits_in_its_field(qtbot: QtBot) -> None:
    dialog = SignInDialog(SERVER, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    needed = dialog.server.fontMetrics().horizontalAdvance(SERVER)
    assert dialog.server.width() > needed


# ------------------------------------------------------------------ windows (items 8 and 9)


@pytest.mark.parametrize("make", [SyncWindow, LogsWindow])
def test_sync_and_my_time_close_with_a_button_and_with_escape(
    qtbot: QtBot, make: Callable[[], QWidget]
) -> None:
    window = make()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    buttons = [
        box.button(QDialogButtonBox.StandardButton.Close)
        for box in window.findChildren(QDialogButtonBox)
    ]
    close = [button for button in buttons if button is not None]
    assert len(close) == 1
    qtbot.mouseClick(close[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible())
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClick(close[0], Qt.Key.Key_Escape)  # pressed with a child focused, passed up
    qtbot.waitUntil(lambda: not window.isVisible())


def test_window_titles_do_not_repeat_the_app_name() -> None:
    """Qt adds " — Timetray" itself (the application display name)."""
    for window in (SyncWindow(), LogsWindow(), SignInDialog(None, None)):
        assert "Timetray" not in window.windowTitle()


def test_the_fallback_window_grows_with_a_wrapped_title(qtbot: QtBot) -> None:
    menu = QMenu()
    window = FallbackWindow(menu, lambda: None)
    qtbot.addWidget(window)
    window.header.setText("Implement tray sync for the desktop client (Desktop Tray Client): 1:07")
    window.details.setText("Checked in (office)\nAll synced")
    window.show()
    qtbot.waitExposed(window)
    window.resize(320, 10)  # as small as the window manager may make it
    qtbot.waitUntil(lambda: window.height() > 10)
    for label in (window.header, window.details):
        assert label.height() >= label.heightForWidth(label.width()), label.text()
        assert label.geometry().bottom() <= window.height()


def test_my_time_says_entry_in_the_singular(qtbot: QtBot) -> None:
    window = LogsWindow()
    qtbot.addWidget(window)
    window.set_logs(LogsView([logged(local(9), local(10))], True, local(10)))
    assert window.tree.topLevelItem(0).text(1) == "1 entry"


# ------------------------------------------------------------------ manual entry (item 4)


def test_the_suggested_range_is_a_free_slot_after_the_timer_just_stopped(qtbot: QtBot) -> None:
    now = local(15, 30, 20)
    dialog = ManualEntryDialog([TASK], now=now, notes_max=100)
    qtbot.addWidget(dialog)
    dialog.set_known_logs([logged(local(14, 10), local(15, 5, 37))])
    assert (dialog.start.time(), dialog.end.time()) == (QTime(15, 6), QTime(15, 30))
    dialog.accept()
    assert dialog.error.isHidden()


def test_a_time_the_person_chose_is_not_moved_by_late_logs(qtbot: QtBot) -> None:
    dialog = ManualEntryDialog([TASK], now=local(15, 30), notes_max=100)
    qtbot.addWidget(dialog)
    dialog.start.setTime(QTime(8, 0))
    dialog.end.setTime(QTime(9, 0))
    dialog.set_known_logs([logged(local(14, 10), local(15, 5))])
    assert (dialog.start.time(), dialog.end.time()) == (QTime(8, 0), QTime(9, 0))


def test_the_overlap_message_goes_once_the_times_are_fixed(qtbot: QtBot) -> None:
    dialog = ManualEntryDialog([TASK], now=local(15, 30), notes_max=100)
    qtbot.addWidget(dialog)
    dialog.set_known_logs([logged(local(9), local(10))])
    dialog.start.setTime(QTime(9, 30))
    dialog.end.setTime(QTime(10, 30))
    dialog.accept()
    assert "overlaps" in dialog.error.text()
    dialog.start.setTime(QTime(10, 0))
    assert dialog.error.isHidden()


def test_typing_over_a_selected_time_replaces_it(qtbot: QtBot) -> None:
    dialog = ManualEntryDialog([TASK], now=local(15, 30), notes_max=100)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.start.setFocus()
    dialog.start.selectAll()
    qtbot.keyClicks(dialog.start, "0930")
    assert dialog.start.time() == QTime(9, 30)


def test_free_slot_walks_back_past_busy_stretches() -> None:
    now = local(12, 0)
    busy = [(local(11, 0), local(12, 0)), (local(10, 30), local(11, 0))]
    assert free_slot(busy, now) == (local(9, 30), local(10, 30))
    assert free_slot([(local(0), local(12, 0))], now) is None
    assert free_slot([], now) == (local(11), local(12))


def test_the_default_range_stays_within_one_day_after_midnight(qtbot: QtBot) -> None:
    """At 00:20 "the last hour" read 23:20-00:20 on one date: an end before its start."""
    from app.ui.dialogs.manual_entry import default_range

    assert default_range(local(15, 30, 20)) == (local(14, 30), local(15, 30))
    assert default_range(local(0, 20, 5)) == (local(0, 0), local(0, 20))
    yesterday_end = local(0, 0) - timedelta(minutes=1)
    assert default_range(local(0, 0, 30)) == (yesterday_end - timedelta(minutes=59), yesterday_end)
    dialog = ManualEntryDialog([TASK], now=local(0, 20, 5), notes_max=100)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.error.isHidden()
