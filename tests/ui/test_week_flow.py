"""My week from the tray: the menu opens the week window with the core's logs, the live timer
and the weekly target; the tooltip carries the week line (issue 12)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from app.core.snapshot import AttendanceView, Snapshot, SyncView
from app.ui.controller import TrayController
from app.ui.dialogs.week_window import WeekWindow
from app.ui.text import tooltip_text, week_line
from tests.ui.fake_core import FakeClock, FakeCore, task_id
from tests.ui.helpers import trigger
from tests.ui.test_menu_actions import check_in_and_start, wait_idle

T3 = task_id("03")


def test_my_week_shows_what_was_logged_and_the_running_timer(
    qtbot: QtBot, controller: TrayController, core: FakeCore, clock: FakeClock
) -> None:
    check_in_and_start(qtbot, controller)
    clock.advance(30 * 60)
    core.stop("first part")
    wait_idle(qtbot)
    trigger(controller, f"task:{T3}")  # still checked in: start again
    wait_idle(qtbot)
    clock.advance(15 * 60)
    trigger(controller, "action:week")
    wait_idle(qtbot)
    window = controller.dialogs["week"]
    assert isinstance(window, WeekWindow) and window.isVisible()
    model = window.model
    assert model is not None and model.is_current
    assert model.total_seconds == 45 * 60  # 30 min logged + 15 min running
    assert model.target_seconds == 40 * 3600  # the weekly_target_hours default
    assert any(name == "logs" for name, _args in core.calls)
    assert [row.task_title for row in model.rows] == ["Implement tray sync"]


def test_the_tooltip_says_the_week_against_the_target() -> None:
    snap = Snapshot(
        signed_in=True,
        email="emp1@example.com",
        attendance=AttendanceView(checked_in=True, work_mode="wfh", known=True),
        sync=SyncView(online=True),
        today_logged_seconds=3600.0,
        week_logged_seconds=31 * 3600 + 20 * 60,
    )
    now = datetime(2026, 11, 26, 15, tzinfo=UTC)
    assert "Week: 31:20 of 40:00" in tooltip_text(snap, now, 40)
    assert "Week: 31:20\n" in tooltip_text(snap, now, 0) + "\n"
    unknown = replace(snap, week_logged_seconds=None)
    assert "Week:" not in tooltip_text(unknown, now, 40)
    assert week_line(90 * 60, 37.5) == "Week: 1:30 of 37:30"
