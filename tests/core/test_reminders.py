"""The reminders' rules, on plain snapshots: each is owed once per occasion, never a nag."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.core.reminders import Reminders
from app.core.snapshot import AttendanceView, Snapshot, TimerView

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHECKED_IN = Snapshot(signed_in=True, attendance=AttendanceView(checked_in=True, known=True))
ON_BREAK = replace(
    CHECKED_IN, attendance=AttendanceView(checked_in=True, on_break=True, known=True)
)


def running(started: datetime) -> Snapshot:
    timer = TimerView(
        task_id="t3",
        task_title="Implement tray sync",
        project_title=None,
        state="running",
        pause_reason=None,
        source="server",
        started_at=started,
        accumulated_seconds=0.0,
        running_since=started,
    )
    return replace(CHECKED_IN, timer=timer)


def kinds(reminders: Reminders, snap: Snapshot, at: datetime) -> list[str]:
    return [n.kind for n in reminders.check(snap, at)]


def test_idle_reminder_once_per_stretch_and_again_after_a_break() -> None:
    r = Reminders(long_timer_hours=0, idle_reminder_minutes=30)
    assert kinds(r, CHECKED_IN, T0) == []
    assert kinds(r, CHECKED_IN, T0 + timedelta(minutes=29)) == []
    assert kinds(r, CHECKED_IN, T0 + timedelta(minutes=30)) == ["idle_reminder"]
    assert kinds(r, CHECKED_IN, T0 + timedelta(minutes=90)) == []
    # a break ends the stretch; a new one counts from zero
    assert kinds(r, ON_BREAK, T0 + timedelta(minutes=91)) == []
    assert kinds(r, CHECKED_IN, T0 + timedelta(minutes=100)) == []
    assert kinds(r, CHECKED_IN, T0 + timedelta(minutes=131)) == ["idle_reminder"]


def test_idle_reminder_is_off_at_zero() -> None:
    r = Reminders(long_timer_hours=0, idle_reminder_minutes=0)
    r.check(CHECKED_IN, T0)
    assert kinds(r, CHECKED_IN, T0 + timedelta(hours=5)) == []


def test_long_timer_notice_once_per_timer() -> None:
    r = Reminders(long_timer_hours=1, idle_reminder_minutes=0)
    first = running(T0)
    assert kinds(r, first, T0 + timedelta(minutes=59)) == []
    notices = r.check(first, T0 + timedelta(minutes=61))
    assert [n.kind for n in notices] == ["long_timer"]
    assert "Implement tray sync" in notices[0].message
    assert kinds(r, first, T0 + timedelta(hours=3)) == []
    later = running(T0 + timedelta(hours=4))
    assert kinds(r, later, T0 + timedelta(hours=5, minutes=1)) == ["long_timer"]
