"""Words the user reads: tooltip, labels, and the checks made before sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.core.facade import LogEntry
from app.core.snapshot import AttendanceView, Snapshot, SyncView, TimerView
from app.ui import text
from tests.ui.fake_core import T0, demo_tasks

RUNNING = TimerView(
    task_id="t3",
    task_title="Implement tray sync",
    project_title="Desktop Tray Client",
    state="running",
    pause_reason=None,
    source="server",
    started_at=T0,
    accumulated_seconds=120.0,
    running_since=T0,
)


def snap(**kw: object) -> Snapshot:
    base = Snapshot(
        signed_in=True,
        email="emp1@example.com",
        attendance=AttendanceView(checked_in=True, work_mode="wfh", known=True),
        sync=SyncView(online=True),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_icon_text_is_minutes_under_an_hour_then_h_mm() -> None:
    assert text.icon_elapsed(0) == "0m"
    assert text.icon_elapsed(59 * 60 + 59) == "59m"
    assert text.icon_elapsed(67 * 60) == "1:07"
    assert text.icon_elapsed(10 * 3600 + 5 * 60) == "10:05"


def test_icon_view_per_state() -> None:
    now = T0 + timedelta(minutes=65)
    assert text.icon_view(snap(timer=RUNNING), now) == text.IconView("running", "1:07")
    paused = replace(RUNNING, state="paused", pause_reason="manual_pause", running_since=None)
    assert text.icon_view(snap(timer=paused), now).state == "paused"
    auto = replace(paused, pause_reason="break_started")
    assert text.icon_view(snap(timer=auto), now).state == "paused_auto"
    assert text.icon_view(snap(), now) == text.IconView("idle", "")
    assert text.icon_view(Snapshot(), now).state == "signed_out"


def test_badge_priority_parked_over_offline_over_waiting() -> None:
    assert text.icon_badge(snap(sync=SyncView(online=True, pending=2))) == "waiting"
    assert text.icon_badge(snap(sync=SyncView(online=False, pending=2))) == "offline"
    assert text.icon_badge(snap(sync=SyncView(online=False, pending=2, parked=1))) == "parked"
    assert text.icon_badge(snap()) is None


def test_tooltip_has_task_project_elapsed_today_attendance_and_sync() -> None:
    now = T0 + timedelta(minutes=5)
    tip = text.tooltip_text(
        snap(timer=RUNNING, today_logged_seconds=3600, sync=SyncView(online=True, pending=3)),
        now,
    )
    assert tip.splitlines() == [
        "Task: Implement tray sync",
        "Project: Desktop Tray Client",
        "Elapsed: 0:07:00",
        "Today: 1:07 h",
        "Checked in (working from home)",
        "3 entries waiting to sync",
    ]


def test_tooltip_paused_says_why_and_offline_says_so() -> None:
    paused = replace(RUNNING, state="paused", pause_reason="break_started", running_since=None)
    tip = text.tooltip_text(
        snap(timer=paused, sync=SyncView(online=False, pending=1, last_error="timed out")), T0
    )
    assert "Elapsed: 0:02:00 (paused for your break)" in tip
    assert "Offline (timed out); 1 entry waiting to sync" in tip


def test_signed_out_tooltip() -> None:
    assert text.tooltip_text(Snapshot(), T0).startswith("Timetray: signed out")


def test_tasks_startable_first_then_recent_then_newest() -> None:
    tasks = demo_tasks()
    ordered = text.order_tasks(tasks, recent_ids=[tasks[7].id])
    assert ordered[0].id == tasks[7].id
    assert [t.status for t in ordered[-2:]] == ["blocked", "completed"]
    assert text.task_label(tasks[3]).endswith("(Cannot start timer on a blocked task)")


def test_task_search_matches_all_words_in_title_or_project() -> None:
    task = demo_tasks()[2]
    assert text.task_matches(task, "tray SYNC")
    assert text.task_matches(task, "desktop impl")
    assert not text.task_matches(task, "queue")


def log(start_h: int, end_h: int, pending: bool = False) -> LogEntry:
    day = datetime(2026, 11, 23, tzinfo=UTC)
    return LogEntry(
        task_id="x",
        task_title="Review API spec",
        started_at=day + timedelta(hours=start_h),
        ended_at=day + timedelta(hours=end_h),
        duration_minutes=(end_h - start_h) * 60,
        notes=None,
        source="manual",
        pending=pending,
    )


def test_manual_checks_mirror_the_server() -> None:
    day = datetime(2026, 11, 23, tzinfo=UTC)
    at = day + timedelta(hours=10)
    assert text.validate_manual(at, at, "", [], 100) == [
        "The end time must be after the start time."
    ]
    problems = text.validate_manual(at, at + timedelta(hours=1), "", [log(9, 11)], 100)
    assert len(problems) == 1 and "overlaps “Review API spec”" in problems[0]
    # touching ends is fine, as on the server
    assert (
        text.validate_manual(at, at + timedelta(hours=1), "", [log(9, 10), log(11, 12)], 100) == []
    )
    pending = text.validate_manual(at, at + timedelta(hours=1), "", [log(10, 11, True)], 100)
    assert "waiting to sync" in pending[0]
    assert "too long" in text.validate_manual(at, at + timedelta(hours=1), "x" * 101, [], 100)[0]


def test_checkout_requirement_from_server_words() -> None:
    early = "A reason of at least 5 characters is required for checking out before your shift ends."
    late = "Reason and note are required for checkout after shift end."
    assert text.checkout_requirement(early) == "early"
    assert text.checkout_requirement(late) == "after_shift"
    assert text.checkout_requirement("No active attendance session found.") is None


def test_quit_warning_only_when_something_is_at_stake() -> None:
    assert text.quit_warning(snap(), T0) is None
    running = text.quit_warning(snap(timer=RUNNING), T0)
    assert running is not None and "Implement tray sync" in running
    waiting = text.quit_warning(snap(sync=SyncView(online=False, pending=2)), T0)
    assert waiting is not None and "2 entries not synced yet" in waiting


def test_retry_after_text() -> None:
    assert text.retry_after_text(900) == "Too many attempts. Try again in 15 minutes."
    assert text.retry_after_text(30) == "Too many attempts. Try again in 30 s."
    assert "wait" in text.retry_after_text(None)


def test_day_totals_group_by_local_day() -> None:
    groups = text.day_totals([log(1, 2), log(3, 5)])
    assert len(groups) == 1 or sum(g[1] for g in groups) == 180
    assert sum(g[1] for g in groups) == 180


def test_a_days_entries_read_in_time_order_newest_day_first() -> None:
    """The Today list showed the afternoon above the morning."""
    later_day = replace(log(9, 10), started_at=log(9, 10).started_at + timedelta(days=1))
    later_day = replace(later_day, ended_at=later_day.started_at + timedelta(hours=1))
    groups = text.day_totals([log(13, 14), log(9, 10), later_day, log(11, 12)])
    assert groups[0][2][0].started_at == later_day.started_at
    same_day = groups[1][2]
    assert [e.started_at.hour for e in same_day] == [9, 11, 13]


def test_text_module_has_no_qt() -> None:
    import app.ui.text as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "PySide6" not in source and "app.ui.qt" not in source
